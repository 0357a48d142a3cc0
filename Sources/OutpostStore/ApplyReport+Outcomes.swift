import OutpostCodec
import OutpostModel
import OutpostSync

/// What a merge or receive report means for a person (SPEC.md §8.6, §8.7.1, §8.9).
extension ApplyReport {
  /// The records the bundle brought in conflict that a remembered rule settled at once.
  var settledByRule: Set<String> {
    Set(resolvedByRule.map { "\($0.collection)/\($0.id)" })
  }

  /// The records still in conflict after the merge: a conflict a rule settled in the same
  /// transaction is reported as settled, not as open (SPEC.md §8.7.1).
  public var openConflicts: [(collection: String, id: RecordID)] {
    let settled = settledByRule
    return outcomes.filter {
      $0.outcome == .conflict && !settled.contains("\($0.collection)/\($0.id)")
    }.map { ($0.collection, $0.id) }
  }

  /// The outcome counts, with conflicts a rule settled counted apart from open ones.
  public var openCounts: (outcomes: [MergeOutcome: Int], settled: Int) {
    var counts = self.counts
    let open = openConflicts.count
    let settled = (counts[.conflict] ?? 0) - open
    counts[.conflict] = open
    return (counts, settled)
  }

  /// Why a value of this replica's was replaced (SPEC.md §8.6): `conflict` (a resolution in the
  /// bundle decided it), `head_office` (head office wrote over it after seeing it) or
  /// `replaced`; and the note that says why, if any.
  public func replacement(of value: ReplacedValue) -> (reason: String, note: String?) {
    if let resolution = value.resolution {
      return ("conflict", resolution["note"]?.stringValue)
    }
    guard let by = value.by, manifest.kind == .reply, by.replica == manifest.from
    else { return ("replaced", nil) }
    var note: String?
    if case .array(let entries)? = manifest.extra["notes"] {
      note = entries.lazy.compactMap { NotedEvents(json: $0) }.first { $0.covers(by) }?.note
    }
    return ("head_office", note)
  }
}
