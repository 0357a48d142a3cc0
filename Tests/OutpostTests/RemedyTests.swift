import Outpost
import OutpostTestSupport
import Testing

/// The engine says what to do in words and as a ``Remedy``, never as a command line of the
/// `outpost` tool (SPEC.md §11): errors from the store and the sync rules, through the facade.
struct RemedyTests {
  let now: @Sendable () -> Timestamp = { "2025-04-01T09:00:00Z" }

  /// Head office and an enrolled branch `north` on one in-memory file system.
  func offices() throws -> (hq: Repository, north: Repository, disk: MemoryFileSystem) {
    try twoOffices(now: now)
  }

  /// Runs `body`, which must fail, and checks the failure's code and remedy, and that neither
  /// its message nor its hint quotes a command of the tool.
  func expectRemedy(
    _ code: OutpostError.Code, _ remedy: Remedy, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws(OutpostError) -> Void
  ) {
    do {
      try body()
      Issue.record("no failure", sourceLocation: sourceLocation)
    } catch {
      #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
      #expect(error.remedy == remedy, "\(error)", sourceLocation: sourceLocation)
      #expect(error.hint != nil, "\(error)", sourceLocation: sourceLocation)
      let text = error.message + "\n" + (error.hint ?? "")
      #expect(!Self.quotesCommand(text), "\(text)", sourceLocation: sourceLocation)
    }
  }

  /// Whether `text` names a command of the tool (`outpost verify`, `'outpost office add'`).
  static func quotesCommand(_ text: String) -> Bool {
    let commands = [
      "init", "verify", "office", "submit", "reply", "receive", "merge", "conflicts", "resolve",
      "import", "put", "delete", "status", "rules", "review",
    ]
    return commands.contains { text.contains("outpost \($0)") }
  }

  @Test("the check itself finds a quoted command")
  func checkFindsCommands() {
    #expect(Self.quotesCommand("Run 'outpost verify' for a full report."))
    #expect(Self.quotesCommand("Enroll it with: outpost office add north"))
    #expect(!Self.quotesCommand("Use a newer outpost to open this repository."))
  }

  @Test("no repository, or a folder that is not one: create one (with the folder, if named)")
  func notARepository() throws {
    let disk = MemoryFileSystem()
    try disk.makeDirectory("/w")
    try disk.makeDirectory("/w/empty")
    expectRemedy(.notARepository, .create(repository: "/w/none")) { () throws(OutpostError) in
      _ = try Repository(at: "/w/none", fileSystem: disk, now: now).records("orders")
    }
    expectRemedy(.notARepository, .create(repository: nil)) { () throws(OutpostError) in
      _ = try Repository(at: "/w/empty", fileSystem: disk, now: now).records("orders")
    }
  }

  @Test("a damaged repository: check it (verify), readers and writers alike")
  func damaged() throws {
    let (_, north, disk) = try offices()
    try disk.remove("/w/north/outpost.json")
    let handle = try disk.open("/w/north/outpost.json", .createNew(secret: false))
    try disk.write(handle, Array("{\"format\":".utf8))
    try disk.close(handle)
    expectRemedy(.corrupt, .verify) { () throws(OutpostError) in
      _ = try north.records("orders")
    }
    expectRemedy(.corrupt, .verify) { () throws(OutpostError) in
      try north.put("orders", "o-1", ["amount": "1.00"])
    }
  }

  @Test("enrolling an office twice: revoke its key first; an existing repository: install a key")
  func enrollment() throws {
    let (hq, _, disk) = try offices()
    expectRemedy(.alreadyExists, .revoke(office: "north")) { () throws(OutpostError) in
      _ = try hq.enroll("north")
    }
    expectRemedy(.alreadyExists, .installKey) { () throws(OutpostError) in
      _ = try Repository.create(
        at: "/w/north", office: "north", role: .branch, fileSystem: disk, now: now)
    }
    expectRemedy(.invalidData, .enroll(office: nil)) { () throws(OutpostError) in
      _ = try Repository.create(
        at: "/w/east", office: "east", key: Array("{}".utf8), fileSystem: disk, now: now)
    }
  }

  @Test("a file that is no bundle, or one signed with a revoked key: make it again, re-enroll")
  func bundles() throws {
    let (hq, north, _) = try offices()
    expectRemedy(.invalidData, .makeBundleAgain) { () throws(OutpostError) in
      _ = try hq.merge(Array("order_id\n".utf8), name: "orders.csv")
    }
    let submission = try north.submit().bytes
    try hq.revoke("north")
    expectRemedy(.notPermitted, .reenroll(office: "north", revoke: false)) {
      () throws(OutpostError) in
      _ = try hq.merge(submission, name: "north-1.bundle")
    }
  }

  @Test("writing over an open conflict: head office resolves it, a branch receives the decision")
  func openConflict() throws {
    let (hq, north, _) = try offices()
    let orders = Array(
      ("order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
        + "o-1,c-1,sem,2025-03-01,1,1798.00,confirmed\n").utf8)
    try north.importRecords(.csv(orders), into: "orders")
    _ = try hq.merge(try north.submit().bytes, name: "1")
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "1r")
    try north.put("orders", "o-1", ["amount": "1700.00"])
    try hq.put("orders", "o-1", ["amount": "1750.00"])
    _ = try hq.merge(try north.submit().bytes, name: "2")
    expectRemedy(.invalidData, .resolve(collection: "orders", record: "o-1")) {
      () throws(OutpostError) in
      try hq.put("orders", "o-1", ["amount": "1800.00"])
    }
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "2r")
    expectRemedy(.invalidData, .receive) { () throws(OutpostError) in
      try north.put("orders", "o-1", ["amount": "1800.00"])
    }
  }
}
