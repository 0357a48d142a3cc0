// swift-tools-version:6.0
// An app that embeds Outpost as a package dependency, as any other app would: only the
// `Outpost` library product, only its public API. CI builds and runs it.
import PackageDescription

let package = Package(
  name: "EmbedOutpost",
  platforms: [.macOS(.v15)],
  dependencies: [.package(name: "outpost", path: "../..")],
  targets: [
    .executableTarget(
      name: "EmbedOutpost", dependencies: [.product(name: "Outpost", package: "outpost")])
  ]
)
