import Foundation
import Outpost
import OutpostCLI
import OutpostStore

/// The result of running the CLI in-process.
package struct RunResult {
  /// The exit status.
  package var status: Int32
  /// Standard output.
  package var output: String
  /// Standard error.
  package var errors: String
}

/// Runs `outpost` in-process with a fixed clock; `limits` lowers the input file limits.
///
/// Every `submit` and `reply` checks the records it takes from the journal against a walk over
/// every record (`OUTPOST_CHECK_BUNDLES`, SPEC.md §8.6), so every CLI test checks that too.
package func outpost(
  _ arguments: [String], in directory: String, stdin: [UInt8] = [],
  fileSystem: any FileSystem = PosixFileSystem(), interactive: Bool = false,
  limits: InputLimits = .standard
) -> RunResult {
  let console = Console(interactive: interactive, input: { stdin })
  let status = Tool.run(
    arguments, console: console,
    environment: ["OUTPOST_NOW": "2025-03-01T09:00:00+08:00", "OUTPOST_CHECK_BUNDLES": "1"],
    fileSystem: fileSystem, workingDirectory: directory, limits: limits)
  return RunResult(status: status, output: console.output, errors: console.errors)
}

/// The path of the built `outpost` executable (next to the test bundle).
package func outpostExecutable() -> String {
  var url = Bundle.main.bundleURL
  for _ in 0..<4 {
    let candidate = url.appendingPathComponent("outpost").path
    if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    url = url.deletingLastPathComponent()
  }
  // swift test puts test bundles in .build/<config>/; the executable is there too.
  return FileManager.default.currentDirectoryPath + "/.build/debug/outpost"
}

/// CSV rows for `channel_daily` at a branch: `count` days of the sem channel from 2025-01-01.
package func channelDailyCSV(days count: Int, spend: String = "10.00") -> String {
  var text =
    "channel_id,date,impressions,clicks,visits,page_views,consultations,consult_calls,spend\n"
  var day = 0
  for index in 0..<count {
    let date = dateString(dayOffset: day)
    text += "sem,\(date),\(1000 + index),\(30 + index % 7),28,90,\(index % 5),1,\(spend)\n"
    day += 1
  }
  return text
}

private func dateString(dayOffset: Int) -> String {
  let base = Date(timeIntervalSince1970: 1_735_689_600)  // 2025-01-01
  let formatter = DateFormatter()
  formatter.dateFormat = "yyyy-MM-dd"
  formatter.timeZone = TimeZone(identifier: "UTC")
  return formatter.string(from: base.addingTimeInterval(Double(dayOffset) * 86_400))
}

/// A child `outpost` process started from the built executable.
package final class OutpostProcess {
  private let process = Process()
  private let stdout = Pipe()
  private let stderr = Pipe()

  /// Starts `outpost arguments...` in `directory` with a fixed clock.
  package init(_ arguments: [String], in directory: String) throws {
    process.executableURL = URL(fileURLWithPath: outpostExecutable())
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = ["OUTPOST_NOW": "2025-03-01T09:00:00+08:00", "NO_COLOR": "1"]
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }

  /// Sends `SIGKILL` (the process cannot catch it) unless it has already ended.
  package func kill() { sendKill(process.processIdentifier) }

  /// Waits for the process to end and returns its result; `status` is -1 when a signal ended it.
  package func wait() -> RunResult {
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let status = process.terminationReason == .exit ? process.terminationStatus : -1
    return RunResult(
      status: status, output: String(decoding: output, as: UTF8.self),
      errors: String(decoding: errors, as: UTF8.self))
  }
}
