extension Inflate {
  /// A canonical Huffman code (RFC 1951 §3.2.2) as a lookup table indexed by the stream's next
  /// bits.
  ///
  /// DEFLATE packs a code's bits most significant first into a stream read least significant bit
  /// first, so each code is stored bit-reversed: the entry at index `i` of the primary table is
  /// for the code whose first `primaryBits` bits, read in stream order, are the low bits of `i`.
  /// A code no longer than `primaryBits` fills every entry those bits start (the bits after it
  /// vary); a longer one is found through a link to a second-level table indexed by the bits
  /// after the first `primaryBits`. Every entry is an ``Entry``; indexes no code starts are
  /// ``Kind/noCode``.
  struct Table: Sendable {
    /// The primary table (`1 << primaryBits` entries), then the second-level tables.
    var entries: [UInt32]
    /// How many bits index the primary table.
    var primaryBits: Int

    /// What a table entry stands for (bits 4–7 of an entry).
    enum Kind {
      /// A literal byte (`value`).
      static let literal: UInt32 = 0
      /// A symbol with a base (`value`) and `extra` bits to add: a length or distance code, or a
      /// code length code's symbol (no extra bits).
      static let base: UInt32 = 1
      /// The end of the block (symbol 256).
      static let end: UInt32 = 2
      /// A code for a symbol that is never valid (`value`: 286, 287, 30 or 31).
      static let invalid: UInt32 = 3
      /// A link: `value` is the offset of a second-level table indexed by `extra` bits.
      static let link: UInt32 = 4
      /// No code starts with these bits (an incomplete code).
      static let noCode: UInt32 = 5
    }

    /// Packs an entry: the code's length in bits 0–3, the kind in bits 4–7, the extra bits (or
    /// a link's index bits) in bits 8–11 and the value in bits 16–31.
    static func entry(_ kind: UInt32, value: Int = 0, extra: Int = 0, length: Int = 0) -> UInt32 {
      UInt32(truncatingIfNeeded: length) | kind << 4 | UInt32(truncatingIfNeeded: extra) << 8
        | UInt32(truncatingIfNeeded: value) << 16
    }

    /// Builds the table of the code whose symbol `s` has length `lengths[s]` (0: no code), each
    /// symbol's entry (without its length) given by `describe`.
    ///
    /// Returns nil for an over-subscribed set of lengths, or an incomplete one unless it is a
    /// single code of length 1 (RFC 1951 §3.2.7 allows one distance code) or no code at all.
    init?(lengths: ArraySlice<Int>, primaryBits wanted: Int, describe: (Int) -> UInt32) {
      var counts = [Int](repeating: 0, count: 16)
      for length in lengths { counts[length] += 1 }
      let used = lengths.count - counts[0]
      var left = 1
      for length in 1...15 {
        left <<= 1
        left -= counts[length]
        if left < 0 { return nil }
      }
      if left > 0 && !(used == 1 && counts[1] == 1) && used != 0 { return nil }
      let longest = (1...15).last { counts[$0] != 0 } ?? 1
      let width = Swift.min(wanted, longest)
      primaryBits = width
      let noCode = Self.entry(Kind.noCode)
      entries = [UInt32](repeating: noCode, count: 1 << width)
      // The first code of each length (§3.2.2, step 2).
      var next = [Int](repeating: 0, count: 16)
      var code = 0
      for length in 1...15 {
        code = (code + (length == 1 ? 0 : counts[length - 1])) << 1
        next[length] = code
      }
      let subBits = longest - width
      for (symbol, length) in zip(lengths.indices, lengths) where length != 0 {
        let code = next[length]
        next[length] += 1
        var reversed = 0
        for bit in 0..<length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
        let entry = describe(symbol - lengths.startIndex) | UInt32(length)
        if length <= width {
          for index in stride(from: reversed, to: 1 << width, by: 1 << length) {
            entries[index] = entry
          }
          continue
        }
        let prefix = reversed & ((1 << width) - 1)
        if entries[prefix] == noCode {
          entries[prefix] = Self.entry(Kind.link, value: entries.count, extra: subBits)
          entries += [UInt32](repeating: noCode, count: 1 << subBits)
        }
        let start = Int(entries[prefix] >> 16)
        for index in stride(from: reversed >> width, to: 1 << subBits, by: 1 << (length - width)) {
          entries[start + index] = entry
        }
      }
    }
  }

  /// The entry of literal/length symbol `symbol`.
  static func literalEntry(_ symbol: Int) -> UInt32 {
    switch symbol {
    case 0..<256: Table.entry(Table.Kind.literal, value: symbol)
    case 256: Table.entry(Table.Kind.end)
    case 257..<286:
      Table.entry(
        Table.Kind.base, value: lengthBase[symbol - 257], extra: lengthExtra[symbol - 257])
    default: Table.entry(Table.Kind.invalid, value: symbol)
    }
  }

  /// The entry of distance symbol `symbol`.
  static func distanceEntry(_ symbol: Int) -> UInt32 {
    symbol < 30
      ? Table.entry(Table.Kind.base, value: distanceBase[symbol], extra: distanceExtra[symbol])
      : Table.entry(Table.Kind.invalid, value: symbol)
  }

  /// Bits indexing a literal/length table's primary part.
  static let literalBits = 10
  /// Bits indexing a distance table's primary part.
  static let distanceBits = 8

  /// The fixed codes of block type 1 (§3.2.6): 288 literal/length and 32 distance codes (286,
  /// 287, 30 and 31 are never valid).
  static let fixedLiterals = Table(
    lengths: ([Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112)
      + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8))[...],
    primaryBits: literalBits, describe: literalEntry)!
  static let fixedDistances = Table(
    lengths: [Int](repeating: 5, count: 32)[...], primaryBits: distanceBits,
    describe: distanceEntry)!
}
