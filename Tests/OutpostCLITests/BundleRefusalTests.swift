import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Testing

// docs/reliability.md §4 rows 1–14, 29, 30 and 37 (and the §3 threat model) through the real
// command line: `outpost merge` at head office and `outpost receive` at a branch (SPEC.md §6–7;
// the sync format is described in Sources/OutpostSync/Bundle/Bundle.swift). Every refusal is
// checked for the exit code from the table, an `error:` line that names the file and the reason,
// a hint line that says what to do, and a repository that is byte-identical afterwards.
// This file holds the fixture, the refusal checks and rows 1–7; rows 8–14 are in
// BundleRefusalTests+Sequence.swift, rows 29, 30, 37 and the merge command's output in
// BundleRefusalTests+Files.swift.

// MARK: - Fixture

/// Head office `hq` with branches `north` and `south` enrolled.
///
/// The two ids have the same length, so the branches' bundles have the same layout and can be
/// spliced byte for byte (row 4).
final class Offices {
  let temp = TemporaryDirectory()
  /// Every command's result, in order (the secret-leak check reads them all).
  private(set) var results: [(command: String, result: RunResult)] = []
  let branches: [String]

  /// Creates `hq`, enrolls each branch (key file `<office>.key`), creates its repository and
  /// imports `orders` orders (`<office>-o-1`, …) there.
  init(branches: [String] = ["north", "south"], orders: Int = 3) {
    self.branches = branches
    must(["init", "--office", "hq", "--head"], "hq")
    for office in branches {
      must(["office", "add", office, "--key-out", "\(office).key"], "hq")
      must(["init", "--office", office, "--key", "\(office).key"], office)
      temp.write("\(office)-orders.csv", Self.orders(office, 1...orders))
      must(["import", "orders", "\(office)-orders.csv"], office)
    }
  }

  /// An orders CSV with ids `<office>-o-<n>` for each `n`.
  static func orders(_ office: String, _ numbers: ClosedRange<Int>, amount: String = "100.00")
    -> String
  {
    var text = "order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
    for n in numbers { text += "\(office)-o-\(n),c-\(n),sem,2025-01-05,1,\(amount),confirmed\n" }
    return text
  }

  /// Runs `outpost arguments --repo repository` in the fixture's folder.
  @discardableResult
  func run(_ arguments: [String], _ repository: String) -> RunResult {
    let full = arguments + ["--repo", repository]
    let result = outpost(full, in: temp.path)
    results.append((full.joined(separator: " "), result))
    return result
  }

  /// Runs a command that must succeed and returns its standard output.
  @discardableResult
  func must(
    _ arguments: [String], _ repository: String, sourceLocation: SourceLocation = #_sourceLocation
  ) -> String {
    let result = run(arguments, repository)
    #expect(
      result.status == 0,
      "\(arguments.joined(separator: " ")) --repo \(repository): \(result.errors)",
      sourceLocation: sourceLocation)
    return result.output
  }

  /// Makes the branch's next submission into `file`.
  func submit(_ office: String, _ file: String, sourceLocation: SourceLocation = #_sourceLocation) {
    must(["submit", "--out", file], office, sourceLocation: sourceLocation)
  }

  /// Adds or changes one order at `repository`.
  func put(_ repository: String, _ id: String, amount: String) {
    let exists = run(["get", "orders", id], repository).status == 0
    var arguments = ["put", "orders", id, "amount=\(amount)"]
    if !exists {
      arguments += [
        "customer_id=c-x", "channel_id=sem", "order_date=2025-02-01", "quantity=2",
        "status=confirmed",
      ]
    }
    must(arguments, repository)
  }

  /// A digest of every file of a repository (SPEC.md §4.1): equal means byte-identical.
  func digest(_ repository: String) -> String { treeDigest(temp.file(repository)) }

  /// The exported orders of a repository, one canonical JSON line per record.
  func orders(_ repository: String) -> String {
    must(["export", "orders", "--format", "ndjson"], repository)
  }

  func bytes(_ file: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: temp.file(file))))
  }

  func write(_ file: String, _ bytes: [UInt8]) { temp.write(file, bytes: bytes) }

  func copy(_ from: String, _ to: String) throws {
    if FileManager.default.fileExists(atPath: temp.file(to)) {
      try FileManager.default.removeItem(atPath: temp.file(to))
    }
    try FileManager.default.copyItem(atPath: temp.file(from), toPath: temp.file(to))
  }

  /// The key head office issued to `office`, read from its key file.
  func key(_ office: String) throws -> OfficeKey {
    try OfficeKey(fileBytes: try bytes("\(office).key"), path: "\(office).key")
  }
}

