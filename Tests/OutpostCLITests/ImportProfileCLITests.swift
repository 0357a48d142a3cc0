import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostTestSupport
import Testing

/// SPEC.md §3.6 on the command line: `import --profile FILE|NAME`, `--dry-run` and its JSON,
/// and profiles head office publishes, which replies carry to the branches.
struct ImportProfileCLITests {
  static let profile = #"""
    {"format": "outpost-import-profile/1", "name": "baidu-sem-daily",
     "description": "百度推广 账户报告（分日）", "collection": "channel_daily", "header_row": 2,
     "columns": {"日期": "date", "计划": "campaign", "点击": "clicks", "消费": "spend",
                 "咨询": "consultations", "电话": "consult_calls"},
     "ignore": ["计划"], "constants": {"channel_id": "sem"}, "skip_blank_rows": true,
     "skip_rows": [{"column": "日期", "equals": ["合计"]}],
     "formats": {"date": {"date": "yyyy/M/d"}, "spend": {"thousands": ",", "currency": ["¥"]}},
     "aggregate": {"sum": ["clicks", "spend", "consultations", "consult_calls"]}}
    """#.replacingOccurrences(of: #""计划": "campaign", "#, with: "")

  static let export =
    "百度推广 账户报告\n日期,计划,点击,消费,咨询,电话\n2026/3/1,a,10,\"¥1,000.50\",1,0\n"
    + "2026/3/1,b,5,¥2.00,1,1\n2026/3/2,a,7,¥3.00,0,0\n合计,,22,\"¥1,005.50\",2,1\n,,,,,\n"

  func branch() throws -> TemporaryDirectory {
    let temp = TemporaryDirectory()
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
    try Self.profile.write(toFile: temp.file("sem.json"), atomically: true, encoding: .utf8)
    try Self.export.write(toFile: temp.file("sem.csv"), atomically: true, encoding: .utf8)
    return temp
  }

  @Test("--dry-run shows the counts and the first records and writes nothing; then the import")
  func dryRunThenImport() throws {
    let temp = try branch()
    let before = treeDigest(temp.file("north"))
    let preview = run(
      [
        "import", "channel_daily", "sem.csv", "--profile", "sem.json", "--dry-run", "--repo",
        "north",
      ],
      temp)
    #expect(treeDigest(temp.file("north")) == before)
    #expect(preview.output.contains("rows: 5 read, 1 blank skipped, 1 skipped by skip_rows"))
    #expect(preview.output.contains("records: 2 (after aggregate): would create 2, update 0"))
    #expect(preview.output.contains("      spend = 1002.50\n"), "\(preview.output)")
    let json = run(
      [
        "import", "channel_daily", "sem.csv", "--profile", "sem.json", "--dry-run", "--format",
        "json", "--repo", "north",
      ], temp)
    let document = try JSONParser.parse(Array(json.output.utf8))
    #expect(document["format"] == .string("outpost-import-preview/1"))
    #expect(document["ok"] == .bool(true) && document["created"] == .number(.init(integer: 2)))
    #expect(document["rows"]?["skipped"] == .number(.init(integer: 1)))
    #expect(document["sample"]?.arrayValue?.first?["fields"]?["spend"] == .string("1002.50"))
    #expect(document["sample"]?.arrayValue?.first?["line"] == .number(.init(integer: 3)))
    run(["import", "channel_daily", "sem.csv", "--profile", "sem.json", "--repo", "north"], temp)
    let again = run(
      [
        "import", "channel_daily", "sem.csv", "--profile", "sem.json", "--dry-run", "--repo",
        "north",
      ],
      temp)
    #expect(again.output.contains("would create 0, update 0, leave 2 unchanged"), "\(again.output)")
    run(
      [
        "import", "channel_daily", "sem.csv", "--profile", "sem.json", "--dry-run", "--note", "x",
        "--repo", "north",
      ], temp, status: 64)
  }

  @Test("a refused import lists each problem with file:line and the member; JSON on request")
  func refusal() throws {
    let temp = try branch()
    try Self.export.replacingOccurrences(of: "¥2.00", with: "$2.00").write(
      toFile: temp.file("bad.csv"), atomically: true, encoding: .utf8)
    let before = treeDigest(temp.file("north"))
    let text = run(
      ["import", "channel_daily", "bad.csv", "--profile", "sem.json", "--repo", "north"], temp,
      status: 65)
    #expect(
      text.errors.contains("bad.csv:4: column 4 '消费' → spend: "), "\(text.errors)")
    #expect(text.errors.contains("(profile: formats.spend)"))
    let json = run(
      [
        "import", "channel_daily", "bad.csv", "--profile", "sem.json", "--format", "json", "--repo",
        "north",
      ], temp, status: 65)
    let problems = try JSONParser.parse(Array(json.output.utf8))["problems"]?.arrayValue ?? []
    #expect(problems.count == 1)
    #expect(problems.first?["line"] == .number(.init(integer: 4)))
    #expect(problems.first?["column"] == .number(.init(integer: 4)))
    #expect(problems.first?["field"] == .string("spend"))
    #expect(problems.first?["rule"] == .string("formats.spend"))
    #expect(problems.first?["file"] == .string("bad.csv"))
    #expect(try JSONParser.parse(Array(json.output.utf8))["records"] == .number(.init(integer: 0)))
    #expect(treeDigest(temp.file("north")) == before)
    // A profile for another collection.
    run(
      ["import", "orders", "sem.csv", "--profile", "sem.json", "--repo", "north"], temp, status: 64)
    // A spreadsheet format Outpost does not read is named, with what to do.
    try "x".write(toFile: temp.file("march.ods"), atomically: true, encoding: .utf8)
    let ods = run(["import", "orders", "march.ods", "--repo", "north"], temp, status: 64)
    #expect(ods.errors.contains("save it as an Excel workbook (.xlsx)"), "\(ods.errors)")
    // Profiles read tables, not NDJSON.
    try "{}\n".write(toFile: temp.file("x.ndjson"), atomically: true, encoding: .utf8)
    run(
      ["import", "channel_daily", "x.ndjson", "--profile", "sem.json", "--repo", "north"], temp,
      status: 64)
  }

  @Test("head office publishes a profile; the reply carries it; the branch imports by name")
  func publishedProfile() throws {
    let temp = try branch()
    let published = run(["profile", "publish", "sem.json", "--repo", "hq"], temp)
    #expect(published.output.contains("published profile 'baidu-sem-daily' for channel_daily"))
    let again = run(["profile", "publish", "sem.json", "--repo", "hq"], temp)
    #expect(again.output.contains("nothing changed"))
    run(["profile", "publish", "sem.json", "--repo", "north"], temp, status: 77)
    // Before the reply, the branch has no such profile: 66, naming what to do.
    let missing = run(
      ["import", "channel_daily", "sem.csv", "--profile", "baidu-sem-daily", "--repo", "north"],
      temp, status: 66)
    #expect(missing.errors.contains("no import profile 'baidu-sem-daily'"))
    run(["reply", "north", "--out", "north.reply", "--repo", "hq"], temp)
    run(["receive", "north.reply", "--repo", "north"], temp)
    let list = run(["profile", "list", "--repo", "north"], temp)
    #expect(list.output == "baidu-sem-daily  channel_daily  百度推广 账户报告（分日）\n")
    let shown = run(["profile", "show", "baidu-sem-daily", "--repo", "north"], temp)
    let document = try JSONParser.parse(Array(shown.output.utf8))
    #expect(document["collection"] == .string("channel_daily"))
    let imported = run(
      ["import", "channel_daily", "sem.csv", "--profile", "baidu-sem-daily", "--repo", "north"],
      temp)
    #expect(imported.output.contains("2 created"), "\(imported.output)")
    let export = run(["export", "channel_daily", "--format", "csv", "--repo", "north"], temp)
    #expect(export.output.contains("north,sem,2026-03-01,,15,"), "\(export.output)")
  }

  @Test("a profile that fits no collection is refused at publish, naming the member")
  func publishRefusal() throws {
    let temp = try branch()
    try Self.profile.replacingOccurrences(of: "\"consult_calls\"]", with: "\"date\"]").write(
      toFile: temp.file("bad.json"), atomically: true, encoding: .utf8)
    let refused = run(["profile", "publish", "bad.json", "--repo", "hq"], temp, status: 65)
    #expect(refused.errors.contains("member 'aggregate.sum[3]'"), "\(refused.errors)")
    try Self.profile.replacingOccurrences(of: #""name": "baidu-sem-daily","#, with: "").write(
      toFile: temp.file("nameless.json"), atomically: true, encoding: .utf8)
    let nameless = run(["profile", "publish", "nameless.json", "--repo", "hq"], temp, status: 65)
    #expect(nameless.errors.contains("member 'name' is missing"), "\(nameless.errors)")
  }

  @Test("a profile stored by put or import is checked as profile publish checks it (§3.6)")
  func storedThroughPut() throws {
    let temp = try branch()
    let bad =
      #"{"format":"outpost-import-profile/1","name":"x","collection":"orders","columns":{"a":"nope"}}"#
    let put = run(
      ["put", "import_profiles", "x", "profile=" + bad, "--repo", "hq"], temp, status: 65)
    #expect(put.errors.contains("'nope' is not a column of 'orders'"), "\(put.errors)")
    let good =
      #"{"format":"outpost-import-profile/1","name":"x","collection":"orders","columns":{"a":"amount"}}"#
    run(["put", "import_profiles", "x", "profile=" + good, "--repo", "hq"], temp)
    #expect(run(["profile", "list", "--repo", "hq"], temp).output.hasPrefix("x  orders"))
  }
}
