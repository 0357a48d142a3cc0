import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// The monthly KPI summaries a writer keeps in step with the records (SPEC.md §4.5, §9.1).
///
/// `cache/kpi-aggregates` holds, for the definitions in force, the summaries of every measure
/// ref that can be kept by month (``MonthlyAggregates``), and by collection the offices with a
/// record in open conflict. `kpi` reads them instead of rows for months, quarters and years.
public struct KPIAggregateCache: RecordCache {
  /// The cache file's name.
  public static let fileName = "kpi-aggregates"
  /// The content's format.
  static let format = "outpost-kpi-aggregates/1"

  public var name: String { Self.fileName }

  /// The cache (it holds nothing itself: its content is in the repository).
  public init() {}

  /// The content after `changes`.
  ///
  /// `previous` updated row by row; or rebuilt from the records when there is none, it was
  /// made for other definitions, or a change finds it does not hold a row it should. Nil (out
  /// of step until the next commit) when a change touches the KPI definitions, or they cannot
  /// be read.
  public func updated(
    _ previous: [UInt8]?, changes: [RecordCacheChange], repository: RepositoryReader
  ) -> [UInt8]? {
    if changes.contains(where: { $0.collection == StandardCollections.kpiDefinitions.name }) {
      return nil
    }
    guard let definitions = try? KPIDefinitionsInForce(repository).definitions else { return nil }
    // A commit that changes no collection the summaries read (a peer document, a schema, other
    // collections) keeps them as they are: only the stamp moves.
    if let previous, Self.madeFor(definitions, previous) {
      let read = MonthlyAggregates.keptCollections(definitions)
      if !changes.contains(where: { read.contains($0.collection) }) { return previous }
    }
    if var content = previous.flatMap({ try? Content(decoding: $0, definitions) }),
      content.applied(changes, repository)
    {
      return content.encoded()
    }
    guard var built = try? Content(repository, definitions),
      built.applied(changes, repository)
    else { return nil }
    return built.encoded()
  }

  /// Whether the summaries were made for the definitions now in force: summaries another
  /// build wrote for its own built-in catalog are not used, and `verify` notes them.
  public func isCurrent(_ content: [UInt8], repository: RepositoryReader) -> Bool {
    guard let definitions = try? KPIDefinitionsInForce(repository).definitions else {
      return false
    }
    return Self.madeFor(definitions, content)
  }

  /// Whether `content`'s first line says it was made for `definitions` (the rest unread).
  static func madeFor(_ definitions: DefinitionSet, _ content: [UInt8]) -> Bool {
    let header = content.prefix { $0 != 0x0A }
    guard let json = try? JSONParser.parse(header, limits: .repositoryFile) else { return false }
    return json["format"]?.stringValue == format
      && json["definitions"]?.stringValue == definitions.hash
  }

  /// The summaries in step with `repository`'s snapshot, for `definitions`; nil when there are
  /// none, or they were made for other definitions.
  ///
  /// With `refs`, only the summaries of those of them that are kept are read (the others are
  /// not kept in the value returned).
  public static func read(
    _ repository: RepositoryReader, definitions: DefinitionSet, refs: [MeasureRef]? = nil
  ) -> Content? {
    guard let bytes = repository.cache(fileName) else { return nil }
    return try? Content(decoding: bytes, definitions, refs: refs)
  }

  /// The cache's content.
  public struct Content: Sendable, Equatable {
    /// The hash of the definitions the summaries were made for.
    public var definitions: String
    /// The summaries.
    public var aggregates: MonthlyAggregates
    /// By collection the kept refs read, by office, the records in open conflict.
    public var conflicts: [String: [String: Int]]
    /// The collections the kept refs read.
    public var collections: Set<String>

    /// Builds the summaries from every record of `repository`.
    init(_ repository: RepositoryReader, _ definitions: DefinitionSet) throws(OutpostError) {
      let refs = MonthlyAggregates.keptRefs(definitions)
      self.definitions = definitions.hash
      aggregates = MonthlyAggregates(Dataset(rows: [:]), refs: refs, definitions: definitions)
      collections = aggregates.collections
      conflicts = [:]
      for name in collections.sorted() {
        guard let schema = try? repository.schema(name) else { continue }
        let states: [(id: RecordID, state: RecordState)]
        do { states = try repository.states(name) } catch { throw OutpostError(error) }
        for (id, state) in states {
          add(state, id: id, collection: name, schema: schema, sign: 1)
        }
      }
    }
  }
}

