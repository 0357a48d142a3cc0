import OutpostSpreadsheet
import Testing

/// SPEC.md §3.5: how a workbook's parts become sheets, rows and text cells, on small workbooks
/// written as Excel writes them (TestWorkbook).
struct WorkbookStructureTests {
  static func sheet(
    _ rows: String, strings: [String]? = nil, cellFormats: [Int]? = nil
  ) throws(SpreadsheetError) -> Sheet {
    try Workbook(
      bytes: TestWorkbook(sheets: [("S", rows)], strings: strings, cellFormats: cellFormats).bytes
    ).sheet(named: nil)
  }

  @Test("column names: A…Z, AA…, XFD")
  func columnNames() {
    let names = [0, 1, 25, 26, 27, 51, 52, 701, 702, 16_383].map(Sheet.columnName)
    #expect(names == ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD"])
    #expect(Sheet.cellName(column: 2, row: 5) == "C5")
  }

  @Test("shared strings as Excel writes them: rich runs joined, phonetic runs left out, escapes")
  func sharedStrings() throws {
    let strings = [
      #"<t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/>"#,
      #"<r><rPr><b/><sz val="11"/></rPr><t>粗</t></r><r><t xml:space="preserve"> 体 </t></r>"#,
      "<t>a_x000D_b_x000a_c</t>",
      "<t>_x005F_x0041_ and _x0041_ and _xZZZZ_</t>",
      "<t></t>",
      "<t>&lt;&amp;&#x4E2D;&#25991;&gt;</t>",
      "<t><![CDATA[<x> & y]]></t>",
      "<t>_xD83D__xDE00_</t>",
    ]
    let cells = (0..<strings.count).map { index in
      #"<c r="\#(Sheet.columnName(index))1" t="s"><v>\#(index)</v></c>"#
    }.joined()
    let sheet = try Self.sheet(#"<row r="1">\#(cells)</row>"#, strings: strings)
    #expect(
      sheet.rows[0].cells == [
        .text("東京"), .text("粗 体 "), .text("a\rb\nc"), .text("_x0041_ and A and _xZZZZ_"),
        .empty, .text("<&中文>"), .text("<x> & y"), .text("😀"),
      ])
    let half = spreadsheetError { () throws(SpreadsheetError) in
      _ = try Self.sheet("", strings: ["<t>_xD83D_</t>"])
    }
    #expect(half?.part == "xl/sharedStrings.xml")
    #expect(half?.message.hasPrefix("shared string 0 holds an escape") == true)
  }

  @Test("cell types: inline strings, formula text, ISO dates, errors, booleans, empty values")
  func cellTypes() throws {
    let row = [
      #"<c r="A1" t="inlineStr"><is><t>内联</t><rPh sb="0" eb="1"><t>ナイ</t></rPh></is></c>"#,
      #"<c r="B1" t="inlineStr"><is><r><t>a</t></r><r><rPr><i/></rPr><t>b</t></r></is></c>"#,
      #"<c r="C1" t="str"><f>"x"&amp;"y"</f><v>xy_x0009_</v></c>"#,
      #"<c r="D1" t="str"><f>""</f><v></v></c>"#,
      #"<c r="E1" t="d"><v>2025-03-01T08:30:00</v></c>"#,
      #"<c r="F1" t="e"><f>NA()</f><v>#N/A</v></c>"#,
      #"<c r="G1" t="b"><v>1</v></c>"#,
      #"<c r="H1" t="n"><f>1+1</f><v>2</v></c>"#,
      #"<c r="I1" s="0"/>"#,
      #"<c r="J1"><v></v></c>"#,
      #"<c r="K1" t="inlineStr"/>"#,
      #"<c r="L1" t="n"><v>-7</v></c>"#,
    ].joined()
    let sheet = try Self.sheet(#"<row r="1">\#(row)</row>"#)
    #expect(
      sheet.rows == [
        SheetRow(
          number: 1,
          cells: [
            .text("内联"), .text("ab"), .text("xy\t"), .empty, .date("2025-03-01T08:30:00"),
            .error("#N/A"), .boolean(true), .number("2"), .empty, .empty, .empty,
            .number("-7"),
          ])
      ])
  }

