/// A SHA-256 digest: 32 bytes.
public struct SHA256Digest: Sendable, Hashable, CustomStringConvertible {
  /// The digest bytes.
  public let bytes: [UInt8]

  init(bytes: [UInt8]) { self.bytes = bytes }

  /// Parses 64 hex digits.
  public init?(hex: String) {
    guard let bytes = Hex.decode(hex), bytes.count == 32 else { return nil }
    self.bytes = bytes
  }

  /// Lowercase hex.
  public var hex: String { Hex.encode(bytes) }

  public var description: String { hex }
}

/// SHA-256 (FIPS 180-4), written in-house because Foundation on Linux has no hashing.
///
/// Tested against the NIST CAVP byte-oriented vectors (SPEC.md §6.2). The compression function
/// is unrolled eight rounds at a time (the working variables rotate roles instead of being
/// moved), and a partial block waits in fixed storage, so hashing a short message allocates
/// only its digest.
public struct SHA256: Sendable {
  private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab,
    0x5be0_cd19
  )
  /// The bytes of an incomplete block: 64 bytes as eight words.
  private var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
    0, 0, 0, 0, 0, 0, 0, 0
  )
  private var buffered = 0
  private var length: UInt64 = 0

  /// A fresh hash computation.
  public init() {}

  /// Hashes bytes in one call.
  public static func hash(_ bytes: some Sequence<UInt8>) -> SHA256Digest {
    var hasher = SHA256()
    hasher.update(bytes)
    return hasher.finalize()
  }

  /// Adds bytes to the message.
  public mutating func update(_ bytes: some Sequence<UInt8>) {
    let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
    if done == nil {
      let array = Array(bytes)
      array.withUnsafeBytes { update($0) }
    }
  }

  /// Adds raw bytes to the message.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 0, let base = bytes.baseAddress else { return }
    length &+= UInt64(bytes.count)
    var offset = 0
    if buffered > 0 {
      let take = min(64 - buffered, bytes.count)
      let start = buffered
      withUnsafeMutableBytes(of: &buffer) { block in
        (block.baseAddress! + start).copyMemory(from: base, byteCount: take)
      }
      buffered += take
      offset = take
      guard buffered == 64 else { return }  // the block is still incomplete
      var block = buffer
      withUnsafeBytes(of: &block) { compress($0.baseAddress!) }
      buffered = 0
    }
    while bytes.count - offset >= 64 {
      compress(base + offset)
      offset += 64
    }
    let rest = bytes.count - offset
    if rest > 0 {
      withUnsafeMutableBytes(of: &buffer) { block in
        block.baseAddress!.copyMemory(from: base + offset, byteCount: rest)
      }
    }
    buffered = rest
  }

  /// Pads the message and returns the digest.
  public mutating func finalize() -> SHA256Digest {
    let bitLength = length &* 8
    // 0x80, zeros up to 56 bytes into a block, then the length in bits, big-endian.
    var padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
      0, 0, 0, 0, 0, 0, 0, 0, 0
    )
    let padded = 1 + (55 - buffered + 64) % 64 + 8
    withUnsafeMutableBytes(of: &padding) { raw in
      raw[0] = 0x80
      for i in 0..<8 { raw[padded - 1 - i] = UInt8(truncatingIfNeeded: bitLength >> UInt64(8 * i)) }
      let savedLength = length
      update(UnsafeRawBufferPointer(rebasing: raw[0..<padded]))
      length = savedLength
    }
    precondition(buffered == 0)
    let words = state
    let digest = withUnsafeBytes(of: words) { raw in
      [UInt8](unsafeUninitializedCapacity: 32) { out, count in
        for i in 0..<8 {
          let word = raw.load(fromByteOffset: 4 * i, as: UInt32.self)
          out[4 * i] = UInt8(truncatingIfNeeded: word >> 24)
          out[4 * i + 1] = UInt8(truncatingIfNeeded: word >> 16)
          out[4 * i + 2] = UInt8(truncatingIfNeeded: word >> 8)
          out[4 * i + 3] = UInt8(truncatingIfNeeded: word)
        }
        count = 32
      }
    }
    return SHA256Digest(bytes: digest)
  }

  private static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
    0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
    0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
    0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
    0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
    0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
    0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
  ]

  @inline(__always)
  private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

  /// One round: `d` and `h` take their new values; the caller rotates the roles of the others.
  @inline(__always)
  private static func round(
    _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32,
    _ g: UInt32, _ h: inout UInt32, _ kw: UInt32
  ) {
    let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
    let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) | (c & (a | b)))
    d = d &+ t1
    h = t1 &+ t2
  }

  private mutating func compress(_ block: UnsafeRawPointer) {
    var w = (
      UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
      UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0)
    )
    var (a, b, c, d, e, f, g, h) = state
    Self.k.withUnsafeBufferPointer { k in
      withUnsafeMutableBytes(of: &w) { raw in
        let w = raw.bindMemory(to: UInt32.self)
        for i in 0..<16 {
          w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        }
        var i = 0
        while i < 64 {
          if i >= 16 {
            for j in i..<(i + 8) {
              let w15 = w[(j - 15) & 15]
              let w2 = w[(j - 2) & 15]
              let s0 = Self.rotr(w15, 7) ^ Self.rotr(w15, 18) ^ (w15 >> 3)
              let s1 = Self.rotr(w2, 17) ^ Self.rotr(w2, 19) ^ (w2 >> 10)
              w[j & 15] = w[j & 15] &+ s0 &+ w[(j - 7) & 15] &+ s1
            }
          }
          let base = i & 15
          Self.round(a, b, c, &d, e, f, g, &h, k[i] &+ w[base])
          Self.round(h, a, b, &c, d, e, f, &g, k[i + 1] &+ w[base + 1])
          Self.round(g, h, a, &b, c, d, e, &f, k[i + 2] &+ w[base + 2])
          Self.round(f, g, h, &a, b, c, d, &e, k[i + 3] &+ w[base + 3])
          Self.round(e, f, g, &h, a, b, c, &d, k[i + 4] &+ w[base + 4])
          Self.round(d, e, f, &g, h, a, b, &c, k[i + 5] &+ w[base + 5])
          Self.round(c, d, e, &f, g, h, a, &b, k[i + 6] &+ w[base + 6])
          Self.round(b, c, d, &e, f, g, h, &a, k[i + 7] &+ w[base + 7])
          i += 8
        }
      }
    }
    state = (
      state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f,
      state.6 &+ g, state.7 &+ h
    )
  }
}

