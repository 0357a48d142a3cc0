import Dispatch
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import Synchronization

/// The single writer of a repository: a ``RepositoryReader`` that also holds the writer lock
/// and commits (SPEC.md §4.2).
///
/// Open one with ``RepositoryReader/open(at:fileSystem:now:)`` called on this class, or make a
/// new repository with ``create(at:replica:role:fileSystem:now:)``. Opening recovers from an
/// interrupted write first. The lock is released by ``RepositoryReader/close()`` or when the
/// writer is deallocated.
public final class RepositoryWriter: RepositoryReader {
  override class var openMode: Mode { .write }

  /// Whether `submit` and `reply` also walk every record and refuse to make a bundle whose
  /// records differ from those found from the journal (a self-check for tests and for
  /// `OUTPOST_CHECK_BUNDLES=1`, SPEC.md §8.6; it costs what the walk costs).
  public var checksBundleRecords = false

  /// Where the journal's next segment begins: a transaction starts a new segment once the
  /// current one holds at least this many bytes (SPEC.md §4.2); tests make it small.
  package var journalSegmentLimit = JournalSegments.defaultLimit

  /// The caches this writer keeps in step with every commit (SPEC.md §4.5).
  public var caches: [any RecordCache] = []
  /// Called with each notice the writer has after it opened (a cache it could not update), as
  /// it is also added to ``RepositoryReader/notices``: for a tool to print it when it happens.
  public var onNotice: (@Sendable (String) -> Void)?

  /// Whether finished journal segments may still wait to be sealed (checked once per writer,
  /// and after each new segment).
  var sealPending = true

  /// Whether the last bundle made walked every record (rather than reading the changes since
  /// the acknowledged bundle from the journal); for tests.
  package internal(set) var lastBundleWalkedEveryRecord = false

  /// Where the last reply's note scan began (``JournalPosition/start``: the whole journal);
  /// for tests.
  package internal(set) var lastNotesStart: JournalPosition?

  /// The ids journaled since a mark, as last read (from the mark to the checkpoint then): a
  /// reply reads them twice, for the KPI values it carries and for its records.
  var journaledSince: (from: JournalPosition, to: JournalPosition, ids: [String: Set<RecordID>])?

  /// Recovers from an interrupted write: removes its temporary files and unfinished deltas,
  /// truncates an uncommitted journal tail, and materializes committed transactions the record
  /// files lack (each repair is reported in ``RepositoryReader/notices``).
  override func recover() throws(StoreError) {
    // Before anything is removed: which deltas are unfinished depends on the checkpoint.
    try checkCheckpoint()
    try removeTemporaryFiles()
    if bucketDigests == nil || storedCounts == nil || checkpointBegin == nil {
      try upgradeState()
    }
    let scan = try JournalReader.scan(
      fileSystem: fileSystem, directory: journalDirectory, from: checkpoint)
    if scan.tailSegment != nil || scan.uncommittedBytes > 0 {
      // A new segment whose first transaction did not commit is its tail, whole.
      do { try discardJournal(after: scan.end, begun: scan.tailSegment) } catch {
        throw StoreError.writeFailed(error, "the interrupted write could not be cleaned up")
      }
      let what =
        scan.tailSegment.map { "removed journal segment \(JournalFormat.segmentName($0)) (" }
        ?? "discarded an uncommitted journal tail ("
      notices.append(
        "recovered: \(what)\(scan.uncommittedLines) line(s), \(scan.uncommittedBytes) bytes) left "
          + "by an interrupted write; nothing acknowledged was lost")
    }
    guard !scan.transactions.isEmpty else { return }
    let (changed, documents) = try committedChanges(scan)
    try preload(changed)
    do {
      try materialize(
        changed, documents: documents, through: scan.end,
        last: (
          scan.transactions.last!.beginOffset, Int(scan.transactions.last!.commit.changes)
        ))
    } catch {
      throw StoreError.writeFailed(
        error, "committed changes could not be written to the record files")
    }
    notices.append(
      "recovered: applied \(scan.transactions.count) committed transaction(s) to the record files "
        + "after an interrupted write")
  }

