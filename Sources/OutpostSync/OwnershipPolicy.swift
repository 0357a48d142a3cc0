import OutpostCodec
import OutpostModel

/// Whether a repository belongs to a branch office or to head office.
public enum RepositoryRole: String, Sendable {
  /// A branch office.
  case branch
  /// Head office: writes any record and the head-office collections.
  case head
}

/// Who may write which record (SPEC.md §2.4, §8.4): every ownership decision of one replica.
///
/// A record of an office-owned collection belongs to the office its `office_id` names; a
/// head-owned collection belongs to head office. A branch writes only its own records, never a
/// head-owned collection; head office writes anything. The same rules decide what head office
/// accepts from an office's submission (``checkSubmitted(_:over:in:name:)``, on the sending
/// office's policy), which office's value a rule preferring the owner takes (``owner(of:in:)``),
/// and what an import fills in or needs (``officeToFill(in:given:existing:)``,
/// ``requiredColumns(for:)``).
///
/// Refusals are ``SyncError/Code/notPermitted`` (exit 77) with the messages SPEC.md gives.
public struct OwnershipPolicy: Sendable, Equatable {
  /// The replica whose writes this policy judges.
  public var replica: ReplicaID
  /// Its role.
  public var role: RepositoryRole

  /// The field naming a record's office.
  public static let officeField = "office_id"

  /// The policy of `replica` in `role`.
  public init(replica: ReplicaID, role: RepositoryRole) {
    self.replica = replica
    self.role = role
  }

  /// A write this replica asks for, as ``check(_:in:id:existing:)`` judges it.
  public enum Write: Sendable, Equatable {
    /// Set these fields (creating the record if needed).
    case put([String: JSONValue])
    /// Delete the record.
    case delete
  }

  /// Who owns a record.
  public enum Owner: Sendable, Equatable {
    /// Head office: the record is in a head-owned collection.
    case headOffice
    /// The office its `office_id` names.
    case office(ReplicaID)
    /// Nobody this build can name: an office-owned record without a valid `office_id`.
    case unknown
  }

  // MARK: Local writes

  /// Refuses a put or delete this replica may not make (SPEC.md §2.4).
  ///
  /// A branch may not write a head-owned collection, give a record another office's
  /// `office_id`, or change or delete a record that belongs to another office. Head office may
  /// write anything.
  ///
  /// - Parameters:
  ///   - write: the put (its fields as given) or the delete.
  ///   - schema: the record's collection.
  ///   - id: the record's id (for the message).
  ///   - existing: the stored state, if read. Without it only the request is judged, which is
  ///     how a command refuses before reading any record; call it again with the state.
  public func check(
    _ write: Write, in schema: CollectionSchema, id: RecordID, existing: RecordState? = nil
  ) throws(SyncError) {
    guard role == .branch else { return }
    if schema.ownership == .head {
      throw SyncError(
        .notPermitted,
        "'\(schema.name)' is written by head office only; this repository is office '\(replica)'",
        hint: "Head office publishes \(schema.name); you receive it in return bundles.")
    }
    let mine = JSONValue.string(replica.rawValue)
    if case .put(let fields) = write, let office = fields[Self.officeField], office != mine {
      throw SyncError(
        .notPermitted,
        "record '\(id)' has office_id \(office.stringValue.map { "'\($0)'" } ?? "null"); "
          + "office '\(replica)' may only write its own records")
    }
    // Whatever the fields say, a record that exists keeps its office.
    if let existing, existing.exists, let owner = existing.value(Self.officeField), owner != mine {
      throw SyncError(
        .notPermitted,
        "\(schema.name)/\(id) belongs to office \(owner.stringValue.map { "'\($0)'" } ?? "(none)"); "
          + "office '\(replica)' may only change its own records",
        hint: "Ask that office, or head office, to make the change.")
    }
  }

