// The default KPI definitions (SPEC.md §9.4, docs/kpis.md §5), shipped with every build; head
// office publishes them (or its own) for every office to compute with.
extension DefinitionSet {
  /// The catalog's definitions as JSON (`outpost-kpi-def/1`): the bytes of
  /// `Sources/OutpostKPI/Resources/catalog.json`, which the build embeds in the code
  /// (`.embedInCode` in Package.swift), so nothing is looked up on disk at run time.
  ///
  /// The file ends without a newline, so its bytes are exactly the document's;
  /// `BuiltInCatalogTests` pins them.
  public static let defaultDocumentBytes: [UInt8] = PackageResources.catalog_json

  /// The catalog's definitions as a JSON document (`outpost-kpi-def/1`).
  public static let defaultDocument = String(decoding: defaultDocumentBytes, as: UTF8.self)
}
