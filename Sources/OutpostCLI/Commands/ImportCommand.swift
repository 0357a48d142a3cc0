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
      "Bulk upsert records from a CSV or NDJSON file ('-' reads standard input)."
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

      static let options: [OptionBinding<Self>] = [
        .option(
          "input", "FORMAT", \.input,
          help: "The file's format (default: from the extension, .csv or .ndjson/.jsonl)."),
        .note(\.note),
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let positionals = context.arguments
      let note = options.note
      let fileArgument = positionals[1]
      let displayName = fileArgument == "-" ? "<stdin>" : fileArgument
      // Read the input before taking the lock, so a slow pipe does not block other writers.
      let bytes =
        fileArgument == "-"
        ? try context.readStandardInput(.importData)
        : try context.readInputFile(fileArgument, .importData).bytes
      let source: ImportSource
      switch options.input {
      case .csv: source = .csv(bytes)
      case .ndjson: source = .ndjson(bytes)
      case _ where fileArgument.hasSuffix(".csv"): source = .csv(bytes)
      case _ where fileArgument.hasSuffix(".ndjson") || fileArgument.hasSuffix(".jsonl"):
        source = .ndjson(bytes)
      default:
        throw CLIError(
          .usage, "cannot tell the format of '\(displayName)'",
          hint: "Name the file .csv or .ndjson, or pass --input csv|ndjson.")
      }
      let repository = try context.openWriter()
      let schema = try schema(repository, positionals[0])
      // Targets the definitions in force could not score are refused by the record rules
      // (SPEC.md §9.5), at import as at put, in the library as here.
      let rows: [ImportRow]
      do throws(OutpostError) {
        let importer = try Importer(into: schema.name, of: repository, name: displayName)
        rows = try importer.rows(source)
      } catch {
        for problem in error.problems {
          let at = problem.location
          context.console.err(
            "\(at.file ?? displayName):\(at.line.map(String.init) ?? "?"): \(problem.message)\n")
        }
        throw error.problems.isEmpty
          ? CLIError(error)
          : CLIError(
            .dataError, error.message,
            hint: "Fix the rows listed above and import the file again.")
      }
      context.console.progress("importing \(rows.count) row(s) into \(schema.name): writing…")
      let result: ImportResult
      do {
        result = try repository.importRows(rows, into: schema.name, name: displayName, note: note)
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
        context.console.out(
          "imported \(rows.count) row(s) from \(displayName) into \(schema.name): "
            + "\(summary.created) created, \(summary.updated) updated, \(summary.unchanged) unchanged\(transaction)\n"
        )
      }
    }
  }
}
