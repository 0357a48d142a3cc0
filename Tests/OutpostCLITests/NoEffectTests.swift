import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostTestSupport
import Testing

/// Nothing accepted without effect (SPEC.md §2.7, §9.5): what Outpost would store or read and
/// then ignore is refused with exit 65, a message saying what is not supported and what to do,
/// and the repository byte-identical.
struct NoEffectTests {
  static let targetHeader =
    "target_id,kpi_id,office_id,scope,scope_key,period_grain,period,target_value,direction,"
    + "worst,best,version,published_at\n"
  static let goodTarget = "t1,net_revenue,north,office,,month,2025-01,1000.00,higher_better,,,1,\n"
  static let ratingHeader = "rating_id,office_id,subject,criterion_id,period,score,rater\n"
  static let goodRating = "r1,north,,team_building,2025-01,80,hq-director\n"

  /// Head office `hq` with `north` enrolled.
  static func headOffice() -> TemporaryDirectory {
    let temp = TemporaryDirectory()
    for arguments in [
      ["init", "--office", "hq", "--head", "--repo", "hq"],
      ["office", "add", "north", "--key-out", "north.key", "--repo", "hq"],
    ] {
      let result = outpost(arguments, in: temp.path)
      #expect(result.status == 0, "\(result.errors)")
    }
    return temp
  }

  /// Imports `rows` after a good line 2 and puts the bad row alone: both refused at line 3 / the
  /// record with `fragment`, nothing written.
  func expectRefused(
    _ collection: String, header: String, good: String, bad: String, fragment: String
  ) {
    let temp = Self.headOffice()
    let before = treeDigest(temp.file("hq"))
    temp.write("rows.csv", header + good + bad)
    let imported = outpost(["import", collection, "rows.csv", "--repo", "hq"], in: temp.path)
    #expect(imported.status == 65, "\(imported.errors)")
    #expect(imported.errors.contains("rows.csv:3: "), "\(imported.errors)")
    #expect(imported.errors.contains(fragment), "\(imported.errors)")
    #expect(imported.errors.contains("nothing was imported"), "\(imported.errors)")
    #expect(treeDigest(temp.file("hq")) == before)
    let columns = header.dropLast().split(separator: ",", omittingEmptySubsequences: false)
    let cells = bad.dropLast().split(separator: ",", omittingEmptySubsequences: false)
    let assignments = zip(columns.dropFirst(), cells.dropFirst()).map { "\($0)=\($1)" }
    let put = outpost(
      ["put", collection, String(cells[0])] + assignments + ["--repo", "hq"], in: temp.path)
    #expect(put.status == 65, "\(put.errors)")
    #expect(put.errors.contains(fragment), "\(put.errors)")
    #expect(treeDigest(temp.file("hq")) == before)
    // The good row alone is accepted: the refusal is the bad row's.
    temp.write("good.csv", header + good)
    #expect(outpost(["import", collection, "good.csv", "--repo", "hq"], in: temp.path).status == 0)
  }

