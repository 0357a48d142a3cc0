import Outpost
import OutpostCodec
import OutpostKPI
import OutpostStore

/// The branch's KPI report in a submission, and head office's check of it at merge
/// (SPEC.md §9.7): the rules are the engine's (`BranchKPIReport`, `KPIReconciliation`); this
/// renders the check.
extension Commands {
  /// Recomputes a merged submission's KPI report and classifies every mismatch; nil when there
  /// is nothing to check.
  static func reconcile(_ context: Context, _ repository: RepositoryReader, _ report: ApplyReport)
    throws -> KPIReconciliation?
  {
    do { return try KPIReconciliation.check(report, in: repository, today: today(context)) } catch {
      throw kpiError(error)
    }
  }
}

extension KPIReconciliation {
  /// The `reconciliation` member of a merged bundle's entry in `outpost-merge/1`.
  var json: JSONValue {
    .object(
      JSONObject(uncheckedPairs: [
        ("checked", Commands.number(checked)), ("definitions", .string(definitions)),
        ("note", note.map { .string($0) } ?? .null),
        (
          "mismatches",
          .array(
            mismatches.map { m in
              .object(
                JSONObject(uncheckedPairs: [
                  ("kpi", .string(m.kpi)), ("period", .string(m.period)),
                  ("branch", .string(m.branch)), ("head", .string(m.head)),
                  ("kind", .string(m.kind.rawValue)),
                ]))
            })
        ),
      ]))
  }

  /// The lines the merge report prints.
  var text: String {
    var text = "  KPI report: \(checked) value(s) checked, \(mismatches.count) mismatch(es)"
    if let note { text += " (\(note))" }
    text += "\n"
    for m in mismatches.prefix(20) {
      let meaning =
        switch m.kind {
        case .differentData: "the branch computed before data it had not seen"
        case .differentDefinitions: "the branch used other definitions"
        case .disagreement: "same data and definitions, different result: investigate"
        }
      text +=
        "    \(m.kpi) \(m.period): branch \(m.branch), head office \(m.head) — "
        + "\(m.kind.rawValue) (\(meaning))\n"
    }
    if mismatches.count > 20 { text += "    … and \(mismatches.count - 20) more\n" }
    return text
  }
}
