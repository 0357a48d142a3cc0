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
  /// The sum of the numeric values (sum and mean), at any scale: ``scaledSum`` is the value
  /// to read.
  public var sum = ExactDecimal.zero
  /// By scale (fraction digits), how many of the numeric values have it: the sum of the rows
  /// has the largest scale among them, as the engine's sum over rows does, even after rows
  /// with more digits were taken out.
  public var scales: [Int: Int] = [:]
  /// For count_distinct: each value, as canonical JSON, and how many rows hold it.
  public var distinct: [String: Int] = [:]
  /// An exact sum was out of range once; the summary cannot be taken apart and counts as
  /// `invalid_input` until it is rebuilt from the rows.
  public var overflowed = false

  /// An empty summary.
  public init() {}

  /// Whether no row is left in it.
  public var isEmpty: Bool {
    rows == 0 && nonNull == 0 && invalid == 0 && sum == .zero && distinct.isEmpty
      && scales.isEmpty && !overflowed
  }

  /// The sum at the largest scale of the values it holds (0 when it holds none): what a sum
  /// over the rows themselves gives, digit for digit.
  public var scaledSum: ExactDecimal {
    let scale = scales.keys.max() ?? 0
    if sum.scale > scale { return sum.rounded(scale: scale) }  // exact: the digits are zeros
    return sum.adding(ExactDecimal(significand: 0, scale: scale)) ?? sum
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
    for (scale, count) in other.scales {
      let next = scales[scale, default: 0] + sign * count
      if next < 0 { consistent = false }
      scales[scale] = next == 0 ? nil : next
    }
    return consistent
  }
}

/// The maintained monthly summaries of the measures that can be kept by month: per measure
/// ref, per ``MonthKey``, a ``MonthPartial`` (docs/design/scale.md §3).
///
/// A ref can be kept when its measure counts, sums, averages or counts distinct values of one
/// collection's rows, with no filter naming the period (`$period_start`, `$period_end`): then
/// which rows pass and what each gives does not depend on the query, and the value of a month,
/// a quarter or a year is the sum of its months' summaries. Windows are whole months, so they
/// are kept too: a month counts in every period whose window holds it. A lookup measure is
/// kept with its join (``LookupJoin``): a row's contribution follows both rows it joins.
/// min, max, first and last are not (a row cannot be taken out of a minimum), nor are days,
/// weeks and people breakdowns (a row's group depends on the staff collection); the engine
/// reads rows for those.
///
/// The engine gives the same values from these summaries as from the rows they summarize
/// (``KPIEngine/evaluate(_:_:aggregates:)``); adding a record's new row and taking out its old
/// one keeps them equal to summaries rebuilt from the rows.
public struct MonthlyAggregates: Equatable, Sendable {
  /// The refs kept, in the order they were given.
  public private(set) var refs: [MeasureRef]
  /// The summaries by month key, one table per way of summarizing rows (``Summarizing``).
  ///
  /// Refs that differ only in what the engine does with the summaries (a window,
  /// counting rows or values, a minimum row count) share one.
  public var tables: [[MonthKey: MonthPartial]]
  /// By ref, the index of its table.
  private var tableOfRef: [MeasureRef: Int]
  /// By table, the measure and filters that fill it (its first ref's).
  private(set) var fillers: [(measure: Measure, filters: [Filter])]
  /// The joins of the kept lookup measures, one per source collection and lookup.
  ///
  /// A writer that keeps the summaries in parts sets the rows of the keys it loads; the
  /// summaries of a source row are kept right only when the rows of its key are loaded.
  public var joins: [LookupJoin]
  /// By table, the index in ``joins`` of its join; nil for a measure without a lookup.
  private(set) var joinOfTable: [Int?]

  /// What makes two refs' summaries the same: which rows pass, where they fall, and what
  /// each adds.
  struct Summarizing: Equatable {
    var source: String
    var timeField: String
    var channelField: String
    var filters: [Filter]
    /// 0: a count; 1: a sum (sum, mean); 2: distinct values.
    var adds: Int
    var field: String?
    var duration: [String]?
    var lookup: Measure.Lookup?

