/// Compresses data as raw DEFLATE (RFC 1951), the format ``Inflate`` reads.
///
/// LZ77 finds repeats through chains of earlier positions that share a 3-byte prefix (hashed),
/// inside the 32 KiB window: lengths 3–258, distances 1–32,768. `.default` matches lazily (a
/// match is kept only when the next position does not start a longer one). The symbols are cut
/// into blocks of a bounded count, and each block is written as whichever is smallest of a
/// stored, a fixed Huffman and a dynamic Huffman block; dynamic codes are limited to 15 bits
/// (7 for the code length code) by package-merge, which gives the best codes within the limit.
/// The output depends only on the input and the level; memory is the input, the output and
/// fixed tables for the window and one block.
public enum Deflate {
  /// How hard to look for repeats.
  public enum Level: Sendable {
    /// No compression: stored blocks of at most 65,535 bytes each (5 bytes of overhead each).
    case stored
    /// Short hash chains and no lazy matching: faster, somewhat larger output.
    case fast
    /// Longer hash chains and lazy matching, close to zlib's default level 6.
    case `default`
  }

  /// Compresses `input` as a raw DEFLATE stream (no zlib or gzip header).
  ///
  /// The same input and level always give the same bytes.
  public static func compress(_ input: [UInt8], level: Level = .default) -> [UInt8] {
    compress(input, level: level, segment: 1 << 30)
  }

  /// Compresses `input`, restarting the hash tables every `segment` bytes (about; a match may
  /// run past a segment's end), so that positions in them fit 32 bits.
  static func compress(_ input: [UInt8], level: Level, segment: Int) -> [UInt8] {
    precondition(segment > 0 && segment <= 1 << 30)
    var writer = BlockWriter(capacity: input.count / 3 + 64)
    guard level != .stored else {
      input.withUnsafeBufferPointer { writer.writeStored($0, 0..<$0.count, final: true) }
      return writer.finish()
    }
    var head = [Int32](repeating: 0, count: 1 << Deflate.hashBits)
    var previous = [Int32](repeating: 0, count: Deflate.window)
    input.withUnsafeBufferPointer { bytes in
      head.withUnsafeMutableBufferPointer { head in
        previous.withUnsafeMutableBufferPointer { previous in
          var parser = Parser(
            bytes, head: head, previous: previous, settings: level == .fast ? .fast : .default)
          var start = 0
          while start < bytes.count {
            parser.restart(at: start)
            let end = min(bytes.count, start + segment)
            start = level == .fast ? parser.greedy(end, &writer) : parser.lazy(end, &writer)
          }
          writer.write(&parser.block, bytes, final: true)
        }
      }
    }
    return writer.finish()
  }

  /// Search limits of a level.
  struct Settings {
    /// The most chain links followed for one position.
    var chain: Int
    /// A match this long ends the search.
    var nice: Int
    /// When the previous match is this long, only a quarter of the chain is searched.
    var good: Int
    /// Lazy matching: a previous match this long is taken without looking further.
    var lazy: Int
    /// Greedy matching: positions inside a longer match are not added to the chains.
    var insert: Int

    static let fast = Settings(chain: 16, nice: 32, good: 8, lazy: 0, insert: 8)
    static let `default` = Settings(chain: 128, nice: 128, good: 8, lazy: 16, insert: 258)
  }

  static let window = 32_768
  static let hashBits = 15

  /// The LZ77 pass: finds matches and hands literals and matches to a ``BlockWriter``.
  struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    let settings: Settings
    /// The most recent position (from `base`, +1; 0: none) of each hash of three bytes (2^15
    /// entries).
    let head: UnsafeMutableBufferPointer<Int32>
    /// For each position modulo the window, the previous position (from `base`, +1) with the
    /// same hash.
    ///
    /// Only positions in the chains are read, and each wrote its own entry when added.
    let previous: UnsafeMutableBufferPointer<Int32>
    /// The first position of the segment being parsed: matches reach no further back.
    var base = 0
    var block = Block()

