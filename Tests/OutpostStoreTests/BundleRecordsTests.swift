import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport
import Testing

/// SPEC.md §8.6 and §8.8: once the peer has acknowledged a bundle, the next one reads the records
/// journaled since that bundle was made instead of walking every record; each bundle here is
/// also checked against the walk (`checksBundleRecords`).
struct BundleRecordsTests {
  let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00Z" }
  let north = ReplicaID(unchecked: "north")
  let hq = ReplicaID(unchecked: "hq")

  /// Head office and one enrolled branch, on one in-memory disk, both checking their bundles.
  func pair() throws -> (head: RepositoryWriter, branch: RepositoryWriter, key: OfficeKey) {
    let pair = try EnrolledPair(now: now)
    pair.head.checksBundleRecords = true
    pair.branch.checksBundleRecords = true
    return (pair.head, pair.branch, pair.key)
  }

  func order(_ n: Int, amount: String = "10.00") -> RecordChange {
    EnrolledPair.order(n, amount: amount)
  }

  /// The records a bundle carries, as `collection/id`.
  func ids(_ made: MadeBundle, key: OfficeKey) throws -> [String] {
    let verified = try BundleCodec.verify(made.bytes, name: "bundle") { _ in .active(key) }
    return try verified.records().map { "\($0.collection)/\($0.id)" }
  }

  @Test("a reply reads head office's notes from the newest mark the office's clock covers")
  func notesFromMark() throws {
    let (head, branch, _) = try pair()
    defer {
      head.close()
      branch.close()
    }
    func notes(_ made: MadeBundle) -> [String] {
      guard case .array(let entries)? = made.manifest.extra["notes"] else { return [] }
      return entries.compactMap { $0["note"]?.stringValue }
    }
    _ = try branch.commit((1...5).map { order($0) }, command: "put")
    _ = try head.applyBundle(try branch.makeBundle(for: hq).bytes, name: "north-1")
    _ = try head.commit([order(2, amount: "12.00")], command: "put", note: "price fix")
    let first = try head.makeBundle(for: north)
    #expect(notes(first) == ["price fix"])
    #expect(head.lastNotesStart == .start, "nothing acknowledged: the whole journal")
    _ = try branch.applyBundle(first.bytes, name: "reply-1")
    // North's next submission acknowledges the reply; its clock covers the price fix.
    _ = try branch.commit([order(6)], command: "put")
    _ = try head.applyBundle(try branch.makeBundle(for: hq).bytes, name: "north-2")
    _ = try head.commit([order(3, amount: "13.00")], command: "put", note: "second fix")
    let second = try head.makeBundle(for: north)
    // Read from reply 1's mark (checked against the whole journal: checksBundleRecords).
    #expect(notes(second) == ["second fix"])
    let start = try #require(head.lastNotesStart)
    #expect(start != .start && start.seq > 0)

    // A noted transaction that also writes east's order, which north never receives
    // (own_office): north's clock still covers head office's counter once it acknowledges the
    // reply (a reply's clock is joined at the branch), so the next scan begins later still.
    var east = order(1)
    if case .put(let collection, _, var fields) = east {
      fields["office_id"] = .string("east")
      east = .put(collection: collection, id: RecordID(unchecked: "zz-east-or-1"), fields: fields)
    }
    _ = try branch.applyBundle(second.bytes, name: "reply-2")
    _ = try head.applyBundle(try branch.makeBundle(for: hq).bytes, name: "north-3")
    _ = try head.commit([order(4, amount: "14.00"), east], command: "put", note: "mixed")
    let third = try head.makeBundle(for: north)
    #expect(notes(third) == ["mixed"])
    _ = try branch.applyBundle(third.bytes, name: "reply-3")
    #expect(try branch.state("orders", RecordID(unchecked: "zz-east-or-1")) == nil)
    _ = try head.applyBundle(try branch.makeBundle(for: hq).bytes, name: "north-4")
    _ = try head.commit([order(5, amount: "15.00")], command: "put", note: "last")
    let fourth = try head.makeBundle(for: north)
    #expect(notes(fourth) == ["last"])
    let later = try #require(head.lastNotesStart)
    #expect(later.seq > start.seq)
  }

