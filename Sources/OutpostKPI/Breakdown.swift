import OutpostCodec
import OutpostModel

/// How a query breaks each office's values down (SPEC.md §9.6).
public enum Breakdown: String, Sendable, CaseIterable {
  /// One value per office: no breakdown.
  case office
  /// One value per channel (KPIs with the `channel_id` dimension).
  case channel
  /// One value per staff assignment (KPIs with the `staff_id` dimension).
  case staff
  /// One value per position of the office's staff.
  case position
  /// One value per department of the office's staff.
  case department

  /// Whether the values are people's: staff, position or department.
  public var isPeople: Bool { self == .staff || self == .position || self == .department }

  /// The KPI dimension that allows this breakdown; nil for none.
  var dimension: String? {
    switch self {
    case .office: nil
    case .channel: "channel_id"
    case .staff, .position, .department: "staff_id"
    }
  }
}

/// Staff assignments as the engine reads them: the `staff` rows (SPEC.md §2.8).
///
/// A row counts for the person its measure's `staff_field` names, in the assignment of that
/// person which is active on the row's date in the row's office; otherwise it is unattributed.
struct Assignments {
  /// One assignment: a person in an office and position for a span of days.
  struct Assignment {
    var staff: String
    var office: String
    var position: String
    var department: String
    var from: CivilDate
    /// The last day, inclusive; nil: still active.
    var to: CivilDate?

    /// Whether the assignment is active on any day from `first` to `last`.
    func overlaps(_ first: CivilDate, _ last: CivilDate) -> Bool {
      from <= last && (to.map { $0 >= first } ?? true)
    }
  }

  /// By staff id, the assignments, latest start first.
  private(set) var byStaff: [String: [Assignment]] = [:]
  /// By office, the assignments, in staff id then start order.
  private(set) var byOffice: [String: [Assignment]] = [:]

  /// Reads `staff` rows; a row missing a field or holding an unreadable date is skipped (the
  /// repository refuses such rows where they enter).
  init(_ rows: [Row]) {
    for row in rows {
      guard let staff = row["staff_id"]?.stringValue, let office = row["office_id"]?.stringValue,
        let position = row["position"]?.stringValue,
        let department = row["department"]?.stringValue,
        let from = KPIEngine.date(row["active_from"])
      else { continue }
      let to = KPIEngine.date(row["active_to"])
      if row["active_to"]?.stringValue != nil && to == nil { continue }
      let assignment = Assignment(
        staff: staff, office: office, position: position, department: department, from: from,
        to: to)
      byStaff[staff, default: []].append(assignment)
      byOffice[office, default: []].append(assignment)
    }
    for key in byStaff.keys { byStaff[key]!.sort { $0.from > $1.from } }
    for key in byOffice.keys {
      byOffice[key]!.sort { ($0.staff, $0.from) < ($1.staff, $1.from) }
    }
  }

  /// The assignment of `staff` in `office` active on `date`: with overlapping assignments
  /// (possible only through conflicting records), the latest to start.
  func active(_ staff: String, office: String, on date: CivilDate) -> Assignment? {
    byStaff[staff]?.first {
      $0.office == office && $0.from <= date && ($0.to.map { date <= $0 } ?? true)
    }
  }

  /// The assignment a row dated by a month counts for: the one active on the month's first
  /// day or, when there is none, the one in `office` that starts latest within the month (a
  /// person who joins mid-month).
  func active(_ staff: String, office: String, inMonthFrom first: CivilDate) -> Assignment? {
    if let found = active(staff, office: office, on: first) { return found }
    let last = first.adding(days: CivilDate.daysInMonth(year: first.year, month: first.month) - 1)
    return byStaff[staff]?.first { $0.office == office && $0.from > first && $0.from <= last }
  }
}

/// Who a row counts for through another collection's dated records (a measure's
/// `staff_through`, SPEC.md §9.3): `ad_daily.account_id` → the `ad_accounts` record of that
/// account in the row's office active on the row's date → its `owner`.
struct DatedOwners {
  private struct Span {
    var staff: String
    var from: CivilDate
    var to: CivilDate?
  }
  /// By office and id value, the spans, latest start first.
  private var spans: [String: [String: [Span]]] = [:]

  /// Reads the collection's rows; a row missing a field or holding an unreadable date is
  /// skipped (the repository refuses such rows where they enter).
  init(_ rows: [Row], _ through: Measure.StaffThrough) {
    for row in rows {
      guard let key = row[through.id]?.stringValue, let office = row["office_id"]?.stringValue,
        let staff = row[through.staff]?.stringValue,
        let from = KPIEngine.date(row["active_from"])
      else { continue }
      let to = KPIEngine.date(row["active_to"])
      if row["active_to"]?.stringValue != nil && to == nil { continue }
      spans[office, default: [:]][key, default: []].append(Span(staff: staff, from: from, to: to))
    }
    for office in spans.keys {
      for key in spans[office]!.keys { spans[office]![key]!.sort { $0.from > $1.from } }
    }
  }

  /// The person `key` names in `office` on `date`: with overlapping records (possible only
  /// through conflicting records), the latest to start.
  func staff(_ key: String, office: String, on date: CivilDate) -> String? {
    spans[office]?[key]?.first { $0.from <= date && ($0.to.map { date <= $0 } ?? true) }?.staff
  }
}

/// The group a people breakdown puts a row or an assignment in, as the engine's key text.
enum PeopleGroup {
  /// The group of rows that count for no assignment.
  static let unattributed = "\u{1}unattributed"
  private static let separator: Character = "\u{1F}"

  /// An assignment's group in `breakdown`.
  static func of(_ assignment: Assignments.Assignment, _ breakdown: Breakdown) -> String {
    switch breakdown {
    case .position: assignment.position
    case .department: assignment.department
    default:
      [assignment.staff, assignment.position, assignment.department].joined(
        separator: String(separator))
    }
  }

  /// The staff id of a staff group (nil for the unattributed one).
  static func staff(of group: String) -> String? {
    group == unattributed ? nil : group.split(separator: separator).first.map(String.init)
  }

  /// Sets a value's `staff`, `position` and `department` from its group.
  static func describe(_ group: String, _ breakdown: Breakdown, into value: inout KPIValue) {
    guard group != unattributed else { return }
    switch breakdown {
    case .position: value.position = group
    case .department: value.department = group
    default:
      let parts = group.split(separator: separator, omittingEmptySubsequences: false).map(
        String.init)
      guard parts.count == 3 else { return }
      (value.staff, value.position, value.department) = (parts[0], parts[1], parts[2])
    }
  }

  /// Orders groups for output: by text (staff id, position, department), unattributed last.
  static func precedes(_ a: String, _ b: String) -> Bool {
    if a == unattributed || b == unattributed { return b == unattributed && a != b }
    return a.utf8.lexicographicallyPrecedes(b.utf8)
  }
}
