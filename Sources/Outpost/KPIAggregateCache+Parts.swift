import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore

/// The parts of `cache/kpi-aggregates/` (SPEC.md §4.5): an index, one part per office, and
/// the rows of the lookup joins in 16 parts by key (`KPIAggregateCache+Joins.swift`).
extension KPIAggregateCache.Content {
  /// The index part, the part of every office with summaries, and the join parts loaded.
  ///
  /// The index is a canonical JSON line `{"conflicts","definitions","format","joins",
  /// "measures"}` (`measures`: each summaries table's first measure, in table order; `joins`:
  /// each join's layout, ``joinLayout``). An office's part is
  /// the office id as a JSON string on its first line, then one line per table (in order): a
  /// JSON array of rows `[month, coarse, channel, rows, non_null, invalid, sum, scales,
  /// distinct, overflowed]` sorted by key; so a reader parses only the tables it needs.
  func encodedParts() -> [String: [UInt8]] {
    func number(_ n: Int) -> JSONValue { .number(JSONNumber(integer: Int64(n))) }
    let conflicts = JSONObject(
      uncheckedPairs: self.conflicts.map { collection, offices in
        (
          collection,
          .object(JSONObject(uncheckedPairs: offices.map { ($0.key, number($0.value)) }))
        )
      })
    let measures = aggregates.tables.indices.map {
      JSONValue.string(aggregates.measure(ofTable: $0))
    }
    var parts: [String: [UInt8]] = [:]
    parts[KPIAggregateCache.indexPart] = JSONWriter.canonicalBytes(
      .object(
        JSONObject(uncheckedPairs: [
          ("format", .string(KPIAggregateCache.format)), ("definitions", .string(definitions)),
          ("measures", .array(measures)), ("conflicts", .object(conflicts)),
          ("joins", Self.joinLayout(aggregates)),
        ])))
    // Each office's rows of each table, sorted by key.
    var byOffice: [String: [[JSONValue]]] = [:]
    let tableCount = aggregates.tables.count
    for (index, partials) in aggregates.tables.enumerated() {
      for key in partials.keys.sorted() {
        let p = partials[key]!
        let distinct = JSONObject(uncheckedPairs: p.distinct.map { ($0.key, number($0.value)) })
        let scales = JSONObject(uncheckedPairs: p.scales.map { ("\($0.key)", number($0.value)) })
        let coarse: JSONValue = key.coarse.map { .string($0.rawValue) } ?? .null
        byOffice[key.office, default: Array(repeating: [], count: tableCount)][index].append(
          .array([
            .string(key.month.description), coarse, .string(key.channel),
            number(p.rows), number(p.nonNull), number(p.invalid),
            .string(p.scaledSum.description), .object(scales), .object(distinct),
            .bool(p.overflowed),
          ]))
      }
    }
    for (office, tables) in byOffice {
      var out = JSONWriter.canonicalBytes(.string(office))
      for rows in tables {
        out.append(0x0A)
        JSONWriter.write(.array(rows), into: &out)
      }
      parts[KPIAggregateCache.partName(office)] = out
    }
    parts.merge(encodedJoinParts()) { $1 }
    return parts
  }

  /// Reads the parts written by ``encodedParts()`` for `definitions`.
  ///
  /// Every office's part, or those of `offices`; every table, or (with `refs`) the tables of
  /// those of `refs` that are kept, the others left unread. No join part is read
  /// (``loadJoins(_:from:)`` reads them).
  init(
    decoding parts: CacheParts, _ definitions: DefinitionSet, offices: Set<String>? = nil,
    refs: [MeasureRef]? = nil
  ) throws(OutpostError) {
    func refuse(_ why: String) -> OutpostError {
      OutpostError(.corrupt, "cache/\(KPIAggregateCache.fileName): \(why)")
    }
    guard let indexBytes = parts.part(KPIAggregateCache.indexPart),
      let index = try? JSONParser.parse(indexBytes, limits: .repositoryFile)
    else { throw refuse("the index cannot be read") }
    guard index["format"]?.stringValue == KPIAggregateCache.format else {
      throw refuse("not \(KPIAggregateCache.format)")
    }
    guard index["definitions"]?.stringValue == definitions.hash else {
      throw refuse("made for other KPI definitions")
    }
    let all = MonthlyAggregates(
      Dataset(rows: [:]), refs: MonthlyAggregates.keptRefs(definitions), definitions: definitions)
    let wanted = refs.map { wanted in all.refs.filter(wanted.contains) } ?? all.refs
    var aggregates = MonthlyAggregates(Dataset(rows: [:]), refs: wanted, definitions: definitions)
    guard
      index["measures"]?.arrayValue?.map(\.stringValue)
        == all.tables.indices.map({ all.measure(ofTable: $0) }),
      index["joins"] == Self.joinLayout(all),
      let conflicts = index["conflicts"]?.objectValue
    else { throw refuse("the summaries do not match the definitions") }
    var counts: [String: [String: Int]] = [:]
    for (collection, value) in conflicts {
      guard let members = value.objectValue else { throw refuse("conflicts are malformed") }
      for (office, n) in members {
        guard let n = n.int64Value else { throw refuse("conflicts are malformed") }
        counts[collection, default: [:]][office] = Int(n)
      }
    }
    self.definitions = definitions.hash
    self.aggregates = aggregates
    self.conflicts = counts
    self.collections = aggregates.collections
    self.loadedJoinParts = []
    try loadOffices(offices, from: parts, all: all)
  }

