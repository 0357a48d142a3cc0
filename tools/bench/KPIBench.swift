import Foundation
import OutpostCodec
import OutpostModel
import OutpostStore

/// `outpost-bench kpi`: every catalog KPI for every office and month, computed by
/// `outpost kpi --format json` over a head-office repository of generated records, beside
/// `sqlite3` running the equivalent GROUP BY office, month queries (`kpi.sql`) on the same data,
/// loaded from the same CSV files (`kpi-load.sql`); then the two results are compared.
enum KPIBench {
  /// The offices the generated records belong to.
  static let offices = StoreBench.offices

  /// The folder of this source file, where `kpi.sql` and `kpi-load.sql` are (the default of
  /// `--sql-dir`).
  static let sourceFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path

  /// Runs the benchmark and returns its JSON document.
  static func run(_ options: Options) throws -> JSONValue {
    try options.check(allowed: ["records", "sqlite", "sql-dir"])
    let records = try options.count("records", default: 1_000_000)
    let seed = try options.seed()
    let sqlite = options.string("sqlite") ?? "/usr/bin/sqlite3"
    let sqlFolder = options.string("sql-dir") ?? sourceFolder
    let folder = try WorkFolder.create(options, "kpi")
    defer { WorkFolder.finish(folder, options) }
    let common = ["--dir", folder, "--seed", "\(seed)", "--records", "\(records)"]
    let generated = try Phase.run("kpi-generate", common)
    let seeded = try Phase.run("kpi-seed", common)
    let repository = WorkFolder.usage(folder + "/repo")
    let read = try Phase.run("kpi-read", common)
    let computed = try Phase.run("kpi-outpost", common)

    var sqliteMembers: [(String, JSONValue)] = [("executable", .string(sqlite))]
    var comparison: JSONValue = .null
    var crossCheck: JSONValue = .null
    var version: String?
    if let reason = unavailable(sqlite, sqlFolder) {
      Log.note("sqlite3 skipped: \(reason)")
      sqliteMembers += [("skipped", .bool(true)), ("reason", .string(reason))]
    } else {
      version = try? runTool(sqlite, ["-version"]).trimmingCharacters(in: .whitespacesAndNewlines)
      let sql = ["--sqlite", sqlite, "--sql-dir", sqlFolder]
      let loaded = try Phase.run("kpi-sqlite-load", common + sql)
      let queried = try Phase.run("kpi-sqlite-query", common + sql)
      let compared = try Phase.run("kpi-compare", common)
      sqliteMembers += [
        ("skipped", .bool(false)), ("version", version.map { .string($0) } ?? .null),
        ("load", .object(loaded)), ("query", .object(queried)),
      ]
      crossCheck = .object(compared)
      let outpostSeconds = Report.double(computed["seconds"]) ?? 0
      let outpostCPU = Report.double(computed["cpu_seconds"]) ?? 0
      let querySeconds = Report.double(queried["seconds"]) ?? 0
      let queryCPU = Report.double(queried["sqlite_cpu_seconds"]) ?? 0
      let loadSeconds = Report.double(loaded["seconds"]) ?? 0
      comparison = Report.object([
        ("outpost_seconds", Report.decimal(outpostSeconds)),
        ("outpost_cpu_seconds", Report.decimal(outpostCPU)),
        ("sqlite_query_seconds", Report.decimal(querySeconds)),
        ("sqlite_query_cpu_seconds", Report.decimal(queryCPU)),
        ("sqlite_load_seconds", Report.decimal(loadSeconds)),
        (
          "ratio",
          querySeconds > 0 ? Report.decimal(outpostSeconds / querySeconds, places: 2) : .null
        ),
        ("cpu_ratio", queryCPU > 0 ? Report.decimal(outpostCPU / queryCPU, places: 2) : .null),
        (
          "load_and_query_ratio",
          loadSeconds + querySeconds > 0
            ? Report.decimal(outpostSeconds / (loadSeconds + querySeconds), places: 2) : .null
        ),
      ])
    }
    let units = Report.adding(
      [
        (
          "ratio",
          .string(
            "outpost kpi wall seconds / sqlite3 query wall seconds (above 1: sqlite3 is faster); "
              + "cpu_ratio: the same with CPU seconds; load_and_query_ratio: over sqlite3's load "
              + "plus query seconds")
        ),
        (
          "sqlite_cpu_seconds",
          .string("user + system CPU of the sqlite3 process (getrusage(RUSAGE_CHILDREN))")
        ),
        (
          "sqlite_peak_rss_bytes",
          .string("ru_maxrss of the sqlite3 process (getrusage(RUSAGE_CHILDREN))")
        ),
      ], to: Report.units)
    return Report.object([
      ("benchmark", .string("kpi")),
      ("machine", Report.machine()),
      ("units", units),
      (
        "parameters",
        Report.object([
          ("records", Report.integer(records)),
          ("head_office_records", Report.integer(ratingCount)),
          ("seed", .string("\(seed)")), ("offices", .array(offices.map { .string($0) })),
          ("sqlite", .string(sqlite)), ("sqlite_version", version.map { .string($0) } ?? .null),
          ("method", .string(methodText)),
        ])
      ),
      ("generate", .object(generated)),
      ("build_repository", .object(seeded)),
      ("repository", repository),
      ("outpost_read", .object(read)),
      ("outpost", .object(computed)),
      ("sqlite", Report.object(sqliteMembers)),
      ("comparison", comparison),
      ("cross_check", crossCheck),
    ])
  }

