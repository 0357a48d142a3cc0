import Outpost
import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync
import Testing

/// The KPI rules that cross the sync boundary (SPEC.md §9.7, §9.8) through the Outpost library:
/// the branch's report, head office's reconciliation, the impact of open conflicts.
struct KPISyncTests {
  typealias World = KPIWorld

  /// North's report, computed and sent with a submission head office merges.
  func submitWithReport(_ world: World) throws -> (BranchKPIReport, ApplyReport) {
    let report = try BranchKPIReport(world.north, today: World.date(2025, 3, 1))
    let merged = try world.submit(extra: ["kpi_report": report.json])
    return (report, merged)
  }

  @Test("§9.7: the branch reports its KPIs by month with digests; the report survives JSON")
  func branchReport() throws {
    let world = try World()
    try world.commitNorthOrders()
    let report = try BranchKPIReport(world.north, today: World.date(2025, 3, 1))
    #expect(report.office == "north" && report.grain == "month")
    #expect(report.definitions == KPIDefinitionsInForce.builtIn.hash)
    #expect(Set(report.values.map(\.period)) == ["2025-01", "2025-02"])
    let amount = report.values.first { $0.kpi == "deal_amount" && $0.period == "2025-02" }
    #expect(amount?.value == "800.55" && amount?.reason == nil)
    // An undefined value carries its reason, never a 0.
    let growth = report.values.first { $0.kpi == "sales_growth_mom" && $0.period == "2025-01" }
    #expect(growth?.value == nil && growth?.reason != nil)
    // The digest of a collection is SHA-256 of its rows' canonical JSON lines, sorted: none
    // for returns.
    #expect(
      report.digests["returns"]
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(report.digests["orders"] != report.digests["returns"])
    #expect(BranchKPIReport(json: report.json) == report)
    #expect(BranchKPIReport(json: .string("not a report")) == nil)
  }

  @Test("§9.7: same data and definitions, no mismatch; an altered value is a disagreement")
  func reconciliation() throws {
    let world = try World()
    try world.commitNorthOrders()
    let (report, merged) = try submitWithReport(world)
    let check = try #require(
      try KPIReconciliation.check(merged, in: world.hq, today: World.date(2025, 3, 1)))
    #expect(check.checked == report.values.count && check.checked > 0)
    #expect(check.mismatches.isEmpty && check.note == nil)
    #expect(check.definitions == KPIDefinitionsInForce.builtIn.hash)
    // A branch is not checked, nor is a bundle without a report.
    #expect(try KPIReconciliation.check(merged, in: world.north, today: nil) == nil)

