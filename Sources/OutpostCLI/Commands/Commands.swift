import OutpostModel

/// The command table: the single source of parsing and help (SPEC.md §6).
package enum Commands {

  /// `--note TEXT` of the commands that write (SPEC.md §4.2).
  static let noteOption = OptionSpec(
    "note", "TEXT",
    help: "Why (one line, at most 1000 bytes): kept with the transaction, shown by 'log' and "
      + "'history'; head office's notes reach the office in the next reply.")

  /// Every command, in the order help lists them.
  package static let all: [CommandSpec] =
    [
      CommandSpec(
        name: "init",
        abstract: "Create a repository for a branch office (or head office with --head).",
        arguments: [], arity: (0, 0),
        options: [
          OptionSpec(
            "office", "ID", help: "This replica's office id (north, east, hq, ...). Required."),
          OptionSpec("head", help: "Create head office's repository."),
          OptionSpec(
            "key", "FILE",
            help: "The key file head office issued to this office ('outpost office add')."),
        ],
        discussion:
          "Creates the repository in --repo DIR (default: the current folder), which must "
          + "not exist or be empty.",
        examples: [
          "outpost init --office north --repo north", "outpost init --office hq --head --repo hq",
        ], run: initRepository),
      CommandSpec(
        name: "import",
        abstract: "Bulk upsert records from a CSV or NDJSON file ('-' reads standard input).",
        arguments: ["<collection>", "<file>"], arity: (2, 2),
        options: [
          OptionSpec(
            "input", "FORMAT", choices: InputFormat.self,
            help: "The file's format (default: from the extension, .csv or .ndjson/.jsonl)."),
          noteOption,
        ],
        discussion: "Every cell is validated before anything is written, and the whole file is one "
          + "transaction: all rows or none. Rows whose values equal the stored ones change nothing, "
          + "so importing the same file twice is harmless.",
        examples: [
          "outpost import channel_daily ads-2025-03.csv",
          "cat orders.ndjson | outpost import orders - --input ndjson",
          "outpost import targets targets-2025.csv --note \"board decision of 2025-01-10\" --repo hq",
        ], run: importRecords),
      CommandSpec(
        name: "put", abstract: "Create or change one record: FIELD=VALUE ...",
        arguments: ["<collection>", "<id>", "<field=value>..."], arity: (3, nil),
        options: [
          noteOption
        ],
        discussion: "Values are written as in a CSV cell; an empty value (FIELD=) means null.",
        examples: [
          "outpost put orders o-1001 status=cancelled",
          "outpost put orders north-o-1002 amount=2700.00 --note \"the invoice says 2700.00\" --repo hq",
        ], run: putRecord),
      CommandSpec(
        name: "get", abstract: "Show one record, with any conflicting values.",
        arguments: ["<collection>", "<id>"], arity: (2, 2), options: [], discussion: "",
        examples: [], run: getRecord),
      CommandSpec(
        name: "delete", abstract: "Delete one record.", arguments: ["<collection>", "<id>"],
        arity: (2, 2),
        options: [
          noteOption
        ], discussion: "",
        examples: ["outpost delete orders o-1001 --note \"entered twice\""], run: deleteRecord),
      CommandSpec(
        name: "export",
        abstract: "Print a collection's records sorted by id (csv, ndjson or json).",
        arguments: ["<collection>"], arity: (1, 1), options: [],
        discussion:
          "Deleted records are left out; a field in conflict shows its provisional winner. "
          + "The default format is csv.",
        examples: ["outpost export orders --format ndjson"], run: exportRecords),
      CommandSpec(
        name: "list", abstract: "Same as export.", arguments: ["<collection>"], arity: (1, 1),
        options: [],
        discussion: "", examples: [], run: exportRecords),
      CommandSpec(
        name: "status",
        abstract: "Show the repository's office, records per collection and last change.",
        arguments: [], arity: (0, 0), options: [], discussion: "", examples: [], run: status),
      CommandSpec(
        name: "log", abstract: "Show committed transactions, newest first.", arguments: [],
        arity: (0, 0),
        options: [OptionSpec("limit", "N", help: "Show at most N transactions.")],
        discussion: "Each transaction with its time, office, count of records changed, command "
          + "and note (--note of put, delete, import and resolve). One record's writes, field by "
          + "field: outpost history COLLECTION/ID.",
        examples: ["outpost log --limit 10 --repo hq"], run: log),
      CommandSpec(
        name: "verify", abstract: "Check every checksum, the journal chain and every record file.",
        arguments: [], arity: (0, 0), options: [],
        discussion:
          "Reads only. Exits 0 when the repository is sound, 65 when a problem was found; "
          + "each problem names its file (and line).",
        examples: [], run: verify),
      CommandSpec(
        name: "collections", abstract: "List the collections and their fields.", arguments: [],
        arity: (0, 0), options: [], discussion: "", examples: [], run: listCollections),
    ] + historyCommands + schemaCommands + syncCommands + conflictCommands + reviewCommands
    + kpiCommands
    + reportCommands + demoCommands

  /// Runs the parsed command.
  package static func run(_ context: Context) throws {
    try context.invocation.command.run(context)
  }
}

extension Timestamp? {
  /// The timestamp's text, or empty when there is none (a journal entry without one).
  var text: String { self?.description ?? "" }
}
