import Dispatch
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import Synchronization

/// A snapshot of a replica's JSON-file repository (SPEC.md §4): every read, nothing written.
///
/// The journal is the durable truth; `records/` holds the materialized states, rebuilt from the
/// journal after a crash; `state.json` says up to where they are. Readers never wait for the
/// writer: they hold a shared `flock` on `readers` (which keeps writers from tidying files under
/// them), read `state.json`, then the record files up to its checkpoint, checking each bucket
/// against its digest, then apply any committed journal lines past the checkpoint, so they see
/// one committed state or refuse.
///
/// Open one with ``open(at:fileSystem:now:)``. Writing takes a ``RepositoryWriter``, which is a
/// reader that also holds the writer lock; a reader cannot be turned into one.
public class RepositoryReader {
  /// How an instance was opened: decided by its class, never by the caller.
  enum Mode: Sendable {
    /// Read only: no lock, nothing written, committed-but-unmaterialized changes applied in memory.
    case read
    /// The single writer: takes the lock and recovers from an interrupted write first.
    case write
  }

  /// The repository folder.
  public let path: String
  /// Its identity.
  public internal(set) var config: RepositoryConfig
  /// Who may write what in this repository (SPEC.md §2.4): this replica's policy.
  ///
  /// Every ownership decision of the store and of a command goes through it.
  public var ownership: OwnershipPolicy {
    OwnershipPolicy(replica: config.replica, role: config.role)
  }
  /// Messages about recovery done while opening (for the CLI to print on stderr).
  public internal(set) var notices: [String] = []

  let fileSystem: any FileSystem
  let mode: Mode
  let now: @Sendable () -> Timestamp
  /// The writer's exclusive lock on `lock` (writers only).
  var lockHandle: FileHandle?
  /// A reader's shared lock on `readers`, held while it reads (SPEC.md §4.3).
  var readerHandle: FileHandle?
  /// What each non-empty bucket holds, by collection and bucket, as `state.json` records it
  /// (SPEC.md §4.4); nil for a repository written before digests (read without the check).
  var bucketDigests: [String: [String: BucketDigest]]?
  /// The records of every collection at the checkpoint, as `state.json` records them
  /// (SPEC.md §4.1); nil for a repository written before counts (counted by reading).
  var storedCounts: [String: RecordCounts]?
  /// Where the checkpoint's transaction begins in its journal segment, as `state.json` records
  /// it; nil for a repository written before it was.
  var checkpointBegin: Int64?
  /// How many records the checkpoint's transaction changed, as its `commit` line says.
  var checkpointChanges = 0
  /// The newest transaction committed past the checkpoint (read mode), found when opening.
  var newestPastCheckpoint: TransactionInfo?
  /// Where the journal ends at the checkpoint `state.json` records.
  package internal(set) var checkpoint: JournalPosition
  /// What this replica has seen of every replica (the maximum of all record contexts).
  public internal(set) var clock: VersionVector
  var customSchemas: [String: CollectionSchema]
  /// Committed states not yet in the record files (read mode only), by collection and id.
  var overlay: [String: [RecordID: RecordState]] = [:]
  /// Committed documents not yet in their files (read mode only).
  var documentOverlay: [DocumentName: JSONValue] = [:]
  /// Buckets read (and, for a writer, kept current) by this process, by "collection/bucket".
  var bucketCache: [String: Bucket] = [:]
  /// The record file names of each collection folder, by bucket, as first listed.
  var listings: [String: [String: [String]]] = [:]
  /// Set when an unfinished write could not be undone: this object refuses further writes (the
  /// next process to open the repository recovers it).
  var needsRecovery = false

