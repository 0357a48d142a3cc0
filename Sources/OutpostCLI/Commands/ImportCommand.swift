import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

extension Commands {
  /// A validated input row: where it came from and the record it sets.
  struct ImportRow {
    var line: Int
    var id: RecordID
    var fields: [String: JSONValue]
  }

  /// The most problems listed before the import gives up reading.
  static let maximumReportedProblems = 20

  static func importRecords(_ context: Context) throws {
    let positionals = context.invocation.positionals
    let note = try noteOption(context)
    let fileArgument = positionals[1]
    let displayName = fileArgument == "-" ? "<stdin>" : fileArgument
    // Read the input before taking the lock, so a slow pipe does not block other writers.
    let bytes =
      fileArgument == "-"
      ? try context.readStandardInput(.importData)
      : try context.readInputFile(fileArgument, .importData).bytes
    let format: String
    if let explicit = context.invocation.value("input") {
      format = explicit
    } else if fileArgument.hasSuffix(".csv") {
      format = "csv"
    } else if fileArgument.hasSuffix(".ndjson") || fileArgument.hasSuffix(".jsonl") {
      format = "ndjson"
    } else {
      throw CLIError(
        .usage, "cannot tell the format of '\(displayName)'",
        hint: "Name the file .csv or .ndjson, or pass --input csv|ndjson.")
    }
    let repository = try context.openWriter()
    let schema = try schema(repository, positionals[0])
    var problems: [String] = []
    var notPermitted: StoreError?
    let rows =
      format == "csv"
      ? readCSV(bytes, schema, repository, displayName, &problems, &notPermitted)
      : readNDJSON(bytes, schema, repository, displayName, &problems, &notPermitted)
    if let notPermitted { throw CLIError(notPermitted) }
    // Duplicate ids within the file; ids colliding with stored records; new records lacking
    // required fields. A damaged record file stops the import as a whole.
    var firstLine: [String: (Int, RecordID)] = [:]
    // Targets the definitions in force could not score are refused here, not at scoring time.
    let definitions = schema.name == "targets" ? try definitions(context, repository) : nil
    for row in rows where problems.count < maximumReportedProblems {
      if let (line, other) = firstLine[row.id.collisionKey] {
        let how =
          other == row.id
          ? "both give id '\(row.id)'"
          : "give ids '\(other)' and '\(row.id)', which differ only by case"
        problems.append("\(displayName):\(row.line): lines \(line) and \(row.line) \(how)")
      } else {
        firstLine[row.id.collisionKey] = (row.line, row.id)
      }
      let lookup: (RecordState?, RecordID?)
      do throws(StoreError) {
        lookup = try repository.lookup(schema.name, row.id)
      } catch { throw CLIError(error) }
      if let other = lookup.1 {
        problems.append(
          "\(displayName):\(row.line): id '\(row.id)' collides with existing record '\(other)' "
            + "(ids that differ only by letter case are the same on case-insensitive file systems)")
      } else if let missing = missingFields(schema, row.id, row.fields, existing: lookup.0) {
        problems.append("\(displayName):\(row.line): \(missing)")
      } else if let definitions,
        let problem = targetProblem(
          (lookup.0?.values ?? [:]).merging(row.fields) { $1 }, definitions)
      {
        problems.append("\(displayName):\(row.line): \(problem)")
      }
    }
    guard problems.isEmpty else {
      for problem in problems { context.console.err("\(problem)\n") }
      let more =
        problems.count >= maximumReportedProblems
        ? " (stopped after \(maximumReportedProblems))" : ""
      throw CLIError(
        .dataError,
        "\(problems.count) problem(s) in \(displayName)\(more); nothing was imported",
        hint: "Fix the rows listed above and import the file again.")
    }
    context.console.progress("importing \(rows.count) row(s) into \(schema.name): writing…")
    let summary: CommitSummary
    do {
      summary = try repository.commit(
        rows.map { .put(collection: schema.name, id: $0.id, fields: $0.fields) },
        command: "outpost import \(schema.name) \(displayName)", note: note)
    } catch { throw CLIError(error) }
    let transaction = summary.transaction.map { " (transaction \($0))" } ?? " (nothing to write)"
    if context.format() == "json" {
      printJSON(
        context, "outpost-import/1",
        [
          ("collection", .string(schema.name)), ("rows", number(rows.count)),
          ("created", number(summary.created)), ("updated", number(summary.updated)),
          ("unchanged", number(summary.unchanged)),
          (
            "transaction",
            summary.transaction.map { .number(JSONNumber(integer: Int64($0))) } ?? .null
          ),
        ])
    } else {
      context.console.out(
        "imported \(rows.count) row(s) from \(displayName) into \(schema.name): "
          + "\(summary.created) created, \(summary.updated) updated, \(summary.unchanged) unchanged\(transaction)\n"
      )
    }
  }

  /// Turns named cells into a record id and fields, checking office ownership.
  static func makeRow(
    _ values: [String: JSONValue], line: Int, _ schema: CollectionSchema,
    _ repository: RepositoryReader
  ) throws(ModelError) -> ImportRow {
    var fields = values
    if schema.ownership == .office && fields["office_id"] == nil
      && repository.config.role == .branch
    {
      fields["office_id"] = .string(repository.config.replica.rawValue)
    }
    let id: RecordID
    switch schema.idRule {
    case .column(let column):
      guard case .string(let text)? = values[column], !text.isEmpty else {
        throw ModelError("'\(column)' is empty; every row needs an id")
      }
      id = try RecordID(text)
      fields[column] = nil
    case .composite:
      id = try schema.compositeID(fields)
    }
    return ImportRow(line: line, id: id, fields: fields)
  }

