import Foundation
import OutpostCLITestSupport
import OutpostTestRandom
import OutpostTestSupport
import Testing

/// SPEC.md §4.3–4.4 and docs/reliability.md §2 invariant 8: a real `outpost import` killed with
/// SIGKILL at a random moment leaves a repository that opens and verifies, holding all of the
/// import or none of it; an import that printed success is there in full.
struct KillTests {
  /// Records per import: enough to touch many record buckets, so kills land in every phase.
  static let rows = 80
  /// Kills per round; four rounds (each its own repository, so journals stay short) make 200.
  static let kills = 50

  @Test(
    "SIGKILL during import, 4 × 50 times: all of the import or none, acknowledged imports kept",
    arguments: 0..<4)
  func killDuringImport(round: UInt64) throws {
    let seed = testSeed(0x5EED_0000) &+ round
    var random = SplitMix64(seed: seed)
    let temp = TemporaryDirectory()
    #expect(outpost(["init", "--office", "north", "--repo", "r"], in: temp.path).status == 0)

    // One uninterrupted import first: its duration bounds the random kill delays.
    temp.write("batch.csv", Self.orders(version: 1))
    let started = DispatchTime.now().uptimeNanoseconds
    let first = try OutpostProcess(["import", "orders", "batch.csv", "--repo", "r"], in: temp.path)
      .wait()
    let duration = DispatchTime.now().uptimeNanoseconds - started
    try #require(first.status == 0, "seed \(seed): \(first.errors)")
    var current = 1
    var outcomes = (none: 0, all: 0, acknowledged: 0)

    var kill = 0
    // After the planned kills, go on (up to as many again) until kills have landed both before
    // and after the commit point, aiming late or early as needed: the test is never vacuous.
    while kill < Self.kills || (outcomes.all == 0 || outcomes.none == 0) && kill < 2 * Self.kills {
      defer { kill += 1 }
      let version = kill + 2
      temp.write("batch.csv", Self.orders(version: version))
      let child = try OutpostProcess(
        ["import", "orders", "batch.csv", "--repo", "r"], in: temp.path)
      var delay = random.next() % (duration + duration / 2)
      if kill >= Self.kills { delay = outcomes.all == 0 ? duration + delay : delay / 8 }
      usleep(UInt32(clamping: delay / 1000))
      child.kill()
      let result = child.wait()
      let context = "seed \(seed), kill \(kill), delay \(delay / 1000) µs"
      if result.status == 0 {
        outcomes.acknowledged += 1
        #expect(result.output.contains("imported \(Self.rows) row(s)"), "\(context)")
      } else {
        #expect(result.status == -1, "\(context): \(result.errors)")
      }

      let check = outpost(["verify", "--repo", "r"], in: temp.path)
      #expect(check.status == 0, "\(context): \(check.output) \(check.errors)")
      let versions = try Self.versions(in: temp)
      #expect(versions.count == 1, "\(context): a partial import is visible: \(versions.sorted())")
      guard let seen = versions.first else { continue }
      if result.status == 0 {
        #expect(seen == version, "\(context): an acknowledged import is missing")
      } else {
        #expect(seen == version || seen == current, "\(context): unexpected version \(seen)")
      }
      if seen == version { outcomes.all += 1 } else { outcomes.none += 1 }
      current = seen
    }
    // Kills must have landed both before and after the commit point.
    print("kill round \(round), seed \(seed): \(outcomes)")
    #expect(outcomes.none > 0 && outcomes.all > 0, "seed \(seed): \(outcomes)")
    let final = outpost(["import", "orders", "batch.csv", "--repo", "r"], in: temp.path)
    #expect(final.status == 0, "seed \(seed): \(final.errors)")
    #expect(outpost(["verify", "--repo", "r"], in: temp.path).status == 0, "seed \(seed)")
  }

  /// The orders file of one import: every row carries `version` as its quantity.
  static func orders(version: Int) -> String {
    var text = "order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
    for row in 0..<rows {
      text += "o-\(row),c-\(row % 17),sem,2025-01-\(10 + row % 19),\(version),"
      text += "\(100 + row).50,confirmed\n"
    }
    return text
  }

  /// The set of quantities across all exported orders: one element when no import is partial.
  static func versions(in temp: TemporaryDirectory) throws -> Set<Int> {
    let export = outpost(["export", "orders", "--format", "csv", "--repo", "r"], in: temp.path)
    try #require(export.status == 0, "\(export.errors)")
    var lines = export.output.split(separator: "\n").map(String.init)
    let header = lines.removeFirst().split(separator: ",").map(String.init)
    let column = try #require(header.firstIndex(of: "quantity"))
    #expect(lines.count == rows)
    return Set(
      lines.compactMap { Int($0.split(separator: ",", omittingEmptySubsequences: false)[column]) })
  }
}
