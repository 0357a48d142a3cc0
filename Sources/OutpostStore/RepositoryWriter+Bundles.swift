import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

extension RepositoryWriter {
  // MARK: Making bundles

  /// Makes the next bundle for `peer`.
  ///
  /// A submission from a branch to head office, or a reply from head office to an office. The
  /// bundle's sequence number is committed before the bytes
  /// are returned, so a number is never used for two different bundles.
  ///
  /// It holds every record whose state the peer may lack: not covered by the clock the peer
  /// last reported (bundles are cumulative until acknowledged).
  /// A reply leaves out other offices' personal records, and their rows, unless head office's
  /// policies share them (SPEC.md §2.8, §8.6); one made under `own_office` says so in
  /// `extra.record_visibility`. A reply also carries the notes of head office's changes to the
  /// records it carries that the office has not seen (`extra.notes`).
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
          ? "Enroll it:" : "Create the repository with the key file from head office:",
        remedy: config.role == .head
          ? .enroll(office: peerID.rawValue) : .createWithKey(office: config.replica.rawValue))
    }
    guard !peer.revoked else {
      throw StoreError(.notPermitted, "the key of office '\(peerID)' is revoked")
    }
    let office = config.role == .head ? peerID : config.replica
    guard let key = try key(shared: office) else {
      throw StoreError(.corrupt, "the key file keys/\(office).json is missing")
    }
    let assumes = config.role == .head ? knowledge(of: peer) : peer.received.clock
    // Which records a reply carries; when the office has not seen a policy that shares what
    // was withheld before, that travels too.
    let policy = config.role == .head ? try replyPolicy(for: peer) : nil
    let records = try bundleRecords(for: peer, assumes: assumes, policy: policy)
    var extra = given
    if let policy {
      extra[RecordVisibility.policyID] = .string(policy.records.rawValue)
      // The notes of head office's changes the office has not seen, on records it is sent.
      let carried = Set(records.map { "\($0.collection)/\($0.id)" })
      let notes = try notesUnseen(by: peer) { carried.contains("\($0)/\($1)") }
      if !notes.isEmpty { extra["notes"] = .array(notes.map(\.json)) }
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
    let createdAt = now()
    let manifest = BundleManifest(
      kind: config.role == .head ? .reply : .submission, from: config.replica, to: peerID,
      seq: peer.sent.lastSeq + 1, previous: peer.sent.lastHash, keyID: key.keyID,
      assumes: assumes, clock: clock, acknowledges: peer.received.lastSeq,
      createdAt: createdAt.description,
      extra: extra)
    let (bytes, hash, complete) = BundleCodec.encode(manifest, records: records, key: key)
    peer.sent.madeAt = marks(afterMaking: manifest.seq, for: peer)
    if config.role == .head {
      // Kept for the same replies as the marks: the horizon reads the acknowledged one's.
      peer.sent.clocks = peer.sent.clocks.filter { peer.sent.madeAt[$0.key] != nil }
      peer.sent.clocks[manifest.seq] = clock
      // The first reply of a run made under one rows policy: once the office acknowledges it,
      // it holds what that policy gives it (the KPI values of every other office, §8.6).
      if let policy, peer.recordVisibility?.value != policy.records {
        peer.recordVisibility = PeerState.AppliedPolicy(seq: manifest.seq, value: policy.records)
      }
    }
    peer.sent.lastSeq += 1
    peer.sent.lastHash = hash
    peer.sent.at = createdAt
    _ = try commitTransaction(
      command: "\(manifest.kind == .reply ? "reply" : "submit") \(peerID) seq \(manifest.seq)",
      documents: [.peer(peerID): peer.json])
    return MadeBundle(bytes: bytes, manifest: complete, hash: hash)
  }

  // MARK: Applying bundles

  /// Verifies and applies a bundle, all or nothing.
  ///
  /// A submission at head office (`merge`), a reply at a branch (`receive`).
  public func applyBundle(_ bytes: [UInt8], name: String) throws(StoreError) -> ApplyReport {
    try applyBundle(bytes, name: name) { _ throws(StoreError) in [:] }
  }

  /// Verifies and applies a bundle, all or nothing, journaling with it the documents
  /// `documents` makes from what applying it would do (before it is committed).
  package func applyBundle(
    _ bytes: [UInt8], name: String,
    documents: (ApplyReport) throws(StoreError) -> [DocumentName: JSONValue]
  ) throws(StoreError) -> ApplyReport {
    let plan = try planBundle(bytes, name: name)
    var report = plan.report
    guard !report.alreadyApplied else { return report }
    var written = try documents(report)
    written[.peer(report.manifest.from)] = plan.peer.json
    do {
      report.transaction = try commitTransaction(
        command: plan.command, records: Self.records(plan.states), states: plan.states,
        documents: written)
    } catch {
      throw Self.bundleRefusal(error, name: name)
    }
    return report
  }
}
