// Character-set conversion through the C library (Glibc: iconv) or CoreFoundation (Darwin). The
// only file with Darwin-specific text code; TextCodec.swift holds the rules (BOMs, strictness,
// error messages) and calls `Platform.convert`.

#if canImport(Darwin)
import CoreFoundation
import Darwin
#elseif canImport(Glibc)
@preconcurrency import Glibc
#else
#error("Unsupported platform: Outpost needs Darwin or Glibc")
#endif

/// A character set the platform converts between.
package enum PlatformCharset: Sendable, Equatable {
  case utf8, gb18030, gbk, utf16LittleEndian, utf16BigEndian
}

/// Why ``Platform/convert(_:from:to:)`` stopped.
package enum ConversionFailure: Error, Sendable, Equatable {
  /// The bytes at `offset` are not valid in the source character set, or the character that
  /// begins there has no encoding in the target one.
  case invalid(offset: Int)
  /// The input ends inside a character that begins at `offset`.
  case truncated(offset: Int)
  /// The platform cannot convert between the two character sets; the words say why.
  case unavailable(String)
}

extension Platform {
  /// Converts `bytes` from one character set to another, strictly: no byte is skipped, replaced
  /// or approximated.
  ///
  /// The offset in a failure is an index into `bytes`.
  package static func convert(
    _ bytes: [UInt8], from source: PlatformCharset, to target: PlatformCharset
  ) -> Result<[UInt8], ConversionFailure> {
    if bytes.isEmpty { return .success([]) }
    return platformConvert(bytes, from: source, to: target)
  }

  /// The length of the GB18030 (or, with `gbk`, GBK) character that begins at `index`, as its
  /// bytes say: 1 for ASCII (and GBK's 0x80, the euro sign of code page 936), 2 for a lead byte
  /// 0x81–0xFE followed by 0x40–0x7E or 0x80–0xFE, 4 (GB18030 only) for a lead byte followed by
  /// a digit 0x30–0x39; nil when no character can begin there.
  ///
  /// A sequence may run past the end of `bytes` (the text is cut short). Whether the character
  /// is assigned is the converter's business; this only finds where characters begin.
  package static func gbSequenceLength(_ bytes: [UInt8], at index: Int, gbk: Bool) -> Int? {
    let lead = bytes[index]
    if lead < 0x80 || (gbk && lead == 0x80) { return 1 }
    guard lead >= 0x81 && lead <= 0xFE else { return nil }
    guard index + 1 < bytes.count else { return gbk ? 2 : 4 }  // cut short: at least this long
    let second = bytes[index + 1]
    if !gbk && second >= 0x30 && second <= 0x39 { return 4 }
    if (second >= 0x40 && second <= 0x7E) || (second >= 0x80 && second <= 0xFE) { return 2 }
    return nil
  }

  /// Where a GB18030 or GBK text fails, for a converter that only says whether a whole text
  /// converts (CoreFoundation): each character, found by ``gbSequenceLength(_:at:gbk:)``, is
  /// converted on its own (both encodings are stateless), and the first that does not convert,
  /// or does not begin a character, or is cut short by the end, is the failure.
  package static func locateFailure(
    _ bytes: [UInt8], gbk: Bool, converts: ([UInt8]) -> Bool
  ) -> ConversionFailure {
    var index = 0
    while index < bytes.count {
      guard let length = gbSequenceLength(bytes, at: index, gbk: gbk) else {
        return .invalid(offset: index)
      }
      if index + length > bytes.count { return .truncated(offset: index) }
      if !converts(Array(bytes[index..<index + length])) { return .invalid(offset: index) }
      index += length
    }
    return .unavailable("the converter refused the text but accepts each of its characters")
  }

  /// The byte offset in UTF-8 `text` of its `units`-th UTF-16 code unit (a scalar above U+FFFF
  /// is two units).
  package static func utf8Offset(ofUTF16Unit units: Int, in text: [UInt8]) -> Int {
    var offset = 0
    var counted = 0
    while offset < text.count && counted < units {
      let lead = text[offset]
      let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
      counted += length == 4 ? 2 : 1
      offset += length
    }
    return offset
  }
}

#if canImport(Darwin)
extension Platform {
  /// CoreFoundation's encoding constants (CFString.h, CFStringEncodingExt.h).
  ///
  /// GBK is code page 936 (`kCFStringEncodingDOSChineseSimplif`), which glibc's GBK also is:
  /// GBK plus the euro sign at 0x80.
  private static func encoding(_ charset: PlatformCharset) -> CFStringEncoding {
    switch charset {
    case .utf8: 0x0800_0100  // kCFStringEncodingUTF8
    case .gb18030: 0x0632  // kCFStringEncodingGB_18030_2000
    case .gbk: 0x0421  // kCFStringEncodingDOSChineseSimplif
    case .utf16LittleEndian: 0x1400_0100  // kCFStringEncodingUTF16LE
    case .utf16BigEndian: 0x1000_0100  // kCFStringEncodingUTF16BE
    }
  }

