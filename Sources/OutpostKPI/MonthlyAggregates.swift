import OutpostCodec
import OutpostModel

/// Where a row's contribution to a measure is kept: its office, its month and its channel.
///
/// A row dated by a quarter or a year (a rating's period) keeps that grain in `coarse`: it
/// counts only in periods of that grain or a coarser one, as a row read directly does
/// (``KPIEngine``, SPEC.md §9.1).
public struct MonthKey: Hashable, Comparable, Sendable {
  /// The row's `office_id`.
  public var office: String
  /// The first day of the row's month (of its quarter or year when `coarse` says so).
  public var month: CivilDate
  /// `quarter` or `year` for a row dated by one; nil for a day or a month.
  public var coarse: Grain?
  /// The row's channel (the measure's channel field as text; empty when it has none).
  public var channel: String

  /// Creates a key.
  public init(office: String, month: CivilDate, coarse: Grain? = nil, channel: String) {
    self.office = office
    self.month = month
    self.coarse = coarse
    self.channel = channel
  }

  /// Orders keys by office, month, grain (nil first) and channel.
  public static func < (lhs: MonthKey, rhs: MonthKey) -> Bool {
    if lhs.office != rhs.office { return lhs.office < rhs.office }
    if lhs.month != rhs.month { return lhs.month < rhs.month }
    if lhs.coarse != rhs.coarse { return (lhs.coarse?.rank ?? -1) < (rhs.coarse?.rank ?? -1) }
    return lhs.channel < rhs.channel
  }
}

/// What the rows of one ``MonthKey`` add to a measure, kept so that a row can be taken out as
/// exactly as it was put in.
///
/// Every member is a sum over the rows (a count, an exact sum, a multiset), so adding a row
/// and then subtracting it leaves the summary as it was, whatever the order.
public struct MonthPartial: Equatable, Sendable {
  /// The rows (those passing the measure's filters).
  public var rows = 0
  /// The rows whose value is not null.
  public var nonNull = 0
  /// The rows whose value cannot be aggregated: not a number where one is added, or a
  /// duration whose sides are not timestamps or run backwards (`invalid_input`).
  public var invalid = 0
  /// The sum of the numeric values (sum and mean).
  public var sum = ExactDecimal.zero
  /// For count_distinct: each value, as canonical JSON, and how many rows hold it.
  public var distinct: [String: Int] = [:]
  /// An exact sum was out of range once; the summary cannot be taken apart and counts as
  /// `invalid_input` until it is rebuilt from the rows.
  public var overflowed = false

  /// An empty summary.
  public init() {}

  /// Whether no row is left in it.
  public var isEmpty: Bool {
    rows == 0 && nonNull == 0 && invalid == 0 && sum == .zero && distinct.isEmpty && !overflowed
  }

  /// Adds (`sign` 1) or takes out (`sign` -1) the summary of other rows.
  ///
  /// Returns false when taking out leaves a negative count or a value held by no row: the
  /// summary did not hold those rows.
  @discardableResult
  public mutating func apply(_ other: MonthPartial, sign: Int) -> Bool {
    rows += sign * other.rows
    nonNull += sign * other.nonNull
    invalid += sign * other.invalid
    overflowed = overflowed || other.overflowed
    if other.sum != .zero {
      let next = sign > 0 ? sum.adding(other.sum) : sum.subtracting(other.sum)
      if let next { sum = next } else { overflowed = true }
    }
    var consistent = rows >= 0 && nonNull >= 0 && invalid >= 0
    for (value, count) in other.distinct {
      let next = distinct[value, default: 0] + sign * count
      if next < 0 { consistent = false }
      distinct[value] = next == 0 ? nil : next
    }
    return consistent
  }
}

/// The maintained monthly summaries of the measures that can be kept by month: per measure
/// ref, per ``MonthKey``, a ``MonthPartial`` (docs/design/scale.md §3).
///
/// A ref can be kept when its measure counts, sums, averages or counts distinct values of one
/// collection's rows, with no lookup and no filter naming the period (`$period_start`,
/// `$period_end`): then which rows pass and what each gives does not depend on the query, and
/// the value of a month, a quarter or a year is the sum of its months' summaries. Windows are
/// whole months, so they are kept too: a month counts in every period whose window holds it.
/// min, max, first and last are not (a row cannot be taken out of a minimum), nor are days,
/// weeks and people breakdowns (a row's group depends on the staff collection); the engine
/// reads rows for those.
///
/// The engine gives the same values from these summaries as from the rows they summarize
/// (``KPIEngine/evaluate(_:_:aggregates:)``); adding a record's new row and taking out its old
/// one keeps them equal to summaries rebuilt from the rows.
public struct MonthlyAggregates: Equatable, Sendable {
  /// By measure ref, by month key, the summary.
  public var partials: [MeasureRef: [MonthKey: MonthPartial]]

  /// No summaries: every ref reads rows.
  public init() { partials = [:] }

