import Foundation
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import Testing

/// SPEC.md §8.2: bundle files are verified (format, MAC, sender, payload) before any record is
/// parsed; docs/reliability.md §4 rows 1–7.
struct BundleTests {
  let north = ReplicaID(unchecked: "north")
  let east = ReplicaID(unchecked: "east")
  let hq = ReplicaID(unchecked: "hq")

  var northKey: OfficeKey {
    OfficeKey(office: north, head: hq, secret: Array(repeating: 7, count: 32))
  }
  var eastKey: OfficeKey {
    OfficeKey(office: east, head: hq, secret: Array(repeating: 9, count: 32))
  }

  func keys(_ id: String) -> BundleKeyStatus {
    if id == northKey.keyID { return .active(northKey) }
    if id == eastKey.keyID { return .active(eastKey) }
    return .unknown
  }

  func record(_ id: String, _ amount: String, dot: Dot) throws -> BundleRecord {
    var state = RecordState()
    state.write(["office_id": .string("north"), "amount": .string(amount)], at: dot)
    return BundleRecord(collection: "orders", id: try RecordID(id), state: state)
  }

  func manifest(from: ReplicaID = ReplicaID(unchecked: "north"), key: OfficeKey, seq: UInt64 = 1)
    -> BundleManifest
  {
    BundleManifest(
      kind: .submission, from: from, to: hq, seq: seq, previous: String(repeating: "0", count: 64),
      keyID: key.keyID, assumes: VersionVector(), clock: VersionVector([(north, UInt64(2))]),
      acknowledges: 0, createdAt: "2025-03-01T09:00:00+08:00")
  }

  func submission() throws -> [UInt8] {
    let records = [
      try record("o-2", "20.00", dot: Dot(north, 2)),
      try record("o-1", "10.00", dot: Dot(north, 1)),
    ]
    return BundleCodec.encode(manifest(key: northKey), records: records, key: northKey).bytes
  }

  func refusal(_ bytes: [UInt8]) -> SyncError? {
    do throws(SyncError) {
      _ = try BundleCodec.verify(bytes, name: "b.bundle", keys: keys).records()
      return nil
    } catch { return error }
  }

  @Test("a bundle round-trips: manifest, sorted records, hash of the manifest")
  func roundTrip() throws {
    let bytes = try submission()
    let bundle = try BundleCodec.verify(bytes, name: "b.bundle", keys: keys)
    #expect(bundle.manifest.from == north && bundle.manifest.seq == 1)
    #expect(bundle.manifest.records == 2)
    let records = try bundle.records()
    #expect(records.map(\.id.rawValue) == ["o-1", "o-2"])
    #expect(records[1].state.value("amount") == .string("20.00"))
    let firstLine = Array(bytes[..<bytes.firstIndex(of: 10)!])
    #expect(bundle.hash == SHA256.hash(firstLine).hex)
    // Deterministic: the same input gives the same bytes.
    #expect(try submission() == bytes)
  }

  @Test("row 1: not a bundle, or a newer format")
  func notABundle() throws {
    #expect(refusal(Array("%PDF-1.4\n".utf8))?.message.contains("not an Outpost bundle") == true)
    #expect(refusal([0xFF, 0x00, 0x13])?.code == .invalid)
    var text = String(decoding: try submission(), as: UTF8.self)
    text = text.replacingOccurrences(of: BundleManifest.format, with: "outpost-bundle/99")
    let newer = refusal(Array(text.utf8))
    #expect(newer?.message.contains("format outpost-bundle/99") == true)
  }

  @Test("row 2: truncated anywhere is incomplete or damaged, never partially read")
  func truncated() throws {
    let bytes = try submission()
    for length in stride(from: 1, to: bytes.count, by: 7) {
      let error = try #require(refusal(Array(bytes.prefix(length))), "length \(length)")
      #expect(error.code == .invalid, "length \(length): \(error.message)")
    }
    let cut = try #require(refusal(Array(bytes.dropLast(5))))
    #expect(cut.message.contains("bundle incomplete"))
  }

