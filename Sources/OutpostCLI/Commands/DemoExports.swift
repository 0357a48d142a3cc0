import OutpostStore

/// The demo's export as an ad platform writes it, and head office's profile for it.
///
/// North's March search-ads days as a 百度推广 account report (SPEC.md §3.6), GB18030 with CRLF line ends,
/// title lines, one row per campaign and day, thousands separators, `¥` amounts, ratio columns, a
/// total row and Excel's blank rows. Read through the profile it gives exactly the `sem` rows
/// north imported from its own sheet, so the preview leaves every record unchanged.
enum DemoExports {
  /// Head office's profile for the report.
  static let profile = """
    {"format": "outpost-import-profile/1", "name": "baidu-sem-daily",
     "description": "百度推广 账户报告（分日，按推广计划）→ channel_daily (sem)",
     "collection": "channel_daily", "encoding": "gb18030", "header_row": 3,
     "columns": {"日期": "date", "展现": "impressions", "点击": "clicks", "消费": "spend",
                 "商桥咨询": "consultations", "电话": "consult_calls"},
     "ignore": ["推广计划", "点击率", "平均点击价格"], "constants": {"channel_id": "sem"},
     "skip_blank_rows": true, "skip_rows": [{"column": "日期", "equals": ["合计"]}],
     "formats": {"date": {"date": "yyyy/M/d"}, "spend": {"thousands": ",", "currency": ["¥"]}},
     "number_format": {"thousands": ","},
     "aggregate": {"sum": ["impressions", "clicks", "spend", "consultations", "consult_calls"]}}

    """

  /// The report for `month` (`2025-03`) from an office's channel_daily CSV, encoded as GB18030.
  static func baiduReport(_ channelDaily: String, month: String) -> [UInt8] {
    var text = "百度推广 账户报告（分日）\n时间范围：\(month)\n"
    text += "日期,推广计划,展现,点击,消费,商桥咨询,电话,点击率,平均点击价格\n"
    var totals = [0, 0, 0, 0, 0]
    for line in channelDaily.split(separator: "\n").dropFirst() {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard cells[1] == "sem", cells[2].hasPrefix(month) else { continue }
      let date = cells[2].split(separator: "-").map { String(Int($0) ?? 0) }.joined(separator: "/")
      // impressions, clicks, spend in fen, consultations, calls: split over two campaigns.
      let values = [
        Int(cells[3]) ?? 0, Int(cells[4]) ?? 0, Int(cells[13].filter { $0 != "." }) ?? 0,
        Int(cells[8]) ?? 0, Int(cells[9]) ?? 0,
      ]
      for (campaign, share) in [("品牌词", 0), ("通用词", 1)] {
        let part = values.map { share == 0 ? ($0 + 1) / 2 : $0 / 2 }
        for index in part.indices { totals[index] += part[index] }
        text += row(date, campaign, part) + "\n"
      }
    }
    text += row("合计", "", totals) + "\n" + ",,,,,,,,\n,,,,,,,,\n"
    let crlf = Array(text.utf8).flatMap { $0 == 10 ? [13, 10] : [$0] }
    // Every character of the report is in GB18030, so the encoding cannot fail.
    return (try? TextCodec.encode(crlf, to: .gb18030)) ?? crlf
  }

  private static func row(_ date: String, _ campaign: String, _ values: [Int]) -> String {
    let (impressions, clicks, fen) = (values[0], values[1], values[2])
    let ratio = impressions == 0 ? "0.00%" : percent(clicks * 10_000 / impressions)
    let perClick = clicks == 0 ? "¥0.00" : "¥" + DemoData.money(fen / clicks)
    return [
      date, campaign, grouped(impressions), grouped(clicks),
      "¥" + grouped(fen / 100) + "."
        + String(fen % 100 + 100).dropFirst(), String(values[3]), String(values[4]), ratio,
      perClick,
    ].map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",")
  }

  /// `11652` as `11,652`.
  private static func grouped(_ value: Int) -> String {
    var digits = String(value)
    var result = ""
    while digits.count > 3 {
      result = "," + digits.suffix(3) + result
      digits.removeLast(3)
    }
    return digits + result
  }

  /// Basis points as a percentage: 275 → `2.75%`.
  private static func percent(_ basisPoints: Int) -> String {
    "\(basisPoints / 100).\(String(basisPoints % 100 + 100).dropFirst())%"
  }
}
