import Foundation
import OutpostCodec
import OutpostKPI
import OutpostModel
import Testing

/// Whose target, ranking, and `applies_to` (SPEC.md §9.5 scorecards, targets and ranking), in
/// the engine over in-memory rows.
///
/// `Target.find`'s precedence for a person (own target in their office, else their position's
/// in their office, else their position's company-wide, i.e. `office_id` = head office) and for a
/// department (in the office, else company-wide), the highest version within a level, and never
/// an office target for a person; `ScorecardResult.ranked` (ties share a rank and the next
/// skips, an undefined total has none and comes last in its group, `rank_in_office` across
/// positions); and the refusals of `applies_to` with their JSON paths. Expected values are
/// worked out by hand in the comments.
struct PeopleScorecardTests {
  static let march = Period(parsing: "2025-03")!

  /// A `targets` row as the engine reads it.
  static func target(
    _ scope: String?, _ office: String, _ key: String?, _ value: String,
    kpi: String = "deal_amount", period: String = "2025-03", version: Int = 1
  ) -> Row {
    var row: Row = [
      "kpi_id": .string(kpi), "office_id": .string(office),
      "scope_key": key.map(JSONValue.string) ?? .null, "period": .string(period),
      "target_value": .string(value), "version": Rows.int(version),
    ]
    if let scope { row["scope"] = .string(scope) }
    return row
  }

  /// The target value `Target.find` picks for `subject`, as text ("none" when there is none).
  static func found(
    _ rows: [Row], _ subject: Target.Subject, headOffice: String? = "hq",
    kpi: String = "deal_amount", period: Period = march
  ) -> String {
    Target.find(in: rows, for: subject, headOffice: headOffice, kpi: kpi, period: period)
      .map { $0.value.description } ?? "none"
  }

  static let s1 = Target.Subject.person(office: "north", staff: "s-1", position: "consultant")

  @Test("§9.5: a person's own target, else the position's in the office, else company-wide")
  func personPrecedence() {
    let own = Self.target("staff", "north", "s-1", "500.00")
    let inOffice = Self.target("position", "north", "consultant", "800.00")
    let companyWide = Self.target("position", "hq", "consultant", "1000.00")
    // Every level present: the person's own; in any row order.
    #expect(Self.found([companyWide, inOffice, own], Self.s1) == "500.00")
    #expect(Self.found([own, inOffice, companyWide], Self.s1) == "500.00")
    // Without their own: the position's in north, whatever the company-wide one says.
    #expect(Self.found([companyWide, inOffice], Self.s1) == "800.00")
    // Only company-wide: that one.
    #expect(Self.found([companyWide], Self.s1) == "1000.00")
    // Own and company-wide, no position target in north: own.
    #expect(Self.found([companyWide, own], Self.s1) == "500.00")
    #expect(Self.found([], Self.s1) == "none")
  }