  /// Reads the summaries of every office's part, or of those of `offices`, into the tables
  /// (`all`: the summaries of every kept ref, whose table order the parts follow).
  mutating func loadOffices(
    _ offices: Set<String>?, from parts: CacheParts, all: MonthlyAggregates
  ) throws(OutpostError) {
    func refuse(_ why: String) -> OutpostError {
      OutpostError(.corrupt, "cache/\(KPIAggregateCache.fileName): \(why)")
    }
    let wanted = aggregates.refs
    // Which line of an office's part holds each wanted table.
    let lineOfTable = aggregates.tables.indices.map { table in
      all.tableIndex(of: wanted.first { aggregates.tableIndex(of: $0) == table }!)! + 1
    }
    let names =
      offices.map { $0.map(KPIAggregateCache.partName).filter(parts.names.contains).sorted() }
      ?? parts.names.filter { $0.hasPrefix("o-") }
    for name in names {
      guard let bytes = parts.part(name) else { throw refuse("part '\(name)' is damaged") }
      let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
      guard lines.count == all.tables.count + 1,
        let office = try? JSONParser.parse(lines[0], limits: .repositoryFile).stringValue,
        KPIAggregateCache.partName(office) == name
      else { throw refuse("part '\(name)' does not match the definitions") }
      for (table, line) in lineOfTable.enumerated() {
        let measure = all.measure(ofTable: line - 1)
        guard let rows = try? JSONParser.parse(lines[line], limits: .repositoryFile).arrayValue
        else { throw refuse("the summaries of '\(measure)' for '\(office)' are malformed") }
        for row in rows {
          let (key, partial) = try Self.decodeRow(row, office: office, measure: measure)
          aggregates.tables[table][key] = partial
        }
      }
    }
  }

  /// One row of an office's table.
  private static func decodeRow(_ row: JSONValue, office: String, measure: String)
    throws(OutpostError) -> (MonthKey, MonthPartial)
  {
    let malformed = OutpostError(
      .corrupt,
      "cache/\(KPIAggregateCache.fileName): a summary of '\(measure)' for '\(office)' is malformed"
    )
    guard let cells = row.arrayValue, cells.count == 10,
      let month = cells[0].stringValue.flatMap({ CivilDate(parsing: $0) }),
      let channel = cells[2].stringValue,
      let count = cells[3].int64Value, let nonNull = cells[4].int64Value,
      let invalid = cells[5].int64Value,
      let sum = cells[6].stringValue.flatMap({ try? ExactDecimal(parsing: $0) }),
      let scales = cells[7].objectValue, let distinct = cells[8].objectValue,
      case .bool(let overflowed) = cells[9]
    else { throw malformed }
    let coarse: Grain?
    switch cells[1] {
    case .null: coarse = nil
    case .string(let name):
      guard let grain = Grain(rawValue: name) else { throw malformed }
      coarse = grain
    default: throw malformed
    }
    var partial = MonthPartial()
    partial.rows = Int(count)
    partial.nonNull = Int(nonNull)
    partial.invalid = Int(invalid)
    partial.sum = sum
    partial.overflowed = overflowed
    for (value, n) in distinct {
      guard let n = n.int64Value else { throw malformed }
      partial.distinct[value] = Int(n)
    }
    for (scale, n) in scales {
      guard let scale = Int(scale), (0...ExactDecimal.maximumScale).contains(scale),
        let n = n.int64Value
      else { throw malformed }
      partial.scales[scale] = Int(n)
    }
    return (MonthKey(office: office, month: month, coarse: coarse, channel: channel), partial)
  }
}
