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
  /// The field naming the person a row counts for (`assigned_to`, `salesperson_id`); nil: the
  /// measure's rows belong to no one, so no KPI reading it has a people breakdown.
  public var staffField: String? = nil
  /// The dated records that name the person for the staff field's value (`ad_daily.account_id`
  /// → the `ad_accounts` owner on the row's date); nil: the staff field names the person.
  public var staffThrough: StaffThrough? = nil

  /// Who a row counts for through another collection's dated records (SPEC.md §9.3): the
  /// record of `collection` in the row's office whose `id` field equals the row's staff field
  /// and whose `active_from`…`active_to` holds the row's date; its `staff` field names the
  /// person.
  public struct StaffThrough: Sendable, Hashable {
    /// The dated collection (`ad_accounts`).
    public var collection: String
    /// Its field matching the row's staff field (`account_id`).
    public var id: String
    /// Its field naming the person (`owner`).
    public var staff: String

    /// Creates the mapping.
    public init(collection: String, id: String, staff: String) {
      self.collection = collection
      self.id = id
      self.staff = staff
    }
  }

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
  /// Group-bys allowed besides office: `channel_id`, and `staff_id` (the people breakdowns:
  /// staff, position and department).
  public var dimensions: [String]
  public var flags: [FlagRule]
  /// For a ratio: the undefined reason when numerator and denominator are both 0 (nothing
  /// happened: the catalog's `no_activity`, docs/kpis.md R1), instead of `zero_denominator`.
  public var bothZeroReason: String? = nil
  /// A maturing KPI (R10) stays provisional until this many days after its period ends.
  public var maturesDays: Int = 0
  /// Computed only in a channel breakdown (shares, per-channel figures).
  public var byChannelOnly = false
  /// Computed only in a people breakdown (a person's rating, which means nothing averaged over
  /// an office).
  public var byStaffOnly = false
  /// In a people breakdown, the positions whose people the KPI is listed for even without
  /// rows (nil: every position); rows always show whose they are.
  public var positions: [String]? = nil

  /// The dimensions a KPI may have besides `office_id`.
  public static let knownDimensions: Set<String> = ["office_id", "channel_id", "staff_id"]
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
  /// The funnel diagnosis rules, in document order: the document's `diagnoses`, or without that
  /// member ``DiagnosisRule/defaults`` whose KPIs the document defines (SPEC.md §9.9).
  public var diagnoses: [DiagnosisRule]
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

  /// Creates an error at `path` (a JSON path such as `$.kpis[3].unit`).
  public init(path: String, message: String) {
    self.path = path
    self.message = message
  }

  public var description: String { "\(path): \(message)" }
}

extension DefinitionSet {
  /// Parses and validates a definition document; refuses unknown members, unknown measures,
  /// reference cycles, bad units or scales, and scorecards whose weights do not sum to 1.0000.
  ///
  /// `published`: the document is one head office already published (a `kpi_definitions`
  /// record). A document published before the scorecard's `applies_to` was checked may narrow
  /// it by `department`; that member, which never had an effect, is tolerated there so existing
  /// repositories keep computing, and refused in any new document (SPEC.md §9.5).
  public init(json: JSONValue, published: Bool = false) throws(DefinitionError) {
    let reader = Reader()
    let root = try reader.object(
      json, "$",
      allowed: [
        "format", "published_at", "parameters", "measures", "kpis", "scorecards", "diagnoses",
      ])
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
        let card = try ScorecardDefinition(
          json: value, path: "$.scorecards[\(index)]", published: published)
        guard scorecards[card.id] == nil else {
          throw DefinitionError(
            path: "$.scorecards[\(index)].id", message: "duplicate id '\(card.id)'")
        }
        scorecards[card.id] = card
      }
    }
    var diagnoses: [DiagnosisRule] = []
    if let list = root["diagnoses"] {
      for (index, value) in try reader.array(list, "$.diagnoses").enumerated() {
        let rule = try reader.diagnosisRule(value, "$.diagnoses[\(index)]")
        guard !diagnoses.contains(where: { $0.id == rule.id }) else {
          throw DefinitionError(
            path: "$.diagnoses[\(index)].id", message: "duplicate id '\(rule.id)'")
        }
        diagnoses.append(rule)
      }
    } else {
      diagnoses = DiagnosisRule.defaults.filter { rule in
        rule.conditions.allSatisfy { kpis[$0.kpi] != nil }
      }
    }
    self.measures = measures
    self.kpis = kpis
    self.kpiOrder = order
    self.scorecards = scorecards
    self.parameters = parameters
    self.diagnoses = diagnoses
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
    if json.objectValue?["diagnoses"] != nil {
      for (index, rule) in diagnoses.enumerated() { try validate(rule, "$.diagnoses[\(index)]") }
    }
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
    // A people breakdown groups rows by their measure's staff field: each measure a KPI with
    // the staff_id dimension reads must name one, or its rows would all be unattributed.
    for id in kpiOrder where kpis[id]!.dimensions.contains("staff_id") {
      for measure in measuresRead(by: id).sorted()
      where measures[measure].map({ $0.staffField == nil }) ?? false {
        throw DefinitionError(
          path: "kpi '\(id)'",
          message: "has the staff_id dimension but reads measure '\(measure)', which has no "
            + "staff_field")
      }
    }
    for id in scorecards.keys.sorted() {
      let card = scorecards[id]!
      for item in card.items where kpis[item.kpi] == nil {
        throw DefinitionError(path: "scorecard '\(id)'", message: "unknown KPI '\(item.kpi)'")
      }
      // A scorecard of people or departments reads each item per person: the KPI must have a
      // people breakdown, or every line would score it as undefined.
      guard card.level != .office else { continue }
      for item in card.items where !kpis[item.kpi]!.dimensions.contains("staff_id") {
        throw DefinitionError(
          path: "scorecard '\(id)'",
          message: "scores people or departments, but KPI '\(item.kpi)' has no staff_id "
            + "dimension (it is not computed per person)")
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

  /// The measures a KPI reads, through the KPIs it refers to (not its flags).
  func measuresRead(by id: String) -> Set<String> {
    var result: Set<String> = []
    var seen: Set<String> = []
    func visit(_ id: String) {
      guard seen.insert(id).inserted else { return }
      guard let kpi = kpis[id] else {
        if measures[id] != nil { result.insert(id) }
        return
      }
      switch kpi.kind {
      case .simple(let ref): result.insert(ref.measure)
      case .ratio(let n, let d, _): result.formUnion([n.measure, d.measure])
      case .derived(let expression): expression.references.forEach(visit)
      case .growth(let base, _, _), .attainment(let base, _, _, _): visit(base)
      }
    }
    visit(id)
    return result
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
