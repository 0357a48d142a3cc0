// Other offices' KPI values in replies (SPEC.md §8.6 "Other offices' KPIs", §8.8), modelled
// from SPEC's text alone: which offices travel, not the values.

/// Which offices' values a reply's `extra.kpi_results` carries.
enum MKPIResults: Equatable, CustomStringConvertible {
  /// `complete: true`: every other office with values.
  case complete
  /// `complete: false`: exactly these offices.
  case offices(Set<String>)

  var description: String {
    switch self {
    case .complete: return "complete"
    case .offices(let offices): return "offices \(offices.sorted())"
    }
  }
}

extension MReplica {
  /// At head office, making reply `seq` to `recipient`: which offices' KPI values it carries,
  /// and what the peer document keeps for the next reply.
  ///
  /// None under `all_offices`. Under `own_office` every other office when the office has not
  /// acknowledged a reply made under `own_office` since the policy last changed, when no reply
  /// it acknowledged is remembered (the payload is found by walking every record), or when a
  /// changed `orders` record (the only collection here the KPIs read) names no office or is no
  /// longer held; otherwise the offices of the `orders` records changed since the reply it
  /// acknowledged was made (its `office_id` and every office in its context), without the
  /// recipient, and none when that leaves none.
  func kpiResults(to recipient: String, peer: inout MPeer, seq: UInt64) -> MKPIResults? {
    let policy = keepsRowsHome ? "own_office" : "all_offices"
    let run = peer.sentRowPolicy
    let seen = run?.value == policy && peer.acknowledges >= run!.seq
    if run?.value != policy { peer.sentRowPolicy = (seq, policy) }
    // §8.8: kept for the reply the office acknowledged and each made after it, at most 32.
    let before = peer.acknowledges > 0 ? peer.recordsAtReply[peer.acknowledges] : nil
    peer.recordsAtReply[seq] = records
    let kept = peer.recordsAtReply.keys.filter { $0 >= peer.acknowledges }.sorted().suffix(32)
    peer.recordsAtReply = peer.recordsAtReply.filter { kept.contains($0.key) }
    guard policy == "own_office" else { return nil }
    guard seen, let before else { return .complete }
    var offices: Set<String> = []
    for key in Set(records.keys).union(before.keys).sorted()
    where key.hasPrefix("orders/") && records[key] != before[key] {
      guard let state = records[key], let office = state.provisional("office_id"),
        office.hasPrefix("\"")
      else { return .complete }
      offices.insert(String(office.dropFirst().dropLast()))
      for (replica, _) in state.context.entries where replica != id { offices.insert(replica) }
    }
    guard !offices.isEmpty else { return nil }
    offices.remove(recipient)
    return offices.isEmpty ? nil : .offices(offices)
  }
}
