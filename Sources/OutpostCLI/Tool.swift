import Outpost
import OutpostModel
import OutpostStore
import Synchronization

/// Exit statuses (SPEC.md §7), from `sysexits.h`.
package enum ExitStatus: Int32, Sendable {
  case success = 0
  case failure = 1
  case usage = 64
  case dataError = 65
  case noInput = 66
  case software = 70
  case cannotCreate = 73
  case ioError = 74
  case temporaryFailure = 75
  case permissionDenied = 77
}

/// A failure the CLI reports: message, hint and exit status.
package struct CLIError: Error, Sendable, CustomStringConvertible {
  /// The exit status.
  package var status: ExitStatus
  /// What went wrong, where.
  package var message: String
  /// What to do.
  package var hint: String?

  package init(_ status: ExitStatus, _ message: String, hint: String? = nil) {
    self.status = status
    self.message = message
    self.hint = hint
  }

  package var description: String { message }

  /// Maps a store error to its exit status, as the engine's error it is.
  package init(_ error: StoreError) {
    self.init(OutpostError(error))
  }

  /// Maps an engine error to its exit status: the one place where codes meet SPEC.md §7.
  package init(_ error: OutpostError) {
    let status: ExitStatus =
      switch error.code {
      case .invalidRequest: .usage
      case .invalidData, .corrupt, .unsupportedFormat: .dataError
      case .notARepository, .notFound: .noInput
      case .alreadyExists, .cannotWrite: .cannotCreate
      case .io: .ioError
      case .locked: .temporaryFailure
      case .notPermitted: .permissionDenied
      }
    self.init(status, error.message, hint: Self.hint(error.hint, error.remedy))
  }

  /// The hint line: the engine's words, then the command line of its remedy, if any.
  package static func hint(_ words: String?, _ remedy: Remedy?) -> String? {
    let hint = [words, remedy.map(commandLine)].compactMap { $0 }.joined(separator: " ")
    return hint.isEmpty ? nil : hint
  }

  /// The command line that carries out a remedy: the one place the engine's actions become
  /// `outpost` commands.
  static func commandLine(_ remedy: Remedy) -> String {
    switch remedy {
    case .submit: "outpost submit --out FILE"
    case .reply: "outpost reply OFFICE --out FILE"
    case .receive: "outpost receive FILE"
    case .merge: "outpost merge FILE"
    case .enroll(let office?): "outpost office add \(office) --key-out \(office).key"
    case .enroll(nil): "outpost office add OFFICE --key-out FILE"
    case .createWithKey(let office): "outpost init --office \(office) --key FILE"
    case .create(let repository?): "outpost init --office ID --repo \(repository)"
    case .create(nil): "outpost init --office ID"
    case .installKey: "outpost office key FILE"
    case .revoke(let office): "outpost office revoke \(office)"
    case .reenroll(let office, let revoke):
      (revoke ? "outpost office revoke \(office), " : "")
        + "outpost office add \(office) --key-out FILE, then at the office: "
        + "outpost office key FILE"
    case .verify: "outpost verify"
    case .makeBundleAgain: "outpost submit (at an office) or outpost reply (at head office)"
    case .verifyAndSubmit: "outpost verify, then outpost submit --out FILE"
    case .resolve(let collection, let record):
      "outpost conflicts show \(collection)/\(record), then outpost resolve "
        + "\(collection)/\(record) --take OFFICE | --set FIELD=VALUE"
    }
  }
}

