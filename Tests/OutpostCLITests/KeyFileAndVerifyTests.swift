import Foundation
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// SPEC.md §8.1 (key files other users can read) and §4.4 (what `verify` says of a damaged
/// journal end).
struct KeyFileAndVerifyTests {
  @Test(
    "a key file other users can read is accepted with an 'unprotected key file' warning",
    arguments: [(0o644, true), (0o640, true), (0o604, true), (0o600, false), (0o400, false)])
  func keyFileMode(_ mode: Int, _ warns: Bool) throws {
    let temp = TemporaryDirectory()
    _ = outpost(["init", "--office", "hq", "--head", "--repo", "hq"], in: temp.path)
    _ = outpost(
      ["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], in: temp.path)
    try FileManager.default.setAttributes(
      [.posixPermissions: mode], ofItemAtPath: temp.file("north.key"))
    for arguments in [
      ["init", "--office", "north", "--key", "north.key", "--repo", "north"],
      ["office", "key", "north.key", "--repo", "north"],
    ] {
      let result = outpost(arguments, in: temp.path)
      #expect(result.status == 0, "\(arguments): \(result.errors)")
      let octal = "0" + String(mode, radix: 8)
      #expect(
        result.errors.contains(
          "warning: unprotected key file: 'north.key' has mode \(octal), so other users") == warns,
        "\(arguments): \(result.errors)")
      #expect(result.errors.contains("chmod 600 'north.key'") == warns)
      #expect(!result.output.contains("secret\":"))
    }
    let copy = try FileManager.default.attributesOfItem(atPath: temp.file("north/keys/north.json"))
    #expect((copy[.posixPermissions] as? Int) == 0o600)
  }

  @Test("verify says a damaged last committed entry is refused until restored, not discarded")
  func damagedLastEntry() throws {
    let temp = TemporaryDirectory()
    _ = outpost(["init", "--office", "north", "--repo", "r"], in: temp.path)
    temp.write("days.csv", channelDailyCSV(days: 2))
    _ = outpost(["import", "channel_daily", "days.csv", "--repo", "r"], in: temp.path)
    let journal = temp.file("r/journal/0000000001.jsonl")
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: journal)))
    let lastStart = (bytes.dropLast().lastIndex(of: 10) ?? -1) + 1
    let middle = (lastStart + bytes.count) / 2
    bytes[middle] = bytes[middle] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
    try Data(bytes).write(to: URL(fileURLWithPath: journal))
    let verify = outpost(["verify", "--repo", "r"], in: temp.path)
    let text = verify.output + verify.errors
    #expect(verify.status == 65, "\(text)")
    #expect(text.contains("the last committed entry is damaged"), "\(text)")
    #expect(text.contains("refuse this repository until it is restored"), "\(text)")
    #expect(!text.contains("discards it"), "\(text)")
    let put = outpost(
      ["put", "channel_daily", "x", "spend=1.00", "--repo", "r"], in: temp.path)
    #expect(put.status == 65, "\(put.errors)")
    #expect(put.errors.contains("the last committed entry is damaged"), "\(put.errors)")
  }
}
