/// A JSON number, kept as its exact literal text (validated against RFC 8259's grammar).
///
/// Outpost never turns a JSON number into a binary floating-point value. Callers ask for the
/// integer they expect with ``int64`` or ``uint64``, which succeed only for canonical integers
/// (`0`, `42`, `-7`; not `1e3`, `1.0`, `-0`, `007`).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
  /// The literal, as written.
  public let text: String

  /// Wraps a literal already known to match the JSON number grammar.
  init(validated text: String) { self.text = text }

  /// The literal of an integer.
  public init(integer: Int64) { text = String(integer) }

  /// The value, if the literal is a canonical integer within `Int64`.
  public var int64: Int64? {
    let bytes = Array(text.utf8)
    var index = 0
    if bytes.first == UInt8(ascii: "-") { index = 1 }
    guard index < bytes.count else { return nil }
    if bytes[index] == UInt8(ascii: "0") {
      return bytes.count == 1 ? 0 : nil  // "0" only; "-0" and "01" are not canonical
    }
    guard bytes[index...].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
    else { return nil }
    return Int64(text)
  }

  /// The value, if the literal is a canonical non-negative integer within `UInt64`.
  public var uint64: UInt64? {
    guard let first = text.utf8.first, first != UInt8(ascii: "-") else { return nil }
    if text == "0" { return 0 }
    guard first != UInt8(ascii: "0"),
      text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
    else { return nil }
    return UInt64(text)
  }

  public var description: String { text }
}

/// A JSON object with unique keys, iterated in canonical order (keys sorted by UTF-8 bytes).
public struct JSONObject: Sendable, Hashable, Sequence {
  /// The keys, sorted by their UTF-8 bytes.
  public private(set) var keys: [String]
  /// The values, parallel to ``keys``.
  public private(set) var values: [JSONValue]

  /// An empty object.
  public init() {
    keys = []
    values = []
  }

  /// An object from pairs whose keys are known to be unique (the caller's guarantee).
  public init(uncheckedPairs pairs: [(String, JSONValue)]) {
    let sorted = pairs.sorted { Self.precedes($0.0, $1.0) }
    keys = sorted.map(\.0)
    values = sorted.map(\.1)
  }

  /// An object from pairs, refusing duplicate keys (including canonically equivalent ones).
  public init(pairs: [(String, JSONValue)]) throws(JSONError) {
    var seen = Set<String>()
    for (key, _) in pairs where !seen.insert(key).inserted {
      throw JSONError("duplicate key '\(key)'", offset: 0, line: 1, column: 1, path: "$")
    }
    self.init(uncheckedPairs: pairs)
  }

  /// The number of members.
  public var count: Int { keys.count }

  /// The value for a key.
  public subscript(key: String) -> JSONValue? {
    var low = 0
    var high = keys.count
    while low < high {
      let mid = (low + high) / 2
      if keys[mid] == key { return values[mid] }
      if Self.precedes(keys[mid], key) { low = mid + 1 } else { high = mid }
    }
    return nil
  }

  /// Iterates `(key, value)` pairs in canonical order.
  public func makeIterator() -> some IteratorProtocol<(key: String, value: JSONValue)> {
    var index = 0
    return AnyIterator {
      guard index < keys.count else { return nil }
      defer { index += 1 }
      return (keys[index], values[index])
    }
  }

  /// Canonical key order: whether `a` sorts before `b` by their UTF-8 bytes.
  ///
  /// Compares the strings' contiguous bytes directly when they have them (native strings do),
  /// which is several times cheaper than iterating the two UTF-8 views.
  public static func precedes(_ a: String, _ b: String) -> Bool {
    let direct = a.utf8.withContiguousStorageIfAvailable { x in
      b.utf8.withContiguousStorageIfAvailable { y -> Bool in
        let shared = Swift.min(x.count, y.count)
        var index = 0
        while index < shared {
          if x[index] != y[index] { return x[index] < y[index] }
          index += 1
        }
        return x.count < y.count
      }
    }
    if let direct, let result = direct { return result }
    return a.utf8.lexicographicallyPrecedes(b.utf8)
  }
}

/// A parsed JSON value.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case number(JSONNumber)
  case string(String)
  case array([JSONValue])
  case object(JSONObject)

  /// The string, if this is a string.
  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The members, if this is an object.
  public var objectValue: JSONObject? {
    if case .object(let value) = self { return value }
    return nil
  }

  /// The elements, if this is an array.
  public var arrayValue: [JSONValue]? {
    if case .array(let value) = self { return value }
    return nil
  }

  /// The integer, if this is a canonical integer number in `Int64`.
  public var int64Value: Int64? {
    if case .number(let number) = self { return number.int64 }
    return nil
  }

  /// The integer, if this is a canonical non-negative integer number in `UInt64`.
  public var uint64Value: UInt64? {
    if case .number(let number) = self { return number.uint64 }
    return nil
  }

  /// The member for a key, if this is an object that has it.
  public subscript(key: String) -> JSONValue? { objectValue?[key] }
}
