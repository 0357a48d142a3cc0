import OutpostModel

/// How long a reporting period is (SPEC.md §9.2).
public enum Grain: String, Sendable, CaseIterable, Comparable {
  case day, week, month, quarter, year

  public static func < (lhs: Grain, rhs: Grain) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }

  /// The grain's number, day 0 to year 4 (cheaper to hash than its name).
  var rank: Int {
    switch self {
    case .day: 0
    case .week: 1
    case .month: 2
    case .quarter: 3
    case .year: 4
    }
  }
}

/// A reporting period: a day, an ISO week, a month, a quarter or a year, in office-local
/// calendar dates (docs/kpis.md R6).
public struct Period: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// Its length.
  public let grain: Grain
  /// Its first day.
  public let start: CivilDate
  /// Its last day (inclusive).
  public let end: CivilDate

  private init(_ grain: Grain, _ start: CivilDate, _ end: CivilDate) {
    self.grain = grain
    self.start = start
    self.end = end
  }

  /// The period of `grain` that contains `date`.
  public static func containing(_ date: CivilDate, grain: Grain) -> Period {
    switch grain {
    case .day:
      return Period(.day, date, date)
    case .week:
      let monday = date.adding(days: 1 - date.isoWeekday)
      return Period(.week, monday, monday.adding(days: 6))
    case .month:
      return month(date.year, date.month)
    case .quarter:
      let first = (date.month - 1) / 3 * 3 + 1
      let start = CivilDate(year: date.year, month: first, day: 1)!
      let last = first + 2
      return Period(
        .quarter, start,
        CivilDate(
          year: date.year, month: last,
          day: CivilDate.daysInMonth(year: date.year, month: last))!)
    case .year:
      return Period(
        .year, CivilDate(year: date.year, month: 1, day: 1)!,
        CivilDate(year: date.year, month: 12, day: 31)!)
    }
  }

  private static func month(_ year: Int, _ month: Int) -> Period {
    Period(
      .month, CivilDate(year: year, month: month, day: 1)!,
      CivilDate(year: year, month: month, day: CivilDate.daysInMonth(year: year, month: month))!)
  }

  /// Parses `2025`, `2025-Q1`, `2025-03`, `2025-W07` or `2025-03-14`.
  public init?(parsing text: String) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
    guard let year = parts.first.flatMap({ Int($0) }), parts[0].count == 4, year >= 1 else {
      return nil
    }
    func two(_ s: String) -> Int? { s.count == 2 && s.allSatisfy(\.isASCII) ? Int(s) : nil }
    switch parts.count {
    case 1:
      self = Self.containing(CivilDate(year: year, month: 1, day: 1)!, grain: .year)
    case 2 where parts[1].hasPrefix("Q"):
      guard parts[1].count == 2, let q = Int(parts[1].dropFirst()), (1...4).contains(q) else {
        return nil
      }
      self = Self.containing(CivilDate(year: year, month: q * 3 - 2, day: 1)!, grain: .quarter)
    case 2 where parts[1].hasPrefix("W"):
      guard let w = two(String(parts[1].dropFirst())), w >= 1 else { return nil }
      let january4 = CivilDate(year: year, month: 1, day: 4)!
      let monday = january4.adding(days: 1 - january4.isoWeekday).adding(days: (w - 1) * 7)
      let period = Self.containing(monday, grain: .week)
      guard period.isoYearAndWeek.year == year else { return nil }
      self = period
    case 2:
      guard let m = two(parts[1]), (1...12).contains(m) else { return nil }
      self = Self.month(year, m)
    case 3:
      guard let date = CivilDate(parsing: text) else { return nil }
      self = Self.containing(date, grain: .day)
    default:
      return nil
    }
  }

  /// The ISO 8601 week-numbering year and week of a week period (of its Thursday).
  var isoYearAndWeek: (year: Int, week: Int) {
    let thursday = start.adding(days: 4 - start.isoWeekday)
    let january1 = CivilDate(year: thursday.year, month: 1, day: 1)!
    return (thursday.year, (thursday.daysSinceEpoch - january1.daysSinceEpoch) / 7 + 1)
  }

  /// How the period is written: `2025-03-14`, `2025-W07`, `2025-03`, `2025-Q1`, `2025`.
  public var description: String {
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    switch grain {
    case .day: return start.description
    case .week:
      let (year, week) = isoYearAndWeek
      return "\(year)-W\(two(week))"
    case .month: return "\(start.year)-\(two(start.month))"
    case .quarter: return "\(start.year)-Q\((start.month - 1) / 3 + 1)"
    case .year: return "\(start.year)"
    }
  }

  /// The period just before this one, of the same grain.
  public var previous: Period { Self.containing(start.adding(days: -1), grain: grain) }

  /// The period just after this one, of the same grain.
  public var next: Period { Self.containing(end.adding(days: 1), grain: grain) }

  /// The same period one year earlier (the same ISO week number for weeks).
  public var sameLastYear: Period {
    switch grain {
    case .week:
      let (year, week) = isoYearAndWeek
      let text = "\(year - 1)-W\(week < 10 ? "0" : "")\(week)"
      return Period(parsing: text) ?? Self.containing(start.adding(days: -364), grain: .week)
    case .day:
      let day = min(start.day, CivilDate.daysInMonth(year: start.year - 1, month: start.month))
      return Self.containing(
        CivilDate(year: start.year - 1, month: start.month, day: day)!, grain: .day)
    default:
      return Self.containing(
        CivilDate(year: start.year - 1, month: start.month, day: 1)!, grain: grain)
    }
  }

  /// Calendar days in the period.
  public var days: Int { end.daysSinceEpoch - start.daysSinceEpoch + 1 }

  /// Whether `date` falls in the period.
  public func contains(_ date: CivilDate) -> Bool { start <= date && date <= end }

  public static func < (lhs: Period, rhs: Period) -> Bool {
    (lhs.start, lhs.grain) < (rhs.start, rhs.grain)
  }
}
