import Foundation
import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Testing

@testable import Outpost

/// SPEC.md §4.5, §9.1: the monthly KPI summaries a writer keeps in `cache/kpi-aggregates`,
/// through random commits, exchanges and conflicts at a branch and head office: in step after
/// every commit, equal to summaries rebuilt from the records, and giving `kpi` the values (and
/// open-conflict marks) it computes from rows.
struct KPIAggregateCacheTests {
  typealias World = KPIWorld

  static func order(_ n: Int, _ random: inout SplitMix64) throws -> RecordChange {
    let month = 1 + random.next(6)
    let day = 1 + random.next(28)
    let date = "2025-0\(month)-" + (day < 10 ? "0\(day)" : "\(day)")
    return .put(
      collection: "orders", id: RecordID(unchecked: "o-\(n)"),
      fields: try World.fields(
        StandardCollections.orders,
        [
          "office_id": "north", "customer_id": "c-\(random.next(6))",
          "channel_id": ["sem", "seo", "social"][random.next(3)], "order_date": date,
          "quantity": "\(1 + random.next(3))",
          "amount": "\(random.next(3000))" + ["", ".5", ".25", ".10"][random.next(4)],
          "status": ["confirmed", "confirmed", "cancelled"][random.next(3)],
        ]))
  }

  /// A north customer `c-n` (orders name `c-0` … `c-5`), acquired on a random day: whether an
  /// order repeats follows the customer (repeat_order_count's lookup).
  static func customer(_ n: Int, _ random: inout SplitMix64) throws -> RecordChange {
    let day = 1 + random.next(28)
    return .put(
      collection: "customers", id: RecordID(unchecked: "c-\(n)"),
      fields: try World.fields(
        StandardCollections.customers,
        [
          "office_id": "north", "acquisition_channel_id": "sem", "kind": "individual",
          "acquired_date": "2025-0\(1 + random.next(6))-" + (day < 10 ? "0\(day)" : "\(day)"),
        ]))
  }

  /// A north return `r-n` of order `o-m`: its refund counts under the order's channel, and in
  /// its order's month for the cohort (the returns' lookups).
  static func `return`(_ n: Int, order m: Int, _ random: inout SplitMix64) throws -> RecordChange {
    .put(
      collection: "returns", id: RecordID(unchecked: "r-\(n)"),
      fields: try World.fields(
        StandardCollections.returns,
        [
          "office_id": "north", "order_id": "o-\(m)",
          "return_date": "2025-0\(1 + random.next(6))-1\(random.next(10))", "quantity": "1",
          "refund_amount": "\(random.next(500)).50", "cogs_reversed": "\(random.next(200))",
        ]))
  }

