import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// The KPI definitions a repository computes with, and where they come from (SPEC.md §9.3).
///
/// Every repository computes with the highest version head office published in
/// `kpi_definitions`, or with the catalog built into the engine when none was published.
public struct KPIDefinitionsInForce: Sendable {
  /// Where definitions come from.
  public enum Source: Sendable, Equatable {
    /// The catalog built into the engine (SPEC.md §9.4): nothing was published.
    case builtIn
    /// A version head office published, and its record in `kpi_definitions` (id `v<version>`).
    case published(version: Int, record: RecordID)
  }

  /// The definitions.
  public var definitions: DefinitionSet
  /// Where they come from.
  public var source: Source

  /// The published version, or 0 for the built-in catalog.
  public var version: Int {
    if case .published(let version, _) = source { return version }
    return 0
  }

  /// The catalog built into the engine (SPEC.md §9.4), parsed once.
  ///
  /// Tests pin its bytes and hash; a build whose catalog does not parse is a defect, not a
  /// condition to handle, so it stops here.
  public static let builtIn: DefinitionSet = {
    do { return try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8)) } catch {
      preconditionFailure("the built-in KPI definitions are invalid: \(error)")
    }
  }()

  /// Creates a value from its parts.
  public init(definitions: DefinitionSet, source: Source) {
    self.definitions = definitions
    self.source = source
  }

  /// The definitions `repository` computes with: its newest published version, else the
  /// built-in catalog.
  ///
  /// Throws ``OutpostError/Code/invalidData`` when the newest published version does not parse,
  /// with the record's collection and id in ``OutpostError/location``.
  public init(_ repository: RepositoryReader) throws(OutpostError) {
    self = try Self.published(in: repository) ?? Self(definitions: Self.builtIn, source: .builtIn)
  }

  /// The newest version head office published in `repository`, or nil when there is none.
  ///
  /// The version is the record's `version` field; a record without one is not a version. The
  /// newest one must parse: a damaged document is reported, never passed over for an older one.
  public static func published(in repository: RepositoryReader) throws(OutpostError) -> Self? {
    let collection = StandardCollections.kpiDefinitions.name
    let states: [(id: RecordID, state: RecordState)]
    do { states = try repository.states(collection) } catch { throw OutpostError(error) }
    var newest: (version: Int, state: RecordState, id: RecordID)?
    for (id, state) in states where !state.isDeleted {
      guard let version = state.value("version")?.uint64Value.map(Int.init) else { continue }
      if newest == nil || version > newest!.version { newest = (version, state, id) }
    }
    guard let (version, state, id) = newest,
      let document = state.value("document")
    else { return nil }
    do {
      return Self(
        definitions: try DefinitionSet(json: document, published: true),
        source: .published(version: version, record: id))
    } catch {
      throw OutpostError(
        .invalidData, "\(collection)/\(id) (version \(version)) is invalid: \(error)",
        hint: "Head office should publish a valid version.",
        location: .init(collection: collection, record: id.rawValue, field: "document"))
    }
  }

  /// Parses a definitions document (`outpost-kpi-def/1`, SPEC.md §9.3) read from `file`.
  ///
  /// Throws ``OutpostError/Code/invalidData`` naming the file and the JSON path of the first
  /// problem.
  public static func parse(_ bytes: [UInt8], file: String) throws(OutpostError) -> DefinitionSet {
    do { return try DefinitionSet(bytes: bytes) } catch {
      throw OutpostError(
        .invalidData, "\(file): \(error)", hint: "See SPEC.md §9.3 for the format.",
        location: .init(file: file))
    }
  }

  /// The definitions whose hash is `hash`: a version head office published (and still holds)
  /// or the built-in catalog; nil when neither has it (SPEC.md §9.7).
  public static func withHash(_ hash: String, in repository: RepositoryReader) throws(OutpostError)
    -> DefinitionSet?
  {
    let states: [(id: RecordID, state: RecordState)]
    do { states = try repository.states(StandardCollections.kpiDefinitions.name) } catch {
      throw OutpostError(error)
    }
    for (_, state) in states where state.value("hash")?.stringValue == hash {
      if let document = state.value("document") {
        return try? DefinitionSet(json: document, published: true)
      }
    }
    return builtIn.hash == hash ? builtIn : nil
  }

  /// `given`, or when nil the definitions in force in `repository`.
  static func given(_ given: DefinitionSet?, else repository: RepositoryReader)
    throws(OutpostError) -> DefinitionSet
  {
    if let given { return given }
    return try Self(repository).definitions
  }
}
