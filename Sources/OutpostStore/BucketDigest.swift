import OutpostCrypto
import OutpostModel

/// What a bucket holds, in 16 bytes (SPEC.md §4.4): the XOR of the SHA-256 of every live record,
/// each hashed as its id's UTF-8 bytes, a NUL byte and its state's canonical JSON.
///
/// `state.json` keeps one per non-empty bucket, and a reader compares it with the files it read:
/// a changed byte in a live record, a missing or older file, or a record from elsewhere shows as a
/// mismatch. The XOR makes it independent of how the records are spread over the base and its
/// deltas, so tidying (which rewrites files but keeps every live state) never changes it, and a
/// commit updates it in O(changes): out with each record's old hash, in with its new one.
struct BucketDigest: Sendable, Equatable {
  /// The digest's bytes.
  private(set) var bytes: [UInt8]

  /// The digest of an empty bucket.
  static let empty = BucketDigest(bytes: Array(repeating: 0, count: 16))

  private init(bytes: [UInt8]) { self.bytes = bytes }

  /// Parses 32 lowercase hex digits.
  init?(hex: String) {
    guard hex.utf8.count == 32, hex.utf8.allSatisfy(Hex.isLowercaseDigit),
      let bytes = Hex.decode(hex)
    else { return nil }
    self.bytes = bytes
  }

  /// The digest as 32 lowercase hex digits.
  var hex: String { Hex.encode(bytes) }

  /// The hash one record contributes.
  static func recordHash(_ id: RecordID, _ state: ArraySlice<UInt8>) -> [UInt8] {
    var hasher = SHA256()
    hasher.update(id.rawValue.utf8)
    hasher.update(CollectionOfOne(UInt8(0)))
    hasher.update(state)
    return Array(hasher.finalize().bytes.prefix(16))
  }

  /// Adds or removes one record's hash (XOR is its own inverse).
  mutating func toggle(_ recordHash: [UInt8]) {
    for index in bytes.indices { bytes[index] ^= recordHash[index] }
  }
}
