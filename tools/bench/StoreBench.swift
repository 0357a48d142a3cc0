import Foundation
import OutpostCodec
import OutpostModel

/// `outpost-bench store`: generate CSV files, import them with `outpost import`, export every
/// collection as CSV and NDJSON, and measure the repository on disk.
enum StoreBench {
  /// The offices the generated records belong to (imported at head office, which may write them
  /// all once it has enrolled them).
  static let offices = ["north", "east", "south", "west"]

  /// Runs the benchmark and returns its JSON document.
  static func run(_ options: Options) throws -> JSONValue {
    try options.check(allowed: ["records", "chunk"])
    let records = try options.count("records", default: 1_000_000)
    let chunk = max(1, try options.count("chunk", default: 10_000))
    let seed = try options.seed()
    let folder = try WorkFolder.create(options, "store")
    defer { WorkFolder.finish(folder, options) }
    let common = ["--dir", folder, "--seed", "\(seed)"]
    let generated = try Phase.run(
      "store-generate", common + ["--records", "\(records)", "--chunk", "\(chunk)"])
    let imported = try Phase.run("store-import", common)
    let exported = try Phase.run("store-export", common)
    return Report.object([
      ("benchmark", .string("store")),
      ("machine", Report.machine()),
      ("units", Report.units),
      (
        "parameters",
        Report.object([
          ("records", Report.integer(records)), ("chunk_rows", Report.integer(chunk)),
          ("seed", .string("\(seed)")), ("offices", .array(offices.map { .string($0) })),
          (
            "method",
            .string(
              "CSV files of at most chunk_rows rows per collection; each file imported by "
                + "'outpost import COLLECTION FILE' run in-process (OutpostCLI Tool.run), one "
                + "transaction per file, into a head-office repository; then 'outpost export "
                + "COLLECTION --format csv|ndjson' per collection")
          ),
        ])
      ),
      ("generate", .object(generated)),
      ("import", .object(imported)),
      ("export", .object(exported)),
      ("repository", WorkFolder.usage(folder + "/repo")),
    ])
  }

  // MARK: Phases (child processes)

  /// Writes the CSV files: `csv/<collection>-<nnnnn>.csv`.
  static func generate(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try requiredFolder(options)
    let total = try options.count("records", default: 0)
    let chunk = max(1, try options.count("chunk", default: 10_000))
    let generator = RecordGenerator(seed: try options.seed(), offices: offices)
    try FileManager.default.createDirectory(
      atPath: folder + "/csv", withIntermediateDirectories: true)
    var bytes = 0
    var files = 0
    var perCollection: [(String, JSONValue)] = []
    let watch = Stopwatch()
    for (entry, count) in RecordGenerator.plan(total: total) where count > 0 {
      var start = 0
      var number = 0
      while start < count {
        let end = min(count, start + chunk)
        var text = CSVWriter.line(entry.schema.columns)
        for index in start..<end { text += generator.csvLine(entry, index) }
        let data = Array(text.utf8)
        let name = String(number + 100_000).dropFirst()  // five digits, sorting by name
        try WorkFolder.write(data, to: "\(folder)/csv/\(entry.name)-\(name).csv")
        bytes += data.count
        files += 1
        number += 1
        start = end
      }
      perCollection.append((entry.name, Report.integer(count)))
    }
    return [
      ("records", Report.integer(total)), ("csv_bytes", Report.integer(bytes)),
      ("files", Report.integer(files)), ("seconds", Report.decimal(watch.seconds)),
      ("records_by_collection", Report.object(perCollection)),
    ]
  }

