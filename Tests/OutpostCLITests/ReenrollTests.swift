import Foundation
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// SPEC.md §8.1: revocation, re-enrollment and re-basing an office (a lost laptop, a repository
/// restored from an old copy).
@Suite(.serialized)
struct ReenrollTests {
  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory) -> String {
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors)")
    return result.output
  }

  func order(_ id: String, _ office: String, amount: String) -> [String] {
    [
      "put", "orders", id, "customer_id=c-1", "channel_id=sem", "order_date=2025-03-02",
      "quantity=1", "amount=\(amount)", "status=confirmed", "--repo", office,
    ]
  }

  func exchange(_ temp: TemporaryDirectory, _ office: String, _ tag: String) {
    run(["submit", "--out", "\(tag).sub", "--repo", office], temp)
    run(["merge", "\(tag).sub", "--repo", "hq"], temp)
    run(["reply", "north", "--out", "\(tag).reply", "--repo", "hq"], temp)
    run(["receive", "\(tag).reply", "--repo", office], temp)
  }

  func same(_ temp: TemporaryDirectory, _ office: String) {
    for collection in ["orders", "targets", "resolutions"] {
      #expect(
        run(["export", collection, "--repo", office], temp)
          == run(["export", collection, "--repo", "hq"], temp), "\(collection) at \(office)")
    }
  }

  func setUp(_ temp: TemporaryDirectory) {
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
    run(order("n-1", "north", amount: "100.00"), temp)
    run(order("n-2", "north", amount: "200.00"), temp)
    exchange(temp, "north", "1")
  }

  @Test("a revoked office is refused by name; re-enrolled, it installs the new key and syncs")
  func revokeAndRekey() {
    let temp = TemporaryDirectory()
    setUp(temp)
    run(["put", "orders", "n-1", "amount=110.00", "--repo", "north"], temp)
    run(["submit", "--out", "old.sub", "--repo", "north"], temp)
    run(["office", "revoke", "north", "--repo", "hq"], temp)
    let before = treeDigest(temp.file("hq"))
    let refused = outpost(["merge", "old.sub", "--repo", "hq"], in: temp.path)
    #expect(refused.status == 77)
    #expect(refused.errors.contains("revoked key of office 'north'"))
    #expect(refused.errors.contains("outpost office key FILE"))
    #expect(treeDigest(temp.file("hq")) == before)

    run(["office", "add", "north", "--key-out", "north-2.key", "--repo", "hq"], temp)
    // The old key stays refused as revoked, not unknown.
    #expect(
      outpost(["merge", "old.sub", "--repo", "hq"], in: temp.path).errors.contains("revoked"))
    #expect(run(["office", "key", "north-2.key", "--repo", "north"], temp).contains("restarts"))
    #expect(run(["office", "key", "north-2.key", "--repo", "north"], temp).contains("already"))
    exchange(temp, "north", "2")
    #expect(run(["get", "orders", "n-1", "--repo", "hq"], temp).contains("110.00"))
    same(temp, "north")
    #expect(run(["verify", "--repo", "north"], temp).hasPrefix("ok:"))
    #expect(run(["verify", "--repo", "hq"], temp).hasPrefix("ok:"))
  }

  @Test("a repository restored from an old copy is refused, then re-based without reusing ids")
  func restoredCopy() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    // A backup of north, taken now.
    try FileManager.default.copyItem(atPath: temp.file("north"), toPath: temp.file("backup"))
    run(order("n-3", "north", amount: "300.00"), temp)
    exchange(temp, "north", "2")
    // The disk dies; north goes on from the backup and writes something new.
    try FileManager.default.removeItem(atPath: temp.file("north"))
    try FileManager.default.moveItem(atPath: temp.file("backup"), toPath: temp.file("north"))
    run(order("n-4", "north", amount: "400.00"), temp)
    run(["submit", "--out", "stale.sub", "--repo", "north"], temp)
    let before = treeDigest(temp.file("hq"))
    let stale = outpost(["merge", "stale.sub", "--repo", "hq"], in: temp.path)
    #expect(stale.status == 65)
    #expect(stale.errors.contains("two different bundles with seq 2"), "\(stale.errors)")
    #expect(stale.errors.contains("outpost office key FILE"))
    #expect(treeDigest(temp.file("hq")) == before)

    // Re-base: a new key whose floor lifts north's counter above what head office has seen.
    run(["office", "revoke", "north", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north-2.key", "--repo", "hq"], temp)
    run(["office", "key", "north-2.key", "--repo", "north"], temp)
    run(order("n-5", "north", amount: "500.00"), temp)
    exchange(temp, "north", "3")
    let orders = run(["export", "orders", "--repo", "hq"], temp)
    // n-3 (kept by head office) comes back to north; n-4 and n-5, written after the restore,
    // reach head office: nothing is lost and no event id is reused.
    for id in ["n-1", "n-2", "n-3", "n-4", "n-5"] { #expect(orders.contains(id), "\(id)") }
    same(temp, "north")
  }

  @Test("a new repository for a lost laptop starts above head office's counters and converges")
  func lostLaptop() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    run(["office", "revoke", "north", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north-2.key", "--repo", "hq"], temp)
    run(["init", "--office", "north", "--key", "north-2.key", "--repo", "laptop"], temp)
    // A write before anything arrived: its id is above every north event head office knows.
    run(order("n-9", "laptop", amount: "900.00"), temp)
    exchange(temp, "laptop", "2")
    let orders = run(["export", "orders", "--repo", "laptop"], temp)
    for id in ["n-1", "n-2", "n-9"] { #expect(orders.contains(id), "\(id)") }
    same(temp, "laptop")
    // And the old records stay editable from the new laptop.
    run(["put", "orders", "n-1", "amount=101.00", "--repo", "laptop"], temp)
    exchange(temp, "laptop", "3")
    #expect(run(["get", "orders", "n-1", "--repo", "hq"], temp).contains("101.00"))
    #expect(run(["conflicts", "--repo", "hq"], temp).contains("No open conflicts"))
  }
}
