import Foundation
import OutpostCLITestSupport
import OutpostTestRandom
import OutpostTestSupport
import Testing

/// A scratch folder on tmpfs (`/dev/shm`) when the machine has one, else in the temporary folder.
///
/// A SIGKILL ends the process, not the machine: the page cache survives, so `fsync` has nothing to
/// do with what a kill leaves behind. On tmpfs it also costs nothing, which lets 200 kills of a
/// merge of several hundred records fit in about a minute on two cores.
private final class ScratchDirectory {
  let path: String

  init() {
    let shm = "/dev/shm"
    var isDirectory: ObjCBool = false
    let base =
      FileManager.default.fileExists(atPath: shm, isDirectory: &isDirectory)
        && isDirectory.boolValue
      ? shm + "/" : NSTemporaryDirectory()
    path = base + "outpost-kill-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  func file(_ name: String) -> String { path + "/" + name }

  func write(_ name: String, _ text: String) {
    _ = FileManager.default.createFile(atPath: file(name), contents: Data(text.utf8))
  }

  func restore(_ repository: String, from pristine: String) throws {
    try? FileManager.default.removeItem(atPath: file(repository))
    try FileManager.default.copyItem(atPath: file(pristine), toPath: file(repository))
  }
}

/// A real `outpost merge` killed at random moments (SPEC.md §4.3; docs/reliability.md §2
/// invariant 8).
///
/// The merge takes three submissions from two branches (several hundred record lines), in a random
/// order, and is sent SIGKILL after a random delay. Half of a bundle is never applied
/// (docs/reliability.md §3). So after every kill head office verifies, each bundle is there in full
/// or not at all (and in the order given), every bundle the merge acknowledged on stdout is there,
/// and merging the same files again completes with the expected final state.
struct MergeKillTests {
  /// Kills per round; four rounds (each with its own repositories and seed) make 200.
  static let kills = 50
  /// North's first submission: orders n-1 … n-60.
  static let firstOrders = 60
  /// North's second submission changes 30 of them and adds 20 (it carries all 80).
  static let changed = 30
  static let added = 20
  /// East's submission: orders e-1 … e-60.
  static let eastOrders = 60

  /// The three bundles: north's seq 1 and 2, east's seq 1.
  static let bundles = ["n1.sub", "n2.sub", "e1.sub"]

  /// What head office holds after merging a set of bundles: north's and east's exported orders.
  struct Snapshot: Equatable, CustomStringConvertible {
    var north: [String]
    var east: [String]
    var description: String { "north \(north.count) order(s), east \(east.count)" }
  }

