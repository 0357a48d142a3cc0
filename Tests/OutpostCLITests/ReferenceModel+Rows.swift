// Other offices' rows in replies (SPEC.md §2.8 "Other offices' rows", §8.6, §8.8), modelled
// from SPEC's text alone.

extension MReplica {
  static let rowPolicyKey = "policies/record_visibility"

  /// Head office's `record_visibility` policy: `all_offices` only when the record is live and
  /// says so; no record (or a deleted one) is the default `own_office`.
  var keepsRowsHome: Bool {
    guard let policy = records[Self.rowPolicyKey], policy.isLive else { return true }
    return policy.provisional("value") != "\"all_offices\""
  }

  /// The office a row belongs to, at a replica holding `records`, or nil when not a row.
  ///
  /// An `orders` record belongs to its provisional `office_id` ("" when it has
  /// none); a `resolutions` record of a conflict on an `orders` record follows that record as
  /// `records` holds it (no office, "", when not held). Personal records and head office's collections are
  /// not rows.
  static func rowOwner(_ key: String, _ state: MState, in records: [String: MState]) -> (
    office: String, row: MState
  )? {
    if key.hasPrefix("orders/") {
      let office = state.provisional("office_id") ?? ""
      return (office.hasPrefix("\"") ? String(office.dropFirst().dropLast()) : "", state)
    }
    guard key.hasPrefix("resolutions/"), let collection = state.provisional("collection"),
      collection == "\"orders\"", let id = state.provisional("record_id")
    else { return nil }
    let resolved = "orders/\(id.dropFirst().dropLast())"
    // A row not held belongs to no office that can be named.
    guard let row = records[resolved] else { return ("", MState()) }
    return rowOwner(resolved, row, in: records)
  }

  /// Whether a reply to `recipient` carries another office's row `state` (`row`: the row itself,
  /// for a resolution the record it resolved), given the payload rule's `ordinary` answer.
  func carriesRow(
    _ row: MState, to recipient: String, assumes: MClock, ordinary: Bool
  ) -> Bool {
    if keepsRowsHome { return ordinary && row.context[recipient] > 0 }
    // §2.8: all_offices not yet seen by the office (a deleted or absent policy record counts,
    // its context being what the office must have seen) brings every row, seen or not.
    let policy = records[Self.rowPolicyKey]?.context ?? MClock()
    return ordinary || !assumes.dominates(policy)
  }

  /// At a branch applying `bundle`: whether it sets other offices' rows aside, and whether it
  /// looks at every row it holds.
  ///
  /// It looks at every one when the policy is newly `own_office` here. Updates the policy kept
  /// for head office (§8.8): a reply newer than every one applied brings its own.
  static func rowRule(for bundle: MBundle, peer: inout MPeer) -> (
    setsAside: Bool, scansHeld: Bool
  ) {
    let kept = peer.rowPolicy
    var effective = bundle.rowPolicy
    if let kept, kept.seq > bundle.seq {
      effective = kept.value
    } else {
      peer.rowPolicy = (bundle.seq, bundle.rowPolicy)
    }
    let own = effective == "own_office"
    return (own, own && kept?.value != "own_office")
  }

  /// Whether a branch sets `state` aside: another office's row whose every event the reply's
  /// `clock` covers.
  func setsAside(_ key: String, _ state: MState, in records: [String: MState], clock: MClock)
    -> Bool
  {
    guard let (office, _) = Self.rowOwner(key, state, in: records), office != id else {
      return false
    }
    return clock.dominates(state.context)
  }
}

extension MReplica {
  /// At a branch, after the reply's records and what it collects: when the policy is newly
  /// `own_office`, every other office's row held is set aside; then every `resolutions` record
  /// the reply wrote (or, newly, every one held) whose context the reply's clock covers and
  /// whose resolved record was set aside, or is held and is another office's row that clock
  /// covers.
  func setAsideHeld(
    _ scansHeld: Bool, _ bundle: MBundle, written: inout [String: MState],
    outcomes: inout [String: String], setAside: inout [String]
  ) {
    if scansHeld {
      for key in records.keys.sorted()
      where key.hasPrefix("orders/") && written[key] == nil
        && setsAside(key, records[key]!, in: records, clock: bundle.clock)
      {
        records[key] = nil
        setAside.append(key)
      }
    }
    var candidates = written.filter { $0.key.hasPrefix("resolutions/") }
    if scansHeld {
      for (key, state) in records where key.hasPrefix("resolutions/") && written[key] == nil {
        candidates[key] = state
      }
    }
    for key in candidates.keys.sorted() {
      let state = candidates[key]!
      guard bundle.clock.dominates(state.context),
        let collection = state.provisional("collection"), collection == "\"orders\"",
        let id = state.provisional("record_id")
      else { continue }
      let resolved = "orders/\(id.dropFirst().dropLast())"
      let drops: Bool
      if setAside.contains(resolved) {
        drops = true
      } else if let row = written[resolved] ?? records[resolved] {
        drops = setsAside(resolved, row, in: records, clock: bundle.clock)
      } else {
        drops = true  // a row not held names no office
      }
      guard drops else { continue }
      if records[key] != nil {
        records[key] = nil
        setAside.append(key)
      }
      written[key] = nil
      outcomes[key] = nil
    }
  }
}
