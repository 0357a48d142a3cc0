import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport
import Testing

/// A repository reported created survives a power loss (SPEC.md §4.3: nothing acknowledged is
/// lost), the folder's own entry in its parent included.
struct CreateDurabilityTests {
  @Test("a new repository survives a power loss right after it was created")
  func createThenPowerLoss() throws {
    let disk = MemoryFileSystem()
    try disk.makeDirectory("/w")
    disk.makeDurable()
    let writer = try RepositoryWriter.create(
      at: "/w/north", replica: ReplicaID("north"), role: .branch, fileSystem: disk,
      now: { "2025-04-01T09:00:00Z" })
    writer.close()
    disk.crash(.powerLoss)
    let reader = try RepositoryReader.open(
      at: "/w/north", fileSystem: disk, now: { "2025-04-01T09:00:00Z" })
    #expect(reader.config.replica.rawValue == "north")
    #expect(reader.verify().isClean)
  }

  @Test(
    "the folder that holds a repository",
    arguments: [
      ("north", "."), ("/w/north", "/w"), ("/north", "/"), ("w/north/", "w"), ("a/b/c", "a/b"),
    ])
  func parent(_ path: String, _ expected: String) {
    #expect(RepositoryWriter.parentDirectory(of: path) == expected)
  }
}
