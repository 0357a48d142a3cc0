import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport

extension Simulation {
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
      try checkSetAside(report, at: replica)
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
    // A kept cache in step with the records equals one rebuilt from them (SPEC.md §4.5).
    let report = replica.repository.verifyCaches([StateDigestCache()])
    try require(
      report.problems.isEmpty && report.notes.isEmpty,
      "\(replica.id): \((report.problems + report.notes).joined(separator: "; "))")
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
}
