import Foundation
import OutpostCodec
import OutpostKPI
import OutpostModel
import Testing

/// Helpers to build datasets of standard-collection rows.
enum Rows {
  static func int(_ n: Int) -> JSONValue { .number(JSONNumber(integer: Int64(n))) }

  static func day(
    _ office: String, _ channel: String, _ date: String, clicks: Int? = nil,
    impressions: Int? = nil,
    visits: Int? = nil, consultations: Int = 0, spend: String = "0.00"
  ) -> Row {
    [
      "office_id": .string(office), "channel_id": .string(channel), "date": .string(date),
      "clicks": clicks.map(int) ?? .null, "impressions": impressions.map(int) ?? .null,
      "visits": visits.map(int) ?? .null, "consultations": int(consultations),
      "consult_calls": int(0), "spend": .string(spend),
    ]
  }

  static func order(
    _ office: String, _ id: String, _ date: String, amount: String, channel: String = "sem",
    status: String = "confirmed", customer: String = "c-1"
  ) -> Row {
    [
      "office_id": .string(office), "order_id": .string(id), "order_date": .string(date),
      "amount": .string(amount), "channel_id": .string(channel), "status": .string(status),
      "quantity": int(1), "customer_id": .string(customer), "cogs": .null,
    ]
  }
}

/// SPEC.md §9: the engine over hand-made rows, the worked examples of docs/kpis.md §8 to the
/// digit, rules R1–R9 (docs/kpis.md §1), grains and roll-ups.
struct KPIEngineTests {
  let catalog: DefinitionSet

