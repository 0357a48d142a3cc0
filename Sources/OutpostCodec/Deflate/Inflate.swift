/// Decompresses raw DEFLATE data (RFC 1951): what a zip file's entries hold (method 8).
///
/// Huffman codes are decoded through lookup tables (``Inflate/Table``: the next 10 bits of a
/// literal/length code, 8 of a distance code, a second table for longer codes) from a 64-bit
/// bit buffer refilled several bytes at a time, into output storage written in place. Every
/// malformed stream is an ``Inflate/Failure`` naming the byte offset where decoding stopped: the
/// last input byte that a bit-at-a-time reader would have read, so offsets and messages do not
/// depend on how far ahead the buffer reads. The output is bounded by a limit the caller gives
/// (a zip entry's declared size), so a small input cannot expand without bound.
public enum Inflate {
  /// Why a stream could not be decompressed, and where.
  public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong.
    public var message: String
    /// The offset of the input byte being read when it was found.
    public var offset: Int
    /// Whether the data was valid so far but expands past the caller's limit.
    public var exceedsLimit = false

    public var description: String { "DEFLATE data, byte \(offset): \(message)" }
  }

  /// Decompresses `input`, a raw DEFLATE stream (no zlib or gzip header); bytes after the final
  /// block are ignored.
  ///
  /// - Parameter limit: the most bytes the output may hold; more is a failure.
  public static func decompress(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
    let (guess, overflow) = input.count.multipliedReportingOverflow(by: 4)
    let start = overflow ? limit : Swift.min(limit, Swift.max(4_096, guess))
    return try run(input, limit: limit, capacity: start).output
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
  public static func decompress(_ input: [UInt8], exactLimit limit: Int) throws(Failure) -> (
    output: [UInt8], end: Int
  ) {
    let (most, overflow) = input.count.multipliedReportingOverflow(by: 1032)
    return try run(input, limit: limit, capacity: overflow ? limit : Swift.min(limit, most))
  }

  /// Decodes `input` into an array of `capacity` bytes, moved to a larger one (at most `limit`)
  /// whenever it is full.
  static func run(_ input: [UInt8], limit: Int, capacity: Int) throws(Failure) -> (
    output: [UInt8], end: Int
  ) {
    var decoder = Decoder(limit: limit)
    var output: [UInt8] = []
    var capacity = Swift.max(16, capacity)
    while true {
      var failure: Failure?
      var needed: Int?
      let previous = output
      output = input.withUnsafeBytes { bytes in
        [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
          let target = buffer.baseAddress.unsafelyUnwrapped
          previous.withUnsafeBufferPointer { old in
            if let start = old.baseAddress { target.initialize(from: start, count: old.count) }
          }
          count = previous.count
          do throws(Failure) {
            needed = try decoder.run(bytes, into: target, capacity: buffer.count, count: &count)
          } catch { failure = error }
        }
      }
      if let failure { throw failure }
      guard let needed else { return (output, decoder.end) }
      // The limit was checked: `output.count + needed <= limit`.
      let doubled = capacity.multipliedReportingOverflow(by: 2)
      capacity = Swift.min(
        limit, Swift.max(output.count + needed, doubled.overflow ? limit : doubled.0))
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
}
