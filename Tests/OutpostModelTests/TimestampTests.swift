import OutpostModel
import Testing

/// Timestamps as journals, bundles and resolutions write them (SPEC.md §4.2).
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
  }

  @Test("their order is the order of their text")
  func order() {
    let instants: [Int64] = [-86_401, -1, 0, 59, 3_600, 86_399, 86_400, 1_741_003_512]
    let stamps = instants.map(Timestamp.init(secondsSinceEpoch:))
    #expect(stamps == stamps.sorted())
    #expect(stamps.map(\.description) == stamps.map(\.description).sorted())
  }
}
