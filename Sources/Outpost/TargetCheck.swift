import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// Whether head office's targets can be scored by the KPI definitions (SPEC.md §9.5).
///
/// A target the definitions in force cannot score is refused where it enters, never discovered
/// at scoring time: a target ≤ 0 (of any scope but `channel`) for a KPI that a scorecard item or an
/// attainment KPI divides by (`ratio`, `reduction`, `absolute`), or one without two different
/// `worst` and `best` for a `range` item, or one whose `direction` contradicts the method that
/// scores it.
public enum TargetCheck {
  /// Why `definitions` cannot score the `targets` record with these fields, or nil.
  ///
  /// Pass the record as it would be stored: its stored fields with the new ones over them.
  /// A person's, position's or department's target must be for a KPI computed per person (the
  /// `staff_id` dimension), or no scorecard could ever read it. Records without a KPI or
  /// without a `target_value` are not checked.
  public static func problem(_ fields: [String: JSONValue], definitions: DefinitionSet)
    -> String?
  {
    guard let kpi = fields["kpi_id"]?.stringValue, let target = Target(row: fields),
      fields["scope"]?.stringValue != "channel"  // refused by the record rules (§2.7)
    else { return nil }
    if let scope = fields["scope"]?.stringValue,
      ["staff", "position", "department"].contains(scope),
      let definition = definitions.kpis[kpi], !definition.dimensions.contains("staff_id")
    {
      return "'\(kpi)' is not computed per person (it has no staff_id dimension), so a \(scope) "
        + "target for it would never be read; set an office target, or target a KPI computed "
        + "per person"
    }
    if let problem = definitions.problem(scoring: target, for: kpi) { return problem }
    guard let direction = fields["direction"]?.stringValue else { return nil }
    return definitions.problem(direction: direction, of: target, for: kpi)
  }

  /// The first stored target (by record id) that `definitions` cannot score, with why; nil
  /// when every live target can be scored.
  public static func firstProblem(in repository: RepositoryReader, definitions: DefinitionSet)
    throws(OutpostError) -> (id: RecordID, problem: String)?
  {
    let targets: [(id: RecordID, state: RecordState)]
    do { targets = try repository.states(StandardCollections.targets.name) } catch {
      throw OutpostError(error)
    }
    for (id, state) in targets where !state.isDeleted {
      if let problem = problem(state.values, definitions: definitions) { return (id, problem) }
    }
    return nil
  }
}
