/// What the person can do next about a failure, as an action: each front end phrases it (the
/// command-line tool as a command line), so the engine's messages stay free of any one front end.
///
/// An error's hint says in words what to do and, when it carries a remedy, ends where the action
/// fits ("Check the repository for a full report:"); the front end adds the action there.
public enum Remedy: Sendable, Equatable {
  /// Make a submission for head office (a branch).
  case submit
  /// Make a reply for an office (head office).
  case reply
  /// Apply head office's reply (a branch).
  case receive
  /// Merge an office's submission (head office).
  case merge
  /// Enroll an office at head office, which issues its key; `office` when it is known.
  case enroll(office: String?)
  /// Create this office's repository with the key file head office issued to it.
  case createWithKey(office: String)
  /// Create a repository (in `repository`, when a folder was named).
  case create(repository: String?)
  /// Install a new key file from head office in this office's existing repository.
  case installKey
  /// Revoke an office's key at head office.
  case revoke(office: String)
  /// Enroll an office anew at head office (after revoking its key, when `revoke`) and install
  /// the new key at the office.
  case reenroll(office: String, revoke: Bool)
  /// Check the whole repository and report every problem.
  case verify
  /// Have the sender make the bundle again: a submission (an office) or a reply (head office).
  case makeBundleAgain
  /// Have the office check its repository, then make a new submission.
  case verifyAndSubmit
  /// Look at a record's conflict and decide it (head office).
  case resolve(collection: String, record: String)
}
