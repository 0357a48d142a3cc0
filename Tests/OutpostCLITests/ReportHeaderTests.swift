import Foundation
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// SPEC.md §9.10: the HTML report's header names the repository, the time and the definitions.
struct ReportHeaderTests {
  @Test("the report's header says which repository, when, and which definitions (§9.10)")
  func header() throws {
    let temp = TemporaryDirectory()
    #expect(
      outpost(["init", "--office", "hq", "--head", "--repo", "hq"], in: temp.path).status == 0)
    let written = outpost(["report", "--html", "r.html", "--repo", "hq"], in: temp.path)
    #expect(written.status == 0, "\(written.errors)")
    let html = try String(contentsOfFile: temp.file("r.html"), encoding: .utf8)
    #expect(
      html.contains(
        "<p class=\"meta\">Repository hq · generated 2025-03-01T09:00:00+08:00 · definitions built-in ("
      ),
      "\(html.prefix(1200))")
  }
}
