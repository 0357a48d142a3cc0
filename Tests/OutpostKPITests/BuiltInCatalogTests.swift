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
    #expect(bytes.count == 67_780)
    #expect(
      SHA256.hash(bytes).hex == "9f55ecec635f6d72c4dab5d0c72a9483c336aeeb8b06984886c33fbb36f63a1b")
    #expect(
      try DefinitionSet(bytes: bytes).hash
        == "1296a73d0217629a9df7df196da8d72560bf6d3c3efece12abb6a8a71bc364aa")
  }
}
