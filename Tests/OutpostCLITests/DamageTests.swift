import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostCrypto
import OutpostTestRandom
import OutpostTestSupport
import Testing

/// A damaged repository is never read as data (SPEC.md §4.1, §4.4).
///
/// Every command either refuses it (65, naming the file) with the repository byte-identical, or reads exactly what was
/// committed. Never a crash, never exit 0 with wrong data.
@Suite(.serialized)
struct DamageTests {
  /// A branch with a few committed orders, and what `export` printed before any damage.
  struct Fixture {
    let temp = TemporaryDirectory()
    var repository: String { temp.file("north") }
    var pristine = ""

    init() {
      let setUp: [[String]] = [
        ["init", "--office", "hq", "--head", "--repo", "hq"],
        ["office", "add", "north", "--key-out", "north.key", "--repo", "hq"],
        ["init", "--office", "north", "--key", "north.key", "--repo", "north"],
      ]
      for arguments in setUp { _ = outpost(arguments, in: temp.path) }
      for n in 1...6 {
        _ = outpost(
          [
            "put", "orders", "o-\(n)", "customer_id=c-\(n)", "channel_id=sem",
            "order_date=2025-03-0\(n)", "quantity=\(n)", "amount=\(n)0.00", "status=confirmed",
            "--repo", "north",
          ], in: temp.path)
      }
      _ = outpost(["delete", "orders", "o-6", "--repo", "north"], in: temp.path)
      pristine =
        outpost(["export", "orders", "--format", "ndjson", "--repo", "north"], in: temp.path)
        .output
    }

    func run(_ arguments: [String]) -> RunResult {
      outpost(arguments + ["--repo", "north"], in: temp.path)
    }
  }