extension KPIAggregateCache.Content {
  /// Adds (`sign` 1) or takes out (-1) a record's row; false when taking out finds a summary
  /// without it.
  @discardableResult
  mutating func add(
    _ state: RecordState, id: RecordID, collection: String, schema: CollectionSchema, sign: Int
  ) -> Bool {
    guard let row = KPIDataset.row(of: state, id: id, schema: schema) else { return true }
    if state.isConflicted, let office = row["office_id"]?.stringValue {
      let count = conflicts[collection, default: [:]][office, default: 0] + sign
      conflicts[collection, default: [:]][office] = count == 0 ? nil : count
      if conflicts[collection]?.isEmpty == true { conflicts[collection] = nil }
      if count < 0 { return false }
    }
    return aggregates.apply(row, collection: collection, sign: sign)
  }

  /// Takes out each changed record's old row and adds its new one; false when the summaries
  /// did not hold an old row.
  mutating func applied(_ changes: [RecordCacheChange], _ repository: RepositoryReader) -> Bool {
    var consistent = true
    for change in changes where collections.contains(change.collection) {
      guard let schema = try? repository.schema(change.collection) else { return false }
      let (collection, id) = (change.collection, change.id)
      if let old = change.old,
        !add(old, id: id, collection: collection, schema: schema, sign: -1)
      {
        consistent = false
      }
      add(change.new, id: id, collection: collection, schema: schema, sign: 1)
    }
    return consistent
  }

  /// The content: a canonical JSON line with the format, the definitions' hash, the conflict
  /// counts and the number of tables, then one line per summaries table
  /// (``MonthlyAggregates/tables``, in order, named by its first ref's measure) holding rows
  /// `[office, month, coarse, channel, rows, non_null, invalid, sum, scales, distinct,
  /// overflowed]`
  /// sorted by key; so a reader parses only the tables it needs.
  func encoded() -> [UInt8] {
    func number(_ n: Int) -> JSONValue { .number(JSONNumber(integer: Int64(n))) }
    let conflicts = JSONObject(
      uncheckedPairs: self.conflicts.map { collection, offices in
        (
          collection,
          .object(JSONObject(uncheckedPairs: offices.map { ($0.key, number($0.value)) }))
        )
      })
    var out = JSONWriter.canonicalBytes(
      .object(
        JSONObject(uncheckedPairs: [
          ("format", .string(KPIAggregateCache.format)), ("definitions", .string(definitions)),
          ("tables", number(aggregates.tables.count)), ("conflicts", .object(conflicts)),
        ])))
    for (index, partials) in aggregates.tables.enumerated() {
      var rows: [JSONValue] = []
      rows.reserveCapacity(partials.count)
      for key in partials.keys.sorted() {
        let p = partials[key]!
        let distinct = JSONObject(uncheckedPairs: p.distinct.map { ($0.key, number($0.value)) })
        let scales = JSONObject(uncheckedPairs: p.scales.map { ("\($0.key)", number($0.value)) })
        let coarse: JSONValue = key.coarse.map { .string($0.rawValue) } ?? .null
        rows.append(
          .array([
            .string(key.office), .string(key.month.description), coarse, .string(key.channel),
            number(p.rows), number(p.nonNull), number(p.invalid),
            .string(p.scaledSum.description), .object(scales), .object(distinct),
            .bool(p.overflowed),
          ]))
      }
      out.append(0x0A)
      JSONWriter.write(
        .object(
          JSONObject(uncheckedPairs: [
            ("measure", .string(aggregates.measure(ofTable: index))), ("partials", .array(rows)),
          ])), into: &out)
    }
    return out
  }

