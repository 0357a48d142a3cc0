import Foundation
import Outpost
import OutpostCodec
import OutpostModel
import OutpostStore

/// The child processes of `outpost-bench scale`: generating the orders, building head office and
/// the branch, running one `outpost` command, and the branch's edits.
extension ScaleBench {
  /// The settings every scale phase reads from its options.
  struct Setting {
    var folder: String
    var records: Int
    var changes: Int
    var generator: RecordGenerator

    init(_ options: Options) throws {
      folder = try StoreBench.requiredFolder(options)
      records = try options.count("records", default: 0)
      changes = try options.count("changes", default: 0)
      generator = RecordGenerator(seed: try options.seed(), offices: offices)
    }
  }

  /// Writes the orders as CSV files of at most ``chunk`` rows: `csv/branch-NNNNN.csv` holds the
  /// branch's (`north`, every fourth record), `csv/head-NNNNN.csv` the other three offices'.
  static func generate(_ options: Options) throws -> [(String, JSONValue)] {
    let setting = try Setting(options)
    let folder = setting.folder
    try FileManager.default.createDirectory(
      atPath: folder + "/csv", withIntermediateDirectories: true)
    let watch = Stopwatch()
    var summary: [(String, JSONValue)] = []
    var totalBytes = 0
    for side in ["branch", "head"] {
      var rows = 0
      var files = 0
      var bytes = 0
      var text = ""
      var inFile = 0
      func flush() throws {
        guard inFile > 0 else { return }
        let data = Array((CSVWriter.line(entry.schema.columns) + text).utf8)
        let name = String(files + 100_000).dropFirst()  // five digits, sorting by name
        try WorkFolder.write(data, to: "\(folder)/csv/\(side)-\(name).csv")
        bytes += data.count
        files += 1
        text = ""
        inFile = 0
      }
      for index in 0..<setting.records where (index % offices.count == 0) == (side == "branch") {
        text += setting.generator.csvLine(entry, index)
        rows += 1
        inFile += 1
        if inFile == chunk { try flush() }
      }
      try flush()
      totalBytes += bytes
      summary.append(
        (
          side,
          Report.object([
            ("records", Report.integer(rows)), ("files", Report.integer(files)),
            ("csv_bytes", Report.integer(bytes)),
          ])
        ))
    }
    return summary + [
      ("records", Report.integer(setting.records)), ("csv_bytes", Report.integer(totalBytes)),
      ("seconds", Report.decimal(watch.seconds)),
    ]
  }

  /// `outpost init --head` (hq), `office add` for the four offices, `init --key` (north).
  static func initialize(_ options: Options) throws -> [(String, JSONValue)] {
    let setting = try Setting(options)
    let watch = Stopwatch()
    try CLI.run(["init", "--office", head, "--head", "--repo", head], in: setting.folder)
    for office in offices {
      try CLI.run(
        ["office", "add", office, "--key-out", office + ".key", "--repo", head],
        in: setting.folder)
    }
    try CLI.run(
      ["init", "--office", branch, "--key", branch + ".key", "--repo", branch],
      in: setting.folder)
    return [("seconds", Report.decimal(watch.seconds))]
  }

  /// `outpost import orders FILE` for every file of one side (`--side branch|head`), one
  /// transaction per file, into that side's repository.
  static func importFiles(_ options: Options) throws -> [(String, JSONValue)] {
    let setting = try Setting(options)
    guard let side = options.string("side"), side == "branch" || side == "head" else {
      throw UsageError("phase scale-import needs --side branch|head")
    }
    let repository = side == "branch" ? branch : head
    let names = try FileManager.default.contentsOfDirectory(atPath: setting.folder + "/csv")
      .filter { $0.hasPrefix(side + "-") && $0.hasSuffix(".csv") }.sorted()
    let cpu = Stopwatch()
    var rows = 0
    var bytes = 0
    var fileSeconds: [JSONValue] = []
    var total = 0.0
    for name in names {
      let (result, seconds) = try Stopwatch.time {
        try CLI.runJSON(
          ["import", entry.name, "csv/" + name, "--repo", repository], in: setting.folder)
      }
      rows += Int(result["rows"]?.int64Value ?? 0)
      bytes += Int(FileStats.sizes(setting.folder + "/csv/" + name)?.logical ?? 0)
      total += seconds
      fileSeconds.append(Report.decimal(seconds))
    }
    return [
      ("repository", .string(repository)), ("records", Report.integer(rows)),
      ("files", Report.integer(names.count)), ("csv_bytes", Report.integer(bytes)),
      ("seconds", Report.decimal(total)), ("cpu_seconds", Report.decimal(cpu.cpuSeconds)),
      ("records_per_second", Report.rate(rows, total)),
      ("file_seconds", .array(fileSeconds)),
    ]
  }

