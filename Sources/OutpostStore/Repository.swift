import Dispatch
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import Synchronization

/// Whether a repository belongs to a branch office or to head office.
public enum RepositoryRole: String, Sendable {
  /// A branch office.
  case branch
  /// Head office: writes any record and the head-office collections.
  case head
}

/// The identity of a repository, from `outpost.json` (SPEC.md §4.1).
public struct RepositoryConfig: Sendable, Equatable {
  /// The on-disk format this build writes and reads.
  public static let format = "outpost-repo/1"
  /// This replica's id.
  public var replica: ReplicaID
  /// Branch or head office.
  public var role: RepositoryRole
  /// When the repository was created.
  public var createdAt: String
}

/// One change requested of the repository.
public enum RecordChange: Sendable {
  /// Set fields of a record, creating it if needed.
  case put(collection: String, id: RecordID, fields: [String: JSONValue])
  /// Delete a record.
  case delete(collection: String, id: RecordID)
}

/// What a commit did.
public struct CommitSummary: Sendable, Equatable {
  /// The transaction number, or nil if nothing changed (nothing was written).
  public var transaction: UInt64?
  /// Records created.
  public var created = 0
  /// Records changed.
  public var updated = 0
  /// Records deleted.
  public var deleted = 0
  /// Requested changes that changed nothing (same values).
  public var unchanged = 0

  /// Records created, updated or deleted.
  public var changed: Int { created + updated + deleted }
}

/// A replica's JSON-file repository (SPEC.md §4).
///
/// The journal is the durable truth; `records/` holds the materialized states, rebuilt from the
/// journal after a crash; `state.json` says up to where they are. One writer at a time holds an
/// exclusive `flock` on `lock`. Readers never wait for it: they hold a shared `flock` on
/// `readers` (which keeps writers from tidying files under them), read `state.json`, then the
/// record files up to its checkpoint, checking each bucket against its digest, then apply any
/// committed journal lines past the checkpoint, so they see one committed state or refuse.
public final class Repository {
  /// How a repository is opened.
  public enum Mode: Sendable {
    /// Read only: no lock, nothing written, committed-but-unmaterialized changes applied in memory.
    case read
    /// The single writer: takes the lock and recovers from an interrupted write first.
    case write
  }

  /// The repository folder.
  public let path: String
  /// Its identity.
  public let config: RepositoryConfig
  /// Messages about recovery done while opening (for the CLI to print on stderr).
  public private(set) var notices: [String] = []

  let fileSystem: any FileSystem
  let mode: Mode
  let now: @Sendable () -> String
  private var lockHandle: FileHandle?
  /// A reader's shared lock on `readers`, held while it reads (SPEC.md §4.3).
  private var readerHandle: FileHandle?
  /// What each non-empty bucket holds, by collection and bucket, as `state.json` records it
  /// (SPEC.md §4.4); nil for a repository written before digests (read without the check).
  private(set) var bucketDigests: [String: [String: BucketDigest]]?
  private(set) var checkpoint: JournalPosition
  /// What this replica has seen of every replica (the maximum of all record contexts).
  public private(set) var clock: VersionVector
  private(set) var customSchemas: [String: CollectionSchema]
  /// Committed states not yet in the record files (read mode only), by collection and id.
  private var overlay: [String: [RecordID: RecordState]] = [:]
  /// Committed sync documents not yet in their files (read mode only).
  private(set) var documentOverlay: [String: JSONValue] = [:]
  /// Buckets read (and, for a writer, kept current) by this process, by "collection/bucket".
  private var bucketCache: [String: Bucket] = [:]
  /// The record file names of each collection folder, by bucket, as first listed.
  private var listings: [String: [String: [String]]] = [:]
  /// Set when an unfinished write could not be undone: this object refuses further writes (the
  /// next process to open the repository recovers it).
  private var needsRecovery = false

  private init(
    path: String, config: RepositoryConfig, fileSystem: any FileSystem, mode: Mode,
    now: @escaping @Sendable () -> String, checkpoint: JournalPosition, clock: VersionVector,
    customSchemas: [String: CollectionSchema]
  ) {
    self.path = path
    self.config = config
    self.fileSystem = fileSystem
    self.mode = mode
    self.now = now
    self.checkpoint = checkpoint
    self.clock = clock
    self.customSchemas = customSchemas
  }

  deinit { close() }

  // MARK: Paths

  var journalDirectory: String { path + "/journal" }
  var recordsDirectory: String { path + "/records" }
  var schemasDirectory: String { path + "/schemas" }
  var syncDirectory: String { path + "/sync" }
  var keysDirectory: String { path + "/keys" }
  func collectionDirectory(_ collection: String) -> String { recordsDirectory + "/" + collection }
  static let configFile = "outpost.json"
  static let stateFile = "state.json"
  static let lockFile = "lock"
  static let readersFile = "readers"
  /// What to do about a repository that is damaged: no command repairs it.
  static let restoreHint =
    "Run 'outpost verify'; restore the repository from a backup or another replica."

  // MARK: Creating and opening

