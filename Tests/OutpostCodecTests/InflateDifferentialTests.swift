import OutpostTestRandom
import Testing

@testable import OutpostCodec

/// The table-driven ``Inflate`` against ``ReferenceInflate``, the previous bit-at-a-time decoder.
///
/// On seeded streams of every kind (the encoder's at every level, hand-built stored and
/// fixed blocks, random bytes), and on truncated and bit-flipped copies of them, both give the
/// same output and `end`, or the same failure (message, offset, `exceedsLimit`), with `limit:`
/// and `exactLimit:`, at limits below and at the output's size. The Huffman tables alone are
/// checked against the reference's codes on seeded sets of code lengths.
struct InflateDifferentialTests {
  /// What a decoder made of a stream.
  enum Outcome: Equatable, CustomStringConvertible {
    case output([UInt8], end: Int?)
    case failure(Inflate.Failure)

    var description: String {
      switch self {
      case .output(let bytes, let end): "\(bytes.count) bytes, end \(end.map(String.init) ?? "-")"
      case .failure(let failure): "\(failure) (exceedsLimit \(failure.exceedsLimit))"
      }
    }
  }

  static func outcome(_ body: () throws(Inflate.Failure) -> ([UInt8], Int?)) -> Outcome {
    do throws(Inflate.Failure) {
      let (bytes, end) = try body()
      return .output(bytes, end: end)
    } catch { return .failure(error) }
  }

