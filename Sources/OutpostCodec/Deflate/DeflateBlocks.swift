// The block layer of ``Deflate``: Huffman code lengths within a limit, canonical codes, and
// writing each block as the smallest of stored, fixed and dynamic (RFC 1951 §3.2.4–3.2.7).

extension Deflate {
  /// Lookup tables from lengths and distances to their symbols, made from ``Inflate``'s bases.
  enum Tables {
    /// For each match length 3–258, its length symbol minus 257 (0–28).
    static let lengthSymbol: [UInt8] = {
      var table = [UInt8](repeating: 0, count: 259)
      for (symbol, base) in Inflate.lengthBase.enumerated() {
        let last = base + (1 << Inflate.lengthExtra[symbol]) - 1
        // 284 covers 227–258 by its extra bits, but 258 has its own symbol, 285.
        for length in base...min(last, 258) { table[length] = UInt8(symbol) }
      }
      return table
    }()
    /// For each distance - 1 (0–32,767), its distance symbol (0–29).
    static let distanceSymbol: [UInt8] = {
      var table = [UInt8](repeating: 0, count: Deflate.window)
      for (symbol, base) in Inflate.distanceBase.enumerated() {
        let last = base + (1 << Inflate.distanceExtra[symbol]) - 1
        for distance in base...last { table[distance - 1] = UInt8(symbol) }
      }
      return table
    }()
    /// The fixed code lengths (§3.2.6).
    static let fixedLiteralLengths: [UInt8] =
      [UInt8](repeating: 8, count: 144) + [UInt8](repeating: 9, count: 112)
      + [UInt8](repeating: 7, count: 24) + [UInt8](repeating: 8, count: 8)
    static let fixedDistanceLengths = [UInt8](repeating: 5, count: 30)
    static let fixedLiteralCodes = canonicalCodes(fixedLiteralLengths)
    static let fixedDistanceCodes = canonicalCodes(fixedDistanceLengths)
  }

  /// Optimal code lengths for `frequencies`, none longer than `limit`, by package-merge.
  ///
  /// Symbols of frequency 0 get no code, except that at least two symbols always get one (a
  /// code of one symbol, or of none, is not a complete code; some decoders refuse it).
  /// Ties are broken by symbol number, so the result is deterministic.
  static func codeLengths(_ frequencies: [Int], limit: Int) -> [UInt8] {
    var lengths = [UInt8](repeating: 0, count: frequencies.count)
    var leaves: [(weight: Int, symbol: Int)] = []
    for (symbol, frequency) in frequencies.enumerated() where frequency > 0 {
      leaves.append((frequency, symbol))
    }
    if leaves.count < 2 {
      for symbol in 0..<2 where !leaves.contains(where: { $0.symbol == symbol }) {
        if leaves.count < 2 { leaves.append((0, symbol)) }
      }
    }
    leaves.sort { ($0.weight, $0.symbol) < ($1.weight, $1.symbol) }
    let count = leaves.count
    precondition(count <= 1 << limit, "\(count) symbols cannot have codes of \(limit) bits")
    // Each level merges the leaves with the packages (pairs) of the level before; an item is
    // its weight and whether it is a leaf.
    var levels: [[(weight: Int, leaf: Bool)]] = [leaves.map { ($0.weight, true) }]
    for _ in 1..<limit {
      let below = levels[levels.count - 1]
      let packages = below.count / 2
      var merged: [(weight: Int, leaf: Bool)] = []
      merged.reserveCapacity(count + packages)
      var leaf = 0
      var package = 0
      while leaf < count || package < packages {
        let packageWeight =
          package < packages ? below[2 * package].weight + below[2 * package + 1].weight : Int.max
        if leaf < count && leaves[leaf].weight <= packageWeight {
          merged.append((leaves[leaf].weight, true))
          leaf += 1
        } else {
          merged.append((packageWeight, false))
          package += 1
        }
      }
      levels.append(merged)
    }
    // The cheapest 2n - 2 items of the last level; each leaf among them (and among the items
    // of lower levels that their packages hold) adds one bit to its symbol's code.
    var taken = 2 * count - 2
    for level in levels.reversed() {
      var leavesTaken = 0
      for index in 0..<taken where level[index].leaf { leavesTaken += 1 }
      for index in 0..<leavesTaken { lengths[leaves[index].symbol] += 1 }
      taken = 2 * (taken - leavesTaken)
    }
    return lengths
  }

