import OutpostCodec
import OutpostModel

/// A field value together with the event that wrote it.
public struct Versioned: Sendable, Hashable {
  /// The event that wrote the value.
  public var dot: Dot
  /// The canonical value.
  public var value: JSONValue

  /// Creates a versioned value.
  public init(_ dot: Dot, _ value: JSONValue) {
    self.dot = dot
    self.value = value
  }
}

/// The complete causal state of one record (SPEC.md §5.2).
///
/// Each field is a multi-value register: normally one value, several while concurrent writes
/// are unresolved. Whether the record exists is one more register, `deleted`: every edit writes
/// `false` into it and a delete writes `true`, so an edit concurrent with a delete shows up as
/// two different values there, exactly like a field conflict, and a delete never erases the
/// values it hides. `context` is every event this state has incorporated. A value whose dot is
/// in the other side's context but absent from its state has been overwritten there, which is
/// what makes ``joined(with:)`` a join: commutative, associative and idempotent.
public struct RecordState: Sendable, Hashable {
  /// The values of each field, sorted by dot.
  public private(set) var fields: [String: [Versioned]]
  /// The deletion register: `true` values are delete events, `false` values are edits.
  public private(set) var deleted: [Versioned]
  /// Every event this state includes.
  public private(set) var context: VersionVector

  /// An empty state: a record nobody has written.
  public init() {
    fields = [:]
    deleted = []
    context = VersionVector()
  }

  /// A state from its parts, normalized (values sorted by dot, empty fields dropped).
  public init(fields: [String: [Versioned]], deleted: [Versioned], context: VersionVector) {
    self.fields = fields.filter { !$0.value.isEmpty }.mapValues { $0.sorted { $0.dot < $1.dot } }
    self.deleted = deleted.sorted { $0.dot < $1.dot }
    self.context = context
  }

  /// A state from parts already normalized: no empty field, every register sorted by dot
  /// (the caller's guarantee).
  init(normalizedFields fields: [String: [Versioned]], deleted: [Versioned], context: VersionVector)
  {
    self.fields = fields
    self.deleted = deleted
    self.context = context
  }

  // MARK: Reading

  /// The marker a journal entry uses for a collected record (SPEC.md §8.10).
  ///
  /// No context, no values: materializing it removes the record.
  public static let collected = RecordState()

  /// Whether this is the collected marker.
  public var isCollectedMarker: Bool { context.isEmpty && fields.isEmpty && deleted.isEmpty }

  /// Whether the record may be collected once everyone has seen `horizon`: deleted, with no
  /// open conflict, and every event of it covered.
  public func isCollectable(below horizon: VersionVector) -> Bool {
    isDeleted && !isConflicted && !context.isEmpty && horizon.dominates(context)
  }

  /// Whether any event ever touched this record.
  public var exists: Bool { !deleted.isEmpty || !fields.isEmpty }

  /// Whether the record is deleted: every surviving value of the deletion register is `true`.
  ///
  /// While an edit and a delete are in conflict the record is shown as live (a deletion is
  /// never applied silently).
  public var isDeleted: Bool { !deleted.isEmpty && deleted.allSatisfy { $0.value == .bool(true) } }

  /// The provisional value of a field: its only value, or while in conflict the value whose dot
  /// sorts last (``Dot/<(_:_:)``); `nil` if the field was never written.
  public func value(_ field: String) -> JSONValue? { fields[field]?.last?.value }

  /// Every field's provisional value.
  public var values: [String: JSONValue] {
    // No register is empty (every initializer drops empty ones), so this keeps the
    // dictionary's layout instead of hashing every name again.
    fields.mapValues { $0[$0.count - 1].value }
  }

  /// The fields holding two or more different values, sorted by name.
  ///
  /// A deleted record has none: what it hid no longer matters unless it is re-created.
  public var conflictedFields: [String] {
    guard !isDeleted else { return [] }
    return fields.filter { Self.isConflict($0.value) }.keys.sorted()
  }

  /// Whether an edit is concurrent with a delete.
  public var hasDeleteConflict: Bool { Self.isConflict(deleted) }

  /// Whether anything about this record awaits a decision.
  public var isConflicted: Bool {
    hasDeleteConflict || (!isDeleted && fields.values.contains(where: Self.isConflict))
  }

  /// Concurrent writes of one and the same value are not a conflict.
  static func isConflict(_ values: [Versioned]) -> Bool {
    guard let first = values.first else { return false }
    return values.dropFirst().contains { $0.value != first.value }
  }

  /// The fields among `updates` whose value would change what readers see (SPEC.md §2.5).
  ///
  /// Writing the value a field shows is not a change: its only value, or while it is in
  /// conflict its provisional winner (SPEC.md §8.7), whatever the `deleted` register holds
  /// besides (two `false` dots after concurrent edits of different fields, or an edit/delete
  /// conflict, where the record is shown live). On a deleted record, or one never written, every
  /// update is a change: it (re-)creates the record.
  public func changes(_ updates: [String: JSONValue]) -> [String: JSONValue] {
    if isDeleted || !exists { return updates }
    return updates.filter { name, value in value != self.value(name) }
  }

  // MARK: Writing

  /// Writes field values as the event `dot`, which must be new to this state.
  ///
  /// The new values replace every value of those fields seen so far, and the record is marked
  /// live. When the record was deleted, fields not written now are cleared, so a re-created
  /// record holds only what its creator wrote.
  public mutating func write(_ updates: [String: JSONValue], at dot: Dot) {
    precondition(!context.contains(dot), "dot \(dot) was already used")
    if isDeleted { fields = [:] }
    for (name, value) in updates { fields[name] = [Versioned(dot, value)] }
    deleted = [Versioned(dot, .bool(false))]
    context.add(dot)
  }

  /// Deletes the record as the event `dot`.
  ///
  /// Field values are kept (hidden) until the tombstone
  /// is collected, so a conflicting edit can still be reviewed against the whole record.
  public mutating func delete(at dot: Dot) {
    precondition(!context.contains(dot), "dot \(dot) was already used")
    deleted = [Versioned(dot, .bool(true))]
    context.add(dot)
  }

  // MARK: Merging

  /// The join of two states of the same record.
  ///
  /// A value is kept if both sides have it, or if one side has it and the other has not seen
  /// its dot. Contexts are merged.
  ///
  /// - Complexity: O(n²) in the number of values of one field, which is 1 outside conflicts.
  public func joined(with other: RecordState) -> RecordState {
    var merged: [String: [Versioned]] = [:]
    for name in Set(fields.keys).union(other.fields.keys) {
      let kept = Self.join(fields[name] ?? [], context, other.fields[name] ?? [], other.context)
      if !kept.isEmpty { merged[name] = kept }
    }
    let deleted = Self.join(self.deleted, context, other.deleted, other.context)
    return RecordState(fields: merged, deleted: deleted, context: context.merging(other.context))
  }

  private static func join(
    _ mine: [Versioned], _ myContext: VersionVector, _ theirs: [Versioned],
    _ theirContext: VersionVector
  ) -> [Versioned] {
    var kept = mine.filter { value in
      theirs.contains { $0.dot == value.dot } || !theirContext.contains(value.dot)
    }
    for value in theirs where !myContext.contains(value.dot) {
      if !kept.contains(where: { $0.dot == value.dot }) { kept.append(value) }
    }
    return kept
  }
}
