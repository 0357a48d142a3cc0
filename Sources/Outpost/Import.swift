import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// Rows to import into a collection (SPEC.md §3.2).
public enum ImportSource: Sendable {
  /// An RFC 4180 CSV text with a header row of column names (UTF-8, or the profile's
  /// encoding, §3.4).
  case csv([UInt8])
  /// Newline-delimited JSON: one object per line, members named as the columns.
  case ndjson([UInt8])
  /// An Excel workbook (`.xlsx`, SPEC.md §3.5): the first sheet, or the profile's `sheet`.
  case workbook([UInt8])
  /// Rows already in memory, each a column → value object, checked as NDJSON lines are; a
  /// row's "line" is its 1-based position.
  case rows([[String: JSONValue]])
}

/// A validated input row: where it came from and the record it sets.
public struct ImportRow: Sendable, Equatable {
  /// The line (or position) of the row in its source.
  public var line: Int
  /// The record's id.
  public var id: RecordID
  /// The fields it sets, canonical.
  public var fields: [String: JSONValue]
}

/// What reading a source gave (``Importer/read(_:)``).
public struct ImportReading: Sendable {
  /// The records, valid when ``problems`` is empty (and then empty otherwise).
  public var rows: [ImportRow]
  /// What was read and set aside.
  public var counts: ImportCounts
  /// Every problem found, each with its location.
  public var problems: [OutpostError]
}

/// What an import did.
public struct ImportResult: Sendable, Equatable {
  /// The collection imported into.
  public var collection: String
  /// How many rows the source held.
  public var rows: Int
  /// Records created, updated and left unchanged, and the transaction.
  public var summary: CommitSummary
}

/// The import pipeline (SPEC.md §3.2): every row of a source checked against the collection's
/// schema, office ownership and the stored records before anything is written.
///
/// Problems are gathered, up to ``maximumReportedProblems``, each with its location; one
/// problem refuses the whole source. Rows whose values equal the stored ones change nothing.
public struct Importer {
  /// The most problems listed before the import gives up reading.
  public static let maximumReportedProblems = 20

  /// The repository the rows are checked against.
  public let repository: RepositoryReader
  /// The collection's schema.
  public let schema: CollectionSchema
  /// The source's name for messages (a file name, `<stdin>`).
  public let name: String
  /// An extra check of each row's resulting values (stored values with the row's over them),
  /// returning a problem; the targets check of SPEC.md §9.5 is one.
  let check: (@Sendable ([String: JSONValue]) -> String?)?
  /// The rules every row meets whatever the caller checks (``RecordRules``).
  let rules: RecordRules
  /// How the source is read (SPEC.md §3.6), or nil for the strict reading of §3.2.
  public let profile: ImportProfile?

  /// Prepares an import into `collection`, or throws ``OutpostError/Code/invalidRequest`` for
  /// an unknown collection, and ``OutpostError/Code/invalidData`` for a profile that does not
  /// fit the collection (``ImportProfile/check(against:)``).
  public init(
    into collection: String, of repository: RepositoryReader, name: String,
    profile: ImportProfile? = nil, check: (@Sendable ([String: JSONValue]) -> String?)? = nil
  ) throws(OutpostError) {
    do { schema = try repository.schema(collection) } catch {
      throw OutpostError(
        .invalidRequest, error.message, hint: error.hint, remedy: error.remedy,
        location: .init(collection: collection))
    }
    self.repository = repository
    self.name = name
    self.check = check
    self.profile = profile
    try profile?.check(against: schema)
    rules = try RecordRules(repository, for: schema.name)
  }

  /// The rows of `source`, all valid; or, if any is not, an ``OutpostError/Code/invalidData``
  /// error whose ``OutpostError/problems`` list each problem with its location.
  public func rows(_ source: ImportSource) throws(OutpostError) -> [ImportRow] {
    let reading = try read(source)
    let problems = reading.problems
    guard problems.isEmpty else {
      let more =
        problems.count >= Self.maximumReportedProblems
        ? " (stopped after \(Self.maximumReportedProblems))" : ""
      var error = OutpostError(
        .invalidData, "\(problems.count) problem(s) in \(name)\(more); nothing was imported",
        hint: "Fix the rows listed and import them again.", location: .init(file: name))
      error.problems = problems
      throw error
    }
    return reading.rows
  }

  /// What reading `source` gives, writing nothing.
  ///
  /// That is its valid rows, what was set aside, and every problem (at most
  /// ``maximumReportedProblems``). The records are given only when there is no problem.
  public func read(_ source: ImportSource) throws(OutpostError) -> ImportReading {
    var problems: [OutpostError] = []
    var counts = ImportCounts()
    var rows: [ImportRow]
    if profile != nil, case .ndjson = source {
      throw OutpostError(
        .invalidRequest, "an import profile reads CSV files and workbooks, not NDJSON",
        hint: "Import NDJSON without --profile: its members are field names.")
    }
    switch source {
    case .csv(let bytes): rows = try readCSV(bytes, &problems, &counts)
    case .workbook(let bytes): rows = try readWorkbook(bytes, &problems, &counts)
    case .ndjson(let bytes): rows = try readNDJSON(bytes, &problems)
    case .rows(let objects): rows = try readObjects(objects, &problems)
    }
    switch source {
    case .csv, .workbook: break
    case .ndjson, .rows:
      counts.read = rows.count
      counts.records = rows.count
    }
    try checkRows(rows, &problems)
    if !problems.isEmpty {
      rows = []
      counts.records = 0
    }
    return ImportReading(rows: rows, counts: counts, problems: problems)
  }

