import Foundation
import Outpost
import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostTestSupport
import Testing

/// Funnel diagnosis of people through the library (SPEC.md §9.9): the staff rows reach the
/// engine, a person's month covers the days of their assignment, and `kpi publish` refuses a
/// rule that reads a position nobody can hold.
struct DiagnosisRequestTests {
  /// Head office with east's consultant s-5 (from 2025-01-01) and s-9, who joins on 15
  /// February; s-9 takes 7 leads and closes 2 orders in February, `marchLeads` leads and 2
  /// orders in March.
  func world(marchLeads: Int) throws -> (hq: Repository, disk: MemoryFileSystem) {
    let (hq, _, disk) = try ScopedTargetTests().offices()
    try hq.importRecords(
      .csv(
        Array(
          ("staff_id,office_id,name,position,department,active_from,active_to\n"
            + "s-9,east,Feng,consultant,sales,2025-02-15,\n").utf8)), into: "staff",
      name: "joiner.csv")
    var leads =
      "lead_id,office_id,channel_id,created_date,source_type,has_need,has_contact,assigned_to,"
      + "status\n"
    for day in 0..<7 { leads += "f\(day),east,sem,2025-02-\(15 + day),chat,true,true,s-9,new\n" }
    for n in 0..<marchLeads {
      leads += "m\(n),east,sem,2025-03-\(n % 9 + 10),chat,true,true,s-9,new\n"
    }
    try hq.importRecords(.csv(Array(leads.utf8)), into: "leads", name: "leads.csv")
    var orders =
      "order_id,office_id,customer_id,channel_id,order_date,quantity,amount,status,salesperson_id\n"
    for (id, date) in [
      ("o1", "2025-02-20"), ("o2", "2025-02-21"), ("o3", "2025-03-20"), ("o4", "2025-03-21"),
    ] {
      orders += "\(id),east,c-\(id),sem,\(date),1,100.00,confirmed,s-9\n"
    }
    try hq.importRecords(.csv(Array(orders.utf8)), into: "orders", name: "orders.csv")
    return (hq, disk)
  }

  func diagnose(_ hq: Repository) throws -> [Diagnosis] {
    try hq.read { reader throws(OutpostError) in
      try DiagnosisRequest(
        month: Period(parsing: "2025-03"), offices: ["east"],
        today: CivilDate(parsing: "2025-04-01")
      ).compute(in: reader)
    }.filter { $0.level == .staff }
  }

  @Test("a joiner is diagnosed per day of their assignment, through the repository's staff")
  func joiner() throws {
    // 15 leads in March: +114 % in all, but (15 × 14 − 7 × 31) ÷ (7 × 31) = −3.23 % per day.
    #expect(try diagnose(world(marchLeads: 15).hq).isEmpty)
    // 20 leads: +29.03 % per day while deals fall: S2 for s-9 alone.
    let found = try diagnose(world(marchLeads: 20).hq)
    #expect(found.map(\.rule) == ["S2"])
    #expect(found.map(\.staff) == ["s-9"])
    #expect(found.first?.evidence.map(\.previousDays) == [14, 14])
    #expect(found.first?.evidence.map { $0.growth?.description } == ["0.2903", "-0.5484"])
  }

  @Test("kpi publish refuses a diagnosis rule on a position nobody can hold, writing nothing")
  func unknownPosition() throws {
    let (hq, disk) = try world(marchLeads: 1)
    let text = DefinitionSet.defaultDocument.replacingOccurrences(
      of: #""positions": [\#n    "consultant",\#n    "sales"\#n   ],\#n   "when""#,
      with: #""positions": ["seller"], "when""#)
    #expect(text != DefinitionSet.defaultDocument)
    let definitions = try DefinitionSet(bytes: Array(text.utf8))
    let before = disk.snapshot()
    do throws(OutpostError) {
      _ = try hq.write { writer throws(OutpostError) in
        try KPIPublication.publish(definitions, to: writer, publishedAt: "2025-04-01T09:00:00Z")
      }
      Issue.record("published a rule on an unknown position")
    } catch {
      #expect(error.code == .invalidData)
      #expect(error.message.contains("diagnosis rule 'S2' reads position 'seller'"), "\(error)")
    }
    #expect(disk.snapshot() == before)
  }
}
