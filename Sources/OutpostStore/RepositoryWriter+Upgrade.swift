import OutpostCodec
import OutpostModel
import OutpostSync

/// Upgrades of a repository written by an older version of Outpost (SPEC.md §4.1, §4.4).
///
/// Each upgrade is idempotent and crash-safe: what it writes goes through the commit protocol
/// or the atomic-file protocol, and a crash part-way leaves a repository the next writer
/// upgrades again.
extension RepositoryWriter {
  /// Upgrades `state.json` written by an earlier build: before bucket digests
  /// (`outpost-state/1`), or before record counts and the last transaction's place
  /// (`outpost-state/2`) (SPEC.md §4.1, §4.4).
  ///
  /// Computes what is missing from the record files and the journal at the checkpoint and
  /// writes `state.json` with it (and the `readers` file). Reads the whole repository once; a
  /// crash before `state.json` is replaced leaves the repository as it was, and the next writer
  /// upgrades it again.
  func upgradeState() throws(StoreError) {
    var added: [String] = []
    var digests = bucketDigests ?? [:]
    if bucketDigests == nil {
      let collections: [String]
      do { collections = try fileSystem.list(recordsDirectory) } catch {
        throw StoreError.readFailed(error)
      }
      for collection in collections
      where (try? fileSystem.info(collectionDirectory(collection)))??.kind == .directory {
        for name in try listing(collection).keys.sorted() {
          let digest = try loadBucket(collection, name).digest
          if digest != .empty { digests[collection, default: [:]][name] = digest }
        }
      }
      bucketDigests = digests
      added.append("a digest of every bucket of records (SPEC.md §4.4)")
    }
    var counts: [String: RecordCounts]
    if let stored = storedCounts { counts = stored } else { counts = try countEveryRecord() }
    var begin: Int64 = 0
    if checkpoint.txn > 0 {
      let scan = try JournalReader.scan(
        fileSystem: fileSystem, directory: journalDirectory, from: .start, keepEntries: false)
      guard let last = scan.transactions.last(where: { $0.txn == checkpoint.txn }) else {
        throw StoreError(
          .corrupt, "the journal lacks the checkpoint's transaction \(checkpoint.txn)",
          hint: Self.restoreHint, remedy: .verify)
      }
      begin = last.beginOffset
    }
    if storedCounts == nil {
      added.append(
        "the record counts of every collection and where the last transaction begins "
          + "(SPEC.md §4.1)")
    }
    do {
      let readers = path + "/" + Self.readersFile
      if try fileSystem.info(readers) == nil {
        try fileSystem.close(try fileSystem.open(readers, .createNew(secret: false)))
      }
      try AtomicFile.write(
        Self.encodeState(
          StateFile(
            checkpoint: checkpoint, clock: clock, buckets: digests, counts: counts, begin: begin)),
        to: Self.stateFile, in: path, fileSystem: fileSystem)
    } catch {
      throw StoreError.writeFailed(error, "the repository could not be upgraded")
    }
    storedCounts = counts
    checkpointBegin = begin
    notices.append("upgraded: state.json now records " + added.joined(separator: " and "))
  }

  /// Opens `path` as the writer, which upgrades it, for a reader that found an older format;
  /// returns the writer's notices.
  static func upgrade(
    at path: String, from config: RepositoryConfig, _ fileSystem: any FileSystem,
    now: @escaping @Sendable () -> Timestamp
  ) throws(StoreError) -> [String] {
    do {
      let writer = try RepositoryWriter.open(at: path, fileSystem: fileSystem, now: now)
      defer { writer.close() }
      return writer.notices
    } catch {
      var error = error
      error.message =
        "\(path) is in format outpost-repo/\(config.version) and is upgraded to "
        + "\(RepositoryConfig.format) when opened, which needs the writer: \(error.message)"
      throw error
    }
  }

  /// Upgrades a repository of an older format version to the current one (SPEC.md §4.1).
  ///
  /// From version 1, the version-1 text values of ``FormatUpgrade`` become nested values
  /// (SPEC.md §2.3): the new states are journaled as one transaction (`upgrade to outpost-repo/N`)
  /// with their events unchanged. Version 2 differs from 3 only in `state.json`, which opening
  /// has upgraded already; version 3 differs from 4 only in that it never seals a journal
  /// segment (its journal is one plain segment, which version 4 reads as it is). Then `outpost.json` is rewritten with the new format; a crash before
  /// that leaves the old version with its changes made, which the next writer finishes.
  func upgradeFormat() throws(StoreError) {
    var records: [JournalRecord] = []
    var states: [String: [RecordID: RecordState]] = [:]
    for collection in config.version < 2 ? FormatUpgrade.collections : [] {
      for (id, state) in try self.states(collection) {
        let upgraded: RecordState?
        do { upgraded = try FormatUpgrade.upgradingVersion1(state, in: collection) } catch {
          throw StoreError(
            .corrupt,
            "\(collection)/\(id) cannot be upgraded to \(RepositoryConfig.format): "
              + "\(error.message); nothing was upgraded", hint: Self.restoreHint)
        }
        guard let upgraded else { continue }
        records.append((collection, id, upgraded))
        states[collection, default: [:]][id] = upgraded
      }
    }
    if !records.isEmpty {
      _ = try commitTransaction(
        command: "upgrade to \(RepositoryConfig.format)", records: records, states: states)
    }
    var upgraded = config
    upgraded.version = RepositoryConfig.currentVersion
    // Only the format changes: every other member is kept as the file has it.
    let file = path + "/" + Self.configFile
    do {
      guard case .object(let object) = try JSONParser.parse(try fileSystem.readFile(file)) else {
        throw StoreError(.corrupt, "\(file) is not a JSON object")
      }
      let members = object.map {
        ($0.key, $0.key == "format" ? .string(RepositoryConfig.format) : $0.value)
      }
      try AtomicFile.write(
        JSONWriter.prettyBytes(.object(JSONObject(uncheckedPairs: members))), to: Self.configFile,
        in: path,
        fileSystem: fileSystem)
    } catch let error as StoreError {
      throw error
    } catch let error as FileSystemError {
      throw StoreError.writeFailed(error, "the repository could not be upgraded")
    } catch {
      throw StoreError(.corrupt, "\(file): \(error)")
    }
    let from = config.version
    config = upgraded
    notices.append(
      "upgraded: the repository is now in format \(RepositoryConfig.format) ("
        + (from < 2
          ? "lists and documents are stored as nested values; \(records.count) record(s) "
            + "rewritten; " : "")
        + (from < 3 ? "state.json keeps record counts; " : "")
        + "finished journal segments are sealed, SPEC.md §4.1, §4.2)")
  }
}