/// Where a command's output goes; tests capture it in memory.
package final class Console: Sendable {
  private let state = Mutex<(out: [UInt8], err: [UInt8])>(([], []))
  private let passthrough: Bool
  /// Reads standard input to its end, or until the given number of bytes.
  private let input: @Sendable (Int) throws -> [UInt8]
  /// Input not yet consumed by ``readLine()`` (capturing consoles only).
  private let pending = Mutex<[UInt8]?>(nil)
  /// Whether a person is at a terminal on both standard input and output.
  package let isInteractive: Bool
  /// Whether standard error is a terminal (progress lines and colour go there only then).
  package let errorIsTerminal: Bool
  /// Whether a progress line is on screen.
  private let progressShown = Mutex(false)

  /// The process's standard streams.
  package static func standard() -> Console {
    Console(
      passthrough: true,
      interactive: Platform.isTerminal(Platform.standardInput)
        && Platform.isTerminal(Platform.standardOutput),
      errorIsTerminal: Platform.isTerminal(Platform.standardError),
      boundedInput: { limit in
        do { return try Platform.readAll(Platform.standardInput, limit: limit) } catch {
          throw CLIError(.ioError, "cannot read standard input: \(error)")
        }
      })
  }

  /// A console that records output and serves `input` as standard input; `interactive`
  /// pretends a terminal is attached (tests of `outpost review`).
  package convenience init(
    passthrough: Bool = false, interactive: Bool = false, errorIsTerminal: Bool = false,
    input: @escaping @Sendable () throws -> [UInt8] = { [] }
  ) {
    self.init(
      passthrough: passthrough, interactive: interactive, errorIsTerminal: errorIsTerminal,
      boundedInput: { limit in Array(try input().prefix(limit)) })
  }

  private init(
    passthrough: Bool, interactive: Bool, errorIsTerminal: Bool,
    boundedInput: @escaping @Sendable (Int) throws -> [UInt8]
  ) {
    self.passthrough = passthrough
    self.isInteractive = interactive
    self.errorIsTerminal = errorIsTerminal
    self.input = boundedInput
  }

  /// Shows a one-line progress message on standard error, only when it is a terminal; the next
  /// progress message or ``endProgress()`` replaces it.
  package func progress(_ text: String) {
    guard errorIsTerminal else { return }
    progressShown.withLock { $0 = true }
    let line = "\r\u{1B}[K" + String(text.prefix(78))
    if passthrough {
      Platform.writeAll(Platform.standardError, Array(line.utf8))
    } else {
      state.withLock { $0.err.append(contentsOf: line.utf8) }
    }
  }

  /// Clears the progress line, if one is shown.
  package func endProgress() {
    let shown = progressShown.withLock { value in
      defer { value = false }
      return value
    }
    guard shown else { return }
    if passthrough {
      Platform.writeAll(Platform.standardError, Array("\r\u{1B}[K".utf8))
    } else {
      state.withLock { $0.err.append(contentsOf: "\r\u{1B}[K".utf8) }
    }
  }

  /// Reads one line of standard input without its line end; nil at the end of input.
  package func readLine() throws -> String? {
    if passthrough {
      var line: [UInt8] = []
      var byte: UInt8 = 0
      while true {
        let read = withUnsafeMutableBytes(of: &byte) {
          Platform.readBytes(Platform.standardInput, $0.baseAddress!, 1)
        }
        guard case .success(let n) = read else {
          throw CLIError(.ioError, "cannot read standard input")
        }
        if n == 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
        if byte == UInt8(ascii: "\n") { break }
        line.append(byte)
      }
      if line.last == UInt8(ascii: "\r") { line.removeLast() }
      return String(decoding: line, as: UTF8.self)
    }
    let all = try pending.withLock { $0 } ?? input(.max)
    guard !all.isEmpty else {
      pending.withLock { $0 = [] }
      return nil
    }
    let end = all.firstIndex(of: UInt8(ascii: "\n")) ?? all.endIndex
    pending.withLock { $0 = end < all.endIndex ? Array(all[(end + 1)...]) : [] }
    return String(decoding: all[..<end], as: UTF8.self)
  }

  /// Writes to standard output.
  package func out(_ text: String) {
    if passthrough {
      Platform.writeAll(Platform.standardOutput, Array(text.utf8))
    } else {
      state.withLock { $0.out.append(contentsOf: text.utf8) }
    }
  }

  /// Writes bytes to standard output as they are: text in another encoding than UTF-8
  /// (`--encoding gb18030`), or with a byte order mark.
  package func out(bytes: [UInt8]) {
    if passthrough {
      Platform.writeAll(Platform.standardOutput, bytes)
    } else {
      state.withLock { $0.out.append(contentsOf: bytes) }
    }
  }

  /// Writes to standard error.
  package func err(_ text: String) {
    if passthrough {
      Platform.writeAll(Platform.standardError, Array(text.utf8))
    } else {
      state.withLock { $0.err.append(contentsOf: text.utf8) }
    }
  }

  /// Reads standard input to its end, or until `limit` bytes (pass the most you accept plus
  /// one to tell a longer input from one at the limit).
  package func readInput(upTo limit: Int) throws -> [UInt8] { try input(limit) }

  /// What was written to standard output (capturing consoles only).
  package var output: String { state.withLock { String(decoding: $0.out, as: UTF8.self) } }
  /// What was written to standard output, byte for byte (capturing consoles only).
  package var outputBytes: [UInt8] { state.withLock { $0.out } }
  /// What was written to standard error (capturing consoles only).
  package var errors: String { state.withLock { String(decoding: $0.err, as: UTF8.self) } }
}