  static let methodText =
    "Records of the twelve office-owned collections (Generator.swift's mix, four offices, dates "
    + "from 2015-01) plus head office's qualitative_ratings (3 raters x 5 criteria x 4 offices x "
    + "120 months) are written as one CSV file per collection (generate) and created in a "
    + "head-office repository ('outpost init --head', then RepositoryWriter.commit, one transaction "
    + "per collection and bucket: build_repository). Measured: 'outpost kpi --format json' (every "
    + "catalog KPI, every office, every month: no --kpi/--office/--period), run in-process "
    + "(OutpostCLI Tool.run) in its own child process, output kept in memory (outpost). "
    + "outpost_read: reading and decoding every record of the 13 collections through "
    + "RepositoryReader.states in a child of its own (part of the kpi command's work). sqlite3: a fresh "
    + "database loaded from the same CSV files with kpi-load.sql (CREATE TABLE, .import --csv, "
    + "empty cells to NULL; sqlite.load), then kpi.sql, GROUP BY office, month queries for every "
    + "catalog KPI on a grid of every office and month, output as CSV (sqlite.query); each "
    + "sqlite3 run is a child of a phase process. cross_check compares every value of both at "
    + "the KPI's scale (sqlite3 computes in binary floating point: values agree when they differ "
    + "by at most half a unit of the last place). ratio = outpost seconds / sqlite3 query seconds."

  /// Why sqlite3 cannot run, or nil when it can.
  static func unavailable(_ sqlite: String, _ sqlFolder: String) -> String? {
    guard FileManager.default.isExecutableFile(atPath: sqlite) else {
      return "\(sqlite) is not an executable file (install sqlite3 or pass --sqlite PATH)"
    }
    for name in ["kpi.sql", "kpi-load.sql"]
    where !FileManager.default.fileExists(atPath: sqlFolder + "/" + name) {
      return "\(sqlFolder)/\(name) not found (pass --sql-dir DIR)"
    }
    return nil
  }

  // MARK: Head office's ratings

  /// The qualitative_ratings collection, in the shape the generator's helpers take.
  static let ratingsEntry = MixEntry(
    schema: StandardCollections.qualitativeRatings, percent: 0, editField: "score",
    editKind: .money)

  static let criteria = [
    "admin_assessment", "team_building", "professional_skill", "dealer_management",
    "content_quality",
  ]
  static let raters = 3
  static let ratingMonths = 120  // 2015-01 to 2024-12
  static var ratingCount: Int { raters * criteria.count * offices.count * ratingMonths }