  /// Creates the repository and imports every CSV file with `outpost import`.
  static func importFiles(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try requiredFolder(options)
    try CLI.run(["init", "--office", "hq", "--head", "--repo", "repo"], in: folder)
    // Head office takes records only of the offices it enrolled.
    for office in offices {
      try CLI.run(
        ["office", "add", office, "--key-out", "\(office).key", "--repo", "repo"], in: folder)
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: folder + "/csv")
      .filter { $0.hasSuffix(".csv") }.sorted()
    var totalRows = 0
    var totalBytes = 0
    var totalSeconds = 0.0
    let cpu = Stopwatch()
    var byCollection: [String: (rows: Int, bytes: Int, seconds: [Double])] = [:]
    for name in names {
      guard let dash = name.lastIndex(of: "-") else { continue }
      let collection = String(name[..<dash])
      let size = Int(FileStats.sizes(folder + "/csv/" + name)?.logical ?? 0)
      let (result, seconds) = try Stopwatch.time {
        try CLI.runJSON(["import", collection, "csv/" + name, "--repo", "repo"], in: folder)
      }
      let rows = Int(result["rows"]?.int64Value ?? 0)
      totalRows += rows
      totalBytes += size
      totalSeconds += seconds
      byCollection[collection, default: (0, 0, [])].rows += rows
      byCollection[collection, default: (0, 0, [])].bytes += size
      byCollection[collection, default: (0, 0, [])].seconds.append(seconds)
      Log.note("imported \(name): \(rows) rows in \(String(format: "%.2f", seconds)) s")
    }
    let collections = byCollection.map { name, figures in
      let seconds = figures.seconds.reduce(0, +)
      return (
        name,
        Report.object([
          ("records", Report.integer(figures.rows)), ("csv_bytes", Report.integer(figures.bytes)),
          ("files", Report.integer(figures.seconds.count)),
          ("seconds", Report.decimal(seconds)),
          ("records_per_second", Report.rate(figures.rows, seconds)),
          ("file_seconds", .array(figures.seconds.map { Report.decimal($0) })),
        ])
      )
    }
    return [
      ("records", Report.integer(totalRows)), ("csv_bytes", Report.integer(totalBytes)),
      ("files", Report.integer(names.count)), ("transactions", Report.integer(names.count)),
      ("seconds", Report.decimal(totalSeconds)),
      ("records_per_second", Report.rate(totalRows, totalSeconds)),
      ("csv_mib_per_second", Report.mibPerSecond(totalBytes, totalSeconds)),
      ("cpu_seconds", Report.decimal(cpu.cpuSeconds)),
      ("records_per_cpu_second", Report.rate(totalRows, cpu.cpuSeconds)),
      ("collections", Report.object(collections)),
    ]
  }

  /// Exports every generated collection as CSV and as NDJSON with `outpost export`.
  static func exportCollections(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try requiredFolder(options)
    var members: [(String, JSONValue)] = []
    for format in ["csv", "ndjson"] {
      var rows = 0
      var bytes = 0
      var seconds = 0.0
      let cpu = Stopwatch()
      var collections: [(String, JSONValue)] = []
      for entry in RecordGenerator.mix {
        let (output, elapsed) = try Stopwatch.time {
          try CLI.run(["export", entry.name, "--format", format, "--repo", "repo"], in: folder)
        }
        let lines = output.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        let count = format == "csv" ? max(0, lines - 1) : lines
        rows += count
        bytes += output.utf8.count
        seconds += elapsed
        collections.append(
          (
            entry.name,
            Report.object([
              ("records", Report.integer(count)), ("seconds", Report.decimal(elapsed)),
              ("records_per_second", Report.rate(count, elapsed)),
            ])
          ))
      }
      members.append(
        (
          format,
          Report.object([
            ("records", Report.integer(rows)), ("output_bytes", Report.integer(bytes)),
            ("seconds", Report.decimal(seconds)),
            ("records_per_second", Report.rate(rows, seconds)),
            ("output_mib_per_second", Report.mibPerSecond(bytes, seconds)),
            ("cpu_seconds", Report.decimal(cpu.cpuSeconds)),
            ("records_per_cpu_second", Report.rate(rows, cpu.cpuSeconds)),
            ("collections", Report.object(collections)),
          ])
        ))
    }
    return members
  }

  /// The `--dir` option of a phase.
  static func requiredFolder(_ options: Options) throws -> String {
    guard let folder = options.string("dir") else { throw UsageError("phase needs --dir") }
    return folder
  }
}
