import Foundation
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Testing

/// SPEC.md §4.1: `state.json` keeps each collection's record counts and where the last
/// transaction begins, so `status` reads neither the records nor the journal.
struct StateCountsTests {
  let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00+08:00" }
  let office = ReplicaID(unchecked: "north")

  func put(_ collection: String, _ id: String, _ amount: Int) throws -> RecordChange {
    let fields: [String: JSONValue]
    switch collection {
    case "orders":
      fields = [
        "office_id": .string("north"), "customer_id": .string("c-\(amount)"),
        "channel_id": .string("sem"), "order_date": .string("2025-02-01"),
        "quantity": .number(JSONNumber(integer: 1)), "amount": .string("\(amount).00"),
        "status": .string("confirmed"),
      ]
    default:
      fields = [
        "office_id": .string("north"), "acquired_date": .string("2025-02-0\(amount)"),
        "acquisition_channel_id": .string("sem"), "kind": .string("individual"),
      ]
    }
    return .put(collection: collection, id: try RecordID(id), fields: fields)
  }

  /// Counts by reading every record: the model the stored counts are checked against.
  func counted(_ repository: RepositoryReader) throws -> [String: RecordCounts] {
    var result: [String: RecordCounts] = [:]
    for schema in repository.collections {
      var counts = RecordCounts()
      for (_, state) in try repository.states(schema.name) {
        if state.isDeleted { counts.deleted += 1 } else { counts.live += 1 }
        if state.isConflicted { counts.conflicted += 1 }
      }
      result[schema.name] = counts
    }
    return result
  }

  func stored(_ repository: RepositoryReader) throws -> [String: RecordCounts] {
    Dictionary(
      uniqueKeysWithValues: try repository.recordCounts().map { ($0.collection, $0.counts) })
  }

  @Test("seeded: after random puts and deletes the kept counts equal a count of every record")
  func randomCommits() throws {
    let seed = testSeed(0x5EED_C0DE)
    var random = SplitMix64(seed: seed)
    func int(_ range: ClosedRange<Int>) -> Int {
      range.lowerBound + Int(random.next() % UInt64(range.count))
    }
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let writer = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    var live: Set<String> = []
    for round in 0..<40 {
      var changes: [RecordChange] = []
      var touched: Set<String> = []
      for _ in 0..<int(1...12) {
        let collection = int(0...1) == 0 ? "orders" : "customers"
        let key = collection + "/" + "r-\(int(0...30))"
        guard touched.insert(key).inserted else { continue }
        let id = String(key.split(separator: "/")[1])
        if live.contains(key) && int(0...3) == 0 {
          changes.append(.delete(collection: collection, id: try RecordID(id)))
          live.remove(key)
        } else {
          changes.append(try put(collection, id, int(1...5)))
          live.insert(key)
        }
      }
      _ = try writer.commit(changes, command: "round \(round)", note: "n\(round)")
      #expect(try stored(writer) == counted(writer), "round \(round), seed \(seed)")
      let last = try #require(try writer.lastTransaction())
      #expect(last == (try writer.transactions().last), "round \(round)")
    }
    writer.close()
    let reader = try RepositoryReader.open(at: path, now: now)
    #expect(try stored(reader) == counted(reader))
    #expect(try reader.lastTransaction() == (try reader.transactions().last))
    #expect(reader.verify().isClean)
  }

