import Foundation
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import Testing

/// SPEC.md §8.2, format `outpost-bundle/4`: the extra members travel as the first line of the
/// compressed payload, `{"extra":{…}}`, bounded by `payload.extra_bytes` (at most 64 MiB) and
/// read at step 10; `/3` bundles keep them in the manifest and still read the same.
struct BundleExtraLineTests {
  let north = ReplicaID(unchecked: "north")
  let hq = ReplicaID(unchecked: "hq")

  var key: OfficeKey { OfficeKey(office: north, head: hq, secret: Array(repeating: 9, count: 32)) }

  func keys(_ id: String) -> BundleKeyStatus { id == key.keyID ? .active(key) : .unknown }

  func manifest(version: Int = BundleManifest.currentVersion, extra: [String: JSONValue] = [:])
    -> BundleManifest
  {
    var manifest = BundleManifest(
      kind: .submission, from: north, to: hq, seq: 1,
      previous: String(repeating: "0", count: 64), keyID: key.keyID, assumes: VersionVector(),
      clock: VersionVector([(north, UInt64(3))]), acknowledges: 0,
      createdAt: "2025-03-01T09:00:00+08:00", extra: extra)
    manifest.version = version
    return manifest
  }

  func records() throws -> [BundleRecord] {
    try (1...3).map { n in
      var state = RecordState()
      state.write(["amount": .string("\(n).50")], at: Dot(north, UInt64(n)))
      return BundleRecord(collection: "orders", id: try RecordID("north-o-\(n)"), state: state)
    }
  }

  /// A KPI report shaped like §9.7's with `count` values: about 60 bytes each.
  func report(values count: Int) -> [String: JSONValue] {
    let values: [JSONValue] = (0..<count).map { n in
      .object(
        JSONObject(uncheckedPairs: [
          ("kpi", .string("kpi_\(n / 24)")), ("period", .string("20\(10 + n % 24)-01")),
          ("reason", .null), ("value", .string("\(n * 37 % 100_000).\(n % 100)")),
        ]))
    }
    let report = JSONObject(uncheckedPairs: [
      ("definitions", .string(String(repeating: "a", count: 64))), ("office", .string("north")),
      ("grain", .string("month")), ("values", .array(values)),
    ])
    return ["kpi_report": .object(report), "note": .string("kept as given")]
  }

  func refusal(_ bytes: [UInt8]) -> SyncError? {
    do throws(SyncError) {
      _ = try BundleCodec.verify(bytes, name: "b.bundle", keys: keys).records()
      return nil
    } catch { return error }
  }

  func manifestLine(_ bytes: [UInt8]) -> String {
    String(decoding: bytes.prefix(while: { $0 != 10 }), as: UTF8.self)
  }

  /// The record lines a bundle of ``records()`` carries.
  func recordLines() throws -> [UInt8] {
    let made = BundleCodec.encode(manifest(version: 2), records: try records(), key: key)
    return Array(try BundleCodec.verify(made.bytes, name: "b", keys: keys).payload)
  }

  /// A format-4 bundle around any inflated payload, with any declared `extra_bytes`, correctly
  /// signed: what a faulty or hostile but enrolled office could send.
  func signed(inflated: [UInt8], extraBytes: UInt64, stored: [UInt8]? = nil) -> [UInt8] {
    var m = manifest()
    let stream = stored ?? Deflate.compress(inflated, level: .fast)
    m.payloadBytes = UInt64(stream.count)
    m.payloadRawBytes = UInt64(inflated.count)
    m.payloadExtraBytes = extraBytes
    m.payloadSHA256 = SHA256.hash(stream).hex
    m.records = 3
    let head = JSONWriter.canonicalBytes(m.json)
    return resigned(head, stream)
  }