  init() throws {
    catalog = try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8))
  }

  func value(
    _ kpi: String, _ rows: [String: [Row]], period: String = "2025-03", office: String = "north",
    channel: Bool = false
  ) throws -> KPIValue {
    let period = try #require(Period(parsing: period))
    let values = KPIEngine(definitions: catalog).evaluate(
      Dataset(rows: rows),
      KPIQuery(kpis: [kpi], grain: period.grain, periods: [period], offices: [office]))
    return try #require(values.first)
  }

  @Test("the built-in catalog is valid, content-addressed and covers the core KPIs")
  func catalogIsValid() throws {
    #expect(catalog.hash.utf8.count == 64)
    for id in [
      "clicks", "consultations", "consultation_rate", "avg_cost_per_conversation", "cpc", "ctr",
      "qualified_leads", "deal_count", "deal_amount", "net_revenue", "aov", "conversion_rate",
      "new_customers", "return_rate", "complaint_rate", "follower_growth", "indexed_pages",
      "sales_growth_mom", "collection_rate", "cac",
    ] {
      #expect(catalog.kpis[id] != nil, "\(id)")
    }
    #expect(catalog.scorecards["branch_marketing_monthly"]?.items.count == 5)
    // The hash is of the canonical bytes: re-indenting the document does not change it.
    let json = try JSONParser.parse(Array(DefinitionSet.defaultDocument.utf8))
    #expect(try DefinitionSet(bytes: JSONWriter.canonicalBytes(json)).hash == catalog.hash)
  }

  @Test("example 1: consultation_rate 618 / 12,347 = 0.0501 (ratio of sums over the month)")
  func example1() throws {
    let rows = [
      "channel_daily": [
        Rows.day("north", "sem", "2025-03-01", clicks: 6000, consultations: 300),
        Rows.day("north", "sem", "2025-03-31", clicks: 6347, consultations: 318),
        Rows.day("north", "sem", "2025-04-01", clicks: 1, consultations: 1),
      ]
    ]
    let result = try value("consultation_rate", rows)
    #expect(result.value == (try ExactDecimal(parsing: "0.0501")))
    #expect(result.numerator == ExactDecimal(618) && result.denominator == ExactDecimal(12347))
  }

  @Test("example 2: cost per conversation 29.86; spend without conversations is flagged")
  func example2() throws {
    let a = try value(
      "avg_cost_per_conversation",
      [
        "channel_daily": [
          Rows.day("north", "sem", "2025-03-02", consultations: 618, spend: "18452.37")
        ]
      ])
    #expect(a.value == (try ExactDecimal(parsing: "29.86")))
    let b = try value(
      "avg_cost_per_conversation",
      [
        "channel_daily": [Rows.day("west", "sem", "2025-02-02", consultations: 0, spend: "7356.42")]
      ],
      period: "2025-02", office: "west")
    #expect(b.value == nil && b.reason == "zero_denominator")
    #expect(b.flags == ["spend_without_conversations"] && b.failures == b.flags)
    // Neither spend nor conversations: nothing happened (`no_activity`, docs/kpis.md R1), not a
    // zero denominator, and no failure flag.
    let c = try value(
      "avg_cost_per_conversation",
      ["channel_daily": [Rows.day("west", "sem", "2025-02-02", consultations: 0, spend: "0.00")]],
      period: "2025-02", office: "west")
    #expect(c.value == nil && c.reason == "no_activity")
    #expect(c.flags.isEmpty)
    // Other ratios keep R1's reason for 0/0.
    let d = try value(
      "consultation_rate",
      ["channel_daily": [Rows.day("west", "sem", "2025-02-02", clicks: 0, consultations: 0)]],
      period: "2025-02", office: "west")
    #expect(d.value == nil && d.reason == "zero_denominator")
  }

  @Test("example 3: net sales growth MoM (215,007.25 − 182,340.50) / 182,340.50 = 0.1792")
  func example3() throws {
    let rows = [
      "orders": [
        Rows.order("north", "o-1", "2025-02-10", amount: "182340.50"),
        Rows.order("north", "o-2", "2025-03-10", amount: "200000.00"),
        Rows.order("north", "o-3", "2025-03-11", amount: "15007.25"),
        Rows.order("north", "o-4", "2025-03-12", amount: "999.99", status: "cancelled"),
      ]
    ]
    #expect(try value("sales_growth_mom", rows).value == (try ExactDecimal(parsing: "0.1792")))
    // No sales in the base month: the base is 0, so growth is undefined, never 0 or infinite.
    let first = try value("sales_growth_mom", rows, period: "2025-02")
    #expect(first.value == nil && first.reason == "nonpositive_base")
  }

  @Test("example 4: the weighted scorecard scores 96.59")
  func example4() throws {
    let card = try #require(catalog.scorecards["branch_marketing_monthly"])
    func d(_ text: String) -> ExactDecimal { try! ExactDecimal(parsing: text) }
    let actuals: [String: String] = [
      "net_revenue": "215007.25", "consultations": "1480", "avg_cost_per_conversation": "29.86",
      "return_rate": "0.0376", "collection_rate": "0.9269",
    ]
    let targets: [String: String] = [
      "net_revenue": "200000.00", "consultations": "1600", "avg_cost_per_conversation": "35.00",
      "return_rate": "0.0300", "collection_rate": "0.9500",
    ]
    let result = card.score(
      office: "north", period: Period(parsing: "2025-03")!,
      actual: { (actuals[$0].map(d), []) }, target: { Target(value: d(targets[$0]!)) })
    #expect(result.total == d("96.59"))
    #expect(result.band == "B")
    #expect(
      result.items.map { $0.score?.description } == [
        "1.0750", "0.9250", "1.00", "0.7467", "0.9757",
      ])
    // A failure flag scores 0 whatever the value; a missing target leaves the card undefined.
    let failed = card.score(
      office: "north", period: Period(parsing: "2025-03")!,
      actual: {
        (
          $0 == "avg_cost_per_conversation" ? nil : actuals[$0].map(d),
          $0 == "avg_cost_per_conversation" ? ["spend_without_conversations"] : []
        )
      },
      target: { Target(value: d(targets[$0]!)) })
    #expect(failed.total == d("76.59"))
    let missing = card.score(
      office: "north", period: Period(parsing: "2025-03")!, actual: { (actuals[$0].map(d), []) },
      target: { $0 == "consultations" ? nil : Target(value: d(targets[$0]!)) })
    #expect(missing.total == nil && missing.reason == "missing_target")
  }

  @Test("newest: N keeps the latest N periods of the span, each as the full evaluation has it")
  func newestPeriods() throws {
    var orders: [Row] = []
    for month in 1...9 {
      orders.append(
        Rows.order("north", "o-\(month)", "2025-0\(month)-10", amount: "\(month * 100).00"))
    }
    orders.append(Rows.order("south", "s-1", "2024-11-10", amount: "50.00"))
    let engine = KPIEngine(definitions: catalog)
    let dataset = Dataset(rows: ["orders": orders])
    let all = engine.evaluate(dataset, KPIQuery(offices: ["north"]))
    let newest = engine.evaluate(dataset, KPIQuery(offices: ["north"], newest: 3))
    let kept = Set(["2025-07", "2025-08", "2025-09"].compactMap { Period(parsing: $0) })
    #expect(Set(newest.map(\.period)) == kept)
    // Growth reads the month before the first one kept, as it does without the limit.
    #expect(newest == all.filter { kept.contains($0.period) })
    #expect(newest.contains { $0.kpi == "sales_growth_mom" && $0.value != nil })
    #expect(engine.evaluate(dataset, KPIQuery(offices: ["north"], newest: 0)).isEmpty)
  }

  @Test("newest: N keeps each office's own latest N periods when offices are computed together")
  func newestPeriodsPerOffice() throws {
    var orders: [Row] = []
    for month in 1...6 {
      orders.append(Rows.order("north", "o-\(month)", "2025-0\(month)-10", amount: "100.00"))
    }
    orders.append(Rows.order("south", "s-1", "2024-10-10", amount: "50.00"))
    orders.append(Rows.order("south", "s-2", "2024-11-10", amount: "60.00"))
    let engine = KPIEngine(definitions: catalog)
    let dataset = Dataset(rows: ["orders": orders])
    let both = engine.evaluate(dataset, KPIQuery(newest: 2))
    func months(_ office: String) -> Set<String> {
      Set(both.filter { $0.office == office }.map(\.period.description))
    }
    #expect(months("north") == ["2025-05", "2025-06"])
    #expect(months("south") == ["2024-10", "2024-11"])
    // Each as computing the office alone gives.
    for office in ["north", "south"] {
      #expect(
        both.filter { $0.office == office }
          == engine.evaluate(dataset, KPIQuery(offices: [office], newest: 2)))
    }
    // Given periods, the latest of them for every office.
    let given = ["2025-01", "2025-02", "2025-03"].compactMap { Period(parsing: $0) }
    let limited = engine.evaluate(dataset, KPIQuery(periods: given, newest: 1))
    #expect(Set(limited.map(\.period.description)) == ["2025-03"])
    #expect(Set(limited.map(\.office)) == ["north", "south"])
  }

  @Test("ties at .xx5 round half-up, away from zero for negatives; 1/3 and 2/3")
  func rounding() throws {
    // aov = 0.05 / 2 = 0.025 → 0.03
    let tie = try value(
      "aov",
      [
        "orders": [
          Rows.order("north", "o-1", "2025-03-01", amount: "0.02"),
          Rows.order("north", "o-2", "2025-03-02", amount: "0.03"),
        ]
      ])
    #expect(tie.value == (try ExactDecimal(parsing: "0.03")))
    // roi = (19,999.00 − 20,000.00) / 20,000.00 = −0.00005 → −0.0001
    let negative = try value(
      "roi",
      [
        "orders": [Rows.order("north", "o-1", "2025-03-01", amount: "19999.00")],
        "channel_daily": [Rows.day("north", "sem", "2025-03-01", spend: "20000.00")],
      ])
    #expect(negative.value == (try ExactDecimal(parsing: "-0.0001")), "\(negative)")
    for (consultations, expected) in [(1, "0.3333"), (2, "0.6667")] {
      let third = try value(
        "consultation_rate",
        [
          "channel_daily": [
            Rows.day("north", "sem", "2025-03-01", clicks: 3, consultations: consultations)
          ]
        ])
      #expect(third.value == (try ExactDecimal(parsing: expected)))
    }
  }

  @Test("R1/R2: zero denominators and all-null inputs are undefined with a reason, never 0")
  func undefinedIsNotZero() throws {
    let rows = [
      "channel_daily": [
        Rows.day("north", "direct", "2025-03-01", visits: 100, consultations: 7),
        Rows.day("north", "agent", "2025-03-01", consultations: 3),
      ]
    ]
    // No channel has clicks: the consultation rate has no data, and clicks sum to nothing.
    #expect(try value("consultation_rate", rows).reason == "no_data")
    #expect(try value("clicks", rows).reason == "no_data")
    #expect(try value("consultations", rows).value == ExactDecimal(10))
    // Nulls are skipped: consultations on channels without clicks are not divided by them.
    let mixed =
      rows["channel_daily"]! + [
        Rows.day("north", "sem", "2025-03-02", clicks: 100, consultations: 5)
      ]
    #expect(
      try value("consultation_rate", ["channel_daily": mixed]).value
        == (try ExactDecimal(parsing: "0.0500")))
    // No deals: AOV and the return rate are undefined.
    #expect(try value("aov", ["orders": []]).reason == "zero_denominator")
    #expect(try value("deal_count", ["orders": []]).value == ExactDecimal(0))
  }

  @Test("quarter and year are recomputed from raw rows, not averaged from months")
  func rollUps() throws {
    let rows = [
      "channel_daily": [
        Rows.day("north", "sem", "2025-01-05", clicks: 100, consultations: 10),
        Rows.day("north", "sem", "2025-02-05", clicks: 900, consultations: 9),
        Rows.day("north", "sem", "2025-05-05", clicks: 1000, consultations: 100),
      ]
    ]
    #expect(
      try value("consultation_rate", rows, period: "2025-01").value
        == (try ExactDecimal(parsing: "0.1000")))
    #expect(
      try value("consultation_rate", rows, period: "2025-02").value
        == (try ExactDecimal(parsing: "0.0100")))
    // Q1 = 19 / 1000, not the mean of 0.10 and 0.01.
    #expect(
      try value("consultation_rate", rows, period: "2025-Q1").value
        == (try ExactDecimal(parsing: "0.0190")))
    #expect(
      try value("consultation_rate", rows, period: "2025").value
        == (try ExactDecimal(parsing: "0.0595")))
    #expect(try value("clicks", rows, period: "2025-W06").value == ExactDecimal(900))
    #expect(try value("clicks", rows, period: "2025-02-05").value == ExactDecimal(900))
  }

  @Test("snapshots take the last value in the period; follower growth may be negative")
  func snapshots() throws {
    func social(_ date: String, _ platform: String, _ followers: Int) -> Row {
      [
        "office_id": .string("west"), "platform": .string(platform), "date": .string(date),
        "followers_total": Rows.int(followers),
      ]
    }
    let rows = [
      "social_daily": [
        social("2025-09-30", "wechat", 5000), social("2025-09-30", "weibo", 100),
        social("2025-10-15", "wechat", 4000), social("2025-10-31", "wechat", 3140),
        social("2025-10-31", "weibo", 100),
      ]
    ]
    #expect(
      try value("followers", rows, period: "2025-10", office: "west").value == ExactDecimal(3240))
    #expect(
      try value("follower_growth", rows, period: "2025-10", office: "west").value
        == ExactDecimal(-1860))
    #expect(try value("followers", rows, period: "2025-11", office: "west").reason == "no_data")
  }

  @Test("the collection rate is due-based: payments by the end of the month for invoices due in it")
  func collectionRate() throws {
    func invoice(_ id: String, due: String, _ amount: String) -> Row {
      [
        "office_id": .string("north"), "invoice_id": .string(id), "due_date": .string(due),
        "amount": .string(amount), "customer_id": .string("c"), "issue_date": .string("2025-01-01"),
      ]
    }
    func payment(_ id: String, _ invoice: String, _ date: String, _ amount: String) -> Row {
      [
        "office_id": .string("north"), "payment_id": .string(id), "invoice_id": .string(invoice),
        "payment_date": .string(date), "amount": .string(amount),
      ]
    }
    let rows = [
      "invoices": [
        invoice("i-1", due: "2025-03-10", "100.00"), invoice("i-2", due: "2025-03-20", "300.00"),
      ],
      "payments": [
        payment("p-1", "i-1", "2025-03-09", "100.00"),
        payment("p-2", "i-2", "2025-03-31", "200.00"),
        payment("p-3", "i-2", "2025-04-02", "100.00"),
      ],
    ]
    #expect(try value("collection_rate", rows).value == (try ExactDecimal(parsing: "0.7500")))
  }

  @Test("open periods are provisional; channel breakdowns only where the definition allows")
  func provisionalAndChannels() throws {
    let rows = [
      "channel_daily": [
        Rows.day("north", "sem", "2025-03-01", clicks: 10, consultations: 1),
        Rows.day("north", "seo", "2025-03-01", clicks: 30, consultations: 1),
      ]
    ]
    let engine = KPIEngine(definitions: catalog)
    let open = engine.evaluate(
      Dataset(rows: rows),
      KPIQuery(kpis: ["clicks"], openFrom: CivilDate(parsing: "2025-03-15")))
    #expect(open.map(\.provisional) == [true])
    let split = engine.evaluate(
      Dataset(rows: rows),
      KPIQuery(kpis: ["consultation_rate", "net_revenue"], breakdown: .channel))
    #expect(
      split.map { "\($0.kpi)/\($0.channel ?? "-")" } == [
        "consultation_rate/sem", "consultation_rate/seo",
      ])
    #expect(split.map { $0.value?.description } == ["0.1000", "0.0333"])
  }

  @Test("without --period, the periods run from the first to the last date of the offices shown")
  func periodsOfTheOfficesShown() {
    let rows = [
      "orders": [
        Rows.order("north", "o1", "2025-02-10", amount: "1.00"),
        Rows.order("north", "o2", "2025-03-10", amount: "1.00"),
        Rows.order("east", "o3", "2025-06-10", amount: "1.00"),
      ]
    ]
    func periods(_ offices: [String]?) -> [String] {
      KPIEngine(definitions: catalog).evaluate(
        Dataset(rows: rows), KPIQuery(kpis: ["deal_count"], offices: offices)
      ).map { "\($0.office) \($0.period)" }
    }
    // Head office's --office north prints what north itself would: February and March.
    #expect(periods(["north"]) == ["north 2025-02", "north 2025-03"])
    #expect(periods(nil).count == 2 * 5)  // both offices, 2025-02 to 2025-06
  }

  @Test("periods: ISO weeks, quarters, previous and same period last year")
  func periods() throws {
    #expect(Period(parsing: "2025-W01")?.start.description == "2024-12-30")
    #expect(Period(parsing: "2020-W53")?.end.description == "2021-01-03")
    #expect(Period(parsing: "2025-W53") == nil)
    #expect(Period(parsing: "2025-Q1")?.previous.description == "2024-Q4")
    #expect(Period(parsing: "2025-03")?.sameLastYear.description == "2024-03")
    #expect(Period(parsing: "2024-02-29")?.sameLastYear.description == "2023-02-28")
    #expect(Period(parsing: "2025-13") == nil && Period(parsing: "25-03") == nil)
    #expect(
      Period.containing(CivilDate(parsing: "2025-12-31")!, grain: .week).description == "2026-W01")
  }
}