    var altered = report
    let index = try #require(
      altered.values.firstIndex { $0.kpi == "deal_amount" && $0.period == "2025-02" })
    altered.values[index].value = "800.56"
    altered.values.append(
      .init(kpi: "no_such_kpi", period: "2025-02", value: "1", reason: nil))
    let tampered = try KPIReconciliation.check(
      altered, in: world.hq, today: World.date(2025, 3, 1))
    #expect(tampered.checked == report.values.count + 1)
    #expect(
      tampered.mismatches == [
        .init(
          kpi: "deal_amount", period: "2025-02", branch: "800.56", head: "800.55",
          kind: .disagreement),
        .init(
          kpi: "no_such_kpi", period: "2025-02", branch: "1", head: "—",
          kind: .differentDefinitions),
      ])
  }

  @Test("§9.7: head office's edit the branch had not seen is different data")
  func differentData() throws {
    let world = try World()
    try world.commitNorthOrders()
    let (report, _) = try submitWithReport(world)
    _ = try world.hq.commit(
      [
        .put(
          collection: "orders", id: RecordID(unchecked: "o-2"),
          fields: ["amount": .string("900.50")])
      ], command: "test")
    let check = try KPIReconciliation.check(report, in: world.hq, today: World.date(2025, 3, 1))
    let amount = check.mismatches.first { $0.kpi == "deal_amount" }
    #expect(
      amount
        == KPIReconciliation.Mismatch(
          kpi: "deal_amount", period: "2025-02", branch: "800.55", head: "900.55",
          kind: .differentData))
    // Every mismatch reads orders; none is a disagreement.
    #expect(check.mismatches.allSatisfy { $0.kind == .differentData })
    #expect(check.mismatches.allSatisfy { $0.period == "2025-02" })
    // With definitions head office does not have, a difference is one of definitions.
    var unknown = report
    unknown.definitions = String(repeating: "0", count: 64)
    let other = try KPIReconciliation.check(unknown, in: world.hq, today: World.date(2025, 3, 1))
    #expect(other.mismatches.count == check.mismatches.count)
    #expect(other.mismatches.allSatisfy { $0.kind == .differentDefinitions })
  }

  @Test("§9.7: a report made with older published definitions is checked with those")
  func olderDefinitions() throws {
    let world = try World()
    try world.commitNorthOrders()
    let report = try BranchKPIReport(world.north, today: World.date(2025, 3, 1))
    let small = try KPIDefinitionsInForce.parse(
      Array(KPIWorld.smallDefinitions.utf8), file: "small.json")
    _ = try KPIPublication.publish(small, to: world.hq, publishedAt: "2025-03-01T09:00:00Z")
    let merged = try world.submit(extra: ["kpi_report": report.json])
    let check = try #require(
      try KPIReconciliation.check(merged, in: world.hq, today: World.date(2025, 3, 1)))
    #expect(check.note == "computed with the older definitions the branch used")
    #expect(check.mismatches.isEmpty && check.checked == report.values.count)
  }

  @Test("§9.8: each candidate of an open conflict moves the KPIs that read its collection")
  func conflictImpact() throws {
    let world = try World()
    try world.commitNorthOrders()
    try world.submit()
    try world.reply()
    // Concurrent edits of o-2's amount: 900.50 at head office, 700.50 at north.
    _ = try world.hq.commit(
      [
        .put(
          collection: "orders", id: RecordID(unchecked: "o-2"),
          fields: ["amount": .string("900.50")])
      ], command: "test")
    _ = try world.north.commit(
      [
        .put(
          collection: "orders", id: RecordID(unchecked: "o-2"),
          fields: ["amount": .string("700.50")])
      ], command: "test")
    try world.submit()
    let conflicts = try world.hq.conflicts()
    #expect(conflicts.map(\.id.rawValue) == ["o-2"])
    let impacts = try ConflictKPIImpact.compute(
      conflicts, in: world.hq, today: World.date(2025, 3, 1))
    let impact = try #require(impacts.first)
    let candidates = Resolution.candidates(conflicts[0].state)
    #expect(candidates.count == 2)
    let shown = try #require(candidates.firstIndex { $0.provisional })
    let other = 1 - shown
    // The record as it stands shows one amount; the other candidate moves February's
    // deal amount by 200.00 either way: 200 / 900.55 = 0.2221, 200 / 700.55 = 0.2855.
    let (from, to, relative) =
      candidates[shown].value == .string("900.50")
      ? ("900.55", "700.55", ExactDecimal(significand: 2221, scale: 4))
      : ("700.55", "900.55", ExactDecimal(significand: 2855, scale: 4))
    let amount = impact.changes.first { $0.kpi == "deal_amount" }
    #expect(
      amount
        == ConflictKPIImpact.Change(
          candidate: other, kpi: "deal_amount", period: World.month("2025-02"), from: from,
          to: to, relativeChange: relative))
    // Only the other candidate changes anything, only in February, only KPIs reading orders.
    #expect(impact.changes.allSatisfy { $0.candidate == other })
    #expect(impact.changes.allSatisfy { $0.period == World.month("2025-02") })
    let sources = KPISources(KPIDefinitionsInForce.builtIn)
    #expect(impact.kpisChanged.allSatisfy { sources.collections(readBy: $0).contains("orders") })
    #expect(impact.kpisChanged.contains("aov") && !impact.kpisChanged.contains("deal_count"))
    #expect(impact.largestRelativeChange >= relative)
    // The KPIs reading orders are flagged at head office while the conflict is open.
    let values = try KPIRequest(kpis: ["deal_amount", "consultations"]).compute(in: world.hq)
    let flagged = values.entries.filter(\.openConflict).map(\.value.kpi)
    #expect(Set(flagged) == ["deal_amount"])
  }

  @Test("§9.10: the report's data: main KPIs by office and month, scorecards, conflicts")
  func overview() throws {
    let world = try World()
    try world.commitNorthOrders()
    let overview = try KPIOverview(world.north, today: World.date(2025, 3, 1))
    #expect(overview.definitions.source == .builtIn)
    #expect(overview.kpis == KPIOverview.mainKPIs)
    #expect(overview.offices == ["north"])
    #expect(overview.periods == [World.month("2025-01"), World.month("2025-02")])
    #expect(
      overview.value("deal_count", office: "north", period: World.month("2025-02"))?.value
        == ExactDecimal(2))
    #expect(overview.conflicts.isEmpty && !overview.readsOpenConflict("aov", office: "north"))
    // No targets: every scorecard month is undefined for want of one.
    #expect(!overview.scores.isEmpty)
    #expect(overview.scores.values.allSatisfy { $0.total == nil && $0.reason == "missing_target" })
    #expect(overview.target("net_revenue", office: "north", period: World.month("2025-02")) == nil)
    // The latest month per channel (February's sem orders, the cancelled one left out); no
    // `offices` or `channels` records, so no names.
    #expect(overview.channelKPIs == KPIOverview.channelKPIs)
    #expect(overview.channels == ["sem"])
    #expect(
      overview.channelValue("channel_sales", office: "north", channel: "sem")?.value
        == (try ExactDecimal(parsing: "800.55")))
    #expect(overview.officeNames.isEmpty && overview.channelNames.isEmpty)
  }
}
