import Outpost
import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// How `conflicts`, `conflicts show` and `review` render a conflict's KPI impact (SPEC.md §9.8);
/// the engine computes it.
extension ConflictKPIImpact {
  var summary: String {
    guard let top = changes.max(by: { $0.relativeChange < $1.relativeChange }) else {
      return "no KPI changes"
    }
    let percent = (top.relativeChange.multiplied(by: ExactDecimal(100)) ?? top.relativeChange)
      .formatted(scale: 2)
    return "moves \(kpisChanged.count) KPI(s), up to \(percent) % (\(top.kpi) \(top.period))"
  }

  var json: JSONValue {
    .object(
      JSONObject(uncheckedPairs: [
        ("kpis_changed", Commands.number(kpisChanged.count)),
        ("largest_relative_change", .string(largestRelativeChange.formatted(scale: 4))),
        (
          "changes",
          .array(
            changes.map { change in
              .object(
                JSONObject(uncheckedPairs: [
                  ("candidate", Commands.number(change.candidate)), ("kpi", .string(change.kpi)),
                  ("period", .string(change.period.description)), ("from", .string(change.from)),
                  ("to", .string(change.to)),
                  ("relative_change", .string(change.relativeChange.formatted(scale: 4))),
                ]))
            })
        ),
      ]))
  }
}

extension Commands {
  /// Impact of every open conflict, computed with the repository's definitions.
  static func conflictImpacts(
    _ context: Context, _ repository: RepositoryReader,
    _ conflicts: [(collection: String, id: RecordID, state: RecordState)]
  ) throws -> [ConflictKPIImpact] {
    do {
      return try ConflictKPIImpact.compute(conflicts, in: repository, today: today(context))
    } catch { throw kpiError(error) }
  }
}
