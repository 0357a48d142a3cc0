import OutpostCodec
import OutpostModel

/// A funnel diagnosis rule head office publishes in its definitions (SPEC.md §9.3, §9.9).
///
/// The rule fires for an office (or for a person's line, at the `staff` level) in month P when
/// every condition holds: the growth of the condition's KPI from P−1 to P, compared per day
/// when the KPI is additive over days (``DefinitionSet/isAdditiveOverDays(_:)``), against the
/// condition's threshold.
public struct DiagnosisRule: Sendable, Equatable {
  /// Whom a rule diagnoses.
  public enum Level: String, Sendable, CaseIterable {
    /// Each office as a whole.
    case office
    /// Each person's line in a staff breakdown (SPEC.md §9.6).
    case staff
  }

  /// One condition: growth(kpi) `op` `threshold`.
  public struct Condition: Sendable, Equatable {
    /// The KPI whose growth is read.
    public var kpi: String
    /// `ge`, `gt`, `le` or `lt`.
    public var op: Filter.Comparison
    /// The growth it is compared with (0.10 = 10 %).
    public var threshold: ExactDecimal

    /// Creates a condition.
    public init(kpi: String, op: Filter.Comparison, threshold: ExactDecimal) {
      self.kpi = kpi
      self.op = op
      self.threshold = threshold
    }

    /// Whether `growth` satisfies the condition.
    func holds(_ growth: ExactDecimal) -> Bool {
      switch op {
      case .ge: growth >= threshold
      case .gt: growth > threshold
      case .le: growth <= threshold
      default: growth < threshold
      }
    }
  }

  /// The rule's id (`D1`).
  public var id: String
  /// The label in Chinese.
  public var labelZH: String
  /// The label in English.
  public var labelEN: String
  /// Who should act, as text (`promotion`).
  public var owner: String
  /// Whom it diagnoses.
  public var level: Level
  /// At the staff level, the positions whose people the rule reads; nil: every position.
  public var positions: [String]?
  /// Every one must hold for the rule to fire.
  public var conditions: [Condition]

  /// Creates a rule.
  public init(
    id: String, labelZH: String, labelEN: String, owner: String, level: Level = .office,
    positions: [String]? = nil, conditions: [Condition]
  ) {
    self.id = id
    self.labelZH = labelZH
    self.labelEN = labelEN
    self.owner = owner
    self.level = level
    self.positions = positions
    self.conditions = conditions
  }

  /// The comparisons a condition may make.
  static let operators: [Filter.Comparison] = [.ge, .gt, .le, .lt]

  /// The rules of a document without a `diagnoses` member: D1 and D2 at the office level, with
  /// θ_up = 0.10 and θ_flat = 0.02 (docs/kpis.md §7), those whose KPIs the document defines.
  public static let defaults: [DiagnosisRule] = {
    let up = ExactDecimal(significand: 10, scale: 2)
    let flat = ExactDecimal(significand: 2, scale: 2)
    return [
      DiagnosisRule(
        id: "D1", labelZH: "推广流量不精准", labelEN: "imprecise traffic", owner: "promotion",
        conditions: [
          Condition(kpi: "visits", op: .ge, threshold: up),
          Condition(kpi: "consultations", op: .lt, threshold: flat),
        ]),
      DiagnosisRule(
        id: "D2", labelZH: "客服销售转化不足", labelEN: "weak conversion",
        owner: "customer_service",
        conditions: [
          Condition(kpi: "visits", op: .ge, threshold: up),
          Condition(kpi: "consultations", op: .ge, threshold: up),
          Condition(kpi: "deal_count", op: .lt, threshold: flat),
        ]),
    ]
  }()
}

