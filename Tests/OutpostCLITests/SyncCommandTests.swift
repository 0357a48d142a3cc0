import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostTestSupport
import Testing

/// SPEC.md §8: a whole round through the real CLI, head office and three branches.
@Suite(.serialized)
struct SyncCommandTests {
  let branches = ["north", "east", "south"]

  /// Runs a command that must succeed and returns its output.
  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory, _ comment: String = "") -> String {
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors) \(comment)")
    return result.output
  }

  /// HQ enrolls every branch and each creates its repository with its key.
  func setUp(_ temp: TemporaryDirectory) {
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    for office in branches {
      run(["office", "add", office, "--key-out", "\(office).key", "--repo", "hq"], temp)
      run(["init", "--office", office, "--key", "\(office).key", "--repo", office], temp)
    }
  }

  /// Every office submits, head office merges everything, replies to everyone, and every
  /// office receives.
  func round(_ temp: TemporaryDirectory, _ tag: String) {
    for office in branches {
      run(["submit", "--out", "\(office)-\(tag).sub", "--repo", office], temp)
    }
    run(["merge"] + branches.map { "\(office(of: $0))-\(tag).sub" } + ["--repo", "hq"], temp)
    for office in branches {
      run(["reply", office, "--out", "\(office)-\(tag).reply", "--repo", "hq"], temp)
      run(["receive", "\(office)-\(tag).reply", "--repo", office], temp)
    }
  }

  func office(of name: String) -> String { name }

  func exports(_ temp: TemporaryDirectory, _ repository: String) -> [String] {
    let collections = run(["collections", "--format", "json", "--repo", repository], temp)
    // The collections' names (their fields have names too).
    let list = (try? JSONParser.parse(collections))?["collections"]?.arrayValue ?? []
    let names = list.compactMap { $0["name"]?.stringValue }
    #expect(names.count >= 16)
    return names.map { run(["export", $0, "--format", "ndjson", "--repo", repository], temp) }
  }

  func order(_ office: String, _ id: String, amount: String) -> [String] {
    [
      "put", "orders", id, "customer_id=c-\(id)", "channel_id=sem", "order_date=2025-03-02",
      "quantity=1", "amount=\(amount)", "status=confirmed", "--repo", office,
    ]
  }

  @Test("HQ and three branches, all_offices: edits, review, replies; every replica ends identical")
  func fullRound() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    // Every office's rows travel (SPEC.md §2.8); the demo checks the default, own_office.
    run(["put", "policies", "record_visibility", "value=all_offices", "--repo", "hq"], temp)
    for (index, office) in branches.enumerated() {
      temp.write("\(office).csv", channelDailyCSV(days: 5 + index))
      run(["import", "channel_daily", "\(office).csv", "--repo", office], temp)
      run(order(office, "\(office)-1", amount: "100.00"), temp)
      run(order(office, "\(office)-2", amount: "200.00"), temp)
    }
    run(
      [
        "put", "targets", "t-1", "kpi_id=consultations", "office_id=north", "scope=office",
        "period_grain=month", "period=2025-03", "target_value=100", "direction=higher_better",
        "version=1", "--repo", "hq",
      ], temp)
    round(temp, "1")
    let first = exports(temp, "hq")
    for office in branches { #expect(exports(temp, office) == first, "\(office) after round 1") }
    #expect(first.joined().contains("south-2"))

    // Concurrent edits: the same field at north and HQ; different fields; edit against delete.
    run(["put", "orders", "north-1", "amount=110.00", "--repo", "north"], temp)
    run(["put", "orders", "north-1", "amount=120.00", "--repo", "hq"], temp)
    run(["put", "orders", "north-2", "status=cancelled", "--repo", "north"], temp)
    run(["put", "orders", "north-2", "quantity=2", "--repo", "hq"], temp)
    run(["delete", "orders", "east-1", "--repo", "east"], temp)
    run(["put", "orders", "east-1", "status=cancelled", "--repo", "hq"], temp)
    for office in branches {
      run(["submit", "--out", "\(office)-2.sub", "--repo", office], temp)
    }
    let dryBefore = treeDigest(temp.file("hq"))
    let dry = run(
      ["merge", "north-2.sub", "east-2.sub", "south-2.sub", "--dry-run", "--repo", "hq"], temp)
    #expect(dry.contains("Would merge submission 2 from 'north'"))
    #expect(treeDigest(temp.file("hq")) == dryBefore, "a dry run writes nothing")
    let merged = run(["merge", "north-2.sub", "east-2.sub", "south-2.sub", "--repo", "hq"], temp)
    #expect(merged.contains("1 merged without conflict, 1 conflict(s)"), "\(merged)")
    let conflicts = run(["conflicts", "--format", "json", "--repo", "hq"], temp)
    #expect(conflicts.contains("\"id\": \"orders/north-1\""))
    #expect(conflicts.contains("\"id\": \"orders/east-1\""))
    #expect(conflicts.components(separatedBy: "\"id\": ").count - 1 == 2, "\(conflicts)")
    let shown = run(["conflicts", "show", "orders/north-1", "--repo", "hq"], temp)
    #expect(shown.contains("110.00") && shown.contains("120.00"))
    run(
      [
        "resolve", "orders/north-1", "--take", "north", "--note", "branch has the invoice",
        "--repo", "hq",
      ],
      temp)
    run(["resolve", "orders/east-1", "--take", "east", "--repo", "hq"], temp)
    #expect(run(["conflicts", "--repo", "hq"], temp).contains("No open conflicts"))
    #expect(run(["log", "--repo", "hq"], temp).contains("resolve orders/north-1 (take north)"))

    // Replies carry the resolutions; east learns its deletion won, north its value won.
    for office in branches {
      run(["reply", office, "--out", "\(office)-2.reply", "--repo", "hq"], temp)
    }
    let eastReceived = run(["receive", "east-2.reply", "--repo", "east"], temp)
    #expect(!eastReceived.contains("your "), "east's deletion won: nothing of east's was replaced")
    run(["receive", "north-2.reply", "--repo", "north"], temp)
    run(["receive", "south-2.reply", "--repo", "south"], temp)
    round(temp, "3")
    let final = exports(temp, "hq")
    for office in branches { #expect(exports(temp, office) == final, "\(office) after review") }
    let orders = final.joined()
    #expect(orders.contains(#""amount":"110.00""#))
    #expect(!orders.contains("\"order_id\":\"east-1\""), "east-1 stays deleted")
    #expect(orders.contains(#""quantity":2"#) && orders.contains(#""status":"cancelled""#))
    for repository in ["hq"] + branches {
      #expect(run(["verify", "--repo", repository], temp).hasPrefix("ok:"))
    }
    let status = run(["status", "--repo", "hq"], temp)
    #expect(status.contains("north") && status.contains("seq 3"))
  }

  @Test("a branch learns which of its edits lost a conflict, and who decided")
  func lostEditIsExplained() {
    let temp = TemporaryDirectory()
    setUp(temp)
    run(order("north", "n-1", amount: "100.00"), temp)
    round(temp, "1")
    run(["put", "orders", "n-1", "amount=110.00", "--repo", "north"], temp)
    run(["put", "orders", "n-1", "amount=130.00", "--repo", "hq"], temp)
    run(["submit", "--out", "n.sub", "--repo", "north"], temp)
    run(["merge", "n.sub", "--repo", "hq"], temp)
    run(
      ["resolve", "orders/n-1", "--take", "hq", "--note", "invoice says 130", "--repo", "hq"], temp)
    run(["reply", "north", "--out", "n.reply", "--repo", "hq"], temp)
    let received = run(["receive", "n.reply", "--repo", "north"], temp)
    #expect(
      received.contains(
        "your value of orders/n-1 amount=110.00 lost a conflict to 130.00 (written by hq), "
          + "resolved by hq (take hq): invoice says 130"), "\(received)")
  }

  @Test("SPEC §4.2, §8.6: put, delete and import take --note; log shows it; a reply carries it")
  func notesTravel() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    run(order("north", "n-1", amount: "100.00"), temp)
    run(order("north", "n-2", amount: "50.00"), temp)
    round(temp, "1")
    // A note that would not survive a reply is refused before anything is written.
    let before = treeDigest(temp.file("hq"))
    for arguments in [
      ["put", "orders", "n-1", "amount=120.00", "--note", "two\nlines"],
      ["delete", "orders", "n-2", "--note", String(repeating: "x", count: 1001)],
    ] {
      let refused = outpost(arguments + ["--repo", "hq"], in: temp.path)
      #expect(refused.status == 65, "\(arguments): \(refused.errors)")
      #expect(refused.errors.contains("--note: the note is not valid"), "\(refused.errors)")
    }
    #expect(treeDigest(temp.file("hq")) == before)
    run(
      ["put", "orders", "n-1", "amount=120.00", "--note", "price list of March", "--repo", "hq"],
      temp)
    run(["delete", "orders", "n-2", "--note", "entered twice", "--repo", "hq"], temp)
    let log = run(["log", "--repo", "hq"], temp)
    #expect(log.contains("outpost put orders n-1\n    note: price list of March\n"), "\(log)")
    #expect(log.contains("outpost delete orders n-2\n    note: entered twice\n"), "\(log)")
    let logJSON = run(["log", "--format", "json", "--limit", "1", "--repo", "hq"], temp)
    #expect(logJSON.contains(#""note": "entered twice""#), "\(logJSON)")
    // The branch is told what head office changed, and why; apart from conflicts it lost.
    run(["reply", "north", "--out", "n.reply", "--repo", "hq"], temp)
    let received = run(["receive", "n.reply", "--repo", "north"], temp)
    #expect(
      received.contains(
        "head office changed orders/n-1 amount from 100.00 to 120.00: price list of March"),
      "\(received)")
    #expect(received.contains("head office deleted orders/n-2: entered twice"), "\(received)")
    #expect(!received.contains("lost a conflict"))
    // A branch may note its own writes; the note stays in its own log.
    run(order("north", "n-3", amount: "70.00") + ["--note", "phone order"], temp)
    #expect(run(["log", "--limit", "1", "--repo", "north"], temp).contains("note: phone order"))
    temp.write(
      "more.csv",
      "order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
        + "n-4,c-1,sem,2025-03-02,1,10.00,confirmed\n")
    run(["import", "orders", "more.csv", "--note", "from the till", "--repo", "north"], temp)
    #expect(run(["log", "--limit", "1", "--repo", "north"], temp).contains("note: from the till"))
  }
}
