import OutpostCodec
import OutpostModel

/// An error a ``BundlePlanSource`` throws, which can also carry the planner's own refusals.
public protocol SyncRefusalConvertible: Error {
  /// Wraps a refusal of the bundle.
  init(_ refusal: SyncError)
}

extension SyncError: SyncRefusalConvertible {
  /// The refusal itself.
  public init(_ refusal: SyncError) { self = refusal }
}

/// What planning a bundle reads of the repository, record by record (SPEC.md §8.2 step 17,
/// §8.10).
///
/// The store reads its files; a test reads a dictionary. The planner asks in the order its
/// checks need the records, so a read that fails is reported where it always was.
public protocol BundlePlanSource {
  /// What a read throws; the planner throws its refusals as this type too.
  associatedtype Failure: SyncRefusalConvertible

  /// The stored state of a record (nil if none), and for a record not stored, a stored id that
  /// differs from `id` only by letter case.
  func record(_ collection: String, _ id: RecordID) throws(Failure) -> (
    state: RecordState?, collidingID: RecordID?
  )

  /// Every stored record that `matches` accepts (given its collection and state), sorted by
  /// collection and id.
  func records(where matches: (String, RecordState) -> Bool) throws(Failure) -> [(
    collection: String, id: RecordID, state: RecordState
  )]
}

/// One of this replica's values that a received bundle replaced (SPEC.md §8.6).
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

/// What applying a bundle changes, decided before anything is written (SPEC.md §8.3–§8.5,
/// §8.10).
public struct MergePlan: Sendable {
  /// How the bundle was admitted; ``PeerState/Admission/alreadyApplied`` changes nothing.
  public var admission: PeerState.Admission
  /// Each record's outcome, in the bundle's order (sorted by collection and id).
  public var outcomes: [(collection: String, id: RecordID, outcome: MergeOutcome)] = []
  /// The records' new states (joined, collected or removed), by collection and id.
  public var states: [String: [RecordID: RecordState]] = [:]
  /// Values of this replica's own that the bundle replaced.
  public var replaced: [ReplacedValue] = []
  /// Old copies of collected records, not applied (SPEC.md §8.10).
  public var notApplied: [(collection: String, id: RecordID)] = []
  /// Records a reply removed at a branch (`edited`: the branch's copy was live).
  public var removed: [(collection: String, id: RecordID, edited: Bool)] = []
  /// How many deleted records a branch collects.
  public var collectedCount = 0
  /// Other offices' rows a branch sets aside under head office's `record_visibility`
  /// `own_office` (SPEC.md §8.6).
  public var setAside: [(collection: String, id: RecordID)] = []
  /// The sender's peer document after the bundle.
  public var peer: PeerState
}

/// Decides what applying a verified bundle changes, from plain values and the records it reads
/// (SPEC.md §8.2 steps 11–17, §8.3–§8.5, §8.10): no files, no clock.
///
/// In order: the bundle's kind and recipient, the sender's enrollment, admission (replay,
/// equivocation, gap), the base (`assumes`), at head office the manifest clock; then per record
/// the collection, case-colliding ids, old copies of collected records, the sender's right to
/// write it and its values (head office) or its clock, values and shape (a branch), the join
/// and the values of this replica's it replaced; then at head office the `dropped` notices the
/// office has applied, at a branch what the reply collects and removes; and the sender's peer
/// document. Conflicts settled by remembered rules are left to the caller, which holds the
/// event counter and the `resolutions` collection.
public struct BundlePlanner: Sendable {
  /// This replica and its role.
  public var ownership: OwnershipPolicy
  /// This replica's clock.
  public var clock: VersionVector
  /// Every replica this one knows: itself and every enrolled peer, revoked or not.
  public var actors: Set<ReplicaID>
  /// Head office's collection horizon (SPEC.md §8.10); a branch keeps its own in the peer
  /// document and ignores this.
  public var horizon: VersionVector
  /// Every collection this replica knows, by name.
  public var schemas: [String: CollectionSchema]
  /// Now, by this replica's clock (the peer document's `received.at`).
  public var now: Timestamp

  /// A planner for one replica's repository as it is now.
  public init(
    ownership: OwnershipPolicy, clock: VersionVector, actors: Set<ReplicaID>,
    horizon: VersionVector, schemas: [String: CollectionSchema], now: Timestamp
  ) {
    self.ownership = ownership
    self.clock = clock
    self.actors = actors
    self.horizon = horizon
    self.schemas = schemas
    self.now = now
  }

  private var replica: ReplicaID { ownership.replica }
  private var isHead: Bool { ownership.role == .head }

