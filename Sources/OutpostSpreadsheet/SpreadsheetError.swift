/// Why a workbook, or one of its sheets, could not be read: what is wrong, where, and what to do.
public struct SpreadsheetError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What is wrong and what to do about it.
  public var message: String
  /// The part of the archive it concerns (`xl/worksheets/sheet1.xml`), when there is one.
  public var part: String?
  /// The sheet it concerns, by name, when there is one.
  public var sheet: String?
  /// The cell it concerns (`C5`), when there is one.
  public var cell: String?

  /// An error about `part` (and `sheet` and `cell`, when known).
  public init(_ message: String, part: String? = nil, sheet: String? = nil, cell: String? = nil) {
    self.message = message
    self.part = part
    self.sheet = sheet
    self.cell = cell
  }

  /// The message with where it happened: the sheet (or else the part, unless the message names
  /// it) and the cell.
  public var description: String {
    var place: [String] = []
    if let sheet {
      place.append("sheet '\(sheet)'")
    } else if let part, !message.contains(part) {
      place.append(part)
    }
    if let cell { place.append("cell \(cell)") }
    return place.isEmpty ? message : place.joined(separator: ", ") + ": " + message
  }
}
