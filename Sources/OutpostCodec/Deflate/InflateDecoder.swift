extension Inflate {
  /// Reads the stream's bits, least significant first, from a 64-bit buffer.
  ///
  /// `available` counts the buffered bits of the `position` bytes taken so far; the buffer may
  /// also hold bits of the bytes after them (a refill loads eight bytes at once), which are the
  /// stream's own bits, or zeros past its end. So `position - available / 8` is always where a
  /// reader taking one byte at a time, only when it needed a bit, would be: the offset failures
  /// report.
  struct BitReader {
    let bytes: UnsafeRawPointer?
    let count: Int
    var bits: UInt64 = 0
    var available = 0
    var position = 0

    /// Fills the buffer to at least 57 bits, or with every byte left.
    @inline(__always)
    mutating func refill() {
      if position &+ 8 <= count {
        let word = bytes.unsafelyUnwrapped.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        bits |= UInt64(littleEndian: word) &<< UInt64(available)
        position &+= (63 &- available) &>> 3
        available |= 56
      } else {
        while available <= 56 && position < count {
          let byte = bytes.unsafelyUnwrapped.load(fromByteOffset: position, as: UInt8.self)
          bits |= UInt64(byte) &<< UInt64(available)
          position += 1
          available += 8
        }
      }
    }

    /// Drops `count` bits, which are buffered.
    @inline(__always)
    mutating func consume(_ count: Int) {
      bits &>>= UInt64(count)
      available &-= count
    }

    /// The next `count` bits (at most 32), which are buffered.
    @inline(__always)
    func peek(_ count: Int) -> Int {
      Int(truncatingIfNeeded: bits) & ((1 << count) &- 1)
    }

    /// How many input bytes a bit-at-a-time reader would have taken.
    var used: Int { position - available / 8 }

    /// A failure at the last byte taken.
    func failure(_ message: String) -> Failure {
      Failure(message: message, offset: Swift.max(0, used - 1))
    }

    /// The failure of a stream that ends too soon: at its last byte.
    func ended() -> Failure {
      Failure(message: "the data ends in the middle of a block", offset: Swift.max(0, count - 1))
    }

    /// The next `count` bits (at most 32).
    @inline(__always)
    mutating func take(_ count: Int) throws(Failure) -> Int {
      if available < count {
        refill()
        guard available >= count else { throw ended() }
      }
      let value = peek(count)
      consume(count)
      return value
    }

    /// Decodes one code of `table` and returns its entry; the buffer must have been refilled.
    ///
    /// Bits no code starts are taken 15 at a time (the longest code) before failing, and a code
    /// longer than the bits left is the end of the data, as a reader taking one bit at a time
    /// would find.
    @inline(__always)
    mutating func decode(_ table: UnsafePointer<UInt32>, _ primaryBits: Int) throws(Failure)
      -> UInt32
    {
      var entry = table[peek(primaryBits)]
      if entry & 0xF0 == Table.Kind.link << 4 {
        let index = Int(truncatingIfNeeded: bits &>> UInt64(primaryBits))
        entry = table[Int(entry >> 16) &+ index & ((1 << Int((entry >> 8) & 0xF)) &- 1)]
      }
      let length = Int(entry & 0xF)
      if length > available || entry & 0xF0 == Table.Kind.noCode << 4 {
        guard entry & 0xF0 == Table.Kind.noCode << 4, available >= 15 else { throw ended() }
        consume(15)
        throw failure("a code that the block's Huffman table does not hold")
      }
      consume(length)
      return entry
    }
  }

  /// Where a block is.
  enum Phase {
    /// Before a block's header.
    case header
    /// In a stored block with this many bytes still to copy.
    case stored(Int)
    /// In a compressed block, at a symbol.
    case codes
    /// After the final block.
    case done
  }

  /// The decoder's state between calls of ``run(_:into:capacity:count:)``, which stop when the
  /// output storage is full.
  struct Decoder {
    let limit: Int
    var bits: UInt64 = 0
    var available = 0
    var position = 0
    var last = false
    var phase = Phase.header
    var literals = Inflate.fixedLiterals
    var distances = Inflate.fixedDistances

    init(limit: Int) { self.limit = limit }

    /// How many input bytes the stream used (the last perhaps in part).
    var end: Int { position - available / 8 }

    func overLimit(_ reader: BitReader) -> Failure {
      var failure = reader.failure("the data expands to more than \(limit) bytes")
      failure.exceedsLimit = true
      return failure
    }

    /// Decodes into `output` (`count` bytes written, room for `capacity`) until the stream ends
    /// (nil) or more room is needed: then it returns how many more bytes it needs at least (never
    /// past the limit), having written what it could; call it again with more room.
    mutating func run(
      _ input: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>, capacity: Int,
      count: inout Int
    ) throws(Failure) -> Int? {
      var reader = BitReader(bytes: input.baseAddress, count: input.count)
      (reader.bits, reader.available, reader.position) = (bits, available, position)
      defer { (bits, available, position) = (reader.bits, reader.available, reader.position) }
      while true {
        switch phase {
        case .done: return nil
        case .header:
          if last {
            phase = .done
            return nil
          }
          last = try reader.take(1) == 1
          switch try reader.take(2) {
          case 0: try storedHeader(&reader, count: count)
          case 1:
            (literals, distances) = (Inflate.fixedLiterals, Inflate.fixedDistances)
            phase = .codes
          case 2:
            (literals, distances) = try dynamicCodes(&reader)
            phase = .codes
          default: throw reader.failure("block type 3 is reserved (not DEFLATE data?)")
          }
        case .stored(let left):
          let copied = Swift.min(left, capacity - count)
          if copied > 0 {
            let source = input.baseAddress.unsafelyUnwrapped + reader.position
            (output + count).initialize(
              from: source.assumingMemoryBound(to: UInt8.self), count: copied)
            reader.position += copied
            count += copied
          }
          guard copied == left else {
            phase = .stored(left - copied)
            return left - copied
          }
          phase = .header
        case .codes:
          if let needed = try codes(&reader, output, capacity: capacity, count: &count) {
            return needed
          }
          phase = .header
        }
      }
    }

    /// A stored block's header: LEN and its complement (§3.2.4), checked against the input and
    /// the limit.
    mutating func storedHeader(_ reader: inout BitReader, count: Int) throws(Failure) {
      reader.position = reader.used
      (reader.bits, reader.available) = (0, 0)
      guard let bytes = reader.bytes, reader.position + 4 <= reader.count else {
        throw reader.failure("the data ends in a block header")
      }
      func byte(_ index: Int) -> Int {
        Int(bytes.load(fromByteOffset: reader.position + index, as: UInt8.self))
      }
      let length = byte(0) | byte(1) << 8
      let complement = byte(2) | byte(3) << 8
      reader.position += 4
      guard length == complement ^ 0xFFFF else {
        throw reader.failure("a stored block's length \(length) does not match its check value")
      }
      guard reader.position + length <= reader.count else {
        throw reader.failure("a stored block of \(length) bytes runs past the end of the data")
      }
      guard count + length <= limit else { throw overLimit(reader) }
      phase = .stored(length)
    }

    /// The codes of a dynamic block (§3.2.7).
    func dynamicCodes(_ reader: inout BitReader) throws(Failure) -> (Table, Table) {
      let literalCount = try reader.take(5) + 257
      let distanceCount = try reader.take(5) + 1
      let lengthCodeCount = try reader.take(4) + 4
      guard literalCount <= 286, distanceCount <= 30 else {
        throw reader.failure(
          "a block declares \(literalCount) literal or \(distanceCount) distance codes")
      }
      var lengthLengths = [Int](repeating: 0, count: 19)
      for index in 0..<lengthCodeCount {
        lengthLengths[Inflate.codeLengthOrder[index]] = try reader.take(3)
      }
      guard
        lengthLengths.contains(where: { $0 != 0 }),
        let lengthCode = Table(
          lengths: lengthLengths[...], primaryBits: 7,
          describe: { Table.entry(Table.Kind.base, value: $0) })
      else {
        throw reader.failure("the code length code is over-subscribed or incomplete")
      }
      let total = literalCount + distanceCount
      var lengths: [Int] = []
      lengths.reserveCapacity(total)
      try lengthCode.entries.withUnsafeBufferPointer { table throws(Failure) in
        let table = table.baseAddress.unsafelyUnwrapped
        while lengths.count < total {
          reader.refill()
          let symbol = Int(try reader.decode(table, lengthCode.primaryBits) >> 16)
          let (value, repeats): (Int, Int)
          switch symbol {
          case 0...15: (value, repeats) = (symbol, 1)
          case 16:
            guard let previous = lengths.last else {
              throw reader.failure("a repeat of the previous code length comes first")
            }
            (value, repeats) = (previous, 3 + (try reader.take(2)))
          case 17: (value, repeats) = (0, 3 + (try reader.take(3)))
          default: (value, repeats) = (0, 11 + (try reader.take(7)))
          }
          guard lengths.count + repeats <= total else {
            throw reader.failure("code lengths run past the codes the block declares")
          }
          lengths += repeatElement(value, count: repeats)
        }
      }
      guard lengths[256] != 0 else { throw reader.failure("the block has no end-of-block code") }
      guard
        let literals = Table(
          lengths: lengths[..<literalCount], primaryBits: Inflate.literalBits,
          describe: Inflate.literalEntry),
        let distances = Table(
          lengths: lengths[literalCount...], primaryBits: Inflate.distanceBits,
          describe: Inflate.distanceEntry)
      else {
        throw reader.failure("a literal/length or distance code is over-subscribed or incomplete")
      }
      return (literals, distances)
    }

    /// Literals and back-references until the end-of-block code (§3.2.5): nil at the end of
    /// the block, or how many more bytes of room the next symbol needs (the reader is then back
    /// before it).
    func codes(
      _ reader: inout BitReader, _ output: UnsafeMutablePointer<UInt8>, capacity: Int,
      count: inout Int
    ) throws(Failure) -> Int? {
      let limit = limit
      // Past `room` a symbol either fails (the limit) or needs more storage.
      let room = Swift.min(limit, capacity)
      let literalBits = literals.primaryBits
      let distanceBits = distances.primaryBits
      return try literals.entries.withUnsafeBufferPointer { literals throws(Failure) in
        try distances.entries.withUnsafeBufferPointer { distances throws(Failure) in
          let literals = literals.baseAddress.unsafelyUnwrapped
          let distances = distances.baseAddress.unsafelyUnwrapped
          var local = reader
          defer { reader = local }
          while true {
            local.refill()
            let before = local
            let entry = try local.decode(literals, literalBits)
            let kind = entry & 0xF0
            if kind == Table.Kind.literal << 4 {
              guard count < room else {
                if count >= limit { throw overLimit(local) }
                local = before
                return 1
              }
              output[count] = UInt8(truncatingIfNeeded: entry >> 16)
              count &+= 1
              continue
            }
            if kind == Table.Kind.end << 4 { return nil }
            if kind == Table.Kind.invalid << 4 {
              throw local.failure("length code \(entry >> 16) is not valid")
            }
            let extra = Int((entry >> 8) & 0xF)
            if extra > local.available { throw local.ended() }
            let length = Int(entry >> 16) &+ local.peek(extra)
            local.consume(extra)
            let code = try local.decode(distances, distanceBits)
            if code & 0xF0 == Table.Kind.invalid << 4 {
              throw local.failure("distance code \(code >> 16) is not valid")
            }
            let distanceExtra = Int((code >> 8) & 0xF)
            if distanceExtra > local.available { throw local.ended() }
            let distance = Int(code >> 16) &+ local.peek(distanceExtra)
            local.consume(distanceExtra)
            guard distance <= count else {
              throw local.failure(
                "a back-reference reaches \(distance) bytes back, before the data began")
            }
            guard count &+ length <= room else {
              if count + length > limit { throw overLimit(local) }
              local = before
              return length
            }
            copy(output + count, distance: distance, length: length, slack: capacity - count)
            count &+= length
          }
        }
      }
    }
  }

  /// Copies `length` bytes from `distance` bytes before `target` to `target`, byte by byte in
  /// effect (an overlapping copy repeats the last `distance` bytes); `slack` bytes after
  /// `target` may be written.
  @inline(__always)
  static func copy(
    _ target: UnsafeMutablePointer<UInt8>, distance: Int, length: Int, slack: Int
  ) {
    let source = target - distance
    if distance >= 8 && length &+ 8 <= slack {
      // Eight bytes at a time: each read ends before the bytes it writes.
      var offset = 0
      while offset < length {
        let word = UnsafeRawPointer(source + offset).loadUnaligned(as: UInt64.self)
        UnsafeMutableRawPointer(target + offset).storeBytes(of: word, as: UInt64.self)
        offset &+= 8
      }
    } else if distance == 1 {
      target.initialize(repeating: source.pointee, count: length)
    } else {
      for offset in 0..<length { target[offset] = source[offset] }
    }
  }
}
