import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// What publishing KPI definitions did (SPEC.md §9.3, "Publishing").
public enum KPIPublication: Sendable, Equatable {
  /// The newest published version already holds these definitions: nothing was written.
  case unchanged(version: Int)
  /// The definitions were stored as this new version.
  case published(version: Int)

  /// Publishes `definitions` in head office's repository as the next version of
  /// `kpi_definitions` (id `v<version>`; fields `version`, `hash`, `document` = its canonical
  /// JSON, `published_at`, and `note` when given).
  ///
  /// The same definitions as the newest version change nothing. Refused, with nothing
  /// written: at a branch (``OutpostError/Code/notPermitted``), and when a stored target could
  /// not be scored by the new definitions (``OutpostError/Code/invalidData``, the target's
  /// record in ``OutpostError/location``; SPEC.md §9.5). A note that is not valid text is
  /// refused with `location.field` = `note`.
  ///
  /// - Parameters:
  ///   - publishedAt: the time to record, as the repository's clock writes it.
  ///   - command: how the journal describes the transaction; by default
  ///     `kpi publish v<version>`.
  public static func publish(
    _ definitions: DefinitionSet, to repository: RepositoryWriter, note: String? = nil,
    publishedAt: Timestamp, command: String? = nil
  ) throws(OutpostError) -> KPIPublication {
    guard repository.config.role == .head else {
      throw OutpostError(
        .notPermitted, "head office publishes KPI definitions",
        hint: "This office computes with the version head office's replies bring.")
    }
    let current = try KPIDefinitionsInForce.published(in: repository)
    if let current, current.definitions.hash == definitions.hash {
      return .unchanged(version: current.version)
    }
    // A scorecard (or a diagnosis rule) naming a position or department nobody can hold would
    // score (or diagnose) no one.
    if let problem = try ScorecardRequest.unknownRoles(in: definitions, repository) {
      throw OutpostError(
        .invalidData, "\(problem); nothing was published",
        hint: "Correct the definitions, or publish the position or department first.")
    }
    // Targets already published must stay scorable by the new definitions (SPEC.md §9.5).
    if let (id, problem) = try TargetCheck.firstProblem(in: repository, definitions: definitions) {
      throw OutpostError(
        .invalidData, "targets/\(id): \(problem); nothing was published",
        hint: "Correct the target or the definitions.",
        location: .init(collection: StandardCollections.targets.name, record: id.rawValue))
    }
    let version = (current?.version ?? 0) + 1
    var fields: [String: JSONValue] = [
      "version": .number(JSONNumber(integer: Int64(version))), "hash": .string(definitions.hash),
      "document": definitions.json,
      "published_at": .string(publishedAt.description),
    ]
    if let note {
      do { fields["note"] = try FieldType.text.parseCell(note) } catch {
        throw OutpostError(error, location: .init(field: "note"))
      }
    }
    do {
      _ = try repository.commit(
        [
          .put(
            collection: StandardCollections.kpiDefinitions.name,
            id: RecordID(unchecked: "v\(version)"), fields: fields)
        ], command: command ?? "kpi publish v\(version)")
    } catch { throw OutpostError(error) }
    return .published(version: version)
  }
}
