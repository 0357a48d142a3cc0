import Foundation
import OutpostCodec

/// Builds the benchmark's JSON output with Outpost's own canonical writer.
///
/// Every figure's unit is in its key: `_seconds`, `_bytes`, `_per_second` (records or changes
/// per second), `_mib_per_second` (MiB = 2^20 bytes per second) and `_ratio`; ``units`` spells
/// that out inside the document.
enum Report {
  /// An integer member value.
  static func integer(_ value: Int) -> JSONValue { .number(JSONNumber(integer: Int64(value))) }

  /// An integer member value.
  static func integer(_ value: Int64) -> JSONValue { .number(JSONNumber(integer: value)) }

  /// A decimal member value with `places` digits after the point; `null` when not finite.
  static func decimal(_ value: Double, places: Int = 3) -> JSONValue {
    guard value.isFinite else { return .null }
    // JSONNumber keeps literal text and only builds integers directly; the parser turns a
    // formatted literal into a number value.
    let text = String(format: "%.\(places)f", value)
    return (try? JSONParser.parse(text)) ?? .null
  }

  /// An object from members (sorted by the writer; keys must be unique).
  static func object(_ members: [(String, JSONValue)]) -> JSONValue {
    .object(JSONObject(uncheckedPairs: members))
  }

  /// `value` (an object) with `members` added; any other value is returned unchanged.
  static func adding(_ members: [(String, JSONValue)], to value: JSONValue) -> JSONValue {
    guard case .object(let object) = value else { return value }
    return .object(JSONObject(uncheckedPairs: object.map { ($0.key, $0.value) } + members))
  }

  /// A member's value as a number, if it is one.
  static func double(_ value: JSONValue?) -> Double? {
    guard case .number(let number)? = value else { return nil }
    return Double(number.text)
  }

  /// `count / seconds`, or null when no time was measured.
  static func rate(_ count: Int, _ seconds: Double) -> JSONValue {
    seconds > 0 ? decimal(Double(count) / seconds, places: 1) : .null
  }

  /// `bytes / seconds` in MiB/s, or null when no time was measured.
  static func mibPerSecond(_ bytes: Int, _ seconds: Double) -> JSONValue {
    seconds > 0 ? decimal(Double(bytes) / 1_048_576 / seconds, places: 2) : .null
  }

  /// The meaning of the unit suffixes used in every key.
  static let units = object([
    ("_bytes", .string("bytes")),
    ("_seconds", .string("seconds of wall-clock time; cpu_seconds: user + system CPU time")),
    (
      "_per_second",
      .string("records (or changes) per second of wall-clock time; _per_cpu_second: per CPU second")
    ),
    (
      "_mib_per_second",
      .string("MiB (2^20 bytes) per second of wall-clock time; of input unless the key says output")
    ),
    (
      "_ratio",
      .string(
        "dimensionless; relative_to_outpost_ratio = engine MiB/s / Outpost MiB/s (below 1: Outpost is faster)"
      )
    ),
    ("peak_rss_bytes", .string("getrusage(RUSAGE_SELF).ru_maxrss of the phase's own process")),
  ])

  /// Facts about the machine and the build, for reading the figures in context.
  static func machine() -> JSONValue {
    let info = ProcessInfo.processInfo
    #if DEBUG
    let configuration = "debug"
    #else
    let configuration = "release"
    #endif
    #if compiler(>=6.3)
    let compiler = "Swift 6.3 or later"
    #else
    let compiler = "Swift before 6.3"
    #endif
    var members: [(String, JSONValue)] = [
      ("cores_active", integer(info.activeProcessorCount)),
      ("cores_total", integer(info.processorCount)),
      ("physical_memory_bytes", integer(Int64(clamping: info.physicalMemory))),
      ("os", .string(info.operatingSystemVersionString)),
      ("build_configuration", .string(configuration)),
      ("compiler", .string(compiler)),
      (
        "load_average_1m_at_start",
        ProcessStats.loadAverage().map { decimal($0, places: 2) } ?? .null
      ),
    ]
    if let model = cpuModel() { members.append(("cpu_model", .string(model))) }
    return object(members)
  }

  /// The CPU model from `/proc/cpuinfo` (Linux only).
  private static func cpuModel() -> String? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
      return nil
    }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      if let colon = line.firstIndex(of: ":") {
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    return nil
  }

  /// Writes the document to standard output and, if asked, to a file.
  ///
  /// - Parameters:
  ///   - pretty: indented output (still sorted keys) instead of the one-line canonical form.
  static func emit(_ document: JSONValue, to file: String?, pretty: Bool) throws {
    var bytes = pretty ? JSONWriter.prettyBytes(document) : JSONWriter.canonicalBytes(document)
    if !pretty { bytes.append(10) }
    FileHandle.standardOutput.write(Data(bytes))
    if let file {
      guard FileManager.default.createFile(atPath: file, contents: Data(bytes)) else {
        throw BenchError("cannot write '\(file)'")
      }
    }
  }
}

/// A failure that stops the benchmark, with a message for standard error.
struct BenchError: Error, CustomStringConvertible {
  /// What went wrong.
  var description: String

  /// Creates an error.
  init(_ description: String) { self.description = description }
}

/// Progress lines on standard error (standard output carries only the JSON document).
enum Log {
  /// Writes one line to standard error.
  static func note(_ text: String) {
    FileHandle.standardError.write(Data(("bench: " + text + "\n").utf8))
  }
}

/// Measures wall-clock time with `ContinuousClock`, and the process's CPU time beside it (on a
/// shared machine CPU time is the steadier figure).
struct Stopwatch {
  private let start = ContinuousClock.now
  private let cpuStart = ProcessStats.cpuSeconds()

  /// Wall-clock seconds since the stopwatch was created.
  var seconds: Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  }

  /// CPU seconds (user + system, all threads) this process used since the stopwatch was created.
  var cpuSeconds: Double { ProcessStats.cpuSeconds() - cpuStart }

  /// Runs `body` and returns its result with the wall-clock seconds it took.
  static func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let watch = Stopwatch()
    let result = try body()
    return (result, watch.seconds)
  }
}
