import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// Values Outpost would store but never act on, refused where they enter (SPEC.md §2.7).
///
/// Nothing is accepted without effect. Outpost scores offices only, so `targets` of another
/// scope, per-person `qualitative_ratings` and periods the engine never reads are refused rather
/// than stored and ignored; at head office, records of an office it never enrolled are refused
/// too (a branch's ownership already restricts `office_id`). Imports and puts apply these rules
/// to every row, as it would be stored (the stored fields with the new ones over them).
public struct RecordRules: Sendable {
  /// At head office, the offices records may belong to: head office and the offices enrolled
  /// there (a peer document exists); nil at a branch.
  public var offices: Set<String>?
  /// The positions and departments staff may hold (built in, and head office's records).
  public var organisation = Organisation.builtIn
  /// The stored `staff` assignments (read for a `staff` import or put only).
  public var assignments: [[String: JSONValue]] = []

  /// The rules of `repository`, for records of `collection` (nil: any).
  public init(_ repository: RepositoryReader, for collection: String? = nil) throws(OutpostError) {
    if collection == nil || collection == StandardCollections.staff.name
      || collection == StandardCollections.positions.name
    {
      organisation = Organisation.withRecords(
        positions: try Self.rows(StandardCollections.positions, repository),
        departments: try Self.rows(StandardCollections.departments, repository))
    }
    if collection == nil || collection == StandardCollections.staff.name {
      assignments = try Self.rows(StandardCollections.staff, repository)
    }
    guard repository.config.role == .head else {
      offices = nil
      return
    }
    let peers: [PeerState]
    do { peers = try repository.peers() } catch { throw OutpostError(error) }
    offices = Set(peers.map(\.peer.rawValue)).union([repository.config.replica.rawValue])
  }

  /// The live records of a collection as rows (a column id written into its column).
  private static func rows(_ schema: CollectionSchema, _ repository: RepositoryReader)
    throws(OutpostError) -> [[String: JSONValue]]
  {
    do {
      return try repository.states(schema.name).compactMap { id, state in
        guard !state.isDeleted else { return nil }
        var row = state.values
        if case .column(let column) = schema.idRule { row[column] = .string(id.rawValue) }
        return row
      }
    } catch { throw OutpostError(error) }
  }

  /// Why a record of `schema` with `fields` would have no effect or contradict the records it
  /// goes with, saying what to do; or nil.
  ///
  /// `alongside`: every row of the same import as it would be stored, and this row's index
  /// among them, for the rules that relate records (staff assignments may not overlap): each
  /// pair is judged once, at the later row.
  public func problem(
    _ fields: [String: JSONValue], in schema: CollectionSchema,
    alongside batch: (rows: [[String: JSONValue]], index: Int) = ([], 0)
  ) -> String? {
    if let offices, schema.field(OwnershipPolicy.officeField) != nil,
      let office = fields[OwnershipPolicy.officeField]?.stringValue, !offices.contains(office)
    {
      return "office '\(office)' is not enrolled at this head office, so its records would "
        + "belong to no office Outpost knows; enroll the office first, or correct office_id"
    }
    switch schema.name {
    case StandardCollections.targets.name: return Self.targetProblem(fields)
    case StandardCollections.qualitativeRatings.name: return Self.ratingProblem(fields)
    case StandardCollections.staff.name: return staffProblem(fields, alongside: batch)
    case StandardCollections.positions.name:
      let known = organisation.departments.keys.sorted()
      guard let department = fields["department_id"]?.stringValue,
        !known.contains(department)
      else { return nil }
      return "department '\(department)' is not a known department ("
        + known.joined(separator: ", ") + "); add it to 'departments' first, or correct "
        + "department_id"
    default: return nil
    }
  }

