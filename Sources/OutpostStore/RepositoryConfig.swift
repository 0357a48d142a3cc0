import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import Synchronization

/// Whether a repository belongs to a branch office or to head office.
public enum RepositoryRole: String, Sendable {
  /// A branch office.
  case branch
  /// Head office: writes any record and the head-office collections.
  case head
}

/// The identity of a repository, from `outpost.json` (SPEC.md §4.1).
public struct RepositoryConfig: Sendable, Equatable {
  /// The on-disk format this build writes and reads.
  public static let format = "outpost-repo/1"
  /// This replica's id.
  public var replica: ReplicaID
  /// Branch or head office.
  public var role: RepositoryRole
  /// When the repository was created.
  public var createdAt: String
}

/// One change requested of the repository.
public enum RecordChange: Sendable {
  /// Set fields of a record, creating it if needed.
  case put(collection: String, id: RecordID, fields: [String: JSONValue])
  /// Delete a record.
  case delete(collection: String, id: RecordID)
}

/// What a commit did.
public struct CommitSummary: Sendable, Equatable {
  /// The transaction number, or nil if nothing changed (nothing was written).
  public var transaction: UInt64?
  /// Records created.
  public var created = 0
  /// Records changed.
  public var updated = 0
  /// Records deleted.
  public var deleted = 0
  /// Requested changes that changed nothing (same values).
  public var unchanged = 0

  /// Records created, updated or deleted.
  public var changed: Int { created + updated + deleted }
}
