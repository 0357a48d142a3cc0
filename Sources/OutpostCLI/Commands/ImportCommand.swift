import Outpost
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

extension Commands {
  /// `import`.
  struct ImportCommand: Command {
    static let name = "import"
    static let abstract =
      "Bulk upsert records from a CSV, .xlsx or NDJSON file ('-' reads standard input)."
    static let arguments = ["<collection>", "<file>"]
    static let arity: (min: Int, max: Int?) = (2, 2)
    static let discussion =
      "Every cell is validated before anything is written, and the whole file is one "
      + "transaction: all rows or none. Rows whose values equal the stored ones change nothing, "
      + "so importing the same file twice is harmless."
    static let examples = [
      "outpost import channel_daily ads-2025-03.csv",
      "cat orders.ndjson | outpost import orders - --input ndjson",
      "outpost import targets targets-2025.csv --note \"board decision of 2025-01-10\" --repo hq",
    ]

    struct Options: CommandOptions {
      var input: InputFormat?
      var note: String?
      var profile: String?
      var dryRun = false

      static let options: [OptionBinding<Self>] = [
        .option(
          "input", "FORMAT", \.input,
          help: "The file's format (default: from the extension, .csv, .xlsx or .ndjson/.jsonl)."),
        .option(
          "profile", "PROFILE", \.profile,
          help:
            "How to read the export (SPEC.md §3.6): a profile file (a value with '.' or '/') or "
            + "the name of a profile head office published."),
        .flag(
          "dry-run", \.dryRun,
          help: "Show the mapped first rows, the counts and every problem; write nothing."),
        .note(\.note),
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let positionals = context.arguments
      let fileArgument = positionals[1]
      let displayName = fileArgument == "-" ? "<stdin>" : fileArgument
      if options.dryRun && options.note != nil {
        throw CLIError(
          .usage, "--note has no effect with --dry-run, which writes nothing",
          hint: "Leave out --note, or --dry-run.")
      }
      // Read the input and a profile file before taking the lock, so a slow pipe does not block
      // other writers.
      let bytes =
        fileArgument == "-"
        ? try context.readStandardInput(.importData)
        : try context.readInputFile(fileArgument, .importData).bytes
      let source = try source(options.input, fileArgument, displayName, bytes)
      let profileFile = try options.profile.flatMap { (argument: String) throws -> ImportProfile? in
        guard isProfileFile(argument) else { return nil }
        let data = try context.readInputFile(argument, .importProfile).bytes
        do throws(OutpostError) { return try ImportProfile.decode(data, source: argument) } catch {
          throw CLIError(error)
        }
      }
      let repository: RepositoryReader =
        options.dryRun ? try context.openReader() : try context.openWriter()
      let schema = try schema(repository, positionals[0])
      var profile = profileFile
      if let name = options.profile, profile == nil {
        do throws(OutpostError) { profile = try repository.importProfile(named: name) } catch {
          throw CLIError(error)
        }
      }
      if let profile, profile.collection != schema.name {
        throw CLIError(
          .usage,
          "the profile \(profile.source) is for '\(profile.collection)', not '\(schema.name)'",
          hint: "Import into \(profile.collection), or pass the profile for \(schema.name).")
      }
      // Targets the definitions in force could not score are refused by the record rules
      // (SPEC.md §9.5), at import as at put, in the library as here.
      let importer: Importer
      do throws(OutpostError) {
        importer = try Importer(
          into: schema.name, of: repository, name: displayName, profile: profile)
      } catch { throw CLIError(error) }
      if options.dryRun {
        let preview: ImportPreview
        do throws(OutpostError) { preview = try importer.preview(source) } catch {
          throw CLIError(error)
        }
        try printPreview(context, importer, preview, displayName)
        if !preview.ok { throw refusal(preview.reading.problems, displayName) }
        return
      }
      let reading: ImportReading
      do throws(OutpostError) { reading = try importer.read(source) } catch {
        throw CLIError(error)
      }
      if !reading.problems.isEmpty {
        if context.format() == .json {
          let preview = ImportPreview(reading: reading, created: 0, updated: 0, unchanged: 0)
          try printPreview(context, importer, preview, displayName)
        } else {
          for problem in reading.problems {
            let at = problem.location
            context.console.err(
              "\(at.file ?? displayName)\(at.line.map { ":\($0)" } ?? ""): \(problem.message)\n")
          }
        }
        throw refusal(reading.problems, displayName)
      }
      guard let writer = repository as? RepositoryWriter else {
        throw CLIError(.software, "the repository was not opened for writing")
      }
      let rows = reading.rows
      context.console.progress("importing \(rows.count) row(s) into \(schema.name): writing…")
      let result: ImportResult
      do throws(OutpostError) {
        result = try writer.importRows(
          rows, into: schema.name, name: displayName, note: options.note)
      } catch { throw CLIError(error) }
      let summary = result.summary
      let transaction = summary.transaction.map { " (transaction \($0))" } ?? " (nothing to write)"
      if context.format() == .json {
        printJSON(
          context, "outpost-import/1",
          [
            ("collection", .string(schema.name)), ("rows", number(rows.count)),
            ("created", number(summary.created)), ("updated", number(summary.updated)),
            ("unchanged", number(summary.unchanged)),
            (
              "transaction",
              summary.transaction.map { .number(JSONNumber(integer: Int64($0))) } ?? .null
            ),
          ])
      } else {
        let counts = reading.counts
        let setAside = counts.blank + counts.skipped + counts.stopped
        let what =
          importer.profile == nil
          ? "\(rows.count) row(s)"
          : "\(rows.count) record(s) (from \(counts.read + counts.stopped) row(s)"
            + (setAside > 0 ? ", \(setAside) set aside by the profile)" : ")")
        context.console.out(
          "imported \(what) from \(displayName) into \(schema.name): "
            + "\(summary.created) created, \(summary.updated) updated, \(summary.unchanged) unchanged\(transaction)\n"
        )
      }
    }

