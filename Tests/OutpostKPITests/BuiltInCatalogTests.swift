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
    #expect(bytes.count == 63_945)
    #expect(
      SHA256.hash(bytes).hex == "adac2236a3167dfdd64568df9e31e418cb6383e0adf9cdfe66431ba3143c8099")
    #expect(
      try DefinitionSet(bytes: bytes).hash
        == "f2cadc95b9318b9e6c2b4e10d868826459c45a4c3c6f7acaa11f9386b02a4576")
  }
}
