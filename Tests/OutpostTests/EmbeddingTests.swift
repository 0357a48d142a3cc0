import Outpost
import OutpostTestSupport
import Testing

/// The library's entry point, used as an app would use it: no CLI (SPEC.md §11).
struct EmbeddingTests {
  let now: @Sendable () -> Timestamp = { "2025-04-01T09:00:00Z" }

  /// Head office and an enrolled branch `north` on one in-memory file system.
  func offices() throws -> (hq: Repository, north: Repository, disk: MemoryFileSystem) {
    try twoOffices(now: now)
  }

  static let orders = Array(
    ("order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
      + "o-1,c-1,sem,2025-03-01,1,1798.00,confirmed\n"
      + "o-2,c-2,seo,2025-03-02,2,3596.00,confirmed\n").utf8)

  @Test("a branch imports, submits; head office merges and replies; both hold the same rows")
  func roundTrip() throws {
    let (hq, north, _) = try offices()
    let imported = try north.importRecords(.csv(Self.orders), into: "orders", name: "orders.csv")
    #expect(imported.rows == 2 && imported.summary.created == 2)
    let merged = try hq.merge(try north.submit().bytes, name: "north-1.bundle")
    #expect(merged.report.counts[.new] == 2)
    #expect(merged.report.manifest.from.rawValue == "north")
    // The branch's KPI report agrees with head office's computation (SPEC.md §9.7).
    let reconciliation = try #require(merged.reconciliation)
    #expect(reconciliation.checked > 0 && reconciliation.mismatches.isEmpty)
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "north-1.reply")
    let atHQ = try hq.records("orders")
    #expect(atHQ.map { $0["order_id"] } == [.string("o-1"), .string("o-2")])
    #expect(atHQ.map { $0["office_id"] } == [.string("north"), .string("north")])
    #expect(try north.records("orders") == atHQ)
    #expect(try hq.verify().isClean && north.verify().isClean)
  }

  @Test("a refused import lists each problem with its location and writes nothing")
  func refusedImport() throws {
    let (_, north, disk) = try offices()
    let before = disk.snapshot()
    let bad = Array(
      ("order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
        + "o-1,c-1,sem,2025-03-01,1,1798.00,confirmed\n"
        + "o-2,c-2,seo,2025-03-32,2,3596.00,confirmed\n"
        + "o-3,c-3,seo,2025-03-03,two,3596.00,confirmed\n").utf8)
    do {
      try north.importRecords(.csv(bad), into: "orders", name: "march.csv")
      Issue.record("the import was accepted")
    } catch {
      #expect(error.code == .invalidData)
      #expect(error.message == "2 problem(s) in march.csv; nothing was imported")
      #expect(
        error.problems.map(\.location) == [
          .init(file: "march.csv", line: 3, column: 4, collection: "orders", field: "order_date"),
          .init(file: "march.csv", line: 4, column: 5, collection: "orders", field: "quantity"),
        ])
    }
    #expect(disk.snapshot() == before)
  }

  @Test("rows already in memory import as NDJSON lines do, by position")
  func typedRows() throws {
    let (_, north, _) = try offices()
    let row: [String: JSONValue] = [
      "order_id": .string("o-9"), "customer_id": .string("c-9"), "channel_id": .string("sem"),
      "order_date": .string("2025-03-09"), "quantity": .number(JSONNumber(integer: 3)),
      "amount": .string("12.5"), "status": .string("confirmed"),
    ]
    try north.importRecords(.rows([row]), into: "orders")
    #expect(try north.record("orders", "o-9")?["amount"] == .string("12.50"))
    var wrong = row
    wrong["status"] = .string("maybe")
    do {
      try north.importRecords(.rows([row, wrong]), into: "orders")
      Issue.record("the import was accepted")
    } catch {
      #expect(error.problems.map(\.location.line) == [2])
      #expect(error.problems.map(\.location.field) == ["status"])
    }
  }

  @Test("put, record and delete; a branch may not write another office's record")
  func singleRecords() throws {
    let (hq, north, _) = try offices()
    try north.importRecords(.csv(Self.orders), into: "orders", name: "orders.csv")
    let summary = try north.put("orders", "o-1", ["status": "cancelled"], note: "called")
    #expect(summary.updated == 1)
    #expect(try north.record("orders", "o-1")?["status"] == .string("cancelled"))
    #expect(try north.put("orders", "o-1", ["status": "cancelled"]).changed == 0)
    try north.delete("orders", "o-2")
    #expect(try north.record("orders", "o-2") == nil)
    #expect(throws: OutpostError.self) {
      try north.put("orders", "o-1", ["office_id": "east"])
    }
    do {
      try north.put("targets", "t-1", ["kpi_id": "net_revenue"])
      Issue.record("a branch wrote a head-office collection")
    } catch { #expect(error.code == .notPermitted) }
    do {
      try hq.put("nope", "x", [:])
      Issue.record("an unknown collection was accepted")
    } catch { #expect(error.code == .invalidRequest) }
  }

  @Test("each side's step refused at the other side, with a remedy instead of a command line")
  func wrongSide() throws {
    let (hq, north, _) = try offices()
    do {
      _ = try hq.submit()
      Issue.record("head office submitted")
    } catch {
      #expect(error.code == .invalidRequest && error.remedy == .reply)
      #expect(!error.message.contains("outpost"))
    }
    do {
      _ = try north.reply(to: "hq")
      Issue.record("a branch replied")
    } catch { #expect(error.remedy == .submit) }
    let bundle = try north.submit().bytes
    do {
      _ = try north.merge(bundle, name: "b")
      Issue.record("a branch merged")
    } catch { #expect(error.remedy == .receive) }
    let lonely = try Repository.create(
      at: "/w/east", office: "east", fileSystem: north.fileSystem, now: now)
    do {
      _ = try lonely.submit()
      Issue.record("an unenrolled branch submitted")
    } catch {
      #expect(error.code == .notFound && error.remedy == .createWithKey(office: "east"))
    }
  }

  @Test("one writer at a time; a reader does not wait for it")
  func oneWriter() throws {
    let (_, north, _) = try offices()
    try north.write { writer throws(OutpostError) in
      do throws(OutpostError) {
        try north.importRecords(.csv(Self.orders), into: "orders")
        Issue.record("a second writer got the lock")
      } catch { #expect(error.code == .locked) }
      #expect(try north.records("orders").isEmpty)
      _ = try writer.importRecords(.csv(Self.orders), into: "orders", name: "o.csv")
    }
    #expect(try north.records("orders").count == 2)
  }

  @Test("a conflict opened by a merge is listed and resolved at head office")
  func conflictAndResolution() throws {
    let (hq, north, _) = try offices()
    try north.importRecords(.csv(Self.orders), into: "orders")
    _ = try hq.merge(try north.submit().bytes, name: "1")
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "1r")
    try north.put("orders", "o-1", ["amount": "1700.00"])
    try hq.put("orders", "o-1", ["amount": "1750.00"])
    _ = try hq.merge(try north.submit().bytes, name: "2")
    let northID = try ReplicaID("north")
    let open = try hq.conflicts()
    #expect(open.map { "\($0.collection)/\($0.id)" } == ["orders/o-1"])
    do {
      _ = try north.resolve("orders", "o-1", .take(northID))
      Issue.record("a branch resolved")
    } catch { #expect(error.code == .notPermitted) }
    let resolved = try hq.resolve("orders", "o-1", .take(northID), note: "invoice")
    #expect(resolved.chosen["amount"] == .string("1700.00"))
    #expect(try hq.conflicts().isEmpty)
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "2r")
    #expect(try north.record("orders", "o-1")?["amount"] == .string("1700.00"))
  }

  @Test("KPIs and a scorecard with the definitions in force, the same at both ends")
  func kpisAtBothEnds() throws {
    let (hq, north, _) = try offices()
    try north.importRecords(.csv(Self.orders), into: "orders")
    _ = try hq.merge(try north.submit().bytes, name: "1")
    let march = try #require(Period(parsing: "2025-03"))
    let request = KPIRequest(kpis: ["net_revenue", "aov"], period: march, offices: ["north"])
    let atHQ = try hq.kpis(request)
    let atNorth = try north.kpis(request)
    #expect(atHQ.entries.map(\.value) == atNorth.entries.map(\.value))
    // Two confirmed orders: 1798.00 + 3596.00; the average order is their mean.
    let revenue = try #require(atHQ.entries.first { $0.value.kpi == "net_revenue" })
    #expect(revenue.value.value?.formatted(scale: 2) == "5394.00")
    let aov = try #require(atHQ.entries.first { $0.value.kpi == "aov" })
    #expect(aov.value.value?.formatted(scale: 2) == "2697.00")
    let report = try hq.scorecard(ScorecardRequest(period: march))
    #expect(report.period == march)
  }

  @Test("a revoked key is refused at merge; a new key restarts the exchange (SPEC.md §8.1)")
  func revokeAndReenroll() throws {
    let (hq, north, _) = try offices()
    try north.importRecords(.csv(Self.orders), into: "orders")
    try hq.revoke("north")
    do {
      _ = try hq.merge(try north.submit().bytes, name: "after-revoke")
      Issue.record("a bundle signed with a revoked key was merged")
    } catch { #expect(error.code == .notPermitted) }
    let key = try hq.enroll("north")
    #expect(try north.installKey(key.fileBytes))
    #expect(try !north.installKey(key.fileBytes))
    let merged = try hq.merge(try north.submit().bytes, name: "new-key")
    #expect(merged.report.counts[.new] == 2)
  }
}
