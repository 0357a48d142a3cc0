import OutpostCodec
import OutpostCrypto
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// The monthly KPI summaries a writer keeps in step with the records (SPEC.md §4.5, §9.1).
///
/// `cache/kpi-aggregates/` holds, for the definitions in force, the summaries of every measure
/// ref that can be kept by month (``MonthlyAggregates``), one part per office, and in its
/// `index` part by collection the offices with a record in open conflict. `kpi` reads them
/// instead of rows for months, quarters and years; a commit rewrites the parts of the offices
/// whose rows it changes.
public struct KPIAggregateCache: RecordCache {
  /// The cache's name.
  public static let fileName = "kpi-aggregates"
  /// The content's format.
  static let format = "outpost-kpi-aggregates/3"
  /// The part holding the format, the definitions' hash, the tables and the conflict counts.
  static let indexPart = "index"

  public var name: String { Self.fileName }

  /// The cache (it holds nothing itself: its content is in the repository).
  public init() {}

  /// The parts a commit of `changes` writes.
  ///
  /// `previous` updated row by row, in the parts of the offices whose rows change; or rebuilt
  /// from the records when there is none, it was made for other definitions, or a change finds
  /// it does not hold a row it should. Nil (out of step until the next commit) when a change
  /// touches the KPI definitions, or they cannot be read.
  public func updated(
    _ previous: CacheParts?, changes: [RecordCacheChange], repository: RepositoryReader
  ) -> CacheUpdate? {
    if changes.contains(where: { $0.collection == StandardCollections.kpiDefinitions.name }) {
      return nil
    }
    guard let definitions = try? KPIDefinitionsInForce(repository).definitions else { return nil }
    if let previous, Self.madeFor(definitions, previous) {
      // A commit that changes no collection the summaries read (a peer document, a schema,
      // other collections) keeps them as they are: only the stamp moves.
      let read = MonthlyAggregates.keptCollections(definitions)
      let relevant = changes.filter { read.contains($0.collection) }
      if relevant.isEmpty { return .unchanged }
      if let content = Self.updating(previous, definitions, with: relevant, repository) {
        let parts = content.parts.encodedParts()
        let emptied = (content.offices.map(Self.partName) + content.parts.loadedJoinParts)
          .filter { parts[$0] == nil }
        return .changed(parts, removed: Set(emptied))
      }
    }
    guard var built = try? Content(repository, definitions),
      built.applied(changes, repository)
    else { return nil }
    return .rebuilt(built.encodedParts())
  }

  /// The summaries of `previous` with `changes` applied: the join parts of the keys they touch
  /// and the parts of the offices whose summaries they change (their rows' offices, and those
  /// of the source rows joined to a changed row of a lookup's collection) read and updated;
  /// nil when they cannot be (a part is damaged, or a change finds a row missing).
  static func updating(
    _ previous: CacheParts, _ definitions: DefinitionSet, with changes: [RecordCacheChange],
    _ repository: RepositoryReader
  ) -> (parts: Content, offices: Set<String>)? {
    guard var content = try? Content(decoding: previous, definitions, offices: []),
      let touched = content.joinKeys(changedBy: changes, repository),
      (try? content.loadJoins(touched.all, from: previous)) != nil,
      let own = Content.offices(of: changes, repository)
    else { return nil }
    let offices = own.union(content.offices(joinedTo: touched.targets))
    guard (try? content.loadOffices(offices, from: previous, all: content.aggregates)) != nil,
      content.applied(changes, repository)
    else { return nil }
    return (content, offices)
  }

  /// Whether the summaries were made for the definitions now in force: summaries another
  /// build wrote for its own built-in catalog are not used, and `verify` notes them.
  public func isCurrent(_ parts: CacheParts, repository: RepositoryReader) -> Bool {
    guard let definitions = try? KPIDefinitionsInForce(repository).definitions else {
      return false
    }
    return Self.madeFor(definitions, parts)
  }

  /// Whether the index part says the summaries were made for `definitions`.
  static func madeFor(_ definitions: DefinitionSet, _ parts: CacheParts) -> Bool {
    guard let index = parts.part(indexPart),
      let json = try? JSONParser.parse(index, limits: .repositoryFile)
    else { return false }
    return json["format"]?.stringValue == format
      && json["definitions"]?.stringValue == definitions.hash
  }

