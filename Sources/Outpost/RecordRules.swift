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

  /// The rules of `repository`.
  public init(_ repository: RepositoryReader) throws(OutpostError) {
    guard repository.config.role == .head else {
      offices = nil
      return
    }
    let peers: [PeerState]
    do { peers = try repository.peers() } catch { throw OutpostError(error) }
    offices = Set(peers.map(\.peer.rawValue)).union([repository.config.replica.rawValue])
  }

  /// Why a record of `schema` with `fields` would have no effect, saying what to do; or nil.
  public func problem(_ fields: [String: JSONValue], in schema: CollectionSchema) -> String? {
    if let offices, schema.field(OwnershipPolicy.officeField) != nil,
      let office = fields[OwnershipPolicy.officeField]?.stringValue, !offices.contains(office)
    {
      return "office '\(office)' is not enrolled at this head office, so its records would "
        + "belong to no office Outpost knows; enroll the office first, or correct office_id"
    }
    switch schema.name {
    case StandardCollections.targets.name: return Self.targetProblem(fields)
    case StandardCollections.qualitativeRatings.name: return Self.ratingProblem(fields)
    default: return nil
    }
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