  /// The branch submits its records, head office merges them (`--no-kpi-check`), replies, and
  /// the branch receives the reply: from then on its submissions hold only new changes.
  static func baseSync(_ options: Options) throws -> [(String, JSONValue)] {
    let setting = try Setting(options)
    let folder = setting.folder
    let (submitted, submitSeconds) = try Stopwatch.time {
      try CLI.runJSON(["submit", "--out", "base.bundle", "--repo", branch], in: folder)
    }
    let (_, mergeSeconds) = try Stopwatch.time {
      try CLI.runJSON(["merge", "base.bundle", "--no-kpi-check", "--repo", head], in: folder)
    }
    let (_, replySeconds) = try Stopwatch.time {
      try CLI.runJSON(["reply", branch, "--out", "reply.bundle", "--repo", head], in: folder)
    }
    let (_, receiveSeconds) = try Stopwatch.time {
      try CLI.runJSON(["receive", "reply.bundle", "--repo", branch], in: folder)
    }
    return [
      ("records", submitted["records"] ?? .null), ("bundle_bytes", submitted["bytes"] ?? .null),
      ("submit_seconds", Report.decimal(submitSeconds)),
      ("merge_no_kpi_check_seconds", Report.decimal(mergeSeconds)),
      ("reply_seconds", Report.decimal(replySeconds)),
      ("receive_seconds", Report.decimal(receiveSeconds)),
    ]
  }

  /// Runs one `outpost` command in-process (`--command "ARGS"`, split at spaces) and reports
  /// its time and output size; `--save FILE` keeps the output in the work folder.
  static func command(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    guard let line = options.string("command") else {
      throw UsageError("phase scale-command needs --command")
    }
    let arguments = line.split(separator: " ").map(String.init)
    let watch = Stopwatch()
    let output = try CLI.run(arguments, in: folder)
    let seconds = watch.seconds
    let cpu = watch.cpuSeconds
    let bytes = Array(output.utf8)
    if let save = options.string("save") {
      try WorkFolder.write(bytes, to: folder + "/" + save)
    }
    return [
      ("command", .string("outpost " + line)), ("seconds", Report.decimal(seconds)),
      ("cpu_seconds", Report.decimal(cpu)), ("output_bytes", Report.integer(bytes.count)),
      ("output_lines", Report.integer(bytes.reduce(0) { $0 + ($1 == 10 ? 1 : 0) })),
    ]
  }

  /// The generator indexes of the records the branch edits: its first `changes` orders.
  static func editedIndexes(_ setting: Setting) -> [Int] {
    let available = (setting.records + offices.count - 1) / offices.count
    return (0..<min(setting.changes, available)).map { $0 * offices.count }
  }

  /// The branch changes `amount` of its first K orders in one `RepositoryWriter.commit`, and
  /// lists their ids in `changed-ids.txt`.
  static func edit(_ options: Options) throws -> [(String, JSONValue)] {
    let setting = try Setting(options)
    let generator = setting.generator
    guard let field = entry.schema.field(entry.editField) else {
      throw BenchError("orders has no field \(entry.editField)")
    }
    let watch = Stopwatch()
    var changes: [RecordChange] = []
    var ids = ""
    for index in editedIndexes(setting) {
      let (id, _) = try generator.record(entry, cells: generator.cells(entry, index))
      let text = generator.editedCell(entry, index, writer: 1)
      let value: JSONValue
      do { value = try field.parseCell(text) } catch {
        throw BenchError("edit of orders.\(entry.editField): \(error.message)")
      }
      changes.append(.put(collection: entry.name, id: id, fields: [entry.editField: value]))
      ids += id.rawValue + "," + text + "\n"
    }
    let repository = try RepositoryWriter.open(
      at: setting.folder + "/" + branch, now: MergeBench.now)
    // As `outpost put` or `import` would: the writer keeps the KPI summaries (SPEC.md §4.5).
    repository.caches = [KPIAggregateCache()]
    let summary = try repository.commit(changes, command: "bench scale edit")
    repository.close()
    try WorkFolder.write(Array(ids.utf8), to: setting.folder + "/changed-ids.txt")
    return [
      ("updated", Report.integer(summary.updated)), ("transactions", Report.integer(1)),
      ("seconds", Report.decimal(watch.seconds)),
      ("cpu_seconds", Report.decimal(watch.cpuSeconds)),
    ]
  }

  /// The changed records' ids and new amounts, as `edit` wrote them.
  static func changedRecords(_ folder: String) throws -> [(id: String, amount: String)] {
    guard let text = try? String(contentsOfFile: folder + "/changed-ids.txt", encoding: .utf8)
    else { throw BenchError("cannot read changed-ids.txt") }
    return text.split(separator: "\n").compactMap { line in
      let parts = line.split(separator: ",")
      return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
    }
  }
}
