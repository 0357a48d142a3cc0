import OutpostCodec
import OutpostModel

/// The rows a measure reads (a collection's, or a lookup measure's joined rows), with each
/// field the measures read fetched once into a column.
///
/// Rows are dictionaries keyed by field name, so reading a field of every row for every measure
/// and period hashed the name each time. A column holds the field's value in every row
/// (`.null` where the row lacks it: the engine reads a missing field as null), built the first
/// time a measure reads the field and shared by the measures after it; so are the values as
/// exact decimals and as count_distinct ids.
final class Table {
  let rows: [Row]
  private var values: [String: [JSONValue]] = [:]
  private var numbers: [String: [ExactDecimal?]] = [:]
  private var ids: [String: [Int32]] = [:]

  init(_ rows: [Row]) { self.rows = rows }

  /// The field's value in every row.
  func column(_ field: String) -> [JSONValue] {
    if let known = values[field] { return known }
    let column = rows.map { $0[field] ?? .null }
    values[field] = column
    return column
  }

  /// The field's value in every row as an exact decimal (``KPIEngine/number(_:)``).
  func numbers(_ field: String) -> [ExactDecimal?] {
    if let known = numbers[field] { return known }
    let column = self.column(field).map(KPIEngine.number)
    numbers[field] = column
    return column
  }

  /// The field's value in every row as its count_distinct id (see ``DistinctValues``).
  func ids(_ field: String, _ distinct: inout DistinctValues) -> [Int32] {
    if let known = ids[field] { return known }
    var column: [Int32] = []
    column.reserveCapacity(rows.count)
    for value in self.column(field) { column.append(distinct.id(value)) }
    ids[field] = column
    return column
  }
}

/// The values count_distinct measures count, each numbered once: two values are the same
/// value when their canonical JSON is (so the numbers compare across collections, as the
/// `common` operation needs).
struct DistinctValues {
  private var index: [String: Int32] = [:]

  /// The number of a value.
  mutating func id(_ value: JSONValue) -> Int32 {
    id(canonical: JSONWriter.canonicalString(value))
  }

  /// The number of a value given as its canonical JSON.
  mutating func id(canonical text: String) -> Int32 {
    if let known = index[text] { return known }
    let next = Int32(index.count)
    index[text] = next
    return next
  }
}

/// A filter whose fields are columns of one table: ``KPIEngine/matches(_:_:period:)`` for row
/// `i` without looking its fields up by name.
indirect enum ColumnFilter {
  case condition(values: [JSONValue], op: Filter.Comparison, operand: JSONValue?)
  case any([ColumnFilter])
  case dateOffset(values: [JSONValue], op: Filter.Comparison, other: [JSONValue], days: Int)

  init(_ filter: Filter, _ table: Table) {
    switch filter {
    case .condition(let field, let op, let operand):
      self = .condition(values: table.column(field), op: op, operand: operand)
    case .any(let members): self = .any(members.map { ColumnFilter($0, table) })
    case .dateOffset(let field, let op, let other, let days):
      self = .dateOffset(
        values: table.column(field), op: op, other: table.column(other), days: days)
    }
  }

  /// Whether row `i` passes; `period` is the row's period, as in ``KPIEngine``.
  func matches(_ i: Int, period: Period?) -> Bool {
    switch self {
    case .condition(let values, let op, let operand):
      return KPIEngine.matches(values[i], op, operand, period: period)
    case .any(let members): return members.contains { $0.matches(i, period: period) }
    case .dateOffset(let values, let op, let other, let days):
      return KPIEngine.matches(date: values[i], op, other: other[i], days: days)
    }
  }
}

extension [ColumnFilter] {
  /// Whether row `i` passes every filter.
  func matches(_ i: Int, period: Period?) -> Bool {
    allSatisfy { $0.matches(i, period: period) }
  }
}

/// The columns one measure's aggregation reads, fetched from its table once.
struct MeasureColumns {
  let measure: Measure
  /// The measure's field (nil: none, or a duration).
  let values: [JSONValue]?
  /// The field's values as exact decimals (aggregations that add or compare them).
  let numbers: [ExactDecimal?]?
  /// The field's count_distinct ids (count_distinct only).
  let ids: [Int32]?
  /// A duration's two timestamps.
  let from: [JSONValue]?
  let to: [JSONValue]?
  /// The `partition_by` fields (last/first).
  let partitions: [[JSONValue]]

  init(_ measure: Measure, _ table: Table, _ distinct: inout DistinctValues) {
    self.measure = measure
    let field = measure.duration == nil ? measure.field : nil
    values = field.map(table.column)
    switch measure.agg {
    case .count:
      numbers = nil
      ids = nil
    case .countDistinct:
      numbers = nil
      ids = field.map { table.ids($0, &distinct) }
    default:
      numbers = field.map(table.numbers)
      ids = nil
    }
    from = measure.duration.map { table.column($0.from) }
    to = measure.duration.map { table.column($0.to) }
    partitions =
      measure.agg == .last || measure.agg == .first ? measure.partitionBy.map(table.column) : []
  }
}
