import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport

/// Head office `hq` and its enrolled branch `north` on one in-memory disk, at `/w/hq` and
/// `/w/north`, for the tests that exchange bundles through the repository.
struct EnrolledPair {
  static let north = ReplicaID(unchecked: "north")
  static let hq = ReplicaID(unchecked: "hq")

  let disk: MemoryFileSystem
  let head: RepositoryWriter
  let branch: RepositoryWriter
  let key: OfficeKey

  /// Creates both repositories and installs the branch's key.
  init(now: @escaping @Sendable () -> Timestamp) throws {
    disk = MemoryFileSystem()
    try disk.makeDirectory("/w")
    head = try RepositoryWriter.create(
      at: "/w/hq", replica: Self.hq, role: .head, fileSystem: disk, now: now)
    key = try head.enroll(Self.north)
    branch = try RepositoryWriter.create(
      at: "/w/north", replica: Self.north, role: .branch, fileSystem: disk, now: now)
    try branch.installKey(key)
  }

  /// Closes both.
  func close() {
    head.close()
    branch.close()
  }

  /// North's order `north-or-N` of one confirmed unit, for `amount`.
  static func order(_ n: Int, amount: String = "10.00") -> RecordChange {
    .put(
      collection: "orders", id: RecordID(unchecked: "north-or-\(n)"),
      fields: [
        "office_id": .string("north"), "customer_id": .string("c-\(n % 3)"),
        "channel_id": .string("sem"), "order_date": .string("2025-03-01"),
        "quantity": .number(JSONNumber(integer: 1)), "amount": .string(amount),
        "status": .string("confirmed"),
      ])
  }
}
