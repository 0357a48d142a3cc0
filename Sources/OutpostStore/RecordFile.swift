import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

/// The materialized records of one bucket of a collection: `records/<collection>/<bb>.json`.
///
/// A record lives in the bucket named by the first byte (two hex digits) of the SHA-256 of its
/// id's collision key (the id lowercased), so ids that collide by case share a bucket and a
/// record is found without an index. The file is canonical JSON with one record per line
/// (SPEC.md §4.4):
///
///     {"collection":"orders","format":"outpost-records/1","records":{
///     "o-1001":{"context":{…},"deleted":{…},"fields":{…}},
///     "o-1002":{…}
///     }}
enum RecordFile {
  static let format = "outpost-records/1"

  /// The bucket file name for an id.
  static func bucket(for id: RecordID) -> String {
    let digest = SHA256.hash(Array(id.collisionKey.utf8)).bytes
    return Hex.encode([digest[0]])
  }

  /// Encodes a bucket's records, sorted by id.
  static func encode(collection: String, records: [RecordID: RecordState]) -> [UInt8] {
    var out: [UInt8] = []
    out.append(contentsOf: #"{"collection":"#.utf8)
    JSONWriter.writeString(collection, into: &out)
    out.append(contentsOf: #","format":"#.utf8)
    JSONWriter.writeString(format, into: &out)
    out.append(contentsOf: #","records":{"#.utf8)
    var first = true
    for id in records.keys.sorted() {
      out.append(contentsOf: first ? [10] : [44, 10])  // "\n" or ",\n"
      first = false
      JSONWriter.writeString(id.rawValue, into: &out)
      out.append(UInt8(ascii: ":"))
      JSONWriter.write(records[id]!.json, into: &out)
    }
    out.append(contentsOf: records.isEmpty ? Array("}}\n".utf8) : Array("\n}}\n".utf8))
    return out
  }

  /// Decodes a bucket file, checking its format, collection and ids, and with `checkBuckets`
  /// that each id hashes to this bucket (writers and `verify` check; readers skip the hash).
  static func decode(
    _ bytes: [UInt8], collection: String, bucket: String, path: String, checkBuckets: Bool = true
  ) throws(StoreError) -> [RecordID: RecordState] {
    let value: JSONValue
    do {
      value = try JSONParser.parse(bytes, limits: .repositoryFile)
    } catch {
      throw StoreError(.corrupt, "\(path): \(error)", hint: verifyHint)
    }
    guard case .object(let object) = value, object["format"]?.stringValue == format else {
      throw StoreError(
        .corrupt, "\(path): not an Outpost record file (\(format))", hint: verifyHint)
    }
    guard object["collection"]?.stringValue == collection else {
      throw StoreError(.corrupt, "\(path): holds records of another collection", hint: verifyHint)
    }
    guard case .object(let records)? = object["records"] else {
      throw StoreError(.corrupt, "\(path): 'records' is not an object", hint: verifyHint)
    }
    var result: [RecordID: RecordState] = [:]
    result.reserveCapacity(records.count)
    for (key, stateJSON) in records {
      let id: RecordID
      let state: RecordState
      do {
        id = try RecordID(key)
        state = try RecordState(json: stateJSON)
      } catch {
        throw StoreError(.corrupt, "\(path): record '\(key)': \(error.message)", hint: verifyHint)
      }
      guard !checkBuckets || Self.bucket(for: id) == bucket else {
        throw StoreError(
          .corrupt, "\(path): record '\(key)' belongs in bucket \(Self.bucket(for: id))",
          hint: verifyHint)
      }
      result[id] = state
    }
    return result
  }

  static let verifyHint = "Run 'outpost verify' for a full report."
}
