import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

/// How many records a collection holds, as `state.json` keeps them (SPEC.md §4.1).
public struct RecordCounts: Sendable, Equatable {
  /// Records that exist and are not deleted.
  public var live = 0
  /// Deleted records still held (their tombstones), until they are collected.
  public var deleted = 0
  /// Records, live or deleted, with an open conflict.
  public var conflicted = 0

  /// Creates counts.
  public init(live: Int = 0, deleted: Int = 0, conflicted: Int = 0) {
    self.live = live
    self.deleted = deleted
    self.conflicted = conflicted
  }

  /// Whether every count is zero.
  public var isZero: Bool { live == 0 && deleted == 0 && conflicted == 0 }

  /// Adds (`sign` 1) or takes away (`sign` -1) one record in `state`; a collected marker or
  /// nil is no record.
  mutating func count(_ state: RecordState?, _ sign: Int) {
    guard let state, !state.isCollectedMarker else { return }
    count(deleted: state.isDeleted, conflicted: state.isConflicted, sign)
  }

  /// Adds (`sign` 1) or takes away (`sign` -1) one record, deleted or not, in conflict or not.
  mutating func count(deleted isDeleted: Bool, conflicted isConflicted: Bool, _ sign: Int) {
    if isDeleted { deleted += sign } else { live += sign }
    if isConflicted { conflicted += sign }
  }
}

/// What `state.json` holds besides the checkpoint's clock: each member is nil when the file
/// was written by an older build, which lacked it.
struct StateFile {
  var checkpoint: JournalPosition
  var clock: VersionVector
  /// The digest of every non-empty bucket (`outpost-state/2` on).
  var buckets: [String: [String: BucketDigest]]?
  /// The records of every non-empty collection (`outpost-state/3` on).
  var counts: [String: RecordCounts]?
  /// The offset of the last transaction's `begin` line in the checkpoint's segment
  /// (`outpost-state/3` on; 0 without a transaction).
  var begin: Int64?
}

/// `state.json`: its format, and its check against the journal (SPEC.md §4.1, §4.2).
extension RepositoryReader {
  // MARK: State file

  /// The format `state.json` is written in.
  ///
  /// `outpost-state/1` (no checksum, no digests) and `/2` (no counts, no `begin`), written by
  /// earlier builds, are still read, and upgraded by the next writer.
  static let stateFormat = "outpost-state/3"

  /// The members of `state.json` other than its checksum.
  static func stateMembers(_ state: StateFile) -> [(String, JSONValue)] {
    let bucketsJSON = JSONValue.object(
      JSONObject(
        uncheckedPairs: (state.buckets ?? [:]).filter { !$0.value.isEmpty }.map {
          collection, digests in
          (
            collection,
            .object(JSONObject(uncheckedPairs: digests.map { ($0.key, .string($0.value.hex)) }))
          )
        }))
    func number(_ value: Int) -> JSONValue { .number(JSONNumber(integer: Int64(value))) }
    let countsJSON = JSONValue.object(
      JSONObject(
        uncheckedPairs: (state.counts ?? [:]).filter { !$0.value.isZero }.map {
          collection, counts in
          (
            collection,
            .object(
              JSONObject(uncheckedPairs: [
                ("conflicted", number(counts.conflicted)), ("deleted", number(counts.deleted)),
                ("live", number(counts.live)),
              ]))
          )
        }))
    let journal = JSONValue.object(
      JSONObject(
        uncheckedPairs: [("begin", .number(JSONNumber(integer: state.begin ?? 0)))]
          + state.checkpoint.jsonMembers))
    return [
      ("buckets", bucketsJSON), ("clock", state.clock.json), ("counts", countsJSON),
      ("format", .string(stateFormat)), ("journal", journal),
    ]
  }

  /// `state.json`: the checkpoint, the clock, the bucket digests and the record counts, with
  /// the SHA-256 of their canonical form (SPEC.md §4.1), so a damaged file is refused instead
  /// of trusted.
  static func encodeState(_ state: StateFile) -> [UInt8] {
    let members = stateMembers(state)
    let digest = SHA256.hash(
      JSONWriter.canonicalBytes(.object(JSONObject(uncheckedPairs: members))))
    return JSONWriter.prettyBytes(
      .object(JSONObject(uncheckedPairs: members + [("sha256", .string(digest.hex))])))
  }

