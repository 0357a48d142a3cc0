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

/// A bundle file split into its three parts (manifest line, MAC line, record lines), to be edited
/// and, when asked, re-signed with an enrolled office's key: what a buggy or hostile but enrolled
/// office could send.
struct BundleFile {
  var manifest: String
  var macLine: String
  var payload: [UInt8]

  init(_ bytes: [UInt8]) throws {
    let first = try #require(bytes.firstIndex(of: 10))
    let second = try #require(bytes[(first + 1)...].firstIndex(of: 10))
    manifest = String(decoding: bytes[..<first], as: UTF8.self)
    macLine = String(decoding: bytes[(first + 1)..<second], as: UTF8.self)
    payload = Array(bytes[(second + 1)...])
  }

  var bytes: [UInt8] { Array(manifest.utf8) + [10] + Array(macLine.utf8) + [10] + payload }

  /// The record lines, without their line ends.
  var records: [String] {
    String(decoding: payload, as: UTF8.self).split(separator: "\n").map(String.init)
  }

  /// Replaces the record lines (each gets a line end).
  mutating func setRecords(_ lines: [String]) {
    payload = Array(lines.map { $0 + "\n" }.joined().utf8)
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
    let count = payload.filter { $0 == 10 }.count
    try setObject(
      "payload",
      "\"bytes\":\(payload.count),\"records\":\(count),\"sha256\":\"\(SHA256.hash(payload).hex)\"")
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
        text.replacingOccurrences(of: "outpost-bundle/2", with: "outpost-bundle/99").utf8)
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
    #expect(north.payload.count == south.payload.count, "the fixture's bundles line up")

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
    var spliced = north
    spliced.setRecords([north.records[0], south.records[1], north.records[2]])
    #expect(spliced.payload.count == north.payload.count)
    offices.write("spliced.sub", spliced.bytes)
    offices.mergeRefused(
      "spliced.sub", status: 65, reason: ["not in its manifest", "sha256 mismatch"],
      "one line from south")