  /// Creates a repository in `path`, which must not exist or be an empty folder.
  package static func create(
    at path: String, replica: ReplicaID, role: RepositoryRole,
    fileSystem: any FileSystem = PosixFileSystem(), now: @escaping @Sendable () -> String
  ) throws(StoreError) -> Repository {
    let what = "the repository was not created"
    do {
      if let info = try fileSystem.info(path) {
        guard info.kind == .directory else {
          throw StoreError(.alreadyExists, "'\(path)' exists and is not a folder")
        }
        let entries = try fileSystem.list(path)
        if entries.contains(configFile) {
          throw StoreError(
            .alreadyExists, "'\(path)' is already an Outpost repository",
            hint: "Choose another folder. To give this repository a new key from head office: "
              + "outpost office key FILE")
        }
        guard entries.isEmpty else {
          throw StoreError(
            .alreadyExists, "'\(path)' is not empty",
            hint: "Choose a new folder, or an empty one, for the repository.")
        }
      } else {
        try fileSystem.makeDirectory(path)
      }
      for directory in ["journal", "records", "schemas", "sync", "keys"] {
        try fileSystem.makeDirectory(path + "/" + directory)
      }
      for schema in StandardCollections.all {
        try fileSystem.makeDirectory(path + "/records/" + schema.name)
      }
      try fileSystem.syncDirectory(path + "/records")
      let config = RepositoryConfig(replica: replica, role: role, createdAt: now())
      let configJSON = JSONValue.object(
        JSONObject(uncheckedPairs: [
          ("format", .string(RepositoryConfig.format)), ("office", .string(replica.rawValue)),
          ("role", .string(role.rawValue)), ("created_at", .string(config.createdAt)),
        ]))
      try AtomicFile.write(
        JSONWriter.prettyBytes(configJSON), to: configFile, in: path, fileSystem: fileSystem,
        syncDirectory: false)
      try AtomicFile.write(
        Self.encodeState(.start, clock: VersionVector(), buckets: [:]), to: stateFile, in: path,
        fileSystem: fileSystem, syncDirectory: false)
      for name in [lockFile, readersFile] {
        try fileSystem.close(try fileSystem.open(path + "/" + name, .createNew(secret: false)))
      }
      try fileSystem.syncDirectory(path)
    } catch let error as FileSystemError {
      throw StoreError.writeFailed(error, what)
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError(.io, "\(error)")
    }
    let repository = try open(at: path, mode: .write, fileSystem: fileSystem, now: now)
    _ = try repository.commitTransaction(command: "init", entries: [])
    return repository
  }

  /// Opens an existing repository.
  ///
  /// In ``Mode/write`` it takes the writer lock (``StoreError/Code/locked`` if another process
  /// holds it), removes temporary files left by an interrupted write, truncates an uncommitted
  /// journal tail and materializes committed transactions that the record files lack. Each such
  /// repair is reported in ``notices``.
  package static func open(
    at path: String, mode: Mode, fileSystem: any FileSystem = PosixFileSystem(),
    now: @escaping @Sendable () -> String
  ) throws(StoreError) -> Repository {
    let config = try readConfig(path, fileSystem)
    for folder in ["journal", "records", "schemas"] {
      let info: FileInfo?
      do { info = try fileSystem.info(path + "/" + folder) } catch {
        throw StoreError.readFailed(error)
      }
      guard info?.kind == .directory else {
        throw StoreError(
          .corrupt, "\(path): the folder '\(folder)/' is missing",
          hint: "Restore it from a backup (an empty '\(folder)/' if it held nothing); "
            + "then run 'outpost verify'.")
      }
    }
    var lockHandle: FileHandle?
    if mode == .write {
      lockHandle = try acquireLock(path, fileSystem)
    } else {
      lockHandle = try acquireReaderLock(path, fileSystem)
    }
    do throws(StoreError) {
      let (checkpoint, clock, buckets) = try readState(path, fileSystem)
      let schemas = try readSchemas(path + "/schemas", fileSystem)
      let repository = Repository(
        path: path, config: config, fileSystem: fileSystem, mode: mode, now: now,
        checkpoint: checkpoint, clock: clock, customSchemas: schemas)
      repository.bucketDigests = buckets
      if mode == .read, buckets != nil, lockHandle == nil {
        throw StoreError(
          .corrupt,
          "\(path)/\(readersFile) is missing or not a file: readers could not be kept from a writer "
            + "tidying under them; nothing was read",
          hint: "Restore it as an empty file (or run any write command, which creates it); then "
            + "run 'outpost verify'.")
      }
      if mode == .write {
        repository.lockHandle = lockHandle
      } else {
        repository.readerHandle = lockHandle
      }
      lockHandle = nil
      try repository.recover()
      return repository
    } catch {
      if let lockHandle {
        if mode == .write {
          release(lockHandle, fileSystem)
        } else {
          try? fileSystem.close(lockHandle)
        }
      }
      throw error
    }
  }

  /// Releases the writer lock (also done when the repository is deallocated).
  public func close() {
    if let lockHandle {
      Self.release(lockHandle, fileSystem)
      self.lockHandle = nil
    }
    if let readerHandle {
      try? fileSystem.close(readerHandle)
      self.readerHandle = nil
    }
  }

