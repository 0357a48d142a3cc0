import Foundation
import OutpostTestRandom
import Testing

@testable import OutpostCodec

/// The DEFLATE encoder: every output decodes with ``Inflate`` to its input at every level, and
/// is deterministic; the block layer's code lengths respect the RFC's limits under skewed
/// frequencies; and a set of outputs committed under `tools/deflate-check/fixtures` (which
/// `tools/deflate-check/check_deflate.py` decodes with Python's zlib, an independent decoder)
/// is still what the encoder writes.
struct DeflateTests {
  static let levels: [Deflate.Level] = [.stored, .fast, .default]

  /// Compresses `input` at every level, checks each round trip and that a second run gives the
  /// same bytes; returns the outputs by level.
  @discardableResult
  func roundTrip(
    _ input: [UInt8], _ note: String = "", sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> [[UInt8]] {
    try Self.levels.map { level in
      let output = Deflate.compress(input, level: level)
      let decoded = try Inflate.decompress(output, limit: input.count)
      #expect(decoded.count == input.count, "\(level) \(note)", sourceLocation: sourceLocation)
      #expect(decoded == input, "\(level) \(note)", sourceLocation: sourceLocation)
      #expect(
        Deflate.compress(input, level: level) == output, "\(level) \(note): not deterministic",
        sourceLocation: sourceLocation)
      return output
    }
  }

