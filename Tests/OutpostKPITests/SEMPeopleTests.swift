import OutpostCodec
import OutpostKPI
import OutpostModel
import Testing

/// Rows of `ad_accounts`, `ad_daily` and `tasks` for the engine (SPEC.md §2.8).
enum Ads {
  /// An `ad_accounts` record: `owner` runs `account` in `office` from `from` to `to` (nil:
  /// still).
  static func account(
    _ office: String, _ account: String, owner: String, from: String, to: String? = nil
  ) -> Row {
    [
      "office_id": .string(office), "account_id": .string(account), "channel_id": .string("sem"),
      "platform": .string("baidu"), "owner": .string(owner), "active_from": .string(from),
      "active_to": to.map(JSONValue.string) ?? .null,
    ]
  }

  /// An `ad_daily` row of `account`'s campaign `campaign` on `date`.
  static func day(
    _ office: String, _ account: String, _ campaign: String, _ date: String, clicks: Int,
    cost: String, consultations: Int
  ) -> Row {
    [
      "office_id": .string(office), "account_id": .string(account),
      "campaign_id": .string(campaign), "campaign_name": .string("品牌词 \(campaign)"),
      "date": .string(date), "impressions": Rows.int(clicks * 10), "clicks": Rows.int(clicks),
      "cost": .string(cost), "consultations": Rows.int(consultations),
    ]
  }

  /// A `tasks` row: `staff`'s plan for `month`.
  static func task(_ office: String, _ staff: String, _ month: String, planned: Int, done: Int)
    -> Row
  {
    [
      "office_id": .string(office), "task_id": .string("\(staff)-\(month)-\(planned)-\(done)"),
      "staff_id": .string(staff), "period": .string(month), "kind": .string("article"),
      "planned": Rows.int(planned), "done": Rows.int(done),
    ]
  }
}

/// Per-person SEM values and plan execution (SPEC.md §2.8, §9.3 `staff_through`, §9.4).
///
/// SEM rows count for the account's owner on each row's date; office totals never read
/// `ad_daily`. Expected values are worked out by hand in the comments.
struct SEMPeopleTests {
  let catalog: DefinitionSet

