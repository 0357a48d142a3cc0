import OutpostCodec
import OutpostModel

/// How a person settles a conflicted record (SPEC.md §8.6).
public enum ResolutionChoice: Sendable, Equatable {
  /// Take, for every conflicted field (and an edit/delete conflict), the value `replica` wrote.
  case take(ReplicaID)
  /// Write these values; every conflicted field must be among them.
  case set([String: JSONValue])
  /// Decided by remembered rules (``ResolutionRule``): write `values`, or delete the record;
  /// `by` names the rules.
  case decided([String: JSONValue], delete: Bool, by: String)

  /// How the choice reads in the audit trail: `take north` or `set amount`.
  public var summary: String {
    switch self {
    case .take(let replica): "take \(replica)"
    case .set(let values): "set " + values.keys.sorted().joined(separator: ",")
    case .decided(_, _, let by): by
    }
  }
}

/// Resolving a conflict: an ordinary write whose new dot dominates every candidate.
public enum Resolution {
  /// One candidate value of a conflicted register.
  public struct Candidate: Sendable, Equatable {
    /// The field (`deleted` for the edit/delete register).
    public var field: String
    /// The event that wrote it.
    public var dot: Dot
    /// The value.
    public var value: JSONValue
    /// Whether readers see this value until the conflict is resolved (SPEC.md §5.4): a field's
    /// value with the greatest dot; in an edit/delete conflict the greatest edit (`false`),
    /// since the record is shown live.
    public var provisional: Bool
  }

  /// The record a `resolutions` record resolved: its `collection` and `record_id` (SPEC.md
  /// §8.7); nil when either is missing or the id is not a record id.
  public static func target(of resolution: RecordState) -> (collection: String, id: RecordID)? {
    guard let collection = resolution.value("collection")?.stringValue,
      let text = resolution.value("record_id")?.stringValue, let id = try? RecordID(text)
    else { return nil }
    return (collection, id)
  }

  /// Every candidate of every conflicted register of a state, sorted by field then dot.
  public static func candidates(_ state: RecordState) -> [Candidate] {
    var result: [Candidate] = []
    if state.hasDeleteConflict {
      let shown = state.deleted.last { $0.value == .bool(false) }?.dot
      result += state.deleted.map {
        Candidate(field: "deleted", dot: $0.dot, value: $0.value, provisional: $0.dot == shown)
      }
    }
    for field in state.conflictedFields {
      let values = state.fields[field]!
      result += values.map {
        Candidate(
          field: field, dot: $0.dot, value: $0.value, provisional: $0.dot == values.last?.dot)
      }
    }
    return result
  }

  /// Resolves every conflict of `state` by `choice`, as the event `dot`.
  ///
  /// - Returns: the new state and the value chosen per field (`deleted` → `true` when the
  ///   record ends deleted).
  /// - Throws: when the record has no conflict, or the choice leaves a conflict open.
  public static func resolve(
    _ state: RecordState, _ choice: ResolutionChoice, at dot: Dot, name: String
  ) throws(SyncError) -> (state: RecordState, chosen: [String: JSONValue]) {
    guard state.isConflicted else {
      throw SyncError(.invalid, "\(name) has no open conflict")
    }
    var updates: [String: JSONValue] = [:]
    var delete = false
    switch choice {
    case .take(let replica):
      var missing: [String] = []
      if state.hasDeleteConflict {
        if let mine = state.deleted.first(where: { $0.dot.replica == replica }) {
          delete = mine.value == .bool(true)
        } else if !state.fields.values.contains(where: { $0.contains { $0.dot.replica == replica } }
        ) {
          missing.append("deleted")
        }
      }
      if !delete {
        for field in state.conflictedFields {
          if let mine = state.fields[field]!.first(where: { $0.dot.replica == replica }) {
            updates[field] = mine.value
          } else {
            missing.append(field)
          }
        }
      }
      guard missing.isEmpty else {
        throw SyncError(
          .invalid,
          "'\(replica)' wrote no candidate for \(missing.joined(separator: ", ")) of \(name)",
          hint: "Take a replica that did, or give the values with --set FIELD=VALUE.")
      }
    case .decided(let values, let deletes, _):
      delete = deletes
      guard deletes || state.conflictedFields.allSatisfy({ values[$0] != nil }) else {
        throw SyncError(.invalid, "the rules leave a conflict of \(name) open")
      }
      updates = values
    case .set(let values):
      let open = state.conflictedFields.filter { values[$0] == nil }
      guard open.isEmpty else {
        throw SyncError(
          .invalid,
          "\(name) also has \(open.joined(separator: ", ")) in conflict; give a value for each "
            + "(--set FIELD=VALUE) or use --take REPLICA")
      }
      updates = values
    }
    var result = state
    if delete {
      result.delete(at: dot)
      return (result, ["deleted": .bool(true)])
    }
    result.write(updates, at: dot)
    var chosen = updates
    if state.hasDeleteConflict { chosen["deleted"] = .bool(false) }
    return (result, chosen)
  }
}
