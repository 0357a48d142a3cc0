import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// Deciding conflicts at head office (SPEC.md §8.7): choices checked against the schema,
/// resolutions, and the rules remembered for later merges.
public enum Conflicts {
  /// The value a person typed for a conflicted field, as in a CSV cell; a required field
  /// cannot be set to empty.
  public static func value(_ text: String, for field: FieldSpec) throws(OutpostError) -> JSONValue {
    let value: JSONValue
    do { value = try field.parseCell(text) } catch {
      throw OutpostError(
        .invalidData, "\(field.name): \(error.message)", location: .init(field: field.name))
    }
    if value == .null && !field.nullable {
      throw OutpostError(
        .invalidData, "\(field.name) is required; it cannot be set to empty",
        location: .init(field: field.name))
    }
    return value
  }

  /// A choice that sets fields to values typed as in CSV cells (`resolve --set`).
  public static func setChoice(
    _ cells: [(field: String, text: String)], in schema: CollectionSchema
  ) throws(OutpostError) -> ResolutionChoice {
    var values: [String: JSONValue] = [:]
    for (name, text) in cells {
      guard let field = schema.field(name) else { throw Records.unknownField(name, schema) }
      values[name] = try value(text, for: field)
    }
    return .set(values)
  }
}

extension RepositoryReader {
  /// The open conflicts with how much each moves the KPIs, largest impact first, then by
  /// collection and id (SPEC.md §9.8): the order in which a person should decide them.
  public func rankedConflicts(today: CivilDate?) throws(OutpostError) -> [(
    conflict: (collection: String, id: RecordID, state: RecordState), impact: ConflictKPIImpact
  )] {
    let found: [(collection: String, id: RecordID, state: RecordState)]
    do { found = try conflicts() } catch { throw OutpostError(error) }
    let impacts = try ConflictKPIImpact.compute(found, in: self, today: today)
    return zip(found, impacts).map { (conflict: $0, impact: $1) }.sorted { a, b in
      a.impact.largestRelativeChange != b.impact.largestRelativeChange
        ? a.impact.largestRelativeChange > b.impact.largestRelativeChange
        : (a.conflict.collection, a.conflict.id) < (b.conflict.collection, b.conflict.id)
    }
  }

  /// Refuses what only head office does (`what`: "rules are kept", "conflicts are reviewed").
  public func checkHeadOffice(_ what: String) throws(OutpostError) {
    guard config.role == .head else {
      throw OutpostError(
        .notPermitted, "\(what) at head office; this repository is office '\(config.replica)'",
        hint: "Head office's decisions reach this office in its next reply.")
    }
  }
}

extension RepositoryWriter {
  /// Remembers a rule that settles later conflicts of `field` in `collection` (head office);
  /// re-adding it replaces its preference.
  ///
  /// - Returns: the rule.
  public func addRule(
    collection: String, field: String, prefer: ResolutionRule.Preference, note: String?
  ) throws(OutpostError) -> ResolutionRule {
    try checkHeadOffice("rules are kept")
    let schema: CollectionSchema
    do { schema = try self.schema(collection) } catch {
      throw OutpostError(.invalidRequest, error.message, hint: error.hint, remedy: error.remedy)
    }
    let rule: ResolutionRule
    do { rule = try ResolutionRule(schema: schema, field: field, prefer: prefer) } catch {
      throw OutpostError(
        .invalidData, error.message, location: .init(collection: collection, field: field))
    }
    var fields = rule.values
    if let note {
      do { fields["note"] = try FieldType.text.parseCell(note) } catch {
        throw OutpostError(.invalidData, "--note: \(error.message)")
      }
    }
    do {
      _ = try commit(
        [
          .put(
            collection: StandardCollections.resolutionRules.name,
            id: RecordID(unchecked: rule.id), fields: fields)
        ], command: "rules add \(rule.id) --prefer \(prefer.rawValue)")
    } catch { throw OutpostError(error) }
    return rule
  }

  /// Forgets the rule of `field` in `collection` (head office).
  public func removeRule(collection: String, field: String) throws(OutpostError) {
    try checkHeadOffice("rules are kept")
    let id = "\(collection).\(field)"
    let name = StandardCollections.resolutionRules.name
    guard let recordID = try? RecordID(id),
      let state = try? self.state(name, recordID), !state.isDeleted
    else {
      throw OutpostError(
        .notFound, "no rule '\(id)'", location: .init(collection: name, record: id))
    }
    do {
      _ = try commit([.delete(collection: name, id: recordID)], command: "rules remove \(id)")
    } catch { throw OutpostError(error) }
  }

  /// Settles every open conflict the remembered rules decide (head office), in one
  /// transaction.
  ///
  /// - Returns: the records resolved, with the rules used.
  public func applyRules() throws(OutpostError) -> [(
    collection: String, id: RecordID, rules: [String]
  )] {
    try checkHeadOffice("rules are applied")
    do { return try settleByRules() } catch { throw OutpostError(error) }
  }
}
