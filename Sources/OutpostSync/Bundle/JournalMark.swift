import OutpostCodec
import OutpostModel

/// A point in a replica's journal, as a peer document records it: where a bundle was made
/// (SPEC.md §8.8, `sent.made_at`).
///
/// The members are those of the journal position a repository keeps in `state.json` (SPEC.md
/// §4.1): a reader that starts from a mark checks that the journal's next line continues its
/// hash chain, so a mark that does not belong to this journal is noticed, never trusted.
public struct JournalMark: Sendable, Equatable {
  /// The segment file number.
  public var segment: Int
  /// The byte offset in that segment, just after the transaction before the bundle.
  public var offset: Int64
  /// The sequence number of the line before that point.
  public var seq: UInt64
  /// That line's hash (64 lowercase hex digits).
  public var hash: String
  /// The last transaction committed before the bundle was made.
  public var txn: UInt64

  /// A mark from its parts.
  public init(segment: Int, offset: Int64, seq: UInt64, hash: String, txn: UInt64) {
    self.segment = segment
    self.offset = offset
    self.seq = seq
    self.hash = hash
    self.txn = txn
  }

  /// `{"hash","offset","seq","segment","txn"}`.
  public var json: JSONValue {
    func integer(_ value: Int64) -> JSONValue { .number(JSONNumber(integer: value)) }
    return .object(
      JSONObject(uncheckedPairs: [
        ("hash", .string(hash)), ("offset", integer(offset)), ("segment", integer(Int64(segment))),
        ("seq", integer(Int64(seq))), ("txn", integer(Int64(txn))),
      ]))
  }

  /// Reads a mark; every member is required.
  public init(json: JSONValue) throws(ModelError) {
    guard case .object(let object) = json, object.count == 5,
      let hash = object["hash"]?.stringValue, hash.utf8.count == 64,
      hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
      let offset = object["offset"]?.uint64Value, offset <= UInt64(Int64.max),
      let segment = object["segment"]?.uint64Value, (1...UInt64(Int32.max)).contains(segment),
      let seq = object["seq"]?.uint64Value, let txn = object["txn"]?.uint64Value
    else { throw ModelError("a made_at entry is not {hash, offset, segment, seq, txn}") }
    self.init(segment: Int(segment), offset: Int64(offset), seq: seq, hash: hash, txn: txn)
  }
}
