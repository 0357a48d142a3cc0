import OutpostCodec
import OutpostModel

/// `outpost-bench deflate`: `Deflate.compress` at each level and `Inflate.decompress` of what it
/// wrote, on journal-like JSON lines and on random bytes.
///
/// Each data set is measured in a child process of its own. Every measurement is repeated (within
/// a time budget) and the best and median times are reported; throughput is always the
/// uncompressed bytes per second (input for compressing, output for inflating).
enum DeflateBench {
  /// The data sets.
  static let datasets = ["journal", "hex", "random"]
  /// The levels measured, by name.
  static let levels: [(String, Deflate.Level)] = [
    ("stored", .stored), ("fast", .fast), ("default", .default),
  ]

  /// Runs the benchmark and returns its JSON document.
  static func run(_ options: Options) throws -> JSONValue {
    try options.check(allowed: ["mib", "repeat"])
    let mib = max(1, try options.count("mib", default: 8))
    let repeats = max(1, try options.count("repeat", default: 5))
    let seed = try options.seed()
    var results: [(String, JSONValue)] = []
    for dataset in datasets {
      let figures = try Phase.run(
        "deflate-measure",
        ["--data", dataset, "--mib", "\(mib)", "--repeat", "\(repeats)", "--seed", "\(seed)"])
      results.append((dataset, .object(figures)))
    }
    return Report.object([
      ("benchmark", .string("deflate")),
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
              "journal: at least M MiB of lines shaped like an outpost-repo journal's record "
                + "entries ({\"entry\":{collection, id, kind, prev, seq, state},\"sha256\"}, the "
                + "state an orders row from the generator, prev the previous line's 64-hex "
                + "hash, hashes random hex). hex: M MiB of random lowercase hex digits (Huffman-coded "
                + "literals, almost no matches: the decoder's slowest case). random: M MiB of seeded random bytes. For each "
                + "level, Deflate.compress of the whole data set, then Inflate.decompress of its "
                + "output with limit: the input size (inflate) and with exactLimit: (inflate_"
                + "exact). Each measurement is repeated up to 'repeat' times, fewer once 30 s "
                + "are spent; throughput = uncompressed bytes / best time. round_trip says "
                + "whether the inflated output equals the input.")
          ),
        ])
      ),
      ("results", Report.object(results)),
    ])
  }

  // MARK: Phase (child process)

  /// Measures one data set at every level.
  static func measure(_ options: Options) throws -> [(String, JSONValue)] {
    let target = max(1, try options.count("mib", default: 8)) << 20
    let repeats = max(1, try options.count("repeat", default: 5))
    let seed = try options.seed()
    let input: [UInt8]
    switch options.string("data") {
    case "journal": input = try journal(bytes: target, seed: seed)
    case "hex": input = hex(bytes: target, seed: seed)
    case "random": input = random(bytes: target, seed: seed)
    default: throw UsageError("--data must be journal, hex or random")
    }
    var members: [(String, JSONValue)] = [("input_bytes", Report.integer(input.count))]
    for (name, level) in levels {
      var compressed: [UInt8] = []
      let compressTimes = repetitions(repeats) {
        compressed = Deflate.compress(input, level: level)
      }
      var output: [UInt8] = []
      let inflateTimes = try repetitions(repeats) {
        output = try Inflate.decompress(compressed, limit: input.count)
      }
      let roundTrip = output == input
      output = []
      let exactTimes = try repetitions(repeats) {
        output = try Inflate.decompress(compressed, exactLimit: input.count).output
      }
      members.append(
        (
          name,
          Report.object([
            ("compressed_bytes", Report.integer(compressed.count)),
            (
              "compression_ratio",
              Report.decimal(Double(input.count) / Double(max(1, compressed.count)))
            ),
            ("compress", figures(compressTimes, bytes: input.count)),
            ("inflate", figures(inflateTimes, bytes: input.count)),
            ("inflate_exact", figures(exactTimes, bytes: input.count)),
            ("round_trip", .bool(roundTrip && output == input)),
          ])
        ))
    }
    return members
  }

  /// Best and median of `times`, and the throughput of `bytes` at each.
  private static func figures(_ times: [Double], bytes: Int) -> JSONValue {
    let sorted = times.sorted()
    let best = sorted.first ?? 0
    let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    return Report.object([
      ("repetitions", Report.integer(times.count)),
      ("best_seconds", Report.decimal(best, places: 4)),
      ("median_seconds", Report.decimal(median, places: 4)),
      ("mib_per_second", Report.mibPerSecond(bytes, best)),
      ("median_mib_per_second", Report.mibPerSecond(bytes, median)),
    ])
  }

  /// Runs `body` `repeats` times, or fewer once 30 seconds have been spent (at least once).
  private static func repetitions(_ repeats: Int, _ body: () throws -> Void) rethrows -> [Double] {
    var times: [Double] = []
    while times.count < repeats && (times.isEmpty || times.reduce(0, +) < 30) {
      let watch = Stopwatch()
      try body()
      times.append(watch.seconds)
    }
    return times
  }

  /// At least `bytes` bytes of journal-like lines: each an orders row as a record entry.
  static func journal(bytes: Int, seed: UInt64) throws -> [UInt8] {
    let generator = RecordGenerator(seed: seed, offices: StoreBench.offices)
    guard let orders = RecordGenerator.mix.first(where: { $0.name == "orders" }) else {
      throw BenchError("the mix has no orders")
    }
    var random = SeededRandom(seed: seed ^ 0x6A6F_7572_6E61_6C)
    func hash() -> String {
      let digits = Array("0123456789abcdef".utf8)
      var text: [UInt8] = []
      for _ in 0..<4 {
        var word = random.next()
        for _ in 0..<16 {
          text.append(digits[Int(word & 15)])
          word >>= 4
        }
      }
      return String(decoding: text, as: UTF8.self)
    }
    var lines: [UInt8] = []
    lines.reserveCapacity(bytes + 4_096)
    var previous = String(repeating: "0", count: 64)
    var index = 0
    while lines.count < bytes {
      let (id, fields) = try generator.record(orders, cells: generator.cells(orders, index))
      let sha = hash()
      let entry = Report.object([
        ("collection", .string("orders")), ("id", .string(id.rawValue)),
        ("kind", .string("record")), ("prev", .string(previous)),
        ("seq", Report.integer(index + 1)),
        ("state", .object(JSONObject(uncheckedPairs: fields.map { ($0.key, $0.value) }))),
      ])
      JSONWriter.write(Report.object([("entry", entry), ("sha256", .string(sha))]), into: &lines)
      lines.append(10)
      previous = sha
      index += 1
    }
    return lines
  }

  /// `bytes` seeded random lowercase hex digits.
  static func hex(bytes: Int, seed: UInt64) -> [UInt8] {
    let digits = Array("0123456789abcdef".utf8)
    return random(bytes: bytes, seed: seed).map { digits[Int($0 & 15)] }
  }

  /// `bytes` seeded random bytes.
  static func random(bytes: Int, seed: UInt64) -> [UInt8] {
    var random = SeededRandom(seed: seed)
    var output: [UInt8] = []
    output.reserveCapacity(bytes)
    while output.count < bytes {
      var word = random.next()
      for _ in 0..<8 where output.count < bytes {
        output.append(UInt8(truncatingIfNeeded: word))
        word >>= 8
      }
    }
    return output
  }
}