// MARK: - Taking bundles apart

/// A bundle file split into its three parts (manifest line, MAC line, payload), to be edited
/// and, when asked, re-signed with an enrolled office's key: what a buggy or hostile but enrolled
/// office could send.
///
/// The record lines are read and written through the payload's DEFLATE stream when the format
/// compresses them (`outpost-bundle/3` on, SPEC.md §8.2), after the extra line that begins it in
/// `outpost-bundle/4`, which edits keep as it is.
struct BundleFile {
  var manifest: String
  var macLine: String
  /// The payload as stored in the file (a DEFLATE stream in format 3).
  var payload: [UInt8]

  init(_ bytes: [UInt8]) throws {
    let first = try #require(bytes.firstIndex(of: 10))
    let second = try #require(bytes[(first + 1)...].firstIndex(of: 10))
    manifest = String(decoding: bytes[..<first], as: UTF8.self)
    macLine = String(decoding: bytes[(first + 1)..<second], as: UTF8.self)
    payload = Array(bytes[(second + 1)...])
  }

  var bytes: [UInt8] { Array(manifest.utf8) + [10] + Array(macLine.utf8) + [10] + payload }

  /// Whether the payload is compressed (format 3 on).
  var isCompressed: Bool { !manifest.contains(#""format":"outpost-bundle/2""#) }

  /// Whether the inflated payload begins with the extra line (format 4).
  var hasExtraLine: Bool { manifest.contains(#""format":"outpost-bundle/4""#) }

  /// The payload, inflated if it is compressed: the extra line (format 4) and the record lines.
  var inflated: [UInt8] {
    guard isCompressed else { return payload }
    return (try? Inflate.decompress(payload, limit: BundleCodec.maximumBytes)) ?? []
  }

  /// The extra line with its line end (format 4), else nothing.
  var extraLine: [UInt8] {
    let all = inflated
    guard hasExtraLine, let end = all.firstIndex(of: 10) else { return [] }
    return Array(all[...end])
  }

  /// The record lines' bytes: the payload, inflated if it is compressed, after the extra line.
  var recordBytes: [UInt8] { Array(inflated.dropFirst(extraLine.count)) }

  /// The record lines, without their line ends.
  var records: [String] {
    String(decoding: recordBytes, as: UTF8.self).split(separator: "\n").map(String.init)
  }

  /// Replaces the record lines (each gets a line end), after the extra line, compressed as the
  /// writer would.
  mutating func setRecords(_ lines: [String]) {
    let bytes = extraLine + Array(lines.map { $0 + "\n" }.joined().utf8)
    payload = isCompressed ? Deflate.compress(bytes, level: BundleCodec.compressionLevel) : bytes
  }

  /// The text of the manifest's `"name":{…}` member (a flat object such as `clock`).
  func object(_ name: String) throws -> String {
    let start = try #require(manifest.range(of: "\"\(name)\":{"))
    let end = try #require(manifest[start.upperBound...].firstIndex(of: "}"))
    return String(manifest[start.upperBound..<end])
  }

  /// Replaces the inside of the manifest's `"name":{…}` member.
  mutating func setObject(_ name: String, _ inside: String) throws {
    let start = try #require(manifest.range(of: "\"\(name)\":{"))
    let end = try #require(manifest[start.upperBound...].firstIndex(of: "}"))
    manifest.replaceSubrange(start.upperBound..<end, with: inside)
  }

  /// Recomputes the payload members of the manifest and its MAC with `key`, so that only the
  /// edit under test is wrong.
  mutating func resign(_ key: OfficeKey) throws {
    let extra = extraLine
    let all = inflated
    let count = all.filter { $0 == 10 }.count - (hasExtraLine ? 1 : 0)
    let extraBytes = hasExtraLine ? "\"extra_bytes\":\(extra.count)," : ""
    let raw = isCompressed ? "\"raw_bytes\":\(all.count)," : ""
    try setObject(
      "payload",
      "\"bytes\":\(payload.count),\(extraBytes)\(raw)\"records\":\(count),"
        + "\"sha256\":\"\(SHA256.hash(payload).hex)\"")
    let kind: BundleKind = manifest.contains(#""kind":"reply""#) ? .reply : .submission
    let mac = HMACSHA256.authenticate(Array(manifest.utf8), key: key.macKey(for: kind))
    macLine = #"{"hmac_sha256":"\#(mac.hex)"}"#
  }
}

// MARK: - Checking a refusal

/// The parts of a refusal docs/reliability.md §4 requires of every row.
enum RefusalPart: String, Hashable, Sendable {
  /// The exit code from the table.
  case status
  /// An `error:` line on standard error.
  case error
  /// The error line names the file.
  case namesFile
  /// The error line gives the reason.
  case reason
  /// A hint line follows: what to do.
  case hint
}

/// Checks each part of a refusal; a part listed in `known` is a known issue (reported to the
/// product's maintainers), wrapped in `withKnownIssue` so the test fails once it is fixed.
func expectRefusal(
  _ result: RunResult, status: Int32, file: String, reason: [String],
  known: [RefusalPart: String] = [:], _ context: String = "",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let lines = result.errors.split(separator: "\n", omittingEmptySubsequences: false).map(
    String.init)
  let errorIndex = lines.firstIndex { $0.hasPrefix("error: ") }
  let errorLine = errorIndex.map { lines[$0] } ?? ""
  let hintLine =
    errorIndex.flatMap { $0 + 1 < lines.count ? lines[$0 + 1] : nil }.flatMap {
      $0.hasPrefix("  ") && $0.count > 8 ? $0 : nil
    }
  let checks: [(RefusalPart, Bool, String)] = [
    (.status, result.status == status, "exit \(result.status), expected \(status)"),
    (.error, errorIndex != nil, "no 'error:' line"),
    (.namesFile, errorLine.contains(file), "the error does not name '\(file)'"),
    (.reason, reason.contains { errorLine.contains($0) }, "the reason is not one of \(reason)"),
    (.hint, hintLine != nil, "no hint line after the error"),
  ]
  for (part, passed, what) in checks {
    let comment: Comment = "\(context) \(what): \(result.errors)"
    if let issue = known[part] {
      withKnownIssue(Comment(rawValue: issue), sourceLocation: sourceLocation) {
        #expect(passed, comment, sourceLocation: sourceLocation)
      }
    } else {
      #expect(passed, comment, sourceLocation: sourceLocation)
    }
  }
}

extension Offices {
  /// Runs a command that must be refused and checks the refusal and that `repository` is
  /// byte-identical afterwards.
  @discardableResult
  func refused(
    _ arguments: [String], _ repository: String, status: Int32, file: String,
    reason: [String], known: [RefusalPart: String] = [:], _ context: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
  ) -> RunResult {
    let before = digest(repository)
    let result = run(arguments, repository)
    expectRefusal(
      result, status: status, file: file, reason: reason, known: known, context,
      sourceLocation: sourceLocation)
    #expect(
      digest(repository) == before, "\(context): \(repository) changed",
      sourceLocation: sourceLocation)
    return result
  }

  /// `outpost merge file --repo hq`, which must be refused.
  @discardableResult
  func mergeRefused(
    _ file: String, status: Int32, reason: [String], known: [RefusalPart: String] = [:],
    _ context: String = "", sourceLocation: SourceLocation = #_sourceLocation
  ) -> RunResult {
    refused(
      ["merge", file], "hq", status: status, file: file, reason: reason, known: known, context,
      sourceLocation: sourceLocation)
  }
}

// MARK: - Known issues (see the helper's report)

// MARK: - Rows 1–7: the bundle itself

struct BundleRefusalTests {
  /// A fixture where `north-1.sub` and `south-1.sub` are the branches' first submissions.
  static func submitted() -> Offices {
    let offices = Offices()
    offices.submit("north", "north-1.sub")
    offices.submit("south", "south-1.sub")
    return offices
  }

  @Test(
    "row 1: not a bundle, or a newer format: 65 'not an Outpost bundle'",
    arguments: ["random bytes", "PDF", "empty file", "key file", "CSV", "format 99"])
  func notABundle(_ kind: String) throws {
    let offices = Self.submitted()
    var random = SplitMix64(seed: testSeed(0xB0B1))
    let bytes: [UInt8]
    var reason = ["not an Outpost bundle"]
    var hint = ""  // an extra word the hint must hold
    switch kind {
    case "random bytes": bytes = (0..<4096).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    case "PDF": bytes = Array("%PDF-1.7\n%\u{e2}\u{e3}\n1 0 obj\n<< /Type /Catalog >>\n".utf8)
    case "empty file": bytes = []
    case "key file": bytes = try offices.bytes("north.key")
    case "CSV": bytes = try offices.bytes("north-orders.csv")
    default:
      let text = String(decoding: try offices.bytes("north-1.sub"), as: UTF8.self)
      bytes = Array(
        text.replacingOccurrences(of: BundleManifest.format, with: "outpost-bundle/99").utf8)
      reason = ["format outpost-bundle/99"]
      hint = "Update outpost"
    }
    offices.write("input.sub", bytes)
    let result = offices.mergeRefused("input.sub", status: 65, reason: reason, kind)
    #expect(result.errors.contains("nothing was imported"))
    #expect(hint.isEmpty || result.errors.contains(hint))
    // The same file given to a branch is refused the same way.
    offices.refused(
      ["receive", "input.sub"], "north", status: 65, file: "input.sub", reason: reason, kind)
  }

  @Test("row 2: a bundle cut short anywhere is 65 'bundle incomplete', never partly merged")
  func truncated() throws {
    let offices = Self.submitted()
    let bytes = try offices.bytes("north-1.sub")
    let manifestEnd = try #require(bytes.firstIndex(of: 10))
    let macEnd = try #require(bytes[(manifestEnd + 1)...].firstIndex(of: 10))
    var cuts = Set(stride(from: 1, to: bytes.count, by: 41))
    cuts.formUnion([
      manifestEnd, manifestEnd + 1, manifestEnd + 20, macEnd, macEnd + 1, bytes.count - 1,
    ])
    for cut in cuts.sorted() {
      offices.write("cut.sub", Array(bytes.prefix(cut)))
      let result = offices.mergeRefused(
        "cut.sub", status: 65, reason: ["bundle incomplete"],
        "cut at \(cut) of \(bytes.count)")
      if cut >= manifestEnd {
        #expect(result.errors.contains("make it again"), "cut at \(cut): \(result.errors)")
      }
    }
    #expect(cuts.count > 20)
    // The whole file is a good bundle: the refusals were for the cuts.
    #expect(offices.must(["merge", "north-1.sub"], "hq").contains("3 new"))
  }

  @Test("row 3: a flipped bit in the records is 65 'damaged in transit: … sha256 mismatch'")
  func bitFlip() throws {
    let offices = Self.submitted()
    let seed = testSeed(0xF11B)
    var random = SplitMix64(seed: seed)
    let original = try offices.bytes("north-1.sub")
    let payloadStart = try BundleFile(original).bytes.count - BundleFile(original).payload.count
    for flip in 0..<24 {
      var bytes = original
      let index = payloadStart + Int(random.next() % UInt64(bytes.count - payloadStart))
      bytes[index] ^= UInt8(1) << (random.next() % 8)
      offices.write("flipped.sub", bytes)
      offices.mergeRefused(
        "flipped.sub", status: 65, reason: ["damaged in transit"],
        "seed \(seed), flip \(flip) at byte \(index)")
    }
    #expect(offices.must(["merge", "north-1.sub"], "hq").contains("3 new"))
  }

  @Test("row 4: an appended record line, or lines from another bundle, are refused (65)")
  func mixAndMatch() throws {
    let offices = Self.submitted()
    let north = try BundleFile(try offices.bytes("north-1.sub"))
    let south = try BundleFile(try offices.bytes("south-1.sub"))
    #expect(north.recordBytes.count == south.recordBytes.count, "the fixture's bundles line up")

    var appended = north
    appended.payload += south.payload
    offices.write("appended.sub", appended.bytes)
    offices.mergeRefused(
      "appended.sub", status: 65, reason: ["not in its manifest"], "south's lines appended")

    var extra = north
    extra.payload += Array(
      (north.records[0].replacingOccurrences(of: "-o-1", with: "-o-9") + "\n").utf8)
    offices.write("extra.sub", extra.bytes)
    offices.mergeRefused("extra.sub", status: 65, reason: ["not in its manifest"], "extra line")

    // Same-length lines from south's bundle in place of north's: the size matches, the hash
    // does not (one file, so mixing is indistinguishable from damage and reported as such).
    // Compressed, the same-length lines need not give a payload of the same size: a shorter
    // one is refused as incomplete.
    var spliced = north
    spliced.setRecords([north.records[0], south.records[1], north.records[2]])
    #expect(spliced.recordBytes.count == north.recordBytes.count)
    offices.write("spliced.sub", spliced.bytes)
    offices.mergeRefused(
      "spliced.sub", status: 65,
      reason: ["not in its manifest", "sha256 mismatch", "bundle incomplete"],
      "one line from south")

    var swapped = north
    swapped.payload = south.payload
    offices.write("swapped.sub", swapped.bytes)
    offices.mergeRefused(
      "swapped.sub", status: 65,
      reason: ["not in its manifest", "sha256 mismatch", "bundle incomplete"],
      "north's header on south's records")
    #expect(offices.must(["merge", "north-1.sub", "south-1.sub"], "hq").contains("6 new"))
  }

  @Test("row 5: an edited manifest or a wrong MAC is 77 'signature invalid for office north'")
  func editedManifest() throws {
    let offices = Self.submitted()
    let north = try BundleFile(try offices.bytes("north-1.sub"))
    let south = try BundleFile(try offices.bytes("south-1.sub"))
    let edits: [(String, (inout BundleFile) -> Void)] = [
      (
        "seq 1 → 2",
        { $0.manifest = $0.manifest.replacingOccurrences(of: #""seq":1"#, with: #""seq":2"#) }
      ),
      (
        "created_at",
        { $0.manifest = $0.manifest.replacingOccurrences(of: "2025-03-01", with: "2025-03-02") }
      ),
      (
        "record count",
        {
          $0.manifest = $0.manifest.replacingOccurrences(of: #""records":3"#, with: #""records":2"#)
        }
      ),
      (
        "MAC of zeros", { $0.macLine = #"{"hmac_sha256":"\#(String(repeating: "0", count: 64))"}"# }
      ),
      ("south's MAC", { $0.macLine = south.macLine }),
    ]
    for (name, edit) in edits {
      var bundle = north
      edit(&bundle)
      #expect(bundle.bytes != north.bytes, "\(name) edits something")
      offices.write("edited.sub", bundle.bytes)
      offices.mergeRefused(
        "edited.sub", status: 77, reason: ["signature invalid for office 'north'"], name)
    }
    // A MAC made with the right key but for the other direction (a reply) is no signature.
    let key = try offices.key("north")
    var reversed = north
    let mac = HMACSHA256.authenticate(Array(north.manifest.utf8), key: key.macKey(for: .reply))
    reversed.macLine = #"{"hmac_sha256":"\#(mac.hex)"}"#
    offices.write("reversed.sub", reversed.bytes)
    offices.mergeRefused(
      "reversed.sub", status: 77, reason: ["signature invalid for office 'north'"], "reply MAC")
    // No MAC line at all: the table asks for 77 "signature invalid". With line 2 gone, the first
    // record line takes its place; with an empty object there, line 2 is no MAC line.
    var missing = north
    missing.macLine = north.records[0]
    missing.setRecords(Array(north.records.dropFirst()))
    offices.write("unsigned.sub", missing.bytes)
    offices.mergeRefused(
      "unsigned.sub", status: 77, reason: ["signature invalid", "MAC"],
      "MAC line removed")
    var empty = north
    empty.macLine = "{}"
    offices.write("empty-mac.sub", empty.bytes)
    offices.mergeRefused(
      "empty-mac.sub", status: 77, reason: ["signature invalid", "MAC"],
      "MAC line {}")
    #expect(offices.must(["merge", "north-1.sub"], "hq").contains("3 new"))
  }

  @Test("row 6: a bundle signed by an unknown key, or a revoked one, is 77")
  func unknownAndRevokedKeys() throws {
    let offices = Self.submitted()
    // Another head office, also called hq, enrolls its own 'north'.
    offices.must(["init", "--office", "hq", "--head"], "other-hq")
    offices.must(["office", "add", "north", "--key-out", "other.key"], "other-hq")
    offices.must(["init", "--office", "north", "--key", "other.key"], "other-north")
    offices.submit("other-north", "stranger.sub")
    offices.mergeRefused(
      "stranger.sub", status: 77, reason: ["signed by an unknown key"], "unknown key")

    offices.must(["office", "revoke", "north"], "hq")
    let result = offices.mergeRefused(
      "north-1.sub", status: 77, reason: ["revoked key of office 'north'"], "revoked")
    // The key is already revoked: the hint names re-enrollment, not another revoke.
    #expect(result.errors.contains("outpost office add north --key-out FILE"), "\(result.errors)")
    #expect(!result.errors.contains("outpost office revoke"), "\(result.errors)")
    // South is unaffected.
    #expect(offices.must(["merge", "south-1.sub"], "hq").contains("3 new"))
  }

  @Test("row 7: a bundle claiming north but signed with south's key is a forgery (77)")
  func forgery() throws {
    let offices = Self.submitted()
    let northID = ReplicaID(unchecked: "north")
    let southKey = try offices.key("south")
    var state = RecordState()
    state.write(
      [
        "office_id": .string("north"), "amount": .string("1.00"), "customer_id": .string("c-1"),
        "channel_id": .string("sem"), "order_date": .string("2025-01-05"),
        "quantity": .number(JSONNumber(integer: 1)), "status": .string("cancelled"),
      ], at: Dot(northID, 1))
    let record = BundleRecord(
      collection: "orders", id: RecordID(unchecked: "north-o-1"), state: state)
    func manifest(keyID: String) -> BundleManifest {
      BundleManifest(
        kind: .submission, from: northID, to: ReplicaID(unchecked: "hq"), seq: 1,
        previous: String(repeating: "0", count: 64), keyID: keyID, assumes: VersionVector(),
        clock: VersionVector([(northID, UInt64(1))]), acknowledges: 0,
        createdAt: "2025-03-01T09:00:00+08:00")
    }
    // South's key id and MAC, north's name: identity comes from the key.
    let forged = BundleCodec.encode(
      manifest(keyID: southKey.keyID), records: [record], key: southKey)
    offices.write("forged.sub", forged.bytes)
    let result = offices.mergeRefused(
      "forged.sub", status: 77, reason: ["claims to come from 'north' but is signed by 'south'"],
      "south's key id")
    #expect(result.errors.contains("forgery"))
    // North's key id, south's MAC: the MAC does not verify.
    let northKeyID = try offices.key("north").keyID
    let borrowed = BundleCodec.encode(manifest(keyID: northKeyID), records: [record], key: southKey)
    offices.write("borrowed.sub", borrowed.bytes)
    offices.mergeRefused(
      "borrowed.sub", status: 77, reason: ["signature invalid for office 'north'"],
      "north's key id")
    // North's real bundle still merges with its untouched order.
    offices.must(["merge", "north-1.sub"], "hq")
    #expect(!offices.orders("hq").contains("cancelled"))
  }
}
