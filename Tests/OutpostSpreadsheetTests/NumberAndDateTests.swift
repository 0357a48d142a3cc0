import OutpostSpreadsheet
import Testing

/// SPEC.md §3.5: number cells at Excel's 15 significant digits, and date serials, against
/// values computed independently with Python (each table says how).
struct NumberAndDateTests {
  /// Each `<v>` text in a cell of its own row (column A, cell format `style`), read back.
  static func read(
    _ values: [String], style: Int = 0, cellFormats: [Int] = [0],
    customFormats: [(Int, String)] = [],
    date1904: String? = nil
  ) throws(SpreadsheetError) -> [SheetCell] {
    let rows = values.enumerated().map { index, value in
      #"<row r="\#(index + 1)"><c r="A\#(index + 1)" s="\#(style)"><v>\#(value)</v></c></row>"#
    }.joined()
    let workbook = try Workbook(
      bytes: TestWorkbook(
        sheets: [("S", rows)], cellFormats: cellFormats, customFormats: customFormats,
        date1904: date1904
      ).bytes)
    return try workbook.sheet(named: nil).rows.map { $0.cells.first ?? .empty }
  }

  /// `<v>` text → expected text.
  ///
  /// Computed with Python's decimal module:
  /// `Context(prec=15, rounding=ROUND_HALF_UP).plus(Decimal(v))`, written with `format(d, 'f')`
  /// less trailing fraction zeros and point (`0` for zero).
  static let numbers: [(String, String)] = [
    ("1798.0999999999999", "1798.1"),
    ("0.30000000000000004", "0.3"),
    ("1E-3", "0.001"),
    ("11652", "11652"),
    ("1.5E+20", "150000000000000000000"),
    ("-0", "0"),
    ("-0.000", "0"),
    ("0", "0"),
    ("123456789012345678", "123456789012346000"),
    ("999999999999999.5", "1000000000000000"),
    ("9999999999999995", "10000000000000000"),
    ("0.1234567890123456", "0.123456789012346"),
    ("-2.5000000000000005", "-2.5"),
    ("1.0000000000000005", "1"),
    ("1.000000000000005", "1.00000000000001"),
    ("-1.000000000000005", "-1.00000000000001"),
    ("0.999999999999999999", "1"),
    ("99999999999999950", "100000000000000000"),
    ("0.00000000000000012345678901234567", "0.000000000000000123456789012346"),
    ("12.5", "12.5"),
    ("007.50", "7.5"),
    ("1e0", "1"),
    ("2.675E1", "26.75"),
    ("123456789012345.6", "123456789012346"),
    ("45717.60434027778", "45717.6043402778"),
    ("-42.5E-1", "-4.25"),
    ("8.024999999999999", "8.025"),
  ]

  @Test("numbers: 15 significant digits, half away from zero, plain decimals")
  func numberRule() throws {
    let cells = try Self.read(Self.numbers.map(\.0))
    for ((written, expected), cell) in zip(Self.numbers, cells) {
      #expect(cell == .number(expected), "\(written)")
    }
  }