/// SPEC.md §9.3: invalid definitions are refused at publish with a clear message.
struct DefinitionValidationTests {
  func refusal(_ edit: (inout [String: JSONValue]) -> Void) throws -> DefinitionError? {
    guard case .object(let object) = try JSONParser.parse(Array(DefinitionSet.defaultDocument.utf8))
    else { return nil }
    var members: [String: JSONValue] = [:]
    for (key, value) in object { members[key] = value }
    edit(&members)
    do {
      _ = try DefinitionSet(
        json: .object(JSONObject(uncheckedPairs: members.map { ($0.key, $0.value) })))
      return nil
    } catch { return error }
  }

  static func kpi(_ id: String, _ extra: [(String, JSONValue)]) -> JSONValue {
    .object(
      JSONObject(
        uncheckedPairs: [
          ("id", .string(id)), ("version", .number(JSONNumber(integer: 1))),
          (
            "label",
            .object(JSONObject(uncheckedPairs: [("zh", .string("x")), ("en", .string("x"))]))
          ),
          ("unit", .string("count")), ("scale", .number(JSONNumber(integer: 0))),
          ("direction", .string("higher_better")),
        ] + extra))
  }

  func appendingKPIs(_ kpis: [JSONValue]) throws -> DefinitionError? {
    try refusal { members in
      if case .array(let list)? = members["kpis"] { members["kpis"] = .array(list + kpis) }
    }
  }

