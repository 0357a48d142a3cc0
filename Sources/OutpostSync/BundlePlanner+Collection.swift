import OutpostCodec
import OutpostModel

/// Never bringing a collected record back, and collecting what a reply says everyone has seen
/// (SPEC.md §8.10).
extension BundlePlanner {
  /// The horizon below which an incoming state is an old copy of a collected record.
  ///
  /// Head office: its collection horizon. A branch: the horizon of the newest reply it applied,
  /// unless this reply's own horizon covers it (a reply at least that recent holds only records
  /// head office still has, such as those a re-based office set aside, SPEC.md §8.1); so only a
  /// reply that predates the branch's latest collection is held to it.
  public func staleHorizon(_ manifest: BundleManifest, peer: PeerState) throws(SyncError)
    -> VersionVector
  {
    if ownership.role == .head { return horizon }
    let known = peer.collected
    guard !known.isEmpty else { return known }
    let carried = try Self.replyHorizon(manifest)
    return carried?.dominates(known) == true ? VersionVector() : known
  }

  /// The collection horizon a reply carries in `extra.collected`, if any.
  public static func replyHorizon(_ manifest: BundleManifest) throws(SyncError) -> VersionVector? {
    guard let value = manifest.extra["collected"] else { return nil }
    do { return try VersionVector(json: value) } catch {
      throw SyncError(.invalid, "the reply's collection horizon is invalid: \(error.message)")
    }
  }

  /// Whether `incoming` is an old copy of a record that was collected here: the horizon covers
  /// all of its events (so this replica saw them all), yet the state held here, if any, lacks
  /// some of them.
  public static func isStaleCopy(
    _ incoming: RecordState, of existing: RecordState?, below horizon: VersionVector
  ) -> Bool {
    guard !horizon.isEmpty, !incoming.context.isEmpty, horizon.dominates(incoming.context) else {
      return false
    }
    return !(existing?.context.dominates(incoming.context) ?? false)
  }

  /// At a branch receiving a reply: collects what head office says everyone has seen, and
  /// removes records head office collected before this branch's edit of them reached it.
  func collectReceived<Source: BundlePlanSource>(
    _ manifest: BundleManifest, into plan: inout MergePlan, reading source: Source
  ) throws(Source.Failure) {
    // Horizons only grow: a late reply carries an older one, which lowers nothing.
    var horizon = plan.peer.collected
    do throws(SyncError) {
      if let carried = try Self.replyHorizon(manifest) { horizon = horizon.merging(carried) }
    } catch { throw Source.Failure(error) }
    if case .array(let dropped)? = manifest.extra["dropped"] {
      for entry in dropped {
        guard let text = entry.stringValue, let slash = text.firstIndex(of: "/"),
          let id = try? RecordID(String(text[text.index(after: slash)...]))
        else { continue }
        let collection = String(text[..<slash])
        var current = plan.states[collection]?[id]
        if current == nil { current = try source.record(collection, id).state }
        // Only an old copy goes: a record this office wrote again since (new events, which the
        // horizon does not cover) is kept (SPEC.md §8.10).
        guard let current, !current.isCollectedMarker, horizon.dominates(current.context) else {
          continue
        }
        plan.states[collection, default: [:]][id] = .collected
        plan.removed.append((collection, id, !current.isDeleted))
      }
    }
    guard !horizon.isEmpty else { return }
    for (collection, states) in plan.states {
      for (id, state) in states where state.isCollectable(below: horizon) {
        plan.states[collection]![id] = .collected
        plan.collectedCount += 1
      }
    }
    if horizon != plan.peer.collected {
      for (collection, id, _) in try source.records(where: { $1.isCollectable(below: horizon) })
      where plan.states[collection]?[id] == nil {
        plan.states[collection, default: [:]][id] = .collected
        plan.collectedCount += 1
      }
      plan.peer.collected = horizon
    }
  }
}