  @Test("numbers at the ends of Excel's range, and beyond it")
  func numberRange() throws {
    // Python: format(Context(prec=15, rounding=ROUND_HALF_UP).plus(Decimal(v)), 'f').
    let cells = try Self.read(["1.7976931348623157E+308", "4.9E-324", "-1.5e300"])
    #expect(cells[0] == .number("179769313486232" + String(repeating: "0", count: 294)))
    #expect(cells[1] == .number("0." + String(repeating: "0", count: 323) + "49"))
    #expect(cells[2] == .number("-15" + String(repeating: "0", count: 299)))
    for beyond in ["1E+309", "1E-400", "1E999999999999999999"] {
      let error = spreadsheetError { () throws(SpreadsheetError) in _ = try Self.read([beyond]) }
      #expect(error?.cell == "A1")
      #expect(error?.message.contains("beyond the range of Excel's numbers") == true, "\(beyond)")
    }
    for malformed in ["12 ", "1,5", "0x10", "NaN", "INF", "+1", "1e", "1e+", "--1", "1.2.3", "."] {
      let error = spreadsheetError { () throws(SpreadsheetError) in _ = try Self.read([malformed]) }
      #expect(
        error?.message == "the cell's number is '\(malformed)', which is not a number; the "
          + "workbook is damaged: open it in Excel and save it again")
    }
  }

  /// Serial → text in the 1900 system (and in 1904).
  ///
  /// Computed with Python: the serial rounded
  /// as above, the fraction × 86400 rounded half-up to seconds, then
  /// `datetime(1899, 12, 30) + timedelta(days, seconds)` (from serial 61; `datetime(1899, 12,
  /// 31)` below 60) or `datetime(1904, 1, 1) + timedelta(...)`, shown `%Y-%m-%d` for a whole
  /// serial, `%Y-%m-%d %H:%M:%S` otherwise, `%H:%M:%S` below one day.
  static let dates: [(String, String, String)] = [
    ("1", "1900-01-01", "1904-01-02"),
    ("59", "1900-02-28", "1904-02-29"),
    ("61", "1900-03-01", "1904-03-02"),
    ("0", "00:00:00", "00:00:00"),
    ("0.5", "12:00:00", "12:00:00"),
    ("0.34375", "08:15:00", "08:15:00"),
    ("0.99999999999", "1900-01-01 00:00:00", "1904-01-02 00:00:00"),
    ("1.5", "1900-01-01 12:00:00", "1904-01-02 12:00:00"),
    ("25569", "1970-01-01", "1974-01-02"),
    ("35065.5", "1996-01-01 12:00:00", "2000-01-02 12:00:00"),
    ("44255", "2021-02-28", "2025-03-01"),
    ("45717", "2025-03-01", "2029-03-02"),
    ("45717.60434027778", "2025-03-01 14:30:15", "2029-03-02 14:30:15"),
    ("45718.3788194444", "2025-03-02 09:05:30", "2029-03-03 09:05:30"),
    ("45717.00015625", "2025-03-01 00:00:14", "2029-03-02 00:00:14"),  // 13.5 s, half-up
    ("45717.0000057869", "2025-03-01 00:00:00", "2029-03-02 00:00:00"),
    ("4.5717E4", "2025-03-01", "2029-03-02"),
    ("2957003", "9995-12-30", "9999-12-31"),
  ]

  @Test("date serials in the 1900 and 1904 systems")
  func serials() throws {
    let serials = Self.dates.map(\.0)
    for (date1904, column) in [(nil, 1), ("0", 1), ("false", 1), ("1", 2), ("true", 2)] {
      let cells = try Self.read(serials, style: 1, cellFormats: [0, 14], date1904: date1904)
      for (row, cell) in zip(Self.dates, cells) {
        #expect(cell == .date(column == 1 ? row.1 : row.2), "\(row.0), date1904 \(date1904 ?? "-")")
      }
    }
    #expect(try Self.read(["2958465"], style: 1, cellFormats: [0, 14]) == [.date("9999-12-31")])
    #expect(
      try Self.read(["2958465.99999"], style: 1, cellFormats: [0, 14])
        == [.date("9999-12-31 23:59:59")])
  }

  @Test("serials with no date: negative, after 9999-12-31, Excel's 1900-02-29")
  func badSerials() throws {
    let cases: [(String, String?, String)] = [
      ("-1", nil, "-1, a negative number, which is no date"),
      ("-0.5", "1", "-0.5, a negative number, which is no date"),
      ("2958466", nil, "2958466, which lies after 9999-12-31"),
      ("2958465.999999", nil, "2958465.999999, which lies after 9999-12-31"),
      ("2957004", "1", "2957004, which lies after 9999-12-31"),
      ("123456789", nil, "123456789, which lies after 9999-12-31"),
      ("60", nil, "60, which Excel shows as 1900-02-29, a day that never was"),
      ("60.25", nil, "60.25, which Excel shows as 1900-02-29, a day that never was"),
    ]
    for (serial, date1904, message) in cases {
      let error = spreadsheetError { () throws(SpreadsheetError) in
        _ = try Self.read([serial], style: 1, cellFormats: [0, 22], date1904: date1904)
      }
      #expect(error?.cell == "A1")
      #expect(error?.sheet == "S")
      #expect(error?.message.contains(message) == true, "\(serial): \(error?.message ?? "-")")
    }
    // In 1904, serial 60 is an ordinary day.
    #expect(
      try Self.read(["60"], style: 1, cellFormats: [0, 14], date1904: "1") == [.date("1904-03-01")])
  }

  @Test("which number formats are dates: built-in ids and custom codes")
  func formats() throws {
    // Built-in: 14–22, 45, 47, 27–36, 50–58 are dates; 46 ([h]:mm:ss) and the rest are not.
    let dates = Set(14...22).union([45, 47]).union(27...36).union(50...58)
    let ids = Array(0...60)
    for id in ids {
      let cell = try Self.read(["45717.5"], style: id, cellFormats: ids)[0]
      #expect(
        cell == (dates.contains(id) ? .date("2025-03-01 12:00:00") : .number("45717.5")), "\(id)")
    }
    let custom: [(String, Bool)] = [
      (#"yyyy"年"m"月"d"日""#, true),
      (#"yyyy\年m\月d\日"#, true),
      ("yyyy-mm-dd hh:mm:ss", true),
      ("[$-804]yyyy/m/d", true),
      ("[$-F400]h:mm:ss\\ AM/PM", true),
      ("mm:ss", true),
      ("[Red]d-mmm", true),
      ("[h]:mm:ss", false),
      ("[mm]:ss", false),
      ("[ss].00", false),
      ("[Red]0.00", false),
      (#""days "0"#, false),
      ("0.00\\h", false),
      ("#,##0_);(#,##0)", false),
      ("#,##0.00_s", false),
      ("0*d", false),
      ("General", false),
      ("0%", false),
      ("@", false),
      ("[DBNum1][$-804]General", false),
    ]
    for (code, isDate) in custom {
      let escaped = code.map { $0 == "\"" ? "&quot;" : String($0) }.joined()
      let cell = try Self.read(
        ["45717.5"], style: 1, cellFormats: [0, 164], customFormats: [(164, escaped)])[0]
      #expect(cell == (isDate ? .date("2025-03-01 12:00:00") : .number("45717.5")), "\(code)")
    }
    // A custom code given to a built-in id replaces it.
    #expect(
      try Self.read(["45717"], style: 1, cellFormats: [0, 14], customFormats: [(14, "0.00")])
        == [.number("45717")])
  }
}
