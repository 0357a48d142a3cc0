import Outpost
import OutpostCodec
import OutpostModel
import OutpostTestRandom
import OutpostTestSupport
import Testing

/// Random exports through random profiles (SPEC.md §3.6): every outcome is an import or an
/// ``OutpostError``, never a crash, and a refused import leaves the repository byte-identical.
struct ImportProfileFuzzTests {
  /// Cells as exports write them, good and bad.
  static let cells = [
    "", " ", "2026-03-01", "2026/3/1", "2026年3月1日", "2026-03-01 00:00:00", "2026/2/30", "0", "7",
    "11,652", "1,2345", "¥1,798.00", "￥0.50", "12.5元", "5%", "0005%", "5.%", "(12.50)", "１２",
    "--", "N/A", "合计", "总计", "数据来源：百度", "sem", "seo", "搜索推广", "已确认", "x", "\"",
    "'=1+1", "-", "1e3", "9999999999999.00", "品牌词", "a,b", "\t5\t", "\u{3000}3",
  ]
  /// Headers an export might have.
  static let headers = ["日期", "点击", "消费", "咨询", "电话", "计划", "点击率", "", "日期"]
  /// Profile members, each a JSON fragment that may or may not fit.
  static let members = [
    #""header_row": 2"#, #""trim": true"#, #""skip_blank_rows": true"#,
    #""skip_rows": [{"column": "日期", "equals": ["合计", "总计"]}]"#,
    #""stop_at": [{"column": "日期", "starts_with": ["数据来源"]}]"#, #""ignore": ["计划", "点击率"]"#,
    #""values": {"clicks": {"--": ""}}"#,
    #""formats": {"date": {"date": ["yyyy/M/d", "yyyy年M月d日", "yyyy-MM-dd HH:mm:ss"]}}"#,
    #""formats": {"spend": {"thousands": ",", "currency": ["¥", "￥", "元"], "fullwidth": true}}"#,
    #""number_format": {"thousands": ",", "fullwidth": true}"#,
    #""aggregate": {"sum": ["clicks", "spend", "consultations", "consult_calls"]}"#,
  ]
  /// Members that never fit this import (a workbook member, a key field derived, ...).
  static let misfits = [
    #""delimiter": ";""#, #""encoding": "gb18030""#, #""sheet": "x""#, #""derive_ids": ["date"]"#,
    #""values": {"channel_id": {"搜索推广": "sem"}}"#,
  ]

  @Test("random exports through random profiles: an import or a refusal, never a crash")
  func randomImports() throws {
    var random = SplitMix64(seed: testSeed(20_261_206))
    func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    var (imported, refused) = (0, 0)
    for _ in 0..<150 {
      let (_, north, disk) = try twoOffices(now: { "2026-04-01T09:00:00Z" })
      var chosen: [String] = []
      for member in Self.members where random.next() % 3 == 0 { chosen.append(member) }
      if random.next() % 8 == 0 { chosen.append(pick(Self.misfits)) }
      let has = { (prefix: String) in chosen.contains { $0.hasPrefix(#"""# + prefix) } }
      let profileText =
        #"{"format": "outpost-import-profile/1", "collection": "channel_daily", "#
        + #""columns": {"日期": "date", "点击": "clicks", "消费": "spend", "咨询": "consultations", "#
        + #""电话": "consult_calls"}, "constants": {"channel_id": "sem"}"#
        + chosen.map { ", " + $0 }.joined() + "}"
      // Data shaped for the chosen members, then noise.
      var header = ["日期", "点击", "消费", "咨询", "电话"]
      if has("ignore") { header += ["计划", "点击率"] }
      if random.next() % 6 == 0 { header.append(pick(Self.headers)) }
      var text = has("header_row") ? "百度推广 报告\n" : ""
      text += header.joined(separator: ",") + "\n"
      let aggregate = has("aggregate")
      for day in 1...(1 + Int(random.next() % 6)) {
        if random.next() % 4 != 0 {
          let date = has("formats\": {\"date") ? "2026/3/\(day)" : "2026-03-0\(day)"
          let fen = random.next() % 90_000
          let spend =
            chosen.contains { $0.contains("currency") }
            ? "¥\(fen / 100).\(fen % 10)0" : "\(fen / 100).50"
          var cells = [
            date, "\(random.next() % 500)", spend, "\(random.next() % 9)", "\(random.next() % 3)",
          ]
          cells += header.dropFirst(5).map { _ in "" }
          text += cells.joined(separator: ",") + "\n"
          if aggregate && random.next() % 2 == 0 { text += cells.joined(separator: ",") + "\n" }
          continue
        }
        let count = header.count + Int(random.next() % 3) - 1
        text +=
          (0..<max(count, 1)).map { _ in pick(Self.cells) }.map { cell in
            cell.contains(",") || cell.contains("\"")
              ? "\""
                + cell.split(separator: "\"", omittingEmptySubsequences: false).joined(
                  separator: "\"\"")
                + "\"" : cell
          }.joined(separator: ",") + (random.next() % 5 == 0 ? "\r\n" : "\n")
      }
      let before = disk.snapshot()
      do throws(OutpostError) {
        let profile = try ImportProfile.decode(Array(profileText.utf8), source: "p.json")
        try north.importRecords(.csv(Array(text.utf8)), into: "channel_daily", profile: profile)
        imported += 1
      } catch {
        refused += 1
        #expect(!error.message.isEmpty)
        #expect(disk.snapshot() == before, "a refused import wrote: \(text) / \(profileText)")
      }
    }
    print("random profile imports: \(imported) imported, \(refused) refused")
    #expect(imported + refused == 150)
    // Both outcomes are exercised.
    #expect(imported >= 10 && refused >= 10, "\(imported) imported, \(refused) refused")
  }
}
