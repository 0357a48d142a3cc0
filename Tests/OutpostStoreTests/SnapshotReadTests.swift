import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport
import Synchronization
import Testing

/// SPEC.md §4.3: a reader sees exactly one committed state, however a writer commits and tidies
/// while it reads.
struct SnapshotReadTests {
  let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00+08:00" }

  func put(_ id: String, amount: String) throws -> RecordChange {
    try RecordLayoutTests().put(id, amount: amount)
  }

  func amounts(_ repository: RepositoryReader) throws -> [String: String] {
    var result: [String: String] = [:]
    for (id, state) in try repository.states("orders") where !state.isDeleted {
      result[id.rawValue] = state.value("amount")?.stringValue
    }
    return result
  }

  @Test(
    "a reader paused before its first bucket while a writer commits and tidies reads its snapshot")
  func readerInterleavedWithCommitAndTidy() throws {
    let memory = MemoryFileSystem()
    let path = "/repo"
    let office = ReplicaID(unchecked: "north")
    let setUp = try RepositoryWriter.create(
      at: path, replica: office, role: .branch, fileSystem: memory, now: now)
    _ = try setUp.commit(try (0..<200).map { try put("o-\($0)", amount: "1.00") }, command: "seed")
    setUp.close()
    let snapshot = try amounts(
      try RepositoryReader.open(at: path, fileSystem: memory, now: now))
    #expect(snapshot.count == 200)

    // The reader opens (checkpoint read), then, the moment it opens its first record file, a
    // writer commits a transaction large enough that tidying would rewrite every base.
    let hooked = ForwardingFileSystem(base: memory)
    let reader = try RepositoryReader.open(at: path, fileSystem: hooked, now: now)
    let fired = Mutex(false)
    var writerError: (any Error)?
    hooked.onOpen = { opened in
      guard opened.contains("/records/orders/"),
        fired.withLock({ done in
          defer { done = true }
          return !done
        })
      else { return }
      do {
        let writer = try RepositoryWriter.open(at: path, fileSystem: memory, now: now)
        _ = try writer.commit(
          try (0..<600).map { try put("o-\($0)", amount: "2.00") }, command: "import")
        writer.close()
      } catch { writerError = error }
    }
    let read = try amounts(reader)
    #expect(writerError == nil, "\(String(describing: writerError))")
    #expect(fired.withLock { $0 })
    #expect(
      read == snapshot,
      "the reader saw \(read.count) records, \(read.values.filter { $0 == "2.00" }.count) from the later commit"
    )
    reader.close()

    // A reader that starts now sees the whole commit; the next write tidies what was left.
    let after = try amounts(
      try RepositoryReader.open(at: path, fileSystem: memory, now: now))
    #expect(after.count == 600 && after.values.allSatisfy { $0 == "2.00" })
    let writer = try RepositoryWriter.open(at: path, fileSystem: memory, now: now)
    _ = try writer.commit([try put("o-0", amount: "3.00")], command: "one more")
    writer.close()
    #expect(
      try RepositoryReader.open(at: path, fileSystem: memory, now: now).verify().isClean)
  }
}
