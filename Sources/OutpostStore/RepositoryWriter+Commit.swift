import Dispatch
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import Synchronization

extension RepositoryWriter {
  // MARK: Writing

  /// Applies changes as one transaction: all of them, or (on any error) none.
  ///
  /// Each put or delete that changes something gets a new dot of this replica. A put that
  /// writes the values a record already has is not a change, and a transaction with no change
  /// writes nothing at all. Ids that collide by case with an existing record are refused.
  /// The commit is acknowledged (this method returns) only after the journal is on stable
  /// storage; the record files and `state.json` are then replaced by the atomic-file protocol.
  /// A `note` (why, one line of at most 1000 bytes) is journaled with the transaction.
  public func commit(_ changes: [RecordChange], command: String, note: String? = nil)
    throws(StoreError) -> CommitSummary
  {
    precondition(mode == .write, "commit needs a repository opened for writing")
    try refuseAfterFailedRollback()
    if let note { try Self.checkNote(note) }
    var summary = CommitSummary()
    var pending: [String: [RecordID: RecordState]] = [:]
    var pendingKeys: [String: [String: RecordID]] = [:]
    var records: [JournalRecord] = []
    var counter = lastCounter()
    for change in changes {
      let collection = change.collection
      let id = change.id
      let schema = try schema(collection)
      // The request first, before any record is read; then again with the stored state.
      try checkOwnership(schema, change)
      var state: RecordState
      if let staged = pending[collection]?[id] {
        state = staged
      } else {
        let (existing, collision) = try lookup(collection, id)
        if let existing {
          state = existing
        } else {
          if let other = collision {
            throw StoreError(
              .invalidData,
              "id '\(id)' collides with existing record '\(other)' in '\(collection)': ids that "
                + "differ only by letter case are the same on case-insensitive file systems",
              hint: "Use the existing id, or choose an id that differs by more than case.")
          }
          if let other = pendingKeys[collection]?[id.collisionKey] {
            throw StoreError(
              .invalidData,
              "ids '\(other)' and '\(id)' collide in '\(collection)' (they differ only by letter case)"
            )
          }
          state = RecordState()
        }
      }
      try checkOwnership(schema, change, existing: state)
      switch change {
      case .put(_, _, let fields):
        let delta = state.changes(fields)
        guard !delta.isEmpty else {
          summary.unchanged += 1
          continue
        }
        let touched = state.conflictedFields.filter { delta[$0] != nil }
        if !touched.isEmpty || state.hasDeleteConflict {
          throw openConflict(
            collection, id,
            touched.isEmpty
              ? "it was deleted on one side and edited on the other"
              : "on \(touched.joined(separator: ", "))")
        }
        let wasLive = state.exists && !state.isDeleted
        counter += 1
        try checkNewDot(Dot(config.replica, counter), collection, id, state)
        state.write(delta, at: Dot(config.replica, counter))
        if wasLive { summary.updated += 1 } else { summary.created += 1 }
      case .delete:
        guard state.exists else {
          throw StoreError(.notFound, "no record '\(id)' in '\(collection)'")
        }
        guard !state.isDeleted else {
          summary.unchanged += 1
          continue
        }
        if state.isConflicted { throw openConflict(collection, id, "") }
        counter += 1
        try checkNewDot(Dot(config.replica, counter), collection, id, state)
        state.delete(at: Dot(config.replica, counter))
        summary.deleted += 1
      }
      pending[collection, default: [:]][id] = state
      pendingKeys[collection, default: [:]][id.collisionKey] = id
      records.append((collection, id, state))
    }
    guard !records.isEmpty else { return summary }
    summary.transaction = try commitTransaction(
      command: command, note: note, records: records, states: pending)
    return summary
  }

  /// Writes a transaction to the journal, syncs it, then materializes it.
  ///
  /// The journal gets a `begin` entry (with `note` unless it is empty), one record entry per
  /// element of `records` in their order, one document entry per document by name, and the
  /// `commit` entry with the clock after the transaction (SPEC.md §4.2).
  func commitTransaction(
    command: String, note: String? = nil, records: [JournalRecord] = [],
    states: [String: [RecordID: RecordState]] = [:], documents: [DocumentName: JSONValue] = [:]
  ) throws(StoreError) -> UInt64 {
    // Read (and check against its digest) every bucket the transaction touches before anything
    // is written: a damaged bucket refuses the write with its own message (SPEC.md §4.4).
    try preload(states)
    let caches = updatedCaches(states)
    let txn = checkpoint.txn + 1
    // A transaction never spans segments: once the segment is full, the next one begins here,
    // named by the sequence number of its first entry (SPEC.md §4.2).
    var start = checkpoint
    if checkpoint.offset >= journalSegmentLimit {
      start.segment = Int(checkpoint.seq) + 1
      start.offset = 0
    }
    var writer = JournalWriter(fileSystem: fileSystem, directory: journalDirectory, position: start)
    let what = "nothing was changed"
    var newClock = clock
    for (_, records) in states { for (_, state) in records { newClock.merge(state.context) } }
    do {
      let begin = JournalEntry.Begin(
        at: now(), actor: config.replica.rawValue, command: command,
        note: note?.isEmpty == false ? note : nil)
      try writer.append(.begin(begin), txn: txn)
      for record in records {
        try writer.append(
          .record(collection: record.collection, id: record.id, state: record.state), txn: txn)
      }
      for name in documents.keys.sorted() {
        try writer.append(.document(name, documents[name]!), txn: txn)
      }
      let commit = JournalEntry.Commit(
        changes: UInt64(records.count), clock: JournalEntry.RecordedClock(newClock))
      try writer.append(.commit(commit), txn: txn)
      try writer.sync()
    } catch {
      writer.abandon()
      try rollBackJournal(to: checkpoint, from: start, after: error)
      throw StoreError.writeFailed(error, what)
    }
    var end = writer.position
    end.txn = txn
    let before = (checkpoint, clock)
    clock = newClock
    do {
      try materialize(
        states, documents: documents, through: end, last: (start.offset, records.count))
    } catch {
      clock = before.1
      try rollBackJournal(to: before.0, from: start, after: error)
      throw StoreError.writeFailed(error, what)
    }
    writeCaches(caches)
    if start.segment != before.0.segment { sealPending = true }
    sealFinishedSegments()
    try absorbSchemas(documents)
    return txn
  }