  /// `count` seeded random bytes.
  static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next() >> 24) }
  }

  /// NDJSON records shaped like a sync bundle's: repeated keys, ids, a few values.
  static func ndjson(records: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    let collections = ["orders", "customers", "visits", "ads_daily"]
    let offices = ["north", "south", "head", "east"]
    let statuses = ["paid", "open", "cancelled", "refunded", "shipped"]
    let names = ["Zhang Wei", "Li Na", "Wang Fang", "María José", "O'Brien", "李娜", "王芳"]
    var text = ""
    for index in 0..<records {
      let collection = collections[Int(rng.next() % 4)]
      let amount = "\(rng.next() % 100_000).\(rng.next() % 90 + 10)"
      let day = String(rng.next() % 28 + 1)
      text +=
        "{\"collection\":\"\(collection)\",\"id\":\"\(collection.prefix(3))-\(100_000 + index)\","
      text += "\"fields\":{\"amount\":\"\(amount)\",\"customer\":\"\(names[Int(rng.next() % 7)])\","
      text += "\"date\":\"2025-03-\(day.count == 1 ? "0" + day : day)\","
      text += "\"status\":\"\(statuses[Int(rng.next() % 5)])\"},"
      text += "\"dots\":{\"\(offices[Int(rng.next() % 4)])\":\(rng.next() % 5_000 + 1)}}\n"
    }
    return Array(text.utf8)
  }

  static let chinese: [UInt8] = {
    let sentences = [
      "北京分公司三月份的搜索推广费用比上月增长了百分之十二。",
      "请在周五之前把各门店的销售报表同步到总部。",
      "客户张伟的订单已经发货，预计三天内送达。",
      "百度推广、微信广告和抖音的点击量需要分别统计。",
      "离线时录入的记录会在下次连接时合并，冲突由总部裁决。",
    ]
    var rng = SplitMix64(seed: 86)
    var text = ""
    for _ in 0..<400 { text += sentences[Int(rng.next() % 5)] + (rng.next() % 3 == 0 ? "\n" : "") }
    return Array(text.utf8)
  }()

  /// 32,768 random bytes, then their first 2,580 again: the only repeats are 258-byte matches
  /// exactly 32,768 bytes back.
  static let far: [UInt8] = {
    let block = noise(32_768, seed: 32_768)
    return block + block[..<2_580]
  }()

  /// 32 byte values with Fibonacci frequencies (1, 1, 2, 3, 5, …) in a seeded order: a
  /// Huffman code without a limit would need 31-bit codes.
  static let fibonacci: [UInt8] = {
    var counts = [1, 1]
    while counts.count < 20 { counts.append(counts[counts.count - 1] + counts[counts.count - 2]) }
    var bytes: [UInt8] = []
    for (symbol, count) in counts.enumerated() {
      bytes += [UInt8](repeating: UInt8(65 + symbol), count: count)
    }
    var rng = SplitMix64(seed: 1_597)
    for index in stride(from: bytes.count - 1, to: 0, by: -1) {
      bytes.swapAt(index, Int(rng.next() % UInt64(index + 1)))
    }
    return bytes
  }()

  @Test("empty input, one byte and all 256 byte values round-trip at every level")
  func small() throws {
    let empty = try roundTrip([])
    #expect(empty[0] == [0x01, 0x00, 0x00, 0xFF, 0xFF])  // one empty stored block
    #expect(empty[2] == [0x03, 0x00])  // one empty fixed block, as zlib writes it
    let one = try roundTrip([0x61])
    #expect(one[0] == [0x01, 0x01, 0x00, 0xFE, 0xFF, 0x61])
    try roundTrip(Array(0...255))
    try roundTrip(Array((0...255).reversed()) + Array(0...255))
  }

  @Test("1 MiB of zeros: runs of 258-byte matches, as small as zlib makes them")
  func zeros() throws {
    let input = [UInt8](repeating: 0, count: 1 << 20)
    let outputs = try roundTrip(input)
    #expect(outputs[0].count == input.count + 5 * 17)
    // zlib: 4,590 bytes at levels 1–3 (long matches are not added to the chains, so each one
    // refers 258 bytes back) and 1,033 at level 6.
    #expect(outputs[1].count <= 4_600, "\(outputs[1].count)")
    #expect(outputs[2].count <= 1_040, "\(outputs[2].count)")
  }

  @Test("random bytes grow only by the stored blocks' 5 bytes per 65,535")
  func incompressible() throws {
    for count in [1, 1_000, 65_535, 65_536, 300_000] {
      let input = Self.noise(count, seed: UInt64(count))
      let bound = count + 5 * max(1, (count + 65_534) / 65_535)
      for (level, output) in zip(Self.levels, try roundTrip(input, "\(count) bytes")) {
        #expect(output.count <= bound, "\(level), \(count) bytes: \(output.count) > \(bound)")
      }
    }
  }

  @Test("NDJSON like a bundle compresses several times over; fast is no smaller than default")
  func bundleText() throws {
    let input = Self.ndjson(records: 3_000, seed: 7)
    let outputs = try roundTrip(input)
    #expect(outputs[1].count * 4 < input.count, "fast: \(outputs[1].count) of \(input.count)")
    #expect(outputs[2].count * 5 < input.count, "default: \(outputs[2].count) of \(input.count)")
    #expect(outputs[2].count <= outputs[1].count)
  }

  @Test("Chinese UTF-8 text round-trips and compresses")
  func chineseText() throws {
    let outputs = try roundTrip(Self.chinese)
    #expect(outputs[2].count * 5 < Self.chinese.count)
  }

  @Test("repeats exactly 32,768 bytes back are found, as matches of 258")
  func farMatches() throws {
    let outputs = try roundTrip(Self.far)
    // The repeated 2,580 bytes cost ten matches, not 2,580 literals.
    #expect(outputs[2].count < 32_768 + 100, "\(outputs[2].count)")
    #expect(outputs[1].count < 32_768 + 100, "\(outputs[1].count)")
    // One byte further back is outside the window: the repeat is stored as it is.
    let tooFar = Self.noise(32_769, seed: 32_769)
    let output = Deflate.compress(tooFar + tooFar[..<2_580])
    #expect(output.count > 32_769 + 2_580)
    #expect(try Inflate.decompress(output, limit: 40_000) == tooFar + tooFar[..<2_580])
  }

  @Test("the parser emits lengths of exactly 258 and distances of exactly 32,768")
  func extremes() {
    var head = [Int32](repeating: 0, count: 1 << Deflate.hashBits)
    var previous = [Int32](repeating: 0, count: Deflate.window)
    let (match, tail) = Self.far.withUnsafeBufferPointer { bytes in
      head.withUnsafeMutableBufferPointer { head in
        previous.withUnsafeMutableBufferPointer { previous in
          let parser = Deflate.Parser(bytes, head: head, previous: previous, settings: .default)
          for position in 0..<32_768 { _ = parser.insert(position, parser.hash(position)) }
          let match = parser.longestMatch(
            32_768, first: parser.head[parser.hash(32_768)], atLeast: 0)
          // 100 bytes before the end, the end bounds the match.
          for position in 32_768..<35_248 { _ = parser.insert(position, parser.hash(position)) }
          let tail = parser.longestMatch(
            35_248, first: parser.head[parser.hash(35_248)], atLeast: 0)
          return (match, tail)
        }
      }
    }
    #expect(match.length == 258 && match.distance == 32_768, "\(match)")
    #expect(tail.length == 100 && tail.distance == 32_768, "\(tail)")
    var block = Deflate.Block()
    block.append(length: 258, distance: 32_768)
    #expect(block.literalFrequencies[285] == 1)
    #expect(block.distanceFrequencies[29] == 1)
    #expect(block.symbols == [0x8000_0000 | 255 << 16 | 32_767])
    block.reset()
    block.append(length: 257, distance: 24_577)
    #expect(block.literalFrequencies[284] == 1)
    #expect(block.distanceFrequencies[29] == 1)
  }

  @Test("data with Fibonacci frequencies round-trips through a dynamic block")
  func fibonacciData() throws {
    let outputs = try roundTrip(Self.fibonacci)
    // A dynamic block (BTYPE 2 in bits 1–2 of the first byte) beats stored and fixed.
    #expect(outputs[2][0] & 0b110 == 0b100)
    #expect(outputs[1][0] & 0b110 == 0b100)
  }
}

