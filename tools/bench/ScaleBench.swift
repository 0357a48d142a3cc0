import Foundation
import OutpostCodec
import OutpostModel

/// `outpost-bench scale`: what each everyday command costs at head office holding N records and
/// at a branch holding its share, beside `sqlite3` doing the same work on the same rows (and
/// `git bundle` beside the submission), in one run (issue 16).
///
/// The records are `orders` only (the figures are on orders), of four offices: head
/// office imports the three offices' records it holds itself, the branch (`north`, every fourth
/// record) imports its own, submits them, and head office merges them and replies, so the branch
/// knows head office has them; head office's import comes after the reply, so the branch holds
/// only its share (under every policy). Each measured command runs in-process (OutpostCLI's `Tool.run`) in a child
/// process of its own.
enum ScaleBench {
  /// Head office's replica id.
  static let head = "hq"
  /// The enrolled branch that edits and submits.
  static let branch = "north"
  /// The offices the records belong to, in turn (record `i` is `offices[i % 4]`'s).
  static let offices = StoreBench.offices
  /// The one collection of the benchmark.
  static let entry = RecordGenerator.mix.first { $0.name == "orders" } ?? RecordGenerator.mix[0]
  /// Rows per CSV file, and so per import transaction.
  static let chunk = 10_000
  /// The five KPIs of `kpi_five` (all read `orders` alone) and of sqlite3's GROUP BY.
  static let fiveKPIs = [
    "deal_count", "deal_amount", "aov", "active_channels", "unfulfilled_orders",
  ]

