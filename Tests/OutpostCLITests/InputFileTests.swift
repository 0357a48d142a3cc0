import Foundation
import Outpost
import OutpostCLI
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif

/// Files named on the command line (SPEC.md §7, "Input files"): only regular files are read,
/// each kind has a size limit checked before and while reading, and a refusal comes before the
/// repository's lock is taken, names the file, says what to do and changes nothing.
struct InputFileTests {
  /// Makes a FIFO (named pipe) and returns its path.
  static func fifo(_ temp: TemporaryDirectory, _ name: String) throws -> String {
    let path = temp.file(name)
    try #require(mkfifo(path, 0o600) == 0, "mkfifo failed: errno \(errno)")
    return path
  }

  /// Makes a sparse file of `size` bytes (no disk space, no memory) and returns its path.
  static func sparse(_ temp: TemporaryDirectory, _ name: String, size: Int64) throws -> String {
    let path = temp.file(name)
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    try #require(fd >= 0)
    defer { close(fd) }
    try #require(ftruncate(fd, off_t(size)) == 0)
    return path
  }

  /// Runs `body` on another thread; nil when it has not finished within `seconds`.
  static func finishing<T: Sendable>(
    within seconds: Double, _ body: @escaping @Sendable () -> T
  ) -> (wait: () -> T, done: Bool) {
    let box = Box<T>()
    let finished = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      box.value = body()
      finished.signal()
    }
    let done = finished.wait(timeout: .now() + seconds) == .success
    return (
      {
        if !done { finished.wait() }
        return box.value!
      }, done
    )
  }

  final class Box<T>: @unchecked Sendable {  // written once by the thread, read after the signal
    var value: T?
  }

  /// A branch repository `r` (the import tests) with the repository digest before the test.
  static func branch() -> (TemporaryDirectory, String) {
    let temp = TemporaryDirectory()
    _ = outpost(["init", "--office", "north", "--repo", "r"], in: temp.path)
    temp.write("days.csv", channelDailyCSV(days: 3))
    _ = outpost(["import", "channel_daily", "days.csv", "--repo", "r"], in: temp.path)
    return (temp, treeDigest(temp.file("r")))
  }

  @Test("import of a FIFO is refused at once (65), names it, and changes nothing")
  func importFIFO() throws {
    let (temp, before) = Self.branch()
    _ = try Self.fifo(temp, "pipe.csv")
    let folder = temp.path
    let run = Self.finishing(within: 20) {
      outpost(["import", "channel_daily", "pipe.csv", "--repo", "r"], in: folder)
    }
    if !run.done {
      // Before the fix the import waits for a writer forever: give it one that writes nothing.
      let writer = open(temp.file("pipe.csv"), O_WRONLY | O_NONBLOCK)
      if writer >= 0 { close(writer) }
    }
    let result = run.wait()
    #expect(run.done, "the import waited on the FIFO")
    #expect(result.status == 65, "\(result.errors)")
    #expect(result.errors.contains("'pipe.csv' is a FIFO (named pipe), not a regular file"))
    #expect(result.errors.contains("pass '-' to read standard input"), "\(result.errors)")
    #expect(treeDigest(temp.file("r")) == before)
  }

  @Test(
    "import of a device or a directory is refused (65) before anything is read",
    arguments: [("/dev/zero", "a device"), ("/dev/null", "a device"), ("/tmp", "a directory")])
  func importNotRegular(_ path: String, _ what: String) {
    let (temp, before) = Self.branch()
    let result = outpost(
      ["import", "channel_daily", path, "--input", "csv", "--repo", "r"], in: temp.path)
    #expect(result.status == 65, "\(result.errors)")
    #expect(result.errors.contains("'\(path)' is \(what), not a regular file"), "\(result.errors)")
    #expect(result.errors.contains("nothing was changed"), "\(result.errors)")
    #expect(treeDigest(temp.file("r")) == before)
  }

  @Test("an import file over 128 MiB is refused from its size, before a byte is read")
  func importTooLarge() throws {
    let (temp, before) = Self.branch()
    _ = try Self.sparse(temp, "huge.csv", size: (128 << 20) + 1)
    let result = outpost(["import", "channel_daily", "huge.csv", "--repo", "r"], in: temp.path)
    #expect(result.status == 65, "\(result.errors)")
    #expect(
      result.errors.contains("'huge.csv' is 134217729 bytes, over the 128 MiB limit for import"),
      "\(result.errors)")
    #expect(result.errors.contains("Split the file"), "\(result.errors)")
    #expect(treeDigest(temp.file("r")) == before)
  }

  @Test("the import limit: a file of exactly the limit is read, one byte more is refused")
  func importAtTheLimit() throws {
    let (temp, before) = Self.branch()
    let text = channelDailyCSV(days: 5)
    temp.write("five.csv", text)
    var limits = InputLimits.standard
    limits.importData = Int64(text.utf8.count - 1)
    let refused = outpost(
      ["import", "channel_daily", "five.csv", "--repo", "r"], in: temp.path, limits: limits)
    #expect(refused.status == 65, "\(refused.errors)")
    #expect(refused.errors.contains("over the \(text.utf8.count - 1) bytes limit"))
    #expect(treeDigest(temp.file("r")) == before)
    limits.importData += 1
    let accepted = outpost(
      ["import", "channel_daily", "five.csv", "--repo", "r"], in: temp.path, limits: limits)
    #expect(accepted.status == 0, "\(accepted.errors)")
  }

  @Test("standard input is read up to the import limit plus one byte, then refused (65)")
  func standardInputLimit() {
    let (temp, before) = Self.branch()
    let text = Array(channelDailyCSV(days: 5).utf8)
    var limits = InputLimits.standard
    limits.importData = Int64(text.count - 1)
    let refused = outpost(
      ["import", "channel_daily", "-", "--input", "csv", "--repo", "r"], in: temp.path,
      stdin: text, limits: limits)
    #expect(refused.status == 65, "\(refused.errors)")
    #expect(refused.errors.contains("standard input holds more than"), "\(refused.errors)")
    #expect(treeDigest(temp.file("r")) == before)
    limits.importData += 1
    let accepted = outpost(
      ["import", "channel_daily", "-", "--input", "csv", "--repo", "r"], in: temp.path,
      stdin: text, limits: limits)
    #expect(accepted.status == 0, "\(accepted.errors)")
  }

  @Test("merge of a FIFO is refused at once (65) and never holds the lock")
  func mergeFIFO() throws {
    let offices = Offices()
    offices.submit("north", "north-1.sub")
    _ = try Self.fifo(offices.temp, "pipe.sub")
    let temp = offices.temp
    let folder = temp.path
    let run = Self.finishing(within: 20) {
      outpost(["merge", "pipe.sub", "--repo", "hq"], in: folder)
    }
    // Another writer can write meanwhile (before the fix: 75, the merge held the lock while it
    // waited on the FIFO).
    let other = outpost(
      ["office", "add", "east", "--key-out", "east.key", "--repo", "hq"], in: temp.path)
    if !run.done {
      let writer = open(temp.file("pipe.sub"), O_WRONLY | O_NONBLOCK)
      if writer >= 0 { close(writer) }
    }
    let result = run.wait()
    #expect(run.done, "merge waited on the FIFO")
    #expect(other.status == 0, "a writer was locked out: \(other.errors)")
    #expect(result.status == 65, "\(result.errors)")
    #expect(result.errors.contains("'pipe.sub' is a FIFO (named pipe), not a regular file"))
    #expect(result.errors.contains("nothing was imported"), "\(result.errors)")
    #expect(offices.orders("hq").isEmpty, "nothing was merged")
    // With a good bundle beside it, the FIFO is one refusal among the files.
    let second = Self.finishing(within: 20) {
      outpost(["merge", "pipe.sub", "north-1.sub", "--repo", "hq"], in: folder)
    }
    if !second.done {
      let writer = open(temp.file("pipe.sub"), O_WRONLY | O_NONBLOCK)
      if writer >= 0 { close(writer) }
    }
    let both = second.wait()
    #expect(both.status == 65, "\(both.errors)")
    #expect(both.output.contains("Merged submission 1 from 'north'"), "\(both.output)")
    #expect(both.output.contains("1 bundle(s) merged, 1 refused"), "\(both.output)")
  }

  @Test(
    "merge and receive refuse a device, a directory and a sparse 5 GiB file (65), unchanged",
    arguments: ["/dev/zero", "/dev/null", "/tmp", "sparse.sub"])
  func bundleNotReadable(_ path: String) throws {
    let offices = Offices()
    if path == "sparse.sub" { _ = try Self.sparse(offices.temp, path, size: 5 << 30) }
    for (command, repository) in [("merge", "hq"), ("receive", "north")] {
      let before = offices.digest(repository)
      let result = offices.run([command, path], repository)
      #expect(result.status == 65, "\(command): \(result.errors)")
      let reason =
        path == "sparse.sub"
        ? "sparse.sub is larger than 4 GiB (5368709120 bytes)" : "'\(path)' is a"
      #expect(result.errors.contains(reason), "\(command): \(result.errors)")
      #expect(result.errors.contains("nothing was imported"), "\(command): \(result.errors)")
      #expect(offices.digest(repository) == before, "\(command)")
    }
  }

  @Test(
    "key, schema and KPI definition files: FIFOs, devices and oversized files are refused (65)",
    arguments: ["fifo", "/dev/zero", "sparse"])
  func smallDocuments(_ kind: String) throws {
    let offices = Offices()
    let temp = offices.temp
    let path: String
    switch kind {
    case "fifo": path = try Self.fifo(temp, "doc")
    case "sparse": path = try Self.sparse(temp, "doc", size: 5 << 20)
    default: path = kind
    }
    let argument = path.hasPrefix(temp.path) ? "doc" : path
    let commands: [([String], String)] = [
      (["init", "--office", "west", "--key", argument], "west"),
      (["office", "key", argument], "north"),
      (["schema", "add", argument], "north"),
      (["kpi", "publish", argument], "hq"),
      (["kpi", "--definitions", argument], "hq"),
      (["scorecard", "--period", "2025-03", "--definitions", argument], "hq"),
    ]
    for (arguments, repository) in commands {
      let before = offices.digest(repository)
      let folder = temp.path
      let run = Self.finishing(within: 20) {
        outpost(arguments + ["--repo", repository], in: folder)
      }
      if !run.done {
        let writer = open(temp.file("doc"), O_WRONLY | O_NONBLOCK)
        if writer >= 0 { close(writer) }
      }
      let result = run.wait()
      let command = arguments.joined(separator: " ")
      #expect(run.done, "\(command) waited on the FIFO")
      #expect(result.status == 65, "\(command): \(result.errors)")
      #expect(result.errors.contains("'\(argument)' is "), "\(command): \(result.errors)")
      #expect(offices.digest(repository) == before, "\(command)")
    }
    #expect(!FileManager.default.fileExists(atPath: temp.file("west")))
  }
}
