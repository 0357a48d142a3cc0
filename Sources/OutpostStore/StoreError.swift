import OutpostSync

/// Why a repository operation failed: what, where, and what to do.
///
/// The CLI maps ``Code`` to an exit status (SPEC.md §7); the message is for a person. Hints
/// name no command: a ``Remedy`` carries the action, which the front end phrases.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The kind of failure.
  public enum Code: Sendable, Equatable {
    /// No repository at the path.
    case notARepository
    /// Something already exists where a repository was to be created.
    case alreadyExists
    /// Another process holds the writer lock.
    case locked
    /// Input data is invalid (ids, values, collisions); nothing was written.
    case invalidData
    /// The repository's own files are damaged; the repository's verification tells more.
    case corrupt
    /// A format version this build does not know.
    case unsupportedFormat
    /// This replica may not write that record or collection.
    case notPermitted
    /// The storage refused a write (read-only file system, permissions).
    case cannotWrite
    /// An I/O error, including a full disk.
    case io
    /// A named record, collection or file does not exist.
    case notFound
  }

  /// The kind of failure.
  public var code: Code
  /// What went wrong, where.
  public var message: String
  /// What to do about it, in words, if anything helps.
  public var hint: String?
  /// What to do next, as an action (see ``Remedy``), when one helps.
  public var remedy: Remedy?

  /// Creates an error.
  public init(_ code: Code, _ message: String, hint: String? = nil, remedy: Remedy? = nil) {
    self.code = code
    self.message = message
    self.hint = hint
    self.remedy = remedy
  }

  public var description: String {
    guard let hint else { return message }
    return "\(message)\n\(hint)"
  }

  /// Wraps a failed file operation during a write, with the repository state promise.
  package static func writeFailed(_ error: FileSystemError, _ what: String) -> StoreError {
    switch error.errno {
    case .noSpace, .quotaExceeded:
      return StoreError(
        .io, "disk full while writing '\(error.path)'; \(what)",
        hint: "Free some space and run the command again.")
    case .readOnlyFileSystem:
      return StoreError(
        .cannotWrite, "the repository is on a read-only file system (EROFS); \(what)",
        hint: "Read commands still work; copy the repository to writable storage to change it.")
    case .accessDenied, .notPermitted:
      return StoreError(
        .cannotWrite, "permission denied writing '\(error.path)'; \(what)",
        hint: "Check the owner and permissions of the repository folder.")
    case FaultInjectingFileSystem.crashed:
      return StoreError(.io, "simulated crash at \(error.operation) '\(error.path)'")
    default:
      return StoreError(
        .io, "storage error: \(error); \(what)",
        hint: "Check the repository before retrying:", remedy: .verify)
    }
  }

  /// Wraps a failed read of a repository file.
  package static func readFailed(_ error: FileSystemError) -> StoreError {
    if error.errno == .noSuchFile {
      return StoreError(
        .corrupt, "missing repository file '\(error.path)'", hint: RecordFile.verifyHint,
        remedy: .verify)
    }
    if error.errno == .tooManySymlinks {
      return StoreError(.corrupt, "'\(error.path)' is a symbolic link; Outpost never follows them")
    }
    return StoreError(.io, "cannot read: \(error)")
  }
}
