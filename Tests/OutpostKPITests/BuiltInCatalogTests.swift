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
    #expect(bytes.count == 71_867)
    #expect(
      SHA256.hash(bytes).hex == "89905cacf02fc01f2416dfdd9ccfdcf1354590aca5ffa123f439bb8b364364a3")
    #expect(
      try DefinitionSet(bytes: bytes).hash
        == "4ff1ff7b2bbc5c7a6ad9470734b50cf058e00a0e67e21e6aace5e49f24b799d6")
  }
}
