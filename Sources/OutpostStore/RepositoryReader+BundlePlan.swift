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
        "Nothing from this bundle was imported; if it was altered, do not merge it. If it came "
        + "from an office, ask it to check its repository and make a new bundle:"
      error.remedy = .verifyAndSubmit
    }
    return error
  }

  /// Verifies the bundle, gathers what the planner needs (the sender's peer document, the known
  /// replicas, head office's horizon, the records the bundle names), plans, and at head office
  /// settles the conflicts it opened that remembered rules decide.
  private func planBundleChecked(_ bytes: [UInt8], name: String) throws(StoreError) -> BundlePlan {
    let bundle: VerifiedBundle
    do {
      bundle = try BundleCodec.verify(
        bytes, name: name, recipient: config.replica, keys: keyStatus)
    } catch {
      throw StoreError(error)
    }
    let peer = try peer(bundle.manifest.from)
    var actors: Set<ReplicaID> = [config.replica]
    for known in try peers() { actors.insert(known.peer) }
    let planner = BundlePlanner(
      ownership: ownership, clock: clock, actors: actors,
      horizon: config.role == .head ? try collectedHorizon() : VersionVector(),
      schemas: Dictionary(uniqueKeysWithValues: collections.map { ($0.name, $0) }), now: now())
    var plan = try planner.plan(bundle, name: name, peer: peer, reading: PlanSource(self))
    var report = ApplyReport(manifest: bundle.manifest, hash: bundle.hash)
    switch plan.admission {
    case .alreadyApplied:
      report.alreadyApplied = true
      return BundlePlan(report: report, states: [:], peer: plan.peer)
    case .applyAfterGap(let missing): report.missing = missing
    case .fillsGap: report.fillsGap = true
    case .apply: break
    }
    report.outcomes = plan.outcomes
    report.replaced = plan.replaced
    report.notApplied = plan.notApplied
    report.removed = plan.removed
    report.collectedCount = plan.collectedCount
    report.setAside = plan.setAside
    if config.role == .head {
      report.resolvedByRule = try applyRules(to: &plan.states, rules: resolutionRules().rules)
    }
    return BundlePlan(report: report, states: plan.states, peer: plan.peer)
  }
}

/// What the planner reads of a repository: records by id, and every record a test accepts
/// (those a horizon makes collectable, other offices' rows to set aside).
private struct PlanSource: BundlePlanSource {
  let repository: RepositoryReader

  init(_ repository: RepositoryReader) { self.repository = repository }

  func record(_ collection: String, _ id: RecordID) throws(StoreError) -> (
    state: RecordState?, collidingID: RecordID?
  ) {
    try repository.lookup(collection, id)
  }

  func records(where matches: (String, RecordState) -> Bool) throws(StoreError) -> [(
    collection: String, id: RecordID, state: RecordState
  )] {
    var result: [(String, RecordID, RecordState)] = []
    for schema in repository.collections {
      for (id, state) in try repository.states(schema.name, where: { matches(schema.name, $1) }) {
        result.append((schema.name, id, state))
      }
    }
    return result
  }
}
