import Foundation
import OutpostCodec
import OutpostKPI
import OutpostModel
import Testing

/// Rows of the people collections and of the rows that name a person, for the engine.
enum People {
  /// A `staff` assignment (SPEC.md §2.8); `to` nil: still active.
  static func assignment(
    _ staff: String, _ office: String, _ position: String, _ department: String,
    from: String, to: String? = nil
  ) -> Row {
    [
      "staff_id": .string(staff), "office_id": .string(office), "name": .string(staff),
      "position": .string(position), "department": .string(department),
      "active_from": .string(from), "active_to": to.map(JSONValue.string) ?? .null,
    ]
  }

  /// A lead assigned to `assignee` (nil: to no one); qualified when it has need and contact.
  static func lead(_ office: String, _ date: String, _ assignee: String?, qualified: Bool = false)
    -> Row
  {
    [
      "office_id": .string(office), "channel_id": .string("sem"), "created_date": .string(date),
      "source_type": .string("chat"), "has_need": .bool(qualified),
      "has_contact": .bool(qualified), "assigned_to": assignee.map(JSONValue.string) ?? .null,
      "status": .string("new"),
    ]
  }

  /// An order sold by `salesperson` (nil: by no one).
  static func order(
    _ office: String, _ id: String, _ date: String, amount: String, by salesperson: String?,
    status: String = "confirmed"
  ) -> Row {
    var row = Rows.order(office, id, date, amount: amount, status: status)
    row["salesperson_id"] = salesperson.map(JSONValue.string) ?? .null
    return row
  }

  /// A value as `staff/position/department=value` (`-` for a null member; an undefined value
  /// as `undefined(reason)`).
  static func line(_ value: KPIValue) -> String {
    "\(value.staff ?? "-")/\(value.position ?? "-")/\(value.department ?? "-")="
      + (value.value?.description ?? "undefined(\(value.reason ?? "?"))")
  }
}

/// A small seeded generator (SplitMix64) for the property test: this test target does not link
/// OutpostTestRandom, so it keeps its own, printing its seed the same way.
struct PeopleRandom {
  var state: UInt64

  /// `OUTPOST_SEED` when set (to replay a failure), else `fallback`; printed either way.
  static func seed(_ fallback: UInt64, test: String = #function) -> UInt64 {
    let seed =
      ProcessInfo.processInfo.environment["OUTPOST_SEED"].flatMap { UInt64($0) } ?? fallback
    print("PeopleBreakdownTests \(test): seed \(seed) (OUTPOST_SEED=\(seed) replays it)")
    return seed
  }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A number in `0..<bound`.
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

  /// One of `list`.
  mutating func pick<T>(_ list: [T]) -> T { list[below(list.count)] }
}

/// The people breakdowns of SPEC.md §2.8 and §9.6 in the engine, over in-memory rows.
///
/// Which assignment a row counts for (by the measure's date, in the row's office), which lines a KPI
/// lists (the `positions` of §9.3), their order and sums, the `staff` filter, and the
/// definition checks of §9.3 (`dimensions`, `staff_field`, `positions`). Expected values are
/// worked out by hand in the comments.
struct PeopleBreakdownTests {
  let catalog: DefinitionSet

