import OutpostCrypto
import OutpostKPI
import Testing

/// The built-in catalog (SPEC.md §9.4) is one JSON document shipped inside the build: the file
/// Sources/OutpostKPI/Resources/catalog.json, embedded in the code (Package.swift).
struct BuiltInCatalogTests {
  @Test("the built-in catalog is byte for byte the document the tests and fixtures were made with")
  func documentBytes() throws {
    // Its size and SHA-256, and the hash of its canonical JSON (SPEC.md §9.3), which bundles and
    // the scenarios' expected outputs carry. A change of the catalog changes them: update them
    // with it (and SPEC.md §9.4 and docs/kpis.md §5).
    let bytes = DefinitionSet.defaultDocumentBytes
    #expect(Array(DefinitionSet.defaultDocument.utf8) == bytes)
    #expect(bytes.count == 60_294)
    #expect(
      SHA256.hash(bytes).hex == "06a4c9d20ac9733b99d1f4d939f2a13712d31bcd7f365a7435d2186db3ad970a")
    #expect(
      try DefinitionSet(bytes: bytes).hash
        == "c0151fbe2af5dee569cdd8b32f0215b535805b3f0f30d4e64b7739849ed5baf0")
  }
}
