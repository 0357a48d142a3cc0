import Foundation
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// docs/reliability.md §4 rows 1 and 15–28 from the hand-made files in fixtures/bad-input/: every
/// case of cases.tsv gets its exit code and message, and the repository is byte-identical
/// afterwards.
struct FixtureCasesTests {
  /// One line of cases.tsv.
  struct Case: CustomTestStringConvertible, Sendable {
    var row: String
    var file: String
    var command: String
    var exit: Int32
    var message: String
    var section: String

    var testDescription: String { "row \(row): \(file)" }
  }

  /// fixtures/bad-input/, found from this source file (Tests/OutpostCLITests/ → the package
  /// root).
  static let folder: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/bad-input").path

  /// The cases of cases.tsv, header skipped.
  static func cases() -> [Case] {
    let path = folder + "/cases.tsv"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    var result: [Case] = []
    for line in text.split(separator: "\n").dropFirst() {
      let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard columns.count == 6, let exit = Int32(columns[3]) else { continue }
      result.append(
        Case(
          row: columns[0], file: columns[1], command: columns[2], exit: exit,
          message: columns[4], section: columns[5]))
    }
    return result
  }

  @Test("cases.tsv is present and lists every file in fixtures/bad-input")
  func manifest() throws {
    let cases = Self.cases()
    #expect(cases.count >= 30)
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder)
      .filter { $0 != "cases.tsv" }
    #expect(Set(cases.map(\.file)) == Set(files))
  }

  @Test(
    "a bad input file is refused with its message and the repository is unchanged",
    arguments: FixtureCasesTests.cases())
  func refused(_ fixture: Case) {
    let temp = TemporaryDirectory()
    let head = fixture.command.hasPrefix("merge ")
    let office = head ? ["--office", "hq", "--head"] : ["--office", "north"]
    let created = outpost(["init"] + office + ["--repo", "r"], in: temp.path)
    #expect(created.status == 0, "\(created.errors)")
    let before = treeDigest(temp.file("r"))
    let arguments = fixture.command.split(separator: " ").map { word -> String in
      switch word {
      case "{file}": return Self.folder + "/" + fixture.file
      case "{repo}": return "r"
      default: return String(word)
      }
    }
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == fixture.exit, "\(fixture.file): \(result.errors)")
    #expect(result.errors.contains(fixture.message), "\(fixture.file): \(result.errors)")
    #expect(treeDigest(temp.file("r")) == before, "\(fixture.file) changed the repository")
  }
}
