import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

/// What `status` shows without reading the repository: the records of each collection and the
/// last transaction, both kept in `state.json` at every commit (SPEC.md §4.1).
extension RepositoryReader {
  /// The records of every collection this repository knows, in ``collections`` order.
  ///
  /// - Complexity: O(collections + changes committed past the checkpoint) when `state.json`
  ///   keeps counts (`outpost-state/3`); a repository written before reads every record once,
  ///   until its next writer upgrades it.
  public func recordCounts() throws(StoreError) -> [(collection: String, counts: RecordCounts)] {
    var counts: [String: RecordCounts]
    if let stored = storedCounts { counts = stored } else { counts = try countEveryRecord() }
    for (collection, states) in overlay {
      for (id, state) in states {
        let before = try withBucket(collection, RecordFile.bucket(for: id)) {
          bucket throws(StoreError) in try bucket.state(id)
        }
        counts[collection, default: RecordCounts()].count(before, -1)
        counts[collection, default: RecordCounts()].count(state, 1)
      }
    }
    return collections.map { ($0.name, counts[$0.name] ?? RecordCounts()) }
  }

  /// The records of every collection at the checkpoint, counted from the record files.
  ///
  /// - Complexity: O(records): every record is read and decoded.
  func countEveryRecord() throws(StoreError) -> [String: RecordCounts] {
    var counts: [String: RecordCounts] = [:]
    let names: [String]
    do {
      names = try fileSystem.exists(recordsDirectory) ? try fileSystem.list(recordsDirectory) : []
    } catch { throw StoreError.readFailed(error) }
    let known = Set(names).union(bucketDigests?.keys ?? [:].keys)
    for collection in known.sorted() where !AtomicFile.isTemporary(collection) {
      var tally = RecordCounts()
      let names = Set(try listing(collection).keys).union(
        bucketDigests?[collection]?.keys ?? [:].keys)
      for name in names.sorted() {
        var bucket = bucketCache[collection + "/" + name]
        if bucket == nil { bucket = try loadBucket(collection, name) }
        for (_, state) in try bucket!.allStates() { tally.count(state, 1) }
      }
      if !tally.isZero { counts[collection] = tally }
    }
    return counts
  }

  /// The last committed transaction, or nil before the first.
  ///
  /// - Complexity: O(1) in the journal's size when `state.json` records where the transaction
  ///   begins (`outpost-state/3`); a repository written before reads the whole journal.
  public func lastTransaction() throws(StoreError) -> TransactionInfo? {
    if let newest = newestPastCheckpoint { return newest }
    guard checkpoint.txn > 0 else { return nil }
    guard let begin = checkpointBegin else { return try transactions().last }
    let journal = journalDirectory + "/" + JournalFormat.segmentName(checkpoint.segment)
    func damaged(_ detail: String) -> StoreError {
      StoreError(
        .corrupt, "\(journal) does not match \(path)/\(Self.stateFile): \(detail)",
        hint: Self.restoreHint, remedy: .verify)
    }
    // The begin line is short (a command and a note of at most 1000 bytes); read more only
    // for a longer one.
    var window = 4096
    var line: ArraySlice<UInt8> = []
    while true {
      let bytes: [UInt8]
      do {
        bytes = try fileSystem.readFile(
          journal, from: begin, upTo: min(window, Int(checkpoint.offset - begin))
        ).bytes
      } catch { throw StoreError.readFailed(error) }
      if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
        line = bytes[..<newline]
        break
      }
      guard bytes.count == window else { throw damaged("no whole line at the transaction's begin") }
      window *= 4
    }
    let decoded: (entry: JournalEntry, txn: UInt64, seq: UInt64, prev: String)
    do { decoded = try JournalEntry.decode(framedLine: line, number: 0) } catch {
      throw damaged("the line at the transaction's begin is damaged")
    }
    guard case .begin(let entry) = decoded.entry, decoded.txn == checkpoint.txn else {
      throw damaged("the line at the transaction's begin is not the begin of \(checkpoint.txn)")
    }
    // A resolution journaled before notes were has its note in its audit record.
    if entry.note == nil && Self.isResolution(entry) { return try transactions().last }
    return TransactionInfo(
      number: checkpoint.txn, at: entry.at, actor: entry.actor, command: entry.command,
      changes: checkpointChanges,
      location: Self.location(
        segment: checkpoint.segment,
        line: JournalSegments.line(of: checkpoint.seq, in: checkpoint.segment)),
      note: entry.note)
  }

  /// Where a transaction's commit line is, as transactions are located in reports.
  static func location(of transaction: JournalTransaction) -> String {
    location(segment: transaction.commitLine.segment, line: transaction.commitLine.line)
  }

  /// A journal line as reports name it: `journal/<segment file>:<line>`.
  static func location(segment: Int, line: Int) -> String {
    "journal/\(JournalFormat.segmentName(segment)):\(line)"
  }
}
