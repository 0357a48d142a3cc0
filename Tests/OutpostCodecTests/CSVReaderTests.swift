import OutpostCodec
import OutpostTestRandom
import Testing

/// SPEC.md §3.2: the RFC 4180 reader.
struct CSVReaderTests {
  static let cases: [(name: String, text: String, records: [[String]])] = [
    (
      "rfc4180 §2.1 CRLF records", "h1,h2\r\naaa,bbb\r\nzzz,yyy\r\n",
      [["aaa", "bbb"], ["zzz", "yyy"]]
    ),
    (
      "rfc4180 §2.2 no final line break", "h1,h2\naaa,bbb\nzzz,yyy",
      [["aaa", "bbb"], ["zzz", "yyy"]]
    ),
    ("rfc4180 §2.5 quoted fields", "a,b\n\"aaa\",\"bbb\"\n", [["aaa", "bbb"]]),
    (
      "rfc4180 §2.6 line break and comma in quotes", "a,b\n\"a\r\nb\",\"c,d\"\n",
      [["a\r\nb", "c,d"]]
    ),
    ("rfc4180 §2.7 doubled quotes", "a,b\n\"x\"\"y\",z\n", [["x\"y", "z"]]),
    ("empty fields and empty last field", "a,b,c\n,,\nx,y,\n", [["", "", ""], ["x", "y", ""]]),
    ("utf8 and BOM", "\u{FEFF}名称,值\n北区,12.50\n", [["北区", "12.50"]]),
    ("json in a field", "a\n\"{\"\"k\"\":1}\"\n", [["{\"k\":1}"]]),
    ("trailing blank lines at the end", "a\n1\n\n\n", [["1"]]),
  ]

  @Test("RFC 4180 and common reference cases", arguments: 0..<cases.count)
  func reads(_ index: Int) throws {
    let c = Self.cases[index]
    let table = try CSVReader.readAll(Array(c.text.utf8))
    #expect(table.records.map(\.fields) == c.records, "\(c.name)")
  }

  static let errors: [(text: String, line: Int, column: Int?, fragment: String)] = [
    ("a,b\n1,2\n3\n", 3, nil, "expected 2 fields (as in the header), found 1"),
    ("a,b\n1,x\"y\n", 2, 2, "unexpected '\"' in an unquoted field"),
    ("a,b\n\"1\"x,2\n", 2, 1, "after a closing quote"),
    ("a,b\n1,\"open\n", 2, 2, "unterminated quoted field"),
    ("a,b\n1,2\n\n3,4\n", 3, nil, "blank line"),
    ("a,b\r1,2\n", 1, 2, "carriage return"),
    ("a,a\n1,2\n", 1, 2, "appears twice"),
    ("a, b\n1,2\n", 1, 2, "surrounding spaces"),
    ("", 1, nil, "header row is required"),
  ]

  @Test("strict errors with line and column", arguments: 0..<errors.count)
  func refuses(_ index: Int) throws {
    let c = Self.errors[index]
    let error = try #require(throws: CSVError.self) { try CSVReader.readAll(Array(c.text.utf8)) }
    #expect(error.line == c.line)
    #expect(error.column == c.column)
    #expect(error.message.contains(c.fragment), "\(error)")
  }

