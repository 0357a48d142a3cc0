import Foundation
import Outpost
import OutpostTestSupport
import Testing

/// SPEC.md §4.1: a repository of format 1 (fixtures/upgrade/format-1, made by an Outpost of that
/// format with tools/fixtures/make_upgrade_fixture.sh) is upgraded to format 2 when it is opened,
/// and a version-1 bundle still applies (§8.2).
struct UpgradeTests {
  static let fixture =
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path + "/fixtures/upgrade/format-1"
  let now: @Sendable () -> Timestamp = { "2025-03-08T10:00:00+08:00" }

  /// A copy of the fixture's repositories (and bundle) in a fresh folder.
  func copy() throws -> TemporaryDirectory {
    let temp = TemporaryDirectory()
    let files = FileManager.default
    for name in ["hq", "north", "hq-reply-2.bundle"] {
      try files.copyItem(atPath: Self.fixture + "/" + name, toPath: temp.file(name))
    }
    let empty = try String(contentsOfFile: Self.fixture + "/empty-dirs.txt", encoding: .utf8)
    for folder in empty.split(separator: "\n") {
      try files.createDirectory(
        atPath: temp.file(String(folder)), withIntermediateDirectories: true)
    }
    return temp
  }

  /// A copy's head office and branch, and the fixture's version-1 reply to the branch.
  func exchange(_ temp: TemporaryDirectory) throws -> (
    hq: Repository, north: Repository, reply: [UInt8]
  ) {
    let reply = Array(try Data(contentsOf: URL(fileURLWithPath: temp.file("hq-reply-2.bundle"))))
    return (
      Repository(at: temp.file("hq"), now: now), Repository(at: temp.file("north"), now: now), reply
    )
  }

  func format(_ repository: String) throws -> String {
    try String(contentsOfFile: repository + "/outpost.json", encoding: .utf8)
  }

  func notices(_ repository: Repository) -> (Repository, Notices) {
    let notices = Notices()
    var repository = repository
    repository.onNotice = { notices.append($0) }
    return (repository, notices)
  }

