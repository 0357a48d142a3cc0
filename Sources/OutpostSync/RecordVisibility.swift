import OutpostCodec
import OutpostModel

/// Whether head office's replies carry other offices' rows (SPEC.md §2.8, §8.6): head office's
/// published policy, the `policies` record `record_visibility`.
///
/// A row here is a record of an office-owned collection that is not personal (personal records
/// follow ``StaffVisibility``). With ``ownOffice`` (the default) a reply carries only the
/// recipient's rows, and the recipient sets aside the other offices' rows it holds
/// (``isOtherOfficesRow(_:_:for:)``); with ``allOffices`` every office's.
public enum RecordVisibility: String, Sendable, CaseIterable {
  /// A reply carries only the recipient office's rows (the default).
  case ownOffice = "own_office"
  /// A reply carries every office's rows.
  case allOffices = "all_offices"

  /// The `policies` record that holds the policy, and the reply's `extra` member naming the
  /// policy it was made under.
  public static let policyID = "record_visibility"

  /// The policy a `policies` record state holds: ``ownOffice`` when there is none or it is
  /// deleted, and for an unreadable value too (the record rules refuse one where it enters), so
  /// that rows are shared only when head office says so.
  public init(policy state: RecordState?) {
    guard let state, !state.isDeleted else {
      self = .ownOffice
      return
    }
    self =
      state.value(StaffVisibility.field)?.stringValue.flatMap(Self.init(rawValue:)) ?? .ownOffice
  }

  /// The policy a reply was made under, from its `extra.record_visibility`; a reply without it
  /// (made by an earlier Outpost) was made under ``allOffices``.
  public init(reply manifest: BundleManifest) throws(SyncError) {
    guard let value = manifest.extra[Self.policyID] else {
      self = .allOffices
      return
    }
    guard let text = value.stringValue, let policy = Self(rawValue: text) else {
      throw SyncError(
        .invalid,
        "the reply's record_visibility is not "
          + Self.allCases.map { "'\($0.rawValue)'" }.joined(separator: " or "))
    }
    self = policy
  }

  /// Whether `state` is another office's row for `office`: a record of an office-owned
  /// collection that is not personal (§2.8) and whose provisional `office_id` is not `office`
  /// (a deleted record is judged on its values too; one without an office is nobody's).
  public static func isOtherOfficesRow(
    _ schema: CollectionSchema, _ state: RecordState, for office: ReplicaID
  ) -> Bool {
    guard schema.ownership == .office,
      StaffVisibility.personalOffice(of: schema.name, state) == nil
    else { return false }
    return state.value(OwnershipPolicy.officeField)?.stringValue != office.rawValue
  }
}

/// Head office's two reply policies together: which records a reply to an office carries
/// (SPEC.md §2.8, §8.6).
public struct ReplyPolicy: Sendable, Equatable {
  /// Which people's records travel.
  public var staff: StaffVisibility
  /// Which offices' rows travel.
  public var records: RecordVisibility
  /// `staff` is ``StaffVisibility/allOffices`` and the office has not seen that policy record.
  public var staffWidened: Bool
  /// `records` is ``RecordVisibility/allOffices`` and the office has not seen that policy
  /// record (nor its absence: it has seen the deletion or there never was one).
  public var recordsWidened: Bool

  /// The policies, and whether each is newly wide for the recipient.
  public init(
    staff: StaffVisibility, records: RecordVisibility, staffWidened: Bool = false,
    recordsWidened: Bool = false
  ) {
    self.staff = staff
    self.records = records
    self.staffWidened = staffWidened
    self.recordsWidened = recordsWidened
  }

  /// Whether a newly wide policy makes the reply walk every record.
  public var widened: Bool { staffWidened || recordsWidened }

  /// Whether a reply to `recipient` carries a record.
  ///
  /// Personal records (a `resolutions` record of one included) follow ``staff``. Another
  /// office's row (or a `resolutions` record of one, judged on the row as head office holds
  /// it; one of a row head office no longer holds travels only under
  /// ``RecordVisibility/allOffices``) follows ``records``: under
  /// ``RecordVisibility/allOffices`` it travels when unseen, or
  /// always when the policy is newly wide (the recipient set such rows aside); under
  /// ``RecordVisibility/ownOffice`` it travels only when unseen and the recipient wrote one of
  /// its events (it may hold a copy that now belongs to another office, which it then sets
  /// aside). Everything else travels when unseen.
  ///
  /// - Parameters:
  ///   - schema: the record's collection.
  ///   - unseen: the recipient may lack the record's state (the reply's `assumes` does not
  ///     cover it).
  ///   - schemas: a collection by name (for the record a resolution resolved).
  ///   - target: a record's state by collection and id (the record a resolution resolved).
  public func carries(
    _ schema: CollectionSchema, _ state: RecordState, to recipient: ReplicaID, unseen: Bool,
    schemas: (String) -> CollectionSchema?, target: (String, RecordID) -> RecordState?
  ) -> Bool {
    let isResolution = schema.name == StandardCollections.resolutions.name
    let personal =
      isResolution
      ? StaffVisibility.personalOffice(ofResolution: state, target: target)
      : StaffVisibility.personalOffice(of: schema.name, state)
    if personal != nil {
      return staff.carries(
        schema.name, state, to: recipient, unseen: unseen, widened: staffWidened, target: target)
    }
    var row = (schema: schema, state: state)
    if isResolution {
      guard let resolved = Self.resolved(by: state, schemas: schemas, target: target) else {
        // A row head office no longer holds belongs to no office it can name: the resolution
        // travels only when every office's rows do.
        guard Self.resolvesRow(state, schemas: schemas) else { return unseen }
        return records == .allOffices && (unseen || recordsWidened)
      }
      row = resolved
    }
    guard RecordVisibility.isOtherOfficesRow(row.schema, row.state, for: recipient) else {
      return unseen
    }
    switch records {
    case .allOffices: return unseen || recordsWidened
    case .ownOffice: return unseen && row.state.context[recipient] > 0
    }
  }

  /// Whether a `resolutions` record resolved a record of an office-owned collection.
  public static func resolvesRow(
    _ resolution: RecordState, schemas: (String) -> CollectionSchema?
  ) -> Bool {
    resolution.value("collection")?.stringValue.flatMap(schemas)?.ownership == .office
  }

  /// The record a `resolutions` record resolved, with its collection, when it is held.
  public static func resolved(
    by resolution: RecordState, schemas: (String) -> CollectionSchema?,
    target: (String, RecordID) -> RecordState?
  ) -> (schema: CollectionSchema, state: RecordState)? {
    guard let (collection, id) = Resolution.target(of: resolution),
      let schema = schemas(collection), let state = target(collection, id)
    else { return nil }
    return (schema, state)
  }
}
