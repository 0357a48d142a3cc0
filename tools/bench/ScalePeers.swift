import Foundation
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// The peers of `outpost-bench scale`: the `sqlite3` shell on the same orders (one script per
/// operation, each run as its own `sqlite3` process), and `git bundle` of the changed records.
extension ScaleBench {
  /// The sqlite3 operations, in the order they run, with what each does.
  ///
  /// `update_changed` runs last: it changes the database.
  static let sqliteOperations: [(name: String, what: String)] = [
    (
      "load",
      "CREATE TABLE orders (order_id TEXT PRIMARY KEY, ...); .import --csv of outpost's CSV export; empty cells to NULL"
    ),
    ("count", "SELECT count(*) FROM orders"),
    ("get", "SELECT * FROM orders WHERE order_id = ID"),
    ("select_changed", "SELECT * FROM orders WHERE order_id IN (the K changed ids)"),
    ("group_by", "GROUP BY office_id, month: the five KPIs of kpi_five"),
    ("integrity_check", "PRAGMA integrity_check"),
    ("export_csv", ".mode csv, .headers on, SELECT * FROM orders ORDER BY order_id"),
    ("update_changed", "BEGIN; K x UPDATE orders SET amount = ... WHERE order_id = ...; COMMIT"),
  ]

  /// The SQL type of an orders column: integers INTEGER, decimals REAL, the rest TEXT.
  private static func sqlType(_ field: FieldSpec) -> String {
    switch field.type {
    case .integer: "INTEGER"
    case .decimal: "REAL"
    default: "TEXT"
    }
  }

