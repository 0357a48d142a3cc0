import OutpostCodec
import OutpostCrypto
import OutpostModel

/// Which way a bundle travels.
public enum BundleKind: String, Sendable {
  /// Branch → head office: `outpost submit`.
  case submission
  /// Head office → branch: `outpost reply`.
  case reply
}

/// The signed header of a bundle (SPEC.md §8.2).
public struct BundleManifest: Sendable, Equatable {
  /// The bundle format version this build writes: 4, whose payload is one DEFLATE stream that
  /// begins with the extra line.
  public static let currentVersion = 4
  /// The bundle format this build writes.
  public static let format = "outpost-bundle/\(currentVersion)"
  /// The oldest version this build reads: a version-1 payload is upgraded as it is read
  /// (``FormatUpgrade``).
  public static let oldestReadableVersion = 1

  /// The format version the bundle was written in (``currentVersion`` for a bundle made here).
  ///
  /// ``BundleCodec/encode(_:records:key:)`` writes the version it is given: record lines as
  /// they are before version 3, one DEFLATE stream from 3 on, and ``extra`` in the manifest
  /// before version 4 (tests make older bundles so).
  public var version: Int

  /// Whether the payload is compressed: one raw DEFLATE stream (format 3 on).
  public var isCompressed: Bool { version >= 3 }

  /// Whether ``extra`` travels as the payload's first line, `{"extra":{…}}`, rather than in the
  /// manifest (format 4 on).
  public var hasExtraLine: Bool { version >= 4 }

  /// Submission or reply.
  public var kind: BundleKind
  /// The sending replica.
  public var from: ReplicaID
  /// The receiving replica.
  public var to: ReplicaID
  /// The sequence number: 1, 2, … per sender, receiver and kind.
  public var seq: UInt64
  /// The hash of the sender's previous bundle of this kind to this receiver (64 zeros first).
  public var previous: String
  /// The key that authenticates the bundle (``OfficeKey/keyID``).
  public var keyID: String
  /// What the sender assumes the receiver already has; the payload is the difference.
  public var assumes: VersionVector
  /// Everything the sender had seen when it made the bundle.
  public var clock: VersionVector
  /// The last bundle of the other direction the sender had applied (0: none).
  public var acknowledges: UInt64
  /// When it was made, by the sender's clock (informational: never used for ordering).
  ///
  /// It stays the sender's text, never validated (SPEC.md §8.2), so it is not a ``Timestamp``.
  public var createdAt: String
  /// Payload size in bytes, as stored in the file (compressed, if ``isCompressed``).
  public var payloadBytes: UInt64
  /// The payload's size once inflated: the extra line's and the record lines' bytes
  /// (`payload.raw_bytes` from format 3 on; for formats 1 and 2, whose payload is stored as it
  /// is, ``payloadBytes``).
  public var payloadRawBytes: UInt64
  /// The size of the extra line that begins the inflated payload, its line end included
  /// (`payload.extra_bytes` from format 4 on; 0 before).
  public var payloadExtraBytes: UInt64
  /// SHA-256 of the payload as stored in the file (hex): of the compressed bytes, if
  /// ``isCompressed``, so it is checked before anything is inflated.
  public var payloadSHA256: String
  /// Number of record lines in the payload.
  public var records: UInt64
  /// Optional extra members, kept as given and covered by the MAC.
  ///
  /// A submission carries the branch's KPI report here (SPEC.md §8.2). From format 4 on they
  /// travel in the compressed payload's first line, not in the manifest's JSON: ``json`` leaves
  /// them out, and ``BundleCodec/verify(_:name:recipient:keys:)`` fills them in from that line.
  public var extra: [String: JSONValue]

  /// Creates a manifest; the payload members are filled in by ``BundleCodec/encode``.
  public init(
    kind: BundleKind, from: ReplicaID, to: ReplicaID, seq: UInt64, previous: String,
    keyID: String, assumes: VersionVector, clock: VersionVector, acknowledges: UInt64,
    createdAt: String, extra: [String: JSONValue] = [:]
  ) {
    self.kind = kind
    self.from = from
    self.to = to
    self.seq = seq
    self.previous = previous
    self.keyID = keyID
    self.assumes = assumes
    self.clock = clock
    self.acknowledges = acknowledges
    self.createdAt = createdAt
    self.payloadBytes = 0
    self.payloadRawBytes = 0
    self.payloadExtraBytes = 0
    self.payloadSHA256 = ""
    self.records = 0
    self.extra = extra
    self.version = Self.currentVersion
  }

