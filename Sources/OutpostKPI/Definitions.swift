import OutpostCodec
import OutpostCrypto
import OutpostModel

/// How a measure aggregates the rows of its collection (SPEC.md §9.3).
public enum Aggregation: String, Sendable, CaseIterable {
  case sum, count
  case countDistinct = "count_distinct"
  case last, first, mean, min, max
}

/// One row condition of a filter.
public indirect enum Filter: Sendable, Equatable {
  /// `{"field","op","value"}`.
  case condition(field: String, op: Comparison, value: JSONValue?)
  /// `{"any":[...]}`: true when any member is.
  case any([Filter])
  /// `{"field","op","value":{"field":other,"days":n}}`: the row's date in `field` against its
  /// date in `other` plus `days` days; false when either is null or not a date.
  case dateOffset(field: String, op: Comparison, other: String, days: Int)

  /// The comparison of a condition.
  public enum Comparison: String, Sendable, CaseIterable {
    case eq, ne, `in`
    case notIn = "not_in"
    case gt, ge, lt, le
    case isNull = "is_null"
    case notNull = "not_null"
  }
}

/// A base aggregation over one collection.
public struct Measure: Sendable, Equatable {
  public var id: String
  public var source: String
  public var agg: Aggregation
  public var field: String?
  /// The date field that puts a row in a period (event-date attribution, docs/kpis.md R7).
  public var timeField: String
  public var filter: [Filter]
  /// For `last`/`first`: the fields whose combinations each keep their own last value, summed.
  public var partitionBy: [String]
  /// Sum and count over no rows are 0 (`zero`, the default) or undefined (`undefined`).
  public var emptyIsZero: Bool
  public var unit: String
  /// A row of another collection joined by key: its fields read as `<as>.<field>`
  /// (`payments` → `invoice.due_date`).
  public var lookup: Lookup?
  /// For `count_distinct`: count only the values found in at least this many rows.
  public var minRows: Int = 1
  /// Read the rows of a span of months anchored on the period instead of the period's rows.
  public var window: Window? = nil
  /// Aggregate the time between two timestamps of each row instead of a field.
  public var duration: Duration? = nil
  /// The field that puts a row in a channel breakdown (`order.channel_id` for a refund).
  public var channelField = "channel_id"

  /// The time from one timestamp field to another, in hours or days (SPEC.md §9.3).
  public struct Duration: Sendable, Equatable {
    public var from: String
    public var to: String
    /// Seconds per unit: 3600 (hours) or 86400 (days).
    public var unitSeconds: Int64
  }

  /// A span of whole months anchored on a period (SPEC.md §9.1).
  public struct Window: Sendable, Equatable {
    /// How many months.
    public var months: Int
    /// The months end with the period's last day (`period_end`), or just before its first day
    /// (`period_start`).
    public var toPeriodEnd: Bool

    /// Creates a window of `months` whole months ending with the period or just before it.
    public init(months: Int, toPeriodEnd: Bool) {
      self.months = months
      self.toPeriodEnd = toPeriodEnd
    }

    /// The first and last day of the window of `period`.
    public func span(of period: Period) -> (first: CivilDate, last: CivilDate) {
      toPeriodEnd
        ? (Self.shift(period.end.adding(days: 1), months: -months), period.end)
        : (Self.shift(period.start, months: -months), period.start.adding(days: -1))
    }

    /// The periods of `grain` whose window holds `date`, earliest first.
    public func periods(holding date: CivilDate, grain: Grain) -> [Period] {
      var result: [Period] = []
      var period = Period.containing(date, grain: grain)
      if !toPeriodEnd { period = period.next }
      while span(of: period).first <= date {
        result.append(period)
        period = period.next
      }
      return result
    }

    /// The same day `months` months later (earlier when negative), or that month's last day.
    static func shift(_ date: CivilDate, months: Int) -> CivilDate {
      let index = date.year * 12 + (date.month - 1) + months
      let (year, month) = (index / 12, index % 12 + 1)
      let day = min(date.day, CivilDate.daysInMonth(year: year, month: month))
      return CivilDate(year: year, month: month, day: day)!
    }
  }

  /// A join to one row of another collection.
  public struct Lookup: Sendable, Equatable {
    /// The other collection.
    public var collection: String
    /// This row's field holding the other row's id (`invoice_id`).
    public var key: String
    /// The other collection's id field (`invoice_id`).
    public var id: String
    /// The prefix of the joined fields.
    public var name: String
  }
}