  static func readState(_ path: String, _ fs: any FileSystem) throws(StoreError) -> StateFile {
    let file = path + "/" + stateFile
    let bytes: [UInt8]
    do { bytes = try fs.readFile(file) } catch { throw StoreError.readFailed(error) }
    func damaged(_ detail: String) -> StoreError {
      StoreError(
        .corrupt, "\(file) is damaged: \(detail); nothing was read or written",
        hint: Self.restoreHint, remedy: .verify)
    }
    guard case .object(let object)? = try? JSONParser.parse(bytes, limits: .repositoryFile) else {
      throw damaged("it is not valid JSON")
    }
    let format = object["format"]?.stringValue
    // Exactly the members of the format: a newer file with its format damaged or edited must
    // not switch the checks off.
    let members: Set<String>
    switch format {
    case stateFormat?: members = ["buckets", "clock", "counts", "format", "journal", "sha256"]
    case "outpost-state/2"?: members = ["buckets", "clock", "format", "journal", "sha256"]
    case "outpost-state/1"?: members = ["clock", "format", "journal"]
    default: throw damaged("unknown format \(format.map { "'\($0)'" } ?? "(none)")")
    }
    if format != "outpost-state/1" {
      guard let stated = object["sha256"]?.stringValue else { throw damaged("it has no checksum") }
      let checked = object.filter { $0.key != "sha256" }
      let digest = SHA256.hash(
        JSONWriter.canonicalBytes(
          .object(JSONObject(uncheckedPairs: checked.map { ($0.key, $0.value) }))))
      guard digest.hex == stated else { throw damaged("checksum mismatch") }
    }
    guard Set(object.map(\.key)) == members else {
      throw damaged("unexpected members for \(format!)")
    }
    let hasBegin = format == stateFormat
    guard case .object(let journal)? = object["journal"],
      Set(journal.map(\.key))
        == Set(["hash", "offset", "segment", "seq", "txn"] + (hasBegin ? ["begin"] : [])),
      let segment = journal["segment"]?.uint64Value, segment >= 1, segment < 10_000_000_000,
      let offset = journal["offset"]?.uint64Value, offset < 1 << 62,
      let seq = journal["seq"]?.uint64Value, let hash = journal["hash"]?.stringValue,
      hash.utf8.count == 64, hash.utf8.allSatisfy(Hex.isLowercaseDigit),
      let txn = journal["txn"]?.uint64Value, let clockJSON = object["clock"]
    else {
      throw damaged("its journal position is incomplete")
    }
    var state = StateFile(
      checkpoint: JournalPosition(
        segment: Int(segment), offset: Int64(offset), seq: seq, hash: hash, txn: txn),
      clock: VersionVector())
    do { state.clock = try VersionVector(json: clockJSON) } catch {
      throw damaged("invalid clock: \(error.message)")
    }
    if hasBegin {
      guard let begin = journal["begin"]?.uint64Value,
        txn == 0 ? begin == 0 && offset == 0 : begin < offset
      else { throw damaged("the journal position's 'begin' is not before its offset") }
      state.begin = Int64(begin)
    }
    if format != "outpost-state/1" {
      guard case .object(let collections)? = object["buckets"] else {
        throw damaged("'buckets' is not an object")
      }
      var parsed: [String: [String: BucketDigest]] = [:]
      for (collection, value) in collections {
        guard case .object(let digests) = value, digests.count > 0 else {
          throw damaged("the digests of '\(collection)' are not a non-empty object")
        }
        for (bucket, digest) in digests {
          guard RecordFile.parseName(bucket + ".json").map({ $0.delta == nil }) == true,
            let text = digest.stringValue, let parsedDigest = BucketDigest(hex: text),
            parsedDigest != .empty
          else { throw damaged("invalid digest of bucket '\(collection)/\(bucket)'") }
          parsed[collection, default: [:]][bucket] = parsedDigest
        }
      }
      state.buckets = parsed
    }
    if hasBegin {
      guard case .object(let collections)? = object["counts"] else {
        throw damaged("'counts' is not an object")
      }
      var counts: [String: RecordCounts] = [:]
      for (collection, value) in collections {
        guard case .object(let members) = value,
          Set(members.map(\.key)) == ["conflicted", "deleted", "live"],
          let live = members["live"]?.uint64Value, live < 1 << 48,
          let deleted = members["deleted"]?.uint64Value, deleted < 1 << 48,
          let conflicted = members["conflicted"]?.uint64Value, conflicted <= live + deleted,
          live + deleted > 0
        else { throw damaged("invalid counts of '\(collection)'") }
        counts[collection] = RecordCounts(
          live: Int(live), deleted: Int(deleted), conflicted: Int(conflicted))
      }
      state.counts = counts
    }
    return state
  }