  /// The members of `payload` in formats 1 and 2, in format 3 (compressed), and in format 4
  /// (compressed, beginning with the extra line).
  static let plainPayloadMembers: Set<String> = ["bytes", "sha256", "records"]
  static let compressedPayloadMembers = plainPayloadMembers.union(["raw_bytes"])
  static let extraLinePayloadMembers = compressedPayloadMembers.union(["extra_bytes"])

  /// The manifest's members from format 4 on; before, `extra` too.
  static let members: Set<String> = [
    "format", "kind", "from", "to", "seq", "previous", "key_id", "assumes", "clock",
    "acknowledges", "created_at", "payload",
  ]

  /// The canonical JSON of the manifest.
  public var json: JSONValue {
    func integer(_ value: UInt64) -> JSONValue { .number(JSONNumber(integer: Int64(value))) }
    var payload: [(String, JSONValue)] = [
      ("bytes", integer(payloadBytes)), ("sha256", .string(payloadSHA256)),
      ("records", integer(records)),
    ]
    if isCompressed { payload.append(("raw_bytes", integer(payloadRawBytes))) }
    if hasExtraLine { payload.append(("extra_bytes", integer(payloadExtraBytes))) }
    var members: [(String, JSONValue)] = [
      ("format", .string("outpost-bundle/\(version)")), ("kind", .string(kind.rawValue)),
      ("from", .string(from.rawValue)), ("to", .string(to.rawValue)), ("seq", integer(seq)),
      ("previous", .string(previous)), ("key_id", .string(keyID)), ("assumes", assumes.json),
      ("clock", clock.json), ("acknowledges", integer(acknowledges)),
      ("created_at", .string(createdAt)),
      ("payload", .object(JSONObject(uncheckedPairs: payload))),
    ]
    if !extra.isEmpty && !hasExtraLine {
      members.append(
        ("extra", .object(JSONObject(uncheckedPairs: extra.map { ($0.key, $0.value) }))))
    }
    return .object(JSONObject(uncheckedPairs: members))
  }

  /// Reads a manifest, checking every member (unknown members are refused).
  init(json: JSONValue) throws(SyncError) {
    func bad(_ why: String) -> SyncError {
      SyncError(.invalid, "the bundle's manifest is invalid: \(why); nothing was imported")
    }
    guard case .object(let object) = json else { throw bad("not a JSON object") }
    guard let format = object["format"]?.stringValue, format.hasPrefix("outpost-bundle/"),
      let version = Int(format.dropFirst("outpost-bundle/".count)),
      (Self.oldestReadableVersion...Self.currentVersion).contains(version)
    else { throw bad("'format' is not a bundle format this build reads") }
    self.version = version
    // From format 4 on, `extra` is the payload's first line, never a member of the manifest.
    for key in object.keys where !Self.members.contains(key) && (key != "extra" || version >= 4) {
      throw bad("unknown member '\(key)'")
    }
    guard let kindText = object["kind"]?.stringValue, let kind = BundleKind(rawValue: kindText)
    else { throw bad("'kind' is not submission or reply") }
    func replica(_ name: String) throws(SyncError) -> ReplicaID {
      guard let text = object[name]?.stringValue, let id = try? ReplicaID(text) else {
        throw bad("'\(name)' is not an office id")
      }
      return id
    }
    func counter(_ value: JSONValue?, _ name: String, minimum: UInt64) throws(SyncError) -> UInt64 {
      guard case .number(let number)? = value, let int = number.uint64, int >= minimum,
        int <= VersionVector.maximumCounter
      else { throw bad("'\(name)' is not a canonical integer ≥ \(minimum)") }
      return int
    }
    func hash(_ value: JSONValue?, _ name: String) throws(SyncError) -> String {
      guard let text = value?.stringValue, text.utf8.count == 64,
        text.utf8.allSatisfy({ Hex.isLowercaseDigit($0) })
      else { throw bad("'\(name)' is not 64 lowercase hex digits") }
      return text
    }
    func vector(_ name: String) throws(SyncError) -> VersionVector {
      do throws(ModelError) {
        return try VersionVector(json: object[name] ?? .null)
      } catch {
        throw bad("'\(name)': \(error.message)")
      }
    }
    self.kind = kind
    from = try replica("from")
    to = try replica("to")
    seq = try counter(object["seq"], "seq", minimum: 1)
    previous = try hash(object["previous"], "previous")
    guard let key = object["key_id"]?.stringValue, key.utf8.count == 16,
      key.utf8.allSatisfy({ Hex.isLowercaseDigit($0) })
    else { throw bad("'key_id' is not 16 lowercase hex digits") }
    keyID = key
    assumes = try vector("assumes")
    clock = try vector("clock")
    acknowledges = try counter(object["acknowledges"], "acknowledges", minimum: 0)
    guard let created = object["created_at"]?.stringValue else {
      throw bad("'created_at' is missing")
    }
    createdAt = created
    guard case .object(let payload)? = object["payload"] else { throw bad("'payload' is missing") }
    payloadBytes = try counter(payload["bytes"], "payload.bytes", minimum: 0)
    payloadSHA256 = try hash(payload["sha256"], "payload.sha256")
    records = try counter(payload["records"], "payload.records", minimum: 0)
    if version >= 3 {
      payloadRawBytes = try counter(payload["raw_bytes"], "payload.raw_bytes", minimum: 0)
    } else {
      payloadRawBytes = payloadBytes
    }
    payloadExtraBytes =
      version >= 4 ? try counter(payload["extra_bytes"], "payload.extra_bytes", minimum: 0) : 0
    let payloadMembers =
      version >= 4
      ? Self.extraLinePayloadMembers
      : version >= 3 ? Self.compressedPayloadMembers : Self.plainPayloadMembers
    for key in payload.keys where !payloadMembers.contains(key) {
      throw bad("unknown member 'payload.\(key)'")
    }
    var extra: [String: JSONValue] = [:]
    if let extraValue = object["extra"] {
      guard case .object(let members) = extraValue else { throw bad("'extra' is not an object") }
      for (key, value) in members { extra[key] = value }
    }
    self.extra = extra
  }
}

