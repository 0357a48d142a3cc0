import Foundation
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostStore
import OutpostSync

/// `outpost-bench merge`: how fast head office merges branch submissions, and whether the cost
/// follows the bundle or the repository.
///
/// For each repository size M a *template* is built once: head office enrolls the branches
/// (`outpost office add`, `outpost init --key`), each branch creates its share of the M records
/// (RepositoryWriter.commit, one transaction per 20,000 records of a collection), submits them, head office merges, replies, and each branch receives, so every
/// replica holds the M records and knows head office has them. A *scenario* (N changes, M
/// records) then starts from a copy of the template: the branches edit N records in all
/// (one commit each), head office edits `conflict-rate` × N of the same records concurrently
/// (one commit), each branch runs `outpost submit`, and head office runs `outpost merge` on all
/// submissions: that command is the measured merge. A breakdown phase first times the steps of
/// the merge through the public API (open, verify, parse, look up, check, join) without writing.
enum MergeBench {
  /// Head office's replica id.
  static let head = "hq"
  /// The clock every repository in the benchmark uses.
  static let now: @Sendable () -> Timestamp = { "2026-12-02T09:00:00Z" }

  /// The branch names for a branch count.
  static func branches(_ count: Int) -> [String] {
    let names = ["north", "east", "south", "west", "central"]
    return (0..<max(1, count)).map { $0 < names.count ? names[$0] : "branch\($0)" }
  }

  /// One measured merge: `changes` changed records into a repository of `records` records.
  struct Scenario: Hashable {
    var changes: Int
    var records: Int
  }

