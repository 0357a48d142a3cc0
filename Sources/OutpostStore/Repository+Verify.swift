import OutpostCodec
import OutpostModel
import OutpostSync

/// A committed transaction, as `outpost log` shows it.
public struct TransactionInfo: Sendable, Equatable {
  /// Its number.
  public var number: UInt64
  /// When it was committed (the clock of the replica that wrote it); nil when its journal entry
  /// holds no timestamp.
  public var at: Timestamp?
  /// The replica that wrote it.
  public var actor: String
  /// The command that made it.
  public var command: String
  /// How many records it changed.
  public var changes: Int
  /// The journal segment and line of its commit marker.
  public var location: String
  /// Why, in the words of whoever ran the command (`--note`), if given (SPEC.md §4.2).
  public var note: String? = nil
}

/// What `outpost verify` found.
public struct VerifyReport: Sendable, Equatable {
  /// Problems that make the repository untrustworthy, each naming a file (and line).
  public var problems: [String] = []
  /// Things worth knowing that need no action now (an uncommitted tail a writer will discard).
  public var notes: [String] = []
  /// Transactions checked.
  public var transactions = 0
  /// Records checked.
  public var records = 0

  /// Whether no problem was found.
  public var isClean: Bool { problems.isEmpty }
}

extension RepositoryReader {
  /// Every committed transaction, oldest first, with its note (SPEC.md §4.2).
  public func transactions() throws(StoreError) -> [TransactionInfo] {
    // Only the audit records of resolutions journaled before notes were are kept: their note
    // is the transaction's.
    let scan = try JournalReader.scan(
      fileSystem: fileSystem, directory: journalDirectory, from: .start, keepEntries: true,
      keep: Self.keepResolutionNote)
    return scan.transactions.map { Self.info(of: $0, location: Self.location(of: $0)) }
  }

  /// The journaled states of one record, oldest first, with the transactions that wrote them.
  ///
  /// `location` is the record entry's journal line. See ``recordHistory(_:_:)``.
  public func history(_ collection: String, _ id: RecordID) throws(StoreError) -> [(
    transaction: TransactionInfo, state: RecordState
  )] {
    try recordHistory(collection, id).map { write in
      var info = write.transaction
      info.location = write.location
      return (info, write.state)
    }
  }

  /// Checks the whole repository without writing.
  ///
  /// Journal framing, checksums, hash chain and transaction structure; every
  /// record file against a replay of the whole journal; ids, buckets and case collisions; the
  /// checkpoint; leftover temporary files. Reads only.
  public func verify() -> VerifyReport {
    var report = VerifyReport()
    let scan: JournalScan
    // Each transaction is replayed as the scan reads it, so its entries are not all held at once.
    var replay = Replay()
    var replayProblems: [String] = []
    do {
      scan = try JournalReader.scan(
        fileSystem: fileSystem, directory: journalDirectory, from: .start,
        each: { transaction in
          self.replay(transaction, into: &replay, problems: &replayProblems)
        })
    } catch {
      report.problems.append(error.message)
      return report
    }
    report.transactions = scan.transactions.count
    verifyTail(scan, into: &report)
    verifySegments(scan, into: &report)
    report.problems += replayProblems
    verifyDocuments(replay.documents, skipping: replay.pendingDocuments, into: &report)
    verifyCheckpoint(scan, clock: replay.clock, into: &report)
    guard let actual = verifyRecordFiles(into: &report) else { return report }
    compare(replay, with: actual, into: &report)
    verifyCounts(actual, into: &report)
    for directory in [path, journalDirectory, schemasDirectory, syncDirectory, keysDirectory] {
      for name in (try? fileSystem.list(directory)) ?? [] where AtomicFile.isTemporary(name) {
        report.notes.append(leftoverNote(relative(directory) + name))
      }
    }
    return report
  }

