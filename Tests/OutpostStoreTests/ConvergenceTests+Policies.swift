import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// Head office's rows policy in the simulation (SPEC.md §2.8 "Other offices' rows").
///
/// Head office starts with `all_offices` (the template's branches hold every office's rows) and
/// switches its `policies` record `record_visibility` between `own_office` (also the default,
/// with no record or a deleted one) and `all_offices`. Whose row a record is comes from
/// the write history, not from the implementation: an order belongs to the office its first
/// write named, a resolution to the office of the order it resolved, and head office's
/// collections to nobody.
extension Simulation {
  static let rowsPolicy = RecordKey(
    collection: "policies", id: RecordID(unchecked: "record_visibility"))

  /// A whole `policies` record for the rows policy (a re-created one must be whole).
  static func policy(_ value: String) -> [String: JSONValue] {
    ["policy": .string(rowsPolicy.id.rawValue), "value": .string(value)]
  }

  /// The office whose row the record is, from the history; nil for a record of nobody's.
  func owner(of key: RecordKey) -> String? {
    let written = (eventsByKey[key] ?? []).map { events[$0] }
    switch key.collection {
    case "orders":
      return written.lazy.compactMap { $0.fields["office_id"]?.stringValue }.first
    case "resolutions":
      guard let audit = written.first, audit.fields["collection"] == .string("orders"),
        let id = audit.fields["record_id"]?.stringValue
      else { return nil }
      return owner(of: RecordKey(collection: "orders", id: RecordID(unchecked: id)))
    default:
      return nil
    }
  }

  /// Whether head office's replies now carry every office's rows: its policy record says
  /// `all_offices` (read as a value, not through the implementation's policy type).
  func sharesRows() throws -> Bool {
    let key = Self.rowsPolicy
    guard let state = try hq.repository.state(key.collection, key.id), !state.isDeleted else {
      return false
    }
    return state.value("value") == .string("all_offices")
  }

  /// Head office widens the policy (`all_offices`) when it is narrow, else narrows it again,
  /// by writing `own_office` or by deleting the record (the default applies).
  func switchRowsPolicy() throws {
    let key = Self.rowsPolicy
    let change: RecordChange
    if try !sharesRows() {
      change = .put(collection: key.collection, id: key.id, fields: Self.policy("all_offices"))
      tally("widen")
    } else if chance(50) {
      change = .put(collection: key.collection, id: key.id, fields: Self.policy("own_office"))
      tally("narrow")
    } else {
      change = .delete(collection: key.collection, id: key.id)
      tally("narrow")
    }
    log("head office's rows policy: \(change)")
    _ = try perform(hq, .commit([change]))
  }

  /// What `branch` must hold after quiescence: head office's records, less the other offices'
  /// rows when the policy keeps them home.
  func expected(at branch: Replica, from reference: Contents) throws -> Contents {
    guard try !sharesRows() else { return reference }
    var expected = reference
    expected.records = reference.records.filter { key, _ in
      owner(of: key).map { $0 == branch.id.rawValue } ?? true
    }
    return expected
  }

  /// Checks the rows a branch set aside while applying a reply: each is another office's
  /// (SPEC.md §2.8), and its context may drop to nothing there (invariant 9 allows that only
  /// for these).
  func checkSetAside(_ report: ApplyReport, at replica: Replica) throws {
    guard !report.setAside.isEmpty else { return }
    tally("set aside")
    for (collection, id) in report.setAside {
      let key = RecordKey(collection: collection, id: id)
      let owner = owner(of: key)
      try require(
        !replica.isHead && owner != nil && owner != replica.id.rawValue,
        "\(replica.id) set aside \(key), which is not another office's row (owner \(owner ?? "none"))"
      )
      try require(
        try replica.repository.state(collection, id) == nil,
        "\(replica.id) reports \(key) set aside but still holds it")
      replica.contexts[key] = VersionVector()
    }
  }
}
