import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport

extension Simulation {
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
    // invariant 1: byte-identical canonical records, and equal clocks, everywhere; under the
    // own_office rows policy a branch holds head office's records less the other offices' rows,
    // and a clock head office's covers.
    var contents: [ReplicaID: Contents] = [:]
    for replica in replicas { contents[replica.id] = try Contents(replica.repository) }
    let reference = contents[hq.id]!
    let shared = try sharesRows()
    tally(shared ? "quiet: all_offices" : "quiet: own_office")
    for branch in branches {
      let mine = contents[branch.id]!
      let expected = try expected(at: branch, from: reference)
      try require(
        mine.canonicalRecords == expected.canonicalRecords
          && (shared ? mine.clock == reference.clock : reference.clock.dominates(mine.clock)),
        "invariant 1: \(branch.id) did not converge with hq after quiescence (rows policy "
          + "\(shared ? "all_offices" : "own_office")):\n    " + mine.difference(from: expected))
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