/// The context a command runs in.
package struct Context: Sendable {
  /// The parsed command line.
  package var invocation: Invocation
  /// Output streams.
  package var console: Console
  /// Environment variables.
  package var environment: [String: String]
  /// The file system (tests inject faults here).
  package var fileSystem: any FileSystem
  /// The working directory, for relative paths.
  package var workingDirectory: String
  /// The size limits of input files (SPEC.md §7); tests lower them.
  package var limits: InputLimits = .standard

  /// The repository path: `--repo`, else the working directory.
  package var repositoryPath: String { resolve(invocation.globals.repo ?? ".") }

  /// An absolute path for a command-line path.
  package func resolve(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    if path == "." { return workingDirectory }
    return workingDirectory + "/" + path
  }

  /// Whether to colour messages: standard error is a terminal and `NO_COLOR` is not set
  /// (https://no-color.org).
  package var colors: Bool { console.errorIsTerminal && environment["NO_COLOR"] == nil }

  /// The output format asked for, or `fallback`.
  package func format(_ fallback: OutputFormat = .text) -> OutputFormat {
    invocation.globals.format ?? fallback
  }

  /// The clock: `OUTPOST_NOW` if set (for reproducible runs and tests), else the wall clock.
  ///
  /// ``Tool`` refuses an `OUTPOST_NOW` that is not a timestamp before any command runs.
  package var now: @Sendable () -> Timestamp {
    if let fixed = environment["OUTPOST_NOW"].flatMap({ Timestamp(parsing: $0) }) {
      return { fixed }
    }
    return { Timestamp(secondsSinceEpoch: Platform.secondsSinceEpoch) }
  }

  /// Opens the repository for reading (a snapshot), printing recovery notices.
  package func openReader() throws -> RepositoryReader {
    try open(RepositoryReader.self)
  }

  /// Opens the repository as its single writer, printing recovery notices; the writer keeps
  /// Outpost's caches in step (SPEC.md §4.5).
  ///
  /// With `OUTPOST_CHECK_BUNDLES=1`, `submit` and `reply` check the records they chose from the
  /// journal against a walk over every record (SPEC.md §8.6).
  package func openWriter() throws -> RepositoryWriter {
    let writer = try open(RepositoryWriter.self)
    writer.checksBundleRecords = environment["OUTPOST_CHECK_BUNDLES"] == "1"
    writer.caches = Repository.caches
    // A cache the writer could not update is no error, but the user hears of it.
    writer.onNotice = { [console] in console.err("outpost: \($0)\n") }
    return writer
  }

  /// Opens the repository as `kind` (a reader or the writer), printing recovery notices.
  package func open<Kind: RepositoryReader>(_ kind: Kind.Type) throws -> Kind {
    do {
      let repository = try kind.open(at: repositoryPath, fileSystem: fileSystem, now: now)
      for notice in repository.notices { console.err("outpost: \(notice)\n") }
      return repository
    } catch {
      throw CLIError(error)
    }
  }
}

/// The `outpost` command-line tool.
package enum Tool {
  /// The version of this build.
  package static let version = "0.1.0"

  /// Runs the tool and returns the exit status.
  package static func run(
    _ arguments: [String], console: Console, environment: [String: String],
    fileSystem: any FileSystem = PosixFileSystem(),
    workingDirectory: String = Platform.currentDirectory, limits: InputLimits = .standard
  ) -> Int32 {
    if arguments == ["--version"] {
      console.out("outpost \(version)\n")
      return 0
    }
    let invocation: Invocation
    do {
      guard let parsed = try parseArguments(arguments, commands: Commands.all) else {
        console.out(HelpText.root(Commands.all))
        return 0
      }
      invocation = parsed
    } catch {
      console.err("error: \(error.message)\n")
      if let name = error.command, let command = Commands.all.first(where: { $0.name == name }) {
        console.err("usage: \(HelpText.usage(command))\n  See 'outpost help \(name)'.\n")
      } else {
        console.err("  See 'outpost help'.\n")
      }
      return ExitStatus.usage.rawValue
    }
    if invocation.wantsHelp {
      console.out(HelpText.command(invocation.command))
      return 0
    }
    if let fixed = environment["OUTPOST_NOW"], Timestamp(parsing: fixed) == nil {
      console.err(
        "error: OUTPOST_NOW is '\(fixed)', not a timestamp\n"
          + "  Write it as YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS+HH:MM.\n")
      return ExitStatus.usage.rawValue
    }
    if let check = environment["OUTPOST_CHECK_BUNDLES"], check != "0", check != "1" {
      console.err(
        "error: OUTPOST_CHECK_BUNDLES is '\(check)'; it is 1 (check bundles) or 0 (do not)\n"
          + "  Unset it, or set it to 1 or 0.\n")
      return ExitStatus.usage.rawValue
    }
    let context = Context(
      invocation: invocation, console: console, environment: environment, fileSystem: fileSystem,
      workingDirectory: workingDirectory, limits: limits)
    defer { console.endProgress() }
    let errorLabel = context.colors ? "\u{1B}[1;31merror:\u{1B}[0m" : "error:"
    func report(_ error: CLIError) -> Int32 {
      console.endProgress()
      console.err("\(errorLabel) \(error.message)\n")
      if let hint = error.hint {
        console.err("  \(hint.split(separator: "\n").joined(separator: "\n  "))\n")
      }
      return error.status.rawValue
    }
    do {
      try Commands.run(context)
      return 0
    } catch let error as AlreadyReported {
      return error.status.rawValue
    } catch let error as CLIError {
      return report(error)
    } catch let error as OutpostError {
      return report(CLIError(error))
    } catch let error as StoreError {
      return report(CLIError(error))
    } catch {
      console.err("error: \(error)\n")
      return ExitStatus.software.rawValue
    }
  }
}
