import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Testing

/// An independent model check of SPEC.md §5 and §8 (docs/reliability.md §5 family 7).
///
/// Each schedule creates head office `hq` and two or three branches with the real CLI
/// (`init`, `office add`, `init --key`) and runs seeded random steps through it: puts and
/// deletes of a branch's own `orders` records (re-creating deleted ids too), head office edits
/// and deletes of any record, `submit`, `reply`, bundles delivered late, duplicated, reordered or
/// lost (`merge`, `receive`), `resolve --take|--set` and `gc`. ``MReplica`` (ReferenceModel.swift)
/// predicts every step. After each step the checker compares, on every replica the step
/// touched: every record state (context, every register's dots and values, `deleted`), the
/// clock, which records `export` shows and their provisional values (§5.4), what a bundle
/// carried (manifest and payload, §8.2), and the step's outcome (exit status; merge and receive
/// counts, `not_applied`, `removed`, collected; gc's list and horizon). A replay must leave the
/// repository byte-identical (docs/reliability.md §2 invariant 4). At the end every bundle is
/// delivered in both directions, every conflict resolved, and every replica must hold the same
/// records and clock as head office (invariant 1), with no lost acknowledged write (2) and no
/// phantom value (3).
///
/// Submissions in the random steps go through `outpost submit`; those of the final rounds are
/// made by `RepositoryWriter.makeBundle` (what `submit` calls, without the KPI report it adds to
/// `extra`, which costs most of the time of a debug build); `OUTPOST_MODEL_CLI_SUBMIT=1` sends
/// every one through the CLI.
///
/// Every discrepancy is a test failure naming the seed, the step and the CLI steps so far, with
/// a category: `known-1`…`known-4` when the model's decision depended on a rule the lead is
/// fixing (see ``MReplica/tags``), otherwise `NEW`. `OUTPOST_MODEL_SEED=<seed>` replays one
/// schedule; `OUTPOST_MODEL_SCHEDULES=<n>` sets schedules per batch; `OUTPOST_MODEL_AVOID=1,2,3,4`
/// steers schedules around the known defects to explore past them.
struct ModelCheckTests {
  static let batches = 4
  /// The first schedule's seed, or `OUTPOST_MODEL_BASE` (to explore other schedules).
  static var baseSeed: UInt64 {
    environment("OUTPOST_MODEL_BASE").flatMap { UInt64($0) } ?? 0x0508_5EC0_2025_0000
  }

  static func list<V>(_ values: [String: V]) -> String {
    values.keys.sorted().map { "\($0) \(values[$0]!)" }.joined(separator: ", ")
  }

  static func environment(_ name: String) -> String? {
    ProcessInfo.processInfo.environment[name]
  }

  static var schedulesPerBatch: Int {
    environment("OUTPOST_MODEL_SCHEDULES").flatMap { Int($0) } ?? 30
  }

  /// `OUTPOST_MODEL_CLI_SUBMIT=1`: every submission through `outpost submit`.
  static var cliOnly: Bool { environment("OUTPOST_MODEL_CLI_SUBMIT") == "1" }

  static var avoid: Set<String> {
    Set(
      (environment("OUTPOST_MODEL_AVOID") ?? "").split(separator: ",").map { "known-\($0)" })
  }

  /// Regression cases the random schedules found, as short scripts (``ModelSchedule/run(script:offices:)``).
  static let scripts: [(name: String, lines: [String])] = [
    (
      "known-1 §8.10: a reply made before a delete, received after the branch collected the "
        + "tombstone, does not bring the record back",
      [
        "north put north-1", "north submit", "deliver 1", "hq reply north", "north delete north-1",
        "north submit", "deliver 3", "hq reply north", "deliver 4", "north submit", "deliver 5",
        "hq gc", "hq reply north", "deliver 6", "deliver 2", "converge",
      ]
    ),
    (
      "known-2 §2.5: writing an unchanged value is no change after concurrent edits of "
        + "different fields merged",
      [
        "north put north-1", "north submit", "deliver 1", "hq reply north", "deliver 2",
        "north put north-1 amount=20.00 status=confirmed", "hq put north-1 status=cancelled",
        "north submit", "deliver 3", "hq put north-1 status=cancelled", "converge",
      ]
    ),
    (
      "known-3 §8.7: writing the provisional value of a conflicted field is no change",
      [
        "north put north-1", "north submit", "deliver 1", "hq reply north", "deliver 2",
        "north put north-1 amount=20.00 quantity=1", "hq put north-1 amount=30.00 quantity=1",
        "north submit", "deliver 3", "hq put north-1 amount=@",
        "hq put north-1 amount=@ quantity=2",
        "converge",
      ]
    ),
    (
      "known-3 §8.7: writing the provisional value of a record in an edit/delete conflict is no "
        + "change",
      [
        "north put north-1", "north submit", "deliver 1", "hq put north-1 amount=20.00",
        "north delete north-1", "hq reply north", "deliver 2", "north put north-1 amount=@",
        "converge",
      ]
    ),
    (
      "NEW §8.10: extra.dropped must not remove the record a branch re-created and head office "
        + "applied",
      [
        "north put north-1", "north submit", "deliver 1", "north put north-1 amount=20.00",
        "north submit", "north delete north-1", "north submit", "deliver 3", "hq reply north",
        "deliver 4", "north submit", "deliver 5", "hq gc", "hq reply north", "deliver 6",
        "deliver 2", "north put north-1", "north submit", "deliver 7", "hq reply north",
        "deliver 8", "converge",
      ]
    ),
    (
      "NEW §8.10: a late reply must not bring values of a collected incarnation back into the "
        + "record the branch re-created (head office then refuses every later submission)",
      [
        "north put north-1", "north submit", "deliver 1", "hq put north-1 status=cancelled",
        "hq reply north", "deliver 2", "hq reply north", "north put north-1 amount=20.00",
        "north delete north-1", "north submit", "deliver 4", "hq reply north", "deliver 5",
        "north submit", "deliver 6", "hq gc", "hq reply north", "deliver 7", "north put north-1",
        "north submit", "deliver 8", "deliver 3", "converge",
      ]
    ),
  ]

