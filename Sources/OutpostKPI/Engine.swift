import OutpostCodec
import OutpostModel

/// One row of a collection as the engine sees it: the record's field values.
public typealias Row = [String: JSONValue]

/// The records a computation reads, by collection.
///
/// The engine never reads anything else: no files, no clock (SPEC.md §9.1).
public struct Dataset: Sendable {
  public var rows: [String: [Row]]
  public init(rows: [String: [Row]]) { self.rows = rows }
}

/// What to compute.
public struct KPIQuery: Sendable {
  /// KPI ids (empty: every KPI of the definitions, in their order).
  public var kpis: [String]
  public var grain: Grain
  /// The periods (nil: every period from the first to the last date in the data of the
  /// offices computed).
  public var periods: [Period]?
  /// The offices (nil: every office in the data).
  public var offices: [String]?
  /// How each office's values are broken down (only KPIs whose `dimensions` allow it).
  public var breakdown: Breakdown
  /// In a staff breakdown, only these people (nil: everyone, and the unattributed rows).
  public var staff: Set<String>?
  /// Periods that end on or after this date are open: their values are provisional (R3).
  public var openFrom: CivilDate?
  /// Only the latest this many of each office's periods (nil: all of them): without
  /// ``periods``, those of the office's own data, so offices computed together each get their
  /// newest months; a report of the newest months evaluates those months, not every month.
  public var newest: Int?

  public init(
    kpis: [String] = [], grain: Grain = .month, periods: [Period]? = nil,
    offices: [String]? = nil, breakdown: Breakdown = .office, staff: Set<String>? = nil,
    openFrom: CivilDate? = nil, newest: Int? = nil
  ) {
    self.kpis = kpis
    self.grain = grain
    self.periods = periods
    self.offices = offices
    self.breakdown = breakdown
    self.staff = staff
    self.openFrom = openFrom
    self.newest = newest
  }

  /// Whether the values are broken down by channel.
  public var byChannel: Bool { breakdown == .channel }
}

/// One computed KPI value (SPEC.md §9.5).
public struct KPIValue: Sendable, Equatable {
  public var kpi: String
  public var office: String
  public var period: Period
  public var channel: String?
  /// In a staff breakdown, the person (nil: the rows that count for no one).
  public var staff: String?
  /// In a staff or position breakdown, the position (nil: unattributed rows).
  public var position: String?
  /// In a staff or department breakdown, the department (nil: unattributed rows).
  public var department: String?
  /// The canonical value, rounded once at the definition's scale; nil when undefined.
  public var value: ExactDecimal?
  /// Why the value is undefined (`zero_denominator`, `no_data`, `nonpositive_base`, ...).
  public var reason: String?
  /// For a ratio: its exact numerator and denominator (reconciliation, SPEC.md §9.7).
  public var numerator: ExactDecimal?
  public var denominator: ExactDecimal?
  /// Reason codes attached by the definition's flag rules.
  public var flags: [String]
  /// Flags that make a scorecard item a failure.
  public var failures: [String]
  /// Whether the period is still open.
  public var provisional: Bool

  /// Creates a value (the engine makes them; tests and tools may too).
  public init(
    kpi: String, office: String, period: Period, channel: String?, value: ExactDecimal?,
    reason: String?, numerator: ExactDecimal?, denominator: ExactDecimal?, flags: [String],
    failures: [String], provisional: Bool, staff: String? = nil, position: String? = nil,
    department: String? = nil
  ) {
    self.kpi = kpi
    self.office = office
    self.period = period
    self.channel = channel
    self.staff = staff
    self.position = position
    self.department = department
    self.value = value
    self.reason = reason
    self.numerator = numerator
    self.denominator = denominator
    self.flags = flags
    self.failures = failures
    self.provisional = provisional
  }
}

/// An exact value or the reason it is undefined.
enum Outcome: Equatable {
  case value(Fraction)
  case undefined(String)

  var fraction: Fraction? {
    if case .value(let f) = self { return f }
    return nil
  }
}

/// The pure KPI engine: definitions in, values out (SPEC.md §9).
public struct KPIEngine: Sendable {
  public let definitions: DefinitionSet

  public init(definitions: DefinitionSet) { self.definitions = definitions }

  /// Where a value is computed: office, period and (in a breakdown) group: a channel, or a
  /// ``PeopleGroup``.
  struct Key: Hashable {
    var office: String
    var period: Period
    /// Empty for the office as a whole.
    var group: String

