import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

/// One record a commit changes, as a ``RecordCache`` sees it.
public struct RecordCacheChange: Sendable {
  /// The record's collection.
  public var collection: String
  /// The record's id.
  public var id: RecordID
  /// Its state before the commit (nil: the record is new here).
  public var old: RecordState?
  /// Its state after the commit.
  public var new: RecordState

  /// Creates a change.
  public init(collection: String, id: RecordID, old: RecordState?, new: RecordState) {
    self.collection = collection
    self.id = id
    self.old = old
    self.new = new
  }
}

/// Data derived from the records that the writer keeps in step with every commit, in named
/// parts under `cache/<name>/` (SPEC.md §4.5).
///
/// A cache is never the only copy of anything: its manifest is stamped with the journal position
/// of the commit it is in step with and holds each part's size and SHA-256, and a reader uses it
/// only when the stamp is its own checkpoint and the parts it reads match their digests;
/// otherwise it reads the records. So a commit that did not update it (a writer without it
/// installed, recovery, a failed cache write) only makes it unused until the next commit
/// rebuilds it. A commit rewrites only the parts it changes, so a cache split by what commits
/// touch (an office, say) costs a commit what it changes.
public protocol RecordCache: Sendable {
  /// The cache's directory name in `cache/` (letters, digits, `-` and `.`).
  var name: String { get }

  /// What the cache becomes with a commit of `changes`.
  ///
  /// `previous` is the cache in step with the records before the commit, or nil when there is
  /// none (then build every part from `repository`, which shows the records before the commit,
  /// and apply the changes: a ``CacheUpdate/rebuilt(_:)``). Return nil to leave the cache out
  /// of step (unused until a later commit rebuilds it). With `changes` empty and no `previous`,
  /// the parts built are those `verify` compares the stored ones with.
  func updated(
    _ previous: CacheParts?, changes: [RecordCacheChange], repository: RepositoryReader
  ) -> CacheUpdate?

  /// Whether a cache in step with `repository` is still what this build would use: false when
  /// it was made for inputs other than the records (another build's definitions, say), so
  /// readers pass it by and the next commit rebuilds it. By default, true.
  func isCurrent(_ parts: CacheParts, repository: RepositoryReader) -> Bool
}

extension RecordCache {
  public func isCurrent(_ parts: CacheParts, repository: RepositoryReader) -> Bool { true }
}

/// The parts a commit writes into a cache (``RecordCache/updated(_:changes:repository:)``).
public struct CacheUpdate: Sendable, Equatable {
  /// The parts written, by name.
  public var written: [String: [UInt8]]
  /// The parts removed.
  public var removed: Set<String>
  /// Whether `written` is every part (any other is removed).
  public var complete: Bool

  /// Every part of the cache.
  public static func rebuilt(_ parts: [String: [UInt8]]) -> CacheUpdate {
    CacheUpdate(written: parts, removed: [], complete: true)
  }

  /// Some parts written or removed, the others kept.
  public static func changed(_ written: [String: [UInt8]], removed: Set<String> = [])
    -> CacheUpdate
  {
    CacheUpdate(written: written, removed: removed.subtracting(written.keys), complete: false)
  }

  /// No part changes: only the stamp moves.
  public static let unchanged = CacheUpdate(written: [:], removed: [], complete: false)

  /// Whether `name` is a part name a cache may use: 1–64 of `a-z`, `0-9`, `.`, `_` and `-`, not
  /// starting with `.`, and not `manifest`.
  public static func isValidPartName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    return (1...64).contains(bytes.count) && bytes[0] != UInt8(ascii: ".")
      && name != CacheManifest.fileName
      && bytes.allSatisfy { byte in
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
          || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
      }
  }
}

/// A cache in step with a reader's checkpoint: its parts, each read and checked against the
/// manifest when asked for.
public struct CacheParts: Sendable {
  let directory: String
  let fileSystem: any FileSystem
  let entries: [String: CacheManifest.Entry]

  /// The parts' names, sorted.
  public var names: [String] { entries.keys.sorted() }

  /// A part's content; nil when there is no such part, or it is unreadable or damaged.
  public func part(_ name: String) -> [UInt8]? { try? checkedPart(name) }

  /// A part's content, checked against its size and digest; nil when there is no such part.
  func checkedPart(_ name: String) throws(CacheManifest.Refusal) -> [UInt8]? {
    guard let entry = entries[name] else { return nil }
    let file = directory + "/" + name
    guard let info = try? fileSystem.info(file), info.kind == .regular,
      info.size <= CacheManifest.maximumPartBytes,
      let bytes = try? fileSystem.readFile(file)
    else { throw .damaged("part '\(name)' cannot be read") }
    guard UInt64(bytes.count) == entry.bytes else {
      throw .damaged(
        "part '\(name)' holds \(bytes.count) bytes where the manifest says \(entry.bytes)")
    }
    guard SHA256.hash(bytes).hex == entry.sha256 else {
      throw .damaged("part '\(name)' does not match its SHA-256")
    }
    return bytes
  }
}

