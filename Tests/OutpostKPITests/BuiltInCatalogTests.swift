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
    #expect(bytes.count == 61_323)
    #expect(
      SHA256.hash(bytes).hex == "e8f64bd7f02a344c1acabc65372424803a666893e26da5f1a2aabc2b56548f75")
    #expect(
      try DefinitionSet(bytes: bytes).hash
        == "0b3c496ce6110228ac8ad7d318b631d77bd9d1ef827da58a2e5b24c8eeb5ed43")
  }
}