    init(_ measure: Measure, _ ref: MeasureRef) {
      source = measure.source
      lookup = measure.lookup
      timeField = measure.timeField
      channelField = measure.channelField
      filters = measure.filter + ref.filter
      switch measure.agg {
      case .count: adds = 0
      case .countDistinct: adds = 2
      default: adds = 1
      }
      field = measure.duration == nil ? measure.field : nil
      duration = measure.duration.map { [$0.from, $0.to] }
    }
  }

  /// No summaries: every ref reads rows.
  public init() {
    refs = []
    tables = []
    tableOfRef = [:]
    fillers = []
    joins = []
    joinOfTable = []
  }

  /// Summaries of `refs` (each must be ``isKept(_:in:)``) over the rows of `dataset`.
  public init(_ dataset: Dataset, refs: [MeasureRef], definitions: DefinitionSet) {
    self.refs = refs
    tables = []
    tableOfRef = [:]
    fillers = []
    joins = []
    joinOfTable = []
    var known: [Summarizing] = []
    for ref in refs {
      guard let measure = definitions.measures[ref.measure] else { continue }
      let summarizing = Summarizing(measure, ref)
      if let index = known.firstIndex(of: summarizing) {
        tableOfRef[ref] = index
      } else {
        known.append(summarizing)
        tableOfRef[ref] = tables.count
        tables.append([:])
        fillers.append((measure, summarizing.filters))
      }
    }
    // One join per source and lookup, reading what all its tables read.
    var joinFields: [(source: String, lookup: Measure.Lookup, fields: Set<String>)] = []
    for (measure, filters) in fillers {
      guard let lookup = measure.lookup else {
        joinOfTable.append(nil)
        continue
      }
      let fields = LookupJoin.fields(measure, filters)
      if let index = joinFields.firstIndex(where: {
        $0.source == measure.source && $0.lookup == lookup
      }) {
        joinFields[index].fields.formUnion(fields)
        joinOfTable.append(index)
      } else {
        joinOfTable.append(joinFields.count)
        joinFields.append((measure.source, lookup, fields))
      }
    }
    joins = joinFields.map { LookupJoin(source: $0.source, lookup: $0.lookup, fields: $0.fields) }
    // A dataset's rows have no record ids: their order in it stands for them (the engine
    // joins the last row holding an id).
    for (collection, rows) in dataset.rows {
      let width = String(rows.count).count
      for (index, row) in rows.enumerated() {
        let number = String(index)
        let id = String(repeating: "0", count: width - number.count) + number
        apply(row, id: id, collection: collection, sign: 1)
      }
    }
  }

  /// Two values are equal when they keep the same refs with the same summaries.
  public static func == (lhs: MonthlyAggregates, rhs: MonthlyAggregates) -> Bool {
    lhs.refs == rhs.refs && lhs.tables == rhs.tables && lhs.tableOfRef == rhs.tableOfRef
      && lhs.joins == rhs.joins
  }

  /// The summaries of `ref`; nil when it is not kept.
  public func partials(_ ref: MeasureRef) -> [MonthKey: MonthPartial]? {
    tableOfRef[ref].map { tables[$0] }
  }

  /// The index in ``tables`` of the summaries of `ref`; nil when it is not kept.
  public func tableIndex(of ref: MeasureRef) -> Int? { tableOfRef[ref] }

  /// The measure whose summaries table `index` holds (its first ref's).
  public func measure(ofTable index: Int) -> String { fillers[index].measure.id }

  /// The refs of `definitions` that can be kept by month, in a stable order: every measure
  /// ref a KPI or a flag reads directly.
  public static func keptRefs(_ definitions: DefinitionSet) -> [MeasureRef] {
    allRefs(definitions).filter { isKept($0, in: definitions) }
  }

  /// Every measure ref a KPI or a flag of `definitions` reads directly, in a stable order.
  public static func allRefs(_ definitions: DefinitionSet) -> [MeasureRef] {
    KPIEngine(definitions: definitions).measureRefs([]).refs
  }

  /// Whether `ref` can be kept by month (see the type's description).
  public static func isKept(_ ref: MeasureRef, in definitions: DefinitionSet) -> Bool {
    guard let measure = definitions.measures[ref.measure] else { return false }
    switch measure.agg {
    case .count, .sum, .mean, .countDistinct: break
    case .min, .max, .first, .last: return false
    }
    return !(measure.filter + ref.filter).contains(where: \.namesPeriod)
  }

