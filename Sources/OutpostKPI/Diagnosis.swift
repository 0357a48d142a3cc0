import OutpostCodec
import OutpostModel

/// Funnel diagnosis: what the published rules found for an office or a person in a month, with
/// the evidence (SPEC.md §9.9, docs/kpis.md §7).
///
/// With x(P) a KPI's value in month P and d(P) the days it covers, growth is
/// (x(P) ÷ d(P) − x(P−1) ÷ d(P−1)) ÷ (x(P−1) ÷ d(P−1)) for a KPI additive over days, so a longer
/// month alone never fires a rule, and (x(P) − x(P−1)) ÷ x(P−1) for any other (a rate), rounded
/// half-up to 4 places; 0 when both values are 0; otherwise undefined when either value is
/// undefined, x(P−1) ≤ 0 or a month covers no day. A rule fires when every condition holds; when none fails but one cannot be decided,
/// it is `insufficient_data`.
public struct Diagnosis: Sendable, Equatable {
  /// Whether the rule fired or could not be decided.
  public enum Status: String, Sendable {
    case fired
    case insufficientData = "insufficient_data"
  }

  /// One condition's reading.
  public struct Evidence: Sendable, Equatable {
    /// The KPI read.
    public var kpi: String
    /// Its growth, rounded to 4 places (nil: undefined).
    public var growth: ExactDecimal?
    /// Whether the growth compares values per day.
    public var perDay: Bool
    /// The value in the month diagnosed (nil: undefined or none).
    public var value: ExactDecimal?
    /// The value in the month before (nil: undefined or none).
    public var previous: ExactDecimal?
    /// The days the month diagnosed covers: its calendar days, or for a person the days of
    /// their assignment in it.
    public var days: Int
    /// The days the month before covers.
    public var previousDays: Int
  }

  /// The rule's id (`D1`).
  public var rule: String
  /// Whether it fired or could not be decided.
  public var status: Status
  /// Whether it diagnosed an office or a person's line.
  public var level: DiagnosisRule.Level
  /// The rule's label in Chinese.
  public var labelZH: String
  /// The rule's label in English.
  public var labelEN: String
  /// Who should act (`promotion`).
  public var owner: String
  /// The office diagnosed, or the person's office.
  public var office: String
  /// At the staff level, the person's staff id (SPEC.md §9.6); nil for an office.
  public var staff: String?
  /// At the staff level, the position of the person's line.
  public var position: String?
  /// At the staff level, the department of the person's line.
  public var department: String?
  /// The month diagnosed.
  public var period: Period
  /// One reading per condition, in the rule's order.
  public var evidence: [Evidence]

  /// Evaluates `rules` on month values of their KPIs: `office` values (no breakdown) for office
  /// rules, `staff` values (a staff breakdown; the unattributed lines are ignored) for staff
  /// rules; each month that has a value for one of a rule's KPIs is decided against the month
  /// before it.
  ///
  /// - Parameters:
  ///   - perDay: the KPIs compared per day.
  ///   - days: the days a value covers (its key's KPI is ignored).
  /// - Returns: fired and undecidable rules, by office, person, period and rule order. A rule is
  ///   reported undecidable only where the month before has a value for one of its KPIs.
  public static func evaluate(
    _ rules: [DiagnosisRule], office: [KPIValue], staff: [KPIValue] = [],
    perDay: Set<String>, days: (KPIValueKey) -> Int
  ) -> [Diagnosis] {
    var tables: [DiagnosisRule.Level: [KPIValueKey: ExactDecimal?]] = [:]
    // Each subject (an office, or a person's line) and month seen, per level.
    var subjects: [DiagnosisRule.Level: Set<KPIValueKey>] = [:]
    for (level, values) in [(DiagnosisRule.Level.office, office), (.staff, staff)] {
      for value in values where value.channel == nil && value.period.grain == .month {
        guard (level == .staff) == (value.staff != nil) else { continue }
        tables[level, default: [:]][value.key] = value.value
        var subject = value.key
        subject.kpi = ""
        subjects[level, default: []].insert(subject)
      }
    }
    func with(_ key: KPIValueKey, kpi: String, period: Period? = nil) -> KPIValueKey {
      var key = key
      key.kpi = kpi
      if let period { key.period = period }
      return key
    }
    var result: [Diagnosis] = []
    for rule in rules {
      let table = tables[rule.level] ?? [:]
      let places = (subjects[rule.level] ?? []).filter { place in
        rule.positions.map { place.position.map($0.contains) ?? false } ?? true
      }
      for place in places {
        let kpis = rule.conditions.map(\.kpi)
        guard kpis.contains(where: { table[with(place, kpi: $0)] != nil }) else { continue }
        let before = with(place, kpi: "", period: place.period.previous)
        let (daysNow, daysThen) = (days(place), days(before))
        var evidence: [Evidence] = []
        var failed = false
        var undecided = false
        for condition in rule.conditions {
          let now = table[with(place, kpi: condition.kpi)] ?? nil
          let then = table[with(before, kpi: condition.kpi)] ?? nil
          let additive = perDay.contains(condition.kpi)
          let growth = Self.growth(
            now, then, perDay: additive ? (daysNow, daysThen) : nil)
          evidence.append(
            Evidence(
              kpi: condition.kpi, growth: growth, perDay: additive, value: now, previous: then,
              days: daysNow, previousDays: daysThen))
          guard let growth else {
            undecided = true
            continue
          }
          if !condition.holds(growth) { failed = true }
        }
        if failed { continue }
        if undecided && !kpis.contains(where: { table[with(before, kpi: $0)] != nil }) {
          continue
        }
        result.append(
          Diagnosis(
            rule: rule.id, status: undecided ? .insufficientData : .fired, level: rule.level,
            labelZH: rule.labelZH, labelEN: rule.labelEN, owner: rule.owner,
            office: place.office, staff: place.staff, position: place.position,
            department: place.department, period: place.period, evidence: evidence))
      }
    }
    // Rule order: the first rule of an id wins (the definitions refuse duplicates).
    let order = Dictionary(rules.enumerated().map { ($1.id, $0) }) { first, _ in first }
    return result.sorted {
      ($0.office, $0.staff ?? "", $0.period, $0.position ?? "", $0.department ?? "")
        < ($1.office, $1.staff ?? "", $1.period, $1.position ?? "", $1.department ?? "")
        || ($0.office, $0.staff ?? "", $0.period, $0.position ?? "", $0.department ?? "")
          == ($1.office, $1.staff ?? "", $1.period, $1.position ?? "", $1.department ?? "")
          && order[$0.rule, default: .max] < order[$1.rule, default: .max]
    }
  }