    var swapped = north
    swapped.payload = south.payload
    offices.write("swapped.sub", swapped.bytes)
    offices.mergeRefused(
      "swapped.sub", status: 65, reason: ["not in its manifest", "sha256 mismatch"],
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
    #expect(result.errors.contains("outpost office revoke"))
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

// MARK: - Rows 8–11: sequence numbers

struct BundleSequenceTests {
  @Test("row 8: a replay is exit 0 'already merged; no changes' and journals nothing")
  func replay() throws {
    let offices = Offices()
    offices.submit("north", "north-1.sub")
    offices.must(["merge", "north-1.sub"], "hq")
    let before = offices.digest("hq")
    let log = offices.must(["log"], "hq")
    for _ in 0..<3 {
      let again = offices.run(["merge", "north-1.sub"], "hq")
      #expect(again.status == 0, "\(again.errors)")
      #expect(
        again.output.contains(
          "submission 1 from 'north' (north-1.sub): already merged; no changes"),
        "\(again.output)")
      #expect(offices.digest("hq") == before)
    }
    #expect(offices.must(["log"], "hq") == log)
    // At a branch: a reply received twice.
    offices.must(["reply", "north", "--out", "north-1.reply"], "hq")
    offices.must(["receive", "north-1.reply"], "north")
    let branch = offices.digest("north")
    let again = offices.must(["receive", "north-1.reply"], "north")
    #expect(again.contains("already received; no changes"), "\(again)")
    #expect(offices.digest("north") == branch)
  }

  @Test("row 9: an older seq with different content is 65 'older than the last accepted seq 2'")
  func olderBundle() throws {
    let offices = Offices(branches: ["north"])
    try offices.copy("north", "north-old")  // a backup taken before any submission
    offices.submit("north", "north-1.sub")
    offices.put("north", "north-o-4", amount: "40.00")
    offices.submit("north", "north-2.sub")
    offices.must(["merge", "north-1.sub", "north-2.sub"], "hq")
    // The backup is restored and submits again: its seq 1 differs from the one merged.
    offices.put("north-old", "north-o-7", amount: "70.00")
    offices.submit("north-old", "old-1.sub")
    let result = offices.mergeRefused(
      "old-1.sub", status: 65, reason: ["older than the last accepted seq 2 from 'north'"])
    #expect(result.errors.contains("security warning"))
    #expect(!offices.orders("hq").contains("north-o-7"))
  }

  @Test("row 10: three bundles in all 6 orders: gaps are applied with a note, late ones fill them")
  func allOrders() throws {
    let offices = Offices(branches: ["north"])
    try offices.copy("hq", "hq-pristine")
    offices.submit("north", "s1.sub")
    offices.put("north", "north-o-4", amount: "40.00")
    offices.put("north", "north-o-1", amount: "150.00")
    offices.submit("north", "s2.sub")
    offices.must(["delete", "orders", "north-o-2"], "north")
    offices.put("north", "north-o-5", amount: "50.00")
    offices.submit("north", "s3.sub")
    offices.put("north", "north-o-6", amount: "60.00")
    offices.submit("north", "s4.sub")
    let expected = offices.orders("north")
    let permutations = [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]]
    var finals: Set<String> = []
    for order in permutations {
      let hq = "hq-" + order.map(String.init).joined()
      try offices.copy("hq-pristine", hq)
      var newest = 0
      for seq in order {
        let output = offices.must(["merge", "s\(seq).sub"], hq)
        let context = "order \(order), seq \(seq): \(output)"
        if seq > newest + 1 {
          let missing = (newest + 1..<seq).map(String.init).joined(separator: ", ")
          #expect(output.contains("note: seq \(missing) never arrived"), "\(context)")
        } else {
          #expect(!output.contains("never arrived"), "\(context)")
        }
        #expect(output.contains("fills the gap") == (seq < newest), "\(context)")
        newest = max(newest, seq)
      }
      #expect(offices.must(["verify"], hq).hasPrefix("ok:"))
      for seq in order {
        #expect(offices.must(["merge", "s\(seq).sub"], hq).contains("already merged"))
      }
      // The next bundle chains onto the newest, whatever the order was.
      offices.must(["merge", "s4.sub"], hq)
      finals.insert(offices.orders(hq))
    }
    #expect(finals == [expected], "every order ends with the branch's own records")
  }

  @Test("row 11: a branch restored from a copy submits seq 1 again: 65 security warning")
  func equivocation() throws {
    let offices = Offices(branches: ["north"])
    try offices.copy("north", "north-copy")
    try offices.copy("hq", "hq-pristine")
    offices.submit("north", "north-1.sub")
    offices.must(["merge", "north-1.sub"], "hq")
    offices.put("north-copy", "north-o-8", amount: "80.00")
    offices.submit("north-copy", "again-1.sub")
    let result = offices.mergeRefused(
      "again-1.sub", status: 65,
      reason: ["security warning: 'north' produced two different bundles with seq 1"])
    #expect(result.errors.contains("again-1.sub was refused"))
    #expect(result.errors.contains("Check with the office"))
    #expect(!offices.orders("hq").contains("north-o-8"))
    // The other way round: whichever arrives first is merged, the second is refused.
    try offices.copy("hq-pristine", "hq-2")
    offices.must(["merge", "again-1.sub"], "hq-2")
    offices.refused(
      ["merge", "north-1.sub"], "hq-2", status: 65, file: "north-1.sub",
      reason: ["two different bundles with seq 1"])
  }
}

// MARK: - Rows 12–14: clocks (bundles re-signed with north's real key: only the clock is wrong)

struct BundleClockTests {
  /// North's first submission, taken apart, with north's key and its clock counter.
  struct Crafting {
    let offices = Offices(branches: ["north", "south"])
    let original: BundleFile
    let key: OfficeKey
    let counter: String

