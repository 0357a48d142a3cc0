import OutpostCodec

/// The type of a field, and how a cell or JSON value of that type is validated and written.
///
/// Every value is stored as canonical JSON (SPEC.md §2.3): integers as JSON numbers, decimals as
/// JSON strings at the field's scale (`"12.50"`), dates and other text as JSON strings, booleans
/// as `true`/`false`, lists and documents as nested JSON (never as JSON text inside a string),
/// and "not measured" as `null`. Validation is strict: a spreadsheet cell such
/// as `12,345.00`, `45%`, `-` or a lone space is an error with a hint, never a guess.
public enum FieldType: Sendable, Hashable {
  /// Free text of at most `maxLength` bytes (no control characters other than tab).
  case string(maxLength: Int)
  /// A whole number in `minimum...Int64.max`.
  case integer(minimum: Int64)
  /// An exact decimal with at most `scale` fraction digits and `integerDigits` integer digits.
  case decimal(scale: Int, integerDigits: Int, allowsNegative: Bool)
  /// A calendar date, `YYYY-MM-DD`.
  case date
  /// A calendar month, `YYYY-MM`.
  case month
  /// A reporting period: `2025`, `2025-Q1`, `2025-03`, `2025-W07` or `2025-03-14`.
  case period
  /// An ISO 8601 timestamp with seconds and an offset: `2025-03-14T09:30:00+08:00` or `…Z`.
  case timestamp
  /// `true`/`false` (cells: `1`/`0` or `true`/`false`).
  case boolean
  /// One of a fixed list of values.
  case enumeration([String])
  /// A set of at most `maxCount` distinct short texts (each a valid ``text`` value), stored as a
  /// JSON array of strings in ascending byte order (its canonical form); a CSV cell holds the
  /// array's JSON text.
  case list(maxCount: Int)
  /// A JSON object or array of at most `maxBytes` bytes in canonical form and at most
  /// ``FieldType/maximumDocumentDepth`` levels deep, stored nested; a CSV cell holds its JSON
  /// text.
  case document(maxBytes: Int)

  /// How deep a ``document(maxBytes:)`` value may nest (an object holding an object is 2), so
  /// that every file holding a record stays within its parser's limits.
  public static let maximumDocumentDepth = 16

  /// Money in CNY: scale 2, up to 13 integer digits, never negative in raw data.
  public static let money = FieldType.decimal(scale: 2, integerDigits: 13, allowsNegative: false)
  /// A count: a whole number ≥ 0.
  public static let count = FieldType.integer(minimum: 0)
  /// Short text such as a name or a reference to another record.
  public static let text = FieldType.string(maxLength: 1000)

  /// The name used in schema files and messages.
  public var name: String {
    switch self {
    case .string: "string"
    case .integer: "integer"
    case .decimal(let scale, _, _): scale == 2 ? "money" : "decimal"
    case .date: "date"
    case .month: "month"
    case .period: "period"
    case .timestamp: "timestamp"
    case .boolean: "boolean"
    case .enumeration: "enum"
    case .list: "list"
    case .document: "document"
    }
  }

  /// Parses a text cell (CSV, or `FIELD=VALUE` on the command line) into a canonical value.
  ///
  /// An empty cell is `null`; whether `null` is allowed is the field's business (``FieldSpec``).
  public func parseCell(_ cell: String) throws(ModelError) -> JSONValue {
    if cell.isEmpty { return .null }
    switch self {
    case .string(let maxLength):
      return .string(try Self.checkText(cell, maxLength: maxLength))
    case .enumeration(let values):
      guard values.contains(cell) else {
        throw ModelError(
          "\(Self.show(cell)) is not one of \(values.joined(separator: ", "))"
            + Self.spacesHint(cell))
      }
      return .string(cell)
    case .list, .document:
      let parsed: JSONValue
      do { parsed = try JSONParser.parse(Array(cell.utf8)) } catch {
        throw ModelError(
          "\(Self.show(String(cell.prefix(40)))) is not JSON text: \(error.description); a "
            + (self.name == "list"
              ? "list is written as [\"a\",\"b\"]" : "document is written as JSON"))
      }
      return try validateJSON(parsed)
    default:
      try Self.rejectSpreadsheetNoise(cell, for: self)
      return try parseTyped(cell)
    }
  }

