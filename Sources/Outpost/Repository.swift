import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// An Outpost repository: the entry point for an app that embeds the engine.
///
/// A `Repository` is a value naming a folder. Each operation opens the folder for as long as
/// it runs and closes it again: reads open a snapshot (``RepositoryReader``) that never waits,
/// writes take the single writer's lock (``RepositoryWriter``) and fail with
/// ``OutpostError/Code/locked`` while another process holds it. Several steps under one lock
/// go through ``write(_:)``; several reads of one snapshot through ``read(_:)``.
///
/// ```swift
/// let north = try Repository.create(at: "north", office: "north", key: keyFileBytes)
/// try north.importRecords(.csv(csvBytes), into: "orders", name: "orders.csv")
/// let submission = try north.submit()
/// ```
public struct Repository: Sendable {
  /// The repository folder.
  public let path: String
  /// The file system it lives on (a test can pass an in-memory one).
  public let fileSystem: any FileSystem
  /// The clock for timestamps.
  public let now: @Sendable () -> Timestamp
  /// Receives what opening the repository repaired after an interrupted write (one line each);
  /// nil ignores them.
  public var onNotice: (@Sendable (String) -> Void)?

  /// The repository in `path`, which must exist (see ``create(at:office:role:key:fileSystem:now:)``).
  public init(
    at path: String, fileSystem: any FileSystem = PosixFileSystem(),
    now: @escaping @Sendable () -> Timestamp = Repository.systemClock
  ) {
    self.path = path
    self.fileSystem = fileSystem
    self.now = now
  }

  /// The system's clock, in UTC.
  public static let systemClock: @Sendable () -> Timestamp = {
    Timestamp(secondsSinceEpoch: Platform.secondsSinceEpoch)
  }

  /// Creates a repository in `path`, which must not exist or be an empty folder.
  ///
  /// - Parameters:
  ///   - office: this replica's office id (`north`, `hq`, …).
  ///   - role: a branch office, or head office.
  ///   - key: a branch's key file, as head office issued it (``enroll(_:)``); a branch without
  ///     one is created unenrolled and cannot submit until it installs one.
  public static func create(
    at path: String, office: String, role: RepositoryRole = .branch, key: [UInt8]? = nil,
    fileSystem: any FileSystem = PosixFileSystem(),
    now: @escaping @Sendable () -> Timestamp = Repository.systemClock
  ) throws(OutpostError) -> Repository {
    try create(
      at: path, office: office, role: role, key: key.map { ($0, "") },
      fileSystem: fileSystem, now: now)
  }

  /// Creates a repository in `path` with a key file named `key.name` in messages (empty for
  /// none).
  public static func create(
    at path: String, office: String, role: RepositoryRole,
    key: (bytes: [UInt8], name: String)?,
    fileSystem: any FileSystem = PosixFileSystem(),
    now: @escaping @Sendable () -> Timestamp = Repository.systemClock
  ) throws(OutpostError) -> Repository {
    let replica = try Self.replicaID(office)
    var officeKey: OfficeKey?
    if let (key, name) = key {
      guard role == .branch else {
        throw OutpostError(
          .invalidRequest, "a key file is for a branch repository; head office issues keys")
      }
      do { officeKey = try OfficeKey(fileBytes: key, path: name.isEmpty ? "the key" : name) } catch
      {
        throw OutpostError(.invalidData, error.message, hint: error.hint, remedy: error.remedy)
      }
      guard officeKey?.office == replica else {
        throw OutpostError(
          .invalidData,
          "the key file\(name.isEmpty ? "" : " '\(name)'") was issued to office '\(officeKey?.office.rawValue ?? "")', not "
            + "'\(replica)'; nothing was created")
      }
    }
    do {
      let writer = try RepositoryWriter.create(
        at: path, replica: replica, role: role, fileSystem: fileSystem, now: now)
      defer { writer.close() }
      if let officeKey { try writer.installKey(officeKey) }
    } catch { throw OutpostError(error) }
    return Repository(at: path, fileSystem: fileSystem, now: now)
  }

  // MARK: Snapshots and the writer

  /// Runs `body` on a snapshot of the repository.
  public func read<Result>(_ body: (RepositoryReader) throws(OutpostError) -> Result)
    throws(OutpostError) -> Result
  {
    let reader = try open(RepositoryReader.self)
    defer { reader.close() }
    return try body(reader)
  }

