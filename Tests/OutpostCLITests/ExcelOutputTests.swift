import Foundation
import OutpostCLI
import OutpostCLITestSupport
import OutpostCodec
import OutpostStore
import OutpostTestSupport
import Testing

/// SPEC.md §6, "Output for spreadsheets": `--out FILE`, `--bom` and `--encoding` on `export`
/// (and `list`), `kpi`, `scorecard` and `conflicts`, and the CSV of `conflicts` (§8.9).
@Suite(.serialized)
struct ExcelOutputTests {
  /// The result of an in-process run, standard output byte for byte.
  struct Run {
    var status: Int32
    var bytes: [UInt8]
    var errors: String
  }

  /// Runs `outpost` in `temp` with the tests' fixed clock, keeping standard output's bytes.
  @discardableResult
  static func run(
    _ arguments: [String], _ temp: TemporaryDirectory, expect status: Int32 = 0,
    fileSystem: any FileSystem = PosixFileSystem()
  ) -> Run {
    let console = Console()
    let result = Tool.run(
      arguments, console: console, environment: ["OUTPOST_NOW": "2025-03-01T09:00:00+08:00"],
      fileSystem: fileSystem, workingDirectory: temp.path)
    #expect(result == status, "\(arguments.joined(separator: " ")): \(console.errors)")
    return Run(status: result, bytes: console.outputBytes, errors: console.errors)
  }

