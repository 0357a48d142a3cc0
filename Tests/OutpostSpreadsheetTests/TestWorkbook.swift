import Foundation
import OutpostCodec
import OutpostSpreadsheet

/// Small workbooks made in the tests, for the cases no writer produces on request (a refused
/// declaration, a damaged reference, one rule's values side by side): the parts' XML written
/// out as Excel writes it, in a zip archive with stored entries.
struct TestWorkbook {
  /// The parts, in archive order.
  var parts: [(name: String, text: String)]

  static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
  static let relationships =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

  /// A workbook with one sheet per `(name, sheetData inner XML)`, shared strings when
  /// `strings` is not nil, and styles whose cell formats have the number format ids
  /// `cellFormats` (custom formats from `customFormats`).
  init(
    sheets: [(String, String)], strings: [String]? = nil, cellFormats: [Int]? = nil,
    customFormats: [(Int, String)] = [], date1904: String? = nil
  ) {
    let sheetList = sheets.enumerated().map { index, sheet in
      #"<sheet name="\#(sheet.0)" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"#
    }.joined()
    let workbookPr = date1904.map { #"<workbookPr date1904="\#($0)"/>"# } ?? "<workbookPr/>"
    var rels = sheets.indices.map { index in
      #"<Relationship Id="rId\#(index + 1)" Type="\#(Self.relationships)/worksheet" "#
        + #"Target="worksheets/sheet\#(index + 1).xml"/>"#
    }
    var parts: [(String, String)] = [
      (
        "xl/workbook.xml",
        #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
          + #"<workbook xmlns="\#(Self.main)" xmlns:r="\#(Self.relationships)">"#
          + "\(workbookPr)<sheets>\(sheetList)</sheets></workbook>"
      )
    ]
    for (index, sheet) in sheets.enumerated() {
      parts.append(
        (
          "xl/worksheets/sheet\(index + 1).xml",
          #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
            + #"<worksheet xmlns="\#(Self.main)"><sheetData>\#(sheet.1)</sheetData></worksheet>"#
        ))
    }
    if let strings {
      rels.append(
        #"<Relationship Id="rIdS" Type="\#(Self.relationships)/sharedStrings" "#
          + #"Target="sharedStrings.xml"/>"#)
      parts.append(
        (
          "xl/sharedStrings.xml",
          #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="\#(Self.main)">"#
            + strings.map { "<si>\($0)</si>" }.joined() + "</sst>"
        ))
    }
    if let cellFormats {
      rels.append(
        #"<Relationship Id="rIdY" Type="\#(Self.relationships)/styles" Target="styles.xml"/>"#)
      let custom = customFormats.map { id, code in
        #"<numFmt numFmtId="\#(id)" formatCode="\#(code)"/>"#
      }.joined()
      parts.append(
        (
          "xl/styles.xml",
          #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="\#(Self.main)">"#
            + (custom.isEmpty ? "" : "<numFmts>\(custom)</numFmts>")
            + #"<cellStyleXfs><xf numFmtId="14"/></cellStyleXfs><cellXfs>"#
            + cellFormats.map { #"<xf numFmtId="\#($0)" xfId="0"/>"# }.joined()
            + #"</cellXfs><dxfs><dxf><numFmt numFmtId="14" formatCode="0.00"/></dxf></dxfs>"#
            + "</styleSheet>"
        ))
    }
    parts.append(
      (
        "xl/_rels/workbook.xml.rels",
        #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
          + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
          + rels.joined() + "</Relationships>"
      ))
    self.parts = parts
  }

  /// The part named `name`'s text, replaced.
  mutating func replace(_ name: String, with text: String) {
    parts = parts.map { $0.name == name ? (name, text) : $0 }
  }

  /// The archive: stored entries, CRC-32 and sizes as APPNOTE 6.3 lays them out.
  var bytes: [UInt8] { Self.zip(parts.map { ($0.name, Array($0.text.utf8)) }) }

  /// A zip archive of `entries`, each stored (method 0).
  static func zip(_ entries: [(String, [UInt8])]) -> [UInt8] {
    var archive: [UInt8] = []
    var directory: [UInt8] = []
    func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
    for (name, data) in entries {
      let nameBytes = Array(name.utf8)
      let crc = CRC32.checksum(data)
      let offset = UInt32(archive.count)
      let common =
        le16(20) + le16(0x0800) + le16(0) + le16(0) + le16(0) + le32(crc)
        + le32(UInt32(data.count)) + le32(UInt32(data.count)) + le16(nameBytes.count) + le16(0)
      archive += le32(0x0403_4B50) + common + nameBytes + data
      directory +=
        le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0)
        + le32(offset) + nameBytes
    }
    let directoryOffset = UInt32(archive.count)
    archive += directory
    archive +=
      le32(0x0605_4B50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count)
      + le32(UInt32(directory.count)) + le32(directoryOffset) + le16(0)
    return archive
  }

  /// A committed reference workbook from Fixtures/.
  static func fixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures").appendingPathComponent(name)
    return Array(try Data(contentsOf: url))
  }
}

/// The error `body` throws, or nil.
func spreadsheetError(_ body: () throws(SpreadsheetError) -> Void) -> SpreadsheetError? {
  do {
    try body()
    return nil
  } catch { return error }
}