  /// Runs the benchmark and returns its JSON document.
  static func run(_ options: Options) throws -> JSONValue {
    try options.check(allowed: ["records", "changes", "sqlite", "git"])
    let records = max(offices.count, try options.count("records", default: 100_000))
    let requested = max(1, try options.count("changes", default: 1_000))
    let changes = min(requested, (records + offices.count - 1) / offices.count)
    let seed = try options.seed()
    let sqlite = options.string("sqlite") ?? "/usr/bin/sqlite3"
    let git = options.string("git") ?? "/usr/bin/git"
    let folder = try WorkFolder.create(options, "scale")
    defer { WorkFolder.finish(folder, options) }
    let common = [
      "--dir", folder, "--seed", "\(seed)", "--records", "\(records)", "--changes", "\(changes)",
    ]
    func command(_ line: String, save: String? = nil) throws -> JSONObject {
      try Phase.run(
        "scale-command",
        ["--dir", folder, "--command", line] + (save.map { ["--save", $0] } ?? []))
    }

    // Setup.
    let generated = try Phase.run("scale-generate", common)
    let initialized = try Phase.run("scale-init", common)
    let branchImport = try Phase.run("scale-import", common + ["--side", "branch"])
    let baseSync = try Phase.run("scale-base-sync", common)
    let headImport = try Phase.run("scale-import", common + ["--side", "head"])

    // Head office, N records.
    let middle = records / 2
    let getID = "\(offices[middle % offices.count])-or-\(middle)"
    var measured: [(String, JSONValue)] = []
    let status = try command("status --repo \(head) --format json", save: "status.json")
    measured.append(("status", .object(status)))
    measured.append(
      ("get", .object(try command("get orders \(getID) --repo \(head) --format json"))))
    let verify = try command("verify --repo \(head) --format json", save: "verify.json")
    measured.append(("verify", .object(verify)))
    let exportCSV = try command("export orders --format csv --repo \(head)", save: "orders.csv")
    measured.append(("export_csv", .object(exportCSV)))
    measured.append(("kpi_full", .object(try command("kpi --format json --repo \(head)"))))
    let five = fiveKPIs.map { "--kpi \($0)" }.joined(separator: " ")
    measured.append(
      (
        "kpi_five",
        .object(try command("kpi \(five) --format json --repo \(head)", save: "kpi-five.json"))
      ))

    // Disk footprint at head office, before the edits arrive.
    let usage = WorkFolder.usage(folder + "/" + head)
    let live = liveRecords(folder + "/status.json")
    var ndjsonBytes = 0
    var ndjsonExports: [(String, JSONValue)] = []
    for collection in live.collections {
      let exported = try command("export \(collection) --format ndjson --repo \(head)")
      ndjsonBytes += Int(Report.double(exported["output_bytes"]) ?? 0)
      ndjsonExports.append((collection, .object(exported)))
    }
    measured.append(("export_ndjson", Report.object(ndjsonExports)))

    // The branch: K edits, submit; head office merges them twice from the same state.
    let edited = try Phase.run("scale-edit", common)
    let submitted = try command(
      "submit --out edits.bundle --repo \(branch) --format json", save: "submit.json")
    let submissionBytes = bundleBytes(folder + "/submit.json")
    let copy = folder + "/\(head)-before-merge"
    try FileManager.default.copyItem(atPath: folder + "/" + head, toPath: copy)
    let mergeChecked = try command(
      "merge edits.bundle --repo \(head) --format json", save: "merge.json")
    try FileManager.default.removeItem(atPath: folder + "/" + head)
    try FileManager.default.moveItem(atPath: copy, toPath: folder + "/" + head)
    let mergeUnchecked = try command(
      "merge edits.bundle --no-kpi-check --repo \(head) --format json", save: "merge-no-kpi.json")
    measured += [
      ("edit", .object(edited)), ("submit", .object(submitted)),
      ("merge_kpi_check", .object(mergeChecked)), ("merge_no_kpi_check", .object(mergeUnchecked)),
    ]
    measured.append(("replies", try replies(folder, command)))

    // Peers.
    var sqliteResults: [String: JSONObject] = [:]
    var sqliteMember: JSONValue
    var version: String?
    if FileManager.default.isExecutableFile(atPath: sqlite) {
      version = try? KPIBench.runTool(sqlite, ["-version"]).trimmingCharacters(
        in: .whitespacesAndNewlines)
      try writeSQLiteScripts(folder, getID: getID)
      var members: [(String, JSONValue)] = [
        ("executable", .string(sqlite)), ("version", version.map { .string($0) } ?? .null),
      ]
      for operation in sqliteOperations {
        let result = try Phase.run(
          "scale-sqlite", ["--dir", folder, "--sqlite", sqlite, "--op", operation.name])
        sqliteResults[operation.name] = result
        members.append(
          (operation.name, Report.adding([("sql", .string(operation.what))], to: .object(result))))
      }
      sqliteMember = Report.object(members)
    } else {
      Log.note("sqlite3 skipped: \(sqlite) is not executable")
      sqliteMember = .null
    }
    var gitMember: JSONValue = .null
    var gitResult: JSONObject?
    if FileManager.default.isExecutableFile(atPath: git) {
      let result = try Phase.run("scale-git", ["--dir", folder, "--git", git])
      gitResult = result
      gitMember = .object(result)
    } else {
      Log.note("git skipped: \(git) is not executable")
    }

    let outpost = JSONObject(uncheckedPairs: measured)
    let comparison = compare(
      outpost, sqliteResults, git: gitResult, submissionBytes: submissionBytes)
    let footprint = footprintReport(
      usage, live: live.total, ndjsonBytes: ndjsonBytes,
      csvBytes: Int(Report.double(exportCSV["output_bytes"]) ?? 0),
      sqliteBytes: sqliteResults["load"].flatMap { Report.double($0["database_bytes"]) })
    var document: [(String, JSONValue)] = [
      ("benchmark", .string("scale")),
      ("machine", Report.machine()),
      ("units", units),
      (
        "parameters",
        Report.object([
          ("records", Report.integer(records)), ("changes", Report.integer(changes)),
          ("changes_requested", Report.integer(requested)),
          ("collection", .string(entry.name)), ("seed", .string("\(seed)")),
          ("offices", .array(offices.map { .string($0) })), ("head_office", .string(head)),
          ("branch", .string(branch)), ("branch_records", Report.integer((records + 3) / 4)),
          ("get_id", .string(getID)), ("kpi_five", .array(fiveKPIs.map { .string($0) })),
          ("rows_per_import_transaction", Report.integer(chunk)),
          ("sqlite", .string(sqlite)), ("sqlite_version", version.map { .string($0) } ?? .null),
          ("git", .string(git)), ("method", .string(methodText)),
        ])
      ),
      (
        "setup",
        Report.object([
          ("generate", .object(generated)), ("init", .object(initialized)),
          ("branch_import", .object(branchImport)), ("base_sync", .object(baseSync)),
          ("head_import", .object(headImport)),
        ])
      ),
      ("live_records", Report.integer(live.total)),
      ("verify_ok", verifyOK(folder + "/verify.json")),
      ("outpost", .object(outpost)),
      ("footprint", footprint),
      ("sqlite", sqliteMember),
      ("git", gitMember),
      ("comparison", comparison),
      ("kpi_five_cross_check", sqliteResults.isEmpty ? .null : crossCheck(folder)),
    ]
    if sqliteMember == .null {
      document.append(
        (
          "sqlite_skipped_reason",
          .string("\(sqlite) is not an executable file (pass --sqlite PATH)")
        ))
    }
    if gitMember == .null {
      document.append(
        ("git_skipped_reason", .string("\(git) is not an executable file (pass --git PATH)")))
    }
    return Report.object(document)
  }

