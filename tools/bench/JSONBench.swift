import Foundation
import OutpostCodec
import OutpostModel

/// `outpost-bench json`: Outpost's `JSONParser` and `JSONWriter` beside Foundation's
/// `JSONSerialization` and `JSONDecoder`/`JSONEncoder`, on the same data in the same run.
///
/// Two data sets of generated `orders` rows: an NDJSON corpus (one row per line, parsed and
/// written line by line) and one large document shaped like a record file (every row in one
/// object keyed by id). Each engine runs in its own child process; each measurement is repeated
/// (within a time budget) and the best and median times are reported. Throughput is always input
/// bytes (the canonical corpus) per second, so the ratios are plain time ratios.
enum JSONBench {
  /// The engines, in report order.
  static let engines = ["outpost", "foundation_jsonserialization", "foundation_codable"]
  /// The data sets.
  static let datasets = ["ndjson", "document"]

  /// Runs the benchmark and returns its JSON document.
  static func run(_ options: Options) throws -> JSONValue {
    try options.check(allowed: ["mib", "repeat", "engines"])
    let mib = max(1, try options.count("mib", default: 100))
    let repeats = max(1, try options.count("repeat", default: 3))
    let seed = try options.seed()
    let folder = try WorkFolder.create(options, "json")
    defer { WorkFolder.finish(folder, options) }
    let generated = try Phase.run(
      "json-generate", ["--dir", folder, "--mib", "\(mib)", "--seed", "\(seed)"])
    let chosen =
      options.string("engines").map { $0.split(separator: ",").map(String.init) } ?? engines
    for engine in chosen where !engines.contains(engine) {
      throw UsageError("unknown engine '\(engine)'; engines: \(engines.joined(separator: ", "))")
    }
    var results: [(String, JSONValue)] = []
    for dataset in datasets {
      var byEngine: [String: JSONObject] = [:]
      for engine in engines where chosen.contains(engine) {
        byEngine[engine] = try Phase.run(
          "json-engine",
          ["--dir", folder, "--engine", engine, "--data", dataset, "--repeat", "\(repeats)"])
      }
      results.append((dataset, compare(byEngine)))
    }
    return Report.object([
      ("benchmark", .string("json")),
      ("machine", Report.machine()),
      ("units", Report.units),
      (
        "parameters",
        Report.object([
          ("target_mib", Report.integer(mib)), ("repeat", Report.integer(repeats)),
          ("seed", .string("\(seed)")),
          (
            "method",
            .string(
              "orders rows from the generator. ndjson: one canonical JSON object per line, each "
                + "line parsed separately, then every parsed value written back. document: all "
                + "rows in one object keyed by id (record-file shape). Outpost: JSONParser.parse "
                + "and JSONWriter.write (canonical: sorted keys). Foundation: JSONSerialization "
                + "(writing with .sortedKeys, .withoutEscapingSlashes) and JSONDecoder/"
                + "JSONEncoder on a Codable OrderRow (.sortedKeys, .withoutEscapingSlashes, "
                + "nulls written). Every engine writes each document into a fresh buffer. Each "
                + "measurement is repeated up to 'repeat' times, fewer once 60 s are spent "
                + "(repetitions says how many); throughput = input bytes / best time. "
                + "output_equals_input compares the last write with the canonical input; "
                + "JSONSerialization is also timed writing without .sortedKeys.")
          ),
        ])
      ),
      ("generate", .object(generated)),
      ("results", Report.object(results)),
    ])
  }

  /// Adds each engine's throughput relative to Outpost's, for parsing and for writing.
  private static func compare(_ byEngine: [String: JSONObject]) -> JSONValue {
    var members: [(String, JSONValue)] = []
    for engine in engines {
      guard let object = byEngine[engine] else { continue }
      let pairs = object.map { key, value in
        guard key == "parse" || key == "write",
          let mine = Report.double(value["mib_per_second"]),
          let ours = Report.double(byEngine["outpost"]?[key]?["mib_per_second"]), ours > 0
        else { return (key, value) }
        return (
          key,
          Report.adding([("relative_to_outpost_ratio", Report.decimal(mine / ours))], to: value)
        )
      }
      members.append((engine, .object(JSONObject(uncheckedPairs: pairs))))
    }
    return Report.object(members)
  }

