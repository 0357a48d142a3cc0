import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

/// A bundle made by ``Repository/makeBundle(for:)``.
public struct MadeBundle: Sendable {
  /// The file's bytes.
  public var bytes: [UInt8]
  /// Its verified manifest.
  public var manifest: BundleManifest
  /// Its hash.
  public var hash: String
}

/// What applying a bundle did (or, in a dry run, would do).
public struct ApplyReport: Sendable {
  /// The bundle's manifest.
  public var manifest: BundleManifest
  /// The bundle's hash.
  public var hash: String
  /// True when the bundle had been applied before: nothing changed.
  public var alreadyApplied = false
  /// Sequence numbers skipped before this bundle (nothing is lost: bundles are cumulative).
  public var missing: Range<UInt64>?
  /// True when the bundle arrived after a newer one: it fills a gap reported earlier.
  public var fillsGap = false
  /// Each record's outcome, sorted by collection and id.
  public var outcomes: [(collection: String, id: RecordID, outcome: MergeOutcome)] = []
  /// Values of this replica's own that the bundle replaced (a branch learns which of its edits
  /// lost a conflict, and to whom).
  public var replaced: [ReplacedValue] = []
  /// Records head office did not apply because they were collected (SPEC.md §8.10).
  public var notApplied: [(collection: String, id: RecordID)] = []
  /// Records a reply removed at the branch: collected tombstones, and records head office
  /// collected before the branch's later edit reached it (`edited` true).
  public var removed: [(collection: String, id: RecordID, edited: Bool)] = []
  /// How many deleted records the branch collected because everyone had seen them.
  public var collectedCount = 0
  /// Conflicts the bundle opened that head office's remembered rules settled at once.
  public var resolvedByRule: [(collection: String, id: RecordID, rules: [String])] = []
  /// The transaction written, nil in a dry run or when nothing changed.
  public var transaction: UInt64?

  /// How many records had each outcome.
  public var counts: [MergeOutcome: Int] {
    var counts: [MergeOutcome: Int] = [:]
    for entry in outcomes { counts[entry.outcome, default: 0] += 1 }
    return counts
  }
}

/// One of this replica's values that a received bundle replaced.
public struct ReplacedValue: Sendable, Equatable {
  /// Where.
  public var collection: String
  /// Which record.
  public var id: RecordID
  /// Which field (`deleted` for the record's existence).
  public var field: String
  /// The value this replica had written.
  public var mine: JSONValue
  /// The value now in force (nil if the field is gone).
  public var now: JSONValue?
  /// The event that wrote the value now in force.
  public var by: Dot?
  /// The head-office resolution that decided it, if the bundle carries one.
  public var resolution: [String: JSONValue]?
}

extension Repository {
  // MARK: Peers and keys

  /// What this replica remembers about a peer, if it knows it.
  public func peer(_ id: ReplicaID) throws(StoreError) -> PeerState? {
    guard let json = try document(id.rawValue) else { return nil }
    do { return try PeerState(json: json) } catch {
      throw StoreError(.corrupt, "sync/\(id).json: \(error.message)", hint: RecordFile.verifyHint)
    }
  }

  /// Every peer this replica knows, by id.
  public func peers() throws(StoreError) -> [PeerState] {
    var names: Set<String> = Set(documentOverlay.keys)
    do {
      if try fileSystem.exists(syncDirectory) {
        for name in try fileSystem.list(syncDirectory)
        where name.hasSuffix(".json") && !AtomicFile.isTemporary(name) {
          names.insert(String(name.dropLast(5)))
        }
      }
    } catch { throw StoreError.readFailed(error) }
    var result: [PeerState] = []
    for name in names.sorted() {
      guard let id = try? ReplicaID(name) else { continue }
      if let peer = try peer(id) { result.append(peer) }
    }
    return result
  }