  /// Reads every bucket `states` touch into the cache, checking each against its digest.
  func preload(_ states: [String: [RecordID: RecordState]]) throws(StoreError) {
    for (collection, records) in states {
      for name in Set(records.keys.map { RecordFile.bucket(for: $0) }) {
        _ = try withBucket(collection, name) { _ throws(StoreError) in () }
      }
    }
  }

  /// Undoes an unacknowledged journal append that began at `start`: removes the segment it
  /// began, or truncates the segment to `position`.
  ///
  /// If even that fails, the repository is left for recovery, and the error says so.
  func rollBackJournal(
    to position: JournalPosition, from start: JournalPosition, after error: FileSystemError
  ) throws(StoreError) {
    do { try discardJournal(after: position, begun: start.segment) } catch let rollbackError {
      throw StoreError(
        .io,
        "storage error: \(error); then, while undoing the unfinished write: \(rollbackError)",
        hint: "The change may or may not be applied; the next command recovers the repository "
          + "from its journal. To check it now:", remedy: .verify)
    }
  }

  /// Removes what the journal holds past `position`, durably: the segment `begun` whole when
  /// it is a later one than the position's, else the bytes of the position's segment after it.
  func discardJournal(after position: JournalPosition, begun: Int?) throws(FileSystemError) {
    if let begun, begun != position.segment {
      let path = journalDirectory + "/" + JournalFormat.segmentName(begun)
      guard try fileSystem.exists(path) else { return }
      try fileSystem.remove(path)
      try fileSystem.syncDirectory(journalDirectory)
      return
    }
    let journal = journalDirectory + "/" + JournalFormat.segmentName(position.segment)
    guard try fileSystem.exists(journal) else { return }
    let handle = try fileSystem.open(journal, .append)
    do throws(FileSystemError) {
      try fileSystem.truncate(handle, to: position.offset)
      try fileSystem.sync(handle)
    } catch {
      try? fileSystem.close(handle)
      throw error
    }
    try fileSystem.close(handle)
  }

  /// Refuses to write after an unfinished write could not be undone.
  func refuseAfterFailedRollback() throws(StoreError) {
    guard needsRecovery else { return }
    throw StoreError(
      .io, "an earlier write in this command could not be undone; nothing more is written",
      hint: "Run the command again: opening the repository recovers it from its journal.")
  }

}

extension RepositoryReader {
  /// Refuses to write at a dot a record already holds: the clock in `state.json` is behind the
  /// records (damaged or edited by hand), and writing would give two changes one name.
  func checkNewDot(_ dot: Dot, _ collection: String, _ id: RecordID, _ state: RecordState)
    throws(StoreError)
  {
    guard state.context.contains(dot) else { return }
    throw StoreError(
      .corrupt,
      "\(collection)/\(id) already holds event \(dot), which this repository's clock says is "
        + "unused: \(Self.stateFile) is behind the records; nothing was changed",
      hint: Self.restoreHint, remedy: .verify)
  }

  /// A write that would settle an open conflict without a recorded decision (SPEC.md §8.7).
  func openConflict(_ collection: String, _ id: RecordID, _ detail: String) -> StoreError {
    StoreError(
      .invalidData,
      "\(collection)/\(id) has an open conflict\(detail.isEmpty ? "" : " (\(detail))"); writing it "
        + "would settle the conflict without a recorded decision; nothing was changed",
      hint: config.role == .head
        ? "Settle it first:" : "Head office decides; its decision arrives in the next reply:",
      remedy: config.role == .head
        ? .resolve(collection: collection, record: id.rawValue) : .receive)
  }

  /// Refuses a change this replica may not make (SPEC.md §2.4): a branch writing a head-office
  /// collection or another office's record.
  ///
  /// ``ownership``'s ``OwnershipPolicy/check(_:in:id:existing:)``, as a store error
  /// (``StoreError/Code/notPermitted``). Without `existing` only the request is judged.
  public func checkOwnership(
    _ schema: CollectionSchema, _ change: RecordChange, existing: RecordState? = nil
  ) throws(StoreError) {
    do { try ownership.check(change.write, in: schema, id: change.id, existing: existing) } catch {
      throw StoreError(error)
    }
  }
}
