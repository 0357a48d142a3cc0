import Foundation
import OutpostCodec
import OutpostKPI
import OutpostModel
import Testing

/// SPEC.md §9.5, "Bonus, hard indicators, quarters": a band's bonus coefficient, hard
/// indicators that cap or zero the total, and the `period_rule` member, scored through
/// `ScorecardDefinition.score` with given actuals and targets.
struct ScorecardRulesTests {
  static let march = Period(parsing: "2025-03")!

  /// A definitions document with two simple KPIs `k1` and `k2` and one scorecard whose
  /// members are `card` (JSON members written after `"id"`).
  static func definitions(_ card: String) throws -> DefinitionSet {
    let text = """
      {"format":"outpost-kpi-def/1",
       "measures":[{"id":"m","source":"orders","agg":"count","time_field":"order_date",
                    "unit":"count"}],
       "kpis":[
        {"id":"k1","version":1,"label":{"zh":"一","en":"one"},"type":"simple","measure":"m",
         "unit":"count","scale":0,"direction":"higher_better"},
        {"id":"k2","version":1,"label":{"zh":"二","en":"two"},"type":"simple","measure":"m",
         "unit":"count","scale":0,"direction":"higher_better"}],
       "scorecards":[{"id":"card",\(card)}]}
      """
    return try DefinitionSet(bytes: Array(text.utf8))
  }

  static let items = """
    "version":1,"items":[
     {"kpi":"k1","weight":"0.50","method":"ratio","cap":"1.20"HARD1},
     {"kpi":"k2","weight":"0.50","method":"ratio","cap":"1.20"HARD2}]
    """

  /// The card with optional `hard` members on k1 and k2, and `bands`.
  static func card(hard1: String = "", hard2: String = "", bands: String = "") throws
    -> ScorecardDefinition
  {
    var members = items.replacingOccurrences(of: "HARD1", with: hard1.isEmpty ? "" : ",\(hard1)")
    members = members.replacingOccurrences(of: "HARD2", with: hard2.isEmpty ? "" : ",\(hard2)")
    if !bands.isEmpty { members += ",\"bands\":\(bands)" }
    return try #require(try definitions(members).scorecards["card"])
  }

  /// Scores with k1 = `k1` and k2 = `k2` against targets of 100 each.
  static func score(_ card: ScorecardDefinition, k1: Int?, k2: Int?) -> ScorecardResult {
    card.score(
      office: "north", period: march,
      actual: { id in
        let value = id == "k1" ? k1 : k2
        return (value.map { ExactDecimal(Int64($0)) }, [])
      },
      target: { _ in Target(value: ExactDecimal(100)) })
  }

  static let bands =
    #"[{"label":"A","min":"100","bonus":"1.20"},{"label":"B","min":"90","bonus":"1.00"},"#
    + #"{"label":"C","min":"60","bonus":"0.50"},{"label":"D","min":"0"}]"#

  @Test("a band's bonus coefficient comes with the band; a band without one has none")
  func bonus() throws {
    let card = try Self.card(bands: Self.bands)
    // k1 90/100 → 0.9, k2 100/100 → 1.0: total 100 × (0.45 + 0.50) = 95.00 → B, bonus 1.00.
    let b = Self.score(card, k1: 90, k2: 100)
    #expect(b.total == ExactDecimal(95))
    #expect(b.band == "B")
    #expect(b.bonus == (try ExactDecimal(parsing: "1.00")))
    // 10/100 and 20/100: 15.00 → D, which names no bonus.
    let d = Self.score(card, k1: 10, k2: 20)
    #expect(d.total == ExactDecimal(15))
    #expect(d.band == "D")
    #expect(d.bonus == nil)
    #expect(d.hardFailures.isEmpty)
  }

