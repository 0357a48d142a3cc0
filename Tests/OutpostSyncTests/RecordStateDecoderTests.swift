import OutpostCodec
import OutpostModel
import OutpostSync
import OutpostTestRandom
import Testing

/// `RecordStateDecoder` reads record states from bytes directly; it must agree with the general
/// path, `JSONParser.parse` then `RecordState(json:)`, on every input: same state, same error.
struct RecordStateDecoderTests {
  /// What a decoding gave.
  enum Outcome: Equatable {
    case state(RecordState)
    case json(JSONError)
    case model(ModelError)
    case other(String)
  }

  static let limits = JSONLimits.repositoryFile

  /// The general path, the reference.
  static func general(_ bytes: [UInt8]) -> Outcome {
    do {
      return .state(try RecordState(json: JSONParser.parse(bytes[...], limits: limits)))
    } catch let error as JSONError {
      return .json(error)
    } catch let error as ModelError {
      return .model(error)
    } catch {
      return .other("\(error)")
    }
  }

  static func decoded(_ bytes: [UInt8], _ decoder: inout RecordStateDecoder) -> Outcome {
    do { return .state(try decoder.decode(bytes[...])) } catch let error as JSONError {
      return .json(error)
    } catch let error as ModelError { return .model(error) } catch {
      return .other("\(error)")
    }
  }

  /// The shared seeded generator (SplitMix64), so a failure can be replayed from its seed.
  typealias Random = SplitMix64

  static let replicas = [
    "hq", "north", "east", "a-b_1", "0", String(repeating: "z", count: 32), "north-2",
  ].map { ReplicaID(unchecked: $0) }

  static let fieldNames = [
    "amount", "office_id", "a", "", "b c", "名前", "tab\tkey", "quote\"key", "e\u{301}",
    "placed_at", "conversion_value_total", "z/y", "~",
  ]

  static let numbers = ["0", "-1", "42", "12.50", "-0", "1.5e-3", "2E+10", "9007199254740993"]

  static let strings = [
    "", "north", "2021-11-15T15:01:21+08:00", "中文", "a\"b\\c", "line\nbreak", "\u{1}", "😀",
    "/slash", "e\u{301}",
  ]

  static func value(_ random: inout Random, depth: Int = 0) throws -> JSONValue {
    switch random.below(depth < 2 ? 8 : 6) {
    case 0: return .null
    case 1: return .bool(random.below(2) == 0)
    case 2, 3: return try JSONParser.parse(random.pick(numbers))
    case 4, 5: return .string(random.pick(strings))
    case 6:
      return .array(try (0..<random.below(3)).map { _ in try value(&random, depth: depth + 1) })
    default:
      var pairs: [(String, JSONValue)] = []
      for name in ["k", "x", "中", "k2"] where random.below(2) == 0 {
        pairs.append((name, try value(&random, depth: depth + 1)))
      }
      return .object(try JSONObject(pairs: pairs))
    }
  }

  /// A random valid state: a context over a few replicas, registers of one to three dots it
  /// covers, sometimes a deleted register holding either boolean.
  static func state(_ random: inout Random) throws -> RecordState {
    var pairs: [(ReplicaID, UInt64)] = []
    for replica in replicas where random.below(3) == 0 || pairs.isEmpty {
      let counter: UInt64 =
        random.below(4) == 0 ? VersionVector.maximumCounter : UInt64(1 + random.below(200))
      pairs.append((replica, counter))
    }
    let context = VersionVector(pairs)
    func register(_ make: (inout Random) throws -> JSONValue) rethrows -> [Versioned] {
      var dots: Set<Dot> = []
      for _ in 0..<(random.below(5) == 0 ? 1 + random.below(3) : 1) {
        let (replica, counter) = random.pick(pairs)
        dots.insert(Dot(replica, UInt64(1 + random.below(Int(min(counter, 1000))))))
      }
      return try dots.map { Versioned($0, try make(&random)) }
    }
    var fields: [String: [Versioned]] = [:]
    for name in fieldNames where random.below(3) == 0 {
      fields[name] = try register { try value(&$0) }
    }
    let deleted = random.below(4) == 0 ? [] : register { .bool($0.below(3) == 0) }
    return RecordState(fields: fields, deleted: deleted, context: context)
  }

  @Test("seeded random states decode directly to what the general path gives")
  func agreesOnRandomStates() throws {
    let seed = testSeed(20_261_202)
    var random = Random(seed: seed)
    var decoder = RecordStateDecoder(limits: Self.limits)
    var direct = 0
    for round in 0..<2_000 {
      let original = try Self.state(&random)
      let bytes = JSONWriter.canonicalBytes(original.json)
      #expect(Self.general(bytes) == .state(original), "seed \(seed) round \(round)")
      #expect(Self.decoded(bytes, &decoder) == .state(original), "seed \(seed) round \(round)")
      if let state = decoder.decodeCanonical(bytes[...]) {
        #expect(state == original, "seed \(seed) round \(round)")
        direct += 1
      }
      // The state as a record file holds it: within a larger buffer.
      let line = Array(#""id":"#.utf8) + bytes + Array(",\n".utf8)
      #expect(
        try decoder.decode(line[5..<(line.count - 2)]) == original, "seed \(seed) round \(round)")
    }
    // Escaped and non-ASCII field names take the general path; most states have none.
    #expect(direct > 100, "seed \(seed): \(direct) of 2000 states read directly")
  }

