import OutpostStore
import OutpostTestRandom
import Testing

/// SPEC.md §3.4: `TextCodec` decodes and encodes GB18030, GBK and UTF-16 through the platform,
/// strictly, with the byte offset and line of every failure.
///
/// The reference bytes were computed outside Outpost with Python 3.11 (`'中文'.encode('gb18030')
/// .hex()`, `'A中\U00020000\n'.encode('utf-16-le').hex()`, ...), except GBK's euro sign, which
/// Python's `gbk` codec lacks: 0x80 is U+20AC in Microsoft's code page 936 table (unicode.org,
/// MAPPINGS/VENDORS/MICSFT/WINDOWS/CP936.TXT) and in the WHATWG Encoding Standard's GBK encoder.
struct TextCodecTests {
  /// Bytes from hex digits.
  static func bytes(_ hex: String) -> [UInt8] {
    var result: [UInt8] = []
    var digits = hex.filter { $0 != " " }.makeIterator()
    while let high = digits.next(), let low = digits.next() {
      result.append(UInt8(String([high, low]), radix: 16)!)
    }
    return result
  }

  static func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

  /// The error `body` throws, or nil.
  static func failure(_ body: () throws(TextCodecError) -> [UInt8]) -> TextCodecError? {
    do {
      _ = try body()
      return nil
    } catch { return error }
  }

  /// (text, its GB18030 bytes), from Python's `gb18030` codec (GB18030-2005).
  static let gb18030Vectors: [(String, String)] = [
    ("中文", "d6d0cec4"),
    ("中文,金额\n1,2.50\n", "d6d0cec42cbdf0b6ee0a312c322e35300a"),
    ("€", "a2e3"),  // two bytes in GB18030; GBK (code page 936) writes 0x80
    ("é", "a8a6"),
    ("\u{80}", "81308130"),  // the first four-byte sequence
    ("・", "8139a739"),  // U+30FB: not in GBK, four bytes in GB18030
    ("\u{FFFF}", "8431a439"),  // the last BMP code point
    ("𠀀", "95328236"),  // U+20000: supplementary plane, GB18030 only
    ("😀", "9439fc36"),  // U+1F600
    ("\u{10FFFF}", "e3329a35"),  // the last code point
    ("\u{FEFF}A", "84319533 41"),  // a GB18030 byte order mark is U+FEFF, kept as text
    // U+E5E5 (private use) ↔ A3A0 is GB18030-2005's mapping, as glibc (2.36) and Python have
    // it; the WHATWG and ICU decoders read A3A0 as U+3000 since 2023.
    ("\u{E5E5}", "a3a0"),
  ]

  @Test("GB18030 reference vectors encode and decode both ways")
  func gb18030Vectors() throws {
    for (text, hex) in Self.gb18030Vectors {
      #expect(try TextCodec.encode(Self.utf8(text), to: .gb18030) == Self.bytes(hex), "\(text)")
      #expect(try TextCodec.decode(Self.bytes(hex), from: .gb18030) == Self.utf8(text), "\(hex)")
    }
  }

