import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostTestSupport
import Testing

/// `outpost scorecard` for people and departments, and `--rank` (SPEC.md §9.5 scorecards,
/// targets and ranking; §9.6 the scorecard command; §2.7 refusals).
///
/// Over north's February 2025 (closed: the test clock says 2025-03-01) at head office: the
/// built-in `online_sales_monthly` scored per person with each person's target (own, their
/// position's in north, or company-wide), ranked within the position and within the office, in
/// JSON (`level`, the people members, `rank`, `rank_in_office`), CSV and text; the default
/// `scorecard --period P` still scoring offices; a department scorecard published with `kpi
/// publish`; the same results at north after a reply; and the exit codes of refusals, with
/// nothing written. Every value is worked out by hand from the rows below.
@Suite(.serialized)
struct ScorecardRankTests {
  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory) -> String {
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors)")
    return result.output
  }

  static let targetHeader =
    "target_id,kpi_id,office_id,scope,scope_key,period_grain,period,target_value,direction,"
    + "worst,best,version,published_at\n"

  /// A February target line.
  static func target(
    _ id: String, _ kpi: String, _ office: String, _ scope: String, _ key: String,
    _ value: String
  ) -> String {
    "\(id),\(kpi),\(office),\(scope),\(key),month,2025-02,\(value),higher_better,,,1,\n"
  }

  /// North's people and February rows, merged at head office, and head office's targets.
  ///
  /// Staff: s-1, s-2 and s-5 consultants, s-3 and s-6 sales (all in the sales department),
  /// s-4 an SEO specialist (promotion; not scored). Leads: s-1 l-1 (followed up the same day,
  /// c-1 acquired 02-10) and l-2 (never followed up): 2 leads, followup 0.5000, conversion
  /// 0.5000; s-2 l-3 (the next day, c-2 acquired 02-06) and l-4 (the same day): 1.0000 and
  /// 0.5000; s-5 l-5 and l-6 like s-1: 0.5000 and 0.5000. Orders: s-1 600.00; s-2 300.00
  /// twice; s-3 1000.00; s-5 600.00; s-4 200.00; one of 100.00 by no one.
  ///
  /// Targets: consultants company-wide deal_amount 600.00, deal_count 2, lead_conversion_rate
  /// 0.5000, followup_rate 1.0000; consultants in north deal_count 1; s-2's own deal_amount
  /// 400.00. Sales company-wide deal_amount 1000.00, deal_count 1, lead_conversion_rate 0.5000;
  /// s-3's own followup_rate 0.5000; north's office followup_rate 0.1000 (no person's).
  func setUp(_ temp: TemporaryDirectory) {
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
    temp.write(
      "staff.csv",
      "staff_id,name,position,department,active_from,active_to\n"
        + "s-1,Li,consultant,sales,2025-01-01,\n" + "s-2,Wang,consultant,sales,2025-01-01,\n"
        + "s-3,Zhao,sales,sales,2025-01-01,\n" + "s-4,Sun,seo,promotion,2025-01-01,\n"
        + "s-5,Qian,consultant,sales,2025-01-01,\n" + "s-6,Zhou,sales,sales,2025-01-01,\n")
    temp.write(
      "leads.csv",
      "lead_id,channel_id,created_date,source_type,has_need,has_contact,assigned_to,"
        + "first_followup_date,status,customer_id\n"
        + "l-1,sem,2025-02-03,chat,1,1,s-1,2025-02-03,new,c-1\n"
        + "l-2,sem,2025-02-05,chat,1,1,s-1,,new,\n"
        + "l-3,sem,2025-02-04,chat,1,1,s-2,2025-02-05,new,c-2\n"
        + "l-4,sem,2025-02-06,chat,1,1,s-2,2025-02-06,new,\n"
        + "l-5,sem,2025-02-07,chat,1,1,s-5,2025-02-07,new,c-3\n"
        + "l-6,sem,2025-02-08,chat,1,1,s-5,,new,\n")
    temp.write(
      "customers.csv",
      "customer_id,acquired_date,acquisition_channel_id,kind\n"
        + "c-1,2025-02-10,sem,individual\n" + "c-2,2025-02-06,sem,individual\n"
        + "c-3,2025-02-08,sem,individual\n")
    temp.write(
      "orders.csv",
      "order_id,customer_id,channel_id,order_date,quantity,amount,status,salesperson_id\n"
        + "o-1,c-1,sem,2025-02-10,1,600.00,confirmed,s-1\n"
        + "o-2,c-2,sem,2025-02-06,1,300.00,confirmed,s-2\n"
        + "o-3,c-2,sem,2025-02-07,1,300.00,confirmed,s-2\n"
        + "o-4,c-9,sem,2025-02-11,1,1000.00,confirmed,s-3\n"
        + "o-5,c-3,sem,2025-02-08,1,600.00,confirmed,s-5\n"
        + "o-6,c-8,sem,2025-02-12,1,200.00,confirmed,s-4\n"
        + "o-7,c-7,sem,2025-02-13,1,100.00,confirmed,\n")
    for collection in ["staff", "leads", "customers", "orders"] {
      run(["import", collection, "\(collection).csv", "--repo", "north"], temp)
    }
    run(["submit", "--out", "1.sub", "--repo", "north"], temp)
    run(["merge", "1.sub", "--repo", "hq"], temp)
    temp.write(
      "targets.csv",
      Self.targetHeader
        + Self.target("t-1", "deal_amount", "hq", "position", "consultant", "600.00")
        + Self.target("t-2", "deal_count", "hq", "position", "consultant", "2")
        + Self.target("t-3", "lead_conversion_rate", "hq", "position", "consultant", "0.5000")
        + Self.target("t-4", "followup_rate", "hq", "position", "consultant", "1.0000")
        + Self.target("t-5", "deal_count", "north", "position", "consultant", "1")
        + Self.target("t-6", "deal_amount", "north", "staff", "s-2", "400.00")
        + Self.target("t-7", "deal_amount", "hq", "position", "sales", "1000.00")
        + Self.target("t-8", "deal_count", "hq", "position", "sales", "1")
        + Self.target("t-9", "lead_conversion_rate", "hq", "position", "sales", "0.5000")
        + Self.target("t-10", "followup_rate", "north", "staff", "s-3", "0.5000")
        + Self.target("t-11", "followup_rate", "north", "office", "", "0.1000"))
    run(["import", "targets", "targets.csv", "--repo", "hq"], temp)
  }

  /// `scorecard --id online_sales_monthly --period 2025-02` with `extra` at `repo`.
  func people(_ temp: TemporaryDirectory, _ extra: [String], repo: String = "hq") -> String {
    run(
      ["scorecard", "--id", "online_sales_monthly", "--period", "2025-02"] + extra + [
        "--repo", repo,
      ], temp)
  }

  /// A JSON member as text: `null` for null, `?` when absent.
  func text(_ value: JSONValue?) -> String {
    switch value {
    case nil: "?"
    case .null?: "null"
    case .string(let text)?: text
    case let other?: JSONWriter.canonicalString(other)
    }
  }

  /// The ranked CSV, worked out by hand.
  ///
  /// s-2: 0.40 × 1.20 (600.00/400.00 = 1.5, capped) + 0.20 × 1.20 (2/1, capped) + 0.25 × 1 +
  /// 0.15 × 1 = 112.00 (A). s-1 and s-5: 0.40 × 1 (600.00/600.00) + 0.20 × 1 (1/1) + 0.25 × 1
  /// + 0.15 × 0.5 = 92.50 (B). s-3: 0.40 × 1 + 0.20 × 1 + 0 + 0 (no leads) = 60.00 (D). s-6
  /// has no followup_rate target (north's office target is not a person's): undefined.
  /// Consultants 1, 2, 2; sales 1 and none; in north 1, 2, 2, 4 and none.
  static let rankedCSV =
    "scorecard,period,office,staff,position,department,total,band,bonus,hard_failures,undefined_reason,rank,"
    + "rank_in_office\n"
    + "online_sales_monthly,2025-02,north,s-2,consultant,sales,112.00,A,,,,1,1\n"
    + "online_sales_monthly,2025-02,north,s-1,consultant,sales,92.50,B,,,,2,2\n"
    + "online_sales_monthly,2025-02,north,s-5,consultant,sales,92.50,B,,,,2,2\n"
    + "online_sales_monthly,2025-02,north,s-3,sales,sales,60.00,D,,,,1,4\n"
    + "online_sales_monthly,2025-02,north,s-6,sales,sales,,,,,missing_target,,\n"

  @Test("scorecard --rank --format csv: people by position and rank, with rank_in_office")
  func csv() {
    let temp = TemporaryDirectory()
    setUp(temp)
    #expect(people(temp, ["--rank", "--format", "csv"]) == Self.rankedCSV)
    // Without --rank: no rank columns, by office and staff id.
    #expect(
      people(temp, ["--format", "csv"])
        == "scorecard,period,office,staff,position,department,total,band,bonus,hard_failures,undefined_reason\n"
        + "online_sales_monthly,2025-02,north,s-1,consultant,sales,92.50,B,,,\n"
        + "online_sales_monthly,2025-02,north,s-2,consultant,sales,112.00,A,,,\n"
        + "online_sales_monthly,2025-02,north,s-3,sales,sales,60.00,D,,,\n"
        + "online_sales_monthly,2025-02,north,s-5,consultant,sales,92.50,B,,,\n"
        + "online_sales_monthly,2025-02,north,s-6,sales,sales,,,,,missing_target\n")
  }

  @Test("scorecard --rank --format json: level, the people members, rank and each target")
  func json() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    let document = try JSONParser.parse(people(temp, ["--rank", "--format", "json"]))
    #expect(document["format"] == .string("outpost-scorecard/1"))
    #expect(document["level"] == .string("position"))
    #expect(document["scorecard"] == .string("online_sales_monthly"))
    #expect(
      document.objectValue?.keys.sorted() == [
        "definitions", "format", "label", "level", "period", "results", "scorecard", "version",
      ])
    let results = try #require(document["results"]?.arrayValue).compactMap(\.objectValue)
    #expect(
      results.map { result in
        ["rank", "rank_in_office", "staff", "position", "department", "office", "total", "band"]
          .map { text(result[$0]) }.joined(separator: " ")
      } == [
        "1 1 s-2 consultant sales north 112.00 A", "2 2 s-1 consultant sales north 92.50 B",
        "2 2 s-5 consultant sales north 92.50 B", "1 4 s-3 sales sales north 60.00 D",
        "null null s-6 sales sales north null null",
      ])
    #expect(
      results.first?.keys.sorted() == [
        "band", "bonus", "department", "hard_failures", "items", "name", "office", "position",
        "rank",
        "rank_in_office", "staff",
        "total", "undefined_reason",
      ])
    #expect(text(results.last?["undefined_reason"]) == "missing_target")
    // Each person's targets: s-2's own deal_amount and north's consultant deal_count; s-1
    // north's deal_count and the company-wide rest; s-3's own followup_rate; s-6 none.
    func items(_ staff: String) -> [String] {
      let result = results.first { $0["staff"] == .string(staff) }
      return (result?["items"]?.arrayValue ?? []).map { item in
        ["kpi", "actual", "target", "attainment", "score", "note"].map { text(item[$0]) }
          .joined(separator: " ")
      }
    }
    #expect(
      items("s-2") == [
        "deal_amount 600.00 400.0000 1.5000 1.2000 null", "deal_count 2 1.0000 2.0000 1.2000 null",
        "lead_conversion_rate 0.5000 0.5000 1.0000 1.0000 null",
        "followup_rate 1.0000 1.0000 1.0000 1.0000 null",
      ])
    #expect(
      items("s-1") == [
        "deal_amount 600.00 600.0000 1.0000 1.0000 null", "deal_count 1 1.0000 1.0000 1.0000 null",
        "lead_conversion_rate 0.5000 0.5000 1.0000 1.0000 null",
        "followup_rate 0.5000 1.0000 0.5000 0.5000 null",
      ])
    #expect(
      items("s-3") == [
        "deal_amount 1000.00 1000.0000 1.0000 1.0000 null",
        "deal_count 1 1.0000 1.0000 1.0000 null",
        "lead_conversion_rate null 0.5000 null 0.0000 undefined_actual",
        "followup_rate null 0.5000 null 0.0000 undefined_actual",
      ])
    #expect(
      items("s-6") == [
        "deal_amount 0.00 1000.0000 0.0000 0.0000 null", "deal_count 0 1.0000 0.0000 0.0000 null",
        "lead_conversion_rate null 0.5000 null 0.0000 undefined_actual",
        "followup_rate null null null null missing_target",
      ])
    // Without --rank there is no rank member; the people members stay.
    let plain = try JSONParser.parse(people(temp, ["--format", "json"]))
    let first = try #require(plain["results"]?.arrayValue?.first?.objectValue)
    #expect(
      first.keys.sorted() == [
        "band", "bonus", "department", "hard_failures", "items", "name", "office", "position",
        "staff",
        "total", "undefined_reason",
      ])
    #expect(text(first["staff"]) == "s-1")
  }

  @Test("scorecard --rank as text: '#N (#M in OFFICE)' before each person; '#–' unranked")
  func textOutput() {
    let temp = TemporaryDirectory()
    setUp(temp)
    let output = people(temp, ["--rank"])
    let heads = output.split(separator: "\n").filter { !$0.hasPrefix(" ") }
    #expect(
      heads == [
        "#1 (#1 in north)  north s-2 Wang (consultant) 2025-02  online_sales_monthly v1: 112.00 (A)",
        "#2 (#2 in north)  north s-1 Li (consultant) 2025-02  online_sales_monthly v1: 92.50 (B)",
        "#2 (#2 in north)  north s-5 Qian (consultant) 2025-02  online_sales_monthly v1: 92.50 (B)",
        "#1 (#4 in north)  north s-3 Zhao (sales) 2025-02  online_sales_monthly v1: 60.00 (D)",
        "#–  north s-6 Zhou (sales) 2025-02  online_sales_monthly v1: undefined (missing_target)",
      ], "\(output)")
    #expect(
      output.contains(
        "\n  deal_amount                w 0.40  actual 600.00       target 400.0000   "
          + "score 1.2000\n"), "\(output)")
    // Without --rank: no '#', by office and staff id.
    let plain = people(temp, [])
    #expect(
      plain.hasPrefix(
        "north s-1 Li (consultant) 2025-02  online_sales_monthly v1: 92.50 (B)\n"), "\(plain)")
    #expect(!plain.contains("#"), "\(plain)")
    // A month before anyone's assignment: nobody to score.
    #expect(
      run(
        ["scorecard", "--id", "online_sales_monthly", "--period", "2024-12", "--repo", "hq"], temp)
        == "No people or departments to score for 2024-12.\n")
  }

  @Test(
    "scorecard --period P still scores offices (the only office scorecard), with office targets")
  func offices() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    // North's office targets for branch_marketing_monthly.
    temp.write(
      "office.csv",
      Self.targetHeader + Self.target("o-1", "net_revenue", "north", "office", "", "3100.00")
        + Self.target("o-2", "consultations", "north", "office", "", "10")
        + "o-3,avg_cost_per_conversation,north,office,,month,2025-02,50.00,lower_better,,,1,\n"
        + "o-4,return_rate,north,office,,month,2025-02,0.0500,lower_better,,,1,\n"
        + Self.target("o-5", "collection_rate", "north", "office", "", "0.9000"))
    run(["import", "targets", "office.csv", "--repo", "hq"], temp)
    // net_revenue 3100.00 (the seven orders) / 3100.00 = 1 → 0.30; consultations 0 / 10 → 0;
    // avg_cost_per_conversation undefined (no consultations) → 0; return_rate 0 → 2 − 0/0.05,
    // capped at 1.20 → 0.15 × 1.20 = 0.18; collection_rate undefined (no invoices) → 0.
    // 0.48 → 48.00 (D).
    #expect(
      run(["scorecard", "--period", "2025-02", "--format", "csv", "--repo", "hq"], temp)
        == "scorecard,period,office,total,band,bonus,hard_failures,undefined_reason\n"
        + "branch_marketing_monthly,2025-02,north,48.00,D,,,\n")
    #expect(
      run(["scorecard", "--period", "2025-02", "--rank", "--format", "csv", "--repo", "hq"], temp)
        == "scorecard,period,office,total,band,bonus,hard_failures,undefined_reason,rank\n"
        + "branch_marketing_monthly,2025-02,north,48.00,D,,,,1\n")
    let document = try JSONParser.parse(
      run(["scorecard", "--period", "2025-02", "--rank", "--format", "json", "--repo", "hq"], temp))
    #expect(document["scorecard"] == .string("branch_marketing_monthly"))
    #expect(document["level"] == .string("office"))
    let result = try #require(document["results"]?.arrayValue?.first?.objectValue)
    // An office result has no people members, and no rank_in_office.
    #expect(
      result.keys.sorted() == [
        "band", "bonus", "hard_failures", "items", "office", "rank", "total", "undefined_reason",
      ])
    #expect(text(result["rank"]) == "1" && text(result["total"]) == "48.00")
    let ranked = run(["scorecard", "--period", "2025-02", "--rank", "--repo", "hq"], temp)
    #expect(
      ranked.hasPrefix("#1  north 2025-02  branch_marketing_monthly v1: 48.00 (D)\n"), "\(ranked)")
    // North's office targets are not its people's: s-6 still has no followup_rate target.
    #expect(people(temp, ["--rank", "--format", "csv"]) == Self.rankedCSV)
  }

  /// A department scorecard of deal_amount and deal_count (0.50 each, ratio capped at 1.20;
  /// A ≥ 100, B ≥ 80, C) with `appliesTo`.
  static func departmentCard(_ appliesTo: String) -> String {
    #"{"applies_to":"# + appliesTo
      + #","bands":[{"label":"A","min":"100"},{"label":"B","min":"80"},{"label":"C","min":"0"}],"#
      + #""id":"department_sales_monthly","items":[{"cap":"1.20","floor":"0","kpi":"deal_amount","#
      + #""method":"ratio","weight":"0.50"},{"cap":"1.20","floor":"0","kpi":"deal_count","#
      + #""method":"ratio","weight":"0.50"}],"label":{"en":"Departments, monthly","#
      + #""zh":"部门月度考核"},"period_grain":"month","type":"scorecard","version":1},"#
  }

  @Test("a department scorecard published with kpi publish scores each department, ranked")
  func department() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    temp.write(
      "defs.json",
      NoEffectTests.definitions(
        temp, replacing: #""scorecards":["#,
        with: #""scorecards":["# + Self.departmentCard(#"{"level":"department"}"#)))
    run(["kpi", "publish", "defs.json", "--repo", "hq"], temp)
    temp.write(
      "departments.csv",
      Self.targetHeader
        + Self.target("d-1", "deal_amount", "north", "department", "sales", "2500.00")
        + Self.target("d-2", "deal_count", "north", "department", "sales", "5")
        + Self.target("d-3", "deal_amount", "hq", "department", "sales", "9999.00")
        + Self.target("d-4", "deal_amount", "hq", "department", "promotion", "400.00")
        + Self.target("d-5", "deal_count", "hq", "department", "promotion", "2"))
    run(["import", "targets", "departments.csv", "--repo", "hq"], temp)
    let arguments = ["scorecard", "--id", "department_sales_monthly", "--period", "2025-02"]
    // Sales (s-1, s-2, s-3, s-5, s-6): 2800.00 and 5 deals against north's 2500.00 and 5 (not
    // the company-wide 9999.00): 0.50 × 1.12 + 0.50 × 1 = 106.00 (A). Promotion (s-4):
    // 200.00 and 1 against the company-wide 400.00 and 2: 50.00 (C). The order by no one is
    // not a department's. Each department is alone company-wide (1); in north sales is 1,
    // promotion 2.
    #expect(
      run(arguments + ["--rank", "--format", "csv", "--repo", "hq"], temp)
        == "scorecard,period,office,staff,position,department,total,band,bonus,hard_failures,undefined_reason,rank,"
        + "rank_in_office\n" + "department_sales_monthly,2025-02,north,,,promotion,50.00,C,,,,1,2\n"
        + "department_sales_monthly,2025-02,north,,,sales,106.00,A,,,,1,1\n")
    let document = try JSONParser.parse(
      run(arguments + ["--rank", "--format", "json", "--repo", "hq"], temp))
    #expect(document["level"] == .string("department"))
    let results = try #require(document["results"]?.arrayValue).compactMap(\.objectValue)
    #expect(
      results.first?.keys.sorted() == [
        "band", "bonus", "department", "hard_failures", "items", "office", "rank", "rank_in_office",
        "total",
        "undefined_reason",
      ])
    #expect(
      results.map { ($0["items"]?.arrayValue ?? []).map { text($0["target"]) } } == [
        ["400.0000", "2.0000"], ["2500.0000", "5.0000"],
      ])
    let ranked = run(arguments + ["--rank", "--repo", "hq"], temp)
    #expect(
      ranked.hasPrefix(
        "#1 (#2 in north)  north promotion 2025-02  department_sales_monthly v1: 50.00 (C)\n"),
      "\(ranked)")
    // Without --id: still the only office scorecard.
    let offices = run(
      ["scorecard", "--period", "2025-02", "--format", "csv", "--repo", "hq"], temp)
    #expect(
      offices.hasPrefix("scorecard,period,office,total,band,bonus,hard_failures,undefined_reason\n")
    )
    #expect(offices.contains("\nbranch_marketing_monthly,2025-02,north,"), "\(offices)")
    // The published document narrowed to the sales department (with --definitions):
    // promotion is not scored.
    temp.write(
      "sales.json",
      NoEffectTests.definitions(
        temp, replacing: #""applies_to":{"level":"department"}"#,
        with: #""applies_to":{"departments":["sales"],"level":"department"}"#))
    #expect(
      run(arguments + ["--definitions", "sales.json", "--format", "csv", "--repo", "hq"], temp)
        == "scorecard,period,office,staff,position,department,total,band,bonus,hard_failures,undefined_reason\n"
        + "department_sales_monthly,2025-02,north,,,sales,106.00,A,,,\n")
  }

  @Test("a branch scores its people as head office does after a reply")
  func atTheBranch() {
    let temp = TemporaryDirectory()
    setUp(temp)
    run(["reply", "north", "--out", "1.reply", "--repo", "hq"], temp)
    run(["receive", "1.reply", "--repo", "north"], temp)
    // North reads the company-wide targets through head office's id (office_id hq).
    #expect(people(temp, ["--rank", "--format", "csv"], repo: "north") == Self.rankedCSV)
  }

  /// The files the refusals read: targets no scorecard would read, and definitions whose
  /// department scorecard the engine cannot honour, or with a second office scorecard.
  func writeRefused(_ temp: TemporaryDirectory) {
    temp.write(
      "bad.csv",
      Self.targetHeader + Self.target("t-20", "deal_amount", "north", "staff", "s-1", "450.00")
        + Self.target("t-21", "deal_amount", "hq", "staff", "s-2", "400.00")
        + Self.target("t-22", "deal_count", "north", "department", "marketing", "1")
        + Self.target("t-23", "deal_count", "north", "position", "sales", "0"))
    for (name, card) in [
      ("empty.json", Self.departmentCard(#"{"departments":[],"level":"department"}"#)),
      (
        "office.json",
        Self.departmentCard(#"{"level":"department"}"#).replacingOccurrences(
          of: #""kpi":"deal_count""#, with: #""kpi":"net_revenue""#)
      ),
      ("two.json", Self.departmentCard(#"{"level":"office"}"#)),
    ] {
      temp.write(
        name,
        NoEffectTests.definitions(
          temp, replacing: #""scorecards":["#, with: #""scorecards":["# + card))
    }
  }

  /// Each refusal: the arguments (before `--repo hq`), the exit status and what stderr says.
  static let refusalCases: [(arguments: [String], status: Int32, message: String)] = [
    (["scorecard", "--id", "nope", "--period", "2025-02"], 64, "unknown scorecard 'nope'"),
    (
      ["scorecard", "--id", "online_sales_monthly", "--period", "2025-Q1"], 64,
      "scorecard 'online_sales_monthly' scores month periods (its period_grain); 2025-Q1 is a "
        + "quarter"
    ),
    (
      ["scorecard", "--period", "2025-02", "--definitions", "two.json"], 64,
      "choose a scorecard with --id"
    ),
    (
      ["import", "targets", "bad.csv"], 65,
      "bad.csv:3: s-2 has no assignment in office 'hq' (only in north), so this target would "
        + "never be read; set office_id to the person's office\n"
        + "bad.csv:4: scope_key 'marketing' is not a known department (promotion, sales, "
        + "service)\n" + "bad.csv:5: target_value 0.0000 for 'deal_count': scorecard "
        + "'online_sales_monthly' divides by it (method ratio), so a target must be above 0\n"
        + "error: 3 problem(s) in bad.csv; nothing was imported"
    ),
    (
      ["put", "targets", "t-6", "scope_key=s-9"], 65,
      "scope_key 's-9' is not a staff member of this repository (no staff record)"
    ),
    (
      ["put", "targets", "t-6", "office_id=hq"], 65,
      "s-2 has no assignment in office 'hq' (only in north)"
    ),
    (
      ["put", "targets", "t-6", "target_value=0"], 65,
      "target_value 0.0000 for 'deal_amount': scorecard 'online_sales_monthly' divides by it"
    ),
    (
      ["put", "targets", "t-5", "kpi_id=net_revenue"], 65,
      "'net_revenue' is not computed per person (it has no staff_id dimension), so a position "
        + "target for it would never be read"
    ),
    (
      ["put", "targets", "t-5", "scope=channel"], 65,
      "scope 'channel' is not supported: scorecards score offices, people and departments"
    ),
    (
      ["kpi", "publish", "empty.json"], 65,
      "$.scorecards[0].applies_to.departments: must name at least one id, each once"
    ),
    (
      ["scorecard", "--period", "2025-02", "--definitions", "empty.json"], 65,
      "$.scorecards[0].applies_to.departments: must name at least one id, each once"
    ),
    (
      ["kpi", "publish", "office.json"], 65,
      "scorecard 'department_sales_monthly': scores people or departments, but KPI "
        + "'net_revenue' has no staff_id dimension"
    ),
  ]

  @Test(
    "refusals: exit 64 for a request, 65 for data and definitions; nothing written",
    arguments: refusalCases)
  func refusals(_ arguments: [String], _ status: Int32, _ message: String) {
    let temp = TemporaryDirectory()
    setUp(temp)
    writeRefused(temp)
    let before = (treeDigest(temp.file("hq")), treeDigest(temp.file("north")))
    let result = outpost(arguments + ["--repo", "hq"], in: temp.path)
    #expect(result.status == status, "\(result.errors)")
    #expect(result.errors.contains(message), "\(result.errors)")
    #expect(result.output.isEmpty, "\(result.output)")
    #expect(treeDigest(temp.file("hq")) == before.0)
    #expect(treeDigest(temp.file("north")) == before.1)
  }
}
