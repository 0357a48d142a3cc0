import Foundation
import OutpostCLI
import OutpostCodec

/// Runs the `outpost` tool in-process, exactly as the `outpost` executable would (same parsing,
/// same commands, same repository code), with its output captured in memory.
enum CLI {
  /// A fixed clock, so repeated runs build identical repositories.
  static let environment = ["OUTPOST_NOW": "2026-12-02T09:00:00Z"]

  /// Runs `outpost arguments...` in `directory` and returns its standard output.
  ///
  /// - Throws: ``BenchError`` with the tool's standard error if it exits non-zero.
  @discardableResult
  static func run(
    _ arguments: [String], in directory: String, environment: [String: String] = environment
  ) throws -> String {
    let console = Console()
    let status = Tool.run(
      arguments, console: console, environment: environment, workingDirectory: directory)
    guard status == 0 else {
      throw BenchError(
        "outpost \(arguments.joined(separator: " ")) exited \(status): \(console.errors.prefix(2_000))"
      )
    }
    return console.output
  }

  /// Runs a command with `--format json` and returns its JSON object.
  static func runJSON(_ arguments: [String], in directory: String) throws -> JSONObject {
    let output = try run(arguments + ["--format", "json"], in: directory)
    guard case .object(let object)? = try? JSONParser.parse(output) else {
      throw BenchError("outpost \(arguments.joined(separator: " ")) printed no JSON object")
    }
    return object
  }
}

/// Folders and files of a benchmark run.
enum WorkFolder {
  /// Creates a fresh folder for a run under `--work` (default: the system's temporary folder).
  static func create(_ options: Options, _ name: String) throws -> String {
    let base = options.string("work") ?? NSTemporaryDirectory()
    let path =
      (base.hasSuffix("/") ? base : base + "/")
      + "outpost-bench-\(name)-\(ProcessInfo.processInfo.processIdentifier)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Removes a run's folder unless `--keep` was given.
  static func finish(_ path: String, _ options: Options) {
    if options.flags.contains("keep") {
      Log.note("kept \(path)")
    } else {
      try? FileManager.default.removeItem(atPath: path)
    }
  }

  /// Writes a file.
  static func write(_ bytes: [UInt8], to path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
      throw BenchError("cannot write '\(path)'")
    }
  }

  /// The sizes of everything under `path`: total, and per top-level entry.
  static func usage(_ path: String) -> JSONValue {
    var logical: Int64 = 0
    var allocated: Int64 = 0
    var files = 0
    var parts: [String: Int64] = [:]
    let enumerator = FileManager.default.enumerator(atPath: path)
    while let relative = enumerator?.nextObject() as? String {
      guard let sizes = FileStats.sizes(path + "/" + relative) else { continue }
      logical += sizes.logical
      allocated += sizes.allocated
      files += 1
      let top = String(relative.prefix { $0 != "/" })
      parts[top, default: 0] += sizes.logical
    }
    return Report.object([
      ("logical_bytes", Report.integer(logical)),
      ("allocated_bytes", Report.integer(allocated)),
      ("entries", Report.integer(files)),
      (
        "logical_bytes_by_entry",
        Report.object(parts.filter { $0.value > 0 }.map { ($0.key, Report.integer($0.value)) })
      ),
    ])
  }
}
