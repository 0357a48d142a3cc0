import OutpostCodec
import OutpostModel

/// At a branch, setting aside other offices' rows under head office's `record_visibility`
/// policy `own_office` (SPEC.md §2.8, §8.6).
extension BundlePlanner {
  /// How a reply is applied under head office's row policy.
  struct RowPolicy {
    /// Other offices' rows are set aside: the newest reply applied, this one or a later one,
    /// was made under `own_office`.
    var setsAside: Bool
    /// Every row held is looked at, not only this reply's: the policy is newly `own_office`
    /// here (the first such reply, or one after an `all_offices` one).
    var scansHeld: Bool
  }

  /// The row policy this reply is applied under, keeping the newest in the peer document.
  ///
  /// A reply newer than every one applied brings its own policy; a late one (it fills a gap,
  /// §8.3) is applied under the newest, so an old `all_offices` reply brings back no row a
  /// newer `own_office` one set aside.
  func rowPolicy(_ manifest: BundleManifest, peer: inout PeerState) throws(SyncError)
    -> RowPolicy
  {
    let carried = try RecordVisibility(reply: manifest)
    let kept = peer.recordVisibility
    var effective = carried
    if let kept, kept.seq > manifest.seq {
      effective = kept.value
    } else {
      peer.recordVisibility = PeerState.AppliedPolicy(seq: manifest.seq, value: carried)
    }
    return RowPolicy(
      setsAside: effective == .ownOffice,
      scansHeld: effective == .ownOffice && kept?.value != .ownOffice)
  }

  /// Whether a branch sets `state` aside: another office's row (``RecordVisibility/
  /// isOtherOfficesRow(_:_:for:)``) all of whose events head office had (`clock`, the reply's),
  /// so that nothing written here is lost.
  func isOtherOfficesRow(
    _ schema: CollectionSchema, _ state: RecordState, below clock: VersionVector
  ) -> Bool {
    RecordVisibility.isOtherOfficesRow(schema, state, for: ownership.replica)
      && clock.dominates(state.context)
  }

  /// Sets aside what the reply's own records did not settle: when the policy is newly
  /// `own_office`, every other office's row held; and the `resolutions` records of rows set
  /// aside, of other offices' rows, or of rows not held here (the reply's and, newly, every one
  /// held).
  func setAside<Source: BundlePlanSource>(
    _ rows: RowPolicy, _ records: [BundleRecord], below clock: VersionVector,
    into plan: inout MergePlan, reading source: Source
  ) throws(Source.Failure) {
    func remove(_ collection: String, _ id: RecordID) {
      plan.states[collection, default: [:]][id] = .collected
      plan.setAside.append((collection, id))
    }
    if rows.scansHeld {
      let held = try source.records { collection, state in
        guard let schema = schemas[collection] else { return false }
        return isOtherOfficesRow(schema, state, below: clock)
      }
      for (collection, id, _) in held where plan.states[collection]?[id] == nil {
        remove(collection, id)
      }
    }
    let resolutions = StandardCollections.resolutions.name
    var candidates: [(id: RecordID, state: RecordState)] = []
    for record in records where record.collection == resolutions {
      if let state = plan.states[resolutions]?[record.id], !state.isCollectedMarker {
        candidates.append((record.id, state))
      }
    }
    if rows.scansHeld {
      for (_, id, state) in try source.records(where: { collection, _ in
        collection == resolutions
      }) where plan.states[resolutions]?[id] == nil {
        candidates.append((id, state))
      }
    }
    let setAside = Set(plan.setAside.map { "\($0.collection)/\($0.id)" })
    var dropped: Set<RecordID> = []
    for (id, state) in candidates where clock.dominates(state.context) {
      guard let (collection, target) = Resolution.target(of: state),
        let schema = schemas[collection]
      else { continue }
      if setAside.contains("\(collection)/\(target)") {
        dropped.insert(id)
        continue
      }
      var resolved = plan.states[collection]?[target]
      if resolved == nil { resolved = try source.record(collection, target).state }
      if let resolved, !resolved.isCollectedMarker {
        if isOtherOfficesRow(schema, resolved, below: clock) { dropped.insert(id) }
      } else if schema.ownership == .office,
        StaffVisibility.personalOffice(ofResolution: state, target: { _, _ in nil }) == nil
      {
        // A row not held here belongs to no office this branch can name.
        dropped.insert(id)
      }
    }
    defer {
      plan.setAside.sort { ($0.collection, $0.id.rawValue) < ($1.collection, $1.id.rawValue) }
    }
    guard !dropped.isEmpty else { return }
    for id in dropped.sorted() {
      if try source.record(resolutions, id).state != nil {
        remove(resolutions, id)
      } else {
        plan.states[resolutions]?[id] = nil
      }
    }
    plan.outcomes.removeAll { $0.collection == resolutions && dropped.contains($0.id) }
    plan.replaced.removeAll { $0.collection == resolutions && dropped.contains($0.id) }
  }
}
