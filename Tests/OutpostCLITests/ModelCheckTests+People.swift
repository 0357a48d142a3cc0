import Foundation
import OutpostCodec

/// Staff assignments and head office's `staff_visibility` policy in the schedules (SPEC.md §2.8,
/// §8.6): branches put and delete their own `staff` records, head office edits and deletes them
/// and widens or narrows the policy.
extension ModelSchedule {
  /// Values a schedule writes when it edits a live record, by collection and field.
  static let editable: [String: [String: [String]]] = [
    "orders": ["amount": amounts, "status": statuses, "quantity": quantities],
    "staff": [
      "name": ["\"Li\"", "\"Wang\"", "\"Zhao\""],
      "active_to": ["\"2025-06-30\"", "\"2025-12-31\""],
    ],
    "policies": ["value": ["\"all_offices\"", "\"own_office\""]],
  ]

  /// Fields `put` fills in from a new record's id (the composite id's key fields, §2.8).
  static let idFields: [String: Set<String>] = [
    "orders": ["office_id"], "staff": ["office_id", "staff_id", "active_from"],
    "policies": ["policy"],
  ]

  /// A field a `resolve --set` may always name, and its values.
  static func filler(_ key: String) -> (field: String, values: [String]) {
    key.hasPrefix("staff/") ? ("name", editable["staff"]!["name"]!) : ("quantity", quantities)
  }

  /// `staff/north.n-1.2025-03-01`: one assignment per person, so none overlaps another (§2.8).
  func staffKey(_ office: String, _ number: Int) -> String {
    "staff/\(office).\(office.prefix(1))-\(number).2025-03-01"
  }

  func staffCreation(_ office: String, _ number: Int) -> [String: String] {
    [
      "office_id": "\"\(office)\"", "staff_id": "\"\(office.prefix(1))-\(number)\"",
      "active_from": "\"2025-03-01\"", "name": pick(Self.editable["staff"]!["name"]!),
      "position": "\"consultant\"", "department": "\"sales\"",
    ]
  }

  /// A script's record id: one with a `/` is a key (`resolutions/hq-3`), one with dots is a
  /// `staff` record's.
  static func scriptKey(_ id: String) -> String {
    id.contains("/") ? id : (id.contains(".") ? "staff/" : "orders/") + id
  }

  /// A new assignment whose composite id is `id` (`north.n-1.2025-03-01`).
  static func staffCreation(id: String) -> [String: String] {
    let parts = id.split(separator: ".").map { "\"\($0)\"" }
    return [
      "office_id": parts[0], "staff_id": parts[1], "active_from": parts[2], "name": "\"Li\"",
      "position": "\"consultant\"", "department": "\"sales\"",
    ]
  }

  /// One of the people steps (`roll` in 0..<12).
  func peopleStep(_ roll: Int) throws {
    switch roll {
    case 0..<5:
      let office = pick(offices)
      let number = 1 + next(2)
      try put(model[office]!, staffKey(office, number), creating: staffCreation(office, number))
    case 5..<7:
      let office = pick(offices)
      let key = staffKey(office, 1 + next(2))
      if model[office]!.records[key] != nil { try delete(model[office]!, key) }
    case 7..<9:
      let keys = hq.records.keys.sorted().filter { $0.hasPrefix("staff/") }
      guard !keys.isEmpty else { return }
      let key = pick(keys)
      if next(4) == 0 || hq.records[key]!.isDeleted {
        try delete(hq, key)
      } else {
        try put(hq, key, creating: [:])
      }
    case 9..<11: try setPolicy(next(5) == 0 ? nil : pick(["all_offices", "own_office"]))
    default: try setRowPolicy(next(5) == 0 ? nil : pick(["all_offices", "own_office"]))
    }
  }

  /// `put policies staff_visibility value=V` at head office, or (nil) its `delete`.
  func setPolicy(_ value: String?) throws {
    try setPolicy("staff_visibility", value)
  }

  /// `put policies record_visibility value=V` at head office, or (nil) its `delete`.
  func setRowPolicy(_ value: String?) throws {
    try setPolicy("record_visibility", value)
  }

  private func setPolicy(_ policy: String, _ value: String?) throws {
    let key = "policies/\(policy)"
    guard let value else {
      coverage["\(policy) deleted", default: 0] += 1
      return try delete(hq, key)
    }
    coverage["\(policy) \(value)", default: 0] += 1
    let json = "\"\(value)\""
    try put(
      hq, key, creating: ["policy": "\"\(policy)\"", "value": json],
      values: hq.records[key]?.isLive == true ? ["value": json] : nil)
  }

  /// SPEC.md §2.8, checked on the bundle the CLI made: under `own_office` a reply carries no
  /// personal record of another office.
  func checkPrivacy(_ payload: [String: MState], _ expected: MBundle) throws {
    guard expected.kind == "reply" else { return }
    if hq.privacy(assumes: expected.assumes) == .everything {
      coverage["reply: everything (policy unseen)", default: 0] += 1
    }
    let shared = hq.sharesAllOffices
    var others = 0
    for (key, state) in payload {
      guard let owner = hq.personalOwner(key, state), owner != expected.to else { continue }
      others += 1
      try require(
        shared, "reply to \(expected.to) carries \(key) of \(owner) under own_office (§2.8)")
    }
    coverage["reply: others' personal", default: 0] += others
    for (key, state) in payload {
      // §2.8: under record_visibility own_office another office's row travels only to an office
      // that wrote one of its events.
      guard let (owner, row) = MReplica.rowOwner(key, state, in: hq.records),
        owner != expected.to
      else { continue }
      coverage["reply: others' rows", default: 0] += 1
      try require(
        !hq.keepsRowsHome || row.context[expected.to] > 0,
        "reply to \(expected.to) carries \(key) of \(owner) under record_visibility own_office")
    }
    let withheld = hq.records.filter { key, state in
      guard let owner = hq.personalOwner(key, state), owner != expected.to else {
        return false
      }
      return !expected.assumes.dominates(state.context) && payload[key] == nil
    }
    coverage["reply: withheld", default: 0] += withheld.count
    coverage["reply: withheld resolutions", default: 0] +=
      withheld.keys.filter { $0.hasPrefix("resolutions/") }.count
  }
}

extension ModelSchedule {
  /// SPEC.md §8.6 "Other offices' KPIs", checked on the reply the CLI made: `extra.kpi_results`
  /// is there exactly when the model says, complete when it says, and otherwise names exactly
  /// the offices it names (the values themselves are the KPI tests' concern).
  func checkKPIResults(_ member: JSONValue?, _ expected: MBundle, _ file: String) throws {
    let offices = Set(member?["offices"]?.objectValue?.keys ?? [])
    var complete: Bool?
    if case .bool(let value)? = member?["complete"] { complete = value }
    switch expected.kpiResults {
    case nil:
      try require(member == nil, "\(name(file)): carries kpi_results, expected none")
      coverage["kpi results: none", default: 0] += 1
    case .complete:
      try require(
        complete == true && !offices.contains(expected.to),
        "\(name(file)): kpi_results complete \(String(describing: complete)) with \(offices.sorted()), "
          + "expected a complete set without \(expected.to)")
      coverage["kpi results: complete", default: 0] += 1
    case .offices(let named):
      try require(
        complete == false && offices == named,
        "\(name(file)): kpi_results complete \(String(describing: complete)) with \(offices.sorted()), "
          + "expected \(named.sorted())")
      coverage["kpi results: changed offices", default: 0] += 1
    }
  }
}
