import Outpost
import OutpostCodec
import OutpostStore
import Testing

/// SPEC.md §8.2 and §9.7: the KPI report travels in the submission's compressed extra line, so
/// a report of more than 1 MiB (a catalog of some 540 KPIs would make one), which line 1 could
/// not hold, is merged and reconciled value by value.
struct KPIReportSizeTests {
  typealias World = KPIWorld

  @Test("a KPI report of more than 1 MiB is carried, read back and reconciled")
  func largeReport() throws {
    let world = try World()
    try world.commitNorthOrders()
    var report = try BranchKPIReport(world.north, today: World.date(2025, 3, 1))
    let real = report.values.count
    // Values of KPIs head office does not define: each is a different_definitions mismatch.
    let fake = 15_000
    for n in 0..<fake {
      report.values.append(
        .init(
          kpi: "imported_kpi_\(n / 2)", period: n % 2 == 0 ? "2025-01" : "2025-02",
          value: "\(n * 7_919 % 100_000).\(n % 100)", reason: nil))
    }
    let size = JSONWriter.canonicalBytes(report.json).count
    #expect(size > 1 << 20, "\(size) bytes")
    let made = try world.north.makeBundle(for: world.hqID, extra: ["kpi_report": report.json])
    #expect(made.bytes.prefix(while: { $0 != 10 }).count < 1_000)
    let merged = try world.hq.applyBundle(made.bytes, name: "north.bundle")
    #expect(BranchKPIReport(json: merged.manifest.extra["kpi_report"] ?? .null) == report)
    let check = try #require(
      try KPIReconciliation.check(merged, in: world.hq, today: World.date(2025, 3, 1)))
    #expect(check.checked == real + fake)
    #expect(check.mismatches.count == fake)
    #expect(check.mismatches.allSatisfy { $0.kind == .differentDefinitions })
  }
}