/// A measure, optionally narrowed by a filter, as a KPI uses it.
public struct MeasureRef: Sendable, Equatable, Hashable {
  public var measure: String
  public var filter: [Filter]

  public static func == (lhs: MeasureRef, rhs: MeasureRef) -> Bool {
    lhs.measure == rhs.measure && lhs.filter == rhs.filter
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(measure)
    hasher.combine(filter.count)
  }
}

/// An expression of a derived KPI: a JSON AST, never a string to parse.
public indirect enum Expression: Sendable, Equatable {
  /// A KPI or a measure by id (its exact value).
  case ref(String)
  /// A decimal constant.
  case constant(ExactDecimal)
  /// An operation: add, sub, mul, div (undefined on zero, R1), neg, min, max, and `common`:
  /// the number of distinct values two `count_distinct` measures share.
  case operation(String, [Expression])
  /// `{"ref":"$period_days"}`: the period's calendar days (for an open period, its days so far).
  case periodDays

  static let operations: Set<String> = ["add", "sub", "mul", "div", "neg", "min", "max", "common"]

  /// Every id the expression refers to.
  public var references: [String] {
    switch self {
    case .ref(let id): [id]
    case .constant, .periodDays: []
    case .operation(_, let arguments): arguments.flatMap(\.references)
    }
  }
}

/// What a KPI computes.
public enum KPIKind: Sendable, Equatable {
  case simple(MeasureRef)
  /// `officeDenominator`: in a channel breakdown, divide by the office's total (a share).
  case ratio(numerator: MeasureRef, denominator: MeasureRef, officeDenominator: Bool = false)
  case derived(Expression)
  /// `base` now against the previous period or the same period last year.
  case growth(base: String, sameLastYear: Bool, relative: Bool)
  /// `base`'s canonical value against head office's target for the office and period
  /// (`targets`), by a scorecard method, clamped to `floor`…`cap` when given (SPEC.md §9.5).
  case attainment(
    base: String, method: ScorecardDefinition.Method, floor: ExactDecimal?, cap: ExactDecimal?)
}

/// Which way is better (docs/kpis.md §5); informs people and the choice of a scorecard method.
public enum Direction: String, Sendable, CaseIterable {
  case higherBetter = "higher_better"
  case lowerBetter = "lower_better"
  case upperBound = "upper_bound"
  case lowerBound = "lower_bound"
  case closerBetter = "closer_better"
  case neutral
}

/// A condition that attaches a reason code to a value: `{"all":[{ref,op,value}]}`.
public struct FlagRule: Sendable, Equatable {
  public var reason: String
  /// Every term must hold: the ref's exact value compared with a constant.
  public var all: [(ref: String, op: Filter.Comparison, value: ExactDecimal)]
  /// Whether the flag makes a scorecard item score 0 (a failure, docs/kpis.md §6).
  public var failure: Bool

  public static func == (lhs: FlagRule, rhs: FlagRule) -> Bool {
    lhs.reason == rhs.reason && lhs.failure == rhs.failure && lhs.all.count == rhs.all.count
      && zip(lhs.all, rhs.all).allSatisfy {
        $0.ref == $1.ref && $0.op == $1.op && $0.value == $1.value
      }
  }
}

/// One KPI definition.
public struct KPIDefinition: Sendable, Equatable {
  public var id: String
  public var version: Int
  public var labelZH: String
  public var labelEN: String
  public var kind: KPIKind
  /// `count`, `currency:CNY`, `ratio`, `pp`, `hours`, `days`, `score`.
  public var unit: String
  /// The canonical value's fraction digits.
  public var scale: Int
  public var rounding: DecimalRounding
  public var direction: Direction
  /// Group-bys allowed besides office: `channel_id`.
  public var dimensions: [String]
  public var flags: [FlagRule]
  /// For a ratio: the undefined reason when numerator and denominator are both 0 (nothing
  /// happened: the catalog's `no_activity`, docs/kpis.md R1), instead of `zero_denominator`.
  public var bothZeroReason: String? = nil
  /// A maturing KPI (R10) stays provisional until this many days after its period ends.
  public var maturesDays: Int = 0
  /// Computed only in a channel breakdown (shares, per-channel figures).
  public var byChannelOnly = false
}

