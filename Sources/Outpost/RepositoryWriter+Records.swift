import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// Writing records through the rules: imports and single-record puts and deletes.
extension RepositoryWriter {
  /// Imports every row of `source` into `collection` as one transaction: all rows or none
  /// (SPEC.md §3.2).
  ///
  /// - Parameters:
  ///   - name: the source's name, for messages and the journal (a file name, `<stdin>`).
  ///   - profile: how to read the source (§3.6), or nil for the strict reading of §3.2.
  ///   - note: why, kept with the transaction (one line, at most 1000 bytes).
  ///   - check: an extra check of each row's resulting values (the targets check of §9.5).
  public func importRecords(
    _ source: ImportSource, into collection: String, name: String,
    profile: ImportProfile? = nil, note: String? = nil,
    check: (@Sendable ([String: JSONValue]) -> String?)? = nil
  ) throws(OutpostError) -> ImportResult {
    let importer = try Importer(
      into: collection, of: self, name: name, profile: profile, check: check)
    return try importRows(importer.rows(source), into: importer.schema.name, name: name, note: note)
  }

  /// Commits rows an ``Importer`` validated, as one transaction.
  public func importRows(
    _ rows: [ImportRow], into collection: String, name: String, note: String? = nil
  ) throws(OutpostError) -> ImportResult {
    do {
      let summary = try commit(
        rows.map { .put(collection: collection, id: $0.id, fields: $0.fields) },
        command: "outpost import \(collection) \(name)", note: note)
      return ImportResult(collection: collection, rows: rows.count, summary: summary)
    } catch { throw OutpostError(error) }
  }

  /// Creates or changes one record from cells as in a CSV row (field name → text; empty is
  /// null), through the checks of ``Records/putFields(_:into:id:of:)``.
  ///
  /// - Parameters:
  ///   - command: the command line the journal records.
  ///   - check: an extra check of the resulting values (stored values with the put's over
  ///     them), returning the refusal; the ``RecordRules`` are checked first in any case.
  public func put(
    _ cells: [(field: String, text: String)], into collection: String, id: RecordID,
    command: String, note: String? = nil,
    check: (([String: JSONValue]) -> OutpostError?)? = nil
  ) throws(OutpostError) -> CommitSummary {
    let schema: CollectionSchema
    do { schema = try self.schema(collection) } catch {
      throw OutpostError(.invalidRequest, error.message, hint: error.hint, remedy: error.remedy)
    }
    let fields = try Records.putFields(cells, into: schema, id: id, of: self)
    let stored: [String: JSONValue]
    do { stored = try state(schema.name, id)?.values ?? [:] } catch { throw OutpostError(error) }
    let values = stored.merging(fields) { $1 }
    if let problem = try RecordRules(self, for: schema.name).problem(values, in: schema) {
      throw OutpostError(
        .invalidData, problem, location: .init(collection: schema.name, record: id.rawValue))
    }
    if let check, var refusal = check(values) {
      refusal.location.collection = schema.name
      refusal.location.record = id.rawValue
      throw refusal
    }
    do {
      return try commit(
        [.put(collection: schema.name, id: id, fields: fields)], command: command, note: note)
    } catch { throw OutpostError(error) }
  }
}
