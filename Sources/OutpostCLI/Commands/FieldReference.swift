import Outpost
import OutpostCodec
import OutpostModel
import OutpostSync

/// What `outpost collections` shows of each column (SPEC.md §3.7): its labels, type, whether it
/// may be empty, allowed values and maximum, and whether it identifies the record.
enum FieldReference {
  // MARK: Text

  /// The type as a clerk reads it: `money (scale 2)`, `integer (min 0)`,
  /// `string (max 1000 bytes)`.
  static func typeText(_ type: FieldType) -> String {
    switch type {
    case .string(let maxLength): "string (max \(maxLength) bytes)"
    case .integer(let minimum): "integer (min \(minimum))"
    case .decimal(let scale, _, let negative):
      type == .money
        ? "money (scale \(scale))"
        : "decimal (scale \(scale)\(negative ? ", may be negative" : ""))"
    case .list(let maxCount): "list (max \(maxCount))"
    case .document(let maxBytes): "document (max \(maxBytes) bytes)"
    default: type.name
    }
  }

  /// What a cell of the column must look like beyond its type: the enum's values, the format
  /// of dates and periods, the maximum.
  static func details(_ column: ImportColumn) -> String {
    var parts: [String] = []
    switch column.type {
    case .enumeration(let values): parts.append("one of: " + values.joined(separator: ", "))
    case .date: parts.append("YYYY-MM-DD")
    case .month: parts.append("YYYY-MM")
    case .period: parts.append("YYYY, YYYY-Qn, YYYY-MM, YYYY-Wnn or YYYY-MM-DD")
    case .timestamp: parts.append("YYYY-MM-DDTHH:MM:SS+08:00 (or Z)")
    case .boolean: parts.append("true/false or 1/0")
    case .list: parts.append("a JSON array of texts")
    case .document: parts.append("JSON")
    default: break
    }
    if let maximum = column.maximum { parts.append("at most \(maximum)") }
    if column.fillsOffice { parts.append("a branch's import fills it in") }
    if column.isID { parts.append("letters, digits, '.', '_', '-'") }
    if column.isKey, case .string = column.type { parts.append("no '.'") }
    return parts.joined(separator: "; ")
  }

  /// The collection's heading, then one aligned line per column.
  static func text(_ schema: CollectionSchema) -> String {
    let owner =
      schema.ownership == .office
      ? "each office writes its own records (\(OwnershipPolicy.officeField))"
      : "head office writes it; offices receive it read-only"
    let id =
      switch schema.idRule {
      case .column(let column): column
      case .composite(let keys): keys.joined(separator: ".")
      }
    var out = "\(schema.name.padding(18))\(schema.summary)\n"
    out += String(repeating: " ", count: 18) + "\(owner); id: \(id)\n"
    let rows = ImportColumn.columns(of: schema).map { column in
      [
        column.name, column.label?.zh ?? "", column.label?.en ?? "", typeText(column.type),
        column.nullable ? "may be empty" : "required",
        column.isID ? "id" : (column.isKey ? "key" : ""), details(column),
      ]
    }
    out += aligned(rows, indent: "  ")
    return out
  }

  /// Rows of cells as lines with aligned columns (by terminal width: a Chinese character takes
  /// two), two spaces apart; a column empty in every row is left out.
  static func aligned(_ rows: [[String]], indent: String) -> String {
    guard let count = rows.first?.count else { return "" }
    let widths = (0..<count).map { index in rows.map { width($0[index]) }.max() ?? 0 }
    var out = ""
    for row in rows {
      var line = indent
      for (index, cell) in row.enumerated() where widths[index] > 0 {
        line += cell + String(repeating: " ", count: widths[index] - width(cell) + 2)
      }
      while line.last == " " { line.removeLast() }
      out += line + "\n"
    }
    return out
  }

  /// The columns `text` takes in a terminal: two for East Asian wide characters (CJK
  /// ideographs, kana, hangul, full-width forms), one for others.
  static func width(_ text: String) -> Int {
    text.unicodeScalars.reduce(0) { total, scalar in
      let value = scalar.value
      let wide =
        (0x1100...0x115F).contains(value) || (0x2E80...0xA4CF).contains(value)
        || (0xAC00...0xD7A3).contains(value) || (0xF900...0xFAFF).contains(value)
        || (0xFE30...0xFE4F).contains(value) || (0xFF00...0xFF60).contains(value)
        || (0xFFE0...0xFFE6).contains(value) || (0x20000...0x3FFFD).contains(value)
      return total + (wide ? 2 : 1)
    }
  }

  // MARK: JSON

  /// A column as a JSON object: the members of a schema file's field (SPEC.md §2.6) and the
  /// reference's own (SPEC.md §3.7).
  static func json(_ column: ImportColumn) -> JSONValue {
    var members: [(String, JSONValue)] = [
      ("name", .string(column.name)),
      (
        "label",
        column.label.map {
          .object(JSONObject(uncheckedPairs: [("en", .string($0.en)), ("zh", .string($0.zh))]))
        } ?? .null
      ),
      ("nullable", .bool(column.nullable)), ("id", .bool(column.isID)),
      ("key", .bool(column.isKey)),
    ]
    func number(_ value: Int) -> JSONValue { .number(JSONNumber(integer: Int64(value))) }
    let type = column.type
    switch type {
    case .string(let maxLength): members.append(("max_length", number(maxLength)))
    case .integer(let minimum):
      members.append(("minimum", .number(JSONNumber(integer: minimum))))
    case .decimal(let scale, let digits, let negative):
      members += [
        ("scale", number(scale)), ("integer_digits", number(digits)),
        ("negative", .bool(negative)),
      ]
    case .enumeration(let values): members.append(("values", .array(values.map { .string($0) })))
    case .list(let maxCount): members.append(("max_count", number(maxCount)))
    case .document(let maxBytes): members.append(("max_bytes", number(maxBytes)))
    default: break
    }
    if let maximum = column.maximum { members.append(("maximum", .string("\(maximum)"))) }
    // A scale-2 decimal other than money (a 0–100 rating) is a decimal, as a schema file says.
    let typeName =
      switch type {
      case .decimal: type == .money ? "money" : "decimal"
      default: type.name
      }
    members.append(("type", .string(typeName)))
    return .object(JSONObject(uncheckedPairs: members))
  }

  /// A collection as `outpost-collections/1` lists it.
  static func json(_ schema: CollectionSchema) -> JSONValue {
    .object(
      JSONObject(uncheckedPairs: [
        ("name", .string(schema.name)), ("owner", .string(schema.ownership.rawValue)),
        ("columns", .array(schema.columns.map { .string($0) })),
        ("summary", .string(schema.summary)),
        ("fields", .array(ImportColumn.columns(of: schema).map(json))),
      ]))
  }
}
