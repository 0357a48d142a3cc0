import OutpostCodec
import OutpostModel
import OutpostSpreadsheet
import OutpostStore

/// Reading each kind of ``ImportSource`` into rows.
extension Importer {
  /// The rows of a CSV text; problems with cells are gathered, a malformed text stops reading.
  func readCSV(
    _ bytes: [UInt8], _ problems: inout [OutpostError], _ counts: inout ImportCounts
  ) throws(OutpostError) -> [ImportRow] {
    if let profile, profile.sheet != nil {
      throw ImportProfile.failure(
        profile.source, "sheet", "names a workbook sheet, but \(name) is a CSV file")
    }
    let text: [UInt8]
    do throws(OutpostError) {
      text = try decodeText(bytes)
    } catch {
      problems.append(error)
      return []
    }
    let options = CSVOptions(
      delimiter: profile?.delimiter ?? UInt8(ascii: ","), headerLine: profile?.headerRow ?? 1,
      lenient: profile != nil)
    var reader: CSVReader
    do { reader = try CSVReader(bytes: text, options: options) } catch {
      let aboutHeader = profile != nil && error.message.contains("header")
      problems.append(
        problem(
          error.line, error.message, column: error.column,
          rule: aboutHeader ? "header_row" : nil))
      return []
    }
    var table = SourceTable(header: reader.header, headerLine: reader.headerLine, rows: [])
    while true {
      do {
        guard let next = try reader.next() else { break }
        table.rows.append((next.line, next.fields))
      } catch {
        problems.append(
          problem(
            error.line, (error.column.map { "column \($0): " } ?? "") + error.message,
            column: error.column))
        break
      }
    }
    return try readTable(table, &problems, &counts)
  }

  /// The rows of an Excel workbook's sheet (SPEC.md §3.5): the profile's `sheet` or the first.
  func readWorkbook(
    _ bytes: [UInt8], _ problems: inout [OutpostError], _ counts: inout ImportCounts
  ) throws(OutpostError) -> [ImportRow] {
    if let profile {
      for (member, given) in [
        ("encoding", profile.encoding != nil), ("delimiter", profile.delimiter != nil),
      ] where given {
        throw ImportProfile.failure(
          profile.source, member, "is for CSV files, but \(name) is a workbook (.xlsx)")
      }
    }
    let sheet: Sheet
    do throws(SpreadsheetError) {
      sheet = try Workbook(bytes: bytes).sheet(named: profile?.sheet)
    } catch {
      let rule = error.message.contains("no sheet") && profile?.sheet != nil ? "sheet" : nil
      problems.append(
        OutpostError(
          .invalidData, "\(error.description)" + (rule.map { " (profile: \($0))" } ?? ""),
          location: .init(file: name, collection: schema.name, rule: rule)))
      return []
    }
    let headerRow = profile?.headerRow ?? 1
    guard let header = sheet.rows.first(where: { $0.number == headerRow }),
      header.number == headerRow
    else {
      problems.append(
        problem(
          headerRow,
          "row \(headerRow) of sheet '\(sheet.name)' is empty; the header row is required there",
          rule: profile == nil ? nil : "header_row"))
      return []
    }
    var table = SourceTable(header: [], headerLine: headerRow, rows: [], isWorkbook: true)
    func text(_ cell: SheetCell, line: Int, column: Int) -> String {
      switch cell {
      case .empty: return ""
      case .text(let text), .number(let text), .date(let text): return text
      case .boolean(let flag): return flag ? "true" : "false"
      case .error(let error):
        table.errors[line, default: [:]][column] = error
        return ""
      }
    }
    table.header = header.cells.enumerated().map {
      text($1, line: headerRow, column: $0)
    }
    for row in sheet.rows where row.number > headerRow {
      let cells = row.cells.enumerated().map { text($1, line: row.number, column: $0) }
      table.rows.append((row.number, cells))
    }
    // The cells a merged range covers beyond its first hold no value of their own. Only the
    // rows and columns that are read are marked, however large a range claims to be.
    let lastColumn = table.header.count - 1
    let lines = table.rows.map(\.line)
    let present = Set(lines)
    for range in sheet.merges
    where range.last.row > headerRow && range.first.column <= lastColumn {
      let span = max(range.first.row, headerRow + 1)...range.last.row
      let covered =
        span.count < lines.count ? span.filter(present.contains) : lines.filter(span.contains)
      for line in covered {
        for column in range.first.column...min(range.last.column, lastColumn)
        where (line, column) != (range.first.row, range.first.column) {
          table.merged[line, default: [:]][column] = range.name
        }
      }
    }
    return try readTable(table, &problems, &counts)
  }

