import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Testing

/// Randomized multi-replica convergence (docs/reliability.md §5 family 6, checking every invariant
/// of docs/reliability.md §2).
///
/// Each schedule builds head office and 2–5 branches, each a real ``RepositoryWriter`` on its own
/// ``MemoryFileSystem``, and runs seeded random steps through the real API: local edits
/// (`commit`: creates, same-field and different-field updates, deletes, re-creations), head
/// office edits of branch records and of head-office collections, switches of head office's
/// rows policy (`record_visibility`, SPEC.md §2.8), `makeBundle` (submit and
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
///    and equal clocks; when head office's rows policy is `own_office` (the default) a branch
///    holds exactly head office's records less the other offices' rows (whose row a record is
///    comes from the write history), with a clock head office's covers, and a branch sets aside
///    only other offices' rows;
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
    "crash: power loss (torn)", "widen", "narrow", "set aside", "quiet: all_offices",
    "quiet: own_office",
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
    // Replies carry other offices' rows only under all_offices (SPEC.md §2.8): the template's.
    #expect(try simulation.sharesRows())
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
