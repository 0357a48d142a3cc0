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

  /// Whether a record is personal (§2.8) at a head office holding `records`: every `staff`
  /// record, whatever it holds; otherwise as ``personalOwner(_:_:in:)`` says.
  static func isPersonal(_ key: String, _ state: MState, in records: [String: MState]) -> Bool {
    key.hasPrefix("staff/") || personalOwner(key, state, in: records) != nil
  }

  /// ``isPersonal(_:_:in:)`` with the records this replica holds (meant for head office).
  func isPersonal(_ key: String, _ state: MState) -> Bool {
    Self.isPersonal(key, state, in: records)
  }

  /// The office a personal record belongs to, at a head office holding `records` (§2.8).
  ///
  /// A `resolutions` record of a conflict on a personal record is personal to the same office:
  /// the one of the resolved record (its `collection` and `record_id`) as head office holds it,
  /// or, for a `staff` record head office no longer holds, the office its id begins with (the
  /// text before the first `.`). Any other record: ``recordOwner(_:_:)``.
  static func personalOwner(_ key: String, _ state: MState, in records: [String: MState])
    -> String?
  {
    guard key.hasPrefix("resolutions/") else { return recordOwner(key, state) }
    func text(_ field: String) -> String? {
      guard let value = state.provisional(field), value.hasPrefix("\"") else { return nil }
      return String(value.dropFirst().dropLast())
    }
    guard let collection = text("collection"), let id = text("record_id") else { return nil }
    let resolved = "\(collection)/\(id)"
    if let held = records[resolved], held.exists {
      return recordOwner(resolved, held)
    }
    guard collection == "staff", let dot = id.firstIndex(of: ".") else { return nil }
    return String(id[..<dot])
  }

  /// ``personalOwner(_:_:in:)`` with the records this replica holds (meant for head office).
  func personalOwner(_ key: String, _ state: MState) -> String? {
    Self.personalOwner(key, state, in: records)
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
  /// `staff` (a `resolutions` record needs head office's records: ``personalOwner(_:_:in:)``).
  static func recordOwner(_ key: String, _ state: MState) -> String? {
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
  ///
  /// Personal records follow `staff_visibility`; other offices' rows (and their resolutions)
  /// follow `record_visibility` (ReferenceModel+Rows.swift).
  func carries(_ key: String, _ state: MState, to recipient: String, assumes: MClock) -> Bool {
    let ordinary = !assumes.dominates(state.context)
    guard isHead else { return ordinary }
    guard let owner = personalOwner(key, state) else {
      guard let (office, row) = Self.rowOwner(key, state, in: records), office != recipient else {
        return ordinary
      }
      return carriesRow(row, to: recipient, assumes: assumes, ordinary: ordinary)
    }
    guard owner != recipient else { return ordinary }
    switch privacy(assumes: assumes) {
    case .withhold: return false
    case .ordinary: return ordinary
    case .everything: return true
    }
  }
}