  /// Runs the benchmark and returns its JSON document.
  static func run(_ options: Options) throws -> JSONValue {
    try options.check(allowed: [
      "changes", "repo-records", "conflict-rate", "bundle-sizes", "repo-sizes", "branches",
    ])
    let changes = max(1, try options.count("changes", default: 1_000_000))
    let records = max(changes, try options.count("repo-records", default: 1_000_000))
    let rate = try options.fraction("conflict-rate", default: 0.01)
    let branchCount = max(1, try options.count("branches", default: 2))
    let seed = try options.seed()
    let bundleSizes = try sizes(options, "bundle-sizes", around: changes, atMost: records)
    let smallest = bundleSizes.first ?? changes
    let repoSizes = try sizes(options, "repo-sizes", around: records, atLeast: smallest)
    var scenarios = bundleSizes.map { Scenario(changes: $0, records: records) }
    for size in repoSizes where !scenarios.contains(Scenario(changes: smallest, records: size)) {
      scenarios.append(Scenario(changes: smallest, records: size))
    }
    let folder = try WorkFolder.create(options, "merge")
    defer { WorkFolder.finish(folder, options) }
    let common = [
      "--branches", "\(branchCount)", "--seed", "\(seed)", "--conflict-rate", "\(rate)",
    ]
    var templates: [(String, JSONValue)] = []
    var results: [Scenario: JSONObject] = [:]
    for size in Set(scenarios.map(\.records)).sorted() {
      let template = folder + "/template-\(size)"
      templates.append(("\(size)", try buildTemplate(template, records: size, common)))
      let using = scenarios.filter { $0.records == size }.sorted { $0.changes < $1.changes }
      for (index, scenario) in using.enumerated() {
        let directory = folder + "/scenario-\(scenario.changes)-\(scenario.records)"
        if index == using.count - 1 {
          try FileManager.default.moveItem(atPath: template, toPath: directory)
        } else {
          try FileManager.default.copyItem(atPath: template, toPath: directory)
        }
        results[scenario] = try runScenario(directory, scenario, common)
        if !options.flags.contains("keep") {
          try? FileManager.default.removeItem(atPath: directory)
        }
      }
    }
    func row(_ scenario: Scenario) -> JSONValue {
      guard let result = results[scenario] else { return .null }
      let merge = result["merge"]
      let breakdown = result["breakdown"]
      return Report.object([
        ("changes", Report.integer(scenario.changes)),
        ("repo_records", Report.integer(scenario.records)),
        ("merge_seconds", merge?["seconds"] ?? .null),
        ("merge_cpu_seconds", merge?["cpu_seconds"] ?? .null),
        ("changes_per_second", merge?["changes_per_second"] ?? .null),
        ("merge_peak_rss_bytes", merge?["process"]?["peak_rss_bytes"] ?? .null),
        ("lookup_seconds", breakdown?["lookup_seconds"] ?? .null),
        ("estimated_commit_seconds", result["estimated_commit_seconds"] ?? .null),
        ("touched_buckets", breakdown?["touched_buckets"] ?? .null),
        ("touched_bucket_bytes", breakdown?["touched_bucket_bytes"] ?? .null),
        ("journal_bytes", breakdown?["journal_bytes"] ?? .null),
      ])
    }
    /// How much the merge time grew from the first row to the last, beside how much the
    /// varied size grew.
    func growth(_ rows: [Scenario], _ size: (Scenario) -> Int) -> JSONValue {
      guard let first = rows.first, let last = rows.last, first != last,
        let low = Report.double(results[first]?["merge"]?["seconds"]),
        let high = Report.double(results[last]?["merge"]?["seconds"]), low > 0
      else { return .null }
      return Report.object([
        ("size_ratio", Report.decimal(Double(size(last)) / Double(size(first)), places: 1)),
        ("merge_seconds_ratio", Report.decimal(high / low, places: 2)),
      ])
    }
    let fixedRepository = bundleSizes.map { Scenario(changes: $0, records: records) }
    let fixedBundle = repoSizes.map { Scenario(changes: smallest, records: $0) }
    return Report.object([
      ("benchmark", .string("merge")),
      ("machine", Report.machine()),
      ("units", Report.units),
      (
        "parameters",
        Report.object([
          ("changes", Report.integer(changes)), ("repo_records", Report.integer(records)),
          ("conflict_rate", Report.decimal(rate, places: 4)),
          ("branches", .array(branches(branchCount).map { .string($0) })),
          ("seed", .string("\(seed)")),
          ("bundle_sizes", .array(bundleSizes.map { Report.integer($0) })),
          ("repo_sizes", .array(repoSizes.map { Report.integer($0) })),
          ("method", .string(methodText)),
        ])
      ),
      ("headline", row(Scenario(changes: changes, records: records))),
      (
        "scaling",
        Report.object([
          (
            "fixed_repository",
            Report.object([
              ("repo_records", Report.integer(records)),
              ("rows", .array(fixedRepository.map(row))),
              ("growth", growth(fixedRepository, \.changes)),
            ])
          ),
          (
            "fixed_bundle",
            Report.object([
              ("changes", Report.integer(smallest)),
              ("rows", .array(fixedBundle.map(row))),
              ("growth", growth(fixedBundle, \.records)),
            ])
          ),
        ])
      ),
      ("templates", Report.object(templates)),
      (
        "scenarios",
        .array(
          scenarios.compactMap { scenario in
            results[scenario].map { .object($0) }
          })
      ),
    ])
  }

  static let methodText =
    "Per repository size M, a template: 'outpost init' (head) and 'office add' + 'init --key' "
    + "per branch; each branch creates its share of the M records with RepositoryWriter.commit, one "
    + "transaction per 20,000 records of a collection; 'outpost submit' per branch; 'outpost merge' of "
    + "all submissions at head office, --no-kpi-check (templates.*.base_merge: M new records into an empty "
    + "repository); 'outpost reply' + 'outpost receive' per branch. Per scenario (N, M), from a "
    + "copy of the template: branches edit N records in all (one RepositoryWriter.commit each), head "
    + "office edits conflict_rate x N of them concurrently (one commit), 'outpost submit' per "
    + "branch, then the measured 'outpost merge' of every submission, run in-process in its own "
    + "child process. breakdown times the merge's steps through the public API without writing; "
    + "estimated_commit_seconds = merge seconds minus the breakdown's open (write mode), "
    + "verify, parse, lookup, check and join."

