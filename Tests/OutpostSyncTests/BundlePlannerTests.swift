import OutpostCodec
import OutpostModel
import OutpostSync
import Testing

/// A repository's records as a dictionary: what the planner reads, with no file system.
struct DictionarySource: BundlePlanSource {
  var records: [String: [RecordID: RecordState]] = [:]
  /// A read that fails, as a damaged record file would.
  var failing: RecordID?
  /// Every read, in order.
  let reads = ReadLog()

  final class ReadLog: @unchecked Sendable {
    var entries: [String] = []
  }

  func record(_ collection: String, _ id: RecordID) throws(SyncError) -> (
    state: RecordState?, collidingID: RecordID?
  ) {
    reads.entries.append("\(collection)/\(id)")
    if id == failing { throw SyncError(.invalid, "cannot read \(collection)/\(id)") }
    if let state = records[collection]?[id] { return (state, nil) }
    let colliding = records[collection]?.keys.first { $0.collisionKey == id.collisionKey }
    return (nil, colliding)
  }

  func records(where matches: (String, RecordState) -> Bool) throws(SyncError) -> [(
    collection: String, id: RecordID, state: RecordState
  )] {
    reads.entries.append("records")
    return records.keys.sorted().flatMap { collection in
      records[collection]!.filter { matches(collection, $0.value) }.sorted { $0.key < $1.key }
        .map { (collection, $0.key, $0.value) }
    }
  }
}

/// SPEC.md §8.2 steps 11–17, §8.3–§8.5, §8.10: what applying a bundle changes, decided from
/// plain values, with no file system.
struct BundlePlannerTests {
  static let north = ReplicaID(unchecked: "north")
  static let east = ReplicaID(unchecked: "east")
  static let hq = ReplicaID(unchecked: "hq")
  let north = BundlePlannerTests.north
  let hq = BundlePlannerTests.hq
  let key = OfficeKey(office: north, head: hq, secret: Array(repeating: 7, count: 32))
  let zeros = String(repeating: "0", count: 64)

  var schemas: [String: CollectionSchema] {
    Dictionary(uniqueKeysWithValues: StandardCollections.all.map { ($0.name, $0) })
  }

  /// Head office's planner, knowing north and east, with `clock` and `horizon`.
  func headPlanner(clock: VersionVector = VersionVector(), horizon: VersionVector = VersionVector())
    -> BundlePlanner
  {
    BundlePlanner(
      ownership: OwnershipPolicy(replica: hq, role: .head), clock: clock,
      actors: [hq, north, Self.east], horizon: horizon, schemas: schemas,
      now: "2025-03-04T10:00:00Z")
  }

  /// North's planner.
  func branchPlanner(clock: VersionVector = VersionVector()) -> BundlePlanner {
    BundlePlanner(
      ownership: OwnershipPolicy(replica: north, role: .branch), clock: clock,
      actors: [hq, north], horizon: VersionVector(), schemas: schemas, now: "2025-03-04T10:00:00Z")
  }

  /// A valid order.
  func order(_ office: String = "north", amount: String = "10.00") -> [String: JSONValue] {
    [
      "office_id": .string(office), "customer_id": .string("c-1"), "channel_id": .string("sem"),
      "order_date": .string("2025-03-02"), "quantity": .number(JSONNumber(integer: 1)),
      "amount": .string(amount), "status": .string("confirmed"),
    ]
  }

  func written(_ values: [String: JSONValue], at dot: Dot, over base: RecordState = RecordState())
    -> RecordState
  {
    var state = base
    state.write(values, at: dot)
    return state
  }

  /// A verified bundle from `from` to `to` holding `records`.
  func bundle(
    _ kind: BundleKind = .submission, seq: UInt64 = 1, previous: String? = nil,
    acknowledges: UInt64 = 0, clock: VersionVector, records: [BundleRecord],
    extra: [String: JSONValue] = [:]
  ) throws -> VerifiedBundle {
    let manifest = BundleManifest(
      kind: kind, from: kind == .submission ? north : hq, to: kind == .submission ? hq : north,
      seq: seq, previous: previous ?? zeros, keyID: key.keyID, assumes: VersionVector(),
      clock: clock, acknowledges: acknowledges, createdAt: "t", extra: extra)
    let bytes = BundleCodec.encode(manifest, records: records, key: key).bytes
    return try BundleCodec.verify(bytes, name: "b.bundle") { _ in .active(key) }
  }

  func orderRecord(_ id: String, _ state: RecordState) -> BundleRecord {
    BundleRecord(collection: "orders", id: RecordID(unchecked: id), state: state)
  }

