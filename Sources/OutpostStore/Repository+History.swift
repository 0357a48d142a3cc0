import OutpostCodec
import OutpostModel
import OutpostSync

/// One journaled write of a record: the transaction that wrote it and the record's full state
/// after it (SPEC.md §4.2).
public struct RecordWrite: Sendable, Equatable {
  /// The transaction, with its note.
  public var transaction: TransactionInfo
  /// The record's state after the transaction.
  public var state: RecordState
  /// The journal line of the record entry (`journal/<segment file>:<line>`).
  public var location: String
}

/// The note of one transaction and the events it wrote: how a reply tells an office why head
/// office changed something (SPEC.md §8.6).
public struct NotedEvents: Sendable, Equatable {
  /// The replica whose events these are.
  public var replica: ReplicaID
  /// The first event's counter.
  public var from: UInt64
  /// The last event's counter (every counter from `from` through `to` is the transaction's).
  public var to: UInt64
  /// The note.
  public var note: String

  /// Creates a note for the events `replica:from` through `replica:to`.
  public init(replica: ReplicaID, from: UInt64, to: UInt64, note: String) {
    self.replica = replica
    self.from = from
    self.to = to
    self.note = note
  }

  /// Whether `dot` is one of these events.
  public func covers(_ dot: Dot) -> Bool {
    dot.replica == replica && from <= dot.counter && dot.counter <= to
  }

  /// The JSON form carried in a reply's `extra.notes`: `{"from","note","replica","to"}`.
  public var json: JSONValue {
    .object(
      JSONObject(uncheckedPairs: [
        ("from", .number(JSONNumber(integer: Int64(from)))), ("note", .string(note)),
        ("replica", .string(replica.rawValue)), ("to", .number(JSONNumber(integer: Int64(to)))),
      ]))
  }

  /// Reads the JSON form; nil for anything else (a note is information, never a reason to
  /// refuse a reply).
  public init?(json: JSONValue) {
    guard case .object(let object) = json, let text = object["replica"]?.stringValue,
      let replica = try? ReplicaID(text), let from = object["from"]?.uint64Value,
      let to = object["to"]?.uint64Value, from <= to, let note = object["note"]?.stringValue,
      (try? RepositoryReader.checkNote(note)) != nil
    else { return nil }
    self.init(replica: replica, from: from, to: to, note: note)
  }
}

extension RepositoryReader {
  /// The most note text a reply carries (SPEC.md §8.6); older notes beyond it are left out.
  public static let maximumNoteBytesPerBundle = 256 << 10

  /// Checks a transaction note: one line of text of at most 1000 bytes, as every receiver of a
  /// resolution's note checks it (SPEC.md §4.2, §8.7).
  ///
  /// - Throws: `invalidData` ("the note is not valid: …").
  public static func checkNote(_ note: String) throws(StoreError) {
    do throws(ModelError) { _ = try FieldType.text.validateJSON(.string(note)) } catch {
      throw StoreError(
        .invalidData, "the note is not valid: \(error.message); nothing was changed",
        hint: "Write the reason on one line, at most 1000 bytes.")
    }
  }

  /// Whether a transaction is a person's resolution (`resolve C/ID (…)`).
  static func isResolution(_ begin: JournalEntry.Begin) -> Bool {
    begin.command.hasPrefix("resolve ")
  }

  /// Journal entries worth keeping to find notes: the audit records of resolutions journaled
  /// before `begin` carried the note.
  static func keepResolutionNote(_ begin: JournalEntry.Begin, _ line: JournalLine) -> Bool {
    begin.note == nil && isResolution(begin)
      && line.recordName?.collection == StandardCollections.resolutions.name
  }

  /// A transaction's note: its `begin` entry's `note`, or for a resolution journaled before
  /// notes were, its audit record's (among the entries kept).
  static func note(of transaction: JournalTransaction) -> String? {
    if let note = transaction.begin.note { return note.isEmpty ? nil : note }
    guard isResolution(transaction.begin) else { return nil }
    for line in transaction.entries
    where line.recordName?.collection == StandardCollections.resolutions.name {
      if case .record(_, _, let state)? = try? line.entry(),
        let note = state.value("note")?.stringValue, !note.isEmpty
      {
        return note
      }
    }
    return nil
  }