/// One record state carried by a bundle.
public struct BundleRecord: Sendable, Equatable {
  /// The collection.
  public var collection: String
  /// The record id.
  public var id: RecordID
  /// The record's full causal state.
  public var state: RecordState

  /// Creates a bundle record.
  public init(collection: String, id: RecordID, state: RecordState) {
    self.collection = collection
    self.id = id
    self.state = state
  }
}

/// What a bundle's key id names, as the receiver knows it.
public enum BundleKeyStatus: Sendable {
  /// An active key, issued to `owner`.
  case active(OfficeKey)
  /// A key that was revoked (it belonged to `owner`).
  case revoked(owner: ReplicaID)
  /// No key with that id.
  case unknown
}

/// A bundle whose MAC, sender and payload hash were verified; records are parsed on demand.
public struct VerifiedBundle: Sendable {
  /// The verified manifest.
  public var manifest: BundleManifest
  /// The bundle's identity: SHA-256 of the manifest bytes (which include the payload hash).
  public var hash: String
  /// The record lines: the payload as stored, or from format 3 on as inflated from it (from
  /// format 4 on, without the extra line that begins it).
  public var payload: ArraySlice<UInt8>

  /// Parses every record line, in order, checking that they are sorted and unique.
  public func records() throws(SyncError) -> [BundleRecord] {
    var result: [BundleRecord] = []
    result.reserveCapacity(Int(manifest.records))
    var index = payload.startIndex
    // Lines 1 and 2 are the manifest and the MAC; from format 4 on, line 3 is the extra line.
    var line = manifest.hasExtraLine ? 3 : 2
    var previousKey: (String, RecordID)?
    while index < payload.endIndex {
      line += 1
      guard let newline = payload[index...].firstIndex(of: UInt8(ascii: "\n")) else {
        throw SyncError(.invalid, "bundle line \(line): the last record line has no line end")
      }
      var record = try BundleCodec.decodeRecord(payload[index..<newline], line: line)
      if manifest.version == 1 {
        do throws(ModelError) {
          if let upgraded = try FormatUpgrade.upgradingVersion1(
            record.state, in: record.collection)
          {
            record.state = upgraded
          }
        } catch {
          throw SyncError(
            .invalid,
            "bundle line \(line): record \(record.collection)/\(record.id): \(error.message); "
              + "nothing was imported")
        }
      }
      if let previousKey {
        let ordered =
          previousKey.0 < record.collection
          || (previousKey.0 == record.collection && previousKey.1 < record.id)
        guard ordered else {
          throw SyncError(
            .invalid,
            "bundle line \(line): record \(record.collection)/\(record.id) is out of order or "
              + "repeated; nothing was imported")
        }
      }
      previousKey = (record.collection, record.id)
      result.append(record)
      index = newline + 1
    }
    guard result.count == manifest.records else {
      throw SyncError(
        .invalid,
        "the bundle holds \(result.count) record(s) but its manifest says \(manifest.records)")
    }
    return result
  }
}

