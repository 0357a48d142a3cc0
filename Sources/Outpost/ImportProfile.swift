import OutpostCodec
import OutpostModel
import OutpostStore

/// How one kind of export becomes records of one collection (SPEC.md §3.6).
///
/// A profile is read strictly: an unknown member, a wrong type or a member that could have no
/// effect is refused with its JSON path. ``check(against:)`` then judges it against the
/// collection's schema; both happen before a byte of the data is read.
public struct ImportProfile: Sendable, Equatable {
  /// The format tag, `outpost-import-profile/1`.
  public static let format = "outpost-import-profile/1"
  /// The largest profile document, in bytes.
  public static let maximumBytes = 65_536

  /// A rule that matches a row by the cell of one source column.
  public struct RowRule: Sendable, Equatable {
    /// How the cell is compared.
    public enum Match: Sendable, Equatable {
      /// The cell equals one of the texts.
      case equals([String])
      /// The cell starts with one of the texts.
      case startsWith([String])
    }
    /// The source column's header.
    public var column: String
    /// The comparison.
    public var match: Match
    /// The rule's JSON path, for messages.
    public var path: String

    /// Whether `cell` matches.
    public func matches(_ cell: String) -> Bool {
      switch match {
      case .equals(let texts): texts.contains(cell)
      case .startsWith(let texts): texts.contains { cell.hasPrefix($0) }
      }
    }
  }

  /// How the cells of one field are written in the source (`formats`, `number_format`).
  public struct CellFormat: Sendable, Equatable {
    /// Date patterns tried in order.
    public var dates: [DatePattern] = []
    /// The thousands separator removed between digit groups.
    public var thousands: String?
    /// Currency texts removed once from the start or the end.
    public var currency: [String] = []
    /// Whether a trailing `%` divides by 100.
    public var percent = false
    /// Whether full-width digits and signs become ASCII.
    public var fullwidth = false
    /// Whether `(12.50)` is `-12.50`.
    public var negativeParentheses = false
    /// The UTC offset of a timestamp field's date-and-time cells (`+08:00`, `Z`).
    public var offset: String?

    /// Whether any number member is set.
    var hasNumberMembers: Bool {
      thousands != nil || !currency.isEmpty || percent || fullwidth || negativeParentheses
    }
  }

  /// The profile's name (`baidu-sem-daily`), required to store it.
  public var name: String?
  /// A description for people.
  public var description: String?
  /// The target collection.
  public var collection: String
  /// The CSV text's encoding (SPEC.md §3.4).
  public var encoding: TextEncoding?
  /// The CSV delimiter byte.
  public var delimiter: UInt8?
  /// The workbook sheet.
  public var sheet: String?
  /// The header's line or row, 1-based.
  public var headerRow: Int
  /// Source header → field, in the order the document's keys are read (sorted by UTF-8 bytes).
  public var columns: [(header: String, field: String)]
  /// Source headers left out on purpose.
  public var ignore: [String]
  /// Field → cell text set on every row.
  public var constants: [(field: String, cell: String)]
  /// Whether spaces and tabs around cells are removed.
  public var trim: Bool
  /// Whether all-empty rows are skipped.
  public var skipBlankRows: Bool
  /// Rows left out.
  public var skipRows: [RowRule]
  /// Rows that end the data.
  public var stopAt: [RowRule]
  /// Field → source text → cell text.
  public var values: [String: [String: String]]
  /// Field → its format.
  public var formats: [String: CellFormat]
  /// The format of every number field without its own.
  public var numberFormat: CellFormat?
  /// Fields summed across rows with one id; nil when rows are not aggregated.
  public var aggregateSum: [String]?
  /// The id column and reference fields whose source ids are derived (§3.6).
  public var deriveIDs: [String]
  /// The document as read (canonical), for storing.
  public var document: JSONValue
  /// Where the profile came from, for messages (`crm-orders.json`, `profile 'crm-orders'`).
  public var source: String

  /// Whether two profiles are the same document from the same source.
  public static func == (lhs: ImportProfile, rhs: ImportProfile) -> Bool {
    lhs.document == rhs.document && lhs.source == rhs.source
  }

  /// Reads a profile document's bytes.
  public static func decode(_ bytes: [UInt8], source: String) throws(OutpostError) -> ImportProfile
  {
    guard bytes.count <= maximumBytes else {
      throw failure(
        source, nil,
        "is \(bytes.count) bytes, over the \(maximumBytes)-byte limit for a profile")
    }
    let json: JSONValue
    do { json = try JSONParser.parse(bytes) } catch {
      throw failure(source, nil, "is not valid JSON: \(error)")
    }
    return try ImportProfile(json: json, source: source)
  }