  static func read(_ path: String) -> [UInt8] {
    Array((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
  }

  static func write(_ path: String, _ bytes: [UInt8]) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
  }

  /// The commands run against every damaged copy: readers, verify, and a writer.
  static let commands: [[String]] = [
    ["export", "orders", "--format", "ndjson"], ["status"], ["verify"],
    ["put", "orders", "o-1", "quantity=9"],
  ]

  /// Runs every command against the damaged repository: each must refuse with 65 and leave it
  /// byte-identical, or (export) print exactly the pristine records.
  func expectRefusedOrExact(_ fixture: Fixture, _ what: String) {
    let before = treeDigest(fixture.repository)
    for command in Self.commands {
      let result = fixture.run(command)
      let name = "\(what): \(command.joined(separator: " "))"
      if result.status == 0 && command[0] == "export" {
        #expect(result.output == fixture.pristine, "\(name) printed other records")
      } else {
        #expect(result.status == 65, "\(name): exit \(result.status)\n\(result.errors)")
      }
      #expect(treeDigest(fixture.repository) == before, "\(name) changed the repository")
    }
  }

  @Test("every single-bit flip of state.json is refused by readers, verify and writers (65)")
  func stateFileBitFlips() {
    let fixture = Fixture()
    let file = fixture.repository + "/state.json"
    let original = Self.read(file)
    // 40 seeded flips keep the run short; OUTPOST_DAMAGE_ALL=1 flips every bit of every byte.
    let seed = testSeed(0x57A7_E000)
    var random = SplitMix64(seed: seed)
    let all = ProcessInfo.processInfo.environment["OUTPOST_DAMAGE_ALL"] == "1"
    let flips =
      all
      ? original.indices.flatMap { offset in (0..<8).map { (offset, $0) } }
      : (0..<40).map { _ in
        (Int(random.next() % UInt64(original.count)), Int(random.next() % 8))
      }
    print("DamageTests: seed \(seed), \(flips.count) flips of state.json")
    for (offset, bit) in flips {
      do {
        var damaged = original
        damaged[offset] ^= UInt8(1 << bit)
        Self.write(file, damaged)
        expectRefusedOrExact(fixture, "seed \(seed), state.json byte \(offset) bit \(bit)")
      }
    }
    Self.write(file, original)
    #expect(fixture.run(["verify"]).status == 0)
  }

  /// Rewrites state.json through `edit` with a valid checksum, as a person editing it would.
  func rewriteState(_ fixture: Fixture, _ edit: (inout [String: JSONValue]) -> Void) throws {
    let file = fixture.repository + "/state.json"
    guard case .object(let object) = try JSONParser.parse(Self.read(file)) else {
      Issue.record("state.json is not an object")
      return
    }
    var members: [String: JSONValue] = [:]
    for (key, value) in object where key != "sha256" { members[key] = value }
    edit(&members)
    let body = JSONValue.object(JSONObject(uncheckedPairs: members.map { ($0.key, $0.value) }))
    let digest = SHA256.hash(JSONWriter.canonicalBytes(body)).hex
    members["sha256"] = .string(digest)
    Self.write(
      file,
      JSONWriter.prettyBytes(
        .object(JSONObject(uncheckedPairs: members.map { ($0.key, $0.value) }))))
  }

  /// Puts back the undamaged repository saved in `saved`.
  static func restore(_ fixture: Fixture, from saved: String) {
    try? FileManager.default.removeItem(atPath: fixture.repository)
    try? FileManager.default.copyItem(atPath: saved, toPath: fixture.repository)
  }

  /// One damaged copy: readers print exactly the committed records or refuse (65); when the
  /// damage changed what they would read, every command refuses and changes nothing.
  func expectNoWrongData(_ fixture: Fixture, _ what: String, id: String) {
    let before = treeDigest(fixture.repository)
    let export = fixture.run(["export", "orders", "--format", "ndjson"])
    let harmless = export.status == 0
    if harmless {
      #expect(export.output == fixture.pristine, "\(what): export printed other records")
    } else {
      #expect(export.status == 65, "\(what): export exit \(export.status): \(export.errors)")
      #expect(export.errors.contains("records/"), "\(what): \(export.errors)")
    }
    // status reads no record file (its counts are state.json's, SPEC.md §4.1), so damage
    // there changes nothing it prints.
    let status = fixture.run(["status"])
    #expect(status.status == 0, "\(what): status exit \(status.status): \(status.errors)")
    #expect(treeDigest(fixture.repository) == before, "\(what): status changed the repository")
    let commands = [
      ["get", "orders", id], ["verify"], ["submit", "--out", "damaged.bundle"],
      ["put", "orders", id, "quantity=9"],
    ]
    for command in commands {
      let result = fixture.run(command)
      let name = "\(what): \(command.joined(separator: " "))"
      #expect(result.status == 0 || result.status == 65, "\(name): exit \(result.status)")
      if !harmless {
        #expect(result.status == 65, "\(name) read damaged data: \(result.output)")
        #expect(treeDigest(fixture.repository) == before, "\(name) changed the repository")
      }
    }
  }

  @Test("damaged, truncated or missing record files are refused (65) or read exactly, never wrong")
  func recordFileDamage() throws {
    let fixture = Fixture()
    let saved = fixture.temp.file("saved")
    try FileManager.default.copyItem(atPath: fixture.repository, toPath: saved)
    let folder = fixture.repository + "/records/orders"
    let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    #expect(!names.isEmpty)
    let seed = testSeed(0xDA4A_9E00)
    var random = SplitMix64(seed: seed)
    print("DamageTests: seed \(seed), \(names.count) record files")
    for name in names {
      let file = folder + "/" + name
      let original = Self.read(file)
      // A record of this bucket, for the commands that read one bucket only.
      let text = String(decoding: original, as: UTF8.self)
      let id =
        text.split(separator: "\n").dropFirst().first { $0.hasPrefix("\"o-") }
        .map { String($0.dropFirst().prefix { $0 != "\"" }) } ?? "o-1"
      for _ in 0..<6 {
        let offset = Int(random.next() % UInt64(original.count))
        let bit = Int(random.next() % 8)
        Self.restore(fixture, from: saved)
        var damaged = original
        damaged[offset] ^= UInt8(1 << bit)
        Self.write(file, damaged)
        expectNoWrongData(fixture, "seed \(seed), \(name) byte \(offset) bit \(bit)", id: id)
      }
      Self.restore(fixture, from: saved)
      let cut = Int(random.next() % UInt64(original.count))
      Self.write(file, Array(original.prefix(cut)))
      expectNoWrongData(fixture, "\(name) truncated to \(cut) bytes", id: id)
      Self.restore(fixture, from: saved)
      try FileManager.default.removeItem(atPath: file)
      expectNoWrongData(fixture, "\(name) removed", id: id)
      // Unless the other files of its bucket still hold every record it held (a base whose one
      // record a later delta holds whole), verify names the bucket.
      if fixture.run(["export", "orders"]).status != 0 {
        let verify = fixture.run(["verify"])
        let bucket = "records/orders/" + name.prefix(2)
        #expect(verify.status == 65 && verify.output.contains(bucket), "verify names \(bucket)")
      }
    }
    Self.restore(fixture, from: saved)
    #expect(fixture.run(["verify"]).status == 0)
  }

  @Test("a lowered or renamed clock entry with a valid checksum is refused, never reuses a dot")
  func clockEditedByHand() throws {
    for edit in ["lowered", "renamed", "sequence", "transaction"] {
      let fixture = Fixture()
      try rewriteState(fixture) { members in
        guard case .object(let clock)? = members["clock"],
          case .object(let journal)? = members["journal"]
        else { return }
        var entries = Dictionary(uniqueKeysWithValues: clock.map { ($0.key, $0.value) })
        var position = Dictionary(uniqueKeysWithValues: journal.map { ($0.key, $0.value) })
        switch edit {
        case "lowered": entries["north"] = .number(JSONNumber(integer: 2))
        case "renamed": entries["nortg"] = entries.removeValue(forKey: "north")
        case "sequence":
          position["seq"] = .number(JSONNumber(integer: Int64(position["seq"]!.uint64Value! + 1)))
        default:
          position["txn"] = .number(JSONNumber(integer: Int64(position["txn"]!.uint64Value! - 1)))
        }
        members["clock"] = .object(
          JSONObject(uncheckedPairs: entries.map { ($0.key, $0.value) }))
        members["journal"] = .object(
          JSONObject(uncheckedPairs: position.map { ($0.key, $0.value) }))
      }
      expectRefusedOrExact(fixture, "clock \(edit)")
      let refused = fixture.run(["put", "orders", "o-1", "quantity=9"])
      #expect(refused.errors.contains("state.json"), "\(edit): \(refused.errors)")
    }
  }

  /// Rewrites the repository as the earlier format left it: commits without `clock` (the
  /// journal re-chained), `state.json` of `outpost-state/1` without checksum or digests, and no
  /// `readers` file.
  func makeLegacy(_ fixture: Fixture) throws {
    let journal = fixture.repository + "/journal/0000000001.jsonl"
    var previous = String(repeating: "0", count: 64)
    var out: [UInt8] = []
    var position: [String: JSONValue] = [:]
    for line in Self.read(journal).split(separator: 10) {
      guard case .object(let framed) = try JSONParser.parse(Array(line)),
        case .object(let entry)? = framed["entry"]
      else { throw JSONError("not a journal line", offset: 0, line: 1, column: 1, path: "$") }
      var members = entry.map { ($0.key, $0.value) }.filter { $0.0 != "clock" && $0.0 != "prev" }
      members.append(("prev", .string(previous)))
      let bytes = JSONWriter.canonicalBytes(.object(JSONObject(uncheckedPairs: members)))
      previous = SHA256.hash(bytes).hex
      out += Array(#"{"entry":"#.utf8) + bytes + Array(#","sha256":""#.utf8)
      out += Array(previous.utf8) + Array(#""}"#.utf8) + [10]
      if entry["kind"] == .string("commit") {
        position = [
          "hash": .string(previous), "offset": .number(JSONNumber(integer: Int64(out.count))),
          "segment": .number(JSONNumber(integer: 1)), "seq": entry["seq"]!, "txn": entry["txn"]!,
        ]
      }
    }
    Self.write(journal, out)
    let state = try JSONParser.parse(Self.read(fixture.repository + "/state.json"))
    let legacy = JSONValue.object(
      JSONObject(uncheckedPairs: [
        ("clock", state["clock"]!), ("format", .string("outpost-state/1")),
        ("journal", .object(JSONObject(uncheckedPairs: position.map { ($0.key, $0.value) }))),
      ]))
    Self.write(fixture.repository + "/state.json", JSONWriter.prettyBytes(legacy))
    try FileManager.default.removeItem(atPath: fixture.repository + "/readers")
  }

  @Test("a repository of the earlier format is read as it is and upgraded by the next writer")
  func legacyStateFormat() throws {
    let fixture = Fixture()
    try makeLegacy(fixture)
    let state = fixture.repository + "/state.json"
    let legacy = Self.read(state)
    // Read without the reader lock and without digests, as that format was.
    #expect(fixture.run(["export", "orders", "--format", "ndjson"]).output == fixture.pristine)
    #expect(fixture.run(["verify"]).status == 0)
    // A /1 file with a member of the later format is refused: it must not switch checks off.
    var object = Dictionary(
      uniqueKeysWithValues: (try JSONParser.parse(legacy).objectValue!).map { ($0.key, $0.value) })
    object["buckets"] = .object(JSONObject(uncheckedPairs: []))
    Self.write(
      state,
      JSONWriter.prettyBytes(.object(JSONObject(uncheckedPairs: object.map { ($0.key, $0.value) })))
    )
    #expect(fixture.run(["export", "orders"]).status == 65)
    Self.write(state, legacy)
    // The next writer upgrades it.
    let put = fixture.run(["put", "orders", "o-1", "quantity=9"])
    #expect(put.status == 0 && put.errors.contains("upgraded"), "\(put.errors)")
    let upgraded = try JSONParser.parse(Self.read(state))
    #expect(upgraded["format"] == .string("outpost-state/3"))
    #expect(upgraded["sha256"] != nil && upgraded["buckets"]?.objectValue?.count == 1)
    #expect(FileManager.default.fileExists(atPath: fixture.repository + "/readers"))
    #expect(fixture.run(["verify"]).status == 0)
    #expect(fixture.run(["get", "orders", "o-1"]).output.contains("9"))
  }

  @Test("state.json turned back to the earlier format, or a missing readers file, is refused")
  func downgradeRefused() throws {
    let fixture = Fixture()
    let state = fixture.repository + "/state.json"
    let current = try JSONParser.parse(Self.read(state))
    let downgraded = JSONValue.object(
      JSONObject(uncheckedPairs: [
        ("clock", current["clock"]!), ("format", .string("outpost-state/1")),
        ("journal", current["journal"]!),
      ]))
    Self.write(state, JSONWriter.prettyBytes(downgraded))
    expectRefusedOrExact(fixture, "state.json turned back to outpost-state/1")
    Self.write(state, JSONWriter.prettyBytes(current))
    try FileManager.default.removeItem(atPath: fixture.repository + "/readers")
    let refused = fixture.run(["export", "orders"])
    #expect(refused.status == 65 && refused.errors.contains("readers"), "\(refused.errors)")
  }

}