    /// Hashes the office, the group and the period's grain and first day (which determine
    /// its last), fewer words than the synthesized hash.
    func hash(into hasher: inout Hasher) {
      hasher.combine(office)
      hasher.combine(group)
      let start = period.start
      hasher.combine(((start.year * 16 + start.month) * 32 + start.day) * 8 + period.grain.rank)
    }

    /// The group of an office's total in a breakdown (never a channel id or a group).
    static let allGroups = "\u{1}all"

    /// The office's total over every group, for this key's breakdown.
    var officeTotal: Key {
      group.isEmpty ? self : Key(office: office, period: period, group: Self.allGroups)
    }
  }

  /// Every KPI `ids` needs, dependencies first.
  func closure(_ ids: [String]) -> [String] {
    var seen: Set<String> = []
    var order: [String] = []
    func visit(_ id: String) {
      guard definitions.kpis[id] != nil, seen.insert(id).inserted else { return }
      for next in definitions.dependencies(of: id) { visit(next) }
      for flag in definitions.kpis[id]!.flags { for term in flag.all { visit(term.ref) } }
      order.append(id)
    }
    ids.forEach(visit)
    return order
  }

  /// Computes the query over the dataset; values sorted by KPI (definition order), office,
  /// period and group (channel; or staff, position, department with the unattributed last).
  ///
  /// In periods of a month or longer and not in a people breakdown, the refs `aggregates`
  /// keeps are read from its monthly summaries instead of the dataset's rows, with the same
  /// values; the dataset need not hold rows that only such refs read then.
  public func evaluate(
    _ dataset: Dataset, _ query: KPIQuery, aggregates: MonthlyAggregates? = nil
  ) -> [KPIValue] {
    let requested = query.kpis.isEmpty ? definitions.kpiOrder : query.kpis
    let (refs, totalled) = measureRefs(requested, breakdown: query.breakdown)
    let accumulated = accumulate(dataset, refs, totalled: totalled, query, aggregates: aggregates)
    let tables = accumulated.tables
    let channels = accumulated.channels
    let offices = Set(accumulated.spans.keys)
    let officeList = (query.offices ?? offices.sorted()).sorted()
    var periods = query.periods ?? []
    // The periods of the offices shown, so head office's --office north lists north's periods,
    // as north does.
    let shown = Set(officeList)
    let span = accumulated.spans.filter { shown.contains($0.key) }.values
    func covering(_ first: CivilDate, _ last: CivilDate) -> [Period] {
      var result: [Period] = []
      var period = Period.containing(first, grain: query.grain)
      while period.start <= last {
        result.append(period)
        period = period.next
      }
      return result
    }
    if query.periods == nil, let first = span.map(\.first).min(), let last = span.map(\.last).max()
    {
      periods = covering(first, last)
    }
    periods.sort()
    // With `newest`, each office's own latest periods: those of its data when no periods are
    // given (an office without data has none), else the latest of those given.
    var periodsOf: [String: [Period]] = [:]
    if let newest = query.newest {
      for office in officeList {
        let own =
          query.periods != nil
          ? periods : accumulated.spans[office].map { covering($0.first, $0.last) } ?? []
        periodsOf[office] = Array(own.suffix(max(0, newest)))
      }
    }
    var evaluator = Evaluator(
      definitions: definitions, refs: refs, tables: tables, openFrom: query.openFrom,
      targets: dataset.rows["targets"] ?? [], breakdown: query.breakdown)
    let assignments = accumulated.assignments
    var result: [KPIValue] = []
    for id in requested {
      guard let kpi = definitions.kpis[id] else { continue }
      let breaks = query.breakdown.dimension.map(kpi.dimensions.contains) ?? true
      let reads = query.breakdown == .office ? [] : refsRead(by: id, refs)
      for office in officeList {
        for period in periodsOf[office] ?? periods {
          var groups: [String]
          switch query.breakdown {
          case .office: groups = kpi.byChannelOnly || kpi.byStaffOnly ? [] : [""]
          case .channel:
            var listed: Set<String> = []
            if breaks { for index in reads { listed.formUnion(channels[index]?[office] ?? []) } }
            groups = listed.sorted()
          case .staff, .position, .department:
            var listed: Set<String> = []
            if breaks {
              for index in reads {
                listed.formUnion(accumulated.people[index]?[office]?[period] ?? [])
              }
              for assignment in assignments.byOffice[office] ?? []
              where assignment.overlaps(period.start, period.end)
                && kpi.positions.map({ $0.contains(assignment.position) }) ?? true
              {
                listed.insert(PeopleGroup.of(assignment, query.breakdown))
              }
            }
            if let staff = query.staff {
              listed = listed.filter { PeopleGroup.staff(of: $0).map(staff.contains) ?? false }
            }
            groups = listed.sorted(by: PeopleGroup.precedes)
          }
          for group in groups {
            result.append(evaluator.value(kpi, Key(office: office, period: period, group: group)))
          }
        }
      }
    }
    return result
  }