  /// The sizes of a scaling series: the list given, else `value / 100`, `value / 10`, `value`.
  private static func sizes(
    _ options: Options, _ name: String, around value: Int, atLeast low: Int = 1,
    atMost high: Int = .max
  ) throws -> [Int] {
    let fallback = [value / 100, value / 10, value]
    let chosen = try options.counts(name, default: fallback)
    return Array(Set(chosen.filter { $0 >= max(1, low) && $0 <= high })).sorted()
  }

  /// Builds the template for `records` records: seeded branches, merged, replied to.
  private static func buildTemplate(_ folder: String, records: Int, _ common: [String]) throws
    -> JSONValue
  {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let arguments = ["--dir", folder, "--records", "\(records)"] + common
    let seeded = try Phase.run("merge-seed", arguments)
    let submitted = try Phase.run("merge-submit", arguments + ["--tag", "base"])
    let merged = try Phase.run("merge-apply", arguments + ["--tag", "base"])
    let replied = try Phase.run("merge-reply", arguments)
    return Report.object([
      ("seed", .object(seeded)), ("base_submit", .object(submitted)),
      ("base_merge", .object(merged)), ("reply_receive", .object(replied)),
      ("head_office_repository", WorkFolder.usage(folder + "/" + head)),
    ])
  }

  /// Runs one scenario in a copy of its template.
  private static func runScenario(_ folder: String, _ scenario: Scenario, _ common: [String])
    throws -> JSONObject
  {
    let arguments =
      ["--dir", folder, "--records", "\(scenario.records)", "--changes", "\(scenario.changes)"]
      + common
    let edited = try Phase.run("merge-edit", arguments)
    let submitted = try Phase.run("merge-submit", arguments + ["--tag", "edits"])
    let repository = WorkFolder.usage(folder + "/" + head)
    let breakdown = try Phase.run("merge-breakdown", arguments + ["--tag", "edits"])
    let merged = try Phase.run("merge-apply", arguments + ["--tag", "edits"])
    var members: [(String, JSONValue)] = [
      ("changes", Report.integer(scenario.changes)),
      ("repo_records", Report.integer(scenario.records)),
      ("edit", .object(edited)), ("submit", .object(submitted)),
      ("head_office_repository_before_merge", repository),
      ("breakdown", .object(breakdown)), ("merge", .object(merged)),
    ]
    func seconds(_ object: JSONObject, _ key: String) -> Double { Report.double(object[key]) ?? 0 }
    let steps =
      ["open_write_seconds", "verify_seconds", "parse_seconds", "lookup_seconds"]
      + ["check_seconds", "join_seconds"]
    let before = steps.map { seconds(breakdown, $0) }.reduce(0, +)
    members.append(
      ("estimated_commit_seconds", Report.decimal(max(0, seconds(merged, "seconds") - before))))
    return JSONObject(uncheckedPairs: members)
  }

  // MARK: Phases (child processes)

  /// The settings every merge phase reads from its options.
  struct Setting {
    var folder: String
    var records: Int
    var changes: Int
    var rate: Double
    var branches: [String]
    var generator: RecordGenerator

    init(_ options: Options) throws {
      folder = try StoreBench.requiredFolder(options)
      records = try options.count("records", default: 0)
      changes = try options.count("changes", default: 0)
      rate = try options.fraction("conflict-rate", default: 0.01)
      branches = MergeBench.branches(try options.count("branches", default: 2))
      generator = RecordGenerator(seed: try options.seed(), offices: branches)
    }

    /// Opens a repository of the benchmark for writing.
    func open(_ name: String) throws -> RepositoryWriter {
      try RepositoryWriter.open(at: folder + "/" + name, now: MergeBench.now)
    }
  }

