import Outpost
import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// How much each candidate value of a conflict moves the KPIs (SPEC.md §9.8), as `conflicts`,
/// `conflicts show` and `review` render it; the engine computes it (`ConflictKPIImpact`).
struct ConflictImpact {
  /// One KPI value a candidate changes.
  struct Change {
    var candidate: Int
    var kpi: String
    var period: String
    var from: String
    var to: String
    /// |to − from| / |from| (1 when from is 0 or undefined and to differs).
    var relative: ExactDecimal
  }

  /// Every change, by candidate (indexes into `Resolution.candidates`).
  var changes: [Change] = []

  /// The largest relative change over all candidates (the ranking key).
  var largest: ExactDecimal { changes.map(\.relative).max() ?? .zero }

  /// The KPIs any candidate changes.
  var kpis: Set<String> { Set(changes.map(\.kpi)) }

  /// The engine's impact, for rendering.
  init(_ impact: ConflictKPIImpact) {
    changes = impact.changes.map {
      Change(
        candidate: $0.candidate, kpi: $0.kpi, period: $0.period.description, from: $0.from,
        to: $0.to, relative: $0.relativeChange)
    }
  }

  var summary: String {
    guard let top = changes.max(by: { $0.relative < $1.relative }) else {
      return "no KPI changes"
    }
    let percent = (top.relative.multiplied(by: ExactDecimal(100)) ?? top.relative).formatted(
      scale: 2)
    return "moves \(kpis.count) KPI(s), up to \(percent) % (\(top.kpi) \(top.period))"
  }

  var json: JSONValue {
    .object(
      JSONObject(uncheckedPairs: [
        ("kpis_changed", Commands.number(kpis.count)),
        ("largest_relative_change", .string(largest.formatted(scale: 4))),
        (
          "changes",
          .array(
            changes.map { change in
              .object(
                JSONObject(uncheckedPairs: [
                  ("candidate", Commands.number(change.candidate)), ("kpi", .string(change.kpi)),
                  ("period", .string(change.period)), ("from", .string(change.from)),
                  ("to", .string(change.to)),
                  ("relative_change", .string(change.relative.formatted(scale: 4))),
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
  ) throws -> [ConflictImpact] {
    do {
      return try ConflictKPIImpact.compute(conflicts, in: repository, today: today(context)).map(
        ConflictImpact.init)
    } catch { throw kpiError(error) }
  }
}