  @Test(
    "SIGKILL during merge of 3 bundles, 4 × 50 times: each bundle all or nothing, then re-merge",
    arguments: 0..<4)
  func killDuringMerge(round: UInt64) throws {
    let seed = testSeed(0x3E76_0000) &+ round
    var random = SplitMix64(seed: seed)
    let temp = ScratchDirectory()
    try Self.setUp(temp)
    let started = DispatchTime.now().uptimeNanoseconds

    // The expected states, from a reference merge one bundle at a time.
    try temp.restore("reference", from: "pristine")
    var snapshots: [String: Snapshot] = [:]
    for bundle in Self.bundles {
      let merged = outpost(["merge", bundle, "--repo", "reference"], in: temp.path)
      try #require(merged.status == 0, "\(merged.errors)")
      snapshots[bundle] = try Self.snapshot(temp, "reference")
    }
    let empty = Snapshot(north: [], east: [])
    let n1 = try #require(snapshots["n1.sub"]).north
    let n2 = try #require(snapshots["n2.sub"]).north
    let east = try #require(snapshots["e1.sub"]).east
    try #require(n1.count == Self.firstOrders && n2.count == Self.firstOrders + Self.added)
    try #require(!Set(n1).isSubset(of: n2), "the second submission changes orders")
    try #require(east.count == Self.eastOrders)
    // The state after the first `count` bundles of `order`.
    func expected(_ order: [String], _ count: Int) -> Snapshot {
      let done = Set(order.prefix(count))
      return Snapshot(
        north: done.contains("n2.sub") ? n2 : (done.contains("n1.sub") ? n1 : []),
        east: done.contains("e1.sub") ? east : [])
    }
    #expect(expected(Self.bundles, 0) == empty)
    // Head office's record states after all three, whatever the order (the join is
    // order-independent, docs/reliability.md §2 invariant 5): compared state by state, dots and
    // clocks included, after each re-merge.
    let final = try recordsDigest(temp.file("reference"))

    // One uninterrupted merge: its duration bounds the random kill delays.
    try temp.restore("hq", from: "pristine")
    let timed = DispatchTime.now().uptimeNanoseconds
    let first = try OutpostProcess(["merge"] + Self.bundles + ["--repo", "hq"], in: temp.path)
      .wait()
    let duration = DispatchTime.now().uptimeNanoseconds - timed
    try #require(first.status == 0, "seed \(seed): \(first.errors)")
    #expect(try Self.snapshot(temp, "hq") == expected(Self.bundles, 3))

    // outcomes[k]: kills that left exactly the first k bundles merged; `finished`: the merge
    // ended before the kill.
    var outcomes = [0, 0, 0, 0]
    var finished = 0
    // Delays are drawn below `window`, which adapts: it shrinks when the merge finished before
    // the kill and grows when nothing was merged yet, so kills spread over the whole merge.
    var window = Double(duration)
    var kill = 0
    while kill < Self.kills
      || (outcomes[0] == 0 || outcomes[3] == 0 || outcomes[1] + outcomes[2] == 0)
        && kill < 2 * Self.kills
    {
      defer { kill += 1 }
      try temp.restore("hq", from: "pristine")
      var order = Self.bundles
      for index in order.indices.reversed() {
        order.swapAt(index, Int(random.next() % UInt64(index + 1)))
      }
      var delay = random.next() % UInt64(window)
      if kill >= Self.kills {
        // Aim where no kill has landed yet.
        if outcomes[0] == 0 {
          delay /= 8
        } else if outcomes[3] == 0 {
          delay += duration
        } else {
          delay = duration / 4 + delay / 3
        }
      }
      let child = try OutpostProcess(["merge"] + order + ["--repo", "hq"], in: temp.path)
      usleep(UInt32(clamping: delay / 1000))
      child.kill()
      let result = child.wait()
      let context = "seed \(seed), kill \(kill), order \(order), delay \(delay / 1000) µs"
      if result.status == 0 {
        finished += 1
      } else {
        #expect(result.status == -1, "\(context): \(result.errors)")
      }

      let verify = outpost(["verify", "--repo", "hq"], in: temp.path)
      #expect(verify.status == 0, "\(context): \(verify.output) \(verify.errors)")
      let state = try Self.snapshot(temp, "hq")
      // Merging the same files again completes; it names the bundles the killed merge had
      // committed ("already merged"). They must be the first ones given, in full (a bundle that
      // adds nothing, such as n1 after n2, shows only there).
      let again = outpost(["merge"] + order + ["--repo", "hq"], in: temp.path)
      #expect(again.status == 0, "\(context): \(again.errors)")
      let committed = order.filter {
        again.output.contains("(\($0)): already merged; no changes")
      }
      let merged = committed.count
      #expect(committed == Array(order.prefix(merged)), "\(context): committed \(committed)")
      #expect(
        state == expected(order, merged),
        "\(context): \(committed) committed but head office holds \(state)")
      outcomes[merged] += 1
      // What the killed merge printed is there.
      let acknowledged = result.output.components(separatedBy: "Merged submission").count - 1
      #expect(merged >= acknowledged, "\(context): \(acknowledged) acknowledged, \(merged) there")
      if result.status == 0 { #expect(merged == 3, "\(context)") }
      #expect(
        again.output.components(separatedBy: "Merged submission").count - 1 == 3 - merged,
        "\(context): \(again.output)")
      #expect(try recordsDigest(temp.file("hq")) == final, "\(context): not the expected end")
      if kill % 10 == 9 {
        #expect(outpost(["verify", "--repo", "hq"], in: temp.path).status == 0, "\(context)")
        #expect(try Self.snapshot(temp, "hq") == expected(order, 3), "\(context)")
      }
      if result.status == 0 {
        window = max(window * 0.93, Double(duration) / 10)
      } else if merged == 0 {
        window = min(window * 1.07, Double(duration) * 3)
      }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    print(
      "merge kill round \(round), seed \(seed): \(kill) kills, merge \(duration / 1_000_000) ms "
        + "(window at the end \(Int(window / 1e6)) ms); "
        + "bundles merged at the kill 0/1/2/3: \(outcomes), finished before the kill \(finished); "
        + "\(Int(seconds)) s")
    // Kills must have landed before, between and after the bundles' commits.
    #expect(
      outcomes[0] > 0 && outcomes[1] + outcomes[2] > 0 && outcomes[3] > 0,
      "seed \(seed): \(outcomes)")
  }

  /// Head office with north and east enrolled; `n1.sub`, `n2.sub` (north) and `e1.sub` (east);
  /// `pristine` is head office before any merge.
  private static func setUp(_ temp: ScratchDirectory) throws {
    func must(_ arguments: [String]) throws {
      let result = outpost(arguments, in: temp.path)
      try #require(result.status == 0, "\(arguments): \(result.errors)")
    }
    try must(["init", "--office", "hq", "--head", "--repo", "hq"])
    for office in ["north", "east"] {
      try must(["office", "add", office, "--key-out", "\(office).key", "--repo", "hq"])
      try must(["init", "--office", office, "--key", "\(office).key", "--repo", office])
    }
    temp.write("n1.csv", orders("n", 1...firstOrders, amount: "100.00"))
    try must(["import", "orders", "n1.csv", "--repo", "north"])
    try must(["submit", "--out", "n1.sub", "--repo", "north"])
    let from = firstOrders - changed + 1
    temp.write("n2.csv", orders("n", from...(firstOrders + added), amount: "200.00"))
    try must(["import", "orders", "n2.csv", "--repo", "north"])
    try must(["submit", "--out", "n2.sub", "--repo", "north"])
    temp.write("e1.csv", orders("e", 1...eastOrders, amount: "300.00"))
    try must(["import", "orders", "e1.csv", "--repo", "east"])
    try must(["submit", "--out", "e1.sub", "--repo", "east"])
    try FileManager.default.copyItem(atPath: temp.file("hq"), toPath: temp.file("pristine"))
  }

  static func orders(_ prefix: String, _ numbers: ClosedRange<Int>, amount: String) -> String {
    var text = "order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
    for n in numbers {
      text += "\(prefix)-\(n),c-\(n % 13),sem,2025-01-\(10 + n % 19),\(1 + n % 4),\(amount),"
      text += "confirmed\n"
    }
    return text
  }

  /// Head office's orders, split by office.
  private static func snapshot(_ temp: ScratchDirectory, _ repository: String) throws -> Snapshot {
    let export = outpost(
      ["export", "orders", "--format", "ndjson", "--repo", repository], in: temp.path)
    try #require(export.status == 0, "\(export.errors)")
    let lines = export.output.split(separator: "\n").map(String.init).sorted()
    let north = lines.filter { $0.contains(#""office_id":"north""#) }
    let east = lines.filter { $0.contains(#""office_id":"east""#) }
    #expect(north.count + east.count == lines.count)
    return Snapshot(north: north, east: east)
  }
}
