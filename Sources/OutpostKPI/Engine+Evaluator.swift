import OutpostCodec
import OutpostModel

/// Evaluates KPIs for keys, memoizing exact outcomes.
struct Evaluator {
  let definitions: DefinitionSet
  let refs: [MeasureRef]
  /// By measure ref, its index in `refs` (and in `tables`).
  let refIndex: [MeasureRef: Int]
  /// How each ref's measure turns its accumulator into a value, by index.
  let measures: [Reduction?]
  let tables: [Int: [KPIEngine.Key: Accumulator]]
  let openFrom: CivilDate?
  /// Head office's targets (attainment KPIs).
  let targets: [Row]
  /// What the keys' groups are.
  let breakdown: Breakdown
  var memo: [String: [KPIEngine.Key: Outcome]] = [:]

  init(
    definitions: DefinitionSet, refs: [MeasureRef], tables: [Int: [KPIEngine.Key: Accumulator]],
    openFrom: CivilDate?, targets: [Row] = [], breakdown: Breakdown = .office
  ) {
    self.definitions = definitions
    self.refs = refs
    var index: [MeasureRef: Int] = [:]
    for (position, ref) in refs.enumerated() where index[ref] == nil { index[ref] = position }
    self.refIndex = index
    self.measures = refs.map { definitions.measures[$0.measure].map(Reduction.init) }
    self.tables = tables
    self.openFrom = openFrom
    self.targets = targets
    self.breakdown = breakdown
  }

  func measure(_ ref: MeasureRef, _ key: KPIEngine.Key) -> Outcome {
    guard let index = refIndex[ref], let measure = measures[index] else {
      return .undefined("unknown_measure")
    }
    return (tables[index]?[key] ?? Accumulator()).outcome(measure)
  }

  /// The distinct values of a count_distinct measure for a key.
  func values(_ id: String, _ key: KPIEngine.Key) -> Set<Int32> {
    let ref = MeasureRef(measure: id, filter: [])
    guard let index = refIndex[ref], let measure = measures[index] else { return [] }
    return (tables[index]?[key] ?? Accumulator()).values(minRows: measure.minRows)
  }

  /// The exact outcome of a KPI, parameter or measure id.
  mutating func exact(_ id: String, _ key: KPIEngine.Key) -> Outcome {
    if let kpi = definitions.kpis[id] { return exact(kpi, key) }
    if let parameter = definitions.parameters[id] { return .value(Fraction(parameter.value)) }
    return measure(MeasureRef(measure: id, filter: []), key)
  }

  mutating func exact(_ kpi: KPIDefinition, _ key: KPIEngine.Key) -> Outcome {
    if let known = memo[kpi.id]?[key] { return known }
    let outcome: Outcome
    switch kpi.kind {
    case .simple(let ref):
      outcome = measure(ref, key)
    case .ratio(let n, let d, let office):
      let (numerator, denominator) = (measure(n, key), measure(d, office ? key.officeTotal : key))
      if let reason = kpi.bothZeroReason, numerator.fraction?.exact == .zero,
        denominator.fraction?.exact == .zero
      {
        outcome = .undefined(reason)
      } else {
        outcome = Self.divide(numerator, denominator)
      }
    case .derived(let expression):
      outcome = evaluate(expression, key)
    case .attainment(let base, let method, let floor, let cap):
      outcome = attainment(base, method, floor: floor, cap: cap, key)
    case .growth(let base, let sameLastYear, let relative):
      var earlier = key
      earlier.period = sameLastYear ? key.period.sameLastYear : key.period.previous
      let now = exact(base, key)
      let then = exact(base, earlier)
      switch (now, then) {
      case (.undefined(let reason), _), (_, .undefined(let reason)):
        outcome = .undefined(reason)
      case (.value(let a), .value(let b)):
        if relative {
          guard b.sign > 0 else {
            outcome = .undefined("nonpositive_base")
            break
          }
          outcome =
            a.subtracting(b).flatMap { $0.divided(by: b) }.map(Outcome.value)
            ?? .undefined("overflow")
        } else {
          outcome = a.subtracting(b).map(Outcome.value) ?? .undefined("overflow")
        }
      }
    }
    memo[kpi.id, default: [:]][key] = outcome
    return outcome
  }

  /// An attainment KPI: the base's canonical value (as a scorecard reads it) against the target.
  mutating func attainment(
    _ base: String, _ method: ScorecardDefinition.Method, floor: ExactDecimal?,
    cap: ExactDecimal?, _ key: KPIEngine.Key
  ) -> Outcome {
    guard let definition = definitions.kpis[base] else { return .undefined("unknown_kpi") }
    let actual: ExactDecimal
    switch exact(definition, key) {
    case .undefined(let reason): return .undefined(reason)
    case .value(let fraction):
      guard let rounded = fraction.rounded(scale: definition.scale, definition.rounding) else {
        return .undefined("overflow")
      }
      actual = rounded
    }
    guard key.group.isEmpty,
      let goal = Target.find(in: targets, office: key.office, kpi: base, period: key.period)
    else { return .undefined("missing_target") }
    guard var raw = ScorecardDefinition.attainment(method, actual, goal) else {
      return .undefined(method == .range ? "empty_range" : "nonpositive_target")
    }
    if let floor { raw = max(raw, floor) }
    if let cap { raw = min(raw, cap) }
    return .value(Fraction(raw))
  }

