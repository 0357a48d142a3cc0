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
    #expect(bytes.count == 62_613)
    #expect(
      SHA256.hash(bytes).hex == "5602b1b470b20aac2d733f023892c0ad32b126e2563fbcc0a33aa2d7c342eb99")
    #expect(
      try DefinitionSet(bytes: bytes).hash
        == "7f653bd02dfc1b2b92f8b328a46bcf9b5a4d7158f31fe1b3f751749691f18f7e")
  }
}