  /// What replaying the whole journal gives: the record states and documents it commits.
  ///
  /// Records are kept as fingerprints (``fingerprint(_:_:)``), not states, so verify's memory
  /// is tens of bytes per record.
  private struct Replay {
    /// Every record's fingerprint up to the end of the journal (collected records removed).
    var records: [String: [RecordID: [UInt8]]] = [:]
    /// The documents committed up to the checkpoint, by journal name.
    var documents: [String: JSONValue] = [:]
    /// Documents written by transactions past the checkpoint (the next writer materializes
    /// them).
    var pendingDocuments: Set<String> = []
    /// The records written by transactions past the checkpoint.
    var pendingRecords: [String: Set<RecordID>] = [:]
    /// The clock: every record context joined.
    var clock = VersionVector()
  }

  /// Reports what follows the last commit: a tail a writer discards (a note), or damage in what
  /// `state.json` counts as committed (a problem).
  private func verifyTail(_ scan: JournalScan, into report: inout VerifyReport) {
    guard scan.uncommittedBytes > 0 else { return }
    let segment = "journal/\(JournalFormat.segmentName(scan.tailSegment ?? scan.end.segment))"
    if scan.end.offset < checkpoint.offset {
      // The checkpoint counts these lines as committed: writes refuse them (never discard).
      report.problems.append(
        "\(segment): the last committed entry is "
          + "damaged (the \(scan.uncommittedBytes) bytes after offset \(scan.end.offset) do not "
          + "verify, but state.json counts them as committed); commands refuse this "
          + "repository until it is restored from a backup or another replica")
    } else {
      report.notes.append(
        "\(segment) ends with an uncommitted tail "
          + "(\(scan.uncommittedBytes) bytes) left by an interrupted write; the next write command "
          + "discards it")
    }
  }

  /// Every segment file in `journal/` must be one the scan read, each named by the sequence
  /// number of its first entry (SPEC.md §4.2).
  private func verifySegments(_ scan: JournalScan, into report: inout VerifyReport) {
    let segments: [(segment: Int, plain: Bool, sealed: Bool)]
    do {
      segments = try JournalSegments.list(fileSystem: fileSystem, directory: journalDirectory)
    } catch {
      report.problems.append(error.message)
      return
    }
    let read = Set(scan.segments)
    for (segment, plain, sealed) in segments {
      let name = "journal/\(JournalFormat.segmentName(segment))"
      if !read.contains(segment) && segment != scan.tailSegment {
        report.problems.append(
          "\(plain ? name : "journal/" + JournalSegments.sealedName(segment)): a journal "
            + "segment that does not continue the journal (no segment before it ends at entry "
            + "\(segment - 1))")
      } else if plain && sealed {
        report.notes.append(
          "\(name) and its sealed copy are both present (sealing was interrupted); the next write "
            + "removes the plain file")
      }
    }
  }

  /// Replays a committed transaction, reporting entries that do not decode and a commit whose
  /// recorded clock differs from the replay's.
  private func replay(
    _ transaction: JournalTransaction, into replay: inout Replay, problems: inout [String]
  ) {
    let pending = transaction.txn > checkpoint.txn
    for line in transaction.entries {
      do {
        switch try line.entry() {
        case .record(let collection, let id, let state):
          replay.records[collection, default: [:]][id] =
            state.isCollectedMarker ? nil : Self.fingerprint(id, state)
          replay.clock.merge(state.context)
          if pending { replay.pendingRecords[collection, default: []].insert(id) }
        case .document(let name, let value):
          if pending {
            replay.pendingDocuments.insert(name.journalName)
          } else {
            replay.documents[name.journalName] = value
          }
        case .begin, .commit: break
        }
      } catch {
        problems.append(error.message)
      }
    }
    // A commit written by this build records the clock after its transaction.
    if let recorded = transaction.commit.clock, recorded.vector != replay.clock {
      problems.append(
        "\(Self.location(of: transaction)): transaction \(transaction.txn) "
          + "records clock \(recorded.json), but replaying the journal gives \(replay.clock)")
    }
  }