/// A decimal head office sets inside the definitions (CLV's lifespan and margin).
public struct Parameter: Sendable, Equatable {
  public var id: String
  public var value: ExactDecimal
  public var unit: String
  public var labelZH: String
  public var labelEN: String
}

/// The published set of definitions (`outpost-kpi-def/1`), content-addressed.
public struct DefinitionSet: Sendable {
  /// The format this build reads and writes.
  public static let format = "outpost-kpi-def/1"

  public var measures: [String: Measure]
  public var kpis: [String: KPIDefinition]
  /// KPI ids in document order.
  public var kpiOrder: [String]
  public var scorecards: [String: ScorecardDefinition]
  /// Head office's parameters, by id.
  public var parameters: [String: Parameter]
  /// SHA-256 of the canonical JSON of the document.
  public var hash: String
  /// The document as parsed.
  public var json: JSONValue

  static let units: Set<String> = [
    "count", "currency:CNY", "ratio", "pp", "hours", "days", "score", "multiple",
  ]
}

/// Why a definition document was refused: where (a JSON path) and what.
public struct DefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
  public var path: String
  public var message: String
  public var description: String { "\(path): \(message)" }
}

extension DefinitionSet {
  /// Parses and validates a definition document; refuses unknown members, unknown measures,
  /// reference cycles, bad units or scales, and scorecards whose weights do not sum to 1.0000.
  public init(json: JSONValue) throws(DefinitionError) {
    let reader = Reader()
    let root = try reader.object(
      json, "$",
      allowed: ["format", "published_at", "parameters", "measures", "kpis", "scorecards"])
    guard root["format"]?.stringValue == Self.format else {
      throw DefinitionError(path: "$.format", message: "must be \"\(Self.format)\"")
    }
    var measures: [String: Measure] = [:]
    for (index, value) in try reader.array(root["measures"], "$.measures").enumerated() {
      let measure = try reader.measure(value, "$.measures[\(index)]")
      guard measures[measure.id] == nil else {
        throw DefinitionError(
          path: "$.measures[\(index)].id", message: "duplicate id '\(measure.id)'")
      }
      measures[measure.id] = measure
    }
    var parameters: [String: Parameter] = [:]
    if let list = root["parameters"] {
      for (index, value) in try reader.array(list, "$.parameters").enumerated() {
        let parameter = try reader.parameter(value, "$.parameters[\(index)]")
        guard parameters[parameter.id] == nil, measures[parameter.id] == nil else {
          throw DefinitionError(
            path: "$.parameters[\(index)].id",
            message: "'\(parameter.id)' is already a parameter's or a measure's id")
        }
        parameters[parameter.id] = parameter
      }
    }
    var kpis: [String: KPIDefinition] = [:]
    var order: [String] = []
    for (index, value) in try reader.array(root["kpis"], "$.kpis").enumerated() {
      let kpi = try reader.kpi(value, "$.kpis[\(index)]")
      guard kpis[kpi.id] == nil else {
        throw DefinitionError(path: "$.kpis[\(index)].id", message: "duplicate id '\(kpi.id)'")
      }
      guard parameters[kpi.id] == nil else {
        throw DefinitionError(
          path: "$.kpis[\(index)].id", message: "'\(kpi.id)' is already a parameter's id")
      }
      kpis[kpi.id] = kpi
      order.append(kpi.id)
    }
    var scorecards: [String: ScorecardDefinition] = [:]
    if let list = root["scorecards"] {
      for (index, value) in try reader.array(list, "$.scorecards").enumerated() {
        let card = try ScorecardDefinition(json: value, path: "$.scorecards[\(index)]")
        scorecards[card.id] = card
      }
    }
    self.measures = measures
    self.kpis = kpis
    self.kpiOrder = order
    self.scorecards = scorecards
    self.parameters = parameters
    self.json = json
    self.hash = SHA256.hash(JSONWriter.canonicalBytes(json)).hex
    try validate()
  }

  /// Parses a definition document from bytes (strict JSON, §3.1).
  public init(bytes: [UInt8]) throws(DefinitionError) {
    let json: JSONValue
    do { json = try JSONParser.parse(bytes) } catch {
      throw DefinitionError(path: "$", message: error.description)
    }
    try self.init(json: json)
  }

