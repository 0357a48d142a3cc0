import OutpostStore

/// `--out FILE`, `--bom` and `--encoding ENCODING` (SPEC.md §6, "Output for spreadsheets"):
/// where a command's output goes, and how its CSV is encoded for Excel.
struct OutputOptions: Sendable {
  /// `--out FILE`: written atomically instead of standard output.
  var out: String?
  /// `--bom`: the CSV begins with a UTF-8 byte order mark.
  var bom = false
  /// `--encoding`: utf-8 or gb18030; nil when not given (UTF-8).
  var encoding: TextEncoding?

  /// Whether any of the three options was given.
  var isEmpty: Bool { out == nil && !bom && encoding == nil }
}

/// The options of a command whose output `--out`, `--bom` and `--encoding` direct.
protocol OutputCommandOptions: CommandOptions {
  /// The three options.
  var output: OutputOptions { get set }
}

extension OptionBinding where Options: OutputCommandOptions {
  /// `--out FILE`, `--bom`, `--encoding ENCODING`, in the order help lists them.
  static var outputOptions: [Self] { [.outputFile, .byteOrderMark, .outputEncoding] }

  /// `--out FILE`.
  static var outputFile: Self {
    Self(
      spec: OptionSpec(
        "out", "FILE",
        help: "Write the output to FILE instead of standard output, atomically (a temporary "
          + "file in the same folder, then renamed); an existing file is replaced.")
    ) { options, values in options.output.out = values.last }
  }

  /// `--bom`.
  static var byteOrderMark: Self {
    Self(
      spec: OptionSpec(
        "bom",
        help: "Begin the CSV with a UTF-8 byte order mark, so that Excel reads it as UTF-8 "
          + "(with --format csv).")
    ) { options, _ in options.output.bom = true }
  }

  /// `--encoding ENCODING`.
  static var outputEncoding: Self {
    Self(
      spec: OptionSpec(
        "encoding", "ENCODING",
        help: "The CSV's encoding (with --format csv): utf-8 (the default) or gb18030, which "
          + "Excel on a Chinese Windows opens without a byte order mark.")
    ) { options, values in
      guard let text = values.last else { return }
      options.output.encoding = try outputEncoding(text)
    }
  }

  /// The encoding `--encoding` names; only UTF-8 and GB18030 are written.
  private static func outputEncoding(_ text: String) throws -> TextEncoding {
    let encoding: TextEncoding
    do { encoding = try TextEncoding(name: text) } catch {
      throw CLIError(.usage, "'--encoding' must be utf-8 or gb18030 (got '\(text)')")
    }
    switch encoding {
    case .utf8, .gb18030:
      return encoding
    case .gbk:
      throw CLIError(
        .usage,
        "--encoding \(text) is not offered for output: GBK lacks many characters (a rare "
          + "character in a name would stop the file), and GB18030 writes every character GBK "
          + "has with the same bytes",
        hint: "Use --encoding gb18030.")
    case .utf16:
      throw CLIError(
        .usage,
        "--encoding \(text) is not offered for output: Excel opens a UTF-16 file as "
          + "tab-separated text, so each CSV line would land in one column",
        hint: "Use --bom (UTF-8 with a byte order mark) or --encoding gb18030.")
    }
  }
}

