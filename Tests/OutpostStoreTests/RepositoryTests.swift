import Dispatch
import Foundation
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Testing

/// SPEC.md §4: the journaled repository, commit protocol, recovery and verify.
struct RepositoryTests {
  let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00+08:00" }
  let office = ReplicaID(unchecked: "north")

  func changes(_ count: Int, amount: String = "12.50") throws -> [RecordChange] {
    try changes(0..<count, amount: amount)
  }

  /// Puts of orders `o-<index>` for every index in `indices`.
  func changes(_ indices: Range<Int>, amount: String = "12.50") throws -> [RecordChange] {
    try indices.map { index in
      .put(
        collection: "orders", id: try RecordID("o-\(index)"),
        fields: [
          "office_id": .string("north"), "customer_id": .string("c-\(index)"),
          "channel_id": .string("sem"),
          "order_date": .string("2025-02-01"), "quantity": .number(JSONNumber(integer: 1)),
          "amount": .string(amount), "status": .string("confirmed"),
        ])
    }
  }

  func liveCount(_ path: String) throws -> Int {
    let repository = try RepositoryReader.open(at: path, now: now)
    return try repository.states("orders").filter { !$0.state.isDeleted }.count
  }

  @Test("a commit is durable, unchanged values are no change, and verify is clean")
  func commitAndReopen() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let repository = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    let first = try repository.commit(try changes(10), command: "test")
    #expect(first.created == 10)
    repository.close()
    let before = treeDigest(path)
    let again = try RepositoryWriter.open(at: path, now: now)
    let second = try again.commit(try changes(10), command: "test")
    again.close()
    #expect(second.changed == 0 && second.unchanged == 10 && second.transaction == nil)
    repository.close()
    #expect(treeDigest(path) == before, "a no-op commit writes nothing")
    let reopened = try RepositoryReader.open(at: path, now: now)
    #expect(try reopened.states("orders").count == 10)
    #expect(reopened.verify().isClean)
    #expect(reopened.clock[office] == 10)
  }

  @Test("a second writer is refused with the holder named")
  func lockIsExclusive() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let writer = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    let error = try #require(throws: StoreError.self) {
      try RepositoryWriter.open(at: path, now: now)
    }
    #expect(error.code == .locked)
    #expect(error.message.contains("pid "))
    writer.close()
    _ = try RepositoryWriter.open(at: path, now: now)
  }

  @Test("a lock that names no holder is waited for, briefly: it is being released")
  func unnamedLockIsWaitedFor() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now).close()
    // Hold the lock with an empty lock file, as a holder does between emptying the file and
    // closing it, or a child process another thread is starting does until its exec.
    let fs = PosixFileSystem()
    let handle = try fs.open(path + "/lock", .readWriteCreate)
    try #require(try fs.tryLock(handle))
    let released = DispatchTime.now().uptimeNanoseconds
    // A thread of its own: Dispatch's shared pool can be busy for seconds with other tests'
    // parallel reads, and the release must come within the writer's one-second wait.
    Thread {
      usleep(200_000)
      try? fs.close(handle)
    }.start()
    let writer = try RepositoryWriter.open(at: path, now: now)
    #expect(DispatchTime.now().uptimeNanoseconds - released >= 150_000_000)
    writer.close()
    // A lock held for longer than the wait is refused as before.
    let holder = try fs.open(path + "/lock", .readWriteCreate)
    try #require(try fs.tryLock(holder))
    let error = try #require(throws: StoreError.self) {
      try RepositoryWriter.open(at: path, now: now)
    }
    #expect(error.code == .locked)
    try fs.close(holder)
  }

  @Test("ids that differ only by case collide and change nothing")
  func caseCollision() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let repository = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    _ = try repository.commit(try changes(1), command: "test")
    repository.close()
    let before = treeDigest(path)
    let writer = try RepositoryWriter.open(at: path, now: now)
    let upper = try RecordID("O-0")
    let error = try #require(throws: StoreError.self) {
      try writer.commit(
        [.put(collection: "orders", id: upper, fields: ["status": .string("cancelled")])],
        command: "x")
    }
    #expect(error.code == .invalidData)
    #expect(error.message.contains("collides"))
    writer.close()
    #expect(treeDigest(path) == before)
  }

  /// What a simulated crash keeps of what was not synced.
  enum CrashKind: CaseIterable, CustomStringConvertible {
    /// A process kill: everything written survives.
    case processKill
    /// A power loss: only what was synced survives.
    case powerLoss
    /// A power loss after which each unsynced change independently survived, was lost, or (an
    /// append) was torn or replaced by garbage, as `seed` draws.
    case tornPowerLoss

    var description: String {
      switch self {
      case .processKill: "process kill"
      case .powerLoss: "power loss"
      case .tornPowerLoss: "torn power loss"
      }
    }

    /// The in-memory file system's crash.
    func crash(seed: UInt64) -> MemoryFileSystem.Crash {
      switch self {
      case .processKill: .process
      case .powerLoss: .powerLoss
      case .tornPowerLoss: .powerLossTorn(seed: seed)
      }
    }
  }

  /// The commits the crash tests interrupt, each made on the repository the one before left:
  /// 40 new records into an empty repository (each bucket's first delta, folded into a new
  /// base while tidying), then edits, deletes and new records over them (deltas beside bases,
  /// some folded into new bases, the deltas removed).
  func crashCommits() throws -> [[RecordChange]] {
    let deletes = try (10..<15).map { index in
      RecordChange.delete(collection: "orders", id: try RecordID("o-\(index)"))
    }
    return [
      try changes(0..<40), try changes(0..<10, amount: "20.00") + deletes + changes(40..<45),
    ]
  }

  /// The repository's clock and every record state (dots and contexts included), as canonical
  /// JSON, read through a snapshot: equal contents mean the same repository, however its record
  /// files are laid out.
  func contents(_ path: String, _ fileSystem: any FileSystem) throws -> [String] {
    let reader = try RepositoryReader.open(at: path, fileSystem: fileSystem, now: now)
    defer { reader.close() }
    return try contents(reader)
  }

  /// The contents of an open repository (see ``contents(_:_:)``).
  func contents(_ reader: RepositoryReader) throws -> [String] {
    var lines = ["clock \(reader.clock)"]
    for (id, state) in try reader.states("orders") {
      lines.append("orders/\(id) \(JSONWriter.canonicalString(state.json))")
    }
    return lines
  }

  /// Every file and folder of an in-memory file system with its contents, temporary files named
  /// without the counter that makes their names differ between runs; nil if that leaves two
  /// files with one name.
  static func files(_ fileSystem: MemoryFileSystem) -> [String: [UInt8]]? {
    var files: [String: [UInt8]] = [:]
    for (path, bytes) in fileSystem.snapshot() {
      let name = path.range(of: ".tmp-").map { String(path[..<$0.upperBound]) } ?? path
      guard files.updateValue(bytes, forKey: name) == nil else { return nil }
    }
    return files
  }

  /// A crash at every operation of a commit, three ways (docs/reliability.md §5 families 1 and 6).
  ///
  /// On the in-memory file system: a crash just before every mutating operation of opening a
  /// writer and making commit `number` of ``crashCommits()`` (the acknowledgement, and the
  /// tidying after it, included), as a process kill, a power loss and a torn power loss. After
  /// each, the repository reopens (recovering), `verify` is clean, and it holds exactly the
  /// records before the commit or after it (after, if the commit was acknowledged); if before,
  /// making the commit again gives those after it.
  ///
  /// Case 2 is commit 1 with a journal segment limit of one byte (SPEC.md §4.2): every commit
  /// begins a new segment and seals the one before, so the crashes fall in those steps too.
  @Test("a crash at any operation leaves all of the commit or none of it", arguments: 0..<3)
  func crashAtEveryOperation(case number: Int) throws {
    let segmentLimit: Int64? = number == 2 ? 1 : nil
    let number = min(number, 1)
    func openWriter(_ fileSystem: any FileSystem) throws -> RepositoryWriter {
      let writer = try RepositoryWriter.open(at: "/repo", fileSystem: fileSystem, now: now)
      if let segmentLimit { writer.journalSegmentLimit = segmentLimit }
      return writer
    }
    let seed = testSeed(0xC4A5_4000)  // the torn power losses draw from it
    let path = "/repo"
    let start = MemoryFileSystem()
    try RepositoryWriter.create(
      at: path, replica: office, role: .branch, fileSystem: start, now: now
    ).close()
    // Creating a repository syncs what it must inside it, not the folder holding it.
    start.makeDurable()
    let commits = try crashCommits()
    for earlier in commits[..<number] {
      let writer = try openWriter(start)
      _ = try writer.commit(earlier, command: "test")
      writer.close()
    }
    let commit = commits[number]
    // The commit without a crash, on a copy: what "after" is, and how many operations it takes.
    let before = try contents(path, start)
    let reference = start.copy()
    let counting = FaultInjectingFileSystem(base: reference, faultAt: nil)
    let writer = try openWriter(counting)
    _ = try writer.commit(commit, command: "test")
    let operations = counting.operationCount  // to the end of the commit, not the lock release
    writer.close()
    let after = try contents(path, reference)
    #expect(operations > 10 && after != before)
    if segmentLimit != nil {
      // The commit began a segment and sealed the one before: the crashes fall in both.
      let journal = reference.snapshot().keys.filter { $0.hasPrefix(path + "/journal/") }.sorted()
      #expect(journal.filter { $0.hasSuffix(".sealed") }.count == 2, "\(journal)")
      #expect(journal.filter { $0.hasSuffix(".jsonl") }.count == 1, "\(journal)")
    }
    // What follows a crash depends only on the files it left, and what is checked after the
    // recovery only on the files the recovery left: each distinct set of files is recovered, or
    // checked, once. The values: whether the repository holds the commit.
    var crashes: [[String: [UInt8]]: Bool] = [:]
    var recoveries: [[String: [UInt8]]: Bool] = [:]
    var outcomes: [String: Int] = [:]
    for k in 1...operations {
      let fileSystem = start.copy()
      let faulty = FaultInjectingFileSystem(base: fileSystem, faultAt: k, fault: .crash)
      var acknowledged = false
      do {
        let victim = try openWriter(faulty)
        _ = try victim.commit(commit, command: "test")
        acknowledged = true
        // A crash after the acknowledgement only interrupts tidying the record files.
        let expected = acknowledgement(in: faulty.operationLog).map { $0 < k } ?? false
        #expect(expected, "operation \(k): the commit should have crashed")
      } catch {}
      #expect(faulty.didCrash, "operation \(k)")
      var mixer = SplitMix64(seed: seed ^ (UInt64(number) << 32 | UInt64(k)))
      let tornSeed = mixer.next()
      for kind in CrashKind.allCases {
        let crash = kind.crash(seed: tornSeed)
        let at = "commit \(number), \(crash) at operation \(k) (\(faulty.operationLog.last ?? ""))"
        let crashed = fileSystem.copy()
        crashed.crash(crash)
        let left = Self.files(crashed)
        let holdsCommit: Bool
        if let left, let known = crashes[left] {
          holdsCommit = known
        } else {
          holdsCommit = try recoverAndCheck(
            crashed, path, commit, before: before, after: after, recoveries: &recoveries, at)
          if let left { crashes[left] = holdsCommit }
        }
        if acknowledged { #expect(holdsCommit, "\(at): the acknowledged commit was lost") }
        let outcome = holdsCommit ? (acknowledged ? "acknowledged" : "after") : "before"
        outcomes["\(kind): \(outcome)", default: 0] += 1
      }
    }
    print(
      "crash test, commit \(number) (\(operations) operations): \(crashes.count) distinct "
        + "crashes, \(recoveries.count) distinct recoveries; "
        + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
          separator: ", "))
    // Every kind of crash but the torn one (whose outcomes are drawn) ends each way.
    for kind in [CrashKind.processKill, .powerLoss] {
      for outcome in ["before", "after", "acknowledged"] {
        #expect(outcomes["\(kind): \(outcome)"] != nil, "no \(kind) ends \(outcome)")
      }
    }
  }

  /// Recovers the repository a crash left in `fileSystem`, checks it, and says whether it holds
  /// the commit.
  ///
  /// `verify` must be clean and the records exactly `before` or `after` the commit; if before,
  /// making the commit again must give `after`. `recoveries` remembers the answer for each set
  /// of files a recovery left, which is checked only once.
  func recoverAndCheck(
    _ fileSystem: MemoryFileSystem, _ path: String, _ commit: [RecordChange],
    before: [String], after: [String], recoveries: inout [[String: [UInt8]]: Bool],
    _ at: String
  ) throws -> Bool {
    do {
      try RepositoryWriter.open(at: path, fileSystem: fileSystem, now: now).close()
    } catch {
      Issue.record("\(at): the repository does not open: \(error)")
      throw error
    }
    let left = Self.files(fileSystem)
    if let left, let known = recoveries[left] { return known }
    let reader = try RepositoryReader.open(at: path, fileSystem: fileSystem, now: now)
    let report = reader.verify()
    #expect(report.isClean, "\(at): \(report.problems)")
    let state = try contents(reader)
    reader.close()
    #expect(state == before || state == after, "\(at): part of the commit")
    if state == before {
      // The repository takes the commit again, and ends as if it had never crashed.
      let again = try RepositoryWriter.open(at: path, fileSystem: fileSystem, now: now)
      _ = try again.commit(commit, command: "test")
      again.close()
      #expect(try contents(path, fileSystem) == after, "\(at): the commit made again")
    }
    if let left { recoveries[left] = state == after }
    return state == after
  }

  /// The same on the real disk, at a few operations of the first commit (the first one, the
  /// journal's sync, the rename of `state.json`, the acknowledgement and the last), so the
  /// `PosixFileSystem` path is covered too; there a simulated crash is a process kill.
  @Test("a crash on the real disk leaves all of the commit or none of it")
  func crashOnDisk() throws {
    let commit = try changes(40)
    let probe = TemporaryDirectory()
    try RepositoryWriter.create(at: probe.file("repo"), replica: office, role: .branch, now: now)
      .close()
    let before = try contents(probe.file("repo"), PosixFileSystem())
    let counting = FaultInjectingFileSystem(faultAt: nil)
    let writer = try RepositoryWriter.open(at: probe.file("repo"), fileSystem: counting, now: now)
    _ = try writer.commit(commit, command: "test")
    let log = counting.operationLog
    writer.close()
    let after = try contents(probe.file("repo"), PosixFileSystem())
    let journalSync = try #require(
      log.firstIndex { $0.hasPrefix("fsync ") && $0.contains("/journal/") })
    let rename = try #require(
      log.firstIndex { $0.hasSuffix("/state.json") && $0.hasPrefix("rename ") })
    let acknowledged = try #require(acknowledgement(in: log))
    for k in Set([1, journalSync + 1, rename + 1, acknowledged, acknowledged + 1, log.count])
      .sorted()
    {
      let temp = TemporaryDirectory()
      let path = temp.file("repo")
      try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now).close()
      let faulty = FaultInjectingFileSystem(faultAt: k, fault: .crash)
      var completed = false
      do {
        let victim = try RepositoryWriter.open(at: path, fileSystem: faulty, now: now)
        _ = try victim.commit(commit, command: "test")
        completed = true
      } catch {}
      let at = "operation \(k) (\(log[k - 1]))"
      #expect(faulty.didCrash, "\(at)")
      #expect(completed == (k > acknowledged), "\(at)")
      try RepositoryWriter.open(at: path, now: now).close()
      let report = try RepositoryReader.open(at: path, now: now).verify()
      #expect(report.isClean, "\(at): \(report.problems)")
      let state = try contents(path, PosixFileSystem())
      if completed || k > journalSync + 1 {
        #expect(state == after, "\(at): the synced journal holds the commit")
      } else {
        #expect(state == before || state == after, "\(at): part of the commit")
      }
      if k == 1 { #expect(state == before, "\(at): the commit was never written") }
    }
  }

  /// docs/reliability.md §5 family 3: an I/O error at every operation fails the command cleanly.
  @Test(
    "an I/O error at any operation leaves the repository byte-identical",
    arguments: [
      Errno.ioError, Errno.noSpace, Errno.readOnlyFileSystem,
    ], [false, true])
  func ioErrorAtEveryOperation(_ errno: Errno, newSegment: Bool) throws {
    // With `newSegment`, the commit begins a journal segment and seals the one before (SPEC.md
    // §4.2): undoing it removes the new segment.
    // In memory: the faults come from the wrapper, not the disk, so the disk adds nothing.
    let fileSystem = MemoryFileSystem()
    let path = "/repo"
    let repository = try RepositoryWriter.create(
      at: path, replica: office, role: .branch, fileSystem: fileSystem, now: now)
    _ = try repository.commit(try changes(5), command: "seed")
    repository.close()
    let before = fileSystem.snapshot()
    var k = 1
    while k < 1_000 {
      let faulty = FaultInjectingFileSystem(base: fileSystem, faultAt: k, fault: .failOnce(errno))
      var failed = false
      do {
        let writer = try RepositoryWriter.open(at: path, fileSystem: faulty, now: now)
        if newSegment { writer.journalSegmentLimit = 1 }
        _ = try writer.commit(try changes(20, amount: "99.00"), command: "test")
        writer.close()
      } catch let error as StoreError {
        failed = true
        #expect(
          error.code == .io || error.code == .cannotWrite, "operation \(k): \(error.code) \(error)")
      }
      if !failed {
        // Either the fault was never reached, or it hit releasing the lock after the commit,
        // whose failure is harmless (the kernel drops the lock with the descriptor).
        // Otherwise it hit an operation after the acknowledgement (tidying the record files or
        // releasing the lock), whose failure loses nothing.
        let afterAcknowledgement = acknowledgement(in: faulty.operationLog).map { $0 < k } ?? false
        #expect(
          faulty.operationCount < k || afterAcknowledgement,
          "operation \(k) was reached but did not fail")
        let report = try RepositoryReader.open(at: path, fileSystem: fileSystem, now: now).verify()
        #expect(report.isClean, "operation \(k): \(report.problems)")
        break
      }
      #expect(
        fileSystem.snapshot() == before,
        "operation \(k) (\(faulty.operationLog.last ?? "")) changed the repository")
      #expect(
        try RepositoryReader.open(at: path, fileSystem: fileSystem, now: now).verify().isClean,
        "operation \(k)")
      k += 1
    }
    #expect(k > 10)
    let final = try RepositoryReader.open(at: path, fileSystem: fileSystem, now: now)
    #expect(try final.state("orders", RecordID("o-3"))?.value("amount") == .string("99.00"))
  }

  @Test("verify names the file and line of a damaged journal entry; writers refuse")
  func corruptionIsReported() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let repository = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    _ = try repository.commit(try changes(3), command: "one")
    _ = try repository.commit(try changes(3, amount: "1.00"), command: "two")
    repository.close()
    let journal = path + "/journal/0000000001.jsonl"
    var bytes = try PosixFileSystem().readFile(journal)
    let target = bytes.firstIndex(of: UInt8(ascii: "o"))!  // inside line 1 or 2: a committed line
    bytes[target] = UInt8(ascii: "x")
    temp.write("repo/journal/0000000001.jsonl", bytes: bytes)
    let report = try RepositoryReader.open(at: path, now: now).verify()
    #expect(!report.isClean)
    #expect(
      report.problems.first?.contains("0000000001.jsonl' line 1: checksum mismatch") == true,
      "\(report.problems)")
    // Damage to the last committed line is caught by every writer before it appends.
    var tail = try PosixFileSystem().readFile(journal)
    tail[tail.count - 80] ^= 0x01
    temp.write("repo/journal/0000000001.jsonl", bytes: tail)
    let error = try #require(throws: StoreError.self) {
      try RepositoryWriter.open(at: path, now: now)
    }
    #expect(error.code == .corrupt)
  }

  @Test("a torn uncommitted tail is truncated on the next write, with a notice")
  func tornTail() throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let repository = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    _ = try repository.commit(try changes(2), command: "one")
    repository.close()
    let journal = path + "/journal/0000000001.jsonl"
    let bytes = try PosixFileSystem().readFile(journal)
    temp.write(
      "repo/journal/0000000001.jsonl", bytes: bytes + Array(#"{"entry":{"kind":"begin"#.utf8))
    #expect(try RepositoryReader.open(at: path, now: now).verify().notes.count == 1)
    let writer = try RepositoryWriter.open(at: path, now: now)
    #expect(writer.notices.contains { $0.contains("discarded an uncommitted journal tail") })
    writer.close()
    #expect(try PosixFileSystem().readFile(journal) == bytes)
  }
}