  /// The names in `temp`'s folder, sorted.
  static func names(_ temp: TemporaryDirectory) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: temp.path).sorted()
  }

  static func read(_ path: String) -> [UInt8] {
    Array(FileManager.default.contents(atPath: path) ?? Data())
  }

  /// A branch `north` (in `temp/north`) with three people, one with a formula for a name and
  /// one whose name only GB18030 can write (U+20000), and two March orders.
  static func branch(_ temp: TemporaryDirectory) {
    run(["init", "--office", "north", "--repo", "north"], temp)
    temp.write(
      "staff.csv",
      "staff_id,name,position,department,active_from,active_to\n"
        + "s-1,李雷,consultant,sales,2025-01-01,\n"
        + "s-2,\"=HYPERLINK(\"\"x\"\")\",sales,sales,2025-01-01,\n"
        + "s-3,王𠀀€,sales,sales,2025-01-01,\n")
    temp.write(
      "orders.csv",
      "order_id,customer_id,channel_id,order_date,quantity,amount,status,salesperson_id\n"
        + "o-1,c-1,sem,2025-03-02,1,600.00,confirmed,s-1\n"
        + "o-2,c-2,sem,2025-03-03,2,12.50,confirmed,s-3\n")
    run(["import", "staff", "staff.csv", "--repo", "north"], temp)
    run(["import", "orders", "orders.csv", "--repo", "north"], temp)
  }

  @Test("--bom puts EF BB BF before the same CSV; --encoding gb18030 is TextCodec's encoding of it")
  func bomAndGB18030() throws {
    let temp = TemporaryDirectory()
    Self.branch(temp)
    for command in [
      ["export", "staff"], ["list", "staff"], ["export", "staff", "--format", "csv"],
      ["kpi", "--period", "2025-03", "--format", "csv"],
    ] {
      let plain = Self.run(command + ["--repo", "north"], temp).bytes
      #expect(plain.count > 60 && plain.first != 0xEF, "\(command)")
      let marked = Self.run(command + ["--bom", "--repo", "north"], temp).bytes
      #expect(marked == [0xEF, 0xBB, 0xBF] + plain, "\(command)")
      let chinese = Self.run(command + ["--encoding", "gb18030", "--repo", "north"], temp).bytes
      #expect(chinese == (try TextCodec.encode(plain, to: .gb18030)), "\(command)")
      #expect(try TextCodec.decode(chinese, from: .gb18030) == plain)
      // Names are case-insensitive; utf-8 (the default) changes nothing.
      #expect(
        Self.run(command + ["--encoding", "GB18030", "--repo", "north"], temp).bytes == chinese)
      #expect(Self.run(command + ["--encoding", "UTF8", "--repo", "north"], temp).bytes == plain)
      #expect(
        Self.run(command + ["--encoding", "utf-8", "--bom", "--repo", "north"], temp).bytes
          == marked)
    }
    // The people's names in GB18030, computed with Python: '李雷'.encode('gb18030') is c0eec0d7,
    // '王𠀀€' is cdf5 95328236 a2e3; the formula keeps its quote.
    let chinese = Self.run(["export", "staff", "--encoding", "gb18030", "--repo", "north"], temp)
    let text = chinese.bytes.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }
      .joined()
    #expect(text.contains("c0eec0d7"), "\(text)")
    #expect(text.contains("cdf595328236a2e3"), "\(text)")
    #expect(
      text.contains(Array("\"'=HYPERLINK(\"\"x\"\")\"".utf8).map { String($0, radix: 16) }.joined())
    )
  }

  @Test("--out writes the bytes standard output would get, atomically, and replaces a file")
  func outFile() throws {
    let temp = TemporaryDirectory()
    Self.branch(temp)
    let before = try Self.names(temp)
    let cases: [[String]] = [
      ["export", "staff"], ["export", "staff", "--bom"], ["export", "staff", "--format", "json"],
      ["export", "orders", "--format", "ndjson"], ["kpi", "--period", "2025-03"],
      ["kpi", "--period", "2025-03", "--format", "csv", "--encoding", "gb18030"],
      ["scorecard", "--period", "2025-03", "--format", "csv", "--bom"], ["conflicts"],
      ["conflicts", "--format", "csv", "--encoding", "gb18030"],
    ]
    for (index, command) in cases.enumerated() {
      let terminal = Self.run(command + ["--repo", "north"], temp)
      // A relative path is taken from the working folder; the second run replaces the file.
      let name = "out-\(index).txt"
      for _ in 0..<2 {
        let written = Self.run(command + ["--out", name, "--repo", "north"], temp)
        #expect(written.bytes.isEmpty, "\(command)")
        #expect(
          written.errors
            == "outpost: wrote \(terminal.bytes.count) bytes to \(temp.file(name))\n",
          "\(command)")
        #expect(Self.read(temp.file(name)) == terminal.bytes, "\(command)")
      }
    }
    // No temporary file is left behind.
    let expected = (before + cases.indices.map { "out-\($0).txt" }).sorted()
    #expect(try Self.names(temp) == expected)
    // An existing file is replaced whole, as `submit --out` replaces one.
    temp.write("old.csv", String(repeating: "x", count: 10_000))
    Self.run(["export", "staff", "--out", temp.file("old.csv"), "--repo", "north"], temp)
    #expect(Self.read(temp.file("old.csv")) == Self.read(temp.file("out-0.txt")))
  }

  @Test("--out failing at each step (disk full 74, read-only 73): old file kept until the rename")
  func failedWrite() throws {
    let temp = TemporaryDirectory()
    Self.branch(temp)
    temp.write("old.csv", "old contents\n")
    let before = try Self.names(temp)
    let arguments = ["export", "staff", "--bom", "--out", "old.csv", "--repo", "north"]
    let counter = FaultInjectingFileSystem(faultAt: nil)
    Self.run(arguments, temp, fileSystem: counter)
    // Open the temporary file, write, fsync, close, rename over old.csv, fsync the folder.
    #expect(
      counter.operationLog.map { $0.prefix { $0 != " " } } == [
        "open", "write", "fsync", "close", "rename", "fsync",
      ])
    let written = Self.read(temp.file("old.csv"))
    #expect(written == Self.run(["export", "staff", "--bom", "--repo", "north"], temp).bytes)
    for step in 1...counter.operationCount {
      for (errno, status) in [(Errno.noSpace, Int32(74)), (.readOnlyFileSystem, 73)] {
        temp.write("old.csv", "old contents\n")
        let faulty = FaultInjectingFileSystem(faultAt: step, fault: .failOnce(errno))
        let result = Self.run(arguments, temp, expect: status, fileSystem: faulty)
        #expect(result.bytes.isEmpty && !result.errors.contains("outpost: wrote"))
        // Until the rename the old file stands; only the folder's fsync fails after it.
        let expected = step <= 5 ? Array("old contents\n".utf8) : written
        #expect(Self.read(temp.file("old.csv")) == expected, "step \(step) \(errno)")
        #expect(try Self.names(temp) == before, "step \(step): \(faulty.operationLog)")
      }
    }
  }

  /// Refused option combinations: (arguments, status, part of the message).
  static let refusals: [([String], Int32, String)] = [
    (
      ["export", "staff", "--format", "json", "--bom"], 64,
      "--bom goes with --format csv only: JSON is UTF-8 without a byte order mark (RFC 8259"
    ),
    (
      ["export", "staff", "--format", "ndjson", "--encoding", "gb18030"], 64, "--encoding goes with"
    ),
    (["export", "staff", "--format", "text", "--bom"], 0, ""),  // export's text is its CSV: allowed
    (
      ["kpi", "--period", "2025-03", "--bom"], 64,
      "--bom goes with --format csv only: text output is for a terminal"
    ),
    (
      ["kpi", "--period", "2025-03", "--encoding", "gb18030"], 64,
      "--encoding goes with --format csv"
    ),
    (["scorecard", "--period", "2025-03", "--json", "--bom"], 64, "--bom goes with --format csv"),
    (["conflicts", "--encoding", "gb18030"], 64, "--encoding goes with --format csv only"),
    (
      ["export", "staff", "--bom", "--encoding", "gb18030"], 64,
      "--bom goes with UTF-8 only: a GB18030 file carries no byte order mark"
    ),
    (["export", "staff", "--encoding", "gbk"], 64, "--encoding gbk is not offered for output"),
    (["export", "staff", "--encoding", "cp936"], 64, "--encoding cp936 is not offered"),
    (
      ["export", "staff", "--encoding", "utf-16"], 64, "Excel opens a UTF-16 file as tab-separated"
    ),
    (["export", "staff", "--encoding", "latin1"], 64, "'--encoding' must be utf-8 or gb18030"),
    (["export", "staff", "--out", ""], 64, "'--out' needs a file name"),
    (["export", "staff", "--out", "missing/x.csv"], 73, "the folder '"),
    (["export", "staff", "--out", "staff.csv/x.csv"], 73, "is a regular file, not a folder"),
    (["export", "staff", "--out", "north"], 73, "'north' is a directory"),
    (["export", "staff", "--out", "north/"], 73, "names a folder"),
    (["export", "staff", "--out", "link.csv"], 73, "'link.csv' is a symbolic link"),
    (["export", "nope", "--out", "x.csv"], 64, "unknown collection"),
  ]

  @Test("refusals: --bom and --encoding only with CSV, --bom not with gb18030, bad --out paths")
  func refused() throws {
    let temp = TemporaryDirectory()
    Self.branch(temp)
    try FileManager.default.createSymbolicLink(
      atPath: temp.file("link.csv"), withDestinationPath: "staff.csv")
    let before = try Self.names(temp)
    let repository = treeDigest(temp.file("north"))
    for (arguments, status, message) in Self.refusals {
      let result = Self.run(arguments + ["--repo", "north"], temp, expect: status)
      if status == 0 {
        #expect(result.bytes.starts(with: [0xEF, 0xBB, 0xBF, 0x73]), "\(arguments)")
        continue
      }
      #expect(result.errors.contains(message), "\(arguments): \(result.errors)")
      #expect(result.bytes.isEmpty, "\(arguments)")
    }
    #expect(try Self.names(temp) == before)
    #expect(treeDigest(temp.file("north")) == repository)
  }

  @Test("a character GB18030 cannot write on this system stops the file (65), nothing written")
  func unencodable() throws {
    let temp = TemporaryDirectory()
    Self.branch(temp)
    // U+E78D: private use; glibc has no GB18030 bytes for it (see TextCodecTests).
    temp.write(
      "more.csv",
      "staff_id,name,position,department,active_from,active_to\n"
        + "s-4,\u{E78D},sales,sales,2025-01-01,\n")
    Self.run(["import", "staff", "more.csv", "--repo", "north"], temp)
    let platformRefuses = (try? TextCodec.encode(Array("\u{E78D}".utf8), to: .gb18030)) == nil
    let result = Self.run(
      ["export", "staff", "--encoding", "gb18030", "--out", "s.csv", "--repo", "north"], temp,
      expect: platformRefuses ? 65 : 0)
    #expect(FileManager.default.fileExists(atPath: temp.file("s.csv")) == !platformRefuses)
    if platformRefuses {
      #expect(result.errors.contains("cannot write the output as GB18030"), "\(result.errors)")
      #expect(result.errors.contains("(U+E78D) on line 5"), "\(result.errors)")
    }
  }

  /// The CSV at `path` (a BOM is skipped), as rows of column → value.
  static func rows(_ bytes: [UInt8]) throws -> (header: [String], rows: [[String: String]]) {
    var reader = try CSVReader(bytes: bytes)
    var rows: [[String: String]] = []
    while let record = try reader.next() {
      rows.append(Dictionary(uniqueKeysWithValues: zip(reader.header, record.fields)))
    }
    return (reader.header, rows)
  }

  @Test("conflicts --format csv: one row per conflict, ranked, with the impact's columns")
  func conflictsCSV() throws {
    let temp = TemporaryDirectory()
    ReviewTests().conflictScenario(temp)
    let empty = Self.run(["conflicts", "--format", "csv", "--repo", "hq"], temp)
    let header =
      "id,collection,record_id,fields,offices,kpis_changed,largest_relative_change,"
      + "largest_change_kpi,largest_change_period\n"
    #expect(String(decoding: empty.bytes, as: UTF8.self) == header)
    Self.run(["merge", "pending.sub", "--repo", "hq"], temp)
    Self.run(
      ["conflicts", "--format", "csv", "--bom", "--out", "c.csv", "--repo", "hq"], temp)
    let bytes = Self.read(temp.file("c.csv"))
    #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
    let (columns, rows) = try Self.rows(bytes)
    #expect(columns.joined(separator: ",") + "\n" == header)
    // As in ReviewTests.kpiImpact: n-2's quantity moves units sold by a third, n-1's amount
    // moves five KPIs, AOV most (12.5 %).
    #expect(
      rows == [
        [
          "id": "orders/n-2", "collection": "orders", "record_id": "n-2", "fields": "quantity",
          "offices": "hq;north", "kpis_changed": "1", "largest_relative_change": "0.3333",
          "largest_change_kpi": "sales_volume", "largest_change_period": "2025-03",
        ],
        [
          "id": "orders/n-1", "collection": "orders", "record_id": "n-1", "fields": "amount",
          "offices": "hq;north", "kpis_changed": "5", "largest_relative_change": "0.1250",
          "largest_change_kpi": "aov", "largest_change_period": "2025-03",
        ],
      ], "\(rows)")
  }

  @Test("scorecard --format csv --out, in GB18030 and with a BOM, reads back with CSVReader")
  func scorecardCSV() throws {
    let temp = TemporaryDirectory()
    let fixture = ScorecardRankTests()
    fixture.setUp(temp)
    let base = [
      "scorecard", "--id", "online_sales_monthly", "--period", "2025-02", "--rank", "--format",
      "csv", "--repo", "hq",
    ]
    Self.run(base + ["--bom", "--out", "bom.csv"], temp)
    Self.run(base + ["--encoding", "gb18030", "--out", "gb.csv"], temp)
    let bom = Self.read(temp.file("bom.csv"))
    #expect(bom.starts(with: [0xEF, 0xBB, 0xBF]))
    let expected = try Self.rows(Array(ScorecardRankTests.rankedCSV.utf8))
    #expect(try Self.rows(bom) == expected)
    let decoded = try TextCodec.decode(Self.read(temp.file("gb.csv")), from: .gb18030)
    #expect(try Self.rows(decoded) == expected)
    #expect(expected.header.contains("rank_in_office") && expected.rows.count == 5)
    #expect(expected.rows.first?["staff"] == "s-2" && expected.rows.first?["total"] == "112.00")
  }

  @Test("the four commands (and list) list --out, --bom and --encoding in their help")
  func help() {
    for name in ["export", "list", "kpi", "scorecard", "conflicts"] {
      let command = Commands.all.first { $0.name == name }!
      let help = HelpText.command(command)
      for option in ["--out FILE", "--bom", "--encoding ENCODING"] {
        #expect(help.contains(option), "\(name): \(option)")
      }
    }
  }
}
