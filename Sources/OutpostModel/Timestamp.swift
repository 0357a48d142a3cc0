/// An instant, to the second, in UTC: when a transaction was committed, a bundle made, a
/// conflict decided.
///
/// Its text form is `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339), which sorts as the instants do.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// Seconds since 1970-01-01T00:00:00Z.
  public var secondsSinceEpoch: Int64

  /// The instant `seconds` after 1970-01-01T00:00:00Z.
  public init(secondsSinceEpoch seconds: Int64) { secondsSinceEpoch = seconds }

  /// `YYYY-MM-DDTHH:MM:SSZ`.
  public var description: String {
    let days = secondsSinceEpoch.quotientAndRemainder(dividingBy: 86_400)
    let (day, rest) =
      days.remainder < 0 ? (days.quotient - 1, days.remainder + 86_400) : days
    let date = CivilDate(daysSinceEpoch: Int(day))
    func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(date)T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))Z"
  }

  public static func < (a: Timestamp, b: Timestamp) -> Bool {
    a.secondsSinceEpoch < b.secondsSinceEpoch
  }
}
