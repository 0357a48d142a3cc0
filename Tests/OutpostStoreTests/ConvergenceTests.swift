import Foundation
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Synchronization
import Testing

/// Randomized multi-replica convergence (docs/reliability.md §5 family 6, checking every invariant
/// of docs/reliability.md §2).
///
/// Each schedule builds head office and 2–5 branches, each a real ``RepositoryWriter`` on its own
/// ``MemoryFileSystem``, and runs seeded random steps through the real API: local edits
/// (`commit`: creates, same-field and different-field updates, deletes, re-creations), head
/// office edits of branch records and of head-office collections, `makeBundle` (submit and
/// reply), `applyBundle` (merge and receive), and `resolve`. Bundles travel through a simulated
/// carrier that delivers, drops, duplicates, reorders, replays and corrupts them (flipped byte,
/// truncation, appended bytes, a manifest spliced onto another payload, the wrong recipient).
/// Crash-and-reopen steps run one operation with a crash injected at a random file-system
/// operation, then simulate a process kill or a power loss (with torn, dropped or garbage
/// unsynced data) and reopen the repository (SPEC.md §4.3–§4.4).
///
/// The checks, numbered as in docs/reliability.md §2:
/// 1. convergence: after quiescence (every bundle delivered, every conflict resolved, replies
///    received) every replica holds byte-identical canonical record states, contexts included,
///    and equal clocks;
/// 2. and 3. no lost and no phantom write: a history of every write (its dot, values, and the
///    record context it was made against) predicts every register of every record on every
///    replica, as SPEC.md §5.2 defines the multi-value register; a value missing from the
///    prediction is lost, an extra one is a phantom. At the end every write's dot is in every
///    replica's context and its value is present or was overwritten by a causally later write;
/// 4. idempotence: a bundle applied again reports it was applied and changes no byte;
/// 5. order independence: ``orderIndependence(batch:)`` applies up to 5 pending bundles in all
///    k! orders on copies of head office and compares states and conflicts;
/// 6. conflict exactness (SPEC.md §5.3): a register is in conflict exactly when the history
///    predicts two different concurrent values; `conflicts()` lists exactly those records, and
///    a merge reports `.conflict` exactly for records whose set of conflicted registers grew;
/// 7. deterministic tie-breaking follows from 1 and 5 (provisional winners are a function of
///    the state);
/// 8. crash atomicity: after a crash the repository opens, `verify` is clean, and its state is
///    exactly before or exactly after the interrupted operation — after, if it was acknowledged;
/// 9. monotonicity: no record context and no repository clock ever decreases.
///
/// A damaged or misdelivered bundle must be refused with the repository byte-identical
/// (docs/reliability.md §4 rows 2–4 and 37). Every failure names the seed and schedule and prints
/// the last steps; `OUTPOST_SEED=<seed> OUTPOST_SCHEDULE=<n>` replays one schedule.
struct ConvergenceTests {
  /// Batches run in parallel; `batches × schedulesPerBatch` ≥ 2,000, the schedules a run makes
  /// (docs/reliability.md §5 family 6).
  static let batches = 20
  /// 100, or `OUTPOST_SCHEDULES_PER_BATCH` (a soak run raises it; schedule numbers stay stable).
  static var schedulesPerBatch: Int {
    Schedule.environment("OUTPOST_SCHEDULES_PER_BATCH").flatMap { Int($0) } ?? 100
  }
  static let baseSeed: UInt64 = 0x0C0F_FEE0_2025_0301

  @Test(
    "random schedules over 3-6 replicas converge and keep every sync invariant",
    arguments: 0..<batches)
  func randomSchedules(batch: Int) {
    let base = testSeed(Self.baseSeed)
    let only = Schedule.selected()
    var coverage: [String: Int] = [:]
    for index in 0..<Self.schedulesPerBatch {
      let number = index * Self.batches + batch
      if let only, only != number { continue }
      let counts = Schedule.run(base: base, number: number) { simulation in
        try simulation.runRandomSteps(4 + simulation.next(13))
        try simulation.quiesce()
        try simulation.checkFinal(thorough: number % 10 == 0)
      }
      coverage.merge(counts, uniquingKeysWith: +)
    }
    if only == nil { Schedule.checkCoverage(coverage, Self.covered, batch: batch) }
  }

  /// What every batch of schedules must have exercised at least once.
  static let covered = [
    "edit", "head office edit", "concurrent edits", "delete", "submit", "reply", "deliver", "drop",
    "duplicate",
    "reorder", "replay", "already applied", "gap", "late bundle", "corrupt", "misdelivered",
    "conflict", "resolve", "crash: before", "crash: after", "crash: acknowledged",
    "crash: power loss (torn)",
  ]

  static let orderBatches = 4
  static let scenariosPerOrderBatch = 4

  /// docs/reliability.md §2 invariant 5: for k ≤ 5 pending bundles at head office, every one of
  /// the k! delivery orders, each on its own copy of head office's repository, ends in the same
  /// record states, peer records and conflicts, and in the state the write history predicts.
  @Test(
    "up to 5 pending bundles give the same head office in all k! orders",
    arguments: 0..<orderBatches)
  func orderIndependence(batch: Int) {
    let base = testSeed(Self.baseSeed)
    let only = Schedule.selected()
    for index in 0..<Self.scenariosPerOrderBatch {
      let number = index * Self.orderBatches + batch
      if let only, only != number { continue }
      Schedule.run(base: base, salt: 0x5EED_0000, number: number) { simulation in
        try simulation.runRandomSteps(4 + simulation.next(10), crashes: false)
        let pending = try simulation.pendingSubmissions(count: 2 + number % 4)
        try simulation.checkAllOrders(pending)
      }
    }
  }

  /// The crash model the schedules rely on: a power loss keeps exactly what was synced, data
  /// (`fsync` of the file) and names (`fsync` of the folder) separately; a process kill keeps
  /// everything; a torn power loss keeps some mix, never bytes that were not written over the
  /// durable prefix of an append.
  @Test("the in-memory file system keeps exactly what was synced")
  func memoryFileSystemDurability() throws {
    func write(_ fs: MemoryFileSystem, _ path: String, _ text: String, sync: Bool) throws {
      let handle = try fs.open(path, .createNew(secret: false))
      try fs.write(handle, Array(text.utf8))
      if sync { try fs.sync(handle) }
      try fs.close(handle)
    }
    let fs = MemoryFileSystem()
    try fs.makeDirectory("/d")
    try fs.syncDirectory("/")
    try write(fs, "/d/synced", "one", sync: true)
    try write(fs, "/d/unsynced", "two", sync: false)
    try fs.syncDirectory("/d")
    try write(fs, "/d/tmp", "three", sync: true)
    try fs.rename("/d/tmp", "/d/synced")  // replaced, but the folder is not synced
    let journal = try fs.open("/d/unsynced", .append)
    try fs.write(journal, Array("-tail".utf8))
    try fs.close(journal)

    let killed = fs.copy()
    killed.crash(.process)
    #expect(try killed.readFile("/d/synced") == Array("three".utf8))
    #expect(try killed.readFile("/d/unsynced") == Array("two-tail".utf8))

    let powerLoss = fs.copy()
    powerLoss.crash(.powerLoss)
    #expect(try powerLoss.list("/d") == ["synced", "unsynced"])
    #expect(try powerLoss.readFile("/d/synced") == Array("one".utf8))
    #expect(try powerLoss.readFile("/d/unsynced").isEmpty)

    for seed in 0..<64 as Range<UInt64> {
      let torn = fs.copy()
      torn.crash(.powerLossTorn(seed: seed))
      let synced = try torn.readFile("/d/synced")
      #expect(synced == Array("one".utf8) || synced == Array("three".utf8), "seed \(seed)")
      #expect(try torn.list("/d") == ["synced", "unsynced"], "seed \(seed)")
    }
  }