  /// The outcome of turning one input line into a row.
  enum RowOutcome {
    case row(ImportRow)
    case problem(String)
    case notPermitted(StoreError)
  }

  /// Validates a row's id and ownership; a problem names the file and line.
  static func makeRow(
    _ values: [String: JSONValue], line: Int, _ schema: CollectionSchema,
    _ repository: RepositoryReader, _ name: String
  ) -> RowOutcome {
    do {
      let row = try makeRow(values, line: line, schema, repository)
      try repository.checkOwnership(
        schema, .put(collection: schema.name, id: row.id, fields: row.fields))
      return .row(row)
    } catch let error as ModelError {
      return .problem("\(name):\(line): \(error.message)")
    } catch {
      return .notPermitted(error as? StoreError ?? StoreError(.notPermitted, "\(error)"))
    }
  }

  static func collect(
    _ outcome: RowOutcome, into rows: inout [ImportRow], _ problems: inout [String],
    _ notPermitted: inout StoreError?
  ) {
    switch outcome {
    case .row(let row): rows.append(row)
    case .problem(let problem): problems.append(problem)
    case .notPermitted(let error): notPermitted = notPermitted ?? error
    }
  }

  static func checkHeader(
    _ columns: [String], _ schema: CollectionSchema, _ repository: RepositoryReader
  ) -> [String] {
    var problems: [String] = []
    for column in columns where !schema.columns.contains(column) {
      var message = "unknown column '\(column)' for '\(schema.name)'"
      if let guess = suggestion(for: column, among: schema.columns) {
        message += "; did you mean '\(guess)'?"
      }
      problems.append(message)
    }
    var required: [String] = []
    if case .column(let column) = schema.idRule { required.append(column) }
    required += schema.keyFields.filter { $0 != "office_id" }
    if schema.ownership == .office && repository.config.role == .head {
      required.append("office_id")
    }
    for column in required where !columns.contains(column) {
      problems.append("missing column '\(column)' (needed to identify each record)")
    }
    return problems
  }

  static func readCSV(
    _ bytes: [UInt8], _ schema: CollectionSchema, _ repository: RepositoryReader, _ name: String,
    _ problems: inout [String], _ notPermitted: inout StoreError?
  ) -> [ImportRow] {
    var reader: CSVReader
    do { reader = try CSVReader(bytes: bytes) } catch {
      problems.append("\(name):\(error.line): \(error.message)")
      return []
    }
    let header = reader.header
    problems += checkHeader(header, schema, repository).map { "\(name):1: \($0)" }
    guard problems.isEmpty else { return [] }
    let idColumn: String? = {
      if case .column(let c) = schema.idRule { return c } else { return nil }
    }()
    var rows: [ImportRow] = []
    while problems.count < maximumReportedProblems {
      let record: CSVRecord
      do {
        guard let next = try reader.next() else { break }
        record = next
      } catch {
        problems.append(
          "\(name):\(error.line): " + (error.column.map { "column \($0): " } ?? "") + error.message)
        break
      }
      var values: [String: JSONValue] = [:]
      var rowOK = true
      for (index, column) in header.enumerated() {
        let cell = record.fields[index]
        if column == idColumn {
          values[column] = .string(cell)
          continue
        }
        do { values[column] = try schema.field(column)!.parseCell(cell) } catch {
          problems.append("\(name):\(record.line): column '\(column)': \(error.message)")
          rowOK = false
        }
      }
      guard rowOK else { continue }
      let outcome = makeRow(values, line: record.line, schema, repository, name)
      collect(outcome, into: &rows, &problems, &notPermitted)
    }
    return rows
  }

  static func readNDJSON(
    _ bytes: [UInt8], _ schema: CollectionSchema, _ repository: RepositoryReader, _ name: String,
    _ problems: inout [String], _ notPermitted: inout StoreError?
  ) -> [ImportRow] {
    var rows: [ImportRow] = []
    var lineNumber = 0
    var start = 0
    let idColumn: String? = {
      if case .column(let c) = schema.idRule { return c } else { return nil }
    }()
    while start < bytes.count && problems.count < maximumReportedProblems {
      lineNumber += 1
      let end = bytes[start...].firstIndex(of: 10) ?? bytes.count
      let line = Array(bytes[start..<end])
      start = end + 1
      if line.isEmpty || line == [13] {
        if start >= bytes.count { break }
        problems.append("\(name):\(lineNumber): blank line; remove it")
        continue
      }
      let object: JSONObject
      do {
        guard case .object(let parsed) = try JSONParser.parse(line) else {
          problems.append("\(name):\(lineNumber): each line must be a JSON object")
          continue
        }
        object = parsed
      } catch {
        problems.append("\(name):\(lineNumber): column \(error.column): \(error.message)")
        continue
      }
      let unknown = checkHeader(object.keys, schema, repository)
      if !unknown.isEmpty {
        problems += unknown.map { "\(name):\(lineNumber): \($0)" }
        continue
      }
      var values: [String: JSONValue] = [:]
      var rowOK = true
      for (key, value) in object {
        if key == idColumn {
          values[key] = value
          continue
        }
        do { values[key] = try schema.field(key)!.validateJSON(value) } catch {
          problems.append("\(name):\(lineNumber): '\(key)': \(error.message)")
          rowOK = false
        }
      }
      guard rowOK else { continue }
      let outcome = makeRow(values, line: lineNumber, schema, repository, name)
      collect(outcome, into: &rows, &problems, &notPermitted)
    }
    return rows
  }
}
