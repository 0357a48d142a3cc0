import Foundation
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import OutpostTestRandom
import Testing

/// SPEC.md §8.2, formats `outpost-bundle/3` and `/4`: one raw DEFLATE stream, checked and bounded.
///
/// The record lines travel as one raw DEFLATE stream (in `/4` after the extra line), hashed as
/// stored and inflated into at most the size the signed manifest declares. The extra line's own
/// checks are in BundleExtraLineTests.
struct BundleCompressionTests {
  let north = ReplicaID(unchecked: "north")
  let hq = ReplicaID(unchecked: "hq")

  var key: OfficeKey { OfficeKey(office: north, head: hq, secret: Array(repeating: 7, count: 32)) }

  func keys(_ id: String) -> BundleKeyStatus { id == key.keyID ? .active(key) : .unknown }

  func manifest(version: Int = BundleManifest.currentVersion) -> BundleManifest {
    var manifest = BundleManifest(
      kind: .submission, from: north, to: hq, seq: 1,
      previous: String(repeating: "0", count: 64), keyID: key.keyID, assumes: VersionVector(),
      clock: VersionVector([(north, UInt64(40))]), acknowledges: 0,
      createdAt: "2025-03-01T09:00:00+08:00")
    manifest.version = version
    return manifest
  }

  /// Forty orders, with the repeats real record lines have, in the bundle's order (by id).
  func records() throws -> [BundleRecord] {
    try (1...40).sorted { "\($0)" < "\($1)" }.map { n in
      var state = RecordState()
      state.write(
        [
          "office_id": .string("north"), "amount": .string("\(n * 7).50"),
          "status": .string("confirmed"), "channel_id": .string("sem"),
        ], at: Dot(north, UInt64(n)))
      return BundleRecord(collection: "orders", id: try RecordID("north-o-\(n)"), state: state)
    }
  }

  /// The record lines a plain (format 2) bundle of ``records()`` carries.
  func recordLines() throws -> [UInt8] {
    let plain = BundleCodec.encode(manifest(version: 2), records: try records(), key: key)
    return Array(try BundleCodec.verify(plain.bytes, name: "b", keys: keys).payload)
  }