    /// Whether `--profile` names a file (it holds `.` or `/`) rather than a stored profile.
    static func isProfileFile(_ argument: String) -> Bool {
      argument.contains(".") || argument.contains("/")
    }

    /// The source, by `--input` or the file's extension.
    static func source(
      _ input: InputFormat?, _ fileArgument: String, _ displayName: String, _ bytes: [UInt8]
    ) throws -> ImportSource {
      let lowered = fileArgument.lowercased()
      switch input {
      case .csv: return .csv(bytes)
      case .ndjson: return .ndjson(bytes)
      case .xlsx: return .workbook(bytes)
      case _ where lowered.hasSuffix(".csv") || lowered.hasSuffix(".txt"): return .csv(bytes)
      case _ where lowered.hasSuffix(".ndjson") || lowered.hasSuffix(".jsonl"):
        return .ndjson(bytes)
      case _ where lowered.hasSuffix(".xlsx"): return .workbook(bytes)
      case _ where [".xls", ".et", ".xlsb", ".ods", ".numbers"].contains { lowered.hasSuffix($0) }:
        throw CLIError(
          .usage,
          "'\(displayName)' is a spreadsheet in a format Outpost does not read (only .xlsx "
            + "workbooks)",
          hint: "Open it and save it as an Excel workbook (.xlsx), or as CSV.")
      default:
        throw CLIError(
          .usage, "cannot tell the format of '\(displayName)'",
          hint: "Name the file .csv, .xlsx or .ndjson, or pass --input csv|xlsx|ndjson.")
      }
    }

    /// The refusal after the problems were shown.
    static func refusal(_ problems: [OutpostError], _ name: String) -> CLIError {
      let more =
        problems.count >= Importer.maximumReportedProblems
        ? " (stopped after \(Importer.maximumReportedProblems))" : ""
      return CLIError(
        .dataError, "\(problems.count) problem(s) in \(name)\(more); nothing was imported",
        hint: "Fix the rows listed above and import the file again.")
    }
  }
}
