import OutpostCodec
import OutpostModel
import OutpostSync

/// A document journaled with a transaction (SPEC.md §4.2): a peer's sync state, head office's
/// collection horizon, the other offices' KPI results a branch received, or a custom
/// collection's schema.
///
/// Each has a name in the journal (the `name` of its `document` entry) and a file it is
/// materialized to, both derived here and nowhere else.
package enum DocumentName: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// A peer document, `sync/<peer>.json` (SPEC.md §8.8); journaled as the peer's id.
  case peer(ReplicaID)
  /// Head office's collection horizon, `sync/@collected.json` (SPEC.md §8.10); journaled as
  /// `@collected`, which is not a replica id.
  case horizon
  /// The other offices' KPI results head office's replies brought a branch,
  /// `sync/@kpi-results.json` (SPEC.md §8.6); journaled as `@kpi-results`.
  case kpiResults
  /// A custom collection's schema, `schemas/<collection>.json` (SPEC.md §2.6); journaled as
  /// `schemas/<collection>`.
  case schema(String)

  /// The journal name of ``horizon``.
  static let horizonName = "@collected"
  /// The journal name of ``kpiResults``.
  static let kpiResultsName = "@kpi-results"
  /// The journal-name prefix of ``schema(_:)``.
  static let schemaPrefix = "schemas/"

  /// The document a journal name names, or nil for a name no document has.
  package init?(journalName name: String) {
    if name == Self.horizonName {
      self = .horizon
    } else if name == Self.kpiResultsName {
      self = .kpiResults
    } else if name.hasPrefix(Self.schemaPrefix) {
      let collection = String(name.dropFirst(Self.schemaPrefix.count))
      guard (try? RecordID(collection)) != nil else { return nil }
      self = .schema(collection)
    } else if let peer = try? ReplicaID(name) {
      self = .peer(peer)
    } else {
      return nil
    }
  }

  /// The `name` of its journal entry.
  package var journalName: String {
    switch self {
    case .peer(let peer): peer.rawValue
    case .horizon: Self.horizonName
    case .kpiResults: Self.kpiResultsName
    case .schema(let collection): Self.schemaPrefix + collection
    }
  }

  /// The folder (relative to the repository) and the file it is materialized to.
  package var location: (directory: String, file: String) {
    switch self {
    case .peer(let peer): ("sync", peer.rawValue + ".json")
    case .horizon: ("sync", Self.horizonName + ".json")
    case .kpiResults: ("sync", Self.kpiResultsName + ".json")
    case .schema(let collection): ("schemas", collection + ".json")
    }
  }

  /// Its file, relative to the repository: `sync/north.json`.
  package var file: String { location.directory + "/" + location.file }

  package var description: String { journalName }

  /// Ordered by journal name, the order a transaction journals its documents in.
  package static func < (lhs: DocumentName, rhs: DocumentName) -> Bool {
    lhs.journalName < rhs.journalName
  }
}