/// The manifest of a cache, `cache/<name>/manifest` (SPEC.md §4.5): the checkpoint the cache is
/// in step with and each part's size and digest.
enum CacheManifest {
  static let format = "outpost-cache/2"
  static let fileName = "manifest"
  /// The largest manifest read.
  static let maximumBytes: Int64 = 16 << 20
  /// The largest part read.
  static let maximumPartBytes: Int64 = 1 << 30

  /// A part as the manifest records it.
  struct Entry: Sendable, Equatable {
    var bytes: UInt64
    var sha256: String

    init(_ content: [UInt8]) {
      bytes = UInt64(content.count)
      sha256 = SHA256.hash(content).hex
    }

    init(bytes: UInt64, sha256: String) {
      self.bytes = bytes
      self.sha256 = sha256
    }
  }

  /// The manifest's bytes: one canonical JSON line.
  static func encode(_ entries: [String: Entry], at position: JournalPosition) -> [UInt8] {
    func number(_ n: UInt64) -> JSONValue { .number(JSONNumber(integer: Int64(n))) }
    let checkpoint = JSONObject(uncheckedPairs: [
      ("txn", number(position.txn)), ("seq", number(position.seq)),
      ("hash", .string(position.hash)),
    ])
    let parts = JSONObject(
      uncheckedPairs: entries.map { name, entry in
        (
          name,
          .object(
            JSONObject(uncheckedPairs: [
              ("bytes", number(entry.bytes)), ("sha256", .string(entry.sha256)),
            ]))
        )
      })
    return JSONWriter.canonicalBytes(
      .object(
        JSONObject(uncheckedPairs: [
          ("format", .string(format)), ("checkpoint", .object(checkpoint)),
          ("parts", .object(parts)),
        ]))) + [0x0A]
  }

  /// What is wrong with a cache, or why it is not in step with `position`.
  enum Refusal: Error, Equatable {
    /// The stamp is another commit's: the cache is out of step, not damaged.
    case outOfStep
    /// The manifest is not a cache manifest, or a part does not match it.
    case damaged(String)
  }

  /// The parts of a manifest in step with `position`.
  static func decode(_ bytes: [UInt8], at position: JournalPosition) throws(Refusal)
    -> [String: Entry]
  {
    guard bytes.last == 0x0A,
      let manifest = try? JSONParser.parse(bytes.dropLast(), limits: .repositoryFile),
      manifest["format"]?.stringValue == format,
      let checkpoint = manifest["checkpoint"],
      let txn = checkpoint["txn"]?.uint64Value, let seq = checkpoint["seq"]?.uint64Value,
      let hash = checkpoint["hash"]?.stringValue,
      let parts = manifest["parts"]?.objectValue
    else { throw .damaged("the manifest is not an \(format) manifest") }
    guard txn == position.txn, seq == position.seq, hash == position.hash else {
      throw .outOfStep
    }
    var entries: [String: Entry] = [:]
    for (name, value) in parts {
      guard CacheUpdate.isValidPartName(name), let bytes = value["bytes"]?.uint64Value,
        let digest = value["sha256"]?.stringValue
      else { throw .damaged("the manifest names a part it cannot have") }
      entries[name] = Entry(bytes: bytes, sha256: digest)
    }
    return entries
  }
}

extension RepositoryReader {
  /// The directory of the caches.
  var cacheDirectory: String { path + "/cache" }

  /// Cache `name`, when it is in step with this snapshot's checkpoint.
  ///
  /// Nil otherwise (then read the records instead). Its parts are checked as they are read.
  public func cache(_ name: String) -> CacheParts? {
    try? checkedCache(name)
  }

  /// Cache `name`: nil when there is none or it is out of step, the refusal when its manifest
  /// is damaged.
  func checkedCache(_ name: String) throws(CacheManifest.Refusal) -> CacheParts? {
    // A reader that took in transactions committed past the checkpoint (a write interrupted
    // before it updated `state.json`) sees records the cache was not made from.
    guard newestPastCheckpoint == nil else { return nil }
    let directory = cacheDirectory + "/" + name
    let file = directory + "/" + CacheManifest.fileName
    guard let info = try? fileSystem.info(file), info.kind == .regular,
      info.size <= CacheManifest.maximumBytes,
      let bytes = try? fileSystem.readFile(file)
    else { return nil }
    do {
      let entries = try CacheManifest.decode(bytes, at: checkpoint)
      return CacheParts(directory: directory, fileSystem: fileSystem, entries: entries)
    } catch .outOfStep {
      return nil
    }
  }