/// Code lengths (package-merge) against the RFC's limits and a brute-force optimum, and
/// seeded random inputs against ``Inflate``.
struct DeflateCodeTests {
  /// The Kraft sum of `lengths` in units of 2^-15 (32,768: a complete code).
  func kraft(_ lengths: [UInt8]) -> Int {
    lengths.reduce(0) { $0 + ($1 == 0 ? 0 : 1 << (15 - Int($1))) }
  }

  func cost(_ frequencies: [Int], _ lengths: [UInt8]) -> Int {
    zip(frequencies, lengths).reduce(0) { $0 + $1.0 * Int($1.1) }
  }

  /// 1, 1, 2, 3, 5, … (capped at 2^40, where a block's counts could never reach).
  static func fibonacci(_ count: Int) -> [Int] {
    var numbers = [1, 1]
    while numbers.count < count {
      numbers.append(min(1 << 40, numbers[numbers.count - 1] + numbers[numbers.count - 2]))
    }
    return Array(numbers.prefix(count))
  }

  @Test("Fibonacci frequencies are held to 15 bits (7 for the code length code), complete")
  func fibonacciLimits() {
    for (count, limit) in [(30, 15), (286, 15), (19, 7), (40, 15)] {
      let frequencies = Self.fibonacci(count)
      let lengths = Deflate.codeLengths(frequencies, limit: limit)
      #expect(lengths.allSatisfy { $0 >= 1 && Int($0) <= limit }, "\(count) symbols: \(lengths)")
      #expect(lengths.max() == UInt8(limit), "\(count) symbols: the limit is reached")
      #expect(kraft(lengths) == 1 << 15, "\(count) symbols: \(lengths)")
      // The most frequent symbol has the shortest code.
      #expect(lengths[count - 1] == lengths.min())
    }
  }