  func resigned(_ head: [UInt8], _ stored: [UInt8]) -> [UInt8] {
    let mac = HMACSHA256.authenticate(head, key: key.macKey(for: .submission)).hex
    return head + [10] + Array(#"{"hmac_sha256":"\#(mac)"}"#.utf8) + [10] + stored
  }

  @Test("an extra of more than 1 MiB travels compressed, and reads back the same")
  func largeExtra() throws {
    let extra = report(values: 40_000)
    let made = BundleCodec.encode(manifest(extra: extra), records: try records(), key: key)
    let members = JSONObject(uncheckedPairs: extra.map { ($0.key, $0.value) })
    let line =
      JSONWriter.canonicalBytes(.object(JSONObject(uncheckedPairs: [("extra", .object(members))])))
      + [10]
    #expect(line.count > 1 << 20, "\(line.count) bytes")
    #expect(made.manifest.payloadExtraBytes == UInt64(line.count))
    // Line 1 stays small: the extra members are not in the manifest.
    let head = manifestLine(made.bytes)
    #expect(head.utf8.count < 1_000, "\(head.utf8.count) bytes")
    #expect(!head.contains(#""extra":"#) && !head.contains("kpi_report"))
    #expect(head.contains(#""extra_bytes":\#(line.count),"#))
    #expect(made.bytes.count * 4 < line.count, "\(made.bytes.count) of \(line.count) bytes")
    let bundle = try BundleCodec.verify(made.bytes, name: "b", keys: keys)
    #expect(bundle.manifest.extra == extra)
    #expect(bundle.manifest == made.manifest)
    #expect(Array(bundle.payload) == (try recordLines()))
    #expect(try bundle.records() == (try records()))
  }

  @Test("the payload's first line is exactly the canonical extra line, {} when there is none")
  func layout() throws {
    let extra: [String: JSONValue] = ["b": .number(JSONNumber(integer: 2)), "a": .string("é")]
    let lines = try recordLines()
    let made = BundleCodec.encode(manifest(extra: extra), records: try records(), key: key)
    let stored = Array(made.bytes.dropFirst(made.bytes.count - Int(made.manifest.payloadBytes)))
    let inflated = try Inflate.decompress(stored, limit: 1 << 20)
    #expect(inflated == Array(#"{"extra":{"a":"é","b":2}}"#.utf8) + [10] + lines)
    let empty = BundleCodec.encode(manifest(), records: [], key: key)
    #expect(empty.manifest.payloadExtraBytes == 13)
    #expect(manifestLine(empty.bytes).contains(#""extra_bytes":13,"raw_bytes":13,"records":0,"#))
    let read = try BundleCodec.verify(empty.bytes, name: "b", keys: keys)
    #expect(read.manifest.extra.isEmpty && read.payload.isEmpty)
    #expect(try read.records().isEmpty)
  }

  @Test("a format-3 bundle keeps extra in its manifest and reads the same members")
  func formatThree() throws {
    let extra = report(values: 100)
    let made = BundleCodec.encode(
      manifest(version: 3, extra: extra), records: try records(), key: key)
    let head = manifestLine(made.bytes)
    #expect(head.contains(#""format":"outpost-bundle/3""#) && head.contains(#""extra":{"#))
    #expect(!head.contains("extra_bytes"))
    let bundle = try BundleCodec.verify(made.bytes, name: "b", keys: keys)
    #expect(bundle.manifest.version == 3 && bundle.manifest.extra == extra)
    #expect(Array(bundle.payload) == (try recordLines()))
    #expect(try bundle.records() == (try records()))
    // The same members as a format-4 bundle of them.
    let four = BundleCodec.encode(manifest(extra: extra), records: try records(), key: key)
    #expect(try BundleCodec.verify(four.bytes, name: "b", keys: keys).manifest.extra == extra)
  }

  @Test("extra is refused in a format-4 manifest, extra_bytes before format 4 and when missing")
  func members() throws {
    func edited(_ version: Int, _ edit: (String) -> String) -> SyncError? {
      let made = BundleCodec.encode(manifest(version: version), records: [], key: key)
      let stored = Array(made.bytes.dropFirst(made.bytes.count - Int(made.manifest.payloadBytes)))
      return refusal(resigned(Array(edit(manifestLine(made.bytes)).utf8), stored))
    }
    #expect(edited(4) { $0 } == nil && edited(3) { $0 } == nil)
    let inManifest = edited(4) {
      $0.replacingOccurrences(of: #""format":"#, with: #""extra":{"a":1},"format":"#)
    }
    #expect(inManifest?.message.contains("unknown member 'extra'") == true, "\(inManifest!)")
    let missing = edited(4) { $0.replacingOccurrences(of: #""extra_bytes":13,"#, with: "") }
    #expect(
      missing?.message.contains("'payload.extra_bytes' is not a canonical integer") == true)
    let early = edited(3) {
      $0.replacingOccurrences(of: #""payload":{"#, with: #""payload":{"extra_bytes":0,"#)
    }
    #expect(early?.message.contains("unknown member 'payload.extra_bytes'") == true)
  }

  @Test(
    "a damaged extra line is refused at step 10 as bundle line 3 (65)",
    arguments: [
      "declared 0", "missing", "ends later", "ends earlier", "not JSON", "not an object",
      "extra not an object", "another member", "too deep",
    ])
  func damaged(_ kind: String) throws {
    let lines = try recordLines()
    let good = Array(#"{"extra":{"a":1}}"#.utf8) + [10]
    let firstRecord = lines.prefix(through: lines.firstIndex(of: 10)!).count
    let (inflated, declared, reason): ([UInt8], Int, String)
    switch kind {
    case "declared 0":
      (inflated, declared, reason) = (lines, 0, "the payload has no extra line")
    case "missing":
      // The record lines alone, the first taken for the extra line.
      (inflated, declared, reason) = (lines, firstRecord, #"the extra line is not {"extra":{…}}"#)
    case "ends later":
      (inflated, declared, reason) = (
        good + lines, good.count + 1, "the extra line does not end at byte \(good.count + 1)"
      )
    case "ends earlier":
      (inflated, declared, reason) = (
        good + lines, good.count - 1, "the extra line does not end at byte \(good.count - 1)"
      )
    case "not JSON":
      let line = Array(#"{"extra":{"a":1}"#.utf8) + [10]
      (inflated, declared, reason) = (line + lines, line.count, "bundle line 3: the extra line: ")
    case "not an object":
      let line = Array(#"[{"extra":{}}]"#.utf8) + [10]
      (inflated, declared, reason) = (line + lines, line.count, "is not {\"extra\":{…}}")
    case "extra not an object":
      let line = Array(#"{"extra":[1]}"#.utf8) + [10]
      (inflated, declared, reason) = (line + lines, line.count, "'extra' is not an object")
    case "another member":
      let line = Array(#"{"extra":{},"more":{}}"#.utf8) + [10]
      (inflated, declared, reason) = (line + lines, line.count, "is not {\"extra\":{…}}")
    default:
      // Deeper than §3.1's 32 levels.
      let line =
        Array(#"{"extra":"#.utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 40)
        + [UInt8](repeating: UInt8(ascii: "]"), count: 40) + Array("}".utf8) + [10]
      (inflated, declared, reason) = (line + lines, line.count, "the extra line: ")
    }
    let error = try #require(refusal(signed(inflated: inflated, extraBytes: UInt64(declared))))
    #expect(error.code == .invalid, "\(kind)")
    #expect(error.message.hasPrefix("bundle line 3: "), "\(kind): \(error.message)")
    #expect(error.message.contains(reason), "\(kind): \(error.message)")
    #expect(error.message.hasSuffix("; nothing was imported"), "\(kind)")
    #expect(error.remedy == .makeBundleAgain, "\(kind)")
    // The well-formed line in the same place is read.
    #expect(refusal(signed(inflated: good + lines, extraBytes: UInt64(good.count))) == nil)
  }

  @Test("an extra_bytes over 64 MiB, or over raw_bytes, is refused before anything is inflated")
  func declaredLimit() throws {
    let limit = UInt64(BundleCodec.maximumExtraBytes)
    #expect(limit == 64 << 20)
    // Not a DEFLATE stream at all: only a check made before inflating can name the size.
    let garbage = [UInt8](repeating: 0xFF, count: 32)
    for declared in [limit + 1, UInt64(1) << 53 - 1] {
      var m = manifest()
      m.payloadBytes = 32
      m.payloadRawBytes = UInt64(1) << 32
      m.payloadExtraBytes = declared
      m.payloadSHA256 = SHA256.hash(garbage).hex
      let error = try #require(refusal(resigned(JSONWriter.canonicalBytes(m.json), garbage)))
      #expect(
        error.message
          == "b.bundle declares an extra line of \(declared) bytes, over its 64 MiB limit; "
          + "nothing was imported")
      #expect(error.remedy == .makeBundleAgain)
    }
    let over = try #require(refusal(signed(inflated: [], extraBytes: 14, stored: garbage)))
    #expect(
      over.message
        == "b.bundle declares an extra line of 14 bytes in a payload of 0 bytes once inflated; "
        + "nothing was imported")
    // The limit itself is allowed: the garbage stream is then what is refused.
    var m = manifest()
    m.payloadBytes = 32
    m.payloadRawBytes = limit
    m.payloadExtraBytes = limit
    m.payloadSHA256 = SHA256.hash(garbage).hex
    let atLimit = try #require(refusal(resigned(JSONWriter.canonicalBytes(m.json), garbage)))
    #expect(atLimit.message.contains("is not a valid DEFLATE stream"), "\(atLimit.message)")
  }
}