  /// A branch may not edit or delete another office's record (SPEC.md §2.4).
  ///
  /// A record of another office reaches a branch in head office's replies. If the branch could
  /// edit or delete it locally, head office would refuse every later submission of that branch
  /// (bundles are cumulative, so the refused change is in all of them) and the branch would
  /// never converge again (invariant 1). The random schedules generate only writes a branch may
  /// make, so this case is tested on its own.
  @Test(
    "a branch cannot edit or delete another office's record it received",
    arguments: ["edit", "delete"])
  func branchCannotWriteOthersRecords(_ kind: String) throws {
    let simulation = try Simulation(seed: 7, branchCount: 2)
    let north = simulation.replicas[1]
    let east = simulation.replicas[2]
    let id = try RecordID("east-1")
    _ = try simulation.perform(
      east, .commit([.put(collection: "orders", id: id, fields: Simulation.newOrder(east.id, 1))]))
    try simulation.deliverNow(try simulation.bundle(from: east, to: simulation.hq))
    try simulation.deliverNow(try simulation.bundle(from: simulation.hq, to: north))
    #expect(try north.repository.state("orders", id)?.value("office_id") == .string("east"))
    let change: RecordChange =
      kind == "edit"
      ? .put(collection: "orders", id: id, fields: ["amount": .string("99.00")])
      : .delete(collection: "orders", id: id)
    let before = north.fileSystem.snapshot()
    // A branch may not edit or delete another office's record (this test found it).
    let error = #expect(throws: StoreError.self) {
      try north.repository.commit([change], command: "test")
    }
    #expect(error?.code == .notPermitted)
    #expect(north.fileSystem.snapshot() == before, "a refused change leaves no trace")
  }
}

// MARK: - Running and reporting schedules

/// A broken invariant, named after docs/reliability.md §2 or §4.
private struct InvariantFailure: Error, CustomStringConvertible {
  var description: String
}

private func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
  if !condition { throw InvariantFailure(description: message()) }
}

private enum Schedule {
  /// `OUTPOST_SCHEDULE`: run only that schedule number (to replay a failure).
  static func selected() -> Int? {
    environment("OUTPOST_SCHEDULE").flatMap { Int($0) }
  }

  static func environment(_ name: String) -> String? {
    ProcessInfo.processInfo.environment[name]
  }

  /// The seed of one schedule: the base seed mixed with the schedule number.
  static func seed(base: UInt64, number: Int) -> UInt64 {
    var mixer = SplitMix64(seed: base ^ (UInt64(number) &* 0x9E37_79B9_7F4A_7C15))
    return mixer.next()
  }

  /// Runs one schedule; any failure is recorded as an issue naming the seed and the last steps.
  ///
  /// - Parameters:
  ///   - base: the run's seed (`OUTPOST_SEED`), which the failure message names.
  ///   - salt: keeps one test's schedules apart from another's with the same number.
  ///   - number: the schedule number (`OUTPOST_SCHEDULE`).
  /// - Returns: how often each kind of event happened (empty if the schedule failed).
  @discardableResult
  static func run(
    base: UInt64, salt: UInt64 = 0, number: Int, _ body: (Simulation) throws -> Void
  ) -> [String: Int] {
    let seed = seed(base: base ^ salt, number: number)
    var simulation: Simulation?
    do {
      var random = SplitMix64(seed: seed)
      // 3, 4, 5 or 6 replicas, smaller worlds more often (40%, 30%, 20%, 10%).
      let roll = random.next() % 10
      let branches = roll < 4 ? 2 : roll < 7 ? 3 : roll < 9 ? 4 : 5
      simulation = try Simulation(seed: random.next(), branchCount: branches)
      try body(simulation!)
      return simulation!.coverage
    } catch {
      let trace = simulation?.trace.suffix(40).joined(separator: "\n  ") ?? ""
      Issue.record(
        """
        schedule \(number) failed (seed \(base), schedule seed \(seed), \
        \(simulation.map { "\($0.replicas.count) replicas, step \($0.stepNumber)" } ?? "setup")): \
        \(error)
        replay: OUTPOST_SEED=\(base) OUTPOST_SCHEDULE=\(number) swift test --filter ConvergenceTests
        last steps:
          \(trace)
        """)
      return [:]
    }
  }

  /// Checks that a batch exercised every kind of event the test claims to cover, so a change
  /// in the generator cannot silently stop testing something.
  static func checkCoverage(_ coverage: [String: Int], _ kinds: [String], batch: Int) {
    if environment("OUTPOST_CONVERGENCE_STATS") != nil {
      print(
        "batch \(batch): "
          + coverage.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
          .joined(separator: " "))
    }
    // Reordering needs two bundles in flight at once, which a batch of a hundred short
    // schedules reaches only most of the time; the order-independence test covers it fully.
    for kind in kinds where coverage[kind, default: 0] == 0 && kind != "reorder" {
      Issue.record("batch \(batch) never exercised '\(kind)'")
    }
  }
}

// MARK: - The simulated world

/// The starting point of every schedule with a given number of branches, built once: head
/// office enrolled the branches, each branch created two orders and submitted them, head office
/// created a channel and replied to everyone, so the offices share records from the first step
/// (and concurrent edits of one record are possible at once).
private struct Template: Sendable {
  struct Office: Sendable {
    var id: ReplicaID
    var isHead: Bool
    var fileSystem: MemoryFileSystem
    var contexts: [RecordKey: VersionVector]
    var clock: VersionVector
    var applied: Set<String>
    var sentSeq: [ReplicaID: UInt64]
  }

  var offices: [Office]
  var events: [Event]
  var archive: [Parcel]
  var nextRecord: Int

  private static let cache = Mutex<[Int: Template]>([:])

  static func with(branchCount: Int) throws -> Template {
    try cache.withLock { cache in
      if let made = cache[branchCount] { return made }
      let made = try Simulation.makeTemplate(branchCount: branchCount)
      cache[branchCount] = made
      return made
    }
  }
}

private let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00+08:00" }
private let root = "/repo"

/// Opens the repository at `/repo` for writing and reads the records `known` to be there.
///
/// Reading through ``RepositoryReader/state(_:_:)`` keeps a bucket file parsed in the repository's
/// cache; ``RepositoryReader/states(_:)`` alone re-parses every uncached bucket on each call, which
/// the checks here make often (a debug build parses JSON slowly).
private func openRepository(
  _ fileSystem: any FileSystem, known: Dictionary<RecordKey, VersionVector>.Keys
) throws -> RepositoryWriter {
  let repository = try RepositoryWriter.open(at: root, fileSystem: fileSystem, now: now)
  for key in known { _ = try repository.state(key.collection, key.id) }
  return repository
}

/// A record's address.
private struct RecordKey: Hashable, Comparable, CustomStringConvertible, Sendable {
  var collection: String
  var id: RecordID

  static func < (lhs: RecordKey, rhs: RecordKey) -> Bool {
    (lhs.collection, lhs.id) < (rhs.collection, rhs.id)
  }

  var description: String { "\(collection)/\(id)" }
}

/// One write in the history (the Jepsen "ok" set): what was written, by which dot, against
/// which record context.
private struct Event: Sendable {
  var key: RecordKey
  var dot: Dot
  /// The field values written (empty for a delete).
  var fields: [String: JSONValue]
  var isDelete: Bool
  /// The write re-created a deleted record, clearing every field it did not write.
  var clearsAll: Bool
  /// The record's context at the writer just before the write (its causal past).
  var past: VersionVector
  /// Whether the operation returned successfully (false: it survived a crash).
  var acknowledged: Bool
}

/// What a repository holds: every record state, every peer record and the clock.
private struct Contents: Equatable {
  var records: [RecordKey: RecordState] = [:]
  var peers: [PeerState] = []
  var clock = VersionVector()

  init(_ repository: RepositoryReader) throws {
    for schema in repository.collections {
      for (id, state) in try repository.states(schema.name) {
        records[RecordKey(collection: schema.name, id: id)] = state
      }
    }
    peers = try repository.peers()
    clock = repository.clock
  }

