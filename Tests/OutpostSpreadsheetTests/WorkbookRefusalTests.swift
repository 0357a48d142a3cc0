import OutpostCodec
import OutpostSpreadsheet
import Testing

/// SPEC.md §3.5: what is refused, each time with a SpreadsheetError saying what, where and what
/// to do.
struct WorkbookRefusalTests {
  static let damaged = "the workbook is damaged: open it in Excel and save it again"

  /// The error reading the first sheet of `book` (opening it, then reading the sheet).
  static func failure(_ book: TestWorkbook) -> SpreadsheetError? {
    failure(book.bytes)
  }

  static func failure(_ bytes: [UInt8]) -> SpreadsheetError? {
    spreadsheetError { () throws(SpreadsheetError) in
      _ = try Workbook(bytes: bytes).sheet(named: nil)
    }
  }

  /// The error reading one sheet whose sheetData holds `rows`.
  static func rows(_ rows: String, strings: [String]? = nil, cellFormats: [Int]? = nil)
    -> SpreadsheetError?
  {
    failure(TestWorkbook(sheets: [("S", rows)], strings: strings, cellFormats: cellFormats))
  }

  @Test("an unknown sheet name lists the sheets; a chart sheet has no cells")
  func unknownSheet() throws {
    let book = TestWorkbook(sheets: [("一月", ""), ("二月", "")])
    let workbook = try Workbook(bytes: book.bytes)
    #expect(workbook.sheetNames == ["一月", "二月"])
    let error = spreadsheetError { () throws(SpreadsheetError) in
      _ = try workbook.sheet(named: "Sheet1")
    }
    #expect(error?.message == "the workbook has no sheet named 'Sheet1'; its sheets are '一月', '二月'")
    #expect(error?.sheet == nil && error?.cell == nil && error?.part == nil)
    var chart = book
    chart.replace(
      "xl/_rels/workbook.xml.rels",
      with: #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="\#(TestWorkbook.relationships)/chartsheet" "#
        + #"Target="chartsheets/sheet1.xml"/><Relationship Id="rId2" "#
        + #"Type="\#(TestWorkbook.relationships)/worksheet" Target="worksheets/sheet2.xml"/>"#
        + "</Relationships>")
    #expect(
      Self.failure(chart)?.description
        == "sheet '一月': sheet '一月' is a chart sheet, which holds no cells; name a worksheet: "
        + "'二月'")
    var dialog = chart
    dialog.replace(
      "xl/_rels/workbook.xml.rels",
      with: #"<Relationships><Relationship Id="rId1" Type="urn:x/dialogsheet" Target="d.xml"/>"#
        + #"<Relationship Id="rId2" Type="\#(TestWorkbook.relationships)/worksheet" "#
        + #"Target="worksheets/sheet2.xml"/></Relationships>"#)
    #expect(
      Self.failure(dialog)?.message
        == "sheet '一月' is not a worksheet (its relationship type is 'urn:x/dialogsheet'), which "
        + "holds no cells; name a worksheet: '二月'")
  }

  @Test("a cell referring to shared strings the workbook lacks, or beyond them")
  func missingSharedStrings() {
    let missing = Self.rows(#"<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="s"><v>0</v></c></row>"#)
    #expect(missing?.cell == "B1")
    #expect(missing?.sheet == "S")
    #expect(missing?.part == "xl/worksheets/sheet1.xml")
    #expect(
      missing?.message
        == "the cell refers to shared string 0, but the workbook has no shared strings part; "
        + Self.damaged)
    let beyond = Self.rows(
      #"<row r="4"><c r="C4" t="s"><v>2</v></c></row>"#, strings: ["<t>a</t>", "<t>b</t>"])
    #expect(beyond?.cell == "C4")
    #expect(
      beyond?.message
        == "the cell refers to shared string '2', but the workbook has 2 (0 to 1); " + Self.damaged)
    #expect(
      Self.rows(#"<row r="4"><c r="C4" t="s"><v>-1</v></c></row>"#, strings: [])?.cell == "C4")
    // The relationships name a shared strings part the archive lacks.
    var book = TestWorkbook(sheets: [("S", "")], strings: ["<t>a</t>"])
    book.parts.removeAll { $0.name == "xl/sharedStrings.xml" }
    #expect(
      Self.failure(book)?.message
        == "the sharedStrings part is at xl/sharedStrings.xml, which the archive lacks; "
        + Self.damaged)
  }

  @Test("document type and entity declarations are refused before parsing")
  func doctype() {
    let bomb =
      #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>"#
      + #"<worksheet xmlns="\#(TestWorkbook.main)"><sheetData><row r="1"><c r="A1" t="inlineStr">"#
      + "<is><t>&lol2;</t></is></c></row></sheetData></worksheet>"
    var book = TestWorkbook(sheets: [("S", "")])
    book.replace("xl/worksheets/sheet1.xml", with: bomb)
    let error = Self.failure(book)
    #expect(error?.part == "xl/worksheets/sheet1.xml")
    #expect(
      error?.message
        == "xl/worksheets/sheet1.xml holds a document type or entity declaration (<!DOCTYPE), "
        + "which a workbook never needs and which is refused for safety; save the workbook "
        + "again from Excel")
    let external =
      #"<!doctype workbook SYSTEM "file:///etc/passwd"><workbook><sheets/></workbook>"#
    book.replace("xl/workbook.xml", with: external)
    #expect(Self.failure(book)?.message.contains("(<!DOCTYPE)") == true)
    book.replace("xl/workbook.xml", with: #"<workbook><!ENTITY x "y"><sheets/></workbook>"#)
    #expect(Self.failure(book)?.message.contains("(<!ENTITY)") == true)
  }

  @Test("parts that are not UTF-8 XML, or not well-formed")
  func malformedParts() {
    let part = "xl/worksheets/sheet1.xml"
    let cases: [([UInt8], String)] = [
      (
        Array(#"<?xml version="1.0" encoding="GB2312"?><worksheet/>"#.utf8),
        "\(part) declares the encoding 'GB2312'; only UTF-8 parts are read. Save the workbook "
          + "again from Excel"
      ),
      (
        Array("<worksheet><sheetData>".utf8) + [0xC4, 0xE3]
          + Array("</sheetData></worksheet>".utf8),
        "\(part) is not valid UTF-8 (only UTF-8 parts are read); the workbook is damaged; open "
          + "it in Excel and save it again"
      ),
      (
        Array("<worksheet>\0</worksheet>".utf8),
        "\(part) holds a NUL byte; the workbook is damaged; open it in Excel and save it again"
      ),
      (
        Array("<a/>".utf8),
        "\(part) is empty or truncated (4 bytes); the workbook is damaged; open it in Excel and "
          + "save it again"
      ),
    ]
    for (bytes, message) in cases {
      var entries = TestWorkbook(sheets: [("S", "")]).parts.map { ($0.name, Array($0.text.utf8)) }
      entries = entries.map { $0.0 == part ? (part, bytes) : $0 }
      #expect(Self.failure(TestWorkbook.zip(entries))?.message == message)
    }
    var truncated = TestWorkbook(sheets: [("S", #"<row r="1"><c r="A1"><v>1</v></c></row>"#)])
    let text = truncated.parts.first { $0.name == part }!.text
    truncated.replace(part, with: String(text.dropLast(30)))
    let error = Self.failure(truncated)
    #expect(error?.part == part)
    #expect(error?.message.hasPrefix("\(part) is not well-formed XML (line 1, column ") == true)
    truncated.replace(
      part, with: #"<worksheet><sheetData><row r="1"><c>&bogus;</c></row></sheetData></worksheet>"#)
    #expect(Self.failure(truncated)?.message.hasPrefix("\(part) is not well-formed XML") == true)
    truncated.replace(part, with: "<chartsheet><sheetData/></chartsheet>")
    #expect(
      Self.failure(truncated)?.message
        == "\(part) is not a worksheet (its root element is <chartsheet>); " + Self.damaged)
  }

  @Test("cell and row references: beyond XFD1048576, malformed, repeated or backwards")
  func references() {
    let cases: [(String, String?, String)] = [
      (#"<row r="1"><c r="XFE1"><v>1</v></c></row>"#, nil, "cell XFE1 lies beyond XFD1048576"),
      (#"<row r="1"><c r="AAAA1"><v>1</v></c></row>"#, nil, "cell AAAA1 lies beyond XFD1048576"),
      (#"<row r="1048576"><c r="A1048577"><v>1</v></c></row>"#, nil, "cell A1048577 lies beyond"),
      (#"<row r="1048577"/>"#, nil, "row 1048577 lies beyond row 1048576"),
      (#"<row r="99999999"/>"#, nil, "a row's number is '99999999', not a row number"),
      (#"<row r="0"/>"#, nil, "a row's number is '0', not a row number"),
      (#"<row r="-2"/>"#, nil, "a row's number is '-2', not a row number"),
      (#"<row r="1048576"/><row/>"#, nil, "a row without a number follows row 1048576"),
      (#"<row r="1"><c r="a1"/></row>"#, nil, "a cell's reference is 'a1', not a cell name"),
      (#"<row r="1"><c r="A01"/></row>"#, nil, "a cell's reference is 'A01', not a cell name"),
      (#"<row r="1"><c r="1A"/></row>"#, nil, "a cell's reference is '1A', not a cell name"),
      (#"<row r="1"><c r="$A$1"/></row>"#, nil, "a cell's reference is '$A$1', not a cell name"),
      (#"<row r="1"><c r="B1"/><c r="B1"/></row>"#, "B1", "cell B1 appears twice"),
      (#"<row r="1"><c r="C1"/><c r="A1"/></row>"#, "A1", "cell A1 comes after C1"),
      (#"<row r="2"><c r="A3"/></row>"#, "A3", "cell A3 is written in row 2"),
      (#"<row r="5"/><row r="5"/>"#, nil, "row 5 appears twice"),
      (#"<row r="5"/><row r="3"/>"#, nil, "row 3 comes after row 5"),
      (
        #"<row r="1"><c r="XFD1"/><c/></row>"#, "XFD1",
        "a cell without a reference follows column XFD"
      ),
    ]
    for (rows, cell, message) in cases {
      let error = Self.rows(rows)
      #expect(error?.cell == cell, "\(rows)")
      #expect(error?.sheet == "S")
      #expect(error?.message.hasPrefix(message) == true, "\(rows): \(error?.message ?? "-")")
      #expect(error?.message.hasSuffix(Self.damaged) == true)
    }
    // The last cell of a sheet is read.
    let last = try? Workbook(
      bytes: TestWorkbook(sheets: [("S", #"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#)]
      )
      .bytes
    ).sheet(named: nil)
    #expect(last?.rows.first?.number == 1_048_576)
    #expect(last?.rows.first?.cells.count == 16_384)
    #expect(last?.rows.first?.cells.last == .number("1"))
  }

  @Test("cell types, booleans and styles that do not exist")
  func cellContents() {
    let cases: [(String, [Int]?, String)] = [
      (#"<c r="A1" t="x"><v>1</v></c>"#, nil, #"the cell has type t="x", which is not"#),
      (#"<c r="A1" t="b"><v>2</v></c>"#, nil, "the cell is a boolean holding '2', not 1 or 0"),
      (#"<c r="A1" t="b"><v>TRUE</v></c>"#, nil, "the cell is a boolean holding 'TRUE'"),
      (
        #"<c r="A1" s="1"><v>1</v></c>"#, nil,
        "the cell uses cell format 1, but the workbook has no styles part"
      ),
      (
        #"<c r="A1" s="3"><v>1</v></c>"#, [0, 14],
        "the cell uses cell format 3, but xl/styles.xml defines 2"
      ),
      (#"<c r="A1" s="x"><v>1</v></c>"#, [0], "its style is 'x', not a style number"),
    ]
    for (cell, formats, message) in cases {
      let error = Self.rows(#"<row r="1">\#(cell)</row>"#, cellFormats: formats)
      #expect(error?.cell == "A1", "\(cell)")
      #expect(error?.message.hasPrefix(message) == true, "\(cell): \(error?.message ?? "-")")
    }
  }
}