  /// Validates a JSON value (NDJSON import, bundles) and returns its canonical form.
  public func validateJSON(_ value: JSONValue) throws(ModelError) -> JSONValue {
    switch (self, value) {
    case (_, .null): return .null
    case (.list(let maxCount), .array(let items)):
      return try Self.checkList(items, maxCount: maxCount)
    case (.list, _):
      throw ModelError("expected a list: a JSON array of strings")
    case (.document(let maxBytes), .object), (.document(let maxBytes), .array):
      try Self.checkDocument(value, maxBytes: maxBytes)
      return value
    case (.document, _):
      throw ModelError("expected a document: a JSON object or array")
    case (.integer(let minimum), .number(let number)):
      guard let int = number.int64 else {
        throw ModelError("\(number.text) is not a whole number in canonical form (like 42)")
      }
      guard int >= minimum else { throw ModelError("\(int) is below the minimum \(minimum)") }
      return .number(number)
    case (.integer, .string(let text)):
      throw ModelError("\(Self.show(text)) is a string; write the count as a JSON number (42)")
    case (.decimal, .number(let number)):
      throw ModelError(
        "\(number.text) is a JSON number; decimals are written as JSON strings (\"\(number.text)\")"
      )
    case (.boolean, .bool): return value
    case (.boolean, _):
      throw ModelError("expected true or false")
    case (.string, .string(let text)), (.enumeration, .string(let text)):
      if text.isEmpty { return .string(text) }
      return try parseCell(text)
    case (_, .string(let text)):
      guard !text.isEmpty else { throw ModelError("empty string; use null for 'not measured'") }
      return try parseCell(text)
    default:
      throw ModelError("expected a \(name) value")
    }
  }

  private func parseTyped(_ cell: String) throws(ModelError) -> JSONValue {
    switch self {
    case .integer(let minimum):
      guard let value = Self.parseInteger(cell) else {
        throw ModelError("\(Self.show(cell)) is not a whole number" + Self.numberHint(cell))
      }
      guard value >= minimum else {
        throw ModelError("\(value) is below the minimum \(minimum); counts cannot be negative")
      }
      return .number(JSONNumber(integer: value))
    case .decimal(let scale, let integerDigits, let allowsNegative):
      let value: ExactDecimal
      do {
        value = try ExactDecimal(parsing: cell)
      } catch {
        throw ModelError(error.description)
      }
      if !allowsNegative && value < .zero {
        throw ModelError("\(cell) is negative; amounts are recorded as positive numbers")
      }
      let rounded = value.rounded(scale: scale, .down)
      guard rounded == value else {
        throw ModelError("\(cell) has more than \(scale) decimal places")
      }
      guard Self.integerDigitCount(of: value) <= integerDigits else {
        throw ModelError("\(cell) has more than \(integerDigits) digits before the decimal point")
      }
      return .string(value.formatted(scale: scale))
    case .date:
      guard let date = CivilDate(parsing: cell) else {
        throw ModelError("\(Self.show(cell)) is not a date; write YYYY-MM-DD (2025-03-14)")
      }
      return .string(date.description)
    case .month:
      guard cell.utf8.count == 7, let date = CivilDate(parsing: cell + "-01") else {
        throw ModelError("\(Self.show(cell)) is not a month; write YYYY-MM (2025-03)")
      }
      return .string(String(date.description.prefix(7)))
    case .period:
      guard Self.isPeriod(cell) else {
        throw ModelError(
          "\(Self.show(cell)) is not a period; write 2025, 2025-Q1, 2025-03, 2025-W07 or 2025-03-14"
        )
      }
      return .string(cell)
    case .timestamp:
      guard Self.isTimestamp(cell) else {
        throw ModelError(
          "\(Self.show(cell)) is not a timestamp; write 2025-03-14T09:30:00+08:00 (or …Z)")
      }
      return .string(cell)
    case .boolean:
      switch cell {
      case "1", "true": return .bool(true)
      case "0", "false": return .bool(false)
      default: throw ModelError("\(Self.show(cell)) is not a boolean; write 1 or 0 (true or false)")
      }
    case .string, .enumeration, .list, .document:
      return .string(cell)
    }
  }

  private static func checkList(_ items: [JSONValue], maxCount: Int) throws(ModelError)
    -> JSONValue
  {
    guard items.count <= maxCount else {
      throw ModelError("the list has \(items.count) items; at most \(maxCount) allowed")
    }
    var texts: [String] = []
    for item in items {
      guard case .string(let text) = item, !text.isEmpty else {
        throw ModelError("a list holds only non-empty strings")
      }
      texts.append(try checkText(text, maxLength: 1000))
    }
    texts.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    for (a, b) in zip(texts, texts.dropFirst()) where a == b {
      throw ModelError("\(show(a)) appears twice in the list")
    }
    return .array(texts.map { .string($0) })
  }

  private static func checkDocument(_ value: JSONValue, maxBytes: Int) throws(ModelError) {
    func depth(_ value: JSONValue) -> Int {
      switch value {
      case .array(let items): 1 + (items.map(depth).max() ?? 0)
      case .object(let object): 1 + (object.values.map(depth).max() ?? 0)
      default: 0
      }
    }
    guard depth(value) <= maximumDocumentDepth else {
      throw ModelError("the document nests deeper than \(maximumDocumentDepth) levels")
    }
    let bytes = JSONWriter.canonicalBytes(value).count
    guard bytes <= maxBytes else {
      throw ModelError("the document is \(bytes) bytes long; at most \(maxBytes) allowed")
    }
  }

  /// Refuses the classic spreadsheet artefacts in a typed (non-text) cell.
  private static func rejectSpreadsheetNoise(_ cell: String, for type: FieldType) throws(ModelError)
  {
    if cell.allSatisfy({ $0 == " " || $0 == "\t" }) {
      throw ModelError("the cell holds only spaces; leave it empty if the value was not measured")
    }
    if cell == "-" || cell == "—" || cell == "N/A" || cell == "n/a" {
      throw ModelError(
        "\(show(cell)) is not a \(type.name); leave the cell empty if the value was not measured")
    }
    if cell.first == " " || cell.last == " " {
      throw ModelError("\(show(cell)) has spaces around the value; remove them")
    }
  }