  // MARK: Phases (child processes)

  /// Writes `corpus.ndjson` (at least `--mib` MiB of orders rows) and `document.json`.
  static func generate(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    let target = max(1, try options.count("mib", default: 100)) << 20
    let generator = RecordGenerator(seed: try options.seed(), offices: StoreBench.offices)
    guard let orders = RecordGenerator.mix.first(where: { $0.name == "orders" }) else {
      throw BenchError("the mix has no orders")
    }
    let watch = Stopwatch()
    var corpus: [UInt8] = []
    corpus.reserveCapacity(target + 4_096)
    var rows: [(String, JSONValue)] = []
    while corpus.count < target {
      let (id, fields) = try generator.record(orders, cells: generator.cells(orders, rows.count))
      let row = JSONValue.object(
        JSONObject(
          uncheckedPairs: [("order_id", JSONValue.string(id.rawValue))]
            + fields.map { ($0.key, $0.value) }))
      JSONWriter.write(row, into: &corpus)
      corpus.append(10)
      rows.append((id.rawValue, row))
    }
    let document = JSONWriter.canonicalBytes(
      Report.object([
        ("collection", .string("orders")), ("format", .string("outpost-records/2")),
        ("records", .object(JSONObject(uncheckedPairs: rows))),
      ]))
    try WorkFolder.write(corpus, to: folder + "/corpus.ndjson")
    try WorkFolder.write(document, to: folder + "/document.json")
    return [
      ("records", Report.integer(rows.count)),
      ("ndjson_bytes", Report.integer(corpus.count)),
      ("document_bytes", Report.integer(document.count)),
      ("seconds", Report.decimal(watch.seconds)),
    ]
  }

  /// Measures one engine on one data set: parse, then write what was parsed.
  static func measure(_ options: Options) throws -> [(String, JSONValue)] {
    let folder = try StoreBench.requiredFolder(options)
    let repeats = max(1, try options.count("repeat", default: 3))
    guard let engine = options.string("engine"), engines.contains(engine) else {
      throw UsageError("--engine must be one of \(engines.joined(separator: ", "))")
    }
    guard let dataset = options.string("data"), datasets.contains(dataset) else {
      throw UsageError("--data must be ndjson or document")
    }
    let path = folder + (dataset == "ndjson" ? "/corpus.ndjson" : "/document.json")
    guard let data = FileManager.default.contents(atPath: path) else {
      throw BenchError("cannot read \(path)")
    }
    let input = [UInt8](data)
    let documents: [[UInt8]] =
      dataset == "ndjson" ? input.split(separator: 10).map { Array($0) } : [input]
    let limits = dataset == "ndjson" ? JSONLimits.default : JSONLimits.repositoryFile
    let engineRun: EngineRun
    switch engine {
    case "outpost": engineRun = try outpost(documents, limits: limits, repeats: repeats)
    case "foundation_jsonserialization": engineRun = try serialization(documents, repeats: repeats)
    default:
      engineRun =
        dataset == "ndjson"
        ? try codable(documents, OrderRow.self, repeats: repeats)
        : try codable(documents, OrdersDocument.self, repeats: repeats)
    }
    func figures(_ times: [Double]) -> JSONValue {
      let sorted = times.sorted()
      let best = sorted.first ?? 0
      let median = sorted[sorted.count / 2]
      return Report.object([
        ("repetitions", Report.integer(times.count)),
        ("best_seconds", Report.decimal(best)), ("median_seconds", Report.decimal(median)),
        ("mib_per_second", Report.mibPerSecond(input.count, best)),
        ("median_mib_per_second", Report.mibPerSecond(input.count, median)),
      ])
    }
    let write = Report.adding(
      [("output_bytes", Report.integer(engineRun.outputBytes))], to: figures(engineRun.writeTimes))
    var members: [(String, JSONValue)] = [
      ("input_bytes", Report.integer(input.count)), ("documents", Report.integer(documents.count)),
      ("parse", figures(engineRun.parseTimes)), ("write", write),
      ("output_equals_input", .bool(engineRun.outputEqualsInput)),
    ]
    if !engineRun.unsortedWriteTimes.isEmpty {
      members.append(("write_without_sorted_keys", figures(engineRun.unsortedWriteTimes)))
    }
    return members
  }