  private static func readConfig(_ path: String, _ fs: any FileSystem) throws(StoreError)
    -> RepositoryConfig
  {
    let file = path + "/" + configFile
    let bytes: [UInt8]
    do {
      guard try fs.info(path)?.kind == .directory else {
        throw StoreError(
          .notARepository, "no repository at '\(path)': the folder does not exist",
          hint: "Create one with 'outpost init --office ID --repo \(path)', or pass --repo.")
      }
      guard try fs.exists(file) else {
        throw StoreError(
          .notARepository, "'\(path)' is not an Outpost repository (no \(configFile))",
          hint: "Create one with 'outpost init --office ID', or pass --repo DIR.")
      }
      bytes = try fs.readFile(file)
    } catch let error as FileSystemError {
      throw StoreError.readFailed(error)
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError(.io, "\(error)")
    }
    guard case .object(let object)? = try? JSONParser.parse(bytes, limits: .repositoryFile) else {
      throw StoreError(.corrupt, "\(file) is not valid JSON", hint: RecordFile.verifyHint)
    }
    guard let format = object["format"]?.stringValue, format.hasPrefix("outpost-repo/") else {
      throw StoreError(.corrupt, "\(file) has no 'format' member")
    }
    guard format == RepositoryConfig.format else {
      throw StoreError(
        .unsupportedFormat,
        "\(file) has format \(format); this outpost reads \(RepositoryConfig.format)",
        hint: "Use a newer outpost to open this repository.")
    }
    guard let office = object["office"]?.stringValue, let replica = try? ReplicaID(office),
      let roleText = object["role"]?.stringValue, let role = RepositoryRole(rawValue: roleText)
    else {
      throw StoreError(.corrupt, "\(file) lacks a valid 'office' or 'role'")
    }
    return RepositoryConfig(
      replica: replica, role: role, createdAt: object["created_at"]?.stringValue ?? "")
  }

  // MARK: Recovery

  private func recover() throws(StoreError) {
    // Before anything is removed: which deltas are unfinished depends on the checkpoint.
    try checkCheckpoint()
    if mode == .write {
      try removeTemporaryFiles()
      if bucketDigests == nil { try upgradeToDigests() }
    }
    let scan = try JournalReader.scan(
      fileSystem: fileSystem, directory: journalDirectory, from: checkpoint)
    if mode == .write && scan.uncommittedBytes > 0 {
      do throws(FileSystemError) {
        let journal = journalDirectory + "/" + JournalFormat.segmentName(scan.end.segment)
        let handle = try fileSystem.open(journal, .append)
        do throws(FileSystemError) {
          try fileSystem.truncate(handle, to: scan.end.offset)
          try fileSystem.sync(handle)
        } catch {
          try? fileSystem.close(handle)
          throw error
        }
        try fileSystem.close(handle)
      } catch {
        throw StoreError.writeFailed(error, "the interrupted write could not be cleaned up")
      }
      notices.append(
        "recovered: discarded an uncommitted journal tail (\(scan.uncommittedLines) line(s), "
          + "\(scan.uncommittedBytes) bytes) left by an interrupted write; nothing acknowledged was lost"
      )
    }
    guard !scan.transactions.isEmpty else { return }
    var changed: [String: [RecordID: RecordState]] = [:]
    var documents: [String: JSONValue] = [:]
    for transaction in scan.transactions {
      for entry in transaction.entries {
        switch entry.kind {
        case "record":
          let (collection, id, state) = try Self.decodeRecordEntry(entry)
          changed[collection, default: [:]][id] = state
          clock.merge(state.context)
        case "document":
          let (name, value) = try Self.decodeDocumentEntry(entry)
          documents[name] = value
        default: break
        }
      }
    }
    try absorbSchemas(documents)
    if mode == .read {
      overlay = changed
      documentOverlay = documents
      return
    }
    try preload(changed)
    do {
      try materialize(changed, documents: documents, through: scan.end)
    } catch {
      throw StoreError.writeFailed(
        error, "committed changes could not be written to the record files")
    }
    notices.append(
      "recovered: applied \(scan.transactions.count) committed transaction(s) to the record files "
        + "after an interrupted write")
  }