  @Test("a failed hard indicator caps the total, and the band and bonus follow the cap")
  func hardCap() throws {
    let card = try Self.card(
      hard1: #""hard":{"min_attainment":"0.80","cap_total":"60"}"#, bands: Self.bands)
    // k1 70/100 → 0.70 < 0.80: failed. Uncapped: 100 × (0.35 + 0.60) = 95.00; capped to 60.00,
    // band C with bonus 0.50.
    let failed = Self.score(card, k1: 70, k2: 130)
    #expect(failed.hardFailures == ["k1"])
    #expect(failed.total == ExactDecimal(60))
    #expect(failed.band == "C")
    #expect(failed.bonus == (try ExactDecimal(parsing: "0.50")))
    // Exactly at the minimum is not a failure: 100 × (0.40 + 0.60) = 100.00, band A.
    let passed = Self.score(card, k1: 80, k2: 130)
    #expect(passed.hardFailures.isEmpty)
    #expect(passed.total == ExactDecimal(100))
    #expect(passed.band == "A")
    // A cap above the total changes nothing: 100 × (0.35 + 0.05) = 40.00 stays 40.00.
    let low = Self.score(card, k1: 70, k2: 10)
    #expect(low.hardFailures == ["k1"])
    #expect(low.total == ExactDecimal(40))
  }

  @Test("cap_total 0 zeroes the total; the strictest failed cap wins; undefined fails")
  func hardZeroAndStrictest() throws {
    let zero = try Self.card(hard1: #""hard":{"min_attainment":"1","cap_total":"0"}"#)
    let zeroed = Self.score(zero, k1: 99, k2: 120)
    #expect(zeroed.hardFailures == ["k1"])
    #expect(zeroed.total == .zero)
    let both = try Self.card(
      hard1: #""hard":{"min_attainment":"0.9","cap_total":"60"}"#,
      hard2: #""hard":{"min_attainment":"0.9","cap_total":"40"}"#)
    let strictest = Self.score(both, k1: 50, k2: 50)
    #expect(strictest.hardFailures == ["k1", "k2"])
    // 100 × (0.25 + 0.25) = 50.00, capped by 40 (not 60).
    #expect(strictest.total == ExactDecimal(40))
    // An undefined actual cannot show the minimum: it fails (and scores 0 as usual):
    // 100 × (0 + 0.60) = 60.00, capped to 40.00 by k2's rule.
    let undefined = Self.score(both, k1: 95, k2: nil)
    #expect(undefined.hardFailures == ["k2"])
    #expect(undefined.total == ExactDecimal(40))
  }

  @Test(
    "hard, bonus and period_rule are refused with their path when they ask the impossible",
    arguments: [
      (
        #""version":1,"items":[{"kpi":"k1","weight":"1","method":"ratio","cap":"1","#
          + #""hard":{"min_attainment":"0.8","cap_total":"100"}}]"#,
        "$.scorecards[0].items[0].hard.cap_total"
      ),
      (
        #""version":1,"items":[{"kpi":"k1","weight":"1","method":"ratio","cap":"1","#
          + #""hard":{"min_attainment":"0.8","cap_total":"-1"}}]"#,
        "$.scorecards[0].items[0].hard.cap_total"
      ),
      (
        #""version":1,"items":[{"kpi":"k1","weight":"1","method":"ratio","cap":"1","#
          + #""hard":{"min_attainment":"0.8","cap_total":"50","zero":true}}]"#,
        "$.scorecards[0].items[0].hard.zero"
      ),
      (
        #""version":1,"items":[{"kpi":"k1","weight":"1","method":"ratio","cap":"1"}],"#
          + #""bands":[{"label":"A","min":"0","bonus":"-0.10"}]"#,
        "$.scorecards[0].bands[0].bonus"
      ),
      (
        #""version":1,"period_grain":"month","period_rule":"mean_of_months","#
          + #""items":[{"kpi":"k1","weight":"1","method":"ratio","cap":"1"}]"#,
        "$.scorecards[0].period_rule"
      ),
      (
        #""version":1,"period_grain":"quarter","period_rule":"median","#
          + #""items":[{"kpi":"k1","weight":"1","method":"ratio","cap":"1"}]"#,
        "$.scorecards[0].period_rule"
      ),
    ])
  func refused(_ members: String, _ path: String) throws {
    do {
      _ = try Self.definitions(members)
      Issue.record("accepted")
    } catch let error as DefinitionError {
      #expect(error.path == path, "\(error)")
    }
  }

  @Test("period_rule: aggregate by default; mean_of_months for a quarter or year scorecard")
  func periodRule() throws {
    let plain = try Self.card()
    #expect(plain.periodRule == .aggregate)
    let quarter = try #require(
      try Self.definitions(
        #""version":1,"period_grain":"quarter","period_rule":"mean_of_months","#
          + #""items":[{"kpi":"k1","weight":"1","method":"ratio","cap":"1"}]"#
      ).scorecards["card"])
    #expect(quarter.periodRule == .meanOfMonths)
    #expect(quarter.grain == .quarter)
  }
}