  /// R1 and R4: a zero denominator is undefined, a negative one too.
  static func divide(_ n: Outcome, _ d: Outcome) -> Outcome {
    switch (n, d) {
    case (.undefined(let reason), _), (_, .undefined(let reason)): return .undefined(reason)
    case (.value(let a), .value(let b)):
      if b.sign == 0 { return .undefined("zero_denominator") }
      if b.sign < 0 { return .undefined("nonpositive_denominator") }
      return a.divided(by: b).map(Outcome.value) ?? .undefined("overflow")
    }
  }

  mutating func evaluate(_ expression: Expression, _ key: KPIEngine.Key) -> Outcome {
    switch expression {
    case .ref(let id): return exact(id, key)
    case .constant(let value): return .value(Fraction(value))
    case .periodDays:
      var days = key.period.days
      if let today = openFrom, today <= key.period.end {
        days = max(0, today.daysSinceEpoch - key.period.start.daysSinceEpoch + 1)
      }
      return .value(Fraction(ExactDecimal(Int64(days))))
    case .operation("common", let arguments):
      // Validated at publish: two refs to count_distinct measures.
      guard case .ref(let a) = arguments[0], case .ref(let b) = arguments[1] else {
        return .undefined("unknown_operation")
      }
      let (left, right) = (values(a, key), values(b, key))
      let shared = left.count <= right.count ? left.intersection(right) : right.intersection(left)
      return .value(Fraction(ExactDecimal(Int64(shared.count))))
    case .operation(let op, let arguments):
      var values: [Fraction] = []
      for argument in arguments {
        switch evaluate(argument, key) {
        case .undefined(let reason): return .undefined(reason)
        case .value(let f): values.append(f)
        }
      }
      let result: Fraction?
      switch op {
      case "add": result = values[0].adding(values[1])
      case "sub": result = values[0].subtracting(values[1])
      case "mul": result = values[0].multiplied(by: values[1])
      case "div": return Self.divide(.value(values[0]), .value(values[1]))
      case "neg": result = values[0].negated
      case "min", "max":
        var best = values[0]
        for candidate in values.dropFirst() {
          guard let order = candidate.compare(best) else { return .undefined("overflow") }
          if op == "min" ? order < 0 : order > 0 { best = candidate }
        }
        result = best
      default: return .undefined("unknown_operation")
      }
      return result.map(Outcome.value) ?? .undefined("overflow")
    }
  }

  /// The canonical value of a KPI for a key, with its flags.
  mutating func value(_ kpi: KPIDefinition, _ key: KPIEngine.Key) -> KPIValue {
    let outcome = exact(kpi, key)
    var result = KPIValue(
      kpi: kpi.id, office: key.office, period: key.period,
      channel: breakdown == .channel && !key.group.isEmpty ? key.group : nil, value: nil,
      reason: nil, numerator: nil, denominator: nil, flags: [], failures: [],
      provisional: openFrom.map { key.period.end.adding(days: kpi.maturesDays) >= $0 } ?? false)
    if breakdown.isPeople { PeopleGroup.describe(key.group, breakdown, into: &result) }
    switch outcome {
    case .undefined(let reason): result.reason = reason
    case .value(let fraction):
      if let rounded = fraction.rounded(scale: kpi.scale, kpi.rounding) {
        result.value = rounded
      } else {
        result.reason = "overflow"
      }
    }
    if case .ratio(let n, let d, let office) = kpi.kind {
      result.numerator = measure(n, key).fraction?.exact
      result.denominator = measure(d, office ? key.officeTotal : key).fraction?.exact
    }
    for flag in kpi.flags where flagHolds(flag, key) {
      result.flags.append(flag.reason)
      if flag.failure { result.failures.append(flag.reason) }
    }
    return result
  }

  mutating func flagHolds(_ flag: FlagRule, _ key: KPIEngine.Key) -> Bool {
    for term in flag.all {
      guard let value = exact(term.ref, key).fraction,
        let order = value.compare(Fraction(term.value))
      else { return false }
      let holds: Bool
      switch term.op {
      case .eq: holds = order == 0
      case .ne: holds = order != 0
      case .gt: holds = order > 0
      case .ge: holds = order >= 0
      case .lt: holds = order < 0
      case .le: holds = order <= 0
      default: holds = false
      }
      if !holds { return false }
    }
    return true
  }
}