  static func parseInteger(_ cell: String) -> Int64? {
    let bytes = Array(cell.utf8)
    var index = 0
    let negative = bytes.first == UInt8(ascii: "-")
    if negative { index = 1 }
    guard index < bytes.count else { return nil }
    if bytes[index] == UInt8(ascii: "0") && bytes.count > index + 1 { return nil }
    var value: Int64 = 0
    for byte in bytes[index...] {
      guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
      let (times10, o1) = value.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
      if o1 || o2 { return nil }
      value = sum
    }
    if negative && value == 0 { return nil }
    return negative ? -value : value
  }

  private static func numberHint(_ cell: String) -> String {
    if cell.contains(",") { return " (remove the thousands separators: write 12345)" }
    if cell.contains("%") { return " ('%' is not allowed)" }
    if cell.contains(".") { return " (counts have no decimal places)" }
    if cell.first == "0" && cell.count > 1 { return " (remove the leading zeros)" }
    return ""
  }

  private static func spacesHint(_ cell: String) -> String {
    cell.first == " " || cell.last == " " ? " (remove the surrounding spaces)" : ""
  }

  static func integerDigitCount(of value: ExactDecimal) -> Int {
    let whole = value.rounded(scale: 0, .down).formatted(scale: 0)
    let digits = whole.hasPrefix("-") ? whole.dropFirst() : Substring(whole)
    return digits == "0" ? 0 : digits.count
  }

  static func checkText(_ text: String, maxLength: Int) throws(ModelError) -> String {
    if text.utf8.count > maxLength {
      throw ModelError("text is \(text.utf8.count) bytes long; at most \(maxLength) allowed")
    }
    for scalar in text.unicodeScalars
    where scalar.value < 32 && scalar != "\t" || scalar.value == 127 {
      throw ModelError("text contains a control character (U+\(String(scalar.value, radix: 16)))")
    }
    return text
  }

  /// Whether `text` is a period in one of the accepted forms.
  public static func isPeriod(_ text: String) -> Bool {
    let b = Array(text.utf8)
    guard b.count >= 4, let year = CivilDate.digits(b[0..<4]), year >= 1 else { return false }
    switch b.count {
    case 4: return true
    case 7 where b[4] == UInt8(ascii: "-") && b[5] == UInt8(ascii: "Q"):
      return (UInt8(ascii: "1")...UInt8(ascii: "4")).contains(b[6])
    case 7 where b[4] == UInt8(ascii: "-"):
      return CivilDate(parsing: text + "-01") != nil
    case 8 where b[4] == UInt8(ascii: "-") && b[5] == UInt8(ascii: "W"):
      guard let week = CivilDate.digits(b[6..<8]) else { return false }
      return (1...53).contains(week)
    case 10: return CivilDate(parsing: text) != nil
    default: return false
    }
  }

  /// Whether `text` is `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
  public static func isTimestamp(_ text: String) -> Bool { secondsSinceEpoch(text) != nil }

  /// The instant a timestamp names, in seconds since 1970-01-01T00:00:00Z, exactly (fractions of
  /// a second included); nil when `text` is not a timestamp (§2.3).
  public static func secondsSinceEpoch(_ text: String) -> ExactDecimal? {
    let b = Array(text.utf8)
    guard b.count >= 20, let date = CivilDate(parsing: text.prefix(10)),
      b[10] == UInt8(ascii: "T"),
      let hour = CivilDate.digits(b[11..<13]), b[13] == UInt8(ascii: ":"),
      let minute = CivilDate.digits(b[14..<16]), b[16] == UInt8(ascii: ":"),
      let second = CivilDate.digits(b[17..<19]), hour < 24, minute < 60, second < 60
    else { return nil }
    var i = 19
    var fraction = ExactDecimal.zero
    if b[i] == UInt8(ascii: ".") {
      i += 1
      let start = i
      while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { i += 1 }
      guard i > start, i - start <= 9,
        let digits = Int64(String(decoding: b[start..<i], as: UTF8.self))
      else { return nil }
      fraction = ExactDecimal(significand: Int128(digits), scale: i - start)
    }
    guard i < b.count else { return nil }
    var offset = 0
    if b[i] == UInt8(ascii: "Z") {
      guard i == b.count - 1 else { return nil }
    } else {
      guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b.count - i == 6,
        let oh = CivilDate.digits(b[(i + 1)..<(i + 3)]), b[i + 3] == UInt8(ascii: ":"),
        let om = CivilDate.digits(b[(i + 4)..<(i + 6)]), oh <= 14, om < 60
      else { return nil }
      offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
    }
    let whole = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    return ExactDecimal(whole - Int64(offset)).adding(fraction)
  }

  /// A cell quoted for a message.
  static func show(_ cell: String) -> String { RecordID.quoted(cell) }
}
