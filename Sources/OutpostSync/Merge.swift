import OutpostCodec
import OutpostModel

/// What merging one incoming record state did to the local one.
public enum MergeOutcome: String, Sendable, CaseIterable {
  /// The record did not exist here.
  case new
  /// A causally newer version replaced the local one.
  case updated
  /// The record was deleted.
  case deleted
  /// Concurrent edits of different fields were combined without conflict.
  case merged
  /// Concurrent writes of one field (or an edit against a delete) now await review.
  case conflict
  /// Nothing new: the local state already included the incoming one.
  case unchanged
}

/// The pure merge step: joining incoming states into local ones, with the checks a receiver
/// makes on data from a sender (SPEC.md §8.4).
public enum Merge {
  /// How far a sender's own counter may advance in one bundle (the inflation bound).
  public static let maximumOwnGrowth: UInt64 = 100_000_000

  /// Joins `incoming` into `existing` and classifies the result.
  public static func join(_ incoming: RecordState, into existing: RecordState?) -> (
    state: RecordState, outcome: MergeOutcome
  ) {
    guard let existing, existing.exists else {
      return (incoming, incoming.isConflicted ? .conflict : (incoming.isDeleted ? .deleted : .new))
    }
    let joined = existing.joined(with: incoming)
    if joined == existing { return (existing, .unchanged) }
    let newConflict =
      (joined.hasDeleteConflict && !existing.hasDeleteConflict)
      || !Set(joined.conflictedFields).isSubset(of: existing.conflictedFields)
    if newConflict { return (joined, .conflict) }
    if joined.isDeleted && !existing.isDeleted { return (joined, .deleted) }
    if existing.context.compare(incoming.context) == .concurrent { return (joined, .merged) }
    return (joined, .updated)
  }

  /// Checks a submission's clock against what head office knows (SPEC.md §8.4, clock
  /// inflation).
  ///
  /// - Parameters:
  ///   - clock: the manifest's clock.
  ///   - sender: the office the key identified.
  ///   - known: head office's clock.
  ///   - actors: every replica head office knows (enrolled offices, revoked ones, itself).
  public static func checkClock(
    _ clock: VersionVector, sender: ReplicaID, known: VersionVector, actors: Set<ReplicaID>
  ) throws(SyncError) {
    for (replica, counter) in clock.entries {
      guard actors.contains(replica) else {
        throw SyncError(
          .invalid,
          "the bundle's clock names '\(replica)', which is not an office head office knows; "
            + "nothing was imported")
      }
      if replica == sender {
        guard counter <= known[replica] || counter - known[replica] <= maximumOwnGrowth else {
          throw SyncError(
            .invalid,
            "vector clock inflation: '\(sender)' claims counter \(counter), \(counter - known[replica]) "
              + "beyond the \(known[replica]) head office knows (limit \(maximumOwnGrowth) per "
              + "bundle); refused")
        }
      } else if counter > known[replica] {
        throw SyncError(
          .invalid,
          "vector clock inflation: the bundle claims '\(replica)' counter \(counter), beyond the "
            + "\(known[replica]) head office has seen; refused",
          hint: "An office can only know of changes head office sent it.")
      }
    }
  }

  /// Checks one record of a submission from `sender` against head office's state of it.
  ///
  /// Every value the sender carries that head office has not seen must be the sender's own
  /// write; a record it wrote must be its own (`office_id`), in an office-owned collection;
  /// the record's context must lie within the manifest's clock; and every value must be
  /// valid for its field.
  public static func checkSubmitted(
    _ record: BundleRecord, schema: CollectionSchema, existing: RecordState?,
    sender: ReplicaID, clock: VersionVector
  ) throws(SyncError) {
    let name = "\(record.collection)/\(record.id)"
    let state = record.state
    guard clock.dominates(state.context) else {
      throw SyncError(
        .invalid,
        "vector clock for record \(name) (\(state.context)) goes beyond the bundle's clock "
          + "(\(clock)); refused")
    }
    let seen = existing?.context ?? VersionVector()
    var wroteSomething = false
    for dot in state.dots where !seen.contains(dot) {
      guard dot.replica == sender else {
        throw SyncError(
          .invalid,
          "record \(name) carries a value attributed to '\(dot)' that head office never saw; "
            + "only '\(sender)' can add values in its bundle; refused")
      }
      wroteSomething = true
    }
    try checkValues(state, schema: schema, name: name)
    if wroteSomething {
      // What the office may write is what its own policy lets it write.
      try OwnershipPolicy(replica: sender, role: .branch).checkSubmitted(
        state, over: existing, in: schema, name: name)
    }
    try checkShape(state, schema: schema, id: record.id, name: name)
  }

  /// Checks that a live record has every required field and that its key fields spell its id
  /// (a bundle is input from outside: a record must look as if `put` had made it).
  public static func checkShape(
    _ state: RecordState, schema: CollectionSchema, id: RecordID, name: String
  ) throws(SyncError) {
    guard !state.isDeleted else { return }
    let values = state.values
    let missing = schema.fields.filter { !$0.nullable && values[$0.name] == nil }.map(\.name)
    guard missing.isEmpty else {
      throw SyncError(
        .invalid,
        "record \(name) lacks required field(s) \(missing.joined(separator: ", ")); refused")
    }
    switch schema.idRule {
    case .column(let column):
      guard values[column] == nil || values[column] == .string(id.rawValue) else {
        throw SyncError(.invalid, "record \(name): '\(column)' does not match its id; refused")
      }
    case .composite:
      guard (try? schema.compositeID(values)) == id else {
        throw SyncError(.invalid, "record \(name): its key fields do not spell its id; refused")
      }
    }
  }

  /// Checks that every value in a state is valid for its field (defence in depth: data is
  /// validated at entry, but a bundle is input from outside).
  public static func checkValues(_ state: RecordState, schema: CollectionSchema, name: String)
    throws(SyncError)
  {
    for (field, values) in state.fields {
      let spec: FieldSpec?
      if case .column(let column) = schema.idRule, column == field {
        spec = FieldSpec(column, .text)
      } else {
        spec = schema.field(field)
      }
      guard let spec else {
        throw SyncError(.invalid, "record \(name) has unknown field '\(field)'; refused")
      }
      for versioned in values {
        if versioned.value == .null {
          guard spec.nullable else {
            throw SyncError(.invalid, "record \(name): field '\(field)' is required but null")
          }
          continue
        }
        do throws(ModelError) {
          let canonical = try spec.validateJSON(versioned.value)
          guard canonical == versioned.value else {
            throw ModelError("not in canonical form")
          }
        } catch {
          throw SyncError(.invalid, "record \(name): field '\(field)': \(error.message); refused")
        }
      }
    }
  }
}

extension RecordState {
  /// Every dot that carries a value (fields and the deletion register).
  public var dots: [Dot] {
    var result = deleted.map(\.dot)
    for values in fields.values { result += values.map(\.dot) }
    return result
  }
}
