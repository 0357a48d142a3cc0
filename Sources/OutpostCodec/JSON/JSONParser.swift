/// Limits on what the parser accepts, checked while parsing.
public struct JSONLimits: Sendable, Equatable {
  /// Deepest nesting of arrays and objects (a top-level object holding an object is depth 2).
  public var maxDepth: Int
  /// Largest document, in bytes.
  public var maxDocumentBytes: Int
  /// Longest string, in bytes after unescaping.
  public var maxStringBytes: Int
  /// Most members in one object.
  public var maxObjectKeys: Int
  /// Most elements in one array.
  public var maxArrayElements: Int
  /// Longest number literal, in characters.
  public var maxNumberLength: Int

  /// Creates limits.
  public init(
    maxDepth: Int, maxDocumentBytes: Int, maxStringBytes: Int, maxObjectKeys: Int,
    maxArrayElements: Int, maxNumberLength: Int
  ) {
    self.maxDepth = maxDepth
    self.maxDocumentBytes = maxDocumentBytes
    self.maxStringBytes = maxStringBytes
    self.maxObjectKeys = maxObjectKeys
    self.maxArrayElements = maxArrayElements
    self.maxNumberLength = maxNumberLength
  }

  /// For input from outside (imports, bundles): small and strict.
  public static let `default` = JSONLimits(
    maxDepth: 32, maxDocumentBytes: 256 << 20, maxStringBytes: 1 << 20, maxObjectKeys: 10_000,
    maxArrayElements: 1_000_000, maxNumberLength: 40)

  /// For one journal line written by Outpost itself.
  public static let journal = JSONLimits(
    maxDepth: 32, maxDocumentBytes: 64 << 20, maxStringBytes: 1 << 20, maxObjectKeys: 100_000,
    maxArrayElements: 1_000_000, maxNumberLength: 40)

  /// For a repository's own files (record buckets hold many records).
  public static let repositoryFile = JSONLimits(
    maxDepth: 32, maxDocumentBytes: 1 << 31, maxStringBytes: 1 << 20,
    maxObjectKeys: 10_000_000, maxArrayElements: 10_000_000, maxNumberLength: 40)
}

/// Why a JSON text was refused, and where.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What is wrong.
  public var message: String
  /// The byte offset of the problem (0-based).
  public var offset: Int
  /// The line of the problem (1-based).
  public var line: Int
  /// The column of the problem (1-based, in bytes).
  public var column: Int
  /// Where in the document: `$`, `$.fields.amount`, `$.items[3]`.
  public var path: String

  /// Creates an error.
  public init(_ message: String, offset: Int, line: Int, column: Int, path: String) {
    self.message = message
    self.offset = offset
    self.line = line
    self.column = column
    self.path = path
  }

  public var description: String { "line \(line), column \(column) (\(path)): \(message)" }
}

/// A strict RFC 8259 parser (SPEC.md §3.1).
///
/// Beyond the grammar it refuses: duplicate keys (also keys equal only under Unicode canonical
/// equivalence), invalid UTF-8, lone surrogate escapes, a byte order mark, nesting and sizes
/// beyond ``JSONLimits``. Numbers keep their literal text.
public enum JSONParser {
  /// Parses a complete JSON text.
  public static func parse(_ bytes: [UInt8], limits: JSONLimits = .default) throws(JSONError)
    -> JSONValue
  {
    var result: Result<JSONValue, JSONError> = .success(.null)
    bytes.withUnsafeBufferPointer { buffer in
      var parser = Parser(buffer, limits)
      result = Result { () throws(JSONError) in try parser.parseDocument() }
    }
    return try result.get()
  }

  /// Parses a complete JSON text held in part of a larger buffer (offsets, lines and columns
  /// in errors count from the start of the slice).
  public static func parse(_ bytes: ArraySlice<UInt8>, limits: JSONLimits = .default)
    throws(JSONError) -> JSONValue
  {
    var result: Result<JSONValue, JSONError> = .success(.null)
    bytes.withUnsafeBufferPointer { buffer in
      var parser = Parser(buffer, limits)
      result = Result { () throws(JSONError) in try parser.parseDocument() }
    }
    return try result.get()
  }

  /// Parses one JSON value that starts exactly at `offset` of `buffer` (no whitespace before
  /// it), as the value of a member nested `depth` levels deep in a larger text, and moves
  /// `offset` past it.
  ///
  /// For readers that walk a known document structure themselves (record states) and need its
  /// values parsed with exactly the rules and ``JSONLimits`` of ``parse(_:limits:)``.
  /// Errors carry offsets into `buffer` but no JSON path.
  package static func parseValue(
    in buffer: UnsafeBufferPointer<UInt8>, at offset: inout Int, depth: Int, limits: JSONLimits
  ) throws(JSONError) -> JSONValue {
    var parser = Parser(buffer, limits)
    parser.index = offset
    parser.depth = depth
    let value = try parser.parseValue()
    offset = parser.index
    return value
  }