  /// The canonical codes of `lengths` (§3.2.2), bit-reversed to be written first bit first.
  static func canonicalCodes(_ lengths: [UInt8]) -> [UInt16] {
    var counts = [Int](repeating: 0, count: 16)
    for length in lengths where length > 0 { counts[Int(length)] += 1 }
    var next = [Int](repeating: 0, count: 16)
    var code = 0
    for length in 1...15 {
      code = (code + counts[length - 1]) << 1
      next[length] = code
    }
    var codes = [UInt16](repeating: 0, count: lengths.count)
    for (symbol, length) in lengths.enumerated() where length > 0 {
      var reversed = 0
      var value = next[Int(length)]
      for _ in 0..<length {
        reversed = reversed << 1 | value & 1
        value >>= 1
      }
      codes[symbol] = UInt16(reversed)
      next[Int(length)] += 1
    }
    return codes
  }

  /// The header of a dynamic block: code lengths run-length coded (§3.2.7).
  struct DynamicHeader {
    var literalLengths: [UInt8]
    var distanceLengths: [UInt8]
    var literalCount: Int
    var distanceCount: Int
    /// Code length symbols 0–18, each with its extra bits' value.
    var tokens: [(symbol: Int, extra: Int)] = []
    var lengthLengths: [UInt8]
    var lengthCodes: [UInt16]
    var lengthCodeCount: Int
    /// The header's size in bits.
    var bits: Int

    /// Extra bits after each code length symbol: 2, 3 and 7 after 16, 17 and 18.
    static let extraBits = [Int](repeating: 0, count: 16) + [2, 3, 7]

    init(literals: [Int], distances: [Int]) {
      literalLengths = codeLengths(literals, limit: 15)
      distanceLengths = codeLengths(distances, limit: 15)
      literalCount = max(257, (literalLengths.lastIndex { $0 != 0 } ?? 0) + 1)
      distanceCount = max(1, (distanceLengths.lastIndex { $0 != 0 } ?? 0) + 1)
      let all = Array(literalLengths[..<literalCount] + distanceLengths[..<distanceCount])
      var frequencies = [Int](repeating: 0, count: 19)
      var tokens: [(symbol: Int, extra: Int)] = []
      func add(_ symbol: Int, _ extra: Int = 0) {
        tokens.append((symbol, extra))
        frequencies[symbol] += 1
      }
      var index = 0
      while index < all.count {
        let value = all[index]
        var run = 1
        while index + run < all.count && all[index + run] == value { run += 1 }
        index += run
        if value == 0 {
          while run >= 11 {
            let part = min(run, 138)
            add(18, part - 11)
            run -= part
          }
          if run >= 3 {
            add(17, run - 3)
            run = 0
          }
        } else {
          add(Int(value))
          run -= 1
          while run >= 3 {
            let part = min(run, 6)
            add(16, part - 3)
            run -= part
          }
        }
        for _ in 0..<run { add(Int(value)) }
      }
      self.tokens = tokens
      let lengthLengths = codeLengths(frequencies, limit: 7)
      self.lengthLengths = lengthLengths
      lengthCodes = canonicalCodes(lengthLengths)
      let order = Inflate.codeLengthOrder
      lengthCodeCount = max(4, (order.lastIndex { lengthLengths[$0] != 0 } ?? 0) + 1)
      var bits = 5 + 5 + 4 + 3 * lengthCodeCount
      for token in tokens {
        bits += Int(lengthLengths[token.symbol]) + DynamicHeader.extraBits[token.symbol]
      }
      self.bits = bits
    }
  }

  /// The output: bits packed first bit first (§3.1.1), and blocks chosen and written.
  struct BlockWriter {
    var bytes: [UInt8] = []
    /// Bits not yet in `bytes`, lowest first.
    var buffer: UInt64 = 0
    var count = 0
    /// Input bytes chosen to be stored and not yet written, so that neighbouring stored
    /// blocks share headers (one per 65,535 bytes).
    var pendingStored: Range<Int>? = nil

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    mutating func write(_ value: Int, _ width: Int) {
      buffer |= UInt64(truncatingIfNeeded: value) << UInt64(count)
      count += width
      if count >= 32 {
        bytes.append(UInt8(truncatingIfNeeded: buffer))
        bytes.append(UInt8(truncatingIfNeeded: buffer >> 8))
        bytes.append(UInt8(truncatingIfNeeded: buffer >> 16))
        bytes.append(UInt8(truncatingIfNeeded: buffer >> 24))
        buffer >>= 32
        count -= 32
      }
    }

    /// Pads to a byte boundary with zero bits and moves every whole byte to `bytes`.
    mutating func align() {
      count = (count + 7) & ~7
      while count > 0 {
        bytes.append(UInt8(truncatingIfNeeded: buffer))
        buffer >>= 8
        count -= 8
      }
    }

    /// Stored blocks holding `range` of `input`, 65,535 bytes at most each; an empty range is
    /// one empty block.
    mutating func writeStored(
      _ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, final: Bool
    ) {
      var start = range.lowerBound
      repeat {
        let end = min(range.upperBound, start + 65_535)
        write(final && end == range.upperBound ? 1 : 0, 1)
        write(0, 2)
        align()
        let length = end - start
        bytes += [
          UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF),
          UInt8(~length >> 8 & 0xFF),
        ]
        bytes += input[start..<end]
        start = end
      } while start < range.upperBound
    }

