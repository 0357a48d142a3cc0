import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// The records a KPI computation reads, taken from one repository snapshot (SPEC.md §9.1).
///
/// The engine reads rows and nothing else; this is where records become rows: the live
/// records (and deleted ones still in a delete/edit conflict) of every collection the
/// definitions read, with a column id written into its column. It also notes, by collection,
/// the offices holding a record in open conflict, which makes their values `open_conflict`.
public struct KPIDataset: Sendable {
  /// The rows, by collection.
  public var dataset: Dataset
  /// By collection, the offices (`office_id`) that hold a record in open conflict there.
  public var conflicted: [String: Set<String>]

  /// Creates a value from its parts.
  public init(dataset: Dataset, conflicted: [String: Set<String>] = [:]) {
    self.dataset = dataset
    self.conflicted = conflicted
  }

  /// Reads the collections the KPIs `kpis` (empty: every KPI of `definitions`) read, plus
  /// `extra`.
  ///
  /// Those are the sources and lookups of the measures they read (through the KPIs they
  /// depend on and their flags), the collections naming a measure's people, and `targets`
  /// when an attainment KPI needs them. Collections this repository does not know are left
  /// out. With `summaries` (in step with the repository and made for `definitions`), a
  /// measure ref they keep reads them instead of its collection, and that collection's offices
  /// in open conflict come from them when no other ref reads its rows.
  public init(
    _ repository: RepositoryReader, definitions: DefinitionSet, kpis: [String] = [],
    including extra: [String] = [], summaries: KPIAggregateCache.Content? = nil
  ) throws(OutpostError) {
    let engine = KPIEngine(definitions: definitions)
    var names = Set(extra)
    if engine.readsTargets(kpis) { names.insert(StandardCollections.targets.name) }
    let kept = Set(summaries?.aggregates.refs ?? [])
    var summarized: Set<String> = []
    for ref in engine.measureRefs(kpis).refs {
      guard let measure = definitions.measures[ref.measure] else { continue }
      if kept.contains(ref) {
        summarized.insert(measure.source)
        if let lookup = measure.lookup { summarized.insert(lookup.collection) }
      } else {
        names.insert(measure.source)
        if let lookup = measure.lookup { names.insert(lookup.collection) }
      }
      if let through = measure.staffThrough { names.insert(through.collection) }
    }
    var conflicted: [String: Set<String>] = [:]
    for collection in summarized where !names.contains(collection) {
      let offices = summaries?.conflicts[collection] ?? [:]
      conflicted[collection] = Set(offices.filter { $0.value > 0 }.keys)
    }
    var rows: [String: [Row]] = [:]
    for name in names.sorted() {
      guard let schema = try? repository.schema(name) else { continue }
      let (list, offices) = try Self.rows(of: name, schema: schema, in: repository)
      rows[name] = list
      if !offices.isEmpty { conflicted[name, default: []].formUnion(offices) }
    }
    self.init(dataset: Dataset(rows: rows), conflicted: conflicted)
  }

  /// A collection's rows sorted by id, and the offices holding a record of it in open
  /// conflict; read a few record files at a time, so the decoded records are not all held.
  static func rows(of collection: String, schema: CollectionSchema, in repository: RepositoryReader)
    throws(OutpostError) -> ([Row], Set<String>)
  {
    let read: [(id: RecordID, value: (row: Row, conflicted: Bool))]
    do {
      read = try repository.mapStates(collection) { id, state in
        row(of: state, id: id, schema: schema).map { ($0, state.isConflicted) }
      }
    } catch {
      throw OutpostError(error)
    }
    var list: [Row] = []
    list.reserveCapacity(read.count)
    var offices: Set<String> = []
    for (_, value) in read {
      if value.conflicted, let office = value.row["office_id"]?.stringValue {
        offices.insert(office)
      }
      list.append(value.row)
    }
    return (list, offices)
  }

  /// The row a record gives the engine: its values, with its id in the schema's id column;
  /// nil for a deleted record, unless it is in a delete/edit conflict, and for the marker of
  /// a record collected or set aside (no record: its id alone would make a row a lookup joins).
  static func row(of state: RecordState, id: RecordID, schema: CollectionSchema) -> Row? {
    guard !state.isDeleted || state.hasDeleteConflict, !state.isCollectedMarker else { return nil }
    var row = state.values
    if case .column(let column) = schema.idRule { row[column] = .string(id.rawValue) }
    return row
  }

  /// Whether any of `collections` holds a record of `office` in open conflict.
  public func hasOpenConflict(in collections: Set<String>, office: String) -> Bool {
    collections.contains { conflicted[$0]?.contains(office) == true }
  }
}

/// The collections each KPI reads: through its measures (their sources and lookups), the KPIs
/// and measures it refers to, and `targets` for attainment KPIs.
///
/// A value is `open_conflict` (SPEC.md §9.6) and a reconciliation mismatch is `different_data`
/// (§9.7) by these collections.
public struct KPISources: Sendable, Equatable {
  /// By KPI id, the collections it reads.
  public var byKPI: [String: Set<String>]

  /// Works out the collections of every KPI of `definitions`.
  public init(_ definitions: DefinitionSet) {
    func sources(_ id: String, _ seen: inout Set<String>) -> Set<String> {
      if let measure = definitions.measures[id] {
        return Set(
          [measure.source] + (measure.lookup.map { [$0.collection] } ?? [])
            + (measure.staffThrough.map { [$0.collection] } ?? []))
      }
      guard let kpi = definitions.kpis[id], seen.insert(id).inserted else { return [] }
      var names: Set<String> = []
      switch kpi.kind {
      case .simple(let ref): names.formUnion(sources(ref.measure, &seen))
      case .ratio(let n, let d, _):
        names.formUnion(sources(n.measure, &seen))
        names.formUnion(sources(d.measure, &seen))
      case .derived(let expression):
        for ref in expression.references { names.formUnion(sources(ref, &seen)) }
      case .growth(let base, _, _): names.formUnion(sources(base, &seen))
      case .attainment(let base, _, _, _):
        names.formUnion(sources(base, &seen))
        names.insert(StandardCollections.targets.name)
      }
      return names
    }
    var result: [String: Set<String>] = [:]
    for id in definitions.kpiOrder {
      var seen: Set<String> = []
      result[id] = sources(id, &seen)
    }
    byKPI = result
  }

  /// The collections `kpi` reads; empty for an unknown KPI.
  public func collections(readBy kpi: String) -> Set<String> { byKPI[kpi] ?? [] }
}
