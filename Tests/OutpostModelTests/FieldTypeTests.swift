import OutpostCodec
import OutpostModel
import Testing

/// SPEC.md §2.3–2.5: cells, ids and the standard collections.
struct FieldTypeTests {
  @Test(
    "typed cells are canonicalized",
    arguments: [
      (FieldType.money, "12.5", JSONValue.string("12.50")), (.money, "0", .string("0.00")),
      (.money, "12.500", .string("12.50")), (.count, "42", .number(JSONNumber(integer: 42))),
      (.date, "2025-02-28", .string("2025-02-28")), (.boolean, "1", .bool(true)),
      (.boolean, "false", .bool(false)),
      (.month, "2025-03", .string("2025-03")), (.count, "", .null),
    ])
  func canonical(_ type: FieldType, _ cell: String, _ expected: JSONValue) throws {
    #expect(try type.parseCell(cell) == expected)
  }

  @Test(
    "bad cells are errors, never guesses",
    arguments: [
      (FieldType.count, "12,345", "thousands separators"), (.count, "45%", "'%'"),
      (.count, " ", "only spaces"),
      (.count, "-", "leave the cell empty"), (.count, "1.0", "no decimal places"),
      (.count, "-3", "cannot be negative"),
      (.money, "12.505", "more than 2 decimal places"), (.money, "-1.00", "negative"),
      (.money, "12345678901234.00", "more than 13 digits"), (.date, "2025-02-29", "not a date"),
      (.date, "2025/03/01", "not a date"), (.boolean, "yes", "not a boolean"),
      (.timestamp, "2025-03-01 10:00", "not a timestamp"),
      (.enumeration(["a", "b"]), "c", "not one of a, b"), (.money, " 12.00", "spaces"),
    ])
  func refused(_ type: FieldType, _ cell: String, _ fragment: String) {
    #expect {
      _ = try type.parseCell(cell)
    } throws: { error in
      (error as? ModelError)?.message.contains(fragment) == true
    }
  }

  @Test(
    "a timestamp names one instant: seconds since the epoch, offsets and fractions exact",
    arguments: [
      // Reference values from Python's datetime.fromisoformat(...).timestamp().
      ("2025-01-01T14:18:46+08:00", "1735712326"), ("2024-02-29T23:59:59-05:30", "1709270999"),
      ("2000-03-01T00:00:00Z", "951868800"), ("1969-12-31T23:59:59Z", "-1"),
      ("2025-01-01T06:18:46.250Z", "1735712326.250"),
    ])
  func instants(text: String, seconds: String) throws {
    #expect(FieldType.secondsSinceEpoch(text) == (try ExactDecimal(parsing: seconds)))
    #expect(FieldType.isTimestamp(text))
  }

  @Test(
    "not a timestamp: no instant",
    arguments: [
      "2025-01-01T14:18:46", "2025-01-01 14:18:46Z", "2025-02-30T00:00:00Z", "2025-01-01T24:00:00Z",
      "2025-01-01T00:00:00+15:00", "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00Zx",
    ])
  func notInstants(text: String) {
    #expect(FieldType.secondsSinceEpoch(text) == nil)
    #expect(!FieldType.isTimestamp(text))
  }

  @Test("a field's maximum: a 0–100 rating refuses 100.01 as a cell and as JSON")
  func maximum() throws {
    let score = try #require(
      StandardCollections.qualitativeRatings.field("score"), "qualitative_ratings has a score")
    #expect(try score.parseCell("100.00") == .string("100.00"))
    #expect(throws: ModelError.self) { try score.parseCell("100.01") }
    #expect(throws: ModelError.self) { try score.validateJSON(.string("150.00")) }
    #expect(try score.validateJSON(.string("0.00")) == .string("0.00"))
  }

  @Test("JSON values: decimals must be strings, counts canonical numbers")
  func jsonValues() throws {
    #expect(throws: ModelError.self) {
      try FieldType.money.validateJSON(.number(JSONNumber(integer: 12)))
    }
    #expect(throws: ModelError.self) {
      try FieldType.count.validateJSON(try JSONParser.parse("1e3"))
    }
    #expect(throws: ModelError.self) { try FieldType.count.validateJSON(.string("12")) }
    #expect(try FieldType.money.validateJSON(.string("3.1")) == .string("3.10"))
  }

  @Test(
    "record ids: grammar, traversal and control characters",
    arguments: [
      "../../x", "/etc/passwd", "a/b", ".", "..", "", "x\u{0}y", "tab\there", "é", ".hidden",
      String(repeating: "a", count: 300),
    ])
  func invalidIDs(_ text: String) {
    #expect(throws: ModelError.self) { try RecordID(text) }
  }

  @Test func validIDsAndCollisionKey() throws {
    #expect(try RecordID("o-1001.A_b").collisionKey == "o-1001.a_b")
    #expect(try RecordID("Rec1").collisionKey == RecordID("rec1").collisionKey)
    #expect(try RecordID(String(repeating: "a", count: 128)).rawValue.count == 128)
  }

  @Test("the 13 collections of the sample dataset and the reference ones are built in")
  func standardCollections() throws {
    let names = [
      "channel_daily", "orders", "customers", "leads", "returns", "complaints", "survey_responses",
      "social_daily", "index_snapshots", "invoices", "payments", "costs", "targets",
    ]
    for name in names { #expect(StandardCollections.named(name) != nil, "\(name)") }
    let daily = try #require(StandardCollections.named("channel_daily"))
    let id = try daily.compositeID([
      "office_id": .string("north"), "channel_id": .string("sem"), "date": .string("2025-02-01"),
    ])
    #expect(id.rawValue == "north.sem.2025-02-01")
    #expect(StandardCollections.named("targets")?.ownership == .head)
  }

  @Test func schemaFileRoundTrip() throws {
    let schema = try SchemaFile.decode(
      Array(
        #"""
        {"format":"outpost-schema/1","collection":"visits_log","ownership":"office",
         "id":{"column":"visit_id"},
         "fields":[{"name":"office_id","type":"string"},{"name":"amount","type":"money","nullable":true},
                   {"name":"kind","type":"enum","values":["a","b"]}]}
        """#.utf8))
    #expect(schema.columns == ["visit_id", "office_id", "amount", "kind"])
    #expect(throws: ModelError.self) {
      try SchemaFile.decode(
        Array(
          #"{"format":"outpost-schema/1","collection":"x","ownership":"office","id":{"column":"id"},"fields":[],"extra":1}"#
            .utf8))
    }
  }
}
