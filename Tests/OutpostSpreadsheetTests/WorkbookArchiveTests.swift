import OutpostSpreadsheet
import Testing

/// SPEC.md §3.5: files that are not readable .xlsx workbooks, damaged listings, and the limits.
struct WorkbookArchiveTests {
  static func opening(_ bytes: [UInt8]) -> SpreadsheetError? {
    spreadsheetError { () throws(SpreadsheetError) in _ = try Workbook(bytes: bytes) }
  }

  static let save = "save it from Excel as an Excel Workbook (.xlsx)"
  static let damaged = "the workbook is damaged: open it in Excel and save it again"

  @Test("other formats are named: .xls, .ods, .xlsb, a zip of something else, not a zip")
  func otherFormats() {
    #expect(
      Self.opening(
        [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504))?
        .message
        == "the file is an Excel 97–2003 workbook (.xls) or a password-protected workbook, not an "
        + ".xlsx workbook; open it in Excel and save it as an Excel Workbook (.xlsx) without a "
        + "password")
    let ods = TestWorkbook.zip([
      ("mimetype", Array("application/vnd.oasis.opendocument.spreadsheet".utf8)),
      ("content.xml", Array("<office:document-content/>".utf8)),
    ])
    #expect(
      Self.opening(ods)?.message.hasPrefix("the file is an OpenDocument spreadsheet (.ods)") == true
    )
    let xlsb = TestWorkbook.zip([("xl/workbook.bin", [1, 2, 3])])
    #expect(
      Self.opening(xlsb)?.message.hasPrefix("the file is an Excel binary workbook (.xlsb)") == true)
    let other = TestWorkbook.zip([("word/document.xml", Array("<w:document/>".utf8))])
    #expect(
      Self.opening(other)?.message
        == "the file is a zip archive without xl/workbook.xml, not an .xlsx workbook; " + Self.save)
    #expect(
      Self.opening(Array("日期,金额\n2025-03-01,12\n".utf8))?.message
        == "the file is not an .xlsx workbook (not a zip archive (no end of central directory "
        + "record)); " + Self.save)
    #expect(Self.opening([])?.message.hasPrefix("the file is not an .xlsx workbook") == true)
  }

  @Test("damaged listings: relationships, sheets, date system, styles, duplicate entries")
  func listings() {
    let rels = "xl/_rels/workbook.xml.rels"
    func book(_ edit: (inout TestWorkbook) -> Void) -> [UInt8] {
      var book = TestWorkbook(sheets: [("S", "")], cellFormats: [0])
      edit(&book)
      return book.bytes
    }
    let relationship = #"Type="\#(TestWorkbook.relationships)/worksheet""#
    let cases: [([UInt8], String?, String)] = [
      (book { $0.parts.removeAll { $0.name == rels } }, rels, "the workbook has no \(rels)"),
      (
        book { $0.replace("xl/workbook.xml", with: "<workbook><sheets/></workbook>") },
        "xl/workbook.xml", "xl/workbook.xml lists no sheets; " + Self.damaged
      ),
      (
        book {
          $0.replace(
            "xl/workbook.xml",
            with: #"<workbook><sheets><sheet name="S" sheetId="1" id="rId9"/></sheets></workbook>"#)
        }, rels, "sheet 'S' refers to relationship 'rId9', which \(rels) lacks; " + Self.damaged
      ),
      (
        book {
          $0.replace(
            "xl/workbook.xml",
            with: #"<workbook><sheets><sheet name="S" id="rId1"/><sheet name="s" id="rId1"/>"#
              + "</sheets></workbook>")
        }, "xl/workbook.xml", "xl/workbook.xml lists two sheets named 's'; " + Self.damaged
      ),
      (
        book {
          $0.replace(
            "xl/workbook.xml",
            with: #"<workbook><sheets><sheet sheetId="1" id="rId1"/></sheets></workbook>"#)
        }, "xl/workbook.xml", "xl/workbook.xml lists a sheet without a name or relationship id"
      ),
      (
        book {
          $0.replace(
            "xl/workbook.xml",
            with: #"<workbook><workbookPr date1904="yes"/><sheets/></workbook>"#)
        }, "xl/workbook.xml",
        #"xl/workbook.xml has date1904="yes", which is neither true nor false"#
      ),
      (
        book {
          $0.replace("xl/workbook.xml", with: #"<worksheet><sheets/></worksheet>"#)
        }, "xl/workbook.xml",
        "xl/workbook.xml is not a workbook part (its root element is <worksheet>)"
      ),
      (
        book {
          $0.replace(
            rels,
            with: #"<Relationships><Relationship Id="rId1" \#(relationship) "#
              + #"Target="file:///C:/book.xlsx" TargetMode="External"/></Relationships>"#)
        }, rels, "sheet 'S' is an external link ('file:///C:/book.xlsx')"
      ),
      (
        book {
          $0.replace(
            rels,
            with: #"<Relationships><Relationship Id="rId1" \#(relationship) "#
              + #"Target="../../sheet.xml"/></Relationships>"#)
        }, rels, "sheet 'S' is at '../../sheet.xml', outside the archive; " + Self.damaged
      ),
      (
        book {
          $0.replace(
            rels,
            with: #"<Relationships><Relationship Id="rId1" \#(relationship) "#
              + #"Target="worksheets/sheet1.xml"/><Relationship Id="rId1" \#(relationship) "#
              + #"Target="worksheets/sheet1.xml"/></Relationships>"#)
        }, rels, "\(rels) has two relationships with the id 'rId1'; " + Self.damaged
      ),
      (
        book {
          $0.replace(
            "xl/styles.xml",
            with: #"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="0"/>"#
              + #"<numFmt numFmtId="164" formatCode="yyyy"/></numFmts></styleSheet>"#)
        }, "xl/styles.xml", "xl/styles.xml defines number format 164 twice; "
      ),
      (
        book {
          $0.replace(
            "xl/styles.xml",
            with: #"<styleSheet><cellXfs><xf numFmtId="-1"/></cellXfs></styleSheet>"#)
        }, "xl/styles.xml", "xl/styles.xml has a number format id '-1' that is not a whole number"
      ),
      (
        book { $0.parts.append(("xl/Workbook.xml", "<workbook/>")) }, "xl/workbook.xml",
        "the archive holds 2 entries named 'xl/workbook.xml' (ignoring case); " + Self.damaged
      ),
    ]
    for (bytes, part, message) in cases {
      let error = Self.opening(bytes)
      #expect(error?.part == part, "\(message)")
      #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "-")")
    }
  }

  /// `bytes` with the central directory declaring `size` bytes for the entry named `name`.
  static func declaring(_ size: Int, for name: String, in bytes: [UInt8]) -> [UInt8] {
    var bytes = bytes
    let nameBytes = Array(name.utf8)
    for at in 0..<(bytes.count - 46) where bytes[at..<(at + 4)].elementsEqual([0x50, 0x4B, 1, 2]) {
      let length = Int(bytes[at + 28]) | Int(bytes[at + 29]) << 8
      if bytes[(at + 46)..<(at + 46 + length)].elementsEqual(nameBytes) {
        for index in 0..<4 { bytes[at + 24 + index] = UInt8(size >> (8 * index) & 0xFF) }
      }
    }
    return bytes
  }

  @Test("parts that would decompress beyond 256 MiB together are refused before inflating")
  func inflationLimit() {
    let parts = TestWorkbook(sheets: [("A", ""), ("B", "")])
    let book = parts.bytes
    let half = Workbook.maximumInflatedBytes / 2
    let big = Self.declaring(
      half, for: "xl/worksheets/sheet2.xml",
      in: Self.declaring(half, for: "xl/worksheets/sheet1.xml", in: book))
    let error = Self.opening(big)
    let listing = parts.parts.filter {
      $0.name.hasPrefix("xl/workbook.xml") || $0.name.hasPrefix("xl/_rels")
    }
    let total = 2 * half + listing.map(\.text.utf8.count).reduce(0, +)
    #expect(
      error?.message
        == "the workbook's sheets, strings and styles come to \(total) bytes once decompressed, "
        + "more than the 268435456 (256 MiB) Outpost reads; split it into smaller workbooks")
    // One sheet declaring more than it holds opens (the total fits) and fails on reading.
    let lying = Self.declaring(1000, for: "xl/worksheets/sheet1.xml", in: book)
    let read = spreadsheetError { () throws(SpreadsheetError) in
      _ = try Workbook(bytes: lying).sheet(named: "A")
    }
    #expect(read?.part == "xl/worksheets/sheet1.xml")
    #expect(read?.message.contains("is stored, but its two sizes differ") == true)
  }

  @Test("a sheet of more than 10,000,000 cells, counting the gaps, is refused")
  func cellLimit() {
    // 611 rows, each with one value in column XFD: 611 × 16,384 cells once the gaps are filled.
    let rows = (1...611).map { #"<row r="\#($0)"><c r="XFD\#($0)"><v>1</v></c></row>"# }.joined()
    let error = spreadsheetError { () throws(SpreadsheetError) in
      _ = try Workbook(bytes: TestWorkbook(sheets: [("S", rows)]).bytes).sheet(named: "S")
    }
    #expect(
      error?.message
        == "the sheet holds more than 10000000 cells (counting the empty cells between values in "
        + "a row), more than Outpost reads; split it into smaller sheets")
    #expect(error?.sheet == "S")
  }
}
