import Foundation
import OutpostCodec

/// Runs each measured phase in a child process of its own, so that its peak RSS, CPU time and
/// wall time are that phase's alone.
///
/// The parent starts `outpost-bench phase NAME ARGS...`; the child does the work, then prints one
/// canonical JSON object on standard output: the phase's figures plus a `process` member
/// (`peak_rss_bytes`, `cpu_seconds`, `wall_seconds`, load average at the end). Phases hand data
/// to each other through files in the work folder.
enum Phase {
  /// The phases a child process can run, by name.
  typealias Body = (Options) throws -> [(String, JSONValue)]

  /// Runs phase `name` in a child process and returns its JSON object.
  ///
  /// - Throws: ``BenchError`` if the child fails or prints no JSON object.
  static func run(_ name: String, _ arguments: [String]) throws -> JSONObject {
    guard let executable = Bundle.main.executableURL else {
      throw BenchError("cannot find the outpost-bench executable to start phase '\(name)'")
    }
    Log.note("phase \(name) \(arguments.joined(separator: " "))")
    let process = Process()
    process.executableURL = executable
    process.arguments = ["phase", name] + arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
      throw BenchError("phase '\(name)' failed (status \(process.terminationStatus))")
    }
    guard case .object(let object)? = try? JSONParser.parse([UInt8](data)) else {
      throw BenchError("phase '\(name)' printed no JSON object")
    }
    if let seconds = object["process"]?["wall_seconds"] {
      Log.note("phase \(name) done in \(JSONWriter.canonicalString(seconds)) s")
    }
    return object
  }

  /// In the child: runs `body` and prints its figures with the process's own measurements.
  static func serve(_ options: Options, _ body: Body) throws {
    let watch = Stopwatch()
    var members = try body(options)
    members.append(
      (
        "process",
        Report.object([
          ("peak_rss_bytes", Report.integer(ProcessStats.peakResidentBytes())),
          ("cpu_seconds", Report.decimal(ProcessStats.cpuSeconds())),
          ("wall_seconds", Report.decimal(watch.seconds)),
          (
            "load_average_1m_at_end",
            ProcessStats.loadAverage().map { Report.decimal($0, places: 2) } ?? .null
          ),
        ])
      ))
    var bytes = JSONWriter.canonicalBytes(Report.object(members))
    bytes.append(10)
    FileHandle.standardOutput.write(Data(bytes))
  }
}