  /// Checks `state.json` against the journal (SPEC.md §4.1).
  ///
  /// The line ending at the checkpoint must be intact, be the `commit` of the checkpoint's
  /// transaction with its sequence number and hash, and record the checkpoint's clock. So no
  /// reader trusts, and no writer appends after, a checkpoint the journal does not confirm.
  func checkCheckpoint() throws(StoreError) {
    func mismatch(_ detail: String) -> StoreError {
      StoreError(
        .corrupt,
        "\(path)/\(Self.stateFile) does not match the journal: \(detail); nothing was read or written",
        hint: Self.restoreHint, remedy: .verify)
    }
    guard checkpoint.offset > 0 else {
      guard checkpoint == .start, clock.isEmpty else {
        throw mismatch("an empty journal position with a transaction, sequence number or clock")
      }
      return
    }
    let journal = journalDirectory + "/" + JournalFormat.segmentName(checkpoint.segment)
    // Read back from the checkpoint until the line before it is whole (the journal's start at
    // most): a cost in the size of the last entry, not of the journal.
    var window: Int64 = 64 * 1024
    var bytes: [UInt8] = []
    var from: Int64 = 0
    while true {
      from = max(0, checkpoint.offset - window)
      let size: Int64
      do { (bytes, size) = try fileSystem.readFile(journal, from: from) } catch {
        throw StoreError.readFailed(error)
      }
      guard size >= checkpoint.offset else {
        bytes = []
        break
      }
      bytes.removeSubrange(Int(checkpoint.offset - from)...)
      if from == 0 || bytes.dropLast().contains(UInt8(ascii: "\n")) { break }
      window *= 4
    }
    let end = bytes.count
    guard end > 0, bytes[end - 1] == UInt8(ascii: "\n") else {
      throw StoreError(
        .corrupt, "\(journal): the journal does not end a line at its checkpoint",
        hint: Self.restoreHint, remedy: .verify)
    }
    let start = (bytes[..<(end - 1)].lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
    guard let (entry, hash) = JournalFormat.unframe(bytes[start..<(end - 1)]),
      SHA256.hash(entry).hex == hash
    else {
      throw StoreError(
        .corrupt,
        "\(journal): the last committed entry is damaged (checksum mismatch); commands refuse "
          + "this repository until it is restored",
        hint: "Restore the repository from a backup or another replica.")
    }
    guard hash == checkpoint.hash else { throw mismatch("the hash of the last entry differs") }
    guard case .object(let members)? = try? JSONParser.parse(entry, limits: .repositoryFile),
      case let line = JournalLine(
        line: 0, end: checkpoint.offset, seq: 0, hash: hash, members: members),
      case .commit(let commit)? = try? line.entry()
    else { throw mismatch("the journal line at the checkpoint is not a commit") }
    guard JournalEntry.envelope(members).seq == checkpoint.seq else {
      throw mismatch("sequence number \(checkpoint.seq) differs from the journal's")
    }
    guard line.txn == checkpoint.txn else {
      throw mismatch("transaction \(checkpoint.txn) differs from the journal's")
    }
    checkpointChanges = Int(commit.changes)
    // Commits written by this build record the clock (older ones do not); such a commit with an
    // outpost-state/1 checkpoint means state.json was turned back to the format without checks.
    if commit.clock != nil && bucketDigests == nil {
      throw mismatch("it is in the earlier format, but the journal was written by this one")
    }
    if let recorded = commit.clock {
      guard recorded.vector == clock else {
        throw mismatch("its clock differs from the one the journal recorded")
      }
    }
  }
}
