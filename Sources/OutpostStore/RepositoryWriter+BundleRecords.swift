import OutpostCodec
import OutpostModel
import OutpostSync

/// Which records a bundle carries, found from the changes since the bundle the peer last
/// acknowledged rather than by walking every record (SPEC.md §8.6, §8.8).
extension RepositoryWriter {
  /// The records the next bundle for `peer` carries.
  ///
  /// A record is carried when `assumes` does not dominate its context, and, in a reply, when
  /// head office's policies let the office see it (SPEC.md §2.8, ``ReplyPolicy``). Every state
  /// committed before the bundle the peer acknowledged was made was either in it (so `assumes`,
  /// which joins the clock of the bundle that acknowledged it, now dominates it), dominated
  /// then, or withheld by the same policy; so only the records journaled since are candidates.
  /// Every record is walked instead when there is no such bundle (the first exchange, a peer
  /// document an earlier Outpost wrote, after re-enrollment), when the journal from its mark
  /// cannot be read back to this repository's checkpoint, and when a policy newly shares what
  /// it withheld (``ReplyPolicy/widened``); `resolutions` are always walked in a reply, since
  /// whether one travels follows the record it resolved.
  func bundleRecords(
    for peer: PeerState, assumes: VersionVector, policy: ReplyPolicy?
  ) throws(StoreError) -> [BundleRecord] {
    let schemas = Dictionary(uniqueKeysWithValues: collections.map { ($0.name, $0) })
    let carried = { (collection: String, state: RecordState) -> Bool in
      let unseen = !assumes.dominates(state.context)
      guard let policy, let schema = schemas[collection] else { return unseen }
      return policy.carries(
        schema, state, to: peer.peer, unseen: unseen, schemas: { schemas[$0] },
        target: { try? self.state($0, $1) })
    }
    let changed = policy?.widened == true ? nil : changedSinceAcknowledged(by: peer)
    lastBundleWalkedEveryRecord = changed == nil
    guard let changed else { return try walkEveryRecord(carried) }
    let walked: Set<String> = policy == nil ? [] : [StandardCollections.resolutions.name]
    var records: [BundleRecord] = []
    for schema in collections {
      if walked.contains(schema.name) {
        records += try walkEveryRecord(carried, only: schema.name)
        continue
      }
      for id in (changed[schema.name] ?? []).sorted() {
        guard let state = try state(schema.name, id), carried(schema.name, state) else { continue }
        records.append(BundleRecord(collection: schema.name, id: id, state: state))
      }
    }
    if checksBundleRecords {
      let walk = try walkEveryRecord(carried)
      guard Self.keys(walk) == Self.keys(records) else {
        let missing = Self.keys(walk).subtracting(Self.keys(records)).sorted().prefix(5)
        let extra = Self.keys(records).subtracting(Self.keys(walk)).sorted().prefix(5)
        throw StoreError(
          .corrupt,
          "bundle self-check failed: the records changed since bundle "
            + "\(peer.received.acknowledges) differ from a walk over every record "
            + "(missing \(missing.joined(separator: ", ")); extra \(extra.joined(separator: ", ")))",
          hint: "This is a bug in Outpost; nothing was written.")
      }
    }
    return records
  }

  /// Every record of every collection (or of one) that `carried` accepts.
  private func walkEveryRecord(
    _ carried: (String, RecordState) -> Bool, only: String? = nil
  ) throws(StoreError) -> [BundleRecord] {
    var records: [BundleRecord] = []
    for schema in collections where only == nil || schema.name == only {
      for (id, state) in try states(schema.name, where: { carried(schema.name, $1) }) {
        records.append(BundleRecord(collection: schema.name, id: id, state: state))
      }
    }
    return records
  }

  private static func keys(_ records: [BundleRecord]) -> Set<String> {
    Set(records.map { "\($0.collection)/\($0.id)" })
  }

  /// What a reply to `office` made now must bring up to date besides its records (head office).
  ///
  /// The rows policy it is made under, whether the office has not yet acknowledged a reply made
  /// under that policy since it last changed (``PeerState/recordVisibility``; so an office that
  /// held every row under an earlier policy or an earlier Outpost counts as not having seen it),
  /// and the ids journaled since the reply the office last acknowledged was made (nil when every
  /// record is to be considered, as ``bundleRecords(for:assumes:policy:)`` would walk them).
  /// Nil when no reply can be made to it (a branch, an office not enrolled or revoked: making
  /// the bundle says why).
  package func replyChanges(for office: ReplicaID) throws(StoreError) -> (
    records: RecordVisibility, unseen: Bool, changed: [String: Set<RecordID>]?
  )? {
    guard config.role == .head, let peer = try peer(office), !peer.revoked else { return nil }
    let policy = try recordVisibility().value
    let sent = peer.recordVisibility
    let seen = sent?.value == policy && peer.received.acknowledges >= sent!.seq
    return (policy, !seen, changedSinceAcknowledged(by: peer))
  }