  /// The checkpoint must be the end of a committed transaction, with its commit's seq, hash and
  /// number, and the replayed clock.
  private func verifyCheckpoint(
    _ scan: JournalScan, clock replayClock: VersionVector, into report: inout VerifyReport
  ) {
    let atCheckpoint = scan.transactions.last { Self.endsAtCheckpoint($0, checkpoint) }?
      .commitLine
    if checkpoint.offset != 0 && atCheckpoint == nil {
      report.problems.append(
        "state.json: checkpoint offset \(checkpoint.offset) is not the end of a committed transaction"
      )
    }
    if let commit = atCheckpoint,
      commit.seq != checkpoint.seq || commit.hash != checkpoint.hash || commit.txn != checkpoint.txn
    {
      report.problems.append(
        "state.json: checkpoint (seq \(checkpoint.seq), transaction \(checkpoint.txn)) differs "
          + "from the journal's commit at that offset (seq \(commit.seq), transaction \(commit.txn))"
      )
    }
    if clock != replayClock {
      report.problems.append("state.json: clock \(clock) differs from the journal's \(replayClock)")
    }
    let last = scan.transactions.last { Self.endsAtCheckpoint($0, checkpoint) }
    if let begin = checkpointBegin, let last, last.beginOffset != begin {
      report.problems.append(
        "state.json: the checkpoint's transaction \(checkpoint.txn) begins at offset "
          + "\(last.beginOffset) of the journal, not at \(begin)")
    }
  }

  /// Whether a transaction's commit line ends where the checkpoint is.
  private static func endsAtCheckpoint(_ transaction: JournalTransaction, _ at: JournalPosition)
    -> Bool
  {
    transaction.commitLine.segment == at.segment && transaction.commitLine.end == at.offset
  }

  /// The counts `state.json` keeps must be those of the record files (SPEC.md §4.1).
  private func verifyCounts(
    _ actual: [String: [RecordID: [UInt8]]], into report: inout VerifyReport
  ) {
    guard let stored = storedCounts else { return }
    var counted: [String: RecordCounts] = [:]
    for (collection, records) in actual {
      var tally = RecordCounts()
      for fingerprint in records.values {
        let flags = fingerprint[16]
        tally.count(deleted: flags & 1 != 0, conflicted: flags & 2 != 0, 1)
      }
      if !tally.isZero { counted[collection] = tally }
    }
    for collection in Set(stored.keys).union(counted.keys).sorted()
    where stored[collection] != counted[collection] {
      func text(_ counts: RecordCounts?) -> String {
        let counts = counts ?? RecordCounts()
        return "\(counts.live) live, \(counts.deleted) deleted, \(counts.conflicted) in conflict"
      }
      report.problems.append(
        "state.json: counts \(text(stored[collection])) records of '\(collection)', but its "
          + "record files hold \(text(counted[collection]))")
    }
  }

  /// Reads every record file, reporting what is wrong with each; returns the records'
  /// fingerprints by collection and id, or nil when `records/` cannot be listed.
  private func verifyRecordFiles(into report: inout VerifyReport) -> [String: [RecordID:
    [UInt8]]]?
  {
    var actual: [String: [RecordID: [UInt8]]] = [:]
    let collections: [String]
    do {
      collections = try fileSystem.list(recordsDirectory)
    } catch {
      report.problems.append("records/: \(error)")
      return nil
    }
    for collection in collections {
      guard (try? fileSystem.info(collectionDirectory(collection)))??.kind == .directory else {
        report.problems.append("records/\(collection) is not a folder")
        continue
      }
      if (try? schema(collection)) == nil {
        report.problems.append("records/\(collection): no such collection in this repository")
      }
      let files = bucketFiles(collection, into: &report)
      for bucket in (bucketDigests?[collection] ?? [:]).keys.sorted() where files[bucket] == nil {
        report.problems.append(
          "records/\(collection)/\(bucket).json is missing: \(Self.stateFile) records live "
            + "records in bucket \(bucket)")
      }
      var collisionKeys: [String: RecordID] = [:]
      for bucket in files.keys.sorted() {
        let records = verifyBucket(collection, bucket, files: files[bucket]!, into: &report)
        for id in records.keys.sorted() {
          if let other = collisionKeys[id.collisionKey] {
            report.problems.append(
              "records/\(collection)/\(bucket): ids '\(other)' and '\(id)' collide (they differ "
                + "only by case)")
          }
          collisionKeys[id.collisionKey] = id
          actual[collection, default: [:]][id] = records[id]
          report.records += 1
        }
      }
    }
    return actual
  }