  @Test(
    "SPEC §5 and §8: scripted regression cases match the reference model",
    arguments: 0..<scripts.count)
  func scripted(index: Int) {
    let script = Self.scripts[index]
    let schedule = ModelSchedule(seed: UInt64(index + 1), avoid: [])
    do {
      try schedule.run(script: script.lines, offices: ["north"])
      if Self.environment("OUTPOST_MODEL_TRACE") != nil {
        print("\(script.name): passed\n" + schedule.log.joined(separator: "\n"))
      }
    } catch {
      let text = "\(error)".replacingOccurrences(
        of: " (replay: OUTPOST_MODEL_SEED=\(index + 1))", with: "")
      Issue.record("\(script.name): \(text)")
    }
  }

  @Test(
    "SPEC §5 and §8: random schedules over hq and 2-3 branches match the reference model",
    arguments: 0..<batches)
  func randomSchedules(batch: Int) {
    var seeds: [UInt64] = []
    if let only = Self.environment("OUTPOST_MODEL_SEED").flatMap({ UInt64($0) }) {
      if batch == 0 { seeds = [only] }
    } else {
      seeds = (0..<Self.schedulesPerBatch).map {
        Self.baseSeed &+ UInt64($0 * Self.batches + batch)
      }
    }
    let clock = ContinuousClock()
    let start = clock.now
    var failures: [String: [ScheduleFailure]] = [:]
    var steps = 0
    var coverage: [String: Int] = [:]
    var timing: [String: Duration] = [:]
    for seed in seeds {
      let schedule = ModelSchedule(seed: seed, avoid: Self.avoid)
      do {
        try schedule.run()
      } catch let failure as ScheduleFailure {
        failures[failure.category, default: []].append(failure)
      } catch {
        failures["NEW", default: []].append(
          ScheduleFailure(
            category: "NEW", seed: seed, message: "\(error)", steps: schedule.log))
      }
      steps += schedule.stepCount
      coverage.merge(schedule.coverage, uniquingKeysWith: +)
      timing.merge(schedule.timing, uniquingKeysWith: +)
    }
    let summary = failures.keys.sorted().map { "\($0): \(failures[$0]!.count)" }
    print(
      "model check batch \(batch): \(seeds.count) schedule(s), \(steps) step(s), base seed "
        + "\(Self.baseSeed), \(start.duration(to: clock.now)); failures: "
        + (summary.isEmpty ? "none" : summary.joined(separator: ", ")) + "; coverage: "
        + Self.list(coverage) + "; time: " + Self.list(timing))
    for category in failures.keys.sorted() {
      for (index, failure) in failures[category]!.enumerated() {
        if index < 2 {
          Issue.record("\(failure)")
        } else {
          let line =
            "[\(category)] seed \(failure.seed): \(failure.message.prefix(300)) "
            + "(OUTPOST_MODEL_SEED=\(failure.seed) replays it)"
          Issue.record("\(line)")
        }
      }
    }
  }
}

/// A discrepancy between the CLI and the model.
struct ScheduleFailure: Error, CustomStringConvertible {
  var category: String
  var seed: UInt64
  var message: String
  var steps: [String]

  var description: String {
    "[\(category)] seed \(seed) (replay: OUTPOST_MODEL_SEED=\(seed)): \(message)\nsteps:\n"
      + steps.map { "  " + $0 }.joined(separator: "\n")
  }
}

/// A bundle on its way.
private struct Flight {
  var file: String
  var bundle: MBundle
  /// The bundle's number in the schedule (scripts deliver by number).
  var number: Int
}

