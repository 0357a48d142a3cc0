import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

extension Commands {
  static func schema(_ repository: RepositoryReader, _ name: String) throws -> CollectionSchema {
    do { return try repository.schema(name) } catch {
      throw CLIError(.usage, error.message, hint: error.hint)
    }
  }

  static func recordID(_ text: String) throws -> RecordID {
    do { return try RecordID(text) } catch { throw CLIError(.dataError, error.message) }
  }

  /// The key fields a composite id stands for (`north.sem.2025-02-01`).
  static func keyValues(_ schema: CollectionSchema, _ id: RecordID) throws -> [String: JSONValue] {
    let keys = schema.keyFields
    guard !keys.isEmpty else { return [:] }
    let parts = id.rawValue.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == keys.count else {
      throw CLIError(
        .dataError,
        "id '\(id)' of '\(schema.name)' must be \(keys.joined(separator: ".")) (\(keys.count) parts joined by '.')"
      )
    }
    var values: [String: JSONValue] = [:]
    for (key, part) in zip(keys, parts) {
      do { values[key] = try schema.field(key)!.parseCell(part) } catch {
        throw CLIError(.dataError, "id '\(id)': \(key): \(error.message)")
      }
    }
    return values
  }

  /// The command's `--note`, checked as a resolution's note is (65); nil when absent or empty.
  static func noteOption(_ context: Context) throws -> String? {
    guard let note = context.invocation.value("note"), !note.isEmpty else { return nil }
    do { try RepositoryReader.checkNote(note) } catch {
      throw CLIError(.dataError, "--note: \(error.message)", hint: error.hint)
    }
    return note
  }

  static func putRecord(_ context: Context) throws {
    let note = try noteOption(context)
    let repository = try context.openWriter()
    let positionals = context.invocation.positionals
    let schema = try schema(repository, positionals[0])
    let id = try recordID(positionals[1])
    var fields = try keyValues(schema, id)
    let keys = Set(schema.keyFields)
    for assignment in positionals[2...] {
      guard let equals = assignment.firstIndex(of: "=") else {
        throw CLIError(.usage, "'\(assignment)' is not FIELD=VALUE")
      }
      let name = String(assignment[..<equals])
      let cell = String(assignment[assignment.index(after: equals)...])
      guard let field = schema.field(name) else {
        throw unknownField(name, schema)
      }
      let value: JSONValue
      do { value = try field.parseCell(cell) } catch {
        throw CLIError(.dataError, "\(name): \(error.message)")
      }
      if keys.contains(name) && fields[name] != value {
        throw CLIError(.dataError, "'\(name)' is part of the id of '\(id)' and cannot change")
      }
      fields[name] = value
    }
    if schema.ownership == .office && fields["office_id"] == nil,
      (try? repository.state(schema.name, id))?.map({ $0.isDeleted }) ?? true
    {
      fields["office_id"] = .string(repository.config.replica.rawValue)
    }
    do {
      try repository.checkOwnership(schema, .put(collection: schema.name, id: id, fields: fields))
    } catch { throw CLIError(error) }
    try checkRequired(schema, id, fields, repository)
    if schema.name == "targets" {
      let stored: [String: JSONValue]
      do { stored = try repository.state(schema.name, id)?.values ?? [:] } catch {
        throw CLIError(error)
      }
      if let problem = targetProblem(
        stored.merging(fields) { $1 }, try definitions(context, repository))
      {
        throw CLIError(.dataError, problem, hint: "Put a target the scorecard can divide by.")
      }
    }
    let summary: CommitSummary
    do {
      summary = try repository.commit(
        [.put(collection: schema.name, id: id, fields: fields)], command: commandLine(context),
        note: note)
    } catch { throw CLIError(error) }
    if summary.changed == 0 {
      context.console.out("\(schema.name) \(id): unchanged (the values were already stored)\n")
    } else {
      context.console.out(
        "\(schema.name) \(id): \(summary.created > 0 ? "created" : "updated") (transaction \(summary.transaction!))\n"
      )
    }
  }

  /// A new (or re-created) record needs every non-nullable field.
  static func checkRequired(
    _ schema: CollectionSchema, _ id: RecordID, _ fields: [String: JSONValue],
    _ repository: RepositoryReader
  ) throws {
    let existing: RecordState?
    do { existing = try repository.state(schema.name, id) } catch { throw CLIError(error) }
    if let missing = missingFields(schema, id, fields, existing: existing) {
      throw CLIError(.dataError, missing)
    }
  }

  /// What a write of `fields` lacks when it creates the record (or revives a deleted one).
  static func missingFields(
    _ schema: CollectionSchema, _ id: RecordID, _ fields: [String: JSONValue],
    existing: RecordState?
  ) -> String? {
    if let existing, !existing.isDeleted { return nil }
    let missing = schema.fields.filter { !$0.nullable && fields[$0.name] == nil }.map(\.name)
    guard !missing.isEmpty else { return nil }
    return "new record '\(id)' in '\(schema.name)' lacks required field(s): "
      + missing.joined(separator: ", ")
  }