    init(
      _ bytes: UnsafeBufferPointer<UInt8>, head: UnsafeMutableBufferPointer<Int32>,
      previous: UnsafeMutableBufferPointer<Int32>, settings: Settings
    ) {
      precondition(head.count == 1 << Deflate.hashBits && previous.count == Deflate.window)
      self.bytes = bytes
      self.head = head
      self.previous = previous
      self.settings = settings
    }

    /// Empties the chains; matches will start at `base` or later.
    mutating func restart(at base: Int) {
      self.base = base
      head.update(repeating: 0)
    }

    /// The hash of the three bytes at `position` (which must have two bytes after it).
    @inline(__always)
    func hash(_ position: Int) -> Int {
      let value =
        UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8
        | UInt32(bytes[position + 2]) << 16
      return Int((value &* 0x9E37_79B1) >> UInt32(32 - Deflate.hashBits))
    }

    /// Adds `position` to the chain of `hash`; returns the chain's previous start (+1).
    @inline(__always)
    func insert(_ position: Int, _ hash: Int) -> Int32 {
      let first = head[hash]
      previous[position & (Deflate.window - 1)] = first
      head[hash] = Int32(truncatingIfNeeded: position - base + 1)
      return first
    }

    /// How many bytes at `candidate` and `position` agree, up to `limit`.
    @inline(__always)
    func agreement(_ candidate: Int, _ position: Int, _ limit: Int) -> Int {
      let base = UnsafeRawPointer(bytes.baseAddress!)
      var length = 0
      while length + 8 <= limit {
        let a = UInt64(
          littleEndian: base.loadUnaligned(fromByteOffset: candidate + length, as: UInt64.self))
        let b = UInt64(
          littleEndian: base.loadUnaligned(fromByteOffset: position + length, as: UInt64.self))
        if a != b { return length + (a ^ b).trailingZeroBitCount >> 3 }
        length += 8
      }
      while length < limit && bytes[candidate + length] == bytes[position + length] { length += 1 }
      return length
    }

    /// The longest match at `position` longer than `atLeast`, following the chain from `first`
    /// (+1), or (0, 0).
    func longestMatch(_ position: Int, first: Int32, atLeast: Int) -> (length: Int, distance: Int) {
      let limit = min(258, bytes.count - position)
      var best = max(atLeast, 2)
      guard limit > best else { return (0, 0) }
      var distance = 0
      var chain = atLeast >= settings.good ? settings.chain >> 2 : settings.chain
      var candidate = base + Int(first) - 1
      let oldest = max(base, position - Deflate.window)
      while candidate >= oldest && chain > 0 {
        if bytes[candidate + best] == bytes[position + best]
          && bytes[candidate] == bytes[position] && bytes[candidate + 1] == bytes[position + 1]
        {
          let length = agreement(candidate, position, limit)
          if length > best {
            best = length
            distance = position - candidate
            if length >= settings.nice || length == limit { break }
          }
        }
        chain -= 1
        let next = base + Int(previous[candidate & (Deflate.window - 1)]) - 1
        if next >= candidate { break }
        candidate = next
      }
      // A 3-byte match far back costs about as much as three literals.
      if distance == 0 || (best == 3 && distance > 4096) { return (0, 0) }
      return (best, distance)
    }

    /// Takes the longest match at each position (`.fast`) from `base` until `end`; returns
    /// where it stopped (`end`, or past it at the end of a match).
    mutating func greedy(_ end: Int, _ writer: inout BlockWriter) -> Int {
      let count = bytes.count
      var position = base
      while position < end {
        var match = (length: 0, distance: 0)
        if position + 2 < count {
          let first = insert(position, hash(position))
          match = longestMatch(position, first: first, atLeast: 0)
        }
        if match.length >= 3 {
          emit(match: match.length, distance: match.distance, &writer)
          let matchEnd = position + match.length
          if match.length <= settings.insert {
            var next = position + 1
            while next < matchEnd && next + 2 < count {
              _ = insert(next, hash(next))
              next += 1
            }
          }
          position = matchEnd
        } else {
          emit(literal: bytes[position], &writer)
          position += 1
        }
      }
      return position
    }

