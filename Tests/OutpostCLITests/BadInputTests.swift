import Foundation
import OutpostCLITestSupport
import OutpostModel
import OutpostStore
import OutpostTestSupport
import Testing

/// docs/reliability.md §4 rows 15–18 and 31–36 through the real command line (SPEC.md §2.2,
/// §4.3, §7): each bad input gets its exit code and a message naming the cause and what to do,
/// and the repository is byte-identical afterwards.
struct BadInputTests {
  /// A branch repository `r` holding three days of channel_daily and three orders.
  static func repository() -> TemporaryDirectory {
    let temp = TemporaryDirectory()
    _ = outpost(["init", "--office", "north", "--repo", "r"], in: temp.path)
    temp.write("days.csv", channelDailyCSV(days: 3))
    _ = outpost(["import", "channel_daily", "days.csv", "--repo", "r"], in: temp.path)
    temp.write("orders.csv", orders(["o-1", "o-2", "o-3"]))
    _ = outpost(["import", "orders", "orders.csv", "--repo", "r"], in: temp.path)
    temp.write("new.csv", orders(["o-4", "o-5"]))
    return temp
  }

  static func orders(_ ids: [String]) -> String {
    var text = "order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
    for id in ids { text += "\(id),c-1,sem,2025-01-05,1,100.00,confirmed\n" }
    return text
  }

  @Test(
    "row 15–18: bad record ids are refused before any write",
    arguments: [
      ("../../x", "invalid record id"), ("/etc/passwd", "invalid record id"),
      ("a/b", "invalid record id"), (".", "invalid record id"), ("..", "invalid record id"),
      ("x\u{1}y", "invalid record id"), ("café", "invalid record id"),
      (String(repeating: "a", count: 300), "invalid record id"), ("O-1", "collide"),
    ])
  func badIDs(_ id: String, _ message: String) {
    let temp = Self.repository()
    let before = treeDigest(temp.file("r"))
    let put = outpost(
      [
        "put", "orders", id, "customer_id=c-1", "channel_id=sem", "order_date=2025-01-05",
        "quantity=1", "amount=1.00", "status=confirmed", "--repo", "r",
      ], in: temp.path)
    #expect(put.status == 65, "\(put.errors)")
    #expect(put.errors.contains(message), "\(put.errors)")
    temp.write("ids.csv", Self.orders(["o-9", id]))
    let imported = outpost(["import", "orders", "ids.csv", "--repo", "r"], in: temp.path)
    #expect(imported.status == 65, "\(imported.errors)")
    #expect(imported.errors.contains("ids.csv:3"), "\(imported.errors)")
    #expect(imported.errors.contains("nothing was imported"), "\(imported.errors)")
    #expect(treeDigest(temp.file("r")) == before)
    #expect(!FileManager.default.fileExists(atPath: temp.file("x")))
  }

  @Test("row 34: a second writer gets 75 and the holder's pid; the holder's work is untouched")
  func lockedRepository() throws {
    let temp = Self.repository()
    let holder = try RepositoryWriter.open(
      at: temp.file("r"), now: { "2025-03-01T09:00:00+08:00" })
    defer { holder.close() }
    let before = treeDigest(temp.file("r"))
    let result = outpost(["import", "orders", "new.csv", "--repo", "r"], in: temp.path)
    #expect(result.status == 75)
    #expect(result.errors.contains("in use by another outpost process"), "\(result.errors)")
    #expect(result.errors.contains("pid \(ProcessInfo.processInfo.processIdentifier)"))
    #expect(result.errors.contains("try again"))
    #expect(treeDigest(temp.file("r")) == before)
    // Readers take no lock.
    #expect(outpost(["export", "orders", "--repo", "r"], in: temp.path).status == 0)
  }

  @Test("row 35: a lock file left by a dead process does not block the next writer")
  func staleLock() {
    let temp = Self.repository()
    temp.write("r/lock", "pid 999999 on elsewhere\n")
    let result = outpost(["import", "orders", "new.csv", "--repo", "r"], in: temp.path)
    #expect(result.status == 0, "\(result.errors)")
    #expect((try? String(contentsOfFile: temp.file("r/lock"), encoding: .utf8)) == "")
  }

  @Test("row 31: a read-only file system gives 73; read commands still work")
  func readOnlyFileSystem() {
    let temp = Self.repository()
    let before = treeDigest(temp.file("r"))
    let readOnly = FaultInjectingFileSystem(faultAt: 1, fault: .failFromThenOn(.readOnlyFileSystem))
    let result = outpost(
      ["import", "orders", "new.csv", "--repo", "r"], in: temp.path, fileSystem: readOnly)
    #expect(result.status == 73)
    #expect(result.errors.contains("read-only file system (EROFS)"), "\(result.errors)")
    #expect(result.errors.contains("copy the repository to writable storage"))
    #expect(treeDigest(temp.file("r")) == before)
    for command in [["export", "orders"], ["status"], ["verify"], ["log"]] {
      let read = outpost(command + ["--repo", "r"], in: temp.path, fileSystem: readOnly)
      #expect(read.status == 0, "\(command): \(read.errors)")
    }
  }

