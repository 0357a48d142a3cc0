import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// What an import would do, found without writing (SPEC.md §3.6, `import --dry-run`).
public struct ImportPreview: Sendable {
  /// The reading: records, counts and problems.
  public var reading: ImportReading
  /// Records the import would create (new, or re-created after a deletion).
  public var created: Int
  /// Records it would change.
  public var updated: Int
  /// Records whose stored values already equal the source's.
  public var unchanged: Int

  /// Whether the import would succeed.
  public var ok: Bool { reading.problems.isEmpty }

  /// A preview with the given counts.
  public init(reading: ImportReading, created: Int, updated: Int, unchanged: Int) {
    self.reading = reading
    self.created = created
    self.updated = updated
    self.unchanged = unchanged
  }
}

extension Importer {
  /// What an import of `source` would create, update and leave unchanged; nothing is written.
  ///
  /// Each record is compared with what readers see now (SPEC.md §2.5).
  public func preview(_ source: ImportSource) throws(OutpostError) -> ImportPreview {
    let reading = try read(source)
    var preview = ImportPreview(reading: reading, created: 0, updated: 0, unchanged: 0)
    for row in reading.rows {
      let state: RecordState?
      do { state = try repository.state(schema.name, row.id) } catch { throw OutpostError(error) }
      guard let state, state.exists, !state.isDeleted else {
        preview.created += 1
        continue
      }
      let values = state.values
      if row.fields.allSatisfy({ values[$0.key] ?? .null == $0.value }) {
        preview.unchanged += 1
      } else {
        preview.updated += 1
      }
    }
    return preview
  }
}

/// Import profiles stored in the repository (SPEC.md §3.6, collection `import_profiles`).
extension RepositoryReader {
  /// The stored profile `name`, or ``OutpostError/Code/notFound`` naming the stored ones.
  public func importProfile(named name: String) throws(OutpostError) -> ImportProfile {
    let collection = StandardCollections.importProfiles.name
    let state: RecordState?
    do {
      let id = try RecordID(name)
      state = try self.state(collection, id)
    } catch let error as ModelError {
      throw OutpostError(.invalidRequest, error.message)
    } catch let error as StoreError {
      throw OutpostError(error)
    } catch {
      throw OutpostError(.invalidRequest, "\(error)")
    }
    guard let state, state.exists, !state.isDeleted, let document = state.values["profile"] else {
      let names = try importProfileNames()
      throw OutpostError(
        .notFound, "no import profile '\(name)' is stored in this repository",
        hint: names.isEmpty
          ? "Head office publishes profiles; none has arrived yet. Pass a profile file instead."
          : "Stored profiles: \(names.joined(separator: ", ")).")
    }
    return try ImportProfile(json: document, source: "profile '\(name)'")
  }

  /// The names of the stored profiles, sorted.
  public func importProfileNames() throws(OutpostError) -> [String] {
    do {
      return try states(StandardCollections.importProfiles.name).filter {
        $0.state.exists && !$0.state.isDeleted
      }.map(\.id.rawValue).sorted()
    } catch { throw OutpostError(error) }
  }
}

extension RepositoryWriter {
  /// Stores `profile` under its name (head office), after checking it against its collection
  /// as an import would; the same document again changes nothing.
  public func publishImportProfile(_ profile: ImportProfile, note: String? = nil)
    throws(OutpostError) -> CommitSummary
  {
    guard let name = profile.name else {
      throw ImportProfile.failure(
        profile.source, "name", "is missing: a stored profile needs a name (a–z, 0–9, '_', '-')")
    }
    let schema: CollectionSchema
    do { schema = try self.schema(profile.collection) } catch {
      throw ImportProfile.failure(profile.source, "collection", error.message)
    }
    try profile.check(against: schema)
    let collection = StandardCollections.importProfiles.name
    let id: RecordID
    do { id = try RecordID(name) } catch { throw OutpostError(error) }
    var fields: [String: JSONValue] = ["profile": profile.document]
    fields["description"] = profile.description.map(JSONValue.string) ?? .null
    do {
      try ownership.check(.put(fields), in: StandardCollections.importProfiles, id: id)
      return try commit(
        [.put(collection: collection, id: id, fields: fields)],
        command: "outpost profile publish \(name)", note: note)
    } catch let error as SyncError {
      throw OutpostError(error)
    } catch let error as StoreError {
      throw OutpostError(error)
    } catch {
      throw OutpostError(.invalidData, "\(error)")
    }
  }
}
