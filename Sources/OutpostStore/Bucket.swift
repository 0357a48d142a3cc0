import OutpostCodec
import OutpostModel
import OutpostSync

/// One bucket of a collection as read from its files (SPEC.md §4.4).
///
/// The base comes first, then the deltas in transaction order. The newest file that holds an id has its state; states are
/// decoded only when asked for, so a lookup costs a scan of the bucket's lines, not a parse.
struct Bucket: Sendable {
  let collection: String
  let name: String
  /// The files, base (if any) first, then deltas by transaction.
  private var files: [RecordFile.Scanned]
  /// Whether `files[0]` is the base.
  private var hasBase: Bool
  /// Delta files that are already part of the base (left by an interrupted compaction); a
  /// writer removes them.
  var staleFiles: [String]
  /// Where each id's newest state is.
  private var location: [RecordID: (file: Int, entry: Int)] = [:]
  /// Live ids by collision key, built when first needed.
  private var collisionKeys: [String: RecordID]?

  init(
    collection: String, name: String, base: RecordFile.Scanned?, deltas: [RecordFile.Scanned],
    staleFiles: [String] = []
  ) {
    self.collection = collection
    self.name = name
    self.files = (base.map { [$0] } ?? []) + deltas
    self.hasBase = base != nil
    self.staleFiles = staleFiles
    var count = 0
    for file in files { count += file.entries.count }
    location.reserveCapacity(count)
    for file in files.indices { indexFile(file) }
  }

  private mutating func indexFile(_ file: Int) {
    for (entry, record) in files[file].entries.enumerated() {
      location[record.id] = (file, entry)
    }
  }

  /// The hash (``BucketDigest/recordHash(_:_:)``) of the live state of `id`; nil when the bucket
  /// does not hold it or holds a collected marker.
  func liveHash(_ id: RecordID) -> [UInt8]? {
    guard let (file, entry) = location[id], !files[file].isCollectedMarker(entry) else {
      return nil
    }
    return BucketDigest.recordHash(id, files[file].bytes[files[file].entries[entry].state])
  }

  /// The digest of every live record (SPEC.md §4.4).
  var digest: BucketDigest {
    var digest = BucketDigest.empty
    for (id, place) in location where !files[place.file].isCollectedMarker(place.entry) {
      digest.toggle(
        BucketDigest.recordHash(
          id, files[place.file].bytes[files[place.file].entries[place.entry].state]))
    }
    return digest
  }

  /// The size in bytes of the base (0 without one).
  var baseBytes: Int { hasBase ? files[0].bytes.count : 0 }

  /// The deltas, oldest first.
  var deltas: ArraySlice<RecordFile.Scanned> { files[(hasBase ? 1 : 0)...] }

  /// The state of `id`, or nil if the bucket does not hold it (or holds a collected marker).
  func state(_ id: RecordID) throws(StoreError) -> RecordState? {
    guard let (file, entry) = location[id], !files[file].isCollectedMarker(entry) else {
      return nil
    }
    return try files[file].state(entry)
  }

  /// A live id other than `id` that collides with it by case.
  mutating func collision(with id: RecordID) -> RecordID? {
    if collisionKeys == nil {
      var keys: [String: RecordID] = [:]
      keys.reserveCapacity(location.count)
      for (other, (file, entry)) in location where !files[file].isCollectedMarker(entry) {
        keys[other.collisionKey] = other
      }
      collisionKeys = keys
    }
    guard let other = collisionKeys?[id.collisionKey], other != id else { return nil }
    return other
  }

  /// Every live record's state, sorted by id.
  func allStates() throws(StoreError) -> [(id: RecordID, state: RecordState)] {
    var result: [(id: RecordID, state: RecordState)] = []
    result.reserveCapacity(location.count)
    var decoder = RecordStateDecoder(limits: .repositoryFile)
    if files.count == 1 {
      // A single file holds the bucket, sorted by id already.
      for entry in files[0].entries.indices where !files[0].isCollectedMarker(entry) {
        result.append((files[0].entries[entry].id, try files[0].state(entry, decoder: &decoder)))
      }
      return result
    }
    for id in location.keys.sorted() {
      let (file, entry) = location[id]!
      guard !files[file].isCollectedMarker(entry) else { continue }
      result.append((id, try files[file].state(entry, decoder: &decoder)))
    }
    return result
  }

  /// Adds a delta just written.
  mutating func append(_ file: RecordFile.Scanned) {
    files.append(file)
    indexFile(files.count - 1)
    if collisionKeys != nil {
      for (entry, record) in file.entries.enumerated() {
        if file.isCollectedMarker(entry) {
          collisionKeys?[record.id.collisionKey] = nil
        } else {
          collisionKeys?[record.id.collisionKey] = record.id
        }
      }
    }
  }

  /// Whether any delta holds a collected marker.
  var deltasHoldMarkers: Bool {
    deltas.contains { file in file.entries.indices.contains { file.isCollectedMarker($0) } }
  }

  /// The bytes of a base holding every live record, current to `txn`.
  func compacted(txn: UInt64) -> [UInt8] {
    var states: [(RecordID, ArraySlice<UInt8>)] = []
    states.reserveCapacity(location.count)
    for id in location.keys.sorted() {
      let (file, entry) = location[id]!
      guard !files[file].isCollectedMarker(entry) else { continue }
      states.append((id, files[file].bytes[files[file].entries[entry].state]))
    }
    return RecordFile.assemble(collection: collection, txn: txn, states: states)
  }

  /// The bytes of one delta holding the last two deltas (the newer one's states win, markers
  /// kept), current to the newer one's transaction.
  func mergedLastTwo() -> [UInt8] {
    let older = files[files.count - 2]
    let newer = files[files.count - 1]
    var states: [(RecordID, ArraySlice<UInt8>)] = []
    states.reserveCapacity(older.entries.count + newer.entries.count)
    var i = 0
    var j = 0
    while i < older.entries.count || j < newer.entries.count {
      if j == newer.entries.count
        || (i < older.entries.count && older.entries[i].id < newer.entries[j].id)
      {
        states.append((older.entries[i].id, older.bytes[older.entries[i].state]))
        i += 1
      } else {
        if i < older.entries.count && older.entries[i].id == newer.entries[j].id { i += 1 }
        states.append((newer.entries[j].id, newer.bytes[newer.entries[j].state]))
        j += 1
      }
    }
    return RecordFile.assemble(collection: collection, txn: newer.txn, states: states)
  }

  /// Replaces the last two deltas with their merge.
  mutating func replaceLastTwo(with merged: RecordFile.Scanned) {
    precondition(deltas.count >= 2)
    files.removeLast(2)
    files.append(merged)
    indexFile(files.count - 1)
  }
}