  /// Rating `index`: three raters per office, criterion and month (three, so that a mean never
  /// ends in exactly half a cent).
  static func ratingCells(_ index: Int, seed: UInt64) -> [String: String] {
    var random = SeededRandom(seed: seed ^ 0x5241_5449_4E47 ^ (UInt64(index) &* 0x9E37_79B9))
    _ = random.next()
    let rater = index % raters
    let criterion = criteria[index / raters % criteria.count]
    let office = offices[index / (raters * criteria.count) % offices.count]
    let month = index / (raters * criteria.count * offices.count)
    let monthOfYear = month % 12 + 1
    let cents = random.below(100)
    return [
      "rating_id": "\(office)-ra-\(index)", "office_id": office, "criterion_id": criterion,
      "period": "\(2015 + month / 12)-\(monthOfYear < 10 ? "0" : "")\(monthOfYear)",
      "score": "\(random.within(40...99)).\(cents < 10 ? "0" : "")\(cents)",
      "rater": "rater-\(rater)",
    ]
  }

  /// Every collection with its record count and a function giving record `index`'s cells.
  static func collections(_ options: Options) throws -> [(
    entry: MixEntry, count: Int, cells: (Int) -> [String: String]
  )] {
    let generator = RecordGenerator(seed: try options.seed(), offices: offices)
    let seed = try options.seed()
    var result: [(MixEntry, Int, (Int) -> [String: String])] = []
    for (entry, count) in RecordGenerator.plan(total: try options.count("records", default: 0)) {
      result.append((entry, count, { generator.cells(entry, $0) }))
    }
    result.append((ratingsEntry, ratingCount, { ratingCells($0, seed: seed) }))
    return result
  }

  // MARK: Phases (child processes)

  /// Writes one CSV file per collection: `csv/<collection>.csv`.
  static func generate(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    try FileManager.default.createDirectory(
      atPath: folder + "/csv", withIntermediateDirectories: true)
    let watch = Stopwatch()
    var bytes = 0
    var total = 0
    var perCollection: [(String, JSONValue)] = []
    for (entry, count, cells) in try collections(options) {
      let path = "\(folder)/csv/\(entry.name).csv"
      try WorkFolder.write([], to: path)
      guard let handle = FileHandle(forWritingAtPath: path) else {
        throw BenchError("cannot write '\(path)'")
      }
      defer { try? handle.close() }
      var text = CSVWriter.line(entry.schema.columns)
      for index in 0..<count {
        let row = cells(index)
        text += CSVWriter.line(entry.schema.columns.map { row[$0] ?? "" })
        if text.utf8.count >= 1 << 20 {
          bytes += text.utf8.count
          handle.write(Data(text.utf8))
          text = ""
        }
      }
      bytes += text.utf8.count
      handle.write(Data(text.utf8))
      total += count
      perCollection.append((entry.name, Report.integer(count)))
    }
    return [
      ("records", Report.integer(total)), ("csv_bytes", Report.integer(bytes)),
      ("seconds", Report.decimal(watch.seconds)),
      ("records_by_collection", Report.object(perCollection)),
    ]
  }

  /// Creates the head-office repository and its records: one RepositoryWriter.commit per collection
  /// and bucket.
  static func seed(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    let watch = Stopwatch()
    try CLI.run(["init", "--office", "hq", "--head", "--repo", "repo"], in: folder)
    let generator = RecordGenerator(seed: try options.seed(), offices: offices)
    let repository = try RepositoryWriter.open(
      at: folder + "/repo", now: MergeBench.now)
    var created = 0
    var transactions = 0
    for (entry, count, cells) in try collections(options) where count > 0 {
      var byBucket: [UInt8: [RecordChange]] = [:]
      for index in 0..<count {
        let (id, fields) = try generator.record(entry, cells: cells(index))
        byBucket[MergeBench.bucket(of: id), default: []].append(
          .put(collection: entry.name, id: id, fields: fields))
      }
      for key in byBucket.keys.sorted() {
        let summary = try repository.commit(byBucket[key] ?? [], command: "bench kpi seed")
        created += summary.created
        transactions += 1
      }
      Log.note("created \(count) \(entry.name) in \(String(format: "%.1f", watch.seconds)) s")
    }
    repository.close()
    return [
      ("records", Report.integer(created)), ("transactions", Report.integer(transactions)),
      ("seconds", Report.decimal(watch.seconds)),
      ("records_per_second", Report.rate(created, watch.seconds)),
    ]
  }

