import OutpostCodec
import OutpostKPI
import OutpostModel
import Testing

/// SPEC.md §9.3 `channel_field`, `denominator_scope`, `by_channel_only` and the per-channel KPIs of
/// §9.4, against values worked out by hand.
struct ChannelKPITests {
  let catalog: DefinitionSet

  init() throws {
    catalog = try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8))
  }

  func values(_ kpi: String, _ rows: [String: [Row]], breakdown: Breakdown) throws -> [String] {
    let march = try #require(Period(parsing: "2025-03"))
    return KPIEngine(definitions: catalog).evaluate(
      Dataset(rows: rows),
      KPIQuery(
        kpis: [kpi], grain: .month, periods: [march], offices: ["north"], breakdown: breakdown)
    ).map { "\($0.channel ?? "-")=\($0.value?.description ?? "undefined(\($0.reason ?? "?"))")" }
  }

  var rows: [String: [Row]] {
    func day(_ channel: String, visits: Int, spend: String = "0.00") -> Row {
      Rows.day("north", channel, "2025-03-04", visits: visits, spend: spend)
    }
    func returned(_ id: String, order: String, refund: String, cogs: String) -> Row {
      [
        "office_id": .string("north"), "return_id": .string(id), "order_id": .string(order),
        "return_date": .string("2025-03-20"), "refund_amount": .string(refund),
        "cogs_reversed": .string(cogs),
      ]
    }
    var sem = Rows.order("north", "o1", "2025-03-02", amount: "100.00", channel: "sem")
    sem["cogs"] = .string("30.00")
    var seo = Rows.order("north", "o2", "2025-03-03", amount: "50.00", channel: "seo")
    seo["cogs"] = .string("20.00")
    return [
      "channel_daily": [
        day("seo", visits: 30), day("sem", visits: 10, spend: "10.00"), day("agent", visits: 5),
      ],
      "orders": [sem, seo],
      // A refund counts under its order's channel; one of an unknown order under none.
      "returns": [
        returned("r1", order: "o1", refund: "20.00", cogs: "6.00"),
        returned("r2", order: "zz", refund: "7.00", cogs: "0.00"),
      ],
      "costs": [
        [
          "office_id": .string("north"), "channel_id": .string("sem"), "month": .string("2025-03"),
          "cost_type": .string("content_outsourcing"), "amount": .string("5.00"),
        ]
      ],
    ]
  }

  @Test("traffic share divides a channel's web visits by the office's, only in a channel breakdown")
  func trafficShare() throws {
    // Web visits: seo 30 + sem 10 = 40. Agent is not a web channel: none of the rows the KPI
    // reads has it, so it is not listed (channels come from the rows a KPI reads).
    let shares = try values("traffic_share", rows, breakdown: .channel)
    #expect(shares == ["sem=0.2500", "seo=0.7500"], "\(shares)")
    #expect(try values("traffic_share", rows, breakdown: .office).isEmpty)
  }

  @Test("channel sales and profit take refunds and reversed costs from the order's channel")
  func channelSalesAndProfit() throws {
    // sem: 100 − 20 = 80; seo: 50. The refund of the unknown order is in no channel...
    let sales = try values("channel_sales", rows, breakdown: .channel)
    #expect(sales == ["sem=80.00", "seo=50.00"], "\(sales)")
    // ...but it is in the office's net revenue: 150 − 27 = 123.
    #expect(try values("net_revenue", rows, breakdown: .office) == ["-=123.00"])
    // sem: 80 − 30 + 6 − (10 spend + 5 other costs) = 41; seo: 50 − 20 = 30; agent has a
    // channel_daily row (spend 0), so it is listed, with nothing.
    let profit = try values("channel_profit", rows, breakdown: .channel)
    #expect(profit == ["agent=0.00", "sem=41.00", "seo=30.00"], "\(profit)")
  }

  @Test("by_channel_only needs the channel dimension; denominator_scope is channel or office")
  func refusals() {
    func refusal(_ extra: String, dimensions: String = #"["office_id","channel_id"]"#)
      -> DefinitionError?
    {
      let text =
        #"{"format":"outpost-kpi-def/1","measures":[{"id":"m","source":"orders","agg":"count","time_field":"order_date","unit":"count"}],"kpis":[{"id":"k","version":1,"label":{"zh":"k","en":"k"},"type":"ratio","numerator":{"measure":"m"},"denominator":{"measure":"m"},"unit":"ratio","scale":4,"direction":"neutral","dimensions":"#
        + dimensions + "," + extra + "}]}"
      do throws(DefinitionError) {
        _ = try DefinitionSet(bytes: Array(text.utf8))
        return nil
      } catch { return error }
    }
    #expect(refusal(#""by_channel_only":true,"denominator_scope":"office""#) == nil)
    #expect(
      refusal(#""by_channel_only":true"#, dimensions: #"["office_id"]"#)?.path
        == "$.kpis[0].by_channel_only")
    #expect(refusal(#""denominator_scope":"region""#)?.path == "$.kpis[0].denominator_scope")
  }

  @Test("a breakdown lists, per office and KPI, the channels of the rows that KPI reads")
  func listedChannels() throws {
    let march = try #require(Period(parsing: "2025-03"))
    let rows: [String: [Row]] = [
      "channel_daily": [
        Rows.day("north", "sem", "2025-03-04", clicks: 10, spend: "5.00"),
        Rows.day("north", "seo", "2025-03-04", clicks: 30),
        Rows.day("east", "email", "2025-03-04", clicks: 7),
      ]
    ]
    func listed(_ kpi: String, _ office: String) -> [String] {
      KPIEngine(definitions: catalog).evaluate(
        Dataset(rows: rows),
        KPIQuery(
          kpis: [kpi], grain: .month, periods: [march], offices: [office], breakdown: .channel)
      ).compactMap(\.channel)
    }
    // East's email rows do not make north list email; cpc reads only paid channels.
    #expect(listed("clicks", "north") == ["sem", "seo"])
    #expect(listed("cpc", "north") == ["sem"])
    #expect(listed("clicks", "east") == ["email"])
  }
}