  /// Summaries of `refs` (each must be ``isKept(_:in:)``) over the rows of `dataset`.
  public init(_ dataset: Dataset, refs: [MeasureRef], definitions: DefinitionSet) {
    partials = [:]
    for ref in refs { partials[ref] = [:] }
    for ref in refs {
      guard let measure = definitions.measures[ref.measure] else { continue }
      for row in dataset.rows[measure.source] ?? [] {
        apply(row, ref: ref, measure: measure, sign: 1)
      }
    }
  }

  /// The refs of `definitions` that can be kept by month, in a stable order: every measure
  /// ref a KPI or a flag reads directly.
  public static func keptRefs(_ definitions: DefinitionSet) -> [MeasureRef] {
    var refs: [MeasureRef] = []
    func add(_ ref: MeasureRef) {
      if isKept(ref, in: definitions) && !refs.contains(ref) { refs.append(ref) }
    }
    for id in definitions.kpiOrder {
      guard let kpi = definitions.kpis[id] else { continue }
      switch kpi.kind {
      case .simple(let ref): add(ref)
      case .ratio(let n, let d, _):
        add(n)
        add(d)
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
    return refs
  }

  /// Whether `ref` can be kept by month (see the type's description).
  public static func isKept(_ ref: MeasureRef, in definitions: DefinitionSet) -> Bool {
    guard let measure = definitions.measures[ref.measure], measure.lookup == nil else {
      return false
    }
    switch measure.agg {
    case .count, .sum, .mean, .countDistinct: break
    case .min, .max, .first, .last: return false
    }
    return !(measure.filter + ref.filter).contains(where: \.namesPeriod)
  }

  /// The collections whose rows the kept refs read.
  public func collections(_ definitions: DefinitionSet) -> Set<String> {
    Set(partials.keys.compactMap { definitions.measures[$0.measure]?.source })
  }

  /// Adds (`sign` 1) or takes out (`sign` -1) one row of `collection` in every kept ref
  /// reading that collection.
  ///
  /// Returns false when taking it out finds a summary that did not hold it.
  @discardableResult
  public mutating func apply(
    _ row: Row, collection: String, definitions: DefinitionSet, sign: Int
  ) -> Bool {
    var consistent = true
    for ref in partials.keys {
      guard let measure = definitions.measures[ref.measure], measure.source == collection
      else { continue }
      if !apply(row, ref: ref, measure: measure, sign: sign) { consistent = false }
    }
    return consistent
  }

  private mutating func apply(_ row: Row, ref: MeasureRef, measure: Measure, sign: Int) -> Bool {
    guard let (key, partial) = Self.contribution(row, measure, filters: measure.filter + ref.filter)
    else { return true }
    var table = partials[ref] ?? [:]
    var summary = table[key] ?? MonthPartial()
    let consistent = summary.apply(partial, sign: sign)
    table[key] = summary.isEmpty ? nil : summary
    partials[ref] = table
    return consistent
  }

  /// What one row gives a measure, and where: nil when it has no date or office or does not
  /// pass the filters.
  static func contribution(_ row: Row, _ measure: Measure, filters: [Filter]) -> (
    MonthKey, MonthPartial
  )? {
    guard let (date, coarse) = Self.date(row[measure.timeField]),
      let office = row["office_id"]?.stringValue,
      KPIEngine.matches(row, filters)
    else { return nil }
    var partial = MonthPartial()
    partial.rows = 1
    let channel = row[measure.channelField]?.stringValue ?? ""
    let month = coarse == nil ? CivilDate(year: date.year, month: date.month, day: 1)! : date
    let key = MonthKey(office: office, month: month, coarse: coarse, channel: channel)
    let value: JSONValue
    if let duration = measure.duration {
      let from = row[duration.from] ?? .null
      let to = row[duration.to] ?? .null
      guard from != .null, to != .null else { return (key, partial) }
      guard let seconds = Accumulator.seconds(from: from, to: to) else {
        partial.invalid = 1
        return (key, partial)
      }
      value = .string(seconds.description)
    } else {
      guard let field = measure.field, let found = row[field], found != .null else {
        return (key, partial)
      }
      value = found
    }
    partial.nonNull = 1
    switch measure.agg {
    case .count: break
    case .countDistinct: partial.distinct[JSONWriter.canonicalString(value)] = 1
    default:
      if let number = KPIEngine.number(value) { partial.sum = number } else { partial.invalid = 1 }
    }
    return (key, partial)
  }

  /// A row's date by its time field, with the grain of a quarter or a year that dates it.
  static func date(_ value: JSONValue?) -> (CivilDate, Grain?)? {
    if let text = value?.stringValue, text.utf8.count == 4 || text.utf8.count == 7,
      let period = Period(parsing: text), period.grain == .quarter || period.grain == .year
    {
      return (period.start, period.grain)
    }
    return KPIEngine.date(value).map { ($0, nil) }
  }
}

extension Filter {
  /// Whether an operand names the period (`$period_start`, `$period_end`): which rows pass
  /// then depends on the period asked for.
  var namesPeriod: Bool {
    switch self {
    case .condition(_, _, let operand):
      return operand?.stringValue?.hasPrefix("$period_") ?? false
    case .any(let members): return members.contains(where: \.namesPeriod)
    case .dateOffset: return false
    }
  }
}
