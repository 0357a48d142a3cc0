/// Why a bundle or a merge was refused: what, where, and what to do (SPEC.md §8).
///
/// The CLI maps ``Code`` to an exit status: authentication and ownership to 77, everything
/// else to 65.
public struct SyncError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The kind of refusal.
  public enum Code: Sendable, Equatable {
    /// The bytes are not a bundle, are damaged, incomplete, replayed out of order, or carry
    /// invalid records or clocks.
    case invalid
    /// The bundle's MAC does not verify, its key is unknown or revoked, or it claims a sender
    /// other than the key's owner.
    case authentication
    /// The bundle writes a record its sender does not own.
    case notPermitted
  }

  /// The kind of refusal.
  public var code: Code
  /// What went wrong, where.
  public var message: String
  /// What to do about it, in words.
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

  public var description: String { hint.map { "\(message)\n\($0)" } ?? message }
}
