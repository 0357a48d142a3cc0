import Foundation
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// SPEC.md §8.7: conflict review through the CLI — `conflicts show` with origins, `resolve`
/// notes, `review` at a terminal, and remembered rules applied at merge.
@Suite(.serialized)
struct ReviewTests {
  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory, stdin: String = "") -> String {
    let result = outpost(arguments, in: temp.path, stdin: Array(stdin.utf8))
    #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors)")
    return result.output
  }

  func order(_ id: String, _ office: String, amount: String) -> [String] {
    [
      "put", "orders", id, "customer_id=c-1", "channel_id=sem", "order_date=2025-03-02",
      "quantity=1", "amount=\(amount)", "status=confirmed", "--repo", office,
    ]
  }

  /// HQ and north; north's orders n-1 and n-2 reach HQ, then both sides edit n-1's amount
  /// and n-2's quantity concurrently and north submits again (not yet merged: `pending.sub`).
  func conflictScenario(_ temp: TemporaryDirectory) {
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
    run(order("n-1", "north", amount: "100.00"), temp)
    run(order("n-2", "north", amount: "50.00"), temp)
    run(["submit", "--out", "1.sub", "--repo", "north"], temp)
    run(["merge", "1.sub", "--repo", "hq"], temp)
    run(["put", "orders", "n-1", "amount=110.00", "--repo", "north"], temp)
    run(["put", "orders", "n-1", "amount=130.00", "--repo", "hq"], temp)
    run(["put", "orders", "n-2", "quantity=2", "--repo", "north"], temp)
    run(["put", "orders", "n-2", "quantity=3", "--repo", "hq"], temp)
    run(["submit", "--out", "pending.sub", "--repo", "north"], temp)
  }

  @Test("conflicts show names where each candidate came from and the value before")
  func showOrigins() {
    let temp = TemporaryDirectory()
    conflictScenario(temp)
    run(["merge", "pending.sub", "--repo", "hq"], temp)
    let shown = run(["conflicts", "show", "orders/n-1", "--repo", "hq"], temp)
    // The value both sides last agreed on, with who wrote it and when it arrived here.
    #expect(
      shown.contains(
        "amount:  (was 100.00, by north, arrived 2025-03-01T09:00:00+08:00 (merge north seq 1))"),
      "\(shown)")
    #expect(shown.contains("arrived 2025-03-01T09:00:00+08:00 (merge north seq 2)"), "\(shown)")
    #expect(shown.contains("130.00") && shown.contains("written 2025-03-01T09:00:00+08:00"))
    let json = run(["conflicts", "show", "orders/n-1", "--format", "json", "--repo", "hq"], temp)
    #expect(json.contains(#""amount": "100.00""#), "\(json)")
    #expect(json.contains(#""command": "merge north seq 2""#))
  }

  @Test(
    "SPEC §8.7: an edit-vs-delete shows what the edit changed; 'agreed' lists only agreed values")
  func editVersusDeleteShowsTheEdit() throws {
    let temp = TemporaryDirectory()
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
    run(order("n-1", "north", amount: "100.00"), temp)
    run(["put", "orders", "n-1", "quantity=2", "--repo", "north"], temp)
    run(["submit", "--out", "1.sub", "--repo", "north"], temp)
    run(["merge", "1.sub", "--repo", "hq"], temp)
    // Head office corrects the quantity (2 → 3) while north deletes the order.
    run(["put", "orders", "n-1", "quantity=3", "--repo", "hq"], temp)
    run(["delete", "orders", "n-1", "--repo", "north"], temp)
    run(["submit", "--out", "2.sub", "--repo", "north"], temp)
    run(["merge", "2.sub", "--repo", "hq"], temp)
    let shown = run(["conflicts", "show", "orders/n-1", "--repo", "hq"], temp)
    #expect(
      shown.contains(
        "  changed on one side since both last agreed (not agreed):\n"
          + "    quantity: 2 → 3  (hq, written 2025-03-01T09:00:00+08:00)\n"), "\(shown)")
    let agreed = try #require(shown.range(of: "  agreed:")).lowerBound
    #expect(!shown[agreed...].contains("quantity") && shown[agreed...].contains("amount=100.00"))
    let json = run(["conflicts", "show", "orders/n-1", "--format", "json", "--repo", "hq"], temp)
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let conflict = try #require(document["conflict"] as? [String: Any])
    #expect((conflict["before"] as? [String: Any])?["quantity"] as? Int == 2, "\(json)")
    let origin = try #require(
      (conflict["before_origins"] as? [String: Any])?["quantity"] as? [String: Any])
    #expect(origin["replica"] as? String == "north" && origin["dot"] as? String == "north:2")
    #expect(origin["command"] as? String == "merge north seq 1")
    let changed = try #require((conflict["changed"] as? [[String: Any]])?.first)
    #expect(changed["field"] as? String == "quantity" && changed["to"] as? Int == 3)
    #expect(changed["replica"] as? String == "hq" && changed["from"] as? Int == 2)
    let agreedJSON = try #require(conflict["agreed"] as? [String: Any])
    #expect(agreedJSON["quantity"] == nil && agreedJSON["amount"] as? String == "100.00")
    #expect((conflict["base"] as? [String: Any])?["command"] as? String == "merge north seq 1")
  }

  @Test("conflicts are ranked by how much they move the KPIs; show lists each candidate's effect")
  func kpiImpact() {
    let temp = TemporaryDirectory()
    conflictScenario(temp)
    run(["merge", "pending.sub", "--repo", "hq"], temp)
    let listed = run(["conflicts", "--repo", "hq"], temp)
    // n-2's quantity (2 or 3 of 4 units) moves units sold by a third; n-1's amount moves AOV by
    // 12.5 % (and deal amount, net and online revenue, CLV by less): n-2 comes first.
    let n2 = listed.range(of: "orders/n-2")
    let n1 = listed.range(of: "orders/n-1")
    #expect(n2 != nil && n1 != nil && n2!.lowerBound < n1!.lowerBound, "\(listed)")
    #expect(listed.contains("moves 1 KPI(s), up to 33.33 % (sales_volume 2025-03)"), "\(listed)")
    #expect(listed.contains("moves 5 KPI(s), up to 12.50 % (aov 2025-03)"), "\(listed)")
    let shown = run(["conflicts", "show", "orders/n-1", "--repo", "hq"], temp)
    #expect(shown.contains("deal_amount 2025-03: 160.00 → 180.00"), "\(shown)")
    // CLV reads the trailing 12 months' net revenue: (50 + 110 or 50 + 130) × 3 years × 0.30.
    #expect(shown.contains("clv 2025-03: 144.00 → 162.00"), "\(shown)")
    let json = run(["conflicts", "--format", "json", "--repo", "hq"], temp)
    #expect(json.contains(#""largest_relative_change": "0.3333""#), "\(json)")
  }

  @Test(
    "a note that would break a reply (a line break, over 1000 bytes) is refused; nothing changes",
    arguments: ["two\nlines", String(repeating: "x", count: 1001)])
  func badNote(note: String) {
    let temp = TemporaryDirectory()
    conflictScenario(temp)
    run(["merge", "pending.sub", "--repo", "hq"], temp)
    let before = treeDigest(temp.file("hq"))
    let result = outpost(
      ["resolve", "orders/n-1", "--take", "north", "--note", note, "--repo", "hq"], in: temp.path)
    #expect(result.status == 65)
    #expect(result.errors.contains("the note is not valid"), "\(result.errors)")
    #expect(treeDigest(temp.file("hq")) == before)
    // A good note travels to the branch, which accepts the reply.
    run(
      ["resolve", "orders/n-1", "--take", "north", "--note", "ok: invoice", "--repo", "hq"], temp)
    run(["resolve", "orders/n-2", "--take", "hq", "--repo", "hq"], temp)
    run(["reply", "north", "--out", "r.reply", "--repo", "hq"], temp)
    #expect(run(["receive", "r.reply", "--repo", "north"], temp).contains("Received reply"))
  }

  @Test("a plain put or delete may not settle an open conflict behind the audit trail's back")
  func writesRespectConflicts() {
    let temp = TemporaryDirectory()
    conflictScenario(temp)
    run(["merge", "pending.sub", "--repo", "hq"], temp)
    let before = treeDigest(temp.file("hq"))
    for arguments in [
      ["put", "orders", "n-1", "amount=99.00"], ["delete", "orders", "n-1"],
    ] {
      let result = outpost(arguments + ["--repo", "hq"], in: temp.path)
      #expect(result.status == 65, "\(arguments)")
      #expect(result.errors.contains("orders/n-1 has an open conflict"), "\(result.errors)")
      #expect(result.errors.contains("outpost resolve orders/n-1"))
    }
    #expect(treeDigest(temp.file("hq")) == before)
    // Other fields of the record stay writable.
    run(["put", "orders", "n-1", "status=cancelled", "--repo", "hq"], temp)
  }

  @Test("review: in conflicts order, take a side with a note, skip, quit; each answer recorded")
  func reviewSession() {
    let temp = TemporaryDirectory()
    conflictScenario(temp)
    run(["merge", "pending.sub", "--repo", "hq"], temp)
    // The order of `conflicts`: n-2 (33 % of units sold) before n-1 (12.5 % of AOV).
    // An unknown answer is explained; n-2: skip. n-1: take north (2nd writer: hq, north); note.
    let result = outpost(
      ["review", "--repo", "hq"], in: temp.path,
      stdin: Array("x\nn\n2\ninvoice at branch\n".utf8), interactive: true)
    #expect(result.status == 0, "\(result.errors)")
    let first = result.output.range(of: "[1/2] orders/n-2")
    let second = result.output.range(of: "[2/2] orders/n-1")
    #expect(first != nil && second != nil, "\(result.output)")
    #expect(
      result.output.contains("1) take hq   2) take north   s) set values   n) skip   q) quit"))
    #expect(
      result.output.contains(
        "Choose 1-2 or s; n skips this conflict, q quits (answers so far are kept): "))
    #expect(result.output.contains("Answer 1-2 (take), s (set values), n (skip) or q (quit)."))
    #expect(result.output.contains("Resolved orders/n-1 (take north): amount=110.00"))
    #expect(result.output.contains("Reviewed: 1 resolved, 1 skipped; 1 still open."))
    let open = run(["conflicts", "--format", "json", "--repo", "hq"], temp)
    #expect(open.contains("orders/n-2") && !open.contains("orders/n-1"))
    // The log shows the resolution with its note (as 'help resolve' says).
    #expect(
      run(["log", "--repo", "hq"], temp).contains(
        "resolve orders/n-1 (take north)\n    note: invoice at branch\n"))
    let audit = run(["export", "resolutions", "--format", "ndjson", "--repo", "hq"], temp)
    #expect(audit.contains(#""note":"invoice at branch""#), "\(audit)")

    // Typed values: 's' asks for each conflicted field; a bad value is explained and asked again.
    let typed = outpost(
      ["review", "--repo", "hq"], in: temp.path, stdin: Array("s\n2.5\n4\n\n".utf8),
      interactive: true)
    #expect(typed.status == 0, "\(typed.errors)")
    #expect(typed.output.contains("Type each value (VALUE or FIELD=VALUE)"), "\(typed.output)")
    #expect(typed.output.contains("not a whole number"), "\(typed.output)")
    #expect(typed.output.contains("Resolved orders/n-2 (set quantity): quantity=4"))
    #expect(run(["conflicts", "--repo", "hq"], temp).contains("No open conflicts"))
  }

  @Test("review: a typed value may be given as FIELD=VALUE; another field's name is explained")
  func reviewFieldEqualsValue() {
    let temp = TemporaryDirectory()
    conflictScenario(temp)
    run(["merge", "pending.sub", "--repo", "hq"], temp)
    // n-2 first: another field is explained, then quantity=4; n-1: quit.
    let typed = outpost(
      ["review", "--repo", "hq"], in: temp.path,
      stdin: Array("s\namount=4\nquantity=4\n\nq\n".utf8), interactive: true)
    #expect(typed.status == 0, "\(typed.errors)")
    #expect(
      typed.output.contains("This asks for quantity; type its value (or quantity=VALUE)."),
      "\(typed.output)")
    #expect(typed.output.contains("Resolved orders/n-2 (set quantity): quantity=4"))
    #expect(typed.output.contains("Reviewed: 1 resolved, 0 skipped; 1 still open."))
  }

  @Test("review refuses politely without a terminal, and works under a real one")
  func reviewNeedsTerminal() throws {
    let temp = TemporaryDirectory()
    conflictScenario(temp)
    run(["merge", "pending.sub", "--repo", "hq"], temp)
    let before = treeDigest(temp.file("hq"))
    let piped = outpost(["review", "--repo", "hq"], in: temp.path, stdin: Array("1\n".utf8))
    #expect(piped.status == 64)
    #expect(piped.errors.contains("needs a terminal") && piped.errors.contains("outpost resolve"))
    #expect(treeDigest(temp.file("hq")) == before)
    // util-linux `script` gives the real binary a pseudo-terminal.
    #if os(Linux)
    let script = "/usr/bin/script"
    try #require(FileManager.default.fileExists(atPath: script), "util-linux script is missing")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: script)
    process.arguments = [
      "-qec", "\(outpostExecutable()) review --repo \(temp.file("hq"))", "/dev/null",
    ]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data("1\n\nq\n".utf8))
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(text)")
    #expect(text.contains("Resolved orders/n-2 (take hq)"), "\(text)")
    #expect(text.contains("Reviewed: 1 resolved, 0 skipped; 1 still open."), "\(text)")
    #endif
  }

  @Test("a remembered rule settles the conflicts a merge opens, audited like a person's choice")
  func rulesAtMerge() {
    let temp = TemporaryDirectory()
    conflictScenario(temp)
    run(
      [
        "rules", "add", "orders", "amount", "--prefer", "owner", "--note",
        "the branch's invoice is binding", "--repo", "hq",
      ], temp)
    let merged = run(["merge", "pending.sub", "--repo", "hq"], temp)
    // n-1 has only an amount conflict: settled. n-2's quantity has no rule: left for a person.
    #expect(merged.contains("settled by rule: orders/n-1 (rule orders.amount"), "\(merged)")
    let open = run(["conflicts", "--format", "json", "--repo", "hq"], temp)
    #expect(!open.contains("orders/n-1") && open.contains("orders/n-2"), "\(open)")
    #expect(run(["get", "orders", "n-1", "--repo", "hq"], temp).contains("110.00"))
    let audit = run(["export", "resolutions", "--format", "ndjson", "--repo", "hq"], temp)
    #expect(audit.contains(#""rule":"orders.amount""#), "\(audit)")
    // The rule's note is the resolution's note (SPEC §8.7.1); a rule without one leaves none.
    #expect(audit.contains(#""note":"the branch's invoice is binding""#), "\(audit)")
    // A rule added later settles open conflicts on request.
    run(["rules", "add", "orders", "quantity", "--prefer", "head", "--repo", "hq"], temp)
    #expect(run(["rules", "apply", "--repo", "hq"], temp).contains("Settled 1 conflict(s)"))
    let applied = run(["export", "resolutions", "--format", "ndjson", "--repo", "hq"], temp)
      .split(separator: "\n").filter { $0.contains(#""rule":"orders.quantity""#) }
    #expect(applied.count == 1 && applied[0].contains(#""note":null"#), "\(applied)")
    #expect(
      run(["export", "orders", "--format", "ndjson", "--repo", "hq"], temp).contains(
        #""order_id":"n-2","placed_at":null,"quantity":3"#))
    #expect(run(["rules", "--repo", "hq"], temp).contains("orders.quantity"))
    run(["rules", "remove", "orders", "quantity", "--repo", "hq"], temp)
    #expect(!run(["rules", "--repo", "hq"], temp).contains("orders.quantity"))
    // Replies carry the outcome; the branch converges.
    run(["reply", "north", "--out", "r.reply", "--repo", "hq"], temp)
    run(["receive", "r.reply", "--repo", "north"], temp)
    for collection in ["orders", "resolutions", "resolution_rules"] {
      #expect(
        run(["export", collection, "--repo", "north"], temp)
          == run(["export", collection, "--repo", "hq"], temp), "\(collection)")
    }
  }

  @Test("SPEC §8.9: a conflict a rule settled during merge is reported as settled, not as open")
  func ruleSettledIsNotOpen() throws {
    let temp = TemporaryDirectory()
    conflictScenario(temp)
    run(["rules", "add", "orders", "amount", "--prefer", "owner", "--repo", "hq"], temp)
    let dry = run(["merge", "pending.sub", "--dry-run", "--format", "json", "--repo", "hq"], temp)
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(dry.utf8)) as? [String: Any])
    let bundle = try #require((document["bundles"] as? [[String: Any]])?.first)
    #expect(bundle["conflicts"] as? [String] == ["orders/n-2"], "\(dry)")
    #expect(bundle["settled_by_rule"] as? [String] == ["orders/n-1"], "\(dry)")
    let counts = try #require(bundle["counts"] as? [String: Int])
    #expect(counts["conflict"] == 1 && counts["settled_by_rule"] == 1, "\(counts)")
    #expect((document["totals"] as? [String: Int])?["settled_by_rule"] == 1)
    let merged = run(["merge", "pending.sub", "--repo", "hq"], temp)
    #expect(
      merged.contains("1 conflict(s), 0 unchanged; 1 conflict(s) settled by rule"), "\(merged)")
    #expect(merged.contains("conflict: orders/n-2"), "\(merged)")
    #expect(!merged.contains("conflict: orders/n-1"), "\(merged)")
    #expect(merged.contains("settled by rule: orders/n-1 (rule orders.amount"), "\(merged)")
  }

  @Test("SPEC §6: history shows every write of one record, oldest first, field by field")
  func recordHistory() throws {
    let temp = TemporaryDirectory()
    conflictScenario(temp)
    run(["merge", "pending.sub", "--repo", "hq"], temp)
    run(
      [
        "resolve", "orders/n-1", "--take", "north", "--note", "the branch has the invoice",
        "--repo",
        "hq",
      ], temp)
    let text = run(["history", "orders/n-1", "--repo", "hq"], temp)
    let expected = [
      "orders/n-1: 4 write(s), oldest first\n",
      "  hq  merge north seq 1\n    by north (north:1)\n    record created\n",
      "    amount: 100.00\n",
      "  hq  outpost put orders n-1\n    by hq (hq:1)\n    amount: 100.00 → 130.00\n",
      "  hq  merge north seq 2\n    by north (north:3)\n"
        + "    amount: 130.00 → 130.00 (hq) | 110.00 (north)  (conflict)\n",
      "  hq  resolve orders/n-1 (take north)\n    by hq (hq:3)\n"
        + "    note: the branch has the invoice\n"
        + "    amount: 130.00 (hq) | 110.00 (north) → 110.00  (resolved)\n",
    ]
    var cursor = text.startIndex
    for part in expected {
      let found = text.range(of: part, range: cursor..<text.endIndex)
      #expect(found != nil, "missing, in order: \(part)\n\(text)")
      if let found { cursor = found.upperBound }
    }
    let json = run(["history", "orders/n-1", "--format", "json", "--repo", "hq"], temp)
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(document["format"] as? String == "outpost-history/1")
    let writes = try #require(document["writes"] as? [[String: Any]])
    #expect(writes.map { $0["event"] as? String } == ["created", "updated", "updated", "updated"])
    #expect(writes[3]["note"] as? String == "the branch has the invoice")
    #expect(writes[1]["note"] is NSNull)
    let resolved = try #require((writes[3]["changes"] as? [[String: Any]])?.first)
    #expect(resolved["field"] as? String == "amount" && resolved["to"] as? String == "110.00")
    #expect((resolved["from_candidates"] as? [[String: Any]])?.count == 2)
    // The branch's side: its own log of the same record.
    #expect(
      run(["history", "orders/n-1", "--repo", "north"], temp).contains("amount: 100.00 → 110.00"))
    // Misuse: not C/ID 64, unknown collection 64, never written 66; nothing is locked or written.
    let before = treeDigest(temp.file("hq"))
    for (argument, status) in [("orders", Int32(64)), ("ordrs/n-1", 64), ("orders/n-9", 66)] {
      let result = outpost(["history", argument, "--repo", "hq"], in: temp.path)
      #expect(result.status == status, "\(argument): \(result.errors)")
    }
    #expect(treeDigest(temp.file("hq")) == before)
    #expect(run(["help"], temp).contains("history"))
  }

  @Test("rules that cannot work are refused: unordered max, key fields, unknown fields, branches")
  func badRules() {
    let temp = TemporaryDirectory()
    conflictScenario(temp)
    let before = treeDigest(temp.file("hq"))
    for (arguments, status, message) in [
      (["orders", "status", "--prefer", "max"], Int32(65), "max and min need"),
      (["orders", "order_id", "--prefer", "head"], 65, "part of the record id"),
      (["orders", "colour", "--prefer", "head"], 65, "no field 'colour'"),
      (["orders", "deleted", "--prefer", "min"], 65, "head or owner only"),
      (["orders", "amount", "--prefer", "newest"], 64, "newest"),
      (["orders", "amount"], 64, "--prefer"),
    ] {
      let result = outpost(["rules", "add"] + arguments + ["--repo", "hq"], in: temp.path)
      #expect(result.status == status, "\(arguments): \(result.errors)")
      #expect(result.errors.contains(message), "\(arguments): \(result.errors)")
    }
    #expect(treeDigest(temp.file("hq")) == before)
    let branch = outpost(
      ["rules", "add", "orders", "amount", "--prefer", "head", "--repo", "north"], in: temp.path)
    #expect(branch.status == 77)
    #expect(branch.errors.contains("at head office"))
  }
}
