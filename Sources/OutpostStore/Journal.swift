import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

/// A committed transaction read back from the journal.
struct JournalTransaction {
  /// Its number.
  var txn: UInt64
  /// Its `begin` entry.
  var begin: JournalEntry.Begin
  /// Its record and document lines (those the scan kept).
  var entries: [JournalLine]
  /// Its `commit` entry.
  var commit: JournalEntry.Commit
  /// The commit's line: where the transaction ends.
  var commitLine: JournalLine
  /// The offset in its segment where its `begin` line starts.
  var beginOffset: Int64 = 0
}

/// Where the journal lines are framed and checked: `{"entry":…,"sha256":"…"}` per line.
package enum JournalFormat {
  static let prefix = Array(#"{"entry":"#.utf8)
  static let suffixStart = Array(#","sha256":""#.utf8)
  static let suffixEnd = Array(#""}"#.utf8)
  /// A line is `prefix + entry + suffixStart + 64 hex + suffixEnd + "\n"`.
  static let overhead = prefix.count + suffixStart.count + 64 + suffixEnd.count + 1

  package static func segmentName(_ segment: Int) -> String {
    let digits = String(segment)
    return String(repeating: "0", count: max(0, 10 - digits.count)) + digits + ".jsonl"
  }

  /// Frames entry bytes as a journal line; returns the entry's hash.
  package static func appendLine(entry: [UInt8], to buffer: inout [UInt8]) -> String {
    let hash = SHA256.hash(entry).hex
    buffer.append(contentsOf: prefix)
    buffer.append(contentsOf: entry)
    buffer.append(contentsOf: suffixStart)
    buffer.append(contentsOf: hash.utf8)
    buffer.append(contentsOf: suffixEnd)
    buffer.append(UInt8(ascii: "\n"))
    return hash
  }

  /// Frames an entry as the journal holds it; returns the entry's hash.
  ///
  /// The entry belongs to transaction `txn`, has sequence number `seq` and is chained to `prev`.
  package static func appendLine(
    _ entry: JournalEntry, txn: UInt64, seq: UInt64, prev: String, to buffer: inout [UInt8]
  ) -> String {
    if case .record(let collection, let id, let state) = entry {
      // Records are most of the journal: their entry is written directly, in the canonical
      // member order (collection, id, kind, prev, seq, state, txn), as the general path would.
      var bytes = Array(#"{"collection":"#.utf8)
      JSONWriter.writeString(collection, into: &bytes)
      bytes.append(contentsOf: #","id":"#.utf8)
      JSONWriter.writeString(id.rawValue, into: &bytes)
      bytes.append(contentsOf: #","kind":"record","prev":"#.utf8)
      JSONWriter.writeString(prev, into: &bytes)
      bytes.append(contentsOf: #","seq":"#.utf8)
      bytes.append(contentsOf: String(seq).utf8)
      bytes.append(contentsOf: #","state":"#.utf8)
      state.writeCanonical(into: &bytes)
      bytes.append(contentsOf: #","txn":"#.utf8)
      bytes.append(contentsOf: String(txn).utf8)
      bytes.append(UInt8(ascii: "}"))
      return appendLine(entry: bytes, to: &buffer)
    }
    return appendLine(entry: genericEntry(entry, txn: txn, seq: seq, prev: prev), to: &buffer)
  }

  /// The canonical bytes of any entry, through a `JSONValue` (tests compare the record
  /// shortcut of ``appendLine(_:txn:seq:prev:to:)`` with it).
  package static func genericEntry(_ entry: JournalEntry, txn: UInt64, seq: UInt64, prev: String)
    -> [UInt8]
  {
    let members =
      entry.members(txn: txn) + [
        ("seq", .number(JSONNumber(integer: Int64(seq)))), ("prev", .string(prev)),
      ]
    return JSONWriter.canonicalBytes(.object(JSONObject(uncheckedPairs: members)))
  }

  /// Unframes one line (without its newline): the entry bytes and the stated hash, if well-formed.
  static func unframe(_ line: ArraySlice<UInt8>) -> (entry: ArraySlice<UInt8>, hash: String)? {
    guard line.count > overhead - 1, line.starts(with: prefix),
      line.suffix(2).elementsEqual(suffixEnd)
    else { return nil }
    let hashEnd = line.endIndex - suffixEnd.count
    let hashStart = hashEnd - 64
    let entryEnd = hashStart - suffixStart.count
    guard entryEnd > line.startIndex + prefix.count,
      line[entryEnd..<hashStart].elementsEqual(suffixStart)
    else { return nil }
    let hashBytes = line[hashStart..<hashEnd]
    guard
      hashBytes.allSatisfy({
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
          || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
      })
    else { return nil }
    return (
      line[(line.startIndex + prefix.count)..<entryEnd], String(decoding: hashBytes, as: UTF8.self)
    )
  }
}

/// Appends transactions to the journal: entries are chained by hash and numbered, and a
/// transaction counts only once its `commit` line is on stable storage.
struct JournalWriter {
  private let fileSystem: any FileSystem
  private let directory: String
  private(set) var position: JournalPosition
  private var buffer: [UInt8] = []
  private var handle: FileHandle?

  init(fileSystem: any FileSystem, directory: String, position: JournalPosition) {
    self.fileSystem = fileSystem
    self.directory = directory
    self.position = position
  }

  var path: String { directory + "/" + JournalFormat.segmentName(position.segment) }

  /// Appends one entry of transaction `txn`, numbered and chained to the one before.
  mutating func append(_ entry: JournalEntry, txn: UInt64) throws(FileSystemError) {
    position.seq += 1
    let before = buffer.count
    position.hash = JournalFormat.appendLine(
      entry, txn: txn, seq: position.seq, prev: position.hash, to: &buffer)
    position.offset += Int64(buffer.count - before)
    if buffer.count >= 8 << 20 { try flush() }
  }

  /// Writes buffered lines to the segment file.
  mutating func flush() throws(FileSystemError) {
    if handle == nil {
      let existed = try fileSystem.exists(path)
      if existed {
        handle = try fileSystem.open(path, .append)
      } else {
        handle = try fileSystem.open(path, .createNew(secret: false))
        // The new name must be durable too: sync the directory once the file is synced.
      }
      if !existed {
        try fileSystem.write(handle!, buffer)
        buffer.removeAll(keepingCapacity: true)
        try fileSystem.sync(handle!)
        try fileSystem.syncDirectory(directory)
        return
      }
    }
    guard !buffer.isEmpty, let handle else { return }
    try fileSystem.write(handle, buffer)
    buffer.removeAll(keepingCapacity: true)
  }

  /// Flushes, then forces everything written to stable storage and closes the file.
  mutating func sync() throws(FileSystemError) {
    try flush()
    guard let handle else { return }
    self.handle = nil
    do {
      try fileSystem.sync(handle)
    } catch {
      try? fileSystem.close(handle)
      throw error
    }
    try fileSystem.close(handle)
  }

  /// Closes the file without syncing (after a failure).
  mutating func abandon() {
    if let handle { try? fileSystem.close(handle) }
    handle = nil
    buffer = []
  }
}

/// What a scan of the journal found.
struct JournalScan {
  /// Committed transactions after the starting point, in order.
  var transactions: [JournalTransaction] = []
  /// The position after the last committed transaction.
  var end: JournalPosition
  /// Bytes after `end` that do not form a committed transaction (a torn or unfinished tail).
  var uncommittedBytes: Int64 = 0
  /// Lines in the uncommitted tail.
  var uncommittedLines = 0
  /// The segment the uncommitted tail is in when it is a segment of its own, after the last
  /// commit's (a new segment whose first transaction did not commit): the next writer removes
  /// the file, even an empty one.
  var tailSegment: Int?
  /// The segments read, in order.
  var segments: [Int] = []
}

/// Reads and checks the journal.
enum JournalReader {
  /// Scans the journal from `start` to its end, segment after segment, verifying framing,
  /// checksums, the hash chain, sequence numbers and transaction structure.
  ///
  /// Anything wrong *before* the last valid commit line (in its segment or a later one) is
  /// corruption and throws; anything after it is an uncommitted tail, reported in the result
  /// (recovery may truncate it).
  ///
  /// With `keepEntries`, a transaction's record and document lines are kept, or only those
  /// `keep` accepts (given the transaction's `begin` entry and the line), so a reader looking for
  /// a few entries holds only those in memory. With `each`, every committed transaction is passed
  /// to it as it is read, and the result holds the transactions without their entries, so a
  /// reader of the whole journal holds one transaction's entries at a time.
  static func scan(
    fileSystem: any FileSystem, directory: String, from start: JournalPosition,
    keepEntries: Bool = true,
    keep: ((_ begin: JournalEntry.Begin, _ line: JournalLine) -> Bool)? = nil,
    each: ((JournalTransaction) -> Void)? = nil
  ) throws(StoreError) -> JournalScan {
    var scan = JournalScan(end: start)
    var position = start
    while true {
      // Only the part after `position` is read (a sealed segment is inflated whole): opening
      // costs what was committed since the checkpoint, not the journal's size.
      guard
        let (bytes, size, path) = try JournalSegments.read(
          fileSystem: fileSystem, directory: directory, segment: position.segment,
          from: position.offset)
      else {
        if position.offset == 0 { return scan }
        throw StoreError(
          .corrupt,
          "journal segment '\(directory)/\(JournalFormat.segmentName(position.segment))' is "
            + "missing",
          hint: "The repository's journal was removed or moved; restore it from a backup.")
      }
      guard size >= position.offset else {
        throw StoreError(
          .corrupt,
          "journal '\(path)' is \(size) bytes, shorter than its last checkpoint "
            + "(\(position.offset))",
          hint:
            "The journal was truncated outside Outpost; restore it from a backup or another "
            + "replica.")
      }
      scan.segments.append(position.segment)
      let problem = try scanSegment(
        bytes, from: position, path: path, into: &scan, keepEntries: keepEntries, keep: keep,
        each: each)
      // What follows the segment's last commit: nothing, or a tail no commit ends.
      let committedHere = scan.end.segment == position.segment
      let tailStart = committedHere ? scan.end.offset : position.offset
      let tail = bytes[Int(tailStart - position.offset)...]
      if !tail.isEmpty || !committedHere {
        if let later = try laterSegment(after: position.segment, fileSystem, directory) {
          // A writer starts a segment only after the one before ends with a commit.
          throw StoreError(
            .corrupt,
            "journal '\(path)' line \(problem?.line ?? Int(scan.end.seq) + 1): "
              + (problem?.message ?? "the segment does not end with a committed transaction")
              + ", but segment \(JournalFormat.segmentName(later)) follows it",
            hint:
              "The journal is damaged before its last commit; restore the repository from a "
              + "backup or another replica. To see everything that is damaged:",
            remedy: .verify)
        }
        if !committedHere { scan.tailSegment = position.segment }
        scan.uncommittedBytes = Int64(tail.count)
        scan.uncommittedLines =
          tail.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } + (tail.last == 10 || tail.isEmpty ? 0 : 1)
        return scan
      }
      let next = Int(scan.end.seq) + 1
      guard
        try JournalSegments.exists(fileSystem: fileSystem, directory: directory, segment: next)
      else { return scan }
      position = JournalPosition(
        segment: next, offset: 0, seq: scan.end.seq, hash: scan.end.hash, txn: scan.end.txn)
    }
  }

  /// The first segment after `segment` in the journal folder, if any.
  private static func laterSegment(
    after segment: Int, _ fileSystem: any FileSystem, _ directory: String
  ) throws(StoreError) -> Int? {
    try JournalSegments.list(fileSystem: fileSystem, directory: directory).first {
      $0.segment > segment
    }?.segment
  }

  /// Scans one segment's bytes from `start` into `scan`; returns the problem that stopped it
  /// before its end, if one did and no commit follows it in the segment.
  private static func scanSegment(
    _ bytes: [UInt8], from start: JournalPosition, path: String, into scan: inout JournalScan,
    keepEntries: Bool, keep: ((_ begin: JournalEntry.Begin, _ line: JournalLine) -> Bool)?,
    each: ((JournalTransaction) -> Void)?
  ) throws(StoreError) -> (line: Int, message: String)? {
    let base = Int(start.offset)
    var cursor = start
    // One entry per line, numbered from 1 in each segment, which is named by its first entry's
    // sequence number: the checkpoint's entry is its line.
    var lineNumber = JournalSegments.line(of: start.seq, in: start.segment)
    var open: (line: JournalLine, begin: JournalEntry.Begin, entries: [JournalLine], offset: Int64)?
    var index = 0
    while index < bytes.count {
      guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else {
        return nil  // a torn last line
      }
      lineNumber += 1
      let lineBytes = bytes[index..<newline]
      let problem: String?
      var parsed: JournalLine?
      switch verifyLine(lineBytes, expectedSeq: cursor.seq + 1, expectedPrev: cursor.hash) {
      case .failure(let failure): problem = failure.message
      case .success(let entry):
        parsed = JournalLine(
          line: lineNumber, end: Int64(base + newline + 1), seq: cursor.seq + 1, hash: entry.hash,
          members: entry.object, segment: start.segment, deferred: entry.deferred)
        problem = structureProblem(parsed!, open: open?.line, lastTxn: cursor.txn)
      }
      if let problem {
        if laterCommitExists(bytes, after: newline + 1) {
          throw StoreError(
            .corrupt,
            "journal '\(path)' line \(lineNumber): \(problem)",
            hint:
              "The journal is damaged before its last commit; restore the repository from a "
              + "backup or another replica. To see everything that is damaged:",
            remedy: .verify)
        }
        return (lineNumber, problem)
      }
      let entry = parsed!
      cursor.seq = entry.seq
      cursor.hash = entry.hash
      cursor.offset = entry.end
      switch entry.kind {
      case .begin?:
        open = (entry, JournalEntry.begin(entry.members), [], Int64(base + index))
      case .commit?:
        cursor.txn = entry.txn
        if let current = open {
          var transaction = JournalTransaction(
            txn: entry.txn, begin: current.begin, entries: keepEntries ? current.entries : [],
            commit: JournalEntry.commit(entry.members), commitLine: entry,
            beginOffset: current.offset)
          if let each {
            each(transaction)
            transaction.entries = []
          }
          scan.transactions.append(transaction)
        }
        open = nil
        scan.end = cursor
      default:
        if keepEntries, let begin = open?.begin, keep?(begin, entry) ?? true {
          open?.entries.append(entry)
        }
      }
      index = newline + 1
    }
    return nil
  }

  private static func verifyLine(
    _ line: ArraySlice<UInt8>, expectedSeq: UInt64, expectedPrev: String
  ) -> Result<
    (object: JSONObject, hash: String, deferred: [String: ArraySlice<UInt8>]), LineProblem
  > {
    guard let (entryBytes, statedHash) = JournalFormat.unframe(line) else {
      return .failure(LineProblem("the line is not a framed journal entry"))
    }
    let hash = SHA256.hash(entryBytes).hex
    guard hash == statedHash else { return .failure(LineProblem("checksum mismatch")) }
    // The record state or document value is parsed when the entry is decoded, if it is: a
    // scan for a few entries reads the envelope of every line (the hash covers all of it).
    guard
      let (value, ranges) = try? JSONParser.parse(
        entryBytes, limits: .journal, deferring: JournalLine.deferredMembers),
      case .object(let object) = value
    else {
      return .failure(LineProblem("the entry is not a valid JSON object"))
    }
    guard JournalEntry.envelope(object).seq == expectedSeq else {
      return .failure(LineProblem("sequence number is not \(expectedSeq)"))
    }
    guard JournalEntry.previousHash(object) == expectedPrev else {
      return .failure(LineProblem("hash chain broken (prev does not match the previous line)"))
    }
    return .success((object, hash, ranges.mapValues { entryBytes[$0] }))
  }

  private static func structureProblem(
    _ entry: JournalLine, open: JournalLine?, lastTxn: UInt64
  ) -> String? {
    switch entry.kind {
    case .begin?:
      if open != nil { return "a transaction begins inside another" }
      if entry.txn != lastTxn + 1 { return "transaction number is not \(lastTxn + 1)" }
    case .commit?:
      guard let open else { return "a commit without a begin" }
      if entry.txn != open.txn { return "commit of transaction \(entry.txn) inside \(open.txn)" }
    case .record?, .document?:
      guard let open else { return "an entry outside a transaction" }
      if entry.txn != open.txn { return "entry of transaction \(entry.txn) inside \(open.txn)" }
    case nil:
      return "unknown entry kind '\(entry.kindName)'"
    }
    return nil
  }

  /// Whether a valid commit line appears after `offset` (which makes earlier damage corruption
  /// rather than an unfinished tail).
  private static func laterCommitExists(_ bytes: [UInt8], after offset: Int) -> Bool {
    var index = offset
    while index < bytes.count {
      guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else { return false }
      if let (entry, hash) = JournalFormat.unframe(bytes[index..<newline]),
        SHA256.hash(entry).hex == hash,
        case .object(let object)? = try? JSONParser.parse(Array(entry), limits: .journal),
        JournalEntry.envelope(object).kind == JournalEntry.Kind.commit.rawValue
      {
        return true
      }
      index = newline + 1
    }
    return false
  }

  private struct LineProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
  }
}

extension JournalEntry {
  /// Decodes one framed journal line (without its newline), checking its framing and checksum:
  /// the entry, its transaction, sequence number and previous hash.
  ///
  /// `number` is the line's number, for errors.
  package static func decode(framedLine line: ArraySlice<UInt8>, number: Int) throws(StoreError)
    -> (entry: JournalEntry, txn: UInt64, seq: UInt64, prev: String)
  {
    guard let (bytes, hash) = JournalFormat.unframe(line), SHA256.hash(bytes).hex == hash,
      let (value, ranges) = try? JSONParser.parse(
        bytes, limits: .journal, deferring: JournalLine.deferredMembers),
      case .object(let members) = value,
      let seq = envelope(members).seq, let prev = previousHash(members)
    else {
      throw StoreError(.corrupt, "journal line \(number): not a framed, intact journal entry")
    }
    // Decoded as a scan decodes it: the state or value parsed after the envelope.
    let parsed = JournalLine(
      line: number, end: 0, seq: seq, hash: hash, members: members,
      deferred: ranges.mapValues { bytes[$0] })
    return (try parsed.entry(), parsed.txn, seq, prev)
  }

  /// The framed line (without its newline) the journal writer writes for this entry.
  package func framedLine(txn: UInt64, seq: UInt64, prev: String) -> [UInt8] {
    var bytes: [UInt8] = []
    _ = JournalFormat.appendLine(self, txn: txn, seq: seq, prev: prev, to: &bytes)
    return Array(bytes.dropLast())
  }
}
