import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// Values Outpost would store but never act on, refused where they enter (SPEC.md §2.7).
///
/// Nothing is accepted without effect: `targets` no scorecard would read (a channel's, a person's
/// for a KPI not computed per person is `TargetCheck`'s), `qualitative_ratings` of unknown
/// criteria, people who do not hold the rated position, or weeks are refused rather than stored
/// and ignored; at head office,
/// records of an office it never enrolled are refused too (a branch's ownership already
/// restricts `office_id`). Staff assignments and positions must name known positions and
/// departments and may not overlap; ad accounts, their daily rows and tasks must name what
/// attributes them to a person (SPEC.md §2.8). Imports and puts apply these rules to every
/// row, as it would be stored (the stored fields with the new ones over them).
public struct RecordRules: Sendable {
  /// At head office, the offices records may belong to: head office and the offices enrolled
  /// there (a peer document exists); nil at a branch.
  public var offices: Set<String>?
  /// The positions and departments staff may hold (built in, and head office's records).
  public var organisation = Organisation.builtIn
  /// The stored `staff` assignments (read for the collections that name people only).
  public var assignments: [[String: JSONValue]] = []
  /// The stored `ad_accounts` records (read for `ad_accounts` and `ad_daily` only).
  public var accounts: [[String: JSONValue]] = []
  /// The definitions in force, which every target must be scorable by (read for `targets`).
  public var definitions: DefinitionSet?
  /// Every collection's schema, which a stored import profile must fit (read for
  /// `import_profiles`).
  public var schemas: [String: CollectionSchema] = [:]