  /// Creates head office and the branches, and each branch's records.
  static func seed(_ options: Options) throws -> [(String, JSONValue)] {
    let setting = try Setting(options)
    let folder = setting.folder
    let watch = Stopwatch()
    try CLI.run(["init", "--office", head, "--head", "--repo", head], in: folder)
    for branch in setting.branches {
      try CLI.run(
        ["office", "add", branch, "--key-out", branch + ".key", "--repo", head], in: folder)
      try CLI.run(
        ["init", "--office", branch, "--key", branch + ".key", "--repo", branch], in: folder)
    }
    let setupSeconds = watch.seconds
    var perBranch: [(String, JSONValue)] = []
    let plan = RecordGenerator.plan(total: setting.records)
    for (number, branch) in setting.branches.enumerated() {
      let branchWatch = Stopwatch()
      let repository = try setting.open(branch)
      var transactions = 0
      var created = 0
      for (entry, count) in plan where count > 0 {
        var batch: [RecordChange] = []
        func flush() throws {
          guard !batch.isEmpty else { return }
          let summary = try repository.commit(batch, command: "bench seed")
          created += summary.created
          transactions += 1
          batch = []
        }
        for index in stride(from: number, to: count, by: setting.branches.count) {
          let (id, fields) = try setting.generator.record(
            entry, cells: setting.generator.cells(entry, index))
          batch.append(.put(collection: entry.name, id: id, fields: fields))
          if batch.count == 20_000 { try flush() }
        }
        try flush()
      }
      repository.close()
      perBranch.append(
        (
          branch,
          Report.object([
            ("records", Report.integer(created)), ("transactions", Report.integer(transactions)),
            ("seconds", Report.decimal(branchWatch.seconds)),
            ("records_per_second", Report.rate(created, branchWatch.seconds)),
          ])
        ))
    }
    return [
      ("init_and_enroll_seconds", Report.decimal(setupSeconds)),
      ("branches", Report.object(perBranch)),
      ("seconds", Report.decimal(watch.seconds)),
    ]
  }

  /// The bucket a record lives in: the first byte of SHA-256 of its lowercased id (SPEC.md §4.4).
  static func bucket(of id: RecordID) -> UInt8 {
    SHA256.hash(Array(id.collisionKey.utf8)).bytes.first ?? 0
  }

  /// Each branch runs `outpost submit`.
  static func submit(_ options: Options) throws -> [(String, JSONValue)] {
    let setting = try Setting(options)
    let tag = options.string("tag") ?? "bundle"
    var members: [(String, JSONValue)] = []
    var total = 0.0
    for branch in setting.branches {
      let (made, seconds) = try Stopwatch.time {
        try CLI.runJSON(
          ["submit", "--out", "\(tag)-\(branch).bundle", "--repo", branch], in: setting.folder)
      }
      total += seconds
      members.append(
        (
          branch,
          Report.object([
            ("records", made["records"] ?? .null), ("bundle_bytes", made["bytes"] ?? .null),
            ("seconds", Report.decimal(seconds)),
          ])
        ))
    }
    return [("branches", Report.object(members)), ("seconds", Report.decimal(total))]
  }

  /// Head office runs `outpost merge` on every branch's bundle: the measured merge.
  static func apply(_ options: Options) throws -> [(String, JSONValue)] {
    let setting = try Setting(options)
    let tag = options.string("tag") ?? "bundle"
    let files = setting.branches.map { "\(tag)-\($0).bundle" }
    let watch = Stopwatch()
    // Without the KPI reconciliation (SPEC.md §9.7), which recomputes the branch's KPIs from
    // every record of the collections they read: a cost of the repository, not of the bundle.
    let report = try CLI.runJSON(
      ["merge"] + files + ["--no-kpi-check", "--repo", head], in: setting.folder)
    let seconds = watch.seconds
    let cpu = watch.cpuSeconds
    var merged = 0
    var totals: [(String, JSONValue)] = []
    if case .object(let object)? = report["totals"] {
      for (key, value) in object {
        totals.append((key, value))
        if MergeOutcome(rawValue: key) != nil { merged += Int(value.int64Value ?? 0) }
      }
    }
    return [
      ("bundles", Report.integer(files.count)), ("records", Report.integer(merged)),
      ("totals", Report.object(totals)), ("seconds", Report.decimal(seconds)),
      ("cpu_seconds", Report.decimal(cpu)),
      ("changes_per_second", Report.rate(merged, seconds)),
      ("changes_per_cpu_second", Report.rate(merged, cpu)),
    ]
  }