  /// A sync document (`sync/<name>.json`), or nil.
  func document(_ name: String) throws(StoreError) -> JSONValue? {
    if let pending = documentOverlay[name] { return pending }
    let file = syncDirectory + "/" + name + ".json"
    let bytes: [UInt8]
    do {
      guard try fileSystem.exists(file) else { return nil }
      bytes = try fileSystem.readFile(file)
    } catch { throw StoreError.readFailed(error) }
    do { return try JSONParser.parse(bytes, limits: .repositoryFile) } catch {
      throw StoreError(.corrupt, "\(file): \(error)", hint: RecordFile.verifyHint)
    }
  }

  /// The last event counter this replica used or must stay above: its clock entry, or the
  /// floor of the key it installed (a replacement repository never reuses an event id).
  func lastCounter() -> UInt64 {
    let floor = config.role == .branch ? ((try? peers())?.map(\.counterFloor).max() ?? 0) : 0
    return max(clock[config.replica], floor)
  }

  /// The key shared with `office` (head office: one per office; a branch: its own).
  func key(shared office: ReplicaID) throws(StoreError) -> OfficeKey? {
    let file = keysDirectory + "/" + office.rawValue + ".json"
    let bytes: [UInt8]
    do {
      guard try fileSystem.exists(file) else { return nil }
      bytes = try fileSystem.readFile(file)
    } catch { throw StoreError.readFailed(error) }
    do { return try OfficeKey(fileBytes: bytes, path: file) } catch {
      throw StoreError(.corrupt, error.message)
    }
  }

  private func writeKey(_ key: OfficeKey, name: ReplicaID) throws(StoreError) {
    do {
      if try !fileSystem.exists(keysDirectory) {
        try fileSystem.makeDirectory(keysDirectory)
        try fileSystem.syncDirectory(path)
      }
      try AtomicFile.write(
        key.fileBytes, to: name.rawValue + ".json", in: keysDirectory, fileSystem: fileSystem,
        secret: true)
    } catch {
      throw StoreError.writeFailed(error, "nothing was changed")
    }
  }

  /// Enrolls an office (head office only): makes its key and remembers it.
  ///
  /// - Returns: the key, for the office's key file.
  public func enroll(_ office: ReplicaID) throws(StoreError) -> OfficeKey {
    guard config.role == .head else {
      throw StoreError(
        .notPermitted,
        "only head office enrolls offices; this repository is office '\(config.replica)'")
    }
    guard office != config.replica else {
      throw StoreError(.invalidData, "'\(office)' is head office's own id")
    }
    if let existing = try peer(office), !existing.revoked {
      throw StoreError(
        .alreadyExists, "office '\(office)' is already enrolled (key \(existing.keyID))",
        hint: "To issue a new key, revoke the old one first: outpost office revoke \(office)")
    }
    // The key carries the office's highest counter head office has seen, so a repository that
    // installs it (a replacement, or one restored from a copy) writes new event ids.
    let key = OfficeKey.generate(
      office: office, head: config.replica, counterFloor: clock[office],
      collected: try collectedHorizon())
    try writeKey(key, name: office)
    var state = PeerState(peer: office, keyID: key.keyID, enrolledAt: now())
    if let previous = try peer(office) {
      // Re-enrolling after a revocation starts a new exchange: sequence numbers restart at 1
      // and head office assumes nothing of the office, so its first reply is complete.
      state.revokedKeys = previous.revokedKeys + [previous.keyID]
    }
    _ = try commitTransaction(
      command: "office add \(office)", entries: [], documents: [office.rawValue: state.json])
    return key
  }

  /// Revokes an office's key (head office only): its bundles are refused from now on.
  public func revoke(_ office: ReplicaID) throws(StoreError) {
    guard config.role == .head else {
      throw StoreError(.notPermitted, "only head office revokes keys")
    }
    guard var state = try peer(office) else {
      throw StoreError(.notFound, "office '\(office)' is not enrolled")
    }
    guard !state.revoked else {
      throw StoreError(.invalidData, "the key of office '\(office)' is already revoked")
    }
    state.revoked = true
    state.revokedAt = now()
    _ = try commitTransaction(
      command: "office revoke \(office)", entries: [], documents: [office.rawValue: state.json])
  }