  @Test("states that Outpost writes are read directly")
  func readsCanonicalFormDirectly() {
    let north = ReplicaID(unchecked: "north")
    let hq = ReplicaID(unchecked: "hq")
    var state = RecordState()
    state.write(["amount": .string("12.50"), "office_id": .string("north")], at: Dot(north, 9))
    var other = RecordState()
    other.write(["amount": .string("13.00")], at: Dot(hq, 10))
    state = state.joined(with: other)  // a conflict: two dots in one register
    var decoder = RecordStateDecoder(limits: Self.limits)
    for candidate in [state, RecordState(), RecordState.collected] {
      let bytes = JSONWriter.canonicalBytes(candidate.json)
      #expect(decoder.decodeCanonical(bytes[...]) == candidate)
    }
  }

  @Test("seeded random damage: the direct reading never accepts what the general path refuses")
  func agreesOnDamagedStates() throws {
    let seed = testSeed(7_700_123)
    var random = Random(seed: seed)
    var decoder = RecordStateDecoder(limits: Self.limits)
    let alphabet = Array(#" ,:{}[]"\0159ae-_tfn."#.utf8) + [0xC3, 0xA9, 0x09, 0x0A, 0xFF]
    var accepted = 0
    for round in 0..<3_000 {
      var bytes = JSONWriter.canonicalBytes(try Self.state(&random).json)
      for _ in 0..<(1 + random.below(3)) {
        let at = random.below(bytes.count)
        switch random.below(6) {
        case 0: bytes[at] = random.pick(alphabet)
        case 1: bytes.insert(random.pick(alphabet), at: at)
        case 2: bytes.remove(at: at)
        case 3:  // a copy of a stretch elsewhere: repeated keys and members
          let end = min(bytes.count, at + 1 + random.below(24))
          bytes.insert(contentsOf: bytes[at..<end], at: random.below(bytes.count))
        case 4:  // a member repeated: `"k":v,` again before itself
          let starts = bytes.indices.filter {
            bytes[$0] == UInt8(ascii: "\"") && $0 > 0
              && (bytes[$0 - 1] == UInt8(ascii: "{") || bytes[$0 - 1] == UInt8(ascii: ","))
          }
          guard !starts.isEmpty else { break }
          let start = random.pick(starts)
          let end = bytes[start...].firstIndex(of: UInt8(ascii: ",")) ?? (bytes.count - 1)
          bytes.insert(contentsOf: bytes[start..<end] + [UInt8(ascii: ",")], at: start)
        default:  // a digit changed: a valid state, often
          if let digit = bytes[at...].firstIndex(where: { (48...57).contains($0) }) {
            bytes[digit] = UInt8(48 + random.below(10))
          }
        }
        if bytes.isEmpty { bytes = [0x7B] }
      }
      let reference = Self.general(bytes)
      if let state = decoder.decodeCanonical(bytes[...]) {
        #expect(reference == .state(state), "seed \(seed) round \(round)")
        accepted += 1
      }
      #expect(Self.decoded(bytes, &decoder) == reference, "seed \(seed) round \(round)")
    }
    #expect(accepted > 50, "seed \(seed): \(accepted) damaged states were still valid")
  }

  /// Each refusal of the general path, with its message, through the decoder.
  static let refused: [(name: String, text: String, message: String)] = [
    (
      "bad dot", #"{"context":{"north":1},"fields":{"a":{"north:01":1}}}"#,
      "register 'a' has an invalid dot 'north:01'"
    ),
    (
      "dot with an upper-case replica", #"{"context":{"north":1},"deleted":{"North:1":false}}"#,
      "register 'deleted' has an invalid dot 'North:1'"
    ),
    (
      "dot not covered by the context", #"{"context":{"north":1},"fields":{"a":{"north:2":1}}}"#,
      "register 'a': dot north:2 is not covered by the record's context"
    ),
    (
      "dot of a replica missing from the context",
      #"{"context":{"north":1},"deleted":{"east:1":false}}"#,
      "register 'deleted': dot east:1 is not covered by the record's context"
    ),
    (
      "unknown member", #"{"context":{"north":1},"extra":{},"fields":{}}"#,
      "record state has an unknown member 'extra'"
    ),
    ("no context", #"{"fields":{}}"#, "record state has no 'context' object"),
    (
      "counter zero", #"{"context":{"north":0}}"#,
      "context: counter for 'north' is not a canonical integer between 1 and 2^53 − 1"
    ),
    (
      "counter past 2^53 - 1", #"{"context":{"north":9007199254740992}}"#,
      "context: counter for 'north' is not a canonical integer between 1 and 2^53 − 1"
    ),
    (
      "empty register", #"{"context":{"north":1},"fields":{"a":{}}}"#,
      "field 'a' has no value"
    ),
    (
      "non-boolean deleted", #"{"context":{"north":1},"deleted":{"north:1":"false"}}"#,
      "'deleted' holds a value that is not true or false"
    ),
    (
      "register not an object", #"{"context":{"north":1},"fields":{"a":[1]}}"#,
      "register 'a' is not an object"
    ),
    ("fields not an object", #"{"context":{"north":1},"fields":[]}"#, "'fields' is not an object"),
  ]

  @Test(
    "every refusal of RecordState(json:) is raised, with its message",
    arguments: 0..<refused.count)
  func refuses(_ index: Int) {
    let (name, text, message) = Self.refused[index]
    let bytes = Array(text.utf8)
    var decoder = RecordStateDecoder(limits: Self.limits)
    #expect(decoder.decodeCanonical(bytes[...]) == nil, "\(name)")
    #expect(Self.decoded(bytes, &decoder) == .model(ModelError(message)), "\(name)")
    #expect(Self.decoded(bytes, &decoder) == Self.general(bytes), "\(name)")
  }

  /// Duplicate keys, also canonically equivalent ones, at every level of a state.
  static let duplicates: [(name: String, text: String, key: String)] = [
    ("in the context", #"{"context":{"north":1,"north":1}}"#, "north"),
    ("of the state", #"{"context":{"north":1},"context":{"north":1}}"#, "context"),
    (
      "of a field", #"{"context":{"north":1},"fields":{"a":{"north:1":1},"a":{"north:1":2}}}"#,
      "a"
    ),
    (
      "canonically equivalent field names",
      "{\"context\":{\"north\":1},\"fields\":{\"\u{E9}\":{\"north:1\":1},\"e\u{301}\":{\"north:1\":2}}}",
      "e\u{301}"
    ),
    (
      "in a register", #"{"context":{"north":2},"fields":{"a":{"north:1":1,"north:1":2}}}"#,
      "north:1"
    ),
    (
      "in the deleted register",
      #"{"context":{"north":2},"deleted":{"north:1":false,"north:1":true}}"#, "north:1"
    ),
    (
      "in a value", #"{"context":{"north":1},"fields":{"a":{"north:1":{"k":1,"k":2}}}}"#, "k"
    ),
  ]

  @Test("duplicate keys are refused as the parser refuses them", arguments: 0..<duplicates.count)
  func refusesDuplicates(_ index: Int) {
    let (name, text, key) = Self.duplicates[index]
    let bytes = Array(text.utf8)
    var decoder = RecordStateDecoder(limits: Self.limits)
    #expect(decoder.decodeCanonical(bytes[...]) == nil, "\(name)")
    let outcome = Self.decoded(bytes, &decoder)
    #expect(outcome == Self.general(bytes), "\(name)")
    guard case .json(let error) = outcome else {
      Issue.record("\(name): \(outcome)")
      return
    }
    #expect(error.message == "duplicate key '\(key)'", "\(name)")
  }

  @Test("limits hold on the direct reading: depth, string and number lengths")
  func keepsLimits() {
    func nested(_ depth: Int) -> String {
      var text = "1"
      for _ in 0..<depth { text = "[" + text + "]" }
      return #"{"context":{"north":1},"fields":{"a":{"north:1":"# + text + "}}}"
    }
    let tight = JSONLimits(
      maxDepth: 32, maxDocumentBytes: 1 << 20, maxStringBytes: 8, maxObjectKeys: 3,
      maxArrayElements: 10, maxNumberLength: 4)
    let cases: [(text: String, limits: JSONLimits, valid: Bool)] = [
      (nested(29), Self.limits, true),  // the deepest array at depth 32
      (nested(30), Self.limits, false),
      (#"{"context":{"north":1},"fields":{"a":{"north:1":1}}}"#, tight, true),
      (#"{"context":{"north":1},"fields":{"longer_than_8":{"north:1":1}}}"#, tight, false),
      (#"{"context":{"north":1234}}"#, tight, true),
      (#"{"context":{"north":12345}}"#, tight, false),
      (#"{"context":{"a":1,"b":1,"c":1}}"#, tight, true),
      (#"{"context":{"a":1,"b":1,"c":1,"d":1}}"#, tight, false),
      (#"{"context":{"north":1},"fields":{"a":{"north:1":123456}}}"#, tight, false),
    ]
    for (text, limits, valid) in cases {
      let bytes = Array(text.utf8)
      var decoder = RecordStateDecoder(limits: limits)
      let direct = decoder.decodeCanonical(bytes[...])
      var outcome: Outcome
      do { outcome = .state(try decoder.decode(bytes[...])) } catch let error as JSONError {
        outcome = .json(error)
      } catch { outcome = .other("\(error)") }
      if valid {
        #expect(direct != nil && outcome == .state(direct!), "\(text)")
      } else {
        #expect(direct == nil, "\(text)")
        guard case .json = outcome else {
          Issue.record("\(text): \(outcome)")
          continue
        }
      }
    }
  }
}

extension SplitMix64 {
  mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
  mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