  /// Runs `body` as the repository's single writer, holding the lock throughout; the writer
  /// keeps ``caches`` in step.
  public func write<Result>(_ body: (RepositoryWriter) throws(OutpostError) -> Result)
    throws(OutpostError) -> Result
  {
    let writer = try open(RepositoryWriter.self)
    writer.caches = Self.caches
    defer { writer.close() }
    return try body(writer)
  }

  private func open<Kind: RepositoryReader>(_ kind: Kind.Type) throws(OutpostError) -> Kind {
    let repository: Kind
    do { repository = try kind.open(at: path, fileSystem: fileSystem, now: now) } catch {
      throw OutpostError(error)
    }
    if let onNotice { for notice in repository.notices { onNotice(notice) } }
    return repository
  }

  // MARK: Records

  /// Imports every row of `source` into `collection`, all or none (SPEC.md §3.2).
  ///
  /// - Parameter name: the source's name in messages and the journal.
  @discardableResult
  public func importRecords(
    _ source: ImportSource, into collection: String, name: String = "rows",
    profile: ImportProfile? = nil, note: String? = nil
  ) throws(OutpostError) -> ImportResult {
    try write { writer throws(OutpostError) in
      try writer.importRecords(source, into: collection, name: name, profile: profile, note: note)
    }
  }

  /// Creates or changes one record from cells written as in a CSV row (empty means null).
  @discardableResult
  public func put(
    _ collection: String, _ id: String, _ cells: [String: String], note: String? = nil
  ) throws(OutpostError) -> CommitSummary {
    let recordID = try Self.recordID(id)
    return try write { writer throws(OutpostError) in
      try writer.put(
        cells.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, into: collection,
        id: recordID, command: "put \(collection) \(id)", note: note)
    }
  }

  /// Deletes one record.
  @discardableResult
  public func delete(_ collection: String, _ id: String, note: String? = nil)
    throws(OutpostError) -> CommitSummary
  {
    let recordID = try Self.recordID(id)
    return try write { writer throws(OutpostError) in
      do throws(StoreError) {
        return try writer.commit(
          [.delete(collection: collection, id: recordID)], command: "delete \(collection) \(id)",
          note: note)
      } catch { throw OutpostError(error) }
    }
  }

  /// One record's row (its provisional values; see ``Records/row(_:_:_:)``), or nil when it
  /// does not exist or is deleted.
  public func record(_ collection: String, _ id: String) throws(OutpostError) -> JSONObject? {
    let recordID = try Self.recordID(id)
    return try read { reader throws(OutpostError) -> JSONObject? in
      do throws(StoreError) {
        let schema = try reader.schema(collection)
        guard let state = try reader.state(collection, recordID), !state.isDeleted else {
          return nil
        }
        return Records.row(schema, recordID, state)
      } catch { throw OutpostError(error) }
    }
  }

  /// Every live record of `collection` as a row, sorted by id.
  public func records(_ collection: String) throws(OutpostError) -> [JSONObject] {
    try read { reader throws(OutpostError) in
      do throws(StoreError) {
        let schema = try reader.schema(collection)
        return try reader.states(collection).filter { !$0.state.isDeleted }.map {
          Records.row(schema, $0.id, $0.state)
        }
      } catch { throw OutpostError(error) }
    }
  }

  static func replicaID(_ text: String) throws(OutpostError) -> ReplicaID {
    do { return try ReplicaID(text) } catch { throw OutpostError(.invalidRequest, error.message) }
  }

  static func recordID(_ text: String) throws(OutpostError) -> RecordID {
    do { return try RecordID(text) } catch {
      throw OutpostError(.invalidData, error.message, location: .init(record: text))
    }
  }

  // MARK: Sync

  /// Enrolls an office (head office) and returns its key; give ``OfficeKey/fileBytes`` to
  /// that office only.
  public func enroll(_ office: String) throws(OutpostError) -> OfficeKey {
    let replica = try Self.replicaID(office)
    return try write { writer throws(OutpostError) in
      do throws(StoreError) { return try writer.enroll(replica) } catch {
        throw OutpostError(error)
      }
    }
  }

  /// Today, by this repository's clock (for KPI periods still open).
  var today: CivilDate? { now().date }

  /// Revokes an office's key (head office): its bundles are refused from now on.
  public func revoke(_ office: String) throws(OutpostError) {
    let replica = try Self.replicaID(office)
    try write { writer throws(OutpostError) in
      do throws(StoreError) { try writer.revoke(replica) } catch { throw OutpostError(error) }
    }
  }

