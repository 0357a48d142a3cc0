import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// A CSV a clerk fills in and imports into this repository (`outpost template`, SPEC.md §3.7):
/// its header row and, if asked for, one example row with notes on it.
public struct ImportTemplate: Sendable {
  /// What the header row holds.
  public enum Labels: String, CaseIterable, Sendable {
    /// The columns' names.
    case names
    /// Their Chinese labels.
    case zh
    /// Their English labels.
    case en
  }

  /// The columns, in import order.
  public var columns: [ImportColumn]
  /// The header row: a cell per column.
  public var header: [String]
  /// The example row (a cell per column), when asked for.
  public var example: [String]?
  /// Why importing the example row here would be refused or would change a record; empty
  /// when it would create a record cleanly.
  public var notes: [String] = []

  /// The template of `schema` for `repository`.
  ///
  /// A branch's template leaves out an office-owned collection's `office_id`, which its
  /// import fills in (SPEC.md §2.4). Refused: a head-office collection at a branch
  /// (``OutpostError/Code/notPermitted``); `resolutions`, `kpi_definitions` and
  /// `import_profiles`, which commands write; labels when a column has none
  /// (``OutpostError/Code/invalidRequest``).
  public init(
    _ repository: RepositoryReader, for schema: CollectionSchema, labels: Labels = .names,
    example: Bool = false
  ) throws(OutpostError) {
    try Self.checkImportable(schema, repository)
    var columns = ImportColumn.columns(of: schema)
    if repository.config.role == .branch && schema.ownership == .office {
      columns.removeAll { $0.name == OwnershipPolicy.officeField }
    }
    self.columns = columns
    header = []
    for column in columns {
      switch labels {
      case .names: header.append(column.name)
      case .zh, .en:
        guard let label = column.label else {
          throw OutpostError(
            .invalidRequest,
            "'\(schema.name)' has no \(labels.rawValue) labels: column "
              + "'\(column.name)' has none (a schema file labels its columns with 'label', "
              + "SPEC.md §2.6)",
            hint: "Leave out --labels: the header is the columns' names.")
        }
        header.append(labels == .zh ? label.zh : label.en)
      }
    }
    guard example else { return }
    let made = try TemplateExample(repository, for: schema)
    let cells = columns.map { made.value(schema, $0) }
    self.example = cells
    notes = try made.notes(schema, columns, cells, repository)
  }

  /// Refuses a template no import here would take: a head-office collection at a branch, and
  /// the three collections that commands write.
  static func checkImportable(_ schema: CollectionSchema, _ repository: RepositoryReader)
    throws(OutpostError)
  {
    if schema.ownership == .head && repository.config.role == .branch {
      throw OutpostError(
        .notPermitted,
        "'\(schema.name)' is written by head office only; a branch receives it in replies and "
          + "cannot import it",
        hint: "See it with: outpost export \(schema.name)")
    }
    switch schema.name {
    case StandardCollections.resolutions.name:
      throw OutpostError(
        .invalidRequest,
        "'\(schema.name)' is written by 'outpost resolve' and 'outpost review': each record "
          + "is the audit trail of one decision, not a row to import",
        hint: "See the open conflicts with: outpost conflicts")
    case StandardCollections.kpiDefinitions.name:
      throw OutpostError(
        .invalidRequest,
        "'\(schema.name)' is written by 'outpost kpi publish FILE', which checks the "
          + "document and records its hash, not by import",
        hint: "Start from: outpost kpi definitions --format json")
    case StandardCollections.importProfiles.name:
      throw OutpostError(
        .invalidRequest,
        "'\(schema.name)' is written by 'outpost profile publish FILE', which checks each "
          + "profile against its collection, not by import",
        hint: "Start from an example in fixtures/import-profiles/ (SPEC.md §3.6)")
    default: break
    }
  }
}
