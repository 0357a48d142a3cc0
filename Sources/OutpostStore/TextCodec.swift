import OutpostCodec

/// A text encoding Outpost reads and writes besides UTF-8 (SPEC.md §3.4).
///
/// Chinese Excel saves CSV in the Windows code page 936 (GBK) or in GB18030, and "Unicode text"
/// in UTF-16; ``TextCodec`` converts them to and from UTF-8 through the platform.
public enum TextEncoding: String, Sendable, CaseIterable {
  /// UTF-8; a leading byte order mark (EF BB BF) is removed when decoding.
  case utf8 = "utf-8"
  /// GB18030: every Unicode character, one, two or four bytes each; ASCII and GBK's
  /// characters keep their bytes.
  case gb18030
  /// GBK as Windows code page 936 writes it (0x80 is the euro sign); a subset of GB18030.
  case gbk
  /// UTF-16 with a byte order mark: little-endian (FF FE) or big-endian (FE FF).
  case utf16 = "utf-16"

  /// The names ``init(name:)`` accepts, case aside, in the order help lists them.
  public static let acceptedNames = ["utf-8", "utf8", "gb18030", "gbk", "cp936", "utf-16"]

  /// The encoding a user named: `utf-8` or `utf8`, `gb18030`, `gbk` or `cp936` (the Windows
  /// name of the same code page), `utf-16`; upper or lower case.
  ///
  /// - Throws: ``TextEncodingNameError`` listing the accepted names.
  public init(name: String) throws(TextEncodingNameError) {
    switch name.lowercased() {
    case "utf-8", "utf8": self = .utf8
    case "gb18030": self = .gb18030
    case "gbk", "cp936": self = .gbk
    case "utf-16": self = .utf16
    default: throw TextEncodingNameError(name: name)
    }
  }
}

/// A name that is not one of ``TextEncoding/acceptedNames``.
public struct TextEncodingNameError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The name as given.
  public var name: String

  /// An error for `name`.
  public init(name: String) { self.name = name }

  /// What was wrong and which names work.
  public var description: String {
    "unknown text encoding '\(name)'; use one of "
      + TextEncoding.acceptedNames.joined(separator: ", ")
  }
}

/// Why a text could not be decoded or encoded, and where.
public struct TextCodecError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What is wrong and what to do.
  public var message: String
  /// The offset in the input (0-based) where it went wrong.
  public var byteOffset: Int
  /// The line (1-based) of `byteOffset`: one more than the line feeds before it.
  public var line: Int

  /// Creates an error.
  public init(message: String, byteOffset: Int, line: Int) {
    self.message = message
    self.byteOffset = byteOffset
    self.line = line
  }

  /// `line L, byte B: message`.
  public var description: String { "line \(line), byte \(byteOffset): \(message)" }
}

/// Strict conversion between UTF-8 and the encodings of ``TextEncoding`` (SPEC.md §3.4).
///
/// Nothing is skipped, replaced or approximated: a byte that is not valid in the encoding, a
/// character cut short by the end of the input, or a character the target encoding lacks is an
/// error with its byte offset and line. The conversions themselves are the platform's (glibc's
/// iconv, CoreFoundation on Apple systems).
public enum TextCodec {
  /// The UTF-8 byte order mark.
  public static let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

