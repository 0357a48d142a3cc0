import OutpostCodec
import OutpostModel

/// What a replica remembers about one peer it exchanges bundles with (SPEC.md §8.3).
///
/// Head office keeps one per enrolled office, a branch one for head office, in
/// `sync/<peer>.json`, journaled like records.
public struct PeerState: Sendable, Equatable {
  /// One direction of the exchange.
  public struct Stream: Sendable, Equatable {
    /// The sequence number of the newest bundle (0: none yet).
    public var lastSeq: UInt64 = 0
    /// Its hash (64 zeros: none yet).
    public var lastHash = String(repeating: "0", count: 64)
    /// Hashes of every bundle accepted, by sequence number (received bundles only).
    public var accepted: [UInt64: String] = [:]
    /// The peer's clock as of the newest received bundle: what it had (received only).
    public var clock = VersionVector()
    /// The newest bundle of ours the peer said it had applied (received only).
    public var acknowledges: UInt64 = 0
    /// When the newest bundle was made or merged, by this replica's clock; nil: never (written
    /// `""`).
    public var at: Timestamp?
    /// Where in this replica's journal each recent bundle was made, by sequence number (sent
    /// only): what lets the next bundle read only the changes journaled since the one the peer
    /// acknowledged (SPEC.md §8.8).
    public var madeAt: [UInt64: JournalPosition] = [:]
    /// At head office, the clock of each recent reply, by sequence number (sent only; the same
    /// replies as ``madeAt``): once the office acknowledges one, it holds every record of that
    /// clock that head office's policies let it hold (SPEC.md §8.10).
    public var clocks: [UInt64: VersionVector] = [:]

    /// Creates an empty stream.
    public init() {}
  }

  /// The peer's replica id.
  public var peer: ReplicaID
  /// The id of the key shared with it.
  public var keyID: String
  /// Whether the peer's key was revoked.
  public var revoked: Bool
  /// When it was enrolled.
  public var enrolledAt: Timestamp
  /// When its key was revoked.
  public var revokedAt: Timestamp?
  /// At a branch: the event counter its own writes must stay above (the installed key's
  /// ``OfficeKey/counterFloor``).
  public var counterFloor: UInt64 = 0
  /// At a branch: head office's collection horizon from its latest reply (SPEC.md §8.10).
  public var collected = VersionVector()
  /// At head office: records this office submitted after they were collected, to be removed
  /// at the office by the next replies (`collection/id` → the reply seq that first carried it,
  /// 0 before any did).
  public var dropped: [String: UInt64] = [:]
  /// The row policy (SPEC.md §2.8) of replies, and a reply's seq.
  ///
  /// At a branch: the policy of the newest reply applied, and its seq; a late reply is applied
  /// under this policy, not its own. At head office: the policy of the replies lately sent, and
  /// the seq of the first of them made under it (since the policy last changed), which the
  /// office has seen once it acknowledges that reply. Nil before the first one (or in a
  /// document an earlier Outpost wrote).
  public var recordVisibility: AppliedPolicy?
  /// A reply policy as applied: the seq of the reply it came with, and its value.
  public struct AppliedPolicy: Sendable, Equatable {
    /// The seq of the reply.
    public var seq: UInt64
    /// The policy it was made under.
    public var value: RecordVisibility

    /// Creates one.
    public init(seq: UInt64, value: RecordVisibility) {
      self.seq = seq
      self.value = value
    }
  }
  /// Ids of keys this peer held before and that were revoked (bundles signed with them are
  /// refused as revoked, not as unknown).
  public var revokedKeys: [String] = []
  /// Bundles received from the peer.
  public var received = Stream()
  /// Bundles sent to the peer.
  public var sent = Stream()

  /// A peer just enrolled.
  public init(peer: ReplicaID, keyID: String, enrolledAt: Timestamp) {
    self.peer = peer
    self.keyID = keyID
    self.revoked = false
    self.enrolledAt = enrolledAt
    self.revokedAt = nil
  }