  /// Reads content written by ``encoded()`` for `definitions`: every table, or (with `refs`)
  /// the tables of those of `refs` that are kept, the others left unread.
  init(decoding bytes: [UInt8], _ definitions: DefinitionSet, refs: [MeasureRef]? = nil)
    throws(OutpostError)
  {
    func refuse(_ why: String) -> OutpostError {
      OutpostError(.corrupt, "cache/\(KPIAggregateCache.fileName): \(why)")
    }
    let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
    func parse(_ line: Int) throws(OutpostError) -> JSONValue {
      guard line < lines.count else { throw refuse("it ends early") }
      do { return try JSONParser.parse(lines[line], limits: .repositoryFile) } catch {
        throw refuse("line \(line + 1): \(error)")
      }
    }
    let json = try parse(0)
    guard json["format"]?.stringValue == KPIAggregateCache.format else {
      throw refuse("not \(KPIAggregateCache.format)")
    }
    guard json["definitions"]?.stringValue == definitions.hash else {
      throw refuse("made for other KPI definitions")
    }
    let all = MonthlyAggregates(
      Dataset(rows: [:]), refs: MonthlyAggregates.keptRefs(definitions), definitions: definitions)
    let wanted = refs.map { wanted in all.refs.filter(wanted.contains) } ?? all.refs
    var aggregates = MonthlyAggregates(Dataset(rows: [:]), refs: wanted, definitions: definitions)
    guard json["tables"]?.int64Value == Int64(all.tables.count),
      lines.count == all.tables.count + 1,
      let conflicts = json["conflicts"]?.objectValue
    else { throw refuse("the summaries do not match the definitions") }
    for index in aggregates.tables.indices {
      // The line of the table that holds this table's first ref in the whole set.
      let ref = wanted.first { aggregates.tableIndex(of: $0) == index }!
      let line = all.tableIndex(of: ref)! + 1
      let entry = try parse(line)
      let measure = all.measure(ofTable: line - 1)
      guard entry["measure"]?.stringValue == measure, let rows = entry["partials"]?.arrayValue
      else { throw refuse("the summaries do not match the definitions") }
      var table: [MonthKey: MonthPartial] = [:]
      table.reserveCapacity(rows.count)
      for row in rows {
        guard let cells = row.arrayValue, cells.count == 11,
          let office = cells[0].stringValue,
          let month = cells[1].stringValue.flatMap({ CivilDate(parsing: $0) }),
          let channel = cells[3].stringValue,
          let count = cells[4].int64Value, let nonNull = cells[5].int64Value,
          let invalid = cells[6].int64Value,
          let sum = cells[7].stringValue.flatMap({ try? ExactDecimal(parsing: $0) }),
          let scales = cells[8].objectValue, let distinct = cells[9].objectValue,
          case .bool(let overflowed) = cells[10]
        else { throw refuse("a summary of '\(measure)' is malformed") }
        let coarse: Grain?
        switch cells[2] {
        case .null: coarse = nil
        case .string(let name):
          guard let grain = Grain(rawValue: name) else { throw refuse("bad grain '\(name)'") }
          coarse = grain
        default: throw refuse("a summary of '\(measure)' is malformed")
        }
        var partial = MonthPartial()
        partial.rows = Int(count)
        partial.nonNull = Int(nonNull)
        partial.invalid = Int(invalid)
        partial.sum = sum
        partial.overflowed = overflowed
        for (value, n) in distinct {
          guard let n = n.int64Value else { throw refuse("a distinct count is not a number") }
          partial.distinct[value] = Int(n)
        }
        for (scale, n) in scales {
          guard let scale = Int(scale), (0...ExactDecimal.maximumScale).contains(scale),
            let n = n.int64Value
          else { throw refuse("a scale count of '\(measure)' is malformed") }
          partial.scales[scale] = Int(n)
        }
        table[MonthKey(office: office, month: month, coarse: coarse, channel: channel)] = partial
      }
      aggregates.tables[index] = table
    }
    var offices: [String: [String: Int]] = [:]
    for (collection, value) in conflicts {
      guard let members = value.objectValue else { throw refuse("conflicts are malformed") }
      for (office, n) in members {
        guard let n = n.int64Value else { throw refuse("conflicts are malformed") }
        offices[collection, default: [:]][office] = Int(n)
      }
    }
    self.definitions = definitions.hash
    self.aggregates = aggregates
    self.conflicts = offices
    self.collections = aggregates.collections
  }
}