    /// Keeps a match only when the next position has no longer one (`.default`), from `base`
    /// until `end`; returns where it stopped (`end`, or past it at the end of a match).
    mutating func lazy(_ end: Int, _ writer: inout BlockWriter) -> Int {
      let count = bytes.count
      var position = base
      // The match at `position - 1`, and whether its byte is still to be written.
      var previousMatch = (length: 0, distance: 0)
      var pending = false
      while position < end {
        var match = (length: 0, distance: 0)
        if position + 2 < count {
          let first = insert(position, hash(position))
          if previousMatch.length < settings.lazy {
            match = longestMatch(position, first: first, atLeast: previousMatch.length)
          }
        }
        if previousMatch.length >= 3 && match.length <= previousMatch.length {
          emit(match: previousMatch.length, distance: previousMatch.distance, &writer)
          let matchEnd = position - 1 + previousMatch.length
          var next = position + 1
          while next < matchEnd && next + 2 < count {
            _ = insert(next, hash(next))
            next += 1
          }
          position = matchEnd
          previousMatch = (0, 0)
          pending = false
        } else {
          if pending { emit(literal: bytes[position - 1], &writer) }
          pending = true
          previousMatch = match
          position += 1
        }
      }
      // The last position's byte: its match (at a segment's end), or a literal.
      guard pending else { return position }
      if previousMatch.length >= 3 {
        emit(match: previousMatch.length, distance: previousMatch.distance, &writer)
        return position - 1 + previousMatch.length
      }
      emit(literal: bytes[position - 1], &writer)
      return position
    }

    @inline(__always)
    mutating func emit(literal: UInt8, _ writer: inout BlockWriter) {
      if block.isFull { writer.write(&block, bytes, final: false) }
      block.append(literal: literal)
    }

    @inline(__always)
    mutating func emit(match length: Int, distance: Int, _ writer: inout BlockWriter) {
      if block.isFull { writer.write(&block, bytes, final: false) }
      block.append(length: length, distance: distance)
    }
  }

  /// The symbols of one block, with their frequencies and the input bytes they cover.
  struct Block {
    /// At most this many symbols per block.
    static let capacity = 16_384
    /// A literal (its byte), or a match: bit 31, length - 3 in bits 16–23, distance - 1 in
    /// bits 0–14.
    var symbols: [UInt32] = []
    var literalFrequencies = [Int](repeating: 0, count: 286)
    var distanceFrequencies = [Int](repeating: 0, count: 30)
    /// The input bytes the block covers.
    var start = 0
    var end = 0
    /// ``Tables``, held here so that the hot path reads no global.
    let lengthSymbol = Tables.lengthSymbol
    let distanceSymbol = Tables.distanceSymbol

    init() {
      symbols.reserveCapacity(Block.capacity)
      literalFrequencies[256] = 1
    }

    var isFull: Bool { symbols.count >= Block.capacity }

    @inline(__always)
    mutating func append(literal: UInt8) {
      symbols.append(UInt32(literal))
      literalFrequencies[Int(literal)] += 1
      end += 1
    }

    @inline(__always)
    mutating func append(length: Int, distance: Int) {
      symbols.append(0x8000_0000 | UInt32(length - 3) << 16 | UInt32(distance - 1))
      literalFrequencies[257 + Int(lengthSymbol[length])] += 1
      distanceFrequencies[Int(distanceSymbol[distance - 1])] += 1
      end += length
    }

    /// Empties the block; the next one starts where this one ended.
    mutating func reset() {
      symbols.removeAll(keepingCapacity: true)
      for index in literalFrequencies.indices { literalFrequencies[index] = 0 }
      for index in distanceFrequencies.indices { distanceFrequencies[index] = 0 }
      literalFrequencies[256] = 1
      start = end
    }
  }
}
