import OutpostCodec
import OutpostModel

/// Which people's records head office's replies carry to an office (SPEC.md §2.8, §8.6): head
/// office's published policy, the `policies` record `staff_visibility`.
///
/// Personal records are an office's `staff` assignments, ratings of a person
/// (`qualitative_ratings` with a `subject`) and a person's targets (`targets` with scope
/// `staff`); each belongs to the office its `office_id` names. The `resolutions` record of a
/// conflict on one is personal to the same office. With ``ownOffice`` (the default)
/// a reply carries only the recipient's own; with ``allOffices`` every office's.
public enum StaffVisibility: String, Sendable, CaseIterable {
  /// A reply carries only the recipient office's personal records (the default).
  case ownOffice = "own_office"
  /// A reply carries every office's personal records.
  case allOffices = "all_offices"

  /// The `policies` record that holds the policy.
  public static let policyID = "staff_visibility"
  /// The field of that record holding the policy.
  public static let field = "value"

  /// The policy a `policies` record state holds: nil when there is none or it is deleted
  /// (then ``ownOffice`` applies); an unreadable value is ``ownOffice`` too (the record
  /// rules refuse one where it enters).
  public init(policy state: RecordState?) {
    guard let state, !state.isDeleted else {
      self = .ownOffice
      return
    }
    self = state.value(Self.field)?.stringValue.flatMap(Self.init(rawValue:)) ?? .ownOffice
  }

  /// Whether a record is personal, and then the office it belongs to: a `staff` record, a
  /// `qualitative_ratings` record with a `subject`, or a `targets` record with scope `staff`
  /// (judged on its provisional values, those of a deleted record too).
  public static func personalOffice(of collection: String, _ state: RecordState) -> String? {
    personalOffice(of: collection) { state.value($0) }
  }

  /// Whether a row (a record's fields) is personal, and then the office it belongs to.
  public static func personalOffice(
    of collection: String, field: (String) -> JSONValue?
  ) -> String? {
    let office = field(OwnershipPolicy.officeField)?.stringValue
    switch collection {
    case StandardCollections.staff.name:
      return office
    case StandardCollections.qualitativeRatings.name:
      guard let subject = field("subject"), subject != .null else { return nil }
      return office
    case StandardCollections.targets.name:
      return field("scope")?.stringValue == "staff" ? office : nil
    default:
      return nil
    }
  }

  /// Whether a `resolutions` record is personal, and then the office it belongs to.
  ///
  /// It is when the record it resolved is (its candidates hold the record's values), and then
  /// belongs to that record's office. `target` gives that record's state; a `staff` record no
  /// longer held belongs to the office its id begins with.
  public static func personalOffice(
    ofResolution state: RecordState, target: (String, RecordID) -> RecordState?
  ) -> String? {
    guard let (collection, id) = Resolution.target(of: state) else { return nil }
    if let record = target(collection, id) { return personalOffice(of: collection, record) }
    let text = id.rawValue
    guard collection == StandardCollections.staff.name, let dot = text.firstIndex(of: ".") else {
      return nil
    }
    return String(text[..<dot])
  }

  /// Whether a reply to `recipient` carries a record.
  ///
  /// - Parameters:
  ///   - unseen: the recipient may lack the record's state (the reply's `assumes` does not
  ///     cover it); such records travel, unless personal to another office under
  ///     ``ownOffice``.
  ///   - widened: the policy is ``allOffices`` and the recipient has not yet seen that policy
  ///     record: other offices' personal records then travel even when seen, since replies made
  ///     under ``ownOffice`` withheld them.
  ///   - target: for a `resolutions` record, the state of the record it resolved (see
  ///     ``personalOffice(ofResolution:target:)``).
  public func carries(
    _ collection: String, _ state: RecordState, to recipient: ReplicaID, unseen: Bool,
    widened: Bool, target: (String, RecordID) -> RecordState? = { _, _ in nil }
  ) -> Bool {
    let owner =
      collection == StandardCollections.resolutions.name
      ? Self.personalOffice(ofResolution: state, target: target)
      : Self.personalOffice(of: collection, state)
    guard let office = owner, office != recipient.rawValue else { return unseen }
    switch self {
    case .ownOffice: return false
    case .allOffices: return unseen || widened
    }
  }
}