  private func validate() throws(DefinitionError) {
    for id in kpiOrder {
      let kpi = kpis[id]!
      let path = "kpi '\(id)'"
      func checkMeasure(_ ref: MeasureRef) throws(DefinitionError) {
        guard measures[ref.measure] != nil else {
          throw DefinitionError(path: path, message: "unknown measure '\(ref.measure)'")
        }
      }
      switch kpi.kind {
      case .simple(let ref): try checkMeasure(ref)
      case .ratio(let n, let d, _):
        try checkMeasure(n)
        try checkMeasure(d)
      case .derived(let expression):
        for ref in expression.references
        where kpis[ref] == nil && measures[ref] == nil && parameters[ref] == nil {
          throw DefinitionError(path: path, message: "unknown KPI, measure or parameter '\(ref)'")
        }
        try checkCommon(expression, path)
      case .growth(let base, _, _), .attainment(let base, _, _, _):
        guard kpis[base] != nil else {
          throw DefinitionError(path: path, message: "unknown base KPI '\(base)'")
        }
      }
      for flag in kpi.flags {
        for term in flag.all where kpis[term.ref] == nil && measures[term.ref] == nil {
          throw DefinitionError(
            path: path, message: "flag '\(flag.reason)' refers to unknown '\(term.ref)'")
        }
      }
    }
    // Cycles among KPIs (derived and growth refer to other KPIs).
    var state: [String: Int] = [:]  // 1 visiting, 2 done
    func visit(_ id: String, _ trail: [String]) throws(DefinitionError) {
      if state[id] == 2 { return }
      if state[id] == 1 {
        throw DefinitionError(
          path: "kpi '\(id)'",
          message: "refers to itself: \((trail + [id]).joined(separator: " → "))")
      }
      state[id] = 1
      for next in dependencies(of: id) where kpis[next] != nil { try visit(next, trail + [id]) }
      state[id] = 2
    }
    for id in kpiOrder { try visit(id, []) }
    for (id, card) in scorecards {
      for item in card.items where kpis[item.kpi] == nil {
        throw DefinitionError(path: "scorecard '\(id)'", message: "unknown KPI '\(item.kpi)'")
      }
    }
  }

  /// `common` takes two `count_distinct` measures (not KPIs of the same id).
  private func checkCommon(_ expression: Expression, _ path: String) throws(DefinitionError) {
    guard case .operation(let op, let arguments) = expression else { return }
    for argument in arguments { try checkCommon(argument, path) }
    guard op == "common" else { return }
    for argument in arguments {
      guard case .ref(let id) = argument, kpis[id] == nil, let measure = measures[id],
        measure.agg == .countDistinct
      else {
        throw DefinitionError(
          path: path, message: "'common' takes two count_distinct measures by {\"ref\"}")
      }
    }
  }

  /// The KPI ids `id` refers to.
  func dependencies(of id: String) -> [String] {
    guard let kpi = kpis[id] else { return [] }
    switch kpi.kind {
    case .simple, .ratio: return []
    case .derived(let expression): return expression.references
    case .growth(let base, _, _), .attainment(let base, _, _, _): return [base]
    }
  }
}

/// Reads definition JSON with paths in every error.
struct Reader {
  func object(_ value: JSONValue?, _ path: String, allowed: Set<String>) throws(DefinitionError)
    -> JSONObject
  {
    guard case .object(let object)? = value else {
      throw DefinitionError(path: path, message: "must be an object")
    }
    for key in object.keys where !allowed.contains(key) {
      throw DefinitionError(path: "\(path).\(key)", message: "unknown member")
    }
    return object
  }