extension OutputOptions {
  /// Runs a command's `body`, then delivers what it printed on standard output: encoded and
  /// marked as `--encoding` and `--bom` say, to `--out`'s file or to standard output.
  ///
  /// The options are checked before `body` runs: `--bom` and `--encoding` only with CSV
  /// (`format`, the format the command writes), `--bom` only with UTF-8, and `--out` must
  /// name a file whose folder exists. Nothing is written when `body` fails.
  func deliver(_ context: Context, format: OutputFormat, _ body: (Context) throws -> Void)
    throws
  {
    try check(format)
    if isEmpty { return try body(context) }
    let path = try out.map { try destination($0, context) }
    let capture = Console(interactive: context.console.isInteractive)
    var inner = context
    inner.console = capture
    // What the command said on standard error (recovery notices) goes out as it would have.
    func forwardErrors() { if !capture.errors.isEmpty { context.console.err(capture.errors) } }
    do { try body(inner) } catch {
      forwardErrors()
      throw error
    }
    forwardErrors()
    var bytes = capture.outputBytes
    if encoding == .gb18030 {
      do { bytes = try TextCodec.encode(bytes, to: .gb18030) } catch {
        throw CLIError(
          .dataError, "cannot write the output as GB18030: \(error.message)",
          hint: "Write UTF-8 instead (--bom, without --encoding), which has every character.")
      }
    }
    if bom { bytes = TextCodec.utf8BOM + bytes }
    guard let path else { return context.console.out(bytes: bytes) }
    do {
      try OutputFile.write(
        bytes, to: path, secret: false, replace: true, fileSystem: context.fileSystem)
    } catch {
      var refusal = CLIError(error)
      if refusal.status == .cannotCreate {
        refusal.hint =
          "Check that you may write in the folder of '\(path)', or choose another path."
      }
      throw refusal
    }
    context.console.err("outpost: wrote \(bytes.count) bytes to \(path)\n")
  }

  /// Refuses `--bom` and `--encoding` where they would not apply (64).
  private func check(_ format: OutputFormat) throws {
    let why: String? =
      switch format {
      case .csv: nil
      case .json, .ndjson: "JSON is UTF-8 without a byte order mark (RFC 8259 §8.1)"
      case .text: "text output is for a terminal, which reads UTF-8 as it is"
      }
    if let why, bom || encoding != nil {
      throw CLIError(
        .usage, "\(bom ? "--bom" : "--encoding") goes with --format csv only: \(why)",
        hint: "Add --format csv, or leave out \(bom ? "--bom" : "--encoding").")
    }
    if bom && encoding == .gb18030 {
      throw CLIError(
        .usage,
        "--bom goes with UTF-8 only: a GB18030 file carries no byte order mark that Excel "
          + "understands (Excel reads it by the system's Chinese code page, without one)",
        hint: "Leave out --bom for gb18030, or leave out --encoding for UTF-8 with a BOM.")
    }
  }

  /// The absolute path `--out` names, checked.
  ///
  /// It must name a file (not a folder, link, FIFO or device, which renaming over would
  /// replace) in a folder that exists: 64 for an empty name, 73 otherwise.
  private func destination(_ argument: String, _ context: Context) throws -> String {
    guard !argument.isEmpty else {
      throw CLIError(.usage, "'--out' needs a file name", hint: "Write --out FILE.")
    }
    let path = context.resolve(argument)
    let slash = path.lastIndex(of: "/")!  // resolved paths are absolute
    let folder = slash == path.startIndex ? "/" : String(path[..<slash])
    func info(_ path: String) throws -> FileInfo? {
      do { return try context.fileSystem.info(path) } catch {
        throw CLIError(.cannotCreate, "cannot write '\(argument)': \(error)")
      }
    }
    if path.hasSuffix("/") {
      throw CLIError(.cannotCreate, "'\(argument)' names a folder; --out needs a file name")
    }
    if let existing = try info(path), existing.kind != .regular {
      let what = InputFileError.describe(existing.kind)
      throw CLIError(
        .cannotCreate,
        "'\(argument)' is \(what); --out replaces a regular file whole (by renaming a new "
          + "one over it), and would replace \(existing.kind == .symlink ? "the link" : "it")",
        hint: existing.kind == .symlink
          ? "Give the path of the file the link points to." : "Choose a file name.")
    }
    // A folder reached through a symbolic link (/tmp on macOS) is a folder too.
    switch try info(folder)?.kind {
    case .directory?, .symlink?: break
    case nil:
      throw CLIError(
        .cannotCreate, "cannot write '\(argument)': the folder '\(folder)' does not exist",
        hint: "Create the folder first, or choose another path.")
    case let kind?:
      throw CLIError(
        .cannotCreate,
        "cannot write '\(argument)': '\(folder)' is \(InputFileError.describe(kind)), not a folder",
        hint: "Choose another path.")
    }
    return path
  }
}
