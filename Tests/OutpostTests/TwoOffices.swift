import Outpost
import OutpostStore
import OutpostTestSupport

/// Head office and an enrolled branch `north` on one in-memory file system, both on the clock
/// `now`: the setting of the library tests.
func twoOffices(now: @escaping @Sendable () -> Timestamp) throws -> (
  hq: Repository, north: Repository, disk: MemoryFileSystem
) {
  let disk = MemoryFileSystem()
  try disk.makeDirectory("/w")
  let hq = try Repository.create(at: "/w/hq", office: "hq", role: .head, fileSystem: disk, now: now)
  let key = try hq.enroll("north")
  let north = try Repository.create(
    at: "/w/north", office: "north", key: key.fileBytes, fileSystem: disk, now: now)
  return (hq, north, disk)
}

/// The ids of `collection` that `repository` holds, sorted: the live ones, or with `deleted`,
/// deleted ones too.
func recordIDs(_ repository: Repository, _ collection: String, deleted: Bool = false) throws
  -> [String]
{
  try repository.read { reader throws(OutpostError) in
    do throws(StoreError) {
      return try reader.states(collection).filter { deleted || !$0.state.isDeleted }
        .map(\.id.rawValue)
    } catch { throw OutpostError(error) }
  }.sorted()
}