  static let methodText =
    "orders records only (Generator.swift), of four offices in turn (record i is office i mod 4's). "
    + "Setup: 'outpost init --head' (hq), 'office add' x4, 'init --key' (north); the branch "
    + "imports its quarter with 'outpost import orders FILE' (files of 10,000 rows, one transaction "
    + "each), submits, hq merges (--no-kpi-check), replies, north receives; then hq imports the other "
    + "three quarters the same way (after the reply, so the branch holds only its share). Measured "
    + "at hq (N records), each command run in-process (OutpostCLI Tool.run) in a child process of its "
    + "own: status, get of one record, verify, export orders --format csv, kpi (every KPI, month "
    + "grain, every office), kpi of five orders KPIs; footprint: hq's files (journal / records / "
    + "other) and 'export C --format ndjson' of every collection with records. Then north changes "
    + "amount of its first K orders (one RepositoryWriter.commit keeping the KPI summaries, as "
    + "the command-line tool does), runs 'outpost submit'; hq is "
    + "copied, merges the submission with the KPI check, is restored from the copy and merges it "
    + "again with --no-kpi-check. Replies: hq replies to north under record_visibility "
    + "all_offices and north receives it; hq puts own_office, replies and north receives again. "
    + "Peers: sqlite3 (each operation one sqlite3 process on a "
    + "database built by .import of outpost's CSV export into a table keyed by order_id); git: a "
    + "fresh repository of the K changed records' states as files, one commit, 'git bundle create "
    + "--all'. Ratios: outpost / peer (above 1: the peer is faster or smaller)."

  static let units = Report.adding(
    [
      (
        "seconds_ratio",
        .string("outpost wall seconds / the peer's wall seconds (above 1: the peer is faster)")
      ),
      ("cpu_seconds_ratio", .string("the same with CPU seconds (sqlite3's own, RUSAGE_CHILDREN)")),
      (
        "statement_seconds",
        .string(
          "sqlite3's own '.timer on' real time of the statements (no process start-up; 0.001 s "
            + "resolution; null for .import); statement_seconds_ratio = outpost seconds / it")
      ),
      ("_bytes_per_record", .string("bytes divided by the live records")),
      ("sqlite_cpu_seconds", .string("user + system CPU of the sqlite3 process")),
    ], to: Report.units)

  /// The live records per collection from the saved `status --format json`.
  static func liveRecords(_ path: String) -> (total: Int, collections: [String]) {
    guard let data = FileManager.default.contents(atPath: path),
      case .object(let status)? = try? JSONParser.parse([UInt8](data)),
      case .object(let collections)? = status["collections"]
    else { return (0, []) }
    var total = 0
    var names: [String] = []
    for (name, value) in collections {
      let count = Int(value["records"]?.int64Value ?? 0)
      if count > 0 { names.append(name) }
      total += count
    }
    return (total, names.sorted())
  }

