import OutpostCodec
import OutpostModel
import OutpostSync

/// Upgrades of a repository written by an older version of Outpost (SPEC.md §4.1, §4.4).
///
/// Each upgrade is idempotent and crash-safe: what it writes goes through the commit protocol
/// or the atomic-file protocol, and a crash part-way leaves a repository the next writer
/// upgrades again.
extension RepositoryWriter {
  /// Upgrades a repository written before bucket digests (SPEC.md §4.4).
  ///
  /// Computes every bucket's digest from its files at the checkpoint and writes `state.json` with
  /// them (and the `readers` file). Reads the whole repository once; a crash before `state.json` is replaced
  /// leaves the repository as it was, and the next writer upgrades it again.
  func upgradeToDigests() throws(StoreError) {
    var digests: [String: [String: BucketDigest]] = [:]
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
    do {
      let readers = path + "/" + Self.readersFile
      if try fileSystem.info(readers) == nil {
        try fileSystem.close(try fileSystem.open(readers, .createNew(secret: false)))
      }
      try AtomicFile.write(
        Self.encodeState(checkpoint, clock: clock, buckets: digests), to: Self.stateFile,
        in: path, fileSystem: fileSystem)
    } catch {
      throw StoreError.writeFailed(error, "the repository could not be upgraded")
    }
    bucketDigests = digests
    notices.append(
      "upgraded: state.json now records a digest of every bucket of records (SPEC.md §4.4)")
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

  /// Upgrades a repository of format version 1 to version 2: the version-1 text values of
  /// ``FormatUpgrade`` become nested values (SPEC.md §2.3).
  ///
  /// The new states are journaled as one transaction (`upgrade to outpost-repo/2`) with their
  /// events unchanged, then `outpost.json` is rewritten with the new format; a crash between the
  /// two leaves version 1 with values already nested, which the next writer finishes.
  func upgradeNestedValues() throws(StoreError) {
    var records: [JournalRecord] = []
    var states: [String: [RecordID: RecordState]] = [:]
    for collection in FormatUpgrade.collections {
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
    config = upgraded
    notices.append(
      "upgraded: the repository is now in format \(RepositoryConfig.format) (lists and documents "
        + "are stored as nested values; \(records.count) record(s) rewritten, SPEC.md §4.1)")
  }
}