  /// Writes `sqlite/<operation>.sql` for every operation.
  static func writeSQLiteScripts(_ folder: String, getID: String) throws {
    let schema = entry.schema
    try FileManager.default.createDirectory(
      atPath: folder + "/sqlite", withIntermediateDirectories: true)
    let columns = schema.columns.map { column in
      guard let field = schema.field(column) else { return column + " TEXT PRIMARY KEY" }
      return column + " " + sqlType(field)
    }
    let nullable = schema.fields.filter(\.nullable).map { "\($0.name) = NULLIF(\($0.name), '')" }
    let changed = try changedRecords(folder)
    func quoted(_ text: String) -> String {
      "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
    let confirmed = "status = 'confirmed'"
    let scripts: [String: String] = [
      "load": """
      CREATE TABLE orders (\(columns.joined(separator: ", ")));
      .import --csv --skip 1 ../orders.csv orders
      BEGIN;
      UPDATE orders SET \(nullable.joined(separator: ", "));
      COMMIT;
      SELECT count(*) FROM orders;

      """,
      "count": "SELECT count(*) FROM orders;\n",
      "get": "SELECT * FROM orders WHERE order_id = \(quoted(getID));\n",
      "select_changed":
        "SELECT * FROM orders WHERE order_id IN (\(changed.map { quoted($0.id) }.joined(separator: ", ")));\n",
      "group_by": """
      SELECT office_id, substr(order_date, 1, 7) AS month,
        SUM(\(confirmed)) AS deal_count,
        SUM(CASE WHEN \(confirmed) THEN amount END) AS deal_amount,
        SUM(CASE WHEN \(confirmed) THEN amount END) / NULLIF(SUM(\(confirmed)), 0) AS aov,
        COUNT(DISTINCT CASE WHEN \(confirmed) THEN channel_id END) AS active_channels,
        SUM(\(confirmed) AND fulfilled_at IS NULL) AS unfulfilled_orders
      FROM orders GROUP BY office_id, month ORDER BY office_id, month;

      """,
      "integrity_check": "PRAGMA integrity_check;\n",
      "export_csv": ".mode csv\n.headers on\nSELECT * FROM orders ORDER BY order_id;\n",
      "update_changed": "BEGIN;\n"
        + changed.map {
          "UPDATE orders SET amount = \($0.amount) WHERE order_id = \(quoted($0.id));\n"
        }
        .joined() + "COMMIT;\n",
    ]
    for (name, text) in scripts {
      // `.timer on` prints each statement's own time ("Run Time: real ..."), without the
      // process's start-up; `.import` (a dot command) is not timed.
      let timed = (name == "load" ? "" : ".timer on\n") + text
      try WorkFolder.write(Array(timed.utf8), to: "\(folder)/sqlite/\(name).sql")
    }
  }

  /// Runs one sqlite3 operation (`--op NAME --sqlite PATH`) on `sqlite/orders.sqlite`, as a
  /// process of its own; its output goes to `sqlite/NAME.out`.
  static func sqliteOperation(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    guard let sqlite = options.string("sqlite"), let name = options.string("op") else {
      throw UsageError("phase scale-sqlite needs --sqlite and --op")
    }
    let directory = folder + "/sqlite"
    let database = directory + "/orders.sqlite"
    if name == "load" { try? FileManager.default.removeItem(atPath: database) }
    let (output, seconds) = try KPIBench.runSQLite(
      sqlite, ["-bail", "-batch", database], script: "\(directory)/\(name).sql",
      in: directory, output: "\(directory)/\(name).out")
    let child = ProcessStats.childrenUsage()
    var lines: [Substring] = []
    var statementSeconds = 0.0
    var timed = false
    var bytes = output.utf8.count
    // "\r\n" (CSV mode's line end) is one Character in Swift: split at both.
    for line in output.split(
      omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    {
      if line.hasPrefix("Run Time: real ") {
        timed = true
        statementSeconds += Double(line.dropFirst(15).prefix { $0 != " " }) ?? 0
        bytes -= line.utf8.count + 1
      } else {
        lines.append(line)
      }
    }
    return [
      ("operation", .string(name)), ("seconds", Report.decimal(seconds)),
      ("statement_seconds", timed ? Report.decimal(statementSeconds) : .null),
      ("sqlite_cpu_seconds", Report.decimal(child.cpuSeconds)),
      ("sqlite_peak_rss_bytes", Report.integer(child.peakResidentBytes)),
      ("output_bytes", Report.integer(max(0, bytes))),
      ("output_lines", Report.integer(max(0, lines.count - 1))),
      ("first_line", .string(String(lines.first ?? "").prefix(200).description)),
      ("database_bytes", Report.integer(FileStats.sizes(database)?.logical ?? 0)),
    ]
  }

  /// git as a peer for the submission: a fresh repository holding each changed record's state
  /// (at the branch, after the edits) as a file `orders/<id>.json`, one commit, then
  /// `git bundle create --all`.
  static func gitBundle(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    guard let git = options.string("git") else { throw UsageError("phase scale-git needs --git") }
    let directory = folder + "/git"
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(
      atPath: directory + "/orders", withIntermediateDirectories: true)
    let repository = try RepositoryReader.open(at: folder + "/" + branch, now: MergeBench.now)
    var fileBytes = 0
    let changed = try changedRecords(folder)
    for record in changed {
      guard let state = try repository.state(entry.name, try RecordID(record.id)) else {
        throw BenchError("the branch has no order '\(record.id)'")
      }
      var bytes = JSONWriter.canonicalBytes(state.json)
      bytes.append(10)
      fileBytes += bytes.count
      try WorkFolder.write(bytes, to: "\(directory)/orders/\(record.id).json")
    }
    repository.close()
    var environment = ProcessInfo.processInfo.environment
    let date = "2026-12-02T09:00:00Z"
    environment["GIT_AUTHOR_DATE"] = date
    environment["GIT_COMMITTER_DATE"] = date
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
    let identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    func run(_ arguments: [String]) throws -> Double {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: git)
      process.arguments = identity + arguments
      process.currentDirectoryURL = URL(fileURLWithPath: directory)
      process.environment = environment
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      let watch = Stopwatch()
      try process.run()
      process.waitUntilExit()
      guard process.terminationReason == .exit, process.terminationStatus == 0 else {
        throw BenchError("git \(arguments.joined(separator: " ")) failed")
      }
      return watch.seconds
    }
    let commitSeconds =
      try run(["init", "-q", "-b", "main"]) + run(["add", "-A"])
      + run(["commit", "-q", "-m", "edits"])
    let bundle = folder + "/edits.gitbundle"
    let bundleSeconds = try run(["bundle", "create", "-q", bundle, "--all"])
    let child = ProcessStats.childrenUsage()
    return [
      ("records", Report.integer(changed.count)), ("file_bytes", Report.integer(fileBytes)),
      ("init_add_commit_seconds", Report.decimal(commitSeconds)),
      ("bundle_seconds", Report.decimal(bundleSeconds)),
      ("git_cpu_seconds", Report.decimal(child.cpuSeconds)),
      ("bundle_bytes", Report.integer(FileStats.sizes(bundle)?.logical ?? 0)),
    ]
  }

  /// Compares `outpost kpi` of the five KPIs (saved JSON) with sqlite3's GROUP BY output:
  /// within half a unit of the last place (sqlite3's sums and quotients are unrounded binary
  /// floating point; Outpost rounds exact values once), or both undefined (a missing row counts
  /// as undefined).
  static func crossCheck(_ folder: String) -> JSONValue {
    guard let data = FileManager.default.contents(atPath: folder + "/kpi-five.json"),
      case .object(let document)? = try? JSONParser.parse([UInt8](data)),
      let values = document["values"]?.arrayValue,
      let text = try? String(contentsOfFile: folder + "/sqlite/group_by.out", encoding: .utf8)
    else { return .null }
    let names = ["deal_count", "deal_amount", "aov", "active_channels", "unfulfilled_orders"]
    var sql: [String: String] = [:]
    for line in text.split(separator: "\n") {
      let cells = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
      guard cells.count == names.count + 2 else { continue }
      for (offset, name) in names.enumerated() {
        sql["\(name)/\(cells[0])/\(cells[1])"] = cells[offset + 2]
      }
    }
    var compared = 0
    var mismatches: [JSONValue] = []
    for item in values {
      guard let kpi = item["kpi"]?.stringValue, let office = item["office"]?.stringValue,
        let period = item["period"]?.stringValue
      else { continue }
      let outpost = item["value"]?.stringValue
      let other = sql["\(kpi)/\(office)/\(period)"].flatMap { $0.isEmpty ? nil : $0 }
      compared += 1
      let agree: Bool
      switch (outpost.flatMap(Double.init), other.flatMap(Double.init)) {
      case (nil, nil): agree = outpost == nil && other == nil
      case (let a?, let b?): agree = abs(a - b) <= 0.005 + 1e-9 * abs(b)
      default: agree = false
      }
      if !agree {
        mismatches.append(
          .string(
            "\(kpi) \(office) \(period): outpost \(outpost ?? "null"), sqlite \(other ?? "NULL")"))
      }
    }
    return Report.object([
      ("compared_values", Report.integer(compared)),
      ("mismatch_count", Report.integer(mismatches.count)),
      ("mismatches", .array(Array(mismatches.prefix(10)))),
      (
        "rule",
        .string(
          "|outpost - sqlite| <= 0.005 (+1e-9 relative): sqlite3's unrounded floating point "
            + "against Outpost's exact value rounded half-up to its scale; or both undefined")
      ),
    ])
  }
}
