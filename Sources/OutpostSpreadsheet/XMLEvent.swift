/// One event of an XML part, in document order, as the toolchain's parser reports it
/// (XMLParsing.swift): the rest of the module reads parts through these alone.
enum XMLEvent: Sendable, Equatable {
  /// An element begins: its local name (any namespace prefix removed) and its attributes.
  case start(String, [XMLAttribute])
  /// An element ends: its local name.
  case end(String)
  /// Character data (consecutive runs, CDATA included, joined).
  case text(String)
}

/// An attribute by its local name (`r:id` → `id`), in the order of its qualified name.
struct XMLAttribute: Sendable, Equatable {
  var name: String
  var value: String
}

extension [XMLAttribute] {
  /// The value of the first attribute with local name `name`.
  subscript(_ name: String) -> String? { first { $0.name == name }?.value }
}

/// The checks made on a part's bytes before the XML parser sees them.
enum XMLScreen {
  /// Refuses what the parser must never be handed: a part too short to be XML, invalid UTF-8 or
  /// NUL bytes, an encoding other than UTF-8, and any document type declaration or entity
  /// declaration (`<!DOCTYPE`, `<!ENTITY`: no entity expansion, no external entities).
  static func check(_ bytes: [UInt8], part: String) throws(SpreadsheetError) {
    let damaged = "the workbook is damaged; open it in Excel and save it again"
    guard bytes.count >= 8 else {
      throw SpreadsheetError(
        "\(part) is empty or truncated (\(bytes.count) bytes); \(damaged)", part: part)
    }
    var decoder = Unicode.UTF8()
    var iterator = bytes.makeIterator()
    decoding: while true {
      switch decoder.decode(&iterator) {
      case .scalarValue(let scalar):
        if scalar.value == 0 {
          throw SpreadsheetError("\(part) holds a NUL byte; \(damaged)", part: part)
        }
      case .emptyInput: break decoding
      case .error:
        throw SpreadsheetError(
          "\(part) is not valid UTF-8 (only UTF-8 parts are read); \(damaged)", part: part)
      }
    }
    if let keyword = declaration(in: bytes) {
      throw SpreadsheetError(
        "\(part) holds a document type or entity declaration (\(keyword)), which a workbook "
          + "never needs and which is refused for safety; save the workbook again from Excel",
        part: part)
    }
    if let encoding = declaredEncoding(bytes), encoding.lowercased() != "utf-8" {
      throw SpreadsheetError(
        "\(part) declares the encoding '\(encoding)'; only UTF-8 parts are read. Save the "
          + "workbook again from Excel", part: part)
    }
  }

  /// `<!DOCTYPE` or `<!ENTITY` (in any ASCII case) if `bytes` hold one.
  static func declaration(in bytes: [UInt8]) -> String? {
    let keywords = ["DOCTYPE", "ENTITY"].map { Array($0.utf8) }
    var at = 0
    while at + 1 < bytes.count {
      if bytes[at] == UInt8(ascii: "<") && bytes[at + 1] == UInt8(ascii: "!") {
        for keyword in keywords where at + 2 + keyword.count <= bytes.count {
          if zip(bytes[(at + 2)...], keyword).allSatisfy({ upper($0) == $1 }) {
            return "<!" + String(decoding: keyword, as: UTF8.self)
          }
        }
      }
      at += 1
    }
    return nil
  }

  static func upper(_ byte: UInt8) -> UInt8 {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte
  }

  /// The `encoding` of the XML declaration at the start of `bytes` (after a UTF-8 BOM), if any.
  static func declaredEncoding(_ bytes: [UInt8]) -> String? {
    var start = 0
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
    guard bytes[start...].starts(with: Array("<?xml".utf8)) else { return nil }
    var end = start
    while end + 1 < bytes.count
      && !(bytes[end] == UInt8(ascii: "?") && bytes[end + 1] == UInt8(ascii: ">"))
    {
      end += 1
    }
    let declaration = String(decoding: bytes[start..<end], as: UTF8.self)
    guard let range = declaration.firstRange(of: "encoding") else { return nil }
    var rest = declaration[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
    guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
    rest = rest.dropFirst()
    return String(rest.prefix { $0 != quote })
  }
}
