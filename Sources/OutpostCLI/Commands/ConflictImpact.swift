import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// How much each candidate value of a conflict moves the KPIs (SPEC.md §9.8).
struct ConflictImpact {
  /// One KPI value a candidate changes.
  struct Change {
    var candidate: Int
    var kpi: String
    var period: String
    var from: String
    var to: String
    /// |to − from| / |from| (1 when from is 0 or undefined and to differs).
    var relative: ExactDecimal
  }

  /// Every change, by candidate (indexes into `Resolution.candidates`).
  var changes: [Change] = []

  /// The largest relative change over all candidates (the ranking key).
  var largest: ExactDecimal { changes.map(\.relative).max() ?? .zero }

  /// The KPIs any candidate changes.
  var kpis: Set<String> { Set(changes.map(\.kpi)) }

  var summary: String {
    guard let top = changes.max(by: { $0.relative < $1.relative }) else {
      return "no KPI changes"
    }
    let percent = (top.relative.multiplied(by: ExactDecimal(100)) ?? top.relative).formatted(
      scale: 2)
    return "moves \(kpis.count) KPI(s), up to \(percent) % (\(top.kpi) \(top.period))"
  }

  var json: JSONValue {
    .object(
      JSONObject(uncheckedPairs: [
        ("kpis_changed", Commands.number(kpis.count)),
        ("largest_relative_change", .string(largest.formatted(scale: 4))),
        (
          "changes",
          .array(
            changes.map { change in
              .object(
                JSONObject(uncheckedPairs: [
                  ("candidate", Commands.number(change.candidate)), ("kpi", .string(change.kpi)),
                  ("period", .string(change.period)), ("from", .string(change.from)),
                  ("to", .string(change.to)),
                  ("relative_change", .string(change.relative.formatted(scale: 4))),
                ]))
            })
        ),
      ]))
  }
}

extension Commands {
  /// The KPI impact of each candidate of one conflicted record: the KPIs reading its
  /// collection are recomputed for its office and the months its dates fall in, with the
  /// record as each candidate would leave it, and compared with the provisional values.
  static func conflictImpact(
    _ definitions: DefinitionSet, _ dataset: Dataset, _ schema: CollectionSchema, _ id: RecordID,
    _ state: RecordState, today: CivilDate?
  ) -> ConflictImpact {
    var impact = ConflictImpact()
    guard let office = state.value("office_id")?.stringValue else { return impact }
    let sources = kpiSources(definitions)
    let kpis = definitions.kpiOrder.filter { sources[$0]?.contains(schema.name) == true }
    guard !kpis.isEmpty else { return impact }
    // Only this office's rows matter.
    var rows: [String: [Row]] = [:]
    for (name, list) in dataset.rows {
      rows[name] = list.filter { $0["office_id"]?.stringValue == office }
    }
    func matches(_ row: Row) -> Bool {
      switch schema.idRule {
      case .column(let column): return row[column]?.stringValue == id.rawValue
      case .composite: return (try? schema.compositeID(row)) == id
      }
    }
    var base = state.values
    if case .column(let column) = schema.idRule { base[column] = .string(id.rawValue) }
    let others = (rows[schema.name] ?? []).filter { !matches($0) }
    // The months the record's dates put it in.
    var periods: Set<Period> = []
    for measure in definitions.measures.values where measure.source == schema.name {
      if let text = base[measure.timeField]?.stringValue,
        let date = CivilDate(parsing: text.prefix(10))
      {
        periods.insert(.containing(date, grain: .month))
      }
    }
    guard !periods.isEmpty else { return impact }
    let engine = KPIEngine(definitions: definitions)
    let query = KPIQuery(
      kpis: kpis, grain: .month, periods: periods.sorted(), offices: [office], openFrom: today)
    func compute(_ row: Row?) -> [String: String] {
      var variant = rows
      variant[schema.name] = others + (row.map { [$0] } ?? [])
      var result: [String: String] = [:]
      for value in engine.evaluate(Dataset(rows: variant), query) {
        let scale = definitions.kpis[value.kpi]!.scale
        result["\(value.kpi) \(value.period)"] =
          value.value.map { $0.formatted(scale: scale) } ?? "— (\(value.reason ?? "?"))"
      }
      return result
    }
    let current = compute(state.isDeleted ? nil : base)
    for (index, candidate) in Resolution.candidates(state).enumerated() {
      var row: Row? = base
      if candidate.field == "deleted" {
        if candidate.value == .bool(true) { row = nil }
      } else {
        row![candidate.field] = candidate.value
      }
      let after = compute(row)
      for key in after.keys.sorted() where after[key] != current[key] {
        let parts = key.split(separator: " ")
        let from = current[key] ?? "—"
        let to = after[key]!
        var relative = ExactDecimal(1)
        if let a = try? ExactDecimal(parsing: from), let b = try? ExactDecimal(parsing: to),
          a != .zero, let delta = b.subtracting(a)
        {
          let magnitude = delta < .zero ? (ExactDecimal.zero.subtracting(delta) ?? delta) : delta
          let base = a < .zero ? (ExactDecimal.zero.subtracting(a) ?? a) : a
          relative = magnitude.divided(by: base, scale: 4) ?? relative
        }
        impact.changes.append(
          .init(
            candidate: index, kpi: String(parts[0]), period: String(parts[1]), from: from, to: to,
            relative: relative))
      }
    }
    return impact
  }

  /// Impact of every open conflict, computed with the repository's definitions.
  static func conflictImpacts(
    _ context: Context, _ repository: RepositoryReader,
    _ conflicts: [(collection: String, id: RecordID, state: RecordState)]
  ) throws -> [ConflictImpact] {
    guard !conflicts.isEmpty else { return [] }
    let definitions = try definitions(context, repository)
    let (dataset, _) = try dataset(repository, definitions)
    return try conflicts.map { conflict in
      conflictImpact(
        definitions, dataset, try schema(repository, conflict.collection), conflict.id,
        conflict.state, today: today(context))
    }
  }
}
