import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport

/// A bundle on its way.
struct Flight {
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
  let temp = TemporaryDirectory(under: "/dev/shm")
  var log: [String] = []
  private(set) var stepCount = 0
  /// How often each interesting case came up (printed per batch).
  var coverage: [String: Int] = [:]
  var offices: [String] = []
  var model: [String: MReplica] = [:]
  var flights: [Flight] = []
  private var fileNumber = 0
  /// Every acknowledged write: dot → (record, field values; nil for a delete).
  var writes: [MDot: (key: String, values: [String: String]?)] = [:]
  /// Records head office has collected at some point (§8.10).
  var collectedKeys: Set<String> = []

  var timing: [String: Duration] = [:]

  static let amounts = ["\"10.00\"", "\"20.00\"", "\"30.00\""]
  static let statuses = ["\"confirmed\"", "\"cancelled\""]
  static let quantities = ["1", "2", "3"]

  init(seed: UInt64, avoid: Set<String>) {
    self.seed = seed
    self.avoid = avoid
    random = SplitMix64(seed: seed)
  }

  func next(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

  func pick<T>(_ items: [T]) -> T { items[next(items.count)] }

  var hq: MReplica { model["hq"]! }

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
      try put(model[office]!, staffKey(office, 1), creating: staffCreation(office, 1))
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
  /// An ID with dots is a `staff` record's (`north.n-1.2025-03-01`, put without values: create);
  /// `hq policy all_offices|own_office|delete` sets head office's `staff_visibility` (§2.8),
  /// `hq rows all_offices|own_office|delete` its `record_visibility`.
  /// `expect O ID absent|deleted|live` asserts what the model and O's repository hold (an ID
  /// with a `/` is a key: `resolutions/hq-3`).
  func run(script: [String], offices names: [String]) throws {
    offices = names
    try setUp()
    for line in script {
      stepCount += 1
      for replica in model.values { replica.tags = [] }
      let words = line.split(separator: " ").map(String.init)
      // `F=@`: the provisional value the writer sees (§5.4); `expect` and `resolve` take none.
      let plain = words[0] == "expect" || line.hasPrefix("hq resolve ")
      let values = Dictionary(
        uniqueKeysWithValues: words.dropFirst(plain ? words.count : 3).map { word in
          let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
          let provisional = model[words[0]]?.records[Self.scriptKey(words[2])]?.provisional(
            parts[0])
          return (parts[0], parts[1] == "@" ? provisional! : Self.json(parts[0], parts[1]))
        })
      switch (words[0], words.count > 1 ? words[1] : "") {
      case ("deliver", _):
        let index = flights.firstIndex { $0.number == Int(words[1])! }!
        try deliver(flights.remove(at: index))
      case ("expect", _): try expectHeld(words[1], Self.scriptKey(words[2]), words[3])
      case ("converge", _):
        flights.removeAll()
        try round(resolving: true)
        try round(resolving: true)
        try finish()
      case ("hq", "policy"): try setPolicy(words[2] == "delete" ? nil : words[2])
      case ("hq", "rows"): try setRowPolicy(words[2] == "delete" ? nil : words[2])
      case (_, "put") where words[2].contains("."):
        try put(
          model[words[0]]!, "staff/\(words[2])", creating: Self.staffCreation(id: words[2]),
          values: values.isEmpty ? nil : values)
      case (_, "put"):
        let key = "orders/\(words[2])"
        let office = words[0] == "hq" ? "north" : words[0]
        var creating = creation(office, key)
        creating.merge(["amount": "\"10.00\"", "quantity": "1", "status": "\"confirmed\""]) { $1 }
        creating.merge(values) { $1 }
        try put(model[words[0]]!, key, creating: creating, values: values.isEmpty ? nil : values)
      case (_, "delete"): try delete(model[words[0]]!, Self.scriptKey(words[2]))
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
        try resolve(Self.scriptKey(words[2]), choice)
      default: throw failure("unknown script line '\(line)'")
      }
    }
  }

  /// A script's `expect O ID absent|deleted|live`: the model and the repository agree on it.
  private func expectHeld(_ office: String, _ key: String, _ what: String) throws {
    let modelled = model[office]!.records[key]
    let held = try real(office).records[key]
    for (side, state) in [("model", modelled), ("repository", held)] {
      let found = state.map { $0.isDeleted ? "deleted" : ($0.isLive ? "live" : "absent") }
      try require(
        (found ?? "absent") == what,
        "expect \(office) \(key) \(what): the \(side) holds it \(found ?? "absent")")
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
    let roll = next(112)
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
    case 93..<100: try collect()
    default: try peopleStep(roll - 100)
    }
    for replica in model.values {
      for tag in replica.tags { coverage["tag " + tag, default: 0] += 1 }
    }
  }

  // MARK: Steps

  /// `orders/north-1` → `north-1`.
  func recordID(_ key: String) -> String {
    String(key[key.index(after: key.firstIndex(of: "/")!)...])
  }

  /// `orders/north-1` → `orders`.
  func collection(_ key: String) -> String { String(key.prefix { $0 != "/" }) }

  private func order(_ key: String) -> String { recordID(key) }

  private func randomChanges(_ key: String, _ state: MState?) -> [String: String] {
    var values: [String: String] = [:]
    let choicesOf = Self.editable[collection(key)]!
    for _ in 0..<(1 + next(2)) {
      let field = pick(choicesOf.keys.sorted())
      let choices = choicesOf[field]!
      // Often the value already in force (§2.5, §8.7: no change).
      if let current = state?.provisional(field), next(3) == 0 {
        values[field] = current
      } else {
        values[field] = pick(choices)
      }
    }
    return values
  }

  func creation(_ office: String, _ key: String) -> [String: String] {
    [
      "office_id": "\"\(office)\"", "customer_id": "\"c-\(order(key))\"", "channel_id": "\"sem\"",
      "order_date": "\"2025-03-02\"", "quantity": pick(Self.quantities),
      "amount": pick(Self.amounts), "status": pick(Self.statuses),
    ]
  }

  static func cell(_ json: String) -> String {
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

  func put(
    _ replica: MReplica, _ key: String, creating: [String: String],
    values given: [String: String]? = nil
  ) throws {
    let stored = replica.records[key]
    let live = stored?.isLive ?? false
    let idFields = Self.idFields[collection(key)] ?? []
    let values =
      given ?? (live ? randomChanges(key, stored) : creating.filter { !idFields.contains($0.key) })
    let trial = replica.copy()
    _ = trial.put(key, values, creating: creating)
    if !trial.tags.isDisjoint(with: avoid) { return }
    let expected = replica.put(key, values, creating: creating)
    let arguments =
      ["put", collection(key), recordID(key)]
      + values.keys.sorted().map { "\($0)=\(Self.cell(values[$0]!))" }
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

  func delete(_ replica: MReplica, _ key: String) throws {
    let expected = replica.delete(key)
    let result = cli(["delete", collection(key), recordID(key)], replica.id)
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
  func makeBundle(from sender: String, to recipient: String, direct: Bool = false) throws {
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

  func name(_ file: String) -> String { String(file.split(separator: "/").last!) }

  func deliver(_ flight: Flight) throws {
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
    coverage["set aside at branch", default: 0] += expected.setAside.count
    if expected.status == "applied" {
      try checkReport(result.output, expected, head: bundle.to == "hq")
    }
    let changed =
      expected.counts.contains { $0.key != "unchanged" } || expected.collectedCount > 0
      || !expected.removed.isEmpty || !expected.setAside.isEmpty
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
      let setAside = entry["set_aside"]?.int64Value ?? -1
      try require(
        setAside == Int64(expected.setAside.count),
        "set_aside \(setAside), expected \(expected.setAside)")
    }
  }

  private func resolveOne() throws {
    let keys = hq.records.keys.sorted().filter { hq.records[$0]!.isConflicted }
    guard !keys.isEmpty else { return }
    try resolve(pick(keys))
  }

  func resolve(_ key: String, _ given: MReplica.Choice? = nil) throws {
    let state = hq.records[key]!
    let choice: MReplica.Choice
    if let given {
      choice = given
    } else if next(3) == 0 {
      var values: [String: String] = [:]
      for field in state.conflictedFields {
        values[field] = pick(Array(state.fields[field]!.values).sorted())
      }
      if values.isEmpty || next(2) == 0 {
        let (field, choices) = Self.filler(key)
        values[field] = pick(choices)
      }
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

  func status(_ outcome: MWriteOutcome) -> Int32 {
    if case .refused(let code) = outcome { return code }
    return 0
  }

  func collect() throws {
    let (horizon, collected, held) = hq.collectGarbage()
    coverage["gc collected", default: 0] += collected.count
    // SPEC.md §8.10: deleted personal records kept until every office has seen all_offices.
    coverage["gc kept personal", default: 0] += held.count
    if !held.isEmpty { log.append("# gc keeps \(held.joined(separator: " ")) (§8.10 policy)") }
    collectedKeys.formUnion(collected)
    let result = cli(["gc", "--format", "json"], "hq")
    try expect(result, 0, "gc")
    let json = try JSONParser.parse(result.output)
    let real = json["collected"]?.arrayValue?.compactMap(\.stringValue) ?? []
    // SPEC.md §8.10 gives the list no order.
    try require(real.sorted() == collected, "gc collected \(real), expected \(collected)")
    let realHorizon = MClock(json: json["horizon"])
    try require(
      realHorizon == horizon, "gc horizon \(String(describing: realHorizon)), expected \(horizon)")
    try compare(hq)
  }
}

extension ModelSchedule {
  // MARK: Running the CLI

  func cli(_ arguments: [String], _ office: String, logged: Bool = true) -> RunResult {
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

  func expect(_ result: RunResult, _ status: Int32, _ what: String) throws {
    try require(
      result.status == status,
      "\(what): exit \(result.status), expected \(status)\n    \(result.errors.prefix(400))")
  }

  func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw failure(message()) }
  }

  func failure(_ message: String, category: String? = nil) -> ScheduleFailure {
    let tags = model.values.reduce(into: Set<String>()) { $0.formUnion($1.tags) }
    return ScheduleFailure(
      category: category ?? (tags.isEmpty ? "NEW" : tags.sorted().joined(separator: "+")),
      seed: seed, message: "step \(stepCount): " + message, steps: log)
  }
}
