import Foundation
import Outpost
import OutpostCLI
import OutpostCodec
import OutpostCrypto
import OutpostStore
import OutpostSync

/// A fresh temporary folder, removed when the value is released.
package final class TemporaryDirectory {
  /// The folder's path.
  package let path: String

  /// Creates a unique folder under the system's temporary directory.
  package init() {
    path = NSTemporaryDirectory() + "outpost-test-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  /// Creates a unique folder under `base` if it is a writable folder (`/dev/shm`: a memory
  /// file system, for tests that commit thousands of times), else as ``init()`` does.
  package init(under base: String) {
    let root =
      FileManager.default.isWritableFile(atPath: base) ? base + "/" : NSTemporaryDirectory()
    path = root + "outpost-test-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// A path inside the folder.
  package func file(_ name: String) -> String { path + "/" + name }

  /// Writes a text file inside the folder and returns its path.
  @discardableResult
  package func write(_ name: String, _ text: String) -> String {
    _ = FileManager.default.createFile(atPath: file(name), contents: Data(text.utf8))
    return file(name)
  }

  /// Writes a binary file inside the folder and returns its path.
  @discardableResult
  package func write(_ name: String, bytes: [UInt8]) -> String {
    _ = FileManager.default.createFile(atPath: file(name), contents: Data(bytes))
    return file(name)
  }
}

/// A digest of every file (path, mode and content) under a folder: equal digests mean the
/// folder is byte-identical.
package func treeDigest(_ root: String) -> String {
  var hasher = SHA256()
  let enumerator = FileManager.default.enumerator(atPath: root)
  var paths: [String] = []
  while let path = enumerator?.nextObject() as? String { paths.append(path) }
  for path in paths.sorted() {
    hasher.update(Array(path.utf8) + [0])
    let full = root + "/" + path
    var isDirectory: ObjCBool = false
    _ = FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory)
    if !isDirectory.boolValue, let data = FileManager.default.contents(atPath: full) {
      hasher.update(Array(data))
    }
  }
  return hasher.finalize().hex
}

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
package func outpost(
  _ arguments: [String], in directory: String, stdin: [UInt8] = [],
  fileSystem: any FileSystem = PosixFileSystem(), interactive: Bool = false,
  limits: InputLimits = .standard
) -> RunResult {
  let console = Console(interactive: interactive, input: { stdin })
  let status = Tool.run(
    arguments, console: console, environment: ["OUTPOST_NOW": "2025-03-01T09:00:00+08:00"],
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

/// The 1-based number of the operation in a fault-injection log that acknowledged a commit.
///
/// That is the folder sync after the rename of `state.json` (SPEC.md §4.3); nil if none. Operations after it only
/// tidy record files and release the lock, so a fault there leaves the commit in place and the
/// command succeeds.
package func acknowledgement(in log: [String]) -> Int? {
  guard
    let rename = log.firstIndex(where: { $0.hasPrefix("rename ") && $0.hasSuffix("/state.json") })
  else { return nil }
  return rename + 2
}

/// A digest of every record state (dots and clocks included) of every collection of a
/// repository, read through the store: equal digests mean the same records, however the record
/// files are laid out (SPEC.md §4.4: the split into bases and deltas depends on history).
package func recordsDigest(_ repository: String) throws -> String {
  let store = try RepositoryReader.open(at: repository, now: { "" })
  defer { store.close() }
  let collections = try FileManager.default.contentsOfDirectory(atPath: repository + "/records")
  var text = ""
  for collection in collections.sorted() {
    for (id, state) in try store.states(collection) {
      text += "\(collection)/\(id) \(JSONWriter.canonicalString(state.json))\n"
    }
  }
  return SHA256.hash(Array(text.utf8)).hex
}
