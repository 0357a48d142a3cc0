import OutpostCodec

/// Finds and reads the archive's parts: names matched as OPC does (ASCII case ignored), a name
/// held twice refused, sizes bounded.
struct Parts {
  let archive: ZipArchive

  /// The entry named `name`, ignoring ASCII case as part names do; nil if there is none.
  func entry(_ name: String) throws(SpreadsheetError) -> ZipArchive.Entry? {
    let folded = Self.folded(name)
    let matches = archive.entries.filter { Self.folded($0.name) == folded }
    guard matches.count <= 1 else {
      throw SpreadsheetError(
        "the archive holds \(matches.count) entries named '\(name)' (ignoring case); "
          + SheetReader.damaged, part: name)
    }
    return matches.first
  }

  static func folded(_ name: String) -> [UInt8] { name.utf8.map(XMLScreen.upper) }

  /// The events of `entry`'s part, decompressed (bounded by its declared size, which
  /// ``checkBudget(_:)`` has counted) and parsed.
  func events(_ entry: ZipArchive.Entry) throws(SpreadsheetError) -> [XMLEvent] {
    let bytes: [UInt8]
    do throws(ZipArchive.Failure) {
      bytes = try archive.contents(of: entry, limit: entry.size)
    } catch {
      throw SpreadsheetError(
        "the archive's entry \(error.message); the workbook is damaged or truncated: open it "
          + "in Excel and save it again", part: entry.name)
    }
    return try XMLEvent.parse(bytes, part: entry.name)
  }

  /// Refuses parts that together decompress to more than ``Workbook/maximumInflatedBytes``.
  static func checkBudget(_ entries: [ZipArchive.Entry]) throws(SpreadsheetError) {
    var seen: Set<String> = []
    var total = 0
    for entry in entries where seen.insert(entry.name).inserted { total += entry.size }
    guard total <= Workbook.maximumInflatedBytes else {
      throw SpreadsheetError(
        "the workbook's sheets, strings and styles come to \(total) bytes once decompressed, "
          + "more than the \(Workbook.maximumInflatedBytes) (256 MiB) Outpost reads; split it "
          + "into smaller workbooks")
    }
  }

  /// The entry a relationship of `relsPart` targets, which must be in the archive.
  func target(
    _ relationship: Relationships.Relationship, of relsPart: String, what: String
  ) throws(SpreadsheetError) -> ZipArchive.Entry {
    guard !relationship.external else {
      throw SpreadsheetError(
        "\(what) is an external link ('\(relationship.target)'), not a part of the workbook; "
          + "save the workbook again from Excel with its data", part: relsPart)
    }
    guard let name = Relationships.resolve(relationship.target, base: "xl/") else {
      throw SpreadsheetError(
        "\(what) is at '\(relationship.target)', outside the archive; " + SheetReader.damaged,
        part: relsPart)
    }
    if let entry = try entry(name) { return entry }
    if let decoded = Relationships.percentDecoded(name), let entry = try entry(decoded) {
      return entry
    }
    throw SpreadsheetError(
      "\(what) is at \(name), which the archive lacks; " + SheetReader.damaged, part: name)
  }

  /// The one part of relationship type `kind` (`sharedStrings`, `styles`); when the
  /// relationships name none, `xl/<kind>.xml` if the archive has it; else nil.
  func single(
    _ kind: String, in relationships: Relationships, of relsPart: String
  ) throws(SpreadsheetError) -> ZipArchive.Entry? {
    let found = relationships.ofKind(kind)
    guard found.count <= 1 else {
      throw SpreadsheetError(
        "\(relsPart) names \(found.count) \(kind) parts; " + SheetReader.damaged, part: relsPart)
    }
    if let relationship = found.first {
      return try target(relationship, of: relsPart, what: "the \(kind) part")
    }
    return try entry("xl/\(kind).xml")
  }

  /// The error for an archive without `xl/workbook.xml`, saying what it seems to be instead.
  func notAWorkbook() throws(SpreadsheetError) -> SpreadsheetError {
    if try entry("xl/workbook.bin") != nil {
      return SpreadsheetError(
        "the file is an Excel binary workbook (.xlsb); open it in Excel and save it as an Excel "
          + "Workbook (.xlsx)")
    }
    let content = try entry("content.xml")
    let mimetype = try entry("mimetype")
    if content != nil || mimetype != nil {
      return SpreadsheetError(
        "the file is an OpenDocument spreadsheet (.ods), not an .xlsx workbook; save it as an "
          + "Excel Workbook (.xlsx)")
    }
    return SpreadsheetError(
      "the file is a zip archive without xl/workbook.xml, not an .xlsx workbook; save it from "
        + "Excel as an Excel Workbook (.xlsx)")
  }
}

/// What `xl/workbook.xml` says: the sheets in order (name and relationship id) and the date
/// system.
struct WorkbookListing {
  var sheets: [(name: String, id: String)] = []
  var system = ExcelDate.System.from1900

  init(events: [XMLEvent], part: String) throws(SpreadsheetError) {
    var path: [String] = []
    var folded: Set<String> = []
    for event in events {
      switch event {
      case .start(let name, let attributes):
        path.append(name)
        if path.count == 1 && name != "workbook" {
          throw SpreadsheetError(
            "\(part) is not a workbook part (its root element is <\(name)>); "
              + SheetReader.damaged, part: part)
        }
        if path == ["workbook", "workbookPr"], let value = attributes["date1904"] {
          switch value {
          case "1", "true": system = .from1904
          case "0", "false": system = .from1900
          default:
            throw SpreadsheetError(
              "\(part) has date1904=\"\(value)\", which is neither true nor false; "
                + SheetReader.damaged, part: part)
          }
        } else if path == ["workbook", "sheets", "sheet"] {
          guard let sheet = attributes["name"], !sheet.isEmpty, let id = attributes["id"] else {
            throw SpreadsheetError(
              "\(part) lists a sheet without a name or relationship id; " + SheetReader.damaged,
              part: part)
          }
          guard folded.insert(sheet.lowercased()).inserted else {
            throw SpreadsheetError(
              "\(part) lists two sheets named '\(sheet)'; " + SheetReader.damaged, part: part)
          }
          sheets.append((sheet, id))
        }
      case .end: _ = path.popLast()
      case .text: break
      }
    }
    guard !sheets.isEmpty else {
      throw SpreadsheetError("\(part) lists no sheets; " + SheetReader.damaged, part: part)
    }
  }
}
