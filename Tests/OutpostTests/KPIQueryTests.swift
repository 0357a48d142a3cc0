import Outpost
import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync
import Testing

/// The KPI rules of SPEC.md §9 through the Outpost library, on repositories written with
/// `RepositoryWriter`; expected values are worked out by hand from the records.
struct KPIQueryTests {
  typealias World = KPIWorld

  @Test("§9.3: nothing published means the built-in catalog; a published version wins")
  func definitionsInForce() throws {
    let world = try World()
    let builtIn = try KPIDefinitionsInForce(world.hq)
    #expect(builtIn.source == .builtIn && builtIn.version == 0)
    #expect(builtIn.definitions.hash == KPIDefinitionsInForce.builtIn.hash)
    #expect(builtIn.definitions.kpis["aov"] != nil)

    let small = try KPIDefinitionsInForce.parse(
      Array(World.smallDefinitions.utf8), file: "small.json")
    #expect(
      try KPIPublication.publish(small, to: world.hq, publishedAt: "2025-03-01T09:00:00Z")
        == .published(version: 1))
    // The same document again changes nothing.
    #expect(
      try KPIPublication.publish(small, to: world.hq, publishedAt: "2025-03-02T09:00:00Z")
        == .unchanged(version: 1))
    let published = try KPIDefinitionsInForce(world.hq)
    #expect(published.source == .published(version: 1, record: RecordID(unchecked: "v1")))
    #expect(published.definitions.hash == small.hash)
    #expect(published.definitions.kpiOrder == ["revenue", "deals", "value_per_deal"])
    let record = try world.hq.state("kpi_definitions", RecordID(unchecked: "v1"))
    #expect(record?.value("hash")?.stringValue == small.hash)
    #expect(record?.value("published_at")?.stringValue == "2025-03-01T09:00:00Z")
    // Both versions stay findable by hash (reconciliation, §9.7).
    #expect(try KPIDefinitionsInForce.withHash(small.hash, in: world.hq)?.hash == small.hash)
    #expect(
      try KPIDefinitionsInForce.withHash(KPIDefinitionsInForce.builtIn.hash, in: world.hq)?.hash
        == KPIDefinitionsInForce.builtIn.hash)
    #expect(
      try KPIDefinitionsInForce.withHash(String(repeating: "0", count: 64), in: world.hq) == nil)
  }

  @Test("§9.3: a document with an unknown member is refused with its file and JSON path")
  func definitionsRefused() throws {
    // The `deals` KPI (the second) gains a member no KPI has.
    var document = Array(World.smallDefinitions.utf8)
    let marker = Array(#""scale":0,"#.utf8)
    let at = try #require(
      (0...(document.count - marker.count)).first {
        Array(document[$0..<$0 + marker.count]) == marker
      })
    document.insert(contentsOf: Array(#""colour":"red","#.utf8), at: at)
    let bad = String(decoding: document, as: UTF8.self)
    #expect {
      _ = try KPIDefinitionsInForce.parse(Array(bad.utf8), file: "bad.json")
    } throws: { error in
      guard let error = error as? OutpostError else { return false }
      return error.code == .invalidData && error.location.file == "bad.json"
        && error.message.hasPrefix("bad.json: $.kpis[1].colour")
    }
  }

  @Test("§9.3: a branch may not publish; nothing is written")
  func branchCannotPublish() throws {
    let world = try World()
    #expect {
      try KPIPublication.publish(
        KPIDefinitionsInForce.builtIn, to: world.north, publishedAt: "2025-03-01T09:00:00Z")
    } throws: { ($0 as? OutpostError)?.code == .notPermitted }
    #expect(try world.north.states("kpi_definitions").isEmpty)
  }

  @Test("§9.5: a target the definitions divide by must be above 0, at put and at publish")
  func targetsMustBeScorable() throws {
    let world = try World()
    let small = try KPIDefinitionsInForce.parse(
      Array(World.smallDefinitions.utf8), file: "small.json")
    let zero = try World.fields(
      StandardCollections.targets,
      ["kpi_id": "deals", "office_id": "north", "scope": "office", "target_value": "0"])
    let problem = TargetCheck.problem(zero, definitions: small)
    #expect(problem?.contains("scorecard 'card' divides by it (method ratio)") == true)
    var positive = zero
    positive["target_value"] = .string("2.0000")
    #expect(TargetCheck.problem(positive, definitions: small) == nil)
    var channel = zero
    channel["scope"] = .string("channel")
    #expect(TargetCheck.problem(channel, definitions: small) == nil)
    // The built-in catalog's scorecard does not score `deals`: the target may be stored...
    _ = try world.hq.commit(
      [try World.target("t-1", kpi: "deals", period: "2025-02", value: "0")], command: "test")
    #expect(
      try TargetCheck.firstProblem(in: world.hq, definitions: KPIDefinitionsInForce.builtIn)
        == nil)
    // ...but definitions that divide by it cannot be published over it.
    #expect {
      try KPIPublication.publish(small, to: world.hq, publishedAt: "2025-03-01T09:00:00Z")
    } throws: { error in
      guard let error = error as? OutpostError else { return false }
      return error.code == .invalidData && error.location.collection == "targets"
        && error.location.record == "t-1" && error.message.hasPrefix("targets/t-1: ")
    }
    #expect(try KPIDefinitionsInForce(world.hq).source == .builtIn)
  }

  @Test("§9.6: values of the built-in catalog by month, provisional while the period is open")
  func kpisByMonth() throws {
    let world = try World()
    try world.commitNorthOrders()
    let request = KPIRequest(
      kpis: ["deal_amount", "deal_count", "aov"], today: World.date(2025, 2, 20))
    let result = try request.compute(in: world.north)
    #expect(result.definitions.hash == KPIDefinitionsInForce.builtIn.hash)
    #expect(result.grain == .month)
    func entry(_ kpi: String, _ month: String) -> KPIResult.Entry? {
      result[KPIValueKey(kpi: kpi, office: "north", period: World.month(month))]
    }
    // February: 800.50 + 0.05 confirmed (the cancelled 500.00 is no deal); 800.55 / 2 =
    // 400.275, rounded half-up once at scale 2.
    #expect(
      entry("deal_amount", "2025-02")?.value.value == ExactDecimal(significand: 80055, scale: 2))
    #expect(entry("deal_count", "2025-02")?.value.value == ExactDecimal(2))
    #expect(entry("aov", "2025-02")?.value.value == ExactDecimal(significand: 40028, scale: 2))
    #expect(entry("aov", "2025-02")?.value.numerator == ExactDecimal(significand: 80055, scale: 2))
    #expect(entry("aov", "2025-01")?.value.value == ExactDecimal(significand: 120000, scale: 2))
    // February ends on or after today: provisional; January is closed.
    #expect(entry("aov", "2025-02")?.value.provisional == true)
    #expect(entry("aov", "2025-01")?.value.provisional == false)
    #expect(entry("aov", "2025-02")?.openConflict == false)
    #expect(entry("aov", "2025-02")?.missingSubmission == nil)
    // Every period from the first to the last date of the data, KPI by KPI.
    #expect(
      result.entries.map { "\($0.value.kpi) \($0.value.period)" } == [
        "deal_amount 2025-01", "deal_amount 2025-02", "deal_count 2025-01", "deal_count 2025-02",
        "aov 2025-01", "aov 2025-02",
      ])
    // One period: its grain wins.
    let quarter = try KPIRequest(kpis: ["aov"], period: World.month("2025-Q1"))
      .compute(in: world.north)
    // (1200.00 + 800.55) / 3 = 666.85
    #expect(quarter.entries.map(\.value.value) == [ExactDecimal(significand: 66685, scale: 2)])
    #expect(quarter.grain == .quarter)
  }

  @Test("§9.6: an unknown KPI suggests the closest; a by-channel-only KPI needs a breakdown")
  func requestRefused() throws {
    let world = try World()
    #expect {
      _ = try KPIRequest(kpis: ["aovv"]).compute(in: world.north)
    } throws: { error in
      guard let error = error as? OutpostError else { return false }
      return error.code == .invalidRequest && error.location.field == "kpis"
        && error.message == "unknown KPI 'aovv'. Did you mean 'aov'?"
    }
    #expect {
      _ = try KPIRequest(kpis: ["traffic_share"]).compute(in: world.north)
    } throws: { error in
      guard let error = error as? OutpostError else { return false }
      return error.code == .invalidRequest && error.location.field == "breakdown"
        && !error.description.contains("outpost ")
    }
    #expect(throws: Never.self) {
      _ = try KPIRequest(kpis: ["traffic_share"], breakdown: .channel).compute(in: world.north)
    }
  }

  @Test("§9.5: the scorecard scores each item against its target; a missing target is undefined")
  func scorecard() throws {
    let world = try World()
    try world.commitNorthOrders()
    let small = try KPIDefinitionsInForce.parse(
      Array(World.smallDefinitions.utf8), file: "small.json")
    let february = World.month("2025-02")
    // No target yet: undefined, never a default.
    let missing = try ScorecardRequest(period: february).compute(
      in: world.north, definitions: small)
    #expect(missing.scorecard.id == "card" && missing.scorecard.version == 3)
    #expect(missing.results.map(\.office) == ["north"])
    #expect(missing.results.first?.total == nil)
    #expect(missing.results.first?.reason == "missing_target")
    _ = try world.hq.commit(
      [
        try World.target("t-rev", kpi: "revenue", period: "2025-02", value: "1000"),
        try World.target("t-deals", kpi: "deals", period: "2025-02", value: "2"),
      ], command: "test")
    try world.submit()
    try world.reply()
    let report = try ScorecardRequest(period: february, scorecard: "card").compute(
      in: world.north, definitions: small)
    let result = try #require(report.results.first)
    // revenue 800.55 / 1000 = 0.80055 → 0.8006; deals 2 / 2 = 1.0000;
    // total = 100 × (0.60 × 0.8006 + 0.40 × 1.0000) = 88.036 → 88.04, band B (≥ 80).
    #expect(
      result.items.map(\.attainment) == [
        ExactDecimal(significand: 8006, scale: 4), ExactDecimal(significand: 10000, scale: 4),
      ])
    #expect(result.total == ExactDecimal(significand: 8804, scale: 2))
    #expect(result.band == "B")
    // Head office holds the same records and targets: the same result.
    let atHead = try ScorecardRequest(period: february, offices: ["north"]).compute(
      in: world.hq, definitions: small)
    #expect(atHead.results == report.results)
    // An unknown scorecard, and no choice among several, are request errors.
    #expect {
      _ = try ScorecardRequest(period: february, scorecard: "nope").chosenScorecard(in: small)
    } throws: { ($0 as? OutpostError)?.location.field == "scorecard" }
  }

  @Test("§9.9: diagnosis asks for a month")
  func diagnosisNeedsAMonth() throws {
    let world = try World()
    #expect {
      _ = try DiagnosisRequest(month: World.month("2025-Q1")).compute(in: world.north)
    } throws: { ($0 as? OutpostError)?.code == .invalidRequest }
    #expect(try DiagnosisRequest(month: World.month("2025-02")).compute(in: world.north).isEmpty)
  }

  @Test("KPI sources: a KPI reads its measures' collections, through the KPIs it refers to")
  func sources() {
    let sources = KPISources(KPIDefinitionsInForce.builtIn)
    #expect(sources.collections(readBy: "aov") == ["orders"])
    #expect(sources.collections(readBy: "net_revenue") == ["orders", "returns"])
    #expect(sources.collections(readBy: "no_such_kpi").isEmpty)
  }
}
