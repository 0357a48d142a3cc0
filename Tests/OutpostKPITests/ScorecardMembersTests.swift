import Foundation
import OutpostCodec
import OutpostKPI
import Testing

/// SPEC.md §9.5: an office scorecard's `applies_to` may only say `{"level":"office"}`; a stored document
/// published before that check keeps its no-effect `department`.
struct ScorecardMembersTests {
  static func document(_ appliesTo: String) -> [UInt8] {
    let text = DefinitionSet.defaultDocument.replacingOccurrences(
      of: "\"applies_to\": {\n    \"level\": \"office\"\n   }", with: "\"applies_to\": \(appliesTo)"
    )
    #expect(text != DefinitionSet.defaultDocument)
    return Array(text.utf8)
  }

  @Test("department is refused in a new document and tolerated in a published one")
  func department() throws {
    let json = try JSONParser.parse(
      Self.document(#"{"level": "office", "department": "marketing"}"#))
    #expect(throws: DefinitionError.self) { try DefinitionSet(json: json) }
    do {
      _ = try DefinitionSet(json: json)
    } catch {
      #expect(error.path == "$.scorecards[0].applies_to.department")
    }
    let published = try DefinitionSet(json: json, published: true)
    #expect(published.scorecards["branch_marketing_monthly"]?.grain == .month)
    // Another level is refused even in a published document.
    let staff = try JSONParser.parse(Self.document(#"{"level": "staff"}"#))
    #expect(throws: DefinitionError.self) { try DefinitionSet(json: staff, published: true) }
  }
}
