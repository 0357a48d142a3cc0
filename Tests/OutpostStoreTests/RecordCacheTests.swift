import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Testing

/// A cache of every record's state digest, one part per collection.
///
/// It is kept by taking out each changed record's old digest and adding its new one, in the
/// parts of the collections a commit changes: if a commit handed the cache a wrong old state, or
/// the writer lost a part it did not rewrite, the kept cache would differ from one rebuilt from
/// the records. Used by these tests and the convergence simulation.
struct StateDigestCache: RecordCache {
  var name: String { "state-digests" }

  static func line(_ id: RecordID, _ state: RecordState) -> String {
    "\(id.rawValue) \(SHA256.hash(state.canonicalBytes).hex)"
  }

  static func part(_ collection: String) -> String { "c." + collection }

  static func encode(_ lines: [String: Int]) -> [UInt8] {
    let text = lines.keys.sorted().flatMap { Array(repeating: $0, count: lines[$0]!) }
    return Array(text.joined(separator: "\n").utf8)
  }

  static func decode(_ bytes: [UInt8]) -> [String: Int] {
    var lines: [String: Int] = [:]
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
      lines[String(line), default: 0] += 1
    }
    return lines
  }

  func updated(
    _ previous: CacheParts?, changes: [RecordCacheChange], repository: RepositoryReader
  ) -> CacheUpdate? {
    var parts: [String: [String: Int]] = [:]
    if let previous {
      for collection in Set(changes.map(\.collection)) {
        let name = Self.part(collection)
        guard previous.names.contains(name) else { continue }
        guard let bytes = previous.part(name) else { return nil }
        parts[collection] = Self.decode(bytes)
      }
    } else {
      for schema in repository.collections {
        guard let states = try? repository.states(schema.name) else { return nil }
        for (id, state) in states {
          parts[schema.name, default: [:]][Self.line(id, state), default: 0] += 1
        }
      }
    }
    for change in changes {
      if let old = change.old {
        let line = Self.line(change.id, old)
        // A wrong old state: the line is not there; the cache says so by a line of its own.
        guard let count = parts[change.collection]?[line] else {
          parts[change.collection, default: [:]]["missing \(line)", default: 0] += 1
          continue
        }
        parts[change.collection]![line] = count == 1 ? nil : count - 1
      }
      // A record removed (collected or set aside) has no state left to list.
      guard change.new != .collected else { continue }
      parts[change.collection, default: [:]][Self.line(change.id, change.new), default: 0] += 1
    }
    var written: [String: [UInt8]] = [:]
    var removed: Set<String> = []
    for (collection, lines) in parts {
      if lines.isEmpty {
        removed.insert(Self.part(collection))
      } else {
        written[Self.part(collection)] = Self.encode(lines)
      }
    }
    return previous == nil ? .rebuilt(written) : .changed(written, removed: removed)
  }
}

/// SPEC.md §4.5: caches a writer keeps in step with its commits, stamped with the checkpoint.
struct RecordCacheTests {
  let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00+08:00" }
  let cache = StateDigestCache()

  func order(_ n: Int, _ amount: Int) -> RecordChange {
    .put(
      collection: "orders", id: RecordID(unchecked: "north-or-\(n)"),
      fields: [
        "office_id": .string("north"), "customer_id": .string("c-\(n)"),
        "channel_id": .string("sem"), "order_date": .string("2025-02-01"),
        "quantity": .number(JSONNumber(integer: 1)), "amount": .string("\(amount).00"),
        "status": .string("confirmed"),
      ])
  }

  func customer(_ n: Int) -> RecordChange {
    .put(
      collection: "customers", id: RecordID(unchecked: "north-cu-\(n)"),
      fields: [
        "office_id": .string("north"), "acquired_date": .string("2025-02-01"),
        "acquisition_channel_id": .string("sem"), "kind": .string("individual"),
      ])
  }