  func array(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> [JSONValue] {
    guard case .array(let items)? = value else {
      throw DefinitionError(path: path, message: "must be an array")
    }
    return items
  }

  func string(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> String {
    guard let text = value?.stringValue, !text.isEmpty else {
      throw DefinitionError(path: path, message: "must be a non-empty string")
    }
    return text
  }

  func identifier(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> String {
    let text = try string(value, path)
    guard text.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }),
      text.utf8.count <= 64
    else { throw DefinitionError(path: path, message: "'\(text)' is not a snake_case id") }
    return text
  }

  func decimal(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> ExactDecimal {
    guard let text = value?.stringValue else {
      throw DefinitionError(path: path, message: "must be a decimal written as a JSON string")
    }
    do { return try ExactDecimal(parsing: text) } catch {
      throw DefinitionError(path: path, message: error.message)
    }
  }

  func filters(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> [Filter] {
    guard let value else { return [] }
    return try array(value, path).enumerated().map { (index, item) throws(DefinitionError) in
      try filter(item, "\(path)[\(index)]")
    }
  }

  func filter(_ value: JSONValue, _ path: String) throws(DefinitionError) -> Filter {
    if case .object(let object) = value, object["any"] != nil {
      _ = try self.object(value, path, allowed: ["any"])
      return .any(try filters(object["any"], "\(path).any"))
    }
    let object = try self.object(value, path, allowed: ["field", "op", "value"])
    let field = try string(object["field"], "\(path).field")
    guard let op = object["op"]?.stringValue.flatMap(Filter.Comparison.init(rawValue:)) else {
      throw DefinitionError(
        path: "\(path).op",
        message:
          "must be one of \(Filter.Comparison.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let operand = object["value"]
    if case .object(let relative)? = operand {
      let relativePath = "\(path).value"
      _ = try self.object(operand, relativePath, allowed: ["field", "days"])
      guard [.eq, .ne, .gt, .ge, .lt, .le].contains(op) else {
        throw DefinitionError(
          path: "\(path).op", message: "a {\"field\",\"days\"} value needs eq, ne, gt, ge, lt or le"
        )
      }
      guard case .number(let number)? = relative["days"], let days = Int(number.text),
        abs(days) <= 36_600
      else {
        throw DefinitionError(
          path: "\(relativePath).days", message: "must be a whole number of days (±36600)")
      }
      return .dateOffset(
        field: field, op: op, other: try string(relative["field"], "\(relativePath).field"),
        days: days)
    }
    switch op {
    case .isNull, .notNull:
      guard operand == nil else {
        throw DefinitionError(path: "\(path).value", message: "not allowed")
      }
    case .in, .notIn:
      guard case .array? = operand else {
        throw DefinitionError(path: "\(path).value", message: "must be an array")
      }
    default:
      guard operand != nil else {
        throw DefinitionError(path: "\(path).value", message: "is missing")
      }
    }
    return .condition(field: field, op: op, value: operand)
  }

  func measure(_ value: JSONValue, _ path: String) throws(DefinitionError) -> Measure {
    let object = try self.object(
      value, path,
      allowed: [
        "id", "source", "agg", "field", "time_field", "filter", "partition_by", "null_policy",
        "empty_policy", "unit", "description", "lookup",
        "min_rows", "window", "duration", "channel_field",
      ])
    let id = try identifier(object["id"], "\(path).id")
    guard let agg = object["agg"]?.stringValue.flatMap(Aggregation.init(rawValue:)) else {
      throw DefinitionError(
        path: "\(path).agg",
        message: "must be one of \(Aggregation.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let field = try object["field"].map { (v) throws(DefinitionError) in
      try string(v, "\(path).field")
    }
    var duration: Measure.Duration?
    if let value = object["duration"] {
      let span = try self.object(value, "\(path).duration", allowed: ["from", "to", "unit"])
      guard [.sum, .mean, .min, .max].contains(agg), field == nil else {
        throw DefinitionError(
          path: "\(path).duration", message: "needs agg sum, mean, min or max and no field")
      }
      let unit = span["unit"]?.stringValue
      guard unit == "hours" || unit == "days" else {
        throw DefinitionError(path: "\(path).duration.unit", message: "must be hours or days")
      }
      duration = Measure.Duration(
        from: try string(span["from"], "\(path).duration.from"),
        to: try string(span["to"], "\(path).duration.to"),
        unitSeconds: unit == "hours" ? 3600 : 86_400)
    }
    if agg != .count && field == nil && duration == nil {
      throw DefinitionError(path: "\(path).field", message: "is required for '\(agg.rawValue)'")
    }
    var partition: [String] = []
    if let list = object["partition_by"] {
      guard agg == .last || agg == .first else {
        throw DefinitionError(path: "\(path).partition_by", message: "only last and first have it")
      }
      partition = try array(list, "\(path).partition_by").enumerated().map {
        (i, v) throws(DefinitionError) in try string(v, "\(path).partition_by[\(i)]")
      }
    }
    if let policy = object["null_policy"], policy.stringValue != "skip" {
      throw DefinitionError(path: "\(path).null_policy", message: "only \"skip\" is supported")
    }
    var emptyIsZero = true
    if let policy = object["empty_policy"] {
      switch policy.stringValue {
      case "zero_if_closed": emptyIsZero = true
      case "undefined": emptyIsZero = false
      default:
        throw DefinitionError(
          path: "\(path).empty_policy", message: "must be \"zero_if_closed\" or \"undefined\"")
      }
    }
    let unit = try string(object["unit"], "\(path).unit")
    var lookup: Measure.Lookup?
    if let value = object["lookup"] {
      let join = try self.object(
        value, "\(path).lookup", allowed: ["collection", "key", "id", "as"])
      lookup = Measure.Lookup(
        collection: try string(join["collection"], "\(path).lookup.collection"),
        key: try string(join["key"], "\(path).lookup.key"),
        id: try string(join["id"], "\(path).lookup.id"),
        name: try identifier(join["as"], "\(path).lookup.as"))
    }
    var minRows = 1
    if let value = object["min_rows"] {
      guard agg == .countDistinct else {
        throw DefinitionError(path: "\(path).min_rows", message: "only count_distinct has it")
      }
      guard let n = value.uint64Value, n >= 1, n <= 1_000_000 else {
        throw DefinitionError(path: "\(path).min_rows", message: "must be a whole number ≥ 1")
      }
      minRows = Int(n)
    }
    var window: Measure.Window?
    if let value = object["window"] {
      let span = try self.object(value, "\(path).window", allowed: ["months", "to"])
      guard let months = span["months"]?.uint64Value, (1...120).contains(months) else {
        throw DefinitionError(path: "\(path).window.months", message: "must be 1…120")
      }
      let to = span["to"]?.stringValue
      guard to == "period_end" || to == "period_start" else {
        throw DefinitionError(
          path: "\(path).window.to", message: "must be \"period_end\" or \"period_start\"")
      }
      window = Measure.Window(months: Int(months), toPeriodEnd: to == "period_end")
    }
    return Measure(
      id: id, source: try string(object["source"], "\(path).source"), agg: agg, field: field,
      timeField: try string(object["time_field"], "\(path).time_field"),
      filter: try filters(object["filter"], "\(path).filter"), partitionBy: partition,
      emptyIsZero: emptyIsZero, unit: unit, lookup: lookup, minRows: minRows, window: window,
      duration: duration,
      channelField: try object["channel_field"].map { (v) throws(DefinitionError) in
        try string(v, "\(path).channel_field")
      } ?? "channel_id")
  }

  func parameter(_ value: JSONValue, _ path: String) throws(DefinitionError) -> Parameter {
    let object = try self.object(
      value, path, allowed: ["id", "value", "unit", "label", "description"])
    let label = try self.object(object["label"], "\(path).label", allowed: ["zh", "en"])
    let unit = try string(object["unit"], "\(path).unit")
    guard DefinitionSet.units.contains(unit) || unit == "years" else {
      throw DefinitionError(
        path: "\(path).unit",
        message: "must be years or one of \(DefinitionSet.units.sorted().joined(separator: ", "))")
    }
    return Parameter(
      id: try identifier(object["id"], "\(path).id"),
      value: try decimal(object["value"], "\(path).value"), unit: unit,
      labelZH: try string(label["zh"], "\(path).label.zh"),
      labelEN: try string(label["en"], "\(path).label.en"))
  }

  func measureRef(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> MeasureRef {
    let object = try self.object(value, path, allowed: ["measure", "filter"])
    return MeasureRef(
      measure: try identifier(object["measure"], "\(path).measure"),
      filter: try filters(object["filter"], "\(path).filter"))
  }

  func expression(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> Expression {
    guard case .object(let object)? = value else {
      throw DefinitionError(path: path, message: "must be an object")
    }
    if object["ref"] != nil {
      _ = try self.object(value, path, allowed: ["ref"])
      if object["ref"]?.stringValue == "$period_days" { return .periodDays }
      return .ref(try identifier(object["ref"], "\(path).ref"))
    }
    if object["const"] != nil {
      _ = try self.object(value, path, allowed: ["const"])
      return .constant(try decimal(object["const"], "\(path).const"))
    }
    _ = try self.object(value, path, allowed: ["op", "args"])
    let op = try string(object["op"], "\(path).op")
    guard Expression.operations.contains(op) else {
      throw DefinitionError(path: "\(path).op", message: "unknown operation '\(op)'")
    }
    let arguments = try array(object["args"], "\(path).args").enumerated().map {
      (i, v) throws(DefinitionError) in try expression(v, "\(path).args[\(i)]")
    }
    let arity = op == "neg" ? 1...1 : (op == "min" || op == "max" ? 2...16 : 2...2)
    guard arity.contains(arguments.count) else {
      throw DefinitionError(
        path: "\(path).args",
        message: "'\(op)' takes \(arity.lowerBound)…\(arity.upperBound) arguments")
    }
    return .operation(op, arguments)
  }

  /// The members every KPI may have.
  static let kpiMembers: Set<String> = [
    "id", "version", "type", "label", "seeds", "unit", "scale", "rounding", "direction",
    "dimensions", "flags", "description", "matures_days", "by_channel_only",
  ]

  /// The members of each KPI type.
  static let typeMembers: [String: Set<String>] = [
    "simple": ["measure", "filter"],
    "ratio": ["numerator", "denominator", "both_zero", "denominator_scope"],
    "derived": ["expr"],
    "growth": ["base", "compare", "kind", "nonpositive_base"],
    "attainment": ["base", "method", "floor", "cap"],
  ]

  func kpi(_ value: JSONValue, _ path: String) throws(DefinitionError) -> KPIDefinition {
    let object = try self.object(
      value, path,
      allowed: Self.kpiMembers.union(Self.typeMembers.values.joined()))
    // A member of another type is refused, not ignored.
    if let type = object["type"]?.stringValue, let members = Self.typeMembers[type] {
      for key in object.keys where !Self.kpiMembers.contains(key) && !members.contains(key) {
        throw DefinitionError(path: "\(path).\(key)", message: "not a member of a \(type) KPI")
      }
    }
    if let policy = object["nonpositive_base"], policy.stringValue != "undefined" {
      throw DefinitionError(path: "\(path).nonpositive_base", message: "only \"undefined\"")
    }
    let id = try identifier(object["id"], "\(path).id")
    let label = try self.object(object["label"], "\(path).label", allowed: ["zh", "en"])
    guard let version = object["version"]?.uint64Value, version >= 1 else {
      throw DefinitionError(path: "\(path).version", message: "must be a whole number ≥ 1")
    }
    let unit = try string(object["unit"], "\(path).unit")
    guard DefinitionSet.units.contains(unit) else {
      throw DefinitionError(
        path: "\(path).unit",
        message: "must be one of \(DefinitionSet.units.sorted().joined(separator: ", "))")
    }
    guard let scale = object["scale"]?.uint64Value, scale <= 8 else {
      throw DefinitionError(path: "\(path).scale", message: "must be a whole number 0…8")
    }
    let rounding: DecimalRounding
    switch object["rounding"]?.stringValue ?? "half_up" {
    case "half_up": rounding = .halfUp
    case "half_even": rounding = .halfEven
    default:
      throw DefinitionError(path: "\(path).rounding", message: "must be half_up or half_even")
    }
    guard let direction = object["direction"]?.stringValue.flatMap(Direction.init(rawValue:)) else {
      throw DefinitionError(
        path: "\(path).direction",
        message: "must be one of \(Direction.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let kind: KPIKind
    switch try string(object["type"], "\(path).type") {
    case "simple":
      kind = .simple(
        MeasureRef(
          measure: try identifier(object["measure"], "\(path).measure"),
          filter: try filters(object["filter"], "\(path).filter")))
    case "ratio":
      let scope = object["denominator_scope"]?.stringValue ?? "channel"
      guard scope == "channel" || scope == "office" else {
        throw DefinitionError(
          path: "\(path).denominator_scope", message: "must be \"channel\" or \"office\"")
      }
      kind = .ratio(
        numerator: try measureRef(object["numerator"], "\(path).numerator"),
        denominator: try measureRef(object["denominator"], "\(path).denominator"),
        officeDenominator: scope == "office")
    case "derived":
      kind = .derived(try expression(object["expr"], "\(path).expr"))
    case "growth":
      let compare = try string(object["compare"], "\(path).compare")
      guard compare == "previous_period" || compare == "same_period_last_year" else {
        throw DefinitionError(
          path: "\(path).compare", message: "must be previous_period or same_period_last_year")
      }
      let growthKind = object["kind"]?.stringValue ?? "relative"
      guard growthKind == "relative" || growthKind == "difference" else {
        throw DefinitionError(path: "\(path).kind", message: "must be relative or difference")
      }
      kind = .growth(
        base: try identifier(object["base"], "\(path).base"),
        sameLastYear: compare == "same_period_last_year", relative: growthKind == "relative")
    case "attainment":
      guard
        let method = object["method"]?.stringValue.flatMap(
          ScorecardDefinition.Method.init(rawValue:))
      else {
        throw DefinitionError(
          path: "\(path).method",
          message:
            "must be one of \(ScorecardDefinition.Method.allCases.map(\.rawValue).joined(separator: ", "))"
        )
      }
      let floor = try object["floor"].map { (v) throws(DefinitionError) in
        try decimal(v, "\(path).floor")
      }
      let cap = try object["cap"].map { (v) throws(DefinitionError) in
        try decimal(v, "\(path).cap")
      }
      if let floor, let cap, floor > cap {
        throw DefinitionError(path: "\(path).floor", message: "is above the cap")
      }
      kind = .attainment(
        base: try identifier(object["base"], "\(path).base"), method: method, floor: floor, cap: cap
      )
    case let other:
      throw DefinitionError(
        path: "\(path).type",
        message: "'\(other)' is not simple, ratio, derived, growth or attainment")
    }
    var bothZeroReason: String?
    if let reason = object["both_zero"] {
      guard case .ratio = kind else {
        throw DefinitionError(path: "\(path).both_zero", message: "only a ratio KPI has it")
      }
      bothZeroReason = try identifier(reason, "\(path).both_zero")
    }
    var dimensions: [String] = []
    if let list = object["dimensions"] {
      dimensions = try array(list, "\(path).dimensions").enumerated().map {
        (i, v) throws(DefinitionError) in try string(v, "\(path).dimensions[\(i)]")
      }
    }
    var flags: [FlagRule] = []
    if let list = object["flags"] {
      for (i, item) in try array(list, "\(path).flags").enumerated() {
        let flagPath = "\(path).flags[\(i)]"
        let flag = try self.object(item, flagPath, allowed: ["when", "reason", "failure"])
        let when = try self.object(flag["when"], "\(flagPath).when", allowed: ["all"])
        var terms: [(String, Filter.Comparison, ExactDecimal)] = []
        for (j, term) in try array(when["all"], "\(flagPath).when.all").enumerated() {
          let termPath = "\(flagPath).when.all[\(j)]"
          let t = try self.object(term, termPath, allowed: ["ref", "op", "value"])
          guard let op = t["op"]?.stringValue.flatMap(Filter.Comparison.init(rawValue:)),
            [.eq, .ne, .gt, .ge, .lt, .le].contains(op)
          else {
            throw DefinitionError(
              path: "\(termPath).op", message: "must be eq, ne, gt, ge, lt or le")
          }
          terms.append(
            (
              try identifier(t["ref"], "\(termPath).ref"), op,
              try decimal(t["value"], "\(termPath).value")
            ))
        }
        var failure = false
        if let value = flag["failure"] {
          guard case .bool(let b) = value else {
            throw DefinitionError(path: "\(flagPath).failure", message: "must be true or false")
          }
          failure = b
        }
        flags.append(
          FlagRule(
            reason: try identifier(flag["reason"], "\(flagPath).reason"), all: terms,
            failure: failure))
      }
    }
    var byChannelOnly = false
    if let value = object["by_channel_only"] {
      guard case .bool(let flag) = value else {
        throw DefinitionError(path: "\(path).by_channel_only", message: "must be true or false")
      }
      guard !flag || dimensions.contains("channel_id") else {
        throw DefinitionError(
          path: "\(path).by_channel_only", message: "needs \"channel_id\" in dimensions")
      }
      byChannelOnly = flag
    }
    var maturesDays = 0
    if let value = object["matures_days"] {
      guard let days = value.uint64Value, days <= 3660 else {
        throw DefinitionError(
          path: "\(path).matures_days", message: "must be a whole number 0…3660")
      }
      maturesDays = Int(days)
    }
    return KPIDefinition(
      id: id, version: Int(version), labelZH: try string(label["zh"], "\(path).label.zh"),
      labelEN: try string(label["en"], "\(path).label.en"), kind: kind, unit: unit,
      scale: Int(scale), rounding: rounding, direction: direction, dimensions: dimensions,
      flags: flags, bothZeroReason: bothZeroReason, maturesDays: maturesDays,
      byChannelOnly: byChannelOnly)
  }
}
