import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport

extension ModelSchedule {
  // MARK: The end (docs/reliability.md §2)

  func quiesce() throws {
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
    try finish()
  }

  /// The checks at the end, after rounds that left nothing in transit.
  func finish() throws {
    if hq.keepsRowsHome {
      // §2.8: under record_visibility own_office every office holds its own rows as head
      // office does and no other office's; widening the policy then brings those too.
      try checkConvergence(partial: true)
      coverage["rows kept home at the end", default: 0] += 1
      try setRowPolicy("all_offices")
      try round(resolving: true)
    }
    if !hq.sharesAllOffices {
      // §2.8: under own_office every office agrees with head office on all but other offices'
      // personal records; widening the policy then brings those too.
      try checkConvergence(partial: true)
      try setPolicy("all_offices")
      try round(resolving: true)
    }
    if hq.records.contains(where: { $0.value.isDeleted && hq.isPersonal($0.key, $0.value) }) {
      // §8.10: head office keeps deleted personal records until every office has seen the
      // all_offices policy (this round's submissions show it has), while the offices collect
      // them by the horizon; gc then collects them at head office too.
      coverage["final gc round", default: 0] += 1
      try round(resolving: true, collecting: true)
    }
    try checkConvergence()
  }

  /// Every office submits and head office merges; head office resolves every conflict; every
  /// office receives a reply.
  func round(resolving: Bool, collecting: Bool = false) throws {
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
        let field = Self.filler(key).field
        values[field] = values[field] ?? Self.filler(key).values[0]
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

  /// docs/reliability.md §2 invariants 1–3; `partial`: under `own_office`, invariant 1 for every
  /// record but other offices' personal records, and without the clocks (SPEC.md §2.8).
  func checkConvergence(partial: Bool = false) throws {
    let head = try real("hq")
    for office in offices {
      let branch = try real(office)
      for key in Set(head.records.keys).union(branch.records.keys).sorted() {
        if partial, hq.keepsRowsHome,
          let (owner, row) = (head.records[key] ?? branch.records[key]).flatMap({
            MReplica.rowOwner(key, $0, in: head.records)
          }), owner != office
        {
          // §2.8: another office's row (or its resolution) is not held at all. The resolution
          // of a row head office no longer holds names no office: an office may keep the one
          // it received while the row was its own (then as head office holds it).
          let unheld = key.hasPrefix("resolutions/") && owner.isEmpty && row.context.isEmpty
          if !unheld || branch.records[key] == nil {
            try require(
              unheld || branch.records[key] == nil,
              "invariant 1: \(office) holds \(key), another office's row, under own_office")
            continue
          }
        }
        if partial,
          let owner = (head.records[key] ?? branch.records[key]).flatMap({
            MReplica.personalOwner(key, $0, in: head.records)
          }), owner != office
        {
          continue
        }
        if partial, let state = head.records[key], branch.records[key] == nil, state.isDeleted,
          MReplica.isPersonal(key, state, in: head.records),
          model[office]!.collected.dominates(state.context)
        {
          // §8.10: under own_office head office keeps the office's deleted personal record,
          // which the office collected by the horizon a reply brought.
          coverage["personal tombstone kept at hq", default: 0] += 1
          continue
        }
        try require(
          head.records[key] == branch.records[key],
          "invariant 1: \(office) and hq differ on \(key):\n  hq     \(String(describing: head.records[key]))\n  \(office)  \(String(describing: branch.records[key]))"
        )
      }
      // A branch's clock is the join of what it applied (§8.5): it lacks the events of records
      // head office collected before they reached it (withheld, §2.8, then collected once the
      // office acknowledged a later reply, §8.10) or that it collected as it received them. So
      // head office's clock covers it, without being equal.
      try require(
        head.clock.dominates(branch.clock),
        "invariant 1: \(office)'s clock \(branch.clock) is not covered by hq's \(head.clock)")
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
      for (key, state) in try real(office).records where !key.hasPrefix("resolutions/") {
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
  func real(_ office: String) throws -> (records: [String: MState], clock: MClock) {
    let path = temp.file(office)
    let repository = try RepositoryReader.open(at: path, now: { "" })
    defer { repository.close() }
    var records: [String: MState] = [:]
    for collection in ["orders", "resolutions", "staff", "policies"] {
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
  func compare(_ replica: MReplica, export checkExport: Bool = true) throws {
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

  func checkBundle(_ file: String, _ expected: MBundle) throws {
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
    // The payload follows line 2, as one DEFLATE stream from format 3 on; in format 4 its first
    // line is `{"extra":{…}}`, `payload.extra_bytes` long, before the record lines (SPEC.md §8.2).
    let stored = Array(bytes.dropFirst(lines[0].count + 1 + lines[1].count + 1))
    let inflated =
      try manifest["payload"]?["raw_bytes"]?.uint64Value.map {
        try Inflate.decompress(stored, limit: Int($0))
      } ?? stored
    let extraBytes = Int(manifest["payload"]?["extra_bytes"]?.uint64Value ?? 0)
    let extra =
      extraBytes > 0
      ? try JSONParser.parse(Array(inflated.prefix(extraBytes - 1)))["extra"] : manifest["extra"]
    let recordBytes = inflated.dropFirst(extraBytes)
    if expected.kind == "reply" {
      let collected = MClock(json: extra?["collected"]) ?? MClock()
      try require(
        collected == expected.collected,
        "\(name(file)): extra.collected \(collected), expected \(expected.collected)")
      let dropped = extra?["dropped"]?.arrayValue?.compactMap(\.stringValue) ?? []
      try require(
        dropped == expected.dropped,
        "\(name(file)): extra.dropped \(dropped), expected \(expected.dropped)")
      let rows = extra?["record_visibility"]?.stringValue ?? "(none)"
      try require(
        rows == expected.rowPolicy,
        "\(name(file)): extra.record_visibility \(rows), expected \(expected.rowPolicy)")
      try checkKPIResults(extra?["kpi_results"], expected, file)
    }
    var payload: [String: MState] = [:]
    for line in recordBytes.split(separator: 10) where !line.isEmpty {
      let record = try JSONParser.parse(Array(line))
      let key =
        (record["collection"]?.stringValue ?? "?") + "/" + (record["id"]?.stringValue ?? "?")
      payload[key] = record["state"].flatMap { MState(json: $0) }
    }
    try checkPrivacy(payload, expected)
    for key in Set(payload.keys).union(expected.payload.keys).sorted() {
      try require(
        Self.same(expected.payload[key], payload[key], audit: key.hasPrefix("resolutions/")),
        "\(name(file)) carries \(key) as \(payload[key].map(\.description) ?? "absent"), expected \(expected.payload[key].map(\.description) ?? "absent")"
      )
    }
  }
}