    /// Writes `block` as the smallest of stored, fixed and dynamic, and empties it.
    mutating func write(_ block: inout Block, _ input: UnsafeBufferPointer<UInt8>, final: Bool) {
      defer { block.reset() }
      let literals = block.literalFrequencies
      let distances = block.distanceFrequencies
      var extra = 0
      for symbol in 0..<29 { extra += literals[257 + symbol] * Inflate.lengthExtra[symbol] }
      for symbol in 0..<30 { extra += distances[symbol] * Inflate.distanceExtra[symbol] }
      func cost(_ literalLengths: [UInt8], _ distanceLengths: [UInt8]) -> Int {
        var bits = 3 + extra
        for (symbol, frequency) in literals.enumerated() {
          bits += frequency * Int(literalLengths[symbol])
        }
        for (symbol, frequency) in distances.enumerated() {
          bits += frequency * Int(distanceLengths[symbol])
        }
        return bits
      }
      let fixed = cost(Tables.fixedLiteralLengths, Tables.fixedDistanceLengths)
      let header = DynamicHeader(literals: literals, distances: distances)
      let dynamic = cost(header.literalLengths, header.distanceLengths) + header.bits
      let size = block.end - block.start
      let chunks = max(1, (size + 65_534) / 65_535)
      // Stored: a 3-bit header padded to a byte and LEN, NLEN per chunk of 65,535 bytes; after
      // bytes already chosen to be stored, the first chunk's header is (about) shared.
      let padding = (8 - (count + 3) % 8) % 8
      let first = pendingStored == nil ? 3 + padding + 32 : 0
      let stored = first + 40 * (chunks - 1) + 8 * size
      if stored <= min(fixed, dynamic) {
        if let pending = pendingStored {
          pendingStored = pending.lowerBound..<block.end
        } else {
          pendingStored = block.start..<block.end
        }
        if final, let pending = pendingStored {
          writeStored(input, pending, final: true)
          pendingStored = nil
        }
        return
      }
      if let pending = pendingStored {
        writeStored(input, pending, final: false)
        pendingStored = nil
      }
      write(final ? 1 : 0, 1)
      if fixed <= dynamic {
        write(1, 2)
        writeSymbols(
          block.symbols,
          Tables.fixedLiteralLengths, Tables.fixedLiteralCodes,
          Tables.fixedDistanceLengths, Tables.fixedDistanceCodes)
      } else {
        write(2, 2)
        write(header.literalCount - 257, 5)
        write(header.distanceCount - 1, 5)
        write(header.lengthCodeCount - 4, 4)
        for index in 0..<header.lengthCodeCount {
          write(Int(header.lengthLengths[Inflate.codeLengthOrder[index]]), 3)
        }
        for (symbol, extra) in header.tokens {
          write(Int(header.lengthCodes[symbol]), Int(header.lengthLengths[symbol]))
          let bits = DynamicHeader.extraBits[symbol]
          if bits > 0 { write(extra, bits) }
        }
        writeSymbols(
          block.symbols,
          header.literalLengths, canonicalCodes(header.literalLengths),
          header.distanceLengths, canonicalCodes(header.distanceLengths))
      }
    }

    /// The block's symbols, then end-of-block.
    mutating func writeSymbols(
      _ symbols: [UInt32], _ literalLengths: [UInt8], _ literalCodes: [UInt16],
      _ distanceLengths: [UInt8], _ distanceCodes: [UInt16]
    ) {
      for symbol in symbols {
        if symbol & 0x8000_0000 == 0 {
          let literal = Int(symbol)
          write(Int(literalCodes[literal]), Int(literalLengths[literal]))
          continue
        }
        let length = Int(symbol >> 16 & 0xFF) + 3
        let distance = Int(symbol & 0x7FFF) + 1
        let lengthSymbol = Int(Tables.lengthSymbol[length])
        write(Int(literalCodes[257 + lengthSymbol]), Int(literalLengths[257 + lengthSymbol]))
        let lengthExtra = Inflate.lengthExtra[lengthSymbol]
        if lengthExtra > 0 { write(length - Inflate.lengthBase[lengthSymbol], lengthExtra) }
        let distanceSymbol = Int(Tables.distanceSymbol[distance - 1])
        write(Int(distanceCodes[distanceSymbol]), Int(distanceLengths[distanceSymbol]))
        let distanceExtra = Inflate.distanceExtra[distanceSymbol]
        if distanceExtra > 0 {
          write(distance - Inflate.distanceBase[distanceSymbol], distanceExtra)
        }
      }
      write(Int(literalCodes[256]), Int(literalLengths[256]))
    }

    /// The bytes written, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
      align()
      return bytes
    }
  }
}
