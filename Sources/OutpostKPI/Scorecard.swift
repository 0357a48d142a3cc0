import OutpostCodec
import OutpostModel

/// A weighted scorecard (SPEC.md §9.5; docs/kpis.md §6 explains the rule).
public struct ScorecardDefinition: Sendable, Equatable {
  /// How an item's raw attainment is computed from actual a and target t.
  public enum Method: String, Sendable, CaseIterable {
    /// a/t (higher is better, lower bound).
    case ratio
    /// 2 − a/t (lower is better, upper bound).
    case reduction
    /// 1 − |a − t|/t (closer is better).
    case absolute
    /// (a − worst)/(best − worst).
    case range
  }

  /// One weighted item.
  public struct Item: Sendable, Equatable {
    public var kpi: String
    public var weight: ExactDecimal
    public var method: Method
    public var cap: ExactDecimal
    public var floor: ExactDecimal
    /// Undefined actuals score 0 (`false`) or are left out (`true`, `missing: exclude`).
    public var excludeMissing: Bool
    /// A hard indicator (`hard`): failing it caps the whole total.
    public var hard: Hard? = nil
  }

  /// A hard indicator (一票否决): when the item's raw attainment is below `minimum` (or its
  /// actual is undefined, or a failure flag holds), the total is at most `capTotal` (0: the
  /// total is zeroed).
  public struct Hard: Sendable, Equatable {
    public var minimum: ExactDecimal
    public var capTotal: ExactDecimal
  }

  /// A band: its label, inclusive lower bound and the bonus coefficient head office pays for it.
  public struct Band: Sendable, Equatable {
    public var label: String
    public var minimum: ExactDecimal
    /// The bonus coefficient (奖金系数) such as 1.20; nil when the band names none.
    public var bonus: ExactDecimal?
  }

  /// Whom a scorecard scores (`applies_to`, SPEC.md §9.5).
  public enum Level: Sendable, Equatable {
    /// Each office's totals.
    case office
    /// Each person (staff assignment) in these positions.
    case position([String])
    /// Each department's totals in each office: these departments (nil: every one).
    case department([String]?)

    /// `office`, `position` or `department`.
    public var name: String {
      switch self {
      case .office: "office"
      case .position: "position"
      case .department: "department"
      }
    }

    /// The breakdown whose lines it scores.
    public var breakdown: Breakdown {
      switch self {
      case .office: .office
      case .position: .staff
      case .department: .department
      }
    }
  }

  public var id: String
  public var version: Int
  /// Whom it scores.
  public var level: Level
  /// The label (`zh`, `en`), shown with the results.
  public var label: [String: String]
  /// The grain of the periods it scores (`period_grain`); nil: any grain.
  public var grain: Grain?
  /// How a quarter or a year is scored (`period_rule`).
  public var periodRule: PeriodRule = .aggregate

  /// How a scorecard scores a period longer than a month (SPEC.md §9.5).
  public enum PeriodRule: String, Sendable, CaseIterable {
    /// The period's own KPI values against the period's targets.
    case aggregate
    /// The mean of the monthly totals (each month against its monthly targets).
    case meanOfMonths = "mean_of_months"
  }
  public var items: [Item]
  /// Letter bands: inclusive lower bounds, highest first.
  public var bands: [Band]

