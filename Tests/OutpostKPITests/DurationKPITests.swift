import OutpostCodec
import OutpostKPI
import OutpostModel
import Testing

/// SPEC.md §9.3 "Durations" and §9.4: order-processing and delivery times, worked out by hand.
struct DurationKPITests {
  let catalog: DefinitionSet

  init() throws {
    catalog = try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8))
  }

  static func order(
    _ id: String, placed: String?, fulfilled: String?, shipped: String? = nil,
    delivered: String? = nil, status: String = "confirmed"
  ) -> Row {
    var row = Rows.order("north", id, String((placed ?? "2025-03-01").prefix(10)), amount: "1.00")
    row["status"] = .string(status)
    for (key, value) in [
      ("placed_at", placed), ("fulfilled_at", fulfilled), ("shipped_at", shipped),
      ("delivered_at", delivered),
    ] {
      row[key] = value.map { .string($0) } ?? .null
    }
    return row
  }

  func shown(_ kpi: String, _ orders: [Row], _ periods: [String]) throws -> [String] {
    let list = try periods.map { try #require(Period(parsing: $0)) }
    return KPIEngine(definitions: catalog).evaluate(
      Dataset(rows: ["orders": orders]),
      KPIQuery(kpis: [kpi], grain: .month, periods: list, offices: ["north"])
    ).map { $0.value?.description ?? "undefined(\($0.reason ?? "?"))" }
  }

  @Test("processing time is the mean of fulfilled − placed in hours, in the month of fulfilment")
  func processingHours() throws {
    let orders = [
      // 10 h across an offset change: 09:00+08:00 is 01:00Z, 11:00Z is 10 h later.
      Self.order("o1", placed: "2025-03-01T09:00:00+08:00", fulfilled: "2025-03-01T11:00:00Z"),
      // 20 min 30 s = 0.341666… h.
      Self.order("o2", placed: "2025-03-02T10:00:00Z", fulfilled: "2025-03-02T10:20:30Z"),
      // Not fulfilled: skipped here, counted by unfulfilled_orders.
      Self.order("o3", placed: "2025-03-03T10:00:00Z", fulfilled: nil),
      // Fulfilled in April: counts in April.
      Self.order("o4", placed: "2025-03-31T20:00:00Z", fulfilled: "2025-04-01T02:00:00Z"),
    ]
    // March: (10 + 0.341666…) ÷ 2 = 5.170833… → 5.17. April: 6.00. May: no rows → no_data.
    #expect(
      try shown("order_processing_hours", orders, ["2025-03", "2025-04", "2025-05"])
        == ["5.17", "6.00", "undefined(no_data)"])
    #expect(try shown("unfulfilled_orders", orders, ["2025-03"]) == ["1"])
  }

  @Test("delivery time is in days; a negative duration makes the value invalid, never 0")
  func deliveryDays() throws {
    let good = Self.order(
      "o1", placed: nil, fulfilled: nil, shipped: "2025-03-01T00:00:00Z",
      delivered: "2025-03-04T12:00:00Z")
    #expect(try shown("delivery_days", [good], ["2025-03"]) == ["3.50"])
    let backwards = Self.order(
      "o2", placed: nil, fulfilled: nil, shipped: "2025-03-05T00:00:00Z",
      delivered: "2025-03-04T00:00:00Z")
    #expect(
      try shown("delivery_days", [good, backwards], ["2025-03"]) == ["undefined(invalid_input)"])
  }
}
