import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// How much each candidate value of an open conflict moves the KPIs (SPEC.md §9.8).
///
/// The KPIs reading the record's collection are recomputed for its office and for the months
/// its dates fall in: once with the record as it stands (provisional values) and once per
/// candidate (the field set to that value; for an edit/delete conflict, the record present or
/// absent), with the same definitions.
public struct ConflictKPIImpact: Sendable, Equatable {
  /// One KPI value a candidate changes.
  public struct Change: Sendable, Equatable {
    /// The candidate: an index into `Resolution.candidates(state)`.
    public var candidate: Int
    /// The KPI id.
    public var kpi: String
    /// The month.
    public var period: Period
    /// The value as the record stands: at the KPI's scale, `— (reason)` when undefined, `—`
    /// when not computed.
    public var from: String
    /// The value with the candidate, written the same way.
    public var to: String
    /// |to − from| ÷ |from| rounded half-up to 4 places; 1 when from is 0 or undefined.
    public var relativeChange: ExactDecimal

    /// Creates a change.
    public init(
      candidate: Int, kpi: String, period: Period, from: String, to: String,
      relativeChange: ExactDecimal
    ) {
      self.candidate = candidate
      self.kpi = kpi
      self.period = period
      self.from = from
      self.to = to
      self.relativeChange = relativeChange
    }
  }

  /// Every change, by candidate, then KPI id and month.
  public var changes: [Change]

  /// Creates an impact from its changes.
  public init(changes: [Change] = []) { self.changes = changes }

  /// The largest relative change of any candidate (the ranking key of `conflicts`), 0 when
  /// none.
  public var largestRelativeChange: ExactDecimal { changes.map(\.relativeChange).max() ?? .zero }

  /// The KPIs any candidate changes.
  public var kpisChanged: Set<String> { Set(changes.map(\.kpi)) }

  /// The impact of every open conflict in `conflicts` (as `RepositoryReader.conflicts()`
  /// lists them), in the same order.
  ///
  /// - Parameters:
  ///   - definitions: nil: those in force in `repository`.
  ///   - today: today by the repository's clock (SPEC.md §9.1).
  public static func compute(
    _ conflicts: [(collection: String, id: RecordID, state: RecordState)],
    in repository: RepositoryReader, definitions: DefinitionSet? = nil, today: CivilDate?
  ) throws(OutpostError) -> [ConflictKPIImpact] {
    guard !conflicts.isEmpty else { return [] }
    let definitions = try KPIDefinitionsInForce.given(definitions, else: repository)
    let data = try KPIDataset(repository, definitions: definitions)
    let sources = KPISources(definitions)
    var result: [ConflictKPIImpact] = []
    for conflict in conflicts {
      let schema: CollectionSchema
      do { schema = try repository.schema(conflict.collection) } catch {
        throw OutpostError(
          .invalidRequest, error.message, hint: error.hint, remedy: error.remedy,
          location: .init(collection: conflict.collection))
      }
      result.append(
        ConflictKPIImpact(
          definitions: definitions, dataset: data.dataset, sources: sources, schema: schema,
          id: conflict.id, state: conflict.state, today: today))
    }
    return result
  }

  /// The impact of one conflicted record, computed over `dataset` (the rows as they stand).
  public init(
    definitions: DefinitionSet, dataset: Dataset, schema: CollectionSchema, id: RecordID,
    state: RecordState, today: CivilDate?
  ) {
    self.init(
      definitions: definitions, dataset: dataset, sources: KPISources(definitions),
      schema: schema, id: id, state: state, today: today)
  }

  init(
    definitions: DefinitionSet, dataset: Dataset, sources: KPISources,
    schema: CollectionSchema, id: RecordID, state: RecordState, today: CivilDate?
  ) {
    self.init()
    guard let office = state.value("office_id")?.stringValue else { return }
    let kpis = definitions.kpiOrder.filter { sources.collections(readBy: $0).contains(schema.name) }
    guard !kpis.isEmpty else { return }
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
    guard !periods.isEmpty else { return }
    let engine = KPIEngine(definitions: definitions)
    let query = KPIQuery(
      kpis: kpis, grain: .month, periods: periods.sorted(), offices: [office], openFrom: today)
    /// Each value as shown, and its decimal when defined.
    func compute(_ row: Row?) -> [KPIValueKey: (text: String, value: ExactDecimal?)] {
      var variant = rows
      variant[schema.name] = others + (row.map { [$0] } ?? [])
      var result: [KPIValueKey: (text: String, value: ExactDecimal?)] = [:]
      for value in engine.evaluate(Dataset(rows: variant), query) {
        let scale = definitions.kpis[value.kpi]!.scale
        result[value.key] = (
          value.value.map { $0.formatted(scale: scale) } ?? "— (\(value.reason ?? "?"))",
          value.value
        )
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
      let keys = after.keys.sorted { ($0.kpi, $0.period) < ($1.kpi, $1.period) }
      for key in keys where after[key]!.text != current[key]?.text {
        let to = after[key]!
        let from = current[key]
        var relative = ExactDecimal(1)
        if let a = from?.value, let b = to.value, a != .zero, let delta = b.subtracting(a) {
          let magnitude = delta < .zero ? (ExactDecimal.zero.subtracting(delta) ?? delta) : delta
          let base = a < .zero ? (ExactDecimal.zero.subtracting(a) ?? a) : a
          relative = magnitude.divided(by: base, scale: 4) ?? relative
        }
        changes.append(
          Change(
            candidate: index, kpi: key.kpi, period: key.period, from: from?.text ?? "—",
            to: to.text, relativeChange: relative))
      }
    }
  }
}