  /// Installs a new key head office issued to this branch after re-enrolling it; the exchange
  /// restarts (SPEC.md §8.1).
  ///
  /// - Returns: false when that key was already installed.
  @discardableResult
  public func installKey(_ keyFile: [UInt8]) throws(OutpostError) -> Bool {
    let key: OfficeKey
    do { key = try OfficeKey(fileBytes: keyFile, path: "the key file") } catch {
      throw OutpostError(error)
    }
    return try write { writer throws(OutpostError) in try writer.installNewKey(key) }
  }

  /// Makes the next submission for head office (a branch), with its KPI report.
  public func submit() throws(OutpostError) -> MadeBundle {
    try write { writer throws(OutpostError) in try writer.submit(today: today) }
  }

  /// Merges an office's submission (head office), all or nothing, and reconciles the KPI
  /// report it carries with head office's own computation (SPEC.md §9.7).
  public func merge(_ bundle: [UInt8], name: String) throws(OutpostError) -> MergeResult {
    try write { writer throws(OutpostError) in
      let report = try writer.merge(bundle, name: name)
      return MergeResult(
        report: report,
        reconciliation: try KPIReconciliation.check(report, in: writer, today: today))
    }
  }

  /// Makes the next reply for an office (head office).
  public func reply(to office: String) throws(OutpostError) -> MadeBundle {
    let replica = try Self.replicaID(office)
    return try write { writer throws(OutpostError) in
      try writer.reply(to: replica, today: today)
    }
  }

  /// Applies head office's reply (a branch), all or nothing.
  public func receive(_ bundle: [UInt8], name: String) throws(OutpostError) -> ApplyReport {
    try write { writer throws(OutpostError) in try writer.receive(bundle, name: name) }
  }

  // MARK: Conflicts

  /// Every record with an open conflict, sorted by collection and id.
  public func conflicts() throws(OutpostError) -> [(
    collection: String, id: RecordID, state: RecordState
  )] {
    try read { reader throws(OutpostError) in
      do throws(StoreError) { return try reader.conflicts() } catch { throw OutpostError(error) }
    }
  }

  /// Settles one conflict at head office: take an office's values, or set values.
  @discardableResult
  public func resolve(
    _ collection: String, _ id: String, _ choice: ResolutionChoice, note: String? = nil
  ) throws(OutpostError) -> (resolutionID: RecordID, chosen: [String: JSONValue]) {
    let recordID = try Self.recordID(id)
    return try write { writer throws(OutpostError) in
      try writer.checkHeadOffice("conflicts are resolved")
      do throws(StoreError) {
        return try writer.resolve(collection: collection, id: recordID, choice: choice, note: note)
      } catch { throw OutpostError(error) }
    }
  }

  // MARK: KPIs

  /// Computes KPIs with the definitions in force (head office's latest published version, else
  /// the built-in catalog; SPEC.md §9); a request without `today` uses this repository's clock.
  public func kpis(_ request: KPIRequest = KPIRequest()) throws(OutpostError) -> KPIResult {
    var request = request
    if request.today == nil { request.today = today }
    return try read { reader throws(OutpostError) in try request.compute(in: reader) }
  }

  /// Scores every office for a period against head office's targets (SPEC.md §9.5); a request
  /// without `today` uses this repository's clock.
  public func scorecard(_ request: ScorecardRequest) throws(OutpostError) -> ScorecardReport {
    var request = request
    if request.today == nil { request.today = today }
    return try read { reader throws(OutpostError) in try request.compute(in: reader) }
  }

  // MARK: Checking

  /// Checks every checksum, the journal chain, every record file and the caches; reads only.
  public func verify() throws(OutpostError) -> VerifyReport {
    try read { reader throws(OutpostError) in Self.verify(reader) }
  }

  /// The caches Outpost keeps in step with every commit (SPEC.md §4.5): what its writers
  /// install and `verify` checks.
  public static var caches: [any RecordCache] { [KPIAggregateCache()] }

  /// Checks `reader` (``RepositoryReader/verify()``) and the caches Outpost keeps
  /// (``RepositoryReader/verifyCaches(_:)``), in one report.
  public static func verify(_ reader: RepositoryReader) -> VerifyReport {
    var report = reader.verify()
    let caches = reader.verifyCaches(Self.caches)
    report.problems += caches.problems
    report.notes += caches.notes
    return report
  }
}

/// What merging a submission did.
public struct MergeResult: Sendable {
  /// Each record's outcome, the conflicts opened, and what the bundle was.
  public var report: ApplyReport
  /// The check of the branch's KPI report against head office's computation; nil when the
  /// bundle had been merged before or carries no report.
  public var reconciliation: KPIReconciliation?
}