  /// Installs the key head office issued to this branch (`init --key`).
  public func installKey(_ key: OfficeKey) throws(StoreError) {
    guard config.role == .branch, key.office == config.replica else {
      throw StoreError(
        .invalidData,
        "the key was issued to office '\(key.office)', but this repository is '\(config.replica)'")
    }
    try writeKey(key, name: key.office)
    var state = PeerState(peer: key.head, keyID: key.keyID, enrolledAt: now())
    state.counterFloor = key.counterFloor
    _ = try commitTransaction(
      command: "enroll with \(key.head)", entries: [], documents: [key.head.rawValue: state.json])
  }

  /// Installs a new key head office issued to this branch after re-enrolling it (`office key`).
  ///
  /// The exchange restarts: sequence numbers begin again at 1 in both directions and the next
  /// submission and reply are complete. This replica's own counter rises above the key's floor,
  /// so a repository restored from an old copy never reuses an event id (SPEC.md §8.1).
  /// - Returns: false if the key was already installed.
  public func replaceKey(_ key: OfficeKey) throws(StoreError) -> Bool {
    guard config.role == .branch, key.office == config.replica else {
      throw StoreError(
        .invalidData,
        "the key was issued to office '\(key.office)', but this repository is '\(config.replica)'")
    }
    guard let previous = try peer(key.head) else {
      throw StoreError(
        .notFound, "this repository is not enrolled with '\(key.head)'",
        hint:
          "A new repository takes its key with: outpost init --office \(config.replica) --key FILE")
    }
    if previous.keyID == key.keyID { return false }
    if previous.revokedKeys.contains(key.keyID) {
      throw StoreError(
        .notPermitted, "key \(key.keyID) was replaced before; use the newest key file")
    }
    // Every record the key's horizon covers is set aside: head office has seen all of its
    // events, so its first reply (complete) brings back each one that still exists, and one it
    // collected stays gone instead of coming back from this older copy.
    var setAside: [String: [RecordID: RecordState]] = [:]
    if !key.collected.isEmpty {
      for schema in collections {
        for (id, record) in try states(schema.name) where key.collected.dominates(record.context) {
          setAside[schema.name, default: [:]][id] = .collected
        }
      }
    }
    try writeKey(key, name: key.office)
    var state = PeerState(peer: key.head, keyID: key.keyID, enrolledAt: now())
    state.revokedKeys = previous.revokedKeys + [previous.keyID]
    state.counterFloor = max(previous.counterFloor, key.counterFloor)
    state.collected = key.collected
    _ = try commitTransaction(
      command: "office key \(key.keyID)", entries: Self.entries(setAside), states: setAside,
      documents: [key.head.rawValue: state.json])
    return true
  }

  /// Finds the key for a key id: head office looks through its offices, a branch has one.
  private func keyStatus(_ keyID: String) -> BundleKeyStatus {
    guard let peers = try? peers() else { return .unknown }
    for peer in peers where peer.revokedKeys.contains(keyID) {
      return .revoked(owner: config.role == .head ? peer.peer : config.replica)
    }
    for peer in peers where peer.keyID == keyID {
      if peer.revoked { return .revoked(owner: peer.peer) }
      let office = config.role == .head ? peer.peer : config.replica
      if let key = try? key(shared: office), key.keyID == keyID { return .active(key) }
    }
    return .unknown
  }

  // MARK: Making bundles