  /// Plans applying `bundle`, named `name` in messages, from the sender's peer document `peer`
  /// (nil: not enrolled).
  ///
  /// - Throws: the first refusal, as `Source.Failure` (messages as SPEC.md §8.2–§8.4 give
  ///   them), or whatever reading `source` throws.
  public func plan<Source: BundlePlanSource>(
    _ bundle: VerifiedBundle, name: String, peer: PeerState?, reading source: Source
  ) throws(Source.Failure) -> MergePlan {
    let manifest = bundle.manifest
    var plan: MergePlan
    do throws(SyncError) {
      plan = try admit(bundle, name: name, peer: peer)
    } catch { throw Source.Failure(error) }
    if case .alreadyApplied = plan.admission { return plan }
    let records: [BundleRecord]
    let staleBelow: VersionVector
    var rows = RowPolicy(setsAside: false, scansHeld: false)
    do throws(SyncError) {
      records = try bundle.records()
      staleBelow = try staleHorizon(manifest, peer: plan.peer)
      if !isHead { rows = try rowPolicy(manifest, peer: &plan.peer) }
    } catch { throw Source.Failure(error) }
    let resolutions = resolutionsByRecord(records)
    var seenInBundle: [String: RecordID] = [:]
    for record in records {
      let schema: CollectionSchema
      do throws(SyncError) {
        schema = try self.schema(record.collection, name: name)
        try checkCaseCollision(record, in: &seenInBundle, name: name)
      } catch { throw Source.Failure(error) }
      let (existing, colliding) = try source.record(record.collection, record.id)
      if let colliding {
        throw Source.Failure(
          SyncError(
            .invalid,
            "\(name): record id '\(record.id)' collides with '\(colliding)' in "
              + "'\(record.collection)' (they differ only by letter case); nothing was imported"))
      }
      if Self.isStaleCopy(record.state, of: existing, below: staleBelow) {
        // Every event of this state was seen everywhere, yet the record here does not hold
        // them: it was deleted and collected (and perhaps written again since, as a new
        // record). An old copy never brings it back (SPEC.md §8.10); head office tells the
        // office to remove its copy at the next reply.
        plan.notApplied.append((record.collection, record.id))
        if isHead && existing == nil {
          let key = "\(record.collection)/\(record.id)"
          if plan.peer.dropped[key] == nil { plan.peer.dropped[key] = 0 }
        }
        continue
      }
      do throws(SyncError) {
        try check(record, schema: schema, existing: existing, manifest: manifest)
      } catch { throw Source.Failure(error) }
      let (state, outcome) = Merge.join(record.state, into: existing)
      if rows.setsAside && isOtherOfficesRow(schema, state, below: manifest.clock) {
        if existing != nil {
          plan.states[record.collection, default: [:]][record.id] = .collected
          plan.setAside.append((record.collection, record.id))
        }
        continue
      }
      plan.outcomes.append((record.collection, record.id, outcome))
      if outcome != .unchanged { plan.states[record.collection, default: [:]][record.id] = state }
      if let existing {
        plan.replaced += replacedValues(
          record.collection, record.id, before: existing, after: state,
          resolution: resolutions[record.collection + "/" + record.id.rawValue])
      }
    }
    if isHead {
      // Drop notices the office has now applied.
      plan.peer.dropped = plan.peer.dropped.filter {
        $0.value == 0 || $0.value > manifest.acknowledges
      }
    } else {
      try collectReceived(manifest, into: &plan, reading: source)
      if rows.setsAside {
        try setAside(rows, records, below: manifest.clock, into: &plan, reading: source)
      }
    }
    received(bundle, into: &plan.peer)
    return plan
  }

  // MARK: Admission

  /// The bundle-level checks (SPEC.md §8.2 steps 11–15, §8.3): kind, recipient, enrollment,
  /// admission, base and (head office) the manifest clock.
  func admit(_ bundle: VerifiedBundle, name: String, peer: PeerState?) throws(SyncError)
    -> MergePlan
  {
    let manifest = bundle.manifest
    let expected: BundleKind = isHead ? .submission : .reply
    guard manifest.kind == expected else {
      throw SyncError(
        .invalid,
        "\(name) is a \(manifest.kind) bundle; \(isHead ? "head office merges submissions" : "a branch receives replies"); nothing was imported",
        hint: isHead ? "Replies are for branches:" : "Submissions go to head office.",
        remedy: isHead ? .receive : nil)
    }
    guard manifest.to == replica else {
      throw SyncError(
        .invalid,
        "\(name) is addressed to '\(manifest.to)', not to this repository ('\(replica)'); "
          + "nothing was imported", hint: "Give it to the repository of '\(manifest.to)'.")
    }
    guard let peer else {
      throw SyncError(.notPermitted, "'\(manifest.from)' is not enrolled here")
    }
    let admission = try peer.admission(
      seq: manifest.seq, hash: bundle.hash, previous: manifest.previous, name: name)
    let plan = MergePlan(admission: admission, peer: peer)
    if case .alreadyApplied = admission { return plan }
    guard clock.dominates(manifest.assumes) else {
      throw SyncError(
        .invalid,
        "\(name) requires a base this repository does not have: it assumes \(manifest.assumes), "
          + "this repository has \(clock); nothing was imported",
        hint: "This repository was probably restored from an older copy. "
          + (isHead
            ? "Restore head office's latest repository, or ask the office for a new submission after a reply."
            : "Ask head office for a new reply to '\(replica)':"),
        remedy: isHead ? nil : .reply)
    }
    if isHead {
      try Merge.checkClock(manifest.clock, sender: manifest.from, known: clock, actors: actors)
    }
    return plan
  }

