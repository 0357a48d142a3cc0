import Dispatch
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import Synchronization

extension RepositoryReader {
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
    let all = try decodeBuckets(collection, try bucketNames(collection))
    if let pending = overlay[collection] {
      var merged = Dictionary(all.map { ($0.id, $0.state) }, uniquingKeysWith: { $1 })
      merged.merge(pending) { $1 }
      return merged.filter { !$0.value.isCollectedMarker }.sorted { $0.key < $1.key }.map {
        ($0.key, $0.value)
      }
    }
    // Each bucket's states are sorted by id; where an id is in two buckets (a record misplaced
    // in a damaged file) the later bucket's state is the one kept.
    return Self.inIDOrder(all.map { ($0.id, $0.state) }).map { ($0.id, $0.value) }
  }

  /// Every record of a collection (deleted ones included), a few buckets at a time: `body`
  /// gets each group's states, sorted by id within each bucket but not across buckets, and
  /// what it does not keep is released before the next group is read.
  ///
  /// For a reader that turns records into something smaller (an export's lines, a count), so
  /// its memory follows a group of buckets rather than the collection.
  ///
  /// - Complexity: O(n) in the collection's size; reads every record file once.
  public func forEachGroupOfStates(
    _ collection: String,
    _ body: ([(id: RecordID, state: RecordState)]) throws(StoreError) -> Void
  ) throws(StoreError) {
    if overlay[collection] != nil {
      // Transactions past the checkpoint change records of any bucket: read them all at once.
      try body(try states(collection))
      return
    }
    let names = try bucketNames(collection)
    let group = 8
    var start = 0
    while start < names.count {
      let chunk = Array(names[start..<min(start + group, names.count)])
      start += group
      try body(try decodeBuckets(collection, chunk))
    }
  }

  /// A collection's bucket names, sorted: those with files, and besides them those state.json
  /// says hold records, so a bucket whose files are all gone is noticed (SPEC.md §4.4).
  private func bucketNames(_ collection: String) throws(StoreError) -> [String] {
    Set(try listing(collection).keys).union(
      bucketCache.keys.filter { $0.hasPrefix(collection + "/") }.map {
        String($0.dropFirst(collection.utf8.count + 1))
      }
    ).union(bucketDigests?[collection]?.keys ?? [:].keys).sorted()
  }

  /// The states of the named buckets, each bucket's sorted by id, in the order of `names`.
  ///
  /// Decoding is most of the cost and the buckets are independent: they are decoded in
  /// parallel, then combined in order (the first error in that order is the one reported).
  private func decodeBuckets(_ collection: String, _ names: [String]) throws(StoreError) -> [(
    id: RecordID, state: RecordState
  )] {
    var loaded: [Bucket] = []
    for name in names {
      if let cached = bucketCache[collection + "/" + name] {
        loaded.append(cached)
      } else {
        loaded.append(try loadBucket(collection, name))
      }
    }
    let buckets = loaded
    let results = Mutex<[Result<[(id: RecordID, state: RecordState)], StoreError>?]>(
      Array(repeating: nil, count: buckets.count))
    DispatchQueue.concurrentPerform(iterations: buckets.count) { index in
      let result = Result { () throws(StoreError) in try buckets[index].allStates() }
      results.withLock { $0[index] = result }
    }
    var all: [(id: RecordID, state: RecordState)] = []
    for result in results.withLock({ $0 }) { all.append(contentsOf: try result!.get()) }
    return all
  }

  /// What `transform` makes of each record of a collection (deleted ones included; nil:
  /// nothing), sorted by id.
  ///
  /// Read a few record files at a time (``forEachGroupOfStates(_:_:)``), so only what
  /// `transform` makes is held: an export's lines, the engine's rows. Where an id was read twice
  /// (a record misplaced in a damaged file), what it made of the one read last counts, as
  /// ``states(_:)`` keeps that one.
  public func mapStates<T>(
    _ collection: String, _ transform: (RecordID, RecordState) -> T?
  ) throws(StoreError) -> [(id: RecordID, value: T)] {
    var made: [(id: RecordID, value: T?)] = []
    try forEachGroupOfStates(collection) { states in
      for (id, state) in states { made.append((id, transform(id, state))) }
    }
    return Self.inIDOrder(made).compactMap { item in item.value.map { (item.id, $0) } }
  }

  /// The records of a collection that `keep` accepts (deleted ones included), sorted by id,
  /// holding only those (``mapStates(_:_:)``): what a search for conflicts or for collectable
  /// records needs.
  public func states(
    _ collection: String, where keep: (RecordID, RecordState) -> Bool
  ) throws(StoreError) -> [(id: RecordID, state: RecordState)] {
    try mapStates(collection) { keep($0, $1) ? $1 : nil }.map { ($0.id, $0.value) }
  }

  /// Items read bucket by bucket, in id order; where an id was read twice (a record misplaced
  /// in a damaged file), the item read last.
  static func inIDOrder<T>(_ items: [(id: RecordID, value: T)]) -> [(
    id: RecordID, value: T
  )] {
    let order = items.indices.sorted { a, b in
      items[a].id != items[b].id ? items[a].id < items[b].id : a < b
    }
    var result: [(id: RecordID, value: T)] = []
    result.reserveCapacity(order.count)
    for (position, index) in order.enumerated() {
      if position + 1 < order.count && items[order[position + 1]].id == items[index].id {
        continue
      }
      result.append(items[index])
    }
    return result
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
  func listing(_ collection: String) throws(StoreError) -> [String: [String]] {
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
  func loadBucket(_ collection: String, _ name: String) throws(StoreError) -> Bucket {
    var attempt = 0
    while true {
      do {
        return try readBucket(collection, name)
      } catch let error where error.code == .notFound {
        // Only a reader gets here: a file vanished between the listing and the read.
        guard attempt < 3 else {
          throw StoreError(.corrupt, error.message, hint: RecordFile.verifyHint, remedy: .verify)
        }
        attempt += 1
        listings[collection] = nil
      }
    }
  }

  func readBucket(_ collection: String, _ name: String) throws(StoreError) -> Bucket {
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
        hint: Self.restoreHint, remedy: .verify)
    }
    return bucket
  }
}