/// One random schedule: real repositories, the model, and the bundles in transit.
final class ModelSchedule {
  let seed: UInt64
  let avoid: Set<String>
  private var random: SplitMix64
  /// Durability is not what this checks: a memory file system where there is one.
  private let temp = TemporaryDirectory(under: "/dev/shm")
  private(set) var log: [String] = []
  private(set) var stepCount = 0
  /// How often each interesting case came up (printed per batch).
  private(set) var coverage: [String: Int] = [:]
  private var offices: [String] = []
  private var model: [String: MReplica] = [:]
  private var flights: [Flight] = []
  private var fileNumber = 0
  /// Every acknowledged write: dot → (record, field values; nil for a delete).
  private var writes: [MDot: (key: String, values: [String: String]?)] = [:]
  /// Records head office has collected at some point (§8.10).
  private var collectedKeys: Set<String> = []

  static let amounts = ["\"10.00\"", "\"20.00\"", "\"30.00\""]
  static let statuses = ["\"confirmed\"", "\"cancelled\""]
  static let quantities = ["1", "2", "3"]

  init(seed: UInt64, avoid: Set<String>) {
    self.seed = seed
    self.avoid = avoid
    random = SplitMix64(seed: seed)
  }

  private func next(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

  private func pick<T>(_ items: [T]) -> T { items[next(items.count)] }

  private var hq: MReplica { model["hq"]! }

  // MARK: Running

  func run() throws {
    offices = Array(["north", "east", "south"].prefix(2 + next(2)))
    try setUp()
    // A warm start: every office creates its records and one round spreads them.
    for office in offices {
      for number in 1...2 {
        let key = "orders/\(office)-\(number)"
        try put(model[office]!, key, creating: creation(office, key))
      }
    }
    try round(resolving: false)
    let length = 12 + next(24)
    for _ in 0..<length {
      stepCount += 1
      try randomStep()
    }
    try quiesce()
  }

  /// Runs a scripted schedule (a regression case) with `offices`, checked like a random one.
  ///
  /// Lines: `O put ID [F=V...]` (no values: create), `O delete ID`, `O submit`, `hq reply O`,
  /// `deliver N` (the Nth bundle made), `hq gc`, `hq resolve ID take R|set F=V...`,
  /// `converge` (rounds until every replica agrees, then the checks of docs/reliability.md §2).
  func run(script: [String], offices names: [String]) throws {
    offices = names
    try setUp()
    for line in script {
      stepCount += 1
      for replica in model.values { replica.tags = [] }
      let words = line.split(separator: " ").map(String.init)
      // `F=@`: the provisional value the writer sees (§5.4).
      let values = Dictionary(
        uniqueKeysWithValues: words.dropFirst(3).map { word in
          let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
          let provisional = model[words[0]]?.records["orders/\(words[2])"]?.provisional(parts[0])
          return (parts[0], parts[1] == "@" ? provisional! : Self.json(parts[0], parts[1]))
        })
      switch (words[0], words.count > 1 ? words[1] : "") {
      case ("deliver", _):
        let index = flights.firstIndex { $0.number == Int(words[1])! }!
        try deliver(flights.remove(at: index))
      case ("converge", _):
        flights.removeAll()
        try round(resolving: true)
        try round(resolving: true)
        try checkConvergence()
      case (_, "put"):
        let key = "orders/\(words[2])"
        let office = words[0] == "hq" ? "north" : words[0]
        var creating = creation(office, key)
        creating.merge(["amount": "\"10.00\"", "quantity": "1", "status": "\"confirmed\""]) { $1 }
        creating.merge(values) { $1 }
        try put(model[words[0]]!, key, creating: creating, values: values.isEmpty ? nil : values)
      case (_, "delete"): try delete(model[words[0]]!, "orders/\(words[2])")
      case (_, "submit"): try makeBundle(from: words[0], to: "hq")
      case ("hq", "reply"): try makeBundle(from: "hq", to: words[2])
      case ("hq", "gc"): try collect()
      case ("hq", "resolve"):
        let choice: MReplica.Choice =
          words[3] == "take"
          ? .take(words[4])
          : .set(
            Dictionary(
              uniqueKeysWithValues: words.dropFirst(4).map { word in
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                return (parts[0], Self.json(parts[0], parts[1]))
              }))
        try resolve("orders/\(words[2])", choice)
      default: throw failure("unknown script line '\(line)'")
      }
    }
  }

  /// A cell as canonical JSON text, for the fields schedules write.
  static func json(_ field: String, _ cell: String) -> String {
    field == "quantity" ? cell : "\"\(cell)\""
  }

  private func setUp() throws {
    try expect(cli(["init", "--office", "hq", "--head"], "hq"), 0, "init hq")
    model["hq"] = MReplica(id: "hq", isHead: true)
    for office in offices {
      try expect(
        cli(["office", "add", office, "--key-out", temp.file("\(office).key")], "hq"), 0,
        "office add")
      try expect(
        cli(["init", "--office", office, "--key", temp.file("\(office).key")], office), 0,
        "init --key")
      model[office] = MReplica(id: office, isHead: false)
      model[office]!.peers["hq"] = MPeer()
      hq.peers[office] = MPeer()
    }
  }

  private func randomStep() throws {
    for replica in model.values { replica.tags = [] }
    let roll = next(100)
    switch roll {
    case 0..<22: try branchPut(pick(offices))
    case 22..<27: try branchDelete(pick(offices))
    case 27..<41: try headPut()
    case 41..<44: try headDelete()
    case 44..<51: try makeBundle(from: pick(offices), to: "hq")
    case 51..<58: try makeBundle(from: "hq", to: pick(offices))
    case 58..<76: try transport()
    case 76..<86:
      // An exchange delivered at once (keeps knowledge moving, so gc has work).
      let office = pick(offices)
      if next(2) == 0 {
        try makeBundle(from: office, to: "hq")
      } else {
        try makeBundle(from: "hq", to: office)
      }
      try deliver(flights.removeLast())
    case 86..<93: try resolveOne()
    default: try collect()
    }
    for replica in model.values {
      for tag in replica.tags { coverage["tag " + tag, default: 0] += 1 }
    }
  }

  // MARK: Steps

  private func order(_ key: String) -> String { String(key.dropFirst("orders/".count)) }

  private func randomChanges(_ state: MState?) -> [String: String] {
    var values: [String: String] = [:]
    let fields = ["amount", "status", "quantity"]
    for _ in 0..<(1 + next(2)) {
      let field = pick(fields)
      let choices =
        field == "amount" ? Self.amounts : field == "status" ? Self.statuses : Self.quantities
      // Often the value already in force (§2.5, §8.7: no change).
      if let current = state?.provisional(field), next(3) == 0 {
        values[field] = current
      } else {
        values[field] = pick(choices)
      }
    }
    return values
  }

  private func creation(_ office: String, _ key: String) -> [String: String] {
    [
      "office_id": "\"\(office)\"", "customer_id": "\"c-\(order(key))\"", "channel_id": "\"sem\"",
      "order_date": "\"2025-03-02\"", "quantity": pick(Self.quantities),
      "amount": pick(Self.amounts), "status": pick(Self.statuses),
    ]
  }

  private static func cell(_ json: String) -> String {
    json.hasPrefix("\"") ? String(json.dropFirst().dropLast()) : json
  }

  private func branchPut(_ office: String) throws {
    let key = "orders/\(office)-\(1 + next(2))"
    let replica = model[office]!
    try put(replica, key, creating: creation(office, key))
  }

  private func headPut() throws {
    let keys = hq.records.keys.sorted().filter {
      $0.hasPrefix("orders/") && !hq.records[$0]!.isDeleted
    }
    guard !keys.isEmpty else { return }
    try put(hq, pick(keys), creating: [:])
  }

  private func put(
    _ replica: MReplica, _ key: String, creating: [String: String],
    values given: [String: String]? = nil
  ) throws {
    let stored = replica.records[key]
    let live = stored?.isLive ?? false
    let values =
      given ?? (live ? randomChanges(stored) : creating.filter { $0.key != "office_id" })
    let trial = replica.copy()
    _ = trial.put(key, values, creating: creating)
    if !trial.tags.isDisjoint(with: avoid) { return }
    let expected = replica.put(key, values, creating: creating)
    let arguments =
      ["put", "orders", order(key)] + values.keys.sorted().map { "\($0)=\(Self.cell(values[$0]!))" }
    let result = cli(arguments, replica.id)
    coverage["put \(expected)".prefix(13).description, default: 0] += 1
    try checkWrite(expected, result, replica, key, values: live ? values : creating)
  }

  private func branchDelete(_ office: String) throws {
    let key = "orders/\(office)-\(1 + next(2))"
    try delete(model[office]!, key)
  }

  private func headDelete() throws {
    let keys = hq.records.keys.sorted().filter { $0.hasPrefix("orders/") }
    guard !keys.isEmpty else { return }
    try delete(hq, pick(keys))
  }

  private func delete(_ replica: MReplica, _ key: String) throws {
    let expected = replica.delete(key)
    let result = cli(["delete", "orders", order(key)], replica.id)
    try checkWrite(expected, result, replica, key, values: nil)
  }

  private func checkWrite(
    _ expected: MWriteOutcome, _ result: RunResult, _ replica: MReplica, _ key: String,
    values: [String: String]?
  ) throws {
    let status: Int32
    switch expected {
    case .written(let dot):
      status = 0
      writes[dot] = (key, values)
    case .unchanged: status = 0
    case .refused(let code): status = code
    }
    try expect(result, status, "\(expected)")
    try compare(replica, export: status == 0)
  }

  /// Makes a bundle with `submit` or `reply`; with `direct`, a submission is made by the store
  /// (`RepositoryWriter.makeBundle`, what `submit` calls) without the KPI report `submit` adds to
  /// `extra` (SPEC.md §9.7), which costs most of a schedule's time in a debug build.
  private func makeBundle(from sender: String, to recipient: String, direct: Bool = false) throws {
    fileNumber += 1
    let kind = sender == "hq" ? "reply" : "submission"
    let file = temp.file("\(fileNumber)-\(sender)-\(recipient).\(kind)")
    let bundle = model[sender]!.makeBundle(to: recipient)
    if direct && sender != "hq" && !ModelCheckTests.cliOnly {
      log.append("outpost submit --out \(name(file)) --repo \(sender)  # made by the store")
      let repository = try RepositoryWriter.open(
        at: temp.file(sender), now: { "2025-03-01T09:00:00+08:00" })
      defer { repository.close() }
      let made = try repository.makeBundle(for: try ReplicaID(recipient))
      try require(
        FileManager.default.createFile(atPath: file, contents: Data(made.bytes)),
        "cannot write \(file)")
    } else {
      let arguments =
        sender == "hq" ? ["reply", recipient, "--out", file] : ["submit", "--out", file]
      try expect(cli(arguments, sender), 0, "\(kind)")
    }
    try checkBundle(file, bundle)
    flights.append(Flight(file: file, bundle: bundle, number: fileNumber))
  }

  private func transport() throws {
    guard !flights.isEmpty else { return }
    let index = next(flights.count)
    let flight = flights[index]
    let roll = next(100)
    if roll < 12 {
      log.append("# lost: \(name(flight.file))")
      flights.remove(at: index)
      return
    }
    if roll < 82 { flights.remove(at: index) } else { log.append("# (kept for a duplicate)") }
    try deliver(flight)
  }

  private func name(_ file: String) -> String { String(file.split(separator: "/").last!) }

  private func deliver(_ flight: Flight) throws {
    let bundle = flight.bundle
    let replica = model[bundle.to]!
    let trial = replica.copy()
    _ = trial.apply(bundle)
    if !trial.tags.isDisjoint(with: avoid) {
      log.append("# lost (avoiding \(trial.tags.sorted())): \(name(flight.file))")
      return
    }
    let before = treeDigest(temp.file(bundle.to))
    let expected = replica.apply(bundle)
    let arguments =
      bundle.to == "hq"
      ? ["merge", flight.file, "--no-kpi-check", "--format", "json"]
      : ["receive", flight.file, "--format", "json"]
    let result = cli(arguments, bundle.to)
    try expect(result, expected.exit, "\(bundle.kind) \(bundle.seq) from \(bundle.from)")
    if expected.status == "already-applied" {
      // docs/reliability.md §2 invariant 4: a replay changes no byte.
      try require(treeDigest(temp.file(bundle.to)) == before, "a replay changed the repository")
    }
    coverage[expected.status, default: 0] += 1
    for (outcome, count) in expected.counts { coverage[outcome, default: 0] += count }
    coverage["not applied", default: 0] += expected.notApplied.count
    coverage["removed", default: 0] += expected.removed.count
    coverage["collected at branch", default: 0] += expected.collectedCount
    if expected.status == "applied" {
      try checkReport(result.output, expected, head: bundle.to == "hq")
    }
    let changed =
      expected.counts.contains { $0.key != "unchanged" } || expected.collectedCount > 0
      || !expected.removed.isEmpty
    try compare(replica, export: changed)
  }

  private func checkReport(_ output: String, _ expected: MApplyResult, head: Bool) throws {
    let json = try JSONParser.parse(output)
    guard let entry = head ? json["bundles"]?.arrayValue?.first : json["bundle"] else {
      throw failure("no report in: \(output)")
    }
    try require(
      entry["status"]?.stringValue == "applied", "status \(String(describing: entry["status"]))")
    for outcome in ["new", "updated", "deleted", "merged", "conflict", "unchanged"] {
      let real = entry["counts"]?[outcome]?.int64Value ?? -1
      try require(
        real == Int64(expected.counts[outcome] ?? 0),
        "count '\(outcome)': \(real), expected \(expected.counts[outcome] ?? 0) (\(expected.counts))"
      )
    }
    let conflicts = entry["conflicts"]?.arrayValue?.compactMap(\.stringValue) ?? []
    try require(
      conflicts == expected.conflicts, "conflicts \(conflicts), expected \(expected.conflicts)")
    let notApplied = entry["not_applied"]?.arrayValue?.compactMap(\.stringValue) ?? []
    try require(
      notApplied == expected.notApplied,
      "not_applied \(notApplied), expected \(expected.notApplied)")
    if !head {
      let removed = entry["removed"]?.arrayValue?.compactMap(\.stringValue) ?? []
      try require(removed == expected.removed, "removed \(removed), expected \(expected.removed)")
      let collected = entry["collected"]?.int64Value ?? -1
      try require(
        collected == Int64(expected.collectedCount),
        "collected \(collected), expected \(expected.collectedCount)")
    }
  }

  private func resolveOne() throws {
    let keys = hq.records.keys.sorted().filter { hq.records[$0]!.isConflicted }
    guard !keys.isEmpty else { return }
    try resolve(pick(keys))
  }

  private func resolve(_ key: String, _ given: MReplica.Choice? = nil) throws {
    let state = hq.records[key]!
    let choice: MReplica.Choice
    if let given {
      choice = given
    } else if next(3) == 0 {
      var values: [String: String] = [:]
      for field in state.conflictedFields {
        values[field] = pick(Array(state.fields[field]!.values).sorted())
      }
      if values.isEmpty || next(2) == 0 { values["quantity"] = pick(Self.quantities) }
      choice = .set(values)
    } else {
      let replicas = Set(state.valueDots.map(\.replica)).union(["hq"]).sorted()
      choice = .take(pick(replicas))
    }
    let expected = hq.resolve(key, choice)
    var arguments = ["resolve", key]
    switch choice {
    case .take(let replica): arguments += ["--take", replica]
    case .set(let values):
      arguments += values.keys.sorted().flatMap { ["--set", "\($0)=\(Self.cell(values[$0]!))"] }
    }
    let result = cli(arguments, "hq")
    coverage["resolve \(expected == .refused(65) ? "refused" : "done")", default: 0] += 1
    if case .written(let dot) = expected {
      let resolved = hq.records[key]!
      var values: [String: String] = [:]
      for (field, register) in resolved.fields where register[dot] != nil {
        values[field] = register[dot]!
      }
      writes[dot] = (key, resolved.deleted[dot] == true ? nil : values)
      writes[MDot("hq", dot.counter + 1)] = ("resolutions/hq-\(dot.counter + 1)", [:])
    }
    try expect(result, status(expected), "resolve \(key)")
    try compare(hq)
  }

  private func status(_ outcome: MWriteOutcome) -> Int32 {
    if case .refused(let code) = outcome { return code }
    return 0
  }

  private func collect() throws {
    let (horizon, collected) = hq.collectGarbage()
    coverage["gc collected", default: 0] += collected.count
    collectedKeys.formUnion(collected)
    let result = cli(["gc", "--format", "json"], "hq")
    try expect(result, 0, "gc")
    let json = try JSONParser.parse(result.output)
    let real = json["collected"]?.arrayValue?.compactMap(\.stringValue) ?? []
    try require(real == collected, "gc collected \(real), expected \(collected)")
    let realHorizon = MClock(json: json["horizon"])
    try require(
      realHorizon == horizon, "gc horizon \(String(describing: realHorizon)), expected \(horizon)")
    try compare(hq)
  }

  // MARK: The end (docs/reliability.md §2)

  private func quiesce() throws {
    log.append("# quiesce: the bundles still in transit are held back")
    var held = flights
    flights.removeAll()
    try round(resolving: true)
    try round(resolving: true, collecting: true)
    // §8.10: ids used again after their records were collected, then late delivery after gc.
    for office in offices {
      for number in 1...2 where next(2) == 0 {
        let key = "orders/\(office)-\(number)"
        if model[office]!.records[key] == nil {
          try put(model[office]!, key, creating: creation(office, key))
        }
      }
    }
    log.append("# late delivery of held bundles")
    while !held.isEmpty { try deliver(held.remove(at: next(held.count))) }
    try round(resolving: true)
    try checkConvergence()
  }

  /// Every office submits and head office merges; head office resolves every conflict; every
  /// office receives a reply.
  private func round(resolving: Bool, collecting: Bool = false) throws {
    for office in offices {
      try makeBundle(from: office, to: "hq", direct: true)
      try deliver(flights.removeLast())
    }
    while resolving,
      let key = hq.records.keys.sorted().first(where: { hq.records[$0]!.isConflicted })
    {
      try resolve(key)
      if hq.records[key]?.isConflicted == true {
        // A refused choice: settle with head office's provisional values.
        let state = hq.records[key]!
        var values: [String: String] = [:]
        for field in state.conflictedFields { values[field] = state.provisional(field)! }
        values["quantity"] = values["quantity"] ?? "1"
        try resolveWith(key, .set(values))
      }
    }
    if collecting { try collect() }
    for office in offices {
      try makeBundle(from: "hq", to: office)
      try deliver(flights.removeLast())
    }
  }

  private func resolveWith(_ key: String, _ choice: MReplica.Choice) throws {
    let expected = hq.resolve(key, choice)
    guard case .set(let values) = choice else { return }
    let result = cli(
      ["resolve", key]
        + values.keys.sorted().flatMap { ["--set", "\($0)=\(Self.cell(values[$0]!))"] },
      "hq")
    if case .written(let dot) = expected {
      writes[dot] = (key, values)
      writes[MDot("hq", dot.counter + 1)] = ("resolutions/hq-\(dot.counter + 1)", [:])
    }
    try expect(result, status(expected), "resolve \(key)")
    try compare(hq)
  }

  private func checkConvergence() throws {
    let head = try real("hq")
    for office in offices {
      let branch = try real(office)
      for key in Set(head.records.keys).union(branch.records.keys).sorted() {
        try require(
          head.records[key] == branch.records[key],
          "invariant 1: \(office) and hq differ on \(key):\n  hq     \(String(describing: head.records[key]))\n  \(office)  \(String(describing: branch.records[key]))"
        )
      }
      try require(
        head.clock == branch.clock,
        "invariant 1: clocks differ: hq \(head.clock), \(office) \(branch.clock)")
    }
    // invariant 2: every acknowledged write is in head office's clock and in its record's context.
    for (dot, write) in writes.sorted(by: { $0.key < $1.key }) {
      try require(head.clock.contains(dot), "invariant 2: write \(dot) of \(write.key) is lost")
      // A record collected since then may hold a later incarnation with a fresh context.
      if let state = head.records[write.key], !collectedKeys.contains(write.key) {
        try require(state.context.contains(dot), "invariant 2: \(write.key) lost \(dot)")
      }
    }
    // invariant 3: every value in force was written by someone.
    for office in ["hq"] + offices {
      for (key, state) in try real(office).records where key.hasPrefix("orders/") {
        for (field, register) in state.fields {
          for (dot, value) in register {
            let written = writes[dot]
            try require(
              written?.key == key && written?.values?[field] == value,
              "invariant 3: \(office) holds \(key) \(field)=\(value) at \(dot), which nobody wrote")
          }
        }
      }
    }
  }

  // MARK: Comparing

  /// What a repository holds, read through the store and converted to the model.
  private func real(_ office: String) throws -> (records: [String: MState], clock: MClock) {
    let path = temp.file(office)
    let repository = try RepositoryReader.open(at: path, now: { "" })
    defer { repository.close() }
    var records: [String: MState] = [:]
    for collection in ["orders", "resolutions"] {
      for (id, state) in try repository.states(collection) {
        let json = try JSONParser.parse(JSONWriter.canonicalString(state.json))
        guard let converted = MState(json: json) else {
          throw failure("\(office): \(collection)/\(id): unreadable state \(json)")
        }
        if converted.context.isEmpty && !converted.exists { continue }
        records["\(collection)/\(id.rawValue)"] = converted
      }
    }
    let stateFile = try JSONParser.parse(
      Array(FileManager.default.contents(atPath: path + "/state.json") ?? Data()))
    guard let clock = MClock(json: stateFile["clock"]) else {
      throw failure("\(office): state.json has no clock")
    }
    return (records, clock)
  }

  /// Compares a replica's records, clock and `export` with the model.
  private func compare(_ replica: MReplica, export checkExport: Bool = true) throws {
    let timer = ContinuousClock()
    let start = timer.now
    defer { timing["compare", default: .zero] += start.duration(to: timer.now) }
    let (records, clock) = try real(replica.id)
    for key in Set(records.keys).union(replica.records.keys).sorted() {
      let expected = replica.records[key]
      let actual = records[key]
      try require(
        Self.same(expected, actual, audit: key.hasPrefix("resolutions/")),
        "\(replica.id): \(key):\n    expected \(expected.map(\.description) ?? "absent")\n    actual   \(actual.map(\.description) ?? "absent")"
      )
    }
    try require(clock == replica.clock, "\(replica.id): clock \(clock), expected \(replica.clock)")
    guard checkExport else { return }
    // §8.7 and §8.9: `conflicts` lists every conflicted record with its candidates in order
    // (the `deleted` register first, then fields by name; values by dot) and the provisional
    // one of each register (§5.4).
    let listed = cli(["conflicts", "--format", "json"], replica.id, logged: false)
    try expect(listed, 0, "conflicts")
    var candidates: [String: [String]] = [:]
    for conflict in try JSONParser.parse(listed.output)["conflicts"]?.arrayValue ?? [] {
      candidates[conflict["id"]?.stringValue ?? "?"] =
        (conflict["candidates"]?.arrayValue ?? []).map { candidate in
          let field = candidate["field"]?.stringValue ?? "?"
          let dot = candidate["dot"]?.stringValue ?? "?"
          let value = candidate["value"].map { JSONWriter.canonicalString($0) } ?? "?"
          return "\(field) \(dot)=\(value)\(candidate["provisional"] == .bool(true) ? " *" : "")"
        }
    }
    var predicted: [String: [String]] = [:]
    for (key, state) in replica.records where state.isConflicted {
      var list: [String] = []
      func add<V>(_ field: String, _ register: [MDot: V], shown: MDot?, _ text: (V) -> String) {
        for dot in register.keys.sorted() {
          list.append("\(field) \(dot)=\(text(register[dot]!))\(dot == shown ? " *" : "")")
        }
      }
      // §8.7: an edit/delete conflict is shown live, so the provisional candidate of `deleted`
      // is the greatest edit; a field's is its greatest dot.
      if state.hasDeleteConflict {
        let shown = state.deleted.filter { !$0.value }.keys.max()
        add("deleted", state.deleted, shown: shown) { "\($0)" }
      }
      for field in state.conflictedFields {
        add(field, state.fields[field]!, shown: state.fields[field]!.keys.max()) { $0 }
      }
      predicted[key] = list
    }
    try require(
      candidates == predicted,
      "\(replica.id): conflicts lists \(candidates.sorted { $0.key < $1.key }), expected "
        + "\(predicted.sorted { $0.key < $1.key })")
    // §5.4 and §8.7: readers see live records, with the provisional winner of each field.
    let export = cli(["export", "orders", "--format", "ndjson"], replica.id, logged: false)
    try expect(export, 0, "export")
    var shown: [String: JSONValue] = [:]
    for line in export.output.split(separator: "\n") {
      let row = try JSONParser.parse(String(line))
      shown["orders/" + (row["order_id"]?.stringValue ?? "?")] = row
    }
    for key in Set(shown.keys).union(replica.records.keys.filter { $0.hasPrefix("orders/") })
      .sorted()
    {
      let state = replica.records[key]
      let skip = avoid.contains("known-4") && state?.hasDeleteConflict == true
      if skip { continue }
      guard let row = shown[key] else {
        if state?.isLive == true {
          throw failure(
            "\(replica.id): export does not show live \(key) (\(state!))",
            category: state!.hasDeleteConflict ? "known-4" : nil)
        }
        continue
      }
      guard let state, state.isLive else {
        throw failure(
          "\(replica.id): export shows \(key), which is \(state.map { "\($0)" } ?? "absent")")
      }
      for (field, _) in state.fields {
        let value = row[field].map { JSONWriter.canonicalString($0) }
        try require(
          value == state.provisional(field),
          "\(replica.id): export shows \(key) \(field)=\(value ?? "nil"), provisional is \(state.provisional(field)!)"
        )
      }
    }
  }

  /// Whether a real state equals the model's; audit records' `decided_at` and `candidates`
  /// are compared by dot only.
  static func same(_ expected: MState?, _ actual: MState?, audit: Bool) -> Bool {
    guard audit, var expected, var actual else { return expected == actual }
    for field in ["decided_at", "candidates"] {
      expected.fields[field] = expected.fields[field]?.mapValues { _ in "*" }
      actual.fields[field] = actual.fields[field]?.mapValues { _ in "*" }
    }
    return expected == actual
  }

  private func checkBundle(_ file: String, _ expected: MBundle) throws {
    let bytes = Array(FileManager.default.contents(atPath: file) ?? Data())
    let lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
    try require(lines.count >= 2, "\(name(file)) has \(lines.count) line(s)")
    let manifest = try JSONParser.parse(Array(lines[0]))
    try require(
      manifest["seq"]?.uint64Value == expected.seq,
      "\(name(file)): seq \(String(describing: manifest["seq"])), expected \(expected.seq)")
    try require(
      MClock(json: manifest["assumes"]) == expected.assumes,
      "\(name(file)): assumes \(String(describing: manifest["assumes"])), expected \(expected.assumes)"
    )
    try require(
      MClock(json: manifest["clock"]) == expected.clock,
      "\(name(file)): clock \(String(describing: manifest["clock"])), expected \(expected.clock)")
    try require(
      manifest["acknowledges"]?.uint64Value == expected.acknowledges,
      "\(name(file)): acknowledges \(String(describing: manifest["acknowledges"])), expected \(expected.acknowledges)"
    )
    if expected.kind == "reply" {
      let collected = MClock(json: manifest["extra"]?["collected"]) ?? MClock()
      try require(
        collected == expected.collected,
        "\(name(file)): extra.collected \(collected), expected \(expected.collected)")
      let dropped = manifest["extra"]?["dropped"]?.arrayValue?.compactMap(\.stringValue) ?? []
      try require(
        dropped == expected.dropped,
        "\(name(file)): extra.dropped \(dropped), expected \(expected.dropped)")
    }
    var payload: [String: MState] = [:]
    for line in lines.dropFirst(2) where !line.isEmpty {
      let record = try JSONParser.parse(Array(line))
      let key =
        (record["collection"]?.stringValue ?? "?") + "/" + (record["id"]?.stringValue ?? "?")
      payload[key] = record["state"].flatMap { MState(json: $0) }
    }
    for key in Set(payload.keys).union(expected.payload.keys).sorted() {
      try require(
        Self.same(expected.payload[key], payload[key], audit: key.hasPrefix("resolutions/")),
        "\(name(file)) carries \(key) as \(payload[key].map(\.description) ?? "absent"), expected \(expected.payload[key].map(\.description) ?? "absent")"
      )
    }
  }

  // MARK: Running the CLI

  private func cli(_ arguments: [String], _ office: String, logged: Bool = true) -> RunResult {
    let full = arguments + ["--repo", temp.file(office)]
    if logged {
      log.append(
        "outpost "
          + full.map { $0.replacingOccurrences(of: temp.path + "/", with: "") }.joined(
            separator: " "))
    }
    let clock = ContinuousClock()
    let start = clock.now
    defer { timing[arguments[0], default: .zero] += start.duration(to: clock.now) }
    return outpost(full, in: temp.path)
  }

  var timing: [String: Duration] = [:]

  private func expect(_ result: RunResult, _ status: Int32, _ what: String) throws {
    try require(
      result.status == status,
      "\(what): exit \(result.status), expected \(status)\n    \(result.errors.prefix(400))")
  }

  private func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw failure(message()) }
  }

  private func failure(_ message: String, category: String? = nil) -> ScheduleFailure {
    let tags = model.values.reduce(into: Set<String>()) { $0.formUnion($1.tags) }
    return ScheduleFailure(
      category: category ?? (tags.isEmpty ? "NEW" : tags.sorted().joined(separator: "+")),
      seed: seed, message: "step \(stepCount): " + message, steps: log)
  }
}