  @Test func invalidUTF8IsRefused() throws {
    let error = try #require(throws: CSVError.self) {
      try CSVReader.readAll([0x61, 0x0A, 0xC0, 0xAF])
    }
    #expect(error.line == 2)
    #expect(error.message.contains("invalid UTF-8 at byte 2"))
  }

  @Test("seeded random tables survive writer → reader")
  func randomRoundTrip() throws {
    let seed = testSeed(4180)
    var rng = SplitMix64(seed: seed)
    let pieces = [
      "a", "中", ",", "\"", "\n", "\r\n", " ", "x y", "12.50", "", "=", "+", "-", "@", "\t", "\r",
      "'", "-1.5",
    ]
    for iteration in 0..<300 {
      let columns = 1 + Int(rng.next() % 4)
      let header = (0..<columns).map { "c\($0)" }
      var rows: [[String]] = []
      for _ in 0..<Int(rng.next() % 5) {
        rows.append(
          (0..<columns).map { _ in
            (0..<Int(rng.next() % 3)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }
              .joined()
          })
      }
      // A row of one empty field is a blank line, which the format cannot tell from nothing.
      if columns == 1 { rows = rows.filter { $0 != [""] } }
      let text = ([header] + rows).map(CSVWriter.line).joined()
      let table = try CSVReader.readAll(Array(text.utf8))
      #expect(table.header == header)
      #expect(table.records.map(\.fields) == rows, "seed \(seed) iteration \(iteration)")
    }
  }

  @Test(
    "SPEC §3.2: a cell a spreadsheet would run as a formula is written behind a single quote",
    arguments: [
      ("=1+1", "'=1+1"), ("+1", "'+1"), ("-x", "'-x"), ("@A1", "'@A1"), ("\tx", "'\tx"),
      ("\rx", "\"'\rx\""), ("'", "''"), ("'x", "''x"), ("-", "'-"), ("-1", "-1"),
      ("-12.50", "-12.50"), ("-.5", "'-.5"), ("-1.", "'-1."), ("-1.2.3", "'-1.2.3"),
      ("-1e3", "'-1e3"), ("x=1", "x=1"), ("", ""), (" =1", "\" =1\""),
    ])
  func formulaCells(_ value: String, _ written: String) throws {
    #expect(CSVWriter.line([value]) == written + "\n")
    let text = CSVWriter.line(["h", "i"]) + CSVWriter.line([value, "x"])
    let table = try CSVReader.readAll(Array(text.utf8))
    #expect(table.records.map(\.fields) == [[value, "x"]])
    #expect(CSVFormula.restored(CSVFormula.neutralized(value)) == value)
  }

  @Test("restored removes one quote only before a trigger or another quote")
  func restoredCells() {
    #expect(CSVFormula.restored("'x") == "'x")
    #expect(CSVFormula.restored("'=x") == "=x")
    #expect(CSVFormula.restored("''x") == "'x")
    #expect(CSVFormula.restored("'") == "'")
    #expect(CSVFormula.restored("=x") == "=x")
  }

  // MARK: Options (SPEC.md §3.6: delimiter, header_row, the rows a profile judges itself)

  func read(_ text: String, _ options: CSVOptions) throws(CSVError) -> (
    header: [String], line: Int, records: [CSVRecord]
  ) {
    var reader = try CSVReader(bytes: Array(text.utf8), options: options)
    var records: [CSVRecord] = []
    while let record = try reader.next() { records.append(record) }
    return (reader.header, reader.headerLine, records)
  }

  @Test("a semicolon or a tab separates fields; quotes work as with commas")
  func delimiters() throws {
    let semicolon = try read(
      "a;b\n\"x;y\";\"1,5\"\n", CSVOptions(delimiter: UInt8(ascii: ";")))
    #expect(semicolon.header == ["a", "b"] && semicolon.records.map(\.fields) == [["x;y", "1,5"]])
    let tab = try read("a\tb\r\n1,2\t\"q\"\r\n", CSVOptions(delimiter: 9))
    #expect(tab.records.map(\.fields) == [["1,2", "q"]])
    #expect(throws: CSVError.self) {
      try read("a\tb\n\"x\";y\tz\n", CSVOptions(delimiter: 9))
    }
  }

  @Test("a header on a later line: the lines above are skipped unread, line numbers kept")
  func headerLine() throws {
    let text = "报告, \"unbalanced\ntitle line\n日期,点击\n2026-03-01,1\n"
    let table = try read(text, CSVOptions(headerLine: 3))
    #expect(table.header == ["日期", "点击"] && table.line == 3)
    #expect(table.records.map(\.line) == [4])
    do {
      _ = try read("a\nb\n", CSVOptions(headerLine: 5))
      Issue.record("accepted a header line past the end")
    } catch {
      #expect(error.message == "the file has 2 line(s), so it has no line 5 for the header")
      #expect(error.line == 2)
    }
  }

  @Test("lenient: blank lines and ragged records are returned for the caller to judge")
  func lenient() throws {
    let text = "a,b,,a\n1,2,,3\n\n1\n1,2,3,4,5\n"
    #expect(throws: CSVError.self) { try read(text, CSVOptions()) }
    let table = try read(text, CSVOptions(lenient: true))
    #expect(table.header == ["a", "b", "", "a"])
    #expect(
      table.records.map(\.fields) == [
        ["1", "2", "", "3"], [""], ["1"], ["1", "2", "3", "4", "5"],
      ])
    #expect(table.records.map(\.line) == [2, 3, 4, 5])
  }
}