    init() throws {
      offices.submit("north", "north-1.sub")
      original = try BundleFile(try offices.bytes("north-1.sub"))
      key = try offices.key("north")
      counter = try original.object("clock").replacingOccurrences(of: #""north":"#, with: "")
      // Re-signing an untouched bundle reproduces it exactly: the crafting itself is sound.
      var same = original
      try same.resign(key)
      #expect(same.bytes == original.bytes)
      #expect(Int(counter) == 3, "three imported orders: \(counter)")
    }

    /// A bundle whose manifest clock is `{inside}`, signed with north's key.
    func clock(_ inside: String) throws -> [UInt8] {
      var bundle = original
      try bundle.setObject("clock", inside)
      try bundle.resign(key)
      return bundle.bytes
    }

    /// A bundle whose first record line has `edit` applied, signed with north's key.
    func record(_ edit: (String) -> String) throws -> [UInt8] {
      var bundle = original
      var lines = bundle.records
      let edited = edit(lines[0])
      #expect(edited != lines[0], "the edit changes the record")
      lines[0] = edited
      bundle.setRecords(lines)
      try bundle.resign(key)
      return bundle.bytes
    }

    func refuse(
      _ bytes: [UInt8], reason: [String], known: [RefusalPart: String] = [:], _ context: String,
      sourceLocation: SourceLocation = #_sourceLocation
    ) {
      offices.write("crafted.sub", bytes)
      offices.mergeRefused(
        "crafted.sub", status: 65, reason: reason, known: known, context,
        sourceLocation: sourceLocation)
    }

    /// After every refusal the genuine bundle still merges.
    func finish() {
      #expect(offices.must(["merge", "north-1.sub"], "hq").contains("3 new"))
    }
  }

