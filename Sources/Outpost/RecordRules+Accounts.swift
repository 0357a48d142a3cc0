import OutpostCodec
import OutpostModel

/// The rules of `ad_accounts`, `ad_daily` and `tasks` (SPEC.md §2.8): each record names what
/// the per-person KPIs attribute it through, so a record they could attribute to no one is
/// refused rather than stored and ignored (§2.7).
extension RecordRules {
  /// The position whose people run ad accounts: the one the SEM KPIs list (SPEC.md §9.4).
  public static let accountOwnerPosition = "sem"

  /// A record's `active_from` and `active_to` (nil: still active); nil without a readable start.
  static func span(_ row: [String: JSONValue]) -> (from: CivilDate, to: CivilDate?)? {
    guard let from = row["active_from"]?.stringValue.flatMap({ CivilDate(parsing: $0) }) else {
      return nil
    }
    return (from, row["active_to"]?.stringValue.flatMap { CivilDate(parsing: $0) })
  }

  /// The stored assignments of `staff` in `office`.
  func assignments(of staff: String, in office: String) -> [[String: JSONValue]] {
    assignments.filter {
      $0["staff_id"]?.stringValue == staff && $0["office_id"]?.stringValue == office
    }
  }

  /// An `ad_accounts` record: an end on or after its start; an owner whose assignment in the
  /// account's office on `active_from` is in position `sem`; no overlap with another record of
  /// the same account in the same office (stored, or earlier in the same import).
  func adAccountProblem(
    _ fields: [String: JSONValue], alongside batch: (rows: [[String: JSONValue]], index: Int)
  ) -> String? {
    guard let account = fields["account_id"]?.stringValue,
      let office = fields["office_id"]?.stringValue, let (from, to) = Self.span(fields)
    else { return nil }
    if let to, to < from {
      return "active_to \(to) is before active_from \(from); an account's record ends on or "
        + "after the day it starts"
    }
    if let owner = fields["owner"]?.stringValue {
      let mine = assignments(of: owner, in: office)
      let holding = mine.filter { row in
        guard let (start, end) = Self.span(row) else { return false }
        return start <= from && (end.map { $0 >= from } ?? true)
      }.max { Self.span($0)!.from < Self.span($1)!.from }
      guard let holding else {
        return mine.isEmpty
          ? "owner '\(owner)' is not a staff member of office '\(office)' (no assignment "
            + "there); record the person's assignment first, or correct owner"
          : "owner '\(owner)' has no assignment in '\(office)' on \(from), the account's "
            + "active_from, so its rows would count for no one; start the account on a day "
            + "they work there"
      }
      let position = holding["position"]?.stringValue ?? ""
      if position != Self.accountOwnerPosition {
        return "owner '\(owner)' is \(position) in '\(office)' on \(from), and ad accounts are "
          + "run by \(Self.accountOwnerPosition) staff (the SEM KPIs list them); name an SEM "
          + "specialist as owner"
      }
    }
    // The records as they will be: the stored ones with this import's rows over them (the rows
    // before this one; the later ones are judged against this one).
    func identity(_ row: [String: JSONValue]) -> [String?] {
      ["office_id", "account_id", "active_from"].map { row[$0]?.stringValue }
    }
    let replaced = Set(batch.rows.map(identity))
    let others =
      accounts.filter { !replaced.contains(identity($0)) } + batch.rows.prefix(batch.index)
    let never = CivilDate(year: 9999, month: 12, day: 31)!
    for other in others
    where other["account_id"]?.stringValue == account
      && other["office_id"]?.stringValue == office
    {
      guard let (otherFrom, otherTo) = Self.span(other), otherFrom != from else { continue }
      if from <= (otherTo ?? never) && otherFrom <= (to ?? never) {
        return "overlaps account \(account)'s record in \(office) from \(otherFrom)"
          + (otherTo.map { " to \($0)" } ?? " (still active)")
          + "; an account has one owner at a time: end the other record the day before this "
          + "one starts"
      }
    }
    return nil
  }

  /// An `ad_daily` row: its account is an `ad_accounts` record of the row's office active on
  /// the row's date (so the row counts for that record's owner).
  func adDailyProblem(_ fields: [String: JSONValue]) -> String? {
    guard let account = fields["account_id"]?.stringValue,
      let office = fields["office_id"]?.stringValue,
      let date = fields["date"]?.stringValue.flatMap({ CivilDate(parsing: $0) })
    else { return nil }
    let records = accounts.filter {
      $0["account_id"]?.stringValue == account && $0["office_id"]?.stringValue == office
    }.compactMap(Self.span).sorted { $0.from < $1.from }
    if records.isEmpty {
      return "account '\(account)' is not an ad account of office '\(office)' (no ad_accounts "
        + "record); import the account first, or correct account_id"
    }
    if records.contains(where: { $0.from <= date && ($0.to.map { date <= $0 } ?? true) }) {
      return nil
    }
    let spans = records.map { "\($0.from)…" + ($0.to.map(\.description) ?? "") }
    return "account '\(account)' is not active in '\(office)' on \(date) (its records run "
      + spans.joined(separator: ", ") + "), so the row would count for no one; correct date, "
      + "or the account's active dates"
  }

  /// A `tasks` row: its person has an assignment in the row's office during its month.
  func taskProblem(_ fields: [String: JSONValue]) -> String? {
    guard let staff = fields["staff_id"]?.stringValue,
      let office = fields["office_id"]?.stringValue,
      let month = fields["period"]?.stringValue,
      let first = CivilDate(parsing: month + "-01")
    else { return nil }
    let last = first.adding(days: CivilDate.daysInMonth(year: first.year, month: first.month) - 1)
    let mine = assignments(of: staff, in: office)
    if mine.isEmpty {
      return "staff_id '\(staff)' is not a staff member of office '\(office)' (no assignment "
        + "there); record the person's assignment first, or correct staff_id"
    }
    let during = mine.contains { row in
      guard let (from, to) = Self.span(row) else { return false }
      return from <= last && (to.map { $0 >= first } ?? true)
    }
    return during
      ? nil
      : "staff_id '\(staff)' has no assignment in '\(office)' during \(month), so the task "
        + "would count for no one; correct period, or record the assignment first"
  }
}
