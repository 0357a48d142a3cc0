import OutpostCodec
import OutpostKPI
import OutpostModel
import Testing

/// SPEC.md §9.3 `attainment` and §9.5: a KPI's canonical value against head office's target.
struct AttainmentKPITests {
  let catalog: DefinitionSet

  init() throws {
    catalog = try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8))
  }

  static func target(_ kpi: String, _ period: String, _ value: String, version: Int = 1) -> Row {
    [
      "office_id": .string("north"), "kpi_id": .string(kpi), "period": .string(period),
      "scope": .string("office"), "target_value": .string(value),
      "version": .number(JSONNumber(integer: Int64(version))),
    ]
  }

  func shown(_ kpi: String, _ rows: [String: [Row]], _ period: String = "2025-03") throws
    -> String
  {
    let period = try #require(Period(parsing: period))
    let value = try #require(
      KPIEngine(definitions: catalog).evaluate(
        Dataset(rows: rows),
        KPIQuery(kpis: [kpi], grain: .month, periods: [period], offices: ["north"])
      ).first)
    return value.value?.description ?? "undefined(\(value.reason ?? "?"))"
  }

  @Test("ratio and reduction attainment, the newest target version, floor and cap")
  func methods() throws {
    let orders = [
      Rows.order("north", "o1", "2025-03-02", amount: "230.00"),
      Rows.order("north", "o2", "2025-03-03", amount: "0.50"),
    ]
    var rows: [String: [Row]] = [
      "orders": orders,
      "targets": [
        Self.target("net_revenue", "2025-03", "100.00", version: 1),
        Self.target("net_revenue", "2025-03", "200.00", version: 2),
        Self.target("return_rate", "2025-03", "0.8000"),
      ],
    ]
    // 230.50 ÷ 200.00 = 1.1525 (version 2 wins over version 1's 100.00).
    #expect(try shown("net_revenue_attainment", rows) == "1.1525")
    // One return of two deals: 0.5000 against 0.8000 → 2 − 0.625 = 1.375, capped at 1.20.
    rows["returns"] = [
      [
        "office_id": .string("north"), "return_id": .string("r1"), "order_id": .string("o1"),
        "return_date": .string("2025-03-09"), "refund_amount": .string("0.00"),
      ]
    ]
    #expect(try shown("return_rate_attainment", rows) == "1.2000")
    // Two returns of two deals: 1.0000 against 0.8000 → 0.75.
    rows["returns"]!.append(rows["returns"]![0].merging(["return_id": .string("r2")]) { $1 })
    #expect(try shown("return_rate_attainment", rows) == "0.7500")
  }

  @Test("an undefined base, a missing target and a target of 0 are undefined with their reason")
  func undefined() throws {
    let rows: [String: [Row]] = [
      "orders": [Rows.order("north", "o1", "2025-03-02", amount: "10.00")],
      "targets": [
        Self.target("net_revenue", "2025-04", "100.00"),
        Self.target("consultations", "2025-03", "0"),
      ],
      "channel_daily": [Rows.day("north", "sem", "2025-03-02", consultations: 3)],
    ]
    #expect(try shown("net_revenue_attainment", rows) == "undefined(missing_target)")
    #expect(try shown("consultations_attainment", rows) == "undefined(nonpositive_target)")
    // No deals in May: the return rate is undefined, and so is its attainment, for that reason.
    #expect(try shown("return_rate_attainment", rows, "2025-05") == "undefined(zero_denominator)")
  }

  @Test("an attainment KPI needs a known base, a known method and floor ≤ cap")
  func refusals() {
    func refusal(_ attainment: String) -> DefinitionError? {
      let text =
        #"{"format":"outpost-kpi-def/1","measures":[{"id":"m","source":"orders","agg":"count","time_field":"order_date","unit":"count"}],"kpis":[{"id":"k","version":1,"label":{"zh":"k","en":"k"},"type":"simple","measure":"m","unit":"count","scale":0,"direction":"higher_better"},{"id":"a","version":1,"label":{"zh":"a","en":"a"},"type":"attainment","unit":"ratio","scale":4,"direction":"higher_better","#
        + attainment + "}]}"
      do throws(DefinitionError) {
        _ = try DefinitionSet(bytes: Array(text.utf8))
        return nil
      } catch { return error }
    }
    #expect(refusal(#""base":"k","method":"ratio","floor":"0","cap":"1.20""#) == nil)
    #expect(
      refusal(#""base":"nope","method":"ratio""#)?.message.contains("unknown base KPI 'nope'")
        == true)
    #expect(refusal(#""base":"k","method":"percent""#)?.path == "$.kpis[1].method")
    #expect(
      refusal(#""base":"k","method":"ratio","floor":"2","cap":"1""#)?.path == "$.kpis[1].floor")
  }
}