  @Test("row 12: clock inflation: foreign counters beyond what hq has seen, a runaway own counter")
  func inflation() throws {
    let crafting = try Crafting()
    let n = crafting.counter
    // hq has seen no change of its own and none of south's: north cannot know of any.
    crafting.refuse(
      try crafting.clock(#""hq":1,"north":\#(n)"#), reason: ["vector clock inflation"],
      "hq counter beyond known")
    crafting.refuse(
      try crafting.clock(#""north":\#(n),"south":2"#), reason: ["vector clock inflation"],
      "south counter beyond known")
    crafting.refuse(
      try crafting.clock(#""north":4503599627370495"#), reason: ["vector clock inflation"],
      "own counter 2^52 − 1")
    crafting.refuse(
      try crafting.clock(#""hq":9223372036854775807,"north":\#(n)"#),
      reason: ["vector clock inflation", "canonical integer"],
      "hq counter Int64.max")
    crafting.refuse(
      try crafting.record {
        $0.replacingOccurrences(
          of: #""context":{"north":1}"#, with: #""context":{"hq":5,"north":1}"#)
      }, reason: ["beyond the bundle's clock"], "a record's context")
    crafting.finish()
  }

  @Test("row 13: an unknown actor in a clock, or a clock with too many entries, is 65")
  func unknownActors() throws {
    let crafting = try Crafting()
    let n = crafting.counter
    crafting.refuse(
      try crafting.clock(#""mallory":1,"north":\#(n)"#),
      reason: ["'mallory', which is not an office"], "unknown actor")
    let many = (0..<60).map { #""x\#($0 + 10)":1"# }.joined(separator: ",")
    crafting.refuse(
      try crafting.clock(#""north":\#(n),\#(many)"#), reason: ["which is not an office"],
      "61 entries")
    crafting.refuse(
      try crafting.record {
        $0.replacingOccurrences(
          of: #""context":{"north":1}"#, with: #""context":{"mallory":1,"north":1}"#)
      }, reason: ["beyond the bundle's clock"], "unknown actor in a record")
    crafting.finish()
  }

  @Test("row 14: non-canonical counters (1e3, 3.0, -0, \"3\", 2^64) in a clock are 65")
  func nonCanonicalCounters() throws {
    let crafting = try Crafting()
    let n = crafting.counter
    // In the manifest's clock. `1e3` and `3e0` would pass every other check if read as numbers.
    for inside in [
      #""north":1e3"#, #""north":\#(n)e0"#, #""north":\#(n).0"#, #""north":"\#(n)""#,
      #""hq":-0,"north":\#(n)"#, #""north":18446744073709551616"#,
      #""hq":18446744073709551616,"north":\#(n)"#,
    ] {
      crafting.refuse(
        try crafting.clock(inside), reason: ["canonical integer"],
        "manifest clock {\(inside)}")
    }
    // In a record's context, and in a dot.
    for spelling in ["1e0", "1.0", #""1""#, "18446744073709551616"] {
      crafting.refuse(
        try crafting.record {
          $0.replacingOccurrences(
            of: #""context":{"north":1}"#, with: #""context":{"north":\#(spelling)}"#)
        }, reason: ["canonical integer"], "record context \(spelling)")
    }
    crafting.refuse(
      try crafting.record {
        $0.replacingOccurrences(
          of: #""context":{"north":1}"#, with: #""context":{"hq":-0,"north":1}"#)
      }, reason: ["canonical integer"], "record context hq -0")
    for dot in ["north:1e0", "north:1.0", "north:01", "north:-0"] {
      crafting.refuse(
        try crafting.record { $0.replacingOccurrences(of: #""north:1""#, with: #""\#(dot)""#) },
        reason: ["invalid dot"], "dot \(dot)")
    }
    crafting.finish()
  }
}

// MARK: - Rows 29, 30, 37: where the file is, and whom it is for

struct BundleFileTests {
  @Test("row 29: a bundle path that is a symbolic link is 65 and never followed")
  func symbolicLink() throws {
    let offices = Offices(branches: ["north"])
    offices.submit("north", "north-1.sub")
    let files = FileManager.default
    try files.createSymbolicLink(
      atPath: offices.temp.file("link.sub"), withDestinationPath: "north-1.sub")
    let result = offices.mergeRefused("link.sub", status: 65, reason: ["is a symbolic link"])
    #expect(result.errors.contains("Pass the file itself"))
    // A link to a file outside: refused the same way, without reading it.
    try files.createSymbolicLink(
      atPath: offices.temp.file("passwd.sub"), withDestinationPath: "/etc/passwd")
    offices.mergeRefused("passwd.sub", status: 65, reason: ["is a symbolic link"], "to /etc/passwd")
    // And a dangling one.
    try files.createSymbolicLink(
      atPath: offices.temp.file("gone.sub"), withDestinationPath: offices.temp.file("nowhere"))
    offices.mergeRefused("gone.sub", status: 65, reason: ["is a symbolic link"], "dangling")
    // At a branch.
    offices.must(["merge", "north-1.sub"], "hq")
    offices.must(["reply", "north", "--out", "north-1.reply"], "hq")
    try files.createSymbolicLink(
      atPath: offices.temp.file("reply-link"), withDestinationPath: "north-1.reply")
    offices.refused(
      ["receive", "reply-link"], "north", status: 65, file: "reply-link",
      reason: ["is a symbolic link"])
  }

  /// Row 29's "hardlink inside a bundle" has no counterpart here: a bundle is one file.
  ///
  /// A hard link *is* the file (same inode, nothing to traverse), and folders above the file are
  /// the user's path (mount points are often links). Both are accepted.
  @Test("row 29: a hard link to a bundle, or a bundle in a linked folder, is the file itself")
  func hardLinkAndLinkedFolder() throws {
    let offices = Offices(branches: ["north", "south"])
    offices.submit("north", "north-1.sub")
    offices.submit("south", "south-1.sub")
    let files = FileManager.default
    try files.linkItem(
      atPath: offices.temp.file("north-1.sub"), toPath: offices.temp.file("hard.sub"))
    #expect(offices.must(["merge", "hard.sub"], "hq").contains("3 new"))
    try files.createDirectory(atPath: offices.temp.file("stick"), withIntermediateDirectories: true)
    try files.moveItem(
      atPath: offices.temp.file("south-1.sub"), toPath: offices.temp.file("stick/s.sub"))
    try files.createSymbolicLink(atPath: offices.temp.file("media"), withDestinationPath: "stick")
    #expect(offices.must(["merge", "media/s.sub"], "hq").contains("3 new"))
  }

  @Test("row 30: a bundle on read-only media merges, and nothing is written next to it")
  func readOnlyMedia() throws {
    let offices = Offices(branches: ["north"])
    offices.submit("north", "north-1.sub")
    let files = FileManager.default
    let media = offices.temp.file("cdrom")
    try files.createDirectory(atPath: media, withIntermediateDirectories: true)
    try files.moveItem(atPath: offices.temp.file("north-1.sub"), toPath: media + "/north-1.sub")
    try files.setAttributes([.posixPermissions: 0o444], ofItemAtPath: media + "/north-1.sub")
    try files.setAttributes([.posixPermissions: 0o555], ofItemAtPath: media)
    defer { try? files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: media) }
    // Tests may run as root, for whom the modes do not stop writes: compare the folder instead.
    let before = try files.contentsOfDirectory(atPath: media)
    let digest = treeDigest(media)
    let merged = offices.must(["merge", "cdrom/north-1.sub"], "hq")
    #expect(merged.contains("Merged submission 1 from 'north'"))
    #expect(try files.contentsOfDirectory(atPath: media) == before)
    #expect(treeDigest(media) == digest)
    let mode = try files.attributesOfItem(atPath: media + "/north-1.sub")[.posixPermissions]
    #expect((mode as? NSNumber)?.intValue == 0o444)
    // A reply on read-only media is received the same way.
    try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: media)
    offices.must(["reply", "north", "--out", "cdrom/north-1.reply"], "hq")
    try files.setAttributes([.posixPermissions: 0o444], ofItemAtPath: media + "/north-1.reply")
    try files.setAttributes([.posixPermissions: 0o555], ofItemAtPath: media)
    let replyBefore = treeDigest(media)
    offices.must(["receive", "cdrom/north-1.reply"], "north")
    #expect(treeDigest(media) == replyBefore)
  }

  @Test(
    "row 37: a reply for another branch is 65 \"is for 'south'\"; other misdirected bundles too")
  func wrongRecipient() throws {
    let offices = Offices(branches: ["north", "south"])
    offices.submit("north", "north-1.sub")
    offices.submit("south", "south-1.sub")
    offices.must(["merge", "north-1.sub", "south-1.sub"], "hq")
    offices.must(["reply", "south", "--out", "south-1.reply"], "hq")
    offices.refused(
      ["receive", "south-1.reply"], "north", status: 65, file: "south-1.reply",
      reason: ["is for 'south'"])
    // A submission given to a branch, and a reply given to head office.
    offices.refused(
      ["receive", "north-1.sub"], "south", status: 65, file: "north-1.sub",
      reason: ["is for 'hq'"])
    offices.refused(
      ["merge", "south-1.reply"], "hq", status: 65, file: "south-1.reply",
      reason: ["is for 'south'", "is a reply bundle"])
    offices.must(["receive", "south-1.reply"], "south")
  }

  @Test("row 37: a reply that needs a base this branch lacks is 65, naming what it requires")
  func missingBase() throws {
    let offices = Offices(branches: ["north"])
    // A first round: head office's first reply is complete (SPEC.md §8.1), later ones build on
    // what the branch acknowledged.
    offices.submit("north", "north-1.sub")
    offices.must(["merge", "north-1.sub"], "hq")
    offices.must(["reply", "north", "--out", "north-1.reply"], "hq")
    offices.must(["receive", "north-1.reply"], "north")
    try offices.copy("north", "north-old")  // north as it was before its fourth order
    offices.put("north", "north-o-4", amount: "40.00")
    offices.submit("north", "north-2.sub")
    offices.must(["merge", "north-2.sub"], "hq")
    offices.must(["reply", "north", "--out", "north-2.reply"], "hq")
    let result = offices.refused(
      ["receive", "north-2.reply"], "north-old", status: 65, file: "north-2.reply",
      reason: ["requires a base this repository does not have"])
    #expect(result.errors.contains("north:4"), "names the required clock: \(result.errors)")
    // The branch that has the base receives it.
    offices.must(["receive", "north-2.reply"], "north")
  }
}

// MARK: - Merge output, dry runs, keys

struct MergeCommandTests {
  @Test("merge --format json: per-bundle status, refused bundles counted; the good one merged")
  func jsonReport() throws {
    let offices = Offices(branches: ["north", "south"])
    offices.submit("north", "north-1.sub")
    offices.submit("south", "south-1.sub")
    var bad = try offices.bytes("south-1.sub")
    bad[bad.count - 3] ^= 1
    offices.write("bad.sub", bad)
    let result = offices.run(["merge", "bad.sub", "north-1.sub", "--format", "json"], "hq")
    #expect(result.status == 65)
    #expect(result.errors.contains("error: bundle damaged in transit: bad.sub"), "\(result.errors)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    #expect(json["format"] as? String == "outpost-merge/1")
    #expect(json["dry_run"] as? Bool == false)
    let bundles = try #require(json["bundles"] as? [[String: Any]])
    try #require(bundles.count == 2)
    #expect(bundles[0]["file"] as? String == "bad.sub")
    #expect(bundles[0]["status"] as? String == "refused")
    #expect(bundles[0]["exit"] as? Int == 65)
    #expect((bundles[0]["error"] as? String)?.contains("sha256 mismatch") == true)
    #expect(bundles[0]["hint"] is String)
    #expect(bundles[1]["file"] as? String == "north-1.sub")
    #expect(bundles[1]["status"] as? String == "applied")
    #expect(bundles[1]["from"] as? String == "north")
    let totals = try #require(json["totals"] as? [String: Any])
    #expect(totals["bundles_refused"] as? Int == 1)
    #expect(totals["bundles_applied"] as? Int == 1)
    #expect(totals["new"] as? Int == 3)
    let orders = offices.orders("hq")
    #expect(orders.contains("north-o-3") && !orders.contains("south-o-1"))
  }

  @Test("merge --dry-run reports what would happen and writes nothing; then the merge does it")
  func dryRun() throws {
    let offices = Offices(branches: ["north", "south"])
    offices.submit("north", "north-1.sub")
    offices.submit("south", "south-1.sub")
    let before = offices.digest("hq")
    let dry = offices.must(["merge", "north-1.sub", "south-1.sub", "--dry-run"], "hq")
    #expect(dry.contains("Would merge submission 1 from 'north'"), "\(dry)")
    #expect(dry.contains("2 bundle(s) would be merged"), "\(dry)")
    #expect(offices.digest("hq") == before)
    let json = offices.must(["merge", "north-1.sub", "--dry-run", "--format", "json"], "hq")
    #expect(json.contains(#""dry_run": true"#) && json.contains(#""status": "dry-run""#))
    #expect(offices.digest("hq") == before)
    offices.write("cut.sub", Array(try offices.bytes("north-1.sub").dropLast(9)))
    offices.refused(
      ["merge", "cut.sub", "--dry-run"], "hq", status: 65, file: "cut.sub",
      reason: ["bundle incomplete"])
    #expect(offices.orders("hq").isEmpty)
    let merged = offices.must(["merge", "north-1.sub", "south-1.sub"], "hq")
    #expect(merged.contains("2 bundle(s) merged"), "\(merged)")
    #expect(offices.digest("hq") != before)
  }

  @Test("key files are mode 0600, and no command ever prints the secret (SPEC.md §3.3)")
  func keysStaySecret() throws {
    let offices = Offices(branches: ["north", "south"])
    let files = FileManager.default
    func mode(_ path: String) throws -> Int? {
      (try files.attributesOfItem(atPath: offices.temp.file(path))[.posixPermissions] as? NSNumber)?
        .intValue
    }
    for office in offices.branches {
      #expect(try mode("\(office).key") == 0o600)
      #expect(try mode("hq/keys/\(office).json") == 0o600)
      #expect(try mode("\(office)/keys/\(office).json") == 0o600)
    }
    // A whole flow, with every read command, at every office.
    for office in offices.branches { offices.submit(office, "\(office)-1.sub") }
    offices.must(["merge", "north-1.sub", "south-1.sub"], "hq")
    offices.must(["merge", "north-1.sub", "--format", "json"], "hq")
    for office in offices.branches {
      offices.must(["reply", office, "--out", "\(office)-1.reply", "--format", "json"], "hq")
      offices.must(["receive", "\(office)-1.reply", "--format", "json"], office)
    }
    for repository in ["hq"] + offices.branches {
      for command in [
        ["status"], ["status", "--format", "json"], ["log"], ["log", "--format", "json"],
        ["verify"], ["verify", "--format", "json"], ["export", "orders"],
      ] {
        offices.must(command, repository)
      }
    }
    offices.run(["office", "add", "north", "--key-out", "again.key"], "hq")
    offices.run(["init", "--office", "south", "--key", "north.key"], "mixup")
    offices.must(["office", "revoke", "south"], "hq")
    offices.run(["merge", "south-1.sub"], "hq")
    offices.must(["office", "add", "south", "--key-out", "south-2.key"], "hq")
    offices.run(["help", "office", "add"], "hq")
    var secrets: [String] = []
    for file in ["north.key", "south.key", "south-2.key"] {
      let key = try OfficeKey(fileBytes: try offices.bytes(file), path: file)
      secrets += [
        Hex.encode(key.secret), Hex.encode(key.secret).uppercased(),
        Data(key.secret).base64EncodedString(),
      ]
    }
    #expect(offices.results.count > 40)
    for (command, result) in offices.results {
      for secret in secrets {
        #expect(!result.output.contains(secret), "\(command) printed a secret")
        #expect(!result.errors.contains(secret), "\(command) printed a secret")
      }
    }
    // Bundles and journals carry key ids, never secrets.
    for file in ["north-1.sub", "south-1.sub", "north-1.reply", "hq/journal/0000000001.jsonl"] {
      let text = String(decoding: try offices.bytes(file), as: UTF8.self)
      for secret in secrets { #expect(!text.contains(secret), "\(file) holds a secret") }
    }
  }

  @Test("revoking an office, then enrolling it again: old-key bundles stay refused; new key syncs")
  func revokeAndReEnroll() throws {
    let offices = Offices(branches: ["north"])
    offices.submit("north", "north-1.sub")
    offices.must(["merge", "north-1.sub"], "hq")
    offices.must(["office", "revoke", "north"], "hq")
    offices.put("north", "north-o-4", amount: "40.00")
    offices.submit("north", "north-2.sub")
    offices.mergeRefused("north-2.sub", status: 77, reason: ["revoked key of office 'north'"])
    let enrolled = offices.must(["office", "add", "north", "--key-out", "north-new.key"], "hq")
    #expect(enrolled.contains("Enrolled office 'north'"))
    // The old key stays refused after the new one is issued.
    offices.mergeRefused(
      "north-2.sub", status: 77, reason: ["revoked key", "unknown key"],
      "old key after re-enrolling")
    // The branch's repository already exists, so `init --key` cannot take the new key ...
    offices.refused(
      ["init", "--office", "north", "--key", "north-new.key"], "north", status: 73, file: "north",
      reason: ["already an Outpost repository"])
    // ... and a fresh repository with the new key restarts at seq 1, which head office has seen.
    offices.must(["init", "--office", "north", "--key", "north-new.key"], "north-new")
    offices.temp.write("again.csv", Offices.orders("north", 1...4))
    offices.must(["import", "orders", "again.csv"], "north-new")
    offices.submit("north-new", "new-1.sub")
    let result = offices.run(["merge", "new-1.sub"], "hq")
    #expect(result.status == 0, "\(result.errors)")
    #expect(offices.orders("hq").contains("north-o-4"))
  }
}