  /// A problem at a line of the source.
  func problem(
    _ line: Int, _ message: String, column: Int? = nil, field: String? = nil,
    rule: String? = nil
  ) -> OutpostError {
    let member = rule.map { " (profile: \($0))" } ?? ""
    return OutpostError(
      .invalidData, message + member,
      location: .init(
        file: name, line: line, column: column, collection: schema.name, field: field, rule: rule))
  }

  // MARK: Checks across rows and against the stored records

  /// Checks the rows together and against the stored records.
  ///
  /// Duplicate ids within the source; ids colliding with stored records; new records lacking
  /// required fields; the ``RecordRules``; the extra check. A damaged record file stops the import as a whole.
  func checkRows(_ rows: [ImportRow], _ problems: inout [OutpostError]) throws(OutpostError) {
    var firstLine: [String: (Int, RecordID)] = [:]
    // Staff assignments and ad accounts are judged against each other as they would be
    // stored, whatever their order in the file, so they are judged once all are known; other
    // rows one by one.
    let related = [StandardCollections.staff.name, StandardCollections.adAccounts.name].contains(
      schema.name)
    var stored: [(line: Int, values: [String: JSONValue])] = []
    for row in rows where problems.count < Self.maximumReportedProblems {
      if let (line, other) = firstLine[row.id.collisionKey] {
        var how =
          other == row.id
          ? "both give id '\(row.id)'"
          : "give ids '\(other)' and '\(row.id)', which differ only by case"
        if case .string(let source)? = row.fields[ImportProfile.sourceIDField] {
          how += " (line \(row.line)'s derived from the source id '\(source)')"
        }
        problems.append(problem(row.line, "lines \(line) and \(row.line) \(how)"))
      } else {
        firstLine[row.id.collisionKey] = (row.line, row.id)
      }
      let lookup: (RecordState?, RecordID?)
      do { lookup = try repository.lookup(schema.name, row.id) } catch {
        throw OutpostError(error)
      }
      if let other = lookup.1 {
        problems.append(
          problem(
            row.line,
            "id '\(row.id)' collides with existing record '\(other)' (ids that differ only by "
              + "letter case are the same on case-insensitive file systems)"))
      } else if let missing = Records.missingFields(
        schema, row.id, row.fields, existing: lookup.0)
      {
        problems.append(problem(row.line, missing))

      } else {
        let values = (lookup.0?.values ?? [:]).merging(row.fields) { $1 }
        if related {
          stored.append((row.line, values))
        } else if let failure = rules.problem(values, in: schema) ?? check?(values) {
          problems.append(problem(row.line, failure))
        }
      }
    }
    guard related else { return }
    let batch = stored.map(\.values)
    for (index, (line, values)) in stored.enumerated()
    where problems.count < Self.maximumReportedProblems {
      if let failure = rules.problem(values, in: schema, alongside: (batch, index))
        ?? check?(values)
      {
        problems.append(problem(line, failure))
      }
    }
    // In line order, as the other collections' problems are.
    problems = problems.enumerated().sorted {
      ($0.element.location.line ?? 0, $0.offset) < ($1.element.location.line ?? 0, $1.offset)
    }.map(\.element)
  }

  // MARK: Rows

  /// The id column, when the collection has one (its id is not composed of key fields).
  var idColumn: String? {
    if case .column(let column) = schema.idRule { return column }
    return nil
  }

  /// Problems with a set of column names: unknown ones, and those needed to identify records.
  func checkHeader(_ columns: [String]) -> [(message: String, field: String)] {
    var problems: [(String, String)] = []
    for column in columns where !schema.columns.contains(column) {
      var message = "unknown column '\(column)' for '\(schema.name)'"
      if let guess = Suggestion.closest(to: column, among: schema.columns) {
        message += "; did you mean '\(guess)'?"
      }
      problems.append((message, column))
    }
    for column in repository.ownership.requiredColumns(for: schema)
    where !columns.contains(column) {
      problems.append(("missing column '\(column)' (needed to identify each record)", column))
    }
    return problems
  }

  /// Turns named cells into a record id and fields: a branch's own office fills `office_id`;
  /// the row must be one this replica may write.
  func makeRow(_ values: [String: JSONValue], line: Int, _ problems: inout [OutpostError])
    throws(OutpostError) -> ImportRow?
  {
    var fields = values
    if let office = repository.ownership.officeToFill(in: schema, given: fields, existing: nil) {
      fields[OwnershipPolicy.officeField] = office
    }
    let id: RecordID
    do throws(ModelError) {
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
    } catch {
      problems.append(problem(line, error.message))
      return nil
    }
    do { try repository.ownership.check(.put(fields), in: schema, id: id) } catch {
      // Writing another office's records is refused as a whole, not as a row problem.
      var refusal = OutpostError(error)
      refusal.location = .init(file: name, line: line, collection: schema.name, record: id.rawValue)
      throw refusal
    }
    return ImportRow(line: line, id: id, fields: fields)
  }
}