  /// Makes the next bundle for `peer`.
  ///
  /// A submission from a branch to head office, or a reply from head office to an office. The
  /// bundle's sequence number is committed before the bytes
  /// are returned, so a number is never used for two different bundles.
  ///
  /// It holds every record whose state the peer may lack: not covered by the clock the peer
  /// last reported (bundles are cumulative until acknowledged).
  public func makeBundle(for peerID: ReplicaID, extra given: [String: JSONValue] = [:])
    throws(StoreError) -> MadeBundle
  {
    guard var peer = try peer(peerID) else {
      throw StoreError(
        .notFound,
        config.role == .head
          ? "office '\(peerID)' is not enrolled"
          : "this repository is not enrolled with '\(peerID)'",
        hint: config.role == .head
          ? "Enroll it with: outpost office add \(peerID) --key-out \(peerID).key"
          : "Create the repository with the key file from head office: outpost init --office "
            + "\(config.replica) --key FILE")
    }
    guard !peer.revoked else {
      throw StoreError(.notPermitted, "the key of office '\(peerID)' is revoked")
    }
    let office = config.role == .head ? peerID : config.replica
    guard let key = try key(shared: office) else {
      throw StoreError(.corrupt, "the key file keys/\(office).json is missing")
    }
    let assumes = config.role == .head ? knowledge(of: peer) : peer.received.clock
    var records: [BundleRecord] = []
    for schema in collections {
      for (id, state) in try states(schema.name) where !assumes.dominates(state.context) {
        records.append(BundleRecord(collection: schema.name, id: id, state: state))
      }
    }
    var extra = given
    if config.role == .head {
      let horizon = try collectedHorizon()
      if !horizon.isEmpty { extra["collected"] = horizon.json }
      // A record head office holds again (the office wrote it anew) is no longer dropped.
      for key in peer.dropped.keys.sorted() {
        guard let slash = key.firstIndex(of: "/"),
          let id = try? RecordID(String(key[key.index(after: slash)...]))
        else { continue }
        if try state(String(key[..<slash]), id) != nil { peer.dropped[key] = nil }
      }
      if !peer.dropped.isEmpty {
        extra["dropped"] = .array(peer.dropped.keys.sorted().map { .string($0) })
        for key in peer.dropped.keys where peer.dropped[key] == 0 {
          peer.dropped[key] = peer.sent.lastSeq + 1
        }
      }
    }
    let manifest = BundleManifest(
      kind: config.role == .head ? .reply : .submission, from: config.replica, to: peerID,
      seq: peer.sent.lastSeq + 1, previous: peer.sent.lastHash, keyID: key.keyID,
      assumes: assumes, clock: clock, acknowledges: peer.received.lastSeq, createdAt: now(),
      extra: extra)
    let (bytes, hash, complete) = BundleCodec.encode(manifest, records: records, key: key)
    peer.sent.lastSeq += 1
    peer.sent.lastHash = hash
    peer.sent.at = manifest.createdAt
    _ = try commitTransaction(
      command: "\(manifest.kind == .reply ? "reply" : "submit") \(peerID) seq \(manifest.seq)",
      entries: [], documents: [peerID.rawValue: peer.json])
    return MadeBundle(bytes: bytes, manifest: complete, hash: hash)
  }

  // MARK: Applying bundles

  /// Verifies and applies a bundle.
  ///
  /// A submission at head office (`merge`), a reply at a branch (`receive`). All or nothing;
  /// with `dryRun`, nothing is written.
  public func applyBundle(_ bytes: [UInt8], name: String, dryRun: Bool = false) throws(StoreError)
    -> ApplyReport
  {
    do { return try applyBundleChecked(bytes, name: name, dryRun: dryRun) } catch {
      // Every refusal names the file and says what to do.
      var error = error
      if !error.message.contains(name) { error.message = "\(name): " + error.message }
      if error.hint == nil, error.code == .invalidData || error.code == .notPermitted {
        error.hint =
          "Nothing from this bundle was imported. If it came from an office, ask it to run "
          + "'outpost verify' and make a new bundle; if it was altered, do not merge it."
      }
      throw error
    }
  }

