import Foundation
import Outpost
import OutpostKPI
import OutpostModel
import OutpostTestSupport
import Testing

/// SPEC.md §9.5: a quarter assessment of people, by `period_rule` — `mean_of_months` (the mean
/// of each person's monthly totals, over the months they were scored) and `aggregate` (the
/// quarter's values against the quarter's targets) — with company-wide position targets and
/// ranks, through the library at head office.
struct QuarterScorecardTests {
  let now: @Sendable () -> Timestamp = { "2025-06-01T00:00:00+08:00" }

  /// The built-in catalog plus two quarter scorecards of salespeople on `deal_amount`.
  static func definitions() throws -> DefinitionSet {
    func card(_ id: String, _ rule: String) -> String {
      #"{"id":"\#(id)","version":1,"applies_to":{"level":"position","positions":["sales"]},"#
        + #""period_grain":"quarter","period_rule":"\#(rule)","#
        + #""items":[{"kpi":"deal_amount","weight":"1","method":"ratio","cap":"2"}]},"#
    }
    let text = DefinitionSet.defaultDocument.replacingOccurrences(
      of: #""scorecards": ["#,
      with: #""scorecards": ["# + card("sales_q_mean", "mean_of_months")
        + card("sales_q_total", "aggregate"))
    #expect(text != DefinitionSet.defaultDocument)
    return try DefinitionSet(bytes: Array(text.utf8))
  }

  /// Scores `request` in `repository` with ``definitions()``.
  func score(_ repository: Repository, _ request: ScorecardRequest) throws -> ScorecardReport {
    let definitions = try Self.definitions()
    return try repository.read { reader throws(OutpostError) in
      try request.compute(in: reader, definitions: definitions)
    }
  }

  /// Head office holding north's two salespeople (s-2 joins in February), their orders and
  /// head office's company-wide position targets.
  func headOffice() throws -> Repository {
    let (hq, _, _) = try twoOffices(now: now)
    try hq.importRecords(
      .csv(
        Array(
          ("staff_id,office_id,name,position,department,active_from,active_to\n"
            + "s-1,north,Li,sales,sales,2025-01-01,\n" + "s-2,north,Wu,sales,sales,2025-02-01,\n")
            .utf8)), into: "staff", name: "staff.csv")
    let orders =
      "order_id,office_id,customer_id,channel_id,order_date,quantity,amount,status,"
      + "salesperson_id\n" + "o1,north,c1,sem,2025-01-10,1,1000.00,confirmed,s-1\n"
      + "o2,north,c2,sem,2025-02-10,1,500.00,confirmed,s-1\n"
      + "o3,north,c3,sem,2025-03-10,1,3000.00,confirmed,s-1\n"
      + "o4,north,c4,sem,2025-02-11,1,2000.00,confirmed,s-2\n"
      + "o5,north,c5,sem,2025-03-11,1,1000.00,confirmed,s-2\n"
    try hq.importRecords(.csv(Array(orders.utf8)), into: "orders", name: "orders.csv")
    let targets =
      "target_id,kpi_id,office_id,scope,scope_key,period_grain,period,target_value,direction,"
      + "worst,best,version\n"
      + "t1,deal_amount,hq,position,sales,month,2025-01,1000,higher_better,,,1\n"
      + "t2,deal_amount,hq,position,sales,month,2025-02,1000,higher_better,,,1\n"
      + "t3,deal_amount,hq,position,sales,month,2025-03,2000,higher_better,,,1\n"
      + "t4,deal_amount,hq,position,sales,quarter,2025-Q1,4000,higher_better,,,1\n"
    try hq.importRecords(.csv(Array(targets.utf8)), into: "targets", name: "targets.csv")
    return hq
  }