  required init(
    path: String, config: RepositoryConfig, fileSystem: any FileSystem, mode: Mode,
    now: @escaping @Sendable () -> Timestamp, checkpoint: JournalPosition, clock: VersionVector,
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

  /// How this class opens a repository: ``RepositoryWriter`` overrides it.
  class var openMode: Mode { .read }

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
  /// What to do about a repository that is damaged: no command repairs it (with the remedy
  /// ``Remedy/verify``).
  static let restoreHint =
    "Restore the repository from a backup or another replica. To see everything that is damaged:"

  /// Opens an existing repository: a ``RepositoryReader`` for a snapshot, a
  /// ``RepositoryWriter`` to write.
  ///
  /// A reader takes the shared lock on `readers` and waits for nobody. A writer takes the
  /// writer lock (``StoreError/Code/locked`` if another process holds it), removes temporary
  /// files left by an interrupted write, truncates an uncommitted journal tail and materializes
  /// committed transactions that the record files lack. Each such repair is reported in
  /// ``notices``.
  public class func open(
    at path: String, fileSystem: any FileSystem = PosixFileSystem(),
    now: @escaping @Sendable () -> Timestamp
  ) throws(StoreError) -> Self {
    let mode = openMode
    var config = try readConfig(path, fileSystem)
    var upgradeNotices: [String] = []
    if mode == .read && config.version < RepositoryConfig.currentVersion {
      // An older repository is upgraded before anything reads it (SPEC.md §4.1).
      upgradeNotices = try RepositoryWriter.upgrade(at: path, from: config, fileSystem, now: now)
      config = try readConfig(path, fileSystem)
    }
    for folder in ["journal", "records", "schemas"] {
      let info: FileInfo?
      do { info = try fileSystem.info(path + "/" + folder) } catch {
        throw StoreError.readFailed(error)
      }
      guard info?.kind == .directory else {
        throw StoreError(
          .corrupt, "\(path): the folder '\(folder)/' is missing",
          hint: "Restore it from a backup (an empty '\(folder)/' if it held nothing); "
            + "then check the repository:", remedy: .verify)
      }
    }
    var lockHandle: FileHandle?
    if mode == .write {
      lockHandle = try acquireLock(path, fileSystem)
    } else {
      lockHandle = try acquireReaderLock(path, fileSystem)
    }
    do throws(StoreError) {
      let state = try readState(path, fileSystem)
      let schemas = try readSchemas(path + "/schemas", fileSystem)
      let repository = Self(
        path: path, config: config, fileSystem: fileSystem, mode: mode, now: now,
        checkpoint: state.checkpoint, clock: state.clock, customSchemas: schemas)
      repository.bucketDigests = state.buckets
      repository.storedCounts = state.counts
      repository.checkpointBegin = state.begin
      if mode == .read, state.buckets != nil, lockHandle == nil {
        throw StoreError(
          .corrupt,
          "\(path)/\(readersFile) is missing or not a file: readers could not be kept from a writer "
            + "tidying under them; nothing was read",
          hint: "Restore it as an empty file (any write creates it); then check the repository:",
          remedy: .verify)
      }
      if mode == .write {
        repository.lockHandle = lockHandle
      } else {
        repository.readerHandle = lockHandle
      }
      lockHandle = nil
      repository.notices = upgradeNotices
      try repository.recover()
      if let writer = repository as? RepositoryWriter,
        config.version < RepositoryConfig.currentVersion
      {
        try writer.upgradeFormat()
      }
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

  static func readConfig(_ path: String, _ fs: any FileSystem) throws(StoreError)
    -> RepositoryConfig
  {
    let file = path + "/" + configFile
    let bytes: [UInt8]
    do {
      guard try fs.info(path)?.kind == .directory else {
        throw StoreError(
          .notARepository, "no repository at '\(path)': the folder does not exist",
          hint: "Name an existing repository, or create one:", remedy: .create(repository: path))
      }
      guard try fs.exists(file) else {
        throw StoreError(
          .notARepository, "'\(path)' is not an Outpost repository (no \(configFile))",
          hint: "Name an existing repository, or create one here:",
          remedy: .create(repository: nil))
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
      throw StoreError(
        .corrupt, "\(file) is not valid JSON", hint: RecordFile.verifyHint, remedy: .verify)
    }
    guard let format = object["format"]?.stringValue, format.hasPrefix("outpost-repo/") else {
      throw StoreError(.corrupt, "\(file) has no 'format' member")
    }
    guard let version = Int(format.dropFirst("outpost-repo/".count)), version >= 1 else {
      throw StoreError(.corrupt, "\(file) has an invalid 'format' member (\(format))")
    }
    guard version <= RepositoryConfig.currentVersion else {
      throw StoreError(
        .unsupportedFormat,
        "\(file) has format \(format); this outpost reads outpost-repo/"
          + "\(RepositoryConfig.oldestReadableVersion) to \(RepositoryConfig.format)",
        hint: "Use a newer outpost to open this repository.")
    }
    guard let office = object["office"]?.stringValue, let replica = try? ReplicaID(office),
      let roleText = object["role"]?.stringValue, let role = RepositoryRole(rawValue: roleText)
    else {
      throw StoreError(.corrupt, "\(file) lacks a valid 'office' or 'role'")
    }
    return RepositoryConfig(
      version: version, replica: replica, role: role,
      createdAt: object["created_at"]?.stringValue.flatMap { Timestamp(parsing: $0) })
  }

  // MARK: Recovery

  /// Checks `state.json` against the journal, then takes the committed transactions past the
  /// checkpoint into memory: a reader sees them without writing anything.
  func recover() throws(StoreError) {
    try checkCheckpoint()
    let scan = try JournalReader.scan(
      fileSystem: fileSystem, directory: journalDirectory, from: checkpoint)
    let (changed, documents) = try committedChanges(scan)
    overlay = changed
    documentOverlay = documents
    newestPastCheckpoint = scan.transactions.last.map {
      Self.info(of: $0, location: Self.location(of: $0))
    }
  }

  /// The record states and documents of the committed transactions `scan` found past the
  /// checkpoint (the clock takes in their contexts; journaled schemas become collections).
  func committedChanges(_ scan: JournalScan) throws(StoreError) -> (
    states: [String: [RecordID: RecordState]], documents: [DocumentName: JSONValue]
  ) {
    var changed: [String: [RecordID: RecordState]] = [:]
    var documents: [DocumentName: JSONValue] = [:]
    for transaction in scan.transactions {
      for line in transaction.entries {
        switch try line.entry() {
        case .record(let collection, let id, let state):
          changed[collection, default: [:]][id] = state
          clock.merge(state.context)
        case .document(let name, let value):
          documents[name] = value
        case .begin, .commit: break
        }
      }
    }
    try absorbSchemas(documents)
    return (changed, documents)
  }

  /// Takes journaled schema documents into the collections this repository knows.
  func absorbSchemas(_ documents: [DocumentName: JSONValue]) throws(StoreError) {
    for name in documents.keys.sorted() {
      guard case .schema(let collection) = name else { continue }
      do {
        customSchemas[collection] = try SchemaFile.decode(documents[name]!)
      } catch {
        throw StoreError(.corrupt, "journaled schema \(name): \(error.message)")
      }
      try Self.checkNotStandard(collection)
    }
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
    var hint = "Collections: \(names.joined(separator: ", "))."
    if let suggestion = Suggestion.closest(to: name, among: names) {
      hint = "Did you mean '\(suggestion)'? " + hint
    }
    throw StoreError(.notFound, "unknown collection '\(name)'", hint: hint)
  }

  /// Refuses a repository's own collection that has the name of a standard one: a collection
  /// this version of Outpost added (`tasks`, `policies`) would otherwise silently shadow it.
  static func checkNotStandard(_ name: String) throws(StoreError) {
    guard StandardCollections.named(name) != nil else { return }
    throw StoreError(
      .unsupportedFormat,
      "this repository has its own collection '\(name)', and this version of Outpost has a "
        + "standard collection of that name; it cannot tell them apart, so it opens nothing",
      hint: "Use the previous version of outpost for this repository, or export the "
        + "collection's records with it and import them into a new repository.")
  }

  static func readSchemas(_ directory: String, _ fs: any FileSystem) throws(StoreError)
    -> [String: CollectionSchema]
  {
    var result: [String: CollectionSchema] = [:]
    do {
      guard try fs.exists(directory) else { return [:] }
      for name in try fs.list(directory) where name.hasSuffix(".json") {
        let file = directory + "/" + name
        let bytes = try fs.readFile(file)
        let schema: CollectionSchema
        do { schema = try SchemaFile.decode(bytes) } catch {
          throw StoreError(
            .corrupt, "\(file): \(error.message)", hint: RecordFile.verifyHint, remedy: .verify)
        }
        try checkNotStandard(schema.name)
        result[schema.name] = schema
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
}