  /// Checks every cache of `caches` (SPEC.md §4.5): one in step, rebuilt from the records,
  /// must have the parts the manifest names, each byte for byte (a problem otherwise: readers
  /// would use it); a damaged one is a note (readers do not use it, and the next commit
  /// rebuilds it).
  public func verifyCaches(_ caches: [any RecordCache]) -> VerifyReport {
    var report = VerifyReport()
    for cache in caches {
      let damaged = { (why: String) in
        report.notes.append(
          "cache/\(cache.name) is damaged (\(why)); it is not used, and the next commit "
            + "rebuilds it")
      }
      var stored: [String: [UInt8]] = [:]
      let parts: CacheParts
      do {
        guard let found = try checkedCache(cache.name) else { continue }
        parts = found
        for name in parts.names { stored[name] = try parts.checkedPart(name) }
      } catch {
        if case .damaged(let why) = error { damaged(why) }
        continue
      }
      guard cache.isCurrent(parts, repository: self) else {
        report.notes.append(
          "cache/\(cache.name) was made for other inputs than this build's; it is not used, "
            + "and the next commit rebuilds it")
        continue
      }
      let rebuilt = cache.updated(nil, changes: [], repository: self)
      if rebuilt?.complete != true || rebuilt?.written != stored {
        report.problems.append(
          "cache/\(cache.name) differs from the records it is derived from; remove it (the "
            + "next commit rebuilds it)")
      }
    }
    return report
  }
}

extension RepositoryWriter {
  /// A cache's update for a transaction and the parts it had before.
  struct PendingCache {
    var name: String
    var update: CacheUpdate
    var previous: [String: CacheManifest.Entry]
  }

  /// What each installed cache becomes with a transaction, worked out before it is written
  /// (the records before it are still the ones read).
  func updatedCaches(_ states: [String: [RecordID: RecordState]]) -> [PendingCache] {
    guard !caches.isEmpty else { return [] }
    var changes: [RecordCacheChange] = []
    for collection in states.keys.sorted() {
      for (id, state) in states[collection]!.sorted(by: { $0.key < $1.key }) {
        let old = try? lookup(collection, id).0
        changes.append(RecordCacheChange(collection: collection, id: id, old: old, new: state))
      }
    }
    return caches.compactMap { cache in
      let previous = self.cache(cache.name)
      guard let update = cache.updated(previous, changes: changes, repository: self),
        previous != nil || update.complete,
        update.written.keys.allSatisfy(CacheUpdate.isValidPartName)
      else { return nil }
      return PendingCache(name: cache.name, update: update, previous: previous?.entries ?? [:])
    }
  }

  /// Writes the parts each cache's update changes, then its manifest stamped with the
  /// checkpoint the transaction reached, then removes the parts it no longer has.
  ///
  /// A failure leaves a cache out of step (its manifest keeps the old stamp), which readers do
  /// not use, and is not an error.
  func writeCaches(_ pending: [PendingCache]) {
    guard !pending.isEmpty else { return }
    if (try? fileSystem.exists(cacheDirectory)) != true {
      try? fileSystem.makeDirectory(cacheDirectory)
    }
    for cache in pending {
      let directory = cacheDirectory + "/" + cache.name
      do throws(FileSystemError) {
        let info = try fileSystem.info(directory)
        if let info, info.kind != .directory {
          try fileSystem.remove(directory)  // an earlier build's single-file cache
        }
        if info?.kind != .directory { try fileSystem.makeDirectory(directory) }
        var entries = cache.update.complete ? [:] : cache.previous
        for name in cache.update.removed { entries[name] = nil }
        for (name, content) in cache.update.written.sorted(by: { $0.key < $1.key }) {
          try AtomicFile.write(
            content, to: name, in: directory, fileSystem: fileSystem, syncDirectory: false)
          entries[name] = CacheManifest.Entry(content)
        }
        // The parts are durable before the manifest that names them: after a crash the cache
        // is in step and whole, or out of step, never a manifest naming parts that are not there.
        if !cache.update.written.isEmpty { try fileSystem.syncDirectory(directory) }
        try AtomicFile.write(
          CacheManifest.encode(entries, at: checkpoint), to: CacheManifest.fileName,
          in: directory, fileSystem: fileSystem, syncDirectory: false)
        if cache.update.complete || !cache.update.removed.isEmpty {
          for name in try fileSystem.list(directory)
          where name != CacheManifest.fileName && entries[name] == nil {
            try? fileSystem.remove(directory + "/" + name)
          }
        }
        try fileSystem.syncDirectory(directory)
      } catch {
        let notice =
          "cache/\(cache.name) was not updated (\(error)); it is rebuilt by a later commit"
        notices.append(notice)
        onNotice?(notice)
      }
    }
    try? fileSystem.syncDirectory(cacheDirectory)
  }
}