  @Test(
    "§9.5: a target Outpost would ignore is refused at import (file:line) and at put",
    arguments: [
      (
        "t2,net_revenue,north,channel,sem,month,2025-01,10.00,higher_better,,,1,\n",
        "scope 'channel' is not supported: scorecards score offices, people and departments"
      ),
      (
        "t2,deal_amount,north,position,manager,month,2025-01,10.00,higher_better,,,1,\n",
        "scope_key 'manager' is not a known position (consultant, new_media, sales, sem, seo, "
          + "supervisor)"
      ),
      (
        "t2,deal_amount,north,staff,s-7,month,2025-01,10.00,higher_better,,,1,\n",
        "scope_key 's-7' is not a staff member of this repository (no staff record)"
      ),
      (
        "t2,net_revenue,north,position,sales,month,2025-01,10.00,higher_better,,,1,\n",
        "'net_revenue' is not computed per person (it has no staff_id dimension), so a position "
          + "target for it would never be read"
      ),
      (
        "t2,deal_amount,north,department,,month,2025-01,10.00,higher_better,,,1,\n",
        "a department target needs scope_key: the department id it is for"
      ),
      (
        "t2,net_revenue,north,office,sem,month,2025-01,10.00,higher_better,,,1,\n",
        "scope_key 'sem' has no effect on an office target"
      ),
      (
        "t2,net_revenue,north,office,,month,2025-Q1,10.00,higher_better,,,1,\n",
        "period_grain 'month' does not match period '2025-Q1' (a quarter)"
      ),
      (
        "t2,net_revenue,north,office,,month,2025-02,10.00,lower_better,,,1,\n",
        "direction 'lower_better' for 'net_revenue' contradicts scorecard "
          + "'branch_marketing_monthly', which scores it by method ratio; write direction "
          + "higher_better or lower_bound"
      ),
      (
        "t2,net_revenue,west,office,,month,2025-01,10.00,higher_better,,,1,\n",
        "office 'west' is not enrolled at this head office"
      ),
    ])
  func targets(_ bad: String, _ fragment: String) {
    expectRefused(
      "targets", header: Self.targetHeader, good: Self.goodTarget, bad: bad, fragment: fragment)
  }

  @Test(
    "§9.4: a rating of an unknown person or criterion, of a week or of an unknown office is refused",
    arguments: [
      (
        "r2,north,s-7,team_building,2025-01,90,hq-director\n",
        "subject 's-7' is not a staff member of office 'north' (no assignment there)"
      ),
      (
        "r2,north,,team_bulding,2025-01,90,hq-director\n",
        "criterion 'team_bulding' is not a known rating criterion (did you mean 'team_building'?)"
      ),
      (
        "r2,north,,team_building,2025-W07,90,hq-director\n",
        "period '2025-W07' (a week) is never counted"
      ),
      (
        "r2,west,,team_building,2025-01,90,hq-director\n",
        "office 'west' is not enrolled at this head office"
      ),
    ])
  func ratings(_ bad: String, _ fragment: String) {
    expectRefused(
      "qualitative_ratings", header: Self.ratingHeader, good: Self.goodRating, bad: bad,
      fragment: fragment)
  }

  @Test("§2.7: head office refuses office records of an office it never enrolled")
  func unenrolledOffice() {
    expectRefused(
      "orders",
      header: "order_id,office_id,customer_id,channel_id,order_date,quantity,amount,status\n",
      good: "o-1,north,c-1,sem,2025-01-05,1,100.00,confirmed\n",
      bad: "o-2,west,c-1,sem,2025-01-05,1,100.00,confirmed\n",
      fragment: "office 'west' is not enrolled at this head office, so its records would belong "
        + "to no office Outpost knows; enroll the office first")
    // Head office's own records are its to write.
    let temp = Self.headOffice()
    temp.write("own.csv", Self.ratingHeader + "r1,hq,,team_building,2025-01,80,director\n")
    let own = outpost(["import", "qualitative_ratings", "own.csv", "--repo", "hq"], in: temp.path)
    #expect(own.status == 0, "\(own.errors)")
  }

  static let result = #""result":{"multiplier":"100","rounding":"half_up","scale":2}"#

  /// The built-in definitions, canonical, with `old` replaced by `new`.
  static func definitions(_ temp: TemporaryDirectory, replacing old: String, with new: String)
    -> String
  {
    let shown = outpost(["kpi", "definitions", "--format", "json", "--repo", "hq"], in: temp.path)
    let json = try? JSONParser.parse(shown.output).objectValue?["document"]
    let text = JSONWriter.canonicalString(json ?? .null)
    #expect(text.contains(old), "\(old) is in the built-in catalog")
    return text.replacingOccurrences(of: old, with: new)
  }

