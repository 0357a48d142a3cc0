import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

/// What applying a verified bundle changes: computed by a reader, committed by the writer.
struct BundlePlan {
  /// The report; its transaction is set when the plan is committed.
  var report: ApplyReport
  /// The records' new states, by collection and id.
  var states: [String: [RecordID: RecordState]]
  /// The sender's peer document after the bundle.
  var peer: PeerState

  /// The journal's command for the transaction.
  var command: String {
    let manifest = report.manifest
    return "\(manifest.kind == .reply ? "receive" : "merge") \(manifest.from) seq \(manifest.seq)"
  }
}

extension RepositoryReader {
  // MARK: Planning what a bundle changes

  /// Verifies a bundle and reports what applying it would do; nothing is written
  /// (`merge --dry-run`).
  public func previewBundle(_ bytes: [UInt8], name: String) throws(StoreError) -> ApplyReport {
    try planBundle(bytes, name: name).report
  }

  /// Verifies a bundle and computes what applying it changes, writing nothing.
  func planBundle(_ bytes: [UInt8], name: String) throws(StoreError) -> BundlePlan {
    do { return try planBundleChecked(bytes, name: name) } catch {
      throw Self.bundleRefusal(error, name: name)
    }
  }

  /// Every refusal of a bundle names the file and says what to do.
  static func bundleRefusal(_ error: StoreError, name: String) -> StoreError {
    var error = error
    if !error.message.contains(name) { error.message = "\(name): " + error.message }
    if error.hint == nil, error.code == .invalidData || error.code == .notPermitted {
      error.hint =
        "Nothing from this bundle was imported. If it came from an office, ask it to run "
        + "'outpost verify' and make a new bundle; if it was altered, do not merge it."
    }
    return error
  }

  private func planBundleChecked(_ bytes: [UInt8], name: String) throws(StoreError) -> BundlePlan {
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
      return BundlePlan(report: report, states: [:], peer: peer)
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
    return BundlePlan(report: report, states: merged, peer: peer)
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
}
