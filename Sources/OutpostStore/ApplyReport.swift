import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

/// A bundle made by ``RepositoryWriter/makeBundle(for:extra:)``.
public struct MadeBundle: Sendable {
  /// The file's bytes.
  public var bytes: [UInt8]
  /// Its verified manifest.
  public var manifest: BundleManifest
  /// Its hash.
  public var hash: String
}

/// What applying a bundle did (or, in a dry run, would do).
public struct ApplyReport: Sendable {
  /// The bundle's manifest.
  public var manifest: BundleManifest
  /// The bundle's hash.
  public var hash: String
  /// True when the bundle had been applied before: nothing changed.
  public var alreadyApplied = false
  /// Sequence numbers skipped before this bundle (nothing is lost: bundles are cumulative).
  public var missing: Range<UInt64>?
  /// True when the bundle arrived after a newer one: it fills a gap reported earlier.
  public var fillsGap = false
  /// Each record's outcome, sorted by collection and id.
  public var outcomes: [(collection: String, id: RecordID, outcome: MergeOutcome)] = []
  /// Values of this replica's own that the bundle replaced (a branch learns which of its edits
  /// lost a conflict, and to whom).
  public var replaced: [ReplacedValue] = []
  /// Records head office did not apply because they were collected (SPEC.md §8.10).
  public var notApplied: [(collection: String, id: RecordID)] = []
  /// Records a reply removed at the branch: collected tombstones, and records head office
  /// collected before the branch's later edit reached it (`edited` true).
  public var removed: [(collection: String, id: RecordID, edited: Bool)] = []
  /// How many deleted records the branch collected because everyone had seen them.
  public var collectedCount = 0
  /// Other offices' rows a reply set aside at the branch (head office's `record_visibility` is
  /// `own_office`, SPEC.md §8.6), sorted by collection and id.
  public var setAside: [(collection: String, id: RecordID)] = []
  /// Conflicts the bundle opened that head office's remembered rules settled at once.
  public var resolvedByRule: [(collection: String, id: RecordID, rules: [String])] = []
  /// The transaction written, nil in a dry run or when nothing changed.
  public var transaction: UInt64?

  /// How many records had each outcome.
  public var counts: [MergeOutcome: Int] {
    var counts: [MergeOutcome: Int] = [:]
    for entry in outcomes { counts[entry.outcome, default: 0] += 1 }
    return counts
  }
}
