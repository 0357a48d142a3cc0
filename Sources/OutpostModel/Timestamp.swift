/// An instant, to the second, as a clock wrote it: when a transaction was committed, an office
/// enrolled, a bundle applied, a conflict decided.
///
/// Its text is `YYYY-MM-DDTHH:MM:SSZ` (UTC) or `YYYY-MM-DDTHH:MM:SS±HH:MM` (the writer's local
/// time and its offset from UTC), RFC 3339 without fractions of a second. A timestamp keeps its
/// offset, so its text is exactly the text it was read from: repository files and bundles keep
/// their bytes. Two timestamps are equal when they name the same instant with the same offset;
/// they order by instant, then by offset.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible,
  ExpressibleByStringLiteral
{
  /// Seconds since 1970-01-01T00:00:00Z.
  public var secondsSinceEpoch: Int64
  /// The writer's offset from UTC, in minutes (-1439…1439); 0 is written `Z`.
  public var utcOffsetMinutes: Int

  /// The instant `seconds` after 1970-01-01T00:00:00Z, written in UTC, or in local time
  /// `offsetMinutes` ahead of UTC.
  public init(secondsSinceEpoch seconds: Int64, utcOffsetMinutes offsetMinutes: Int = 0) {
    precondition(abs(offsetMinutes) < 24 * 60, "a UTC offset is less than 24 hours")
    secondsSinceEpoch = seconds
    utcOffsetMinutes = offsetMinutes
  }

  /// Reads `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS±HH:MM`; nil for any other text
  /// (fractions of a second, `+00:00`, `-00:00`, a missing offset, an impossible date or time).
  public init?(parsing text: some StringProtocol) {
    let b = Array(text.utf8)
    guard b.count == 20 || b.count == 25, let date = CivilDate(parsing: text.prefix(10)),
      b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
      let hour = CivilDate.digits(b[11..<13]), let minute = CivilDate.digits(b[14..<16]),
      let second = CivilDate.digits(b[17..<19]), hour < 24, minute < 60, second < 60
    else { return nil }
    var offset = 0
    if b.count == 20 {
      guard b[19] == UInt8(ascii: "Z") else { return nil }
    } else {
      guard b[19] == UInt8(ascii: "+") || b[19] == UInt8(ascii: "-"), b[22] == UInt8(ascii: ":"),
        let offsetHours = CivilDate.digits(b[20..<22]),
        let offsetMinutes = CivilDate.digits(b[23..<25]), offsetHours < 24, offsetMinutes < 60
      else { return nil }
      offset = (offsetHours * 60 + offsetMinutes) * (b[19] == UInt8(ascii: "-") ? -1 : 1)
      guard offset != 0 else { return nil }  // UTC is written Z
    }
    let local = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    self.init(secondsSinceEpoch: local - Int64(offset) * 60, utcOffsetMinutes: offset)
  }

  /// A timestamp written in code; the text must be one ``init(parsing:)`` reads.
  public init(stringLiteral text: String) {
    guard let timestamp = Timestamp(parsing: text) else {
      preconditionFailure("'\(text)' is not a timestamp (YYYY-MM-DDTHH:MM:SSZ or ±HH:MM)")
    }
    self = timestamp
  }

  /// The writer's local date and time, in seconds since 1970-01-01T00:00:00 local.
  private var localSeconds: Int64 { secondsSinceEpoch + Int64(utcOffsetMinutes) * 60 }

  /// The writer's local date: the first ten characters of the text.
  public var date: CivilDate {
    CivilDate(daysSinceEpoch: Int(localSeconds.floorDivided(by: 86_400)))
  }

  /// `YYYY-MM-DDTHH:MM:SSZ`, or `YYYY-MM-DDTHH:MM:SS±HH:MM` with a non-zero offset.
  public var description: String {
    let rest = localSeconds - localSeconds.floorDivided(by: 86_400) * 86_400
    func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
    let time = "\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))"
    guard utcOffsetMinutes != 0 else { return "\(date)T\(time)Z" }
    let offset = Int64(abs(utcOffsetMinutes))
    let sign = utcOffsetMinutes < 0 ? "-" : "+"
    return "\(date)T\(time)\(sign)\(two(offset / 60)):\(two(offset % 60))"
  }

  public static func < (a: Timestamp, b: Timestamp) -> Bool {
    (a.secondsSinceEpoch, a.utcOffsetMinutes) < (b.secondsSinceEpoch, b.utcOffsetMinutes)
  }
}

extension Int64 {
  /// The quotient rounded toward negative infinity.
  fileprivate func floorDivided(by divisor: Int64) -> Int64 {
    let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
    return remainder < 0 ? quotient - 1 : quotient
  }
}
