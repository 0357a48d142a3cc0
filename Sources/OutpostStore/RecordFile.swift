import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

/// One file of materialized records (SPEC.md §4.4).
///
/// A record lives in the bucket named by the first byte (two hex digits) of the SHA-256 of its
/// id's collision key (the id lowercased), so ids that collide by case share a bucket and a
/// record is found without an index. A bucket is a **base** file `<bb>.json` and zero or more
/// **delta** files `<bb>.<txn>.json`, one per transaction that changed the bucket since the base
/// was written; the newest file that holds an id has its state. Every file is canonical JSON
/// with one record per line, sorted by id, and names the transaction it is current to:
///
///     {"at_txn":12,"collection":"orders","format":"outpost-records/2","records":{
///     "o-1001":{"context":{…},"deleted":{…},"fields":{…}},
///     "o-1002":{…}
///     }}
///
/// A delta may hold a *collected marker* (the empty state `{"context":{},"deleted":{},"fields":{}}`):
/// the record was collected (SPEC.md §8.10) and is dropped when the bucket is compacted.
enum RecordFile {
  static let format = "outpost-records/2"

  /// The bucket file name for an id.
  static func bucket(for id: RecordID) -> String {
    var hasher = SHA256()
    var key = id.collisionKey
    key.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
    return bucketNames[Int(hasher.finalize().bytes[0])]
  }

  /// `00` … `ff`.
  private static let bucketNames = (0...255).map { Hex.encode([UInt8($0)]) }

  /// The file name of a bucket's base (`txn` nil) or of one of its deltas.
  static func fileName(bucket: String, delta txn: UInt64?) -> String {
    txn.map { "\(bucket).\($0).json" } ?? bucket + ".json"
  }

  /// Splits a record file name into its bucket and, for a delta, its transaction; nil for any
  /// other name.
  static func parseName(_ name: String) -> (bucket: String, delta: UInt64?)? {
    let parts = name.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 2 || parts.count == 3, parts.last == "json",
      parts[0].utf8.count == 2,
      parts[0].utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
    else { return nil }
    guard parts.count == 3 else { return (String(parts[0]), nil) }
    let digits = parts[1]
    guard !digits.isEmpty, digits.utf8.count <= 19, digits.first != "0",
      digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let txn = UInt64(digits)
    else { return nil }
    return (String(parts[0]), txn)
  }

  /// The canonical bytes of the collected marker's state.
  static let collectedMarker: [UInt8] = RecordState().canonicalBytes

  // MARK: Writing

  /// Encodes records, sorted by id.
  static func encode(collection: String, txn: UInt64, records: [RecordID: RecordState]) -> [UInt8] {
    var lines: [(RecordID, [UInt8])] = []
    lines.reserveCapacity(records.count)
    for id in records.keys.sorted() {
      lines.append((id, records[id]!.canonicalBytes))
    }
    return assemble(collection: collection, txn: txn, states: lines.map { ($0.0, $0.1[...]) })
  }

  /// Builds a file from states already in canonical form, which must be sorted by id.
  static func assemble(
    collection: String, txn: UInt64, states: [(RecordID, ArraySlice<UInt8>)]
  ) -> [UInt8] {
    var out = header(collection: collection, txn: txn)
    out.reserveCapacity(
      out.count + states.reduce(0) { $0 + $1.1.count + $1.0.rawValue.utf8.count + 5 })
    var first = true
    for (id, state) in states {
      out.append(contentsOf: first ? [10] : [44, 10])  // "\n" or ",\n"
      first = false
      JSONWriter.writeString(id.rawValue, into: &out)
      out.append(UInt8(ascii: ":"))
      out.append(contentsOf: state)
    }
    out.append(contentsOf: states.isEmpty ? Array("}}\n".utf8) : Array("\n}}\n".utf8))
    return out
  }

