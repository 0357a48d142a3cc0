import OutpostCodec
import OutpostKPI
import OutpostModel
import Testing

/// SPEC.md §9.3, §9.9: funnel diagnosis rules for offices and people, published in the
/// definitions, compared per day for counts and sums.
struct DiagnosisTests {
  let catalog: DefinitionSet

  init() throws { catalog = try DefinitionSet(bytes: DefinitionSet.defaultDocumentBytes) }

  /// The built-in document with its `diagnoses` member replaced (nil: removed).
  static func document(diagnoses: String?) throws(DefinitionError) -> DefinitionSet {
    let parsed: JSONValue
    var rules: JSONValue?
    do {
      parsed = try JSONParser.parse(DefinitionSet.defaultDocumentBytes)
      rules = try diagnoses.map { text throws(JSONError) in try JSONParser.parse(Array(text.utf8)) }
    } catch { throw DefinitionError(path: "$", message: "test JSON: \(error)") }
    var pairs = Array(parsed.objectValue!).filter { $0.key != "diagnoses" }.map {
      ($0.key, $0.value)
    }
    if let rules { pairs.append(("diagnoses", rules)) }
    return try DefinitionSet(json: .object(JSONObject(uncheckedPairs: pairs)))
  }

  /// North's office values of `series`, one per month from January 2025.
  func values(_ series: [String: [Int?]]) -> [KPIValue] {
    var result: [KPIValue] = []
    for (kpi, numbers) in series {
      for (index, number) in numbers.enumerated() {
        result.append(
          KPIValue(
            kpi: kpi, office: "north", period: Period(parsing: "2025-0\(index + 1)")!,
            channel: nil, value: number.map { ExactDecimal(Int64($0)) },
            reason: number == nil ? "no_data" : nil, numerator: nil, denominator: nil, flags: [],
            failures: [], provisional: false))
      }
    }
    return result
  }

  /// The built-in rules over `series`, every month counted as 30 days.
  func evaluate(_ series: [String: [Int?]]) -> [Diagnosis] {
    Diagnosis.evaluate(
      catalog.diagnoses, office: values(series), perDay: [], days: { _ in 30 })
  }

  /// North's `channel_daily` rows for every day from `first` to `last`.
  func days(
    _ first: String, _ last: String, office: String = "north", visits: Int,
    consultations: (Int) -> Int
  ) -> [Row] {
    var rows: [Row] = []
    var date = CivilDate(parsing: first)!
    var index = 0
    while date <= CivilDate(parsing: last)! {
      rows.append(
        Rows.day(
          office, "sem", date.description, visits: visits, consultations: consultations(index)))
      date = date.adding(days: 1)
      index += 1
    }
    return rows
  }

  @Test("D1: traffic up 10 % or more while consultations stay flat")
  func imprecise() {
    let found = evaluate([
      "visits": [1000, 1100], "consultations": [100, 101], "deal_count": [10, 10],
    ])
    #expect(found.map(\.rule) == ["D1"])
    #expect(found.first?.status == .fired)
    #expect(found.first?.owner == "promotion")
    #expect(found.first?.evidence.map { $0.growth?.description } == ["0.1000", "0.0100"])
  }

