import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

extension RepositoryReader {
  // MARK: Peers and keys

  /// What this replica remembers about a peer, if it knows it.
  public func peer(_ id: ReplicaID) throws(StoreError) -> PeerState? {
    guard let json = try document(.peer(id)) else { return nil }
    do { return try PeerState(json: json) } catch {
      throw StoreError(
        .corrupt, "sync/\(id).json: \(error.message)", hint: RecordFile.verifyHint, remedy: .verify)
    }
  }

  /// Every peer this replica knows, by id.
  public func peers() throws(StoreError) -> [PeerState] {
    var names: Set<String> = []
    for case .peer(let peer) in documentOverlay.keys { names.insert(peer.rawValue) }
    do {
      if try fileSystem.exists(syncDirectory) {
        for name in try fileSystem.list(syncDirectory)
        where name.hasSuffix(".json") && !AtomicFile.isTemporary(name) {
          names.insert(String(name.dropLast(5)))
        }
      }
    } catch { throw StoreError.readFailed(error) }
    var result: [PeerState] = []
    for name in names.sorted() {
      guard let id = try? ReplicaID(name) else { continue }
      if let peer = try peer(id) { result.append(peer) }
    }
    return result
  }

  /// A journaled document (`sync/<peer>.json`, `sync/@collected.json`), or nil.
  package func document(_ name: DocumentName) throws(StoreError) -> JSONValue? {
    if let pending = documentOverlay[name] { return pending }
    let file = path + "/" + name.file
    let bytes: [UInt8]
    do {
      guard try fileSystem.exists(file) else { return nil }
      bytes = try fileSystem.readFile(file)
    } catch { throw StoreError.readFailed(error) }
    do { return try JSONParser.parse(bytes, limits: .repositoryFile) } catch {
      throw StoreError(.corrupt, "\(file): \(error)", hint: RecordFile.verifyHint, remedy: .verify)
    }
  }

  /// The last event counter this replica used or must stay above: its clock entry, or the
  /// floor of the key it installed (a replacement repository never reuses an event id).
  func lastCounter() -> UInt64 {
    let floor = config.role == .branch ? ((try? peers())?.map(\.counterFloor).max() ?? 0) : 0
    return max(clock[config.replica], floor)
  }

  /// The key shared with `office` (head office: one per office; a branch: its own).
  func key(shared office: ReplicaID) throws(StoreError) -> OfficeKey? {
    let file = keysDirectory + "/" + office.rawValue + ".json"
    let bytes: [UInt8]
    do {
      guard try fileSystem.exists(file) else { return nil }
      bytes = try fileSystem.readFile(file)
    } catch { throw StoreError.readFailed(error) }
    do { return try OfficeKey(fileBytes: bytes, path: file) } catch {
      throw StoreError(.corrupt, error.message)
    }
  }

  /// Finds the key for a key id: head office looks through its offices, a branch has one.
  func keyStatus(_ keyID: String) -> BundleKeyStatus {
    guard let peers = try? peers() else { return .unknown }
    for peer in peers where peer.revokedKeys.contains(keyID) {
      return .revoked(owner: config.role == .head ? peer.peer : config.replica)
    }
    for peer in peers where peer.keyID == keyID {
      if peer.revoked { return .revoked(owner: peer.peer) }
      let office = config.role == .head ? peer.peer : config.replica
      if let key = try? key(shared: office), key.keyID == keyID { return .active(key) }
    }
    return .unknown
  }
}