  var enrolled: PeerState {
    PeerState(peer: north, keyID: key.keyID, enrolledAt: "2025-03-01T09:00:00Z")
  }

  @Test("admission: next, replay, equivocation, a gap and a late bundle filling it")
  func admission() throws {
    let state = written(order(), at: Dot(north, 1))
    let first = try bundle(
      clock: VersionVector([(north, UInt64(1))]),
      records: [
        orderRecord("o-1", state)
      ])
    let planner = headPlanner()
    let plan = try planner.plan(
      first, name: "b.bundle", peer: enrolled, reading: DictionarySource())
    #expect(plan.admission == .apply)
    #expect(plan.outcomes.map(\.outcome) == [.new])
    #expect(plan.peer.received.lastSeq == 1 && plan.peer.received.accepted[1] == first.hash)
    #expect(plan.peer.received.at == "2025-03-04T10:00:00Z")

    // The same bundle again: nothing to do, nothing read.
    let source = DictionarySource()
    let replay = try planner.plan(first, name: "b.bundle", peer: plan.peer, reading: source)
    #expect(replay.admission == .alreadyApplied && replay.outcomes.isEmpty)
    #expect(replay.peer == plan.peer && source.reads.entries.isEmpty)

    // Another bundle with seq 1: equivocation.
    let other = try bundle(clock: VersionVector([(north, UInt64(1))]), records: [])
    let error = try #require(throws: SyncError.self) {
      _ = try planner.plan(other, name: "c.bundle", peer: plan.peer, reading: DictionarySource())
    }
    #expect(
      error.message
        == "security warning: 'north' produced two different bundles with seq 1; c.bundle was "
        + "refused")
    // What to do is an action, which the front end phrases; the words quote no command.
    #expect(error.remedy == .reenroll(office: "north", revoke: true))
    #expect(error.hint?.hasSuffix("To re-base an office restored from a copy:") == true)
    #expect(!(error.hint ?? "").contains("outpost "))

    // Seq 3 after 1: applied after a gap; then seq 2 fills it.
    let third = try bundle(seq: 3, clock: VersionVector([(north, UInt64(1))]), records: [])
    let gap = try planner.plan(third, name: "b3", peer: plan.peer, reading: DictionarySource())
    #expect(gap.admission == .applyAfterGap(missing: 2..<3))
    let second = try bundle(
      seq: 2, previous: first.hash, clock: VersionVector([(north, UInt64(1))]), records: [])
    let late = try planner.plan(second, name: "b2", peer: gap.peer, reading: DictionarySource())
    #expect(late.admission == .fillsGap)
    #expect(late.peer.received.lastSeq == 3 && late.peer.received.lastHash == third.hash)
    // A late bundle is not the newest: `received.at` stays.
    var stale = gap.peer
    stale.received.at = "2025-03-02T10:00:00+08:00"
    #expect(
      try planner.plan(second, name: "b2", peer: stale, reading: DictionarySource()).peer.received
        .at == "2025-03-02T10:00:00+08:00")
  }

  @Test("bundle-level refusals: kind, enrollment, base, clock inflation")
  func bundleRefusals() throws {
    let reply = try bundle(.reply, clock: VersionVector(), records: [])
    let wrongKind = try #require(throws: SyncError.self) {
      _ = try headPlanner().plan(reply, name: "r", peer: enrolled, reading: DictionarySource())
    }
    #expect(
      wrongKind.message
        == "r is a reply bundle; head office merges submissions; nothing was imported")
    let submission = try bundle(clock: VersionVector([(north, UInt64(1))]), records: [])
    let notEnrolled = try #require(throws: SyncError.self) {
      _ = try headPlanner().plan(submission, name: "s", peer: nil, reading: DictionarySource())
    }
    #expect(notEnrolled.code == .notPermitted)
    #expect(notEnrolled.message == "'north' is not enrolled here")
    let inflated = try bundle(clock: VersionVector([(hq, UInt64(9))]), records: [])
    let inflation = try #require(throws: SyncError.self) {
      _ = try headPlanner().plan(inflated, name: "s", peer: enrolled, reading: DictionarySource())
    }
    #expect(inflation.message.hasPrefix("vector clock inflation: the bundle claims 'hq' counter 9"))
  }

  @Test("a record from an office that does not own it is refused; nothing is planned")
  func nonOwnerRefused() throws {
    let theirs = written(order("east"), at: Dot(north, 1))
    let submission = try bundle(
      clock: VersionVector([(north, UInt64(1))]), records: [orderRecord("o-1", theirs)])
    let error = try #require(throws: SyncError.self) {
      _ = try headPlanner().plan(
        submission, name: "s", peer: enrolled, reading: DictionarySource())
    }
    #expect(error.code == .notPermitted)
    #expect(
      error.message
        == "office 'north' wrote record orders/o-1, which belongs to office 'east'; nothing was "
        + "imported")
    // Head office's stored record decides too: north may not take over east's record.
    let stored = written(order("east"), at: Dot(Self.east, 1))
    let takeover = try bundle(
      clock: VersionVector([(north, UInt64(1)), (Self.east, UInt64(1))]),
      records: [orderRecord("o-1", written(order("north"), at: Dot(north, 1), over: stored))])
    let refused = try #require(throws: SyncError.self) {
      _ = try headPlanner(clock: VersionVector([(Self.east, UInt64(1))])).plan(
        takeover, name: "s", peer: enrolled,
        reading: DictionarySource(records: ["orders": [RecordID(unchecked: "o-1"): stored]]))
    }
    #expect(refused.message.contains("which belongs to office 'east'"))
  }

  @Test("join outcomes: new, updated, merged, conflict, unchanged, deleted")
  func joinOutcomes() throws {
    let base = written(order(), at: Dot(north, 1))
    let known: [String: RecordState] = [
      "o-2": base, "o-3": base, "o-4": base, "o-5": base, "o-6": base,
    ]
    var stored: [RecordID: RecordState] = [:]
    for (id, state) in known { stored[RecordID(unchecked: id)] = state }
    // Head office changed o-3's status and o-4's amount since.
    stored[RecordID(unchecked: "o-3")] = written(
      ["status": .string("cancelled")], at: Dot(hq, 1), over: base)
    stored[RecordID(unchecked: "o-4")] = written(
      ["amount": .string("11.00")], at: Dot(hq, 2), over: base)
    var deleted = base
    deleted.delete(at: Dot(north, 6))
    let records = [
      orderRecord("o-1", written(order(), at: Dot(north, 2))),
      orderRecord("o-2", written(["amount": .string("12.00")], at: Dot(north, 3), over: base)),
      orderRecord("o-3", written(["amount": .string("13.00")], at: Dot(north, 4), over: base)),
      orderRecord("o-4", written(["amount": .string("14.00")], at: Dot(north, 5), over: base)),
      orderRecord("o-5", base),
      orderRecord("o-6", deleted),
    ]
    let submission = try bundle(clock: VersionVector([(north, UInt64(6))]), records: records)
    let planner = headPlanner(clock: VersionVector([(north, UInt64(1)), (hq, UInt64(2))]))
    let plan = try planner.plan(
      submission, name: "s", peer: enrolled, reading: DictionarySource(records: ["orders": stored]))
    #expect(
      plan.outcomes.map { "\($0.id) \($0.outcome)" } == [
        "o-1 new", "o-2 updated", "o-3 merged", "o-4 conflict", "o-5 unchanged", "o-6 deleted",
      ])
    #expect(
      plan.states["orders"]?.keys.sorted().map(\.rawValue) == [
        "o-1", "o-2", "o-3", "o-4", "o-6",
      ])
    #expect(plan.states["orders"]?[RecordID(unchecked: "o-4")]?.conflictedFields == ["amount"])
    // Head office's own value lost nothing it must report: it is still a candidate.
    #expect(plan.replaced.isEmpty)
  }

  @Test("old copies of collected records are not applied; head office asks for their removal")
  func staleCopies() throws {
    let old = written(order(), at: Dot(north, 1))
    var gone = old
    gone.delete(at: Dot(north, 2))
    let submission = try bundle(
      clock: VersionVector([(north, UInt64(3))]),
      records: [
        orderRecord("o-1", old), orderRecord("o-2", gone),
        orderRecord("o-3", written(order(), at: Dot(north, 3))),
      ])
    let horizon = VersionVector([(north, UInt64(2))])
    let plan = try headPlanner(clock: VersionVector([(north, UInt64(2))]), horizon: horizon).plan(
      submission, name: "s", peer: enrolled, reading: DictionarySource())
    #expect(plan.notApplied.map(\.id.rawValue) == ["o-1", "o-2"])
    #expect(plan.outcomes.map(\.id.rawValue) == ["o-3"])
    #expect(plan.peer.dropped == ["orders/o-1": 0, "orders/o-2": 0])
    #expect(plan.states["orders"]?.keys.map(\.rawValue) == ["o-3"])
    // A notice the office has acknowledged is dropped; one sent later stays.
    var peer = plan.peer
    peer.received = enrolled.received
    peer.dropped = ["orders/o-8": 1, "orders/o-9": 4]
    let acknowledging = try bundle(
      acknowledges: 2, clock: VersionVector([(north, UInt64(2))]), records: [])
    let next = try headPlanner(clock: VersionVector([(north, UInt64(2))])).plan(
      acknowledging, name: "s", peer: peer, reading: DictionarySource())
    #expect(next.peer.dropped == ["orders/o-9": 4])
  }

  @Test("a reply: collects what everyone has seen, removes dropped copies, raises the horizon")
  func replyCollects() throws {
    let order1 = written(order(), at: Dot(north, 1))
    var deleted = order1
    deleted.delete(at: Dot(north, 2))
    let stored: [RecordID: RecordState] = [
      RecordID(unchecked: "o-1"): deleted,
      RecordID(unchecked: "o-2"): written(order(), at: Dot(north, 3)),
      RecordID(unchecked: "o-3"): written(order(), at: Dot(north, 4)),
    ]
    let horizon = VersionVector([(north, UInt64(3))])
    let reply = try bundle(
      .reply, clock: VersionVector([(north, UInt64(4))]), records: [],
      extra: ["collected": horizon.json, "dropped": .array([.string("orders/o-2")])])
    let source = DictionarySource(records: ["orders": stored])
    let plan = try branchPlanner(clock: VersionVector([(north, UInt64(4))])).plan(
      reply, name: "r",
      peer: PeerState(peer: hq, keyID: key.keyID, enrolledAt: "2025-03-01T09:00:00Z"),
      reading: source)
    #expect(plan.removed.map { "\($0.id) \($0.edited)" } == ["o-2 true"])
    #expect(plan.collectedCount == 1)
    #expect(plan.states["orders"]?.keys.sorted().map(\.rawValue) == ["o-1", "o-2"])
    #expect(plan.states["orders"]!.values.allSatisfy { $0.isCollectedMarker })
    #expect(plan.peer.collected == horizon)
    // One scan of the stored records, because the horizon moved.
    #expect(source.reads.entries == ["orders/o-2", "records"])
  }

  @Test("a branch refuses a record beyond the bundle's clock, or of an unknown collection")
  func branchChecks() throws {
    let beyond = try bundle(
      .reply, clock: VersionVector([(hq, UInt64(1))]),
      records: [orderRecord("o-1", written(order(), at: Dot(hq, 2)))])
    let peer = PeerState(peer: hq, keyID: key.keyID, enrolledAt: "2025-03-01T09:00:00Z")
    let error = try #require(throws: SyncError.self) {
      _ = try branchPlanner().plan(beyond, name: "r", peer: peer, reading: DictionarySource())
    }
    #expect(error.message == "record orders/o-1 goes beyond the bundle's clock")
    let unknown = try bundle(
      .reply, clock: VersionVector([(hq, UInt64(1))]),
      records: [
        BundleRecord(
          collection: "visits", id: RecordID(unchecked: "v-1"),
          state: written(["a": .string("b")], at: Dot(hq, 1)))
      ])
    let refused = try #require(throws: SyncError.self) {
      _ = try branchPlanner().plan(unknown, name: "r", peer: peer, reading: DictionarySource())
    }
    #expect(refused.message == "r: unknown collection 'visits'; nothing was imported")
  }

  @Test("ids colliding by case, in the bundle or with a stored one; a failed read stops the plan")
  func collisionsAndReads() throws {
    let one = written(order(), at: Dot(north, 1))
    let both = try bundle(
      clock: VersionVector([(north, UInt64(2))]),
      records: [orderRecord("O-1", one), orderRecord("o-1", written(order(), at: Dot(north, 2)))])
    let inBundle = try #require(throws: SyncError.self) {
      _ = try headPlanner().plan(both, name: "s", peer: enrolled, reading: DictionarySource())
    }
    #expect(
      inBundle.message
        == "s: record ids 'O-1' and 'o-1' in 'orders' differ only by letter case; nothing was "
        + "imported")
    let single = try bundle(
      clock: VersionVector([(north, UInt64(1))]), records: [orderRecord("o-1", one)])
    let stored = DictionarySource(records: ["orders": [RecordID(unchecked: "O-1"): one]])
    let withStored = try #require(throws: SyncError.self) {
      _ = try headPlanner(clock: VersionVector([(north, UInt64(1))])).plan(
        single, name: "s", peer: enrolled, reading: stored)
    }
    #expect(withStored.message.contains("collides with 'O-1'"))
    let failing = DictionarySource(failing: RecordID(unchecked: "o-1"))
    let unreadable = try #require(throws: SyncError.self) {
      _ = try headPlanner().plan(single, name: "s", peer: enrolled, reading: failing)
    }
    #expect(unreadable.message == "cannot read orders/o-1")
  }
}