  /// Reads a profile from its JSON value.
  public init(json: JSONValue, source: String) throws(OutpostError) {
    let reader = Reader(source: source)
    let root = try reader.object(json, "$")
    try reader.allow(
      root, "$",
      [
        "format", "name", "description", "collection", "encoding", "delimiter", "sheet",
        "header_row", "columns", "ignore", "constants", "trim", "skip_blank_rows", "skip_rows",
        "stop_at", "values", "formats", "number_format", "aggregate", "derive_ids",
      ])
    guard root["format"]?.stringValue == Self.format else {
      throw Self.failure(source, "format", "must be \"\(Self.format)\"")
    }
    self.source = source
    document = json
    name = try reader.optionalString(root["name"], "name")
    if let name, !Self.isName(name) {
      throw Self.failure(
        source, "name", "'\(name)' is not a profile name (1–64 of a–z, 0–9, '_', '-')")
    }
    description = try reader.optionalString(root["description"], "description")
    guard let collection = try reader.optionalString(root["collection"], "collection") else {
      throw Self.failure(source, "collection", "is missing: name the collection the rows go to")
    }
    self.collection = collection
    if let name = try reader.optionalString(root["encoding"], "encoding") {
      do throws(TextEncodingNameError) { encoding = try TextEncoding(name: name) } catch {
        throw Self.failure(source, "encoding", error.description)
      }
    } else {
      encoding = nil
    }
    if let text = try reader.optionalString(root["delimiter"], "delimiter") {
      switch text {
      case ",", ";", "\t": delimiter = text.utf8.first
      default:
        throw Self.failure(source, "delimiter", "must be \",\", \";\" or \"\\t\" (a tab)")
      }
    } else {
      delimiter = nil
    }
    sheet = try reader.optionalString(root["sheet"], "sheet")
    if let row = root["header_row"] {
      guard let value = row.int64Value, value >= 1, value <= 1000 else {
        throw Self.failure(source, "header_row", "must be a whole number from 1 to 1000")
      }
      headerRow = Int(value)
    } else {
      headerRow = 1
    }
    guard let columnsValue = root["columns"] else {
      throw Self.failure(source, "columns", "is missing: map each source header to a field")
    }
    let columnsObject = try reader.object(columnsValue, "columns")
    guard columnsObject.count > 0 else {
      throw Self.failure(source, "columns", "is empty: map each source header to a field")
    }
    var columns: [(String, String)] = []
    for (header, field) in columnsObject {
      guard let field = field.stringValue else {
        throw Self.failure(source, "columns.\(header)", "must be a field name (a string)")
      }
      columns.append((header, field))
    }
    self.columns = columns
    ignore = try reader.strings(root["ignore"], "ignore") ?? []
    var constants: [(String, String)] = []
    if let value = root["constants"] {
      for (field, cell) in try reader.object(value, "constants") {
        guard let text = cell.stringValue else {
          throw Self.failure(
            source, "constants.\(field)", "must be the cell text (a string, e.g. \"sem\")")
        }
        constants.append((field, text))
      }
    }
    self.constants = constants
    trim = try reader.optionalBool(root["trim"], "trim") ?? false
    skipBlankRows = try reader.optionalBool(root["skip_blank_rows"], "skip_blank_rows") ?? false
    skipRows = try reader.rules(root["skip_rows"], "skip_rows")
    stopAt = try reader.rules(root["stop_at"], "stop_at")
    var values: [String: [String: String]] = [:]
    if let value = root["values"] {
      for (field, map) in try reader.object(value, "values") {
        var texts: [String: String] = [:]
        for (from, to) in try reader.object(map, "values.\(field)") {
          guard let to = to.stringValue else {
            throw Self.failure(
              source, "values.\(field).\(from)", "must be the cell text (a string)")
          }
          texts[from] = to
        }
        guard !texts.isEmpty else {
          throw Self.failure(source, "values.\(field)", "is empty, so it would have no effect")
        }
        values[field] = texts
      }
    }
    self.values = values
    var formats: [String: CellFormat] = [:]
    if let value = root["formats"] {
      for (field, format) in try reader.object(value, "formats") {
        formats[field] = try reader.cellFormat(format, "formats.\(field)")
      }
    }
    self.formats = formats
    numberFormat = try root["number_format"].map { (value) throws(OutpostError) in
      let format = try reader.cellFormat(value, "number_format")
      guard format.dates.isEmpty else {
        throw Self.failure(
          source, "number_format.date", "is for numbers; give a date pattern in formats.FIELD")
      }
      return format
    }
    if let value = root["aggregate"] {
      let object = try reader.object(value, "aggregate")
      try reader.allow(object, "aggregate", ["sum"])
      guard let sum = try reader.strings(object["sum"], "aggregate.sum"), !sum.isEmpty else {
        throw Self.failure(source, "aggregate.sum", "must list the fields to add up")
      }
      aggregateSum = sum
    } else {
      aggregateSum = nil
    }
    deriveIDs = try reader.strings(root["derive_ids"], "derive_ids") ?? []
  }

  /// Whether `text` is a valid profile name.
  public static func isName(_ text: String) -> Bool {
    (1...64).contains(text.utf8.count)
      && text.utf8.allSatisfy {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_")
          || $0 == UInt8(ascii: "-")
      }
  }

  /// A refusal of the profile, naming its member.
  static func failure(_ source: String, _ path: String?, _ message: String) -> OutpostError {
    let member = path.map { "member '\($0)' " } ?? ""
    return OutpostError(
      .invalidData, "import profile \(source): \(member)\(message); nothing was imported",
      hint: "Correct the profile (SPEC.md §3.6 describes every member) and import again.",
      location: .init(file: source, field: path))
  }
}
