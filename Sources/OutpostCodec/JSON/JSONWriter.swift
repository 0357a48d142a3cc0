/// Writes canonical JSON (SPEC.md §3.1).
///
/// Canonical means: object keys sorted by UTF-8 bytes, no insignificant whitespace, strings with
/// the minimal escapes (`\"`, `\\`, `\b \f \n \r \t`, other controls as `\u00xx`; everything
/// else, including non-ASCII, raw), numbers as their literal text. Parsing canonical output and
/// writing it again gives the same bytes.
public enum JSONWriter {
  /// Appends the canonical form of `value`.
  public static func write(_ value: JSONValue, into out: inout [UInt8]) {
    switch value {
    case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    case .bool(true): out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
    case .bool(false): out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
    case .number(let number): out.append(contentsOf: number.text.utf8)
    case .string(let string): writeString(string, into: &out)
    case .array(let elements):
      out.append(UInt8(ascii: "["))
      for (i, element) in elements.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        write(element, into: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let object):
      out.append(UInt8(ascii: "{"))
      for i in 0..<object.keys.count {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        writeString(object.keys[i], into: &out)
        out.append(UInt8(ascii: ":"))
        write(object.values[i], into: &out)
      }
      out.append(UInt8(ascii: "}"))
    }
  }

  /// The canonical bytes of `value`.
  public static func canonicalBytes(_ value: JSONValue) -> [UInt8] {
    var out: [UInt8] = []
    write(value, into: &out)
    return out
  }

  /// The canonical text of `value`.
  public static func canonicalString(_ value: JSONValue) -> String {
    String(decoding: canonicalBytes(value), as: UTF8.self)
  }

  /// An indented form for files people read: sorted keys, `indent` spaces, a final newline.
  public static func prettyBytes(_ value: JSONValue, indent: Int = 2) -> [UInt8] {
    var out: [UInt8] = []
    writePretty(value, indent: indent, level: 0, into: &out)
    out.append(10)
    return out
  }

  private static func writePretty(
    _ value: JSONValue, indent: Int, level: Int, into out: inout [UInt8]
  ) {
    func newline(_ level: Int) {
      out.append(10)
      out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }
    switch value {
    case .array(let elements) where !elements.isEmpty:
      out.append(UInt8(ascii: "["))
      for (i, element) in elements.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        newline(level + 1)
        writePretty(element, indent: indent, level: level + 1, into: &out)
      }
      newline(level)
      out.append(UInt8(ascii: "]"))
    case .object(let object) where object.count > 0:
      out.append(UInt8(ascii: "{"))
      for i in 0..<object.keys.count {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        newline(level + 1)
        writeString(object.keys[i], into: &out)
        out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
        writePretty(object.values[i], indent: indent, level: level + 1, into: &out)
      }
      newline(level)
      out.append(UInt8(ascii: "}"))
    default:
      write(value, into: &out)
    }
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  /// Appends a JSON string literal with the canonical escapes.
  ///
  /// Runs of bytes that need no escape (nearly all of them) are appended in one piece.
  public static func writeString(_ string: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var string = string
    string.withUTF8 { bytes in
      var start = 0
      for index in 0..<bytes.count {
        let byte = bytes[index]
        guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
          continue
        }
        if start < index {
          out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        }
        appendEscape(byte, into: &out)
        start = index + 1
      }
      if start < bytes.count {
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
      }
    }
    out.append(UInt8(ascii: "\""))
  }

  /// Appends the canonical escape of a quote, a backslash or a control character.
  private static func appendEscape(_ byte: UInt8, into out: inout [UInt8]) {
    switch byte {
    case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
    case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
    case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
    case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
    case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
    case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
    case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
    default:
      out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
      out.append(hexDigits[Int(byte >> 4)])
      out.append(hexDigits[Int(byte & 0xF)])
    }
  }
}
