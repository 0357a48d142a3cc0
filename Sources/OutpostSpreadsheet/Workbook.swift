import OutpostCodec
import OutpostModel

/// An Excel workbook (`.xlsx`, Office Open XML) read from its bytes: its sheets by name, each
/// read on request into rows of text cells (SPEC.md §3.5).
///
/// The sheets are found through `xl/workbook.xml` and its relationships, the shared strings and
/// styles through the relationships too (`[Content_Types].xml` is not consulted). Everything is
/// checked: a damaged archive or part, a refused construct or a limit passed is a
/// ``SpreadsheetError``, never a crash.
public struct Workbook: Sendable {
  /// The most bytes the parts read (the workbook, its relationships, shared strings, styles and
  /// every worksheet) may hold once decompressed, together: 256 MiB.
  public static let maximumInflatedBytes = 256 << 20

  /// A sheet as the workbook lists it.
  struct SheetEntry: Sendable {
    var name: String
    /// Its worksheet part; nil for a chart sheet or other sheet without cells.
    var part: String?
    /// Its relationship type (a URI ending `/worksheet`, `/chartsheet`, ...).
    var kind: String
  }

  private let archive: ZipArchive
  private let sheets: [SheetEntry]
  private let sharedStrings: [String]?
  private let styles: Styles
  private let stylesPart: String?
  private let system: ExcelDate.System

  /// The sheets' names, in workbook (tab) order.
  public var sheetNames: [String] { sheets.map(\.name) }

  /// Opens the workbook in `bytes`: reads its sheet list, shared strings and styles, and checks
  /// that every worksheet part is present and that all parts fit ``maximumInflatedBytes``.
  public init(bytes: [UInt8]) throws(SpreadsheetError) {
    if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
      throw SpreadsheetError(
        "the file is an Excel 97–2003 workbook (.xls) or a password-protected workbook, not "
          + "an .xlsx workbook; open it in Excel and save it as an Excel Workbook (.xlsx) "
          + "without a password")
    }
    do throws(ZipArchive.Failure) {
      archive = try ZipArchive(bytes)
    } catch {
      throw SpreadsheetError(
        "the file is not an .xlsx workbook (\(error.message)); save it from Excel as an Excel "
          + "Workbook (.xlsx)")
    }
    let parts = Parts(archive: archive)
    guard let workbookEntry = try parts.entry("xl/workbook.xml") else {
      throw try parts.notAWorkbook()
    }
    let relsPart = "xl/_rels/workbook.xml.rels"
    guard let relsEntry = try parts.entry(relsPart) else {
      throw SpreadsheetError(
        "the workbook has no \(relsPart), which says where its sheets are; "
          + SheetReader.damaged, part: relsPart)
    }
    try Parts.checkBudget([workbookEntry, relsEntry])
    let listing = try WorkbookListing(
      events: try parts.events(workbookEntry), part: workbookEntry.name)
    let relationships = try Relationships(
      events: try parts.events(relsEntry), part: relsEntry.name)
    system = listing.system

    var entries = [workbookEntry, relsEntry]
    var sheets: [SheetEntry] = []
    for (name, id) in listing.sheets {
      guard let relationship = relationships.byID[id] else {
        throw SpreadsheetError(
          "sheet '\(name)' refers to relationship '\(id)', which \(relsPart) lacks; "
            + SheetReader.damaged, part: relsPart, sheet: name)
      }
      guard relationship.type.hasSuffix("/worksheet") else {
        sheets.append(SheetEntry(name: name, part: nil, kind: relationship.type))
        continue
      }
      let entry = try parts.target(relationship, of: relsPart, what: "sheet '\(name)'")
      entries.append(entry)
      sheets.append(SheetEntry(name: name, part: entry.name, kind: relationship.type))
    }
    self.sheets = sheets
    let stringsEntry = try parts.single("sharedStrings", in: relationships, of: relsPart)
    let stylesEntry = try parts.single("styles", in: relationships, of: relsPart)
    entries += [stringsEntry, stylesEntry].compactMap { $0 }
    try Parts.checkBudget(entries)
    if let stringsEntry {
      sharedStrings = try SharedStrings.read(
        events: try parts.events(stringsEntry), part: stringsEntry.name)
    } else {
      sharedStrings = nil
    }
    if let stylesEntry {
      styles = try Styles(events: try parts.events(stylesEntry), part: stylesEntry.name)
    } else {
      styles = .absent
    }
    stylesPart = stylesEntry?.name
  }

  /// The sheet named `name` (exactly, as ``sheetNames`` lists it), or the first sheet for nil,
  /// read into rows.
  public func sheet(named name: String?) throws(SpreadsheetError) -> Sheet {
    let entry: SheetEntry
    if let name {
      guard let found = sheets.first(where: { $0.name == name }) else {
        let names = sheetNames.map { "'\($0)'" }.joined(separator: ", ")
        let hint = Suggestion.closest(to: name, among: sheetNames).map {
          " (did you mean '\($0)'?)"
        }
        throw SpreadsheetError(
          "the workbook has no sheet named '\(name)'\(hint ?? ""); its sheets are \(names)")
      }
      entry = found
    } else {
      entry = sheets[0]
    }
    guard let part = entry.part else {
      let what =
        entry.kind.hasSuffix("/chartsheet")
        ? "a chart sheet" : "not a worksheet (its relationship type is '\(entry.kind)')"
      throw SpreadsheetError(
        "sheet '\(entry.name)' is \(what), which holds no cells; name a worksheet: "
          + sheets.filter { $0.part != nil }.map { "'\($0.name)'" }.joined(separator: ", "),
        sheet: entry.name)
    }
    let parts = Parts(archive: archive)
    guard let zipEntry = try parts.entry(part) else {
      throw SpreadsheetError("\(part) is missing; " + SheetReader.damaged, part: part)
    }
    var reader = SheetReader(
      context: SheetContext(
        name: entry.name, part: part, sharedStrings: sharedStrings, styles: styles,
        stylesPart: stylesPart, system: system))
    do throws(SpreadsheetError) {
      return try reader.read(try parts.events(zipEntry))
    } catch {
      var located = error
      located.sheet = entry.name
      throw located
    }
  }
}