  @Test(
    "§9.5: a scorecard member the engine cannot honour is refused with its JSON path",
    arguments: [
      (
        #""applies_to":{"level":"office"}"#,
        #""applies_to":{"department":"marketing","level":"office"}"#,
        "$.scorecards[0].applies_to.department: is not supported at level 'office'; an office "
          + "scorecard scores whole offices"
      ),
      (
        #""applies_to":{"level":"office"}"#, #""applies_to":{"level":"staff"}"#,
        "$.scorecards[0].applies_to.level: 'staff' is not a level Outpost scores: use office, "
          + "position or department"
      ),
      (
        #""applies_to":{"level":"office"}"#, #""applies_to":{"level":"position"}"#,
        "$.scorecards[0].applies_to.positions: is required: the positions whose people it scores"
      ),
      (
        #""applies_to":{"level":"office"}"#,
        #""applies_to":{"level":"position","positions":["sales"]}"#,
        "scorecard 'branch_marketing_monthly': scores people or departments, but KPI "
          + "'net_revenue' has no staff_id dimension"
      ),
      (
        #""period_grain":"month""#, #""period_grain":"fortnight""#,
        "$.scorecards[0].period_grain: must be day, week, month, quarter or year"
      ),
      (
        #""weights_sum":"1.0000""#, #""weights_sum":"0.9000""#,
        "$.scorecards[0].weights_sum: must be \"1.0000\""
      ),
      (
        Self.result, #""result":{"multiplier":"100","rounding":"half_up","scale":3}"#,
        "$.scorecards[0].result.scale: is not supported"
      ),
      (
        Self.result, #""result":{"multiplier":"10","rounding":"half_up","scale":2}"#,
        "$.scorecards[0].result.multiplier: is not supported"
      ),
      (
        Self.result, #""result":{"multiplier":"100","rounding":"half_even","scale":2}"#,
        "$.scorecards[0].result.rounding: is not supported"
      ),
    ])
  func scorecardMembers(_ old: String, _ new: String, _ fragment: String) {
    let temp = Self.headOffice()
    temp.write("defs.json", Self.definitions(temp, replacing: old, with: new))
    let before = treeDigest(temp.file("hq"))
    let publish = outpost(["kpi", "publish", "defs.json", "--repo", "hq"], in: temp.path)
    #expect(publish.status == 65, "\(publish.errors)")
    #expect(publish.errors.contains(fragment), "\(publish.errors)")
    let scored = outpost(
      ["scorecard", "--period", "2025-01", "--definitions", "defs.json", "--repo", "hq"],
      in: temp.path)
    #expect(scored.status == 65, "\(scored.errors)")
    #expect(scored.errors.contains(fragment), "\(scored.errors)")
    #expect(treeDigest(temp.file("hq")) == before)
  }

  @Test("§9.5: the scorecard's period_grain decides the periods it scores; its label is shown")
  func scorecardGrain() {
    let temp = Self.headOffice()
    let quarter = outpost(["scorecard", "--period", "2025-Q1", "--repo", "hq"], in: temp.path)
    #expect(quarter.status == 64, "\(quarter.errors)")
    #expect(
      quarter.errors.contains(
        "scorecard 'branch_marketing_monthly' scores month periods (its period_grain); 2025-Q1 "
          + "is a quarter"), "\(quarter.errors)")
    #expect(quarter.errors.contains("e.g. 2025-01"), "\(quarter.errors)")
    let month = outpost(
      ["scorecard", "--period", "2025-01", "--format", "json", "--repo", "hq"], in: temp.path)
    #expect(month.status == 0, "\(month.errors)")
    #expect(month.output.contains(#""en": "Branch marketing, monthly""#), "\(month.output)")
    // Without period_grain a scorecard scores any grain.
    temp.write(
      "defs.json",
      Self.definitions(temp, replacing: #""period_grain":"month","#, with: ""))
    let any = outpost(
      ["scorecard", "--period", "2025-Q1", "--definitions", "defs.json", "--repo", "hq"],
      in: temp.path)
    #expect(any.status == 0, "\(any.errors)")
  }
}