  /// The canonical serialization of every record, sorted (what invariant 1 compares).
  var canonicalRecords: [String] {
    records.keys.sorted().map { "\($0) \(JSONWriter.canonicalString(records[$0]!.json))" }
  }

  /// A few of the differences, for a failure message.
  func difference(from other: Contents) -> String {
    var lines: [String] = []
    for key in Set(records.keys).union(other.records.keys).sorted()
    where records[key] != other.records[key] {
      lines.append(
        "\(key): \(records[key].map { JSONWriter.canonicalString($0.json) } ?? "absent") vs "
          + "\(other.records[key].map { JSONWriter.canonicalString($0.json) } ?? "absent")")
    }
    if peers != other.peers {
      lines.append(
        "peers: \(peers.map { JSONWriter.canonicalString($0.json) }) vs "
          + "\(other.peers.map { JSONWriter.canonicalString($0.json) })")
    }
    if clock != other.clock { lines.append("clock: \(clock) vs \(other.clock)") }
    return lines.prefix(6).joined(separator: "\n    ")
  }
}

/// A bundle in the carrier's hands.
private struct Parcel: Sendable {
  var number: Int
  var from: ReplicaID
  var to: ReplicaID
  var seq: UInt64
  var hash: String
  var bytes: [UInt8]

  var name: String { "\(from)-\(to)-\(seq).bundle" }
}

/// One office: its file system, its open repository and what the checker remembers about it.
private final class Replica {
  let id: ReplicaID
  let isHead: Bool
  let fileSystem: MemoryFileSystem
  var repository: RepositoryWriter
  /// The last context seen per record (invariant 9).
  var contexts: [RecordKey: VersionVector] = [:]
  /// The last repository clock seen (invariant 9).
  var clock = VersionVector()
  /// The conflicted registers per record, as the history predicts them.
  var conflicts: [RecordKey: Set<String>] = [:]
  /// Hashes of the bundles applied here.
  var applied: Set<String> = []
  /// The sequence number of the last bundle made for each peer.
  var sentSeq: [ReplicaID: UInt64] = [:]

  init(id: ReplicaID, isHead: Bool, fileSystem: MemoryFileSystem, repository: RepositoryWriter) {
    self.id = id
    self.isHead = isHead
    self.fileSystem = fileSystem
    self.repository = repository
  }
}

/// An operation that can be interrupted by a crash.
private enum Operation: CustomStringConvertible {
  case commit([RecordChange])
  case bundle(for: ReplicaID)
  case apply(Parcel)
  case resolve(RecordKey, ResolutionChoice)

  var description: String {
    switch self {
    case .commit(let changes):
      return "commit "
        + changes.map { change in
          switch change {
          case .put(let c, let i, let fields):
            return "put \(c)/\(i) "
              + fields.keys.sorted().map { "\($0)=\(JSONWriter.canonicalString(fields[$0]!))" }
              .joined(separator: ",")
          case .delete(let c, let i): return "delete \(c)/\(i)"
          }
        }.joined(separator: "; ")
    case .bundle(let peer): return "make bundle for \(peer)"
    case .apply(let parcel): return "apply #\(parcel.number) \(parcel.name)"
    case .resolve(let key, let choice): return "resolve \(key) (\(choice.summary))"
    }
  }
}

/// What an operation did, for the history.
private struct Outcome {
  var events: [Event] = []
  var made: MadeBundle?
  var report: ApplyReport?
  var touched: [RecordKey] = []
}

/// One schedule's world: the offices, the carrier's bundles, the write history and the trace.
///
/// Every operation goes through the real ``RepositoryWriter`` API; the simulation only decides what
/// to do next (from its seeded generator), carries bundles, and checks the outcome.
private final class Simulation {
  static let branchNames = ["north", "east", "south", "west", "central"]
  static let orderFields = [
    "customer_id", "channel_id", "order_date", "quantity", "amount", "status",
  ]
  static let channelFields = ["name_zh", "name_en", "is_web", "is_paid"]

  var random: SplitMix64
  let replicas: [Replica]
  var hq: Replica { replicas[0] }
  var branches: ArraySlice<Replica> { replicas.dropFirst() }
  var inFlight: [Parcel] = []
  var archive: [Parcel] = []
  var events: [Event] = []
  var eventsByKey: [RecordKey: [Int]] = [:]
  var trace: [String] = []
  var stepNumber = 0
  var nextRecord = 0
  /// How often each kind of event happened.
  var coverage: [String: Int] = [:]

  func tally(_ kind: String) { coverage[kind, default: 0] += 1 }

  /// A world copied from the template with `branchCount` branches.
  init(seed: UInt64, branchCount: Int) throws {
    random = SplitMix64(seed: seed)
    let template = try Template.with(branchCount: branchCount)
    var replicas: [Replica] = []
    for office in template.offices {
      let fileSystem = office.fileSystem.copy()
      let repository = try openRepository(fileSystem, known: office.contexts.keys)
      let replica = Replica(
        id: office.id, isHead: office.isHead, fileSystem: fileSystem, repository: repository)
      replica.contexts = office.contexts
      replica.clock = office.clock
      replica.applied = office.applied
      replica.sentSeq = office.sentSeq
      replicas.append(replica)
    }
    self.replicas = replicas
    archive = template.archive
    for event in template.events {
      eventsByKey[event.key, default: []].append(events.count)
      events.append(event)
    }
    nextRecord = template.nextRecord
    trace.append(
      "setup: hq and \(branchCount) branches (\(replicas.map(\.id.rawValue))), "
        + "\(events.count) shared writes")
  }

  /// A world of brand-new repositories.
  private init(fresh branchCount: Int) throws {
    random = SplitMix64(seed: UInt64(branchCount))
    let hqID = ReplicaID(unchecked: "hq")
    let hqFS = MemoryFileSystem()
    let hqRepository = try RepositoryWriter.create(
      at: root, replica: hqID, role: .head, fileSystem: hqFS, now: now)
    var replicas = [Replica(id: hqID, isHead: true, fileSystem: hqFS, repository: hqRepository)]
    for name in Self.branchNames.prefix(branchCount) {
      let id = ReplicaID(unchecked: name)
      let key = try hqRepository.enroll(id)
      let fileSystem = MemoryFileSystem()
      let repository = try RepositoryWriter.create(
        at: root, replica: id, role: .branch, fileSystem: fileSystem, now: now)
      try repository.installKey(key)
      replicas.append(
        Replica(id: id, isHead: false, fileSystem: fileSystem, repository: repository))
    }
    self.replicas = replicas
  }

  /// Builds the shared starting point (see ``Template``).
  static func makeTemplate(branchCount: Int) throws -> Template {
    let world = try Simulation(fresh: branchCount)
    for branch in world.branches {
      for _ in 0..<2 {
        world.nextRecord += 1
        let id = RecordID(unchecked: "\(branch.id)-\(world.nextRecord)")
        _ = try world.perform(
          branch,
          .commit([
            .put(collection: "orders", id: id, fields: newOrder(branch.id, world.nextRecord))
          ]))
      }
      try world.deliverNow(try world.bundle(from: branch, to: world.hq))
    }
    world.nextRecord += 1
    _ = try world.perform(
      world.hq,
      .commit([
        .put(
          collection: "channels", id: RecordID(unchecked: "ch-\(world.nextRecord)"),
          fields: [
            "name_zh": .string("搜索"), "name_en": .string("Search"), "is_web": .bool(true),
            "is_paid": .bool(true),
          ])
      ]))
    for branch in world.branches {
      try world.deliverNow(try world.bundle(from: world.hq, to: branch))
    }
    for replica in world.replicas {
      try world.checkReplica(replica)
      replica.repository.close()
      // Creating a repository syncs what it must inside it, not the folder holding it.
      replica.fileSystem.makeDurable()
    }
    return Template(
      offices: world.replicas.map {
        Template.Office(
          id: $0.id, isHead: $0.isHead, fileSystem: $0.fileSystem, contexts: $0.contexts,
          clock: $0.clock, applied: $0.applied, sentSeq: $0.sentSeq)
      }, events: world.events, archive: world.archive, nextRecord: world.nextRecord)
  }

