import Foundation
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport
import Testing

/// SPEC.md §4.2: journal entries are typed in memory, and their bytes on disk are exactly what
/// they were when they were written as member lists.
struct JournalFormatTests {
  let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00+08:00" }
  let hq = ReplicaID(unchecked: "hq")

  /// The repository's fixtures (Tests/OutpostStoreTests/ → the package root).
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures").path

  /// The lines of a file, without their newlines.
  func lines(_ path: String) throws -> [ArraySlice<UInt8>] {
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(bytes.last == 10, "\(path) ends a line")
    return bytes.split(separator: 10, omittingEmptySubsequences: false).dropLast()
  }

  /// A journal line as it was written before entries were typed: the members as a list, `seq`
  /// and `prev` appended, canonical JSON, framed with its SHA-256.
  func oldLine(_ members: [(String, JSONValue)], seq: Int, prev: String) -> (
    line: [UInt8], hash: String
  ) {
    let all =
      members + [("seq", .number(JSONNumber(integer: Int64(seq)))), ("prev", .string(prev))]
    let entry = JSONWriter.canonicalBytes(.object(JSONObject(uncheckedPairs: all)))
    let hash = SHA256.hash(entry).hex
    return (
      Array(#"{"entry":"#.utf8) + entry + Array(#","sha256":""#.utf8) + Array(hash.utf8)
        + Array(#""}"#.utf8), hash
    )
  }

  /// Decodes every line of a journal and encodes it again; returns the kinds of entry seen.
  func roundTrip(_ path: String) throws -> Set<String> {
    var kinds: Set<String> = []
    for (index, line) in try lines(path).enumerated() {
      let decoded = try JournalEntry.decode(framedLine: line, number: index + 1)
      kinds.insert("\(decoded.entry.kind)")
      let encoded = decoded.entry.framedLine(txn: decoded.txn, seq: decoded.seq, prev: decoded.prev)
      #expect(encoded.elementsEqual(line), "\(path) line \(index + 1)")
    }
    return kinds
  }

  @Test("every line of every fixture journal decodes and encodes back to the same bytes")
  func fixtureJournalsRoundTrip() throws {
    let journals = FileManager.default.enumerator(atPath: Self.fixtures)!.compactMap {
      ($0 as? String).flatMap { $0.hasSuffix(".jsonl") && $0.contains("journal/") ? $0 : nil }
    }.sorted()
    #expect(journals.count >= 5)
    var kinds: Set<String> = []
    for journal in journals { kinds.formUnion(try roundTrip(Self.fixtures + "/" + journal)) }
    // The scenarios' head offices are enrolled, not yet merged into; the format-1 repositories
    // of fixtures/upgrade hold records.
    #expect(kinds == ["begin", "document", "commit", "record"])
  }

  @Test("transactions journal the members they always did, in the same bytes")
  func writtenLinesMatchTheOldEncoding() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let writer = try RepositoryWriter.create(at: path, replica: hq, role: .head, now: now)
    let north = ReplicaID(unchecked: "north")
    _ = try writer.enroll(north)
    let enrolled = try #require(try writer.peer(north))
    let id = try RecordID("north-o-1")
    let fields: [String: JSONValue] = ["office_id": .string("north"), "amount": .string("12.50")]
    _ = try writer.commit(
      [.put(collection: "orders", id: id, fields: fields)], command: "put orders", note: "why")
    _ = try writer.commit([.delete(collection: "orders", id: id)], command: "delete orders")
    writer.close()

    var written = RecordState()
    written.write(fields, at: Dot(hq, 1))
    var deleted = written
    deleted.delete(at: Dot(hq, 2))
    func number(_ value: Int) -> JSONValue { .number(JSONNumber(integer: Int64(value))) }
    func begin(_ txn: Int, _ command: String, note: String? = nil) -> [(String, JSONValue)] {
      var members: [(String, JSONValue)] = [
        ("kind", .string("begin")), ("txn", number(txn)),
        ("at", .string("2025-03-01T09:00:00+08:00")),
        ("actor", .string("hq")), ("command", .string(command)),
      ]
      if let note { members.append(("note", .string(note))) }
      return members
    }
    func commit(_ txn: Int, _ changes: Int, _ clock: VersionVector) -> [(String, JSONValue)] {
      [
        ("kind", .string("commit")), ("txn", number(txn)), ("changes", number(changes)),
        ("clock", clock.json),
      ]
    }
    func record(_ txn: Int, _ state: RecordState) -> [(String, JSONValue)] {
      [
        ("kind", .string("record")), ("collection", .string("orders")),
        ("id", .string(id.rawValue)), ("state", state.json), ("txn", number(txn)),
      ]
    }
    let expected: [[(String, JSONValue)]] = [
      begin(1, "init"), commit(1, 0, VersionVector()),
      begin(2, "office add north"),
      [
        ("kind", .string("document")), ("name", .string("north")), ("value", enrolled.json),
        ("txn", number(2)),
      ],
      commit(2, 0, VersionVector()),
      begin(3, "put orders", note: "why"), record(3, written),
      commit(3, 1, VersionVector([(hq, UInt64(1))])),
      begin(4, "delete orders"), record(4, deleted), commit(4, 1, VersionVector([(hq, UInt64(2))])),
    ]
    let journal = path + "/journal/0000000001.jsonl"
    #expect(try roundTrip(journal) == ["begin", "record", "document", "commit"])
    let actual = try lines(journal)
    #expect(actual.count == expected.count)
    var prev = String(repeating: "0", count: 64)
    for (index, members) in expected.enumerated() where index < actual.count {
      let old = oldLine(members, seq: index + 1, prev: prev)
      #expect(actual[index].elementsEqual(old.line), "line \(index + 1)")
      prev = old.hash
    }
  }

  @Test("a record state that is not JSON, under a matching checksum, is refused naming its line")
  func damagedStateNamesItsLine() throws {
    // The state is read after the envelope (SPEC.md §4.2): its damage shows when it is decoded.
    let prev = String(repeating: "0", count: 64)
    let entry = Array(
      (#"{"collection":"orders","id":"o-1","kind":"record","prev":""# + prev
        + #"","seq":7,"state":{"fields":{"amount":tru}},"txn":3}"#).utf8)
    let line =
      Array(#"{"entry":"#.utf8) + entry + Array(#","sha256":""#.utf8)
      + Array(SHA256.hash(entry).hex.utf8) + Array(#""}"#.utf8)
    let error = try #require(throws: StoreError.self) {
      _ = try JournalEntry.decode(framedLine: line[...], number: 7)
    }
    #expect(error.message.hasPrefix("journal line 7: member 'state': "), "\(error.message)")
    #expect(error.code == .corrupt)
  }

  @Test("a record or document entry that is not whole is refused, naming its line")
  func damagedEntryNamesItsLine() throws {
    let members: [(String, JSONValue)] = [
      ("kind", .string("record")), ("collection", .string("orders")),
      ("txn", .number(.init(integer: 3))),
    ]
    let line = oldLine(members, seq: 7, prev: String(repeating: "0", count: 64)).line
    let error = try #require(throws: StoreError.self) {
      _ = try JournalEntry.decode(framedLine: line[...], number: 7)
    }
    #expect(error.message == "journal line 7: record entry lacks collection, id or state")
    let document: [(String, JSONValue)] = [
      ("kind", .string("document")), ("name", .string("no such name!")), ("value", .null),
      ("txn", .number(.init(integer: 3))),
    ]
    let refused = try #require(throws: StoreError.self) {
      _ = try JournalEntry.decode(
        framedLine: oldLine(document, seq: 8, prev: String(repeating: "0", count: 64)).line[...],
        number: 8)
    }
    #expect(refused.message == "journal line 8: document entry lacks name or value")
  }

  @Test("document names: journal name and file, for peers, the horizon and schemas")
  func documentNames() throws {
    let cases: [(String, DocumentName?, String?)] = [
      ("north", .peer(ReplicaID(unchecked: "north")), "sync/north.json"),
      ("@collected", .horizon, "sync/@collected.json"),
      ("schemas/visits", .schema("visits"), "schemas/visits.json"),
      ("schemas/", nil, nil), ("a b", nil, nil), ("@other", nil, nil),
    ]
    for (name, document, file) in cases {
      #expect(DocumentName(journalName: name) == document, "\(name)")
      #expect(document?.journalName == (document == nil ? nil : name))
      #expect(document?.file == file)
    }
    #expect(
      [DocumentName.schema("a"), .peer(ReplicaID(unchecked: "north")), .horizon].sorted() == [
        .horizon, .peer(ReplicaID(unchecked: "north")), .schema("a"),
      ])
  }
}
