import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// What the journal says about a conflict (SPEC.md §8.7): where each candidate came from, and
/// the record as both sides last agreed on it.
public struct ConflictOrigins: Sendable {
  /// The transaction each candidate (by dot) first appeared in here.
  public var written: [String: TransactionInfo] = [:]
  /// The transaction of the base: the last journaled state before any candidate arrived; nil
  /// when the journal cannot tell (the record arrived here already in conflict).
  public var baseTransaction: TransactionInfo?
  /// The base value of each conflicted field, and of each field one side changed since.
  public var before: [String: Versioned] = [:]
  /// The transaction each `before` value first appeared in here.
  public var beforeWritten: [String: TransactionInfo] = [:]
  /// The fields one side changed since the base (not conflicted, not agreed), with the value
  /// now and the transaction it arrived in.
  public var changed: [(field: String, now: Versioned?, written: TransactionInfo?)] = []
  /// The fields whose value is the base's: both sides agree on them.
  public var agreed: [String] = []
  /// Fields not known to be agreed (no base), for the text's "other fields".
  public var unknown: [String] = []
}

extension RepositoryReader {
  /// Reads the record's journal to say where each candidate came from and what both sides last
  /// agreed on (SPEC.md §8.7).
  public func conflictOrigins(_ collection: String, _ id: RecordID, _ state: RecordState)
    throws(OutpostError) -> ConflictOrigins
  {
    let history: [RecordWrite]
    let schema: CollectionSchema
    do {
      history = try recordHistory(collection, id)
      schema = try self.schema(collection)
    } catch { throw OutpostError(error) }
    var origins = ConflictOrigins()
    var firstSeen: [Dot: TransactionInfo] = [:]
    for write in history {
      for dot in write.state.dots where firstSeen[dot] == nil {
        firstSeen[dot] = write.transaction
      }
    }
    let candidates = Resolution.candidates(state)
    let candidateDots = Set(candidates.map(\.dot))
    for candidate in candidates {
      if let info = firstSeen[candidate.dot] { origins.written[candidate.dot.description] = info }
    }
    // The base: the state just before the first candidate arrived.
    let first = history.firstIndex { $0.state.dots.contains(where: candidateDots.contains) }
    let base: RecordState?
    if let first, first > 0 {
      base = history[first - 1].state
      origins.baseTransaction = history[first - 1].transaction
    } else {
      base = nil
    }
    let conflicted = Set(state.conflictedFields)
    for field in schema.fields.map(\.name) {
      let now = state.fields[field] ?? []
      let then = base?.fields[field] ?? []
      if let value = then.last, !then.contains(where: { candidateDots.contains($0.dot) }),
        conflicted.contains(field) || now.map(\.dot) != then.map(\.dot)
      {
        origins.before[field] = value
        origins.beforeWritten[field] = firstSeen[value.dot]
      }
      guard !conflicted.contains(field), !now.isEmpty || !then.isEmpty else { continue }
      if base == nil {
        origins.unknown.append(field)
      } else if now.map(\.dot) == then.map(\.dot) {
        origins.agreed.append(field)
      } else {
        origins.changed.append((field, now.last, now.last.flatMap { firstSeen[$0.dot] }))
      }
    }
    return origins
  }
}