  /// The text of `bytes` in `charset`, or nil when they are not valid in it.
  private static func string(_ bytes: [UInt8], _ charset: PlatformCharset) -> CFString? {
    bytes.withUnsafeBufferPointer {
      CFStringCreateWithBytes(nil, $0.baseAddress, $0.count, encoding(charset), false)
    }
  }

  private static func platformConvert(
    _ bytes: [UInt8], from source: PlatformCharset, to target: PlatformCharset
  ) -> Result<[UInt8], ConversionFailure> {
    guard let text = string(bytes, source) else {
      switch source {
      case .gb18030, .gbk:
        return .failure(
          locateFailure(bytes, gbk: source == .gbk) { string($0, source) != nil })
      default:
        // UTF-8 input was validated by the caller, and CFString takes any UTF-16 code units.
        return .failure(.unavailable("CoreFoundation refused the text"))
      }
    }
    let range = CFRange(location: 0, length: CFStringGetLength(text))
    var needed: CFIndex = 0
    let convertible = CFStringGetBytes(
      text, range, encoding(target), 0, false, nil, 0, &needed)
    guard convertible == range.length else {
      // `convertible` UTF-16 units convert; the one after them does not.
      switch source {
      case .utf8: return .failure(.invalid(offset: utf8Offset(ofUTF16Unit: convertible, in: bytes)))
      case .utf16LittleEndian, .utf16BigEndian: return .failure(.invalid(offset: 2 * convertible))
      case .gb18030, .gbk:
        return .failure(.unavailable("CoreFoundation cannot write the text as UTF-8"))
      }
    }
    var output = [UInt8](repeating: 0, count: needed)
    var used: CFIndex = 0
    _ = CFStringGetBytes(text, range, encoding(target), 0, false, &output, needed, &used)
    return .success(Array(output[..<used]))
  }
}
#else
extension Platform {
  /// glibc's names for the character sets (`iconv -l`).
  private static func iconvName(_ charset: PlatformCharset) -> String {
    switch charset {
    case .utf8: "UTF-8"
    case .gb18030: "GB18030"
    case .gbk: "GBK"  // glibc's GBK is code page 936 (CP936 is an alias): 0x80 is the euro sign
    case .utf16LittleEndian: "UTF-16LE"
    case .utf16BigEndian: "UTF-16BE"
    }
  }

  private static func platformConvert(
    _ bytes: [UInt8], from source: PlatformCharset, to target: PlatformCharset
  ) -> Result<[UInt8], ConversionFailure> {
    // No //IGNORE or //TRANSLIT suffix: iconv stops at the first byte it cannot convert.
    guard let descriptor = iconv_open(iconvName(target), iconvName(source)),
      Int(bitPattern: descriptor) != -1
    else {
      return .failure(
        .unavailable(
          "the C library cannot convert \(iconvName(source)) to \(iconvName(target)): "
            + "\(Errno(errno)) (are glibc's gconv modules installed?)"))
    }
    defer { iconv_close(descriptor) }
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count * 2)
    var chunk = [UInt8](repeating: 0, count: max(4096, min(bytes.count * 3, 1 << 20)))
    return bytes.withUnsafeBufferPointer { input -> Result<[UInt8], ConversionFailure> in
      // iconv takes a non-const pointer to the input but does not write through it.
      var next: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: input.baseAddress!)
        .assumingMemoryBound(to: CChar.self)
      var left = input.count
      // One call converts as much as fits in the chunk; with no input left, one more call writes
      // any closing sequence (none for these character sets).
      func step(flush: Bool) -> (result: Int, code: Int32) {
        chunk.withUnsafeMutableBytes { buffer in
          var out: UnsafeMutablePointer<CChar>? = buffer.baseAddress!.assumingMemoryBound(
            to: CChar.self)
          var room = buffer.count
          let result =
            flush
            ? iconv(descriptor, nil, nil, &out, &room)
            : iconv(descriptor, &next, &left, &out, &room)
          let code = errno
          output.append(contentsOf: buffer.prefix(buffer.count - room))
          return (result, code)
        }
      }
      while left > 0 {
        let (result, code) = step(flush: false)
        guard result == -1 else { continue }
        switch code {
        case E2BIG: continue  // the chunk was full: it is emptied into `output`, go on
        case EILSEQ: return .failure(.invalid(offset: input.count - left))
        case EINVAL: return .failure(.truncated(offset: input.count - left))
        default: return .failure(.unavailable("iconv failed: \(Errno(code))"))
        }
      }
      while true {
        let (result, code) = step(flush: true)
        if result != -1 { return .success(output) }
        if code != E2BIG { return .failure(.unavailable("iconv failed: \(Errno(code))")) }
      }
    }
  }
}
#endif
