import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostTestSupport
import Testing

/// The example profiles in fixtures/import-profiles/ (SPEC.md §3.6): each is a valid profile
/// head office can publish, and each sample export imports through its profile at a branch.
struct ExampleProfileTests {
  /// fixtures/import-profiles/, found from this source file (Tests/OutpostCLITests/ → the
  /// package root).
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/import-profiles").path

  /// Each sample export and the profile and collection it is imported with, in import order
  /// (customers before the orders that name them).
  static let samples: [(file: String, profile: String, collection: String, records: Int)] = [
    ("baidu-sem-2026-03.csv", "baidu-sem-daily", "channel_daily", 2),
    ("baidu-sem-2026-03.csv", "baidu-sem-campaigns", "ad_daily", 4),
    ("crm-customers-2026-03.csv", "crm-customers", "customers", 2),
    ("crm-orders-2026-03.csv", "crm-orders", "orders", 3),
    ("ocean-engine-2026-03.xlsx", "ocean-engine-daily", "channel_daily", 2),
  ]

  @Test("every example profile is published at head office, travels, and imports its sample")
  func examples() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder)
      .filter { $0.hasSuffix(".json") }.sorted()
    #expect(names.count >= 5)
    let temp = TemporaryDirectory()
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
    for name in names {
      let published = run(["profile", "publish", Self.folder + "/" + name, "--repo", "hq"], temp)
      #expect(published.output.hasPrefix("published profile '\(name.dropLast(5))'"), "\(name)")
      let text = try String(contentsOfFile: Self.folder + "/" + name, encoding: .utf8)
      let document = try JSONParser.parse(Array(text.utf8))
      #expect(
        document["description"]?.stringValue?.hasPrefix("EXAMPLE to adapt") == true,
        "\(name) says it is an example")
    }
    run(["reply", "north", "--out", "north.reply", "--repo", "hq"], temp)
    run(["receive", "north.reply", "--repo", "north"], temp)
    let list = run(["profile", "list", "--repo", "north"], temp).output
    #expect(list.split(separator: "\n").count == names.count)
    // The accounts the campaign rows name, and their owner.
    temp.write(
      "staff.csv",
      "staff_id,name,position,department,active_from,active_to\ns-1,李明,sem,promotion,2026-01-01,\n")
    temp.write(
      "accounts.csv",
      "account_id,channel_id,platform,owner,active_from,active_to\n"
        + "bd-north-01,sem,baidu,s-1,2026-01-01,\nbd-north-02,sem,baidu,s-1,2026-01-01,\n")
    run(["import", "staff", "staff.csv", "--repo", "north"], temp)
    run(["import", "ad_accounts", "accounts.csv", "--repo", "north"], temp)
    for sample in Self.samples {
      let result = run(
        [
          "import", sample.collection, Self.folder + "/samples/" + sample.file, "--profile",
          sample.profile, "--repo", "north",
        ], temp)
      #expect(result.output.contains("imported \(sample.records) record(s)"), "\(result.output)")
    }
  }
}
