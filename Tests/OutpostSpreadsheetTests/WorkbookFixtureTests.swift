import OutpostSpreadsheet
import Testing

/// SPEC.md §3.5 against workbooks written by two real writers.
///
/// The writers (Fixtures/make_fixtures.py; CI reads the committed files and does not run the script): openpyxl 3.1.5 (inline strings,
/// numbers as `%.16g`, its own date serials) and LibreOffice Calc 7 converting a flat ODF
/// spreadsheet (shared strings, rich text runs, formula results). The expected values are the
/// writers' inputs as make_fixtures.py states them.
struct WorkbookFixtureTests {
  @Test("openpyxl: the first sheet, every kind of cell, gaps and sparse rows")
  func openpyxlFirstSheet() throws {
    let workbook = try Workbook(bytes: try TestWorkbook.fixture("openpyxl.xlsx"))
    #expect(workbook.sheetNames == ["销售", "Second", "Formulas"])
    let sheet = try workbook.sheet(named: nil)
    #expect(sheet.name == "销售")
    #expect(sheet.rows.map(\.number) == [1, 2, 3, 4, 6, 8])
    #expect(sheet.rows[0].cells == ["日期", "渠道", "金额", "比例", "完成", "备注"].map(SheetCell.text))
    #expect(
      sheet.rows[1].cells == [
        .date("2025-03-01"), .text("搜索推广"),
        .number("8.025"),  // 2.675 * 3 = 8.024999999999999 (%.16g): 15 digits round it up
        .number("0.05"),  // format 0%: a number, not a date
        .boolean(true),
        .text("普通粗体文字"),  // three rich text runs joined
      ])
    #expect(
      sheet.rows[2].cells == [
        .date("2025-03-01 14:30:15"), .text("信息流"), .number("11652"), .number("-42.5"),
        .boolean(false), .error("#DIV/0!"),
      ])
    #expect(
      sheet.rows[3].cells == [
        .date("2024-02-29"),  // yyyy"年"m"月"d"日"
        .text("Ａ＆Ｂ <x>"),
        .number("150000000000000000000"),  // written 1.5e+20
        .number("0.00001"),  // written 1e-05
        .empty, .error("#N/A"),
      ])
    // A time of day (hh:mm:ss) and a duration ([h]:mm, a number) with two empty cells between.
    #expect(sheet.rows[4].cells == [.date("08:15:00"), .empty, .empty, .number("1.5")])
    // A lone cell in column AB keeps its spaces, after 27 empty cells.
    #expect(sheet.rows[5].cells == Array(repeating: .empty, count: 27) + [.text("  空格  ")])
  }

  @Test("openpyxl: a sheet chosen by name; an unknown name lists the sheets")
  func openpyxlByName() throws {
    let workbook = try Workbook(bytes: try TestWorkbook.fixture("openpyxl.xlsx"))
    let second = try workbook.sheet(named: "Second")
    #expect(second.name == "Second")
    #expect(
      second.rows == [
        SheetRow(number: 1, cells: [.text("id"), .text("value")]),
        SheetRow(number: 2, cells: [.text("a-1"), .number("0.3")]),  // 0.1 * 3
        SheetRow(number: 3, cells: [.text("a-2"), .number("0")]),  // written -0
      ])
    let unknown = spreadsheetError { () throws(SpreadsheetError) in
      _ = try workbook.sheet(named: "second")
    }
    #expect(
      unknown?.description
        == "the workbook has no sheet named 'second' (did you mean 'Second'?); its sheets are "
        + "'销售', 'Second', 'Formulas'")
  }

  @Test("openpyxl: a formula saved without its result is an empty error value")
  func openpyxlFormula() throws {
    let workbook = try Workbook(bytes: try TestWorkbook.fixture("openpyxl.xlsx"))
    let sheet = try workbook.sheet(named: "Formulas")
    #expect(sheet.rows.first?.cells.dropFirst().first == .error(""), "\(sheet.rows)")
  }

  @Test("openpyxl: the 1904 date system")
  func openpyxl1904() throws {
    let workbook = try Workbook(bytes: try TestWorkbook.fixture("openpyxl-1904.xlsx"))
    let sheet = try workbook.sheet(named: "Mac")
    #expect(
      sheet.rows == [
        SheetRow(number: 1, cells: [.date("2025-03-01"), .date("2025-03-01 06:00:00")]),
        SheetRow(number: 2, cells: [.date("1904-01-02"), .number("45717")]),
      ])
  }

  @Test("LibreOffice: shared strings with Chinese text and rich runs, formulas, gaps")
  func libreOffice() throws {
    let workbook = try Workbook(bytes: try TestWorkbook.fixture("libreoffice.xlsx"))
    #expect(workbook.sheetNames == ["数据", "汇总"])
    let sheet = try workbook.sheet(named: "数据")
    #expect(sheet.rows.map(\.number) == [1, 2, 3, 6])
    #expect(sheet.rows[0].cells == ["日期", "渠道", "金额", "比例", "完成"].map(SheetCell.text))
    #expect(
      sheet.rows[1].cells == [
        .date("2025-03-01"),  // yyyy\年m\月d\日
        .text("搜索推广"),  // a plain run and a bold run
        .number("1798.1"), .number("0.05"), .boolean(true),
      ])
    #expect(
      sheet.rows[2].cells == [
        .date("2025-03-02 09:05:30"),  // 45718.3788194444: 15 digits, to the nearest second
        .text("信息流"), .number("0.3"), .error("#DIV/0!"), .boolean(false),
      ])
    #expect(sheet.rows[3].cells == [.empty, .empty, .text("合计"), .empty, .number("-11652")])
    #expect(
      try workbook.sheet(named: "汇总").rows == [
        SheetRow(number: 1, cells: [.text("总计"), .number("12345.678")])
      ])
  }
}
