// swift-tools-version:6.0
// Outpost: an offline-first sync engine with a JSON-file store. Toolchain only: no package
// dependencies, by design (see README.md).
import PackageDescription

let package = Package(
  name: "outpost",
  platforms: [.macOS(.v15)],  // Int128 and Synchronization.Mutex
  products: [
    .executable(name: "outpost", targets: ["outpost"]),
    // The engine, for apps that embed it: repositories, import, sync, conflicts, KPIs.
    .library(name: "Outpost", targets: ["Outpost"]),
  ],
  targets: [
    // Leaf infrastructure: strict JSON and CSV codecs, SHA-256 and HMAC.
    .target(name: "OutpostCodec"),
    .target(name: "OutpostCrypto"),
    // The record model: exact decimals, field types, schemas, record ids. Pure.
    .target(name: "OutpostModel", dependencies: ["OutpostCodec"]),
    // Causality and merge: dots, version vectors, record states, bundles and their checks.
    // Pure, no I/O.
    .target(name: "OutpostSync", dependencies: ["OutpostModel", "OutpostCodec", "OutpostCrypto"]),
    // The KPI engine: definitions as data, measures, KPIs, scorecards. Pure, no I/O, no clock.
    // The built-in catalog is a JSON file compiled into the module (Catalog.swift).
    .target(
      name: "OutpostKPI", dependencies: ["OutpostModel", "OutpostCodec", "OutpostCrypto"],
      resources: [.embedInCode("Resources/catalog.json")]),
    // The JSON-file repository: journal, materialized records, locks. The only module doing file I/O.
    .target(
      name: "OutpostStore",
      dependencies: ["OutpostSync", "OutpostModel", "OutpostCodec", "OutpostCrypto"]),
    // Excel workbooks (.xlsx) read into sheets of text cells, for import. The one module that
    // uses Foundation, for its XML parser alone (XMLParsing.swift; FoundationXML on Linux).
    .target(name: "OutpostSpreadsheet", dependencies: ["OutpostCodec", "OutpostModel"]),
    // The engine's public API: every rule SPEC.md states, over the modules above. No terminal.
    .target(
      name: "Outpost",
      dependencies: [
        "OutpostStore", "OutpostSync", "OutpostKPI", "OutpostModel", "OutpostCodec",
        "OutpostCrypto", "OutpostSpreadsheet",
      ]),
    // The command-line tool as a library, so tests run it in-process: parse, call, render.
    .target(
      name: "OutpostCLI",
      dependencies: [
        "Outpost", "OutpostStore", "OutpostSync", "OutpostKPI", "OutpostModel", "OutpostCodec",
        "OutpostCrypto",
      ]),
    .executableTarget(name: "outpost", dependencies: ["OutpostCLI"]),
    .executableTarget(
      name: "outpost-bench",
      dependencies: [
        "OutpostStore", "OutpostModel", "OutpostCodec", "OutpostCrypto", "OutpostSync",
        "OutpostCLI", "Outpost",
      ],
      path: "tools/bench",
      exclude: ["README.md", "results", "kpi.sql", "kpi-load.sql"]),

    // Test support, in three parts so each test target links only what it uses:
    // OutpostTestRandom, the seeded generator and seeds (no dependencies);
    // OutpostTestSupport, temporary folders, folder and record digests and the in-memory file
    // system (the store and below, no CLI); and OutpostCLITestSupport, the in-process CLI runner
    // and the child `outpost` process.
    .target(name: "OutpostTestRandom", path: "Tests/OutpostTestRandom"),
    .target(
      name: "OutpostTestSupport",
      dependencies: [
        "OutpostTestRandom", "OutpostStore", "OutpostSync", "OutpostModel", "OutpostCodec",
        "OutpostCrypto",
      ],
      path: "Tests/OutpostTestSupport"),
    .target(
      name: "OutpostCLITestSupport",
      dependencies: ["OutpostCLI", "Outpost", "OutpostStore"],
      path: "Tests/OutpostCLITestSupport"),
    .testTarget(
      name: "OutpostCodecTests", dependencies: ["OutpostCodec", "OutpostTestRandom"]),
    .testTarget(name: "OutpostCryptoTests", dependencies: ["OutpostCrypto"]),
    .testTarget(
      name: "OutpostSpreadsheetTests",
      dependencies: ["OutpostSpreadsheet", "OutpostCodec", "OutpostTestRandom"],
      exclude: ["Fixtures"]),
    .testTarget(name: "OutpostModelTests", dependencies: ["OutpostModel", "OutpostCodec"]),
    .testTarget(
      name: "OutpostSyncTests",
      dependencies: [
        "OutpostSync", "OutpostModel", "OutpostCodec", "OutpostCrypto", "OutpostTestRandom",
      ]),
    .testTarget(
      name: "OutpostKPITests",
      dependencies: [
        "OutpostKPI", "OutpostModel", "OutpostCodec", "OutpostCrypto", "OutpostTestRandom",
      ]),
    .testTarget(
      name: "OutpostStoreTests",
      dependencies: [
        "OutpostStore", "OutpostSync", "OutpostModel", "OutpostCodec", "OutpostCrypto",
        "OutpostTestRandom", "OutpostTestSupport",
      ]),
    .testTarget(
      name: "OutpostCLITests",
      dependencies: [
        "OutpostCLI", "Outpost", "OutpostStore", "OutpostSync", "OutpostModel", "OutpostCodec",
        "OutpostCrypto", "OutpostTestRandom", "OutpostTestSupport", "OutpostCLITestSupport",
      ]),
    .testTarget(
      name: "OutpostTests",
      dependencies: [
        "Outpost", "OutpostStore", "OutpostSync", "OutpostKPI", "OutpostModel", "OutpostCodec",
        "OutpostSpreadsheet", "OutpostTestRandom", "OutpostTestSupport",
      ]),
  ]
)

for target in package.targets {
  var settings = target.swiftSettings ?? []
  settings.append(.enableUpcomingFeature("ExistentialAny"))
  settings.append(.enableUpcomingFeature("MemberImportVisibility"))
  target.swiftSettings = settings
}