/// Writes and verifies bundle files (SPEC.md §8.2).
///
/// A bundle is one file: line 1 is the canonical JSON manifest, line 2
/// `{"hmac_sha256":"…"}` (over the exact manifest bytes), then the payload: one record per line
/// `{"collection":…,"id":…,"state":…}`, sorted by collection and id, compressed as one raw
/// DEFLATE stream from format 3 on, and from format 4 on after the extra line
/// `{"extra":{…}}`. The manifest holds the payload's size and SHA-256 (and its inflated size and
/// the extra line's), so the MAC covers everything.
public enum BundleCodec {
  /// The largest bundle accepted (4 GiB).
  public static let maximumBytes = 4 << 30
  /// The largest manifest line accepted.
  public static let maximumManifestBytes = 1 << 20
  /// The largest record line accepted.
  public static let maximumRecordBytes = 16 << 20

  /// A record line nests four levels (line, state, fields, register) above its values; a value
  /// may be a document (``FieldType/document(maxBytes:)``) with its own depth limit.
  static let recordLimits = JSONLimits(
    maxDepth: 4 + FieldType.maximumDocumentDepth, maxDocumentBytes: maximumRecordBytes,
    maxStringBytes: 1 << 20, maxObjectKeys: 10_000, maxArrayElements: 1_000_000,
    maxNumberLength: 40)