  init() throws {
    catalog = try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8))
  }

  /// The lines of one KPI for one office and period, as ``People/line(_:)``.
  func lines(
    _ kpi: String, _ rows: [String: [Row]], period: String = "2025-03",
    office: String = "north", by breakdown: Breakdown = .staff, staff: Set<String>? = nil
  ) throws -> [String] {
    let period = try #require(Period(parsing: period))
    return KPIEngine(definitions: catalog).evaluate(
      Dataset(rows: rows),
      KPIQuery(
        kpis: [kpi], grain: period.grain, periods: [period], offices: [office],
        breakdown: breakdown, staff: staff)
    ).map(People.line)
  }

  @Test("§2.8: a mid-month change of position gives the person one line per assignment")
  func positionChange() throws {
    let rows: [String: [Row]] = [
      "staff": [
        People.assignment(
          "s-1", "north", "consultant", "sales", from: "2025-01-01", to: "2025-03-15"),
        People.assignment("s-1", "north", "supervisor", "promotion", from: "2025-03-16"),
      ],
      "leads": [
        People.lead("north", "2025-03-05", "s-1", qualified: true),
        People.lead("north", "2025-03-15", "s-1"),  // the last day as consultant
        People.lead("north", "2025-03-16", "s-1", qualified: true),  // the first as supervisor
        People.lead("north", "2025-03-31", "s-1", qualified: true),
      ],
    ]
    // Consultant: 03-05 and 03-15; supervisor: 03-16 and 03-31.
    #expect(
      try lines("leads", rows) == ["s-1/consultant/sales=2", "s-1/supervisor/promotion=2"])
    // Qualified: consultant 1 of 2, supervisor 2 of 2.
    #expect(
      try lines("lead_qualification_rate", rows) == [
        "s-1/consultant/sales=0.5000", "s-1/supervisor/promotion=1.0000",
      ])
    // February: only the consultant assignment is active, with no leads.
    #expect(try lines("leads", rows, period: "2025-02") == ["s-1/consultant/sales=0"])
    // The quarter holds both assignments and all four leads.
    #expect(
      try lines("leads", rows, period: "2025-Q1") == [
        "s-1/consultant/sales=2", "s-1/supervisor/promotion=2",
      ])
  }

  @Test("§2.8: a row dated after the assignment's active_to counts for no one")
  func afterTheEnd() throws {
    let rows: [String: [Row]] = [
      "staff": [
        People.assignment(
          "s-2", "north", "consultant", "sales", from: "2025-01-01", to: "2025-03-10")
      ],
      "leads": [
        People.lead("north", "2025-03-10", "s-2"),  // active_to itself: still s-2's
        People.lead("north", "2025-03-20", "s-2"),  // after it: unattributed
        People.lead("north", "2025-04-02", "s-2"),
      ],
    ]
    #expect(try lines("leads", rows) == ["s-2/consultant/sales=1", "-/-/-=1"])
    // April: the assignment is over, so s-2 is not listed; the lead is unattributed.
    #expect(try lines("leads", rows, period: "2025-04") == ["-/-/-=1"])
  }

  @Test("§2.8: a row of another office than the person's assignment is unattributed there")
  func otherOffice() throws {
    let rows: [String: [Row]] = [
      "staff": [People.assignment("s-3", "north", "consultant", "sales", from: "2025-01-01")],
      "leads": [
        People.lead("north", "2025-03-06", "s-3"),
        People.lead("east", "2025-03-05", "s-3"),
      ],
    ]
    #expect(try lines("leads", rows) == ["s-3/consultant/sales=1"])
    #expect(try lines("leads", rows, office: "east") == ["-/-/-=1"])
  }

  @Test("§2.8: an unknown, null, empty or missing staff field counts for no one")
  func unknownOrEmpty() throws {
    var missing = People.lead("north", "2025-03-05", nil)
    missing["assigned_to"] = nil
    let rows: [String: [Row]] = [
      "staff": [People.assignment("s-4", "north", "consultant", "sales", from: "2025-01-01")],
      "leads": [
        People.lead("north", "2025-03-01", "ghost"), People.lead("north", "2025-03-02", nil),
        People.lead("north", "2025-03-03", ""), missing,
        People.lead("north", "2025-03-04", "S-4"),  // ids are exact: not s-4
      ],
    ]
    // s-4 is active with no leads (0); the five leads are unattributed.
    #expect(try lines("leads", rows) == ["s-4/consultant/sales=0", "-/-/-=5"])
  }

  @Test("§9.6: a person with no rows is listed with the value an office without rows gets")
  func personWithoutRows() throws {
    let rows: [String: [Row]] = [
      "staff": [People.assignment("s-5", "north", "sales", "sales", from: "2025-01-01")],
      // East has rows; north has none.
      "leads": [People.lead("east", "2025-03-05", nil)],
      "orders": [People.order("east", "o-1", "2025-03-05", amount: "10.00", by: nil)],
    ]
    // Counts and sums of no rows are 0 (R3); the ratios divide 0 by 0.
    let expected = [
      "leads": "0", "deal_count": "0", "deal_amount": "0.00",
      "lead_qualification_rate": "undefined(zero_denominator)",
      "aov": "undefined(zero_denominator)",
    ]
    for (kpi, value) in expected {
      #expect(try lines(kpi, rows) == ["s-5/sales/sales=" + value], "\(kpi)")
      // North as a whole, without rows, gets the same.
      #expect(try lines(kpi, rows, by: .office) == ["-/-/-=" + value], "\(kpi)")
    }
  }

  @Test("§9.3 positions: people of other positions are listed only when rows name them")
  func positionsFilter() throws {
    let rows: [String: [Row]] = [
      "staff": [
        People.assignment("s-6", "north", "seo", "promotion", from: "2025-01-01"),
        People.assignment("s-7", "north", "seo", "promotion", from: "2025-01-01"),
        People.assignment("s-8", "north", "sem", "promotion", from: "2025-01-01"),
        People.assignment("s-9", "north", "new_media", "promotion", from: "2025-01-01"),
        People.assignment("s-10", "north", "supervisor", "promotion", from: "2025-01-01"),
        // A consultant whose assignment ended in February is not listed for March.
        People.assignment(
          "s-11", "north", "consultant", "sales", from: "2025-01-01", to: "2025-02-28"),
      ],
      "leads": [
        People.lead("north", "2025-03-03", "s-7"), People.lead("north", "2025-03-04", "s-9"),
      ],
    ]
    // s-6 and s-8 (seo, sem) have no leads: not listed. s-7 and s-9 have one each: listed.
    // s-10 is a supervisor, one of the positions of `leads`: listed with 0. "s-10" sorts
    // before "s-7" byte by byte.
    #expect(
      try lines("leads", rows) == [
        "s-10/supervisor/promotion=0", "s-7/seo/promotion=1", "s-9/new_media/promotion=1",
      ])
    #expect(
      try lines("leads", rows, by: .position) == [
        "-/new_media/-=1", "-/seo/-=1", "-/supervisor/-=0",
      ])
    #expect(try lines("leads", rows, by: .department) == ["-/-/promotion=2"])
    // February: s-11 (consultant) is active, s-10 too; nobody has leads.
    #expect(
      try lines("leads", rows, period: "2025-02") == [
        "s-10/supervisor/promotion=0", "s-11/consultant/sales=0",
      ])
  }

  /// Assignments, leads and orders over January to April 2025 in two offices, drawn from
  /// `random`: people with zero to two assignments per office, rows naming people, no one,
  /// or an unknown id.
  static func randomRows(_ random: inout PeopleRandom) -> [String: [Row]] {
    let positions = [
      ("sem", "promotion"), ("seo", "promotion"), ("new_media", "promotion"),
      ("consultant", "sales"), ("sales", "sales"), ("supervisor", "promotion"),
    ]
    let start = CivilDate(year: 2025, month: 1, day: 1)!
    func day(_ offset: Int) -> String { start.adding(days: offset).description }
    var staff: [Row] = []
    for office in ["north", "east"] {
      for person in 1...5 {
        var from = random.below(60)
        for _ in 0..<random.below(3) {
          let (position, department) = random.pick(positions)
          let open = random.below(3) == 0
          let to = from + random.below(50)
          staff.append(
            People.assignment(
              "s-\(person)", office, position, department, from: day(from),
              to: open ? nil : day(to)))
          if open { break }
          from = to + 1 + random.below(10)
        }
      }
    }
    let names: [String?] = ["s-1", "s-2", "s-3", "s-4", "s-5", "s-6", nil, "ghost"]
    var leads: [Row] = []
    for _ in 0..<60 {
      leads.append(
        People.lead(
          random.pick(["north", "east"]), day(random.below(120)), random.pick(names),
          qualified: random.below(2) == 0))
    }
    var orders: [Row] = []
    for index in 0..<40 {
      orders.append(
        People.order(
          random.pick(["north", "east"]), "o-\(index)", day(random.below(120)),
          amount: "\(random.below(5000)).\(10 + random.below(90))", by: random.pick(names),
          status: random.below(5) == 0 ? "cancelled" : "confirmed"))
    }
    return ["staff": staff, "leads": leads, "orders": orders]
  }

  @Test("§9.6: people and unattributed lines add up to the office; positions and departments too")
  func linesAddUp() throws {
    let seed = PeopleRandom.seed(0x9E0_91E5)
    let months = try ["2025-01", "2025-02", "2025-03", "2025-04"].map {
      try #require(Period(parsing: $0))
    }
    let kpis = ["leads", "deal_count", "deal_amount"]
    for round in 0..<6 {
      var random = PeopleRandom(state: seed &+ UInt64(round))
      let rows = Self.randomRows(&random)
      func values(_ breakdown: Breakdown) -> [KPIValue] {
        KPIEngine(definitions: catalog).evaluate(
          Dataset(rows: rows),
          KPIQuery(
            kpis: kpis, grain: .month, periods: months, offices: ["east", "north"],
            breakdown: breakdown))
      }
      /// Sums values by KPI, office, period and the member `group` picks.
      func sums(_ list: [KPIValue], _ group: (KPIValue) -> String?) throws -> [String: String] {
        var result: [String: ExactDecimal] = [:]
        for value in list {
          let key = "\(value.kpi) \(value.office) \(value.period) \(group(value) ?? "-")"
          let number = try #require(value.value, "\(value)")
          result[key] = try #require(result[key, default: .zero].adding(number))
        }
        return result.mapValues { $0.formatted(scale: 2) }
      }
      let staff = values(.staff)
      let context = "seed \(seed) round \(round)"
      // Every (KPI, office, month) has a total: 3 × 2 × 4.
      let office = try sums(values(.office)) { _ in nil }
      #expect(office.count == 24, "\(context)")
      // An office and month without lines (no assignment, no rows) has a total of 0.
      let total = try sums(staff) { _ in nil }
      #expect(Set(total.keys).isSubset(of: office.keys), "\(context)")
      for (key, value) in office {
        #expect(total[key, default: "0.00"] == value, "\(context): \(key)")
      }
      #expect(try sums(values(.position), \.position) == sums(staff, \.position), "\(context)")
      #expect(
        try sums(values(.department), \.department) == sums(staff, \.department), "\(context)")
      // Each line is one assignment or the unattributed rows: no (staff, position,
      // department) twice for a KPI, office and period.
      let keys = staff.map { "\($0.key)" }
      #expect(Set(keys).count == keys.count, "\(context)")
      // Some rows in every round count for someone and some for no one.
      #expect(staff.contains { $0.staff != nil && $0.value != .zero }, "\(context)")
      #expect(staff.contains { $0.staff == nil && $0.value != .zero }, "\(context)")
    }
  }

  @Test("§9.6: lines sort by staff id, position and department, the unattributed last")
  func order() throws {
    let rows: [String: [Row]] = [
      "staff": [
        People.assignment(
          "a-1", "north", "consultant", "sales", from: "2025-03-01", to: "2025-03-10"),
        People.assignment("a-1", "north", "supervisor", "promotion", from: "2025-03-11"),
        People.assignment("a-10", "north", "sales", "sales", from: "2025-01-01"),
        People.assignment("b-2", "north", "sales", "sales", from: "2025-01-01"),
        People.assignment("B-3", "north", "consultant", "sales", from: "2025-01-01"),
      ],
      "leads": [
        People.lead("north", "2025-03-20", nil), People.lead("north", "2025-03-19", "b-2"),
        People.lead("north", "2025-03-18", "a-1"), People.lead("north", "2025-03-05", "a-1"),
        People.lead("north", "2025-03-17", "a-10"), People.lead("north", "2025-03-16", "B-3"),
      ],
    ]
    // Byte order: "B-3" < "a-1" < "a-10" < "b-2"; a-1's two positions in order.
    let all = [
      "B-3/consultant/sales=1", "a-1/consultant/sales=1", "a-1/supervisor/promotion=1",
      "a-10/sales/sales=1", "b-2/sales/sales=1", "-/-/-=1",
    ]
    #expect(try lines("leads", rows) == all)
    // consultant 2 (B-3, a-1), sales 2 (a-10, b-2), supervisor 1; sales department 4.
    #expect(
      try lines("leads", rows, by: .position) == [
        "-/consultant/-=2", "-/sales/-=2", "-/supervisor/-=1", "-/-/-=1",
      ])
    #expect(
      try lines("leads", rows, by: .department) == [
        "-/-/promotion=1", "-/-/sales=4", "-/-/-=1",
      ])
    // The staff filter keeps those people's lines, and never the unattributed one.
    #expect(
      try lines("leads", rows, staff: ["a-1", "b-2"]) == [
        "a-1/consultant/sales=1", "a-1/supervisor/promotion=1", "b-2/sales/sales=1",
      ])
    #expect(try lines("leads", rows, staff: ["nobody"]) == [])
  }

  @Test("§9.6: KPIs without the staff_id dimension have no lines in a people breakdown")
  func kpisWithoutPeople() throws {
    let march = try #require(Period(parsing: "2025-03"))
    let rows: [String: [Row]] = [
      "staff": [People.assignment("s-1", "north", "sales", "sales", from: "2025-01-01")],
      "orders": [People.order("north", "o-1", "2025-03-02", amount: "10.00", by: "s-1")],
    ]
    let values = KPIEngine(definitions: catalog).evaluate(
      Dataset(rows: rows),
      KPIQuery(
        kpis: ["net_revenue", "deal_amount"], grain: .month, periods: [march],
        offices: ["north"], breakdown: .staff))
    #expect(values.map { "\($0.kpi) " + People.line($0) } == ["deal_amount s-1/sales/sales=10.00"])
  }

  @Test("§9.3: the catalog's people KPIs and their positions")
  func catalogPeople() {
    let people = catalog.kpiOrder.filter {
      catalog.kpis[$0]!.dimensions.contains("staff_id") && !catalog.kpis[$0]!.byStaffOnly
    }
    #expect(
      Set(people) == [
        "leads", "qualified_leads", "lead_qualification_rate", "followup_rate",
        "lead_conversion_rate", "deal_count", "deal_amount", "aov", "resolution_rate",
      ])
    for id in people {
      #expect(catalog.kpis[id]!.positions == ["consultant", "sales", "supervisor"], "\(id)")
    }
    // The people's ratings, SEM figures and plan execution exist only per person, for the
    // positions their criterion rates or whose work they measure.
    let ratings = catalog.kpiOrder.filter { catalog.kpis[$0]!.byStaffOnly }
    #expect(
      ratings == [
        "staff_team_building", "staff_professional_skill", "staff_dealer_management",
        "staff_content_quality", "sem_clicks", "sem_cost", "sem_consultations",
        "sem_consultation_rate", "sem_cost_per_consultation", "plan_execution",
      ])
    #expect(
      ratings.map { catalog.kpis[$0]!.positions } == [
        ["supervisor"], nil, ["supervisor"], ["seo", "new_media"], ["sem"], ["sem"], ["sem"],
        ["sem"], ["sem"], ["seo", "new_media"],
      ])
    #expect(catalog.measures["lead_count"]?.staffField == "assigned_to")
    #expect(catalog.measures["deals"]?.staffField == "salesperson_id")
    #expect(catalog.measures["complaint_count"]?.staffField == "handled_by")
  }

  @Test("§2.8: with overlapping assignments (conflicting records) the latest to start wins")
  func overlappingAssignments() throws {
    let rows: [String: [Row]] = [
      "staff": [
        People.assignment("s-1", "north", "consultant", "sales", from: "2025-01-01"),
        People.assignment("s-1", "north", "supervisor", "promotion", from: "2025-03-10"),
      ],
      "leads": [
        People.lead("north", "2025-03-05", "s-1"),  // only the consultant one is active
        People.lead("north", "2025-03-10", "s-1"),  // both: the supervisor one started later
        People.lead("north", "2025-03-25", "s-1"),
      ],
    ]
    #expect(
      try lines("leads", rows) == ["s-1/consultant/sales=1", "s-1/supervisor/promotion=2"])
  }

  @Test("§2.8: lookups and other sources count for the person their staff field names")
  func otherSources() throws {
    func customer(_ id: String, _ acquired: String) -> Row {
      [
        "office_id": .string("north"), "customer_id": .string(id),
        "acquired_date": .string(acquired),
      ]
    }
    func lead(_ date: String, _ person: String?, customer: String?) -> Row {
      var row = People.lead("north", date, person)
      row["customer_id"] = customer.map(JSONValue.string) ?? .null
      return row
    }
    func complaint(_ received: String, resolved: String?, by person: String?) -> Row {
      [
        "office_id": .string("north"), "received_date": .string(received),
        "resolved_date": resolved.map(JSONValue.string) ?? .null,
        "status": .string(resolved == nil ? "open" : "resolved"), "channel": .string("phone"),
        "category": .string("delivery"), "handled_by": person.map(JSONValue.string) ?? .null,
      ]
    }
    let rows: [String: [Row]] = [
      "staff": [
        People.assignment("s-1", "north", "consultant", "sales", from: "2025-01-01"),
        People.assignment("s-2", "north", "sales", "sales", from: "2025-01-01"),
      ],
      "customers": [
        customer("c-1", "2025-03-20"), customer("c-2", "2025-07-01"),
        customer("c-3", "2025-03-07"),
      ],
      "leads": [
        lead("2025-03-05", "s-1", customer: "c-1"),  // converted within 90 days
        lead("2025-03-06", "s-1", customer: "c-2"),  // after 117 days: not converted
        lead("2025-03-07", "s-1", customer: nil),
        lead("2025-03-07", nil, customer: "c-3"),  // converted, unattributed
      ],
      "complaints": [
        complaint("2025-03-01", resolved: "2025-03-08", by: "s-2"),  // 7 days: in time
        complaint("2025-03-01", resolved: "2025-03-09", by: "s-2"),  // 8 days: late
        complaint("2025-03-02", resolved: nil, by: "s-1"),
      ],
    ]
    // Conversion: s-1 1 of 3, s-2 0 of 0, unattributed 1 of 1.
    #expect(
      try lines("lead_conversion_rate", rows) == [
        "s-1/consultant/sales=0.3333", "s-2/sales/sales=undefined(zero_denominator)",
        "-/-/-=1.0000",
      ])
    // Complaints in time: s-1 0 of 1, s-2 1 of 2.
    #expect(
      try lines("resolution_rate", rows) == [
        "s-1/consultant/sales=0.0000", "s-2/sales/sales=0.5000",
      ])
  }

  @Test("§9.3: a people KPI without positions lists every active person")
  func withoutPositions() throws {
    let text =
      #"{"format":"outpost-kpi-def/1","measures":["# + Self.measures + "],\"kpis\":["
      + Self.simple("m", #"["office_id","staff_id"]"#) + "]}"
    let definitions = try DefinitionSet(bytes: Array(text.utf8))
    let march = try #require(Period(parsing: "2025-03"))
    let rows: [String: [Row]] = [
      "staff": [
        People.assignment("s-1", "north", "seo", "promotion", from: "2025-01-01"),
        People.assignment("s-2", "north", "sem", "promotion", from: "2025-01-01"),
        People.assignment("s-3", "north", "sem", "promotion", from: "2025-04-01"),
      ],
      "leads": [People.lead("north", "2025-03-03", "s-2")],
    ]
    let values = KPIEngine(definitions: definitions).evaluate(
      Dataset(rows: rows),
      KPIQuery(
        kpis: ["k"], grain: .month, periods: [march], offices: ["north"], breakdown: .staff))
    // s-3 starts in April: not active in March.
    #expect(values.map(People.line) == ["s-1/seo/promotion=0", "s-2/sem/promotion=1"])
  }

  /// The error of a one-KPI document, or nil when it is valid.
  static func refusal(
    _ kpi: String, measures: String = Self.measures
  ) -> DefinitionError? {
    let text =
      #"{"format":"outpost-kpi-def/1","measures":["# + measures + "],\"kpis\":[" + kpi + "]}"
    do throws(DefinitionError) {
      _ = try DefinitionSet(bytes: Array(text.utf8))
      return nil
    } catch { return error }
  }

  /// `m` names the person its rows count for; `n` does not.
  static let measures =
    #"{"id":"m","source":"leads","agg":"count","time_field":"created_date","unit":"count","staff_field":"assigned_to"},"#
    + #"{"id":"n","source":"leads","agg":"count","time_field":"created_date","unit":"count"}"#

  /// A simple KPI over `measure` with `dimensions` and extra members.
  static func simple(_ measure: String, _ dimensions: String, _ extra: String = "") -> String {
    #"{"id":"k","version":1,"label":{"zh":"k","en":"k"},"type":"simple","measure":""#
      + measure + #"","unit":"count","scale":0,"direction":"neutral","dimensions":"#
      + dimensions + extra + "}"
  }

  @Test("§9.3: dimensions, staff_field and positions are checked, with the path at fault")
  func definitionChecks() throws {
    let people = #"["office_id","staff_id"]"#
    #expect(Self.refusal(Self.simple("m", people, #","positions":["sales","seo"]"#)) == nil)
    #expect(Self.refusal(Self.simple("m", #"["office_id","channel_id","staff_id"]"#)) == nil)

    let unknown = try #require(Self.refusal(Self.simple("m", #"["office_id","region_id"]"#)))
    #expect(unknown.path == "$.kpis[0].dimensions[1]")
    #expect(
      unknown.message
        == "'region_id' is not a dimension Outpost breaks KPIs down by (one of channel_id, "
        + "office_id, staff_id)")

    let noField = try #require(Self.refusal(Self.simple("n", people)))
    #expect(noField.path == "kpi 'k'")
    #expect(
      noField.message
        == "has the staff_id dimension but reads measure 'n', which has no staff_field")
    // A ratio is refused for either side.
    let ratio =
      #"{"id":"k","version":1,"label":{"zh":"k","en":"k"},"type":"ratio","numerator":"#
      + #"{"measure":"m"},"denominator":{"measure":"n"},"unit":"ratio","scale":4,"#
      + #""direction":"neutral","dimensions":["office_id","staff_id"]}"#
    #expect(Self.refusal(ratio)?.message.contains("reads measure 'n'") == true)

    let positions = try #require(
      Self.refusal(Self.simple("m", #"["office_id","channel_id"]"#, #","positions":["sales"]"#)))
    #expect(positions.path == "$.kpis[0].positions")
    #expect(positions.message == #"needs "staff_id" in dimensions"#)
    for list in ["[]", #"["sales","seo","sales"]"#] {
      let refused = try #require(Self.refusal(Self.simple("m", people, ",\"positions\":" + list)))
      #expect(refused.path == "$.kpis[0].positions", "\(list)")
      #expect(refused.message == "must name at least one position, each once", "\(list)")
    }
    let badField = Self.refusal(
      Self.simple("m", people),
      measures:
        #"{"id":"m","source":"leads","agg":"count","time_field":"created_date","unit":"count","staff_field":7}"#
    )
    #expect(badField?.path == "$.measures[0].staff_field")
  }
}