  /// What verify keeps of a record: the hash it adds to its bucket's digest
  /// (``BucketDigest/recordHash(_:_:)``, 16 bytes), then a byte of flags (1: deleted, 2: in
  /// conflict) for the counts.
  private static func fingerprint(_ id: RecordID, _ state: RecordState) -> [UInt8] {
    BucketDigest.recordHash(id, state.canonicalBytes[...])
      + [(state.isDeleted ? 1 : 0) | (state.isConflicted ? 2 : 0)]
  }

  /// The record files of a collection's folder, by bucket.
  ///
  /// For each bucket: whether it has a base, and its deltas' transactions. Temporary files are
  /// noted; files that are not record files are problems.
  private func bucketFiles(_ collection: String, into report: inout VerifyReport) -> [String: (
    base: Bool, deltas: [UInt64]
  )] {
    let directory = collectionDirectory(collection)
    var files: [String: (base: Bool, deltas: [UInt64])] = [:]
    for name in ((try? fileSystem.list(directory)) ?? []).sorted() {
      let file = "records/\(collection)/\(name)"
      if AtomicFile.isTemporary(name) {
        report.notes.append(leftoverNote(file))
        continue
      }
      guard let parsed = RecordFile.parseName(name),
        (try? fileSystem.info(directory + "/" + name))??.kind == .regular
      else {
        report.problems.append(
          "\(file) is not a record file (expected <2 hex digits>.json or <2 hex digits>.<txn>.json)"
        )
        continue
      }
      if let txn = parsed.delta {
        files[parsed.bucket, default: (false, [])].deltas.append(txn)
      } else {
        files[parsed.bucket, default: (false, [])].base = true
      }
    }
    return files
  }

  /// A bucket's live records, as fingerprints: its base, then each live delta in order (SPEC.md
  /// §4.4), each file decoded and checked, and the whole compared with the digest `state.json`
  /// records.
  private func verifyBucket(
    _ collection: String, _ bucket: String, files: (base: Bool, deltas: [UInt64]),
    into report: inout VerifyReport
  ) -> [RecordID: [UInt8]] {
    let directory = collectionDirectory(collection)
    var records: [RecordID: RecordState] = [:]
    var baseTxn: UInt64 = 0
    func read(_ name: String) -> (RecordFile.Scanned, [RecordID: RecordState])? {
      let file = "records/\(collection)/\(name)"
      do {
        let bytes = try fileSystem.readFile(directory + "/" + name)
        let scanned = try RecordFile.scan(
          bytes, collection: collection, bucket: bucket, path: file, checkBuckets: true)
        return (scanned, try RecordFile.decodeAll(scanned))
      } catch let error as StoreError {
        report.problems.append(error.message)
      } catch {
        report.problems.append("\(file): \(error)")
      }
      return nil
    }
    if files.base, let (scanned, states) = read(RecordFile.fileName(bucket: bucket, delta: nil)) {
      baseTxn = scanned.txn
      if scanned.txn > checkpoint.txn {
        report.problems.append(
          "records/\(collection)/\(bucket).json: is current to transaction \(scanned.txn), "
            + "past the checkpoint (\(checkpoint.txn))")
      }
      if let marker = states.first(where: { $0.value.isCollectedMarker }) {
        report.problems.append(
          "records/\(collection)/\(bucket).json: record '\(marker.key)' is a collected marker")
      }
      records = states
    }
    for txn in files.deltas.sorted() {
      let name = RecordFile.fileName(bucket: bucket, delta: txn)
      let file = "records/\(collection)/\(name)"
      if txn > checkpoint.txn {
        report.notes.append(
          "\(file) was written by an interrupted write (transaction \(txn) is past the "
            + "checkpoint); the next write command removes it")
        continue
      }
      if txn <= baseTxn && files.base {
        report.notes.append(
          "\(file) is already part of the base (left by an interrupted compaction); the next "
            + "write to its bucket removes it")
        continue
      }
      guard let (scanned, states) = read(name) else { continue }
      if scanned.txn != txn {
        report.problems.append("\(file), line 1: names transaction \(scanned.txn)")
      }
      for (id, state) in states {
        records[id] = state.isCollectedMarker ? nil : state
      }
    }
    var fingerprints: [RecordID: [UInt8]] = [:]
    fingerprints.reserveCapacity(records.count)
    var digest = BucketDigest.empty
    for (id, state) in records {
      let fingerprint = Self.fingerprint(id, state)
      fingerprints[id] = fingerprint
      digest.toggle(Array(fingerprint.prefix(16)))
    }
    if let expected = bucketDigests.map({ $0[collection]?[bucket] ?? .empty }) {
      if digest != expected {
        report.problems.append(
          "records/\(collection)/\(bucket): the bucket's records differ from the digest "
            + "\(Self.stateFile) records (a record file was changed, lost or replaced)")
      }
    }
    return fingerprints
  }