  @Test("mean_of_months: each person's monthly totals averaged over the months they were scored")
  func meanOfMonths() throws {
    let hq = try headOffice()
    let report = try score(
      hq,
      ScorecardRequest(period: Period(parsing: "2025-Q1")!, scorecard: "sales_q_mean", rank: true))
    // s-1: Jan 1000/1000 → 100.00, Feb 500/1000 → 50.00, Mar 3000/2000 → 150.00; mean 100.00.
    // s-2 (from February): Feb 2000/1000 → 2.0 (cap 2) → 200.00, Mar 1000/2000 → 50.00;
    // mean of two months 125.00. Ranked: s-2 first.
    #expect(report.results.map(\.staff) == ["s-2", "s-1"])
    #expect(report.results.map(\.total) == [ExactDecimal(125), ExactDecimal(100)])
    #expect(report.results.map(\.rank) == [1, 2])
    #expect(report.results.map(\.rankInOffice) == [1, 2])
    // Each item's score is the mean of its monthly scores: (2.0 + 0.5) / 2 and
    // (1.0 + 0.5 + 1.5) / 3.
    #expect(report.results[0].items.map(\.score) == [try ExactDecimal(parsing: "1.25")])
    #expect(report.results[1].items.map(\.score) == [ExactDecimal(1)])
    #expect(report.results[0].items.map(\.note) == ["mean_of_months"])
    #expect(report.results[0].items.map(\.actual) == [nil])
  }

  @Test("aggregate: the quarter's deal amount against the quarter's target")
  func aggregate() throws {
    let hq = try headOffice()
    let report = try score(
      hq,
      ScorecardRequest(period: Period(parsing: "2025-Q1")!, scorecard: "sales_q_total", rank: true))
    // s-1: 4500/4000 = 1.125 → 112.50; s-2: 3000/4000 = 0.75 → 75.00.
    #expect(report.results.map(\.staff) == ["s-1", "s-2"])
    #expect(report.results.map(\.total) == [try ExactDecimal(parsing: "112.50"), ExactDecimal(75)])
    #expect(report.results.map(\.rank) == [1, 2])
    #expect(report.results[0].items.map(\.target) == [ExactDecimal(4000)])
  }

  @Test("mean_of_months: a month without a target makes the quarter undefined, with its reason")
  func missingMonth() throws {
    let hq = try headOffice()
    try hq.delete("targets", "t2")
    let report = try score(
      hq, ScorecardRequest(period: Period(parsing: "2025-Q1")!, scorecard: "sales_q_mean"))
    #expect(report.results.map(\.total) == [nil, nil])
    #expect(report.results.map(\.reason) == ["missing_target", "missing_target"])
  }

  @Test("a scorecard applying to a position nobody can hold is refused, not scored as empty")
  func unknownPosition() throws {
    let hq = try headOffice()
    let text = DefinitionSet.defaultDocument.replacingOccurrences(
      of: #""scorecards": ["#,
      with: #""scorecards": [{"id":"trainers","version":1,"#
        + #""applies_to":{"level":"position","positions":["trainer"]},"#
        + #""items":[{"kpi":"deal_amount","weight":"1","method":"ratio","cap":"1"}]},"#)
    let definitions = try DefinitionSet(bytes: Array(text.utf8))
    let request = ScorecardRequest(period: Period(parsing: "2025-03")!, scorecard: "trainers")
    do {
      _ = try hq.read { reader throws(OutpostError) in
        try request.compute(in: reader, definitions: definitions)
      }
      Issue.record("scored")
    } catch {
      #expect(error.code == .invalidData)
      #expect(
        error.message
          == "scorecard 'trainers' applies to position 'trainer', which is not a known position "
          + "(consultant, new_media, sales, sem, seo, supervisor)")
    }
    // Published as a position, it is known and scores (no one holds it yet).
    _ = try hq.put(
      "positions", "trainer", ["name_zh": "培训师", "name_en": "Trainer", "department_id": "sales"])
    let report = try hq.read { reader throws(OutpostError) in
      try request.compute(in: reader, definitions: definitions)
    }
    #expect(report.results.isEmpty)
  }
}
