/// What a worksheet's cells are read against: the workbook's shared strings, styles and date
/// system.
struct SheetContext {
  var name: String
  var part: String
  /// The shared strings, or nil when the workbook has no shared strings part.
  var sharedStrings: [String]?
  var styles: Styles
  var stylesPart: String?
  var system: ExcelDate.System
}

/// Reads a worksheet part (`<worksheet><sheetData><row><c>`) into rows of cells.
struct SheetReader {
  let context: SheetContext
  var rows: [SheetRow] = []
  var merges: [MergedRange] = []
  var cellCount = 0
  var rowNumber = 0
  var rowCells: [SheetCell] = []
  var column = -1
  var cell = CellState()

  /// The cell being read.
  struct CellState {
    var reference = CellReference(column: 0, row: 0)
    var type = "n"
    var style = 0
    var value = ""
    var hasValue = false
    var hasFormula = false
    var inline = ""
    var hasInline = false
  }

  static let damaged = "the workbook is damaged: open it in Excel and save it again"

  init(context: SheetContext) { self.context = context }

  func failure(_ message: String, cell: String? = nil) -> SpreadsheetError {
    SpreadsheetError(message, part: context.part, sheet: context.name, cell: cell)
  }

  /// The sheet `events` describe.
  mutating func read(_ events: [XMLEvent]) throws(SpreadsheetError) -> Sheet {
    var path: [String] = []
    for event in events {
      switch event {
      case .start(let name, let attributes):
        path.append(name)
        if path.count == 1 && name != "worksheet" {
          throw failure(
            "\(context.part) is not a worksheet (its root element is <\(name)>); "
              + Self.damaged)
        }
        if path.count == 3 && path[1] == "mergeCells" && name == "mergeCell" {
          try merge(attributes["ref"])
          continue
        }
        guard path.count >= 3, path[1] == "sheetData" else { continue }
        if path.count == 3 && name == "row" {
          try startRow(attributes["r"])
        } else if path.count == 4 && name == "c" && path[2] == "row" {
          try startCell(attributes)
        } else if path.count == 5 && path[3] == "c" {
          switch name {
          case "v": cell.hasValue = true
          case "f": cell.hasFormula = true
          case "is": cell.hasInline = true
          default: break
          }
        }
      case .text(let text):
        guard path.count >= 5, path[1] == "sheetData", path[2] == "row", path[3] == "c" else {
          continue
        }
        if path.count == 5 && path[4] == "v" {
          cell.value += text
        } else if path.count >= 6 && path[4] == "is" && path.last == "t" && path[5] != "rPh" {
          // <is><t>, or <is><r><t> for a rich text run; never <is><rPh><t>.
          cell.inline += text
        }
      case .end(let name):
        if path.count >= 3 && path[1] == "sheetData" {
          if path.count == 4 && name == "c" && path[2] == "row" {
            try endCell()
          } else if path.count == 3 && name == "row" {
            try endRow()
          }
        }
        _ = path.popLast()
      }
    }
    return Sheet(name: context.name, rows: rows, merges: merges)
  }

  /// A `<mergeCell ref="C2:C3">`.
  mutating func merge(_ ref: String?) throws(SpreadsheetError) {
    let ends = (ref ?? "").split(separator: ":", omittingEmptySubsequences: false)
    guard ends.count == 2,
      let first = try? CellReference.parse(String(ends[0])),
      let last = try? CellReference.parse(String(ends[1])),
      first.column <= last.column, first.row <= last.row
    else {
      throw failure("the merged range '\(ref ?? "")' is not a range such as C2:C3; " + Self.damaged)
    }
    merges.append(
      MergedRange(first: (first.column, first.row), last: (last.column, last.row)))
  }

  mutating func startRow(_ r: String?) throws(SpreadsheetError) {
    let previous = rowNumber
    if let r {
      guard !r.isEmpty, r.utf8.allSatisfy({ (48...57).contains($0) }), r.utf8.count <= 7,
        let number = Int(r), number >= 1
      else { throw failure("a row's number is '\(r)', not a row number; " + Self.damaged) }
      guard number <= Sheet.maximumRows else {
        throw failure(
          "row \(number) lies beyond row \(Sheet.maximumRows), the last row of a sheet; "
            + Self.damaged)
      }
      guard number > previous else {
        throw failure(
          number == previous
            ? "row \(number) appears twice; " + Self.damaged
            : "row \(number) comes after row \(previous) (rows must be in increasing order); "
              + Self.damaged)
      }
      rowNumber = number
    } else {
      guard previous < Sheet.maximumRows else {
        throw failure(
          "a row without a number follows row \(previous), the last row of a sheet; "
            + Self.damaged)
      }
      rowNumber = previous + 1
    }
    rowCells = []
    column = -1
  }

  mutating func startCell(_ attributes: [XMLAttribute]) throws(SpreadsheetError) {
    let reference: CellReference
    if let r = attributes["r"] {
      do throws(CellReference.Problem) {
        reference = try CellReference.parse(r)
      } catch .malformed {
        throw failure("a cell's reference is '\(r)', not a cell name such as C5; " + Self.damaged)
      } catch {
        throw failure(
          "cell \(r) lies beyond XFD1048576, the last cell of a sheet; " + Self.damaged)
      }
      guard reference.row == rowNumber else {
        throw failure(
          "cell \(r) is written in row \(rowNumber); " + Self.damaged, cell: reference.name)
      }
      guard reference.column > column else {
        let previous = Sheet.cellName(column: column, row: rowNumber)
        throw failure(
          reference.column == column
            ? "cell \(r) appears twice; " + Self.damaged
            : "cell \(r) comes after \(previous) (cells must be in order); " + Self.damaged,
          cell: reference.name)
      }
    } else {
      guard column + 1 < Sheet.maximumColumns else {
        throw failure(
          "a cell without a reference follows column XFD, the last column of a sheet; "
            + Self.damaged, cell: Sheet.cellName(column: column, row: rowNumber))
      }
      reference = CellReference(column: column + 1, row: rowNumber)
    }
    column = reference.column
    cell = CellState()
    cell.reference = reference
    cell.type = attributes["t"] ?? "n"
    if let s = attributes["s"] {
      guard s.utf8.allSatisfy({ (48...57).contains($0) }), let style = Int(s) else {
        throw failure(
          "its style is '\(s)', not a style number; " + Self.damaged, cell: reference.name)
      }
      cell.style = style
    }
  }

  mutating func endCell() throws(SpreadsheetError) {
    let value = try cellValue()
    guard value != .empty else { return }
    while rowCells.count < cell.reference.column { rowCells.append(.empty) }
    rowCells.append(value)
  }

  mutating func endRow() throws(SpreadsheetError) {
    guard !rowCells.isEmpty else { return }
    cellCount += rowCells.count
    guard cellCount <= Sheet.maximumCells else {
      throw failure(
        "the sheet holds more than \(Sheet.maximumCells) cells (counting the empty cells "
          + "between values in a row), more than Outpost reads; split it into smaller sheets")
    }
    rows.append(SheetRow(number: rowNumber, cells: rowCells))
  }
}
