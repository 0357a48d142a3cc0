import Foundation
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// SPEC.md §10: `outpost demo` runs end to end, and its checks pass.
struct DemoTests {
  @Test("the demo runs head office and four branches through a quarter and every check passes")
  func demoPasses() throws {
    let temp = TemporaryDirectory()
    let result = outpost(["demo", "workspace"], in: temp.path)
    #expect(result.status == 0, "\(result.output.suffix(2000)) \(result.errors)")
    for check in [
      "✓ exactly two real conflicts", "✓ no open conflicts left",
      "✓ every branch exports what head office holds for it",
      "✓ all five replicas show byte-identical KPI values (CSV) for every office",
      "✓ east's cancellation and head office's amount both survived",
      "✓ north's March paid spend is", "✓ the quarter ranks the people",
      "Demo complete: every check passed.",
    ] {
      #expect(result.output.contains(check), "missing: \(check)")
    }
    #expect(!result.output.contains("✗"))
    // North learns which of its edits lost, and who decided.
    #expect(
      result.output.contains(
        "your value of channel_daily/north.sem.2025-03-05 spend=98.50 lost a conflict to 96.00"),
      "\(result.output)")
    #expect(FileManager.default.fileExists(atPath: temp.file("workspace/report.html")))
    // The report ranks the people, by name, with their positions' labels.
    let report = try String(contentsOfFile: temp.file("workspace/report.html"), encoding: .utf8)
    #expect(report.contains("<h3 id=\"people\">人员考核 / People</h3>"))
    #expect(
      report.contains("<td class=\"l\">网络咨询 <span class=\"en\">Online consultant</span></td>"))
    #expect(report.contains("<td class=\"l\">李娜 <span class=\"id\">n-04</span></td>"))
    // People are assessed: north's, ranked company-wide and within north, with their names.
    #expect(result.output.contains("north n-04 李娜 (consultant) 2025-03"), "\(result.output)")
    #expect(result.output.contains("online_sales_quarterly,2025-Q1,"), "\(result.output)")
    // A second run into the same, now full, folder is refused rather than mixing data.
    let again = outpost(["demo", "workspace"], in: temp.path)
    #expect(again.status == 73 && again.errors.contains("not empty"))
  }
}
