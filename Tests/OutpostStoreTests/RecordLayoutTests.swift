import Foundation
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Testing

/// SPEC.md §4.3–§4.4: buckets as a base plus deltas, tidying, and what readers, writers and
/// `verify` make of files an interrupted write or compaction leaves.
struct RecordLayoutTests {
  let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00+08:00" }
  let office = ReplicaID(unchecked: "north")

  func put(_ id: String, amount: String) throws -> RecordChange {
    .put(
      collection: "orders", id: try RecordID(id),
      fields: [
        "office_id": .string("north"), "customer_id": .string("c-1"), "channel_id": .string("sem"),
        "order_date": .string("2025-02-01"), "quantity": .number(JSONNumber(integer: 1)),
        "amount": .string(amount), "status": .string("confirmed"),
      ])
  }

  /// The record files of `orders`, by bucket.
  func files(
    _ path: String, _ fileSystem: any FileSystem = PosixFileSystem()
  ) throws -> [String: [String]] {
    let names = try fileSystem.list(path + "/records/orders")
    return Dictionary(grouping: names.sorted()) { String($0.prefix(2)) }
  }

  /// The live amount of every order, read from a fresh reader.
  func amounts(
    _ path: String, _ fileSystem: any FileSystem = PosixFileSystem()
  ) throws -> [String: String] {
    let reader = try RepositoryReader.open(at: path, fileSystem: fileSystem, now: now)
    var result: [String: String] = [:]
    for (id, state) in try reader.states("orders") where !state.isDeleted {
      result[id.rawValue] = state.value("amount")?.stringValue
    }
    return result
  }

  @Test("random commits read back like a dictionary, and every bucket keeps few deltas")
  func randomCommitsMatchAModel() throws {
    let seed = testSeed(0x1A70_0001)
    var random = SplitMix64(seed: seed)
    // In memory: what is tested is the layout, and a commit on the disk costs its syncs.
    let fileSystem = MemoryFileSystem()
    let path = "/repo"
    var repository = try RepositoryWriter.create(
      at: path, replica: office, role: .branch, fileSystem: fileSystem, now: now)
    var model: [String: String] = [:]
    for step in 0..<120 {
      // Batches from 1 to 60 changes over 150 ids: most buckets are touched again and again.
      var batch: [RecordChange] = []
      var touched: Set<String> = []
      for _ in 0..<(1 + Int(random.next() % 60)) {
        let id = "o-\(random.next() % 150)"
        guard touched.insert(id).inserted else { continue }
        if model[id] != nil && random.next() % 5 == 0 {
          batch.append(.delete(collection: "orders", id: try RecordID(id)))
          model[id] = nil
        } else {
          let amount = "\(random.next() % 1000).\(10 + random.next() % 90)"
          batch.append(try put(id, amount: amount))
          model[id] = amount
        }
      }
      _ = try repository.commit(batch, command: "step \(step)")
      if random.next() % 4 == 0 {
        // A new process: nothing cached.
        repository.close()
        repository = try RepositoryWriter.open(at: path, fileSystem: fileSystem, now: now)
      }
      if step % 10 == 9 {
        #expect(try amounts(path, fileSystem) == model, "seed \(seed), step \(step)")
      }
    }
    repository.close()
    #expect(try amounts(path, fileSystem) == model, "seed \(seed)")
    let report = try RepositoryReader.open(at: path, fileSystem: fileSystem, now: now).verify()
    #expect(report.isClean, "seed \(seed): \(report.problems)")
    for (bucket, names) in try files(path, fileSystem) {
      #expect(names.contains("\(bucket).json"), "seed \(seed): bucket \(bucket) has no base")
      #expect(names.count <= 8, "seed \(seed): bucket \(bucket) has \(names)")
    }
  }

  @Test("200 one-record commits to one bucket leave O(log n) deltas")
  func deltasStayFew() throws {
    let fileSystem = MemoryFileSystem()
    let path = "/repo"
    let repository = try RepositoryWriter.create(
      at: path, replica: office, role: .branch, fileSystem: fileSystem, now: now)
    _ = try repository.commit(
      try (0..<50).map { try put("o-\($0)", amount: "1.00") }, command: "seed")
    var most = 0
    for step in 0..<200 {
      _ = try repository.commit([try put("o-7", amount: "\(step + 2).00")], command: "edit")
      most = max(most, try files(path, fileSystem).values.map(\.count).max() ?? 0)
    }
    repository.close()
    #expect(most <= 10, "a bucket had \(most) files")
    #expect(try amounts(path, fileSystem)["o-7"] == "201.00")
    #expect(try RepositoryReader.open(at: path, fileSystem: fileSystem, now: now).verify().isClean)
  }

  @Test("a delta past the checkpoint is ignored by readers, noted by verify, removed by a writer")
  func deltaPastTheCheckpoint() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let repository = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    _ = try repository.commit([try put("o-1", amount: "1.00")], command: "one")
    repository.close()
    let (bucket, names) = try #require(try files(path).first)
    let base = try String(contentsOfFile: "\(path)/records/orders/\(names[0])", encoding: .utf8)
    // What a write that died before its state.json leaves: a delta of a later transaction.
    let orphan = "\(path)/records/orders/\(bucket).9.json"
    try base.replacingOccurrences(of: #""at_txn":1,"#, with: #""at_txn":9,"#)
      .replacingOccurrences(of: "1.00", with: "666.00")
      .write(toFile: orphan, atomically: false, encoding: .utf8)
    #expect(try amounts(path) == ["o-1": "1.00"])
    let report = try RepositoryReader.open(at: path, now: now).verify()
    #expect(report.isClean, "\(report.problems)")
    #expect(report.notes.contains { $0.contains("\(bucket).9.json") && $0.contains("past") })
    let writer = try RepositoryWriter.open(at: path, now: now)
    #expect(writer.notices.contains { $0.contains("\(bucket).9.json") })
    writer.close()
    #expect(!FileManager.default.fileExists(atPath: orphan))
  }