  /// What a reply to the branch costs under each `record_visibility` policy (SPEC.md §2.8):
  /// under `own_office` (the default) it carries the other offices' KPI values, not their
  /// records; head office then widens the policy and the `all_offices` reply carries the other
  /// offices' records, which the branch lacks; head office narrows it again, and that
  /// `own_office` reply carries none of them, and its receive sets aside what the second one
  /// brought.
  private static func replies(
    _ folder: String, _ command: (String, String?) throws -> JSONObject
  ) throws -> JSONValue {
    func exchange(_ name: String) throws -> JSONValue {
      let made = try command(
        "reply \(branch) --out reply-\(name).bundle --repo \(head) --format json",
        "reply-\(name).json")
      let received = try command(
        "receive reply-\(name).bundle --repo \(branch) --format json", "receive-\(name).json")
      var setAside: JSONValue = .null
      if let data = FileManager.default.contents(atPath: folder + "/receive-\(name).json"),
        let report = try? JSONParser.parse([UInt8](data))
      {
        setAside = report["bundle"]?["set_aside"] ?? .null
      }
      return Report.object([
        ("reply", .object(made)),
        ("bundle_bytes", Report.integer(bundleBytes(folder + "/reply-\(name).json"))),
        ("receive", .object(received)), ("set_aside", setAside),
      ])
    }
    let byDefault = try exchange("default")
    _ = try command(
      "put policies record_visibility value=all_offices --repo \(head) --format json", nil)
    let all = try exchange("all-offices")
    _ = try command(
      "put policies record_visibility value=own_office --repo \(head) --format json", nil)
    let own = try exchange("own-office")
    return Report.object([("default", byDefault), ("all_offices", all), ("own_office", own)])
  }

  private static func bundleBytes(_ path: String) -> Int {
    guard let data = FileManager.default.contents(atPath: path),
      case .object(let made)? = try? JSONParser.parse([UInt8](data))
    else { return 0 }
    return Int(made["bytes"]?.int64Value ?? 0)
  }

  private static func verifyOK(_ path: String) -> JSONValue {
    guard let data = FileManager.default.contents(atPath: path),
      case .object(let report)? = try? JSONParser.parse([UInt8](data))
    else { return .null }
    return report["ok"] ?? .null
  }

  /// Head office's bytes on disk split into journal, records and the rest, per live record and
  /// beside the NDJSON, CSV and SQLite sizes of the same records.
  static func footprintReport(
    _ usage: JSONValue, live: Int, ndjsonBytes: Int, csvBytes: Int, sqliteBytes: Double?
  ) -> JSONValue {
    let total = Report.double(usage["logical_bytes"]) ?? 0
    let journal = Report.double(usage["logical_bytes_by_entry"]?["journal"]) ?? 0
    let recordFiles = Report.double(usage["logical_bytes_by_entry"]?["records"]) ?? 0
    func perRecord(_ bytes: Double) -> JSONValue {
      live > 0 ? Report.decimal(bytes / Double(live), places: 1) : .null
    }
    func ratio(_ a: Double, _ b: Double?) -> JSONValue {
      guard let b, b > 0 else { return .null }
      return Report.decimal(a / b, places: 2)
    }
    return Report.object([
      ("repository", usage),
      ("live_records", Report.integer(live)),
      ("total_bytes", Report.integer(Int(total))), ("journal_bytes", Report.integer(Int(journal))),
      ("records_bytes", Report.integer(Int(recordFiles))),
      ("other_bytes", Report.integer(Int(total - journal - recordFiles))),
      ("total_bytes_per_record", perRecord(total)),
      ("journal_bytes_per_record", perRecord(journal)),
      ("records_bytes_per_record", perRecord(recordFiles)),
      ("ndjson_bytes", Report.integer(ndjsonBytes)),
      ("ndjson_bytes_per_record", perRecord(Double(ndjsonBytes))),
      ("csv_bytes", Report.integer(csvBytes)),
      ("csv_bytes_per_record", perRecord(Double(csvBytes))),
      ("sqlite_bytes", sqliteBytes.map { Report.integer(Int($0)) } ?? .null),
      ("sqlite_bytes_per_record", sqliteBytes.map(perRecord) ?? .null),
      ("disk_to_ndjson_ratio", ratio(total, Double(ndjsonBytes))),
      ("disk_to_csv_ratio", ratio(total, Double(csvBytes))),
      ("disk_to_sqlite_ratio", ratio(total, sqliteBytes)),
    ])
  }