  /// Reads and validates a scorecard: weights > 0 summing to exactly 1.0000, floor ≤ cap.
  init(json: JSONValue, path: String, published: Bool = false) throws(DefinitionError) {
    let reader = Reader()
    let object = try reader.object(
      json, path,
      allowed: [
        "id", "version", "type", "label", "applies_to", "period_grain", "period_rule",
        "weights_sum", "items", "result", "bands",
      ])
    id = try reader.identifier(object["id"], "\(path).id")
    guard let version = object["version"]?.uint64Value, version >= 1 else {
      throw DefinitionError(path: "\(path).version", message: "must be a whole number ≥ 1")
    }
    self.version = Int(version)
    let header = try Self.header(object, path, reader, published: published)
    label = header.label
    grain = header.grain
    level = header.level
    if let value = object["period_rule"] {
      guard let rule = value.stringValue.flatMap(PeriodRule.init(rawValue:)) else {
        throw DefinitionError(
          path: "\(path).period_rule", message: "must be aggregate or mean_of_months")
      }
      guard rule == .aggregate || grain == .quarter || grain == .year else {
        throw DefinitionError(
          path: "\(path).period_rule",
          message: "mean_of_months needs period_grain quarter or year (the months it averages)")
      }
      periodRule = rule
    }
    var items: [Item] = []
    var total = ExactDecimal.zero
    for (index, value) in try reader.array(object["items"], "\(path).items").enumerated() {
      let itemPath = "\(path).items[\(index)]"
      let item = try reader.object(
        value, itemPath, allowed: ["kpi", "weight", "method", "cap", "floor", "missing", "hard"])
      let weight = try reader.decimal(item["weight"], "\(itemPath).weight")
      guard weight > .zero else {
        throw DefinitionError(path: "\(itemPath).weight", message: "must be greater than 0")
      }
      guard let method = item["method"]?.stringValue.flatMap(Method.init(rawValue:)) else {
        throw DefinitionError(
          path: "\(itemPath).method", message: "must be ratio, reduction, absolute or range")
      }
      let cap = try reader.decimal(item["cap"], "\(itemPath).cap")
      let floor =
        try item["floor"].map { (v) throws(DefinitionError) in
          try reader.decimal(v, "\(itemPath).floor")
        } ?? .zero
      guard floor <= cap else {
        throw DefinitionError(path: "\(itemPath).floor", message: "is above the cap")
      }
      let missing = item["missing"]?.stringValue ?? "zero"
      guard missing == "zero" || missing == "exclude" else {
        throw DefinitionError(path: "\(itemPath).missing", message: "must be zero or exclude")
      }
      var hard: Hard?
      if let value = item["hard"] {
        let rule = try reader.object(
          value, "\(itemPath).hard", allowed: ["min_attainment", "cap_total"])
        let minimum = try reader.decimal(rule["min_attainment"], "\(itemPath).hard.min_attainment")
        let capTotal = try reader.decimal(rule["cap_total"], "\(itemPath).hard.cap_total")
        guard capTotal >= .zero, capTotal < ExactDecimal(100) else {
          throw DefinitionError(
            path: "\(itemPath).hard.cap_total",
            message: "must be 0 (the total is zeroed) up to below 100 (a cap of 100 has no effect)")
        }
        hard = Hard(minimum: minimum, capTotal: capTotal)
      }
      items.append(
        Item(
          kpi: try reader.identifier(item["kpi"], "\(itemPath).kpi"), weight: weight,
          method: method, cap: cap, floor: floor, excludeMissing: missing == "exclude",
          hard: hard))
      total = total.adding(weight) ?? total
    }
    guard !items.isEmpty else {
      throw DefinitionError(path: "\(path).items", message: "a scorecard needs at least one item")
    }
    guard total == ExactDecimal(1) else {
      throw DefinitionError(
        path: "\(path).items", message: "weights sum to \(total.formatted(scale: 4)), not 1.0000")
    }
    try Self.checkWeightsSum(object["weights_sum"], path, reader)
    self.items = items
    var bands: [Band] = []
    if let list = object["bands"] {
      for (index, value) in try reader.array(list, "\(path).bands").enumerated() {
        let bandPath = "\(path).bands[\(index)]"
        let band = try reader.object(value, bandPath, allowed: ["label", "min", "bonus"])
        var bonus: ExactDecimal?
        if let value = band["bonus"] {
          let coefficient = try reader.decimal(value, "\(bandPath).bonus")
          guard coefficient >= .zero else {
            throw DefinitionError(path: "\(bandPath).bonus", message: "must not be negative")
          }
          bonus = coefficient
        }
        bands.append(
          Band(
            label: try reader.string(band["label"], "\(bandPath).label"),
            minimum: try reader.decimal(band["min"], "\(bandPath).min"), bonus: bonus))
      }
    }
    self.bands = bands.sorted { $0.minimum > $1.minimum }
  }
}

/// One office's target for a KPI and period.
public struct Target: Sendable, Equatable {
  public var value: ExactDecimal
  public var worst: ExactDecimal?
  public var best: ExactDecimal?

  public init(value: ExactDecimal, worst: ExactDecimal? = nil, best: ExactDecimal? = nil) {
    self.value = value
    self.worst = worst
    self.best = best
  }