  @Test("row 3: a flipped payload bit is reported as damage in transit")
  func bitFlip() throws {
    var bytes = try submission()
    bytes[bytes.count - 10] ^= 0x01
    let error = try #require(refusal(bytes))
    #expect(error.message.contains("damaged in transit"))
  }

  @Test("row 4: appended or mixed-in data is refused")
  func extraData() throws {
    let bytes = try submission() + Array(#"{"collection":"orders"}"#.utf8) + [10]
    let error = try #require(refusal(bytes))
    #expect(error.message.contains("not in its manifest"))
  }

  @Test("row 5: an edited manifest fails the MAC (exit 77)")
  func editedManifest() throws {
    var text = String(decoding: try submission(), as: UTF8.self)
    text = text.replacingOccurrences(of: #""seq":1"#, with: #""seq":2"#)
    let error = try #require(refusal(Array(text.utf8)))
    #expect(error.code == .authentication)
    #expect(error.message.contains("signature invalid for office 'north'"))
  }

  @Test("row 5: the MAC line must be 64 lowercase hex digits (one spelling per bundle)")
  func macCase() throws {
    let bytes = try submission()
    let manifestEnd = bytes.firstIndex(of: 10)!
    let macEnd = bytes[(manifestEnd + 1)...].firstIndex(of: 10)!
    let line = String(decoding: bytes[(manifestEnd + 1)..<macEnd], as: UTF8.self)
    let digits = line.dropFirst(#"{"hmac_sha256":""#.count).prefix(64)
    let shouted = Array(#"{"hmac_sha256":"\#(digits.uppercased())"}"#.utf8)
    let edited = Array(bytes[...manifestEnd]) + shouted + Array(bytes[macEnd...])
    #expect(digits.contains { "abcdef".contains($0) })
    #expect(refusal(edited)?.message.contains("is not its MAC line") == true)
    #expect(refusal(bytes) == nil)
  }

  @Test("row 37: a bundle for another office is refused by name, before its key is looked up")
  func wrongRecipient() throws {
    let bytes = try submission()
    let error = #expect(throws: SyncError.self) {
      try BundleCodec.verify(
        bytes, name: "b", recipient: ReplicaID(unchecked: "hq2"), keys: { _ in .unknown })
    }
    #expect(error?.code == .invalid)
    #expect(error?.message.contains("is for 'hq'") == true)
  }

  @Test("row 6: unknown and revoked keys")
  func unknownAndRevoked() throws {
    let stranger = OfficeKey(office: north, head: hq, secret: Array(repeating: 1, count: 32))
    let bytes = BundleCodec.encode(manifest(key: stranger), records: [], key: stranger).bytes
    #expect(refusal(bytes)?.message.contains("unknown key") == true)
    let signed = try submission()
    let revoked = #expect(throws: SyncError.self) {
      try BundleCodec.verify(signed, name: "b", keys: { _ in .revoked(owner: self.north) })
    }
    #expect(revoked?.code == .authentication)
    #expect(revoked?.message.contains("revoked key of office 'north'") == true)
  }

  @Test("row 7: a bundle claiming another sender than its key's owner is a forgery")
  func forgery() throws {
    // east signs with its own (valid) key but claims to be north.
    let bytes = BundleCodec.encode(manifest(from: north, key: eastKey), records: [], key: eastKey)
      .bytes
    let error = try #require(refusal(bytes))
    #expect(error.code == .authentication)
    #expect(
      error.message.contains("claims to come from 'north'") && error.message.contains("'east'"))
  }

  @Test("a submission's MAC does not verify as a reply (direction-separated keys)")
  func directionSeparation() {
    #expect(northKey.macKey(for: .submission) != northKey.macKey(for: .reply))
    #expect(northKey.keyID.utf8.count == 16)
    #expect(!northKey.fileBytes.isEmpty)
    let read = try? OfficeKey(fileBytes: northKey.fileBytes, path: "k")
    #expect(read == northKey)
  }

  @Test("records out of order, repeated, or with an invalid id are refused")
  func recordLines() throws {
    var bytes = try submission()
    // Rebuild with a hand-made payload: o-2 before o-1.
    let payload = Array(try BundleCodec.verify(bytes, name: "b", keys: keys).payload)
    let lines = payload.split(separator: 10).map(Array.init)
    let swapped = lines[1] + [10] + lines[0] + [10]
    var m = manifest(key: northKey)
    m.records = 2
    bytes = resign(m, payload: swapped)
    #expect(refusal(bytes)?.message.contains("out of order") == true)
    let traversal =
      Array(#"{"collection":"orders","id":"../../x","state":{"context":{}}}"#.utf8) + [10]
    m.records = 1
    #expect(refusal(resign(m, payload: traversal))?.message.contains("invalid record id") == true)
  }

  /// A correctly signed bundle around arbitrary record lines (what a buggy or hostile but
  /// enrolled office could send), after an empty extra line and compressed as the manifest's
  /// format asks.
  func resign(_ manifest: BundleManifest, payload records: [UInt8]) -> [UInt8] {
    var m = manifest
    let extra = m.hasExtraLine ? Array(#"{"extra":{}}"#.utf8) + [10] : []
    m.payloadExtraBytes = UInt64(extra.count)
    m.payloadRawBytes = UInt64(extra.count + records.count)
    let payload = m.isCompressed ? Deflate.compress(extra + records, level: .fast) : records
    m.payloadBytes = UInt64(payload.count)
    m.payloadSHA256 = SHA256.hash(payload).hex
    let head = JSONWriter.canonicalBytes(m.json)
    let mac = HMACSHA256.authenticate(head, key: northKey.macKey(for: .submission)).hex
    return head + [10] + Array(#"{"hmac_sha256":"\#(mac)"}"#.utf8) + [10] + payload
  }
}

/// SPEC.md §8.3: replay, rollback, equivocation and gaps (docs/reliability.md §4 rows 8–11).
struct AdmissionTests {
  let north = ReplicaID(unchecked: "north")

  func peer() -> PeerState {
    var peer = PeerState(peer: north, keyID: "0123456789abcdef", enrolledAt: "2025-03-01T09:00:00Z")
    peer.received.lastSeq = 3
    peer.received.lastHash = "c3"
    peer.received.accepted = [1: "c1", 2: "c2", 3: "c3"]
    return peer
  }

  @Test("row 8: the same bundle again is already applied")
  func replay() throws {
    #expect(try peer().admission(seq: 3, hash: "c3", previous: "c2", name: "b") == .alreadyApplied)
    #expect(try peer().admission(seq: 1, hash: "c1", previous: "", name: "b") == .alreadyApplied)
  }

  @Test("row 9 and 11: an older unseen bundle and a second bundle with a used number are refused")
  func olderAndEquivocation() {
    do throws(SyncError) {
      _ = try peer().admission(seq: 2, hash: "x", previous: "c1", name: "b")
      Issue.record("an older, different bundle was accepted")
    } catch {
      #expect(error.message.contains("older than the last accepted seq 3"))
      #expect(error.message.contains("two different bundles with seq 2"))
    }
    do throws(SyncError) {
      _ = try peer().admission(seq: 3, hash: "other", previous: "c2", name: "b")
      Issue.record("equivocation was accepted")
    } catch {
      #expect(error.message.contains("two different bundles with seq 3"))
    }
  }

  @Test("row 10: a gap is applied and reported; the next one must chain")
  func gap() throws {
    #expect(try peer().admission(seq: 4, hash: "c4", previous: "c3", name: "b") == .apply)
    #expect(
      try peer().admission(seq: 6, hash: "c6", previous: "c5", name: "b")
        == .applyAfterGap(missing: 4..<6))
    #expect(throws: SyncError.self) {
      try peer().admission(seq: 4, hash: "c4", previous: "zz", name: "b")
    }
  }

  @Test("row 10: a bundle that arrives after a newer one fills the gap; it must still chain")
  func lateArrival() throws {
    var state = peer()
    state.received.accepted = [1: "c1", 2: "c2", 3: "c3", 5: "c5"]
    state.received.lastSeq = 5
    #expect(try state.admission(seq: 4, hash: "c4", previous: "c3", name: "b") == .fillsGap)
    #expect(throws: SyncError.self) {
      try state.admission(seq: 4, hash: "c4", previous: "c2", name: "b")
    }
    #expect(try state.admission(seq: 5, hash: "c5", previous: "c4", name: "b") == .alreadyApplied)
  }

  @Test("the peer document round-trips through JSON")
  func peerJSON() throws {
    var state = peer()
    state.received.clock = VersionVector([(north, UInt64(12))])
    state.sent.lastSeq = 2
    #expect(try PeerState(json: state.json) == state)
  }
}

/// SPEC.md §8.4: what head office checks in each submitted record (rows 12–13).
struct MergeCheckTests {
  let north = ReplicaID(unchecked: "north")
  let east = ReplicaID(unchecked: "east")
  let hq = ReplicaID(unchecked: "hq")

