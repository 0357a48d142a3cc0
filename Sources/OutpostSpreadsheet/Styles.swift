/// What the workbook's styles say about cells: which cell formats (`s`) show a date or time.
struct Styles: Sendable {
  /// For each cell format (`<cellXfs>` entry, by index), whether its number format is a date
  /// or time.
  var dateFormats: [Bool]
  /// Whether the workbook has a styles part (without one, only cell format 0 exists).
  var present: Bool

  static let absent = Styles(dateFormats: [false], present: false)

  /// Whether cell format `index` is a date or time format; nil when there is no such format.
  func isDate(_ index: Int) -> Bool? {
    dateFormats.indices.contains(index) ? dateFormats[index] : nil
  }

  /// Reads `xl/styles.xml`: the custom number formats and the cell formats.
  init(events: [XMLEvent], part: String) throws(SpreadsheetError) {
    var custom: [Int: String] = [:]
    var formatIDs: [Int] = []
    var path: [String] = []
    for event in events {
      switch event {
      case .start(let name, let attributes):
        path.append(name)
        if path.count == 1 && name != "styleSheet" {
          throw SpreadsheetError(
            "\(part) is not a styles part (its root element is <\(name)>); the workbook is "
              + "damaged: save it again from Excel", part: part)
        }
        if path == ["styleSheet", "numFmts", "numFmt"] {
          let id = try Self.formatID(attributes["numFmtId"], part: part)
          guard custom[id] == nil else {
            throw SpreadsheetError(
              "\(part) defines number format \(id) twice; the workbook is damaged: save it "
                + "again from Excel", part: part)
          }
          custom[id] = attributes["formatCode"] ?? ""
        } else if path == ["styleSheet", "cellXfs", "xf"] {
          formatIDs.append(try Self.formatID(attributes["numFmtId"] ?? "0", part: part))
        }
      case .end: _ = path.popLast()
      case .text: break
      }
    }
    dateFormats = formatIDs.map { id in
      if let code = custom[id] { return NumberFormat.isDate(code) }
      return NumberFormat.builtInDates.contains(id)
    }
    present = true
  }

  private init(dateFormats: [Bool], present: Bool) {
    self.dateFormats = dateFormats
    self.present = present
  }

  static func formatID(_ text: String?, part: String) throws(SpreadsheetError) -> Int {
    guard let text, let id = Int(text), id >= 0 else {
      throw SpreadsheetError(
        "\(part) has a number format id '\(text ?? "")' that is not a whole number; the "
          + "workbook is damaged: save it again from Excel", part: part)
    }
    return id
  }
}

/// Number format codes (`numFmt formatCode`) and the built-in formats that are dates.
enum NumberFormat {
  /// Built-in date and time formats: 14–22 and 45, 47 (46 is `[h]:mm:ss`, a duration), and the
  /// East Asian built-ins 27–36 and 50–58 (zh-CN Excel's 年/月/日 formats).
  static let builtInDates: Set<Int> = Set(14...22).union([45, 47]).union(27...36).union(50...58)

  /// Whether `code` formats a date or time: it has `y`, `m`, `d`, `h` or `s` (any case) outside
  /// quoted text, backslash escapes, `_`/`*` padding and `[...]` brackets, and no elapsed-time
  /// bracket (`[h]`, `[mm]`, `[ss]`: a duration, which stays a number).
  static func isDate(_ code: String) -> Bool {
    let characters = Array(code.unicodeScalars)
    var index = 0
    var sawDatePart = false
    while index < characters.count {
      switch characters[index] {
      case "\"":
        index += 1
        while index < characters.count && characters[index] != "\"" { index += 1 }
      case "\\", "_", "*":
        index += 1
      case "[":
        var end = index + 1
        while end < characters.count && characters[end] != "]" { end += 1 }
        let inside = String(String.UnicodeScalarView(characters[(index + 1)..<end])).lowercased()
        if let first = inside.first, "hms".contains(first), inside.allSatisfy({ $0 == first }) {
          return false
        }
        index = end
      case "y", "Y", "m", "M", "d", "D", "h", "H", "s", "S":
        sawDatePart = true
      default: break
      }
      index += 1
    }
    return sawDatePart
  }
}