  private func applyBundleChecked(_ bytes: [UInt8], name: String, dryRun: Bool)
    throws(StoreError) -> ApplyReport
  {
    let bundle: VerifiedBundle
    do {
      bundle = try BundleCodec.verify(
        bytes, name: name, recipient: config.replica, keys: keyStatus)
    } catch {
      throw StoreError(error)
    }
    let manifest = bundle.manifest
    let expected: BundleKind = config.role == .head ? .submission : .reply
    guard manifest.kind == expected else {
      throw StoreError(
        .invalidData,
        "\(name) is a \(manifest.kind) bundle; \(config.role == .head ? "head office merges submissions" : "a branch receives replies"); nothing was imported",
        hint: config.role == .head
          ? "Replies are for branches: outpost receive FILE" : "Submissions go to head office.")
    }
    guard manifest.to == config.replica else {
      throw StoreError(
        .invalidData,
        "\(name) is addressed to '\(manifest.to)', not to this repository ('\(config.replica)'); "
          + "nothing was imported", hint: "Give it to the repository of '\(manifest.to)'.")
    }
    guard var peer = try peer(manifest.from) else {
      throw StoreError(.notPermitted, "'\(manifest.from)' is not enrolled here")
    }
    var report = ApplyReport(manifest: manifest, hash: bundle.hash)
    let admission: PeerState.Admission
    do {
      admission = try peer.admission(
        seq: manifest.seq, hash: bundle.hash, previous: manifest.previous, name: name)
    } catch { throw StoreError(error) }
    switch admission {
    case .alreadyApplied:
      report.alreadyApplied = true
      return report
    case .applyAfterGap(let missing): report.missing = missing
    case .fillsGap: report.fillsGap = true
    case .apply: break
    }
    guard clock.dominates(manifest.assumes) else {
      throw StoreError(
        .invalidData,
        "\(name) requires a base this repository does not have: it assumes \(manifest.assumes), "
          + "this repository has \(clock); nothing was imported",
        hint: "This repository was probably restored from an older copy. "
          + (config.role == .head
            ? "Restore head office's latest repository, or ask the office for a new submission after a reply."
            : "Ask head office for a new reply (outpost reply \(config.replica))."))
    }
    var actors: Set<ReplicaID> = [config.replica]
    for known in try peers() { actors.insert(known.peer) }
    if config.role == .head {
      do {
        try Merge.checkClock(manifest.clock, sender: manifest.from, known: clock, actors: actors)
      } catch { throw StoreError(error) }
    }
    let records: [BundleRecord]
    do { records = try bundle.records() } catch { throw StoreError(error) }
    var merged: [String: [RecordID: RecordState]] = [:]
    var resolutionsByRecord: [String: [String: JSONValue]] = [:]
    for record in records where record.collection == StandardCollections.resolutions.name {
      if let collection = record.state.value("collection")?.stringValue,
        let id = record.state.value("record_id")?.stringValue
      {
        resolutionsByRecord[collection + "/" + id] = record.state.values
      }
    }
    var seenInBundle: [String: RecordID] = [:]
    let staleBelow = try staleHorizon(manifest, peer: peer)
    for record in records {
      let schema: CollectionSchema
      do { schema = try self.schema(record.collection) } catch {
        throw StoreError(.invalidData, "\(name): \(error.message); nothing was imported")
      }
      let folded = record.collection + "/" + record.id.rawValue.lowercased()
      if let earlier = seenInBundle[folded], earlier != record.id {
        throw StoreError(
          .invalidData,
          "\(name): record ids '\(earlier)' and '\(record.id)' in '\(record.collection)' differ "
            + "only by letter case; nothing was imported")
      }
      seenInBundle[folded] = record.id
      let (existing, colliding) = try lookup(record.collection, record.id)
      if let colliding {
        throw StoreError(
          .invalidData,
          "\(name): record id '\(record.id)' collides with '\(colliding)' in "
            + "'\(record.collection)' (they differ only by letter case); nothing was imported")
      }
      if Self.isStaleCopy(record.state, of: existing, below: staleBelow) {
        // Every event of this state was seen everywhere, yet the record here does not hold
        // them: it was deleted and collected (and perhaps written again since, as a new
        // record). An old copy never brings it back (SPEC.md §8.10); head office tells the
        // office to remove its copy at the next reply.
        report.notApplied.append((record.collection, record.id))
        if config.role == .head && existing == nil {
          let key = "\(record.collection)/\(record.id)"
          if peer.dropped[key] == nil { peer.dropped[key] = 0 }
        }
        continue
      }
      do throws(SyncError) {
        if config.role == .head {
          try Merge.checkSubmitted(
            record, schema: schema, existing: existing, sender: manifest.from,
            clock: manifest.clock)
        } else {
          guard manifest.clock.dominates(record.state.context) else {
            throw SyncError(
              .invalid, "record \(record.collection)/\(record.id) goes beyond the bundle's clock")
          }
          try Merge.checkValues(
            record.state, schema: schema, name: "\(record.collection)/\(record.id)")
          try Merge.checkShape(
            record.state, schema: schema, id: record.id,
            name: "\(record.collection)/\(record.id)")
        }
      } catch { throw StoreError(error) }
      let (state, outcome) = Merge.join(record.state, into: existing)
      report.outcomes.append((record.collection, record.id, outcome))
      if outcome != .unchanged { merged[record.collection, default: [:]][record.id] = state }
      if let existing {
        report.replaced += replacedValues(
          record.collection, record.id, before: existing, after: state,
          resolution: resolutionsByRecord[record.collection + "/" + record.id.rawValue])
      }
    }
    if config.role == .head {
      // Drop notices the office has now applied.
      peer.dropped = peer.dropped.filter { $0.value == 0 || $0.value > manifest.acknowledges }
    } else {
      try collectReceived(manifest, into: &merged, peer: &peer, report: &report)
    }
    peer.received.lastSeq = max(peer.received.lastSeq, manifest.seq)
    if manifest.seq == peer.received.lastSeq { peer.received.lastHash = bundle.hash }
    peer.received.accepted[manifest.seq] = bundle.hash
    peer.received.clock.merge(manifest.clock)
    peer.received.acknowledges = max(peer.received.acknowledges, manifest.acknowledges)
    if manifest.seq == peer.received.lastSeq { peer.received.at = now() }
    if config.role == .head {
      report.resolvedByRule = try applyRules(to: &merged, rules: resolutionRules().rules)
    }
    guard !dryRun else { return report }
    report.transaction = try commitTransaction(
      command: "\(config.role == .head ? "merge" : "receive") \(manifest.from) seq \(manifest.seq)",
      entries: Self.entries(merged), states: merged, documents: [manifest.from.rawValue: peer.json])
    return report
  }