  /// Head office replies to each branch (`outpost reply`) and the branch receives it.
  static func reply(_ options: Options) throws -> [(String, JSONValue)] {
    let setting = try Setting(options)
    var members: [(String, JSONValue)] = []
    for branch in setting.branches {
      let file = "reply-\(branch).bundle"
      let (made, replySeconds) = try Stopwatch.time {
        try CLI.runJSON(["reply", branch, "--out", file, "--repo", head], in: setting.folder)
      }
      let (_, receiveSeconds) = try Stopwatch.time {
        try CLI.runJSON(["receive", file, "--repo", branch], in: setting.folder)
      }
      members.append(
        (
          branch,
          Report.object([
            ("records", made["records"] ?? .null), ("bundle_bytes", made["bytes"] ?? .null),
            ("reply_seconds", Report.decimal(replySeconds)),
            ("receive_seconds", Report.decimal(receiveSeconds)),
          ])
        ))
    }
    return [("branches", Report.object(members))]
  }

  /// The records a scenario edits: `(entry, index)` for the first records of each collection,
  /// in proportion to the mix; `conflicting` marks those head office edits too.
  static func edits(_ setting: Setting) -> [(entry: MixEntry, index: Int, conflicting: Bool)] {
    let available = Dictionary(
      uniqueKeysWithValues: RecordGenerator.plan(total: setting.records).map {
        ($0.entry.name, $0.count)
      })
    var result: [(MixEntry, Int, Bool)] = []
    for (entry, wanted) in RecordGenerator.plan(total: setting.changes) {
      for index in 0..<min(wanted, available[entry.name] ?? 0) {
        // Every (1 / rate)-th edit conflicts: exactly floor(count × rate) per collection.
        let conflicting =
          Int(Double(index + 1) * setting.rate) > Int(Double(index) * setting.rate)
        result.append((entry, index, conflicting))
      }
    }
    return result
  }

  /// The branches edit their records; head office edits some of them concurrently.
  static func edit(_ options: Options) throws -> [(String, JSONValue)] {
    let setting = try Setting(options)
    let all = edits(setting)
    let generator = setting.generator
    var members: [(String, JSONValue)] = []
    var total = 0
    for (number, branch) in setting.branches.enumerated() {
      let watch = Stopwatch()
      var changes: [RecordChange] = []
      for edit in all where edit.index % setting.branches.count == number {
        let (id, _) = try generator.record(
          edit.entry, cells: generator.cells(edit.entry, edit.index))
        let value = try cell(edit.entry, generator.editedCell(edit.entry, edit.index, writer: 1))
        changes.append(
          .put(collection: edit.entry.name, id: id, fields: [edit.entry.editField: value]))
      }
      let repository = try setting.open(branch)
      let summary = try repository.commit(changes, command: "bench edit")
      repository.close()
      total += summary.updated
      members.append(
        (
          branch,
          Report.object([
            ("updated", Report.integer(summary.updated)),
            ("seconds", Report.decimal(watch.seconds)),
          ])
        ))
    }
    let watch = Stopwatch()
    var changes: [RecordChange] = []
    for edit in all where edit.conflicting {
      let (id, _) = try generator.record(edit.entry, cells: generator.cells(edit.entry, edit.index))
      let value = try cell(edit.entry, generator.editedCell(edit.entry, edit.index, writer: 2))
      changes.append(
        .put(collection: edit.entry.name, id: id, fields: [edit.entry.editField: value]))
    }
    let repository = try setting.open(head)
    let summary = try repository.commit(changes, command: "bench concurrent edit")
    repository.close()
    return [
      ("branch_edits", Report.integer(total)), ("branches", Report.object(members)),
      ("head_office_edits", Report.integer(summary.updated)),
      ("head_office_seconds", Report.decimal(watch.seconds)),
    ]
  }

  private static func cell(_ entry: MixEntry, _ text: String) throws -> JSONValue {
    guard let field = entry.schema.field(entry.editField) else {
      throw BenchError("\(entry.name) has no field \(entry.editField)")
    }
    do { return try field.parseCell(text) } catch {
      throw BenchError("edit of \(entry.name).\(entry.editField): \(error.message)")
    }
  }