  static func unknownField(_ name: String, _ schema: CollectionSchema) -> CLIError {
    var message = "'\(schema.name)' has no field '\(name)'"
    if let guess = suggestion(for: name, among: schema.columns) {
      message += ". Did you mean '\(guess)'?"
    }
    return CLIError(
      .dataError, message, hint: "Columns: \(schema.columns.joined(separator: ", ")).")
  }

  static func commandLine(_ context: Context) -> String {
    (["outpost", context.invocation.command.name] + context.invocation.positionals.prefix(2))
      .joined(separator: " ")
  }

  static func getRecord(_ context: Context) throws {
    let repository = try context.openReader()
    let schema = try schema(repository, context.invocation.positionals[0])
    let id = try recordID(context.invocation.positionals[1])
    let found: RecordState?
    do { found = try repository.state(schema.name, id) } catch { throw CLIError(error) }
    guard let state = found else {
      throw CLIError(.noInput, "no record '\(id)' in '\(schema.name)'")
    }
    if context.format() == "json" {
      printJSON(
        context, "outpost-record/1",
        [
          ("collection", .string(schema.name)), ("id", .string(id.rawValue)),
          ("deleted", .bool(state.isDeleted)), ("record", .object(row(schema, id, state))),
          (
            "conflicts",
            .array(
              state.conflictedFields.map { .string($0) }
                + (state.hasDeleteConflict ? [.string("(deleted)")] : []))
          ),
          ("state", state.json),
        ])
      return
    }
    var text = "\(schema.name) \(id)\(state.isDeleted ? " (deleted)" : "")\n"
    if state.hasDeleteConflict {
      text += "  ! deleted on one side and edited on another (conflict)\n"
    }
    let width = (schema.columns.map(\.count).max() ?? 0) + 2
    for field in schema.fields {
      guard let values = state.fields[field.name] else { continue }
      let shown = values.map { cell($0.value) }
      if Set(shown).count > 1 {
        text +=
          "  \(field.name.padding(width))! conflict: "
          + values.map { "\(cell($0.value)) (\($0.dot))" }.joined(separator: " | ") + "\n"
      } else {
        text += "  \(field.name.padding(width))\(shown[0])\n"
      }
    }
    context.console.out(text)
  }

  static func deleteRecord(_ context: Context) throws {
    let note = try noteOption(context)
    let repository = try context.openWriter()
    let schema = try schema(repository, context.invocation.positionals[0])
    let id = try recordID(context.invocation.positionals[1])
    let summary: CommitSummary
    do {
      summary = try repository.commit(
        [.delete(collection: schema.name, id: id)], command: commandLine(context), note: note)
    } catch { throw CLIError(error) }
    if summary.deleted == 0 {
      context.console.out("\(schema.name) \(id): already deleted\n")
    } else {
      context.console.out("\(schema.name) \(id): deleted (transaction \(summary.transaction!))\n")
    }
  }

  /// The text form of a canonical value, as in a CSV cell (null is empty).
  static func cell(_ value: JSONValue) -> String {
    switch value {
    case .null: ""
    case .bool(let flag): flag ? "1" : "0"
    case .number(let number): number.text
    case .string(let text): text
    default: JSONWriter.canonicalString(value)
    }
  }

  /// A record as a row object under its standard column names (provisional winners).
  static func row(_ schema: CollectionSchema, _ id: RecordID, _ state: RecordState) -> JSONObject {
    var pairs: [(String, JSONValue)] = []
    if case .column(let column) = schema.idRule { pairs.append((column, .string(id.rawValue))) }
    for field in schema.fields {
      pairs.append((field.name, state.value(field.name) ?? .null))
    }
    return JSONObject(uncheckedPairs: pairs)
  }

  static func exportRecords(_ context: Context) throws {
    let repository = try context.openReader()
    let schema = try schema(repository, context.invocation.positionals[0])
    let states: [(id: RecordID, state: RecordState)]
    do { states = try repository.states(schema.name).filter { !$0.state.isDeleted } } catch {
      throw CLIError(error)
    }
    let format = context.format("csv")
    switch format {
    case "csv", "text":
      var text = CSVWriter.line(schema.columns)
      for (id, state) in states {
        var fields: [String] = []
        if case .column = schema.idRule { fields.append(id.rawValue) }
        for field in schema.fields { fields.append(state.value(field.name).map(cell) ?? "") }
        text += CSVWriter.line(fields)
      }
      context.console.out(text)
    case "ndjson":
      var out: [UInt8] = []
      for (id, state) in states {
        JSONWriter.write(.object(row(schema, id, state)), into: &out)
        out.append(10)
      }
      context.console.out(String(decoding: out, as: UTF8.self))
    default:
      printJSON(
        context, "outpost-export/1",
        [
          ("collection", .string(schema.name)),
          ("records", .array(states.map { .object(row(schema, $0.id, $0.state)) })),
        ])
    }
  }
}
