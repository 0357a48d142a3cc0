/// Invalid data for the record model: a bad id, a cell that does not fit its column, a schema
/// that cannot be used.
///
/// The message says what is wrong and, where it helps, what to write instead. Callers add the
/// location (file, line, column) they know about.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What is wrong.
  public var message: String

  /// Creates an error with a message.
  public init(_ message: String) { self.message = message }

  public var description: String { message }
}