/// One journal entry, typed (SPEC.md §4.2): a transaction is a ``begin(_:)``, its
/// ``record(collection:id:state:)`` and ``document(_:_:)`` entries, and a ``commit(_:)``.
///
/// ``members(txn:)`` is the one encoder and ``init(decoding:)`` the one decoder of the entries'
/// members; the journal writer adds `seq` and `prev`, and the reader checks them. Canonical JSON
/// sorts the members, so an entry's bytes depend only on them.
package enum JournalEntry: Equatable, Sendable {
  /// What a `begin` entry holds besides its transaction number.
  package struct Begin: Equatable, Sendable {
    /// When the transaction was committed, by this replica's clock (nil: a begin entry read
    /// without a timestamp).
    package var at: Timestamp?
    /// The replica that committed it.
    package var actor: String
    /// The command that made it.
    package var command: String
    /// The `--note` given with it, if any.
    package var note: String?

    /// Creates a begin entry; an empty note is none.
    package init(at: Timestamp?, actor: String, command: String, note: String? = nil) {
      self.at = at
      self.actor = actor
      self.command = command
      self.note = note
    }
  }

  /// What a `commit` entry holds besides its transaction number.
  package struct Commit: Equatable, Sendable {
    /// How many record entries the transaction holds.
    package var changes: UInt64
    /// The repository clock after the transaction; nil in commits written before it was
    /// recorded.
    package var clock: RecordedClock?

    /// Creates a commit entry.
    package init(changes: UInt64, clock: RecordedClock?) {
      self.changes = changes
      self.clock = clock
    }
  }

  /// The clock a commit records, as journaled and as the version vector it spells.
  package struct RecordedClock: Equatable, Sendable {
    /// The clock as journaled (reported as it is when it is wrong).
    package var json: JSONValue
    /// The version vector it spells; nil if it spells none (a damaged journal).
    package var vector: VersionVector?

    /// A clock to record.
    package init(_ vector: VersionVector) {
      json = vector.json
      self.vector = vector
    }

    /// A clock as read from the journal.
    init(json: JSONValue) {
      self.json = json
      vector = try? VersionVector(json: json)
    }
  }

  /// The kinds of entry, as the `kind` member spells them.
  package enum Kind: String, Sendable {
    case begin, record, document, commit
  }

  /// A transaction's first entry.
  case begin(Begin)
  /// A record's full state after the transaction (the empty state for a collected record).
  case record(collection: String, id: RecordID, state: RecordState)
  /// A document's full value after the transaction.
  case document(DocumentName, JSONValue)
  /// A transaction's last entry: it counts once this line is on stable storage.
  case commit(Commit)

  /// The entry's kind.
  package var kind: Kind {
    switch self {
    case .begin: .begin
    case .record: .record
    case .document: .document
    case .commit: .commit
    }
  }

  // MARK: Encoding

  /// The entry's members for transaction `txn`, without `seq` and `prev`.
  package func members(txn: UInt64) -> [(String, JSONValue)] {
    var members: [(String, JSONValue)] = [("kind", .string(kind.rawValue))]
    switch self {
    case .begin(let begin):
      members += [
        ("at", .string(begin.at?.description ?? "")), ("actor", .string(begin.actor)),
        ("command", .string(begin.command)),
      ]
      if let note = begin.note { members.append(("note", .string(note))) }
    case .record(let collection, let id, let state):
      members += [
        ("collection", .string(collection)), ("id", .string(id.rawValue)), ("state", state.json),
      ]
    case .document(let name, let value):
      members += [("name", .string(name.journalName)), ("value", value)]
    case .commit(let commit):
      members.append(("changes", .number(JSONNumber(integer: Int64(commit.changes)))))
      if let clock = commit.clock { members.append(("clock", clock.json)) }
    }
    members.append(("txn", .number(JSONNumber(integer: Int64(txn)))))
    return members
  }

  // MARK: Decoding

  /// Decodes a line's entry.
  ///
  /// `begin` and `commit` entries are read leniently (a missing member is empty), as they
  /// always were; a record or document entry must be whole, else the error names the line.
  package init(decoding line: JournalLine) throws(StoreError) {
    let members = line.members
    switch line.kind {
    case .begin?: self = .begin(Self.begin(members))
    case .commit?: self = .commit(Self.commit(members))
    case .record?:
      guard let collection = members["collection"]?.stringValue,
        let idText = members["id"]?.stringValue, let stateJSON = try line.member("state")
      else {
        throw StoreError(
          .corrupt, "journal line \(line.line): record entry lacks collection, id or state")
      }
      do {
        self = .record(
          collection: collection, id: try RecordID(idText), state: try RecordState(json: stateJSON))
      } catch {
        throw StoreError(.corrupt, "journal line \(line.line): \(error.message)")
      }
    case .document?:
      guard let text = members["name"]?.stringValue, let name = DocumentName(journalName: text),
        let value = try line.member("value")
      else {
        throw StoreError(
          .corrupt, "journal line \(line.line): document entry lacks name or value")
      }
      self = .document(name, value)
    case nil:
      throw StoreError(
        .corrupt, "journal line \(line.line): unknown entry kind '\(line.kindName)'")
    }
  }

  /// A `begin` entry's members, read leniently.
  static func begin(_ members: JSONObject) -> Begin {
    Begin(
      at: members["at"]?.stringValue.flatMap { Timestamp(parsing: $0) },
      actor: members["actor"]?.stringValue ?? "",
      command: members["command"]?.stringValue ?? "", note: members["note"]?.stringValue)
  }

  /// A `commit` entry's members, read leniently.
  static func commit(_ members: JSONObject) -> Commit {
    Commit(
      changes: members["changes"]?.uint64Value ?? 0,
      clock: members["clock"].map(RecordedClock.init(json:)))
  }

  /// The envelope every entry has: `kind`, `txn` and `seq`.
  static func envelope(_ members: JSONObject) -> (kind: String, txn: UInt64, seq: UInt64?) {
    (
      members["kind"]?.stringValue ?? "", members["txn"]?.uint64Value ?? 0,
      members["seq"]?.uint64Value
    )
  }

  /// The `prev` member: the previous entry's hash.
  static func previousHash(_ members: JSONObject) -> String? { members["prev"]?.stringValue }
}

