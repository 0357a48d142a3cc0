import OutpostCodec
import OutpostModel
import OutpostSync
import Testing

/// SPEC.md §8.7: which candidate a remembered rule picks, and when it must not decide.
struct ResolutionRuleTests {
  let hq = ReplicaID(unchecked: "hq")
  let north = ReplicaID(unchecked: "north")
  let orders = StandardCollections.orders

  /// An order written by north at counter 1, then `amount`/`status` written concurrently by
  /// north (counter 2) and hq (counter 1).
  func conflicted(
    north northValues: [String: JSONValue], hq hqValues: [String: JSONValue]
  ) -> RecordState {
    var base = RecordState()
    base.write(
      ["amount": .string("100.00"), "status": .string("confirmed"), "office_id": .string("north")],
      at: Dot(north, 1))
    var atNorth = base
    atNorth.write(northValues, at: Dot(north, 2))
    var atHQ = base
    atHQ.write(hqValues, at: Dot(hq, 1))
    return atNorth.joined(with: atHQ)
  }

  func rule(_ field: String, _ prefer: ResolutionRule.Preference) throws -> ResolutionRule {
    try ResolutionRule(schema: orders, field: field, prefer: prefer)
  }

  @Test("head, owner, max and min pick the expected candidate")
  func preferences() throws {
    let state = conflicted(north: ["amount": .string("90.00")], hq: ["amount": .string("120.50")])
    #expect(state.conflictedFields == ["amount"])
    let cases: [(ResolutionRule.Preference, String)] = [
      (.head, "120.50"), (.owner, "90.00"), (.max, "120.50"), (.min, "90.00"),
    ]
    for (prefer, expected) in cases {
      let decision = try #require(
        ResolutionRule.decide(
          state, collection: "orders", rules: [rule("amount", prefer)], head: hq, owner: north))
      #expect(decision.rules == ["orders.amount"])
      let (resolved, chosen) = try Resolution.resolve(
        state, decision.choice, at: Dot(hq, 5), name: "orders/o")
      #expect(chosen["amount"] == .string(expected), "\(prefer)")
      #expect(!resolved.isConflicted)
    }
  }

  @Test("max compares amounts as numbers, not as text")
  func numericOrder() throws {
    let state = conflicted(north: ["amount": .string("9.00")], hq: ["amount": .string("10.00")])
    let decision = try #require(
      ResolutionRule.decide(
        state, collection: "orders", rules: [rule("amount", .max)], head: hq, owner: north))
    let (_, chosen) = try Resolution.resolve(state, decision.choice, at: Dot(hq, 5), name: "o")
    #expect(chosen["amount"] == .string("10.00"))
  }

  @Test("a record waits for a person unless every open conflict has a deciding rule")
  func partialCoverage() throws {
    let state = conflicted(
      north: ["amount": .string("90.00"), "status": .string("cancelled")],
      hq: ["amount": .string("120.00"), "status": .string("returned")])
    #expect(
      try ResolutionRule.decide(
        state, collection: "orders", rules: [rule("amount", .head)], head: hq, owner: north)
        == nil)
    // A rule for another collection does not apply.
    #expect(
      try ResolutionRule.decide(
        state, collection: "leads", rules: [rule("amount", .head), rule("status", .head)],
        head: hq, owner: north) == nil)
    // Owner unknown: no decision.
    #expect(
      try ResolutionRule.decide(
        state, collection: "orders", rules: [rule("amount", .owner), rule("status", .owner)],
        head: hq, owner: nil) == nil)
    #expect(
      try ResolutionRule.decide(
        state, collection: "orders", rules: [rule("amount", .owner), rule("status", .head)],
        head: hq, owner: north) != nil)
  }

  @Test("an edit concurrent with a delete follows the 'deleted' rule")
  func editAgainstDelete() throws {
    var base = RecordState()
    base.write(["amount": .string("100.00"), "office_id": .string("north")], at: Dot(north, 1))
    var deleted = base
    deleted.delete(at: Dot(north, 2))
    var edited = base
    edited.write(["amount": .string("80.00")], at: Dot(hq, 1))
    let state = deleted.joined(with: edited)
    #expect(state.hasDeleteConflict)
    for (prefer, ends) in [(ResolutionRule.Preference.owner, true), (.head, false)] {
      let decision = try #require(
        ResolutionRule.decide(
          state, collection: "orders", rules: [rule("deleted", prefer)], head: hq, owner: north))
      let (resolved, _) = try Resolution.resolve(state, decision.choice, at: Dot(hq, 9), name: "o")
      #expect(resolved.isDeleted == ends, "\(prefer)")
      #expect(!resolved.isConflicted)
    }
  }

  @Test("rules that can never work are refused when made")
  func invalidRules() {
    #expect(throws: ModelError.self) { try rule("status", .max) }
    #expect(throws: ModelError.self) { try rule("order_id", .head) }
    #expect(throws: ModelError.self) { try rule("nope", .head) }
    #expect(throws: ModelError.self) { try rule("deleted", .min) }
    #expect(
      ResolutionRule(
        values: ["collection": .string("orders"), "field": .string("amount")],
        schemas: StandardCollections.named) == nil)
  }

  @Test("§8.7.1: a resolution made by rules carries their notes, within the 1000-byte limit")
  func notes() throws {
    var amount = try rule("amount", .owner)
    amount.note = "the invoice is binding"
    var status = try rule("status", .head)
    status.note = "head office decides cancellations"
    let quantity = try rule("quantity", .max)
    let rules = [amount, status, quantity]
    #expect(ResolutionRule.note(for: ["orders.amount"], in: rules) == "the invoice is binding")
    #expect(
      ResolutionRule.note(for: ["orders.amount", "orders.status"], in: rules)
        == "orders.amount: the invoice is binding; orders.status: head office decides cancellations"
    )
    #expect(ResolutionRule.note(for: ["orders.quantity"], in: rules) == nil)
    #expect(
      ResolutionRule.note(for: ["orders.amount", "orders.quantity"], in: rules)
        == "orders.amount: the invoice is binding")
    // The rule read back from its record keeps its note.
    var values = amount.values
    values["note"] = .string("the invoice is binding")
    #expect(ResolutionRule(values: values, schemas: { _ in orders })?.note == amount.note)
    // Two long notes are cut at a character, and the cut is shown.
    amount.note = String(repeating: "發", count: 300)
    status.note = String(repeating: "票", count: 300)
    let long = try #require(
      ResolutionRule.note(for: ["orders.amount", "orders.status"], in: [amount, status]))
    #expect(long.utf8.count <= 1000 && long.hasSuffix("…") && long.hasPrefix("orders.amount: 發"))
  }
}
