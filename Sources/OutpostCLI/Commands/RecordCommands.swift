import Outpost
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

extension Commands {
  static func schema(_ repository: RepositoryReader, _ name: String) throws -> CollectionSchema {
    do { return try repository.schema(name) } catch {
      throw CLIError(.usage, error.message, hint: CLIError.hint(error.hint, error.remedy))
    }
  }

  static func recordID(_ text: String) throws -> RecordID {
    do { return try RecordID(text) } catch { throw CLIError(.dataError, error.message) }
  }

  /// A cell to write, as `put` and `resolve --set` take it.
  typealias Assignment = (field: String, text: String)

  /// `FIELD=VALUE` (an empty VALUE is null); anything else is a usage error (64).
  static func assignment(_ text: String) throws -> Assignment {
    guard let equals = text.firstIndex(of: "=") else {
      throw CLIError(.usage, "'\(text)' is not FIELD=VALUE")
    }
    return (String(text[..<equals]), String(text[text.index(after: equals)...]))
  }

  /// `put`.
  struct PutCommand: Command {
    typealias Options = NoteOptions
    static let name = "put"
    static let abstract = "Create or change one record: FIELD=VALUE ..."
    static let arguments = ["<collection>", "<id>", "<field=value>..."]
    static let arity: (min: Int, max: Int?) = (3, nil)
    static let discussion =
      "Values are written as in a CSV cell; an empty value (FIELD=) means null."
    static let examples = [
      "outpost put orders o-1001 status=cancelled",
      "outpost put orders north-o-1002 amount=2700.00 --note \"the invoice says 2700.00\" --repo hq",
    ]

    static func run(_ options: Options, _ context: Context) throws {
      let note = options.note
      let repository = try context.openWriter()
      let positionals = context.arguments
      let schema = try schema(repository, positionals[0])
      let id = try recordID(positionals[1])
      let cells = try positionals[2...].map(assignment)
      let summary: CommitSummary
      do {
        summary = try repository.put(
          cells, into: schema.name, id: id, command: commandLine(context), note: note)
      } catch { throw CLIError(error) }
      if summary.changed == 0 {
        context.console.out("\(schema.name) \(id): unchanged (the values were already stored)\n")
      } else {
        context.console.out(
          "\(schema.name) \(id): \(summary.created > 0 ? "created" : "updated") (transaction \(summary.transaction!))\n"
        )
      }
    }
  }

  /// `list`: the same as `export`.
  struct ListCommand: Command {
    typealias Options = ExportCommand.Options
    static let name = "list"
    static let abstract = "Same as export."
    static let arguments = ["<collection>"]
    static let arity: (min: Int, max: Int?) = (1, 1)

    static func run(_ options: Options, _ context: Context) throws {
      try ExportCommand.run(options, context)
    }
  }

  static func commandLine(_ context: Context) -> String {
    (["outpost", context.command.name] + context.arguments.prefix(2))
      .joined(separator: " ")
  }

  /// `get`.
  struct GetCommand: Command {
    static let name = "get"
    static let abstract = "Show one record, with any conflicting values."
    static let arguments = ["<collection>", "<id>"]
    static let arity: (min: Int, max: Int?) = (2, 2)

    static func run(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      let schema = try schema(repository, context.arguments[0])
      let id = try recordID(context.arguments[1])
      let found: RecordState?
      do { found = try repository.state(schema.name, id) } catch { throw CLIError(error) }
      guard let state = found else {
        throw CLIError(.noInput, "no record '\(id)' in '\(schema.name)'")
      }
      if context.format() == .json {
        printJSON(
          context, "outpost-record/1",
          [
            ("collection", .string(schema.name)), ("id", .string(id.rawValue)),
            ("deleted", .bool(state.isDeleted)), ("record", .object(row(schema, id, state))),
            (
              "conflicts",
              .array(
                state.conflictedFields.map { .string($0) }
                  + (state.hasDeleteConflict ? [.string("(deleted)")] : []))
            ),
            ("state", state.json),
          ])
        return
      }
      var text = "\(schema.name) \(id)\(state.isDeleted ? " (deleted)" : "")\n"
      if state.hasDeleteConflict {
        text += "  ! deleted on one side and edited on another (conflict)\n"
      }
      let width = (schema.columns.map(\.count).max() ?? 0) + 2
      for field in schema.fields {
        guard let values = state.fields[field.name] else { continue }
        let shown = values.map { cell($0.value) }
        if Set(shown).count > 1 {
          text +=
            "  \(field.name.padding(width))! conflict: "
            + values.map { "\(cell($0.value)) (\($0.dot))" }.joined(separator: " | ") + "\n"
        } else {
          text += "  \(field.name.padding(width))\(shown[0])\n"
        }
      }
      context.console.out(text)
    }
  }

