import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

extension RepositoryWriter {
  // MARK: Keys

  private func writeKey(_ key: OfficeKey, name: ReplicaID) throws(StoreError) {
    do {
      if try !fileSystem.exists(keysDirectory) {
        try fileSystem.makeDirectory(keysDirectory)
        try fileSystem.syncDirectory(path)
      }
      try AtomicFile.write(
        key.fileBytes, to: name.rawValue + ".json", in: keysDirectory, fileSystem: fileSystem,
        secret: true)
    } catch {
      throw StoreError.writeFailed(error, "nothing was changed")
    }
  }

  /// Enrolls an office (head office only): makes its key and remembers it.
  ///

  /// Enrolls an office (head office only): makes its key and remembers it.
  ///
  /// - Returns: the key, for the office's key file.
  public func enroll(_ office: ReplicaID) throws(StoreError) -> OfficeKey {
    guard config.role == .head else {
      throw StoreError(
        .notPermitted,
        "only head office enrolls offices; this repository is office '\(config.replica)'")
    }
    guard office != config.replica else {
      throw StoreError(.invalidData, "'\(office)' is head office's own id")
    }
    if let existing = try peer(office), !existing.revoked {
      throw StoreError(
        .alreadyExists, "office '\(office)' is already enrolled (key \(existing.keyID))",
        hint: "To issue a new key, revoke the old one first:",
        remedy: .revoke(office: office.rawValue))
    }
    // The key carries the office's highest counter head office has seen, so a repository that
    // installs it (a replacement, or one restored from a copy) writes new event ids.
    let key = OfficeKey.generate(
      office: office, head: config.replica, counterFloor: clock[office],
      collected: try collectedHorizon())
    try writeKey(key, name: office)
    var state = PeerState(peer: office, keyID: key.keyID, enrolledAt: now())
    if let previous = try peer(office) {
      // Re-enrolling after a revocation starts a new exchange: sequence numbers restart at 1
      // and head office assumes nothing of the office, so its first reply is complete.
      state.revokedKeys = previous.revokedKeys + [previous.keyID]
    }
    _ = try commitTransaction(
      command: "office add \(office)", documents: [.peer(office): state.json])
    return key
  }

  /// Revokes an office's key (head office only): its bundles are refused from now on.
  public func revoke(_ office: ReplicaID) throws(StoreError) {
    guard config.role == .head else {
      throw StoreError(.notPermitted, "only head office revokes keys")
    }
    guard var state = try peer(office) else {
      throw StoreError(.notFound, "office '\(office)' is not enrolled")
    }
    guard !state.revoked else {
      throw StoreError(.invalidData, "the key of office '\(office)' is already revoked")
    }
    state.revoked = true
    state.revokedAt = now()
    _ = try commitTransaction(
      command: "office revoke \(office)", documents: [.peer(office): state.json])
  }

  /// Installs the key head office issued to this branch (`init --key`).
  public func installKey(_ key: OfficeKey) throws(StoreError) {
    guard config.role == .branch, key.office == config.replica else {
      throw StoreError(
        .invalidData,
        "the key was issued to office '\(key.office)', but this repository is '\(config.replica)'")
    }
    try writeKey(key, name: key.office)
    var state = PeerState(peer: key.head, keyID: key.keyID, enrolledAt: now())
    state.counterFloor = key.counterFloor
    _ = try commitTransaction(
      command: "enroll with \(key.head)", documents: [.peer(key.head): state.json])
  }

  /// Installs a new key head office issued to this branch after re-enrolling it (`office key`).
  ///
  /// The exchange restarts: sequence numbers begin again at 1 in both directions and the next
  /// submission and reply are complete. This replica's own counter rises above the key's floor,
  /// so a repository restored from an old copy never reuses an event id (SPEC.md §8.1).
  /// - Returns: false if the key was already installed.
  public func replaceKey(_ key: OfficeKey) throws(StoreError) -> Bool {
    guard config.role == .branch, key.office == config.replica else {
      throw StoreError(
        .invalidData,
        "the key was issued to office '\(key.office)', but this repository is '\(config.replica)'")
    }
    guard let previous = try peer(key.head) else {
      throw StoreError(
        .notFound, "this repository is not enrolled with '\(key.head)'",
        hint: "A new repository takes its key when it is created:",
        remedy: .createWithKey(office: config.replica.rawValue))
    }
    if previous.keyID == key.keyID { return false }
    if previous.revokedKeys.contains(key.keyID) {
      throw StoreError(
        .notPermitted, "key \(key.keyID) was replaced before; use the newest key file")
    }
    // Every record the key's horizon covers is set aside: head office has seen all of its
    // events, so its first reply (complete) brings back each one that still exists, and one it
    // collected stays gone instead of coming back from this older copy.
    var setAside: [String: [RecordID: RecordState]] = [:]
    if !key.collected.isEmpty {
      for schema in collections {
        for (id, record) in try states(schema.name) where key.collected.dominates(record.context) {
          setAside[schema.name, default: [:]][id] = .collected
        }
      }
    }
    try writeKey(key, name: key.office)
    var state = PeerState(peer: key.head, keyID: key.keyID, enrolledAt: now())
    state.revokedKeys = previous.revokedKeys + [previous.keyID]
    state.counterFloor = max(previous.counterFloor, key.counterFloor)
    state.collected = key.collected
    _ = try commitTransaction(
      command: "office key \(key.keyID)", records: Self.records(setAside), states: setAside,
      documents: [.peer(key.head): state.json])
    return true
  }
}
