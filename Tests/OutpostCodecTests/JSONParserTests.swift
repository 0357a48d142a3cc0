import OutpostCodec
import OutpostTestRandom
import Testing

/// SPEC.md §3.1: the strict JSON codec, with JSONTestSuite-style accept (y_), reject (n_) and
/// implementation-defined (i_) cases written for Outpost.
struct JSONParserTests {
  static let accepted: [(name: String, text: String, canonical: String)] = [
    ("y_object_empty", "{}", "{}"),
    ("y_array_empty", "[]", "[]"),
    ("y_structure_whitespace", " \t\r\n[ 1 , 2 ]\n", "[1,2]"),
    ("y_object_sorted_output", #"{"b":1,"a":2}"#, #"{"a":2,"b":1}"#),
    ("y_object_nested", #"{"a":{"b":[true,false,null]}}"#, #"{"a":{"b":[true,false,null]}}"#),
    ("y_number_zero", "0", "0"),
    ("y_number_negative", "-12", "-12"),
    ("y_number_fraction_exponent", "1.5e-3", "1.5e-3"),
    ("y_number_capital_E", "2E+10", "2E+10"),
    ("y_number_negative_zero", "-0", "-0"),
    ("y_string_escapes", #""\"\\\/\b\f\n\r\t""#, #""\"\\/\b\f\n\r\t""#),
    ("y_string_unicode_escape", #""\u00e9""#, "\"é\""),
    ("y_string_surrogate_pair", #""\ud83d\ude00""#, "\"😀\""),
    ("y_string_raw_utf8", "\"中文\"", "\"中文\""),
    ("y_string_control_escape", #""\u0001""#, #""\u0001""#),
    ("y_string_del_raw", "\"\u{7f}\"", "\"\u{7f}\""),
    ("y_literal_true", "true", "true"),
    ("y_literal_null", "null", "null"),
    ("y_string_empty_key", #"{"":1}"#, #"{"":1}"#),
  ]

  @Test("y_ cases parse and write canonically", arguments: 0..<accepted.count)
  func accepts(_ index: Int) throws {
    let c = Self.accepted[index]
    let value = try JSONParser.parse(c.text)
    #expect(JSONWriter.canonicalString(value) == c.canonical, "\(c.name)")
    #expect(try JSONParser.parse(c.canonical) == value, "\(c.name) round trip")
  }

  static let rejected: [(name: String, bytes: [UInt8], fragment: String)] = [
    ("n_empty", [], "empty input"),
    ("n_trailing_comma_array", Array("[1,]".utf8), "trailing comma"),
    ("n_trailing_comma_object", Array(#"{"a":1,}"#.utf8), "trailing comma"),
    ("n_leading_zero", Array("01".utf8), "leading zeros"),
    ("n_plus", Array("+1".utf8), "unexpected character"),
    ("n_dot_first", Array(".5".utf8), "unexpected character"),
    ("n_dot_last", Array("1.".utf8), "digit after '.'"),
    ("n_exponent_empty", Array("1e".utf8), "exponent"),
    ("n_nan", Array("NaN".utf8), "NaN"),
    ("n_infinity", Array("Infinity".utf8), "NaN and Infinity"),
    ("n_comment", Array("/* x */ 1".utf8), "comments"),
    ("n_single_quote", Array("'a'".utf8), "double quotes"),
    ("n_trailing_garbage", Array("[1] x".utf8), "after the JSON value"),
    ("n_two_values", Array("1 2".utf8), "after the JSON value"),
    ("n_unterminated_string", Array(#""abc"#.utf8), "unterminated"),
    ("n_control_in_string", [0x22, 0x61, 0x0A, 0x22], "control character"),
    ("n_bad_escape", Array(#""\x""#.utf8), "invalid escape"),
    ("n_lone_high_surrogate", Array(#""\ud800""#.utf8), "lone high surrogate"),
    ("n_lone_low_surrogate", Array(#""\udc00""#.utf8), "lone low surrogate"),
    ("n_high_then_nonlow", Array(#""\ud800\u0041""#.utf8), "not followed by a low surrogate"),
    ("n_invalid_utf8", [0x22, 0xFF, 0xFE, 0x22], "invalid UTF-8"),
    ("n_overlong_utf8", [0x22, 0xC0, 0xAF, 0x22], "invalid UTF-8"),
    ("n_encoded_surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8"),
    ("n_truncated_utf8", [0x22, 0xE4, 0xB8], "UTF-8"),
    ("n_bom", [0xEF, 0xBB, 0xBF] + Array("{}".utf8), "byte order mark"),
    ("n_duplicate_key", Array(#"{"a":1,"a":2}"#.utf8), "duplicate key 'a'"),
    ("n_duplicate_key_nfc_nfd", Array("{\"caf\u{e9}\":1,\"cafe\u{301}\":2}".utf8), "duplicate key"),
    ("n_missing_colon", Array(#"{"a" 1}"#.utf8), "expected ':'"),
    ("n_unquoted_key", Array("{a:1}".utf8), "expected a key string"),
    ("n_true_prefix", Array("tru".utf8), "invalid literal"),
    ("n_huge_number", Array(String(repeating: "9", count: 50).utf8), "longer than 40"),
    ("n_huge_exponent", Array(("1e" + String(repeating: "4", count: 40)).utf8), "longer than 40"),
  ]

  @Test("n_ cases are refused with a specific message", arguments: 0..<rejected.count)
  func rejects(_ index: Int) {
    let c = Self.rejected[index]
    #expect {
      _ = try JSONParser.parse(c.bytes)
    } throws: { error in
      guard let error = error as? JSONError else { return false }
      return error.message.contains(c.fragment)
    }
  }

  @Test("deep nesting is refused without recursion blowing the stack")
  func deepNesting() throws {
    let deep = [UInt8](repeating: UInt8(ascii: "["), count: 10_000)
    let error = try #require(throws: JSONError.self) { try JSONParser.parse(deep) }
    #expect(error.message.contains("nesting depth exceeds the limit of 32"))
    #expect(error.offset == 32)
  }

  @Test("errors name the line, column and path")
  func errorLocation() throws {
    let text = "{\n  \"fields\": {\n    \"amount\": 12,\n    \"amount\": 13\n  }\n}"
    let error = try #require(throws: JSONError.self) { try JSONParser.parse(text) }
    #expect(error.line == 4)
    #expect(error.column == 5)
    #expect(error.path == "$.fields")
    #expect(error.description == "line 4, column 5 ($.fields): duplicate key 'amount'")
  }

  @Test(
    "canonical integers only",
    arguments: [
      ("0", Int64(0)), ("42", 42), ("-7", -7), ("9223372036854775807", Int64.max),
    ])
  func canonicalIntegers(_ text: String, _ value: Int64) throws {
    #expect(try JSONParser.parse(text).int64Value == value)
  }

  @Test(
    "non-canonical counters are not integers",
    arguments: [
      "1e3", "1.0", "-0", "18446744073709551616", "9223372036854775808",
    ])
  func nonCanonicalIntegers(_ text: String) throws {
    #expect(try JSONParser.parse(text).int64Value == nil)
  }

  @Test("limits on strings, keys and document size are enforced")
  func limits() {
    var small = JSONLimits.default
    small.maxStringBytes = 4
    #expect(throws: JSONError.self) { try JSONParser.parse(#""abcde""#, limits: small) }
    small = .default
    small.maxObjectKeys = 1
    #expect(throws: JSONError.self) { try JSONParser.parse(#"{"a":1,"b":2}"#, limits: small) }
    small = .default
    small.maxDocumentBytes = 3
    #expect(throws: JSONError.self) { try JSONParser.parse("[1,2]", limits: small) }
  }

  @Test("seeded random values survive write → parse → write unchanged")
  func randomRoundTrip() throws {
    let seed = testSeed(0x5EED_0001)
    var rng = SplitMix64(seed: seed)
    for iteration in 0..<500 {
      let value = randomValue(&rng, depth: 0)
      let bytes = JSONWriter.canonicalBytes(value)
      let parsed = try JSONParser.parse(bytes)
      #expect(parsed == value, "seed \(seed) iteration \(iteration)")
      #expect(JSONWriter.canonicalBytes(parsed) == bytes, "seed \(seed) iteration \(iteration)")
      let pretty = JSONWriter.prettyBytes(value)
      #expect(try JSONParser.parse(pretty) == value, "pretty, seed \(seed) iteration \(iteration)")
    }
  }

  @Test("seeded: deferred members parsed later equal a full parse; the rest is parsed now")
  func deferredMembers() throws {
    let seed = testSeed(0x5EED_0002)
    var rng = SplitMix64(seed: seed)
    for iteration in 0..<300 {
      var pairs: [(String, JSONValue)] = []
      for index in 0..<Int(rng.next() % 6) {
        pairs.append(("k\(index)" + randomString(&rng), randomValue(&rng, depth: 1)))
      }
      let value = JSONValue.object(JSONObject(uncheckedPairs: pairs))
      let text =
        rng.next() % 2 == 0 ? JSONWriter.canonicalBytes(value) : JSONWriter.prettyBytes(value)
      // In the middle of a larger buffer, as a journal line is.
      let buffer = Array("xx".utf8) + text + Array("yy".utf8)
      let slice = buffer[2..<(buffer.count - 2)]
      var keys: Set<String> = ["absent"]
      for (key, _) in pairs where rng.next() % 2 == 0 { keys.insert(key) }
      let (envelope, deferred) = try JSONParser.parse(
        slice, limits: .journal, deferring: keys)
      let what = "seed \(seed) iteration \(iteration)"
      #expect(Set(deferred.keys) == keys.intersection(pairs.map(\.0)), "\(what)")
      for (key, member) in pairs {
        if let range = deferred[key] {
          #expect(envelope.objectValue?[key] == nil, "\(what)")
          #expect(
            try JSONParser.parse(buffer[range], nestedAt: 1, limits: .journal) == member, "\(what)")
        } else {
          #expect(envelope.objectValue?[key] == member, "\(what)")
        }
      }
    }
  }

  @Test("a deferred member is only skipped: damage inside it shows when it is parsed")
  func deferredDamage() throws {
    func parse(_ text: String) throws(JSONError) -> (JSONValue, [String: Range<Int>]) {
      try JSONParser.parse(ArraySlice(Array(text.utf8)), limits: .journal, deferring: ["state"])
    }
    let bytes = Array(#"{"state":{"a":tru,"b":"]}"},"seq":3}"#.utf8)
    let (envelope, deferred) = try JSONParser.parse(
      bytes[...], limits: .journal, deferring: ["state"])
    #expect(envelope.objectValue?["seq"] == .number(JSONNumber(integer: 3)))
    let range = try #require(deferred["state"])
    #expect(String(decoding: bytes[range], as: UTF8.self) == #"{"a":tru,"b":"]}"}"#)
    #expect(throws: JSONError.self) {
      try JSONParser.parse(bytes[range], nestedAt: 1, limits: .journal)
    }
    // What the envelope needs is still checked: unbalanced, unterminated, duplicate, too deep.
    #expect(throws: JSONError.self) { try parse(#"{"state":{"a":[1,2}"#) }
    #expect(throws: JSONError.self) { try parse(#"{"state":{"a":"x}}"#) }
    #expect(throws: JSONError.self) { try parse(#"{"state":{},"state":{}}"#) }
    #expect(throws: JSONError.self) { try parse(#"{"state":{}} x"#) }
    var shallow = JSONLimits.journal
    shallow.maxDepth = 3
    let deep = #"{"state":{"a":{"b":{}}}}"#
    #expect(throws: JSONError.self) { try JSONParser.parse(deep, limits: shallow) }
    #expect(throws: JSONError.self) {
      try JSONParser.parse(ArraySlice(Array(deep.utf8)), limits: shallow, deferring: ["state"])
    }
    // A scalar member named for deferring is parsed with the rest of the line.
    #expect(throws: JSONError.self) { try parse(#"{"state":tru}"#) }
  }

  private func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
    switch rng.next() % (depth > 4 ? 5 : 7) {
    case 0: return .null
    case 1: return .bool(rng.next() % 2 == 0)
    case 2:
      return .number(JSONNumber(integer: Int64(bitPattern: rng.next()) >> Int64(rng.next() % 60)))
    case 3, 4: return .string(randomString(&rng))
    case 5:
      return .array((0..<Int(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
    default:
      var pairs: [String: JSONValue] = [:]
      for _ in 0..<Int(rng.next() % 4) {
        pairs[randomString(&rng)] = randomValue(&rng, depth: depth + 1)
      }
      return .object(JSONObject(uncheckedPairs: pairs.map { ($0.key, $0.value) }))
    }
  }

  private func randomString(_ rng: inout SplitMix64) -> String {
    let alphabet: [Unicode.Scalar] = [
      "a", "Z", "0", "\"", "\\", "/", "\n", "\u{1}", "\u{7f}", "é", "中", "😀", " ",
    ]
    var s = ""
    for _ in 0..<Int(rng.next() % 8) {
      s.unicodeScalars.append(alphabet[Int(rng.next() % UInt64(alphabet.count))])
    }
    return s
  }
}