  /// The target a `targets` row states (`target_value`, `worst`, `best`), or nil without a
  /// value.
  public init?(row: Row) {
    guard let value = row["target_value"].flatMap({ KPIEngine.number($0) }) else { return nil }
    self.init(
      value: value, worst: row["worst"].flatMap { KPIEngine.number($0) },
      best: row["best"].flatMap { KPIEngine.number($0) })
  }

  /// The office's target for a KPI and period among `targets` rows (scope `office`; the highest
  /// `version` wins, the first row of that version on a tie), or nil when there is none.
  public static func find(in rows: [Row], office: String, kpi: String, period: Period) -> Target? {
    find(in: rows, for: .office(office), headOffice: nil, kpi: kpi, period: period)
  }

  /// Whose target is looked for (SPEC.md §9.5).
  public enum Subject: Sendable, Equatable {
    /// An office's totals.
    case office(String)
    /// A person: their assignment's office, staff id and position.
    case person(office: String, staff: String, position: String)
    /// A department's totals in an office.
    case department(office: String, department: String)
  }

  /// The target of `subject` for a KPI and period among `targets` rows, or nil.
  ///
  /// By precedence: a person's own target (scope `staff`), else their position's in their
  /// office, else their position's company-wide (`office_id` = head office); a department's in
  /// its office, else company-wide. Within one of these the highest `version` wins. Never
  /// another level's target.
  public static func find(
    in rows: [Row], for subject: Subject, headOffice: String?, kpi: String, period: Period
  ) -> Target? {
    var candidates: [(scope: String, office: String, key: String?)]
    switch subject {
    case .office(let office): candidates = [("office", office, nil)]
    case .person(let office, let staff, let position):
      candidates = [("staff", office, staff), ("position", office, position)]
      if let headOffice, headOffice != office {
        candidates.append(("position", headOffice, position))
      }
    case .department(let office, let department):
      candidates = [("department", office, department)]
      if let headOffice, headOffice != office {
        candidates.append(("department", headOffice, department))
      }
    }
    let text = period.description
    for candidate in candidates {
      var best: (version: ExactDecimal, target: Target)?
      for row in rows {
        guard row["kpi_id"]?.stringValue == kpi,
          row["office_id"]?.stringValue == candidate.office,
          row["period"]?.stringValue == text,
          (row["scope"]?.stringValue ?? "office") == candidate.scope,
          candidate.key == nil || row["scope_key"]?.stringValue == candidate.key,
          let target = Target(row: row)
        else { continue }
        let version = row["version"].flatMap { KPIEngine.number($0) } ?? .zero
        if best == nil || version > best!.version { best = (version, target) }
      }
      if let best { return best.target }
    }
    return nil
  }
}

/// A scored item, with everything needed to reproduce it (docs/kpis.md §6).
public struct ScoredItem: Sendable, Equatable {
  public var kpi: String
  public var weight: ExactDecimal
  public var actual: ExactDecimal?
  public var target: ExactDecimal?
  /// Raw attainment, rounded to 4 places.
  public var attainment: ExactDecimal?
  /// The clamped score.
  public var score: ExactDecimal?
  /// Why the item scored 0 or was left out: `undefined_actual`, `missing_target`, a failure
  /// flag, `nonpositive_target`.
  public var note: String?
  /// Whether the item was left out (`missing: exclude`).
  public var excluded: Bool

  /// Creates a scored item.
  public init(
    kpi: String, weight: ExactDecimal, actual: ExactDecimal?, target: ExactDecimal?,
    attainment: ExactDecimal?, score: ExactDecimal?, note: String?, excluded: Bool
  ) {
    self.kpi = kpi
    self.weight = weight
    self.actual = actual
    self.target = target
    self.attainment = attainment
    self.score = score
    self.note = note
    self.excluded = excluded
  }
}

