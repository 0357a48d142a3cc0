import Foundation
import OutpostCLITestSupport
import OutpostModel
import OutpostSync
import OutpostTestSupport
import Testing

/// SPEC.md §8.10: deleted records are collected only when every enrolled office has seen the
/// deletion; a returning office re-bases and never brings one back.
@Suite(.serialized)
struct CollectionTests {
  let branches = ["north", "east"]

  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory) -> String {
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors)")
    return result.output
  }

  func order(_ id: String, _ office: String) -> [String] {
    [
      "put", "orders", id, "customer_id=c-1", "channel_id=sem", "order_date=2025-03-02",
      "quantity=1", "amount=10.00", "status=confirmed", "--repo", office,
    ]
  }

  /// Every branch submits, head office merges, replies to each, and each receives.
  @discardableResult
  func round(_ temp: TemporaryDirectory, _ tag: String, _ offices: [String]? = nil) -> [String:
    String]
  {
    var received: [String: String] = [:]
    for office in offices ?? branches {
      run(["submit", "--out", "\(office)-\(tag).sub", "--repo", office], temp)
      run(["merge", "\(office)-\(tag).sub", "--repo", "hq"], temp)
    }
    for office in offices ?? branches {
      run(["reply", office, "--out", "\(office)-\(tag).reply", "--repo", "hq"], temp)
      received[office] = run(["receive", "\(office)-\(tag).reply", "--repo", office], temp)
    }
    return received
  }

  func setUp(_ temp: TemporaryDirectory, offices: [String]? = nil) {
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    for office in offices ?? branches {
      run(["office", "add", office, "--key-out", "\(office).key", "--repo", "hq"], temp)
      run(["init", "--office", office, "--key", "\(office).key", "--repo", office], temp)
    }
  }

  /// Sets head office's rows policy (SPEC.md §2.8) unless it is the default, `own_office`.
  func rowsPolicy(_ policy: String, _ temp: TemporaryDirectory) {
    guard policy != "own_office" else { return }
    run(["put", "policies", "record_visibility", "value=\(policy)", "--repo", "hq"], temp)
  }

  /// Head office's orders that `repository` must export under the rows policy: every one under
  /// `all_offices`, its own under `own_office` (NDJSON lines; head office itself holds all).
  func visibleOrders(_ temp: TemporaryDirectory, to repository: String, _ policy: String)
    -> String
  {
    let all = run(["export", "orders", "--format", "ndjson", "--repo", "hq"], temp)
    guard repository != "hq", policy == "own_office" else { return all }
    return all.split(separator: "\n").filter { $0.contains("\"office_id\":\"\(repository)\"") }
      .map { $0 + "\n" }.joined()
  }

  /// Whether a record id appears in any record file of a repository.
  func stored(_ temp: TemporaryDirectory, _ repository: String, _ id: String) -> Bool {
    let folder = temp.file("\(repository)/records/orders")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.contains { name in
      let text = (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? ""
      return text.contains("\"\(id)\"")
    }
  }

  @Test(
    "a tombstone waits for every office, then goes everywhere it went; verify stays clean",
    arguments: ["own_office", "all_offices"])
  func collectAfterEveryoneSaw(_ policy: String) {
    let temp = TemporaryDirectory()
    setUp(temp)
    rowsPolicy(policy, temp)
    run(order("n-1", "north"), temp)
    run(order("n-2", "north"), temp)
    round(temp, "1")
    run(["delete", "orders", "n-1", "--repo", "north"], temp)
    // north submits the deletion; east has not seen it yet.
    run(["submit", "--out", "north-2.sub", "--repo", "north"], temp)
    run(["merge", "north-2.sub", "--repo", "hq"], temp)
    #expect(run(["gc", "--dry-run", "--repo", "hq"], temp).contains("Would collect 0"))
    // After a round east has received the deletion, and its next submission says so.
    round(temp, "2")
    round(temp, "3")
    let dry = run(["gc", "--dry-run", "--repo", "hq"], temp)
    #expect(dry.contains("Would collect 1") && dry.contains("orders/n-1"), "\(dry)")
    #expect(stored(temp, "hq", "n-1"))
    #expect(run(["gc", "--repo", "hq"], temp).contains("Collected 1"))
    #expect(!stored(temp, "hq", "n-1") && stored(temp, "hq", "n-2"))
    #expect(run(["log", "--repo", "hq"], temp).contains("gc (1 record(s))"))
    let received = round(temp, "4")
    for office in branches {
      // Under own_office east never held north's orders: nothing to collect there.
      let held = office == "north" || policy == "all_offices"
      #expect(
        received[office]?.contains("collected 1 deleted record(s)") == held, "\(office) \(policy)")
      #expect(
        !stored(temp, office, "n-1") && stored(temp, office, "n-2") == held, "\(office) \(policy)")
    }
    for repository in ["hq"] + branches {
      #expect(run(["verify", "--repo", repository], temp).hasPrefix("ok:"), "\(repository)")
      #expect(
        run(["export", "orders", "--format", "ndjson", "--repo", repository], temp)
          == visibleOrders(temp, to: repository, policy), "\(repository) \(policy)")
    }
    // An old bundle that still holds the tombstone is a replay; nothing comes back.
    #expect(run(["merge", "north-2.sub", "--repo", "hq"], temp).contains("already merged"))
    #expect(!stored(temp, "hq", "n-1"))
  }

  @Test("a stale copy of a collected record that still reaches head office is not applied")
  func staleCopyIsNotApplied() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    run(order("n-1", "north"), temp)
    run(order("n-2", "north"), temp)
    round(temp, "1")
    // A copy of north's bundle that still shows n-1 alive, delivered after n-1 was collected
    // (re-signed with north's key under a new number, as a buggy or replayed sender could).
    let key = try OfficeKey(
      fileBytes: Array(try Data(contentsOf: URL(fileURLWithPath: temp.file("north.key")))),
      path: "north.key")
    let old = Array(try Data(contentsOf: URL(fileURLWithPath: temp.file("north-1.sub"))))
    run(["delete", "orders", "n-1", "--repo", "north"], temp)
    round(temp, "2")
    round(temp, "3")
    #expect(run(["gc", "--repo", "hq"], temp).contains("Collected 1"))
    let bundle = try BundleCodec.verify(old, name: "old", keys: { _ in .active(key) })
    var manifest = bundle.manifest
    manifest.seq = 9
    let bytes = BundleCodec.encode(manifest, records: try bundle.records(), key: key).bytes
    temp.write("stale.sub", bytes: bytes)
    let merged = run(["merge", "stale.sub", "--repo", "hq"], temp)
    #expect(merged.contains("not applied: orders/n-1 was deleted and collected"), "\(merged)")
    #expect(!stored(temp, "hq", "n-1"))
    // The office is told to remove it, and everyone converges.
    run(["reply", "north", "--out", "north-9.reply", "--repo", "hq"], temp)
    run(["receive", "north-9.reply", "--repo", "north"], temp)
    round(temp, "4")
    for repository in ["hq"] + branches {
      #expect(!stored(temp, repository, "n-1"), "\(repository)")
      #expect(run(["verify", "--repo", repository], temp).hasPrefix("ok:"), "\(repository)")
    }
  }

  @Test(
    "writing an id again after its deletion was collected makes a new record everywhere it goes",
    arguments: ["own_office", "all_offices"])
  func recreateAfterCollection(_ policy: String) {
    let temp = TemporaryDirectory()
    setUp(temp)
    rowsPolicy(policy, temp)
    run(order("n-3", "north"), temp)
    round(temp, "1")
    run(["delete", "orders", "n-3", "--repo", "north"], temp)
    round(temp, "2")
    round(temp, "3")
    #expect(run(["gc", "--repo", "hq"], temp).contains("Collected 1"))
    // north, which deleted it, writes the id again before it hears of the collection: a write
    // made after seeing the deletion is a new record, not a stale copy coming back.
    run(order("n-3", "north"), temp)
    run(["submit", "--out", "late.sub", "--repo", "north"], temp)
    let merged = run(["merge", "late.sub", "--repo", "hq"], temp)
    #expect(merged.contains("1 new"), "\(merged)")
    round(temp, "4")
    for repository in ["hq"] + branches {
      #expect(run(["verify", "--repo", repository], temp).hasPrefix("ok:"), "\(repository)")
      #expect(
        run(["export", "orders", "--repo", repository], temp).contains("n-3")
          == (repository != "east" || policy == "all_offices"), "\(repository) \(policy)")
      #expect(
        run(["export", "orders", "--format", "ndjson", "--repo", repository], temp)
          == visibleOrders(temp, to: repository, policy), "\(repository) \(policy)")
    }
  }

  @Test("a revoked office does not hold collection back; when it returns it never resurrects")
  func returningOffice() throws {
    let temp = TemporaryDirectory()
    setUp(temp, offices: ["north", "east", "south"])
    run(
      [
        "put", "targets", "t-1", "kpi_id=consultations", "office_id=north", "scope=office",
        "period_grain=month", "period=2025-03", "target_value=100", "direction=higher_better",
        "version=1", "--repo", "hq",
      ], temp)
    round(temp, "1", ["north", "east", "south"])
    // south goes silent with t-1 in hand; head office deletes t-1; the others see it.
    run(["office", "revoke", "south", "--repo", "hq"], temp)
    run(["delete", "targets", "t-1", "--repo", "hq"], temp)
    round(temp, "2")
    round(temp, "3")
    #expect(run(["gc", "--repo", "hq"], temp).contains("Collected 1"))
    // south returns with its old repository and re-bases on a new key.
    run(["office", "add", "south", "--key-out", "south-2.key", "--repo", "hq"], temp)
    run(["office", "key", "south-2.key", "--repo", "south"], temp)
    #expect(!run(["export", "targets", "--repo", "south"], temp).contains("t-1"))
    round(temp, "4", ["north", "east", "south"])
    for repository in ["hq", "north", "east", "south"] {
      #expect(!run(["export", "targets", "--repo", repository], temp).contains("t-1"))
      #expect(
        run(["export", "orders", "--repo", repository], temp)
          == run(["export", "orders", "--repo", "hq"], temp), "\(repository)")
      #expect(run(["verify", "--repo", repository], temp).hasPrefix("ok:"), "\(repository)")
    }
  }
}