/// A record state to journal: ``JournalEntry/record(collection:id:state:)``'s payload.
typealias JournalRecord = (collection: String, id: RecordID, state: RecordState)

/// One verified journal line: where it is, its envelope, and its entry's members (decoded into
/// a ``JournalEntry`` on demand, so a reader looking for a few entries decodes only those).
package struct JournalLine {
  /// 1-based line number in its segment.
  var line: Int
  /// The segment: the sequence number of its first entry (SPEC.md §4.2).
  var segment: Int
  /// Byte offset of the line's end (after the newline).
  var end: Int64
  /// The line's sequence number.
  var seq: UInt64
  /// The SHA-256 of the entry bytes.
  var hash: String
  /// The entry's members, as parsed; only ``JournalEntry`` reads them.
  ///
  /// A member named in ``JournalLine/deferredMembers`` may instead be in ``deferred``.
  let members: JSONObject
  /// The bytes of the members left unparsed when the line was read (a record's `state`, a
  /// document's `value`): parsed by ``member(_:)`` when the entry is decoded.
  let deferred: [String: ArraySlice<UInt8>]
  /// The `kind` member as written.
  let kindName: String
  /// The transaction the entry belongs to.
  let txn: UInt64

  /// The members a reader leaves unparsed until the entry is decoded: the large ones, which a
  /// scan that looks for a few entries (by kind, collection and id) does not need.
  static let deferredMembers: Set<String> = ["state", "value"]

  init(
    line: Int, end: Int64, seq: UInt64, hash: String, members: JSONObject, segment: Int = 1,
    deferred: [String: ArraySlice<UInt8>] = [:]
  ) {
    self.line = line
    self.segment = segment
    self.end = end
    self.seq = seq
    self.hash = hash
    self.members = members
    self.deferred = deferred
    (kindName, txn, _) = JournalEntry.envelope(members)
  }

  /// The entry's kind, nil for one this build does not know.
  var kind: JournalEntry.Kind? { JournalEntry.Kind(rawValue: kindName) }

  /// The entry, decoded (errors name the line).
  package func entry() throws(StoreError) -> JournalEntry { try JournalEntry(decoding: self) }

  /// A member's value, parsed now if it was deferred; nil when the entry has no such member.
  func member(_ name: String) throws(StoreError) -> JSONValue? {
    if let value = members[name] { return value }
    guard let bytes = deferred[name] else { return nil }
    do {
      return try JSONParser.parse(bytes, nestedAt: 1, limits: .journal)
    } catch {
      throw StoreError(.corrupt, "journal line \(line): member '\(name)': \(error)")
    }
  }

  /// For a record entry, the collection and id it names, without decoding its state.
  var recordName: (collection: String, id: String)? {
    guard kind == .record, let collection = members["collection"]?.stringValue,
      let id = members["id"]?.stringValue
    else { return nil }
    return (collection, id)
  }
}
