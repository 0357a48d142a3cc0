import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostSync
import OutpostTestSupport
import Testing

/// SPEC.md §9.6: `outpost kpi`, `kpi publish`, `scorecard` through the CLI, at a branch and at
/// head office.
@Suite(.serialized)
struct KPICommandTests {
  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory) -> String {
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors)")
    return result.output
  }

  func order(_ id: String, _ office: String, _ date: String, _ amount: String) -> [String] {
    [
      "put", "orders", id, "customer_id=c-\(id)", "channel_id=sem", "order_date=\(date)",
      "quantity=1", "amount=\(amount)", "status=confirmed", "--repo", office,
    ]
  }

  func round(_ temp: TemporaryDirectory, _ tag: String) {
    run(["submit", "--out", "\(tag).sub", "--repo", "north"], temp)
    run(["merge", "\(tag).sub", "--repo", "hq"], temp)
    run(["reply", "north", "--out", "\(tag).reply", "--repo", "hq"], temp)
    run(["receive", "\(tag).reply", "--repo", "north"], temp)
  }

  func setUp(_ temp: TemporaryDirectory) {
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
    temp.write("days.csv", channelDailyCSV(days: 70, spend: "12.35"))
    run(["import", "channel_daily", "days.csv", "--repo", "north"], temp)
    run(order("o-1", "north", "2025-01-10", "1200.00"), temp)
    run(order("o-2", "north", "2025-02-11", "800.50"), temp)
    run(order("o-3", "north", "2025-02-12", "0.05"), temp)
  }

  @Test("a branch and head office holding the same records print byte-identical KPI JSON")
  func sameEverywhere() {
    let temp = TemporaryDirectory()
    setUp(temp)
    round(temp, "1")
    let arguments = ["kpi", "--format", "json"]
    let branch = run(arguments + ["--repo", "north"], temp)
    #expect(branch == run(arguments + ["--repo", "hq"], temp))
    #expect(
      branch.contains(#""kpi": "consultation_rate""#) && branch.contains(#""period": "2025-03""#))
    // Quarters are recomputed from rows: the text table shows every grain.
    let quarter = run(["kpi", "--grain", "quarter", "--kpi", "aov", "--repo", "north"], temp)
    #expect(quarter.contains("2025-Q1") && quarter.contains("666.85 CNY"), "\(quarter)")
    let csv = run(
      ["kpi", "--period", "2025-02", "--kpi", "deal_amount", "--format", "csv", "--repo", "hq"],
      temp)
    #expect(csv.hasSuffix("deal_amount,north,2025-02,,800.55,currency:CNY,,,0,0\n"), "\(csv)")
    let unknown = outpost(["kpi", "--kpi", "aovv", "--repo", "hq"], in: temp.path)
    #expect(unknown.status == 64 && unknown.errors.contains("Did you mean 'aov'?"))
  }

  @Test("head office flags values from offices that have not submitted since the period ended")
  func missingSubmission() {
    let temp = TemporaryDirectory()
    setUp(temp)
    round(temp, "1")  // merged at 2025-03-01, the test clock
    let csv = run(
      ["kpi", "--kpi", "deal_count", "--check-submissions", "--format", "csv", "--repo", "hq"],
      temp)
    #expect(csv.contains("deal_count,north,2025-02,,2,count,,,0,0,0\n"), "\(csv)")
    // March is open (the clock says 2025-03-01) and nothing arrived since it ended.
    let march = run(
      [
        "kpi", "--kpi", "deal_count", "--period", "2025-03", "--check-submissions", "--format",
        "csv", "--repo", "hq",
      ], temp)
    #expect(march.contains("deal_count,north,2025-03,,0,count,,,1,0,1\n"), "\(march)")
    let text = run(["kpi", "--kpi", "deal_count", "--period", "2025-03", "--repo", "hq"], temp)
    #expect(text.contains("no submission since the period ended"), "\(text)")
    #expect(run(["kpi", "diagnose", "--repo", "hq"], temp) == "No diagnosis flags.\n")
    #expect(
      run(["kpi", "diagnose", "--format", "json", "--repo", "hq"], temp).contains(
        #""format": "outpost-diagnosis/2""#))
  }

  @Test("the HTML report is one self-contained file: trends, scorecards, conflict warnings")
  func htmlReport() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    round(temp, "1")
    run(["put", "orders", "o-1", "amount=1300.00", "--repo", "hq"], temp)
    run(["put", "orders", "o-1", "amount=1250.00", "--repo", "north"], temp)
    run(["submit", "--out", "2.sub", "--repo", "north"], temp)
    run(["merge", "2.sub", "--repo", "hq"], temp)
    let said = run(["report", "--html", "r.html", "--repo", "hq"], temp)
    #expect(
      said.contains("1 office(s), 3 month(s)") && said.contains("1 open conflict(s)"), "\(said)")
    let html = try String(contentsOfFile: temp.file("r.html"), encoding: .utf8)
    #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
    // Four charts; no scripts, nothing loaded, links only within the page (the contents).
    #expect(html.components(separatedBy: "<svg class=\"chart\"").count - 1 == 4)
    #expect(!html.contains("<script") && !html.contains("src="))
    #expect(!html.replacingOccurrences(of: "href=\"#", with: "").contains("href="))
    #expect(html.contains("销售额 / Net sales revenue") && html.contains("<h2>north</h2>"))
    #expect(html.contains("Open conflicts: 1") && html.contains("orders/o-1"))
    #expect(html.contains("Scorecard · 分部营销月度考核 / Branch marketing, monthly v1"))
    #expect(html.contains("无目标 / no target") && !html.contains("missing_target"))
  }

  @Test("head office publishes definitions; replies carry them; both sides compute with them")
  func publish() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    round(temp, "1")
    let exported = run(["kpi", "definitions", "--format", "json", "--repo", "hq"], temp)
    #expect(exported.contains(#""source": "built-in""#))
    // A new version: AOV with three places.
    let json = try JSONSerialization.jsonObject(with: Data(exported.utf8)) as! [String: Any]
    let document = json["document"] as! [String: Any]
    var kpis = document["kpis"] as! [[String: Any]]
    let index = kpis.firstIndex { $0["id"] as? String == "aov" }!
    kpis[index]["scale"] = 3
    var edited = document
    edited["kpis"] = kpis
    temp.write(
      "v2.json", String(decoding: try JSONSerialization.data(withJSONObject: edited), as: UTF8.self)
    )
    #expect(run(["kpi", "publish", "v2.json", "--repo", "hq"], temp).contains("version 1"))
    #expect(run(["kpi", "publish", "v2.json", "--repo", "hq"], temp).contains("nothing changed"))
    let hqAOV = run(["kpi", "--period", "2025-02", "--kpi", "aov", "--repo", "hq"], temp)
    #expect(hqAOV.contains("400.275 CNY"), "\(hqAOV)")
    // Before the reply the branch still uses the built-in catalog; after it, the new version.
    #expect(
      run(["kpi", "--period", "2025-02", "--kpi", "aov", "--repo", "north"], temp).contains(
        "400.28 CNY"))
    round(temp, "2")
    #expect(run(["kpi", "definitions", "--repo", "north"], temp).contains("Published version 1"))
    let arguments = ["kpi", "--format", "json"]
    #expect(run(arguments + ["--repo", "north"], temp) == run(arguments + ["--repo", "hq"], temp))
    // Invalid definitions are refused before anything is written; branches cannot publish.
    temp.write("bad.json", #"{"format":"outpost-kpi-def/1","measures":[],"kpis":[{"id":"x"}]}"#)
    let before = treeDigest(temp.file("hq"))
    let bad = outpost(["kpi", "publish", "bad.json", "--repo", "hq"], in: temp.path)
    #expect(bad.status == 65 && bad.errors.contains("$.kpis[0]"), "\(bad.errors)")
    #expect(treeDigest(temp.file("hq")) == before)
    let branch = outpost(["kpi", "publish", "v2.json", "--repo", "north"], in: temp.path)
    #expect(branch.status == 77)
  }

  @Test("the scorecard scores each office against its targets; a missing target is undefined")
  func scorecard() {
    let temp = TemporaryDirectory()
    setUp(temp)
    round(temp, "1")
    func target(_ id: String, _ kpi: String, _ value: String, _ direction: String) -> [String] {
      [
        "put", "targets", id, "kpi_id=\(kpi)", "office_id=north", "scope=office",
        "period_grain=month", "period=2025-02", "target_value=\(value)", "direction=\(direction)",
        "version=1", "--repo", "hq",
      ]
    }
    run(target("t-1", "net_revenue", "1000.00", "higher_better"), temp)
    run(target("t-2", "consultations", "50", "higher_better"), temp)
    run(target("t-3", "avg_cost_per_conversation", "20.00", "upper_bound"), temp)
    run(target("t-4", "return_rate", "0.0300", "lower_better"), temp)
    let missing = run(["scorecard", "--period", "2025-02", "--repo", "hq"], temp)
    #expect(missing.contains("undefined (missing_target)"), "\(missing)")
    run(target("t-5", "collection_rate", "0.9500", "lower_bound"), temp)
    let scored = run(
      ["scorecard", "--period", "2025-02", "--format", "json", "--repo", "hq"], temp)
    #expect(scored.contains(#""format": "outpost-scorecard/1""#))
    // net 800.55/1000 → 0.8006; consultations and cost from the 28 days of February; return
    // rate 0 → reduction 2.0 capped at 1.20; no invoices → collection undefined → 0.
    #expect(scored.contains(#""attainment": "0.8006""#), "\(scored)")
    #expect(scored.contains(#""note": "undefined_actual""#))
    #expect(scored.contains(#""score": "1.2000""#))
  }

  @Test("the text table shows each value with its unit: h, days, ×, CNY, %")
  func units() {
    let temp = TemporaryDirectory()
    run(["init", "--office", "north", "--repo", "north"], temp)
    run(
      order("o-1", "north", "2025-03-01", "100.00") + [
        "placed_at=2025-03-01T08:00:00+08:00", "fulfilled_at=2025-03-01T20:30:00+08:00",
        "shipped_at=2025-03-02T08:00:00+08:00", "delivered_at=2025-03-05T20:00:00+08:00",
      ], temp)
    let text = run(
      [
        "kpi", "--period", "2025-03", "--kpi", "order_processing_hours,delivery_days,aov",
        "--repo", "north",
      ], temp)
    #expect(text.contains("12.50 h"), "\(text)")
    #expect(text.contains("3.50 days"), "\(text)")
    #expect(text.contains("100.00 CNY"), "\(text)")
    // A share of the office's total exists only in a channel breakdown: asking without one is a
    // usage error, not an empty table.
    let share = outpost(["kpi", "--kpi", "traffic_share", "--repo", "north"], in: temp.path)
    #expect(share.status == 64 && share.errors.contains("Add --by channel."), "\(share.errors)")
  }

  @Test("a target the scorecard would divide by must be above 0; import and put refuse it whole")
  func unscorableTargets() {
    let temp = TemporaryDirectory()
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    let header =
      "target_id,kpi_id,office_id,scope,scope_key,period_grain,period,target_value,direction,"
      + "worst,best,version,published_at\n"
    temp.write(
      "targets.csv",
      header + "t1,net_revenue,north,office,,month,2025-01,1000.00,higher_better,,,1,\n"
        + "t2,return_rate,north,office,,month,2025-01,0,lower_better,,,1,\n")
    let before = treeDigest(temp.file("hq"))
    let refused = outpost(["import", "targets", "targets.csv", "--repo", "hq"], in: temp.path)
    #expect(refused.status == 65)
    #expect(
      refused.errors.contains(
        "targets.csv:3: target_value 0.0000 for 'return_rate': scorecard 'branch_marketing_monthly' "
          + "divides by it (method reduction), so a target must be above 0"),
      "\(refused.errors)")
    #expect(treeDigest(temp.file("hq")) == before, "nothing was imported")
    // A put that would make a stored target unscorable is refused too.
    temp.write(
      "good.csv", header + "t1,net_revenue,north,office,,month,2025-01,1000.00,higher_better,,,1,\n"
    )
    run(["import", "targets", "good.csv", "--repo", "hq"], temp)
    let put = outpost(["put", "targets", "t1", "target_value=-5", "--repo", "hq"], in: temp.path)
    #expect(put.status == 65 && put.errors.contains("so a target must be above 0"), "\(put.errors)")
    // A KPI nothing divides by may have any target (channel-scope targets are refused:
    // NoEffectTests).
    temp.write("other.csv", header + "t3,clicks,north,office,,month,2025-01,0,higher_better,,,1,\n")
    run(["import", "targets", "other.csv", "--repo", "hq"], temp)
    // Definitions that would score clicks by ratio are refused while its target is 0.
    let document = run(["kpi", "definitions", "--format", "json", "--repo", "hq"], temp)
    let json = try? JSONParser.parse(document).objectValue?["document"]
    let text = JSONWriter.canonicalString(json ?? .null).replacingOccurrences(
      of: #"{"cap":"1.20","floor":"0","kpi":"consultations""#,
      with: #"{"cap":"1.20","floor":"0","kpi":"clicks""#)
    #expect(text.contains(#""kpi":"clicks""#))
    temp.write("defs.json", text)
    let beforePublish = treeDigest(temp.file("hq"))
    let publish = outpost(["kpi", "publish", "defs.json", "--repo", "hq"], in: temp.path)
    #expect(publish.status == 65, "\(publish.errors)")
    #expect(
      publish.errors.contains("targets/t3: target_value 0.0000 for 'clicks'"), "\(publish.errors)")
    #expect(treeDigest(temp.file("hq")) == beforePublish)
  }
}