  /// Upgrades a repository written before bucket digests (SPEC.md §4.4).
  ///
  /// Computes every bucket's digest from its files at the checkpoint and writes `state.json` with
  /// them (and the `readers` file). Reads the whole repository once; a crash before `state.json` is replaced
  /// leaves the repository as it was, and the next writer upgrades it again.
  private func upgradeToDigests() throws(StoreError) {
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

  private func removeTemporaryFiles() throws(StoreError) {
    var directories = [path, journalDirectory, schemasDirectory]
    for directory in [syncDirectory, keysDirectory]
    where (try? fileSystem.exists(directory)) == true {
      directories.append(directory)
    }
    do {
      for collection in try fileSystem.list(recordsDirectory) {
        directories.append(collectionDirectory(collection))
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

  static func decodeRecordEntry(_ entry: JournalEntry) throws(StoreError)
    -> (String, RecordID, RecordState)
  {
    guard let collection = entry.entry["collection"]?.stringValue,
      let idText = entry.entry["id"]?.stringValue, let stateJSON = entry.entry["state"]
    else {
      throw StoreError(
        .corrupt, "journal line \(entry.line): record entry lacks collection, id or state")
    }
    do {
      return (collection, try RecordID(idText), try RecordState(json: stateJSON))
    } catch {
      throw StoreError(.corrupt, "journal line \(entry.line): \(error.message)")
    }
  }

  /// Where a journaled document lives: `sync/<replica>.json` for a peer document,
  /// `schemas/<collection>.json` for a schema (name `schemas/<collection>`); nil for any other
  /// name.
  static func documentLocation(_ name: String) -> (directory: String, file: String)? {
    if name == horizonDocument { return ("sync", name + ".json") }
    if name.hasPrefix(schemaDocumentPrefix) {
      let collection = name.dropFirst(schemaDocumentPrefix.count)
      guard (try? RecordID(String(collection))) != nil else { return nil }
      return ("schemas", collection + ".json")
    }
    guard (try? ReplicaID(name)) != nil else { return nil }
    return ("sync", name + ".json")
  }

  /// Head office's document holding its collection horizon (SPEC.md §8.10); not a replica id.
  static let horizonDocument = "@collected"

  /// The document-name prefix of journaled schemas.
  static let schemaDocumentPrefix = "schemas/"

  /// Takes journaled schema documents into the collections this repository knows.
  private func absorbSchemas(_ documents: [String: JSONValue]) throws(StoreError) {
    for (name, value) in documents where name.hasPrefix(Self.schemaDocumentPrefix) {
      do {
        customSchemas[String(name.dropFirst(Self.schemaDocumentPrefix.count))] =
          try SchemaFile.decode(value)
      } catch {
        throw StoreError(.corrupt, "journaled schema \(name): \(error.message)")
      }
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
      command: "schema add \(schema.name)", entries: [],
      documents: [Self.schemaDocumentPrefix + schema.name: json])
    return true
  }

  static func decodeDocumentEntry(_ entry: JournalEntry) throws(StoreError) -> (String, JSONValue) {
    guard let name = entry.entry["name"]?.stringValue, documentLocation(name) != nil,
      let value = entry.entry["value"]
    else {
      throw StoreError(.corrupt, "journal line \(entry.line): document entry lacks name or value")
    }
    return (name, value)
  }

  // MARK: Schemas

  /// Every collection: the standard ones, then this repository's own, by name.
  public var collections: [CollectionSchema] {
    StandardCollections.all + customSchemas.values.sorted { $0.name < $1.name }
  }

  /// The schema of a collection, or an error with a suggestion.
  public func schema(_ name: String) throws(StoreError) -> CollectionSchema {
    if let schema = StandardCollections.named(name) ?? customSchemas[name] { return schema }
    let names = collections.map(\.name)
    let suggestion = names.min { editDistance($0, name) < editDistance($1, name) }
    var hint = "Collections: \(names.joined(separator: ", "))."
    if let suggestion, editDistance(suggestion, name) <= 3 {
      hint = "Did you mean '\(suggestion)'? " + hint
    }
    throw StoreError(.notFound, "unknown collection '\(name)'", hint: hint)
  }

  private static func readSchemas(_ directory: String, _ fs: any FileSystem) throws(StoreError)
    -> [String: CollectionSchema]
  {
    var result: [String: CollectionSchema] = [:]
    do {
      guard try fs.exists(directory) else { return [:] }
      for name in try fs.list(directory) where name.hasSuffix(".json") {
        let file = directory + "/" + name
        let bytes = try fs.readFile(file)
        do {
          let schema = try SchemaFile.decode(bytes)
          result[schema.name] = schema
        } catch {
          throw StoreError(.corrupt, "\(file): \(error.message)", hint: RecordFile.verifyHint)
        }
      }
    } catch let error as FileSystemError {
      throw StoreError.readFailed(error)
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError(.io, "\(error)")
    }
    return result
  }

  // MARK: Reading records

  /// The state of one record, or nil if it was never written.
  public func state(_ collection: String, _ id: RecordID) throws(StoreError) -> RecordState? {
    if let state = overlay[collection]?[id] { return state.isCollectedMarker ? nil : state }
    return try withBucket(collection, RecordFile.bucket(for: id)) { bucket throws(StoreError) in
      try bucket.state(id)
    }
  }

  /// Every record of a collection (deleted ones included), sorted by id.
  ///
  /// - Complexity: O(n log n) in the collection's size; reads every record file.
  public func states(_ collection: String) throws(StoreError) -> [(
    id: RecordID, state: RecordState
  )] {
    // Besides the buckets with files: those state.json says hold records, so a bucket whose
    // files are all gone is noticed (SPEC.md §4.4).
    let names = Set(try listing(collection).keys).union(
      bucketCache.keys.filter { $0.hasPrefix(collection + "/") }.map {
        String($0.dropFirst(collection.utf8.count + 1))
      }
    ).union(bucketDigests?[collection]?.keys ?? [:].keys)
    var loaded: [Bucket] = []
    for name in names.sorted() {
      if let cached = bucketCache[collection + "/" + name] {
        loaded.append(cached)
      } else {
        loaded.append(try loadBucket(collection, name))
      }
    }
    let buckets = loaded
    // Decoding is most of the cost and the buckets are independent: decode them in parallel,
    // then combine in bucket order (the first error in that order is the one reported).
    let results = Mutex<[Result<[(id: RecordID, state: RecordState)], StoreError>?]>(
      Array(repeating: nil, count: buckets.count))
    DispatchQueue.concurrentPerform(iterations: buckets.count) { index in
      let result = Result { () throws(StoreError) in try buckets[index].allStates() }
      results.withLock { $0[index] = result }
    }
    var all: [(id: RecordID, state: RecordState)] = []
    for result in results.withLock({ $0 }) {
      all.append(contentsOf: try result!.get())
    }
    if let pending = overlay[collection] {
      var merged = Dictionary(all.map { ($0.id, $0.state) }, uniquingKeysWith: { $1 })
      merged.merge(pending) { $1 }
      return merged.filter { !$0.value.isCollectedMarker }.sorted { $0.key < $1.key }.map {
        ($0.key, $0.value)
      }
    }
    // Each bucket's states are sorted by id; sorting their positions (cheaper to move and
    // compare than the states themselves) merges those runs. The sort is stable, so where an id
    // is in two buckets (a record misplaced in a damaged file) the later bucket's state comes
    // last, and it is the one kept.
    let order = all.withUnsafeBufferPointer { buffer in
      var order = Array(buffer.indices)
      order.sort { buffer[$0].id < buffer[$1].id }
      return order
    }
    var sorted: [(id: RecordID, state: RecordState)] = []
    sorted.reserveCapacity(all.count)
    for (position, index) in order.enumerated() {
      if position + 1 < order.count && all[order[position + 1]].id == all[index].id { continue }
      sorted.append(all[index])
    }
    return sorted
  }

  /// The state of a record, and an existing id it collides with by case (if it is new).
  package func lookup(_ collection: String, _ id: RecordID) throws(StoreError) -> (
    RecordState?, RecordID?
  ) {
    if let state = try state(collection, id) { return (state, nil) }
    let other = try withBucket(collection, RecordFile.bucket(for: id)) {
      bucket throws(StoreError) in bucket.collision(with: id)
    }
    return (nil, other)
  }

  /// Runs `body` on a bucket, reading it first if this process has not.
  func withBucket<Result>(
    _ collection: String, _ name: String,
    _ body: (inout Bucket) throws(StoreError) -> Result
  ) throws(StoreError) -> Result {
    let key = collection + "/" + name
    if bucketCache[key] == nil { bucketCache[key] = try loadBucket(collection, name) }
    return try body(&bucketCache[key]!)
  }

  /// The record file names of a collection, by bucket (listed once per process).
  private func listing(_ collection: String) throws(StoreError) -> [String: [String]] {
    if let cached = listings[collection] { return cached }
    let directory = collectionDirectory(collection)
    var result: [String: [String]] = [:]
    do {
      if try fileSystem.exists(directory) {
        for name in try fileSystem.list(directory) where !AtomicFile.isTemporary(name) {
          guard let parsed = RecordFile.parseName(name) else { continue }
          result[parsed.bucket, default: []].append(name)
        }
      }
    } catch {
      throw StoreError.readFailed(error)
    }
    listings[collection] = result
    return result
  }

  /// Reads a bucket's files: the base, and the deltas after it up to the checkpoint.
  ///
  /// A reader takes no lock, so a writer may replace or remove a file between the listing and
  /// the read; then the folder is listed again.
  private func loadBucket(_ collection: String, _ name: String) throws(StoreError) -> Bucket {
    var attempt = 0
    while true {
      do {
        return try readBucket(collection, name)
      } catch let error where error.code == .notFound {
        // Only a reader gets here: a file vanished between the listing and the read.
        guard attempt < 3 else {
          throw StoreError(.corrupt, error.message, hint: RecordFile.verifyHint)
        }
        attempt += 1
        listings[collection] = nil
      }
    }
  }

  private func readBucket(_ collection: String, _ name: String) throws(StoreError) -> Bucket {
    let directory = collectionDirectory(collection)
    var base: RecordFile.Scanned?
    var deltas: [RecordFile.Scanned] = []
    var stale: [String] = []
    let names = try listing(collection)[name] ?? []
    func read(_ file: String, delta: UInt64?) throws(StoreError) -> RecordFile.Scanned {
      let bytes: [UInt8]
      do { bytes = try fileSystem.readFile(directory + "/" + file) } catch {
        if mode == .read && error.errno == .noSuchFile {
          throw StoreError(.notFound, "missing repository file '\(error.path)'")
        }
        throw StoreError.readFailed(error)
      }
      let scanned = try RecordFile.scan(
        bytes, collection: collection, bucket: name, path: "records/\(collection)/\(file)",
        checkBuckets: false)  // verify checks placement; a lookup need not hash every id
      if let delta, scanned.txn != delta {
        throw RecordFile.damaged(scanned.path, line: 1, "names transaction \(scanned.txn)")
      }
      return scanned
    }
    let baseName = RecordFile.fileName(bucket: name, delta: nil)
    if names.contains(baseName) { base = try read(baseName, delta: nil) }
    let deltaTxns = names.compactMap { RecordFile.parseName($0)?.delta }.sorted()
    for txn in deltaTxns where txn <= checkpoint.txn {
      let file = RecordFile.fileName(bucket: name, delta: txn)
      if let base, txn <= base.txn {
        stale.append(file)
        continue
      }
      deltas.append(try read(file, delta: txn))
    }
    let bucket = Bucket(
      collection: collection, name: name, base: base, deltas: deltas, staleFiles: stale)
    if let expected = bucketDigests.map({ $0[collection]?[name] ?? .empty }),
      bucket.digest != expected
    {
      let files =
        ([baseName]
        + deltaTxns.filter { $0 <= checkpoint.txn }.map {
          RecordFile.fileName(bucket: name, delta: $0)
        }).filter { names.contains($0) }
      throw StoreError(
        .corrupt,
        "records/\(collection): the records of bucket \(name) "
          + (files.isEmpty
            ? "are missing (no file records/\(collection)/\(baseName))"
            : "(\(files.joined(separator: ", "))) differ from what \(Self.stateFile) records")
          + ": a record file was changed, lost or replaced; nothing was read or written",
        hint: Self.restoreHint)
    }
    return bucket
  }

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
    var entries: [(String, RecordID, RecordState)] = []
    var counter = lastCounter()
    for change in changes {
      let collection: String
      let id: RecordID
      switch change {
      case .put(let c, let i, _), .delete(let c, let i):
        collection = c
        id = i
      }
      let schema = try schema(collection)
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
      // A branch may not edit or delete another office's record, whatever the fields say.
      if config.role == .branch, schema.ownership == .office, state.exists,
        let owner = state.value("office_id"), owner != .string(config.replica.rawValue)
      {
        throw StoreError(
          .notPermitted,
          "\(collection)/\(id) belongs to office \(owner.stringValue.map { "'\($0)'" } ?? "(none)"); "
            + "office '\(config.replica)' may only change its own records",
          hint: "Ask that office, or head office, to make the change.")
      }
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
      entries.append((collection, id, state))
    }
    guard !entries.isEmpty else { return summary }
    let journalEntries = entries.map { collection, id, state in
      [
        ("kind", JSONValue.string("record")), ("collection", .string(collection)),
        ("id", .string(id.rawValue)), ("state", state.json),
      ]
    }
    summary.transaction = try commitTransaction(
      command: command, note: note, entries: journalEntries, states: pending)
    return summary
  }

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
      hint: Self.restoreHint)
  }

  /// A write that would settle an open conflict without a recorded decision (SPEC.md §8.7).
  func openConflict(_ collection: String, _ id: RecordID, _ detail: String) -> StoreError {
    StoreError(
      .invalidData,
      "\(collection)/\(id) has an open conflict\(detail.isEmpty ? "" : " (\(detail))"); writing it "
        + "would settle the conflict without a recorded decision; nothing was changed",
      hint: config.role == .head
        ? "Settle it first: outpost conflicts show \(collection)/\(id), then outpost resolve "
          + "\(collection)/\(id) --take OFFICE | --set FIELD=VALUE"
        : "Head office decides; its decision arrives in the next reply (outpost receive).")
  }

  /// Refuses a change this replica may not make: a branch writing a head-office collection or
  /// another office's record.
  public func checkOwnership(_ schema: CollectionSchema, _ change: RecordChange) throws(StoreError)
  {
    guard config.role == .branch else { return }
    if schema.ownership == .head {
      throw StoreError(
        .notPermitted,
        "'\(schema.name)' is written by head office only; this repository is office '\(config.replica)'",
        hint: "Head office publishes \(schema.name); you receive it in return bundles.")
    }
    if case .put(_, let id, let fields) = change, let office = fields["office_id"],
      office != .string(config.replica.rawValue)
    {
      throw StoreError(
        .notPermitted,
        "record '\(id)' has office_id \(office.stringValue.map { "'\($0)'" } ?? "null"); "
          + "office '\(config.replica)' may only write its own records")
    }
  }

  /// Writes a transaction to the journal, syncs it, then materializes it; a non-empty `note`
  /// goes in the `begin` entry.
  func commitTransaction(
    command: String, note: String? = nil, entries: [[(String, JSONValue)]],
    states: [String: [RecordID: RecordState]] = [:], documents: [String: JSONValue] = [:]
  ) throws(StoreError) -> UInt64 {
    // Read (and check against its digest) every bucket the transaction touches before anything
    // is written: a damaged bucket refuses the write with its own message (SPEC.md §4.4).
    try preload(states)
    let txn = checkpoint.txn + 1
    var writer = JournalWriter(
      fileSystem: fileSystem, directory: journalDirectory, position: checkpoint)
    let txnNumber = JSONValue.number(JSONNumber(integer: Int64(txn)))
    let what = "nothing was changed"
    var newClock = clock
    for (_, records) in states { for (_, state) in records { newClock.merge(state.context) } }
    do {
      var begin: [(String, JSONValue)] = [
        ("kind", .string("begin")), ("txn", txnNumber), ("at", .string(now())),
        ("actor", .string(config.replica.rawValue)), ("command", .string(command)),
      ]
      if let note, !note.isEmpty { begin.append(("note", .string(note))) }
      try writer.append(begin)
      for entry in entries { try writer.append(entry + [("txn", txnNumber)]) }
      for name in documents.keys.sorted() {
        try writer.append([
          ("kind", .string("document")), ("name", .string(name)), ("value", documents[name]!),
          ("txn", txnNumber),
        ])
      }
      try writer.append([
        ("kind", .string("commit")), ("txn", txnNumber),
        ("changes", .number(JSONNumber(integer: Int64(entries.count)))),
        ("clock", newClock.json),
      ])
      try writer.sync()
    } catch {
      writer.abandon()
      try rollBackJournal(to: checkpoint, after: error)
      throw StoreError.writeFailed(error, what)
    }
    var end = writer.position
    end.txn = txn
    let before = (checkpoint, clock)
    clock = newClock
    do {
      try materialize(states, documents: documents, through: end)
    } catch {
      clock = before.1
      try rollBackJournal(to: before.0, after: error)
      throw StoreError.writeFailed(error, what)
    }
    try absorbSchemas(documents)
    return txn
  }

  /// Reads every bucket `states` touch into the cache, checking each against its digest.
  private func preload(_ states: [String: [RecordID: RecordState]]) throws(StoreError) {
    for (collection, records) in states {
      for name in Set(records.keys.map { RecordFile.bucket(for: $0) }) {
        _ = try withBucket(collection, name) { _ throws(StoreError) in () }
      }
    }
  }

  /// Undoes an unacknowledged journal append.
  ///
  /// If even that fails, the repository is left for recovery, and the error says so.
  private func rollBackJournal(to position: JournalPosition, after error: FileSystemError)
    throws(StoreError)
  {
    let journal = journalDirectory + "/" + JournalFormat.segmentName(position.segment)
    do throws(FileSystemError) {
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
    } catch let rollbackError {
      throw StoreError(
        .io,
        "storage error: \(error); then, while undoing the unfinished write: \(rollbackError)",
        hint: "The change may or may not be applied. Run 'outpost verify'; the next command "
          + "recovers the repository from its journal.")
    }
  }

  /// Refuses to write after an unfinished write could not be undone.
  private func refuseAfterFailedRollback() throws(StoreError) {
    guard needsRecovery else { return }
    throw StoreError(
      .io, "an earlier write in this command could not be undone; nothing more is written",
      hint: "Run the command again: opening the repository recovers it from its journal.")
  }

  /// Writes the touched buckets' new states, the documents, and then `state.json`.
  ///
  /// One delta per bucket; on failure they are removed and the rest restored. Then tidies the
  /// touched buckets (SPEC.md §4.4). Only deltas are written before `state.json`, so whatever an
  /// unfinished write leaves is a delta past the checkpoint, which the next writer removes.
  private func materialize(
    _ states: [String: [RecordID: RecordState]], documents: [String: JSONValue] = [:],
    through position: JournalPosition
  ) throws(FileSystemError) {
    var byBucket: [String: [RecordID: RecordState]] = [:]
    for (collection, records) in states {
      for (id, state) in records {
        byBucket[collection + "/" + RecordFile.bucket(for: id), default: [:]][id] = state
      }
    }
    var created: [(directory: String, name: String)] = []
    var replaced: [(directory: String, name: String, old: [UInt8]?)] = []
    var written: [(key: String, scanned: RecordFile.Scanned?)] = []
    var digests = bucketDigests ?? [:]
    var touchedDirectories: Set<String> = []
    var oldState: [UInt8]?
    do throws(FileSystemError) {
      for key in byBucket.keys.sorted() {
        let slash = key.firstIndex(of: "/")!
        let collection = String(key[..<slash])
        let bucketName = String(key[key.index(after: slash)...])
        // Read the bucket now, so that tidying it later does not need to.
        do {
          _ = try withBucket(collection, bucketName) { _ throws(StoreError) in () }
        } catch {
          throw FileSystemError(
            "read", collectionDirectory(collection) + "/" + bucketName, .ioError)
        }
        let records = byBucket[key]!
        let directory = collectionDirectory(collection)
        let name = RecordFile.fileName(bucket: bucketName, delta: position.txn)
        if try !fileSystem.exists(directory) {
          try fileSystem.makeDirectory(directory)
          try fileSystem.syncDirectory(recordsDirectory)
        }
        let bytes = RecordFile.encode(collection: collection, txn: position.txn, records: records)
        // The bucket's digest moves by the records this delta replaces and holds.
        let scanned = try? RecordFile.scan(
          bytes, collection: collection, bucket: bucketName, path: "records/\(key)",
          checkBuckets: false)
        if let scanned, let bucket = bucketCache[key] {
          var digest = digests[collection]?[bucketName] ?? .empty
          for (index, entry) in scanned.entries.enumerated() {
            if let old = bucket.liveHash(entry.id) { digest.toggle(old) }
            if !scanned.isCollectedMarker(index) {
              digest.toggle(BucketDigest.recordHash(entry.id, bytes[entry.state]))
            }
          }
          digests[collection, default: [:]][bucketName] = digest == .empty ? nil : digest
        } else {
          throw FileSystemError("encode", directory + "/" + name, .ioError)
        }
        try AtomicFile.write(
          bytes, to: name, in: directory, fileSystem: fileSystem, syncDirectory: false)
        created.append((directory, name))
        touchedDirectories.insert(directory)
        written.append((key, scanned))
      }
      for name in documents.keys.sorted() {
        guard let location = Self.documentLocation(name) else { continue }
        let directory = path + "/" + location.directory
        if try !fileSystem.exists(directory) {
          try fileSystem.makeDirectory(directory)
          try fileSystem.syncDirectory(path)
        }
        let file = location.file
        let old =
          try fileSystem.exists(directory + "/" + file)
          ? try fileSystem.readFile(directory + "/" + file) : nil
        try AtomicFile.write(
          JSONWriter.prettyBytes(documents[name]!), to: file, in: directory,
          fileSystem: fileSystem, syncDirectory: false)
        replaced.append((directory, file, old))
        touchedDirectories.insert(directory)
      }
      for directory in touchedDirectories.sorted() { try fileSystem.syncDirectory(directory) }
      oldState = try fileSystem.readFile(path + "/" + Self.stateFile)
      try AtomicFile.write(
        Self.encodeState(position, clock: clock, buckets: digests), to: Self.stateFile, in: path,
        fileSystem: fileSystem)
      checkpoint = position
      bucketDigests = digests
    } catch {
      bucketCache = [:]
      listings = [:]
      var undone = true
      if let oldState {
        do {
          try AtomicFile.write(oldState, to: Self.stateFile, in: path, fileSystem: fileSystem)
        } catch { undone = false }
      }
      for file in replaced.reversed() {
        do throws(FileSystemError) {
          if let old = file.old {
            try AtomicFile.write(old, to: file.name, in: file.directory, fileSystem: fileSystem)
          } else {
            try fileSystem.remove(file.directory + "/" + file.name)
            try fileSystem.syncDirectory(file.directory)
          }
        } catch { undone = false }
      }
      for file in created.reversed() {
        do throws(FileSystemError) {
          try fileSystem.remove(file.directory + "/" + file.name)
          try fileSystem.syncDirectory(file.directory)
        } catch { undone = false }
      }
      if !undone { needsRecovery = true }
      throw error
    }
    // The transaction is materialized. Keep the cached buckets current, then tidy them; a
    // failure while tidying loses nothing (the files written above stay valid) and leaves at
    // most temporary files for the next writer to remove.
    var byCollection: [String: [String]] = [:]
    for (key, scanned) in written {
      guard var bucket = bucketCache.removeValue(forKey: key), let scanned else { continue }
      bucket.append(scanned)
      bucketCache[key] = bucket
      byCollection[bucket.collection, default: []].append(key)
    }
    // Readers hold `readers` shared while they read; tidying rewrites and removes the files they
    // may be reading, so it waits for none of them: with a reader present it is left to a later
    // write (SPEC.md §4.3).
    guard !byCollection.isEmpty, let readers = tidyLock() else { return }
    defer { try? fileSystem.close(readers) }
    for collection in byCollection.keys.sorted() {
      do { try tidy(collection, byCollection[collection]!) } catch {
        for key in byCollection[collection]! { bucketCache[key] = nil }
        listings[collection] = nil
      }
    }
  }

  /// The exclusive lock on `readers` a writer holds while it tidies, or nil when a reader holds
  /// it (or it cannot be taken): then nothing is tidied now.
  private func tidyLock() -> FileHandle? {
    guard
      let handle = try? fileSystem.open(path + "/" + Self.readersFile, .readWriteCreate)
    else { return nil }
    if (try? fileSystem.tryLock(handle)) == true { return handle }
    try? fileSystem.close(handle)
    return nil
  }

  /// Keeps the touched buckets' files few and small (SPEC.md §4.4).
  ///
  /// Per bucket: removes deltas already in the base; folds the deltas into a new base when they
  /// hold a collected marker or are as large as the base; otherwise merges the newest two deltas
  /// while the older is at most twice the newer, so a bucket has O(log n) deltas and each record
  /// is rewritten O(log n) times. The collection's folder is synchronized once after all new
  /// files and once after all removals (not per bucket): a removal is never durable before the
  /// file that supersedes it, so a crash anywhere leaves files that read the same.
  private func tidy(_ collection: String, _ keys: [String]) throws(FileSystemError) {
    let directory = collectionDirectory(collection)
    var removals: [String] = []
    var wrote = false
    buckets: for key in keys.sorted() {
      guard var bucket = bucketCache[key] else { continue }
      let path = "records/\(key)"
      removals += bucket.staleFiles
      bucket.staleFiles = []
      guard let newest = bucket.deltas.last else {
        bucketCache[key] = bucket
        continue
      }
      let deltaBytes = bucket.deltas.reduce(0) { $0 + $1.bytes.count }
      if bucket.deltasHoldMarkers || deltaBytes >= bucket.baseBytes {
        let bytes = bucket.compacted(txn: newest.txn)
        try AtomicFile.write(
          bytes, to: RecordFile.fileName(bucket: bucket.name, delta: nil), in: directory,
          fileSystem: fileSystem, syncDirectory: false)
        wrote = true
        removals += bucket.deltas.map { RecordFile.fileName(bucket: bucket.name, delta: $0.txn) }
        guard
          let base = try? RecordFile.scan(
            bytes, collection: collection, bucket: bucket.name, path: path, checkBuckets: false)
        else {
          bucketCache[key] = nil  // read it again from its files when next needed
          listings[collection] = nil
          continue
        }
        bucketCache[key] = Bucket(
          collection: collection, name: bucket.name, base: base, deltas: [])
        continue
      }
      while bucket.deltas.count >= 2 {
        let older = bucket.deltas[bucket.deltas.endIndex - 2]
        let newer = bucket.deltas[bucket.deltas.endIndex - 1]
        guard older.bytes.count <= 2 * newer.bytes.count else { break }
        // The merge replaces the newer file; until the older one is removed, reading both
        // gives the same states.
        let bytes = bucket.mergedLastTwo()
        try AtomicFile.write(
          bytes, to: RecordFile.fileName(bucket: bucket.name, delta: newer.txn), in: directory,
          fileSystem: fileSystem, syncDirectory: false)
        wrote = true
        removals.append(RecordFile.fileName(bucket: bucket.name, delta: older.txn))
        guard
          let merged = try? RecordFile.scan(
            bytes, collection: collection, bucket: bucket.name, path: path, checkBuckets: false)
        else {
          bucketCache[key] = nil  // read it again from its files when next needed
          listings[collection] = nil
          continue buckets
        }
        bucket.replaceLastTwo(with: merged)
      }
      bucketCache[key] = bucket
    }
    if wrote { try fileSystem.syncDirectory(directory) }
    for name in removals { try fileSystem.remove(directory + "/" + name) }
    if !removals.isEmpty { try fileSystem.syncDirectory(directory) }
  }
}

extension String {
  func trimmingSuffix(_ suffix: String) -> String {
    hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
  }
}

/// The Levenshtein distance between two strings, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a.unicodeScalars)
  let b = Array(b.unicodeScalars)
  if a.isEmpty { return b.count }
  var previous = Array(0...b.count)
  for i in 1...a.count {
    var current = [i] + Array(repeating: 0, count: b.count)
    for j in 1...max(b.count, 1) where j <= b.count {
      current[j] = Swift.min(
        previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.count]
}