  @Test("GBK is code page 936: the euro sign is 0x80; characters GBK lacks are refused by name")
  func gbk() throws {
    #expect(try TextCodec.encode(Self.utf8("中文"), to: .gbk) == Self.bytes("d6d0cec4"))
    #expect(try TextCodec.encode(Self.utf8("€"), to: .gbk) == [0x80])
    #expect(try TextCodec.decode([0x80], from: .gbk) == Self.utf8("€"))
    // U+20000 is on line 2 at byte 6: "ab\n" is 3 bytes, "中" 3 more.
    let text = Self.utf8("ab\n中𠀀x")
    let error = try #require(
      Self.failure { () throws(TextCodecError) in
        try TextCodec.encode(text, to: .gbk)
      })
    #expect(error.byteOffset == 6 && error.line == 2, "\(error)")
    #expect(error.message.contains("'𠀀' (U+20000) on line 2 has no GBK encoding"), "\(error)")
    #expect(error.message.contains("gb18030"), "\(error)")
    for refused in ["・", "\u{E5E5}", "😀"] {
      #expect(
        Self.failure { () throws(TextCodecError) in
          try TextCodec.encode(Self.utf8(refused), to: .gbk)
        }?.byteOffset == 0, "\(refused)")
    }
    // glibc's GBK encoder writes nothing for the tag characters U+E0000–U+E007F; the round trip
    // check in `encode` refuses them instead of dropping them.
    let tag = try #require(
      Self.failure { () throws(TextCodecError) in
        try TextCodec.encode(Self.utf8("x\u{E0001}y"), to: .gbk)
      })
    #expect(tag.byteOffset == 1 && tag.message.contains("U+E0001"), "\(tag)")
  }

  /// Private-use code points whose GB18030-2005 bytes GB18030-2022 gave to standard characters.
  ///
  /// The bytes are A6D9–A6DF, A6EC–A6ED, A6F3, FE51–FE53, FE59, FE61, FE66–FE67, FE6C–FE6D,
  /// FE76, FE7E, FE90–FE91 and FEA0. glibc 2.36 reads those bytes as the standard characters
  /// and has no bytes for these code points; Python's codec still maps them. Either is
  /// accepted.
  static let reassignedPrivateUse: Set<UInt32> = [
    0xE78D, 0xE78E, 0xE78F, 0xE790, 0xE791, 0xE792, 0xE793, 0xE794, 0xE795, 0xE796, 0xE816,
    0xE817, 0xE818, 0xE81E, 0xE826, 0xE82B, 0xE82C, 0xE831, 0xE832, 0xE83B, 0xE843, 0xE854,
    0xE855, 0xE864,
  ]

  @Test("every BMP scalar but the surrogates goes through GB18030 and back")
  func everyBMPScalar() throws {
    var text: [UInt8] = []
    for value in UInt32(0)...0xFFFF where !(0xD800...0xDFFF).contains(value) {
      guard !Self.reassignedPrivateUse.contains(value) else { continue }
      text += Self.utf8(String(Unicode.Scalar(value)!))
    }
    let encoded = try TextCodec.encode(text, to: .gb18030)
    #expect(try TextCodec.decode(encoded, from: .gb18030) == text)
    for value in Self.reassignedPrivateUse.sorted() {
      let one = Self.utf8(String(Unicode.Scalar(value)!))
      do {
        let bytes = try TextCodec.encode(one, to: .gb18030)
        #expect(try TextCodec.decode(bytes, from: .gb18030) == one, "U+\(value)")
      } catch {
        let code = "U+" + String(value, radix: 16, uppercase: true)
        #expect(error.message.contains(code) && error.byteOffset == 0, "\(error)")
      }
    }
  }

  @Test(
    "invalid GB18030 and GBK bytes are refused at their offset and line",
    arguments: [
      // (bytes, encoding, offset, line, truncated)
      ("41 0a d6", TextEncoding.gb18030, 2, 2, true),  // a lone lead byte at the end
      ("61 62 0a 0a 80 63", .gb18030, 4, 3, false),  // 0x80 alone
      ("ff", .gb18030, 0, 1, false),
      ("d6 d0 0a ff 41", .gb18030, 3, 2, false),
      ("41 81 30 81", .gb18030, 1, 1, true),  // a four-byte sequence cut short
      ("41 81 20", .gb18030, 1, 1, false),  // a lead byte followed by a space
      ("0a 0a 0a d6", .gbk, 3, 4, true),
      ("41 ff", .gbk, 1, 1, false),
      ("41 81 30 81 30", .gbk, 1, 1, false),  // GBK has no four-byte sequences
    ])
  func invalidGB(hex: String, encoding: TextEncoding, offset: Int, line: Int, truncated: Bool) {
    let error = Self.failure { () throws(TextCodecError) in
      try TextCodec.decode(Self.bytes(hex), from: encoding)
    }
    #expect(
      error?.byteOffset == offset && error?.line == line, "\(hex): \(String(describing: error))")
    #expect(error?.message.contains(truncated ? "ends inside" : "are not a") == true)
  }

  @Test("UTF-16 little- and big-endian with a byte order mark; the mark is removed")
  func utf16() throws {
    let text = Self.utf8("A中𠀀\n")
    #expect(try TextCodec.decode(Self.bytes("fffe 41002d4e40d800dc0a00"), from: .utf16) == text)
    #expect(try TextCodec.decode(Self.bytes("feff 00414e2dd840dc00000a"), from: .utf16) == text)
    #expect(try TextCodec.encode(text, to: .utf16) == Self.bytes("fffe 41002d4e40d800dc0a00"))
    #expect(try TextCodec.encode([], to: .utf16) == [0xFF, 0xFE])
    #expect(try TextCodec.decode([0xFF, 0xFE], from: .utf16) == [])
  }

  @Test(
    "UTF-16 without a byte order mark, of odd length or with a lone surrogate is refused",
    arguments: [
      // (bytes, offset, line, message)
      ("41 00 42 00", 0, 1, "must begin with a byte order mark (FF FE or FE FF)"),
      ("", 0, 1, "is empty"),
      ("ef bb bf 41", 0, 1, "begins with 0xEF 0xBB"),
      ("ff fe 41 00 0a 00 42", 6, 2, "odd number of bytes (7)"),
      ("ff fe 41 00 0a 00 00 d8 42 00", 6, 2, "lone surrogate (U+D800)"),
      ("fe ff 00 0a 00 0a dc 00", 6, 3, "lone surrogate (U+DC00)"),
      ("ff fe 41 00 00 d8", 4, 1, "lone surrogate (U+D800)"),  // a high surrogate at the end
    ])
  func utf16Refused(hex: String, offset: Int, line: Int, message: String) {
    let error = Self.failure { () throws(TextCodecError) in
      try TextCodec.decode(Self.bytes(hex), from: .utf16)
    }
    #expect(
      error?.byteOffset == offset && error?.line == line, "\(hex): \(String(describing: error))")
    #expect(error?.message.contains(message) == true, "\(String(describing: error))")
  }

  @Test("UTF-8: the byte order mark is removed; invalid UTF-8 is refused with its offset")
  func utf8() throws {
    #expect(try TextCodec.decode(Self.bytes("efbbbf 41 0a"), from: .utf8) == [0x41, 0x0A])
    #expect(try TextCodec.decode(Self.utf8("中文"), from: .utf8) == Self.utf8("中文"))
    // overlong, surrogate, above U+10FFFF, a continuation byte alone, cut short
    for (hex, offset, line) in [
      ("6f6b 0a c0 80", 3, 2), ("41 eda080", 1, 1), ("f4 90 80 80", 0, 1), ("0a 0a 80", 2, 3),
      ("41 e4 b8", 1, 1),
    ] {
      let error = Self.failure { () throws(TextCodecError) in
        try TextCodec.decode(Self.bytes(hex), from: .utf8)
      }
      #expect(error?.byteOffset == offset && error?.line == line, "\(hex)")
      let encoding = Self.failure { () throws(TextCodecError) in
        try TextCodec.encode(Self.bytes(hex), to: .gb18030)
      }
      #expect(encoding?.byteOffset == offset && encoding?.line == line, "\(hex)")
    }
  }

  @Test("encoding names: utf-8/utf8, gb18030, gbk/cp936, utf-16 in any case; others listed")
  func names() throws {
    for (name, encoding) in [
      ("utf-8", TextEncoding.utf8), ("UTF8", .utf8), ("GB18030", .gb18030), ("gbk", .gbk),
      ("CP936", .gbk), ("Utf-16", .utf16),
    ] {
      #expect(try TextEncoding(name: name) == encoding)
    }
    for name in ["latin1", "utf-16le", "gb2312", ""] {
      #expect(throws: TextEncodingNameError(name: name)) { try TextEncoding(name: name) }
    }
    #expect(
      TextEncodingNameError(name: "big5").description
        == "unknown text encoding 'big5'; use one of utf-8, utf8, gb18030, gbk, cp936, utf-16")
  }

  /// Random text: scalars from ASCII, CJK, the rest of the BMP and the supplementary planes,
  /// with line feeds.
  static func randomText(_ random: inout SplitMix64, count: Int) -> [UInt8] {
    var text = ""
    for _ in 0..<count {
      let value: UInt32
      switch random.next() % 5 {
      case 0: value = UInt32(random.next() % 0x80)
      case 1: value = 0x4E00 + UInt32(random.next() % 0x5200)
      case 2: value = 0x0A
      case 3: value = UInt32(random.next() % 0x10000)
      default: value = 0x10000 + UInt32(random.next() % 0x100000)
      }
      guard let scalar = Unicode.Scalar(value), !reassignedPrivateUse.contains(value) else {
        continue
      }
      text.unicodeScalars.append(scalar)
    }
    return utf8(text)
  }

  @Test("seeded: random bytes never crash a decoder; decode(encode(x)) == x for random text")
  func randomized() throws {
    let seed = testSeed(0x7E47_C0DE)
    var random = SplitMix64(seed: seed)
    for round in 0..<1500 {
      let length = Int(random.next() % 24)
      let noise = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      for encoding in TextEncoding.allCases {
        do {
          let text = try TextCodec.decode(noise, from: encoding)
          #expect(TextCodec.invalidUTF8Offset(text) == nil, "seed \(seed) round \(round)")
        } catch {
          #expect(error.byteOffset >= 0 && error.byteOffset <= noise.count)
          #expect(error.line >= 1 && error.line <= 1 + noise.count)
        }
      }
      let text = Self.randomText(&random, count: Int(random.next() % 40))
      for encoding in [TextEncoding.utf8, .gb18030, .utf16] {
        let encoded = try TextCodec.encode(text, to: encoding)
        #expect(try TextCodec.decode(encoded, from: encoding) == text, "seed \(seed) \(encoding)")
      }
      // GBK lacks many of these: a refusal names the first character it lacks.
      do {
        let encoded = try TextCodec.encode(text, to: .gbk)
        #expect(try TextCodec.decode(encoded, from: .gbk) == text, "seed \(seed) round \(round)")
      } catch {
        #expect(error.byteOffset < text.count && text[error.byteOffset] & 0xC0 != 0x80)
        #expect(error.message.contains("has no GBK encoding"), "\(error)")
      }
    }
  }

  @Test(
    "seeded: the Apple fallback that locates a failure character by character agrees with iconv")
  func locateFailure() {
    let seed = testSeed(0x10CA_7E00)
    var random = SplitMix64(seed: seed)
    var failures = 0
    for _ in 0..<3000 {
      // Mostly valid GB18030 with a damaged byte or a cut end now and then.
      var bytes = (try? TextCodec.encode(Self.randomText(&random, count: 6), to: .gb18030)) ?? []
      if !bytes.isEmpty && random.next() % 2 == 0 {
        bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
      }
      if !bytes.isEmpty && random.next() % 3 == 0 { bytes.removeLast() }
      for gbk in [false, true] {
        let charset: PlatformCharset = gbk ? .gbk : .gb18030
        guard case .failure(let failure) = Platform.convert(bytes, from: charset, to: .utf8)
        else { continue }
        failures += 1
        let located = Platform.locateFailure(bytes, gbk: gbk) {
          if case .success = Platform.convert($0, from: charset, to: .utf8) { return true }
          return false
        }
        func offset(_ failure: ConversionFailure) -> Int? {
          switch failure {
          case .invalid(let at), .truncated(let at): at
          case .unavailable: nil
          }
        }
        #expect(offset(located) == offset(failure), "seed \(seed): \(bytes) gbk \(gbk)")
      }
    }
    #expect(failures > 100)
  }

  @Test("UTF-16 unit index to UTF-8 offset (the Apple encoder's failure position)")
  func utf16Offsets() {
    let text = Self.utf8("a中𠀀b")  // 1 + 3 + 4 + 1 bytes; 1 + 1 + 2 + 1 units
    #expect(
      [0, 1, 2, 4, 5].map { Platform.utf8Offset(ofUTF16Unit: $0, in: text) } == [0, 1, 4, 8, 9])
  }
}
