import OutpostCodec
import OutpostModel
import Testing

/// SPEC.md §2.3: lists and documents are stored as nested JSON; a cell holds their JSON text.
struct NestedValueTests {
  let list = FieldType.list(maxCount: 3)
  let document = FieldType.document(maxBytes: 64)

  func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

  @Test("§2.3: a list is canonical in ascending byte order; a cell and NDJSON agree")
  func listCanonical() throws {
    let canonical = try json(#"["amount","deleted","status"]"#)
    #expect(try list.parseCell(#"["status","amount","deleted"]"#) == canonical)
    #expect(try list.validateJSON(try json(#"["deleted","status","amount"]"#)) == canonical)
    #expect(try list.validateJSON(.array([])) == .array([]))
    #expect(try list.parseCell("") == .null)
  }

  @Test(
    "§2.3: a list refuses repeats, non-strings, empty texts, too many items and non-arrays",
    arguments: [
      (#"["a","a"]"#, "appears twice"), (#"["a",1]"#, "non-empty strings"),
      (#"[""]"#, "non-empty strings"), (#"["a","b","c","d"]"#, "at most 3"),
      (#""a,b""#, "expected a list"), (#"{"a":1}"#, "expected a list"),
    ])
  func listRefusals(text: String, expected: String) throws {
    let value = try json(text)
    #expect {
      try list.validateJSON(value)
    } throws: { error in
      (error as? ModelError)?.message.contains(expected) == true
    }
  }

  @Test("§2.3: a cell that is not JSON text is refused with the form to write")
  func cellNotJSON() {
    #expect {
      try list.parseCell("amount,status")
    } throws: { error in
      (error as? ModelError)?.message.contains(#"["a","b"]"#) == true
    }
    #expect(throws: ModelError.self) { try document.parseCell("{format: 1}") }
  }

  @Test("§2.3: a document is an object or array, bounded in size and depth, kept as given")
  func documentBounds() throws {
    let value = try json(#"{"b":[1,{"c":null}],"a":"x"}"#)
    #expect(try document.validateJSON(value) == value)
    #expect(try document.parseCell(#"{"b":[1,{"c":null}],"a":"x"}"#) == value)
    #expect(throws: ModelError.self) { try document.validateJSON(.string("{}")) }
    #expect(throws: ModelError.self) { try document.validateJSON(try json("42")) }
    let long = JSONValue.array(Array(repeating: .string("0123456789"), count: 6))
    #expect {
      try document.validateJSON(long)
    } throws: { error in
      (error as? ModelError)?.message.contains("at most 64 allowed") == true
    }
    var deep = JSONValue.array([])
    for _ in 1..<FieldType.maximumDocumentDepth { deep = .array([deep]) }
    #expect(try FieldType.document(maxBytes: 1000).validateJSON(deep) == deep)
    #expect {
      try FieldType.document(maxBytes: 1000).validateJSON(.array([deep]))
    } throws: { error in
      (error as? ModelError)?.message.contains("deeper than 16") == true
    }
  }
}
