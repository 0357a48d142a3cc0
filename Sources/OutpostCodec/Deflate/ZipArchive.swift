/// Reads a zip archive held in memory (PKWARE APPNOTE 6.3: the central directory, stored and
/// DEFLATE entries), as `.xlsx` workbooks are.
///
/// Everything is checked before it is trusted: the end record and the central directory lie
/// inside the bytes, each entry's local header agrees with its directory entry, sizes are bounded
/// before anything is decompressed, and each entry's CRC-32 must match. ZIP64, encryption,
/// split archives and compression methods other than stored (0) and DEFLATE (8) are refused by
/// name rather than misread.
public struct ZipArchive: Sendable {
  /// Why an archive or an entry could not be read.
  public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, naming the entry when there is one.
    public var message: String

    public var description: String { message }
  }

  /// One file in the archive, as its central directory entry describes it.
  public struct Entry: Sendable, Equatable {
    /// Its path in the archive (`xl/worksheets/sheet1.xml`).
    public var name: String
    /// 0: stored; 8: DEFLATE.
    public var method: Int
    /// The CRC-32 of its contents.
    public var crc32: UInt32
    /// Its size in the archive.
    public var compressedSize: Int
    /// Its size once decompressed.
    public var size: Int
    /// Where its local header starts.
    var headerOffset: Int
  }

  /// The entries, in central directory order.
  public let entries: [Entry]
  private let bytes: [UInt8]

  /// Reads the central directory of `bytes`.
  public init(_ bytes: [UInt8]) throws(Failure) {
    self.bytes = bytes
    // The end of central directory record: 22 bytes plus a comment of up to 65,535.
    guard bytes.count >= 22 else { throw Failure(message: "not a zip archive (too short)") }
    var end = -1
    var at = bytes.count - 22
    while at >= max(0, bytes.count - 22 - 65_535) {
      if Self.uint32(bytes, at) == 0x0605_4B50
        && at + 22 + Self.uint16(bytes, at + 20) == bytes.count
      {
        end = at
        break
      }
      at -= 1
    }
    guard end >= 0 else {
      throw Failure(message: "not a zip archive (no end of central directory record)")
    }
    let count = Self.uint16(bytes, end + 10)
    let directorySize = Int(Self.uint32(bytes, end + 12))
    let directoryOffset = Int(Self.uint32(bytes, end + 16))
    if Self.uint16(bytes, end + 4) != 0 || Self.uint16(bytes, end + 6) != 0
      || count != Self.uint16(bytes, end + 8)
    {
      throw Failure(message: "a split (multi-part) zip archive is not supported")
    }
    if count == 0xFFFF || directoryOffset == 0xFFFF_FFFF || directorySize == 0xFFFF_FFFF {
      throw Failure(message: "a ZIP64 archive is not supported (save the workbook again)")
    }
    guard directoryOffset + directorySize <= end else {
      throw Failure(message: "the central directory lies outside the archive (damaged file?)")
    }
    var entries: [Entry] = []
    var position = directoryOffset
    for index in 0..<count {
      guard position + 46 <= end, Self.uint32(bytes, position) == 0x0201_4B50 else {
        throw Failure(message: "central directory entry \(index + 1) is damaged")
      }
      let flags = Self.uint16(bytes, position + 8)
      let nameLength = Self.uint16(bytes, position + 28)
      let extraLength = Self.uint16(bytes, position + 30)
      let commentLength = Self.uint16(bytes, position + 32)
      let nameEnd = position + 46 + nameLength
      guard nameEnd <= end else {
        throw Failure(message: "central directory entry \(index + 1) is damaged")
      }
      let name = String(decoding: bytes[(position + 46)..<nameEnd], as: UTF8.self)
      if flags & 1 != 0 { throw Failure(message: "'\(name)' is encrypted") }
      let entry = Entry(
        name: name, method: Self.uint16(bytes, position + 10),
        crc32: Self.uint32(bytes, position + 16),
        compressedSize: Int(Self.uint32(bytes, position + 20)),
        size: Int(Self.uint32(bytes, position + 24)),
        headerOffset: Int(Self.uint32(bytes, position + 42)))
      if entry.compressedSize == 0xFFFF_FFFF || entry.size == 0xFFFF_FFFF
        || entry.headerOffset == 0xFFFF_FFFF
      {
        throw Failure(message: "'\(name)' is a ZIP64 entry, which is not supported")
      }
      entries.append(entry)
      position = nameEnd + extraLength + commentLength
    }
    self.entries = entries
  }

  /// The entry named `name`, if any.
  public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

  /// The contents of `entry`, decompressed and checked against its CRC-32.
  ///
  /// - Parameter limit: the largest size accepted; an entry declaring more is refused before
  ///   anything is decompressed.
  public func contents(of entry: Entry, limit: Int) throws(Failure) -> [UInt8] {
    guard entry.size <= limit else {
      throw Failure(
        message: "'\(entry.name)' is \(entry.size) bytes once decompressed, more than the "
          + "\(limit) accepted")
    }
    let header = entry.headerOffset
    guard header + 30 <= bytes.count, Self.uint32(bytes, header) == 0x0403_4B50 else {
      throw Failure(message: "'\(entry.name)': its local header is missing (damaged file?)")
    }
    let start = header + 30 + Self.uint16(bytes, header + 26) + Self.uint16(bytes, header + 28)
    guard start + entry.compressedSize <= bytes.count else {
      throw Failure(message: "'\(entry.name)' runs past the end of the archive (truncated?)")
    }
    let stored = Array(bytes[start..<(start + entry.compressedSize)])
    let output: [UInt8]
    switch entry.method {
    case 0:
      guard entry.compressedSize == entry.size else {
        throw Failure(message: "'\(entry.name)' is stored, but its two sizes differ")
      }
      output = stored
    case 8:
      do { output = try Inflate.decompress(stored, limit: entry.size) } catch {
        throw Failure(message: "'\(entry.name)': \(error)")
      }
    default:
      throw Failure(
        message: "'\(entry.name)' uses compression method \(entry.method); only stored (0) "
          + "and DEFLATE (8) are supported")
    }
    guard output.count == entry.size else {
      throw Failure(
        message: "'\(entry.name)' holds \(output.count) bytes, not the \(entry.size) declared")
    }
    guard CRC32.checksum(output) == entry.crc32 else {
      throw Failure(message: "'\(entry.name)' fails its CRC-32 check (damaged file?)")
    }
    return output
  }

  static func uint16(_ bytes: [UInt8], _ at: Int) -> Int {
    Int(bytes[at]) | Int(bytes[at + 1]) << 8
  }

  static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
    UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
      | UInt32(bytes[at + 3]) << 24
  }
}

/// CRC-32 as zip and PNG use it (ISO 3309 / ITU-T V.42: reflected polynomial 0xEDB88320).
public enum CRC32 {
  static let table: [UInt32] = (0..<256).map { index in
    var value = UInt32(index)
    for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    return value
  }

  /// The checksum of `bytes`.
  public static func checksum(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
  }
}