  @Test("a delta already in the base (an interrupted compaction) reads the same and is removed")
  func deltaAlreadyInTheBase() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let repository = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    _ = try repository.commit([try put("o-1", amount: "1.00")], command: "one")
    _ = try repository.commit([try put("o-1", amount: "2.00")], command: "two")
    repository.close()
    let (bucket, names) = try #require(try files(path).first)
    #expect(names == ["\(bucket).json"], "a delta as large as the base is folded in")
    let base = try String(contentsOfFile: "\(path)/records/orders/\(bucket).json", encoding: .utf8)
    let prefix = #"{"at_txn":"#
    try #require(base.hasPrefix(prefix))
    let txn = try #require(Int(base.dropFirst(prefix.count).prefix { $0.isNumber }))
    #expect(
      base.hasPrefix(#"{"at_txn":\#(txn),"collection":"orders","format":"outpost-records/2""#))
    // Put back the delta of the transaction before, as if its removal had been lost in a crash.
    let stale = "\(path)/records/orders/\(bucket).\(txn - 1).json"
    try base.replacingOccurrences(of: #""at_txn":\#(txn),"#, with: #""at_txn":\#(txn - 1),"#)
      .replacingOccurrences(of: "2.00", with: "1.00")
      .write(toFile: stale, atomically: false, encoding: .utf8)
    #expect(try amounts(path) == ["o-1": "2.00"])
    let report = try RepositoryReader.open(at: path, now: now).verify()
    #expect(report.isClean, "\(report.problems)")
    #expect(
      report.notes.contains { $0.contains("\(bucket).\(txn - 1).json") && $0.contains("base") })
    let writer = try RepositoryWriter.open(at: path, now: now)
    _ = try writer.commit([try put("o-1", amount: "3.00")], command: "three")
    writer.close()
    #expect(!FileManager.default.fileExists(atPath: stale))
    #expect(try amounts(path) == ["o-1": "3.00"])
  }

  @Test("a record copied into another bucket's file (damage) is refused, naming the bucket")
  func recordInTwoBuckets() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let repository = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    _ = try repository.commit([try put("o-1", amount: "1.00")], command: "one")
    let home = try #require(try files(path).keys.first)
    _ = try repository.commit(
      try ["o-2", "o-3"].map { try put($0, amount: "1.00") }, command: "two")
    repository.close()
    let base = try String(contentsOfFile: "\(path)/records/orders/\(home).json", encoding: .utf8)
    let line = try #require(base.components(separatedBy: "\n").first { $0.hasPrefix(#""o-1":"#) })
    let copy =
      #"{"at_txn":1,"collection":"orders","format":"outpost-records/2","records":{"#
      + "\n"
      + (line.hasSuffix(",") ? String(line.dropLast()) : line)
      .replacingOccurrences(of: "1.00", with: "666.00") + "\n}}\n"
    for other in ["00", "ff"] where other != home {
      let file = "\(path)/records/orders/\(other).json"
      let existing = try? String(contentsOfFile: file, encoding: .utf8)
      try copy.write(toFile: file, atomically: false, encoding: .utf8)
      // SPEC.md §4.4: the bucket no longer holds what state.json's digest says.
      do {
        _ = try amounts(path)
        Issue.record("a damaged bucket \(other) was read as data")
      } catch let error as StoreError {
        #expect(error.code == .corrupt && error.message.contains("bucket \(other)"), "\(error)")
      }
      if let existing {
        try existing.write(toFile: file, atomically: false, encoding: .utf8)
      } else {
        try FileManager.default.removeItem(atPath: file)
      }
      #expect(try amounts(path) == ["o-1": "1.00", "o-2": "1.00", "o-3": "1.00"])
    }
  }

  @Test("verify names file and line of a record out of order or hand-edited")
  func verifyNamesLines() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let repository = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    _ = try repository.commit(
      try (0..<300).map { try put("o-\($0)", amount: "1.00") }, command: "seed")
    repository.close()
    // The first bucket (in name order) with at least three records: 300 ids give about 1.2 per
    // bucket, and the file names are deterministic.
    let bucket = try #require(
      try files(path).keys.sorted().first { name in
        let text = try String(
          contentsOfFile: "\(path)/records/orders/\(name).json", encoding: .utf8)
        return text.components(separatedBy: "\n").count >= 6
      })
    let file = "\(path)/records/orders/\(bucket).json"
    var lines = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\n")
    // Swap two records (keeping the commas where they belong): out of order at line 3.
    let second = String(lines[1].dropLast())
    let third = String(lines[2].dropLast())
    lines[1] = third + ","
    lines[2] = second + ","
    try lines.joined(separator: "\n").write(toFile: file, atomically: false, encoding: .utf8)
    let report = try RepositoryReader.open(at: path, now: now).verify()
    #expect(
      report.problems.contains { $0.contains("records/orders/\(bucket).json, line 3") },
      "\(report.problems)")
    // A hand edit that keeps the JSON valid but not canonical.
    lines[1] = second.replacingOccurrences(of: ":", with: ": ") + ","
    lines[2] = third + ","
    try lines.joined(separator: "\n").write(toFile: file, atomically: false, encoding: .utf8)
    let edited = try RepositoryReader.open(at: path, now: now).verify()
    #expect(
      edited.problems.contains { $0.contains("\(bucket).json, line 2") },
      "\(edited.problems)")
  }
}
