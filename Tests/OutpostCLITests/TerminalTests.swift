import Foundation
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// Terminal manners: colour and progress only on a terminal, never with NO_COLOR; piped output
/// stays plain.
struct TerminalTests {
  /// Runs the real binary under util-linux `script`, which gives it a pseudo-terminal.
  func underTerminal(_ command: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qec", command, "/dev/null"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  @Test("errors are red on a terminal, plain with NO_COLOR and when piped")
  func colour() throws {
    #if os(Linux)
    try #require(FileManager.default.fileExists(atPath: "/usr/bin/script"))
    let temp = TemporaryDirectory()
    _ = outpost(["init", "--office", "north", "--repo", "r"], in: temp.path)
    temp.write("bad.csv", "order_id,amount\no-1,\"12,345.00\"\n")
    let binary = outpostExecutable()
    let base = "\(binary) import orders \(temp.file("bad.csv")) --repo \(temp.file("r"))"
    // The test runner may itself set NO_COLOR; the terminal case runs without it.
    let coloured = try underTerminal("env -u NO_COLOR " + base)
    #expect(coloured.contains("\u{1B}[1;31merror:\u{1B}[0m"), "\(coloured)")
    let plain = try underTerminal("env NO_COLOR=1 " + base)
    #expect(plain.contains("error:") && !plain.contains("\u{1B}["), "\(plain)")
    // Captured (not a terminal): no colour, no progress line.
    let piped = outpost(["import", "orders", "bad.csv", "--repo", "r"], in: temp.path)
    #expect(piped.status == 65 && !piped.errors.contains("\u{1B}"))
    #endif
  }
}