  @Test("rows and cells without r follow the previous one; empty rows are left out")
  func implicitReferences() throws {
    let rows = [
      #"<row><c><v>1</v></c><c><v>2</v></c></row>"#,  // row 1: A1, B1
      #"<row r="3"><c r="C3"><v>3</v></c><c><v>4</v></c><c r="F3"><v>5</v></c></row>"#,
      #"<row><c r="A4" s="0"/></row>"#,  // row 4: nothing
      #"<row r="7" spans="1:2"></row>"#,
      #"<row><c r="B8"><v>6</v></c></row>"#,  // row 8
    ].joined()
    let sheet = try Self.sheet(rows)
    #expect(
      sheet.rows == [
        SheetRow(number: 1, cells: [.number("1"), .number("2")]),
        SheetRow(
          number: 3, cells: [.empty, .empty, .number("3"), .number("4"), .empty, .number("5")]),
        SheetRow(number: 8, cells: [.empty, .number("6")]),
      ])
  }

  @Test("namespace prefixes (x:, as the Open XML SDK writes) and other writers' layouts")
  func prefixes() throws {
    var book = TestWorkbook(sheets: [("Data", "")], strings: ["<x:t>ok</x:t>"])
    let main = TestWorkbook.main
    book.replace(
      "xl/worksheets/sheet1.xml",
      with: #"<?xml version="1.0" encoding="utf-8"?><x:worksheet xmlns:x="\#(main)">"#
        + #"<x:sheetData><x:row r="2"><x:c r="B2" t="s"><x:v>0</x:v></x:c></x:row>"#
        + "</x:sheetData></x:worksheet>")
    book.replace(
      "xl/sharedStrings.xml",
      with: #"<x:sst xmlns:x="\#(main)"><x:si><x:t>ok</x:t></x:si></x:sst>"#)
    book.replace(
      "xl/workbook.xml",
      with: #"<x:workbook xmlns:x="\#(main)" xmlns:rel="\#(TestWorkbook.relationships)">"#
        + #"<x:sheets><x:sheet name="Data" sheetId="1" rel:id="rId1"/></x:sheets></x:workbook>"#)
    let sheet = try Workbook(bytes: book.bytes).sheet(named: "Data")
    #expect(sheet.rows == [SheetRow(number: 2, cells: [.empty, .text("ok")])])
  }

  @Test("part names: ../ and absolute targets, case ignored, percent escapes")
  func targets() throws {
    var book = TestWorkbook(
      sheets: [("A", #"<row r="1"><c t="s"><v>0</v></c></row>"#)], strings: ["<t>s</t>"])
    let rels = TestWorkbook.relationships
    book.parts = book.parts.map { part in
      switch part.name {
      case "xl/worksheets/sheet1.xml": ("xl/worksheets/表 1.xml", part.text)
      case "xl/sharedStrings.xml": ("xl/SharedStrings.XML", part.text)
      default: part
      }
    }
    book.replace(
      "xl/_rels/workbook.xml.rels",
      with: #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="\#(rels)/worksheet" "#
        + #"Target="../xl/./worksheets/%E8%A1%A8%201.xml"/>"#
        + #"<Relationship Id="rId2" Type="\#(rels)/sharedStrings" Target="/xl/sharedStrings.xml"/>"#
        + "</Relationships>")
    #expect(try Workbook(bytes: book.bytes).sheet(named: "A").rows[0].cells == [.text("s")])
  }

  @Test("without shared strings or styles parts, with no rels for them: the usual names")
  func conventionalParts() throws {
    var book = TestWorkbook(
      sheets: [("A", #"<row r="1"><c t="s" s="1"><v>0</v></c><c s="1"><v>45717</v></c></row>"#)],
      strings: ["<t>s</t>"], cellFormats: [0, 14])
    let rels = TestWorkbook.relationships
    book.replace(
      "xl/_rels/workbook.xml.rels",
      with: #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="\#(rels)/worksheet" Target="worksheets/sheet1.xml"/>"#
        + "</Relationships>")
    #expect(
      try Workbook(bytes: book.bytes).sheet(named: "A").rows[0].cells == [
        .text("s"), .date("2025-03-01"),
      ])
  }

  @Test("errors say where: the sheet, else the part, and the cell")
  func descriptions() {
    #expect(
      SpreadsheetError("m", part: "xl/worksheets/sheet1.xml", sheet: "销售", cell: "C5")
        .description == "sheet '销售', cell C5: m")
    #expect(SpreadsheetError("m", part: "xl/styles.xml").description == "xl/styles.xml: m")
    #expect(
      SpreadsheetError("xl/styles.xml is damaged", part: "xl/styles.xml").description
        == "xl/styles.xml is damaged")
    #expect(SpreadsheetError("m").description == "m")
  }
}

extension WorkbookStructureTests {
  @Test("a part over 10 MB is parsed (libxml2 refuses one handed over in a single chunk)")
  func largePart() throws {
    let filler = String(repeating: "填充文字 filler ", count: 300_000)  // 6.6 MB
    var book = TestWorkbook(sheets: [("S", "")])
    book.replace(
      "xl/worksheets/sheet1.xml",
      with: #"<worksheet xmlns="\#(TestWorkbook.main)"><extLst><a>\#(filler)</a><a>\#(filler)</a>"#
        + #"</extLst><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#)
    #expect(
      try Workbook(bytes: book.bytes).sheet(named: nil).rows == [
        SheetRow(number: 1, cells: [.number("1")])
      ])
  }
}