  @Test("row 12–13: inflated foreign counters, runaway own counters and unknown actors")
  func clocks() throws {
    let known = VersionVector([(hq, UInt64(5)), (north, UInt64(10))])
    let actors: Set<ReplicaID> = [hq, north, east]
    try Merge.checkClock(
      VersionVector([(hq, UInt64(5)), (north, UInt64(40))]), sender: north, known: known,
      actors: actors)
    #expect(throws: SyncError.self) {
      try Merge.checkClock(
        VersionVector([(hq, UInt64(6))]), sender: north, known: known, actors: actors)
    }
    #expect(throws: SyncError.self) {
      try Merge.checkClock(
        VersionVector([(north, 10 + Merge.maximumOwnGrowth + 1)]), sender: north, known: known,
        actors: actors)
    }
    #expect(throws: SyncError.self) {
      try Merge.checkClock(
        VersionVector([(ReplicaID(unchecked: "mallory"), UInt64(1))]), sender: north, known: known,
        actors: actors)
    }
  }

  @Test("a value attributed to another replica that head office never saw is a phantom")
  func phantom() throws {
    var state = RecordState()
    state.write(["office_id": .string("north"), "status": .string("confirmed")], at: Dot(hq, 3))
    let record = BundleRecord(collection: "orders", id: try RecordID("o-1"), state: state)
    let error = try #require(throws: SyncError.self) {
      try Merge.checkSubmitted(
        record, schema: StandardCollections.orders, existing: nil, sender: north,
        clock: VersionVector([(hq, UInt64(3))]))
    }
    #expect(error.message.contains("never saw"))
  }

  @Test("an office may write only its own records in office-owned collections")
  func ownership() throws {
    var state = RecordState()
    state.write(["office_id": .string("east"), "status": .string("confirmed")], at: Dot(north, 1))
    let record = BundleRecord(collection: "orders", id: try RecordID("o-1"), state: state)
    let error = try #require(throws: SyncError.self) {
      try Merge.checkSubmitted(
        record, schema: StandardCollections.orders, existing: nil, sender: north,
        clock: VersionVector([(north, UInt64(1))]))
    }
    #expect(error.code == .notPermitted)
    var target = RecordState()
    target.write(["kpi_id": .string("x")], at: Dot(north, 1))
    let headOwned = BundleRecord(collection: "targets", id: try RecordID("t-1"), state: target)
    let refused = try #require(throws: SyncError.self) {
      try Merge.checkSubmitted(
        headOwned, schema: StandardCollections.targets, existing: nil, sender: north,
        clock: VersionVector([(north, UInt64(1))]))
    }
    #expect(refused.code == .notPermitted)
  }

  @Test("a submitted record must look as if put had made it: required fields, office, id")
  func shape() throws {
    func check(_ collection: CollectionSchema, _ id: String, _ values: [String: JSONValue])
      throws -> SyncError?
    {
      var state = RecordState()
      state.write(values, at: Dot(north, 1))
      let record = BundleRecord(collection: collection.name, id: try RecordID(id), state: state)
      do throws(SyncError) {
        try Merge.checkSubmitted(
          record, schema: collection, existing: nil, sender: north,
          clock: VersionVector([(north, UInt64(1))]))
        return nil
      } catch { return error }
    }
    let order: [String: JSONValue] = [
      "office_id": .string("north"), "customer_id": .string("c-1"), "channel_id": .string("sem"),
      "order_date": .string("2025-03-02"), "quantity": .number(JSONNumber(integer: 1)),
      "amount": .string("10.00"), "status": .string("confirmed"),
    ]
    #expect(try check(StandardCollections.orders, "o-1", order) == nil)
    var partial = order
    partial["customer_id"] = nil
    #expect(
      try check(StandardCollections.orders, "o-1", partial)?.message.contains("customer_id") == true
    )
    var orphan = order
    orphan["office_id"] = nil
    #expect(try check(StandardCollections.orders, "o-1", orphan)?.code == .notPermitted)
    let day: [String: JSONValue] = [
      "office_id": .string("north"), "channel_id": .string("sem"), "date": .string("2025-03-01"),
      "consultations": .number(JSONNumber(integer: 1)),
      "consult_calls": .number(JSONNumber(integer: 0)), "spend": .string("5.00"),
    ]
    #expect(try check(StandardCollections.channelDaily, "north.sem.2025-03-01", day) == nil)
    let mismatch = try check(StandardCollections.channelDaily, "north.seo.2025-03-01", day)
    #expect(
      mismatch?.message.contains("key fields do not spell its id") == true,
      "\(String(describing: mismatch))")
  }

  @Test("join outcomes: new, updated, merged, conflict, deleted, unchanged")
  func outcomes() {
    var base = RecordState()
    base.write(["a": .string("0"), "b": .string("0")], at: Dot(north, 1))
    #expect(Merge.join(base, into: nil).outcome == .new)
    #expect(Merge.join(base, into: base).outcome == .unchanged)
    var later = base
    later.write(["a": .string("1")], at: Dot(north, 2))
    #expect(Merge.join(later, into: base).outcome == .updated)
    var other = base
    other.write(["b": .string("2")], at: Dot(hq, 1))
    #expect(Merge.join(later, into: other).outcome == .merged)
    var clash = base
    clash.write(["a": .string("9")], at: Dot(hq, 1))
    #expect(Merge.join(later, into: clash).outcome == .conflict)
    var gone = base
    gone.delete(at: Dot(north, 2))
    #expect(Merge.join(gone, into: base).outcome == .deleted)
    #expect(Merge.join(gone, into: clash).outcome == .conflict)
  }

  @Test("a resolution dominates every candidate, wherever it travels")
  func resolution() throws {
    var base = RecordState()
    base.write(["a": .string("0")], at: Dot(north, 1))
    var left = base
    left.write(["a": .string("L")], at: Dot(north, 2))
    var right = base
    right.write(["a": .string("R")], at: Dot(east, 1))
    let conflicted = left.joined(with: right)
    let (resolved, chosen) = try Resolution.resolve(
      conflicted, .take(east), at: Dot(hq, 1), name: "x")
    #expect(chosen == ["a": .string("R")])
    #expect(!resolved.isConflicted)
    // Either side joining the resolution ends resolved, with the chosen value.
    #expect(left.joined(with: resolved) == resolved)
    #expect(resolved.joined(with: right) == resolved)
    #expect(throws: SyncError.self) {
      try Resolution.resolve(conflicted, .take(hq), at: Dot(hq, 2), name: "x")
    }
    var deleted = base
    deleted.delete(at: Dot(east, 1))
    let editDelete = left.joined(with: deleted)
    #expect(editDelete.hasDeleteConflict)
    let keep = try Resolution.resolve(editDelete, .take(north), at: Dot(hq, 1), name: "x")
    #expect(
      !keep.state.isDeleted && !keep.state.isConflicted && keep.state.value("a") == .string("L"))
    let drop = try Resolution.resolve(editDelete, .take(east), at: Dot(hq, 1), name: "x")
    #expect(drop.state.isDeleted && !drop.state.isConflicted)
  }
}