  /// The times of one engine's repeated parse and write runs.
  struct EngineRun {
    var parseTimes: [Double] = []
    var writeTimes: [Double] = []
    /// JSONSerialization only: writing without `.sortedKeys`, to show what sorting costs.
    var unsortedWriteTimes: [Double] = []
    var outputBytes = 0
    /// Whether the last write reproduced the input byte for byte.
    var outputEqualsInput = false
  }

  /// Runs `body` `repeats` times, or fewer once `budget` seconds have been spent (at least once).
  private static func repetitions(_ repeats: Int, budget: Double, _ body: () throws -> Void)
    rethrows -> [Double]
  {
    var times: [Double] = []
    while times.count < repeats && (times.isEmpty || times.reduce(0, +) < budget) {
      let watch = Stopwatch()
      try body()
      times.append(watch.seconds)
    }
    return times
  }

  /// Parses every document, then writes every parsed value, repeatedly; the last outputs are
  /// compared with the input.
  ///
  /// - Returns: the times and the parsed values (for extra write variants).
  private static func runEngine<Input, Parsed, Output>(
    _ documents: [[UInt8]], _ makeInput: ([UInt8]) -> Input, repeats: Int,
    parse: (Input) throws -> Parsed, write: (Parsed) throws -> Output,
    bytes: (Output) -> [UInt8]
  ) throws -> (EngineRun, [Parsed]) {
    var run = EngineRun()
    let inputs = documents.map(makeInput)
    var parsed: [Parsed] = []
    run.parseTimes = try repetitions(repeats, budget: budget) {
      parsed = []
      parsed.reserveCapacity(inputs.count)
      for input in inputs { parsed.append(try parse(input)) }
    }
    var outputs: [Output] = []
    run.writeTimes = try repetitions(repeats, budget: budget) {
      outputs = []
      outputs.reserveCapacity(parsed.count)
      for value in parsed { outputs.append(try write(value)) }
    }
    var joined: [UInt8] = []
    for output in outputs {
      joined += bytes(output)
      joined.append(10)
    }
    run.outputBytes = joined.count
    run.outputEqualsInput = joined == Array(documents.joined(separator: [10])) + [10]
    return (run, parsed)
  }

  /// Seconds after which a measurement stops repeating.
  static let budget = 60.0

  private static func outpost(_ documents: [[UInt8]], limits: JSONLimits, repeats: Int) throws
    -> EngineRun
  {
    try runEngine(
      documents, { $0 }, repeats: repeats,
      parse: { try JSONParser.parse($0, limits: limits) },
      write: { JSONWriter.canonicalBytes($0) }, bytes: { $0 }
    ).0
  }

  private static func serialization(_ documents: [[UInt8]], repeats: Int) throws -> EngineRun {
    let sorted: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
    var (run, objects) = try runEngine(
      documents, { Data($0) }, repeats: repeats,
      parse: { try JSONSerialization.jsonObject(with: $0) },
      write: { try JSONSerialization.data(withJSONObject: $0, options: sorted) },
      bytes: { [UInt8]($0) })
    run.unsortedWriteTimes = try repetitions(repeats, budget: budget) {
      for object in objects {
        _ = try JSONSerialization.data(withJSONObject: object, options: .withoutEscapingSlashes)
      }
    }
    return run
  }

  private static func codable<T: Codable>(_ documents: [[UInt8]], _ type: T.Type, repeats: Int)
    throws -> EngineRun
  {
    let decoder = JSONDecoder()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try runEngine(
      documents, { Data($0) }, repeats: repeats,
      parse: { try decoder.decode(T.self, from: $0) }, write: { try encoder.encode($0) },
      bytes: { [UInt8]($0) }
    ).0
  }
}