  /// The ids journaled (by collection) since the bundle `peer` last acknowledged was made; nil
  /// when that is not known, or the journal from there does not lead to this checkpoint.
  private func changedSinceAcknowledged(by peer: PeerState) -> [String: Set<RecordID>]? {
    let acknowledged = peer.received.acknowledges
    guard acknowledged > 0, let start = peer.sent.madeAt[acknowledged],
      start.segment < checkpoint.segment
        || (start.segment == checkpoint.segment && start.offset <= checkpoint.offset),
      start.txn <= checkpoint.txn
    else { return nil }
    if let known = journaledSince, known.from == start, known.to == checkpoint { return known.ids }
    guard
      let scan = try? JournalReader.scan(
        fileSystem: fileSystem, directory: journalDirectory, from: start, keepEntries: true,
        keep: { _, line in line.kind == .record }),
      scan.end == checkpoint
    else { return nil }
    var changed: [String: Set<RecordID>] = [:]
    for transaction in scan.transactions {
      for line in transaction.entries {
        guard let collection = line.members["collection"]?.stringValue,
          let id = line.members["id"]?.stringValue, RecordID.isValid(id.utf8)
        else { return nil }
        changed[collection, default: []].insert(RecordID(unchecked: id))
      }
    }
    journaledSince = (start, checkpoint, changed)
    return changed
  }

  /// The notes of head office's changes `peer` has not seen, on the records `carried` accepts
  /// (``RepositoryReader/notes(unseenBy:from:about:)``).
  ///
  /// Read from the newest mark of a bundle made when head office's own counter was one the
  /// office's clock covers: every transaction of head office before it wrote only events the
  /// office has seen, so the notes are the same as from the journal's start (a mark that does
  /// not read back, or none, reads from the start). With ``checksBundleRecords`` both are read
  /// and must agree.
  func notesUnseen(by peer: PeerState, about carried: (String, RecordID) -> Bool)
    throws(StoreError) -> [NotedEvents]
  {
    let known = peer.received.clock
    let me = config.replica
    let covered = peer.sent.madeAt.filter { seq, mark in
      guard let clock = peer.sent.clocks[seq], clock[me] <= known[me] else { return false }
      return mark.segment < checkpoint.segment
        || (mark.segment == checkpoint.segment && mark.offset <= checkpoint.offset)
    }
    var notes: [NotedEvents]?
    lastNotesStart = .start
    if let newest = covered.max(by: { $0.key < $1.key }) {
      notes = try? self.notes(unseenBy: known, from: newest.value, about: carried)
      if notes != nil { lastNotesStart = newest.value }
    }
    let fromStart = notes == nil || checksBundleRecords
    let all = fromStart ? try self.notes(unseenBy: known, about: carried) : nil
    if let notes, let all, notes != all {
      throw StoreError(
        .corrupt,
        "bundle self-check failed: the notes read from the mark of a bundle differ from the "
          + "notes read from the journal's start",
        hint: "This is a bug in Outpost; nothing was written.")
    }
    return notes ?? all ?? []
  }

  /// The mark the bundle about to be made from this checkpoint records, and the marks kept
  /// beside it: those of bundles the peer has not acknowledged yet and of the newest one it has,
  /// at most ``keptMarks``.
  func marks(afterMaking seq: UInt64, for peer: PeerState) -> [UInt64: JournalPosition] {
    var marks = peer.sent.madeAt.filter { $0.key >= peer.received.acknowledges && $0.key < seq }
    marks[seq] = checkpoint
    for old in marks.keys.sorted().dropLast(Self.keptMarks) { marks[old] = nil }
    return marks
  }

  /// How many bundles' marks a peer document keeps (a peer that never acknowledges would
  /// otherwise grow it without bound; past this, its next bundle walks every record).
  static let keptMarks = 32
}

extension RepositoryWriter {
  /// Commits `peer` as its peer document, as it is (tests use it to plant a damaged mark).
  package func replacePeerDocument(_ peer: PeerState) throws(StoreError) {
    _ = try commitTransaction(
      command: "peer \(peer.peer)", documents: [.peer(peer.peer): peer.json])
  }
}
