import OutpostCodec
import OutpostCrypto
import OutpostModel

/// The secret head office shares with one office, and what is derived from it (SPEC.md §8.1).
///
/// One 32-byte secret per office. Bundles are authenticated with HMAC-SHA256 under a key
/// derived for their direction, so a submission can never be replayed as a reply:
/// `HMAC(secret, "outpost submission/1")` for branch → head office and
/// `HMAC(secret, "outpost reply/1")` for head office → branch. The key id names the secret
/// without revealing it.
public struct OfficeKey: Sendable, Equatable {
  /// The key file's format.
  public static let format = "outpost-key/1"

  /// The office the key was issued to.
  public var office: ReplicaID
  /// Head office's replica id.
  public var head: ReplicaID
  /// The shared secret (32 bytes), never printed.
  public var secret: [UInt8]
  /// The highest counter of `office` head office had seen when it issued the key: a
  /// repository that installs the key writes above it, so a replacement repository never
  /// reuses an event id (SPEC.md §8.1).
  public var counterFloor: UInt64
  /// Head office's collection horizon when it issued the key: a repository that installs the
  /// key drops every record it covers, since head office's first reply brings back each one
  /// that still exists (SPEC.md §8.10).
  public var collected: VersionVector

  /// Creates a key.
  public init(
    office: ReplicaID, head: ReplicaID, secret: [UInt8], counterFloor: UInt64 = 0,
    collected: VersionVector = VersionVector()
  ) {
    self.office = office
    self.head = head
    self.secret = secret
    self.counterFloor = counterFloor
    self.collected = collected
  }

  /// A fresh key with 32 bytes from the system's secure random source.
  public static func generate(
    office: ReplicaID, head: ReplicaID, counterFloor: UInt64 = 0,
    collected: VersionVector = VersionVector()
  ) -> OfficeKey {
    var generator = SystemRandomNumberGenerator()
    let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return OfficeKey(
      office: office, head: head, secret: secret, counterFloor: counterFloor,
      collected: collected)
  }

  /// The public name of this key: 16 hex digits of SHA-256 over a label and the secret.
  public var keyID: String {
    String(SHA256.hash(Array("outpost key id/1\u{0}".utf8) + secret).hex.prefix(16))
  }

  /// The MAC key for bundles of one kind.
  public func macKey(for kind: BundleKind) -> [UInt8] {
    HMACSHA256.authenticate(Array("outpost \(kind.rawValue)/1".utf8), key: secret).bytes
  }

  /// The key file: canonical JSON, to be written with mode 0600.
  public var fileBytes: [UInt8] {
    JSONWriter.prettyBytes(
      .object(
        JSONObject(uncheckedPairs: [
          ("format", .string(Self.format)), ("office", .string(office.rawValue)),
          ("head", .string(head.rawValue)), ("key_id", .string(keyID)),
          ("secret", .string(Hex.encode(secret))),
          ("counter_floor", .number(JSONNumber(integer: Int64(counterFloor)))),
          ("collected", collected.json),
        ])))
  }

  /// Reads a key file, checking its format, ids and that the key id matches the secret.
  public init(fileBytes bytes: [UInt8], path: String) throws(SyncError) {
    func bad(_ why: String) -> SyncError {
      SyncError(
        .invalid, "\(path) is not an Outpost key file: \(why)",
        hint: "Use the key file head office wrote when it enrolled the office:",
        remedy: .enroll(office: nil))
    }
    let json: JSONValue
    do { json = try JSONParser.parse(bytes) } catch { throw bad(error.description) }
    guard case .object(let object) = json else { throw bad("not a JSON object") }
    guard object["format"]?.stringValue == Self.format else {
      throw bad("format is not \(Self.format)")
    }
    guard let officeText = object["office"]?.stringValue,
      let office = try? ReplicaID(officeText), let headText = object["head"]?.stringValue,
      let head = try? ReplicaID(headText)
    else { throw bad("'office' or 'head' is missing or invalid") }
    guard let secretText = object["secret"]?.stringValue, let secret = Hex.decode(secretText),
      secret.count == 32
    else { throw bad("'secret' is not 64 hex digits") }
    var floor: UInt64 = 0
    if let value = object["counter_floor"] {
      guard let number = value.uint64Value, number <= VersionVector.maximumCounter else {
        throw bad("'counter_floor' is not a canonical counter")
      }
      floor = number
    }
    var collected = VersionVector()
    if let value = object["collected"] {
      do throws(ModelError) { collected = try VersionVector(json: value) } catch {
        throw bad("'collected': \(error.message)")
      }
    }
    self.init(
      office: office, head: head, secret: secret, counterFloor: floor, collected: collected)
    guard object["key_id"]?.stringValue == keyID else {
      throw bad("'key_id' does not match the secret (the file was edited or damaged)")
    }
  }
}
