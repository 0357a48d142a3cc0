import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport
import Testing

/// SPEC.md §8.2, `outpost-bundle/4`, through the repository: a submission's extra members (a KPI
/// report of more than 1 MiB here) travel in its compressed extra line and reach head office
/// as given; a damaged extra line is refused with nothing written; a `/3` bundle, whose manifest
/// holds them, still merges with the same members.
struct BundleExtraLineStoreTests {
  let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00Z" }
  let north = ReplicaID(unchecked: "north")
  let hq = ReplicaID(unchecked: "hq")

  /// Head office and one enrolled branch holding five orders, on one in-memory disk.
  func pair() throws -> (
    disk: MemoryFileSystem, head: RepositoryWriter, branch: RepositoryWriter, key: OfficeKey
  ) {
    let pair = try EnrolledPair(now: now)
    _ = try pair.branch.commit(
      (1...5).map { EnrolledPair.order($0, amount: "\($0).00") }, command: "put")
    return (pair.disk, pair.head, pair.branch, pair.key)
  }

  /// A report shaped like §9.7's, of `count` values (about 90 bytes each, as canonical JSON).
  func report(values count: Int) -> JSONValue {
    let values: [JSONValue] = (0..<count).map { n in
      .object(
        JSONObject(uncheckedPairs: [
          ("kpi", .string("kpi_number_\(n / 24)")), ("period", .string("20\(10 + n % 24)-01")),
          ("reason", .null), ("value", .string("\(n * 7_919 % 1_000_000).\(n % 100)")),
        ]))
    }
    return .object(
      JSONObject(uncheckedPairs: [
        ("definitions", .string(String(repeating: "b", count: 64))),
        ("office", .string("north")), ("grain", .string("month")), ("values", .array(values)),
      ]))
  }

  @Test("a submission whose KPI report is over 1 MiB is made, merged, and read back the same")
  func largeReport() throws {
    let (_, head, branch, key) = try pair()
    defer {
      head.close()
      branch.close()
    }
    let report = report(values: 16_000)
    let size = JSONWriter.canonicalBytes(report).count
    #expect(size > 1 << 20, "\(size) bytes")
    let made = try branch.makeBundle(for: hq, extra: ["kpi_report": report])
    let line1 = made.bytes.prefix(while: { $0 != 10 })
    #expect(line1.count < 1_000 && !String(decoding: line1, as: UTF8.self).contains("kpi_report"))
    #expect(made.manifest.version == 4 && made.manifest.payloadExtraBytes > 1 << 20)
    #expect(made.bytes.count * 3 < size, "\(made.bytes.count) bytes for a \(size)-byte report")
    let verified = try BundleCodec.verify(made.bytes, name: "n") { _ in .active(key) }
    #expect(verified.manifest.extra["kpi_report"] == report)
    let merged = try head.applyBundle(made.bytes, name: "north-1")
    #expect(merged.manifest.extra == ["kpi_report": report])
    #expect(merged.outcomes.count == 5)
  }

  /// The bundle with its payload replaced by `inflated` (compressed), its `extra_bytes` by
  /// `extraBytes`, re-signed with north's key: only the payload is wrong.
  func crafted(_ made: MadeBundle, inflated: [UInt8], extraBytes: UInt64, key: OfficeKey)
    -> [UInt8]
  {
    var m = made.manifest
    let stored = Deflate.compress(inflated, level: .fast)
    m.payloadBytes = UInt64(stored.count)
    m.payloadRawBytes = UInt64(inflated.count)
    m.payloadExtraBytes = extraBytes
    m.payloadSHA256 = SHA256.hash(stored).hex
    let head = JSONWriter.canonicalBytes(m.json)
    let mac = HMACSHA256.authenticate(head, key: key.macKey(for: .submission)).hex
    return head + [10] + Array(#"{"hmac_sha256":"\#(mac)"}"#.utf8) + [10] + stored
  }

  @Test(
    "a damaged, missing or oversized extra line is refused (65) and nothing is written",
    arguments: ["damaged", "missing", "over its limit", "not an object"])
  func refused(_ kind: String) throws {
    let (disk, head, branch, key) = try pair()
    defer {
      head.close()
      branch.close()
    }
    let made = try branch.makeBundle(for: hq, extra: ["kpi_report": report(values: 10)])
    let verified = try BundleCodec.verify(made.bytes, name: "n") { _ in .active(key) }
    let records = Array(verified.payload)
    let bytes: [UInt8]
    let reason: String
    switch kind {
    case "damaged":
      let line = Array(#"{"extra":{"kpi_report":{"values":[}}}"#.utf8) + [10]
      bytes = crafted(made, inflated: line + records, extraBytes: UInt64(line.count), key: key)
      reason = "north-1: bundle line 3: the extra line: "
    case "missing":
      bytes = crafted(made, inflated: records, extraBytes: 0, key: key)
      reason = "north-1: bundle line 3: the payload has no extra line"
    case "over its limit":
      let declared = UInt64(BundleCodec.maximumExtraBytes + 1)
      bytes = crafted(made, inflated: records, extraBytes: declared, key: key)
      reason = "declares an extra line of \(declared) bytes, over its 64 MiB limit"
    default:
      let line = Array(#"{"extra":"kpi_report"}"#.utf8) + [10]
      bytes = crafted(made, inflated: line + records, extraBytes: UInt64(line.count), key: key)
      reason = "north-1: bundle line 3: the extra line's 'extra' is not an object"
    }
    let before = disk.snapshot()
    let error = #expect(throws: StoreError.self) { try head.applyBundle(bytes, name: "north-1") }
    #expect(error?.code == .invalidData, "\(kind)")
    #expect(error?.message.contains(reason) == true, "\(kind): \(error?.message ?? "")")
    #expect(error?.message.hasSuffix("nothing was imported") == true, "\(kind)")
    #expect(error?.hint?.contains("make it again") == true, "\(kind): \(error?.hint ?? "")")
    #expect(disk.snapshot() == before, "\(kind): the refusal wrote")
    // The genuine bundle still merges.
    #expect(try head.applyBundle(made.bytes, name: "north-1").outcomes.count == 5)
  }

  @Test("a format-3 submission, its extra in the manifest, still merges with the same extra")
  func formatThree() throws {
    let (_, head, branch, key) = try pair()
    defer {
      head.close()
      branch.close()
    }
    let made = try branch.makeBundle(for: hq, extra: ["kpi_report": report(values: 50)])
    let verified = try BundleCodec.verify(made.bytes, name: "n") { _ in .active(key) }
    var manifest = verified.manifest
    manifest.version = 3
    let three = BundleCodec.encode(manifest, records: try verified.records(), key: key)
    let line1 = String(decoding: three.bytes.prefix(while: { $0 != 10 }), as: UTF8.self)
    #expect(line1.contains(#""format":"outpost-bundle/3""#) && line1.contains(#""extra":{"#))
    let merged = try head.applyBundle(three.bytes, name: "north-1")
    #expect(merged.manifest.version == 3)
    #expect(merged.manifest.extra == made.manifest.extra)
    #expect(merged.manifest.extra["kpi_report"] == report(values: 50))
    #expect(merged.outcomes.count == 5)
  }
}