  /// The measure refs the KPIs `ids` (empty: every KPI) and their flags read, through the KPIs
  /// they depend on; and those of them also totalled over an office's groups in `breakdown`
  /// (office-scope denominators).
  public func measureRefs(_ ids: [String], breakdown: Breakdown = .office) -> (
    refs: [MeasureRef], totalled: [MeasureRef]
  ) {
    var refs: [MeasureRef] = []
    var totalled: [MeasureRef] = []
    func add(_ ref: MeasureRef) { if !refs.contains(ref) { refs.append(ref) } }
    for id in closure(ids.isEmpty ? definitions.kpiOrder : ids) {
      let kpi = definitions.kpis[id]!
      switch kpi.kind {
      case .simple(let ref): add(ref)
      case .ratio(let n, let d, let office):
        add(n)
        add(d)
        if office && breakdown != .office && !totalled.contains(d) { totalled.append(d) }
      case .derived(let expression):
        for name in expression.references where definitions.measures[name] != nil {
          add(MeasureRef(measure: name, filter: []))
        }
      case .growth, .attainment: break
      }
      for flag in kpi.flags {
        for term in flag.all where definitions.measures[term.ref] != nil {
          add(MeasureRef(measure: term.ref, filter: []))
        }
      }
    }
    return (refs, totalled)
  }

  /// Whether the KPIs `ids` (empty: every KPI) or the KPIs they depend on compare with
  /// targets (attainment).
  public func readsTargets(_ ids: [String]) -> Bool {
    closure(ids.isEmpty ? definitions.kpiOrder : ids).contains {
      if case .attainment = definitions.kpis[$0]!.kind { return true }
      return false
    }
  }

  /// The indices in `refs` of the measures a KPI reads, through derived, growth and attainment
  /// KPIs (not its flags).
  func refsRead(by id: String, _ refs: [MeasureRef]) -> Set<Int> {
    var result: Set<Int> = []
    var seen: Set<String> = []
    func visit(_ id: String) {
      guard seen.insert(id).inserted else { return }
      guard let kpi = definitions.kpis[id] else {
        if let index = refs.firstIndex(of: MeasureRef(measure: id, filter: [])) {
          result.insert(index)
        }
        return
      }
      switch kpi.kind {
      case .simple(let ref):
        if let index = refs.firstIndex(of: ref) { result.insert(index) }
      case .ratio(let n, let d, _):
        for ref in [n, d] { if let index = refs.firstIndex(of: ref) { result.insert(index) } }
      case .derived(let expression): expression.references.forEach(visit)
      case .growth(let base, _, _), .attainment(let base, _, _, _): visit(base)
      }
    }
    visit(id)
    return result
  }

  /// A row's date: a `YYYY-MM-DD` date, the date part of a timestamp, or the first day of a
  /// `YYYY-MM` month.
  static func date(_ value: JSONValue?) -> CivilDate? {
    guard let text = value?.stringValue else { return nil }
    if text.utf8.count == 7, let date = CivilDate(parsing: text + "-01") { return date }
    return leadingDate(text) ?? CivilDate(parsing: text.prefix(10))
  }