  /// The rules of `repository`, for records of `collection` (nil: any).
  public init(_ repository: RepositoryReader, for collection: String? = nil) throws(OutpostError) {
    let names = StandardCollections.self
    let needsRoles: Set<String> = [
      names.staff.name, names.positions.name, names.targets.name, names.qualitativeRatings.name,
      names.ratingCriteria.name,
    ]
    let needsStaff: Set<String> = [
      names.staff.name, names.targets.name, names.qualitativeRatings.name, names.adAccounts.name,
      names.tasks.name,
    ]
    if collection.map(needsRoles.contains) ?? true {
      organisation = Organisation.withRecords(
        positions: try Self.rows(names.positions, repository),
        departments: try Self.rows(names.departments, repository),
        criteria: try Self.rows(names.ratingCriteria, repository))
    }
    if collection.map(needsStaff.contains) ?? true {
      assignments = try Self.rows(names.staff, repository)
    }
    if collection.map([names.adAccounts.name, names.adDaily.name].contains) ?? true {
      accounts = try Self.rows(names.adAccounts, repository)
    }
    if collection.map({ $0 == names.targets.name }) ?? true {
      definitions = try KPIDefinitionsInForce.given(nil, else: repository)
    }
    if collection.map({ $0 == names.importProfiles.name }) ?? true {
      schemas = Dictionary(
        repository.collections.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
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
    case StandardCollections.targets.name:
      return targetProblem(fields)
        ?? definitions.flatMap { TargetCheck.problem(fields, definitions: $0) }
    case StandardCollections.qualitativeRatings.name: return ratingProblem(fields)
    case StandardCollections.ratingCriteria.name:
      guard case .array(let list)? = fields["positions"] else { return nil }
      for case .string(let position) in list where organisation.positions[position] == nil {
        return "position '\(position)' is not a known position ("
          + organisation.positionIDs.joined(separator: ", ") + "); add it to 'positions' first"
      }
      return nil
    case StandardCollections.staff.name: return staffProblem(fields, alongside: batch)
    case StandardCollections.policies.name:
      // Both policies take the same two values.
      guard let policy = fields["policy"]?.stringValue,
        [StaffVisibility.policyID, RecordVisibility.policyID].contains(policy),
        let value = fields[StaffVisibility.field]?.stringValue,
        StaffVisibility(rawValue: value) == nil
      else { return nil }
      return "'\(value)' is not a \(policy) policy; use "
        + StaffVisibility.allCases.map(\.rawValue).joined(separator: " or ")
    case StandardCollections.adAccounts.name: return adAccountProblem(fields, alongside: batch)
    case StandardCollections.adDaily.name: return adDailyProblem(fields)
    case StandardCollections.tasks.name: return taskProblem(fields)
    case StandardCollections.importProfiles.name: return importProfileProblem(fields)
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

  /// A stored import profile (SPEC.md §3.6): a valid profile, with a name, that fits its
  /// collection, as `profile publish` checks it.
  func importProfileProblem(_ fields: [String: JSONValue]) -> String? {
    guard let document = fields["profile"], document != .null else { return nil }
    do throws(OutpostError) {
      let profile = try ImportProfile(json: document, source: "in 'profile'")
      guard profile.name != nil else {
        return "the profile has no 'name'; a stored profile is found by its name"
      }
      guard let schema = schemas[profile.collection] else {
        return "the profile is for '\(profile.collection)', which is not a collection here"
      }
      try profile.check(against: schema)
      return nil
    } catch {
      return error.message
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

  /// Why a `targets` row would never be read (SPEC.md §2.7, §9.5), or nil.
  ///
  /// An office target without `scope_key`; a `staff`,
  /// `position` or `department` target whose `scope_key` names a person with an assignment in
  /// the target's office, or a known position or department; `period_grain` the grain of
  /// `period`. Channel targets are refused: no scorecard reads them.
  func targetProblem(_ fields: [String: JSONValue]) -> String? {
    let key = fields["scope_key"]?.stringValue
    switch fields["scope"]?.stringValue {
    case "channel"?:
      return "scope 'channel' is not supported: scorecards score offices, people and "
        + "departments, so this target would be ignored; publish an office, staff, position or "
        + "department target"
    case "office"?:
      if let key {
        return "scope_key '\(key)' has no effect on an office target: the target applies to the "
          + "whole office; leave scope_key empty"
      }
    case let scope?:
      guard let key else {
        return
          "a \(scope) target needs scope_key: the \(scope == "staff" ? "staff_id" : "\(scope) id") "
          + "it is for"
      }
      let office = fields["office_id"]?.stringValue ?? ""
      switch scope {
      case "staff":
        let offices = Set(
          assignments.filter { $0["staff_id"]?.stringValue == key }.compactMap {
            $0["office_id"]?.stringValue
          })
        if offices.isEmpty {
          return "scope_key '\(key)' is not a staff member of this repository (no staff record); "
            + "record the person's assignment first, or correct scope_key"
        }
        if !offices.contains(office) {
          return "\(key) has no assignment in office '\(office)' (only in "
            + offices.sorted().joined(separator: ", ")
            + "), so this target would never be read; set office_id to the person's office"
        }
      case "position":
        if organisation.positions[key] == nil {
          return "scope_key '\(key)' is not a known position ("
            + organisation.positionIDs.joined(separator: ", ") + ")"
        }
      default:
        if organisation.departments[key] == nil {
          return "scope_key '\(key)' is not a known department ("
            + organisation.departmentIDs.joined(separator: ", ") + ")"
        }
      }
    case nil: break
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

  /// Why a `qualitative_ratings` row would never be read (SPEC.md §2.7, §9.4), or nil.
  ///
  /// A known criterion; a period of a day, month, quarter or year (the grains ratings are read
  /// by); with a `subject`, a criterion that rates people, and a person whose assignment in the
  /// rating's office on the period's first day (where the rating counts) holds a position the
  /// criterion rates.
  func ratingProblem(_ fields: [String: JSONValue]) -> String? {
    if let criterion = fields["criterion_id"]?.stringValue,
      organisation.criteria[criterion] == nil
    {
      let guess = Suggestion.closest(to: criterion, among: organisation.criterionIDs)
      return "criterion '\(criterion)' is not a known rating criterion"
        + (guess.map { " (did you mean '\($0)'?)" } ?? "") + "; criteria are "
        + organisation.criterionIDs.joined(separator: ", ")
        + ", and head office adds more in 'rating_criteria'"
    }
    guard let period = fields["period"]?.stringValue.flatMap(Period.init(parsing:)) else {
      return nil
    }
    if period.grain == .week {
      return "period '\(period)' (a week) is never counted: ratings are read by day, month, "
        + "quarter or year; rate the month (\(period.start.description.prefix(7)))"
    }
    guard let subject = fields["subject"]?.stringValue else { return nil }
    let criterion = fields["criterion_id"]?.stringValue
    let positions = criterion.flatMap { organisation.criteria[$0]?.positions }
    if let criterion, positions == [] {
      return "criterion '\(criterion)' rates offices, not people; leave subject empty"
    }
    // A rating counts for the person's assignment on its period's first day (SPEC.md §9.4).
    let office = fields["office_id"]?.stringValue ?? ""
    let first = period.start
    let mine = assignments.filter {
      $0["staff_id"]?.stringValue == subject && $0["office_id"]?.stringValue == office
    }
    let holding = mine.filter { row in
      guard let from = row["active_from"]?.stringValue.flatMap({ CivilDate(parsing: $0) })
      else { return false }
      let to = row["active_to"]?.stringValue.flatMap { CivilDate(parsing: $0) }
      return from <= first && (to.map { $0 >= first } ?? true)
    }
    guard
      let assignment = holding.max(by: {
        ($0["active_from"]?.stringValue ?? "") < ($1["active_from"]?.stringValue ?? "")
      })
    else {
      return mine.isEmpty
        ? "subject '\(subject)' is not a staff member of office '\(office)' (no assignment there); "
          + "rate a person of that office, or leave subject empty to rate the office"
        : "subject '\(subject)' has no assignment in '\(office)' on \(first), the first day of "
          + "\(period), where a rating of \(period) counts, so it would count for no one; rate "
          + "a period that starts while they work there (a day, if need be)"
    }
    if let criterion, let positions,
      let position = assignment["position"]?.stringValue, !positions.contains(position)
    {
      return "criterion '\(criterion)' rates \(positions.joined(separator: ", ")), and "
        + "\(subject) is \(position) on \(first), where a rating of \(period) counts; rate a "
        + "criterion of that position"
    }
    return nil
  }
}