  @Test("§9.5: the highest version wins within a level, never across levels")
  func versions() {
    let rows = [
      Self.target("position", "north", "consultant", "700.00", version: 2),
      Self.target("position", "north", "consultant", "800.00", version: 3),
      Self.target("position", "north", "consultant", "900.00", version: 1),
      Self.target("position", "hq", "consultant", "1000.00", version: 9),
    ]
    // In north, version 3 (800.00); the company-wide version 9 is a lower level.
    #expect(Self.found(rows, Self.s1) == "800.00")
    // An own target of version 1 beats them all.
    #expect(
      Self.found(rows + [Self.target("staff", "north", "s-1", "450.00")], Self.s1) == "450.00")
    // Company-wide alone: version 2 (1200.00) over version 1 (1100.00).
    let companyWide = [
      Self.target("position", "hq", "consultant", "1200.00", version: 2),
      Self.target("position", "hq", "consultant", "1100.00", version: 1),
    ]
    #expect(Self.found(companyWide, Self.s1) == "1200.00")
    // A department's too: version 4 in north.
    let sales = Target.Subject.department(office: "north", department: "sales")
    let departments = [
      Self.target("department", "north", "sales", "10.00", version: 4),
      Self.target("department", "north", "sales", "20.00", version: 2),
    ]
    #expect(Self.found(departments, sales) == "10.00")
  }

  @Test("§9.5: a person never gets an office target, another person's or another office's")
  func notThePersons() {
    let rows = [
      // North's office target, written with and without scope.
      Self.target("office", "north", nil, "9000.00"),
      Self.target(nil, "north", nil, "9100.00"),
      // s-2's own target in north; s-1's own target in east.
      Self.target("staff", "north", "s-2", "300.00"),
      Self.target("staff", "east", "s-1", "310.00"),
      // The consultants' target in east; the sales position's in north and company-wide.
      Self.target("position", "east", "consultant", "320.00"),
      Self.target("position", "north", "sales", "330.00"),
      Self.target("position", "hq", "sales", "340.00"),
      // Consultant targets of another KPI and another month.
      Self.target("position", "north", "consultant", "350.00", kpi: "deal_count"),
      Self.target("position", "hq", "consultant", "360.00", period: "2025-02"),
      // A department target named like the position.
      Self.target("department", "north", "consultant", "370.00"),
    ]
    #expect(Self.found(rows, Self.s1) == "none")
    // North as an office finds its office target (the row without scope is an office target
    // of the same version: the first of them wins).
    #expect(Self.found(rows, .office("north")) == "9000.00")
    // s-2 finds their own; s-1 in east finds theirs there, before east's consultants'.
    #expect(
      Self.found(rows, .person(office: "north", staff: "s-2", position: "consultant")) == "300.00")
    #expect(
      Self.found(rows, .person(office: "east", staff: "s-1", position: "consultant")) == "310.00")
    #expect(
      Self.found(rows, .person(office: "east", staff: "s-9", position: "consultant")) == "320.00")
    // The sales position: in north 330.00, in east company-wide 340.00.
    #expect(
      Self.found(rows, .person(office: "north", staff: "s-3", position: "sales")) == "330.00")
    #expect(
      Self.found(rows, .person(office: "east", staff: "s-3", position: "sales")) == "340.00")
    // Another KPI, another period: the rows of that KPI and period only.
    #expect(Self.found(rows, Self.s1, kpi: "deal_count") == "350.00")
    #expect(Self.found(rows, Self.s1, period: Period(parsing: "2025-02")!) == "360.00")
    #expect(Self.found(rows, Self.s1, period: Period(parsing: "2025-Q1")!) == "none")
  }

  @Test("§9.5: without head office's id there is no company-wide target")
  func withoutHeadOffice() {
    let rows = [
      Self.target("position", "hq", "consultant", "1000.00"),
      Self.target("department", "hq", "sales", "50.00"),
    ]
    #expect(Self.found(rows, Self.s1, headOffice: nil) == "none")
    #expect(Self.found(rows, Self.s1, headOffice: "hq") == "1000.00")
    // Another head office's id names other rows: none here.
    #expect(Self.found(rows, Self.s1, headOffice: "head") == "none")
    let sales = Target.Subject.department(office: "north", department: "sales")
    #expect(Self.found(rows, sales, headOffice: nil) == "none")
    #expect(Self.found(rows, sales) == "50.00")
    // A person of head office itself reads head office's position target (as their office's).
    let atHead = Target.Subject.person(office: "hq", staff: "s-4", position: "consultant")
    #expect(Self.found(rows, atHead) == "1000.00")
    #expect(Self.found(rows, atHead, headOffice: nil) == "1000.00")
  }

  @Test("§9.5: a department's target in its office, else company-wide; never a position's")
  func departmentPrecedence() {
    let sales = Target.Subject.department(office: "north", department: "sales")
    let inOffice = Self.target("department", "north", "sales", "60.00")
    let companyWide = Self.target("department", "hq", "sales", "70.00")
    // `sales` is a position too: its targets, and an office target, are not the department's.
    let others = [
      Self.target("position", "north", "sales", "80.00"),
      Self.target("position", "hq", "sales", "90.00"),
      Self.target("office", "north", nil, "95.00"),
      Self.target("department", "north", "promotion", "96.00"),
      Self.target("department", "east", "sales", "97.00"),
      Self.target("staff", "north", "sales", "98.00"),
    ]
    #expect(Self.found(others + [companyWide, inOffice], sales) == "60.00")
    #expect(Self.found(others + [companyWide], sales) == "70.00")
    #expect(Self.found(others, sales) == "none")
    // And a department target is never a person's, even one whose position shares the id.
    let seller = Target.Subject.person(office: "north", staff: "s-3", position: "sales")
    #expect(Self.found([inOffice, companyWide], seller) == "none")
  }

  // MARK: Ranking

  /// A one-item scorecard whose total is 100 × actual / 100 = the actual: results with chosen
  /// totals, through the public scoring rule.
  static let card: ScorecardDefinition? = {
    let text =
      #"{"format":"outpost-kpi-def/1","measures":["# + measures + #"],"kpis":["# + kpis
      + #"],"scorecards":[{"id":"c","version":1,"items":[{"kpi":"k","weight":"1","#
      + #""method":"ratio","cap":"100","floor":"0"}]}]}"#
    return try? DefinitionSet(bytes: Array(text.utf8)).scorecards["c"]
  }()

  /// A result for `office` (and a person or a department) with `total` (nil: undefined, no
  /// target).
  static func result(
    _ office: String, _ total: String?, staff: String? = nil, position: String? = nil,
    department: String? = nil
  ) -> ScorecardResult {
    let actual = total.flatMap { try? ExactDecimal(parsing: $0) }
    var result = card!.score(
      office: office, period: march, actual: { _ in (actual, []) },
      target: { _ in total == nil ? nil : Target(value: ExactDecimal(100)) })
    #expect(result.total?.formatted(scale: 2) == total)
    (result.staff, result.position, result.department) = (staff, position, department)
    return result
  }

  static func person(_ office: String, _ staff: String, _ position: String, _ total: String?)
    -> ScorecardResult
  {
    result(office, total, staff: staff, position: position, department: "sales")
  }

  /// `rank/rank_in_office who@office total` (`-` for none).
  static func line(_ result: ScorecardResult) -> String {
    let who = [result.position ?? result.department, result.staff].compactMap { $0 }
    return "\(result.rank.map(String.init) ?? "-")/\(result.rankInOffice.map(String.init) ?? "-")"
      + " \(who.joined(separator: " "))@\(result.office) "
      + (result.total?.formatted(scale: 2) ?? "undefined")
  }

  @Test("§9.5: offices ranked by total; ties share a rank and the next skips; undefined last")
  func offices() {
    let results = [
      Self.result("e", nil), Self.result("d", "80.00"), Self.result("a", "90.00"),
      Self.result("c", "95.00"), Self.result("b", "95.00"), Self.result("f", "79.99"),
    ]
    // b and c share 1; a is 3 (two are above it), d 4, f 5; e has no rank.
    #expect(
      ScorecardResult.ranked(results, level: .office).map(Self.line) == [
        "1/- @b 95.00", "1/- @c 95.00", "3/- @a 90.00", "4/- @d 80.00", "5/- @f 79.99",
        "-/- @e undefined",
      ])
    #expect(ScorecardResult.ranked([], level: .office).isEmpty)
    // All undefined: none ranked, by office.
    #expect(
      ScorecardResult.ranked([Self.result("z", nil), Self.result("y", nil)], level: .office)
        .map(Self.line) == ["-/- @y undefined", "-/- @z undefined"])
  }

  @Test("§9.5: people within their position company-wide, and within their office")
  func people() {
    let results = [
      Self.person("east", "s-6", "sales", nil), Self.person("north", "s-3", "sales", "68.00"),
      Self.person("east", "s-7", "consultant", "0.00"),
      Self.person("north", "s-9", "consultant", nil),
      Self.person("east", "s-5", "consultant", "100.00"),
      Self.person("north", "s-2", "consultant", "100.00"),
      Self.person("east", "s-3", "sales", "68.00"),
      Self.person("north", "s-1", "consultant", "102.38"),
    ]
    // Consultants: s-1 102.38 (1), s-2 and s-5 100.00 (2), s-7 0.00 (4, not 3), s-9 none.
    // Sales: s-3 in east and in north 68.00 (both 1; by office), s-6 none.
    // In north: s-1 1, s-2 2, s-3 3 (behind two consultants), s-9 none; in east: s-5 1,
    // s-3 2, s-7 3, s-6 none.
    #expect(
      ScorecardResult.ranked(results, level: .position(["consultant", "sales"])).map(Self.line)
        == [
          "1/1 consultant s-1@north 102.38", "2/2 consultant s-2@north 100.00",
          "2/1 consultant s-5@east 100.00", "4/3 consultant s-7@east 0.00",
          "-/- consultant s-9@north undefined", "1/2 sales s-3@east 68.00",
          "1/3 sales s-3@north 68.00", "-/- sales s-6@east undefined",
        ])
  }

  @Test("§9.5: one person's two assignments in one office are two lines, each ranked")
  func twoAssignments() {
    let results = [
      Self.person("north", "s-1", "consultant", "70.00"),
      Self.person("north", "s-1", "sales", "90.00"),
      Self.person("north", "s-2", "sales", "80.00"),
      Self.person("north", "s-4", "consultant", "70.00"),
    ]
    // Consultants: s-1 and s-4 tie at 1. Sales: s-1 1, s-2 2. In north: 90 (1), 80 (2), the
    // two 70s (3).
    #expect(
      ScorecardResult.ranked(results, level: .position(["consultant", "sales"])).map(Self.line)
        == [
          "1/3 consultant s-1@north 70.00", "1/3 consultant s-4@north 70.00",
          "1/1 sales s-1@north 90.00", "2/2 sales s-2@north 80.00",
        ])
  }

  @Test("§9.5: departments within the same department company-wide and within the office")
  func departments() {
    let results = [
      Self.result("east", "50.00", department: "service"),
      Self.result("north", "95.00", department: "sales"),
      Self.result("east", nil, department: "promotion"),
      Self.result("east", "95.00", department: "sales"),
      Self.result("north", "97.00", department: "promotion"),
    ]
    // promotion: north 1, east none. sales: east and north tie at 1. service: east 1.
    // In north: promotion 97 (1), sales 95 (2). In east: sales 95 (1), service 50 (2).
    #expect(
      ScorecardResult.ranked(results, level: .department(nil)).map(Self.line) == [
        "1/1 promotion@north 97.00", "-/- promotion@east undefined", "1/1 sales@east 95.00",
        "1/2 sales@north 95.00", "1/2 service@east 50.00",
      ])
  }

  @Test("§9.5: ranking depends on the results, not their order, and changes nothing else")
  func anyOrder() {
    let seed =
      ProcessInfo.processInfo.environment["OUTPOST_SEED"].flatMap { UInt64($0) } ?? 0x5C0_4ECA
    print("PeopleScorecardTests anyOrder(): seed \(seed) (OUTPOST_SEED=\(seed) replays it)")
    let totals: [String?] = ["100.00", "90.00", "90.00", "75.50", nil, "0.00"]
    for round in 0..<20 {
      var random = PeopleRandom(state: seed &+ UInt64(round))
      var results: [ScorecardResult] = []
      for office in ["east", "north", "west"] {
        for index in 1...(1 + random.below(5)) {
          results.append(
            Self.person(
              office, "s-\(index)", random.pick(["consultant", "sales"]), random.pick(totals)))
        }
      }
      let context = "seed \(seed) round \(round)"
      let ranked = ScorecardResult.ranked(results, level: .position(["consultant", "sales"]))
      var shuffled = results
      for index in shuffled.indices.reversed() {
        shuffled.swapAt(index, random.below(index + 1))
      }
      #expect(
        ScorecardResult.ranked(shuffled, level: .position(["consultant", "sales"])) == ranked,
        "\(context)")
      // The same results, only ranked.
      func plain(_ list: [ScorecardResult]) -> [String] {
        list.map { r in
          var r = r
          (r.rank, r.rankInOffice) = (nil, nil)
          return Self.line(r)
        }.sorted()
      }
      #expect(plain(ranked) == plain(results), "\(context)")
      // Each rank is 1 + the number of the group's results with a higher total.
      for result in ranked {
        func rank(among group: [ScorecardResult]) -> Int? {
          result.total.map { total in 1 + group.filter { ($0.total ?? .zero) > total }.count }
        }
        let position = results.filter { $0.position == result.position }
        let office = results.filter { $0.office == result.office }
        #expect(result.rank == rank(among: position), "\(context): \(Self.line(result))")
        #expect(result.rankInOffice == rank(among: office), "\(context): \(Self.line(result))")
      }
    }
  }

  // MARK: applies_to

  static let measures =
    #"{"id":"m","source":"leads","agg":"count","time_field":"created_date","unit":"count","#
    + #""staff_field":"assigned_to"},{"id":"n","source":"leads","agg":"count","#
    + #""time_field":"created_date","unit":"count"}"#
  /// `k` is computed per person; `o` is not.
  static let kpis =
    #"{"id":"k","version":1,"label":{"zh":"k","en":"k"},"type":"simple","measure":"m","#
    + #""unit":"count","scale":0,"direction":"higher_better","dimensions":["office_id","staff_id"]},"#
    + #"{"id":"o","version":1,"label":{"zh":"o","en":"o"},"type":"simple","measure":"n","#
    + #""unit":"count","scale":0,"direction":"higher_better","dimensions":["office_id"]}"#

  /// A document whose scorecard `c` has `appliesTo` (nil: none) and items of `items`.
  static func document(_ appliesTo: String?, items: [String] = ["k"]) -> JSONValue {
    let weight = items.count == 1 ? "1" : "0.5"
    let list = items.map {
      #"{"kpi":""# + $0 + #"","weight":""# + weight + #"","method":"ratio","cap":"1.2"}"#
    }
    let text =
      #"{"format":"outpost-kpi-def/1","measures":["# + measures + #"],"kpis":["# + kpis
      + #"],"scorecards":[{"id":"c","version":1,"#
      + (appliesTo.map { #""applies_to":"# + $0 + "," } ?? "") + #""items":["#
      + list.joined(separator: ",") + "]}]}"
    return (try? JSONParser.parse(Array(text.utf8))) ?? .null
  }

  /// The level of `c`, or the refusal as `path: message`.
  static func level(_ appliesTo: String?, items: [String] = ["k"], published: Bool = false)
    -> String
  {
    do throws(DefinitionError) {
      let set = try DefinitionSet(json: document(appliesTo, items: items), published: published)
      switch set.scorecards["c"]!.level {
      case .office: return "office"
      case .position(let positions): return "position " + positions.joined(separator: ",")
      case .department(let list): return "department " + (list?.joined(separator: ",") ?? "all")
      }
    } catch { return "\(error.path): \(error.message)" }
  }

  @Test("§9.5: applies_to says whom the scorecard scores")
  func levels() {
    #expect(Self.level(nil) == "office")
    #expect(Self.level(#"{"level":"office"}"#) == "office")
    #expect(
      Self.level(#"{"level":"position","positions":["sales","consultant"]}"#)
        == "position sales,consultant")
    #expect(Self.level(#"{"level":"department"}"#) == "department all")
    #expect(
      Self.level(#"{"level":"department","departments":["sales"]}"#)
        == "department sales")
    // An office scorecard may read KPIs not computed per person.
    #expect(Self.level(#"{"level":"office"}"#, items: ["k", "o"]) == "office")
    // A published document's no-effect `department` is tolerated at level office only.
    #expect(
      Self.level(#"{"level":"office","department":"sales"}"#, published: true) == "office")
  }

  @Test(
    "§9.5: an applies_to the engine cannot honour is refused with its JSON path",
    arguments: [
      (
        #"{"level":"team"}"#,
        "$.scorecards[0].applies_to.level: 'team' is not a level Outpost scores: use office, "
          + "position or department"
      ),
      (
        #"{"level":"staff","positions":["sales"]}"#,
        "$.scorecards[0].applies_to.level: 'staff' is not a level Outpost scores: use office, "
          + "position or department"
      ),
      (
        #"{"positions":["sales"]}"#, "$.scorecards[0].applies_to.level: must be a non-empty string"
      ),
      (#""position""#, "$.scorecards[0].applies_to: must be an object"),
      (
        #"{"level":"position"}"#,
        "$.scorecards[0].applies_to.positions: is required: the positions whose people it scores"
      ),
      (
        #"{"level":"position","positions":[]}"#,
        "$.scorecards[0].applies_to.positions: must name at least one id, each once"
      ),
      (
        #"{"level":"position","positions":["sales","consultant","sales"]}"#,
        "$.scorecards[0].applies_to.positions: must name at least one id, each once"
      ),
      (
        #"{"level":"position","positions":"sales"}"#,
        "$.scorecards[0].applies_to.positions: must be an array"
      ),
      (
        #"{"level":"position","positions":["sales","Sales"]}"#,
        "$.scorecards[0].applies_to.positions[1]: 'Sales' is not a snake_case id"
      ),
      (
        #"{"level":"department","departments":[]}"#,
        "$.scorecards[0].applies_to.departments: must name at least one id, each once"
      ),
      (
        #"{"level":"department","departments":["sales","sales"]}"#,
        "$.scorecards[0].applies_to.departments: must name at least one id, each once"
      ),
      (
        #"{"level":"position","positions":["sales"],"departments":["sales"]}"#,
        "$.scorecards[0].applies_to.departments: is not supported at level 'position'; it may "
          + "only have level and positions"
      ),
      (
        #"{"level":"department","positions":["sales"]}"#,
        "$.scorecards[0].applies_to.positions: is not supported at level 'department'; it may "
          + "only have departments and level"
      ),
      (
        #"{"level":"office","positions":["sales"]}"#,
        "$.scorecards[0].applies_to.positions: is not supported at level 'office'; an office "
          + #"scorecard scores whole offices (applies_to may only say {"level": "office"})"#
      ),
    ])
  func refusals(_ appliesTo: String, _ refusal: String) {
    #expect(Self.level(appliesTo) == refusal)
  }

  @Test("§9.5: refusals that a published document does not escape")
  func publishedRefusals() {
    // The tolerated `department` is an office scorecard's; at another level it is refused.
    #expect(
      Self.level(#"{"level":"position","positions":["sales"],"department":"x"}"#, published: true)
        == "$.scorecards[0].applies_to.department: is not supported at level 'position'; it may "
        + "only have level and positions")
    #expect(
      Self.level(#"{"level":"department","department":"sales"}"#, published: true)
        == "$.scorecards[0].applies_to.department: is not supported at level 'department'; it "
        + "may only have departments and level")
    #expect(
      Self.level(#"{"level":"staff"}"#, published: true)
        == "$.scorecards[0].applies_to.level: 'staff' is not a level Outpost scores: use office, "
        + "position or department")
  }

  @Test("§9.5: every item of a position or department scorecard must be computed per person")
  func itemsPerPerson() {
    let message =
      "scorecard 'c': scores people or departments, but KPI 'o' has no staff_id dimension (it is "
      + "not computed per person)"
    #expect(
      Self.level(#"{"level":"position","positions":["sales"]}"#, items: ["k", "o"]) == message)
    #expect(Self.level(#"{"level":"department"}"#, items: ["o", "k"]) == message)
    #expect(Self.level(#"{"level":"department"}"#, items: ["o", "k"], published: true) == message)
    #expect(
      Self.level(#"{"level":"position","positions":["sales"]}"#, items: ["k"])
        == "position sales")
  }

  @Test("§2.7, §9.5: two scorecards with one id are refused, as two measures or KPIs are")
  func duplicateScorecard() throws {
    // A narrowed version of `c` (sales only) followed by the office one: whichever the engine
    // keeps, the other would be accepted and never read. Measures and KPIs with one id are
    // refused with "duplicate id" at the later one's path; a scorecard should be too.
    let first =
      #"{"id":"c","version":2,"applies_to":{"level":"position","positions":["sales"]},"#
      + #""items":[{"kpi":"k","weight":"1","method":"ratio","cap":"1.2"}]}"#
    let second =
      #"{"id":"c","version":1,"items":[{"kpi":"k","weight":"1","method":"ratio","#
      + #""cap":"1.2"}]}"#
    let text =
      #"{"format":"outpost-kpi-def/1","measures":["# + Self.measures + #"],"kpis":["# + Self.kpis
      + #"],"scorecards":["# + first + "," + second + "]}"
    var refusal: DefinitionError?
    do throws(DefinitionError) {
      let set = try DefinitionSet(bytes: Array(text.utf8))
      // Accepted today: one scorecard is kept (the later, version 1, level office).
      let kept = set.scorecards["c"]
      Issue.record(
        "accepted with \(set.scorecards.count) scorecard(s); kept version \(kept?.version ?? 0)")
    } catch { refusal = error }
    #expect(refusal?.path == "$.scorecards[1].id")
    #expect(refusal?.message == "duplicate id 'c'")
  }

  @Test("§9.5: the built-in online_sales_monthly scores consultants and sales people")
  func builtIn() throws {
    let catalog = try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8))
    let card = try #require(catalog.scorecards["online_sales_monthly"])
    #expect(card.level == .position(["consultant", "sales"]))
    #expect(card.grain == .month)
    #expect(
      card.items.map {
        "\($0.kpi) \($0.weight) \($0.method.rawValue) \($0.floor)-\($0.cap)"
          + ($0.excludeMissing ? " exclude" : "")
      } == [
        "deal_amount 0.40 ratio 0-1.20", "deal_count 0.20 ratio 0-1.20",
        "lead_conversion_rate 0.25 ratio 0-1.20", "followup_rate 0.15 ratio 0-1.00",
      ])
    #expect(card.bands.map { "\($0.label)≥\($0.minimum)" } == ["A≥100", "B≥90", "C≥80", "D≥0"])
    #expect(card.label["zh"] == "网络咨询与销售月度考核")
    #expect(catalog.scorecards["branch_marketing_monthly"]?.level == .office)
    #expect(catalog.scorecards.count == 3)
  }
}
