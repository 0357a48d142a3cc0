import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import Testing

/// SPEC.md §2.3 and §8.2: version 2 stores lists and documents as nested values; a version-1
/// state or bundle is upgraded as it is read, to the value version 2 would have written.
struct FormatUpgradeTests {
  let hq = ReplicaID(unchecked: "hq")
  let north = ReplicaID(unchecked: "north")

  /// A resolution as version 1 wrote it: `fields` comma-joined, `candidates` as JSON text.
  func version1Resolution(fields: String, candidates: String) -> RecordState {
    var state = RecordState()
    state.write(
      [
        "collection": .string("orders"), "record_id": .string("north-o-1"),
        "fields": .string(fields), "choice": .string("take hq"), "decided_by": .string("hq"),
        "decided_at": .string("2025-03-06T10:00:00+08:00"), "candidates": .string(candidates),
      ], at: Dot(hq, 7))
    return state
  }

  @Test("§2.3: comma-joined fields become a sorted list, JSON text a nested value, events kept")
  func upgradesResolution() throws {
    let candidates = #"[{"dot":"hq:5","field":"amount","value":"2700.00"}]"#
    let old = version1Resolution(fields: "status,amount", candidates: candidates)
    let upgraded = try #require(try FormatUpgrade.upgradingVersion1(old, in: "resolutions"))
    #expect(upgraded.value("fields") == .array([.string("amount"), .string("status")]))
    #expect(upgraded.value("candidates") == (try JSONParser.parse(Array(candidates.utf8))))
    #expect(upgraded.context == old.context)
    #expect(upgraded.fields["fields"]?.map(\.dot) == [Dot(hq, 7)])
    #expect(upgraded.value("note") == old.value("note"))
    #expect(upgraded.value("choice") == .string("take hq"))
    // The result passes the checks every receiver makes of a resolution.
    try Merge.checkValues(upgraded, schema: StandardCollections.resolutions, name: "r")
    // Version 2 refuses the version-1 form: a string is not a list.
    #expect(throws: SyncError.self) {
      try Merge.checkValues(old, schema: StandardCollections.resolutions, name: "r")
    }
  }

  @Test("§2.3: an upgraded state is left alone; other collections are never touched")
  func idempotent() throws {
    let old = version1Resolution(fields: "amount", candidates: "[]")
    let once = try #require(try FormatUpgrade.upgradingVersion1(old, in: "resolutions"))
    #expect(try FormatUpgrade.upgradingVersion1(once, in: "resolutions") == nil)
    var order = RecordState()
    order.write(["fields": .string("a,b"), "document": .string("{}")], at: Dot(north, 1))
    #expect(try FormatUpgrade.upgradingVersion1(order, in: "orders") == nil)
  }

  @Test("§2.3: every concurrent value of a register is upgraded, each under its own event")
  func concurrentValues() throws {
    let state = RecordState(
      fields: [
        "document": [
          Versioned(Dot(hq, 3), .string(#"{"format":"a"}"#)),
          Versioned(Dot(north, 2), .string(#"{"format":"b"}"#)),
        ]
      ], deleted: [], context: VersionVector([(hq, UInt64(3)), (north, UInt64(2))]))
    let upgraded = try #require(try FormatUpgrade.upgradingVersion1(state, in: "kpi_definitions"))
    #expect(
      Set(upgraded.fields["document"] ?? []) == [
        Versioned(Dot(hq, 3), .object(JSONObject(uncheckedPairs: [("format", .string("a"))]))),
        Versioned(Dot(north, 2), .object(JSONObject(uncheckedPairs: [("format", .string("b"))]))),
      ])
  }

  @Test("§2.3: a text that is not what version 1 wrote is refused, naming the field")
  func damagedText() {
    let state = version1Resolution(fields: "amount", candidates: "[{")
    #expect(throws: ModelError.self) {
      try FormatUpgrade.upgradingVersion1(state, in: "resolutions")
    }
    do {
      _ = try FormatUpgrade.upgradingVersion1(state, in: "resolutions")
    } catch {
      #expect(error.message.contains("candidates"))
    }
    let notADocument = version1Resolution(fields: "amount", candidates: "42")
    #expect(throws: ModelError.self) {
      try FormatUpgrade.upgradingVersion1(notADocument, in: "resolutions")
    }
  }

  @Test("§8.2: a version-1 bundle is read with its values upgraded; its MAC still verifies")
  func version1Bundle() throws {
    let key = OfficeKey(office: north, head: hq, secret: Array(repeating: 7, count: 32))
    var manifest = BundleManifest(
      kind: .reply, from: hq, to: north, seq: 1, previous: String(repeating: "0", count: 64),
      keyID: key.keyID, assumes: VersionVector(), clock: VersionVector([(hq, UInt64(7))]),
      acknowledges: 0, createdAt: "2025-03-06T10:00:00+08:00")
    manifest.version = 1
    let old = version1Resolution(fields: "amount", candidates: "[]")
    let bytes = BundleCodec.encode(
      manifest,
      records: [BundleRecord(collection: "resolutions", id: try RecordID("hq-7"), state: old)],
      key: key
    ).bytes
    #expect(String(decoding: bytes.prefix(400), as: UTF8.self).contains(#""outpost-bundle/1""#))
    let bundle = try BundleCodec.verify(bytes, name: "r.bundle") { _ in .active(key) }
    #expect(bundle.manifest.version == 1)
    let records = try bundle.records()
    #expect(records.first?.state.value("fields") == JSONValue.array([.string("amount")]))
    #expect(records.first?.state.value("candidates") == JSONValue.array([]))
    // A version-2 bundle of the same state carries the nested values unchanged.
    manifest.version = BundleManifest.currentVersion
    let current = BundleCodec.encode(
      manifest,
      records: [
        BundleRecord(collection: "resolutions", id: try RecordID("hq-7"), state: records[0].state)
      ],
      key: key
    ).bytes
    let reread = try BundleCodec.verify(current, name: "r.bundle") { _ in .active(key) }.records()
    #expect(reread == records)
  }
}