  /// Records must match the journal, up to the checkpoint (committed transactions after it
  /// are applied by the next writer).
  private func compare(
    _ replay: Replay, with actual: [String: [RecordID: [UInt8]]],
    into report: inout VerifyReport
  ) {
    for collection in Set(replay.records.keys).union(actual.keys).sorted() {
      let want = replay.records[collection] ?? [:]
      let have = actual[collection] ?? [:]
      for id in Set(want.keys).union(have.keys).sorted() {
        if replay.pendingRecords[collection]?.contains(id) == true { continue }
        let file = "records/\(collection)/\(RecordFile.bucket(for: id))"
        switch (want[id], have[id]) {
        case (nil, _?):
          report.problems.append("\(file): record '\(id)' is not in the journal")
        case (_?, nil):
          report.problems.append("\(file): record '\(id)' from the journal is missing")
        case (let w?, let h?) where w != h:
          report.problems.append("\(file): record '\(id)' differs from the journal")
        default: break
        }
      }
    }
  }

  /// A temporary file is what an interrupted write leaves (or a writer's work in progress): the
  /// record files are checked without it, so it is worth a note, not a problem.
  private func leftoverNote(_ file: String) -> String {
    "\(file) is a temporary file left by an interrupted write; the next write command removes it"
  }

  /// `directory` relative to the repository, with a trailing slash ("" for the repository).
  private func relative(_ directory: String) -> String {
    directory == path ? "" : String(directory.dropFirst(path.count + 1)) + "/"
  }

  /// Checks `sync/` and `schemas/` against the journal's documents, up to the checkpoint.
  private func verifyDocuments(
    _ expected: [String: JSONValue], skipping pending: Set<String>, into report: inout VerifyReport
  ) {
    var names: Set<String> = []
    for (directory, prefix) in [("sync", ""), ("schemas", DocumentName.schemaPrefix)] {
      let folder = path + "/" + directory
      guard (try? fileSystem.exists(folder)) == true else { continue }
      for name in (try? fileSystem.list(folder)) ?? []
      where name.hasSuffix(".json") && !AtomicFile.isTemporary(name) {
        names.insert(prefix + String(name.dropLast(5)))
      }
    }
    for name in names.union(expected.keys).sorted() where !pending.contains(name) {
      let file = DocumentName(journalName: name)?.file ?? "sync/\(name).json"
      guard let want = expected[name] else {
        report.problems.append("\(file) is not in the journal")
        continue
      }
      guard let bytes = try? fileSystem.readFile(path + "/" + file) else {
        report.problems.append("\(file) from the journal is missing")
        continue
      }
      if bytes != JSONWriter.prettyBytes(want) {
        report.problems.append("\(file) differs from the journal")
      }
    }
  }
}