  private static func header(collection: String, txn: UInt64) -> [UInt8] {
    var out = Array(#"{"at_txn":"#.utf8)
    out.append(contentsOf: String(txn).utf8)
    out.append(contentsOf: #","collection":"#.utf8)
    JSONWriter.writeString(collection, into: &out)
    out.append(contentsOf: #","format":"#.utf8)
    JSONWriter.writeString(format, into: &out)
    out.append(contentsOf: #","records":{"#.utf8)
    return out
  }

  // MARK: Reading

  /// A record file split into its lines without decoding the states.
  struct Scanned: Sendable {
    /// The file's bytes.
    let bytes: [UInt8]
    /// The transaction the file is current to.
    let txn: UInt64
    /// Each record: its id, the byte range of its state, and its line (1-based).
    var entries: [(id: RecordID, state: Range<Int>, line: Int)]
    /// The file's path relative to the repository, for messages.
    let path: String

    /// Decodes the state of entry `index`.
    func state(_ index: Int) throws(StoreError) -> RecordState {
      var decoder = RecordStateDecoder(limits: .repositoryFile)
      return try state(index, decoder: &decoder)
    }

    /// Decodes the state of entry `index` with `decoder` (one for many states shares their
    /// field names).
    func state(_ index: Int, decoder: inout RecordStateDecoder) throws(StoreError) -> RecordState {
      let entry = entries[index]
      do {
        return try decoder.decode(bytes[entry.state])
      } catch let error as JSONError {
        throw RecordFile.damaged(path, line: entry.line, "record '\(entry.id)': \(error.message)")
      } catch {
        throw RecordFile.damaged(path, line: entry.line, "record '\(entry.id)': \(error)")
      }
    }

    /// Whether entry `index` is a collected marker.
    func isCollectedMarker(_ index: Int) -> Bool {
      bytes[entries[index].state].elementsEqual(RecordFile.collectedMarker)
    }
  }

  /// Splits a record file into lines without decoding its states.
  ///
  /// Checks its header, its framing, its ids and their order and (with `checkBuckets`) that
  /// every id hashes to `bucket`. The states are decoded only
  /// when asked for (``Scanned/state(_:)``); ``decodeAll(_:)`` checks every one.
  static func scan(
    _ bytes: [UInt8], collection: String, bucket: String, path: String, checkBuckets: Bool
  ) throws(StoreError) -> Scanned {
    var lineStarts: [Int] = [0]
    bytes.withUnsafeBufferPointer { buffer in
      for index in buffer.indices where buffer[index] == 10 && index + 1 < buffer.count {
        lineStarts.append(index + 1)
      }
    }
    guard bytes.last == 10 else {
      throw damaged(path, line: lineStarts.count, "does not end a line")
    }
    func line(_ number: Int) -> Range<Int> {
      let start = lineStarts[number - 1]
      let end = number < lineStarts.count ? lineStarts[number] - 1 : bytes.count - 1
      return start..<end
    }
    // Line 1: the header, with `}}` appended a complete JSON object.
    let first = line(1)
    let empty = bytes[first].suffix(3).elementsEqual("{}}".utf8)
    var headerBytes = Array(bytes[first])
    if !empty { headerBytes.append(contentsOf: "}}".utf8) }
    guard case .object(let header)? = try? JSONParser.parse(headerBytes, limits: .repositoryFile),
      header.keys.sorted() == ["at_txn", "collection", "format", "records"],
      header["format"]?.stringValue == format, let txn = header["at_txn"]?.uint64Value,
      case .object(let none)? = header["records"], none.count == 0
    else {
      throw damaged(path, line: 1, "not an Outpost record file (\(format))")
    }
    guard header["collection"]?.stringValue == collection else {
      throw damaged(path, line: 1, "holds records of another collection")
    }
    guard headerBytes == Self.header(collection: collection, txn: txn) + Array("}}".utf8) else {
      throw damaged(path, line: 1, "the header is not in canonical form")
    }
    var scanned = Scanned(bytes: bytes, txn: txn, entries: [], path: path)
    if empty {
      guard lineStarts.count == 1 else { throw damaged(path, line: 2, "text after the end") }
      return scanned
    }
    guard lineStarts.count >= 3, bytes[line(lineStarts.count)].elementsEqual("}}".utf8) else {
      throw damaged(path, line: lineStarts.count, "the file does not end with '}}'")
    }
    scanned.entries.reserveCapacity(lineStarts.count - 2)
    var previous: RecordID?
    for number in 2..<lineStarts.count {
      var range = line(number)
      if number < lineStarts.count - 1 {
        guard range.count > 0, bytes[range.upperBound - 1] == UInt8(ascii: ",") else {
          throw damaged(path, line: number, "a record line that is not the last must end with ','")
        }
        range = range.lowerBound..<(range.upperBound - 1)
      }
      guard range.count >= 4, bytes[range.lowerBound] == UInt8(ascii: "\""),
        let close = bytes[(range.lowerBound + 1)..<range.upperBound].firstIndex(
          of: UInt8(ascii: "\"")),
        close + 1 < range.upperBound, bytes[close + 1] == UInt8(ascii: ":")
      else {
        throw damaged(path, line: number, "expected \"ID\":STATE")
      }
      let idBytes = bytes[(range.lowerBound + 1)..<close]
      guard RecordID.isValid(idBytes) else {
        var problem = "invalid record id"
        do { _ = try RecordID(String(decoding: idBytes, as: UTF8.self)) } catch {
          problem = error.message
        }
        throw damaged(path, line: number, problem)
      }
      let id = RecordID(unchecked: String(decoding: idBytes, as: UTF8.self))
      if let previous, !(previous < id) {
        throw damaged(path, line: number, "record '\(id)' is out of order or repeated")
      }
      if checkBuckets, bucket != Self.bucket(for: id) {
        throw damaged(
          path, line: number, "record '\(id)' belongs in bucket \(Self.bucket(for: id))")
      }
      previous = id
      scanned.entries.append((id, (close + 2)..<range.upperBound, number))
    }
    return scanned
  }

  /// Decodes every state of a scanned file, checking that the file is in canonical form.
  static func decodeAll(_ scanned: Scanned) throws(StoreError) -> [RecordID: RecordState] {
    var result: [RecordID: RecordState] = [:]
    result.reserveCapacity(scanned.entries.count)
    var decoder = RecordStateDecoder(limits: .repositoryFile)
    for index in scanned.entries.indices {
      let state = try scanned.state(index, decoder: &decoder)
      let entry = scanned.entries[index]
      guard state.canonicalBytes.elementsEqual(scanned.bytes[entry.state]) else {
        throw damaged(
          scanned.path, line: entry.line,
          "record '\(entry.id)' is not in canonical form (edited by hand?)")
      }
      result[entry.id] = state
    }
    return result
  }

  static func damaged(_ path: String, line: Int, _ problem: String) -> StoreError {
    StoreError(.corrupt, "\(path), line \(line): \(problem)", hint: verifyHint, remedy: .verify)
  }

  /// The hint of a damaged file, with the remedy ``Remedy/verify``.
  static let verifyHint = "Check the repository for a full report:"
}
