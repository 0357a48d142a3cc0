import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import OutpostTestSupport
import Testing

// SPEC.md §8.2, formats `outpost-bundle/3` and `/4`, through the real command line: a bundle whose
// compressed payload is damaged, although correctly signed with the office's key, is refused
// with 65, a message naming the file and a hint, and the repository stays byte-identical
// (the fixture and the refusal checks are in BundleRefusalTests.swift).

extension BundleFile {
  /// The bundle with `stored` as its payload and the payload members given (`extra_bytes`, in
  /// format 4, as it was), signed with `key`: only the payload is wrong, the signature is right.
  func signed(stored: [UInt8], rawBytes: Int, key: OfficeKey) throws -> [UInt8] {
    var bundle = self
    bundle.payload = stored
    let count = records.count
    let extra = hasExtraLine ? "\"extra_bytes\":\(extraLine.count)," : ""
    try bundle.setObject(
      "payload",
      "\"bytes\":\(stored.count),\(extra)\"raw_bytes\":\(rawBytes),\"records\":\(count),"
        + "\"sha256\":\"\(SHA256.hash(stored).hex)\"")
    let kind: BundleKind = manifest.contains(#""kind":"reply""#) ? .reply : .submission
    let mac = HMACSHA256.authenticate(Array(bundle.manifest.utf8), key: key.macKey(for: kind))
    bundle.macLine = #"{"hmac_sha256":"\#(mac.hex)"}"#
    return bundle.bytes
  }
}

struct BundleCompressionRefusalTests {
  @Test("a submission is written compressed, and a plain outpost-bundle/2 copy still merges")
  func writtenCompressed() throws {
    let offices = BundleRefusalTests.submitted()
    let north = try BundleFile(try offices.bytes("north-1.sub"))
    #expect(north.manifest.contains(#""format":"outpost-bundle/4""#))
    #expect(north.isCompressed && north.hasExtraLine && north.records.count == 3)
    #expect(String(decoding: north.extraLine, as: UTF8.self).hasPrefix(#"{"extra":{"kpi_report":"#))
    #expect(!north.manifest.contains(#""extra":"#))
    let raw = north.inflated.count
    #expect(raw == north.extraLine.count + north.recordBytes.count)
    #expect(
      north.manifest.contains(#""extra_bytes":\#(north.extraLine.count),"raw_bytes":\#(raw),"#))
    #expect(north.payload.count < raw)
    // The same records as format 2 (plain lines, no raw_bytes, the KPI report in the manifest),
    // signed with north's key.
    var plain = north
    let extra = String(decoding: north.extraLine.dropFirst(1).dropLast(2), as: UTF8.self)
    plain.manifest = plain.manifest
      .replacingOccurrences(of: "outpost-bundle/4", with: "outpost-bundle/2")
      .replacingOccurrences(of: #""extra_bytes":\#(north.extraLine.count),"#, with: "")
      .replacingOccurrences(of: #""raw_bytes":\#(raw),"#, with: "")
    // Canonical order: `extra` comes just before `format`.
    let format = try #require(plain.manifest.range(of: #""format":"#))
    plain.manifest.insert(contentsOf: extra + ",", at: format.lowerBound)
    plain.payload = north.recordBytes
    try plain.resign(try offices.key("north"))
    #expect(!plain.isCompressed)
    offices.write("plain.sub", plain.bytes)
    let merged = offices.must(["merge", "plain.sub"], "hq")
    #expect(merged.contains("3 new"))
    // The KPI report in /2's manifest was read and reconciled, as /4's extra line is.
    #expect(merged.contains("KPI report: "), "\(merged)")
  }

  @Test("an altered compressed byte is 65 'damaged in transit' (the hash comes first)")
  func alteredByte() throws {
    let offices = BundleRefusalTests.submitted()
    let original = try offices.bytes("north-1.sub")
    let north = try BundleFile(original)
    var bytes = original
    // The first byte of the stream, made block type 3: only the hash check can name it.
    bytes[original.count - north.payload.count] |= 0b110
    offices.write("altered.sub", bytes)
    offices.mergeRefused("altered.sub", status: 65, reason: ["payload sha256 mismatch"])
    #expect(offices.must(["merge", "north-1.sub"], "hq").contains("3 new"))
  }

  @Test(
    "signed with north's key but damaged: corrupt stream, wrong size, trailing bytes, a bomb",
    arguments: [
      "corrupt stream", "inflates short", "inflates long", "trailing bytes", "declared 5 GiB",
      "bomb",
    ])
  func signedDamage(_ kind: String) throws {
    let offices = BundleRefusalTests.submitted()
    let north = try BundleFile(try offices.bytes("north-1.sub"))
    let key = try offices.key("north")
    // The whole inflated payload: the extra line and the record lines.
    let lines = north.inflated
    let stream = north.payload
    let bytes: [UInt8]
    let reason: String
    switch kind {
    case "corrupt stream":
      var corrupt = stream
      corrupt[0] |= 0b110
      bytes = try north.signed(stored: corrupt, rawBytes: lines.count, key: key)
      reason = "bundle damaged: crafted.sub payload is not a valid DEFLATE stream"
    case "inflates short":
      bytes = try north.signed(stored: stream, rawBytes: lines.count + 1, key: key)
      reason = "payload inflates to \(lines.count) bytes, not the \(lines.count + 1) its manifest"
    case "inflates long":
      bytes = try north.signed(stored: stream, rawBytes: lines.count - 1, key: key)
      reason = "payload inflates to more than the \(lines.count - 1) bytes its manifest declares"
    case "trailing bytes":
      bytes = try north.signed(stored: stream + Array("\n".utf8), rawBytes: lines.count, key: key)
      reason = "payload has 1 bytes after the end of its DEFLATE stream"
    case "declared 5 GiB":
      bytes = try north.signed(stored: stream, rawBytes: 5 << 30, key: key)
      reason = "crafted.sub declares 5368709120 payload bytes once inflated, over the 4 GiB limit"
    default:
      // 16 MiB of spaces after the record lines, declared as the record lines alone.
      let bomb = Deflate.compress(lines + [UInt8](repeating: 32, count: 16 << 20), level: .fast)
      #expect(bomb.count * 100 < 16 << 20, "\(bomb.count) bytes")
      bytes = try north.signed(stored: bomb, rawBytes: lines.count, key: key)
      reason = "payload inflates to more than the \(lines.count) bytes its manifest declares"
    }
    offices.write("crafted.sub", bytes)
    let result = offices.mergeRefused("crafted.sub", status: 65, reason: [reason], kind)
    #expect(result.errors.contains("nothing was imported"), "\(kind): \(result.errors)")
    #expect(result.errors.contains("make it again"), "\(kind): \(result.errors)")
    // The genuine bundle still merges: only the damage was refused.
    #expect(offices.must(["merge", "north-1.sub"], "hq").contains("3 new"))
  }

  @Test("a reply with bytes after its stream is refused at the branch (65), nothing received")
  func damagedReply() throws {
    let offices = BundleRefusalTests.submitted()
    offices.must(["merge", "north-1.sub", "south-1.sub"], "hq")
    // Every office's rows travel (SPEC.md §2.8), so the reply has records to damage.
    offices.must(["put", "policies", "record_visibility", "value=all_offices"], "hq")
    offices.must(["reply", "north", "--out", "north-1.reply"], "hq")
    let reply = try BundleFile(try offices.bytes("north-1.reply"))
    // The first reply of an exchange is complete: north's three orders, south's three, and
    // head office's policy record.
    #expect(reply.isCompressed && reply.records.count == 7)
    let bytes = try reply.signed(
      stored: reply.payload + [0], rawBytes: reply.inflated.count, key: try offices.key("north"))
    offices.write("crafted.reply", bytes)
    offices.refused(
      ["receive", "crafted.reply"], "north", status: 65, file: "crafted.reply",
      reason: ["payload has 1 bytes after the end of its DEFLATE stream"])
    #expect(offices.must(["receive", "north-1.reply"], "north").contains("4 new"))
  }
}
