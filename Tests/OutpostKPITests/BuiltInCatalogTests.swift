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
    #expect(bytes.count == 68_932)
    #expect(
      SHA256.hash(bytes).hex == "f5d4cc78f7c25ed28cf05211d513fa2f73531c349cb63bd6b520baac0c918ff5")
    #expect(
      try DefinitionSet(bytes: bytes).hash
        == "40b990818847ec7ddb3a05f60afffd8ee741c0798d7312f02e01cec6c0d8860a")
  }
}