  /// `delete`.
  struct DeleteCommand: Command {
    typealias Options = NoteOptions
    static let name = "delete"
    static let abstract = "Delete one record."
    static let arguments = ["<collection>", "<id>"]
    static let arity: (min: Int, max: Int?) = (2, 2)
    static let examples = ["outpost delete orders o-1001 --note \"entered twice\""]

    static func run(_ options: Options, _ context: Context) throws {
      let note = options.note
      let repository = try context.openWriter()
      let schema = try schema(repository, context.arguments[0])
      let id = try recordID(context.arguments[1])
      let summary: CommitSummary
      do {
        summary = try repository.commit(
          [.delete(collection: schema.name, id: id)], command: commandLine(context), note: note)
      } catch { throw CLIError(error) }
      if summary.deleted == 0 {
        context.console.out("\(schema.name) \(id): already deleted\n")
      } else {
        context.console.out("\(schema.name) \(id): deleted (transaction \(summary.transaction!))\n")
      }
    }
  }

  /// The text form of a canonical value, as in a CSV cell (null is empty).
  static func cell(_ value: JSONValue) -> String {
    switch value {
    case .null: ""
    case .bool(let flag): flag ? "1" : "0"
    case .number(let number): number.text
    case .string(let text): text
    default: JSONWriter.canonicalString(value)
    }
  }

  /// A record as a row object under its collection's columns (``Records/row(_:_:_:)``).
  static func row(_ schema: CollectionSchema, _ id: RecordID, _ state: RecordState) -> JSONObject {
    Records.row(schema, id, state)
  }

  /// `export`.
  struct ExportCommand: Command {
    static let name = "export"
    static let abstract = "Print a collection's records sorted by id (csv, ndjson or json)."
    static let arguments = ["<collection>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "Deleted records are left out; a field in conflict shows its provisional winner. "
      + "The default format is csv."
    static let examples = [
      "outpost export orders --format ndjson",
      "outpost export orders --bom --out orders.csv",
      "outpost export orders --encoding gb18030 --out orders.csv",
    ]

    struct Options: OutputCommandOptions {
      var output = OutputOptions()

      static let options: [OptionBinding<Self>] = OptionBinding.outputOptions
    }

    static func run(_ options: Options, _ context: Context) throws {
      // `--format text` writes the CSV too.
      let format = context.format(.csv)
      try options.output.deliver(context, format: format == .text ? .csv : format, render)
    }

    /// Prints the collection to `context`'s standard output.
    ///
    /// The records are read a few buckets at a time and each is turned into its output at once,
    /// so memory follows the output rather than the decoded records (SPEC.md §6).
    private static func render(_ context: Context) throws {
      let repository = try context.openReader()
      let schema = try schema(repository, context.arguments[0])
      let format = context.format(.csv)
      // What each live record gives, in id order (deleted records give nothing).
      func read<T>(_ transform: (RecordID, RecordState) -> T) throws -> [(id: RecordID, value: T)] {
        do {
          return try repository.mapStates(schema.name) { id, state in
            state.isDeleted ? nil : transform(id, state)
          }
        } catch {
          throw CLIError(error)
        }
      }
      switch format {
      case .csv, .text, .ndjson:
        // Every record's output, one after another in the order read, and where each one is,
        // so a line costs its bytes and no array of its own.
        var lines: [UInt8] = []
        let ranges = try read { id, state in
          let start = lines.count
          if format == .ndjson {
            JSONWriter.write(.object(row(schema, id, state)), into: &lines)
            lines.append(10)
          } else {
            var fields: [String] = []
            if case .column = schema.idRule { fields.append(id.rawValue) }
            for field in schema.fields { fields.append(state.value(field.name).map(cell) ?? "") }
            lines += CSVWriter.line(fields).utf8
          }
          return start..<lines.count
        }
        // Written a megabyte at a time, so the whole output is not held once more.
        var out: [UInt8] = format == .ndjson ? [] : Array(CSVWriter.line(schema.columns).utf8)
        for (_, range) in ranges {
          out += lines[range]
          if out.count >= 1 << 20 {
            context.console.out(bytes: out)
            out.removeAll(keepingCapacity: true)
          }
        }
        context.console.out(bytes: out)
      default:
        let rows = try read { id, state in JSONValue.object(row(schema, id, state)) }
        printJSON(
          context, "outpost-export/1",
          [("collection", .string(schema.name)), ("records", .array(rows.map(\.value)))])
      }
    }

  }
}