  private func replacedValues(
    _ collection: String, _ id: RecordID, before: RecordState, after: RecordState,
    resolution: [String: JSONValue]?
  ) -> [ReplacedValue] {
    var result: [ReplacedValue] = []
    let me = config.replica
    func lost(_ field: String, _ old: [Versioned], _ new: [Versioned]) {
      for value in old
      where value.dot.replica == me && !new.contains(where: { $0.dot == value.dot }) {
        guard new.first?.value != value.value || new.count > 1 else { continue }
        let decided = resolution?["fields"]?.stringValue?.split(separator: ",").contains {
          $0 == field
        }
        result.append(
          ReplacedValue(
            collection: collection, id: id, field: field, mine: value.value, now: new.last?.value,
            by: new.last?.dot, resolution: decided == true ? resolution : nil))
      }
    }
    // Hidden values of a deleted record are not news; its deletion is.
    for (field, values) in before.fields.sorted(by: { $0.key < $1.key }) where !after.isDeleted {
      lost(field, values, after.fields[field] ?? [])
    }
    if before.isDeleted != after.isDeleted { lost("deleted", before.deleted, after.deleted) }
    return result
  }

  // MARK: Resolving conflicts

  /// Every record with an open conflict, sorted by collection and id.
  public func conflicts() throws(StoreError) -> [(
    collection: String, id: RecordID, state: RecordState
  )] {
    var result: [(String, RecordID, RecordState)] = []
    for schema in collections {
      for (id, state) in try states(schema.name) where state.isConflicted {
        result.append((schema.name, id, state))
      }
    }
    return result
  }