  // MARK: Records

  /// The collection of a bundle record (an unknown one refuses the bundle).
  func schema(_ collection: String, name: String) throws(SyncError) -> CollectionSchema {
    guard let schema = schemas[collection] else {
      throw SyncError(
        .invalid, "\(name): unknown collection '\(collection)'; nothing was imported")
    }
    return schema
  }

  /// Refuses two ids of one collection in the bundle that differ only by letter case.
  func checkCaseCollision(
    _ record: BundleRecord, in seen: inout [String: RecordID], name: String
  ) throws(SyncError) {
    let folded = record.collection + "/" + record.id.rawValue.lowercased()
    if let earlier = seen[folded], earlier != record.id {
      throw SyncError(
        .invalid,
        "\(name): record ids '\(earlier)' and '\(record.id)' in '\(record.collection)' differ "
          + "only by letter case; nothing was imported")
    }
    seen[folded] = record.id
  }

  /// The per-record checks (SPEC.md §8.4): at head office everything a submission is checked
  /// for, the sender's ownership included; at a branch the clock, the values and the shape.
  func check(
    _ record: BundleRecord, schema: CollectionSchema, existing: RecordState?,
    manifest: BundleManifest
  ) throws(SyncError) {
    let name = "\(record.collection)/\(record.id)"
    if isHead {
      try Merge.checkSubmitted(
        record, schema: schema, existing: existing, sender: manifest.from, clock: manifest.clock)
      return
    }
    guard manifest.clock.dominates(record.state.context) else {
      throw SyncError(.invalid, "record \(name) goes beyond the bundle's clock")
    }
    try Merge.checkValues(record.state, schema: schema, name: name)
    try Merge.checkShape(record.state, schema: schema, id: record.id, name: name)
  }

  /// The values of the bundle's `resolutions` records, by the record each resolves
  /// (`collection/id`).
  func resolutionsByRecord(_ records: [BundleRecord]) -> [String: [String: JSONValue]] {
    var result: [String: [String: JSONValue]] = [:]
    for record in records where record.collection == StandardCollections.resolutions.name {
      if let collection = record.state.value("collection")?.stringValue,
        let id = record.state.value("record_id")?.stringValue
      {
        result[collection + "/" + id] = record.state.values
      }
    }
    return result
  }

  /// The values this replica wrote that the join removed (SPEC.md §8.6), unless the only value
  /// now in force equals them.
  func replacedValues(
    _ collection: String, _ id: RecordID, before: RecordState, after: RecordState,
    resolution: [String: JSONValue]?
  ) -> [ReplacedValue] {
    var result: [ReplacedValue] = []
    let me = replica
    func lost(_ field: String, _ old: [Versioned], _ new: [Versioned]) {
      for value in old
      where value.dot.replica == me && !new.contains(where: { $0.dot == value.dot }) {
        guard new.first?.value != value.value || new.count > 1 else { continue }
        let decided = resolution?["fields"]?.arrayValue?.contains { $0.stringValue == field }
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

  // MARK: The peer document

  /// Records the bundle as received (SPEC.md §8.3): accepted, highest seq and hash, the
  /// sender's clock and acknowledgement, and when (only for a new highest seq).
  func received(_ bundle: VerifiedBundle, into peer: inout PeerState) {
    let manifest = bundle.manifest
    peer.received.lastSeq = max(peer.received.lastSeq, manifest.seq)
    if manifest.seq == peer.received.lastSeq { peer.received.lastHash = bundle.hash }
    peer.received.accepted[manifest.seq] = bundle.hash
    peer.received.clock.merge(manifest.clock)
    peer.received.acknowledges = max(peer.received.acknowledges, manifest.acknowledges)
    if manifest.seq == peer.received.lastSeq { peer.received.at = now }
  }
}