  /// `CivilDate(parsing: text.prefix(10))` for text starting with ten ASCII bytes `YYYY-MM-DD`,
  /// read in place (nil otherwise, including when the tenth character is not the tenth byte).
  static func leadingDate(_ text: String) -> CivilDate? {
    let parsed = text.utf8.withContiguousStorageIfAvailable { bytes -> CivilDate? in
      // A non-ASCII byte after the tenth could extend its character (a combining mark).
      guard bytes.count >= 10, bytes.count == 10 || bytes[10] < 0x80,
        bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-")
      else { return nil }
      func digits(_ range: Range<Int>) -> Int? {
        var value = 0
        for index in range {
          let byte = bytes[index]
          guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
          value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
      }
      guard let year = digits(0..<4), let month = digits(5..<7), let day = digits(8..<10)
      else { return nil }
      return CivilDate(year: year, month: month, day: day)
    }
    return parsed ?? nil
  }

  /// Whether a row passes every filter (ANDed; `any` is an OR).
  ///
  /// `period` is the row's period, which operands `"$period_start"` and `"$period_end"` name.
  static func matches(_ row: Row, _ filters: [Filter], period: Period? = nil) -> Bool {
    filters.allSatisfy { matches(row, $0, period: period) }
  }

  static func matches(_ row: Row, _ filter: Filter, period: Period? = nil) -> Bool {
    switch filter {
    case .any(let members): return members.contains { matches(row, $0, period: period) }
    case .dateOffset(let field, let op, let other, let days):
      return matches(date: row[field], op, other: row[other], days: days)
    case .condition(let field, let op, let operand):
      return matches(row[field] ?? .null, op, operand, period: period)
    }
  }

  /// Whether a row's date `value` stands in `op` to its date `other` plus `days` days (false
  /// when either is null or not a date).
  static func matches(date value: JSONValue?, _ op: Filter.Comparison, other: JSONValue?, days: Int)
    -> Bool
  {
    guard let value = date(value), let base = date(other) else { return false }
    let bound = base.adding(days: days)
    switch op {
    case .eq: return value == bound
    case .ne: return value != bound
    case .gt: return value > bound
    case .ge: return value >= bound
    case .lt: return value < bound
    case .le: return value <= bound
    default: return false
    }
  }

  /// Whether a row's `value` (`.null` when the row lacks the field) passes a condition.
  static func matches(
    _ value: JSONValue, _ op: Filter.Comparison, _ operand: JSONValue?, period: Period?
  ) -> Bool {
    switch op {
    case .isNull: return value == .null
    case .notNull: return value != .null
    case .eq: return same(value, operand)
    case .ne: return !same(value, operand)
    case .in:
      guard case .array(let list)? = operand else { return false }
      return list.contains { same(value, $0) }
    case .notIn:
      guard case .array(let list)? = operand else { return true }
      return !list.contains { same(value, $0) }
    case .gt, .ge, .lt, .le:
      guard let order = compare(value, operand, period: period) else { return false }
      switch op {
      case .gt: return order > 0
      case .ge: return order >= 0
      case .lt: return order < 0
      default: return order <= 0
      }
    }
  }

  /// Equality of a row value and a filter operand: numbers and decimal strings numerically,
  /// booleans also against 1/0, text exactly.
  static func same(_ value: JSONValue, _ operand: JSONValue?) -> Bool {
    guard let operand else { return false }
    if value == operand { return true }
    if case .bool(let b) = value, let n = number(operand) { return n == ExactDecimal(b ? 1 : 0) }
    if let x = number(value), let y = number(operand) { return x == y }
    return false
  }

  /// Compares a row value with an operand; an operand `"$period_end"` or `"$period_start"`
  /// names a bound of the row's period (no period: no order).
  static func compare(_ value: JSONValue, _ operand: JSONValue?, period: Period?) -> Int? {
    switch operand?.stringValue {
    case "$period_start"?: return period.flatMap { compare(value, .string($0.start.description)) }
    case "$period_end"?: return period.flatMap { compare(value, .string($0.end.description)) }
    case let name? where name.hasPrefix("$period_"): return nil
    default: return compare(value, operand)
    }
  }

  static func compare(_ value: JSONValue, _ operand: JSONValue?) -> Int? {
    if let x = number(value), let y = operand.flatMap(number) {
      return x < y ? -1 : (x == y ? 0 : 1)
    }
    if let x = value.stringValue, let y = operand?.stringValue {
      return x < y ? -1 : (x == y ? 0 : 1)
    }
    return nil
  }

  /// A value as an exact decimal: a JSON integer or a decimal string (true/false as 1/0).
  public static func number(_ value: JSONValue) -> ExactDecimal? {
    switch value {
    case .number(let n): return try? ExactDecimal(parsing: n.text)
    case .string(let s):
      guard let first = s.utf8.first, first == UInt8(ascii: "-") || (first >= 48 && first <= 57)
      else { return nil }
      return try? ExactDecimal(parsing: s)
    case .bool(let b): return ExactDecimal(b ? 1 : 0)
    default: return nil
    }
  }
}
