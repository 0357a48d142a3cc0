import Outpost
import OutpostCodec
import OutpostModel
import OutpostSpreadsheet
import OutpostStore
import OutpostTestSupport
import Testing

/// Importing an Excel workbook (SPEC.md §3.5, §3.6): the sheet's rows under the header row,
/// cells as text, error cells refused only where a column is read.
struct WorkbookImportTests {
  let now: @Sendable () -> Timestamp = { "2026-04-01T09:00:00Z" }

  /// A minimal .xlsx: one sheet per entry, each a list of rows of `(reference, cell XML)`.
  static func workbook(_ sheets: [(name: String, rows: [[String]])], merges: [String] = [])
    -> [UInt8]
  {
    var files: [(String, String)] = []
    var entries = ""
    var rels = ""
    for (index, sheet) in sheets.enumerated() {
      entries += #"<sheet name="\#(sheet.name)" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"#
      rels +=
        #"<Relationship Id="rId\#(index + 1)" "#
        + #"Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" "#
        + #"Target="worksheets/sheet\#(index + 1).xml"/>"#
      var data = ""
      for (rowIndex, row) in sheet.rows.enumerated() where !row.isEmpty {
        data += #"<row r="\#(rowIndex + 1)">"#
        for (column, cell) in row.enumerated() where !cell.isEmpty {
          let reference = Sheet.cellName(column: column, row: rowIndex + 1)
          data += cell.replacingOccurrences("@", reference)
        }
        data += "</row>"
      }
      files.append(
        (
          "xl/worksheets/sheet\(index + 1).xml",
          #"<?xml version="1.0" encoding="UTF-8"?><worksheet "#
            + #"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
            + "<sheetData>\(data)</sheetData>"
            + (merges.isEmpty
              ? ""
              : "<mergeCells>" + merges.map { #"<mergeCell ref="\#($0)"/>"# }.joined()
                + "</mergeCells>")
            + "</worksheet>"
        ))
    }
    files.append(
      (
        "xl/workbook.xml",
        #"<?xml version="1.0" encoding="UTF-8"?><workbook "#
          + #"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" "#
          + #"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
          + "<sheets>\(entries)</sheets></workbook>"
      ))
    files.append(
      (
        "xl/_rels/workbook.xml.rels",
        #"<?xml version="1.0" encoding="UTF-8"?><Relationships "#
          + #"xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\#(rels)"#
          + "</Relationships>"
      ))
    return StoredZip.archive(files.map { ($0.0, Array($0.1.utf8)) })
  }

  static func text(_ value: String) -> String {
    #"<c r="@" t="inlineStr"><is><t>\#(value)</t></is></c>"#
  }
  static func number(_ value: String) -> String { #"<c r="@"><v>\#(value)</v></c>"# }
  static let divByZero = #"<c r="@" t="e"><v>#DIV/0!</v></c>"#
  static let unsaved = #"<c r="@"><f>B2/C2</f></c>"#

  static let header = ["日期", "点击", "消费", "咨询", "电话", "点击率"].map(text)
  static let profileJSON =
    #"{"format": "outpost-import-profile/1", "collection": "channel_daily", "header_row": 2, "#
    + #""columns": {"日期": "date", "点击": "clicks", "消费": "spend", "咨询": "consultations", "#
    + #""电话": "consult_calls"}, "ignore": ["点击率"], "constants": {"channel_id": "sem"}}"#

  func run(_ bytes: [UInt8], _ json: String) throws(OutpostError) -> Int {
    guard let (_, north, _) = try? twoOffices(now: now) else {
      throw OutpostError(.io, "could not make the test repositories")
    }
    let profile = try ImportProfile.decode(Array(json.utf8), source: "p.json")
    return try north.importRecords(
      .workbook(bytes), into: "channel_daily", name: "w.xlsx", profile: profile
    )
    .summary.created
  }

  func problems(_ bytes: [UInt8], _ json: String) -> [OutpostError] {
    do throws(OutpostError) {
      _ = try run(bytes, json)
      Issue.record("accepted")
      return []
    } catch {
      return error.problems.isEmpty ? [error] : error.problems
    }
  }

  @Test(
    "§3.5/§3.6: a title row, the header on row 2, numbers and text cells; errors in ignored columns"
  )
  func imports() throws {
    let bytes = Self.workbook([
      (
        "报表",
        [
          [Self.text("百度推广 报表")], Self.header,
          [
            Self.text("2026-03-01"), Self.number("12"), Self.number("1798.0999999999999"),
            Self.number("1"), Self.number("0"), Self.divByZero,
          ],
          [
            Self.text("2026-03-02"), Self.number("5"), Self.number("3"), Self.number("0"),
            Self.number("0"), Self.unsaved,
          ],
        ]
      )
    ])
    #expect(try run(bytes, Self.profileJSON) == 2)
  }

  @Test(
    "§3.5: an error cell or an unsaved formula in a column that is read is refused, naming the cell"
  )
  func errorCells() throws {
    for (cell, words) in [
      (Self.divByZero, "holds the Excel error #DIV/0!"),
      (Self.unsaved, "formula saved without its result"),
    ] {
      let bytes = Self.workbook([
        (
          "报表",
          [
            [Self.text("t")], Self.header,
            [Self.text("2026-03-01"), cell, Self.number("1"), Self.number("1"), Self.number("0")],
          ]
        )
      ])
      let found = problems(bytes, Self.profileJSON)
      #expect(found.count == 1 && found[0].location.line == 3 && found[0].location.column == 2)
      #expect(found.first?.message.hasPrefix("cell B3 ") == true, "\(found.map(\.message))")
      #expect(found.first?.message.contains(words) == true, "\(found.map(\.message))")
    }
  }

  @Test("§3.5: a merged range's other cells are refused where a column is read, naming the range")
  func mergedCells() throws {
    let row = { (date: String) in
      [Self.text(date), Self.number("1"), Self.number("1"), Self.number("1"), Self.number("0")]
    }
    var third = row("2026-03-02")
    third[1] = ""
    let rows = [[Self.text("t")], Self.header, row("2026-03-01"), third]
    let found = problems(
      Self.workbook([("报表", rows)], merges: ["B3:B4", "A1:J1"]), Self.profileJSON)
    #expect(found.count == 1 && found.first?.location.line == 4, "\(found.map(\.message))")
    #expect(found.first?.message.hasPrefix("cell B4 is inside the merged cells B3:B4") == true)
    // A merge over an ignored column, or above the header, is no problem.
    #expect(
      try run(
        Self.workbook([("报表", rows.dropLast() + [row("2026-03-02")])], merges: ["F3:F4", "A1:J1"]),
        Self.profileJSON) == 2)
  }

  @Test("§3.6: sheet selects a sheet by name; CSV members and an unknown sheet are refused")
  func sheets() throws {
    let rows = [
      [Self.text("t")], Self.header,
      [
        Self.text("2026-03-01"), Self.number("1"), Self.number("1"), Self.number("1"),
        Self.number("0"),
      ],
    ]
    let bytes = Self.workbook([("说明", [[Self.text("readme")]]), ("数据", rows)])
    let named = Self.profileJSON.dropLast() + #", "sheet": "数据"}"#
    #expect(try run(bytes, String(named)) == 1)
    // The first sheet has no header on row 2.
    let first = problems(bytes, Self.profileJSON)
    #expect(first.map(\.location.rule) == ["header_row"], "\(first.map(\.message))")
    let unknown = problems(bytes, Self.profileJSON.dropLast() + #", "sheet": "数具"}"#)
    #expect(unknown.map(\.location.rule) == ["sheet"], "\(unknown.map(\.message))")
    let encoding = problems(bytes, String(named.dropLast()) + #", "encoding": "gbk"}"#)
    #expect(encoding.map(\.location.field) == ["encoding"], "\(encoding.map(\.message))")
  }
}

/// A stored (uncompressed) zip archive, enough for a test workbook.
enum StoredZip {
  static func archive(_ files: [(name: String, data: [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
    for (name, data) in files {
      let crc = ZipCRC.checksum(data)
      let nameBytes = Array(name.utf8)
      let offset = out.count
      out += [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(0) + le16(0) + le16(0) + le16(0)
      out += le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count))
      out += le16(nameBytes.count) + le16(0) + nameBytes + data
      central += [0x50, 0x4B, 0x01, 0x02] + le16(20) + le16(20) + le16(0) + le16(0) + le16(0)
      central += le16(0) + le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count))
      central += le16(nameBytes.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
      central += le32(UInt32(offset)) + nameBytes
    }
    let start = out.count
    out += central
    out += [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(files.count) + le16(files.count)
    out += le32(UInt32(central.count)) + le32(UInt32(start)) + le16(0)
    return out
  }
}

/// CRC-32 (IEEE), computed bit by bit: independent of the archive reader's table.
enum ZipCRC {
  static func checksum(_ data: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }
}

extension String {
  fileprivate func replacingOccurrences(_ a: String, _ b: String) -> String {
    split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
  }
}
