import OutpostCodec
import OutpostModel
import OutpostSync

/// A committed transaction, as `outpost log` shows it.
public struct TransactionInfo: Sendable, Equatable {
  /// Its number.
  public var number: UInt64
  /// When it was committed (the clock of the replica that wrote it).
  public var at: String
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
    return scan.transactions.map { transaction in
      Self.info(
        of: transaction,
        location: "journal/\(JournalFormat.segmentName(1)):\(transaction.commitLine.line)")
    }
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
    do {
      scan = try JournalReader.scan(
        fileSystem: fileSystem, directory: journalDirectory, from: .start)
    } catch {
      report.problems.append(error.message)
      return report
    }
    report.transactions = scan.transactions.count
    if scan.uncommittedBytes > 0 && scan.end.offset < checkpoint.offset {
      // The checkpoint counts these lines as committed: writes refuse them (never discard).
      report.problems.append(
        "journal/\(JournalFormat.segmentName(scan.end.segment)): the last committed entry is "
          + "damaged (the \(scan.uncommittedBytes) bytes after offset \(scan.end.offset) do not "
          + "verify, but state.json counts them as committed); commands refuse this "
          + "repository until it is restored from a backup or another replica")
    } else if scan.uncommittedBytes > 0 {
      report.notes.append(
        "journal/\(JournalFormat.segmentName(scan.end.segment)) ends with an uncommitted tail "
          + "(\(scan.uncommittedBytes) bytes) left by an interrupted write; the next write command "
          + "discards it")
    }
    // Replay.
    var expected: [String: [RecordID: RecordState]] = [:]
    var expectedDocuments: [String: JSONValue] = [:]
    var pendingDocuments: Set<String> = []
    var replayClock = VersionVector()
    for transaction in scan.transactions {
      defer {
        // A commit written by this build records the clock after its transaction.
        if let recorded = transaction.commit.clock, recorded.vector != replayClock {
          report.problems.append(
            "journal line \(transaction.commitLine.line): transaction \(transaction.txn) "
              + "records clock \(recorded.json), but replaying the journal gives \(replayClock)")
        }
      }
      for line in transaction.entries {
        do {
          switch try line.entry() {
          case .record(let collection, let id, let state):
            expected[collection, default: [:]][id] = state.isCollectedMarker ? nil : state
            replayClock.merge(state.context)
          case .document(let name, let value):
            if transaction.commitLine.end <= checkpoint.offset {
              expectedDocuments[name.journalName] = value
            } else {
              pendingDocuments.insert(name.journalName)
            }
          case .begin, .commit: break
          }
        } catch {
          report.problems.append(error.message)
        }
      }
    }
    verifyDocuments(expectedDocuments, skipping: pendingDocuments, into: &report)
    // The checkpoint must be a committed point of the journal.
    let atCheckpoint = scan.transactions.last { $0.commitLine.end == checkpoint.offset }?
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
    // Record files.
    var actual: [String: [RecordID: RecordState]] = [:]
    let collections: [String]
    do {
      collections = try fileSystem.list(recordsDirectory)
    } catch {
      report.problems.append("records/: \(error)")
      return report
    }
    for collection in collections {
      let directory = collectionDirectory(collection)
      guard (try? fileSystem.info(directory))??.kind == .directory else {
        report.problems.append("records/\(collection) is not a folder")
        continue
      }
      if (try? schema(collection)) == nil {
        report.problems.append("records/\(collection): no such collection in this repository")
      }
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
      for bucket in (bucketDigests?[collection] ?? [:]).keys.sorted() where files[bucket] == nil {
        report.problems.append(
          "records/\(collection)/\(bucket).json is missing: \(Self.stateFile) records live "
            + "records in bucket \(bucket)")
      }
      var collisionKeys: [String: RecordID] = [:]
      for bucket in files.keys.sorted() {
        // The bucket's records: its base, then each live delta in order (SPEC.md §4.4).
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
        if files[bucket]!.base,
          let (scanned, states) = read(RecordFile.fileName(bucket: bucket, delta: nil))
        {
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
        for txn in files[bucket]!.deltas.sorted() {
          let name = RecordFile.fileName(bucket: bucket, delta: txn)
          let file = "records/\(collection)/\(name)"
          if txn > checkpoint.txn {
            report.notes.append(
              "\(file) was written by an interrupted write (transaction \(txn) is past the "
                + "checkpoint); the next write command removes it")
            continue
          }
          if txn <= baseTxn && files[bucket]!.base {
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
        if let expected = bucketDigests.map({ $0[collection]?[bucket] ?? .empty }) {
          var digest = BucketDigest.empty
          for (id, state) in records {
            digest.toggle(BucketDigest.recordHash(id, JSONWriter.canonicalBytes(state.json)[...]))
          }
          if digest != expected {
            report.problems.append(
              "records/\(collection)/\(bucket): the bucket's records differ from the digest "
                + "\(Self.stateFile) records (a record file was changed, lost or replaced)")
          }
        }
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
    // Records must match the journal, up to the checkpoint (committed transactions after it
    // are applied by the next writer).
    var pendingAfterCheckpoint: [String: Set<RecordID>] = [:]
    for transaction in scan.transactions where transaction.commitLine.end > checkpoint.offset {
      for line in transaction.entries {
        if case .record(let collection, let id, _)? = try? line.entry() {
          pendingAfterCheckpoint[collection, default: []].insert(id)
        }
      }
    }
    for collection in Set(expected.keys).union(actual.keys).sorted() {
      let want = expected[collection] ?? [:]
      let have = actual[collection] ?? [:]
      for id in Set(want.keys).union(have.keys).sorted() {
        if pendingAfterCheckpoint[collection]?.contains(id) == true { continue }
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
    for directory in [path, journalDirectory, schemasDirectory, syncDirectory, keysDirectory] {
      for name in (try? fileSystem.list(directory)) ?? [] where AtomicFile.isTemporary(name) {
        report.notes.append(leftoverNote(relative(directory) + name))
      }
    }
    return report
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