  @Test("§4.1: a writer upgrades head office: nested values, the same definitions, verify clean")
  func upgradesHeadOffice() throws {
    let temp = try copy()
    #expect(try format(temp.file("hq")).contains(#""outpost-repo/1""#))
    let (hq, seen) = notices(Repository(at: temp.file("hq"), now: now))
    let resolutions = try hq.records("resolutions")
    #expect(
      seen.lines.contains { $0.hasPrefix("upgraded:") && $0.contains(RepositoryConfig.format) })
    #expect(try format(temp.file("hq")).contains("\"\(RepositoryConfig.format)\""))
    let resolution = try #require(resolutions.first)
    #expect(resolutions.count == 1)
    #expect(resolution["fields"] == .array([.string("amount")]))
    let candidates = try #require(resolution["candidates"]?.arrayValue)
    #expect(candidates.count == 2)
    #expect(candidates.allSatisfy { $0["field"] == .string("amount") })
    #expect(Set(candidates.compactMap { $0["value"]?.stringValue }) == ["2650.00", "2700.00"])
    // The published definitions are the same document: same hash, head office's parameter.
    let stored = try #require(try hq.record("kpi_definitions", "v1"))
    #expect(stored["document"]?.objectValue?["format"] == .string("outpost-kpi-def/1"))
    let inForce = try hq.read { reader throws(OutpostError) in try KPIDefinitionsInForce(reader) }
    #expect(inForce.version == 1)
    #expect(stored["hash"] == .string(inForce.definitions.hash))
    #expect(inForce.definitions.parameters["clv_lifespan_years"]?.value == ExactDecimal(4))
    #expect(try hq.verify().isClean)
    // Opening again upgrades nothing and writes nothing.
    let digest = treeDigest(temp.file("hq"))
    let (again, seenAgain) = notices(Repository(at: temp.file("hq"), now: now))
    #expect(try again.verify().isClean)
    _ = try again.write { _ throws(OutpostError) in }
    #expect(seenAgain.lines.isEmpty)
    #expect(treeDigest(temp.file("hq")) == digest)
  }

  @Test("§4.1: a reader upgrades the repository before it reads")
  func readerUpgrades() throws {
    let temp = try copy()
    let (north, seen) = notices(Repository(at: temp.file("north"), now: now))
    let v1 = try RecordID("v1")
    let document = try north.read { reader throws(OutpostError) in
      do throws(StoreError) {
        return try reader.state("kpi_definitions", v1)?.value("document")
      } catch { throw OutpostError(error) }
    }
    #expect(document?.objectValue?["format"] == .string("outpost-kpi-def/1"))
    #expect(seen.lines.contains { $0.hasPrefix("upgraded:") })
    #expect(try format(temp.file("north")).contains("\"\(RepositoryConfig.format)\""))
  }

  @Test("§8.2: a version-1 reply applies to an upgraded branch; both hold the same resolution")
  func version1ReplyConverges() throws {
    let temp = try copy()
    let (hq, north, bundle) = try exchange(temp)
    #expect(String(decoding: bundle.prefix(600), as: UTF8.self).contains(#""outpost-bundle/1""#))
    _ = try north.receive(bundle, name: "hq-reply-2.bundle")
    #expect(try north.record("orders", "north-o-1002")?["amount"] == .string("2700.00"))
    // Upgraded at different times and by different paths, the two replicas agree exactly.
    let id = try RecordID(
      try #require(try hq.records("resolutions").first?["resolution_id"]?.stringValue))
    func state(_ repository: Repository) throws -> RecordState? {
      try repository.read { reader throws(OutpostError) in
        do throws(StoreError) { return try reader.state("resolutions", id) } catch {
          throw OutpostError(error)
        }
      }
    }
    let atNorth = try #require(try state(north))
    #expect(atNorth == (try state(hq)))
    #expect(atNorth.value("fields") == .array([.string("amount")]))
    #expect(try north.verify().isClean)
  }

  @Test("§2.8, §8.6: an upgraded head office replies under own_office with every office's values")
  func upgradedRepliesKeepRowsHome() throws {
    // The fixture's Outpost shared every row by default: head office has no policy record, and
    // its peer document does not say which policy its replies were made under.
    let temp = try copy()
    let (hq, north, old) = try exchange(temp)
    _ = try north.receive(old, name: "hq-reply-2.bundle")
    _ = try hq.merge(try north.submit().bytes, name: "north-3.bundle")
    #expect(try hq.record("policies", "record_visibility") == nil)
    let reply = try hq.reply(to: "north")
    #expect(reply.manifest.extra["record_visibility"] == .string("own_office"))
    // North has acknowledged no reply made under own_office: the values travel as a complete
    // set (here of no other office), so that north knows it holds every office's.
    let results = try #require(reply.manifest.extra[OtherOfficesKPIs.member])
    #expect(try OtherOfficesKPIs(json: results).complete)
    _ = try north.receive(reply.bytes, name: "hq-reply-3.bundle")
    #expect(try north.verify().isClean)
    // Once north acknowledges it, a reply with nothing new carries none.
    _ = try hq.merge(try north.submit().bytes, name: "north-4.bundle")
    #expect(try hq.reply(to: "north").manifest.extra[OtherOfficesKPIs.member] == nil)
  }

  @Test("§4.1: an upgrade cut off before outpost.json is rewritten is finished by the next writer")
  func interruptedUpgrade() throws {
    let temp = try copy()
    let path = temp.file("hq")
    let version1 = try format(path)
    _ = try Repository(at: path, now: now).records("resolutions")
    let transactions = try Repository(at: path, now: now).read { reader throws(OutpostError) in
      do throws(StoreError) { return try reader.transactions().count } catch {
        throw OutpostError(error)
      }
    }
    // The state a crash between the upgrade's commit and the rewrite of outpost.json leaves.
    try version1.write(toFile: path + "/outpost.json", atomically: true, encoding: .utf8)
    let (hq, seen) = notices(Repository(at: path, now: now))
    #expect(try hq.records("resolutions").first?["fields"] == .array([.string("amount")]))
    #expect(seen.lines.contains { $0.contains("0 record(s) rewritten") })
    #expect(try format(path).contains("\"\(RepositoryConfig.format)\""))
    let after = try hq.read { reader throws(OutpostError) in
      do throws(StoreError) { return try reader.transactions().count } catch {
        throw OutpostError(error)
      }
    }
    #expect(after == transactions)
    #expect(try hq.verify().isClean)
  }

  @Test("§4.1: a newer format is refused and the repository left as it is")
  func newerFormat() throws {
    let temp = try copy()
    let path = temp.file("hq")
    let newer = "outpost-repo/\(RepositoryConfig.currentVersion + 1)"
    let text = try format(path).replacingOccurrences(of: "outpost-repo/1", with: newer)
    try text.write(toFile: path + "/outpost.json", atomically: true, encoding: .utf8)
    let digest = treeDigest(path)
    #expect {
      try Repository(at: path, now: now).records("resolutions")
    } throws: { error in
      (error as? OutpostError)?.code == .unsupportedFormat
    }
    #expect(treeDigest(path) == digest)
  }
}

/// Notices collected from a repository's `onNotice`.
final class Notices: @unchecked Sendable {
  private let lock = NSLock()
  private var collected: [String] = []

  func append(_ line: String) { lock.withLock { collected.append(line) } }

  var lines: [String] { lock.withLock { collected } }
}