  /// The document's JSON.
  public var json: JSONValue {
    func integer(_ value: UInt64) -> JSONValue { .number(JSONNumber(integer: Int64(value))) }
    func stream(_ stream: Stream, received: Bool) -> JSONValue {
      var members: [(String, JSONValue)] = [
        ("last_seq", integer(stream.lastSeq)), ("last_hash", .string(stream.lastHash)),
        ("at", .string(stream.at?.description ?? "")),
      ]
      if !stream.madeAt.isEmpty {
        members.append(
          (
            "made_at",
            .object(
              JSONObject(
                uncheckedPairs: stream.madeAt.map {
                  (String($0.key), .object(JSONObject(uncheckedPairs: $0.value.jsonMembers)))
                }))
          ))
      }
      if !stream.clocks.isEmpty {
        members.append(
          (
            "clocks",
            .object(
              JSONObject(uncheckedPairs: stream.clocks.map { (String($0.key), $0.value.json) }))
          ))
      }
      if received {
        members += [
          ("clock", stream.clock.json), ("acknowledges", integer(stream.acknowledges)),
          (
            "accepted",
            .object(
              JSONObject(
                uncheckedPairs: stream.accepted.map { (String($0.key), .string($0.value)) }))
          ),
        ]
      }
      return .object(JSONObject(uncheckedPairs: members))
    }
    var members: [(String, JSONValue)] = [
      ("format", .string("outpost-peer/1")), ("peer", .string(peer.rawValue)),
      ("key_id", .string(keyID)), ("revoked", .bool(revoked)),
      ("enrolled_at", .string(enrolledAt.description)),
      ("received", stream(received, received: true)),
      ("sent", stream(sent, received: false)),
    ]
    if let revokedAt { members.append(("revoked_at", .string(revokedAt.description))) }
    if counterFloor > 0 { members.append(("counter_floor", integer(counterFloor))) }
    if !collected.isEmpty { members.append(("collected", collected.json)) }
    if !dropped.isEmpty {
      members.append(
        (
          "dropped",
          .object(JSONObject(uncheckedPairs: dropped.map { ($0.key, integer($0.value)) }))
        ))
    }
    if let applied = recordVisibility {
      members.append(
        (
          "record_visibility",
          .object(
            JSONObject(uncheckedPairs: [
              ("seq", integer(applied.seq)), ("value", .string(applied.value.rawValue)),
            ]))
        ))
    }
    if !revokedKeys.isEmpty {
      members.append(("revoked_keys", .array(revokedKeys.map { .string($0) })))
    }
    return .object(JSONObject(uncheckedPairs: members))
  }

  /// Reads the document.
  public init(json: JSONValue) throws(ModelError) {
    guard case .object(let object) = json, object["format"]?.stringValue == "outpost-peer/1",
      let peerText = object["peer"]?.stringValue, let keyID = object["key_id"]?.stringValue,
      case .bool(let revoked)? = object["revoked"],
      let enrolledText = object["enrolled_at"]?.stringValue,
      case .object(let received)? = object["received"], case .object(let sent)? = object["sent"]
    else { throw ModelError("not an outpost-peer/1 document") }
    peer = try ReplicaID(peerText)
    self.keyID = keyID
    self.revoked = revoked
    guard let enrolledAt = Timestamp(parsing: enrolledText) else {
      throw ModelError("'enrolled_at' is not a timestamp")
    }
    self.enrolledAt = enrolledAt
    if let revokedText = object["revoked_at"]?.stringValue {
      guard let revokedAt = Timestamp(parsing: revokedText) else {
        throw ModelError("'revoked_at' is not a timestamp")
      }
      self.revokedAt = revokedAt
    }
    counterFloor = object["counter_floor"]?.uint64Value ?? 0
    if let value = object["collected"] { collected = try VersionVector(json: value) }
    if case .object(let entries)? = object["dropped"] {
      for (key, value) in entries { dropped[key] = value.uint64Value ?? 0 }
    }
    if let value = object["record_visibility"] {
      guard case .object(let applied) = value, let seq = applied["seq"]?.uint64Value,
        let policy = applied["value"]?.stringValue.flatMap(RecordVisibility.init(rawValue:))
      else { throw ModelError("'record_visibility' is not {\"seq\",\"value\"}") }
      recordVisibility = AppliedPolicy(seq: seq, value: policy)
    }
    if case .array(let keys)? = object["revoked_keys"] {
      revokedKeys = keys.compactMap(\.stringValue)
    }
    func stream(_ object: JSONObject) throws(ModelError) -> Stream {
      var stream = Stream()
      guard let seq = object["last_seq"]?.uint64Value, let hash = object["last_hash"]?.stringValue,
        let at = object["at"]?.stringValue
      else { throw ModelError("a stream lacks last_seq, last_hash or at") }
      stream.lastSeq = seq
      stream.lastHash = hash
      if !at.isEmpty {
        guard let timestamp = Timestamp(parsing: at) else {
          throw ModelError("a stream's 'at' is not a timestamp")
        }
        stream.at = timestamp
      }
      if let clock = object["clock"] { stream.clock = try VersionVector(json: clock) }
      stream.acknowledges = object["acknowledges"]?.uint64Value ?? 0
      if case .object(let accepted)? = object["accepted"] {
        for (key, value) in accepted {
          guard let seq = UInt64(key), let hash = value.stringValue else {
            throw ModelError("invalid accepted entry '\(key)'")
          }
          stream.accepted[seq] = hash
        }
      }
      if case .object(let marks)? = object["made_at"] {
        for (key, value) in marks {
          guard let seq = UInt64(key), seq > 0 else {
            throw ModelError("invalid made_at entry '\(key)'")
          }
          stream.madeAt[seq] = try JournalPosition(json: value)
        }
      }
      if case .object(let clocks)? = object["clocks"] {
        for (key, value) in clocks {
          guard let seq = UInt64(key), seq > 0 else {
            throw ModelError("invalid clocks entry '\(key)'")
          }
          stream.clocks[seq] = try VersionVector(json: value)
        }
      }
      return stream
    }
    self.received = try stream(received)
    self.sent = try stream(sent)
  }