/// SPEC.md §9.7: a submission carries the branch's KPI report; head office recomputes it at
/// merge and names every mismatch.
@Suite(.serialized)
struct ReconciliationTests {
  let base = KPICommandTests()

  /// North's submission `file`, verified with north's key, and the key.
  func submission(_ temp: TemporaryDirectory, _ file: String) throws -> (VerifiedBundle, OfficeKey)
  {
    let key = try OfficeKey(
      fileBytes: Array(try Data(contentsOf: URL(fileURLWithPath: temp.file("north.key")))),
      path: "north.key")
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: temp.file(file))))
    return (try BundleCodec.verify(bytes, name: file, keys: { _ in .active(key) }), key)
  }

  @Test("after a full round there is no mismatch; head office's own edit is 'different data'")
  func roundTrip() {
    let temp = TemporaryDirectory()
    base.setUp(temp)
    base.run(["submit", "--out", "1.sub", "--repo", "north"], temp)
    let merged = base.run(["merge", "1.sub", "--repo", "hq"], temp)
    #expect(merged.contains("KPI report:") && merged.contains("0 mismatch(es)"), "\(merged)")
    base.run(["reply", "north", "--out", "1.reply", "--repo", "hq"], temp)
    base.run(["receive", "1.reply", "--repo", "north"], temp)
    // Head office corrects an order the branch will not have seen when it next submits.
    base.run(["put", "orders", "o-2", "amount=900.50", "--repo", "hq"], temp)
    base.run(
      [
        "put", "orders", "o-9", "customer_id=c-9", "channel_id=sem", "order_date=2025-03-01",
        "quantity=1", "amount=5.00", "status=confirmed", "--repo", "north",
      ], temp)
    base.run(["submit", "--out", "2.sub", "--repo", "north"], temp)
    let json = base.run(["merge", "2.sub", "--format", "json", "--repo", "hq"], temp)
    #expect(json.contains(#""kind": "different_data""#), "\(json)")
    #expect(json.contains(#""kpi": "deal_amount""#) && json.contains(#""branch": "800.55""#))
    #expect(!json.contains("disagreement"))
  }

  @Test("a submission reports the 24 newest months, however long the history (SPEC §9.7)")
  func reportKeepsTheNewestMonths() throws {
    let temp = TemporaryDirectory()
    base.run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    base.run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    base.run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
    // One order a month for 30 months: 2023-01 … 2025-06.
    var csv = "order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
    for month in 0..<30 {
      let date = String(format: "%04d-%02d-15", 2023 + month / 12, month % 12 + 1)
      csv += "o-\(month),c-\(month),sem,\(date),1,100.00,confirmed\n"
    }
    temp.write("orders.csv", csv)
    base.run(["import", "orders", "orders.csv", "--repo", "north"], temp)
    base.run(["submit", "--out", "1.sub", "--repo", "north"], temp)
    let (bundle, _) = try submission(temp, "1.sub")
    guard case .object(let report)? = bundle.manifest.extra["kpi_report"],
      case .array(let values)? = report["values"]
    else {
      Issue.record("no KPI report in the submission")
      return
    }
    let periods = Set(values.compactMap { $0["period"]?.stringValue })
    #expect(periods.count == 24, "\(periods.sorted())")
    #expect(
      periods.min() == "2023-07" && periods.max() == "2025-06", "\(periods.sorted().prefix(3))")
    let merged = base.run(["merge", "1.sub", "--repo", "hq"], temp)
    #expect(merged.contains("0 mismatch(es)"), "\(merged)")
  }

  @Test("a deliberately altered branch report is caught as a real disagreement")
  func alteredReport() throws {
    let temp = TemporaryDirectory()
    base.setUp(temp)
    base.run(["submit", "--out", "1.sub", "--repo", "north"], temp)
    // A tampered branch build: same data, one value changed, signed with the branch's key.
    let (bundle, key) = try submission(temp, "1.sub")
    var manifest = bundle.manifest
    let text = JSONWriter.canonicalString(manifest.extra["kpi_report"]!)
      .replacingOccurrences(
        of: #""kpi":"deal_amount","period":"2025-02","reason":null,"value":"800.55""#,
        with: #""kpi":"deal_amount","period":"2025-02","reason":null,"value":"900.55""#)
    manifest.extra["kpi_report"] = try JSONParser.parse(Array(text.utf8))
    let altered = BundleCodec.encode(manifest, records: try bundle.records(), key: key).bytes
    temp.write("altered.sub", bytes: altered)
    let merged = base.run(["merge", "altered.sub", "--repo", "hq"], temp)
    #expect(
      merged.contains("deal_amount 2025-02: branch 900.55, head office 800.55 — disagreement"),
      "\(merged)")
  }
}