  @Test("after an acknowledged exchange a submission reads only what changed since")
  func submitAfterAcknowledgement() throws {
    let (head, branch, key) = try pair()
    defer {
      head.close()
      branch.close()
    }
    _ = try branch.commit((1...20).map { order($0) }, command: "put")
    let first = try branch.makeBundle(for: hq)
    #expect(branch.lastBundleWalkedEveryRecord, "nothing acknowledged yet: the walk")
    #expect(try ids(first, key: key).count == 20)
    _ = try head.applyBundle(first.bytes, name: "north-1")
    let reply = try head.makeBundle(for: north)
    #expect(head.lastBundleWalkedEveryRecord, "head office has sent nothing acknowledged yet")
    _ = try branch.applyBundle(reply.bytes, name: "reply-1")

    // Unacknowledged: bundle 2 is made after bundle 1 was acknowledged by reply 1.
    _ = try branch.commit([order(3, amount: "11.00"), order(21)], command: "put")
    let second = try branch.makeBundle(for: hq)
    #expect(!branch.lastBundleWalkedEveryRecord)
    #expect(try ids(second, key: key) == ["orders/north-or-21", "orders/north-or-3"])

    // Bundle 2 is not acknowledged yet, so bundle 3 still carries its records, and the new one.
    _ = try branch.commit([order(22)], command: "put")
    let third = try branch.makeBundle(for: hq)
    #expect(!branch.lastBundleWalkedEveryRecord)
    #expect(
      try ids(third, key: key) == ["orders/north-or-21", "orders/north-or-22", "orders/north-or-3"])

    // Head office merges bundle 3 and replies; the branch's next bundle is empty.
    _ = try head.applyBundle(third.bytes, name: "north-3")
    let reply2 = try head.makeBundle(for: north)
    #expect(!head.lastBundleWalkedEveryRecord, "reply 1 was acknowledged by bundle 3")
    _ = try branch.applyBundle(reply2.bytes, name: "reply-2")
    let fourth = try branch.makeBundle(for: hq)
    #expect(!branch.lastBundleWalkedEveryRecord)
    #expect(try ids(fourth, key: key).isEmpty)
  }

  @Test("a mark that does not continue this journal's chain falls back to the walk")
  func foreignMark() throws {
    let (head, branch, key) = try pair()
    defer {
      head.close()
      branch.close()
    }
    _ = try branch.commit((1...5).map { order($0) }, command: "put")
    let first = try branch.makeBundle(for: hq)
    _ = try head.applyBundle(first.bytes, name: "north-1")
    _ = try branch.applyBundle(try head.makeBundle(for: north).bytes, name: "reply-1")
    _ = try branch.commit([order(6)], command: "put")
    // The peer document now claims bundle 1 was made somewhere this journal never was.
    var peer = try #require(try branch.peer(hq))
    var mark = try #require(peer.sent.madeAt[1])
    mark.hash = String(repeating: "e", count: 64)
    peer.sent.madeAt[1] = mark
    try branch.replacePeerDocument(peer)
    let second = try branch.makeBundle(for: hq)
    #expect(branch.lastBundleWalkedEveryRecord)
    #expect(try ids(second, key: key) == ["orders/north-or-6"])
  }

  @Test("the self-check refuses a bundle whose journal reading misses a record the walk finds")
  func selfCheckRefuses() throws {
    let (head, branch, _) = try pair()
    defer {
      head.close()
      branch.close()
    }
    _ = try branch.commit((1...3).map { order($0) }, command: "put")
    let first = try branch.makeBundle(for: hq)
    _ = try head.applyBundle(first.bytes, name: "north-1")
    _ = try branch.applyBundle(try head.makeBundle(for: north).bytes, name: "reply-1")
    _ = try branch.commit([order(4)], command: "put")
    _ = try branch.makeBundle(for: hq)  // bundle 2 holds order 4; head office never gets it
    // Bundle 1's mark now claims the later, valid position of bundle 2: order 4 seems older.
    var peer = try #require(try branch.peer(hq))
    let secondMark = try #require(peer.sent.madeAt[2])
    peer.sent.madeAt[1] = secondMark
    try branch.replacePeerDocument(peer)
    let before = branch.clock
    #expect(throws: StoreError.self) { _ = try branch.makeBundle(for: hq) }
    do {
      _ = try branch.makeBundle(for: hq)
    } catch {
      #expect(error.code == .corrupt)
      #expect(error.message.contains("missing orders/north-or-4"), "\(error.message)")
    }
    #expect(try #require(try branch.peer(hq)).sent.lastSeq == 2, "nothing was written")
    #expect(branch.clock == before)
  }

  @Test("made_at keeps the acknowledged bundle's mark and the newer ones, at most 32")
  func marksKept() throws {
    let (head, branch, _) = try pair()
    defer {
      head.close()
      branch.close()
    }
    for n in 1...40 {
      _ = try branch.commit([order(n)], command: "put")
      _ = try branch.makeBundle(for: hq)
    }
    let peer = try #require(try branch.peer(hq))
    #expect(peer.sent.madeAt.keys.sorted() == Array(9...40))
    let json = peer.json
    #expect(try PeerState(json: json) == peer)
  }
}