  /// Encodes a bundle: fills in the payload members of `manifest` and signs it.
  ///
  /// The format is the manifest's ``BundleManifest/version``: 4 (a new manifest's) compresses
  /// the extra line and the record lines (``compressionLevel``); 3 compresses the record lines
  /// and keeps ``BundleManifest/extra`` in the manifest, as older versions do, which store the
  /// record lines as they are, with the states as given.
  ///
  /// - Returns: the file bytes, the bundle's hash and the completed manifest.
  public static func encode(
    _ manifest: BundleManifest, records: [BundleRecord], key: OfficeKey
  ) -> (bytes: [UInt8], hash: String, manifest: BundleManifest) {
    var manifest = manifest
    var payload: [UInt8] = []
    if manifest.hasExtraLine {
      payload = extraLine(manifest.extra)
      manifest.payloadExtraBytes = UInt64(payload.count)
    }
    let sorted = records.sorted { ($0.collection, $0.id) < ($1.collection, $1.id) }
    for record in sorted {
      // `{"collection":C,"id":ID,"state":S}`: the canonical form, written directly.
      payload.append(contentsOf: #"{"collection":"#.utf8)
      JSONWriter.writeString(record.collection, into: &payload)
      payload.append(contentsOf: #","id":"#.utf8)
      JSONWriter.writeString(record.id.rawValue, into: &payload)
      payload.append(contentsOf: #","state":"#.utf8)
      record.state.writeCanonical(into: &payload)
      payload.append(contentsOf: "}\n".utf8)
    }
    manifest.payloadRawBytes = UInt64(payload.count)
    if manifest.isCompressed { payload = Deflate.compress(payload, level: compressionLevel) }
    manifest.payloadBytes = UInt64(payload.count)
    manifest.payloadSHA256 = SHA256.hash(payload).hex
    manifest.records = UInt64(sorted.count)
    let manifestBytes = JSONWriter.canonicalBytes(manifest.json)
    let mac = HMACSHA256.authenticate(manifestBytes, key: key.macKey(for: manifest.kind))
    var bytes = manifestBytes
    bytes.append(UInt8(ascii: "\n"))
    bytes += JSONWriter.canonicalBytes(
      .object(JSONObject(uncheckedPairs: [("hmac_sha256", .string(mac.hex))])))
    bytes.append(UInt8(ascii: "\n"))
    bytes += payload
    return (bytes, SHA256.hash(manifestBytes).hex, manifest)
  }

  /// Verifies a bundle before any record is parsed: format, MAC, sender identity (from the
  /// key, never from the payload), then the payload's size and hash; from format 3 on inflates
  /// the payload into at most its declared size, and from format 4 on reads the extra line into
  /// the manifest's ``BundleManifest/extra``.
  ///
  /// - Parameters:
  ///   - name: the file name, for messages.
  ///   - recipient: the receiving replica, if known. A bundle addressed to another replica is
  ///     refused before its key is looked up (SPEC.md §8.2 step 4), so the message names
  ///     the right office rather than an unknown key.
  ///   - keys: looks up a key id.
  public static func verify(
    _ bytes: [UInt8], name: String, recipient: ReplicaID? = nil,
    keys: (String) -> BundleKeyStatus
  ) throws(SyncError) -> VerifiedBundle {
    // The hint's last words, with the remedy ``Remedy/makeBundleAgain``.
    let reexport = "ask the sender to make it again:"
    guard bytes.count <= maximumBytes else {
      throw SyncError(
        .invalid, "\(name) is larger than \(maximumBytes >> 30) GiB; nothing was imported")
    }
    let notABundle = SyncError(
      .invalid, "\(name) is not an Outpost bundle; nothing was imported",
      hint: "Pass the file a submission or a reply makes:",
      remedy: .makeBundleAgain)
    guard bytes.first == UInt8(ascii: "{") else { throw notABundle }
    guard let firstEnd = bytes.prefix(maximumManifestBytes).firstIndex(of: UInt8(ascii: "\n"))
    else {
      // A canonical manifest begins with its first key in sorted order.
      let start = Array(#"{"acknowledges":"#.utf8)
      if bytes.count < maximumManifestBytes,
        bytes.starts(with: start) || start.starts(with: bytes)
          || (try? JSONParser.parse(bytes))?["format"] != nil
      {
        throw SyncError(
          .invalid, "bundle incomplete: \(name) ends inside its header; nothing was imported",
          hint: "The file was cut short in transit; \(reexport)", remedy: .makeBundleAgain)
      }
      throw notABundle
    }
    let manifestBytes = Array(bytes[..<firstEnd])
    let manifestJSON: JSONValue
    do {
      manifestJSON = try JSONParser.parse(manifestBytes)
    } catch {
      throw notABundle
    }
    guard let format = manifestJSON["format"]?.stringValue, format.hasPrefix("outpost-bundle/")
    else { throw notABundle }
    let readable = (BundleManifest.oldestReadableVersion...BundleManifest.currentVersion).map {
      "outpost-bundle/\($0)"
    }
    guard readable.contains(format) else {
      throw SyncError(
        .invalid,
        "\(name) is a bundle of format \(format); this outpost reads "
          + "\(readable.dropLast().joined(separator: ", ")) and \(readable.last!); nothing was "
          + "imported",
        hint: "Update outpost on this machine.")
    }
    let manifest: BundleManifest
    do { manifest = try BundleManifest(json: manifestJSON) } catch {
      throw SyncError(
        .invalid, "\(name): \(error.message)",
        hint: "The bundle was made by a faulty or altered program; \(reexport)",
        remedy: .makeBundleAgain)
    }
    if let recipient, manifest.to != recipient {
      throw SyncError(
        .invalid,
        "\(name) is for '\(manifest.to)', not for this repository ('\(recipient)'); nothing was "
          + "imported", hint: "Give it to the repository of '\(manifest.to)'.")
    }
    // The MAC line.
    let macStart = firstEnd + 1
    let missingMAC = SyncError(
      .authentication,
      "signature missing or invalid: line 2 of \(name) is not its MAC line; nothing was imported",
      hint: "The file was altered; \(reexport)", remedy: .makeBundleAgain)
    guard let macEnd = bytes[macStart...].prefix(200).firstIndex(of: UInt8(ascii: "\n")) else {
      if bytes.count - macStart >= 200 { throw missingMAC }
      throw SyncError(
        .invalid, "bundle incomplete: \(name) has no MAC line; nothing was imported",
        hint: "The file was cut short in transit; \(reexport)", remedy: .makeBundleAgain)
    }
    guard case .object(let macObject)? = try? JSONParser.parse(Array(bytes[macStart..<macEnd])),
      macObject.count == 1, let macText = macObject["hmac_sha256"]?.stringValue,
      macText.utf8.allSatisfy({ Hex.isLowercaseDigit($0) }), let mac = Hex.decode(macText),
      mac.count == 32
    else { throw missingMAC }
    let key: OfficeKey
    switch keys(manifest.keyID) {
    case .unknown:
      throw SyncError(
        .authentication,
        "\(name) is signed by an unknown key (\(manifest.keyID)); nothing was imported",
        hint: "Only enrolled offices can submit; check the sender. Head office enrolls an office:",
        remedy: .enroll(office: nil))
    case .revoked(let owner):
      throw SyncError(
        .authentication,
        "\(name) is signed by the revoked key of office '\(owner)'; nothing was imported",
        hint: "The key was revoked at head office; bundles signed with it stay refused. To take "
          + "data from the office again, enroll it anew and have it install the new key, then "
          + "submit again:", remedy: .reenroll(office: owner.rawValue, revoke: false))
    case .active(let found):
      key = found
    }
    guard HMACSHA256.isValid(mac, for: manifestBytes, key: key.macKey(for: manifest.kind))
    else {
      throw SyncError(
        .authentication,
        "signature invalid for office '\(key.office)': \(name) was altered or not made with its "
          + "key; nothing was imported",
        hint: "Ask the office to make a new bundle and carry it unchanged.")
    }
    // Identity comes from the key.
    let owner = manifest.kind == .submission ? key.office : key.head
    guard manifest.from == owner else {
      throw SyncError(
        .authentication,
        "\(name) claims to come from '\(manifest.from)' but is signed by '\(owner)'s key; "
          + "nothing was imported", hint: "This is a forgery or a mix-up; do not merge it.")
    }
    let payload = bytes[(macEnd + 1)...]
    guard UInt64(payload.count) >= manifest.payloadBytes else {
      throw SyncError(
        .invalid,
        "bundle incomplete: \(name) has \(payload.count) of its \(manifest.payloadBytes) payload "
          + "bytes; nothing was imported", hint: "The file was cut short in transit; \(reexport)",
        remedy: .makeBundleAgain)
    }
    guard UInt64(payload.count) == manifest.payloadBytes else {
      throw SyncError(
        .invalid,
        "\(name) contains \(UInt64(payload.count) - manifest.payloadBytes) bytes not in its "
          + "manifest (data appended or mixed from another bundle); nothing was imported",
        hint: reexport.prefix(1).uppercased() + reexport.dropFirst(), remedy: .makeBundleAgain)
    }
    try checkDeclaredSize(manifest, name: name)
    guard SHA256.hash(payload).hex == manifest.payloadSHA256 else {
      throw SyncError(
        .invalid,
        "bundle damaged in transit: \(name) payload sha256 mismatch; nothing was imported",
        hint: reexport.prefix(1).uppercased() + reexport.dropFirst(), remedy: .makeBundleAgain)
    }
    guard manifest.isCompressed else {
      return VerifiedBundle(
        manifest: manifest, hash: SHA256.hash(manifestBytes).hex, payload: payload)
    }
    var inflated = try inflate(payload, manifest, name: name)
    var complete = manifest
    if manifest.hasExtraLine {
      complete.extra = try readExtraLine(&inflated, manifest, name: name)
    }
    return VerifiedBundle(
      manifest: complete, hash: SHA256.hash(manifestBytes).hex, payload: inflated)
  }

  static func decodeRecord(_ bytes: ArraySlice<UInt8>, line: Int) throws(SyncError) -> BundleRecord
  {
    func bad(_ why: String) -> SyncError {
      SyncError(.invalid, "bundle line \(line): \(why); nothing was imported")
    }
    let json: JSONValue
    do { json = try JSONParser.parse(Array(bytes), limits: recordLimits) } catch {
      throw bad(error.description)
    }
    guard case .object(let object) = json, object.count == 3,
      let collection = object["collection"]?.stringValue, let idText = object["id"]?.stringValue,
      let stateJSON = object["state"]
    else { throw bad("expected {\"collection\",\"id\",\"state\"}") }
    let id: RecordID
    do { id = try RecordID(idText) } catch { throw bad(error.message) }
    do {
      return BundleRecord(
        collection: collection, id: id, state: try RecordState(json: stateJSON))
    } catch {
      throw bad("record \(collection)/\(id): \(error.message)")
    }
  }
}
