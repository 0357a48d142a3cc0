import OutpostModel
import OutpostStore
import OutpostSync

/// Why an operation of the engine failed: what, where, and what to do.
///
/// The message is for a person and names what it can; ``location`` holds the same facts as
/// fields, for a program. Hints say what to do in words, never as a command line: a
/// ``remedy`` carries the action, which the command-line tool phrases as its command line. Every code maps to one exit status of SPEC.md §7, in one
/// place (the CLI's `ExitStatus`).
public struct OutpostError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The kind of failure.
  public enum Code: Sendable, Equatable, CaseIterable {
    /// The request itself is wrong: an unknown collection, KPI or period, a malformed option.
    case invalidRequest
    /// Input data is invalid (ids, values, collisions, a bundle that fails its checks);
    /// nothing was written.
    case invalidData
    /// The repository's own files are damaged.
    case corrupt
    /// A format version this build does not know.
    case unsupportedFormat
    /// No repository at the path.
    case notARepository
    /// A named record, file or office does not exist.
    case notFound
    /// Something already exists where it was to be created.
    case alreadyExists
    /// The storage refused a write (read-only file system, permissions).
    case cannotWrite
    /// An I/O error, including a full disk.
    case io
    /// Another process holds the writer lock.
    case locked
    /// This replica may not do that (ownership, a revoked or unknown key).
    case notPermitted
  }

  /// Where a failure is: each member is set when known.
  public struct Location: Sendable, Equatable {
    /// The input file, bundle or repository file.
    public var file: String?
    /// The line in ``file`` (1-based).
    public var line: Int?
    /// The column in ``line`` (1-based), or nil.
    public var column: Int?
    /// The collection.
    public var collection: String?
    /// The record id.
    public var record: String?
    /// The field (or input column).
    public var field: String?
    /// The import profile member involved (`formats.spend`, SPEC.md §3.6).
    public var rule: String?

    /// A location with the given members.
    public init(
      file: String? = nil, line: Int? = nil, column: Int? = nil, collection: String? = nil,
      record: String? = nil, field: String? = nil, rule: String? = nil
    ) {
      self.file = file
      self.line = line
      self.column = column
      self.collection = collection
      self.record = record
      self.field = field
      self.rule = rule
    }
  }

  /// What the person can do next, as an action, which the front end phrases.
  ///
  /// The command-line tool phrases it as a command line, so the engine's messages stay free of
  /// any one front end. The store's and the sync rules' errors carry the same type.
  public typealias Remedy = OutpostSync.Remedy

  /// The kind of failure.
  public var code: Code
  /// What went wrong, where.
  public var message: String
  /// What to do about it, if anything helps.
  public var hint: String?
  /// Where, as fields.
  public var location: Location
  /// What to do next, as an action (see ``Remedy``), when one helps.
  public var remedy: Remedy?
  /// The individual problems, each with its own location, when this failure gathers several
  /// (an import refused for its rows); empty otherwise.
  public var problems: [OutpostError] = []

  /// Creates an error.
  public init(
    _ code: Code, _ message: String, hint: String? = nil, remedy: Remedy? = nil,
    location: Location = .init()
  ) {
    self.code = code
    self.message = message
    self.hint = hint
    self.remedy = remedy
    self.location = location
  }

  /// The same failure, from the store.
  public init(_ error: StoreError) {
    let code: Code =
      switch error.code {
      case .notARepository: .notARepository
      case .alreadyExists: .alreadyExists
      case .locked: .locked
      case .invalidData: .invalidData
      case .corrupt: .corrupt
      case .unsupportedFormat: .unsupportedFormat
      case .notPermitted: .notPermitted
      case .cannotWrite: .cannotWrite
      case .io: .io
      case .notFound: .notFound
      }
    self.init(code, error.message, hint: error.hint, remedy: error.remedy)
  }

  /// The same refusal, from the sync rules.
  public init(_ error: SyncError) {
    self.init(StoreError(error))
  }

  /// Invalid data for the record model, at `location`.
  public init(_ error: ModelError, location: Location = .init()) {
    self.init(.invalidData, error.message, location: location)
  }

  public var description: String { hint.map { "\(message)\n\($0)" } ?? message }
}
