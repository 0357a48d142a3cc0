import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport
import Testing

/// The store's errors say what to do in words and carry a ``Remedy``; the words quote no
/// command of the tool (SPEC.md §11), which phrases the remedy itself.
struct StoreRemedyTests {
  let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00Z" }
  let office = ReplicaID(unchecked: "north")

  /// The error `body` throws, which must be a store error.
  func failure(_ body: () throws(StoreError) -> Void) -> StoreError? {
    do {
      try body()
      return nil
    } catch { return error }
  }

  func expectNoCommand(_ error: StoreError?, sourceLocation: SourceLocation = #_sourceLocation) {
    let text = (error?.message ?? "") + "\n" + (error?.hint ?? "")
    #expect(!text.contains("outpost "), "\(text)", sourceLocation: sourceLocation)
    #expect(!text.contains("--"), "\(text)", sourceLocation: sourceLocation)
  }

  @Test("no repository at a path: create one there; a damaged one: verify")
  func openRefusals() throws {
    let disk = MemoryFileSystem()
    try disk.makeDirectory("/w")
    let missing = failure { () throws(StoreError) in
      _ = try RepositoryReader.open(at: "/w/none", fileSystem: disk, now: now)
    }
    #expect(missing?.code == .notARepository)
    #expect(missing?.remedy == .create(repository: "/w/none"))
    expectNoCommand(missing)

    let repository = try RepositoryWriter.create(
      at: "/w/r", replica: office, role: .branch, fileSystem: disk, now: now)
    repository.close()
    try disk.rename("/w/r/journal", "/w/r/journal-elsewhere")
    let damaged = failure { () throws(StoreError) in
      _ = try RepositoryWriter.open(at: "/w/r", fileSystem: disk, now: now)
    }
    #expect(damaged?.code == .corrupt)
    #expect(
      damaged?.message.contains("'journal/' is missing") == true, "\(String(describing: damaged))")
    #expect(damaged?.remedy == .verify)
    expectNoCommand(damaged)
  }

  @Test("an office not enrolled: enroll it at head office, with its id")
  func notEnrolled() throws {
    let disk = MemoryFileSystem()
    try disk.makeDirectory("/w")
    let head = try RepositoryWriter.create(
      at: "/w/hq", replica: ReplicaID(unchecked: "hq"), role: .head, fileSystem: disk, now: now)
    defer { head.close() }
    let refused = failure { () throws(StoreError) in _ = try head.makeBundle(for: office) }
    #expect(refused?.code == .notFound)
    #expect(refused?.remedy == .enroll(office: "north"))
    expectNoCommand(refused)
  }

  @Test("a sync refusal keeps its remedy as a store error")
  func syncRefusal() {
    let error = StoreError(SyncError(.authentication, "signed by a revoked key", remedy: .verify))
    #expect(error.code == .notPermitted && error.remedy == .verify)
  }
}
