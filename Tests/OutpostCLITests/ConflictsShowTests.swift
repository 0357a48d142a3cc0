import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// SPEC.md §8.9: `conflicts show ID` refuses what is not a conflict, each with its own status,
/// and reads only (the repository is unchanged).
struct ConflictsShowTests {
  @Test(
    "§8.9: not COLLECTION/ID 64, unknown collection 64, bad record id 65, no record 66",
    arguments: [
      ("orders", 64, "is not a conflict id"), ("sales/north-1", 64, "unknown collection"),
      ("orders/bad id", 65, "invalid record id"), ("orders/north-1", 66, "no record 'north-1'"),
    ])
  func refusals(id: String, status: Int32, fragment: String) throws {
    let temp = TemporaryDirectory()
    #expect(
      outpost(["init", "--office", "hq", "--head", "--repo", "hq"], in: temp.path).status == 0)
    let before = treeDigest(temp.file("hq"))
    let result = outpost(["conflicts", "show", id, "--repo", "hq"], in: temp.path)
    #expect(result.status == status, "\(id): \(result.errors)")
    #expect(result.errors.contains(fragment), "\(id): \(result.errors)")
    #expect(treeDigest(temp.file("hq")) == before)
  }
}