/// A scorecard's result for one office and period.
public struct ScorecardResult: Sendable, Equatable {
  public var scorecard: String
  public var office: String
  public var period: Period
  /// 100 × Σ w·s, rounded half-up to 2 places; nil when undefined.
  public var total: ExactDecimal?
  public var band: String?
  /// The band's bonus coefficient, when it names one.
  public var bonus: ExactDecimal? = nil
  /// The hard indicators that failed (their KPI ids), which capped the total.
  public var hardFailures: [String] = []
  public var reason: String?
  public var items: [ScoredItem]
  /// A position scorecard's person (staff id), position and department; a department
  /// scorecard's department.
  public var staff: String? = nil
  public var position: String? = nil
  public var department: String? = nil
  /// When ranked: the rank among the offices (office level), or among the people of the same
  /// position (or the same departments) company-wide; nil when the total is undefined.
  public var rank: Int? = nil
  /// When ranked, for people and departments: the rank within the office.
  public var rankInOffice: Int? = nil

  /// Creates a result.
  public init(
    scorecard: String, office: String, period: Period, total: ExactDecimal?, band: String?,
    reason: String?, items: [ScoredItem]
  ) {
    self.scorecard = scorecard
    self.office = office
    self.period = period
    self.total = total
    self.band = band
    self.reason = reason
    self.items = items
  }

  /// Ranks `results` and puts them in rank order (SPEC.md §9.5).
  ///
  /// By total, highest first; equal totals share a rank and the next rank skips (1, 1, 3); an
  /// undefined total has none. Returned by position (or department), rank, staff id and
  /// office; offices by rank and id.
  public static func ranked(_ results: [ScorecardResult], level: ScorecardDefinition.Level)
    -> [ScorecardResult]
  {
    func rank(_ result: ScorecardResult, among group: [ScorecardResult]) -> Int? {
      guard let total = result.total else { return nil }
      return 1 + group.filter { ($0.total.map { $0 > total }) ?? false }.count
    }
    func peers(_ result: ScorecardResult) -> String? {
      switch level {
      case .office: nil
      case .position: result.position
      case .department: result.department
      }
    }
    var groups: [String?: [ScorecardResult]] = [:]
    var offices: [String: [ScorecardResult]] = [:]
    for result in results {
      groups[peers(result), default: []].append(result)
      offices[result.office, default: []].append(result)
    }
    var ranked = results.map { result in
      var result = result
      result.rank = rank(result, among: groups[peers(result)] ?? [])
      if level != .office { result.rankInOffice = rank(result, among: offices[result.office]!) }
      return result
    }
    ranked.sort {
      let (a, b) = ($0, $1)
      if peers(a) != peers(b) { return (peers(a) ?? "") < (peers(b) ?? "") }
      if a.rank != b.rank { return (a.rank ?? Int.max) < (b.rank ?? Int.max) }
      if a.staff != b.staff { return (a.staff ?? "") < (b.staff ?? "") }
      return a.office < b.office
    }
    return ranked
  }
}

extension ScorecardDefinition {
  /// Scores one office and period by the rule of SPEC.md §9.5 (docs/kpis.md §6).
  ///
  /// - Parameters:
  ///   - actual: each KPI's canonical value (nil: undefined) and its failure flags.
  ///   - target: each KPI's target, or nil when none was published (the scorecard is then
  ///     undefined with `missing_target`: there is no silent default).
  public func score(
    office: String, period: Period, actual: (String) -> (value: ExactDecimal?, failures: [String]),
    target: (String) -> Target?
  ) -> ScorecardResult {
    var result = ScorecardResult(
      scorecard: id, office: office, period: period, total: nil, band: nil, reason: nil,
      items: [])
    var sum = ExactDecimal.zero
    var weights = ExactDecimal.zero
    for item in items {
      var scored = ScoredItem(
        kpi: item.kpi, weight: item.weight, actual: nil, target: nil, attainment: nil,
        score: nil, note: nil, excluded: false)
      let (value, failures) = actual(item.kpi)
      scored.actual = value
      guard let goal = target(item.kpi) else {
        scored.note = "missing_target"
        result.items.append(scored)
        result.reason = "missing_target"
        continue
      }
      scored.target = goal.value
      var score: ExactDecimal?
      if let failure = failures.first {
        scored.note = failure
        score = .zero
      } else if let a = value {
        let raw = Self.attainment(item.method, a, goal)
        if let raw {
          scored.attainment = raw
          score = min(max(raw, item.floor), item.cap)
        } else {
          scored.note = item.method == .range ? "empty_range" : "nonpositive_target"
          score = item.excludeMissing ? nil : .zero
        }
      } else {
        scored.note = "undefined_actual"
        score = item.excludeMissing ? nil : .zero
      }
      // A hard indicator fails below its minimum attainment, and whenever the attainment is
      // unknown (an undefined actual or target) or a failure flag holds.
      if let hard = item.hard,
        scored.attainment.map({ $0 < hard.minimum }) ?? true
          || !failures.isEmpty
      {
        result.hardFailures.append(item.kpi)
      }
      if let score {
        scored.score = score
        sum = sum.adding(item.weight.multiplied(by: score) ?? .zero) ?? sum
        weights = weights.adding(item.weight) ?? weights
      } else {
        scored.excluded = true
      }
      result.items.append(scored)
    }
    guard result.reason == nil else { return result }
    guard weights > .zero else {
      result.reason = "all_items_excluded"
      return result
    }
    let hundred = ExactDecimal(100)
    guard let scaled = sum.multiplied(by: hundred),
      let total = scaled.divided(by: weights, scale: 2)
    else {
      result.reason = "overflow"
      return result
    }
    // The strictest cap of the hard indicators that failed.
    let cap = items.filter { result.hardFailures.contains($0.kpi) }.compactMap(\.hard?.capTotal)
      .min()
    let capped = cap.map { min(total, $0.rounded(scale: 2)) } ?? total
    result.total = capped
    let band = bands.first { capped >= $0.minimum }
    result.band = band?.label
    result.bonus = band?.bonus
    return result
  }