  /// Decodes to UTF-8 bytes.
  ///
  /// - utf-8: validated; a leading byte order mark is removed.
  /// - gb18030, gbk: converted strictly (an invalid or truncated sequence is an error with its
  ///   byte offset and line). A GB18030 byte order mark (84 31 95 33) is U+FEFF like any other
  ///   character and stays, as a UTF-8 one.
  /// - utf-16: the input must begin with a byte order mark (FF FE little-endian, FE FF
  ///   big-endian), which is removed, and have an even length; a lone surrogate is an error.
  public static func decode(_ bytes: [UInt8], from encoding: TextEncoding) throws(TextCodecError)
    -> [UInt8]
  {
    switch encoding {
    case .utf8:
      if let bad = invalidUTF8Offset(bytes) {
        throw TextCodecError(
          message: "invalid UTF-8 (byte 0x\(hex(bytes[bad]))): the text is not UTF-8; "
            + "save it as UTF-8, or name its encoding (gb18030, gbk, utf-16)",
          byteOffset: bad, line: lineNumber(bytes, bad))
      }
      return bytes.starts(with: utf8BOM) ? Array(bytes.dropFirst(3)) : bytes
    case .gb18030, .gbk:
      let gbk = encoding == .gbk
      let name = gbk ? "GBK" : "GB18030"
      switch Platform.convert(bytes, from: gbk ? .gbk : .gb18030, to: .utf8) {
      case .success(let text): return text
      case .failure(.invalid(let offset)):
        let length = min(
          Platform.gbSequenceLength(bytes, at: offset, gbk: gbk) ?? 1, bytes.count - offset)
        let shown = bytes[offset..<offset + length].map(hex).joined(separator: " ")
        throw TextCodecError(
          message: "the byte(s) \(shown) are not a \(name) character; the text is not "
            + "\(name), or is damaged: name its real encoding (utf-8, gb18030, gbk, utf-16)",
          byteOffset: offset, line: lineNumber(bytes, offset))
      case .failure(.truncated(let offset)):
        throw TextCodecError(
          message: "the text ends inside a \(name) character (lead byte 0x\(hex(bytes[offset]))); "
            + "the file may be cut short",
          byteOffset: offset, line: lineNumber(bytes, offset))
      case .failure(.unavailable(let why)):
        throw TextCodecError(message: why, byteOffset: 0, line: 1)
      }
    case .utf16:
      return try decodeUTF16(bytes)
    }
  }

  /// Encodes UTF-8 text (which must be valid: an error names the first invalid byte).
  ///
  /// - utf-8: the text as it is.
  /// - gb18030: every Unicode scalar has bytes in GB18030; a platform that lacks a mapping
  ///   (glibc refuses 24 private-use code points whose GB18030-2005 bytes GB18030-2022 gave to
  ///   standard characters) reports the character like a GBK gap.
  /// - gbk: a character GBK lacks is an error naming the character and its line.
  /// - utf-16: little-endian with a byte order mark (FF FE).
  ///
  /// For gb18030 and gbk the result is decoded again and must give back the text exactly, so
  /// a character the platform dropped or replaced is an error too.
  public static func encode(_ utf8: [UInt8], to encoding: TextEncoding) throws(TextCodecError)
    -> [UInt8]
  {
    if let bad = invalidUTF8Offset(utf8) {
      throw TextCodecError(
        message: "invalid UTF-8 (byte 0x\(hex(utf8[bad]))) in the text to encode",
        byteOffset: bad, line: lineNumber(utf8, bad))
    }
    switch encoding {
    case .utf8:
      return utf8
    case .utf16:
      switch Platform.convert(utf8, from: .utf8, to: .utf16LittleEndian) {
      case .success(let bytes): return [0xFF, 0xFE] + bytes
      case .failure(let failure): throw unencodable(utf8, failure, "UTF-16")
      }
    case .gb18030, .gbk:
      let charset: PlatformCharset = encoding == .gbk ? .gbk : .gb18030
      let name = encoding == .gbk ? "GBK" : "GB18030"
      let bytes: [UInt8]
      switch Platform.convert(utf8, from: .utf8, to: charset) {
      case .success(let converted): bytes = converted
      case .failure(let failure): throw unencodable(utf8, failure, name)
      }
      let back: [UInt8]
      switch Platform.convert(bytes, from: charset, to: .utf8) {
      case .success(let text): back = text
      case .failure:
        throw unencodable(
          utf8, .unavailable("the platform's \(name) output does not decode again"), name)
      }
      if back != utf8 {
        var offset = zip(back, utf8).prefix { $0 == $1 }.count
        while offset > 0 && offset < utf8.count && utf8[offset] & 0xC0 == 0x80 { offset -= 1 }
        throw unencodable(utf8, .invalid(offset: offset), name)
      }
      return bytes
    }
  }

