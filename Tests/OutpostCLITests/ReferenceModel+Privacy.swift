// Privacy in replies (SPEC.md §2.8 and §8.6), modelled from SPEC's text alone.

/// What a reply does with another office's personal records (SPEC.md §2.8).
enum MPrivacy: Equatable {
  /// `own_office` (or no policy record): they are withheld.
  case withhold
  /// `all_offices`, and the office has seen the policy record: the ordinary payload rule.
  case ordinary
  /// `all_offices`, and the office has not yet seen the policy record: every one of them, seen
  /// or not.
  case everything
}

extension MReplica {
  static let policyKey = "policies/staff_visibility"

  /// Head office's `staff_visibility` policy: `all_offices` only when the record is live and says
  /// so; no record (or a deleted one) is the default `own_office`.
  var sharesAllOffices: Bool {
    guard let policy = records[Self.policyKey], policy.isLive else { return false }
    return policy.provisional("value") == "\"all_offices\""
  }

  /// Whether `gc` may collect a deleted personal record now (SPEC.md §8.10).
  ///
  /// The policy is `all_offices` and every enrolled office's clock, as head office knows it (the
  /// knowledge the horizon uses), covers the policy record's context. The model revokes no office.
  var collectsPersonal: Bool {
    guard sharesAllOffices, let policy = records[Self.policyKey] else { return false }
    return peers.keys.allSatisfy { knowledge(of: $0).dominates(policy.context) }
  }

  /// Whether a record is personal (§2.8): every `staff` record, whatever it holds; otherwise as
  /// ``personalOwner(_:_:)`` says.
  static func isPersonal(_ key: String, _ state: MState) -> Bool {
    key.hasPrefix("staff/") || personalOwner(key, state) != nil
  }

  /// How a reply treats other offices' personal records (`assumes`: the office's clock).
  ///
  /// "Seen" the policy record: its last submission's clock (head office's
  /// knowledge of it) covers the record's context.
  func privacy(assumes: MClock) -> MPrivacy {
    guard sharesAllOffices else { return .withhold }
    return assumes.dominates(records[Self.policyKey]!.context) ? .ordinary : .everything
  }

  /// The office a personal record belongs to (its `office_id`), or nil when the record is not
  /// personal: `staff`, `qualitative_ratings` with a non-null `subject`, `targets` with scope
  /// `staff`.
  static func personalOwner(_ key: String, _ state: MState) -> String? {
    let collection = key.prefix { $0 != "/" }
    let personal: Bool
    switch collection {
    case "staff": personal = true
    case "qualitative_ratings":
      personal = state.provisional("subject").map { $0 != "null" } ?? false
    case "targets": personal = state.provisional("scope") == "\"staff\""
    default: personal = false
    }
    guard personal, let office = state.provisional("office_id"), office.hasPrefix("\"") else {
      return nil
    }
    return String(office.dropFirst().dropLast())
  }

  /// Whether a reply to `recipient` carries `state` (SPEC.md §8.6 payload and §2.8).
  func carries(_ key: String, _ state: MState, to recipient: String, assumes: MClock) -> Bool {
    let ordinary = !assumes.dominates(state.context)
    guard isHead, let owner = Self.personalOwner(key, state), owner != recipient else {
      return ordinary
    }
    switch privacy(assumes: assumes) {
    case .withhold: return false
    case .ordinary: return ordinary
    case .everything: return true
    }
  }
}