  /// A format-3 bundle around any stored payload with any declared inflated size.
  ///
  /// It is correctly signed: what a faulty or hostile but enrolled office could send. Format 3,
  /// whose payload is the record lines alone: inflating is the same in format 4.
  func signed(stored: [UInt8], rawBytes: UInt64, records: UInt64 = 40) -> [UInt8] {
    var m = manifest(version: 3)
    m.payloadBytes = UInt64(stored.count)
    m.payloadRawBytes = rawBytes
    m.payloadSHA256 = SHA256.hash(stored).hex
    m.records = records
    let head = JSONWriter.canonicalBytes(m.json)
    let mac = HMACSHA256.authenticate(head, key: key.macKey(for: .submission)).hex
    return head + [10] + Array(#"{"hmac_sha256":"\#(mac)"}"#.utf8) + [10] + stored
  }

  func refusal(_ bytes: [UInt8]) -> SyncError? {
    do throws(SyncError) {
      _ = try BundleCodec.verify(bytes, name: "b.bundle", keys: keys).records()
      return nil
    } catch { return error }
  }

  /// The payload part of a bundle file (after line 2).
  func stored(_ bytes: [UInt8]) -> [UInt8] {
    let first = bytes.firstIndex(of: 10)!
    return Array(bytes[(bytes[(first + 1)...].firstIndex(of: 10)! + 1)...])
  }

  @Test("format 4 round-trips: the payload is a DEFLATE stream of the extra line and records")
  func roundTrip() throws {
    let made = BundleCodec.encode(manifest(), records: try records(), key: key)
    #expect(made.manifest.version == 4 && made.manifest.isCompressed)
    let lines = try recordLines()
    let extra = Array(#"{"extra":{}}"#.utf8) + [10]
    let payload = stored(made.bytes)
    #expect(payload == Deflate.compress(extra + lines, level: BundleCodec.compressionLevel))
    #expect(made.manifest.payloadBytes == UInt64(payload.count))
    #expect(made.manifest.payloadExtraBytes == UInt64(extra.count))
    #expect(made.manifest.payloadRawBytes == UInt64(extra.count + lines.count))
    #expect(made.manifest.payloadSHA256 == SHA256.hash(payload).hex)
    #expect(payload.count * 3 < lines.count, "\(payload.count) of \(lines.count) bytes")
    let text = String(decoding: made.bytes.prefix(while: { $0 != 10 }), as: UTF8.self)
    #expect(text.contains(#""format":"outpost-bundle/4""#))
    #expect(
      text.contains(
        #""payload":{"bytes":\#(payload.count),"extra_bytes":13,"raw_bytes":\#(lines.count + 13),"#
          + #""records":40,"#))
    let bundle = try BundleCodec.verify(made.bytes, name: "b", keys: keys)
    #expect(bundle.manifest == made.manifest)
    #expect(Array(bundle.payload) == lines)
    #expect(try bundle.records() == (try records()))
    #expect(BundleCodec.encode(manifest(), records: try records(), key: key).bytes == made.bytes)
  }

  @Test("a format-2 bundle still reads, and its manifest has no raw_bytes")
  func formatTwo() throws {
    let made = BundleCodec.encode(manifest(version: 2), records: try records(), key: key)
    #expect(stored(made.bytes) == (try recordLines()))
    let text = String(decoding: made.bytes.prefix(while: { $0 != 10 }), as: UTF8.self)
    #expect(text.contains(#""format":"outpost-bundle/2""#) && !text.contains("raw_bytes"))
    let bundle = try BundleCodec.verify(made.bytes, name: "b", keys: keys)
    #expect(
      bundle.manifest.version == 2 && bundle.manifest.payloadRawBytes == made.manifest.payloadBytes)
    #expect(try bundle.records() == (try records()))
  }

  @Test("raw_bytes is required in format 3 and unknown in format 2")
  func rawBytesMember() throws {
    func edited(_ version: Int, _ edit: (String) -> String) -> SyncError? {
      let made = BundleCodec.encode(manifest(version: version), records: [], key: key)
      let text = String(decoding: made.bytes.prefix(while: { $0 != 10 }), as: UTF8.self)
      let head = Array(edit(text).utf8)
      let mac = HMACSHA256.authenticate(head, key: key.macKey(for: .submission)).hex
      return refusal(
        head + [10] + Array(#"{"hmac_sha256":"\#(mac)"}"#.utf8) + [10] + stored(made.bytes))
    }
    let missing = edited(3) { $0.replacingOccurrences(of: #""raw_bytes":0,"#, with: "") }
    #expect(missing?.message.contains("'payload.raw_bytes' is not a canonical integer") == true)
    let extra = edited(2) {
      $0.replacingOccurrences(of: #""payload":{"#, with: #""payload":{"raw_bytes":0,"#)
    }
    #expect(extra?.message.contains("unknown member 'payload.raw_bytes'") == true)
    #expect(edited(3) { $0 } == nil && edited(2) { $0 } == nil)
  }

  @Test("a newer format names every version this build reads")
  func newerFormat() throws {
    let made = BundleCodec.encode(manifest(), records: [], key: key)
    let text = String(decoding: made.bytes, as: UTF8.self)
      .replacingOccurrences(of: "outpost-bundle/4", with: "outpost-bundle/5")
    #expect(
      refusal(Array(text.utf8))?.message
        == "b.bundle is a bundle of format outpost-bundle/5; this outpost reads outpost-bundle/1, "
        + "outpost-bundle/2, outpost-bundle/3 and outpost-bundle/4; nothing was imported")
  }

  @Test("altered compressed bytes fail the hash before anything is inflated")
  func hashFirst() throws {
    let made = BundleCodec.encode(manifest(), records: try records(), key: key)
    let seed = testSeed(0xDEF1)
    var random = SplitMix64(seed: seed)
    let start = made.bytes.count - stored(made.bytes).count
    for _ in 0..<16 {
      var bytes = made.bytes
      let index = start + Int(random.next() % UInt64(bytes.count - start))
      bytes[index] ^= UInt8(1) << (random.next() % 8)
      let error = try #require(refusal(bytes), "seed \(seed), byte \(index)")
      #expect(error.message.contains("payload sha256 mismatch"), "seed \(seed): \(error.message)")
    }
    // Block type 3 in the first byte: no DEFLATE decoder takes it, yet the hash speaks first.
    var reserved = made.bytes
    reserved[start] |= 0b110
    #expect(refusal(reserved)?.message.contains("payload sha256 mismatch") == true)
  }

  @Test("signed but damaged: a corrupt stream, a wrong size, trailing bytes (65 each)")
  func signedDamage() throws {
    let lines = try recordLines()
    let stream = Deflate.compress(lines, level: .fast)
    #expect(refusal(signed(stored: stream, rawBytes: UInt64(lines.count))) == nil)
    var reserved = stream
    reserved[0] |= 0b110
    let cases: [(String, [UInt8], UInt64, String)] = [
      ("block type 3", reserved, UInt64(lines.count), "payload is not a valid DEFLATE stream"),
      ("cut short", Array(stream.dropLast(9)), UInt64(lines.count), "not a valid DEFLATE stream"),
      (
        "random bytes", (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }, 100,
        "not a valid DEFLATE stream"
      ),
      (
        "one byte short", stream, UInt64(lines.count + 1),
        "payload inflates to \(lines.count) bytes, not the \(lines.count + 1) its manifest declares"
      ),
      (
        "one byte over", stream, UInt64(lines.count - 1),
        "payload inflates to more than the \(lines.count - 1) bytes its manifest declares"
      ),
      ("declared empty", stream, 0, "payload inflates to more than the 0 bytes"),
      (
        "trailing bytes", stream + [0, 0, 0], UInt64(lines.count),
        "payload has 3 bytes after the end of its DEFLATE stream"
      ),
      (
        "a second stream", stream + stream, UInt64(lines.count),
        "payload has \(stream.count) bytes after the end of its DEFLATE stream"
      ),
    ]
    for (name, stored, raw, reason) in cases {
      let error = try #require(refusal(signed(stored: stored, rawBytes: raw)), "\(name)")
      #expect(error.code == .invalid, "\(name)")
      #expect(error.message.hasPrefix("bundle damaged: b.bundle "), "\(name): \(error.message)")
      #expect(error.message.contains(reason), "\(name): \(error.message)")
      #expect(error.message.hasSuffix("; nothing was imported"), "\(name)")
      #expect(error.remedy == .makeBundleAgain, "\(name)")
    }
  }

  @Test("a declared inflated size over 4 GiB is refused before anything is inflated")
  func declaredTooLarge() throws {
    let limit = UInt64(BundleCodec.maximumBytes)
    let stream = Deflate.compress(try recordLines(), level: .fast)
    for raw in [limit + 1, UInt64(1) << 53 - 1] {
      let error = try #require(refusal(signed(stored: stream, rawBytes: raw)))
      #expect(error.code == .invalid)
      #expect(
        error.message
          == "b.bundle declares \(raw) payload bytes once inflated, over the 4 GiB limit for a "
          + "bundle; nothing was imported")
    }
    // The limit itself is allowed: the stream is then merely short of it.
    let atLimit = try #require(refusal(signed(stored: stream, rawBytes: limit)))
    #expect(atLimit.message.contains("not the \(limit) its manifest declares"))
  }

  @Test("a bomb: 64 MiB of zeros declared as 1 MiB stops at the first byte past 1 MiB")
  func bomb() throws {
    let zeros = [UInt8](repeating: 0, count: 64 << 20)
    let stream = Deflate.compress(zeros, level: .fast)
    #expect(stream.count < 1 << 20)
    let error = try #require(refusal(signed(stored: stream, rawBytes: 1 << 20)))
    #expect(error.message.contains("payload inflates to more than the 1048576 bytes"))
    // Inflating stops as soon as the output would pass the declared size: about 1/64 of the
    // stream is read, never the whole of it.
    let failure = #expect(throws: Inflate.Failure.self) {
      try Inflate.decompress(stream, exactLimit: 1 << 20)
    }
    #expect(failure?.exceedsLimit == true)
    #expect(
      (failure?.offset ?? .max) < stream.count / 32,
      "stopped at byte \(failure?.offset ?? -1) of \(stream.count)")
  }

  @Test("Inflate's exact-size form says where the stream ended, and reserves no more")
  func inflateEnd() throws {
    let lines = try recordLines()
    let stream = Deflate.compress(lines, level: .default)
    let whole = try Inflate.decompress(stream + [1, 2, 3], exactLimit: lines.count)
    #expect(whole.output == lines && whole.end == stream.count)
    // A limit far beyond what the stream can hold reserves only what it can hold (the
    // allocator may round a large block up to whole pages: 8 KiB of slack).
    let far = try Inflate.decompress(stream, exactLimit: 1 << 40)
    #expect(far.output == lines)
    #expect(
      far.output.capacity <= stream.count * 1032 + 8192,
      "capacity \(far.output.capacity) for a \(stream.count)-byte stream")
    let empty = try Inflate.decompress(Deflate.compress([]), exactLimit: 0)
    #expect(empty.output.isEmpty && empty.end == Deflate.compress([]).count)
    let stored = Deflate.compress(lines, level: .stored)
    #expect(try Inflate.decompress(stored + [9], exactLimit: lines.count).end == stored.count)
    let over = #expect(throws: Inflate.Failure.self) {
      try Inflate.decompress(stored, exactLimit: lines.count - 1)
    }
    #expect(over?.exceedsLimit == true)
    let bad = #expect(throws: Inflate.Failure.self) {
      try Inflate.decompress([0xFF], exactLimit: 10)
    }
    #expect(bad?.exceedsLimit == false)
  }
}
