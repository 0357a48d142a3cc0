@testable import OutpostCodec

/// The previous `Inflate`, kept unchanged as the reference model for `InflateDifferentialTests`.
///
/// It decodes canonical Huffman codes one bit at a time against the
/// counts of codes per length (RFC 1951 §3.2.2), with no lookup tables, so it is slow but plain.
/// The table-driven decoder in `OutpostCodec` must give the same output, the same `end` and the
/// same failures (message, offset, `exceedsLimit`) for every input. It lives in the test target
/// only: the library ships one decoder.
enum ReferenceInflate {
  /// Decompresses `input`, a raw DEFLATE stream (no zlib or gzip header); bytes after the final
  /// block are ignored.
  ///
  /// - Parameter limit: the most bytes the output may hold; more is a failure.
  static func decompress(_ input: [UInt8], limit: Int) throws(Inflate.Failure) -> [UInt8] {
    var state = State(input: input, limit: limit)
    try state.run()
    return state.output
  }

  /// Decompresses `input`, a raw DEFLATE stream whose size once decompressed is known, and says
  /// where the stream ended.
  ///
  /// Room for the output is reserved at once, so it is never moved or grown: `limit` bytes, or
  /// the most `input` can expand to if less (1,032 bytes per input byte: a 258-byte match in
  /// two bits), so a short stream never makes a large reservation. A stream that expands past
  /// `limit` fails (``Failure/exceedsLimit``) before a byte more is held. Bytes after the final
  /// block are not read.
  ///
  /// - Returns: the output, and `end`: how many input bytes the stream used (the last one
  ///   perhaps in part), so `input.count - end` bytes follow it.
  static func decompress(_ input: [UInt8], exactLimit limit: Int) throws(Inflate.Failure) -> (
    output: [UInt8], end: Int
  ) {
    var state = State(input: input, limit: limit)
    let (most, overflow) = input.count.multipliedReportingOverflow(by: 1032)
    state.output.reserveCapacity(overflow ? limit : min(limit, most))
    try state.run()
    return (state.output, state.position)
  }

  /// A canonical Huffman code: how many codes of each length, and the symbols in code order.
  struct Code {
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int] = []