  // MARK: Randomness

  func next(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
  func chance(_ percent: Int) -> Bool { next(100) < percent }
  func pick<C: Collection>(_ items: C) -> C.Element {
    items[items.index(items.startIndex, offsetBy: next(items.count))]
  }

  func replica(_ id: ReplicaID) -> Replica { replicas.first { $0.id == id }! }

  func log(_ text: String) { trace.append("\(stepNumber): \(text)") }

  // MARK: Values

  static func count(_ value: Int) -> JSONValue { .number(JSONNumber(integer: Int64(value))) }

  func orderValue(_ field: String) -> JSONValue {
    switch field {
    case "customer_id": return .string(pick(["c-1", "c-2", "c-3"]))
    case "channel_id": return .string(pick(["sem", "seo", "social"]))
    case "order_date": return .string(pick(["2025-03-01", "2025-03-02"]))
    case "quantity": return Self.count(1 + next(3))
    case "amount": return .string(pick(["10.00", "20.00", "35.50"]))
    default: return .string(pick(["confirmed", "cancelled"]))
    }
  }

  func channelValue(_ field: String) -> JSONValue {
    switch field {
    case "name_zh": return .string(pick(["搜索", "社交"]))
    case "name_en": return pick([JSONValue.string("Search"), .string("Social"), .null])
    default: return .bool(chance(50))
    }
  }

  static func newOrder(_ office: ReplicaID, _ n: Int) -> [String: JSONValue] {
    [
      "office_id": .string(office.rawValue), "customer_id": .string("c-\(n % 3)"),
      "channel_id": .string("sem"), "order_date": .string("2025-03-01"),
      "quantity": count(1), "amount": .string("10.00"), "status": .string("confirmed"),
    ]
  }

  /// The fields a write to `state` sends: writing a deleted record re-creates it, and a
  /// re-created record holds only what is written, so it must be whole (as `outpost put` and
  /// `import` require; SPEC.md §8.4 refuses a partial record at merge).
  func whole(_ fields: [String: JSONValue], over state: RecordState?, office: ReplicaID)
    -> [String: JSONValue]
  {
    guard let state, state.isDeleted else { return fields }
    nextRecord += 1
    let owner = state.fields["office_id"]?.first?.value.stringValue.flatMap { try? ReplicaID($0) }
    return Self.newOrder(owner ?? office, nextRecord).merging(fields) { $1 }
  }

  func someFields(_ names: [String], _ value: (String) -> JSONValue) -> [String: JSONValue] {
    var fields: [String: JSONValue] = [:]
    // Favour amount and status so that concurrent same-field writes are common.
    let favoured = names.count > 4 ? ["amount", "status"] : names
    for _ in 0..<(1 + next(2)) {
      let name = chance(60) ? pick(favoured) : pick(names)
      fields[name] = value(name)
    }
    return fields
  }

  // MARK: Random steps

  /// Runs `count` random steps (docs/reliability.md §5 family 6's step kinds).
  func runRandomSteps(_ count: Int, crashes: Bool = true) throws {
    for _ in 0..<count {
      stepNumber += 1
      let roll = next(100)
      switch roll {
      case 0..<16: try branchEdit(pick(branches))
      case 16..<22: try hqEdit()
      case 22..<34: try concurrentEdits()
      case 34..<44:
        let branch = pick(branches)
        inFlight.append(try bundle(from: branch, to: hq))
        tally("submit")
      case 44..<52:
        inFlight.append(try bundle(from: hq, to: pick(branches)))
        tally("reply")
      case 52..<67: try deliver()
      case 67..<70:
        if !inFlight.isEmpty {
          let parcel = inFlight.remove(at: next(inFlight.count))
          log("carrier drops #\(parcel.number) \(parcel.name)")
          tally("drop")
        }
      case 70..<73:
        if !inFlight.isEmpty {
          let parcel = pick(inFlight)
          inFlight.append(parcel)
          log("carrier duplicates #\(parcel.number) \(parcel.name)")
          tally("duplicate")
        }
      case 73..<75:
        if inFlight.count > 1 {
          shuffle(&inFlight)
          log("carrier reorders \(inFlight.count) bundles")
          tally("reorder")
        }
      case 75..<79: try replay()
      case 79..<84: try corrupt()
      case 84..<91: try resolveOne()
      default:
        if crashes { try crashAndReopen() } else { try branchEdit(pick(branches)) }
      }
    }
  }

  func shuffle<T>(_ items: inout [T]) {
    guard items.count > 1 else { return }
    for index in stride(from: items.count - 1, to: 0, by: -1) {
      items.swapAt(index, next(index + 1))
    }
  }

  /// The orders a branch may write: those whose every `office_id` value is its own.
  func ownOrders(_ branch: Replica) throws -> [(id: RecordID, state: RecordState)] {
    let mine = JSONValue.string(branch.id.rawValue)
    return try branch.repository.states("orders").filter { entry in
      // A plain write may not settle an open conflict (SPEC.md §8.7): only head office's
      // resolutions touch conflicted records.
      guard !entry.state.isConflicted else { return false }
      guard let owners = entry.state.fields["office_id"], !owners.isEmpty else { return false }
      return owners.allSatisfy { $0.value == mine }
    }
  }

  func branchChanges(_ branch: Replica) throws -> [RecordChange] {
    var changes: [RecordChange] = []
    var used: Set<RecordID> = []
    for _ in 0..<(chance(15) ? 2 : 1) {
      let own = try ownOrders(branch).filter { !used.contains($0.id) }
      if own.isEmpty || chance(12) {
        nextRecord += 1
        let id = RecordID(unchecked: "\(branch.id)-\(nextRecord)")
        used.insert(id)
        changes.append(
          .put(collection: "orders", id: id, fields: Self.newOrder(branch.id, nextRecord)))
        continue
      }
      let (id, state) = pick(own)
      used.insert(id)
      if !state.isDeleted && chance(15) {
        changes.append(.delete(collection: "orders", id: id))
      } else {
        var fields = someFields(Self.orderFields, orderValue)
        fields["office_id"] = .string(branch.id.rawValue)
        changes.append(
          .put(
            collection: "orders", id: id, fields: whole(fields, over: state, office: branch.id)))
      }
    }
    return changes
  }

  func branchEdit(_ branch: Replica) throws {
    let changes = try branchChanges(branch)
    _ = try perform(branch, .commit(changes))
    tally("edit")
    if changes.contains(where: { if case .delete = $0 { true } else { false } }) { tally("delete") }
  }

  /// A branch and head office write one field of the same record (or one deletes it) before
  /// either has heard of the other's write: a concurrent pair, unless the values are equal.
  func concurrentEdits() throws {
    var order = Array(branches)
    shuffle(&order)
    for branch in order {
      let shared = try ownOrders(branch).filter {
        guard let atHQ = try hq.repository.state("orders", $0.id) else { return false }
        return !atHQ.isConflicted
      }
      guard !shared.isEmpty else { continue }
      let (id, state) = pick(shared)
      let field = pick(["amount", "status", "quantity"])
      let branchChange: RecordChange =
        !state.isDeleted && chance(12)
        ? .delete(collection: "orders", id: id)
        : .put(
          collection: "orders", id: id,
          fields: whole(
            [field: orderValue(field), "office_id": .string(branch.id.rawValue)], over: state,
            office: branch.id))
      _ = try perform(branch, .commit([branchChange]))
      let atHQ = try hq.repository.state("orders", id)!
      let hqChange: RecordChange =
        !atHQ.isDeleted && chance(10)
        ? .delete(collection: "orders", id: id)
        : .put(
          collection: "orders", id: id,
          fields: whole([field: orderValue(field)], over: atHQ, office: branch.id))
      _ = try perform(hq, .commit([hqChange]))
      tally("concurrent edits")
      return
    }
    try branchEdit(pick(branches))
  }

  func hqChanges() throws -> [RecordChange] {
    let orders = try hq.repository.states("orders").filter { !$0.state.isConflicted }
    let channels = try hq.repository.states("channels").filter { !$0.state.isConflicted }
    switch next(10) {
    case 0..<5 where !orders.isEmpty:
      let (id, state) = pick(orders)
      return [
        .put(
          collection: "orders", id: id,
          fields: whole(
            someFields(Self.orderFields, orderValue), over: state, office: pick(branches).id))
      ]
    case 5 where !orders.isEmpty:
      let live = orders.filter { !$0.state.isDeleted }
      guard !live.isEmpty else { break }
      return [.delete(collection: "orders", id: pick(live).id)]
    case 6:
      nextRecord += 1
      let office = pick(branches).id
      return [
        .put(
          collection: "orders", id: RecordID(unchecked: "hq-\(nextRecord)"),
          fields: Self.newOrder(office, nextRecord))
      ]
    default: break
    }
    if channels.isEmpty || chance(25) {
      nextRecord += 1
      var fields: [String: JSONValue] = [:]
      for name in Self.channelFields { fields[name] = channelValue(name) }
      return [
        .put(collection: "channels", id: RecordID(unchecked: "ch-\(nextRecord)"), fields: fields)
      ]
    }
    let (id, state) = pick(channels)
    if !state.isDeleted && chance(15) { return [.delete(collection: "channels", id: id)] }
    var fields = someFields(Self.channelFields, channelValue)
    if state.isDeleted {
      // Re-creating a deleted record needs every required field (see `whole`).
      for name in Self.channelFields where fields[name] == nil { fields[name] = channelValue(name) }
    }
    return [.put(collection: "channels", id: id, fields: fields)]
  }

  func hqEdit() throws {
    _ = try perform(hq, .commit(try hqChanges()))
    tally("head office edit")
  }

  /// Makes a bundle (submission or reply) and returns it as a parcel; it travels only if the
  /// caller puts it in the carrier's hands.
  func bundle(from sender: Replica, to receiver: Replica) throws -> Parcel {
    let outcome = try perform(sender, .bundle(for: receiver.id))
    return archive.last { $0.hash == outcome.made!.hash }!
  }

  func deliver() throws {
    guard !inFlight.isEmpty else { return }
    try deliverNow(inFlight.remove(at: next(inFlight.count)))
    tally("deliver")
  }

  func deliverNow(_ parcel: Parcel) throws {
    _ = try perform(replica(parcel.to), .apply(parcel))
  }

  /// Delivers again a bundle delivered or lost long ago (docs/reliability.md §3 replay).
  func replay() throws {
    guard !archive.isEmpty else { return }
    let parcel = pick(archive)
    log("carrier replays #\(parcel.number)")
    try deliverNow(parcel)
    tally("replay")
  }

  /// Damages a bundle in transit, or hands it to the wrong office: it must be refused and the
  /// repository left byte-identical (docs/reliability.md §4 rows 2–4, 37).
  func corrupt() throws {
    guard !archive.isEmpty else { return }
    let parcel = pick(archive)
    var bytes = parcel.bytes
    var target = replica(parcel.to)
    let how: String
    switch next(5) {
    case 0:
      let index = next(bytes.count)
      bytes[index] ^= UInt8(1 << next(8))
      how = "flips a bit of byte \(index) of"
    case 1:
      bytes = Array(bytes.prefix(next(bytes.count)))
      how = "truncates to \(bytes.count) bytes"
    case 2:
      bytes += (0..<(1 + next(20))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      how = "appends bytes to"
    case 3:
      let other = pick(archive)
      let (header, payload) = Self.split(parcel.bytes)
      let otherPayload = Self.split(other.bytes).payload
      if payload != otherPayload {
        bytes = header + otherPayload
        how = "splices the payload of #\(other.number) into"
      } else {
        bytes[bytes.count - 1] ^= 0x20
        how = "flips the last byte of"
      }
    default:
      let wrong = replicas.filter { $0.id != parcel.to }
      target = pick(wrong)
      how = "hands to \(target.id)"
      tally("misdelivered")
    }
    tally("corrupt")
    log("carrier \(how) #\(parcel.number) \(parcel.name)")
    let before = target.fileSystem.snapshot()
    do {
      _ = try target.repository.applyBundle(bytes, name: "damaged.bundle")
      throw InvariantFailure(
        description:
          "docs/reliability.md §4: a damaged or misdelivered bundle was applied at \(target.id)")
    } catch is StoreError {}
    try require(
      target.fileSystem.snapshot() == before,
      "docs/reliability.md §4: refusing a damaged bundle changed \(target.id)'s repository")
  }

  /// The manifest and MAC lines, and the payload.
  static func split(_ bytes: [UInt8]) -> (header: [UInt8], payload: [UInt8]) {
    guard let first = bytes.firstIndex(of: 10),
      let second = bytes[(first + 1)...].firstIndex(of: 10)
    else { return (bytes, []) }
    return (Array(bytes[...second]), Array(bytes[(second + 1)...]))
  }

  /// A choice that settles every conflict of `state`: take a replica that wrote a candidate in
  /// every conflicted register, or set values.
  func choice(for key: RecordKey, _ state: RecordState) -> ResolutionChoice {
    var registers: [[Versioned]] = state.conflictedFields.map { state.fields[$0]! }
    if state.hasDeleteConflict { registers.append(state.deleted) }
    let writers = Set(registers.flatMap { $0.map(\.dot.replica) }).sorted()
    let complete = writers.filter { writer in
      registers.allSatisfy { $0.contains { $0.dot.replica == writer } }
    }
    if !complete.isEmpty && chance(70) { return .take(pick(complete)) }
    var values: [String: JSONValue] = [:]
    for field in state.conflictedFields {
      values[field] = key.collection == "orders" ? orderValue(field) : channelValue(field)
    }
    if values.isEmpty {
      let field = key.collection == "orders" ? "amount" : "name_en"
      values[field] = key.collection == "orders" ? orderValue(field) : channelValue(field)
    }
    return .set(values)
  }

  func resolveOne() throws {
    let open = try hq.repository.conflicts()
    guard !open.isEmpty else { return }
    let (collection, id, state) = pick(open)
    let key = RecordKey(collection: collection, id: id)
    _ = try perform(hq, .resolve(key, choice(for: key, state)))
    tally("resolve")
  }

  // MARK: Performing operations

  /// Runs an operation on the replica's open repository and adds its effects to the history.
  func perform(_ replica: Replica, _ operation: Operation) throws -> Outcome {
    log("\(replica.id): \(operation)")
    let outcome = try execute(operation, replica, replica.repository, replica.fileSystem)
    try record(outcome, at: replica, acknowledged: true)
    return outcome
  }

  /// Runs an operation on `repository` (the replica's, or a copy) and derives the history
  /// events from the states before and after; changes nothing in the simulation.
  func execute(
    _ operation: Operation, _ replica: Replica, _ repository: RepositoryWriter,
    _ fileSystem: MemoryFileSystem, crashing: FaultInjectingFileSystem? = nil
  ) throws -> Outcome {
    var outcome = Outcome()
    switch operation {
    case .commit(let changes):
      var before: [RecordKey: RecordState] = [:]
      for change in changes {
        let key = Self.key(change)
        before[key] = try repository.state(key.collection, key.id)
      }
      let start = repository.clock[replica.id]
      let summary = try repository.commit(changes, command: "simulated edit")
      var counter = start
      for change in changes {
        let key = Self.key(change)
        let old = before[key]
        let new = try repository.state(key.collection, key.id)
        let base = old ?? RecordState()
        var event = Event(
          key: key, dot: Dot(replica.id, counter + 1), fields: [:], isDelete: false,
          clearsAll: base.isDeleted, past: base.context, acknowledged: true)
        switch change {
        case .put(_, _, let fields):
          event.fields = base.changes(fields)
          if event.fields.isEmpty {
            try require(
              new == old, "SPEC.md §2.5: writing unchanged values changed \(key) at \(replica.id)")
            continue
          }
        case .delete:
          if base.isDeleted {
            try require(new == old, "deleting the deleted \(key) changed it at \(replica.id)")
            continue
          }
          event.isDelete = true
        }
        counter += 1
        try require(
          new?.deleted == [Versioned(event.dot, .bool(event.isDelete))],
          "\(key) at \(replica.id): the write should be dot \(event.dot), state is \(String(describing: new))"
        )
        for (field, value) in event.fields {
          try require(
            new?.fields[field] == [Versioned(event.dot, value)],
            "\(key) at \(replica.id): field \(field) does not hold the value just written")
        }
        outcome.events.append(event)
        outcome.touched.append(key)
      }
      try require(
        repository.clock[replica.id] == counter
          && (summary.transaction == nil) == (counter == start),
        "a commit at \(replica.id) used unexpected dots (clock \(repository.clock), expected \(counter))"
      )
    case .bundle(let peer):
      let made = try repository.makeBundle(for: peer)
      try require(
        made.manifest.seq == (replica.sentSeq[peer] ?? 0) + 1,
        "bundle \(replica.id)→\(peer) has seq \(made.manifest.seq), expected \((replica.sentSeq[peer] ?? 0) + 1)"
      )
      outcome.made = made
    case .apply(let parcel):
      let known = replica.applied.contains(parcel.hash)
      let before = known ? fileSystem.snapshot() : [:]
      let report: ApplyReport
      do {
        report = try repository.applyBundle(parcel.bytes, name: parcel.name)
      } catch {
        if crashing?.didCrash == true { throw error }
        throw InvariantFailure(
          description: "an intact bundle #\(parcel.number) \(parcel.name) was refused at "
            + "\(replica.id): \(error)")
      }
      try require(
        report.alreadyApplied == known,
        "invariant 4: bundle #\(parcel.number) \(known ? "was" : "was not") applied before at "
          + "\(replica.id) but the report says alreadyApplied=\(report.alreadyApplied)")
      if known {
        try require(
          fileSystem.snapshot() == before,
          "invariant 4: re-importing bundle #\(parcel.number) changed \(replica.id)'s repository")
      }
      outcome.report = report
      outcome.touched = report.outcomes.map { RecordKey(collection: $0.collection, id: $0.id) }
    case .resolve(let key, let choice):
      let old = try repository.state(key.collection, key.id)!
      let start = repository.clock[replica.id]
      let (resolutionID, chosen) = try repository.resolve(
        collection: key.collection, id: key.id, choice: choice, note: "simulated review")
      let new = try repository.state(key.collection, key.id)
      let dot = Dot(replica.id, start + 1)
      var fields = chosen
      let isDelete = fields.removeValue(forKey: "deleted") == .bool(true)
      try require(
        new?.deleted == [Versioned(dot, .bool(isDelete))],
        "resolving \(key) should write dot \(dot): \(String(describing: new))")
      for (field, value) in fields {
        try require(
          new?.fields[field] == [Versioned(dot, value)],
          "resolving \(key): field \(field) does not hold the chosen value")
      }
      outcome.events.append(
        Event(
          key: key, dot: dot, fields: isDelete ? [:] : fields, isDelete: isDelete,
          clearsAll: old.isDeleted, past: old.context, acknowledged: true))
      let auditKey = RecordKey(collection: "resolutions", id: resolutionID)
      let audit = try repository.state(auditKey.collection, auditKey.id)
      let values = audit?.values ?? [:]
      try require(
        values["collection"] == .string(key.collection)
          && values["record_id"] == .string(key.id.rawValue)
          && values["decided_by"] == .string(replica.id.rawValue)
          && values["choice"] == .string(choice.summary)
          && audit?.deleted == [Versioned(Dot(replica.id, start + 2), .bool(false))],
        "the audit record \(auditKey) of resolving \(key) is wrong: \(String(describing: audit))")
      outcome.events.append(
        Event(
          key: auditKey, dot: Dot(replica.id, start + 2), fields: values, isDelete: false,
          clearsAll: false, past: VersionVector(), acknowledged: true))
      outcome.touched = [key, auditKey]
    }
    return outcome
  }

  static func key(_ change: RecordChange) -> RecordKey {
    switch change {
    case .put(let collection, let id, _), .delete(let collection, let id):
      return RecordKey(collection: collection, id: id)
    }
  }

  /// Adds an operation's effects to the history and checks the records it touched.
  func record(_ outcome: Outcome, at replica: Replica, acknowledged: Bool, travels: Bool = true)
    throws
  {
    for var event in outcome.events {
      event.acknowledged = acknowledged
      eventsByKey[event.key, default: []].append(events.count)
      events.append(event)
    }
    if let made = outcome.made {
      replica.sentSeq[made.manifest.to] = made.manifest.seq
      if travels {
        archive.append(
          Parcel(
            number: archive.count + 1, from: made.manifest.from, to: made.manifest.to,
            seq: made.manifest.seq, hash: made.hash, bytes: made.bytes))
        log("  made #\(archive.count) \(archive.last!.name) (\(made.manifest.records) records)")
      }
    }
    var outcomes: [RecordKey: MergeOutcome] = [:]
    if let report = outcome.report {
      replica.applied.insert(report.hash)
      for entry in report.outcomes {
        outcomes[RecordKey(collection: entry.collection, id: entry.id)] = entry.outcome
      }
      if report.alreadyApplied {
        tally("already applied")
      } else {
        let counts = report.counts.map { "\($0.value) \($0.key)" }.sorted()
        log("  applied: \(counts.joined(separator: ", "))")
      }
      if report.missing != nil { tally("gap") }
      if report.fillsGap { tally("late bundle") }
      if report.outcomes.contains(where: { $0.outcome == .conflict }) { tally("conflict") }
    }
    for event in outcome.events {
      log("  \(event.dot) \(event.isDelete ? "deletes" : "writes") \(event.key)")
    }
    for key in Set(outcome.touched).sorted() {
      let state = try replica.repository.state(key.collection, key.id)
      let conflicts = try check(key, state, at: replica)
      if let merge = outcomes[key] {
        let grew = !conflicts.isSubset(of: replica.conflicts[key] ?? [])
        try require(
          (merge == .conflict) == grew,
          "invariant 6: merging \(key) at \(replica.id) reported \(merge), but its conflicted "
            + "registers went from \((replica.conflicts[key] ?? []).sorted()) to \(conflicts.sorted())"
        )
      }
      replica.conflicts[key] = conflicts.isEmpty ? nil : conflicts
    }
  }

  // MARK: The history oracle (invariants 2, 3, 6, 9)

  /// The values the history predicts for a register, given the record context a replica holds:
  /// every write it has seen that no write it has seen overwrote (SPEC.md §5.2).
  func predicted(_ key: RecordKey, field: String?, context: VersionVector) -> Set<Versioned> {
    let seen = (eventsByKey[key] ?? []).map { events[$0] }.filter { context.contains($0.dot) }
    guard let field else {
      return Set(
        seen.filter { event in !seen.contains { $0.past.contains(event.dot) } }
          .map { Versioned($0.dot, .bool($0.isDelete)) })
    }
    let overwriters = seen.filter { !$0.isDelete && ($0.fields[field] != nil || $0.clearsAll) }
    return Set(
      seen.filter { $0.fields[field] != nil }
        .filter { write in !overwriters.contains { $0.past.contains(write.dot) } }
        .map { Versioned($0.dot, $0.fields[field]!) })
  }

  /// Checks one record at one replica against the history; returns its conflicted registers
  /// (field names, and `deleted` for an edit/delete conflict).
  func check(_ key: RecordKey, _ state: RecordState?, at replica: Replica) throws -> Set<String> {
    let context = state?.context ?? VersionVector()
    if let old = replica.contexts[key] {
      try require(
        context.dominates(old),
        "invariant 9: the context of \(key) at \(replica.id) went back from \(old) to \(context)")
    }
    replica.contexts[key] = context
    var conflicts: Set<String> = []
    let deleted = predicted(key, field: nil, context: context)
    try compare(Set(state?.deleted ?? []), deleted, key, "deleted", replica)
    let isDeleted = !deleted.isEmpty && deleted.allSatisfy { $0.value == .bool(true) }
    if Set(deleted.map(\.value)).count > 1 { conflicts.insert("deleted") }
    var names = Set<String>()
    if let state { names.formUnion(state.fields.keys) }
    for index in eventsByKey[key] ?? [] { names.formUnion(events[index].fields.keys) }
    for name in names {
      let expected = predicted(key, field: name, context: context)
      try compare(Set(state?.fields[name] ?? []), expected, key, name, replica)
      if !isDeleted && Set(expected.map(\.value)).count > 1 { conflicts.insert(name) }
    }
    return conflicts
  }

  func compare(
    _ actual: Set<Versioned>, _ expected: Set<Versioned>, _ key: RecordKey, _ register: String,
    _ replica: Replica
  ) throws {
    guard actual != expected else { return }
    let written = Set((eventsByKey[key] ?? []).map { events[$0].dot })
    let phantom = actual.subtracting(expected).filter { !written.contains($0.dot) }
    try require(
      phantom.isEmpty,
      "invariant 3 phantom write: \(key).\(register) at \(replica.id) holds \(Self.show(phantom)), "
        + "which nobody wrote")
    let lost = expected.subtracting(actual)
    try require(
      lost.isEmpty,
      "invariant 2 lost write: \(key).\(register) at \(replica.id) lacks \(Self.show(lost)) "
        + "(holds \(Self.show(actual)))")
    throw InvariantFailure(
      description: "invariants 2/6: \(key).\(register) at \(replica.id) still holds "
        + "\(Self.show(actual.subtracting(expected))), overwritten by a write it has seen "
        + "(expected \(Self.show(expected)))")
  }

  static func show(_ values: Set<Versioned>) -> String {
    "{"
      + values.sorted { $0.dot < $1.dot }
      .map { "\($0.dot)=\(JSONWriter.canonicalString($0.value))" }.joined(separator: ", ") + "}"
  }

  /// Checks every record of a replica, its conflict list and its clock.
  func checkReplica(_ replica: Replica) throws {
    var keys: [RecordKey: RecordState?] = [:]
    for key in replica.contexts.keys { keys[key] = .some(nil) }
    for schema in replica.repository.collections {
      for (id, state) in try replica.repository.states(schema.name) {
        keys[RecordKey(collection: schema.name, id: id)] = state
      }
    }
    var conflicted: Set<RecordKey> = []
    replica.conflicts = [:]
    for (key, state) in keys {
      let conflicts = try check(key, state, at: replica)
      if !conflicts.isEmpty {
        conflicted.insert(key)
        replica.conflicts[key] = conflicts
      }
    }
    let listed = Set(
      try replica.repository.conflicts().map { RecordKey(collection: $0.collection, id: $0.id) })
    try require(
      listed == conflicted,
      "invariant 6: \(replica.id) lists conflicts \(listed.sorted()), the history predicts "
        + "\(conflicted.sorted())")
    let clock = replica.repository.clock
    try require(
      clock.dominates(replica.clock),
      "invariant 9: the clock of \(replica.id) went back from \(replica.clock) to \(clock)")
    replica.clock = clock
  }

  // MARK: Crash and reopen (invariant 8)

  /// Picks an operation for `replica` that is valid right now.
  func crashableOperation(_ replica: Replica) throws -> Operation {
    if replica.isHead {
      switch next(4) {
      case 0:
        if let conflict = try hq.repository.conflicts().first {
          let key = RecordKey(collection: conflict.collection, id: conflict.id)
          return .resolve(key, choice(for: key, conflict.state))
        }
      case 1: return .bundle(for: pick(branches).id)
      case 2:
        if let index = inFlight.indices.filter({ inFlight[$0].to == replica.id }).first {
          return .apply(inFlight.remove(at: index))
        }
      default: break
      }
      return .commit(try hqChanges())
    }
    switch next(3) {
    case 0: return .bundle(for: hq.id)
    case 1:
      if let index = inFlight.indices.filter({ inFlight[$0].to == replica.id }).first {
        return .apply(inFlight.remove(at: index))
      }
    default: break
    }
    return .commit(try branchChanges(replica))
  }

  /// Runs one operation with a crash injected at a random mutating file-system operation (or
  /// after it was acknowledged), loses unsynced data as a process kill or a power loss would,
  /// reopens, and checks that the state is exactly before or after the operation.
  func crashAndReopen() throws {
    let replica = pick(replicas)
    let operation = try crashableOperation(replica)
    let kind: MemoryFileSystem.Crash
    switch next(3) {
    case 0: kind = .process
    case 1: kind = .powerLoss
    default: kind = .powerLossTorn(seed: random.next())
    }
    let before = try Contents(replica.repository)
    replica.repository.close()
    // The operation on a copy: what "after" is, and how many operations it takes.
    let copy = replica.fileSystem.copy()
    let counting = FaultInjectingFileSystem(base: copy, faultAt: nil)
    let copyRepository = try openRepository(counting, known: replica.contexts.keys)
    let expected = try execute(operation, replica, copyRepository, copy)
    let after = try Contents(copyRepository)
    copyRepository.close()
    let total = counting.operationCount
    let k = 1 + next(total + 1)
    log("\(replica.id): crash (\(kind)) at operation \(k) of \(total) during \(operation)")
    // The real run.
    let faulty = FaultInjectingFileSystem(base: replica.fileSystem, faultAt: k, fault: .crash)
    var completed: Outcome?
    do {
      let victim = try openRepository(faulty, known: replica.contexts.keys)
      completed = try execute(
        operation, replica, victim, replica.fileSystem, crashing: faulty)
      victim.close()
    } catch let error as StoreError {
      try require(faulty.didCrash, "\(operation) failed without a crash: \(error)")
    }
    replica.fileSystem.crash(kind)
    let reopened: RepositoryWriter
    do {
      reopened = try openRepository(replica.fileSystem, known: replica.contexts.keys)
    } catch {
      throw InvariantFailure(
        description: "invariant 8: \(replica.id) does not open after the crash: \(error)")
    }
    replica.repository = reopened
    let report = reopened.verify()
    try require(
      report.isClean, "invariant 8: verify after the crash at \(replica.id): \(report.problems)")
    let recovered = try Contents(reopened)
    if completed != nil {
      try require(
        recovered == after,
        "invariant 8: \(replica.id) lost the acknowledged \(operation) in a crash (\(kind)):\n    "
          + recovered.difference(from: after))
    } else {
      try require(
        recovered == before || recovered == after,
        "invariant 8: after a crash (\(kind)) \(replica.id) is neither before nor after \(operation):"
          + "\n    vs before: \(recovered.difference(from: before))"
          + "\n    vs after: \(recovered.difference(from: after))")
    }
    switch kind {
    case .process: tally("crash: process kill")
    case .powerLoss: tally("crash: power loss")
    case .powerLossTorn: tally("crash: power loss (torn)")
    }
    if after == before {
      log("  the operation changed nothing")
    } else if recovered == after {
      log("  recovered: after")
      tally(completed != nil ? "crash: acknowledged" : "crash: after")
      try record(
        completed ?? expected, at: replica, acknowledged: completed != nil,
        travels: completed != nil)
      // A bundle whose bytes were handed out travels; one lost in the crash never existed.
      if completed?.made != nil { inFlight.append(archive.last!) }
    } else {
      log("  recovered: before")
      tally("crash: before")
      if case .apply(let parcel) = operation { inFlight.append(parcel) }
    }
    try checkReplica(replica)
  }

  // MARK: Quiescence and the final checks

  /// Quiescence: delivers everything still in transit, then runs one full round.
  ///
  /// Every branch submits, head office merges and resolves every conflict, replies to every
  /// branch, and every branch receives. Nobody writes meanwhile, so one round in each direction
  /// must be enough.
  func quiesce() throws {
    stepNumber += 1
    log("quiescence")
    shuffle(&inFlight)
    while !inFlight.isEmpty { try deliverNow(inFlight.removeFirst()) }
    do {
      var order = Array(branches)
      shuffle(&order)
      for branch in order { try deliverNow(try bundle(from: branch, to: hq)) }
      var guardCount = 0
      while let conflict = try hq.repository.conflicts().first {
        guardCount += 1
        try require(guardCount < 500, "resolving conflicts does not terminate")
        let key = RecordKey(collection: conflict.collection, id: conflict.id)
        _ = try perform(hq, .resolve(key, choice(for: key, conflict.state)))
        tally("resolve")
      }
      shuffle(&order)
      for branch in order { try deliverNow(try bundle(from: hq, to: branch)) }
    }
  }

  /// Checks invariants 1–4, 6, 8 and 9 after quiescence.
  ///
  /// Re-import and power loss are tried at one random replica, or with `thorough` at every
  /// replica, which also runs `verify` (it replays the whole journal: slow in debug builds).
  func checkFinal(thorough: Bool) throws {
    // invariant 1: byte-identical canonical records, and equal clocks, everywhere.
    var contents: [ReplicaID: Contents] = [:]
    for replica in replicas { contents[replica.id] = try Contents(replica.repository) }
    let reference = contents[hq.id]!
    let canonical = reference.canonicalRecords
    for branch in branches {
      let mine = contents[branch.id]!
      try require(
        mine.canonicalRecords == canonical && mine.clock == reference.clock,
        "invariant 1: \(branch.id) did not converge with hq after quiescence:\n    "
          + mine.difference(from: reference))
    }
    // invariants 2, 3, 6, 9 on every record of every replica; no open conflict remains.
    for replica in replicas {
      try checkReplica(replica)
      try require(replica.conflicts.isEmpty, "\(replica.id) has open conflicts after review")
    }
    // invariant 2 stated directly: every write reached head office and is still there, or a write
    // that saw it replaced it.
    for event in events {
      let state = try hq.repository.state(event.key.collection, event.key.id)
      let what = event.acknowledged ? "acknowledged write" : "write (it survived a crash)"
      try require(
        state?.context.contains(event.dot) == true,
        "invariant 2: \(what) \(event.dot) to \(event.key) never reached hq")
      let later = (eventsByKey[event.key] ?? []).map { events[$0] }.filter {
        $0.past.contains(event.dot)
      }
      let registerKept =
        event.isDelete
        ? state!.deleted.contains(Versioned(event.dot, .bool(true)))
        : state!.deleted.contains(Versioned(event.dot, .bool(false)))
      try require(
        registerKept || !later.isEmpty,
        "invariant 2: \(what) \(event.dot) to \(event.key) vanished without a later write")
      for (field, value) in event.fields {
        let kept = state!.fields[field]?.contains(Versioned(event.dot, value)) == true
        let replaced = later.contains { !$0.isDelete && ($0.fields[field] != nil || $0.clearsAll) }
        try require(
          kept || replaced,
          "invariant 2: \(event.key).\(field)=\(value), \(what) \(event.dot), was lost at hq")
      }
    }
    // invariant 4: re-importing a bundle that was applied changes nothing.
    let sample = thorough ? Array(replicas) : [pick(replicas)]
    for replica in sample {
      guard
        let parcel = archive.last(where: {
          $0.to == replica.id && replica.applied.contains($0.hash)
        })
      else { continue }
      let before = replica.fileSystem.snapshot()
      let report = try replica.repository.applyBundle(parcel.bytes, name: parcel.name)
      try require(
        report.alreadyApplied && report.transaction == nil,
        "invariant 4: re-importing #\(parcel.number) at \(replica.id) was not a no-op")
      try require(
        replica.fileSystem.snapshot() == before,
        "invariant 4: re-importing #\(parcel.number) changed bytes at \(replica.id)")
    }
    // invariant 8 and SPEC.md §4.3: everything acknowledged is durable: a power loss now changes
    // nothing.
    for replica in sample {
      replica.repository.close()
      replica.fileSystem.crash(.powerLoss)
      do {
        replica.repository = try openRepository(replica.fileSystem, known: replica.contexts.keys)
      } catch {
        throw InvariantFailure(
          description: "invariant 8: \(replica.id) does not open after a power loss: \(error)")
      }
      let reread = try Contents(replica.repository)
      try require(
        reread == contents[replica.id]!,
        "invariant 8: a power loss after quiescence changed \(replica.id):\n    "
          + reread.difference(from: contents[replica.id]!))
      if thorough {
        let report = replica.repository.verify()
        try require(report.isClean, "verify at \(replica.id): \(report.problems)")
      }
    }
  }

  // MARK: Order independence (invariant 5)

  /// Makes `count` submissions that head office has not applied: edits at branches and at head
  /// office between them, sometimes two from one branch, sometimes a duplicate.
  func pendingSubmissions(count: Int) throws -> [Parcel] {
    stepNumber += 1
    log("pending submissions: \(count)")
    var pending: [Parcel] = []
    while pending.count < count {
      if !pending.isEmpty && chance(10) {
        pending.append(pick(pending))
        continue
      }
      let branch = pick(branches)
      for _ in 0..<(1 + next(3)) { try branchEdit(branch) }
      if chance(50) { try hqEdit() }
      pending.append(try bundle(from: branch, to: hq))
    }
    return pending
  }

  /// Applies `pending` in every order, each on its own copy of head office, and compares.
  ///
  /// Orders share their prefixes: the copy after applying a prefix is copied again for each
  /// next bundle, so k! orders cost the k!·e nodes of the prefix tree, not k·k! applications.
  func checkAllOrders(_ pending: [Parcel]) throws {
    hq.repository.close()
    var reference: (order: [Int], contents: Contents, conflicts: [String])?
    var orders = 0
    func explore(_ fileSystem: MemoryFileSystem, _ prefix: [Int], _ applied: Set<String>) throws {
      for index in pending.indices where !prefix.contains(index) {
        let order = prefix + [index]
        let parcel = pending[index]
        let copy = fileSystem.copy()
        let repository = try RepositoryWriter.open(at: root, fileSystem: copy, now: now)
        let report: ApplyReport
        do {
          report = try repository.applyBundle(parcel.bytes, name: parcel.name)
        } catch {
          throw InvariantFailure(
            description: "invariant 5: in order \(order) #\(parcel.number) was refused: \(error)")
        }
        try require(
          report.alreadyApplied == applied.contains(parcel.hash),
          "invariant 4: in order \(order) #\(parcel.number) reports "
            + "alreadyApplied=\(report.alreadyApplied)")
        if order.count < pending.count {
          repository.close()
          try explore(copy, order, applied.union([parcel.hash]))
          continue
        }
        orders += 1
        let contents = try Contents(repository)
        let conflicts = try repository.conflicts().map {
          "\($0.collection)/\($0.id) \($0.state.conflictedFields) \($0.state.hasDeleteConflict)"
        }
        if let reference {
          try require(
            contents == reference.contents && conflicts == reference.conflicts,
            "invariant 5: order \(order) differs from order \(reference.order):\n    "
              + contents.difference(from: reference.contents)
              + "\n    conflicts \(conflicts) vs \(reference.conflicts)")
        } else {
          reference = (order, contents, conflicts)
          // The first order must also end where the history predicts (invariants 2, 3, 6).
          let checker = Replica(id: hq.id, isHead: true, fileSystem: copy, repository: repository)
          checker.contexts = hq.contexts
          try checkReplica(checker)
        }
        repository.close()
      }
    }
    try explore(hq.fileSystem, [], hq.applied)
    hq.repository = try openRepository(hq.fileSystem, known: hq.contexts.keys)
    log("all \(orders) orders agree")
    tally("orders")
  }

  static func permutations(_ items: [Int]) -> [[Int]] {
    guard items.count > 1 else { return [items] }
    var result: [[Int]] = []
    for (index, item) in items.enumerated() {
      var rest = items
      rest.remove(at: index)
      for tail in permutations(rest) { result.append([item] + tail) }
    }
    return result
  }
}