  /// Times the steps of a merge through the public API, writing nothing.
  static func breakdown(_ options: Options) throws -> [(String, JSONValue)] {
    let setting = try Setting(options)
    let folder = setting.folder
    let tag = options.string("tag") ?? "bundle"
    let headID = try ReplicaID(head)
    var keys: [OfficeKey] = []
    for branch in setting.branches {
      guard let bytes = FileManager.default.contents(atPath: "\(folder)/\(branch).key") else {
        throw BenchError("cannot read \(branch).key")
      }
      keys.append(try OfficeKey(fileBytes: [UInt8](bytes), path: branch + ".key"))
    }
    let (writer, openWrite) = try Stopwatch.time { try setting.open(head) }
    writer.close()
    let (repository, openRead) = try Stopwatch.time {
      try RepositoryReader.open(at: folder + "/" + head, now: now)
    }
    var verifySeconds = 0.0
    var parseSeconds = 0.0
    var lookupSeconds = 0.0
    var checkSeconds = 0.0
    var joinSeconds = 0.0
    var records = 0
    var touched: Set<String> = []
    var outcomes: [MergeOutcome: Int] = [:]
    var payloadBytes = 0
    for branch in setting.branches {
      guard let data = FileManager.default.contents(atPath: "\(folder)/\(tag)-\(branch).bundle")
      else { throw BenchError("cannot read \(tag)-\(branch).bundle") }
      let bytes = [UInt8](data)
      payloadBytes += bytes.count
      let (bundle, verify) = try Stopwatch.time {
        try BundleCodec.verify(bytes, name: branch, recipient: headID) { keyID in
          keys.first { $0.keyID == keyID }.map { .active($0) } ?? .unknown
        }
      }
      verifySeconds += verify
      let (parsed, parse) = try Stopwatch.time { try bundle.records() }
      parseSeconds += parse
      records += parsed.count
      let (existing, lookup) = try Stopwatch.time {
        try parsed.map { try repository.lookup($0.collection, $0.id).0 }
      }
      lookupSeconds += lookup
      let sender = bundle.manifest.from
      let clock = bundle.manifest.clock
      let (_, check) = try Stopwatch.time {
        for (record, state) in zip(parsed, existing) {
          try Merge.checkSubmitted(
            record, schema: try repository.schema(record.collection), existing: state,
            sender: sender, clock: clock)
        }
      }
      checkSeconds += check
      let (joined, join) = Stopwatch.time {
        zip(parsed, existing).map { Merge.join($0.state, into: $1).outcome }
      }
      joinSeconds += join
      for outcome in joined { outcomes[outcome, default: 0] += 1 }
      for record in parsed {
        touched.insert(record.collection + "/" + Hex.encode([bucket(of: record.id)]))
      }
    }
    var touchedBytes: Int64 = 0
    for key in touched {
      // The bucket's base; deltas are at most as large together (SPEC.md §4.4).
      touchedBytes += FileStats.sizes("\(folder)/\(head)/records/\(key).json")?.logical ?? 0
    }
    let journal = FileStats.sizes("\(folder)/\(head)/journal/0000000001.jsonl")?.logical ?? 0
    return [
      ("records", Report.integer(records)), ("bundle_bytes", Report.integer(payloadBytes)),
      ("open_write_seconds", Report.decimal(openWrite)),
      ("open_read_seconds", Report.decimal(openRead)),
      ("verify_seconds", Report.decimal(verifySeconds)),
      ("parse_seconds", Report.decimal(parseSeconds)),
      ("lookup_seconds", Report.decimal(lookupSeconds)),
      ("check_seconds", Report.decimal(checkSeconds)),
      ("join_seconds", Report.decimal(joinSeconds)),
      ("touched_buckets", Report.integer(touched.count)),
      ("touched_bucket_bytes", Report.integer(touchedBytes)),
      ("journal_bytes", Report.integer(journal)),
      (
        "outcomes",
        Report.object(outcomes.map { ($0.key.rawValue, Report.integer($0.value)) })
      ),
    ]
  }
}
