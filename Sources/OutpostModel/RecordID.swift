/// The identifier of a record within its collection (SPEC.md §2.2).
///
/// An id is 1–128 bytes of ASCII letters, digits, `.`, `_` and `-`, and does not start with `.`.
/// Two ids that are equal ignoring ASCII case collide: a repository refuses the second one, so
/// that it behaves the same on case-insensitive file systems. The grammar is checked before any
/// path is built from an id, so an id can never name a file outside the repository.
public struct RecordID: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The id as written.
  public let rawValue: String

  /// The longest id, in bytes.
  public static let maximumLength = 128

  /// Validates an id.
  ///
  /// - Throws: ``ModelError`` naming the first offending character, or the length.
  public init(_ text: some StringProtocol) throws(ModelError) {
    let string = String(text)
    if let problem = Self.problem(in: string) {
      throw ModelError(
        "invalid record id \(Self.quoted(string)): \(problem) "
          + "(allowed: 1–128 ASCII letters, digits, '.', '_', '-', not starting with '.')")
    }
    rawValue = string
  }

  /// Wraps a string already known to be valid (read back from a verified repository file).
  public init(unchecked rawValue: String) { self.rawValue = rawValue }

  /// The key under which ids collide: the id with ASCII letters lowercased.
  public var collisionKey: String {
    let utf8 = rawValue.utf8
    guard utf8.contains(where: { $0 >= 65 && $0 <= 90 }) else { return rawValue }
    return String(decoding: utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
  }

  /// Whether bytes are a valid id (SPEC.md §2.2), checked without building a string; for
  /// readers of repository files, which then use ``init(unchecked:)``.
  public static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
    guard let first = bytes.first, first != UInt8(ascii: "."), bytes.count <= maximumLength
    else { return false }
    if let valid = bytes.withContiguousStorageIfAvailable({ buffer in
      for byte in buffer where !isIDByte(byte) { return false }
      return true
    }) {
      return valid
    }
    return bytes.allSatisfy(isIDByte)
  }

  public var description: String { rawValue }

  public static func < (lhs: RecordID, rhs: RecordID) -> Bool {
    lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
  }

  /// Why `string` is not a valid id, or nil if it is.
  static func problem(in string: String) -> String? {
    let bytes = Array(string.utf8)
    if bytes.isEmpty { return "it is empty" }
    if bytes.count > maximumLength { return "it is \(bytes.count) bytes long" }
    if bytes[0] == UInt8(ascii: ".") { return "it starts with '.'" }
    for (offset, byte) in bytes.enumerated() where !isIDByte(byte) {
      let what: String
      switch byte {
      case 0: what = "a NUL byte"
      case 1..<32, 127: what = "a control character"
      case UInt8(ascii: "/"), UInt8(ascii: "\\"): what = "a path separator"
      case 128...: what = "a non-ASCII character"
      default: what = "'\(Character(Unicode.Scalar(byte)))'"
      }
      return "\(what) at byte \(offset + 1)"
    }
    return nil
  }

  /// Whether a byte may appear in an id.
  @inline(__always)
  static func isIDByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
      UInt8(ascii: "-"):
      true
    default: false
    }
  }

  /// The id quoted for a message, with control characters made visible.
  static func quoted(_ string: String) -> String {
    var result = "'"
    for scalar in string.unicodeScalars {
      if scalar.value < 32 || scalar.value == 127 {
        result += "\\u{\(String(scalar.value, radix: 16))}"
      } else {
        result.unicodeScalars.append(scalar)
      }
    }
    return result + "'"
  }
}

/// The identifier of a replica: an office such as `north`, or head office's `hq`.
///
/// 1–32 bytes of lowercase ASCII letters, digits, `_` and `-`, starting with a letter or digit.
/// Replica ids appear inside dots (`north:12`), so they never contain `:`.
public struct ReplicaID: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The id as written.
  public let rawValue: String

  /// Validates a replica id.
  public init(_ text: some StringProtocol) throws(ModelError) {
    let bytes = Array(text.utf8)
    let valid =
      (1...32).contains(bytes.count)
      && bytes.allSatisfy {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_")
          || $0 == UInt8(ascii: "-")
      } && bytes[0] != UInt8(ascii: "_") && bytes[0] != UInt8(ascii: "-")
    guard valid else {
      throw ModelError(
        "invalid office id \(RecordID.quoted(String(text))) "
          + "(allowed: 1–32 lowercase ASCII letters, digits, '_', '-', starting with a letter or digit)"
      )
    }
    rawValue = String(text)
  }

  /// Wraps a string already known to be valid.
  public init(unchecked rawValue: String) { self.rawValue = rawValue }

  public var description: String { rawValue }

  public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool {
    lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
  }
}
