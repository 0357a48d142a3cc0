import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// The rules of single-record writes and of records shown as rows (SPEC.md §2, §3).
public enum Records {
  /// What a write of `fields` lacks when it creates the record (or revives a deleted one):
  /// every non-nullable field; nil when nothing is missing.
  public static func missingFields(
    _ schema: CollectionSchema, _ id: RecordID, _ fields: [String: JSONValue],
    existing: RecordState?
  ) -> String? {
    if let existing, !existing.isDeleted { return nil }
    let missing = schema.fields.filter { !$0.nullable && fields[$0.name] == nil }.map(\.name)
    guard !missing.isEmpty else { return nil }
    return "new record '\(id)' in '\(schema.name)' lacks required field(s): "
      + missing.joined(separator: ", ")
  }

  /// The key fields a composite id stands for (`north.sem.2025-02-01`); empty for a collection
  /// whose id is a column.
  public static func keyValues(_ schema: CollectionSchema, _ id: RecordID) throws(OutpostError)
    -> [String: JSONValue]
  {
    let keys = schema.keyFields
    guard !keys.isEmpty else { return [:] }
    let parts = id.rawValue.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    let location = OutpostError.Location(collection: schema.name, record: id.rawValue)
    guard parts.count == keys.count else {
      throw OutpostError(
        .invalidData,
        "id '\(id)' of '\(schema.name)' must be \(keys.joined(separator: ".")) "
          + "(\(keys.count) parts joined by '.')", location: location)
    }
    var values: [String: JSONValue] = [:]
    for (key, part) in zip(keys, parts) {
      guard let field = schema.field(key) else { continue }
      do { values[key] = try field.parseCell(part) } catch {
        var at = location
        at.field = key
        throw OutpostError(.invalidData, "id '\(id)': \(key): \(error.message)", location: at)
      }
    }
    return values
  }

  /// An unknown field of `schema`, with a suggestion and the columns.
  public static func unknownField(_ name: String, _ schema: CollectionSchema) -> OutpostError {
    var message = "'\(schema.name)' has no field '\(name)'"
    if let guess = Suggestion.closest(to: name, among: schema.columns) {
      message += ". Did you mean '\(guess)'?"
    }
    return OutpostError(
      .invalidData, message, hint: "Columns: \(schema.columns.joined(separator: ", ")).",
      location: .init(collection: schema.name, field: name))
  }

  /// The fields a put of `cells` (field name → text, as in a CSV cell; empty means null)
  /// writes to `collection`/`id` (SPEC.md §3.1).
  ///
  /// The id's key fields are added; a key field cannot change; a branch's new office-owned
  /// record gets its office; the write must be one this replica may make; a new record needs
  /// every required field.
  public static func putFields(
    _ cells: [(field: String, text: String)], into schema: CollectionSchema, id: RecordID,
    of repository: RepositoryReader
  ) throws(OutpostError) -> [String: JSONValue] {
    var fields = try keyValues(schema, id)
    let keys = Set(schema.keyFields)
    for (name, text) in cells {
      guard let field = schema.field(name) else { throw unknownField(name, schema) }
      let value: JSONValue
      do { value = try field.parseCell(text) } catch {
        throw OutpostError(
          .invalidData, "\(name): \(error.message)",
          location: .init(collection: schema.name, record: id.rawValue, field: name))
      }
      if keys.contains(name) && fields[name] != value {
        throw OutpostError(
          .invalidData, "'\(name)' is part of the id of '\(id)' and cannot change",
          location: .init(collection: schema.name, record: id.rawValue, field: name))
      }
      fields[name] = value
    }
    let existing: RecordState?
    do { existing = try repository.state(schema.name, id) } catch { throw OutpostError(error) }
    let ownership = repository.ownership
    if let office = ownership.officeToFill(in: schema, given: fields, existing: existing) {
      fields[OwnershipPolicy.officeField] = office
    }
    // Only the request is judged here; the commit judges it again against the stored record,
    // after the required fields (a re-created record of another office is refused there).
    do { try ownership.check(.put(fields), in: schema, id: id) } catch {
      throw OutpostError(error)
    }
    if let missing = missingFields(schema, id, fields, existing: existing) {
      throw OutpostError(
        .invalidData, missing, location: .init(collection: schema.name, record: id.rawValue))
    }
    return fields
  }

  /// A record as a row object under its collection's columns, in column order: the id column
  /// (if any), then every field's provisional value (null when absent).
  public static func row(_ schema: CollectionSchema, _ id: RecordID, _ state: RecordState)
    -> JSONObject
  {
    var pairs: [(String, JSONValue)] = []
    if case .column(let column) = schema.idRule { pairs.append((column, .string(id.rawValue))) }
    for field in schema.fields {
      pairs.append((field.name, state.value(field.name) ?? .null))
    }
    return JSONObject(uncheckedPairs: pairs)
  }
}
