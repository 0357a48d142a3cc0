import Dispatch
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import Synchronization

extension RepositoryWriter {
  /// What materializing a transaction has written so far, so a failure can undo it.
  private struct Materializing {
    /// Delta files written.
    var created: [(directory: String, name: String)] = []
    /// Document files replaced, with their previous bytes (nil: there was none).
    var replaced: [(directory: String, name: String, old: [UInt8]?)] = []
    /// Each bucket written ("collection/bucket") and its new delta, read back.
    var written: [(key: String, scanned: RecordFile.Scanned)] = []
    /// The bucket digests after the transaction.
    var digests: [String: [String: BucketDigest]]
    /// The record counts after the transaction.
    var counts: [String: RecordCounts]
    /// Folders with new files, synchronized before `state.json` is replaced.
    var touchedDirectories: Set<String> = []
    /// `state.json` before it was replaced.
    var oldState: [UInt8]?
  }

  /// Writes a committed transaction's records and documents, then `state.json` (SPEC.md §4.3
  /// steps 2–3), then tidies the touched buckets (step 4).
  ///
  /// One delta per touched bucket and each document, then their folders are synchronized, then
  /// `state.json` is replaced: only deltas are written before it, so whatever an interrupted
  /// write leaves reads as the previous state. On failure the new files are removed and the
  /// documents and `state.json` restored; if even that fails the writer refuses further writes
  /// (``needsRecovery``). Tidying after the acknowledgement loses nothing if it fails.
  ///
  /// `last` is where the last transaction materialized begins in the journal segment, and how
  /// many records its commit line says it changed.
  func materialize(
    _ states: [String: [RecordID: RecordState]], documents: [DocumentName: JSONValue] = [:],
    through position: JournalPosition, last: (begin: Int64, changes: Int)
  ) throws(FileSystemError) {
    let begin = last.begin
    var progress = Materializing(digests: bucketDigests ?? [:], counts: storedCounts ?? [:])
    do throws(FileSystemError) {
      try writeDeltas(states, through: position, into: &progress)
      try writeDocuments(documents, into: &progress)
      for directory in progress.touchedDirectories.sorted() {
        try fileSystem.syncDirectory(directory)
      }
      progress.oldState = try fileSystem.readFile(path + "/" + Self.stateFile)
      let state = StateFile(
        checkpoint: position, clock: clock, buckets: progress.digests, counts: progress.counts,
        begin: begin)
      try AtomicFile.write(
        Self.encodeState(state), to: Self.stateFile, in: path, fileSystem: fileSystem)
      checkpoint = position
      bucketDigests = progress.digests
      storedCounts = progress.counts
      checkpointBegin = begin
      checkpointChanges = last.changes
    } catch {
      undo(progress)
      throw error
    }
    tidyWritten(progress.written)
  }

  /// Writes one delta per touched bucket, named for the transaction, and moves each bucket's
  /// digest by the records it replaces and holds.
  private func writeDeltas(
    _ states: [String: [RecordID: RecordState]], through position: JournalPosition,
    into progress: inout Materializing
  ) throws(FileSystemError) {
    var byBucket: [String: [RecordID: RecordState]] = [:]
    for (collection, records) in states {
      for (id, state) in records {
        byBucket[collection + "/" + RecordFile.bucket(for: id), default: [:]][id] = state
      }
    }
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
      let directory = collectionDirectory(collection)
      let name = RecordFile.fileName(bucket: bucketName, delta: position.txn)
      if try !fileSystem.exists(directory) {
        try fileSystem.makeDirectory(directory)
        try fileSystem.syncDirectory(recordsDirectory)
      }
      let bytes = RecordFile.encode(
        collection: collection, txn: position.txn, records: byBucket[key]!)
      // The bucket's digest moves by the records this delta replaces and holds.
      let scanned = try? RecordFile.scan(
        bytes, collection: collection, bucket: bucketName, path: "records/\(key)",
        checkBuckets: false)
      guard let scanned, let bucket = bucketCache[key] else {
        throw FileSystemError("encode", directory + "/" + name, .ioError)
      }
      var digest = progress.digests[collection]?[bucketName] ?? .empty
      var counts = progress.counts[collection] ?? RecordCounts()
      for (index, entry) in scanned.entries.enumerated() {
        // The counts move by the state this one replaces, and by this one.
        let old: RecordState?
        do { old = try bucket.state(entry.id) } catch {
          throw FileSystemError("read", directory + "/" + bucketName, .ioError)
        }
        counts.count(old, -1)
        counts.count(byBucket[key]![entry.id], 1)
        if let old = bucket.liveHash(entry.id) { digest.toggle(old) }
        if !scanned.isCollectedMarker(index) {
          digest.toggle(BucketDigest.recordHash(entry.id, bytes[entry.state]))
        }
      }
      progress.digests[collection, default: [:]][bucketName] = digest == .empty ? nil : digest
      progress.counts[collection] = counts.isZero ? nil : counts
      try AtomicFile.write(
        bytes, to: name, in: directory, fileSystem: fileSystem, syncDirectory: false)
      progress.created.append((directory, name))
      progress.touchedDirectories.insert(directory)
      progress.written.append((key, scanned))
    }
  }

  /// Replaces each document's file, keeping its previous bytes for an undo.
  private func writeDocuments(
    _ documents: [DocumentName: JSONValue], into progress: inout Materializing
  ) throws(FileSystemError) {
    for name in documents.keys.sorted() {
      let location = name.location
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
      progress.replaced.append((directory, file, old))
      progress.touchedDirectories.insert(directory)
    }
  }

  /// Undoes a failed materialization.
  ///
  /// `state.json` and the documents are restored, the new deltas removed, the caches dropped.
  /// If any of it fails, the writer refuses further writes.
  private func undo(_ progress: Materializing) {
    bucketCache = [:]
    listings = [:]
    var undone = true
    if let oldState = progress.oldState {
      do {
        try AtomicFile.write(oldState, to: Self.stateFile, in: path, fileSystem: fileSystem)
      } catch { undone = false }
    }
    for file in progress.replaced.reversed() {
      do throws(FileSystemError) {
        if let old = file.old {
          try AtomicFile.write(old, to: file.name, in: file.directory, fileSystem: fileSystem)
        } else {
          try fileSystem.remove(file.directory + "/" + file.name)
          try fileSystem.syncDirectory(file.directory)
        }
      } catch { undone = false }
    }
    for file in progress.created.reversed() {
      do throws(FileSystemError) {
        try fileSystem.remove(file.directory + "/" + file.name)
        try fileSystem.syncDirectory(file.directory)
      } catch { undone = false }
    }
    if !undone { needsRecovery = true }
  }

  /// Keeps the cached buckets current with their new deltas, then tidies them.
  ///
  /// Runs after the acknowledgement: a failure while tidying loses nothing (the files written
  /// stay valid) and leaves at most temporary files for the next writer to remove.
  private func tidyWritten(_ written: [(key: String, scanned: RecordFile.Scanned)]) {
    var byCollection: [String: [String]] = [:]
    for (key, scanned) in written {
      guard var bucket = bucketCache.removeValue(forKey: key) else { continue }
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
  func tidyLock() -> FileHandle? {
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
  func tidy(_ collection: String, _ keys: [String]) throws(FileSystemError) {
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
