import OutpostModel
import Testing

/// Timestamps as journals, peer documents and resolutions write them (SPEC.md §4.2, §8.8).
struct TimestampTests {
  @Test(
    "seconds since 1970 as YYYY-MM-DDTHH:MM:SSZ",
    arguments: [
      (Int64(0), "1970-01-01T00:00:00Z"), (1_735_689_600, "2025-01-01T00:00:00Z"),
      (951_825_599, "2000-02-29T11:59:59Z"), (-1, "1969-12-31T23:59:59Z"),
      (1_741_003_512, "2025-03-03T12:05:12Z"),
    ])
  func text(_ seconds: Int64, _ expected: String) {
    #expect(Timestamp(secondsSinceEpoch: seconds).description == expected)
    #expect(Timestamp(parsing: expected) == Timestamp(secondsSinceEpoch: seconds))
  }

  @Test("their order is the order of their text (in UTC)")
  func order() {
    let instants: [Int64] = [-86_401, -1, 0, 59, 3_600, 86_399, 86_400, 1_741_003_512]
    let stamps = instants.map { Timestamp(secondsSinceEpoch: $0) }
    #expect(stamps == stamps.sorted())
    #expect(stamps.map(\.description) == stamps.map(\.description).sorted())
  }

  @Test(
    "a local time with its offset reads back to the same text, at the instant it names",
    arguments: [
      ("2025-03-01T09:00:00+08:00", Int64(1_740_790_800), 480, "2025-03-01"),
      ("2025-03-01T01:30:00+05:30", 1_740_772_800, 330, "2025-03-01"),
      ("2025-02-28T20:00:00-05:00", 1_740_790_800, -300, "2025-02-28"),
      ("1970-01-01T00:00:00-00:01", 60, -1, "1970-01-01"),
      ("2025-03-01T00:59:59+23:59", 1_740_704_459, 1439, "2025-03-01"),
    ])
  func offsets(_ text: String, _ seconds: Int64, _ offset: Int, _ date: String) throws {
    let timestamp = try #require(Timestamp(parsing: text))
    #expect(timestamp.secondsSinceEpoch == seconds)
    #expect(timestamp.utcOffsetMinutes == offset)
    #expect(timestamp.description == text)
    #expect(timestamp.date.description == date)
  }

  @Test(
    "anything but YYYY-MM-DDTHH:MM:SS with Z or a non-zero ±HH:MM is not a timestamp",
    arguments: [
      "", "now", "t0", "2025-03-01", "2025-03-01T09:00:00", "2025-03-01T09:00Z",
      "2025-03-01T09:00:00.5Z", "2025-03-01 09:00:00Z", "2025-03-01T09:00:00z",
      "2025-03-01T09:00:00+00:00", "2025-03-01T09:00:00-00:00", "2025-03-01T09:00:00+0800",
      "2025-03-01T24:00:00Z", "2025-03-01T09:60:00Z", "2025-03-01T09:00:60Z",
      "2025-02-29T09:00:00Z", "2025-03-01T09:00:00+24:00", "2025-03-01T09:00:00+08:60",
      "2025-03-01T09:00:00+08:00 ", "+2025-03-01T09:00:00Z",
    ])
  func refused(_ text: String) {
    #expect(Timestamp(parsing: text) == nil)
  }

  @Test("the same instant with another offset is another timestamp, ordered after by offset")
  func sameInstant() throws {
    let utc: Timestamp = "2025-03-01T01:00:00Z"
    let local: Timestamp = "2025-03-01T09:00:00+08:00"
    #expect(utc.secondsSinceEpoch == local.secondsSinceEpoch)
    #expect(utc != local && utc < local)
    #expect(local < "2025-03-01T01:00:01Z")
  }
}