extension Reader {
  /// Reads one member of `diagnoses`.
  func diagnosisRule(_ value: JSONValue, _ path: String) throws(DefinitionError)
    -> DiagnosisRule
  {
    let object = try self.object(
      value, path, allowed: ["id", "label", "owner", "level", "positions", "when"])
    let id = try string(object["id"], "\(path).id")
    guard (1...64).contains(id.utf8.count),
      id.utf8.allSatisfy({
        ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95
      })
    else {
      throw DefinitionError(
        path: "\(path).id", message: "'\(id)' is not an id (1–64 letters, digits, _)")
    }
    let label = try self.object(object["label"], "\(path).label", allowed: ["zh", "en"])
    var level = DiagnosisRule.Level.office
    if let text = object["level"] {
      guard let parsed = text.stringValue.flatMap(DiagnosisRule.Level.init(rawValue:)) else {
        throw DefinitionError(path: "\(path).level", message: "must be \"office\" or \"staff\"")
      }
      level = parsed
    }
    var positions: [String]?
    if let list = object["positions"] {
      guard level == .staff else {
        throw DefinitionError(
          path: "\(path).positions", message: "only a rule with level \"staff\" reads positions")
      }
      positions = try array(list, "\(path).positions").enumerated().map {
        (index, item) throws(DefinitionError) in
        try identifier(item, "\(path).positions[\(index)]")
      }
      guard !positions!.isEmpty else {
        throw DefinitionError(
          path: "\(path).positions", message: "must name a position (omit it for every one)")
      }
    }
    let when = try array(object["when"], "\(path).when")
    guard !when.isEmpty else {
      throw DefinitionError(path: "\(path).when", message: "must hold at least one condition")
    }
    var conditions: [DiagnosisRule.Condition] = []
    for (index, item) in when.enumerated() {
      let at = "\(path).when[\(index)]"
      let term = try self.object(item, at, allowed: ["kpi", "op", "growth"])
      guard let op = term["op"]?.stringValue.flatMap(Filter.Comparison.init(rawValue:)),
        DiagnosisRule.operators.contains(op)
      else {
        throw DefinitionError(path: "\(at).op", message: "must be one of ge, gt, le, lt")
      }
      conditions.append(
        DiagnosisRule.Condition(
          kpi: try identifier(term["kpi"], "\(at).kpi"), op: op,
          threshold: try decimal(term["growth"], "\(at).growth")))
    }
    return DiagnosisRule(
      id: id, labelZH: try string(label["zh"], "\(path).label.zh"),
      labelEN: try string(label["en"], "\(path).label.en"),
      owner: try identifier(object["owner"], "\(path).owner"), level: level,
      positions: positions, conditions: conditions)
  }
}

extension DefinitionSet {
  /// Whether a KPI's value adds up over days, so that diagnosis compares it per day: a `simple`
  /// KPI over a `sum` or `count` measure without a window (SPEC.md §9.9).
  public func isAdditiveOverDays(_ kpi: String) -> Bool {
    guard case .simple(let ref)? = kpis[kpi]?.kind, let measure = measures[ref.measure] else {
      return false
    }
    return (measure.agg == .sum || measure.agg == .count) && measure.window == nil
  }

  /// Refuses a rule that reads an unknown KPI, an office rule on a KPI that exists only per
  /// channel or per person, and a staff rule on a KPI without a people breakdown.
  func validate(_ rule: DiagnosisRule, _ path: String) throws(DefinitionError) {
    for (index, condition) in rule.conditions.enumerated() {
      let at = "\(path).when[\(index)].kpi"
      guard let kpi = kpis[condition.kpi] else {
        throw DefinitionError(path: at, message: "unknown KPI '\(condition.kpi)'")
      }
      switch rule.level {
      case .office:
        if kpi.byChannelOnly || kpi.byStaffOnly {
          throw DefinitionError(
            path: at,
            message: "'\(condition.kpi)' has no office value (it exists only per "
              + (kpi.byStaffOnly ? "person" : "channel") + ")")
        }
      case .staff:
        if !kpi.dimensions.contains("staff_id") {
          throw DefinitionError(
            path: at, message: "'\(condition.kpi)' has no value per person (no staff_id dimension)")
        }
      }
    }
  }
}
