import OutpostCodec
import OutpostModel
import OutpostSync

/// Collecting deleted records, and never bringing a collected one back (SPEC.md §8.10).
extension RepositoryReader {
  // MARK: Collecting tombstones (SPEC.md §8.10)

  /// What head office may assume an office has: the clock of its last submission, without the
  /// office's own entry until it has applied a reply (a repository that installed a key with a
  /// counter floor has written above events it never had, SPEC.md §8.1).
  func knowledge(of peer: PeerState) -> VersionVector {
    var known = peer.received.clock
    if peer.received.acknowledges == 0 { known[peer.peer] = 0 }
    return known
  }

  /// The horizon below which every enrolled office, and head office, has seen every event
  /// (SPEC.md §8.10).
  ///
  /// An office has seen what its submissions' clocks cover and, once it acknowledges a reply,
  /// every event of that reply's clock: it then holds every record head office held at that
  /// clock that the policies let it hold, and has set aside the other offices' rows
  /// (personal records withheld from it keep their own rule).
  public func collectionHorizon() throws(StoreError) -> VersionVector {
    var horizon = clock
    for peer in try peers() where !peer.revoked {
      var seen = knowledge(of: peer)
      if let replied = peer.sent.clocks[peer.received.acknowledges] { seen.merge(replied) }
      horizon = horizon.meet(seen)
    }
    return horizon
  }

  /// The horizon of the last collection: head office's own, or at a branch the one head office
  /// sent in its latest reply.
  public func collectedHorizon() throws(StoreError) -> VersionVector {
    if config.role == .branch { return try peers().first?.collected ?? VersionVector() }
    guard case .object(let object)? = try document(.horizon),
      let value = object["horizon"]
    else { return VersionVector() }
    do { return try VersionVector(json: value) } catch {
      throw StoreError(
        .corrupt, "\(DocumentName.horizon.file): \(error.message)", hint: RecordFile.verifyHint,
        remedy: .verify)
    }
  }

  /// The deleted records every enrolled office has seen, which ``RepositoryWriter/collectGarbage()``
  /// would collect (head office only; `outpost gc --dry-run`): personal records (SPEC.md §2.8)
  /// only while every office has seen an `all_offices` policy.
  ///
  /// - Returns: the horizon and the records, sorted by collection and id.
  public func collectableRecords() throws(StoreError) -> (
    horizon: VersionVector, collected: [(collection: String, id: RecordID)]
  ) {
    guard config.role == .head else {
      throw StoreError(
        .notPermitted, "head office decides what is collected",
        hint: "A branch collects what head office's replies say everyone has seen.")
    }
    let horizon = try collectionHorizon()
    // Replies may have withheld another office's personal records (SPEC.md §2.8), deletions
    // included, from an office that holds an earlier copy: their tombstones stay until every
    // office has seen an all_offices policy (a reply made since carried every one of them).
    let policy = try staffVisibility()
    var shared = policy.value == .allOffices
    for peer in try peers() where shared && !peer.revoked && !policy.seen(by: peer, self) {
      shared = false
    }
    var collected: [(String, RecordID)] = []
    for schema in collections {
      let collectable = try states(schema.name) { _, state in
        state.isCollectable(below: horizon)
          && (shared || StaffVisibility.personalOffice(of: schema.name, state) == nil)
      }
      for (id, _) in collectable { collected.append((schema.name, id)) }
    }
    return (horizon, collected)
  }
}

extension RepositoryReader {
  /// A head-office policy (SPEC.md §2.8): its value and the state of its record.
  struct Policy<Value> {
    var value: Value
    var record: RecordState?

    /// Whether head office knows `peer` has seen the policy record (its knowledge of the office
    /// covers the record's context); true when there is no record.
    func seen(by peer: PeerState, _ repository: RepositoryReader) -> Bool {
      repository.knowledge(of: peer).dominates(record?.context ?? VersionVector())
    }
  }

  /// The state of head office's `policies` record `id`.
  private func policyRecord(_ id: String) throws(StoreError) -> RecordState? {
    try state(StandardCollections.policies.name, RecordID(unchecked: id))
  }

  /// Head office's `staff_visibility` policy, read from its `policies` record.
  func staffVisibility() throws(StoreError) -> Policy<StaffVisibility> {
    let record = try policyRecord(StaffVisibility.policyID)
    return Policy(value: StaffVisibility(policy: record), record: record)
  }

  /// Head office's `record_visibility` policy, read from its `policies` record.
  func recordVisibility() throws(StoreError) -> Policy<RecordVisibility> {
    let record = try policyRecord(RecordVisibility.policyID)
    return Policy(value: RecordVisibility(policy: record), record: record)
  }

  /// What a reply to `peer` carries (SPEC.md §8.6): both policies, each newly wide when it
  /// shares everything and the office has not seen its record.
  func replyPolicy(for peer: PeerState) throws(StoreError) -> ReplyPolicy {
    let staff = try staffVisibility()
    let records = try recordVisibility()
    return ReplyPolicy(
      staff: staff.value, records: records.value,
      staffWidened: staff.value == .allOffices && !staff.seen(by: peer, self),
      recordsWidened: records.value == .allOffices && !records.seen(by: peer, self))
  }
}

extension RepositoryWriter {
  /// Collects (removes) every deleted record that every enrolled office has seen.
  ///
  /// Head office only (`outpost gc`). Replies carry the horizon, so branches collect the same
  /// records.
  ///
  /// - Returns: the horizon and the records collected.
  public func collectGarbage() throws(StoreError) -> (
    horizon: VersionVector, collected: [(collection: String, id: RecordID)]
  ) {
    let (horizon, collected) = try collectableRecords()
    var markers: [String: [RecordID: RecordState]] = [:]
    for (collection, id) in collected { markers[collection, default: [:]][id] = .collected }
    let previous = try collectedHorizon()
    let next = previous.merging(horizon)
    guard !collected.isEmpty || next != previous else { return (horizon, collected) }
    let document = JSONValue.object(
      JSONObject(uncheckedPairs: [
        ("format", .string("outpost-horizon/1")), ("horizon", next.json),
      ]))
    _ = try commitTransaction(
      command: "gc (\(collected.count) record(s))", records: Self.records(markers),
      states: markers, documents: [.horizon: document])
    return (horizon, collected)
  }
}
