import Foundation
import OutpostCLI
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// SPEC.md §6–7 and docs/reliability.md §4: commands, messages, exit codes, nothing partial.
struct CommandLineTests {
  @Test("bad cells: exit 65, file:line and column named, repository byte-identical")
  func badCellsChangeNothing() {
    let temp = TemporaryDirectory()
    #expect(outpost(["init", "--office", "north", "--repo", "r"], in: temp.path).status == 0)
    temp.write("good.csv", channelDailyCSV(days: 3))
    #expect(
      outpost(["import", "channel_daily", "good.csv", "--repo", "r"], in: temp.path).status == 0)
    let before = treeDigest(temp.file("r"))
    temp.write(
      "bad.csv",
      "channel_id,date,consultations,consult_calls,spend\nsem,2025-02-02,\"12,345\",1,-\n")
    let result = outpost(["import", "channel_daily", "bad.csv", "--repo", "r"], in: temp.path)
    #expect(result.status == 65)
    #expect(result.errors.contains("bad.csv:2: column 'consultations'"))
    #expect(result.errors.contains("nothing was imported"))
    #expect(treeDigest(temp.file("r")) == before)
    let again = outpost(["import", "channel_daily", "good.csv", "--repo", "r"], in: temp.path)
    #expect(again.output.contains("0 created, 0 updated, 3 unchanged"))
    #expect(treeDigest(temp.file("r")) == before)
  }

  @Test("usage mistakes exit 64 with a suggestion; ownership exits 77")
  func usageAndOwnership() {
    let temp = TemporaryDirectory()
    _ = outpost(["init", "--office", "north", "--repo", "r"], in: temp.path)
    let typo = outpost(["imprt", "orders", "x.csv"], in: temp.path)
    #expect(typo.status == 64 && typo.errors.contains("Did you mean 'import'?"))
    let option = outpost(["status", "--rep", "r"], in: temp.path)
    #expect(option.status == 64 && option.errors.contains("Did you mean '--repo'?"))
    let head = outpost(["put", "targets", "t1", "kpi_id=x", "--repo", "r"], in: temp.path)
    #expect(head.status == 77)
    let missing = outpost(["status", "--repo", "nowhere"], in: temp.path)
    #expect(missing.status == 66)
  }

  @Test(
    "NDJSON hazards are refused",
    arguments: [
      #"{"channel_id":"sem","date":"2025-01-01","consultations":1,"consultations":2,"consult_calls":1,"spend":"1.00"}"#,
      #"{"channel_id":"sem","date":"2025-01-01","consultations":1e3,"consult_calls":1,"spend":"1.00"}"#,
      #"{"channel_id":"sem","date":"2025-01-01","consultations":1,"consult_calls":1,"spend":1.00}"#,
      #"{"channel_id":"sem\ud800","date":"2025-01-01","consultations":1,"consult_calls":1,"spend":"1.00"}"#,
    ])
  func ndjsonHazards(_ line: String) {
    let temp = TemporaryDirectory()
    _ = outpost(["init", "--office", "north", "--repo", "r"], in: temp.path)
    let before = treeDigest(temp.file("r"))
    temp.write("in.ndjson", line + "\n")
    let result = outpost(["import", "channel_daily", "in.ndjson", "--repo", "r"], in: temp.path)
    #expect(result.status == 65, "\(result.errors)")
    #expect(result.errors.contains("in.ndjson:1:"))
    #expect(treeDigest(temp.file("r")) == before)
  }

  @Test(
    "OUTPOST_NOW must be a timestamp: anything else is 64 before any command runs",
    arguments: ["now", "2025-03-01", "2025-03-01T09:00:00.5Z", "2025-03-01T09:00:00+00:00"])
  func clockMustBeATimestamp(_ value: String) {
    let temp = TemporaryDirectory()
    let console = Console()
    let status = Tool.run(
      ["init", "--office", "north", "--repo", "r"], console: console,
      environment: ["OUTPOST_NOW": value], workingDirectory: temp.path)
    #expect(status == 64)
    #expect(console.errors.contains("OUTPOST_NOW is '\(value)', not a timestamp"))
    #expect(!FileManager.default.fileExists(atPath: temp.file("r")), "nothing is created")
  }

  @Test(
    "OUTPOST_CHECK_BUNDLES is 1 or 0: anything else is 64 before any command runs",
    arguments: ["yes", "true", "2", ""])
  func bundleCheckSwitch(_ value: String) {
    let temp = TemporaryDirectory()
    let console = Console()
    let status = Tool.run(
      ["init", "--office", "north", "--repo", "r"], console: console,
      environment: ["OUTPOST_CHECK_BUNDLES": value], workingDirectory: temp.path)
    #expect(status == 64)
    #expect(console.errors.contains("OUTPOST_CHECK_BUNDLES is '\(value)'"))
    #expect(!FileManager.default.fileExists(atPath: temp.file("r")), "nothing is created")
  }

  @Test("OUTPOST_NOW is written as given, local offset included")
  func clockKeepsItsOffset() throws {
    let temp = TemporaryDirectory()
    let console = Console()
    let status = Tool.run(
      ["init", "--office", "north", "--repo", "r"], console: console,
      environment: ["OUTPOST_NOW": "2025-03-01T09:00:00-05:30"], workingDirectory: temp.path)
    #expect(status == 0, "\(console.errors)")
    let config = try String(contentsOfFile: temp.file("r/outpost.json"), encoding: .utf8)
    #expect(config.contains("\"2025-03-01T09:00:00-05:30\""), "\(config)")
  }
}
