import Outpost
import OutpostStore
import OutpostSync

/// What a command reads from a file argument: its limit, and how refusals speak of it.
package enum InputKind: Sendable {
  case bundle, importData, keyFile, schemaFile, definitions, importProfile

  /// The limit for this kind.
  func limit(_ limits: InputLimits) -> Int64 {
    switch self {
    case .bundle: limits.bundle
    case .importData: limits.importData
    case .keyFile: limits.keyFile
    case .schemaFile: limits.schemaFile
    case .definitions: limits.definitions
    case .importProfile: Int64(ImportProfile.maximumBytes)
    }
  }

  /// The noun for messages.
  var noun: String {
    switch self {
    case .bundle: "a bundle"
    case .importData: "import data"
    case .keyFile: "a key file"
    case .schemaFile: "a schema file"
    case .definitions: "a KPI definitions file"
    case .importProfile: "an import profile"
    }
  }

  /// What was not done, for the end of a refusal.
  var nothingDone: String { self == .bundle ? "nothing was imported" : "nothing was changed" }

  /// What to do about a path that is not a regular file.
  var notRegularHint: String {
    switch self {
    case .importData:
      "Save the data to a file and pass its path, or pass '-' to read standard input "
        + "(outpost import COLLECTION - < FILE)."
    case .bundle: "Pass the bundle file itself (copy it to a regular file first)."
    case .keyFile: "Pass the key file head office gave you (copy it to a regular file first)."
    case .schemaFile, .definitions, .importProfile:
      "Pass a regular file (copy the document to one first)."
    }
  }

  /// What to do about a file over the limit.
  var tooLargeHint: String {
    switch self {
    case .importData:
      "Split the file (by month, say) and import each part: each import is its own "
        + "transaction, and importing a part twice changes nothing."
    case .bundle:
      "Ask the sender to make it again ('outpost submit' or 'outpost reply'); a bundle Outpost "
        + "makes is never this large."
    case .keyFile: "A key file is a few hundred bytes; pass the key file head office gave you."
    case .schemaFile: "A schema file is small; check that this is the right file (SPEC.md §2.6)."
    case .definitions:
      "Start from 'outpost kpi definitions --format json' and check that this is the right file."
    case .importProfile:
      "A profile is a few kilobytes; check that this is the profile file (SPEC.md §3.6)."
    }
  }
}

extension Context {
  /// Reads a file named on the command line.
  ///
  /// What is not a regular file, or is over the kind's limit, is refused (SPEC.md §7). Call it
  /// before the repository's lock is taken.
  ///
  /// - Returns: the bytes and the file's permission bits.
  func readInputFile(_ argument: String, _ kind: InputKind) throws -> (bytes: [UInt8], mode: UInt32)
  {
    do throws(InputFileError) {
      return try fileSystem.readInputFile(resolve(argument), limit: kind.limit(limits))
    } catch {
      throw refusal(argument, kind, error)
    }
  }

  /// Checks a file named on the command line as ``readInputFile(_:_:)`` does, without reading
  /// it, so that a command can refuse it before taking the repository's lock.
  func checkInputFile(_ argument: String, _ kind: InputKind) throws {
    do throws(InputFileError) {
      try fileSystem.checkInputFile(resolve(argument), limit: kind.limit(limits))
    } catch {
      throw refusal(argument, kind, error)
    }
  }

  /// Reads standard input (`-`) to its end, refusing more than the kind's limit.
  func readStandardInput(_ kind: InputKind) throws -> [UInt8] {
    let limit = kind.limit(limits)
    let bytes = try console.readInput(upTo: Int(clamping: limit) + 1)
    guard bytes.count <= limit else {
      throw CLIError(
        .dataError,
        "standard input holds more than \(InputLimits.words(limit)), the limit for "
          + "\(kind.noun); \(kind.nothingDone)", hint: kind.tooLargeHint)
    }
    return bytes
  }

  private func refusal(_ argument: String, _ kind: InputKind, _ error: InputFileError) -> CLIError {
    let limit = InputLimits.words(kind.limit(limits))
    let keyFile = kind == .keyFile ? "key file " : ""
    switch error {
    case .missing:
      return CLIError(.noInput, "cannot read \(keyFile)'\(argument)': no such file")
    case .symbolicLink:
      return CLIError(
        .dataError,
        "'\(argument)' is a symbolic link; Outpost never follows them in input files; "
          + kind.nothingDone, hint: "Pass the file itself.")
    case .notRegular(let what):
      return CLIError(
        .dataError,
        "'\(argument)' is \(InputFileError.describe(what)), not a regular file; Outpost reads "
          + "\(kind.noun) only from a regular file; \(kind.nothingDone)",
        hint: kind.notRegularHint)
    case .tooLarge(let size?, _) where kind == .bundle:
      return CLIError(
        .dataError,
        "\(argument) is larger than \(limit) (\(size) bytes); \(kind.nothingDone)",
        hint: kind.tooLargeHint)
    case .tooLarge(let size?, _):
      return CLIError(
        .dataError,
        "'\(argument)' is \(size) bytes, over the \(limit) limit for \(kind.noun); "
          + kind.nothingDone, hint: kind.tooLargeHint)
    case .tooLarge(nil, _):
      return CLIError(
        .dataError,
        "'\(argument)' grew past the \(limit) limit for \(kind.noun) while it was read; "
          + kind.nothingDone, hint: kind.tooLargeHint)
    case .unreadable(let error):
      return CLIError(.noInput, "cannot read \(keyFile)'\(argument)': \(error.errno)")
    }
  }
}

extension Commands {
  /// Reads a key file (`init --key`, `office key`).
  ///
  /// A key file other users can read is accepted with a warning on standard error, as ssh
  /// warns of an unprotected private key (SPEC.md §8.1): it often arrives on a USB stick whose
  /// file system cannot keep modes, and Outpost keeps its own copy with mode 0600 anyway.
  static func readKeyFile(_ context: Context, _ argument: String) throws -> [UInt8] {
    let (bytes, mode) = try context.readInputFile(argument, .keyFile)
    if mode & 0o077 != 0 {
      let octal = "0" + String(mode & 0o777, radix: 8)
      context.console.err(
        "warning: unprotected key file: '\(argument)' has mode \(octal), so other users of this "
          + "computer can read the office's secret.\n"
          + "  Outpost keeps its own copy with mode 0600; once the repository has the key, delete "
          + "'\(argument)' or run: chmod 600 '\(argument)'\n")
    }
    return bytes
  }
}