  init() throws {
    catalog = try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8))
  }

  func lines(
    _ kpi: String, _ rows: [String: [Row]], period: String = "2025-03",
    by breakdown: Breakdown = .staff
  ) throws -> [String] {
    let period = try #require(Period(parsing: period))
    return KPIEngine(definitions: catalog).evaluate(
      Dataset(rows: rows),
      KPIQuery(
        kpis: [kpi], grain: period.grain, periods: [period], offices: ["north"],
        breakdown: breakdown)
    ).map(People.line)
  }

  /// Two SEM specialists and an SEO specialist; acc-1 passes from s-1 to s-2 on 16 March.
  static let rows: [String: [Row]] = [
    "staff": [
      People.assignment("s-1", "north", "sem", "promotion", from: "2025-01-01"),
      People.assignment("s-2", "north", "sem", "promotion", from: "2025-01-01"),
      People.assignment("s-3", "north", "seo", "promotion", from: "2025-01-01"),
    ],
    "ad_accounts": [
      Ads.account("north", "acc-1", owner: "s-1", from: "2025-01-01", to: "2025-03-15"),
      Ads.account("north", "acc-1", owner: "s-2", from: "2025-03-16"),
      Ads.account("north", "acc-2", owner: "s-2", from: "2025-01-01"),
      // The same account id in another office is another office's account.
      Ads.account("east", "acc-1", owner: "s-3", from: "2025-01-01"),
    ],
    "ad_daily": [
      Ads.day("north", "acc-1", "c1", "2025-03-10", clicks: 100, cost: "50.00", consultations: 5),
      // 15 March, the last day of s-1's ownership.
      Ads.day("north", "acc-1", "c2", "2025-03-15", clicks: 60, cost: "30.00", consultations: 1),
      // 16 March, the first of s-2's.
      Ads.day("north", "acc-1", "c1", "2025-03-16", clicks: 40, cost: "20.50", consultations: 4),
      Ads.day("north", "acc-2", "c1", "2025-03-20", clicks: 200, cost: "99.99", consultations: 0),
      // An account north has no record of: counts for no one.
      Ads.day("north", "acc-9", "c1", "2025-03-21", clicks: 7, cost: "1.00", consultations: 1),
      // February: acc-1 is s-1's.
      Ads.day("north", "acc-1", "c1", "2025-02-03", clicks: 10, cost: "9.00", consultations: 3),
    ],
  ]

  @Test("§2.8: a row counts for its account's owner on its date, across a mid-month change")
  func ownerChange() throws {
    // s-1: 100 + 60 = 160 clicks, 50.00 + 30.00 = 80.00, 5 + 1 = 6 consultations.
    // s-2: 40 + 200 = 240 clicks, 20.50 + 99.99 = 120.49, 4 + 0 = 4 consultations.
    // Unattributed (acc-9): 7 clicks, 1.00, 1 consultation. s-3 (seo) is not listed.
    #expect(
      try lines("sem_clicks", Self.rows) == [
        "s-1/sem/promotion=160", "s-2/sem/promotion=240", "-/-/-=7",
      ])
    #expect(
      try lines("sem_cost", Self.rows) == [
        "s-1/sem/promotion=80.00", "s-2/sem/promotion=120.49", "-/-/-=1.00",
      ])
    #expect(
      try lines("sem_consultations", Self.rows) == [
        "s-1/sem/promotion=6", "s-2/sem/promotion=4", "-/-/-=1",
      ])
    // 6 ÷ 160 = 0.0375; 4 ÷ 240 = 0.01666… → 0.0167; 1 ÷ 7 = 0.142857… → 0.1429.
    #expect(
      try lines("sem_consultation_rate", Self.rows) == [
        "s-1/sem/promotion=0.0375", "s-2/sem/promotion=0.0167", "-/-/-=0.1429",
      ])
    // 80.00 ÷ 6 = 13.333… → 13.33; 120.49 ÷ 4 = 30.1225 → 30.12; 1.00 ÷ 1.
    #expect(
      try lines("sem_cost_per_consultation", Self.rows) == [
        "s-1/sem/promotion=13.33", "s-2/sem/promotion=30.12", "-/-/-=1.00",
      ])
    // February: acc-1 is s-1's; s-2 owns acc-2 but it has no rows (0; 0 ÷ 0 is no_activity).
    #expect(
      try lines("sem_clicks", Self.rows, period: "2025-02") == [
        "s-1/sem/promotion=10", "s-2/sem/promotion=0",
      ])
    #expect(
      try lines("sem_cost_per_consultation", Self.rows, period: "2025-02") == [
        "s-1/sem/promotion=3.00", "s-2/sem/promotion=undefined(no_activity)",
      ])
    // The quarter recomputes from rows: s-1 170 clicks, s-2 240.
    #expect(
      try lines("sem_clicks", Self.rows, period: "2025-Q1") == [
        "s-1/sem/promotion=170", "s-2/sem/promotion=240", "-/-/-=7",
      ])
    // By position: both SEM specialists together (160 + 240), the unattributed apart.
    #expect(
      try lines("sem_clicks", Self.rows, by: .position) == ["-/sem/-=400", "-/-/-=7"])
  }

  @Test("§2.8: an owner with no assignment on the row's date leaves the row unattributed")
  func ownerGone() throws {
    var rows = Self.rows
    rows["staff"] = [
      People.assignment("s-1", "north", "sem", "promotion", from: "2025-01-01", to: "2025-03-12"),
      People.assignment("s-2", "north", "sem", "promotion", from: "2025-01-01"),
    ]
    // s-1 left on 12 March: the 15 March row of acc-1 (60 clicks) is nobody's; 7 + 60 = 67.
    #expect(
      try lines("sem_clicks", rows) == [
        "s-1/sem/promotion=100", "s-2/sem/promotion=240", "-/-/-=67",
      ])
  }

  @Test("§2.8: office and channel values never read ad_daily; the SEM KPIs are per person only")
  func officeTotalsUnchanged() throws {
    let office: [String: [Row]] = [
      "staff": Self.rows["staff"]!,
      "channel_daily": [
        Rows.day(
          "north", "sem", "2025-03-10", clicks: 300, visits: 250, consultations: 9,
          spend: "150.00"),
        Rows.day("north", "seo", "2025-03-10", clicks: 80, visits: 70, consultations: 2),
      ],
      "orders": [Rows.order("north", "o-1", "2025-03-12", amount: "500.00")],
    ]
    var both = office
    both["ad_accounts"] = Self.rows["ad_accounts"]
    both["ad_daily"] = Self.rows["ad_daily"]
    let march = try #require(Period(parsing: "2025-03"))
    func values(_ rows: [String: [Row]], _ breakdown: Breakdown) -> [String] {
      KPIEngine(definitions: catalog).evaluate(
        Dataset(rows: rows),
        KPIQuery(
          kpis: catalog.kpiOrder, grain: .month, periods: [march], offices: ["north"],
          breakdown: breakdown)
      ).map { "\($0.kpi) \($0.channel ?? "-") \($0.value?.description ?? $0.reason ?? "?")" }
    }
    for breakdown in [Breakdown.office, .channel] {
      let without = values(office, breakdown)
      #expect(!without.isEmpty)
      #expect(values(both, breakdown) == without, "\(breakdown)")
      #expect(!without.contains { $0.hasPrefix("sem_") }, "\(breakdown)")
    }
    // The office's clicks are channel_daily's 380, not ad_daily's.
    #expect(values(both, .office).contains("clicks - 380"))
  }

  @Test("§9.4: plan execution is done ÷ planned per person; planned 0 is zero_denominator")
  func planExecution() throws {
    let rows: [String: [Row]] = [
      "staff": [
        People.assignment("s-3", "north", "seo", "promotion", from: "2025-01-01"),
        People.assignment("s-4", "north", "new_media", "promotion", from: "2025-01-01"),
        // Joins on 10 March: the March plan counts for this assignment.
        People.assignment("s-5", "north", "seo", "promotion", from: "2025-03-10"),
        People.assignment("s-1", "north", "sem", "promotion", from: "2025-01-01"),
      ],
      "tasks": [
        Ads.task("north", "s-3", "2025-03", planned: 10, done: 7),
        Ads.task("north", "s-3", "2025-03", planned: 4, done: 5),
        Ads.task("north", "s-4", "2025-03", planned: 0, done: 2),
        Ads.task("north", "s-5", "2025-03", planned: 3, done: 3),
        Ads.task("north", "s-3", "2025-04", planned: 0, done: 0),
      ],
    ]
    // s-3: (7 + 5) ÷ (10 + 4) = 12 ÷ 14 = 0.857142… → 0.8571; s-4: 2 ÷ 0; s-5: 3 ÷ 3.
    // s-1 (sem) is not listed.
    #expect(
      try lines("plan_execution", rows) == [
        "s-3/seo/promotion=0.8571", "s-4/new_media/promotion=undefined(zero_denominator)",
        "s-5/seo/promotion=1.0000",
      ])
    #expect(
      try lines("plan_execution", rows, period: "2025-04") == [
        "s-3/seo/promotion=undefined(zero_denominator)",
        "s-4/new_media/promotion=undefined(zero_denominator)",
        "s-5/seo/promotion=undefined(zero_denominator)",
      ])
  }

  @Test("§9.3: staff_through needs staff_field and names collection, id and staff")
  func staffThroughDefinition() throws {
    func document(_ measure: String) -> [UInt8] {
      Array(
        """
        {"format":"outpost-kpi-def/1","published_at":"2025-01-01T00:00:00+08:00",
         "measures":[\(measure)],"kpis":[]}
        """.utf8)
    }
    let base =
      #""id":"m","source":"ad_daily","agg":"sum","field":"clicks","time_field":"date","unit":"count""#
    let through = #""staff_through":{"collection":"ad_accounts","id":"account_id","staff":"owner"}"#
    let accepted = try DefinitionSet(
      bytes: document("{\(base),\"staff_field\":\"account_id\",\(through)}"))
    #expect(
      accepted.measures["m"]?.staffThrough
        == Measure.StaffThrough(collection: "ad_accounts", id: "account_id", staff: "owner"))
    #expect(throws: DefinitionError.self) {
      try DefinitionSet(bytes: document("{\(base),\(through)}"))
    }
    #expect(throws: DefinitionError.self) {
      try DefinitionSet(
        bytes: document(
          "{\(base),\"staff_field\":\"account_id\",\"staff_through\":{\"collection\":\"x\"}}"))
    }
  }
}
