import OutpostCodec
import OutpostModel
import OutpostSync

/// Collecting deleted records, and never bringing a collected one back (SPEC.md §8.10).
extension RepositoryReader {
  // MARK: Collecting tombstones (SPEC.md §8.10)

  /// The horizon below which an incoming state is an old copy of a collected record.
  ///
  /// Head office: its collection horizon. A branch: the horizon of the newest reply it applied,
  /// unless this reply's own horizon covers it (a reply at least that recent holds only records
  /// head office still has, such as those a re-based office set aside, SPEC.md §8.1); so only a
  /// reply that predates the branch's latest collection is held to it.
  func staleHorizon(_ manifest: BundleManifest, peer: PeerState) throws(StoreError)
    -> VersionVector
  {
    if config.role == .head { return try collectedHorizon() }
    let known = peer.collected
    guard !known.isEmpty else { return known }
    let carried = try replyHorizon(manifest)
    return carried?.dominates(known) == true ? VersionVector() : known
  }

  /// The collection horizon a reply carries in `extra.collected`, if any.
  func replyHorizon(_ manifest: BundleManifest) throws(StoreError) -> VersionVector? {
    guard let value = manifest.extra["collected"] else { return nil }
    do { return try VersionVector(json: value) } catch {
      throw StoreError(
        .invalidData, "the reply's collection horizon is invalid: \(error.message)")
    }
  }

  /// Whether `incoming` is an old copy of a record that was collected here: the horizon covers
  /// all of its events (so this replica saw them all), yet the state held here, if any, lacks
  /// some of them.
  static func isStaleCopy(
    _ incoming: RecordState, of existing: RecordState?, below horizon: VersionVector
  ) -> Bool {
    guard !horizon.isEmpty, !incoming.context.isEmpty, horizon.dominates(incoming.context) else {
      return false
    }
    return !(existing?.context.dominates(incoming.context) ?? false)
  }

  /// What head office may assume an office has: the clock of its last submission, without the
  /// office's own entry until it has applied a reply (a repository that installed a key with a
  /// counter floor has written above events it never had, SPEC.md §8.1).
  func knowledge(of peer: PeerState) -> VersionVector {
    var known = peer.received.clock
    if peer.received.acknowledges == 0 { known[peer.peer] = 0 }
    return known
  }

  /// The horizon below which every enrolled office, and head office, has seen every event.
  public func collectionHorizon() throws(StoreError) -> VersionVector {
    var horizon = clock
    for peer in try peers() where !peer.revoked { horizon = horizon.meet(knowledge(of: peer)) }
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
        .corrupt, "\(DocumentName.horizon.file): \(error.message)", hint: RecordFile.verifyHint)
    }
  }

  /// The deleted records every enrolled office has seen, which ``RepositoryWriter/collectGarbage()``
  /// would collect (head office only; `outpost gc --dry-run`).
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
    var collected: [(String, RecordID)] = []
    for schema in collections {
      for (id, state) in try states(schema.name) where state.isCollectable(below: horizon) {
        collected.append((schema.name, id))
      }
    }
    return (horizon, collected)
  }

  /// At a branch receiving a reply: collects what head office says everyone has seen, and
  /// removes records head office collected before this branch's edit of them reached it.
  func collectReceived(
    _ manifest: BundleManifest, into merged: inout [String: [RecordID: RecordState]],
    peer: inout PeerState, report: inout ApplyReport
  ) throws(StoreError) {
    // Horizons only grow: a late reply carries an older one, which lowers nothing.
    var horizon = peer.collected
    if let carried = try replyHorizon(manifest) { horizon = horizon.merging(carried) }
    if case .array(let dropped)? = manifest.extra["dropped"] {
      for entry in dropped {
        guard let text = entry.stringValue, let slash = text.firstIndex(of: "/"),
          let id = try? RecordID(String(text[text.index(after: slash)...]))
        else { continue }
        let collection = String(text[..<slash])
        var current = merged[collection]?[id]
        if current == nil { current = try state(collection, id) }
        // Only an old copy goes: a record this office wrote again since (new events, which the
        // horizon does not cover) is kept (SPEC.md §8.10).
        guard let current, !current.isCollectedMarker, horizon.dominates(current.context) else {
          continue
        }
        merged[collection, default: [:]][id] = .collected
        report.removed.append((collection, id, !current.isDeleted))
      }
    }
    guard !horizon.isEmpty else { return }
    for (collection, states) in merged {
      for (id, state) in states where state.isCollectable(below: horizon) {
        merged[collection]![id] = .collected
        report.collectedCount += 1
      }
    }
    if horizon != peer.collected {
      for schema in collections {
        for (id, state) in try states(schema.name)
        where merged[schema.name]?[id] == nil && state.isCollectable(below: horizon) {
          merged[schema.name, default: [:]][id] = .collected
          report.collectedCount += 1
        }
      }
      peer.collected = horizon
    }
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
