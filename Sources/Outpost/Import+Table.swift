import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostStore
import OutpostSync

/// Rows of a table (a CSV text or a workbook's sheet) under a header.
struct SourceTable {
  /// The header cells.
  var header: [String]
  /// The header's line (CSV) or row (workbook).
  var headerLine: Int
  /// The rows below the header: their line or row number and their cells as text.
  var rows: [(line: Int, cells: [String])]
  /// Whether the table is a workbook's sheet: cells are then named like `C7`, and rows shorter
  /// than the header are normal (a sheet stores no empty cell).
  var isWorkbook = false
  /// A workbook's error cells (`#DIV/0!`), by line and column: refused where a column is read.
  var errors: [Int: [Int: String]] = [:]
  /// A workbook's cells inside a merged range other than its first, by line and column, with
  /// the range: refused where a column is read (the value is the first cell's alone).
  var merged: [Int: [Int: String]] = [:]

  /// How a cell is named in messages: `column 3` or `cell C7`.
  func cellName(_ index: Int, line: Int) -> String {
    isWorkbook ? "cell \(Self.letters(index))\(line)" : "column \(index + 1)"
  }

  /// A column index as spreadsheet letters (0 → A, 26 → AA).
  static func letters(_ index: Int) -> String {
    var index = index + 1
    var text = ""
    while index > 0 {
      let digit = (index - 1) % 26
      text = String(Character(Unicode.Scalar(UInt8(65 + digit)))) + text
      index = (index - 1) / 26
    }
    return text
  }
}

/// What an import read: the rows set aside and the records made.
public struct ImportCounts: Sendable, Equatable {
  /// Data rows read below the header (stopped rows excluded).
  public var read = 0
  /// Rows skipped as blank (`skip_blank_rows`).
  public var blank = 0
  /// Rows skipped by `skip_rows`.
  public var skipped = 0
  /// Rows from the one matching `stop_at` to the end.
  public var stopped = 0
  /// Records the rows make (after `aggregate`).
  public var records = 0

  /// Counts with every number zero.
  public init() {}
}

/// How each source column is read.
private enum ColumnUse {
  /// Read into a field (or the id column).
  case field(FieldSpec?, name: String)
  /// Left out (`ignore`).
  case ignored
  /// An empty header: every cell below must be empty.
  case none
}