  @Test("rows 32–33: disk full or EIO at any write of an import: 74 and nothing changed")
  func diskFullAndIOErrors() throws {
    let temp = Self.repository()
    let files = FileManager.default
    try files.copyItem(atPath: temp.file("r"), toPath: temp.file("pristine"))
    let before = treeDigest(temp.file("r"))
    let arguments = ["import", "orders", "new.csv", "--repo", "r"]
    // Count the import's mutating operations on a copy.
    try files.copyItem(atPath: temp.file("r"), toPath: temp.file("copy"))
    let counter = FaultInjectingFileSystem(faultAt: nil)
    let counted = outpost(
      ["import", "orders", "new.csv", "--repo", "copy"], in: temp.path, fileSystem: counter)
    try #require(counted.status == 0)
    let operations = counter.operationCount
    let acknowledged = try #require(acknowledgement(in: counter.operationLog))
    #expect(operations > 5)
    var refused = 0
    for (errno, message) in [
      (Errno.noSpace, "disk full while writing"), (Errno.ioError, "storage error"),
    ] {
      for operation in 1...operations {
        let faulty = FaultInjectingFileSystem(faultAt: operation, fault: .failOnce(errno))
        let result = outpost(arguments, in: temp.path, fileSystem: faulty)
        let context = "\(errno) at operation \(operation): \(faulty.operationLog.last ?? "")"
        if result.status == 0 {
          // Only tidying record files and releasing the lock come after the acknowledgement;
          // their errors lose nothing.
          #expect(operation > acknowledged, "\(context)")
          #expect(outpost(["verify", "--repo", "r"], in: temp.path).status == 0, "\(context)")
          #expect(result.output.contains("2 created"), "\(context)")
          try files.removeItem(atPath: temp.file("r"))
          try files.copyItem(atPath: temp.file("pristine"), toPath: temp.file("r"))
          continue
        }
        refused += 1
        #expect(result.status == 74, "\(context): \(result.errors)")
        #expect(result.errors.contains(message), "\(context): \(result.errors)")
        #expect(treeDigest(temp.file("r")) == before, "\(context)")
      }
    }
    #expect(refused == 2 * acknowledged)
    #expect(outpost(arguments, in: temp.path).status == 0)
  }

  @Test("row 36: a damaged record file is named by verify, and import refuses to build on it")
  func corruptedRecordFile() throws {
    let temp = Self.repository()
    let directory = temp.file("r/records/orders")
    let name = try #require(
      FileManager.default.contentsOfDirectory(atPath: directory).sorted().first)
    let path = directory + "/" + name
    var bytes = try #require(FileManager.default.contents(atPath: path))
    let index = try #require(bytes.lastIndex(of: UInt8(ascii: "}")))
    bytes[index] = UInt8(ascii: "]")
    try bytes.write(to: URL(fileURLWithPath: path))
    let before = treeDigest(temp.file("r"))

    let verify = outpost(["verify", "--repo", "r"], in: temp.path)
    #expect(verify.status == 65)
    #expect(verify.output.contains("records/orders/\(name)"), "\(verify.output)")
    #expect(verify.output.contains("line"), "\(verify.output)")
    temp.write(
      "all.csv",
      Self.orders(["o-1", "o-2", "o-3", "o-4"]).replacingOccurrences(
        of: "100.00", with: "200.00"))
    let result = outpost(["import", "orders", "all.csv", "--repo", "r"], in: temp.path)
    #expect(result.status == 65, "\(result.errors)")
    #expect(result.errors.contains("records/orders/\(name)"), "\(result.errors)")
    #expect(result.errors.contains("verify"), "\(result.errors)")
    #expect(treeDigest(temp.file("r")) == before)
  }

  @Test("row 36: a missing repository folder is named, with 65, by readers and writers alike")
  func missingFolder() throws {
    for folder in ["records", "schemas", "journal"] {
      let temp = Self.repository()
      try FileManager.default.moveItem(
        atPath: temp.file("r/\(folder)"), toPath: temp.file("saved-\(folder)"))
      let before = treeDigest(temp.file("r"))
      for arguments in [
        ["export", "orders", "--repo", "r"], ["import", "orders", "new.csv", "--repo", "r"],
        ["verify", "--repo", "r"],
      ] {
        let result = outpost(arguments, in: temp.path)
        #expect(result.status == 65, "\(folder) \(arguments): \(result.errors)")
        #expect(
          result.errors.contains("the folder '\(folder)/' is missing"),
          "\(folder) \(arguments): \(result.errors)")
      }
      #expect(treeDigest(temp.file("r")) == before, "\(folder)")
    }
  }

  @Test("row 36: a damaged committed journal line is named by verify with file and line")
  func corruptedJournalLine() throws {
    let temp = Self.repository()
    let path = temp.file("r/journal/0000000001.jsonl")
    var text = try String(contentsOfFile: path, encoding: .utf8)
    let range = try #require(text.range(of: "c-1"))
    text.replaceSubrange(range, with: "c-7")
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    let before = treeDigest(temp.file("r"))
    let verify = outpost(["verify", "--repo", "r"], in: temp.path)
    #expect(verify.status == 65)
    #expect(verify.output.contains("journal/0000000001.jsonl' line "), "\(verify.output)")
    #expect(verify.output.contains("checksum"), "\(verify.output)")
    #expect(treeDigest(temp.file("r")) == before)
  }
}