  /// How `log` and `history` show a transaction; `location` is where it is in the journal.
  static func info(of transaction: JournalTransaction, location: String) -> TransactionInfo {
    TransactionInfo(
      number: transaction.txn, at: transaction.begin.at, actor: transaction.begin.actor,
      command: transaction.begin.command, changes: Int(transaction.commit.changes),
      location: location, note: note(of: transaction))
  }

  /// Every journaled write of one record, oldest first: local edits, merges, receives,
  /// resolutions and collection, each with its transaction and note.
  ///
  /// Reads the whole journal without a lock, keeping only this record's entries (and the audit
  /// records that give old resolutions their note).
  ///
  /// - Complexity: O(journal size).
  public func recordHistory(_ collection: String, _ id: RecordID) throws(StoreError)
    -> [RecordWrite]
  {
    let scan = try JournalReader.scan(
      fileSystem: fileSystem, directory: journalDirectory, from: .start, keepEntries: true,
      keep: { begin, line in
        line.recordName.map { $0.collection == collection && $0.id == id.rawValue } == true
          || Self.keepResolutionNote(begin, line)
      })
    var result: [RecordWrite] = []
    for transaction in scan.transactions {
      var info: TransactionInfo?
      for line in transaction.entries
      where line.recordName.map({ $0.collection == collection && $0.id == id.rawValue }) == true {
        guard case .record(_, _, let state)? = try? line.entry() else { continue }
        if info == nil {
          info = Self.info(
            of: transaction, location: Self.location(of: transaction))
        }
        result.append(
          RecordWrite(
            transaction: info!, state: state,
            location: Self.location(segment: line.segment, line: line.line)))
      }
    }
    return result
  }

  /// The notes of this replica's own transactions (resolutions aside: their audit records
  /// carry theirs) whose events `known` has not all seen, oldest first, at most
  /// ``maximumNoteBytesPerBundle`` of note text (the newest are kept).
  ///
  /// A reply carries them so that the office learns why head office changed its records; only
  /// those of transactions that wrote a record `about` accepts (the records the reply carries:
  /// a note about records withheld from the office stays here, SPEC.md §8.6).
  ///
  /// With `start`, the journal is read from there: the caller knows that no transaction of
  /// this replica before it wrote an event `known` has not seen (a bundle's mark whose clock
  /// `known` covers for this replica: its counters only grow along the journal).
  ///
  /// - Complexity: O(journal size from `start`).
  public func notes(
    unseenBy known: VersionVector, from start: JournalPosition = .start,
    about: (String, RecordID) -> Bool = { _, _ in true }
  ) throws(StoreError) -> [NotedEvents] {
    let me = config.replica
    let scan = try JournalReader.scan(
      fileSystem: fileSystem, directory: journalDirectory, from: start, keepEntries: true,
      keep: { begin, line in
        begin.note != nil && begin.actor == me.rawValue && !Self.isResolution(begin)
          && line.kind == .record
      })
    var result: [NotedEvents] = []
    for transaction in scan.transactions {
      // A resolution's note travels in its audit record (`resolutions`).
      guard let note = transaction.begin.note, !note.isEmpty,
        transaction.begin.actor == me.rawValue, !Self.isResolution(transaction.begin)
      else { continue }
      // Each record a transaction writes gets its own event, numbered on from the last.
      var counters: [UInt64] = []
      var carried = false
      for line in transaction.entries {
        guard case .record(let collection, let id, let state)? = try? line.entry() else {
          continue
        }
        let counter = state.context[me]
        if counter > 0 { counters.append(counter) }
        carried = carried || about(collection, id)
      }
      guard carried, let from = counters.min(), let to = counters.max(), known[me] < to else {
        continue
      }
      result.append(NotedEvents(replica: me, from: from, to: to, note: note))
    }
    var bytes = 0
    var kept: [NotedEvents] = []
    for noted in result.reversed() {
      bytes += noted.note.utf8.count
      if bytes > Self.maximumNoteBytesPerBundle { break }
      kept.append(noted)
    }
    return kept.reversed()
  }
}