  /// Parses a complete JSON text whose top level is an object, leaving the values of the
  /// members named in `keys` unparsed: they are only skipped (their strings and brackets
  /// balanced, nothing inside checked), and their byte ranges in `bytes` returned.
  ///
  /// For readers of a known document that need a few small members of many large documents
  /// (journal lines: the envelope without the record state). A skipped value is checked when
  /// it is parsed with ``parse(_:nestedAt:limits:)``; everything else is checked as
  /// ``parse(_:limits:)`` checks it.
  package static func parse(
    _ bytes: ArraySlice<UInt8>, limits: JSONLimits, deferring keys: Set<String>
  ) throws(JSONError) -> (value: JSONValue, deferred: [String: Range<Int>]) {
    var result: Result<(JSONValue, [String: Range<Int>]), JSONError> = .success((.null, [:]))
    bytes.withUnsafeBufferPointer { buffer in
      var parser = Parser(buffer, limits)
      parser.deferring = keys
      result = Result { () throws(JSONError) in
        let value = try parser.parseDocument()
        return (
          value,
          parser.deferred.mapValues {
            $0.lowerBound + bytes.startIndex..<$0.upperBound + bytes.startIndex
          }
        )
      }
    }
    return try result.get()
  }

  /// Parses one complete JSON value as the value of a member nested `depth` levels deep in a
  /// larger text (a value ``parse(_:limits:deferring:)`` skipped: depth 1), with the rules and
  /// ``JSONLimits`` of ``parse(_:limits:)``.
  package static func parse(_ bytes: ArraySlice<UInt8>, nestedAt depth: Int, limits: JSONLimits)
    throws(JSONError) -> JSONValue
  {
    var result: Result<JSONValue, JSONError> = .success(.null)
    bytes.withUnsafeBufferPointer { buffer in
      var parser = Parser(buffer, limits)
      parser.depth = depth
      result = Result { () throws(JSONError) in try parser.parseDocument() }
    }
    return try result.get()
  }

  /// Parses a complete JSON text given as a string.
  public static func parse(_ text: String, limits: JSONLimits = .default) throws(JSONError)
    -> JSONValue
  {
    try parse(Array(text.utf8), limits: limits)
  }
}

private struct Parser {
  let bytes: UnsafeBufferPointer<UInt8>
  let limits: JSONLimits
  var index = 0
  var depth = 0
  var path: [PathElement] = []
  /// Members of the top-level object whose values are skipped, not parsed.
  var deferring: Set<String> = []
  /// The byte ranges of the values skipped.
  var deferred: [String: Range<Int>] = [:]

  enum PathElement {
    case key(String)
    case index(Int)
  }

  init(_ bytes: UnsafeBufferPointer<UInt8>, _ limits: JSONLimits) {
    self.bytes = bytes
    self.limits = limits
  }

  func fail(_ message: String, at offset: Int? = nil) -> JSONError {
    let offset = min(offset ?? index, bytes.count)
    var line = 1
    var lineStart = 0
    for i in 0..<offset where bytes[i] == 10 {
      line += 1
      lineStart = i + 1
    }
    var text = "$"
    for element in path {
      switch element {
      case .key(let key): text += "." + key
      case .index(let i): text += "[\(i)]"
      }
    }
    return JSONError(
      message, offset: offset, line: line, column: offset - lineStart + 1, path: text)
  }