  @Test("package-merge finds the cheapest code within the limit (seeded, brute force)")
  func optimal() {
    let seed = testSeed(1_952)
    var rng = SplitMix64(seed: seed)
    for round in 0..<300 {
      let count = 2 + Int(rng.next() % 5)
      let limit = 3 + Int(rng.next() % 2)
      let frequencies = (0..<count).map { _ in
        rng.next() % 4 == 0 ? 0 : Int(1 + rng.next() % (rng.next() % 2 == 0 ? 10 : 10_000))
      }
      let lengths = Deflate.codeLengths(frequencies, limit: limit)
      let used = frequencies.indices.filter { frequencies[$0] > 0 }
      #expect(lengths.allSatisfy { Int($0) <= limit }, "seed \(seed) round \(round)")
      #expect(kraft(lengths) == 1 << 15, "seed \(seed) round \(round): \(lengths)")
      #expect(used.allSatisfy { lengths[$0] > 0 }, "seed \(seed) round \(round)")
      // Every assignment of 1...limit bits to the used symbols that fits the Kraft inequality.
      var best = Int.max
      var choice = [Int](repeating: 1, count: used.count)
      while true {
        let sum = choice.reduce(0) { $0 + 1 << (15 - $1) }
        if sum <= 1 << 15 {
          best = min(best, zip(used, choice).reduce(0) { $0 + frequencies[$1.0] * $1.1 })
        }
        var digit = 0
        while digit < choice.count && choice[digit] == limit {
          choice[digit] = 1
          digit += 1
        }
        if digit == choice.count { break }
        choice[digit] += 1
      }
      if used.count >= 2 {
        #expect(cost(frequencies, lengths) == best, "seed \(seed) round \(round): \(frequencies)")
      }
    }
  }

  /// Fibonacci counts leave Huffman ties (a shallower tree costs the same), so the block test
  /// uses counts 1, 2, 4, … 65,536, whose only unlimited Huffman code is 17 bits deep.
  @Test("a block of literals counted in powers of two is written with 15-bit codes and decodes")
  func skewedBlock() throws {
    var input: [UInt8] = []
    for symbol in 0..<17 {
      input += [UInt8](repeating: UInt8(symbol * 13), count: 1 << symbol)
    }
    var rng = SplitMix64(seed: 75_025)
    for index in stride(from: input.count - 1, to: 0, by: -1) {
      input.swapAt(index, Int(rng.next() % UInt64(index + 1)))
    }
    var block = Deflate.Block()
    for byte in input { block.append(literal: byte) }
    let header = Deflate.DynamicHeader(
      literals: block.literalFrequencies, distances: block.distanceFrequencies)
    #expect(header.literalLengths.max() == 15)
    var writer = Deflate.BlockWriter(capacity: input.count)
    input.withUnsafeBufferPointer { writer.write(&block, $0, final: true) }
    let output = writer.finish()
    #expect(output[0] & 0b111 == 0b101, "a final dynamic block")
    #expect(try Inflate.decompress(output, limit: input.count) == input)
  }

  @Test("hash tables restarted mid-input: matches reach no further back than the restart")
  func segments() throws {
    let unit = DeflateTests.noise(5_000, seed: 5)
    let input = unit + unit + unit + unit
    for level in [Deflate.Level.fast, .default] {
      let whole = Deflate.compress(input, level: level)
      #expect(whole.count < 5_000 + 300, "\(level): \(whole.count)")
      // Restarts at 6,000, 12,000 and 18,000: in each segment the first sight of a byte of the
      // unit is new (5,000 + 5,000 + 5,000 + 2,000 bytes), the rest is matched within it.
      let segmented = Deflate.compress(input, level: level, segment: 6_000)
      #expect(try Inflate.decompress(segmented, limit: input.count) == input)
      #expect(segmented.count > 16_500, "\(level): \(segmented.count)")
      #expect(segmented.count < 17_300, "\(level): \(segmented.count)")
    }
  }