  /// Raw attainment rounded half-up to 4 places; nil when the target does not allow it
  /// (t ≤ 0 for ratio, reduction and absolute; worst = best for range).
  static func attainment(_ method: Method, _ a: ExactDecimal, _ goal: Target) -> ExactDecimal? {
    let t = goal.value
    switch method {
    case .ratio:
      guard t > .zero else { return nil }
      return a.divided(by: t, scale: 4)
    case .reduction:
      guard t > .zero, let twoT = t.multiplied(by: ExactDecimal(2)), let n = twoT.subtracting(a)
      else {
        return nil
      }
      return n.divided(by: t, scale: 4)  // (2t − a)/t = 2 − a/t, one rounding
    case .absolute:
      guard t > .zero, let d = a.subtracting(t) else { return nil }
      let distance = d < .zero ? (ExactDecimal.zero.subtracting(d) ?? d) : d
      guard let n = t.subtracting(distance) else { return nil }
      return n.divided(by: t, scale: 4)  // 1 − |a − t|/t
    case .range:
      guard let worst = goal.worst, let best = goal.best, worst != best,
        let n = a.subtracting(worst), let d = best.subtracting(worst)
      else { return nil }
      return n.divided(by: d, scale: 4)
    }
  }
}

extension DefinitionSet {
  /// Every method that scores `kpi` against a target, with who uses it ("scorecard 'ID'" or
  /// "KPI 'ID'"): scorecard items, by scorecard id, then attainment KPIs, in definition order.
  func methodsScoring(_ kpi: String) -> [(user: String, method: ScorecardDefinition.Method)] {
    var uses: [(String, ScorecardDefinition.Method)] = []
    for id in scorecards.keys.sorted() {
      for item in scorecards[id]!.items where item.kpi == kpi {
        uses.append(("scorecard '\(id)'", item.method))
      }
    }
    for id in kpiOrder {
      if case .attainment(kpi, let method, _, _) = kpis[id]!.kind {
        uses.append(("KPI '\(id)'", method))
      }
    }
    return uses
  }

  /// Why these definitions could not score `target` for `kpi`, or nil: a scorecard item or an
  /// attainment KPI whose method the target does not allow (t ≤ 0 where the method divides by
  /// it; a `range` without two different worst and best), SPEC.md §9.5.
  public func problem(scoring target: Target, for kpi: String) -> String? {
    for (user, method) in methodsScoring(kpi)
    where ScorecardDefinition.attainment(method, .zero, target) == nil {
      if method == .range {
        return "'\(kpi)': \(user) scores it between worst and best (method range), so the "
          + "target needs both, and they must differ"
      }
      return "target_value \(target.value) for '\(kpi)': \(user) divides by it (method "
        + "\(method.rawValue)), so a target must be above 0"
    }
    return nil
  }
}
