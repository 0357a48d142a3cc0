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

/// Data derived from the records that the writer keeps in step with every commit, in
/// `cache/<name>` (SPEC.md §4.5).
///
/// A cache is never the only copy of anything: it is stamped with the journal position of the
/// commit it is in step with and a SHA-256 of its content, and a reader uses it only when the
/// stamp is its own checkpoint and the content hashes to the stamp's digest; otherwise it reads
/// the records. So a commit that did not update it (a writer without it installed, recovery,
/// a failed cache write) only makes it unused until the next commit rebuilds it.
public protocol RecordCache: Sendable {
  /// The file's name in `cache/` (letters, digits, `-` and `.`).
  var name: String { get }

  /// The cache's content after a commit of `changes`.
  ///
  /// `previous` is its content in step with the records before the commit, or nil when there
  /// is none (then build it from `repository`, which shows the records before the commit, and
  /// apply the changes). Return nil to leave the cache out of step (unused until a later
  /// commit rebuilds it).
  func updated(
    _ previous: [UInt8]?, changes: [RecordCacheChange], repository: RepositoryReader
  ) -> [UInt8]?

  /// Whether content in step with `repository` is still what this build would use: false
  /// when it was made for inputs other than the records (another build's definitions, say),
  /// so readers pass it by and the next commit rebuilds it. By default, true.
  func isCurrent(_ content: [UInt8], repository: RepositoryReader) -> Bool
}

extension RecordCache {
  public func isCurrent(_ content: [UInt8], repository: RepositoryReader) -> Bool { true }
}

/// The stamp and checks of a cache file (SPEC.md §4.5).
enum CacheFile {
  static let format = "outpost-cache/1"
  /// The largest cache file read.
  static let maximumBytes: Int64 = 1 << 30
  /// The longest header line.
  static let maximumHeaderBytes = 4096

  /// The file's bytes: a header line naming the checkpoint and the content's size and digest,
  /// then the content.
  static func encode(_ content: [UInt8], at position: JournalPosition) -> [UInt8] {
    let checkpoint = JSONObject(uncheckedPairs: [
      ("txn", .number(JSONNumber(integer: Int64(position.txn)))),
      ("seq", .number(JSONNumber(integer: Int64(position.seq)))),
      ("hash", .string(position.hash)),
    ])
    let header: JSONValue = .object(
      JSONObject(uncheckedPairs: [
        ("format", .string(format)), ("checkpoint", .object(checkpoint)),
        ("bytes", .number(JSONNumber(integer: Int64(content.count)))),
        ("sha256", .string(SHA256.hash(content).hex)),
      ]))
    return JSONWriter.canonicalBytes(header) + [0x0A] + content
  }

  /// What is wrong with a cache file, or why it is not in step with `position`.
  enum Refusal: Error, Equatable {
    /// The stamp is another commit's: the cache is out of step, not damaged.
    case outOfStep
    /// The file is not a cache file, or its content does not match its stamp.
    case damaged(String)
  }

  /// The content of a cache file in step with `position`.
  static func decode(_ bytes: [UInt8], at position: JournalPosition) throws(Refusal) -> [UInt8] {
    guard let newline = bytes.prefix(maximumHeaderBytes).firstIndex(of: 0x0A) else {
      throw .damaged("no header line")
    }
    guard let header = try? JSONParser.parse(Array(bytes[..<newline])),
      header["format"]?.stringValue == format,
      let checkpoint = header["checkpoint"],
      let txn = checkpoint["txn"]?.uint64Value, let seq = checkpoint["seq"]?.uint64Value,
      let hash = checkpoint["hash"]?.stringValue,
      let size = header["bytes"]?.uint64Value, let digest = header["sha256"]?.stringValue
    else { throw .damaged("the header is not an \(format) header") }
    guard txn == position.txn, seq == position.seq, hash == position.hash else {
      throw .outOfStep
    }
    let content = Array(bytes[(newline + 1)...])
    guard UInt64(content.count) == size else {
      throw .damaged("\(content.count) bytes of content where the header says \(size)")
    }
    guard SHA256.hash(content).hex == digest else {
      throw .damaged("the content does not match its SHA-256")
    }
    return content
  }
}