  /// Decodes `stream` with both decoders, both entry points, at `limit`.
  ///
  /// The new decoder also runs from a 16-byte array that must grow. Returns whether the reference decoded it.
  @discardableResult
  static func compare(_ stream: [UInt8], limit: Int, _ note: @autoclosure () -> String) -> Bool {
    let expected = outcome { () throws(Inflate.Failure) in
      (try ReferenceInflate.decompress(stream, limit: limit), nil)
    }
    let actual = outcome { () throws(Inflate.Failure) in
      (try Inflate.decompress(stream, limit: limit), nil)
    }
    #expect(actual == expected, "limit: \(note()): \(actual) vs reference \(expected)")
    let expectedExact = outcome { () throws(Inflate.Failure) in
      try ReferenceInflate.decompress(stream, exactLimit: limit)
    }
    let actualExact = outcome { () throws(Inflate.Failure) in
      try Inflate.decompress(stream, exactLimit: limit)
    }
    #expect(
      actualExact == expectedExact, "exactLimit: \(note()): \(actualExact) vs \(expectedExact)")
    let grown = outcome { () throws(Inflate.Failure) in
      try Inflate.run(stream, limit: limit, capacity: 16)
    }
    #expect(grown == expectedExact, "capacity 16: \(note()): \(grown) vs \(expectedExact)")
    if case .output = expected { return true }
    return false
  }

  /// Compares `stream` as it is (at its output's size, below it, and at a generous limit), then
  /// truncated and with bits flipped.
  static func compareDamaged(
    _ stream: [UInt8], _ rng: inout SplitMix64, _ note: @autoclosure () -> String
  ) {
    let size = (try? ReferenceInflate.decompress(stream, limit: 1 << 24).count) ?? 1 << 20
    compare(stream, limit: size, "\(note()) at its size")
    compare(stream, limit: size + 1_000, "\(note()) with room")
    if size > 0 {
      let below = Int(rng.next() % UInt64(size))
      compare(stream, limit: below, "\(note()) limit \(below)")
    }
    guard !stream.isEmpty else { return }
    for _ in 0..<4 {
      let cut = Int(rng.next() % UInt64(stream.count))
      compare(Array(stream[..<cut]), limit: size, "\(note()) cut to \(cut)")
    }
    for _ in 0..<6 {
      var flipped = stream
      var flips: [Int] = []
      for _ in 0...Int(rng.next() % 3) {
        let bit = Int(rng.next() % UInt64(stream.count * 8))
        flipped[bit / 8] ^= 1 << (bit % 8)
        flips.append(bit)
      }
      compare(flipped, limit: size + 64, "\(note()) bits \(flips) flipped")
    }
  }

  /// Seeded test data: random bytes, repetitive text, long runs, JSON lines, mixtures.
  static func data(_ rng: inout SplitMix64) -> [UInt8] {
    let count = Int(rng.next() % 3 == 0 ? rng.next() % 70_000 : rng.next() % 3_000)
    switch rng.next() % 5 {
    case 0: return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    case 1:
      let words = ["the ", "sync ", "journal ", "office ", "订单 ", "\n", "north ", "a", "ab "]
      var bytes: [UInt8] = []
      while bytes.count < count { bytes += Array(words[Int(rng.next() % 9)].utf8) }
      return bytes
    case 2:
      var bytes: [UInt8] = []
      while bytes.count < count {
        let byte = UInt8(truncatingIfNeeded: rng.next() % 4)
        bytes += [UInt8](repeating: byte, count: Int(rng.next() % 2_000))
      }
      return bytes
    case 3:
      var text = ""
      var index = 0
      while text.utf8.count < count {
        let hash = String(rng.next(), radix: 16) + String(rng.next(), radix: 16)
        text += "{\"entry\":{\"id\":\"ord-\(index)\",\"amount\":\"\(rng.next() % 10_000).25\","
        text += "\"prev\":\"\(hash)\"},\"sha256\":\"\(hash)\"}\n"
        index += 1
      }
      return Array(text.utf8)
    default:
      var bytes: [UInt8] = []
      while bytes.count < count {
        let piece = Int(rng.next() % 300)
        if rng.next() % 2 == 0 || bytes.isEmpty {
          bytes += (0..<piece).map { _ in UInt8(truncatingIfNeeded: rng.next() % 16) }
        } else {
          let from = Int(rng.next() % UInt64(bytes.count))
          bytes += bytes[from..<Swift.min(bytes.count, from + piece)]
        }
      }
      return bytes
    }
  }

  @Test("the encoder's streams at every level, whole, cut, flipped and limited, decode alike")
  func encoderStreams() {
    let seed = testSeed(1_951_001)
    var rng = SplitMix64(seed: seed)
    var decoded = 0
    for iteration in 0..<60 {
      let input = Self.data(&rng)
      for level in [Deflate.Level.stored, .fast, .default] {
        let stream = Deflate.compress(input, level: level)
        decoded +=
          Self.compare(stream, limit: input.count, "seed \(seed) #\(iteration) whole") ? 1 : 0
        Self.compareDamaged(stream, &rng, "seed \(seed) #\(iteration) \(level)")
      }
    }
    #expect(decoded == 180, "seed \(seed): the reference refused an encoder stream")
  }

  /// Fixed-code symbols (§3.2.6): value and bit count of literal/length symbol `symbol`.
  static func fixedCode(_ symbol: Int) -> (Int, Int) {
    switch symbol {
    case 0..<144: (0x30 + symbol, 8)
    case 144..<256: (0x190 + symbol - 144, 9)
    case 256..<280: (symbol - 256, 7)
    default: (0xC0 + symbol - 280, 8)
    }
  }

  /// The code and extra bits of `value` in a base table.
  static func baseCode(_ value: Int, _ bases: [Int], _ extras: [Int]) -> (Int, Int, Int) {
    let code = bases.lastIndex { $0 <= value }!
    return (code, value - bases[code], extras[code])
  }

  /// A fixed block of seeded literals and matches; `sloppy` adds the occasional invalid
  /// symbol or too distant match.
  static func fixedBlock(
    _ writer: inout InflateTests.BitWriter, _ rng: inout SplitMix64, produced: inout Int,
    final: Bool, sloppy: Bool
  ) {
    writer.field(final ? 1 : 0, 1)
    writer.field(1, 2)
    for _ in 0..<Int(rng.next() % 400) {
      let roll = rng.next() % 100
      if roll < 45 || produced == 0 {
        let (code, bits) = fixedCode(Int(rng.next() % 256))
        writer.code(code, bits)
        produced += 1
      } else if roll < 98 || !sloppy {
        let length =
          rng.next() % 4 == 0 ? 258 - Int(rng.next() % 4) : 3 + Int(rng.next() % 40)
        var distance = 1 + Int(rng.next() % UInt64(Swift.min(produced, 32_768)))
        if rng.next() % 8 == 0 { distance = 1 + Int(rng.next() % 8) }
        if sloppy && rng.next() % 50 == 0 { distance = produced + 1 }
        guard distance <= 32_768 else { continue }
        let (symbol, lengthExtra, lengthBits) = baseCode(
          length, Inflate.lengthBase, Inflate.lengthExtra)
        let (code, bits) = fixedCode(257 + symbol)
        writer.code(code, bits)
        writer.field(lengthExtra, lengthBits)
        let (distanceCode, extra, extraBits) = baseCode(
          distance, Inflate.distanceBase, Inflate.distanceExtra)
        writer.code(distanceCode, 5)
        writer.field(extra, extraBits)
        produced += length
      } else if rng.next() % 2 == 0 {
        let (code, bits) = fixedCode(286 + Int(rng.next() % 2))
        writer.code(code, bits)
      } else {
        writer.code(fixedCode(257).0, 7)
        writer.code(30 + Int(rng.next() % 2), 5)
      }
    }
    writer.code(0, 7)
  }

  /// A stored block of seeded bytes; `sloppy` sometimes spoils its check value.
  static func storedBlock(
    _ writer: inout InflateTests.BitWriter, _ rng: inout SplitMix64, produced: inout Int,
    final: Bool, sloppy: Bool
  ) {
    writer.field(final ? 1 : 0, 1)
    writer.field(0, 2)
    while writer.count % 8 != 0 { writer.append(0) }
    let length = Int(rng.next() % (rng.next() % 4 == 0 ? 70_000 : 300)) & 0xFFFF
    writer.field(length, 16)
    writer.field((length ^ 0xFFFF) ^ (sloppy && rng.next() % 20 == 0 ? 1 : 0), 16)
    for _ in 0..<length { writer.field(Int(rng.next() % 256), 8) }
    produced += length
  }

  /// The canonical codes of `lengths` (§3.2.2), most significant bit first.
  static func canonicalCodes(_ lengths: [Int]) -> [Int] {
    var counts = [Int](repeating: 0, count: 16)
    for length in lengths where length > 0 { counts[length] += 1 }
    var next = [Int](repeating: 0, count: 16)
    var code = 0
    for length in 1...15 {
      code = (code + counts[length - 1]) << 1
      next[length] = code
    }
    return lengths.map { length in
      guard length > 0 else { return 0 }
      defer { next[length] += 1 }
      return next[length]
    }
  }

  /// A dynamic block with a seeded literal/length code (up to 15-bit codes) and a distance code
  /// that is complete, a single 1-bit code or empty (RFC 1951 allows both), sending the lengths
  /// with a code length code of sixteen 4-bit codes; its symbols are seeded literals and matches,
  /// and, with an incomplete distance code, bits no distance code starts.
  static func dynamicBlock(
    _ writer: inout InflateTests.BitWriter, _ rng: inout SplitMix64, produced: inout Int,
    final: Bool
  ) {
    var literals = [Int](repeating: 0, count: 286)
    while literals[256] == 0 {
      literals = completeLengths(2 + Int(rng.next() % 285), alphabet: 286, &rng)
    }
    var distances: [Int]
    switch rng.next() % 3 {
    case 0: distances = completeLengths(2 + Int(rng.next() % 29), alphabet: 30, &rng)
    case 1:
      distances = [Int](repeating: 0, count: 30)
      distances[Int(rng.next() % 30)] = 1
    default: distances = [Int](repeating: 0, count: 30)
    }
    writer.field(final ? 1 : 0, 1)
    writer.field(2, 2)
    writer.field(286 - 257, 5)
    writer.field(30 - 1, 5)
    writer.field(19 - 4, 4)
    for symbol in Inflate.codeLengthOrder { writer.field(symbol < 16 ? 4 : 0, 3) }
    for length in literals + distances { writer.code(length, 4) }
    let literalCodes = canonicalCodes(literals)
    let distanceCodes = canonicalCodes(distances)
    let usedLiterals = (0..<286).filter { literals[$0] > 0 && $0 != 256 }
    let usedDistances = (0..<30).filter { distances[$0] > 0 }
    for _ in 0..<Int(rng.next() % 300) {
      let symbol = usedLiterals[Int(rng.next() % UInt64(usedLiterals.count))]
      if symbol > 256 {
        let reachable = usedDistances.filter { Inflate.distanceBase[$0] <= produced }
        let invalid = usedDistances.count < 2 && rng.next() % 16 == 0
        if reachable.isEmpty && !invalid { continue }
        writer.code(literalCodes[symbol], literals[symbol])
        let extraBits = Inflate.lengthExtra[symbol - 257]
        let extra = Int(rng.next() % UInt64(1 << extraBits))
        writer.field(extra, extraBits)
        produced += Inflate.lengthBase[symbol - 257] + extra
        guard !invalid, let distance = reachable.last else {
          // No distance code starts with a 1 bit (or any bit): 15 bits are read, then it fails.
          writer.field(Int(rng.next() % 65_536) | 1, 16)
          break
        }
        writer.code(distanceCodes[distance], distances[distance])
        writer.field(0, Inflate.distanceExtra[distance])
      } else {
        writer.code(literalCodes[symbol], literals[symbol])
        produced += 1
      }
    }
    writer.code(literalCodes[256], literals[256])
  }

  @Test(
    "hand-built stored, fixed and dynamic blocks, valid or not, whole, cut and flipped, decode alike"
  )
  func handBuiltStreams() {
    let seed = testSeed(1_951_002)
    var rng = SplitMix64(seed: seed)
    var decoded = 0
    for iteration in 0..<150 {
      var writer = InflateTests.BitWriter()
      var produced = 0
      let sloppy = iteration % 3 == 2
      let blocks = 1 + Int(rng.next() % 4)
      for block in 0..<blocks {
        let final = block == blocks - 1
        let kind = rng.next() % 4
        if kind == 0 {
          Self.storedBlock(&writer, &rng, produced: &produced, final: final, sloppy: sloppy)
        } else if kind == 1 {
          Self.dynamicBlock(&writer, &rng, produced: &produced, final: final)
        } else {
          Self.fixedBlock(&writer, &rng, produced: &produced, final: final, sloppy: sloppy)
        }
      }
      // Trailing bytes are ignored, and not counted in `end`.
      if rng.next() % 4 == 0 { writer.field(Int(rng.next() % 65_536), 16) }
      let note = "seed \(seed) #\(iteration)"
      decoded += Self.compare(writer.bytes, limit: produced, note) ? 1 : 0
      Self.compareDamaged(writer.bytes, &rng, note)
    }
    // Most valid streams decode (both ways), so the comparisons are not all of failures.
    #expect(decoded >= 90, "seed \(seed): only \(decoded) of 150 decoded")
  }

  @Test("random bytes fail or decode alike")
  func randomBytes() {
    let seed = testSeed(1_951_003)
    var rng = SplitMix64(seed: seed)
    for iteration in 0..<4_000 {
      var bytes = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      // Half of them start with a dynamic block header, to reach the code length checks.
      if iteration % 2 == 0, !bytes.isEmpty { bytes[0] = bytes[0] & 0xF8 | 0b101 }
      Self.compare(bytes, limit: Int(rng.next() % 5_000), "seed \(seed) #\(iteration)")
    }
  }

  /// A seeded complete prefix code: leaves split at random until there are `count`, each at
  /// most 15 deep; their depths given to `count` random symbols of `alphabet`.
  static func completeLengths(_ count: Int, alphabet: Int, _ rng: inout SplitMix64) -> [Int] {
    var depths = [0]
    while depths.count < count {
      let index = Int(rng.next() % UInt64(depths.count))
      guard depths[index] < 15 else { continue }
      depths[index] += 1
      depths.append(depths[index])
    }
    var lengths = [Int](repeating: 0, count: alphabet)
    var symbols = Array(0..<alphabet)
    for depth in depths {
      let pick = Int(rng.next() % UInt64(symbols.count))
      lengths[symbols.remove(at: pick)] = depth
    }
    return lengths
  }

  /// A decoded symbol and its code's length.
  struct Pair: Equatable {
    var symbol: Int
    var length: Int
  }

  /// The reference's decoding of the bits of `pattern` (first bit lowest), or nil for none.
  static func referenceDecode(_ code: ReferenceInflate.Code, _ pattern: Int) -> Pair? {
    var value = 0
    var first = 0
    var index = 0
    for length in 1...15 {
      value |= (pattern >> (length - 1)) & 1
      let count = code.counts[length]
      if value - first < count {
        return Pair(symbol: code.symbols[index + value - first], length: length)
      }
      index += count
      first = (first + count) << 1
      value <<= 1
    }
    return nil
  }

  @Test("Huffman tables decode every bit pattern to the reference code's symbol and length")
  func tables() {
    let seed = testSeed(1_951_004)
    var rng = SplitMix64(seed: seed)
    var built = 0
    for iteration in 0..<120 {
      let alphabet = [19, 30, 32, 286, 288][iteration % 5]
      var lengths = Self.completeLengths(
        1 + Int(rng.next() % UInt64(alphabet)), alphabet: alphabet, &rng)
      if iteration % 4 == 3 {
        // Spoiled: one length changed (over-subscribed or incomplete, mostly).
        lengths[Int(rng.next() % UInt64(alphabet))] = Int(rng.next() % 16)
      }
      let code = ReferenceInflate.Code(lengths: lengths)
      let table = Inflate.Table(
        lengths: lengths[...], primaryBits: 9, describe: { UInt32($0) << 16 })
      #expect((code == nil) == (table == nil), "seed \(seed) #\(iteration): \(lengths)")
      guard let code, let table else { continue }
      built += 1
      let longest = Swift.max(1, lengths.max()!)
      // Every pattern of the longest code's bits (first bit lowest: stream order), or 4,096
      // seeded ones of 15 bits.
      let patterns =
        longest <= 12
        ? Array(0..<(1 << longest)) : (0..<4_096).map { _ in Int(rng.next() % 32_768) }
      var mismatch: String?
      for pattern in patterns {
        let expected = Self.referenceDecode(code, pattern)
        var entry = table.entries[pattern & ((1 << table.primaryBits) - 1)]
        if (entry >> 4) & 0xF == Inflate.Table.Kind.link {
          let sub = (pattern >> table.primaryBits) & ((1 << Int((entry >> 8) & 0xF)) - 1)
          entry = table.entries[Int(entry >> 16) + sub]
        }
        let actual =
          (entry >> 4) & 0xF == Inflate.Table.Kind.noCode
          ? nil : Pair(symbol: Int(entry >> 16), length: Int(entry & 0xF))
        if actual != expected {
          mismatch =
            "pattern \(pattern): \(String(describing: actual)) vs \(String(describing: expected))"
          break
        }
      }
      #expect(mismatch == nil, "seed \(seed) #\(iteration) \(lengths): \(mismatch ?? "")")
    }
    #expect(built >= 80, "seed \(seed): only \(built) code sets were valid")
  }
}