    /// Builds the code of `lengths` (0: the symbol has no code).
    ///
    /// Returns nil for an over-subscribed set of lengths, or an incomplete one unless it is a
    /// single code of length 1 (RFC 1951 §3.2.7 allows one distance code).
    init?(lengths: [Int]) {
      for length in lengths { counts[length] += 1 }
      let used = lengths.count - counts[0]
      var left = 1
      for length in 1...15 {
        left <<= 1
        left -= counts[length]
        if left < 0 { return nil }
      }
      if left > 0 && !(used == 1 && counts[1] == 1) && used != 0 { return nil }
      var offsets = [Int](repeating: 0, count: 16)
      for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
      symbols = [Int](repeating: 0, count: used)
      for (symbol, length) in lengths.enumerated() where length != 0 {
        symbols[offsets[length]] = symbol
        offsets[length] += 1
      }
    }
  }

  /// Lengths 257–285: base and extra bits (RFC 1951 §3.2.5).
  static let lengthBase = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
    131, 163, 195, 227, 258,
  ]
  static let lengthExtra = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
  ]
  /// Distances 0–29: base and extra bits.
  static let distanceBase = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
  ]
  static let distanceExtra = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
  ]
  /// The order code length code lengths are sent in (§3.2.7).
  static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

  /// The fixed codes of block type 1 (§3.2.6): 288 literal/length and 32 distance codes (286,
  /// 287, 30 and 31 are never valid).
  static let fixedLiterals = Code(
    lengths: [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112)
      + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8))!
  static let fixedDistances = Code(lengths: [Int](repeating: 5, count: 32))!

  /// The decoder's position in the input and the output so far.
  struct State {
    let input: [UInt8]
    let limit: Int
    var output: [UInt8] = []
    /// The next input byte.
    var position = 0
    /// Bits read from the input and not used yet, lowest first.
    var buffer = 0
    var available = 0

    init(input: [UInt8], limit: Int) {
      self.input = input
      self.limit = limit
    }

    func failure(_ message: String) -> Inflate.Failure {
      Inflate.Failure(message: message, offset: max(0, position - 1))
    }

    func overLimit() -> Inflate.Failure {
      var failure = failure("the data expands to more than \(limit) bytes")
      failure.exceedsLimit = true
      return failure
    }

    mutating func bits(_ count: Int) throws(Inflate.Failure) -> Int {
      while available < count {
        guard position < input.count else {
          throw failure("the data ends in the middle of a block")
        }
        buffer |= Int(input[position]) << available
        position += 1
        available += 8
      }
      let value = buffer & ((1 << count) - 1)
      buffer >>= count
      available -= count
      return value
    }

    mutating func decode(_ code: Code) throws(Inflate.Failure) -> Int {
      var value = 0
      var first = 0
      var index = 0
      for length in 1...15 {
        value |= try bits(1)
        let count = code.counts[length]
        if value - first < count { return code.symbols[index + value - first] }
        index += count
        first = (first + count) << 1
        value <<= 1
      }
      throw failure("a code that the block's Huffman table does not hold")
    }

    mutating func append(_ byte: UInt8) throws(Inflate.Failure) {
      guard output.count < limit else {
        throw overLimit()
      }
      output.append(byte)
    }

    mutating func run() throws(Inflate.Failure) {
      var last = false
      while !last {
        last = try bits(1) == 1
        switch try bits(2) {
        case 0: try stored()
        case 1: try compressed(ReferenceInflate.fixedLiterals, ReferenceInflate.fixedDistances)
        case 2:
          let (literals, distances) = try dynamicCodes()
          try compressed(literals, distances)
        default: throw failure("block type 3 is reserved (not DEFLATE data?)")
        }
      }
    }

    /// A stored block: LEN, its complement, then LEN bytes (§3.2.4).
    mutating func stored() throws(Inflate.Failure) {
      buffer = 0
      available = 0
      guard position + 4 <= input.count else { throw failure("the data ends in a block header") }
      let length = Int(input[position]) | Int(input[position + 1]) << 8
      let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
      position += 4
      guard length == complement ^ 0xFFFF else {
        throw failure("a stored block's length \(length) does not match its check value")
      }
      guard position + length <= input.count else {
        throw failure("a stored block of \(length) bytes runs past the end of the data")
      }
      guard output.count + length <= limit else {
        throw overLimit()
      }
      output += input[position..<position + length]
      position += length
    }

    /// The codes of a dynamic block (§3.2.7).
    mutating func dynamicCodes() throws(Inflate.Failure) -> (Code, Code) {
      let literalCount = try bits(5) + 257
      let distanceCount = try bits(5) + 1
      let lengthCodeCount = try bits(4) + 4
      guard literalCount <= 286, distanceCount <= 30 else {
        throw failure("a block declares \(literalCount) literal or \(distanceCount) distance codes")
      }
      var lengthLengths = [Int](repeating: 0, count: 19)
      for index in 0..<lengthCodeCount {
        lengthLengths[ReferenceInflate.codeLengthOrder[index]] = try bits(3)
      }
      guard let lengthCode = Code(lengths: lengthLengths), !lengthCode.symbols.isEmpty else {
        throw failure("the code length code is over-subscribed or incomplete")
      }
      var lengths: [Int] = []
      let total = literalCount + distanceCount
      while lengths.count < total {
        let symbol = try decode(lengthCode)
        let (value, repeats): (Int, Int)
        switch symbol {
        case 0...15: (value, repeats) = (symbol, 1)
        case 16:
          guard let previous = lengths.last else {
            throw failure("a repeat of the previous code length comes first")
          }
          (value, repeats) = (previous, 3 + (try bits(2)))
        case 17: (value, repeats) = (0, 3 + (try bits(3)))
        default: (value, repeats) = (0, 11 + (try bits(7)))
        }
        guard lengths.count + repeats <= total else {
          throw failure("code lengths run past the codes the block declares")
        }
        lengths += [Int](repeating: value, count: repeats)
      }
      guard lengths[256] != 0 else { throw failure("the block has no end-of-block code") }
      guard let literals = Code(lengths: Array(lengths[..<literalCount])),
        let distances = Code(lengths: Array(lengths[literalCount...]))
      else { throw failure("a literal/length or distance code is over-subscribed or incomplete") }
      return (literals, distances)
    }

    /// Literals and back-references until the end-of-block code (§3.2.5).
    mutating func compressed(_ literals: Code, _ distances: Code) throws(Inflate.Failure) {
      while true {
        let symbol = try decode(literals)
        if symbol < 256 {
          try append(UInt8(symbol))
          continue
        }
        if symbol == 256 { return }
        let index = symbol - 257
        guard index < 29 else { throw failure("length code \(symbol) is not valid") }
        let length =
          ReferenceInflate.lengthBase[index] + (try bits(ReferenceInflate.lengthExtra[index]))
        let code = try decode(distances)
        guard code < 30 else { throw failure("distance code \(code) is not valid") }
        let distance =
          ReferenceInflate.distanceBase[code] + (try bits(ReferenceInflate.distanceExtra[code]))
        guard distance <= output.count else {
          throw failure("a back-reference reaches \(distance) bytes back, before the data began")
        }
        guard output.count + length <= limit else {
          throw overLimit()
        }
        let start = output.count - distance
        for offset in 0..<length { output.append(output[start + offset]) }
      }
    }
  }
}