  /// UTF-16 with a byte order mark to UTF-8.
  private static func decodeUTF16(_ bytes: [UInt8]) throws(TextCodecError) -> [UInt8] {
    let little: Bool
    switch (bytes.first, bytes.dropFirst().first) {
    case (0xFF?, 0xFE?): little = true
    case (0xFE?, 0xFF?): little = false
    default:
      let start = bytes.prefix(2).map { "0x" + hex($0) }.joined(separator: " ")
      throw TextCodecError(
        message: "UTF-16 text must begin with a byte order mark (FF FE or FE FF), and this "
          + (bytes.isEmpty ? "is empty" : "begins with \(start)")
          + "; if the file is UTF-8 or GB18030, name that encoding instead",
        byteOffset: 0, line: 1)
    }
    if bytes.count % 2 != 0 {
      throw TextCodecError(
        message: "UTF-16 text has an odd number of bytes (\(bytes.count)): the last byte is half "
          + "a character; the file may be cut short",
        byteOffset: bytes.count - 1, line: utf16Line(bytes, bytes.count - 1, little: little))
    }
    let body = Array(bytes.dropFirst(2))
    switch Platform.convert(body, from: little ? .utf16LittleEndian : .utf16BigEndian, to: .utf8) {
    case .success(let text): return text
    case .failure(.invalid(let at)), .failure(.truncated(let at)):
      let offset = at + 2
      let unit =
        little
        ? UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
        : UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
      throw TextCodecError(
        message: "a lone surrogate (U+\(hex(unit))): in UTF-16 a surrogate must be half of a "
          + "pair; the file is damaged",
        byteOffset: offset, line: utf16Line(bytes, offset, little: little))
    case .failure(.unavailable(let why)):
      throw TextCodecError(message: why, byteOffset: 0, line: 1)
    }
  }

  /// The error for a character at a failure's offset that `name` cannot encode.
  private static func unencodable(_ utf8: [UInt8], _ failure: ConversionFailure, _ name: String)
    -> TextCodecError
  {
    let offset: Int
    switch failure {
    case .invalid(let at), .truncated(let at): offset = at
    case .unavailable(let why): return TextCodecError(message: why, byteOffset: 0, line: 1)
    }
    let line = lineNumber(utf8, offset)
    guard offset < utf8.count else {
      return TextCodecError(
        message: "the text could not be encoded as \(name)", byteOffset: offset, line: line)
    }
    let lead = utf8[offset]
    let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    let character = String(decoding: utf8[offset..<min(offset + length, utf8.count)], as: UTF8.self)
    let scalar = character.unicodeScalars.first.map { String($0.value, radix: 16, uppercase: true) }
    let code =
      "U+" + String(repeating: "0", count: max(0, 4 - (scalar?.count ?? 0))) + (scalar ?? "")
    let other = name == "GBK" ? "gb18030 (which has every character) or utf-8" : "utf-8"
    return TextCodecError(
      message: "the character '\(character)' (\(code)) on line \(line) has no \(name) encoding"
        + (name == "GB18030" ? " on this system" : "") + "; write \(other) instead, or change "
        + "the character",
      byteOffset: offset, line: line)
  }

  /// The offset of the first byte that is not part of valid UTF-8 (RFC 3629: no overlong
  /// forms, no surrogates, nothing above U+10FFFF), or nil: the CSV reader's check
  /// (``CSVReader/invalidUTF8Offset(_:)``), one implementation for both.
  public static func invalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
    CSVReader.invalidUTF8Offset(bytes)
  }

  /// The line of `offset`: one more than the line feeds (0x0A) before it.
  ///
  /// In UTF-8, GB18030 and GBK the byte 0x0A is always a line feed (no multi-byte character
  /// contains it).
  private static func lineNumber(_ bytes: [UInt8], _ offset: Int) -> Int {
    1 + bytes[..<min(offset, bytes.count)].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
  }

  /// The line of `offset` in UTF-16 with a byte order mark: one more than the U+000A code
  /// units before it.
  private static func utf16Line(_ bytes: [UInt8], _ offset: Int, little: Bool) -> Int {
    var count = 1
    var index = 2
    while index < offset && index + 1 < bytes.count {
      let (low, high) = little ? (bytes[index], bytes[index + 1]) : (bytes[index + 1], bytes[index])
      if low == 0x0A && high == 0 { count += 1 }
      index += 2
    }
    return count
  }

  private static func hex(_ byte: UInt8) -> String {
    (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
  }

  private static func hex(_ unit: UInt16) -> String {
    let digits = String(unit, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - digits.count) + digits
  }
}
