/// One sheet of a workbook: its non-empty rows, in order.
public struct Sheet: Sendable, Equatable {
  /// The sheet's name, as its tab shows it.
  public var name: String
  /// The rows holding at least one non-empty cell, in increasing row number; rows with no value
  /// are left out (``SheetRow/number`` shows the gaps).
  public var rows: [SheetRow]
  /// The merged cell ranges (`<mergeCells>`): only a range's first cell holds its value.
  public var merges: [MergedRange]

  /// A sheet named `name` with `rows` and `merges`.
  public init(name: String, rows: [SheetRow], merges: [MergedRange] = []) {
    self.name = name
    self.rows = rows
    self.merges = merges
  }

  /// The most rows a sheet can have (Excel's limit: row 1,048,576).
  public static let maximumRows = 1_048_576
  /// The most columns a sheet can have (Excel's limit: column XFD).
  public static let maximumColumns = 16_384
  /// The most cells a sheet read may hold once the gaps within its rows are filled with
  /// ``SheetCell/empty``; a larger sheet is refused rather than filling memory.
  public static let maximumCells = 10_000_000

  /// A column index as Excel letters: 0 → `A`, 25 → `Z`, 26 → `AA`, 16,383 → `XFD`.
  ///
  /// - Precondition: `index >= 0`.
  public static func columnName(_ index: Int) -> String {
    precondition(index >= 0, "a column index is not negative")
    var letters: [Unicode.Scalar] = []
    var rest = index + 1
    while rest > 0 {
      rest -= 1
      letters.append(Unicode.Scalar(UInt8(ascii: "A") + UInt8(rest % 26)))
      rest /= 26
    }
    var name = ""
    name.unicodeScalars.append(contentsOf: letters.reversed())
    return name
  }

  /// A cell's name from its column index and 1-based row number: (2, 5) → `C5`.
  public static func cellName(column: Int, row: Int) -> String {
    columnName(column) + String(row)
  }
}

/// One row of a sheet.
public struct SheetRow: Sendable, Equatable {
  /// Excel's 1-based row number (the row's `r` attribute), to name the row in messages.
  public var number: Int
  /// The cells, column A first, up to the last non-empty one; gaps are ``SheetCell/empty``.
  public var cells: [SheetCell]

  /// Row `number` holding `cells`.
  public init(number: Int, cells: [SheetCell]) {
    self.number = number
    self.cells = cells
  }
}

/// A cell's value, as text ready for an importer.
public enum SheetCell: Sendable, Equatable {
  /// No value (also a text of length zero).
  case empty
  /// Text: a shared string (rich text runs joined, phonetic runs left out), an inline string or
  /// a formula's text result.
  case text(String)
  /// A number as a plain decimal (no exponent) at Excel's precision of 15 significant digits:
  /// `1798.0999999999999` → `1798.1`, `1.5E+20` → `150000000000000000000`.
  case number(String)
  /// A boolean (`t="b"`).
  case boolean(Bool)
  /// A number whose format is a date or time: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` or, below
  /// one day, `HH:MM:SS`; or an ISO 8601 date cell (`t="d"`) as written.
  case date(String)
  /// An error value such as `#DIV/0!` or `#N/A`; empty for a formula saved without its result
  /// (written by a program that does not calculate, such as openpyxl).
  case error(String)
}

/// A range of merged cells (`C2:C3`): the first cell holds the value Excel shows over all.
public struct MergedRange: Sendable, Equatable {
  /// The first (top-left) cell's 0-based column and 1-based row.
  public var first: (column: Int, row: Int)
  /// The last (bottom-right) cell's 0-based column and 1-based row.
  public var last: (column: Int, row: Int)

  /// A range from `first` to `last`.
  public init(first: (column: Int, row: Int), last: (column: Int, row: Int)) {
    self.first = first
    self.last = last
  }

  /// The range as Excel writes it: `C2:C3`.
  public var name: String {
    Sheet.cellName(column: first.column, row: first.row) + ":"
      + Sheet.cellName(column: last.column, row: last.row)
  }

  public static func == (lhs: MergedRange, rhs: MergedRange) -> Bool {
    lhs.first == rhs.first && lhs.last == rhs.last
  }
}
