import OutpostCodec
import OutpostCrypto
import OutpostModel

/// A point in a repository's journal: just after a committed transaction (SPEC.md §4.2).
///
/// `state.json` keeps the checkpoint's (SPEC.md §4.1), and a peer document keeps, in
/// `sent.made_at`, where each recent bundle was made (SPEC.md §8.8). A reader that starts from a
/// position checks that the journal's next line continues its hash chain, so a position that
/// does not belong to the journal is noticed, never trusted.
public struct JournalPosition: Sendable, Equatable {
  /// The segment file number (`journal/0000000001.jsonl` is segment 1).
  public var segment: Int
  /// The byte offset in that segment.
  public var offset: Int64
  /// The sequence number of the last line before this point (0 at the start).
  public var seq: UInt64
  /// The SHA-256 (hex) of the last line's entry, or 64 zeros at the start.
  public var hash: String
  /// The number of the last committed transaction (0 at the start).
  public var txn: UInt64

  /// A position from its parts.
  public init(segment: Int, offset: Int64, seq: UInt64, hash: String, txn: UInt64) {
    self.segment = segment
    self.offset = offset
    self.seq = seq
    self.hash = hash
    self.txn = txn
  }

  /// The start of an empty journal.
  public static let start = JournalPosition(
    segment: 1, offset: 0, seq: 0, hash: String(repeating: "0", count: 64), txn: 0)

  /// The members `hash`, `offset`, `segment`, `seq` and `txn`, as `state.json` and peer
  /// documents write them.
  public var jsonMembers: [(String, JSONValue)] {
    func integer(_ value: Int64) -> JSONValue { .number(JSONNumber(integer: value)) }
    return [
      ("hash", .string(hash)), ("offset", integer(offset)), ("segment", integer(Int64(segment))),
      ("seq", integer(Int64(seq))), ("txn", integer(Int64(txn))),
    ]
  }

  /// Reads `{"hash","offset","segment","seq","txn"}`, every member required and no other (a
  /// `made_at` entry of a peer document).
  public init(json: JSONValue) throws(ModelError) {
    guard case .object(let object) = json, object.count == 5,
      let hash = object["hash"]?.stringValue, hash.utf8.count == 64,
      hash.utf8.allSatisfy(Hex.isLowercaseDigit),
      let offset = object["offset"]?.uint64Value, offset <= UInt64(Int64.max),
      let segment = object["segment"]?.uint64Value, (1...UInt64(Int32.max)).contains(segment),
      let seq = object["seq"]?.uint64Value, let txn = object["txn"]?.uint64Value
    else { throw ModelError("a made_at entry is not {hash, offset, segment, seq, txn}") }
    self.init(segment: Int(segment), offset: Int64(offset), seq: seq, hash: hash, txn: txn)
  }
}
