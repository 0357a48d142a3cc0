import OutpostCodec
import OutpostSpreadsheet
import OutpostTestRandom
import Testing

/// SPEC.md §3.5 "never a crash": the reference workbooks mutated many times.
///
/// Mutated as archives and part by part (re-zipped with correct checksums so the damage reaches the XML and the cell
/// rules). Every outcome is a workbook whose sheets read, or a SpreadsheetError. Seeded: the
/// seed is printed, and `OUTPOST_SEED=<seed>` replays a run.
struct WorkbookFuzzTests {
  static let fixtures = ["openpyxl.xlsx", "openpyxl-1904.xlsx", "libreoffice.xlsx"]

  /// Whether every sheet of `bytes` reads; a refusal must say something.
  static func reads(_ bytes: [UInt8]) -> Bool {
    do throws(SpreadsheetError) {
      let workbook = try Workbook(bytes: bytes)
      var sheets: [Sheet] = []
      for name in workbook.sheetNames { sheets.append(try workbook.sheet(named: name)) }
      // Reading is deterministic: the same bytes, the same sheets.
      let again = try Workbook(bytes: bytes)
      #expect(
        try again.sheetNames.map { name throws(SpreadsheetError) in try again.sheet(named: name) }
          == sheets)
      return true
    } catch {
      #expect(!error.message.isEmpty)
      return false
    }
  }

  static func int(_ random: inout SplitMix64, _ bound: Int) -> Int {
    Int(random.next() % UInt64(max(1, bound)))
  }

  /// XML and number fragments a mutation may write into a part.
  static let fragments: [[UInt8]] =
    [
      "<", ">", "/", "\"", "&", "=", "0", "9", "-", ".", "E", "e+999", "r=\"A1\"",
      "r=\"XFD1048577\"",
      "t=\"s\"", "t=\"b\"", "t=\"e\"", "t=\"d\"", "s=\"7\"", "<v>", "</v>", "<c>", "</c>", "<row>",
      "</row>", "<is><t>", "_x0000_", "_xD800_", "<!DOCTYPE x>", "<![CDATA[", "]]>", "&#0;",
      "&amp;", "<rPh><t>", "99999999999", "2958466", "60", "-1", "\u{4E2D}", "\u{FEFF}",
    ].map { Array($0.utf8) } + [[0xE4], [0xFF], [0x00], [0xC0, 0x80]]

  /// Damages `bytes` in one of several ways.
  static func mutate(_ bytes: inout [UInt8], _ random: inout SplitMix64, xml: Bool) {
    guard !bytes.isEmpty else { return }
    let at = int(&random, bytes.count)
    switch int(&random, xml ? 6 : 5) {
    case 0:
      for _ in 0...int(&random, 4) {
        bytes[int(&random, bytes.count)] = UInt8(truncatingIfNeeded: random.next())
      }
    case 1: bytes.removeSubrange(at...)
    case 2:
      let length = min(bytes.count - at, 1 + int(&random, 64))
      bytes.removeSubrange(at..<(at + length))
    case 3:
      let length = min(bytes.count - at, 1 + int(&random, 64))
      bytes.insert(contentsOf: Array(bytes[at..<(at + length)]), at: int(&random, bytes.count))
    case 4:
      bytes.insert(
        contentsOf: (0...int(&random, 8)).map { _ in UInt8(truncatingIfNeeded: random.next()) },
        at: at)
    default:
      let fragment = fragments[int(&random, fragments.count)]
      if random.next() % 2 == 0 {
        bytes.insert(contentsOf: fragment, at: at)
      } else {
        bytes.replaceSubrange(at..<min(bytes.count, at + fragment.count), with: fragment)
      }
    }
  }

  @Test("archive bytes mutated: a workbook or a SpreadsheetError, never a crash")
  func archives() throws {
    var random = SplitMix64(seed: testSeed(20_250_301))
    var read = 0
    var refused = 0
    for fixture in Self.fixtures {
      let original = try TestWorkbook.fixture(fixture)
      #expect(Self.reads(original), "\(fixture)")
      for _ in 0..<200 {
        var bytes = original
        Self.mutate(&bytes, &random, xml: false)
        if Self.reads(bytes) { read += 1 } else { refused += 1 }
      }
    }
    print("archive mutations: \(read) read, \(refused) refused")
    #expect(refused > 0)
  }

  @Test("parts mutated and re-zipped: a workbook or a SpreadsheetError, never a crash")
  func parts() throws {
    var random = SplitMix64(seed: testSeed(20_250_302))
    var read = 0
    var refused = 0
    for fixture in Self.fixtures {
      let archive = try ZipArchive(try TestWorkbook.fixture(fixture))
      var parts: [(String, [UInt8])] = []
      for entry in archive.entries {
        parts.append((entry.name, try archive.contents(of: entry, limit: 1 << 20)))
      }
      let xml = parts.indices.filter { parts[$0].0.hasPrefix("xl/") }
      for _ in 0..<300 {
        var mutated = parts
        for _ in 0...Self.int(&random, 2) {
          let index = xml[Self.int(&random, xml.count)]
          Self.mutate(&mutated[index].1, &random, xml: true)
        }
        if Self.reads(TestWorkbook.zip(mutated)) { read += 1 } else { refused += 1 }
      }
    }
    print("part mutations: \(read) read, \(refused) refused")
    #expect(read > 0 && refused > 0)
  }
}