  /// A `staff` assignment (SPEC.md §2.8): a known position and department, an end on or after
  /// its start, and no overlap with another assignment of the same person in the same office.
  func staffProblem(
    _ fields: [String: JSONValue], alongside batch: (rows: [[String: JSONValue]], index: Int)
  ) -> String? {
    if let position = fields["position"]?.stringValue, organisation.positions[position] == nil {
      let guess = Suggestion.closest(to: position, among: organisation.positionIDs)
      return "position '\(position)' is not a known position"
        + (guess.map { " (did you mean '\($0)'?)" } ?? "")
        + "; positions are \(organisation.positionIDs.joined(separator: ", ")), and head office "
        + "adds more in 'positions'"
    }
    if let department = fields["department"]?.stringValue,
      organisation.departments[department] == nil
    {
      return "department '\(department)' is not a known department; departments are "
        + "\(organisation.departmentIDs.joined(separator: ", ")), and head office adds more in "
        + "'departments'"
    }
    guard let staff = fields["staff_id"]?.stringValue,
      let office = fields["office_id"]?.stringValue,
      let from = fields["active_from"]?.stringValue.flatMap({ CivilDate(parsing: $0) })
    else { return nil }
    let to = fields["active_to"]?.stringValue.flatMap { CivilDate(parsing: $0) }
    let never = CivilDate(year: 9999, month: 12, day: 31)!
    if let to, to < from {
      return "active_to \(to) is before active_from \(from); an assignment ends on or after "
        + "the day it starts"
    }
    // The assignments as they will be: the stored ones with this import's rows over them (the
    // rows before this one; the later ones are judged against this one).
    func identity(_ row: [String: JSONValue]) -> [String?] {
      ["office_id", "staff_id", "active_from"].map { row[$0]?.stringValue }
    }
    let replaced = Set(batch.rows.map(identity))
    let others =
      assignments.filter { !replaced.contains(identity($0)) } + batch.rows.prefix(batch.index)
    for other in others
    where other["staff_id"]?.stringValue == staff && other["office_id"]?.stringValue == office {
      guard let otherFrom = other["active_from"]?.stringValue.flatMap({ CivilDate(parsing: $0) }),
        otherFrom != from
      else { continue }
      let otherTo = other["active_to"]?.stringValue.flatMap { CivilDate(parsing: $0) }
      let overlaps = from <= (otherTo ?? never) && otherFrom <= (to ?? never)
      if overlaps {
        return "overlaps \(staff)'s assignment in \(office) from \(otherFrom)"
          + (otherTo.map { " to \($0)" } ?? " (still active)")
          + "; a person holds one assignment per office at a time: end the other one the day "
          + "before this one starts"
      }
    }
    return nil
  }

  /// A `targets` row: scope `office`, no `scope_key`, `period_grain` the grain of `period`.
  static func targetProblem(_ fields: [String: JSONValue]) -> String? {
    if let scope = fields["scope"]?.stringValue, scope != "office" {
      return "scope '\(scope)' is not supported: Outpost scores offices only (per-person "
        + "assessment will come later), so this target would be ignored; publish office targets "
        + "(scope office)"
    }
    if let key = fields["scope_key"]?.stringValue {
      return "scope_key '\(key)' has no effect on an office target: the target applies to the "
        + "whole office; leave scope_key empty"
    }
    if let grain = fields["period_grain"]?.stringValue,
      let period = fields["period"]?.stringValue.flatMap(Period.init(parsing:)),
      period.grain.rawValue != grain
    {
      return "period_grain '\(grain)' does not match period '\(period)' (a "
        + "\(period.grain.rawValue)); targets are found by their period, so write period_grain "
        + "\(period.grain.rawValue) or a \(grain) period"
    }
    return nil
  }

  /// A `qualitative_ratings` row: an office's rating (no `subject`) for a month (or a day),
  /// the periods the `rating_*` measures read.
  static func ratingProblem(_ fields: [String: JSONValue]) -> String? {
    if let subject = fields["subject"]?.stringValue {
      return "subject '\(subject)' is not supported: ratings are of whole offices (per-person "
        + "assessment will come later), and a person's rating would be averaged into the "
        + "office's; leave subject empty and rate the office"
    }
    if let period = fields["period"]?.stringValue.flatMap(Period.init(parsing:)),
      period.grain != .month && period.grain != .day
    {
      return "period '\(period)' (a \(period.grain.rawValue)) is never counted: ratings are "
        + "read by month; rate each month (e.g. \(period.start.description.prefix(7)))"
    }
    return nil
  }
}
