import Dispatch
import Foundation
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport
import Testing

/// SPEC.md §4: the journaled repository, commit protocol, recovery and verify.
struct RepositoryTests {
  let now: @Sendable () -> String = { "2025-03-01T09:00:00+08:00" }
  let office = ReplicaID(unchecked: "north")

  func changes(_ count: Int, amount: String = "12.50") throws -> [RecordChange] {
    try (0..<count).map { index in
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

  /// docs/reliability.md §5 family 1: a crash just before every mutating operation of a commit.
  @Test("a crash at any operation leaves all of the commit or none of it")
  func crashAtEveryOperation() throws {
    let probe = TemporaryDirectory()
    let counting = FaultInjectingFileSystem(faultAt: nil)
    let repository = try RepositoryWriter.create(
      at: probe.file("repo"), replica: office, role: .branch, now: now)
    repository.close()
    let writer = try RepositoryWriter.open(
      at: probe.file("repo"), fileSystem: counting, now: now)
    _ = try writer.commit(try changes(40), command: "test")
    let operations = counting.operationCount  // up to the acknowledgement, not the lock release
    writer.close()
    #expect(operations > 10)
    for k in 1...operations {
      let temp = TemporaryDirectory()
      let path = temp.file("repo")
      try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now).close()
      let faulty = FaultInjectingFileSystem(faultAt: k, fault: .crash)
      do {
        let victim = try RepositoryWriter.open(at: path, fileSystem: faulty, now: now)
        _ = try victim.commit(try changes(40), command: "test")
        // A crash after the acknowledgement only interrupts tidying the record files.
        let acknowledged = acknowledgement(in: faulty.operationLog).map { $0 < k } ?? false
        #expect(acknowledged, "operation \(k): the commit should have crashed")
      } catch {}
      #expect(faulty.didCrash, "operation \(k)")
      let recovered = try RepositoryWriter.open(at: path, now: now)
      recovered.close()
      let count = try liveCount(path)
      #expect(count == 0 || count == 40, "operation \(k): \(count) records")
      let report = try RepositoryReader.open(at: path, now: now).verify()
      #expect(report.isClean, "operation \(k): \(report.problems)")
    }
  }

  /// docs/reliability.md §5 family 3: an I/O error at every operation fails the command cleanly.
  @Test(
    "an I/O error at any operation leaves the repository byte-identical",
    arguments: [
      Errno.ioError, Errno.noSpace, Errno.readOnlyFileSystem,
    ])
  func ioErrorAtEveryOperation(_ errno: Errno) throws {
    let temp = TemporaryDirectory()
    let path = temp.file("repo")
    let repository = try RepositoryWriter.create(at: path, replica: office, role: .branch, now: now)
    _ = try repository.commit(try changes(5), command: "seed")
    repository.close()
    let before = treeDigest(path)
    var k = 1
    while k < 1_000 {
      let faulty = FaultInjectingFileSystem(faultAt: k, fault: .failOnce(errno))
      var failed = false
      do {
        let writer = try RepositoryWriter.open(at: path, fileSystem: faulty, now: now)
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
        let report = try RepositoryReader.open(at: path, now: now).verify()
        #expect(report.isClean, "operation \(k): \(report.problems)")
        break
      }
      #expect(
        treeDigest(path) == before,
        "operation \(k) (\(faulty.operationLog.last ?? "")) changed the repository")
      #expect(
        try RepositoryReader.open(at: path, now: now).verify().isClean, "operation \(k)")
      k += 1
    }
    #expect(k > 10)
    let final = try RepositoryReader.open(at: path, now: now)
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
