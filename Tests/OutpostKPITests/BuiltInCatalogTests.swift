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
    #expect(bytes.count == 73_415)
    #expect(
      SHA256.hash(bytes).hex == "42ed68e3b869a012d4bf3dab30c1ff0003253e7d734a1a2301d9bb93d4848dee")
    #expect(
      try DefinitionSet(bytes: bytes).hash
        == "54a29992af0d8a8773b65d0f2e6d50bb4a96df96d1f78b7f2c4a5ffe9aa30d2d")
  }
}