  /// Creates a repository in `path`, which must not exist or be an empty folder.
  public static func create(
    at path: String, replica: ReplicaID, role: RepositoryRole,
    fileSystem: any FileSystem = PosixFileSystem(), now: @escaping @Sendable () -> Timestamp
  ) throws(StoreError) -> RepositoryWriter {
    let what = "the repository was not created"
    var created = false
    do {
      if let info = try fileSystem.info(path) {
        guard info.kind == .directory else {
          throw StoreError(.alreadyExists, "'\(path)' exists and is not a folder")
        }
        let entries = try fileSystem.list(path)
        if entries.contains(Self.configFile) {
          throw StoreError(
            .alreadyExists, "'\(path)' is already an Outpost repository",
            hint: "Choose another folder. To give this repository a new key from head office:",
            remedy: .installKey)
        }
        guard entries.isEmpty else {
          throw StoreError(
            .alreadyExists, "'\(path)' is not empty",
            hint: "Choose a new folder, or an empty one, for the repository.")
        }
      } else {
        try fileSystem.makeDirectory(path)
        created = true
      }
      for directory in ["journal", "records", "schemas", "sync", "keys"] {
        try fileSystem.makeDirectory(path + "/" + directory)
      }
      for schema in StandardCollections.all {
        try fileSystem.makeDirectory(path + "/records/" + schema.name)
      }
      try fileSystem.syncDirectory(path + "/records")
      let config = RepositoryConfig(replica: replica, role: role, createdAt: now())
      try AtomicFile.write(
        JSONWriter.prettyBytes(config.json), to: Self.configFile, in: path, fileSystem: fileSystem,
        syncDirectory: false)
      try AtomicFile.write(
        Self.encodeState(
          StateFile(
            checkpoint: .start, clock: VersionVector(), buckets: [:], counts: [:], begin: 0)),
        to: stateFile, in: path, fileSystem: fileSystem, syncDirectory: false)
      for name in [lockFile, readersFile] {
        try fileSystem.close(try fileSystem.open(path + "/" + name, .createNew(secret: false)))
      }
      try fileSystem.syncDirectory(path)
      // A folder made here is an entry of its parent: without this, a power loss could take
      // the whole new repository away after it was reported created.
      if created { try fileSystem.syncDirectory(Self.parentDirectory(of: path)) }
    } catch let error as FileSystemError {
      throw StoreError.writeFailed(error, what)
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError(.io, "\(error)")
    }
    let repository = try open(at: path, fileSystem: fileSystem, now: now)
    _ = try repository.commitTransaction(command: "init")
    return repository
  }

  func removeTemporaryFiles() throws(StoreError) {
    var directories = [path, journalDirectory, schemasDirectory]
    for directory in [syncDirectory, keysDirectory, cacheDirectory]
    where (try? fileSystem.exists(directory)) == true {
      directories.append(directory)
    }
    do {
      for collection in try fileSystem.list(recordsDirectory) {
        directories.append(collectionDirectory(collection))
      }
      if directories.contains(cacheDirectory) {
        for name in try fileSystem.list(cacheDirectory)
        where try fileSystem.info(cacheDirectory + "/" + name)?.kind == .directory {
          directories.append(cacheDirectory + "/" + name)
        }
      }
      for directory in directories {
        for name in try fileSystem.list(directory) {
          // Besides temporary files: deltas of transactions past the checkpoint, written by a
          // write that did not finish (the journal replay writes them again if their
          // transaction committed).
          let unfinished =
            AtomicFile.isTemporary(name)
            || (RecordFile.parseName(name)?.delta).map { $0 > checkpoint.txn } ?? false
          guard unfinished else { continue }
          try fileSystem.remove(directory + "/" + name)
          notices.append("recovered: removed '\(directory)/\(name)', left by an interrupted write")
        }
      }
    } catch {
      throw StoreError.writeFailed(error, "leftover temporary files could not be removed")
    }
  }

  /// Adds a collection from a schema (SPEC.md §2.6), journaled like a record.
  ///
  /// Re-adding an identical schema changes nothing; a different schema for an existing name, or
  /// a standard collection's name, is refused.
  /// - Returns: false when the identical schema was already there.
  public func addSchema(_ schema: CollectionSchema, json: JSONValue) throws(StoreError) -> Bool {
    if StandardCollections.named(schema.name) != nil {
      throw StoreError(
        .alreadyExists, "'\(schema.name)' is a standard collection; choose another name")
    }
    if let existing = customSchemas[schema.name] {
      if existing == schema { return false }
      throw StoreError(
        .alreadyExists,
        "collection '\(schema.name)' already exists with a different schema; changing a schema is "
          + "not supported", hint: "Add the new shape under a new collection name.")
    }
    if let clash = collections.first(where: { $0.name.lowercased() == schema.name.lowercased() }) {
      throw StoreError(
        .alreadyExists, "'\(schema.name)' collides with collection '\(clash.name)' by letter case")
    }
    _ = try commitTransaction(
      command: "schema add \(schema.name)",
      documents: [.schema(schema.name): json])
    return true
  }

  /// The folder holding `path`: `.` for a bare name, `/` for a folder at the root.
  package static func parentDirectory(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "." }
    return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
  }
}