  /// The collections whose rows the kept refs read: their sources and the collections their
  /// lookups join.
  public var collections: Set<String> {
    Set(fillers.map(\.measure.source) + joins.map(\.lookup.collection))
  }

  /// The collections whose rows the refs of `definitions` that can be kept read.
  public static func keptCollections(_ definitions: DefinitionSet) -> Set<String> {
    var result: Set<String> = []
    for ref in keptRefs(definitions) {
      guard let measure = definitions.measures[ref.measure] else { continue }
      result.insert(measure.source)
      if let lookup = measure.lookup { result.insert(lookup.collection) }
    }
    return result
  }

  /// Adds (`sign` 1) or takes out (`sign` -1) one row of `collection`, whose record id is
  /// `id`, in every table that summarizes that collection, and in every join that reads it
  /// (with the tables of the rows it joins).
  ///
  /// Returns false when taking it out finds a summary or a join that did not hold it.
  @discardableResult
  public mutating func apply(_ row: Row, id: String, collection: String, sign: Int) -> Bool {
    apply(row, id: id, collection: collection, sign: sign, skipping: [])
  }

  /// Takes out a record's old row (nil: it had none) and adds its new one (nil: it has none).
  ///
  /// A join whose side the change leaves as it was (the same key, the same fields read) is
  /// left alone, so the rows of the keys ``joinKeys(changedBy:_:id:collection:)`` names are
  /// the only join rows it reads. Returns false when taking out finds a summary or a join that
  /// did not hold the old row.
  @discardableResult
  public mutating func replace(_ old: Row?, with new: Row?, id: String, collection: String)
    -> Bool
  {
    let unchanged = Set(
      joins.indices.filter { !joins[$0].changes(old, new, collection: collection) })
    var consistent = true
    if let old, !apply(old, id: id, collection: collection, sign: -1, skipping: unchanged) {
      consistent = false
    }
    if let new, !apply(new, id: id, collection: collection, sign: 1, skipping: unchanged) {
      consistent = false
    }
    return consistent
  }

  /// The join keys whose rows replacing `old` with `new` reads: on each side of a join that the
  /// change alters, the old row's key and the new row's.
  public func joinKeys(changedBy old: Row?, _ new: Row?, collection: String) -> Set<JoinKey> {
    var keys: Set<JoinKey> = []
    for index in joins.indices where joins[index].changes(old, new, collection: collection) {
      for row in [old, new].compactMap({ $0 }) {
        if joins[index].source == collection,
          let key = row[joins[index].lookup.key]?.stringValue
        {
          keys.insert(JoinKey(join: index, key: key))
        }
        if joins[index].lookup.collection == collection,
          let key = row[joins[index].lookup.id]?.stringValue
        {
          keys.insert(JoinKey(join: index, key: key))
        }
      }
    }
    return keys
  }

  private mutating func apply(
    _ row: Row, id: String, collection: String, sign: Int, skipping unchanged: Set<Int>
  ) -> Bool {
    var consistent = true
    for index in joins.indices where !unchanged.contains(index) {
      if joins[index].source == collection, !applySource(row, join: index, sign: sign) {
        consistent = false
      }
      if joins[index].lookup.collection == collection,
        !applyTarget(row, id: id, join: index, sign: sign)
      {
        consistent = false
      }
    }
    for index in tables.indices
    where fillers[index].measure.source == collection && joinOfTable[index] == nil {
      let (measure, filters) = fillers[index]
      guard let (key, partial) = Self.contribution(row, measure, filters: filters) else {
        continue
      }
      // In place: a copy of the table per row would make a rebuild quadratic.
      if !tables[index][key, default: MonthPartial()].apply(partial, sign: sign) {
        consistent = false
      }
      if tables[index][key]?.isEmpty == true { tables[index][key] = nil }
    }
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
      if let number = KPIEngine.number(value) {
        partial.sum = number
        partial.scales[number.scale] = 1
      } else {
        partial.invalid = 1
      }
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