  /// The `office_id` a put should add, or nil when it adds none (SPEC.md §2.4).
  ///
  /// Only an office-owned record whose fields lack `office_id` gets one, and it is always this
  /// replica's id. At a branch every such write does (a branch writes only its own records).
  /// At head office only a record it creates or re-creates does (`existing` nil or deleted); a
  /// record that exists keeps its office.
  ///
  /// `outpost put` passes the stored state; `outpost import` may pass nil (it reads records
  /// later), since at head office it requires the column (``requiredColumns(for:)``).
  public func officeToFill(
    in schema: CollectionSchema, given fields: [String: JSONValue], existing: RecordState?
  ) -> JSONValue? {
    guard schema.ownership == .office, fields[Self.officeField] == nil else { return nil }
    let creates = existing.map { !$0.exists || $0.isDeleted } ?? true
    guard role == .branch || creates else { return nil }
    return .string(replica.rawValue)
  }

  /// The columns an import into `schema` must have, in this order (SPEC.md §2.2, §2.4).
  ///
  /// The id column or the key fields identify each record; `office_id` names its owner. A
  /// branch's import may leave `office_id` out (it is filled in, ``officeToFill(in:given:existing:)``);
  /// head office's must give it for an office-owned collection.
  public func requiredColumns(for schema: CollectionSchema) -> [String] {
    var required: [String] = []
    if case .column(let column) = schema.idRule { required.append(column) }
    required += schema.keyFields.filter { $0 != Self.officeField }
    if schema.ownership == .office && role == .head { required.append(Self.officeField) }
    return required
  }

  // MARK: Whose record it is

  /// The owner of a record of `schema` in `state` (SPEC.md §8.7.1, `prefer owner`).
  ///
  /// Head office for a head-owned collection; otherwise the office the provisional `office_id`
  /// names.
  public func owner(of state: RecordState, in schema: CollectionSchema) -> Owner {
    if schema.ownership == .head { return .headOffice }
    guard let text = state.value(Self.officeField)?.stringValue, let office = try? ReplicaID(text)
    else { return .unknown }
    return .office(office)
  }

  /// The replica whose value a rule preferring the owner takes: this replica for
  /// ``Owner/headOffice`` (rules are applied at head office), the office for
  /// ``Owner/office(_:)``, nil when there is none.
  public func ownerReplica(of state: RecordState, in schema: CollectionSchema) -> ReplicaID? {
    switch owner(of: state, in: schema) {
    case .headOffice: replica
    case .office(let office): office
    case .unknown: nil
    }
  }

  // MARK: Submissions

  /// Refuses a record that this office submitted with new values it may not write (SPEC.md
  /// §8.4, check 4); head office calls it on the sending office's policy.
  ///
  /// Made only when the submission adds a value of the office's own (a new dot). The record
  /// must be in an office-owned collection; every `office_id` value, in the submitted state or
  /// in head office's, must be this office's; and a live record must have one.
  ///
  /// - Parameters:
  ///   - state: the submitted state.
  ///   - existing: head office's state of the record, if any.
  ///   - schema: the record's collection.
  ///   - name: `collection/id`, for the message.
  public func checkSubmitted(
    _ state: RecordState, over existing: RecordState?, in schema: CollectionSchema, name: String
  ) throws(SyncError) {
    if schema.ownership == .head {
      throw SyncError(
        .notPermitted,
        "office '\(replica)' wrote \(name), but '\(schema.name)' is written by head office "
          + "only; nothing was imported")
    }
    let mine = JSONValue.string(replica.rawValue)
    let owners =
      (state.fields[Self.officeField] ?? []) + (existing?.fields[Self.officeField] ?? [])
    if owners.isEmpty && !state.isDeleted {
      throw SyncError(
        .notPermitted,
        "office '\(replica)' wrote record \(name) without an office_id; nothing was imported")
    }
    if let other = owners.first(where: { $0.value != mine }) {
      throw SyncError(
        .notPermitted,
        "office '\(replica)' wrote record \(name), which belongs to "
          + "\(other.value.stringValue.map { "office '\($0)'" } ?? "no office"); nothing was imported",
        hint: "An office writes only records with its own office_id. Ids must be unique across "
          + "offices (prefix them with the office id).")
    }
  }
}