  mutating func parseDocument() throws(JSONError) -> JSONValue {
    guard bytes.count <= limits.maxDocumentBytes else {
      throw fail("document is \(bytes.count) bytes; the limit is \(limits.maxDocumentBytes)", at: 0)
    }
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
      throw fail("byte order mark at start of JSON; remove it", at: 0)
    }
    skipWhitespace()
    guard index < bytes.count else { throw fail("empty input: expected a JSON value") }
    let value = try parseValue()
    skipWhitespace()
    guard index == bytes.count else { throw fail("unexpected data after the JSON value") }
    return value
  }

  @inline(__always)
  mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x0A, 0x0D, 0x09: index += 1
      default: return
      }
    }
  }

  mutating func parseValue() throws(JSONError) -> JSONValue {
    guard index < bytes.count else { throw fail("unexpected end of input: expected a value") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    case UInt8(ascii: "N"), UInt8(ascii: "I"): throw fail("NaN and Infinity are not JSON")
    case UInt8(ascii: "/"): throw fail("comments are not allowed in JSON")
    case UInt8(ascii: "'"): throw fail("strings use double quotes in JSON")
    default:
      throw fail("unexpected character \(describe(bytes[index])): expected a value")
    }
  }

  func describe(_ byte: UInt8) -> String {
    byte >= 0x21 && byte < 0x7F
      ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
  }

  mutating func literal(_ word: StaticString, _ value: JSONValue) throws(JSONError) -> JSONValue {
    let count = word.utf8CodeUnitCount
    guard index + count <= bytes.count,
      memcmpEqual(word.utf8Start, bytes.baseAddress! + index, count)
    else { throw fail("invalid literal: expected \(word)") }
    index += count
    return value
  }

  func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for i in 0..<count where a[i] != b[i] { return false }
    return true
  }

  mutating func enter() throws(JSONError) {
    depth += 1
    if depth > limits.maxDepth {
      throw fail("nesting depth exceeds the limit of \(limits.maxDepth)")
    }
  }

  mutating func parseObject() throws(JSONError) -> JSONValue {
    try enter()
    index += 1
    var pairs: [(String, JSONValue)] = []
    var seen = Set<String>()
    skipWhitespace()
    if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
      index += 1
      depth -= 1
      return .object(JSONObject())
    }
    while true {
      skipWhitespace()
      guard index < bytes.count else { throw fail("unexpected end of input inside an object") }
      guard bytes[index] == UInt8(ascii: "\"") else {
        if bytes[index] == UInt8(ascii: "}") { throw fail("trailing comma before '}'") }
        throw fail("expected a key string, found \(describe(bytes[index]))")
      }
      let keyOffset = index
      let key = try parseString()
      guard seen.insert(key).inserted else { throw fail("duplicate key '\(key)'", at: keyOffset) }
      guard pairs.count < limits.maxObjectKeys else {
        throw fail("object has more than \(limits.maxObjectKeys) members")
      }
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
        throw fail("expected ':' after key '\(key)'")
      }
      index += 1
      skipWhitespace()
      path.append(.key(key))
      if depth == 1, deferring.contains(key) {
        let start = index
        try skipValue()
        deferred[key] = start..<index
        path.removeLast()
      } else {
        let value = try parseValue()
        path.removeLast()
        pairs.append((key, value))
      }
      skipWhitespace()
      guard index < bytes.count else { throw fail("unexpected end of input inside an object") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard bytes[index] == UInt8(ascii: "}") else {
        throw fail("expected ',' or '}' in an object, found \(describe(bytes[index]))")
      }
      index += 1
      depth -= 1
      return .object(JSONObject(uncheckedPairs: pairs))
    }
  }

  /// Moves past one value without building it: a scalar is parsed; an object or an array is
  /// skipped to its matching bracket, strings (and their escapes) skipped whole.
  mutating func skipValue() throws(JSONError) {
    guard index < bytes.count else { throw fail("unexpected end of input: expected a value") }
    guard bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "[") else {
      _ = try parseValue()
      return
    }
    var nesting = 0
    while index < bytes.count {
      switch bytes[index] {
      case UInt8(ascii: "\""):
        index += 1
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
          index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard index < bytes.count else { throw fail("unexpected end of input inside a string") }
        index += 1
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        nesting += 1
        guard nesting + depth <= limits.maxDepth else {
          throw fail("nesting depth exceeds the limit of \(limits.maxDepth)")
        }
        index += 1
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        nesting -= 1
        index += 1
        if nesting == 0 { return }
      default: index += 1
      }
    }
    throw fail("unexpected end of input inside a value")
  }

  mutating func parseArray() throws(JSONError) -> JSONValue {
    try enter()
    index += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
      index += 1
      depth -= 1
      return .array([])
    }
    while true {
      skipWhitespace()
      if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
        throw fail("trailing comma before ']'")
      }
      guard elements.count < limits.maxArrayElements else {
        throw fail("array has more than \(limits.maxArrayElements) elements")
      }
      path.append(.index(elements.count))
      elements.append(try parseValue())
      path.removeLast()
      skipWhitespace()
      guard index < bytes.count else { throw fail("unexpected end of input inside an array") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard bytes[index] == UInt8(ascii: "]") else {
        throw fail("expected ',' or ']' in an array, found \(describe(bytes[index]))")
      }
      index += 1
      depth -= 1
      return .array(elements)
    }
  }

  mutating func parseNumber() throws(JSONError) -> JSONValue {
    let start = index
    @inline(__always) func isDigit(_ i: Int) -> Bool {
      i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9")
    }
    if bytes[index] == UInt8(ascii: "-") { index += 1 }
    guard isDigit(index) else { throw fail("invalid number: expected a digit") }
    if bytes[index] == UInt8(ascii: "0") {
      index += 1
      if isDigit(index) { throw fail("invalid number: leading zeros are not allowed", at: start) }
    } else {
      while isDigit(index) { index += 1 }
    }
    if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
      index += 1
      guard isDigit(index) else { throw fail("invalid number: expected a digit after '.'") }
      while isDigit(index) { index += 1 }
    }
    if index < bytes.count
      && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E"))
    {
      index += 1
      if index < bytes.count
        && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"))
      {
        index += 1
      }
      guard isDigit(index) else { throw fail("invalid number: expected a digit in the exponent") }
      while isDigit(index) { index += 1 }
    }
    guard index - start <= limits.maxNumberLength else {
      throw fail("number is longer than \(limits.maxNumberLength) characters", at: start)
    }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    return .number(JSONNumber(validated: text))
  }

  mutating func parseString() throws(JSONError) -> String {
    index += 1  // opening quote
    let start = index
    // Fast path: ASCII without escapes.
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        guard index - start <= limits.maxStringBytes else { throw tooLong(start) }
        let text = String(
          decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        index += 1
        return text
      }
      if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
      index += 1
    }
    var out: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
    while true {
      guard index < bytes.count else { throw fail("unterminated string", at: start - 1) }
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        guard out.count <= limits.maxStringBytes else { throw tooLong(start) }
        return String(decoding: out, as: UTF8.self)
      case UInt8(ascii: "\\"):
        try parseEscape(into: &out)
      case 0..<0x20:
        throw fail("unescaped control character 0x\(String(byte, radix: 16)) in a string")
      case 0x80...:
        let length = try utf8SequenceLength(at: index)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]))
        index += length
      default:
        out.append(byte)
        index += 1
      }
      if out.count > limits.maxStringBytes { throw tooLong(start) }
    }
  }

  func tooLong(_ start: Int) -> JSONError {
    fail("string is longer than \(limits.maxStringBytes) bytes", at: start)
  }

  mutating func parseEscape(into out: inout [UInt8]) throws(JSONError) {
    index += 1
    guard index < bytes.count else { throw fail("unterminated escape") }
    let byte = bytes[index]
    index += 1
    switch byte {
    case UInt8(ascii: "\""): out.append(0x22)
    case UInt8(ascii: "\\"): out.append(0x5C)
    case UInt8(ascii: "/"): out.append(0x2F)
    case UInt8(ascii: "b"): out.append(0x08)
    case UInt8(ascii: "f"): out.append(0x0C)
    case UInt8(ascii: "n"): out.append(0x0A)
    case UInt8(ascii: "r"): out.append(0x0D)
    case UInt8(ascii: "t"): out.append(0x09)
    case UInt8(ascii: "u"):
      let escapeStart = index - 2
      var scalar = try hex4()
      if (0xD800...0xDBFF).contains(scalar) {
        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
          bytes[index + 1] == UInt8(ascii: "u")
        else {
          throw fail("lone high surrogate escape \\u\(String(scalar, radix: 16))", at: escapeStart)
        }
        index += 2
        let low = try hex4()
        guard (0xDC00...0xDFFF).contains(low) else {
          throw fail("high surrogate escape not followed by a low surrogate", at: escapeStart)
        }
        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
      } else if (0xDC00...0xDFFF).contains(scalar) {
        throw fail("lone low surrogate escape \\u\(String(scalar, radix: 16))", at: escapeStart)
      }
      out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
    default:
      throw fail("invalid escape '\\\(describe(byte))'", at: index - 2)
    }
  }

  mutating func hex4() throws(JSONError) -> UInt32 {
    guard index + 4 <= bytes.count else { throw fail("incomplete \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw fail("invalid hex digit in \\u escape")
      }
      value = value << 4 | digit
      index += 1
    }
    return value
  }

  /// The length of the valid UTF-8 sequence at `i`, or an error naming the byte offset.
  func utf8SequenceLength(at i: Int) throws(JSONError) -> Int {
    let b0 = bytes[i]
    let length: Int
    var low: UInt8 = 0x80
    var high: UInt8 = 0xBF
    switch b0 {
    case 0xC2...0xDF: length = 2
    case 0xE0:
      length = 3
      low = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED:
      length = 3
      high = 0x9F  // no encoded surrogates
    case 0xF0:
      length = 4
      low = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4:
      length = 4
      high = 0x8F
    default: throw fail("invalid UTF-8 byte 0x\(String(b0, radix: 16)) at byte \(i)", at: i)
    }
    guard i + length <= bytes.count else {
      throw fail("truncated UTF-8 sequence at byte \(i)", at: i)
    }
    for k in 1..<length {
      let byte = bytes[i + k]
      let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
      guard byte >= lo && byte <= hi else {
        throw fail("invalid UTF-8 sequence at byte \(i)", at: i)
      }
    }
    return length
  }
}