  /// The source's bytes as UTF-8, decoded from the profile's encoding (SPEC.md §3.4).
  func decodeText(_ bytes: [UInt8]) throws(OutpostError) -> [UInt8] {
    guard let encoding = profile?.encoding, encoding != .utf8 else { return bytes }
    if bytes.starts(with: TextCodec.utf8BOM) {
      throw problem(
        1,
        "the file starts with a UTF-8 byte order mark, so it is UTF-8 text, not "
          + "\(encoding.rawValue): set the profile's encoding to utf-8 (or leave it out)",
        rule: "encoding")
    }
    do throws(TextCodecError) {
      return try TextCodec.decode(bytes, from: encoding)
    } catch {
      throw problem(error.line, error.message, rule: "encoding")
    }
  }

  /// The rows of an NDJSON text: each line one JSON object; blank lines only at the end.
  func readNDJSON(_ bytes: [UInt8], _ problems: inout [OutpostError]) throws(OutpostError)
    -> [ImportRow]
  {
    var rows: [ImportRow] = []
    var lineNumber = 0
    var start = 0
    while start < bytes.count && problems.count < Self.maximumReportedProblems {
      lineNumber += 1
      let end = bytes[start...].firstIndex(of: 10) ?? bytes.count
      let line = Array(bytes[start..<end])
      start = end + 1
      if line.isEmpty || line == [13] {
        if start >= bytes.count { break }
        problems.append(problem(lineNumber, "blank line; remove it"))
        continue
      }
      let object: JSONObject
      do {
        guard case .object(let parsed) = try JSONParser.parse(line) else {
          problems.append(problem(lineNumber, "each line must be a JSON object"))
          continue
        }
        object = parsed
      } catch {
        problems.append(
          problem(lineNumber, "column \(error.column): \(error.message)", column: error.column))
        continue
      }
      if let row = try readObject(object.map { ($0.key, $0.value) }, line: lineNumber, &problems) {
        rows.append(row)
      }
    }
    return rows
  }

  /// Rows already in memory, checked as NDJSON lines are (members in name order).
  func readObjects(_ objects: [[String: JSONValue]], _ problems: inout [OutpostError])
    throws(OutpostError) -> [ImportRow]
  {
    var rows: [ImportRow] = []
    for (index, object) in objects.enumerated()
    where problems.count < Self.maximumReportedProblems {
      let members = object.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
      if let row = try readObject(members, line: index + 1, &problems) { rows.append(row) }
    }
    return rows
  }

  /// One object's members as a row: known columns, values that fit their fields.
  func readObject(
    _ members: [(key: String, value: JSONValue)], line: Int, _ problems: inout [OutpostError]
  ) throws(OutpostError) -> ImportRow? {
    let unknown = checkHeader(members.map(\.key))
    if !unknown.isEmpty {
      problems += unknown.map { problem(line, $0.message, field: $0.field) }
      return nil
    }
    var values: [String: JSONValue] = [:]
    var rowOK = true
    for (key, value) in members {
      if key == idColumn {
        values[key] = value
        continue
      }
      do { values[key] = try schema.field(key)?.validateJSON(value) } catch {
        problems.append(problem(line, "'\(key)': \(error.message)", field: key))
        rowOK = false
      }
    }
    guard rowOK else { return nil }
    return try makeRow(values, line: line, &problems)
  }
}
