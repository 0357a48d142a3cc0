import Foundation
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// SPEC.md §9.10: the HTML report as an assessment pack, over three branches merged at head
/// office (the test clock says 2025-03-01, so every month shown is closed).
///
/// north: November 2024 and January 2025 (December has no traffic, so its cost per
/// conversation is undefined: a gap), one consultant named `<b>Li</b>`; south: January only,
/// half north's revenue; west: January, no targets at all. Head office names north 华北分部 and
/// south 华南分部 (west has no `offices` record) and sets north's and south's January office
/// targets, and north's November revenue target.
@Suite(.serialized)
struct ReportPackTests {
  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory) -> String {
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors)")
    return result.output
  }

  /// An office target line.
  static func target(
    _ id: String, _ kpi: String, _ office: String, _ period: String, _ value: String,
    _ direction: String
  ) -> String {
    "\(id),\(kpi),\(office),office,,month,\(period),\(value),\(direction),,,1,\n"
  }

  /// The report's HTML.
  func report(_ temp: TemporaryDirectory) throws -> String {
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    let channel = "channel_id,date,visits,consultations,consult_calls,spend\n"
    let days = [
      "north": channel + "sem,2024-11-05,1000,50,0,500.00\n" + "sem,2025-01-10,1200,60,0,600.00\n"
        + "seo,2025-01-10,800,40,0,0.00\n",
      "south": channel + "sem,2025-01-10,900,30,0,600.00\n",
      "west": channel + "sem,2025-01-12,500,10,0,300.00\n",
    ]
    let orders = [
      "north": "o-1,c-1,sem,2024-11-10,1,1000.00,confirmed,s-1\n"
        + "o-2,c-2,sem,2025-01-10,1,2000.00,confirmed,s-1\n",
      "south": "o-3,c-3,sem,2025-01-11,1,1000.00,confirmed,\n",
      "west": "o-4,c-4,sem,2025-01-12,1,500.00,confirmed,\n",
    ]
    for office in ["north", "south", "west"] {
      run(["office", "add", office, "--key-out", "\(office).key", "--repo", "hq"], temp)
      run(["init", "--office", office, "--key", "\(office).key", "--repo", office], temp)
      temp.write("\(office)-days.csv", days[office]!)
      temp.write(
        "\(office)-orders.csv",
        "order_id,customer_id,channel_id,order_date,quantity,amount,status,salesperson_id\n"
          + orders[office]!)
      run(["import", "channel_daily", "\(office)-days.csv", "--repo", office], temp)
      if office == "north" {
        temp.write(
          "staff.csv",
          "staff_id,name,position,department,active_from,active_to\n"
            + "s-1,<b>Li</b>,consultant,sales,2024-01-01,\n")
        run(["import", "staff", "staff.csv", "--repo", office], temp)
      }
      run(["import", "orders", "\(office)-orders.csv", "--repo", office], temp)
      run(["submit", "--out", "\(office).sub", "--repo", office], temp)
      run(["merge", "\(office).sub", "--repo", "hq"], temp)
    }
    temp.write(
      "offices.csv",
      "office_id,name_zh,name_en,region,currency,timezone,active_from,active_to\n"
        + "north,华北分部,North,,CNY,Asia/Shanghai,,\n"
        + "south,华南分部,South,,CNY,Asia/Shanghai,,\n")
    run(["import", "offices", "offices.csv", "--repo", "hq"], temp)
    var targets =
      "target_id,kpi_id,office_id,scope,scope_key,period_grain,period,target_value,direction,"
      + "worst,best,version,published_at\n"
      + Self.target("t-0", "net_revenue", "north", "2024-11", "1500.00", "higher_better")
    for office in ["north", "south"] {
      targets +=
        Self.target("t-\(office)-1", "net_revenue", office, "2025-01", "2000.00", "higher_better")
        + Self.target("t-\(office)-2", "consultations", office, "2025-01", "100", "higher_better")
        + Self.target(
          "t-\(office)-3", "avg_cost_per_conversation", office, "2025-01", "20.00", "upper_bound")
        + Self.target("t-\(office)-4", "return_rate", office, "2025-01", "0.0300", "lower_better")
        + Self.target(
          "t-\(office)-5", "collection_rate", office, "2025-01", "0.9500", "lower_bound")
    }
    temp.write("targets.csv", targets)
    run(["import", "targets", "targets.csv", "--repo", "hq"], temp)
    run(["report", "--html", "r.html", "--repo", "hq"], temp)
    return try String(contentsOfFile: temp.file("r.html"), encoding: .utf8)
  }

  /// The chart whose aria-label starts with `label`, or "".
  func chart(_ html: String, _ label: String) -> String {
    for part in html.components(separatedBy: "<svg class=\"chart\"").dropFirst()
    where part.contains("aria-label=\"\(label)") {
      return part.components(separatedBy: "</svg>")[0]
    }
    return ""
  }

  /// How often `needle` occurs in `text`.
  func count(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
  }

  @Test("charts: axis ticks with units, target lines where targets exist, gaps not zeros")
  func charts() throws {
    let temp = TemporaryDirectory()
    let html = try report(temp)
    #expect(count("<svg class=\"chart\"", in: html) == 12, "4 charts for each of 3 offices")
    let revenue = chart(html, "销售额 / Net sales revenue · 华北分部")
    #expect(revenue.contains("<text class=\"unit\""), "\(revenue)")
    #expect(revenue.contains(">CNY</text></g>"))
    // 0 to the highest of the values and targets (2000.00), in round steps of 500.
    for tick in ["0", "500", "1,000", "1,500", "2,000"] {
      #expect(revenue.contains("dominant-baseline=\"middle\">\(tick)</text>"), "tick \(tick)")
    }
    #expect(!revenue.contains(">2,500</text>"))
    for month in ["2024-11", "2024-12", "2025-01"] {
      #expect(revenue.contains("text-anchor=\"middle\">\(month)</text>"), "label \(month)")
    }
    #expect(revenue.contains("<path class=\"target\""))
    #expect(revenue.contains("目标 target"))
    #expect(chart(html, "咨询量 / Consultations · 华北分部").contains(">count</text></g>"))
    #expect(chart(html, "退货率 / Return rate (count) · 华北分部").contains(">%</text></g>"))
    // West has no target: no target line, no target in the legend.
    let west = ["销售额 / Net sales revenue · west", "咨询量 / Consultations · west"].map {
      chart(html, $0)
    }
    for svg in west {
      #expect(!svg.isEmpty)
      #expect(!svg.contains("class=\"target\""))
      #expect(!svg.contains("目标 target"))
    }
    // North's December has no consultations: its cost per conversation is a gap, the line
    // broken in two (two moves, no line segment) and two points, none for December.
    let cost = chart(html, "平均对话成本 / Average cost per conversation · 华北分部")
    let path = cost.components(separatedBy: "<path class=\"series\" d=\"")[1]
      .prefix { $0 != "\"" }
    #expect(count("M", in: String(path)) == 2, "\(path)")
    #expect(!path.contains("L"), "\(path)")
    #expect(count("<circle class=\"point", in: cost) == 2)
    #expect(!cost.contains("<title>2024-12"))
    #expect(cost.contains("<title>2025-01: 10.00 CNY</title>"))
  }

  @Test("overview: offices ranked with names and attainment, undefined in words, text escaped")
  func overview() throws {
    let temp = TemporaryDirectory()
    let html = try report(temp)
    #expect(!html.lowercased().contains("<script"))
    #expect(html.contains("<h2>目录 / Contents</h2>"))
    #expect(html.contains("@media print"))
    let ranked = html.components(separatedBy: "<h3 id=\"offices-1\">")[1]
      .components(separatedBy: "</table>")[0]
    #expect(ranked.hasPrefix("分部排名 / Offices ranked · 分部营销月度考核"), "\(ranked.prefix(80))")
    // North above south (twice the revenue on the same targets), west unranked: no target.
    let north = ranked.range(
      of: "<tr><td>1</td><td class=\"l\">华北分部 <span class=\"id\">north</span>")
    let south = ranked.range(
      of: "<tr><td>2</td><td class=\"l\">华南分部 <span class=\"id\">south</span>")
    let west = ranked.range(of: "<tr><td>—</td><td class=\"l\">west</td>")
    #expect(north != nil && south != nil && west != nil, "\(ranked)")
    if let north, let south, let west {
      #expect(north.lowerBound < south.lowerBound && south.lowerBound < west.lowerBound)
    }
    #expect(ranked.contains("无目标 / no target"))
    // North's revenue attainment: 2000.00 / 2000.00; south's 1000.00 / 2000.00.
    #expect(ranked.contains("<td>100.0 %</td>"))
    #expect(ranked.contains("<td class=\"below\">50.0 %</td>"))
    // Undefined values in words, never a reason code.
    #expect(html.contains("— 无业务 / no activity"))
    for code in ["no_activity", "missing_target", "no_data", "zero_denominator"] {
      #expect(!html.contains(code), "\(code)")
    }
    // The person's name stays literal text.
    #expect(html.contains("&lt;b&gt;Li&lt;/b&gt; <span class=\"id\">s-1</span>"))
    #expect(!html.contains("<b>Li</b>"))
    // The channels of north's January.
    let north2 = html.components(separatedBy: "<section class=\"office\" id=\"office-1\">")[1]
    #expect(north2.hasPrefix("<h2>华北分部 <span class=\"id\">north</span></h2>"))
    #expect(north2.contains("渠道 / Channels · 2025-01"))
    #expect(north2.contains("<span class=\"v\">2000.00 CNY</span>"))
  }
}