  /// Every Outpost figure beside its peer's, with the ratios.
  static func compare(
    _ outpost: JSONObject, _ sqlite: [String: JSONObject], git: JSONObject?,
    submissionBytes: Int
  ) -> JSONValue {
    let pairs: [(String, String, String)] = [
      ("status", "count", "select count(*)"),
      ("get", "get", "keyed select of one row"),
      ("verify", "integrity_check", "pragma integrity_check"),
      ("export_csv", "export_csv", ".mode csv select * order by order_id"),
      ("kpi_full", "group_by", "GROUP BY office, month of five KPIs"),
      ("kpi_five", "group_by", "GROUP BY office, month of five KPIs"),
      ("submit", "select_changed", "select of the K changed rows by id"),
      ("merge_kpi_check", "update_changed", "update of the K changed rows by id, one transaction"),
      (
        "merge_no_kpi_check", "update_changed",
        "update of the K changed rows by id, one transaction"
      ),
    ]
    var members: [(String, JSONValue)] = []
    for (name, operation, what) in pairs {
      guard let mine = outpost[name] else { continue }
      let seconds = Report.double(mine["seconds"]) ?? 0
      let cpu = Report.double(mine["cpu_seconds"]) ?? 0
      var row: [(String, JSONValue)] = [
        ("outpost_seconds", Report.decimal(seconds)), ("outpost_cpu_seconds", Report.decimal(cpu)),
        ("outpost_peak_rss_bytes", mine["process"]?["peak_rss_bytes"] ?? .null),
        ("sqlite_operation", .string(what)),
      ]
      if let peer = sqlite[operation] {
        let peerSeconds = Report.double(peer["seconds"]) ?? 0
        let peerCPU = Report.double(peer["sqlite_cpu_seconds"]) ?? 0
        let statement = Report.double(peer["statement_seconds"]) ?? 0
        row += [
          ("sqlite_seconds", Report.decimal(peerSeconds)),
          ("sqlite_cpu_seconds", Report.decimal(peerCPU)),
          ("sqlite_statement_seconds", peer["statement_seconds"] ?? .null),
          (
            "seconds_ratio",
            peerSeconds > 0 ? Report.decimal(seconds / peerSeconds, places: 1) : .null
          ),
          ("cpu_seconds_ratio", peerCPU > 0 ? Report.decimal(cpu / peerCPU, places: 1) : .null),
          (
            "statement_seconds_ratio",
            statement > 0 ? Report.decimal(seconds / statement, places: 1) : .null
          ),
        ]
      } else {
        row += [("sqlite_seconds", .null), ("seconds_ratio", .null)]
      }
      members.append((name, Report.object(row)))
    }
    if let load = sqlite["load"] {
      members.append(
        (
          "load",
          Report.object([
            ("sqlite_seconds", load["seconds"] ?? .null),
            ("sqlite_cpu_seconds", load["sqlite_cpu_seconds"] ?? .null),
            ("sqlite_operation", .string(".import of the CSV export into the keyed table")),
          ])
        ))
    }
    var bundle: [(String, JSONValue)] = [("submission_bytes", Report.integer(submissionBytes))]
    if let git, let gitBytes = Report.double(git["bundle_bytes"]), gitBytes > 0 {
      let submit = Report.double(outpost["submit"]?["seconds"]) ?? 0
      let gitSeconds =
        (Report.double(git["init_add_commit_seconds"]) ?? 0)
        + (Report.double(git["bundle_seconds"]) ?? 0)
      bundle += [
        ("git_bundle_bytes", Report.integer(Int(gitBytes))),
        (
          "submission_to_git_bundle_ratio",
          Report.decimal(Double(submissionBytes) / gitBytes, places: 2)
        ),
        ("submit_seconds", Report.decimal(submit)),
        ("git_init_add_commit_bundle_seconds", Report.decimal(gitSeconds)),
        (
          "submit_to_git_seconds_ratio",
          gitSeconds > 0 ? Report.decimal(submit / gitSeconds, places: 1) : .null
        ),
      ]
    }
    members.append(("bundle", Report.object(bundle)))
    return Report.object(members)
  }
}