  @Test("seeded random mixtures of text, noise, runs and far copies round-trip")
  func randomized() throws {
    let seed = testSeed(1_953)
    var rng = SplitMix64(seed: seed)
    let words = ["collection", "\"id\":", "fields", "dots", "订单", "north", "{", "}", ",", "\n"]
    for round in 0..<30 {
      var input: [UInt8] = []
      let target = Int(rng.next() % 70_000)
      while input.count < target {
        let size = 1 + Int(rng.next() % 3_000)
        switch rng.next() % 5 {
        case 0:
          for _ in 0..<size / 4 { input += Array(words[Int(rng.next() % 10)].utf8) }
        case 1: input += (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 2: input += [UInt8](repeating: UInt8(truncatingIfNeeded: rng.next()), count: size)
        case 3 where !input.isEmpty:
          let distance = 1 + Int(rng.next() % UInt64(min(input.count, 40_000)))
          for _ in 0..<size { input.append(input[input.count - distance]) }
        default:
          input += (0..<size).map { _ in UInt8(97 + rng.next() % 3) }
        }
      }
      // Hash tables restarted every `segment` bytes, as they are every 2^30 bytes.
      let segment = 1 + Int(rng.next() % 20_000)
      for level in DeflateTests.levels {
        let output = Deflate.compress(input, level: level)
        let decoded = try Inflate.decompress(output, limit: input.count)
        #expect(decoded == input, "seed \(seed) round \(round) \(level): \(input.count) bytes")
        #expect(output.count <= input.count + 5 * (input.count / 65_535 + 1), "seed \(seed)")
        let segmented = Deflate.compress(input, level: level, segment: segment)
        let again = try Inflate.decompress(segmented, limit: input.count)
        #expect(again == input, "seed \(seed) round \(round) \(level), segments of \(segment)")
      }
    }
  }
}

/// The encoder must still write exactly the outputs committed for Python's zlib to check.
///
/// They are in `tools/deflate-check/fixtures`; `check_deflate.py` decodes each with
/// `zlib.decompressobj(-15)`. `OUTPOST_WRITE_DEFLATE_FIXTURES=1` rewrites them (then run the
/// script again).
struct DeflateFixtureTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../tools/deflate-check/fixtures").standardized

  /// Each fixture's name, input and levels.
  static let fixtures: [(String, [UInt8], [Deflate.Level])] = [
    ("empty", [], [.stored, .fast, .default]),
    ("one", [0x61], [.stored, .fast, .default]),
    ("bytes", Array(0...255), [.stored, .fast, .default]),
    ("ndjson", DeflateTests.ndjson(records: 200, seed: 7), [.stored, .fast, .default]),
    ("chinese", DeflateTests.chinese, [.fast, .default]),
    ("far", DeflateTests.far, [.default]),
    ("fibonacci", DeflateTests.fibonacci, [.fast, .default]),
    ("zeros", [UInt8](repeating: 0, count: 20_000), [.fast, .default]),
    ("noise", DeflateTests.noise(8_000, seed: 8), [.default]),
  ]

  static func name(_ level: Deflate.Level) -> String {
    switch level {
    case .stored: "stored"
    case .fast: "fast"
    case .default: "default"
    }
  }

  @Test("the encoder writes exactly the outputs that Python's zlib checked")
  func fixtures() throws {
    let write = ProcessInfo.processInfo.environment["OUTPOST_WRITE_DEFLATE_FIXTURES"] == "1"
    var expected: Set<String> = []
    for (name, input, levels) in Self.fixtures {
      let inputURL = Self.folder.appendingPathComponent("\(name).in")
      if write { try Data(input).write(to: inputURL) }
      expected.insert("\(name).in")
      let sameInput = try Array(Data(contentsOf: inputURL)) == input
      #expect(sameInput, "\(name).in is not its input; rewrite the fixtures")
      for level in levels {
        let file = "\(name).\(Self.name(level)).deflate"
        let url = Self.folder.appendingPathComponent(file)
        let output = Deflate.compress(input, level: level)
        if write { try Data(output).write(to: url) }
        expected.insert(file)
        let committed = try Array(Data(contentsOf: url))
        // A Bool, so that a failure prints the message rather than both byte arrays.
        let same = committed == output
        #expect(
          same,
          """
          \(file): the encoder now writes \(output.count) bytes, not the committed \
          \(committed.count); if intended, rewrite the fixtures with \
          OUTPOST_WRITE_DEFLATE_FIXTURES=1 and run tools/deflate-check/check_deflate.py
          """)
      }
    }
    let present = Set(try FileManager.default.contentsOfDirectory(atPath: Self.folder.path))
    #expect(present == expected, "files in \(Self.folder.path) that no fixture names, or missing")
  }
}