  /// Reads every record the KPIs read, as `outpost kpi` does first: a lower bound of its time.
  static func readAll(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    let watch = Stopwatch()
    let repository = try RepositoryReader.open(at: folder + "/repo", now: MergeBench.now)
    var records = 0
    for (entry, _, _) in try collections(options) {
      records += try repository.states(entry.name).count
    }
    repository.close()
    return [
      ("records", Report.integer(records)), ("seconds", Report.decimal(watch.seconds)),
      ("cpu_seconds", Report.decimal(watch.cpuSeconds)),
      ("records_per_second", Report.rate(records, watch.seconds)),
    ]
  }

  /// The measured command: `outpost kpi --format json`, every KPI, office and month.
  static func compute(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    let records = try collections(options).reduce(0) { $0 + $1.count }
    let watch = Stopwatch()
    // A clock after every generated date (they reach past 2030 at 1M records): no period is
    // open, as in the sqlite3 queries, which know no "today" (`avg_daily_page_views` divides by
    // the days so far in an open month).
    let output = try CLI.run(
      ["kpi", "--format", "json", "--repo", "repo"], in: folder,
      environment: ["OUTPOST_NOW": "2100-01-01T00:00:00Z"])
    let seconds = watch.seconds
    let cpu = watch.cpuSeconds
    let bytes = Array(output.utf8)
    try WorkFolder.write(bytes, to: folder + "/outpost-kpi.json")
    let values = occurrences(of: Array(#""kpi":"#.utf8), in: bytes)
    return [
      ("command", .string("outpost kpi --format json --repo repo")),
      ("records", Report.integer(records)), ("values", Report.integer(values)),
      ("output_bytes", Report.integer(bytes.count)), ("seconds", Report.decimal(seconds)),
      ("cpu_seconds", Report.decimal(cpu)),
      ("records_per_second", Report.rate(records, seconds)),
      ("records_per_cpu_second", Report.rate(records, cpu)),
      ("values_per_second", Report.rate(values, seconds)),
    ]
  }

  /// How often `needle` occurs in `bytes`.
  static func occurrences(of needle: [UInt8], in bytes: [UInt8]) -> Int {
    guard let first = needle.first, bytes.count >= needle.count else { return 0 }
    var count = 0
    var index = 0
    let last = bytes.count - needle.count
    while index <= last {
      if bytes[index] == first && Array(bytes[index..<index + needle.count]) == needle {
        count += 1
        index += needle.count
      } else {
        index += 1
      }
    }
    return count
  }

  /// Loads the CSV files into a fresh SQLite database with `kpi-load.sql`.
  static func sqliteLoad(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    let (sqlite, sqlFolder) = try sqliteOptions(options)
    let database = folder + "/kpi.sqlite"
    try? FileManager.default.removeItem(atPath: database)
    let (output, seconds) = try runSQLite(
      sqlite, ["-bail", "-batch", database], script: sqlFolder + "/kpi-load.sql",
      in: folder + "/csv", output: folder + "/sqlite-load.out")
    let loaded = output.split(separator: "|").last.flatMap {
      Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    let child = ProcessStats.childrenUsage()
    return [
      ("script", .string("kpi-load.sql")), ("records", loaded.map(Report.integer) ?? .null),
      ("seconds", Report.decimal(seconds)),
      ("sqlite_cpu_seconds", Report.decimal(child.cpuSeconds)),
      ("sqlite_peak_rss_bytes", Report.integer(child.peakResidentBytes)),
      ("records_per_second", Report.rate(loaded ?? 0, seconds)),
      ("database_bytes", Report.integer(FileStats.sizes(database)?.logical ?? 0)),
    ]
  }

  /// Runs `kpi.sql` on the loaded database; its CSV output goes to `sqlite-kpi.csv`.
  static func sqliteQuery(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    let (sqlite, sqlFolder) = try sqliteOptions(options)
    let records = try collections(options).reduce(0) { $0 + $1.count }
    let (output, seconds) = try runSQLite(
      sqlite, ["-bail", "-batch", "-csv", "-header", folder + "/kpi.sqlite"],
      script: sqlFolder + "/kpi.sql", in: folder, output: folder + "/sqlite-kpi.csv")
    let child = ProcessStats.childrenUsage()
    let lines = output.split(separator: "\n")
    let columns = lines.first.map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    let kpis = max(0, (columns?.count ?? 2) - 2)
    let rows = max(0, lines.count - 1)
    return [
      ("script", .string("kpi.sql")), ("records", Report.integer(records)),
      ("rows", Report.integer(rows)), ("kpis", Report.integer(kpis)),
      ("values", Report.integer(rows * kpis)), ("seconds", Report.decimal(seconds)),
      ("sqlite_cpu_seconds", Report.decimal(child.cpuSeconds)),
      ("sqlite_peak_rss_bytes", Report.integer(child.peakResidentBytes)),
      ("records_per_second", Report.rate(records, seconds)),
      ("records_per_cpu_second", Report.rate(records, child.cpuSeconds)),
    ]
  }

  private static func sqliteOptions(_ options: Options) throws -> (String, String) {
    guard let sqlite = options.string("sqlite"), let folder = options.string("sql-dir") else {
      throw UsageError("phase needs --sqlite and --sql-dir")
    }
    return (sqlite, folder)
  }

  /// Runs sqlite3 with `script` on standard input and standard output into the file `output`;
  /// returns that output and the wall-clock seconds of the run.
  static func runSQLite(
    _ sqlite: String, _ arguments: [String], script: String, in directory: String,
    output: String
  ) throws -> (String, Double) {
    guard let input = FileHandle(forReadingAtPath: script) else {
      throw BenchError("cannot read '\(script)'")
    }
    defer { try? input.close() }
    try WorkFolder.write([], to: output)
    try WorkFolder.write([], to: output + ".err")
    guard let out = FileHandle(forWritingAtPath: output),
      let err = FileHandle(forWritingAtPath: output + ".err")
    else { throw BenchError("cannot write '\(output)'") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: sqlite)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.standardInput = input
    process.standardOutput = out
    process.standardError = err
    let watch = Stopwatch()
    try process.run()
    process.waitUntilExit()
    let seconds = watch.seconds
    try? out.close()
    try? err.close()
    let errors = (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? ""
    guard process.terminationReason == .exit, process.terminationStatus == 0, errors.isEmpty
    else {
      throw BenchError(
        "sqlite3 \(arguments.joined(separator: " ")) < \(script) failed "
          + "(status \(process.terminationStatus)): \(errors.prefix(2_000))")
    }
    return ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "", seconds)
  }

  /// Runs a tool and returns its standard output (for `sqlite3 -version`).
  static func runTool(_ path: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  // MARK: Cross-check

  /// Compares every value of `outpost kpi` with sqlite3's, for the KPIs kpi.sql computes.
  static func compare(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    guard let data = FileManager.default.contents(atPath: folder + "/outpost-kpi.json"),
      case .object(let document)? = try? JSONParser.parse([UInt8](data)),
      let values = document["values"]?.arrayValue
    else { throw BenchError("cannot read outpost-kpi.json") }
    guard let text = try? String(contentsOfFile: folder + "/sqlite-kpi.csv", encoding: .utf8)
    else { throw BenchError("cannot read sqlite-kpi.csv") }
    let lines = text.split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map {
        String($0).trimmingCharacters(in: .whitespacesAndNewlines)
      }
    }
    guard let header = lines.first, header.count > 2, header[0] == "office",
      header[1] == "month"
    else { throw BenchError("sqlite-kpi.csv has no header 'office,month,...'") }
    let sqlKPIs = Array(header.dropFirst(2))
    var column: [String: Int] = [:]
    for (index, name) in header.enumerated() { column[name] = index }
    var sqlRows: [String: [String]] = [:]
    for line in lines.dropFirst() where line.count == header.count {
      sqlRows[line[0] + "/" + line[1]] = line
    }
    var outpostKPIs: [String] = []
    var outpostKeys: Set<String> = []
    var offices: Set<String> = []
    var periods: Set<String> = []
    var compared = 0
    var undefinedBoth = 0
    var perKPI: [String: Int] = [:]
    var mismatches: [JSONValue] = []
    var mismatchCount = 0
    func mismatch(_ kpi: String, _ key: String, _ outpost: String?, _ sql: String?) {
      mismatchCount += 1
      guard mismatches.count < 25 else { return }
      mismatches.append(
        Report.object([
          ("kpi", .string(kpi)), ("key", .string(key)),
          ("outpost", outpost.map { .string($0) } ?? .null),
          ("sqlite", sql.map { .string($0) } ?? .null),
        ]))
    }
    for item in values {
      guard let kpi = item["kpi"]?.stringValue, let office = item["office"]?.stringValue,
        let period = item["period"]?.stringValue
      else { continue }
      if outpostKPIs.last != kpi && !outpostKPIs.contains(kpi) { outpostKPIs.append(kpi) }
      offices.insert(office)
      periods.insert(period)
      let key = office + "/" + period
      outpostKeys.insert(key)
      guard let index = column[kpi] else { continue }
      let value = item["value"]?.stringValue
      guard let row = sqlRows[key] else {
        mismatch(kpi, key, value, nil)
        continue
      }
      let cell = row[index]
      compared += 1
      perKPI[kpi, default: 0] += 1
      let scale = Int(item["scale"]?.int64Value ?? 0)
      switch (value, cell.isEmpty ? nil : cell) {
      case (nil, nil): undefinedBoth += 1
      case (let a?, let b?):
        guard let x = Double(a), let y = Double(b),
          abs(x - y) <= 0.5 * pow(10, Double(-scale)) + 1e-12 * max(1, abs(y))
        else {
          mismatch(kpi, key, a, b)
          continue
        }
      case (let a, let b): mismatch(kpi, key, a, b)
      }
    }
    for key in sqlRows.keys where !outpostKeys.contains(key) {
      mismatch("*", key, nil, "a row outpost has no values for")
    }
    let missing = outpostKPIs.filter { column[$0] == nil }
    return [
      ("agree", .bool(mismatchCount == 0 && compared > 0)),
      ("compared_values", Report.integer(compared)),
      ("undefined_in_both", Report.integer(undefinedBoth)),
      ("outpost_values", Report.integer(values.count)),
      ("offices", Report.integer(offices.count)), ("months", Report.integer(periods.count)),
      (
        "first_month", periods.min().map { .string($0) } ?? .null
      ),
      ("last_month", periods.max().map { .string($0) } ?? .null),
      ("sqlite_rows", Report.integer(sqlRows.count)),
      ("sqlite_kpis", .array(sqlKPIs.map { .string($0) })),
      ("kpis_not_in_sqlite", .array(missing.map { .string($0) })),
      ("compared_by_kpi", Report.object(perKPI.map { ($0.key, Report.integer($0.value)) })),
      ("mismatch_count", Report.integer(mismatchCount)),
      ("mismatches", .array(mismatches)),
      (
        "rule",
        .string(
          "a value agrees when both are undefined (null / NULL) or |outpost - sqlite| <= half a "
            + "unit of the KPI's last place (+1e-12 relative for floating point)")
      ),
    ]
  }
}
