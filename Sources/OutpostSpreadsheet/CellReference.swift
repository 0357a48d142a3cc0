/// A cell's position from its `r` attribute (`C5`): a 0-based column and a 1-based row.
struct CellReference: Equatable {
  var column: Int
  var row: Int

  /// Why `r` text is not a cell reference within a sheet's bounds.
  enum Problem: Error {
    case malformed
    case beyondBounds
  }

  /// Parses `text`: one to three capital letters, then a row number without leading zeros, at
  /// most `XFD1048576`.
  static func parse(_ text: String) throws(Problem) -> CellReference {
    var column = 0
    var row = 0
    var letters = 0
    var digits = 0
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z") where digits == 0:
        letters += 1
        guard letters <= 3 else { throw .beyondBounds }
        column = column * 26 + Int(byte - UInt8(ascii: "A")) + 1
      case UInt8(ascii: "0")...UInt8(ascii: "9") where letters > 0:
        if digits == 0 && byte == UInt8(ascii: "0") { throw .malformed }
        digits += 1
        guard digits <= 7 else { throw .beyondBounds }
        row = row * 10 + Int(byte - UInt8(ascii: "0"))
      default: throw .malformed
      }
    }
    guard letters > 0, digits > 0 else { throw .malformed }
    guard column <= Sheet.maximumColumns, row <= Sheet.maximumRows else { throw .beyondBounds }
    return CellReference(column: column - 1, row: row)
  }

  var name: String { Sheet.cellName(column: column, row: row) }
}