  func make() throws -> (MemoryFileSystem, RepositoryWriter) {
    let disk = MemoryFileSystem()
    let writer = try RepositoryWriter.create(
      at: "/r", replica: ReplicaID(unchecked: "north"), role: .branch, fileSystem: disk, now: now)
    writer.caches = [cache]
    return (disk, writer)
  }

  @Test("seeded: a kept cache equals one rebuilt from the records after every commit")
  func keptInStep() throws {
    let seed = testSeed(20_261_207)
    var random = SplitMix64(seed: seed)
    let (disk, writer) = try make()
    for _ in 0..<40 {
      var changes: [RecordChange] = []
      for _ in 0..<(1 + random.next(5)) {
        let n = random.next(12)
        if random.next(4) == 0 {
          if try writer.state("orders", RecordID(unchecked: "north-or-\(n)")) != nil {
            changes.append(.delete(collection: "orders", id: RecordID(unchecked: "north-or-\(n)")))
          }
        } else {
          changes.append(order(n, random.next(50)))
        }
      }
      _ = try writer.commit(changes, command: "test")
      let reader = try RepositoryReader.open(at: "/r", fileSystem: disk, now: now)
      let stored = try #require(
        cacheContents(reader.cache(cache.name)), "the cache is in step after a commit")
      #expect(stored == cache.updated(nil, changes: [], repository: reader)?.written)
      #expect(!stored.values.contains { String(decoding: $0, as: UTF8.self).contains("missing") })
      #expect(reader.verifyCaches([cache]).isClean && reader.verifyCaches([cache]).notes.isEmpty)
      reader.close()
    }
    writer.close()
  }

  @Test("a commit by a writer without the cache leaves it out of step: unused, not wrong")
  func outOfStep() throws {
    let (disk, writer) = try make()
    _ = try writer.commit([order(1, 10)], command: "test")
    writer.close()
    let plain = try RepositoryWriter.open(at: "/r", fileSystem: disk, now: now)
    _ = try plain.commit([order(1, 20)], command: "test")
    #expect(plain.cache(cache.name) == nil)
    #expect(plain.verifyCaches([cache]).isClean && plain.verifyCaches([cache]).notes.isEmpty)
    plain.close()
    // The next commit with the cache installed rebuilds it.
    let again = try RepositoryWriter.open(at: "/r", fileSystem: disk, now: now)
    again.caches = [cache]
    _ = try again.commit([order(2, 5)], command: "test")
    let stored = try #require(cacheContents(again.cache(cache.name)))
    #expect(stored == cache.updated(nil, changes: [], repository: again)?.written)
    again.close()
  }

  @Test("a reader that takes in transactions committed past the checkpoint does not use the cache")
  func committedPastCheckpoint() throws {
    let (disk, writer) = try make()
    _ = try writer.commit([order(1, 10)], command: "test")
    let state = try disk.readFile("/r/state.json")
    let manifest = try disk.readFile("/r/cache/state-digests/manifest")
    _ = try writer.commit([order(1, 20)], command: "test")
    writer.close()
    // As if the second write had been interrupted after its journal commit: state.json and the
    // cache are still the first's, in step with each other.
    try disk.writeFile("/r/state.json", state)
    try disk.writeFile("/r/cache/state-digests/manifest", manifest)
    let reader = try RepositoryReader.open(at: "/r", fileSystem: disk, now: now)
    #expect(
      try reader.state("orders", RecordID(unchecked: "north-or-1"))?.value("amount")
        == .string("20.00"))
    #expect(reader.cache(cache.name) == nil)
    #expect(reader.verifyCaches([cache]).isClean)
    reader.close()
  }

  @Test("a damaged cache is not used and verify names it")
  func damaged() throws {
    let (disk, writer) = try make()
    _ = try writer.commit([order(1, 10), order(2, 20)], command: "test")
    writer.close()
    var bytes = try disk.readFile("/r/cache/state-digests/c.orders")
    bytes[bytes.count - 3] ^= 0x01
    try disk.writeFile("/r/cache/state-digests/c.orders", bytes)
    let reader = try RepositoryReader.open(at: "/r", fileSystem: disk, now: now)
    #expect(cacheContents(reader.cache(cache.name)) == nil)
    let report = reader.verifyCaches([cache])
    #expect(report.problems.isEmpty && report.notes.count == 1)
    #expect(report.notes.first?.contains("cache/state-digests is damaged") == true)
    reader.close()
  }

  @Test("a cache whose content is wrong but whose digest matches is found by verify")
  func wrongContent() throws {
    let (disk, writer) = try make()
    _ = try writer.commit([order(1, 10)], command: "test")
    #expect(writer.cache(cache.name)?.names == ["c.orders"])
    writer.close()
    // Re-stamp different content for the same checkpoint, as a careless tool might.
    let content = Array("north-or-9 00".utf8)
    try restampCachePart(
      disk, directory: "/r/cache/state-digests", part: "c.orders", content: content)
    let reader = try RepositoryReader.open(at: "/r", fileSystem: disk, now: now)
    #expect(reader.cache(cache.name)?.part("c.orders") == content)
    let report = reader.verifyCaches([cache])
    #expect(report.problems.count == 1)
    #expect(report.problems.first?.contains("differs from the records") == true)
    reader.close()
  }

  @Test("a refused commit leaves the cache as it was")
  func refusedCommit() throws {
    let (disk, writer) = try make()
    _ = try writer.commit([order(1, 10)], command: "test")
    let before = try disk.readFile("/r/cache/state-digests/manifest")
    let part = try disk.readFile("/r/cache/state-digests/c.orders")
    #expect(throws: StoreError.self) {
      try writer.commit(
        [order(2, 10), .delete(collection: "orders", id: RecordID(unchecked: "nobody"))],
        command: "test")
    }
    #expect(try disk.readFile("/r/cache/state-digests/manifest") == before)
    #expect(cacheContents(writer.cache(cache.name)) == ["c.orders": part])
    writer.close()
  }

  @Test("a commit rewrites only the parts it changes; the others keep their files")
  func onlyChangedParts() throws {
    let (disk, writer) = try make()
    _ = try writer.commit([order(1, 10), customer(1)], command: "test")
    #expect(writer.cache(cache.name)?.names == ["c.customers", "c.orders"])
    // Plant other content in the orders part, with a manifest that matches it: a commit that
    // rewrote the part would put the right content back.
    let planted = Array("north-or-1 planted".utf8)
    try restampCachePart(
      disk, directory: "/r/cache/state-digests", part: "c.orders", content: planted)
    _ = try writer.commit([customer(2)], command: "test")
    let reader = try RepositoryReader.open(at: "/r", fileSystem: disk, now: now)
    let parts = try #require(reader.cache(cache.name), "in step after the second commit")
    #expect(parts.part("c.orders") == planted)
    #expect(
      parts.part("c.customers")
        == cache.updated(nil, changes: [], repository: reader)?.written["c.customers"])
    #expect(reader.verifyCaches([cache]).problems.count == 1)
    reader.close()
    writer.close()
  }

  @Test("an earlier build's single-file cache is replaced by the directory at the next commit")
  func singleFileCache() throws {
    let (disk, writer) = try make()
    writer.caches = []
    _ = try writer.commit([order(1, 10)], command: "test")
    writer.close()
    try disk.makeDirectory("/r/cache")
    try disk.writeFile("/r/cache/state-digests", Array("{\"format\":\"outpost-cache/1\"}\n".utf8))
    let again = try RepositoryWriter.open(at: "/r", fileSystem: disk, now: now)
    again.caches = [cache]
    #expect(again.cache(cache.name) == nil)
    _ = try again.commit([order(2, 20)], command: "test")
    let stored = try #require(cacheContents(again.cache(cache.name)))
    #expect(stored == cache.updated(nil, changes: [], repository: again)?.written)
    again.close()
  }
}
