import OutpostCodec
import OutpostModel
import OutpostSync
import OutpostTestRandom
import Testing

/// SPEC.md §3.1 and §5.2: the direct encoders of record states, clocks and JSON strings write the
/// same bytes as the general canonical writer over a `JSONValue` tree.
struct CanonicalEncodingTests {
  /// Strings that exercise key order and escaping: ASCII, CJK, quotes, backslashes, controls.
  static let words = [
    "", "a", "amount", "b", "金额", "客户", "\"", "\\", "line\nbreak", "tab\t", "\u{01}", "\u{7F}",
    "é", "z", "é", "a\u{0}b", "😀", "office_id",
  ]
  static let replicas = ["hq", "north", "north-2", "n", "east", "a_b", "0x"]

  @Test("record states: the direct encoder equals the JSONValue path on random states")
  func recordStates() throws {
    var random = SplitMix64(seed: testSeed(0x5EED_CA70))
    for round in 0..<2_000 {
      let state = Self.randomState(&random)
      let direct = state.canonicalBytes
      let general = JSONWriter.canonicalBytes(state.json)
      #expect(direct == general, "round \(round): \(String(decoding: general, as: UTF8.self))")
      // And the bytes read back as the same state.
      let parsed = try RecordState(json: JSONParser.parse(direct))
      #expect(parsed == state, "round \(round)")
    }
  }

  @Test("a register's dots are in the order of their text, not of their counters")
  func dotTextOrder() {
    let north = ReplicaID(unchecked: "north")
    let state = RecordState(
      fields: [
        "a": [Versioned(Dot(north, 9), .string("x")), Versioned(Dot(north, 10), .string("y"))]
      ],
      deleted: [], context: VersionVector([(north, UInt64(10))]))
    #expect(
      String(decoding: state.canonicalBytes, as: UTF8.self)
        == #"{"context":{"north":10},"fields":{"a":{"north:10":"y","north:9":"x"}}}"#)
  }

  @Test("strings: the run-copying writer escapes exactly as SPEC §3.1 says")
  func strings() {
    var out: [UInt8] = []
    JSONWriter.writeString("a\"b\\c\u{08}\u{0C}\n\r\t\u{01}\u{1F}金 ", into: &out)
    #expect(
      String(decoding: out, as: UTF8.self) == #""a\"b\\c\b\f\n\r\t\u0001\u001f金 ""#)
    out = []
    JSONWriter.writeString("", into: &out)
    #expect(out == Array(#""""#.utf8))
  }

  @Test("key order compares UTF-8 bytes, whatever the strings' storage and length")
  func keyOrder() {
    var random = SplitMix64(seed: testSeed(0x0DE5))
    let long = String(repeating: "长", count: 20)
    let pool = Self.words + [long, long + "a", "a" + long, String(repeating: "a", count: 40), "A"]
    for _ in 0..<5_000 {
      let a = pool[Int(random.next() % UInt64(pool.count))] + pool[Int(random.next() % 3)]
      let b = pool[Int(random.next() % UInt64(pool.count))] + pool[Int(random.next() % 3)]
      #expect(JSONObject.precedes(a, b) == a.utf8.lexicographicallyPrecedes(b.utf8), "\(a) \(b)")
    }
    #expect(JSONObject.precedes("north:10", "north:9"))
    #expect(!JSONObject.precedes("abc", "abc"))
    #expect(JSONObject.precedes("ab", "abc"))
  }

  static func randomState(_ random: inout SplitMix64) -> RecordState {
    func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    var context: [(ReplicaID, UInt64)] = []
    for replica in replicas where random.next() % 2 == 0 {
      context.append((ReplicaID(unchecked: replica), 1 + random.next() % 120))
    }
    if context.isEmpty { context = [(ReplicaID(unchecked: "hq"), 1 + random.next() % 12)] }
    let vector = VersionVector(context)
    func register(_ value: () -> JSONValue) -> [Versioned] {
      var seen = Set<Dot>()
      var values: [Versioned] = []
      for _ in 0..<(1 + Int(random.next() % 3)) {
        let (replica, top) = pick(context)
        let dot = Dot(replica, 1 + random.next() % top)
        if seen.insert(dot).inserted { values.append(Versioned(dot, value())) }
      }
      return values
    }
    func value() -> JSONValue {
      switch random.next() % 5 {
      case 0: .string(pick(words) + pick(words))
      case 1: .number(JSONNumber(integer: Int64(random.next() % 100_000)))
      case 2: .bool(random.next() % 2 == 0)
      case 3: .null
      default: .object(JSONObject(uncheckedPairs: [(pick(["k", "金", "a"]), .string(pick(words)))]))
      }
    }
    var fields: [String: [Versioned]] = [:]
    for _ in 0..<Int(random.next() % 6) { fields[pick(words)] = register(value) }
    let deleted = random.next() % 3 == 0 ? register { .bool(random.next() % 2 == 0) } : []
    return RecordState(fields: fields, deleted: deleted, context: vector)
  }
}