/// HMAC-SHA256 (RFC 2104), tested against every RFC 4231 case.
public struct HMACSHA256: Sendable {
  private var inner: SHA256
  private var outerKey: [UInt8]

  /// Starts a MAC computation with a key (keys over 64 bytes are hashed first).
  public init(key: some Sequence<UInt8>) {
    var keyBytes = Array(key)
    if keyBytes.count > 64 { keyBytes = SHA256.hash(keyBytes).bytes }
    keyBytes.append(contentsOf: repeatElement(0, count: 64 - keyBytes.count))
    inner = SHA256()
    inner.update(keyBytes.map { $0 ^ 0x36 })
    outerKey = keyBytes.map { $0 ^ 0x5c }
  }

  /// Adds message bytes.
  public mutating func update(_ bytes: some Sequence<UInt8>) { inner.update(bytes) }

  /// The MAC.
  public mutating func finalize() -> SHA256Digest {
    let innerDigest = inner.finalize()
    var outer = SHA256()
    outer.update(outerKey)
    outer.update(innerDigest.bytes)
    return outer.finalize()
  }

  /// The MAC of a message.
  public static func authenticate(_ message: some Sequence<UInt8>, key: some Sequence<UInt8>)
    -> SHA256Digest
  {
    var mac = HMACSHA256(key: key)
    mac.update(message)
    return mac.finalize()
  }

  /// Whether `mac` is the MAC of `message` under `key`, compared in constant time.
  public static func isValid(
    _ mac: some Collection<UInt8>, for message: some Sequence<UInt8>, key: some Sequence<UInt8>
  ) -> Bool {
    ConstantTime.equals(authenticate(message, key: key).bytes, mac)
  }
}

/// Comparisons whose time does not depend on where the inputs differ.
public enum ConstantTime {
  /// Whether two byte strings are equal; examines every byte when the lengths match.
  public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
  }
}

/// Lowercase hexadecimal encoding.
public enum Hex {
  private static let digits = Array("0123456789abcdef".utf8)

  /// Encodes bytes as lowercase hex.
  public static func encode(_ bytes: some Sequence<UInt8>) -> String {
    var out: [UInt8] = []
    for byte in bytes {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Decodes hex (either case); nil for odd length or a non-hex character.
  public static func decode(_ text: String) -> [UInt8]? {
    let chars = Array(text.utf8)
    guard chars.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(chars.count / 2)
    var i = 0
    while i < chars.count {
      guard let high = value(chars[i]), let low = value(chars[i + 1]) else { return nil }
      out.append(high << 4 | low)
      i += 2
    }
    return out
  }

  /// Whether a byte is one of `0-9a-f`.
  public static func isLowercaseDigit(_ c: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
      || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(c)
  }

  private static func value(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