  @Test("unknown measure, reference cycle, unknown member, bad unit")
  func refusals() throws {
    let unknown = try appendingKPIs([
      Self.kpi("x", [("type", .string("simple")), ("measure", .string("nope"))])
    ])
    #expect(unknown?.message.contains("unknown measure 'nope'") == true)
    let cycle = try appendingKPIs([
      Self.kpi(
        "a",
        [
          ("type", .string("derived")),
          ("expr", .object(JSONObject(uncheckedPairs: [("ref", .string("b"))]))),
        ]),
      Self.kpi(
        "b",
        [
          ("type", .string("derived")),
          ("expr", .object(JSONObject(uncheckedPairs: [("ref", .string("a"))]))),
        ]),
    ])
    #expect(cycle?.message.contains("refers to itself") == true, "\(String(describing: cycle))")
    let member = try refusal { $0["colour"] = .string("red") }
    #expect(member?.path == "$.colour")
  }

  @Test("a member of another KPI type is refused with its path, not ignored")
  func membersOfAnotherType() throws {
    let ratio = try appendingKPIs([
      Self.kpi(
        "x",
        [
          ("type", .string("simple")), ("measure", .string("clicks")),
          ("method", .string("ratio")),
        ])
    ])
    #expect(ratio?.path.hasSuffix(".method") == true, "\(String(describing: ratio))")
    #expect(ratio?.message == "not a member of a simple KPI")
    let grain = try appendingKPIs([
      Self.kpi(
        "y", [("type", .string("simple")), ("measure", .string("clicks")), ("grain", .null)])
    ])
    #expect(grain?.message == "unknown member", "\(String(describing: grain))")
  }