extension Importer {
  /// The records a table makes, under the profile when there is one (SPEC.md §3.6), else under
  /// the strict rules of §3.2 with headers naming fields.
  func readTable(
    _ table: SourceTable, _ problems: inout [OutpostError], _ counts: inout ImportCounts
  ) throws(OutpostError) -> [ImportRow] {
    let trim = profile?.trim ?? false
    var table = table
    if trim { table.header = table.header.map(ImportProfile.trimmed) }
    guard let uses = plan(table, &problems) else { return [] }
    func cellsOf(_ row: (line: Int, cells: [String])) -> [String] {
      trim ? row.cells.map(ImportProfile.trimmed) : row.cells
    }
    let columnIndex = Dictionary(
      table.header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    func matches(_ rules: [ImportProfile.RowRule], _ cells: [String]) -> Bool {
      rules.contains { rule in
        guard let index = columnIndex[rule.column] else { return false }
        return rule.matches(index < cells.count ? cells[index] : "")
      }
    }
    var rows: [ImportRow] = []
    for (position, row) in table.rows.enumerated()
    where problems.count < Self.maximumReportedProblems {
      let cells = cellsOf(row)
      if let profile, matches(profile.stopAt, cells) {
        counts.stopped = table.rows.count - position
        break
      }
      counts.read += 1
      if profile?.skipBlankRows == true && cells.allSatisfy(\.isEmpty) {
        counts.blank += 1
        continue
      }
      if let profile, matches(profile.skipRows, cells) {
        counts.skipped += 1
        continue
      }
      if let row = try readRow(row.line, cells, table, uses, &problems) { rows.append(row) }
    }
    if let sum = profile?.aggregateSum {
      rows = aggregate(rows, sum, &problems)
    }
    counts.records = rows.count
    return rows
  }

  /// How each header is read, or nil (with problems) when the header itself is refused.
  private func plan(_ table: SourceTable, _ problems: inout [OutpostError]) -> [ColumnUse]? {
    let header = table.header
    let line = table.headerLine
    guard let profile else {
      // A header names a column by its name or its Chinese or English label (§3.7).
      let names = header.map { schema.column(forHeader: $0) ?? $0 }
      for (message, field) in checkHeader(names) {
        problems.append(problem(line, message, field: field))
      }
      // Two headers naming one column (`date` and `日期`): neither may win silently.
      var first: [String: Int] = [:]
      for (index, name) in names.enumerated() {
        if let other = first[name] {
          problems.append(
            problem(
              line,
              "\(table.cellName(index, line: line)) '\(header[index])' and "
                + "\(table.cellName(other, line: line)) '\(header[other])' both name '\(name)'; "
                + "remove one of them", column: index + 1, field: name))
        } else {
          first[name] = index
        }
      }
      guard problems.isEmpty else { return nil }
      return names.map { .field(schema.field($0), name: $0) }
    }
    let mapped = Dictionary(
      profile.columns.map { ($0.header, $0.field) }, uniquingKeysWith: { first, _ in first })
    var uses: [ColumnUse] = []
    var seen: [String: Int] = [:]
    for (index, text) in header.enumerated() {
      let name = table.cellName(index, line: line)
      if let first = seen[text], !text.isEmpty, !profile.ignore.contains(text) {
        problems.append(
          problem(
            line,
            "\(name): the header '\(text)' appears twice (also \(table.cellName(first, line: line))); "
              + "the profile cannot tell which is meant", column: index + 1, rule: "columns"))
      }
      seen[text] = seen[text] ?? index
      if let field = mapped[text] {
        uses.append(.field(schema.field(field), name: field))
      } else if profile.ignore.contains(text) {
        uses.append(.ignored)
      } else if text.isEmpty {
        uses.append(.none)
      } else {
        let trimmed = ImportProfile.trimmed(text)
        let spaced =
          trimmed != text && (mapped[trimmed] != nil || profile.ignore.contains(trimmed))
          ? " (it has spaces around it: set \"trim\": true)" : ""
        problems.append(
          problem(
            line,
            "\(name): the header '\(text)' is neither mapped ('columns') nor ignored ('ignore') "
              + "by the profile; map it to a field or list it in 'ignore'\(spaced)",
            column: index + 1, rule: "columns"))
        uses.append(.ignored)
      }
    }
    let present = Set(header)
    let shown = header.filter { !$0.isEmpty }.map { "'\($0)'" }.joined(separator: ", ")
    for (text, _) in profile.columns where !present.contains(text) {
      problems.append(
        problem(
          line,
          "the profile maps the header '\(text)', which the file does not have (its headers: "
            + "\(shown))", rule: "columns.\(text)"))
    }
    for (index, text) in profile.ignore.enumerated() where !present.contains(text) {
      problems.append(
        problem(
          line,
          "the profile ignores the header '\(text)', which the file does not have (its headers: "
            + "\(shown)); remove it from 'ignore'", rule: "ignore[\(index)]"))
    }
    for rule in profile.skipRows + profile.stopAt where !present.contains(rule.column) {
      problems.append(
        problem(
          line, "the rule looks at the header '\(rule.column)', which the file does not have",
          rule: "\(rule.path).column"))
    }
    let given = Set(profile.columns.map(\.field) + profile.constants.map(\.field))
    for column in repository.ownership.requiredColumns(for: schema) where !given.contains(column) {
      problems.append(
        problem(
          line,
          "the profile gives no '\(column)' (needed to identify each record); map a column to "
            + "it or set it in 'constants'", field: column, rule: "columns"))
    }
    return problems.isEmpty ? uses : nil
  }

  /// One row's record, or nil with problems.
  private func readRow(
    _ line: Int, _ cells: [String], _ table: SourceTable, _ uses: [ColumnUse],
    _ problems: inout [OutpostError]
  ) throws(OutpostError) -> ImportRow? {
    var cells = cells
    if cells.count < uses.count {
      // Missing cells at the end of a row are empty (a sheet stores none; a CSV row may lack
      // the header's trailing commas).
      cells += Array(repeating: "", count: uses.count - cells.count)
    }
    if let extra = cells.indices.dropFirst(uses.count).first(where: { !cells[$0].isEmpty }) {
      problems.append(
        problem(
          line,
          "\(table.cellName(extra, line: line)) holds '\(cells[extra])', beyond the last "
            + "column of the header", column: extra + 1))
      return nil
    }
    if profile != nil && cells.allSatisfy(\.isEmpty) {
      problems.append(
        problem(
          line,
          "the row is blank (every cell is empty); remove it, or let the profile skip blank rows",
          rule: "skip_blank_rows"))
      return nil
    }
    var values: [String: JSONValue] = [:]
    var rowOK = true
    var sourceID: (text: String, column: Int, location: String)?
    for (index, use) in uses.enumerated() {
      let cell = cells[index]
      switch use {
      case .ignored: continue
      case .none:
        if !cell.isEmpty {
          problems.append(
            problem(
              line,
              "\(table.cellName(index, line: line)) holds '\(cell)' under an empty header; name "
                + "the column in the header (and map or ignore it)", column: index + 1))
          rowOK = false
        }
      case .field(let spec, let name):
        if let range = table.merged[line]?[index] {
          problems.append(
            problem(
              line,
              "\(table.cellName(index, line: line)) is inside the merged cells \(range), whose "
                + "value only its first cell holds; unmerge them in the workbook and fill each "
                + "cell, then import again", column: index + 1, field: name))
          rowOK = false
          continue
        }
        if let error = table.errors[line]?[index] {
          problems.append(
            problem(
              line,
              "\(table.cellName(index, line: line)) "
                + (error.isEmpty
                  ? "holds a formula saved without its result; open the workbook in Excel (or "
                    + "LibreOffice) so that it calculates, save it, and import it again"
                  : "holds the Excel error \(error) where '\(name)' needs a value; correct the "
                    + "formula in the workbook"),
              column: index + 1, field: name))
          rowOK = false
          continue
        }
        let location =
          profile == nil
          ? "column '\(name)'"
          : "\(table.cellName(index, line: line)) '\(table.header[index])' → \(name)"
        var text = cell
        if let profile, let spec {
          switch profile.rewrite(cell, spec) {
          case .success(let rewritten): text = rewritten
          case .failure(let failure):
            problems.append(
              problem(
                line, "\(location): \(failure.message)", column: index + 1, field: name,
                rule: failure.rule))
            rowOK = false
            continue
          }
        }
        if profile?.deriveIDs.contains(name) == true && !text.isEmpty {
          if name == idColumn { sourceID = (text, index, location) }
          text = RecordID.derived(fromSource: text).rawValue
        }
        guard let spec else {
          // The id column: checked when the record is made.
          values[name] = .string(text)
          continue
        }
        do throws(ModelError) { values[name] = try spec.parseCell(text) } catch {
          let rule = profile.map { $0.memberFor(spec, header: table.header[index]) }
          problems.append(
            problem(
              line, "\(location): \(error.message)", column: index + 1, field: name, rule: rule))
          rowOK = false
        }
      }
    }
    guard rowOK else { return nil }
    for (field, cell) in profile?.constants ?? [] {
      if let spec = schema.field(field), let value = try? spec.parseCell(cell) {
        values[field] = value
      } else {
        values[field] = .string(cell)
      }
    }
    if let sourceID { values[ImportProfile.sourceIDField] = .string(sourceID.text) }
    guard let row = try makeRow(values, line: line, &problems) else { return nil }
    if let sourceID, let stored = try storedSourceID(row.id), stored != sourceID.text {
      problems.append(
        problem(
          line,
          "\(sourceID.location): the source id '\(sourceID.text)' gives id '\(row.id)', whose "
            + "record holds the source id '\(stored)'; two source ids cannot share one record",
          column: sourceID.column + 1, field: idColumn, rule: "derive_ids"))
      return nil
    }
    return row
  }

  /// The `source_id` the stored record `id` holds, if any.
  private func storedSourceID(_ id: RecordID) throws(OutpostError) -> String? {
    let state: RecordState?
    do { state = try repository.state(schema.name, id) } catch { throw OutpostError(error) }
    guard let state, !state.isDeleted else { return nil }
    return state.values[ImportProfile.sourceIDField]?.stringValue
  }

  // MARK: Aggregation

  /// Rows that share an id made one record: the `sum` fields added, every other field equal
  /// (SPEC.md §3.6 `aggregate`).
  private func aggregate(
    _ rows: [ImportRow], _ sum: [String], _ problems: inout [OutpostError]
  ) -> [ImportRow] {
    var order: [RecordID] = []
    var groups: [RecordID: ImportRow] = [:]
    for row in rows where problems.count < Self.maximumReportedProblems {
      guard var total = groups[row.id] else {
        groups[row.id] = row
        order.append(row.id)
        continue
      }
      for field in Set(total.fields.keys).union(row.fields.keys).sorted() {
        let (a, b) = (total.fields[field] ?? .null, row.fields[field] ?? .null)
        if sum.contains(field) {
          switch Self.add(a, b) {
          case .success(let value):
            // The sum is a value of the field too: its digits and maximum hold.
            if let spec = schema.field(field) {
              do throws(ModelError) { _ = try spec.validateJSON(value) } catch {
                problems.append(
                  problem(
                    row.line,
                    "'\(field)': the sum with line \(total.line) is refused: \(error.message)",
                    field: field, rule: "aggregate.sum"))
              }
            }
            total.fields[field] = value
          case .failure(let message):
            problems.append(
              problem(
                row.line, "'\(field)': \(message.message) (with line \(total.line))", field: field,
                rule: "aggregate.sum"))
          }
        } else if a != b {
          problems.append(
            problem(
              row.line,
              "lines \(total.line) and \(row.line) give record '\(row.id)' but differ in "
                + "'\(field)' (\(Self.show(a)) and \(Self.show(b))), which is not added up; "
                + "add it to aggregate.sum, or map it to a key", field: field,
              rule: "aggregate"))
        }
      }
      groups[row.id] = total
    }
    return order.compactMap { groups[$0] }
  }

  private static func show(_ value: JSONValue) -> String {
    switch value {
    case .null: "empty"
    case .string(let text): "'\(text)'"
    default: "'" + JSONWriter.canonicalString(value) + "'"
    }
  }

  /// The exact sum of two canonical numbers (a JSON integer, or a decimal as a JSON string at
  /// its scale); both empty stays empty.
  static func add(_ a: JSONValue, _ b: JSONValue) -> Result<JSONValue, AddError> {
    switch (a, b) {
    case (.null, .null): return .success(.null)
    case (.null, _), (_, .null):
      return .failure(
        AddError("one row has a value and another none; a not-measured value cannot be added"))
    case (.number(let x), .number(let y)):
      guard let x = x.int64, let y = y.int64 else { return .failure(AddError("not whole numbers")) }
      let (total, overflow) = x.addingReportingOverflow(y)
      guard !overflow else { return .failure(AddError("the sum is too large")) }
      return .success(.number(JSONNumber(integer: total)))
    case (.string(let x), .string(let y)):
      guard let x = try? ExactDecimal(parsing: x), let y = try? ExactDecimal(parsing: y),
        let total = x.adding(y)
      else { return .failure(AddError("the sum is too large")) }
      let scale = max(Self.scale(of: a), Self.scale(of: b))
      return .success(.string(total.formatted(scale: scale)))
    default:
      return .failure(AddError("values of different kinds"))
    }
  }

  private static func scale(of value: JSONValue) -> Int {
    guard case .string(let text) = value, let point = text.firstIndex(of: ".") else { return 0 }
    return text.distance(from: point, to: text.endIndex) - 1
  }

  /// Why two values could not be added.
  struct AddError: Error {
    var message: String
    init(_ message: String) { self.message = message }
  }
}

extension RecordID {
  /// The stable id derived from a source system's id (SPEC.md §3.6 `derive_ids`).
  ///
  /// The text itself when it is a valid id; else its ASCII letters, digits, `_`, `-` and `.`
  /// with every other run replaced by `-` (leading `-`/`.` and trailing `-` removed, cut to 100
  /// bytes), then `_` and the first 12 hex digits of the text's SHA-256; `id_` and those digits
  /// when nothing is left.
  public static func derived(fromSource text: String) -> RecordID {
    if let id = try? RecordID(text) { return id }
    var slug: [UInt8] = []
    var inRun = false
    for byte in text.utf8 {
      if isSlugByte(byte) {
        slug.append(byte)
        inRun = false
      } else if !inRun {
        slug.append(UInt8(ascii: "-"))
        inRun = true
      }
    }
    while let first = slug.first, first == UInt8(ascii: "-") || first == UInt8(ascii: ".") {
      slug.removeFirst()
    }
    if slug.count > 100 { slug.removeLast(slug.count - 100) }
    while slug.last == UInt8(ascii: "-") { slug.removeLast() }
    let digest = String(SHA256.hash(Array(text.utf8)).description.prefix(12))
    let base = slug.isEmpty ? "id" : String(decoding: slug, as: UTF8.self)
    return RecordID(unchecked: base + "_" + digest)
  }

  private static func isSlugByte(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
      || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
      || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
      || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
  }
}