  /// Resolves one conflicted record at head office: an ordinary write that dominates every
  /// candidate, plus a `resolutions` record saying who chose what, when and why.
  public func resolve(
    collection: String, id: RecordID, choice: ResolutionChoice, note: String?, rule: String? = nil
  ) throws(StoreError) -> (resolutionID: RecordID, chosen: [String: JSONValue]) {
    guard config.role == .head else {
      throw StoreError(
        .notPermitted, "conflicts are resolved at head office",
        hint: "Head office's decision reaches this office in its next reply.")
    }
    let schema = try schema(collection)
    guard let state = try state(collection, id) else {
      throw StoreError(.notFound, "no record '\(id)' in '\(collection)'")
    }
    if case .set(let values) = choice {
      for (field, value) in values {
        guard schema.field(field) != nil else {
          throw StoreError(.invalidData, "'\(collection)' has no field '\(field)'")
        }
        if schema.keyFields.contains(field), state.value(field) != value {
          throw StoreError(.invalidData, "'\(field)' is part of the record id and cannot change")
        }
      }
    }
    if let note {
      do throws(ModelError) { _ = try FieldType.text.validateJSON(.string(note)) } catch {
        throw StoreError(
          .invalidData, "the note is not valid: \(error.message); nothing was resolved",
          hint: "Write the reason on one line, at most 1000 bytes.")
      }
    }
    var counter = lastCounter() + 1
    let built = try buildResolution(
      collection: collection, id: id, state: state, choice: choice, note: note, rule: rule,
      counter: &counter)
    let states: [String: [RecordID: RecordState]] = [
      collection: [id: built.resolved],
      StandardCollections.resolutions.name: [built.auditID: built.audit],
    ]
    _ = try commitTransaction(
      command: "resolve \(collection)/\(id) (\(choice.summary))", note: note,
      entries: Self.entries(states), states: states)
    return (built.auditID, built.chosen)
  }

  /// Journal entries for record states, sorted by collection and id.
  static func entries(_ states: [String: [RecordID: RecordState]]) -> [[(String, JSONValue)]] {
    states.keys.sorted().flatMap { collection in
      states[collection]!.keys.sorted().map { id in
        [
          ("kind", JSONValue.string("record")), ("collection", .string(collection)),
          ("id", .string(id.rawValue)), ("state", states[collection]![id]!.json),
        ]
      }
    }
  }

  /// Builds a resolution of `state`: the resolved state (dot `counter`) and its audit record
  /// (dot `counter + 1`, id `<replica>-<counter + 1>`); advances `counter` past both.
  func buildResolution(
    collection: String, id: RecordID, state: RecordState, choice: ResolutionChoice,
    note: String?, rule: String?, counter: inout UInt64
  ) throws(StoreError) -> (
    resolved: RecordState, auditID: RecordID, audit: RecordState, chosen: [String: JSONValue]
  ) {
    let name = "\(collection)/\(id)"
    let resolved: RecordState
    let chosen: [String: JSONValue]
    try checkNewDot(Dot(config.replica, counter), collection, id, state)
    do {
      (resolved, chosen) = try Resolution.resolve(
        state, choice, at: Dot(config.replica, counter), name: name)
    } catch { throw StoreError(error) }
    let candidates = Resolution.candidates(state).map { candidate in
      JSONValue.object(
        JSONObject(uncheckedPairs: [
          ("field", .string(candidate.field)), ("dot", .string(candidate.dot.description)),
          ("value", candidate.value),
        ]))
    }
    counter += 1
    let auditID = RecordID(unchecked: "\(config.replica)-\(counter)")
    if let existing = try self.state(StandardCollections.resolutions.name, auditID) {
      try checkNewDot(
        Dot(config.replica, counter), StandardCollections.resolutions.name, auditID, existing)
      throw StoreError(
        .corrupt,
        "resolutions/\(auditID) already exists, but this repository's clock says event "
          + "\(config.replica):\(counter) is unused: \(Self.stateFile) is behind the records; "
          + "nothing was resolved",
        hint: Self.restoreHint)
    }
    var audit = RecordState()
    var fields: [String: JSONValue] = [
      "collection": .string(collection), "record_id": .string(id.rawValue),
      "fields": .string(chosen.keys.sorted().joined(separator: ",")),
      "choice": .string(choice.summary), "note": note.map { .string($0) } ?? .null,
      "decided_by": .string(config.replica.rawValue), "decided_at": .string(now()),
      "candidates": .string(JSONWriter.canonicalString(.array(candidates))),
      "rule": rule.map { .string($0) } ?? .null,
    ]
    fields = fields.filter { $0.value != .null }
    audit.write(fields, at: Dot(config.replica, counter))
    counter += 1
    // The audit record travels in replies: it must pass the checks every receiver makes.
    do {
      try Merge.checkValues(audit, schema: StandardCollections.resolutions, name: "resolution")
    } catch {
      throw StoreError(.invalidData, "\(error.message); nothing was resolved")
    }
    return (resolved, auditID, audit, chosen)
  }

