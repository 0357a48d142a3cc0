import OutpostModel

/// A target's `direction` against the methods that score it (SPEC.md §9.5).
///
/// The method of the scorecard item (or attainment KPI) decides how a target is scored; the
/// target's `direction` restates it and is checked, so a target cannot say one thing while being
/// scored by another.
extension DefinitionSet {
  /// The directions a method scores by: `ratio` higher is better (a lower bound), `reduction`
  /// lower is better (an upper bound), `absolute` closer is better, `range` towards `best`.
  public static func directions(
    for method: ScorecardDefinition.Method, worst: ExactDecimal?, best: ExactDecimal?
  ) -> [String] {
    switch method {
    case .ratio: return ["higher_better", "lower_bound"]
    case .reduction: return ["lower_better", "upper_bound"]
    case .absolute: return ["closer_better"]
    case .range:
      guard let worst, let best, worst != best else {
        return ["higher_better", "lower_bound", "lower_better", "upper_bound"]
      }
      return best > worst ? ["higher_better", "lower_bound"] : ["lower_better", "upper_bound"]
    }
  }

  /// Why a target of `direction` for `kpi` contradicts a method that scores it, or nil.
  public func problem(direction: String, of target: Target, for kpi: String) -> String? {
    for (user, method) in methodsScoring(kpi) {
      let allowed = Self.directions(for: method, worst: target.worst, best: target.best)
      guard !allowed.contains(direction) else { continue }
      return "direction '\(direction)' for '\(kpi)' contradicts \(user), which scores it by "
        + "method \(method.rawValue); write direction \(allowed.joined(separator: " or "))"
    }
    return nil
  }
}
