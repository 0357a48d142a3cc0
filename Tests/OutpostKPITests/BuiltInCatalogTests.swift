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
    #expect(bytes.count == 60_263)
    #expect(
      SHA256.hash(bytes).hex == "9786e98e48070ddbf219a4ee71e034d01b902b8f1be01ed4456517342ae8e37c")
    #expect(
      try DefinitionSet(bytes: bytes).hash
        == "6b99261d09f244914e4fc6e5f352b4f760ccb9c40359dbd11d964d717421b742")
  }
}