  /// The part holding an office's summaries: `o-` and the office id's UTF-8 in hex, or for an
  /// id too long for that, the first 62 hex digits of its SHA-256 (the part names its office
  /// on its first line either way).
  static func partName(_ office: String) -> String {
    let hex = Hex.encode(office.utf8)
    return "o-" + (hex.count <= 62 ? hex : String(SHA256.hash(Array(office.utf8)).hex.prefix(62)))
  }

  /// The summaries in step with `repository`'s snapshot, for `definitions`; nil when there are
  /// none, they were made for other definitions, or a part is damaged.
  ///
  /// With `refs`, only the summaries of those of them that are kept are read (the others are
  /// not kept in the value returned).
  public static func read(
    _ repository: RepositoryReader, definitions: DefinitionSet, refs: [MeasureRef]? = nil
  ) -> Content? {
    guard let parts = repository.cache(fileName) else { return nil }
    return try? Content(decoding: parts, definitions, refs: refs)
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
    /// The join parts read (or built) into ``MonthlyAggregates/joins``: only those are
    /// written back.
    var loadedJoinParts: Set<String>
    /// By loaded join part, the lines of the keys not read (written back as they are).
    var untouchedJoinLines: [String: [ArraySlice<UInt8>]] = [:]

    /// Builds the summaries from every record of `repository`.
    init(_ repository: RepositoryReader, _ definitions: DefinitionSet) throws(OutpostError) {
      let refs = MonthlyAggregates.keptRefs(definitions)
      self.definitions = definitions.hash
      aggregates = MonthlyAggregates(Dataset(rows: [:]), refs: refs, definitions: definitions)
      collections = aggregates.collections
      conflicts = [:]
      loadedJoinParts = Set(KPIAggregateCache.joinPartNames)
      for name in collections.sorted() {
        guard let schema = try? repository.schema(name) else { continue }
        // A few record files at a time: memory follows the summaries, not the collection.
        do throws(StoreError) {
          try repository.forEachGroupOfStates(name) { states in
            for (id, state) in states {
              add(state, id: id, collection: name, schema: schema, sign: 1)
            }
          }
        } catch {
          throw OutpostError(error)
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
    let counted = count(state, row, collection: collection, sign: sign)
    return aggregates.apply(row, id: id.rawValue, collection: collection, sign: sign) && counted
  }

  /// Counts (`sign` 1) or uncounts (-1) a record in open conflict by its row's office; false
  /// when uncounting leaves a negative count.
  @discardableResult
  mutating func count(_ state: RecordState, _ row: Row, collection: String, sign: Int) -> Bool {
    guard state.isConflicted, let office = row["office_id"]?.stringValue else { return true }
    let count = conflicts[collection, default: [:]][office, default: 0] + sign
    conflicts[collection, default: [:]][office] = count == 0 ? nil : count
    if conflicts[collection]?.isEmpty == true { conflicts[collection] = nil }
    return count >= 0
  }

  /// The offices whose summaries `changes` touch (the `office_id` of each old and new row);
  /// nil when a collection's schema cannot be read.
  static func offices(of changes: [RecordCacheChange], _ repository: RepositoryReader)
    -> Set<String>?
  {
    var offices: Set<String> = []
    var schemas: [String: CollectionSchema] = [:]
    for change in changes {
      if schemas[change.collection] == nil {
        guard let schema = try? repository.schema(change.collection) else { return nil }
        schemas[change.collection] = schema
      }
      let schema = schemas[change.collection]!
      for state in [change.old, change.new].compactMap({ $0 }) {
        if let office = KPIDataset.row(of: state, id: change.id, schema: schema)?["office_id"]?
          .stringValue
        {
          offices.insert(office)
        }
      }
    }
    return offices
  }

  /// Takes out each changed record's old row and adds its new one; false when the summaries
  /// did not hold an old row.
  mutating func applied(_ changes: [RecordCacheChange], _ repository: RepositoryReader) -> Bool {
    var consistent = true
    for change in changes where collections.contains(change.collection) {
      guard let schema = try? repository.schema(change.collection) else { return false }
      let (collection, id) = (change.collection, change.id)
      let old = change.old.flatMap { KPIDataset.row(of: $0, id: id, schema: schema) }
      let new = KPIDataset.row(of: change.new, id: id, schema: schema)
      if let old, let state = change.old, !count(state, old, collection: collection, sign: -1) {
        consistent = false
      }
      if let new { count(change.new, new, collection: collection, sign: 1) }
      if !aggregates.replace(old, with: new, id: id.rawValue, collection: collection) {
        consistent = false
      }
    }
    return consistent
  }

}