  /// The growth from `then` to `now`, per day when `perDay` gives the days of each: 0 when both
  /// are 0 (nothing changed); nil when undefined.
  static func growth(
    _ now: ExactDecimal?, _ then: ExactDecimal?, perDay: (now: Int, then: Int)?
  ) -> ExactDecimal? {
    guard let now, let then else { return nil }
    if then == .zero && now == .zero { return .zero }
    guard then > .zero else { return nil }
    guard let (daysNow, daysThen) = perDay else {
      return now.subtracting(then)?.divided(by: then, scale: 4)
    }
    guard daysNow > 0, daysThen > 0,
      let a = now.multiplied(by: ExactDecimal(Int64(daysThen))),
      let b = then.multiplied(by: ExactDecimal(Int64(daysNow))),
      let delta = a.subtracting(b)
    else { return nil }
    return delta.divided(by: b, scale: 4)
  }
}

extension KPIEngine {
  /// Evaluates the definitions' diagnosis rules (SPEC.md §9.9) for `months` (nil: every month
  /// of the data), reading each month and the one before.
  ///
  /// Only months that ended before `today` are diagnosed: the month holding today has not all
  /// its days in. A month covers its calendar days; a person's line covers the days of the
  /// assignments it stands for within the month. Staff rules need the dataset's `staff` rows.
  public func diagnose(
    _ dataset: Dataset, months: [Period]?, offices: [String]?, today: CivilDate?
  ) -> [Diagnosis] {
    let rules = definitions.diagnoses
    let periods = months.map { list in
      Array(Set(list.flatMap { [$0.previous, $0] })).sorted()
    }
    var values: [DiagnosisRule.Level: [KPIValue]] = [:]
    for level in DiagnosisRule.Level.allCases {
      var kpis: [String] = []
      for rule in rules where rule.level == level {
        for condition in rule.conditions where !kpis.contains(condition.kpi) {
          kpis.append(condition.kpi)
        }
      }
      guard !kpis.isEmpty else { continue }
      values[level] = evaluate(
        dataset,
        KPIQuery(
          kpis: kpis, grain: .month, periods: periods, offices: offices,
          breakdown: level == .office ? .office : .staff, openFrom: today))
    }
    // The engine lists every office in every month asked for; an office's months before its
    // first row that the rules read were not computed for it, nor for its people (SPEC.md §9.9:
    // no report for the first month, whichever months and offices are asked).
    let firsts = firstMonths(dataset, kpis: rules.flatMap { $0.conditions.map(\.kpi) })
    for level in DiagnosisRule.Level.allCases {
      values[level] = values[level]?.filter { value in
        firsts[value.office].map { value.period >= $0 } ?? false
      }
    }
    let perDay = Set(
      rules.flatMap { $0.conditions.map(\.kpi) }.filter(definitions.isAdditiveOverDays))
    let assignments = Assignments(dataset.rows["staff"] ?? [])
    func days(_ key: KPIValueKey) -> Int {
      let period = key.period
      guard let staff = key.staff else { return period.days }
      var total = 0
      for assignment in assignments.byStaff[staff] ?? []
      where assignment.office == key.office && assignment.position == key.position
        && assignment.department == key.department
      {
        let from = max(assignment.from, period.start)
        let to = min(assignment.to ?? period.end, period.end)
        total += max(0, to.daysSinceEpoch - from.daysSinceEpoch + 1)
      }
      return total
    }
    let found = Diagnosis.evaluate(
      rules, office: values[.office] ?? [], staff: values[.staff] ?? [], perDay: perDay,
      days: days)
    return found.filter { flag in
      (months?.contains(flag.period) ?? true) && (today.map { flag.period.end < $0 } ?? true)
    }
  }

  /// Each office's first month with a row that `kpis` read (through their measures, and the
  /// KPIs and measures they refer to).
  func firstMonths(_ dataset: Dataset, kpis: [String]) -> [String: Period] {
    var measures: Set<String> = []
    for id in closure(kpis) {
      switch definitions.kpis[id]!.kind {
      case .simple(let ref): measures.insert(ref.measure)
      case .ratio(let n, let d, _): measures.formUnion([n.measure, d.measure])
      case .derived(let expression):
        measures.formUnion(expression.references.filter { definitions.measures[$0] != nil })
      case .growth, .attainment: break
      }
    }
    var firsts: [String: Period] = [:]
    for id in measures.sorted() {
      guard let measure = definitions.measures[id] else { continue }
      for row in dataset.rows[measure.source] ?? [] {
        guard let office = row["office_id"]?.stringValue,
          let date = KPIEngine.date(row[measure.timeField])
        else { continue }
        let month = Period.containing(date, grain: .month)
        if firsts[office].map({ month < $0 }) ?? true { firsts[office] = month }
      }
    }
    return firsts
  }
}