  /// The valid rules in `resolution_rules`, and the record ids of any that are not valid.
  public func resolutionRules() throws(StoreError) -> (rules: [ResolutionRule], invalid: [RecordID])
  {
    var rules: [ResolutionRule] = []
    var invalid: [RecordID] = []
    for (id, state) in try states(StandardCollections.resolutionRules.name)
    where !state.isDeleted {
      if let rule = ResolutionRule(
        values: state.values, schemas: { name in try? self.schema(name) })
      {
        rules.append(rule)
      } else {
        invalid.append(id)
      }
    }
    return (rules, invalid)
  }

  /// Settles every open conflict that the remembered rules decide (head office), in one
  /// transaction.
  ///
  /// - Returns: the records resolved, with the rules used.
  public func settleByRules() throws(StoreError) -> [(
    collection: String, id: RecordID, rules: [String]
  )] {
    guard config.role == .head else {
      throw StoreError(.notPermitted, "conflicts are resolved at head office")
    }
    var states: [String: [RecordID: RecordState]] = [:]
    for conflict in try conflicts() {
      states[conflict.collection, default: [:]][conflict.id] = conflict.state
    }
    let settled = try applyRules(to: &states, rules: resolutionRules().rules)
    guard !settled.isEmpty else { return [] }
    var changed: [String: [RecordID: RecordState]] = [:]
    for entry in settled {
      changed[entry.collection, default: [:]][entry.id] = states[entry.collection]![entry.id]
    }
    changed[StandardCollections.resolutions.name] = states[StandardCollections.resolutions.name]
    _ = try commitTransaction(
      command: "rules apply (\(settled.count) conflict(s))", entries: Self.entries(changed),
      states: changed)
    return settled
  }

  /// Settles, by the remembered rules, the conflicts among `states` (head office only); the
  /// resolved states and their audit records are added to `states`.
  ///
  /// - Returns: the records resolved, with the rules used.
  func applyRules(
    to states: inout [String: [RecordID: RecordState]], rules: [ResolutionRule]
  ) throws(StoreError) -> [(collection: String, id: RecordID, rules: [String])] {
    guard config.role == .head, !rules.isEmpty else { return [] }
    var counter = lastCounter() + 1
    var resolved: [(String, RecordID, [String])] = []
    for collection in states.keys.sorted() {
      for (id, state) in states[collection]!.sorted(by: { $0.key < $1.key })
      where state.isConflicted {
        let schema = try schema(collection)
        let owner =
          schema.ownership == .head
          ? config.replica : state.value("office_id")?.stringValue.flatMap { try? ReplicaID($0) }
        guard
          let decision = ResolutionRule.decide(
            state, collection: collection, rules: rules, head: config.replica, owner: owner)
        else { continue }
        let built = try buildResolution(
          collection: collection, id: id, state: state, choice: decision.choice, note: nil,
          rule: decision.rules.joined(separator: ","), counter: &counter)
        states[collection]![id] = built.resolved
        states[StandardCollections.resolutions.name, default: [:]][built.auditID] = built.audit
        resolved.append((collection, id, decision.rules))
      }
    }
    return resolved
  }
}

extension StoreError {
  /// Maps a sync refusal to a store error (and so to an exit status).
  package init(_ error: SyncError) {
    switch error.code {
    case .invalid: self.init(.invalidData, error.message, hint: error.hint)
    case .authentication, .notPermitted: self.init(.notPermitted, error.message, hint: error.hint)
    }
  }
}