  @Test("a reader counts the transactions committed past the checkpoint, and shows the newest")
  func pastCheckpoint() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let writer = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    _ = try writer.commit([try put("orders", "o-1", 1), try put("orders", "o-2", 2)], command: "a")
    // As if the writer stopped right after syncing the journal: state.json and the record files
    // are as they were after the first commit.
    let saved = temp.file("saved")
    try FileManager.default.copyItem(atPath: path, toPath: saved)
    _ = try writer.commit(
      [try put("orders", "o-3", 3), .delete(collection: "orders", id: try RecordID("o-1"))],
      command: "b", note: "the second")
    writer.close()
    for part in ["state.json", "records"] {
      try FileManager.default.removeItem(atPath: path + "/" + part)
      try FileManager.default.copyItem(atPath: saved + "/" + part, toPath: path + "/" + part)
    }
    let reader = try RepositoryReader.open(at: path, now: now)
    let counts = try #require(try stored(reader)["orders"])
    #expect(counts == RecordCounts(live: 2, deleted: 1, conflicted: 0))
    #expect(try stored(reader) == counted(reader))
    let last = try #require(try reader.lastTransaction())
    #expect(last.command == "b" && last.note == "the second" && last.changes == 2, "\(last)")
    #expect(last == (try reader.transactions().last))
  }

  @Test("counts edited with a valid checksum are a verify problem; a wrong checksum is refused")
  func tamperedCounts() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let writer = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    _ = try writer.commit([try put("orders", "o-1", 1), try put("orders", "o-2", 2)], command: "a")
    writer.close()
    let file = path + "/state.json"
    let original = try Array(Data(contentsOf: URL(fileURLWithPath: file)))
    guard case .object(let object) = try JSONParser.parse(original) else {
      Issue.record("state.json is not an object")
      return
    }
    var members = object.filter { $0.key != "sha256" }.map { ($0.key, $0.value) }
    for index in members.indices where members[index].0 == "counts" {
      members[index].1 = try JSONParser.parse(
        Array(#"{"orders":{"conflicted":0,"deleted":0,"live":3}}"#.utf8))
    }
    let digest = SHA256.hash(
      JSONWriter.canonicalBytes(.object(JSONObject(uncheckedPairs: members))))
    let forged = JSONWriter.prettyBytes(
      .object(JSONObject(uncheckedPairs: members + [("sha256", .string(digest.hex))])))
    try Data(forged).write(to: URL(fileURLWithPath: file))
    let reader = try RepositoryReader.open(at: path, now: now)
    #expect(try stored(reader)["orders"]?.live == 3, "the kept counts are what status shows")
    let report = reader.verify()
    #expect(report.problems.contains { $0.contains("counts 3 live") && $0.contains("'orders'") })
    reader.close()
    // The same edit without a new checksum is damage, refused before anything is read.
    var damaged = original
    let live = Array(#""live": 2"#.utf8)
    let at = try #require(
      damaged.indices.first { damaged[$0...].starts(with: live) }, "state.json has live: 2")
    damaged[at + live.count - 1] = UInt8(ascii: "5")
    try Data(damaged).write(to: URL(fileURLWithPath: file))
    #expect {
      try RepositoryReader.open(at: path, now: now)
    } throws: { error in
      (error as? StoreError)?.code == .corrupt
        && (error as? StoreError)?.message.contains("checksum mismatch") == true
    }
  }

  @Test("a begin offset that is not the transaction's begin is refused by status, named by verify")
  func wrongBegin() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let writer = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    _ = try writer.commit([try put("orders", "o-1", 1)], command: "a")
    _ = try writer.commit([try put("orders", "o-2", 2)], command: "b")
    writer.close()
    let file = path + "/state.json"
    guard
      case .object(let object) = try JSONParser.parse(
        Array(Data(contentsOf: URL(fileURLWithPath: file))))
    else { return }
    var members = object.filter { $0.key != "sha256" }.map { ($0.key, $0.value) }
    for index in members.indices where members[index].0 == "journal" {
      guard case .object(let journal) = members[index].1 else { continue }
      members[index].1 = .object(
        JSONObject(
          uncheckedPairs: journal.map {
            ($0.key, $0.key == "begin" ? .number(JSONNumber(integer: 0)) : $0.value)
          }))
    }
    let digest = SHA256.hash(
      JSONWriter.canonicalBytes(.object(JSONObject(uncheckedPairs: members))))
    try Data(
      JSONWriter.prettyBytes(
        .object(JSONObject(uncheckedPairs: members + [("sha256", .string(digest.hex))])))
    ).write(to: URL(fileURLWithPath: file))
    let reader = try RepositoryReader.open(at: path, now: now)
    #expect {
      try reader.lastTransaction()
    } throws: { error in
      (error as? StoreError)?.code == .corrupt
    }
    #expect(reader.verify().problems.contains { $0.contains("begins at offset") })
  }
}