  /// Decides what to do with a received bundle of sequence `seq` and hash `hash`
  /// (SPEC.md §8.3: replay, equivocation, gap fill, next, gap).
  ///
  /// - Returns: `nil` to apply it, or `.alreadyApplied` for an exact replay.
  /// - Throws: for an older bundle, or a second bundle with a used sequence number.
  public func admission(seq: UInt64, hash: String, previous: String, name: String) throws(SyncError)
    -> Admission
  {
    if let known = received.accepted[seq] {
      if known == hash { return .alreadyApplied }
      let older =
        seq < received.lastSeq
        ? "\(name) (seq \(seq)) is older than the last accepted seq \(received.lastSeq) from "
          + "'\(peer)' and differs from the seq \(seq) accepted before. " : ""
      throw SyncError(
        .invalid,
        older + "security warning: '\(peer)' produced two different bundles with seq \(seq); "
          + "\(name) was refused",
        hint: "Either the sender's repository was restored from an old copy, or a bundle was "
          + "forged with a leaked key. Check with the office before going on. To re-base an office "
          + "restored from a copy:", remedy: .reenroll(office: peer.rawValue, revoke: true))
    }
    if seq < received.lastSeq, received.accepted[seq] == nil {
      // A bundle that was missing when a newer one arrived: applying it is a join, safe in any
      // order. It must still follow the bundle before it, when that one is known.
      if let before = received.accepted[seq - 1], before != previous {
        throw SyncError(
          .invalid,
          "\(name) (seq \(seq)) does not follow seq \(seq - 1) from '\(peer)' "
            + "(its previous-bundle hash differs); refused",
          hint: "The sender's repository may have been restored from an old copy.")
      }
      return .fillsGap
    }
    if seq < received.lastSeq {
      throw SyncError(
        .invalid,
        "\(name) (seq \(seq)) is older than the last accepted seq \(received.lastSeq) from "
          + "'\(peer)'; refused",
        hint: "Bundles are cumulative: seq \(received.lastSeq) already holds everything in it.")
    }
    if seq == received.lastSeq + 1, received.lastSeq > 0, previous != received.lastHash {
      throw SyncError(
        .invalid,
        "\(name) (seq \(seq)) does not follow seq \(received.lastSeq) from '\(peer)' "
          + "(its previous-bundle hash differs); refused",
        hint: "The sender's repository may have been restored from an old copy.")
    }
    if seq > received.lastSeq + 1 {
      return .applyAfterGap(missing: (received.lastSeq + 1)..<seq)
    }
    return .apply
  }

  /// What to do with a received bundle.
  public enum Admission: Sendable, Equatable {
    /// Apply it.
    case apply
    /// Apply it; the sequence numbers in `missing` never arrived (bundles are cumulative, so
    /// nothing is lost).
    case applyAfterGap(missing: Range<UInt64>)
    /// Apply it: it is older than the newest bundle but was never received (it arrived late,
    /// after a gap was reported).
    case fillsGap
    /// It was applied before: nothing to do.
    case alreadyApplied
  }
}
