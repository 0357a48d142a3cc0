import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostTestSupport
import Testing

/// Regressions of the sync rules a replica must never break (SPEC.md §2.5, §5.4, §8.7, §8.10):
/// a collected record never comes back, writing what a record shows is no change, and an
/// edit/delete conflict is shown one way everywhere.
@Suite(.serialized)
struct SyncTrustTests {
  @discardableResult
  func run(
    _ arguments: [String], _ temp: TemporaryDirectory, expect status: Int32 = 0,
    sourceLocation: SourceLocation = #_sourceLocation
  ) -> RunResult {
    let result = outpost(arguments, in: temp.path)
    #expect(
      result.status == status,
      "\(arguments.joined(separator: " ")): \(result.output)\(result.errors)",
      sourceLocation: sourceLocation)
    return result
  }

  func order(_ id: String, quantity: Int = 1, amount: String = "10.00") -> [String] {
    [
      "put", "orders", id, "customer_id=c-1", "channel_id=sem", "order_date=2025-03-02",
      "quantity=\(quantity)", "amount=\(amount)", "status=confirmed",
    ]
  }

  /// Head office and one branch, north, enrolled.
  func setUp(_ temp: TemporaryDirectory) {
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
  }

  /// north submits, head office merges; with `reply`, head office replies and north receives.
  func exchange(_ temp: TemporaryDirectory, _ tag: String, reply: Bool = true) {
    run(["submit", "--out", "s\(tag)", "--repo", "north"], temp)
    run(["merge", "s\(tag)", "--repo", "hq"], temp)
    guard reply else { return }
    run(["reply", "north", "--out", "r\(tag)", "--repo", "hq"], temp)
    run(["receive", "r\(tag)", "--repo", "north"], temp)
  }

  func export(_ temp: TemporaryDirectory, _ repository: String) -> String {
    run(["export", "orders", "--format", "ndjson", "--repo", repository], temp).output
  }

  func state(_ temp: TemporaryDirectory, _ repository: String, _ id: String) throws -> JSONValue {
    let output = run(["get", "orders", id, "--format", "json", "--repo", repository], temp).output
    let document = try JSONParser.parse(Array(output.utf8))
    return try #require(document["state"])
  }

  func transactions(_ temp: TemporaryDirectory, _ repository: String) -> Int {
    let output = run(["log", "--format", "json", "--repo", repository], temp).output
    guard case .object(let log)? = try? JSONParser.parse(Array(output.utf8)),
      case .array(let entries)? = log["transactions"]
    else { return -1 }
    return entries.count
  }

  // MARK: §8.10: a collected record stays collected

  @Test(
    "a reply made before a delete and received after the branch collected it re-creates nothing")
  func lateReplyAfterCollection() {
    let temp = TemporaryDirectory()
    setUp(temp)
    run(order("o1") + ["--repo", "north"], temp)
    exchange(temp, "1", reply: false)
    run(["reply", "north", "--out", "r1", "--repo", "hq"], temp)  // held back
    run(["delete", "orders", "o1", "--repo", "north"], temp)
    exchange(temp, "2")
    exchange(temp, "3", reply: false)
    #expect(run(["gc", "--repo", "hq"], temp).output.contains("Collected 1"))
    run(["reply", "north", "--out", "r3", "--repo", "hq"], temp)
    #expect(run(["receive", "r3", "--repo", "north"], temp).output.contains("collected 1"))
    let late = run(["receive", "r1", "--repo", "north"], temp).output
    #expect(late.contains("not applied: orders/o1"), "\(late)")
    #expect(!export(temp, "north").contains("\"o1\""))
    #expect(export(temp, "north") == export(temp, "hq"))
    run(["get", "orders", "o1", "--repo", "north"], temp, expect: 66)
    // Nothing of it is submitted again, and both sides still agree after another round.
    exchange(temp, "4")
    #expect(export(temp, "north") == export(temp, "hq"))
    #expect(run(["verify", "--repo", "north"], temp).output.hasPrefix("ok:"))

    // Writing the id again is a new record, and the write reaches head office.
    run(order("o1", quantity: 4, amount: "44.00") + ["--repo", "north"], temp)
    exchange(temp, "5")
    #expect(export(temp, "hq").contains("\"44.00\""), "\(export(temp, "hq"))")
    #expect(export(temp, "north") == export(temp, "hq"))
  }

  /// The collection horizon north keeps in its peer document (SPEC.md §8.8, §8.10).
  func collected(_ temp: TemporaryDirectory) throws -> JSONValue? {
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: temp.file("north/sync/hq.json"))))
    return try JSONParser.parse(bytes)["collected"]
  }

  @Test("a late horizon never lowers the one a branch keeps")
  func lateReplyKeepsHorizon() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    run(order("o1") + ["--repo", "north"], temp)
    run(order("o2") + ["--repo", "north"], temp)
    exchange(temp, "1")
    run(["delete", "orders", "o1", "--repo", "north"], temp)
    exchange(temp, "2")
    exchange(temp, "3", reply: false)
    #expect(run(["gc", "--repo", "hq"], temp).output.contains("Collected 1"))
    run(["reply", "north", "--out", "r3", "--repo", "hq"], temp)  // carries horizon H1, held
    run(["delete", "orders", "o2", "--repo", "north"], temp)
    exchange(temp, "4")
    exchange(temp, "5", reply: false)
    #expect(run(["gc", "--repo", "hq"], temp).output.contains("Collected 1"))
    run(["reply", "north", "--out", "r5", "--repo", "hq"], temp)  // carries H2 > H1
    run(["receive", "r5", "--repo", "north"], temp)
    let kept = try collected(temp)
    #expect(kept != nil)
    let late = run(["receive", "r3", "--repo", "north"], temp).output
    #expect(!late.contains("o2"), "\(late)")
    #expect(try collected(temp) == kept)
    #expect(!export(temp, "north").contains("\"o2\""))
    // Head office's reply after the late one is judged against H2, not H1.
    exchange(temp, "6")
    #expect(export(temp, "north") == export(temp, "hq"))
  }

  // MARK: §2.5: writing what a record shows is no change

  @Test("after concurrent edits of different fields merge, writing a stored value is no change")
  func unchangedAfterMergedEdits() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    run(order("o1") + ["--repo", "north"], temp)
    exchange(temp, "1")
    run(["put", "orders", "o1", "quantity=2", "--repo", "north"], temp)
    run(["put", "orders", "o1", "amount=20.00", "--repo", "hq"], temp)
    exchange(temp, "2")
    // The deletion register now holds one `false` per edit.
    guard case .object(let deleted)? = try state(temp, "north", "o1")["deleted"] else {
      Issue.record("no deleted register")
      return
    }
    #expect(deleted.count == 2)
    let before = transactions(temp, "north")
    let put = run(["put", "orders", "o1", "amount=20.00", "--repo", "north"], temp).output
    #expect(put.contains("unchanged"), "\(put)")
    #expect(transactions(temp, "north") == before)
    // So a later head-office edit of amount is not in conflict with anything.
    run(["put", "orders", "o1", "amount=30.00", "--repo", "hq"], temp)
    run(["submit", "--out", "s3", "--repo", "north"], temp)
    let report = run(["merge", "s3", "--repo", "hq"], temp).output
    #expect(report.contains("0 conflict(s)"), "\(report)")
    #expect(run(["conflicts", "--repo", "hq"], temp).output.contains("No open conflicts"))
  }

  /// north and head office write different quantities of o1 concurrently; head office merges.
  func conflictOnQuantity(_ temp: TemporaryDirectory) {
    setUp(temp)
    run(order("o1") + ["--repo", "north"], temp)
    exchange(temp, "1")
    run(["put", "orders", "o1", "quantity=7", "--repo", "north"], temp)
    run(["put", "orders", "o1", "quantity=5", "--repo", "hq"], temp)
    exchange(temp, "2", reply: false)
  }

  func candidates(_ temp: TemporaryDirectory, _ repository: String) throws -> [JSONValue] {
    let output = run(["conflicts", "--format", "json", "--repo", repository], temp).output
    let document = try JSONParser.parse(Array(output.utf8))
    guard case .array(let conflicts)? = document["conflicts"], conflicts.count == 1,
      case .array(let candidates)? = conflicts[0]["candidates"]
    else {
      Issue.record("expected one conflict: \(output)")
      return []
    }
    return candidates
  }

  @Test(
    "writing the provisional value of a conflicted field is no change; another value is refused")
  func provisionalValueIsNoChange() throws {
    let temp = TemporaryDirectory()
    conflictOnQuantity(temp)
    let all = try candidates(temp, "hq")
    let shown = try #require(all.first { $0["provisional"] == .bool(true) }?["value"])
    let other = try #require(all.first { $0["provisional"] == .bool(false) }?["value"])
    let before = treeDigest(temp.file("hq"))
    let put = run(
      ["put", "orders", "o1", "quantity=\(JSONWriter.canonicalString(shown))", "--repo", "hq"], temp
    )
    #expect(put.output.contains("unchanged"), "\(put.output)")
    #expect(treeDigest(temp.file("hq")) == before)
    let refused = run(
      ["put", "orders", "o1", "quantity=\(JSONWriter.canonicalString(other))", "--repo", "hq"],
      temp,
      expect: 65)
    #expect(refused.errors.contains("open conflict"))
    #expect(treeDigest(temp.file("hq")) == before)
    // Other fields stay writable.
    run(["put", "orders", "o1", "status=cancelled", "--repo", "hq"], temp)
  }

  // MARK: §5.4, §8.7: an edit/delete conflict is shown live everywhere

  @Test("an edit/delete conflict marks the edit as shown, as get, export and conflicts show do")
  func editDeleteShownLive() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    run(order("o1") + ["--repo", "north"], temp)
    exchange(temp, "1")
    run(["delete", "orders", "o1", "--repo", "north"], temp)
    run(["put", "orders", "o1", "quantity=3", "--repo", "hq"], temp)
    exchange(temp, "2", reply: false)
    let deleted = try candidates(temp, "hq").filter { $0["field"] == .string("deleted") }
    #expect(deleted.count == 2)
    for candidate in deleted {
      // The edit (false) is what readers see; the delete waits for a decision.
      #expect(candidate["provisional"] == .bool(candidate["value"] == .bool(false)), "\(candidate)")
    }
    let shown = run(["conflicts", "show", "orders/o1", "--repo", "hq"], temp).output
    let marked = shown.split(separator: "\n").filter { $0.contains("<- shown until resolved") }
    #expect(marked.contains { $0.contains("edited") }, "\(shown)")
    #expect(!marked.contains { $0.contains("deleted") && !$0.contains("edited") }, "\(shown)")
    #expect(!run(["get", "orders", "o1", "--repo", "hq"], temp).output.contains("(deleted)"))
    #expect(export(temp, "hq").contains("\"o1\""))
  }
}
