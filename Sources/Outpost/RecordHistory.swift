import OutpostCodec
import OutpostModel
import OutpostSync

/// How one write of a record compares with the state before it (SPEC.md §6, `history`).
public enum RecordHistory {
  /// One write of a record compared with the one before it.
  public struct Change: Sendable, Equatable {
    public var field: String
    public var from: JSONValue?
    public var to: JSONValue?
    /// The values of a register left in conflict (two or more), else empty.
    public var candidates: [Versioned]
    /// The values of a register that was in conflict before (a resolution settles it), else
    /// empty.
    public var fromCandidates: [Versioned]
  }

  /// What a write did to the record as a whole: `created`, `updated`, `deleted`, `re-created`,
  /// `deleted while edited (conflict)`, `edited while deleted (conflict)` or `collected`.
  public static func event(_ before: RecordState?, _ after: RecordState) -> String {
    if after.isCollectedMarker { return "collected" }
    guard let before, before.exists else { return after.isDeleted ? "deleted" : "created" }
    if after.isDeleted && !before.isDeleted { return "deleted" }
    if before.isDeleted && !after.isDeleted {
      return after.hasDeleteConflict ? "edited while deleted (conflict)" : "re-created"
    }
    if after.hasDeleteConflict && !before.hasDeleteConflict {
      return "deleted while edited (conflict)"
    }
    return "updated"
  }

  /// The fields whose register differs between two states, in the schema's order.
  public static func changes(
    _ schema: CollectionSchema, _ before: RecordState?, _ after: RecordState
  ) -> [Change] {
    let names = schema.fields.map(\.name)
    let extra = Set((before?.fields.keys).map(Array.init) ?? []).union(after.fields.keys)
      .subtracting(names).sorted()
    var changes: [Change] = []
    guard !after.isCollectedMarker else { return [] }
    for field in names + extra {
      let old = before?.fields[field] ?? []
      let new = after.fields[field] ?? []
      let wasConflict = Set(old.map(\.value)).count > 1
      let isConflict = Set(new.map(\.value)).count > 1
      // A value written again (a join keeping two equal values) is no change to show.
      guard old.map(\.dot) != new.map(\.dot),
        old.last?.value != new.last?.value || wasConflict || isConflict
      else { continue }
      changes.append(
        Change(
          field: field, from: old.last?.value, to: new.last?.value,
          candidates: isConflict ? new : [], fromCandidates: wasConflict ? old : []))
    }
    return changes
  }
}