extension RepositoryReader {
  /// The directory of the caches.
  var cacheDirectory: String { path + "/cache" }

  /// The content of cache `name` when it is in step with this snapshot's checkpoint and
  /// undamaged; nil otherwise (then read the records instead).
  public func cache(_ name: String) -> [UInt8]? {
    try? checkedCache(name)
  }

  /// The content of cache `name`: nil when there is none or it is out of step, the refusal
  /// when it is damaged.
  func checkedCache(_ name: String) throws(CacheFile.Refusal) -> [UInt8]? {
    // A reader that took in transactions committed past the checkpoint (a write interrupted
    // before it updated `state.json`) sees records the cache was not made from.
    guard newestPastCheckpoint == nil else { return nil }
    let file = cacheDirectory + "/" + name
    guard let info = try? fileSystem.info(file), info.kind == .regular,
      info.size <= CacheFile.maximumBytes,
      let bytes = try? fileSystem.readFile(file)
    else { return nil }
    do {
      return try CacheFile.decode(bytes, at: checkpoint)
    } catch .outOfStep {
      return nil
    }
  }

  /// Checks every cache of `caches` (SPEC.md §4.5): one in step, rebuilt from the records,
  /// must be byte for byte what the file holds (a problem otherwise: readers would use it); a
  /// damaged one is a note (readers do not use it, and the next commit rebuilds it).
  public func verifyCaches(_ caches: [any RecordCache]) -> VerifyReport {
    var report = VerifyReport()
    for cache in caches {
      let stored: [UInt8]?
      do { stored = try checkedCache(cache.name) } catch {
        if case .damaged(let why) = error {
          report.notes.append(
            "cache/\(cache.name) is damaged (\(why)); it is not used, and the next commit "
              + "rebuilds it")
        }
        continue
      }
      guard let stored else { continue }
      guard cache.isCurrent(stored, repository: self) else {
        report.notes.append(
          "cache/\(cache.name) was made for other inputs than this build's; it is not used, "
            + "and the next commit rebuilds it")
        continue
      }
      if cache.updated(nil, changes: [], repository: self) != stored {
        report.problems.append(
          "cache/\(cache.name) differs from the records it is derived from; remove it (the "
            + "next commit rebuilds it)")
      }
    }
    return report
  }
}

extension RepositoryWriter {
  /// What each installed cache becomes with a transaction, worked out before it is written
  /// (the records before it are still the ones read).
  func updatedCaches(_ states: [String: [RecordID: RecordState]]) -> [(String, [UInt8])] {
    guard !caches.isEmpty else { return [] }
    var changes: [RecordCacheChange] = []
    for collection in states.keys.sorted() {
      for (id, state) in states[collection]!.sorted(by: { $0.key < $1.key }) {
        let old = try? lookup(collection, id).0
        changes.append(RecordCacheChange(collection: collection, id: id, old: old, new: state))
      }
    }
    return caches.compactMap { cache in
      cache.updated(self.cache(cache.name), changes: changes, repository: self).map {
        (cache.name, $0)
      }
    }
  }

  /// Writes the caches a transaction updated, stamped with the checkpoint it reached.
  ///
  /// A failure leaves a cache out of step, which readers do not use, and is not an error.
  func writeCaches(_ updated: [(String, [UInt8])]) {
    guard !updated.isEmpty else { return }
    if (try? fileSystem.exists(cacheDirectory)) != true {
      try? fileSystem.makeDirectory(cacheDirectory)
    }
    for (name, content) in updated {
      do {
        try AtomicFile.write(
          CacheFile.encode(content, at: checkpoint), to: name, in: cacheDirectory,
          fileSystem: fileSystem, syncDirectory: false)
      } catch {
        notices.append("cache/\(name) was not updated (\(error)); it is rebuilt by a later commit")
      }
    }
    try? fileSystem.syncDirectory(cacheDirectory)
  }
}
