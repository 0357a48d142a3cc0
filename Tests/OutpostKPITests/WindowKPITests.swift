import Foundation
import OutpostCodec
import OutpostKPI
import OutpostModel
import Testing

/// SPEC.md §9.1 "Windows and maturing values" and §9.3–§9.4: trailing and preceding windows,
/// customer sets, parameters, cohort attribution and maturing KPIs, each against values worked
/// out by hand from the catalog's formulas.
struct WindowKPITests {
  let catalog: DefinitionSet

  init() throws {
    catalog = try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8))
  }

  static func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

  static func row(_ fields: [String: String?], office: String = "north") -> Row {
    var row: Row = ["office_id": .string(office)]
    for (key, value) in fields { row[key] = text(value) }
    return row
  }

  func values(
    _ kpi: String, _ rows: [String: [Row]], periods: [String], office: String = "north",
    definitions: DefinitionSet? = nil, openFrom: String? = nil
  ) throws -> [KPIValue] {
    let list = try periods.map { try #require(Period(parsing: $0)) }
    return KPIEngine(definitions: definitions ?? catalog).evaluate(
      Dataset(rows: rows),
      KPIQuery(
        kpis: [kpi], grain: list[0].grain, periods: list, offices: [office],
        openFrom: openFrom.flatMap { CivilDate(parsing: $0) }))
  }

  func shown(_ value: KPIValue) -> String {
    value.value?.description ?? "undefined(\(value.reason ?? "?"))"
  }

  @Test(
    "a window is whole months at month grain; one row counts in every period whose window holds it")
  func windowSpans() throws {
    let march = try #require(Period(parsing: "2025-03"))
    let trailing = Measure.Window(months: 12, toPeriodEnd: true)
    let before = Measure.Window(months: 12, toPeriodEnd: false)
    #expect(trailing.span(of: march).first.description == "2024-04-01")
    #expect(trailing.span(of: march).last.description == "2025-03-31")
    #expect(before.span(of: march).first.description == "2024-03-01")
    #expect(before.span(of: march).last.description == "2025-02-28")
    // Day grain: the same day a month earlier, clamped to the shorter month (31 March → 29 February).
    let day = try #require(Period(parsing: "2024-03-30"))
    let month = Measure.Window(months: 1, toPeriodEnd: true)
    #expect(month.span(of: day).first.description == "2024-02-29")
    let date = try #require(CivilDate(parsing: "2024-04-15"))
    let holding = trailing.periods(holding: date, grain: .month).map(\.description)
    #expect(holding.first == "2024-04" && holding.last == "2025-03" && holding.count == 12)
    let after = before.periods(holding: date, grain: .month).map(\.description)
    #expect(after.first == "2024-05" && after.last == "2025-04" && after.count == 12)
    // A 6-month window at year grain holds no date of the first half of the year.
    let short = Measure.Window(months: 6, toPeriodEnd: true)
    #expect(
      short.periods(holding: try #require(CivilDate(parsing: "2025-02-01")), grain: .year).isEmpty)
    #expect(
      short.periods(holding: try #require(CivilDate(parsing: "2025-07-01")), grain: .year).count
        == 1)
  }

  /// Orders of two customers around the trailing 12 months of March 2025 (2024-04-01…2025-03-31).
  var customerRows: [String: [Row]] {
    [
      "orders": [
        Rows.order("north", "o1", "2024-03-31", amount: "999.00", customer: "c-1"),
        Rows.order("north", "o2", "2024-04-01", amount: "100.00", customer: "c-1"),
        Rows.order("north", "o3", "2025-03-31", amount: "200.00", customer: "c-1"),
        Rows.order("north", "o4", "2025-01-15", amount: "300.00", customer: "c-2"),
        Rows.order(
          "north", "o5", "2025-02-01", amount: "500.00", status: "cancelled", customer: "c-3"),
      ],
      "returns": [
        Self.row([
          "return_id": "r1", "order_id": "o4", "return_date": "2025-02-10",
          "refund_amount": "50.00",
        ]),
        Self.row([
          "return_id": "r2", "order_id": "o3", "return_date": "2025-04-01",
          "refund_amount": "10.00",
        ]),
      ],
      "channel_daily": [Rows.day("north", "sem", "2025-03-02", spend: "500.00")],
      "customers": [
        Self.row(["customer_id": "c-8", "acquired_date": "2025-03-03"]),
        Self.row(["customer_id": "c-9", "acquired_date": "2025-03-04"]),
      ],
    ]
  }

  @Test("CLV: net revenue of the trailing 12 months per ordering customer × lifespan × margin")
  func clv() throws {
    // (100 + 200 + 300 − 50) ÷ 2 customers = 275; × 3 years × 0.30 = 247.50.
    let clv = try values("clv", customerRows, periods: ["2025-03"])
    #expect(clv.map(shown) == ["247.50"])
    // cac = 500.00 spend ÷ 2 new customers = 250; 247.50 ÷ 250 = 0.99.
    let ratio = try values("clv_cac_ratio", customerRows, periods: ["2025-03"])
    #expect(ratio.map(shown) == ["0.99"])
    // No ordering customer in the trailing window: undefined, not 0.
    let empty = try values("clv", customerRows, periods: ["2027-01"])
    #expect(empty.map(shown) == ["undefined(zero_denominator)"])
  }

  @Test("parameters are part of the definitions: another margin changes CLV and the hash")
  func parameters() throws {
    let text = DefinitionSet.defaultDocument.replacingOccurrences(
      of: "\"value\": \"0.30\"", with: "\"value\": \"0.40\"")
    #expect(text != DefinitionSet.defaultDocument)
    let other = try DefinitionSet(bytes: Array(text.utf8))
    #expect(other.hash != catalog.hash)
    #expect(other.parameters["clv_margin"]?.value.description == "0.40")
    // 275 × 3 × 0.40 = 330.00.
    let clv = try values("clv", customerRows, periods: ["2025-03"], definitions: other)
    #expect(clv.map(shown) == ["330.00"])
  }

  @Test("repeat-purchase rate counts customers with two or more orders in the trailing 12 months")
  func repeatPurchase() throws {
    // March 2025: c-1 has o2 and o3, c-2 has o4 → 1 of 2. April: o2 has left the window → 0 of 2.
    let rate = try values("repeat_purchase_rate", customerRows, periods: ["2025-03", "2025-04"])
    #expect(rate.map(shown) == ["0.5000", "0.0000"])
    #expect(rate[0].numerator?.description == "1" && rate[0].denominator?.description == "2")
  }

  @Test("retention is |S ∩ A| ÷ |S|: S bought in the 12 months before P, A bought in P")
  func retention() throws {
    let rows: [String: [Row]] = [
      "orders": [
        Rows.order("north", "o1", "2024-05-01", amount: "1.00", customer: "a"),
        Rows.order("north", "o2", "2025-02-01", amount: "1.00", customer: "a"),
        Rows.order("north", "o3", "2024-08-01", amount: "1.00", customer: "b"),
        Rows.order("north", "o4", "2025-03-01", amount: "1.00", customer: "c"),
        // Cancelled orders make nobody active.
        Rows.order("north", "o5", "2024-09-01", amount: "1.00", status: "cancelled", customer: "d"),
        Rows.order("north", "o6", "2025-01-02", amount: "1.00", status: "cancelled", customer: "d"),
      ]
    ]
    // 2025-Q1: S = {a, b} (2024), A = {a, c} → 1 ÷ 2. 2024-Q1: S is empty → undefined.
    let rate = try values("retention_rate", rows, periods: ["2024-Q1", "2025-Q1"])
    #expect(rate.map(shown) == ["undefined(zero_denominator)", "0.5000"])
  }

  @Test("repeat orders are confirmed orders after the customer's first day")
  func repeatOrders() throws {
    let rows: [String: [Row]] = [
      "customers": [Self.row(["customer_id": "k", "acquired_date": "2025-03-01"])],
      "orders": [
        Rows.order("north", "o1", "2025-03-01", amount: "1.00", customer: "k"),
        Rows.order("north", "o2", "2025-03-01", amount: "1.00", customer: "k"),
        Rows.order("north", "o3", "2025-03-05", amount: "1.00", customer: "k"),
        Rows.order("north", "o4", "2025-03-06", amount: "1.00", customer: "unknown"),
      ],
    ]
    #expect(try values("repeat_orders", rows, periods: ["2025-03"]).map(shown) == ["1"])
  }

  var leadRows: [String: [Row]] {
    [
      "leads": [
        Self.row([
          "lead_id": "l1", "channel_id": "sem", "created_date": "2025-03-01", "customer_id": "k1",
          "first_followup_date": "2025-03-02",
        ]),
        Self.row([
          "lead_id": "l2", "channel_id": "sem", "created_date": "2025-03-01", "customer_id": "k2",
          "first_followup_date": "2025-03-03",
        ]),
        Self.row([
          "lead_id": "l3", "channel_id": "seo", "created_date": "2025-03-15", "customer_id": nil,
          "first_followup_date": nil,
        ]),
        Self.row([
          "lead_id": "l4", "channel_id": "seo", "created_date": "2025-03-20", "customer_id": "k3",
          "first_followup_date": "2025-03-20",
        ]),
      ],
      "customers": [
        Self.row(["customer_id": "k1", "acquired_date": "2025-05-30"]),  // day 90 after 1 March
        Self.row(["customer_id": "k2", "acquired_date": "2025-05-31"]),  // day 91
        Self.row(["customer_id": "k3", "acquired_date": "2025-02-01"]),  // before the lead
      ],
    ]
  }

  @Test("lead conversion counts customers acquired within 90 days of the lead, in the lead's month")
  func leadConversion() throws {
    let rate = try values("lead_conversion_rate", leadRows, periods: ["2025-03"])
    #expect(rate.map(shown) == ["0.2500"])
    // Follow-up within a day: l1 (next day) and l4 (same day) of 4.
    #expect(try values("followup_rate", leadRows, periods: ["2025-03"]).map(shown) == ["0.5000"])
  }

  @Test("a maturing KPI stays provisional until its period's end plus its maturity")
  func maturing() throws {
    // 31 March + 90 days = 29 June.
    let open = try values(
      "lead_conversion_rate", leadRows, periods: ["2025-03"], openFrom: "2025-06-29")
    let frozen = try values(
      "lead_conversion_rate", leadRows, periods: ["2025-03"], openFrom: "2025-06-30")
    #expect(open.map(\.provisional) == [true])
    #expect(frozen.map(\.provisional) == [false])
    // A KPI that does not mature is final the day after its period.
    let leads = try values("leads", leadRows, periods: ["2025-03"], openFrom: "2025-04-01")
    #expect(leads.map(\.provisional) == [false])
  }

  @Test("complaints resolved within 7 days of receipt; no complaints is undefined, not 100 %")
  func resolution() throws {
    let rows: [String: [Row]] = [
      "complaints": [
        Self.row([
          "complaint_id": "q1", "received_date": "2025-03-10", "resolved_date": "2025-03-17",
        ]),
        Self.row([
          "complaint_id": "q2", "received_date": "2025-03-10", "resolved_date": "2025-03-18",
        ]),
        Self.row(["complaint_id": "q3", "received_date": "2025-03-20", "resolved_date": nil]),
      ]
    ]
    let rate = try values("resolution_rate", rows, periods: ["2025-03", "2025-04"])
    #expect(rate.map(shown) == ["0.3333", "undefined(zero_denominator)"])
  }

  @Test(
    "cohort return rate counts a return in its order's month; unknown and cancelled orders not at all"
  )
  func cohortReturns() throws {
    let rows: [String: [Row]] = [
      "orders": [
        Rows.order("north", "o1", "2025-03-05", amount: "10.00"),
        Rows.order("north", "o2", "2025-03-06", amount: "10.00", status: "cancelled"),
        Rows.order("north", "o3", "2025-04-02", amount: "10.00"),
      ],
      "returns": [
        Self.row([
          "return_id": "r1", "order_id": "o1", "return_date": "2025-04-10",
          "refund_amount": "10.00",
        ]),
        Self.row([
          "return_id": "r2", "order_id": "o2", "return_date": "2025-03-07",
          "refund_amount": "10.00",
        ]),
        Self.row([
          "return_id": "r3", "order_id": "zz", "return_date": "2025-03-08",
          "refund_amount": "10.00",
        ]),
        Self.row([
          "return_id": "r4", "order_id": "o3", "return_date": "2025-04-03",
          "refund_amount": "10.00",
        ]),
      ],
    ]
    let cohort = try values("return_rate_cohort", rows, periods: ["2025-03", "2025-04"])
    #expect(cohort.map(shown) == ["1.0000", "1.0000"])
    // The event-based rate counts returns by their own date: March has r2 and r3 over 1 deal.
    let event = try values("return_rate", rows, periods: ["2025-03", "2025-04"])
    #expect(event.map(shown) == ["2.0000", "2.0000"])
  }

  @Test("average daily page views divide by the calendar days, or the days so far when open")
  func dailyPageViews() throws {
    var first = Rows.day("north", "seo", "2024-02-01")
    first["page_views"] = Rows.int(290)
    var second = Rows.day("north", "seo", "2024-02-10")
    second["page_views"] = Rows.int(0)
    let rows = ["channel_daily": [first, second]]
    #expect(try values("avg_daily_page_views", rows, periods: ["2024-02"]).map(shown) == ["10.00"])
    let open = try values(
      "avg_daily_page_views", rows, periods: ["2024-02"], openFrom: "2024-02-10")
    #expect(open.map(shown) == ["29.00"])
    #expect(open.map(\.provisional) == [true])
  }
}

/// SPEC.md §9.3: the new definition members are refused with a path when misused.
struct WindowDefinitionTests {
  func document(measures: String, kpis: String, parameters: String = "[]") -> String {
    """
    {"format":"outpost-kpi-def/1","parameters":\(parameters),"measures":[\(measures)],"kpis":[\(kpis)]}
    """
  }

  let distinct =
    #"{"id":"buyers","source":"orders","agg":"count_distinct","field":"customer_id","time_field":"order_date","unit":"count"}"#
  let sum =
    #"{"id":"amount","source":"orders","agg":"sum","field":"amount","time_field":"order_date","unit":"currency:CNY"}"#

  func kpi(_ expr: String) -> String {
    #"{"id":"k","version":1,"label":{"zh":"k","en":"k"},"type":"derived","unit":"count","scale":0,"direction":"higher_better","expr":"#
      + expr + "}"
  }

  func refusal(_ text: String) -> DefinitionError? {
    do throws(DefinitionError) {
      _ = try DefinitionSet(bytes: Array(text.utf8))
      return nil
    } catch { return error }
  }

  @Test("a well-formed document with every new member is accepted")
  func accepted() throws {
    let windowed =
      #"{"id":"buyers_before","source":"orders","agg":"count_distinct","field":"customer_id","time_field":"order_date","unit":"count","min_rows":2,"window":{"months":12,"to":"period_start"},"filter":[{"field":"order_date","op":"le","value":{"field":"placed_at","days":-3}}]}"#
    let text = document(
      measures: [distinct, windowed].joined(separator: ","),
      kpis: kpi(
        #"{"op":"mul","args":[{"op":"common","args":[{"ref":"buyers"},{"ref":"buyers_before"}]},{"ref":"p"}]}"#
      ),
      parameters: #"[{"id":"p","value":"2","unit":"years","label":{"zh":"p","en":"p"}}]"#)
    #expect(refusal(text) == nil)
  }

  @Test("common needs two count_distinct measures")
  func common() {
    let error = refusal(
      document(
        measures: [distinct, sum].joined(separator: ","),
        kpis: kpi(#"{"op":"common","args":[{"ref":"buyers"},{"ref":"amount"}]}"#)))
    #expect(error?.message.contains("'common' takes two count_distinct measures") == true)
  }

  @Test("a parameter may not take a measure's or a KPI's id; parameters need a decimal value")
  func parameterIds() {
    let label = #""label":{"zh":"p","en":"p"}"#
    let clash = refusal(
      document(
        measures: distinct, kpis: kpi(#"{"ref":"buyers"}"#),
        parameters: #"[{"id":"buyers","value":"2","unit":"years","# + label + "}]"))
    #expect(clash?.path == "$.parameters[0].id")
    let kpiClash = refusal(
      document(
        measures: distinct, kpis: kpi(#"{"ref":"buyers"}"#),
        parameters: #"[{"id":"k","value":"2","unit":"years","# + label + "}]"))
    #expect(kpiClash?.message.contains("already a parameter's id") == true)
    let notDecimal = refusal(
      document(
        measures: distinct, kpis: kpi(#"{"ref":"buyers"}"#),
        parameters: #"[{"id":"p","value":2,"unit":"years","# + label + "}]"))
    #expect(notDecimal?.path == "$.parameters[0].value")
  }

  @Test(
    "min_rows only on count_distinct, partition_by only on last/first; window months 1…120 and a known anchor; whole days; no unknown member",
    arguments: [
      (#""min_rows":2"#, "$.measures[0].min_rows"),
      (#""partition_by":["channel_id"]"#, "$.measures[0].partition_by"),
      (#""non_additive_time":true"#, "$.measures[0].non_additive_time"),
      (#""window":{"months":0,"to":"period_end"}"#, "$.measures[0].window.months"),
      (#""window":{"months":3,"to":"today"}"#, "$.measures[0].window.to"),
      (
        #""filter":[{"field":"order_date","op":"le","value":{"field":"placed_at","days":1.5}}]"#,
        "$.measures[0].filter[0].value.days"
      ),
      (
        #""filter":[{"field":"order_date","op":"in","value":{"field":"placed_at","days":1}}]"#,
        "$.measures[0].filter[0].op"
      ),
    ])
  func members(member: String, path: String) {
    // The sum measure with one more member.
    let measure = String(sum.dropLast()) + "," + member + "}"
    let error = refusal(document(measures: measure, kpis: kpi(#"{"ref":"amount"}"#)))
    #expect(error?.path == path, "\(String(describing: error))")
  }
}