  @Test("scorecard weights must sum to exactly 1.0000")
  func weights() throws {
    let text = DefinitionSet.defaultDocument.replacingOccurrences(
      of: "\"weight\": \"0.30\"", with: "\"weight\": \"0.31\"")
    #expect(text != DefinitionSet.defaultDocument)
    do throws(DefinitionError) {
      _ = try DefinitionSet(bytes: Array(text.utf8))
      Issue.record("accepted weights summing to 1.01")
    } catch {
      #expect(error.message.contains("weights sum to 1.0100, not 1.0000"))
    }
  }
}

/// SPEC.md §9.4: head office's qualitative ratings (docs/kpis.md §5.10).
struct QualitativeRatingTests {
  @Test("a qualitative item is the mean of head office's ratings in the period")
  func meanRating() throws {
    let catalog = try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8))
    func rating(_ criterion: String, _ period: String, _ score: String) -> Row {
      [
        "office_id": .string("north"), "criterion_id": .string(criterion),
        "period": .string(period), "score": .string(score), "rater": .string("ceo"),
      ]
    }
    let rows = [
      "qualitative_ratings": [
        rating("team_building", "2025-03", "85.50"), rating("team_building", "2025-03", "90.00"),
        rating("team_building", "2025-03-31", "80.00"),
        rating("content_quality", "2025-03", "70.00"),
      ]
    ]
    let values = KPIEngine(definitions: catalog).evaluate(
      Dataset(rows: rows),
      KPIQuery(kpis: ["team_building", "admin_assessment"], periods: [Period(parsing: "2025-03")!]))
    // (85.50 + 90.00 + 80.00) / 3 = 85.1666… → 85.17; nobody rated administration: no_data.
    #expect(values.map { $0.value?.description ?? $0.reason! } == ["85.17", "no_data"])
  }
}