  @Test("D2: traffic and consultations up while deals stay flat; neither fires otherwise")
  func weakConversion() {
    #expect(
      evaluate(["visits": [1000, 1200], "consultations": [100, 120], "deal_count": [10, 10]])
        .map(\.rule) == ["D2"])
    #expect(
      evaluate(["visits": [1000, 1200], "consultations": [100, 120], "deal_count": [10, 12]])
        .isEmpty)
    #expect(
      evaluate(["visits": [1000, 1099], "consultations": [100, 100], "deal_count": [10, 10]])
        .isEmpty)
    // No deal in either month is no growth (0); a first deal after none is undefined.
    #expect(
      evaluate(["visits": [1000, 1200], "consultations": [100, 120], "deal_count": [0, 0]])
        .map(\.rule) == ["D2"])
    let first = evaluate([
      "visits": [1000, 1200], "consultations": [100, 120], "deal_count": [0, 3],
    ])
    #expect(first.map(\.rule) == ["D2"] && first.map(\.status) == [.insufficientData])
  }

  @Test("an undefined growth keeps a rule from firing and says so, unless another condition fails")
  func insufficient() {
    // visits has no base: D1 (consultations flat) cannot be decided; D2 fails on consultations.
    let found = evaluate([
      "visits": [0, 1200], "consultations": [100, 100], "deal_count": [10, 10],
    ])
    #expect(found.map(\.rule) == ["D1"])
    #expect(found.map(\.status) == [.insufficientData])
    // The first month of the data has nothing to compare with: no report at all.
    #expect(evaluate(["visits": [1200], "consultations": [100]]).isEmpty)
  }

  @Test("a longer month alone never fires: counts are compared per day")
  func perDay() throws {
    let engine = KPIEngine(definitions: catalog)
    // February: 100 visits and 10 consultations a day. March: the same visits a day and 280
    // consultations in all, so the totals grow by 10.7 % and 0 % (D1 on totals) but not per day.
    let february = days("2025-02-01", "2025-02-28", visits: 100) { _ in 10 }
    let flat = days("2025-03-01", "2025-03-31", visits: 100) { $0 == 0 ? 10 : 9 }
    let march = [Period(parsing: "2025-03")!]
    let quiet = engine.diagnose(
      Dataset(rows: ["channel_daily": february + flat]), months: march, offices: nil, today: nil)
    #expect(quiet.filter { $0.status == .fired }.isEmpty, "\(quiet.map(\.rule))")
    // 110 visits a day in March: growth per day (3,410 × 28 − 2,800 × 31) ÷ (2,800 × 31) = 0.1000.
    let busier = days("2025-03-01", "2025-03-31", visits: 110) { $0 == 0 ? 10 : 9 }
    let found = engine.diagnose(
      Dataset(rows: ["channel_daily": february + busier]), months: march, offices: nil,
      today: nil)
    #expect(found.map(\.rule) == ["D1"])
    let evidence = try #require(found.first?.evidence)
    #expect(evidence.map(\.kpi) == ["visits", "consultations"])
    #expect(evidence.map { $0.growth?.description } == ["0.1000", "-0.0968"])
    #expect(evidence.allSatisfy { $0.perDay && $0.days == 31 && $0.previousDays == 28 })
    #expect(evidence.map { $0.value?.description } == ["3410", "280"])
  }

  @Test("an office's first month is never undecidable, whichever months and offices are asked")
  func firstMonthOfAnOffice() {
    let engine = KPIEngine(definitions: catalog)
    // North from January, west only from March (no deals anywhere: deal_count 0 → undefined).
    let rows = Dataset(rows: [
      "channel_daily": days("2025-01-01", "2025-03-31", visits: 100) { _ in 10 }
        + days("2025-03-01", "2025-03-31", office: "west", visits: 50) { _ in 5 }
    ])
    func flags(_ months: [String]?, _ offices: [String]?) -> [String] {
      engine.diagnose(
        rows, months: months?.map { Period(parsing: $0)! }, offices: offices, today: nil
      ).map { "\($0.office) \($0.period) \($0.rule) \($0.status.rawValue)" }
    }
    let all = flags(nil, nil)
    #expect(!all.contains { $0.hasPrefix("west") }, "\(all)")
    #expect(!all.contains { $0.hasPrefix("north 2025-01") }, "\(all)")
    #expect(flags(["2025-03"], ["west"]).isEmpty)
    #expect(flags(["2025-01"], nil).isEmpty)
    #expect(flags(["2025-03"], nil) == all.filter { $0.contains("2025-03") })
  }

  @Test("the month holding today is not diagnosed: its days are not all in")
  func openMonth() throws {
    let engine = KPIEngine(definitions: catalog)
    let january = days("2025-01-01", "2025-01-31", visits: 100) { _ in 10 }
    let february = days("2025-02-01", "2025-02-28", visits: 110) { _ in 9 }
    let soFar = days("2025-03-01", "2025-03-10", visits: 200) { _ in 9 }
    let rows = Dataset(rows: ["channel_daily": january + february + soFar])
    let found = engine.diagnose(
      rows, months: nil, offices: nil, today: CivilDate(parsing: "2025-03-10"))
    // February against January fires: (3,080 × 31 − 3,100 × 28) ÷ (3,100 × 28) = 0.1000.
    #expect(found.map(\.rule) == ["D1"])
    #expect(found.map(\.period.description) == ["2025-02"])
    #expect(found.first?.evidence.first?.growth?.description == "0.1000")
    // A rule on falling traffic: March's 10 days of 200 visits, read over its 31 days, are
    // 64.5 a day, down from 110; the rule fires once March is over, never while it runs.
    let falling = KPIEngine(
      definitions: try Self.document(
        diagnoses: #"""
          [{"id":"F1","label":{"zh":"流量下降","en":"traffic down"},"owner":"promotion",
            "when":[{"kpi":"visits","op":"lt","growth":"0"}]}]
          """#))
    let march = [Period(parsing: "2025-03")!]
    #expect(
      falling.diagnose(rows, months: march, offices: nil, today: CivilDate(parsing: "2025-03-31"))
        .isEmpty)
    let over = falling.diagnose(
      rows, months: march, offices: nil, today: CivilDate(parsing: "2025-04-01"))
    #expect(over.map(\.rule) == ["F1"])
    #expect(over.first?.evidence.first?.growth?.description == "-0.4135")
  }

  @Test("a person is diagnosed per day of their assignment; unattributed rows never are")
  func people() throws {
    let engine = KPIEngine(definitions: catalog)
    // n-01 joins on 15 February: 14 days, 7 leads and 2 deals; March: 31 days and 2 deals.
    func rows(marchLeads: Int) -> Dataset {
      var leads: [Row] = (0..<7).map { People.lead("north", "2025-02-\(15 + $0)", "n-01") }
      leads += (0..<marchLeads).map {
        People.lead("north", "2025-03-\(String(format2: 1 + $0 % 28))", "n-01")
      }
      // Rows of no one's, growing fast: never a person's diagnosis.
      leads += [People.lead("north", "2025-02-03", nil)]
      leads += (0..<6).map { People.lead("north", "2025-03-0\(1 + $0)", nil) }
      let orders = [
        People.order("north", "o-1", "2025-02-20", amount: "100.00", by: "n-01"),
        People.order("north", "o-2", "2025-02-21", amount: "100.00", by: "n-01"),
        People.order("north", "o-3", "2025-03-20", amount: "100.00", by: "n-01"),
        People.order("north", "o-4", "2025-03-21", amount: "100.00", by: "n-01"),
      ]
      return Dataset(rows: [
        "staff": [People.assignment("n-01", "north", "consultant", "sales", from: "2025-02-15")],
        "leads": leads, "orders": orders,
      ])
    }
    let march = [Period(parsing: "2025-03")!]
    // 15 leads: +114 % in total, −3.23 % per day ((15 × 14 − 7 × 31) ÷ (7 × 31)).
    let steady = engine.diagnose(rows(marchLeads: 15), months: march, offices: nil, today: nil)
      .filter { $0.level == .staff }
    #expect(steady.isEmpty, "\(steady.map { ($0.rule, $0.staff) })")
    // 20 leads: (20 × 14 − 217) ÷ 217 = 0.2903 per day; deals (2 × 14 − 2 × 31) ÷ 62 = −0.5484.
    let found = engine.diagnose(rows(marchLeads: 20), months: march, offices: nil, today: nil)
      .filter { $0.level == .staff }
    #expect(found.map(\.rule) == ["S2"])
    let flag = try #require(found.first)
    #expect(flag.staff == "n-01" && flag.position == "consultant" && flag.owner == "sales")
    #expect(flag.evidence.map { $0.growth?.description } == ["0.2903", "-0.5484"])
    #expect(flag.evidence.map(\.previousDays) == [14, 14])
  }

  @Test("S1: a SEM specialist's accounts bring more clicks per day but not more consultations")
  func semSpecialist() throws {
    let engine = KPIEngine(definitions: catalog)
    // e-1 runs account bd-1 all along: 100 clicks and 5 consultations a day in February; in
    // March 112 clicks and 5 consultations a day: (112 × 28 − 100 × 28) ÷ (100 × 28) = 0.1200
    // per day for clicks, 0 for consultations, whatever the months' lengths.
    var ads: [Row] = []
    for (month, days, clicks) in [("02", 28, 100), ("03", 31, 112)] {
      for day in 1...days {
        ads.append(
          Ads.day(
            "east", "bd-1", "c-1", "2025-\(month)-\(String(format2: day))", clicks: clicks,
            cost: "100.00", consultations: 5))
      }
    }
    let rows = Dataset(rows: [
      "staff": [People.assignment("e-1", "east", "sem", "promotion", from: "2025-01-01")],
      "ad_accounts": [Ads.account("east", "bd-1", owner: "e-1", from: "2025-01-01")],
      "ad_daily": ads,
    ])
    let found = engine.diagnose(
      rows, months: [Period(parsing: "2025-03")!], offices: nil, today: nil
    ).filter { $0.level == .staff }
    #expect(found.map(\.rule) == ["S1"])
    #expect(found.first?.staff == "e-1" && found.first?.owner == "promotion")
    #expect(found.first?.evidence.map { $0.growth?.description } == ["0.1200", "0.0000"])
  }

  @Test("head office's published rules and thresholds are the ones applied")
  func published() throws {
    #expect(catalog.diagnoses.map(\.id) == ["D1", "D2", "S1", "S2"])
    let series: [String: [Int?]] = [
      "visits": [1000, 1150], "consultations": [100, 100], "consultation_rate": [100, 80],
    ]
    // Without the member, D1 and D2 as before; an empty list diagnoses nothing.
    let legacy = try Self.document(diagnoses: nil)
    #expect(legacy.diagnoses.map(\.id) == ["D1", "D2"])
    #expect(try Self.document(diagnoses: "[]").diagnoses.isEmpty)
    // A stricter θ_up: 15 % growth of visits no longer fires at 0.20.
    let strict = try Self.document(
      diagnoses: #"""
        [{"id":"D1","label":{"zh":"流量","en":"traffic"},"owner":"promotion",
          "when":[{"kpi":"visits","op":"ge","growth":"0.20"},
                  {"kpi":"consultations","op":"lt","growth":"0.02"}]},
         {"id":"R1","label":{"zh":"咨询率下降","en":"rate down"},"owner":"promotion",
          "when":[{"kpi":"consultation_rate","op":"le","growth":"-0.15"}]}]
        """#)
    let found = Diagnosis.evaluate(
      strict.diagnoses, office: values(series),
      perDay: Set(["visits", "consultations", "consultation_rate"]).filter(
        strict.isAdditiveOverDays), days: { _ in 30 })
    // A rate is compared as it is: (80 − 100) ÷ 100.
    #expect(found.map(\.rule) == ["R1"])
    #expect(found.first?.evidence.map(\.perDay) == [false])
    #expect(found.first?.evidence.first?.growth?.description == "-0.2000")
    #expect(strict.isAdditiveOverDays("visits") && !strict.isAdditiveOverDays("consultation_rate"))
  }

  @Test("a rule the engine cannot honour is refused with its path")
  func refused() throws {
    let staffOnly = try #require(catalog.kpiOrder.first { catalog.kpis[$0]!.byStaffOnly })
    let label = #""label":{"zh":"规则","en":"rule"},"owner":"sales""#
    let cases: [(String, String, String)] = [
      (
        #"[{"id":"X",\#(label),"when":[{"kpi":"visitz","op":"ge","growth":"0.1"}]}]"#,
        "$.diagnoses[0].when[0].kpi", "unknown KPI 'visitz'"
      ),
      (
        #"[{"id":"X",\#(label),"level":"staff","when":[{"kpi":"visits","op":"ge","growth":"0.1"}]}]"#,
        "$.diagnoses[0].when[0].kpi", "no value per person"
      ),
      (
        #"[{"id":"X",\#(label),"when":[{"kpi":"\#(staffOnly)","op":"ge","growth":"0.1"}]}]"#,
        "$.diagnoses[0].when[0].kpi", "exists only per person"
      ),
      (
        #"[{"id":"X",\#(label),"positions":["sales"],"when":[{"kpi":"leads","op":"ge","growth":"0.1"}]}]"#,
        "$.diagnoses[0].positions", "only a rule with level \"staff\""
      ),
      (
        #"[{"id":"X",\#(label),"when":[{"kpi":"visits","op":"eq","growth":"0.1"}]}]"#,
        "$.diagnoses[0].when[0].op", "ge, gt, le, lt"
      ),
      (#"[{"id":"X",\#(label),"when":[]}]"#, "$.diagnoses[0].when", "at least one condition"),
      (
        #"[{"id":"X",\#(label),"level":"team","when":[{"kpi":"visits","op":"ge","growth":"0.1"}]}]"#,
        "$.diagnoses[0].level", "\"office\" or \"staff\""
      ),
      (
        #"[{"id":"X",\#(label),"when":[{"kpi":"visits","op":"ge","growth":"0.1"}]},{"id":"X",\#(label),"when":[{"kpi":"visits","op":"ge","growth":"0.1"}]}]"#,
        "$.diagnoses[1].id", "duplicate id 'X'"
      ),
      (
        #"[{"id":"X",\#(label),"when":[{"kpi":"visits","op":"ge","growth":"ten"}]}]"#,
        "$.diagnoses[0].when[0].growth", ""
      ),
      (
        #"[{"id":"X",\#(label),"threshold":"0.1","when":[{"kpi":"visits","op":"ge","growth":"0.1"}]}]"#,
        "$.diagnoses[0].threshold", "unknown member"
      ),
    ]
    for (rules, path, message) in cases {
      do throws(DefinitionError) {
        _ = try Self.document(diagnoses: rules)
        Issue.record("accepted \(rules)")
      } catch {
        #expect(error.path == path, "\(rules): \(error)")
        #expect(error.message.contains(message), "\(rules): \(error)")
      }
    }
  }
}

extension String {
  /// `n` with two digits.
  fileprivate init(format2 n: Int) { self = n < 10 ? "0\(n)" : "\(n)" }
}
