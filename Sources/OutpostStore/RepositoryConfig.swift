import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import Synchronization

/// The identity of a repository, from `outpost.json` (SPEC.md §4.1).
public struct RepositoryConfig: Sendable, Equatable {
  /// The on-disk format version this build writes.
  public static let currentVersion = 4
  /// The on-disk format this build writes.
  public static let format = "outpost-repo/\(currentVersion)"
  /// The oldest version this build opens: an older repository is upgraded when it is opened
  /// (SPEC.md §4.1).
  public static let oldestReadableVersion = 1

  /// The format version of the repository's files.
  public internal(set) var version = RepositoryConfig.currentVersion
  /// This replica's id.
  public var replica: ReplicaID
  /// Branch or head office.
  public var role: RepositoryRole
  /// When the repository was created; nil when `outpost.json` does not say (or not as a
  /// timestamp).
  public var createdAt: Timestamp?

  /// The content of `outpost.json` for a new repository.
  var json: JSONValue {
    .object(
      JSONObject(uncheckedPairs: [
        ("format", .string("outpost-repo/\(version)")), ("office", .string(replica.rawValue)),
        ("role", .string(role.rawValue)), ("created_at", .string(createdAt?.description ?? "")),
      ]))
  }
}

/// One change requested of the repository.
public enum RecordChange: Sendable {
  /// Set fields of a record, creating it if needed.
  case put(collection: String, id: RecordID, fields: [String: JSONValue])
  /// Delete a record.
  case delete(collection: String, id: RecordID)

  /// The collection it changes.
  public var collection: String {
    switch self {
    case .put(let collection, _, _), .delete(let collection, _): collection
    }
  }

  /// The record it changes.
  public var id: RecordID {
    switch self {
    case .put(_, let id, _), .delete(_, let id): id
    }
  }

  /// The write, as the ownership policy judges it.
  public var write: OwnershipPolicy.Write {
    switch self {
    case .put(_, _, let fields): .put(fields)
    case .delete: .delete
    }
  }
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