  /// The values `kpi` gives (reading the summaries), against the values from every row.
  static func check(_ repository: RepositoryReader, grain: Grain, _ what: String) throws {
    let definitions = try KPIDefinitionsInForce(repository).definitions
    let kept = try #require(
      KPIAggregateCache.read(repository, definitions: definitions), "\(what): in step")
    // A reader reads the summaries, not the joins' rows (verify compares those).
    let rebuilt = try KPIAggregateCache.Content(repository, definitions)
    #expect(kept.aggregates.tables == rebuilt.aggregates.tables, "\(what)")
    #expect(kept.conflicts == rebuilt.conflicts, "\(what)")
    // Byte for byte, as verify compares.
    #expect(repository.verifyCaches([KPIAggregateCache()]).isClean, "\(what)")
    let result = try KPIRequest(grain: grain, breakdown: .channel).compute(in: repository)
    let data = try KPIDataset(repository, definitions: definitions)
    let values = KPIEngine(definitions: definitions).evaluate(
      data.dataset, KPIQuery(grain: grain, breakdown: .channel))
    #expect(result.entries.map(\.value) == values, "\(what)")
    let digits = { (value: KPIValue) in
      [value.value, value.numerator, value.denominator].map { $0?.description }
    }
    #expect(result.entries.map { digits($0.value) } == values.map(digits), "\(what)")
    let sources = KPISources(definitions)
    let marks = values.map {
      data.hasOpenConflict(in: sources.collections(readBy: $0.kpi), office: $0.office)
    }
    #expect(result.entries.map(\.openConflict) == marks, "\(what)")
    // The KPI report a submission carries reads the summaries too, with the rows' values.
    let office = repository.config.replica.rawValue
    let report = try BranchKPIReport(repository, today: nil)
    let fromRows = KPIEngine(definitions: definitions).evaluate(
      data.dataset, KPIQuery(offices: [office], newest: BranchKPIReport.months))
    #expect(
      report.values.map { [$0.kpi, $0.period, $0.value ?? $0.reason ?? ""] }
        == fromRows.map { value in
          [
            value.kpi, value.period.description,
            value.value?.formatted(scale: definitions.kpis[value.kpi]!.scale) ?? value.reason
              ?? "",
          ]
        }, "\(what): the KPI report")
    // A few KPIs: only their summaries are read, and only the collections the others need.
    let some = definitions.kpiOrder.filter {
      sources.collections(readBy: $0).contains("orders")
    }.prefix(8)
    let few = try KPIRequest(kpis: Array(some), grain: grain).compute(in: repository)
    let fewValues = KPIEngine(definitions: definitions).evaluate(
      data.dataset, KPIQuery(kpis: Array(some), grain: grain))
    #expect(few.entries.map(\.value) == fewValues, "\(what)")
    #expect(few.entries.contains { $0.value.value != nil }, "\(what)")
  }

  @Test("seeded: kept summaries stay equal to rebuilt ones and give kpi the values of the rows")
  func randomExchanges() throws {
    var random = SplitMix64(seed: testSeed(20_261_211))
    let world = try World()
    world.hq.caches = [KPIAggregateCache()]
    world.north.caches = [KPIAggregateCache()]
    var conflicts = 0
    for round in 0..<12 {
      var changes: [RecordChange] = []
      for _ in 0..<(1 + random.next(6)) {
        let n = random.next(10)
        if random.next(5) == 0,
          try world.north.state("orders", RecordID(unchecked: "o-\(n)")) != nil
        {
          changes.append(.delete(collection: "orders", id: RecordID(unchecked: "o-\(n)")))
        } else {
          changes.append(try Self.order(n, &random))
        }
      }
      // A change to a record in open conflict is refused; the round goes on without it.
      _ = try? world.north.commit(changes, command: "test")
      // Either side of a lookup changes (only north writes them: never in conflict): a
      // customer orders name, a return of an order.
      var lookups: [RecordChange] = []
      for _ in 0..<(1 + random.next(2)) {
        switch random.next(6) {
        case 0, 1: lookups.append(try Self.customer(random.next(6), &random))
        case 2:
          let id = RecordID(unchecked: "c-\(random.next(6))")
          if try world.north.state("customers", id) != nil {
            lookups.append(.delete(collection: "customers", id: id))
          }
        default:
          lookups.append(try Self.return(random.next(4), order: random.next(10), &random))
        }
      }
      if !lookups.isEmpty { _ = try world.north.commit(lookups, command: "test") }
      // Head office keeps orders of its own and of an office that sends nothing, now and then
      // moving one between them: each office's summaries are a part of their own.
      if random.next(2) == 0 {
        var order = try Self.order(100 + random.next(6), &random)
        if case .put(let collection, let id, var fields) = order {
          fields["office_id"] = .string(["hq", "east"][random.next(2)])
          order = .put(collection: collection, id: id, fields: fields)
        }
        _ = try world.hq.commit([order], command: "test")
      }
      if random.next(3) == 0 {
        let n = random.next(10)
        let id = RecordID(unchecked: "o-\(n)")
        if try world.hq.state("orders", id) != nil {
          _ = try? world.hq.commit(
            [.put(collection: "orders", id: id, fields: ["amount": .string("\(round).25")])],
            command: "test")
        }
      }
      try world.submit()
      let open = try world.hq.conflicts()
      conflicts = max(conflicts, open.count)
      // Now and then head office settles one, taking north's side.
      if let first = open.first, random.next(2) == 0 {
        _ = try world.hq.resolve(
          collection: first.collection, id: first.id, choice: .take(world.northID), note: nil)
      }
      if random.next(2) == 0 { try world.reply() }
      let grain: Grain = [.month, .quarter, .year][random.next(3)]
      try Self.check(world.hq, grain: grain, "hq, round \(round)")
      try Self.check(world.north, grain: grain, "north, round \(round)")
    }
    #expect(conflicts > 0, "the rounds made a conflict")
    // The lookups joined rows: repeat orders and refunds by their order's channel were counted.
    let values = try KPIRequest(kpis: ["repeat_orders", "return_rate_cohort"])
      .compute(in: world.hq).entries.map(\.value)
    #expect(values.contains { $0.kpi == "repeat_orders" && ($0.value ?? .zero) > .zero })
    #expect(values.contains { $0.kpi == "return_rate_cohort" && ($0.value ?? .zero) > .zero })
    let joins = world.hq.cache(KPIAggregateCache.fileName)?.names.filter { $0.hasPrefix("j-") }
    #expect((joins?.count ?? 0) >= 2, "the joins' rows are kept in parts: \(joins ?? [])")
    let offices = world.hq.cache(KPIAggregateCache.fileName)?.names.filter { $0.hasPrefix("o-") }
    #expect((offices?.count ?? 0) >= 2, "head office keeps a part per office: \(offices ?? [])")
  }

  @Test("publishing definitions leaves the summaries out of step until the next commit")
  func publishing() throws {
    let world = try World()
    world.hq.caches = [KPIAggregateCache()]
    _ = try world.hq.commit(
      [try World.order("h-1", "2025-01-10", "100.00")], command: "test")
    try Self.check(world.hq, grain: .month, "before")
    let definitions = try DefinitionSet(bytes: Array(World.smallDefinitions.utf8))
    _ = try KPIPublication.publish(
      definitions, to: world.hq, publishedAt: "2025-03-01T09:00:00Z")
    #expect(KPIAggregateCache.read(world.hq, definitions: definitions) == nil)
    // kpi still answers, from the rows.
    let result = try KPIRequest(kpis: ["revenue"]).compute(in: world.hq)
    #expect(result.entries.first?.value.value == ExactDecimal(100))
    _ = try world.hq.commit(
      [try World.order("h-2", "2025-01-11", "50.00")], command: "test")
    try Self.check(world.hq, grain: .month, "after")
  }

  @Test("summaries another build made for its own definitions are not used; verify notes them")
  func otherDefinitions() throws {
    let disk = MemoryFileSystem()
    let hq = try RepositoryWriter.create(
      at: "/hq", replica: ReplicaID(unchecked: "hq"), role: .head, fileSystem: disk,
      now: World.clock)
    hq.caches = [KPIAggregateCache()]
    _ = try hq.commit([try World.order("h-1", "2025-01-10", "100.00")], command: "test")
    let definitions = KPIDefinitionsInForce.builtIn
    #expect(KPIAggregateCache.read(hq, definitions: definitions) != nil)
    // The same summaries, said to be made for other definitions, stamped as in step.
    let index = try #require(hq.cache(KPIAggregateCache.fileName)?.part("index"))
    let content = Array(
      String(decoding: index, as: UTF8.self)
        .replacingOccurrences(of: definitions.hash, with: String(repeating: "0", count: 64))
        .utf8)
    try restampCachePart(
      disk, directory: "/hq/cache/kpi-aggregates", part: "index", content: content)
    #expect(hq.cache(KPIAggregateCache.fileName)?.part("index") == content)
    #expect(KPIAggregateCache.read(hq, definitions: definitions) == nil)
    let report = hq.verifyCaches([KPIAggregateCache()])
    #expect(report.isClean)
    #expect(report.notes.count == 1 && report.notes[0].contains("made for other inputs"))
    // kpi answers from the rows; the next commit rebuilds the summaries.
    let result = try KPIRequest(kpis: ["deal_amount"]).compute(in: hq)
    #expect(result.entries.first?.value.value == ExactDecimal(100))
    _ = try hq.commit([try World.order("h-2", "2025-01-11", "50.00")], command: "test")
    try Self.check(hq, grain: .month, "rebuilt")
    hq.close()
  }
}
