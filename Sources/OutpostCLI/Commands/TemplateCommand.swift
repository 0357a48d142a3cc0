import Outpost
import OutpostCodec
import OutpostModel

/// `template COLLECTION`: a CSV a clerk fills in and imports (SPEC.md §3.7).
extension Commands {
  /// `template COLLECTION [--labels names|zh|en] [--example]`.
  struct TemplateCommand: Command {
    static let name = "template"
    static let abstract = "Write a CSV to fill in for a collection: its header, and an example row."
    static let arguments = ["<collection>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "Writes to standard output the header row of an import file for this repository: the "
      + "columns' names, or with --labels zh|en their Chinese or English labels (import takes "
      + "either). A branch's template leaves out office_id, which its import fills in; head "
      + "office's has it. --example adds one row with a valid value in every column (a date "
      + "such as 2026-03-01, an enum's first value, 0 for counts, 0.00 for money, ids that "
      + "begin with the office id); replace it with your rows. The examples of different "
      + "collections fit together (the staff example is the person the others name), so in a "
      + "new repository they import in the order 'outpost collections' lists them; where this "
      + "repository's records would refuse the example, a note on standard error says why. "
      + "'outpost collections COLLECTION' explains each column."
    static let examples = [
      "outpost template orders > orders.csv",
      "outpost template channel_daily --labels zh --example --repo north > channel_daily.csv",
      "outpost template targets --example --repo hq",
      "outpost template orders --labels zh --bom --out 订单模板.csv --repo north",
    ]

    struct Options: OutputCommandOptions {
      var labels = ImportTemplate.Labels.names
      var example = false
      var output = OutputOptions()

      static let options: [OptionBinding<Self>] = [
        .option(
          "labels", "WHICH", \.labels,
          help: "The header row: the columns' names (the default), or their Chinese (zh) or "
            + "English (en) labels."),
        .flag("example", \.example, help: "Add one example row with a valid value per column."),
        .outputFile, .byteOrderMark, .outputEncoding,
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      if let format = context.invocation.globals.format, format != .csv {
        throw CLIError(
          .usage, "template writes CSV only, not \(format.rawValue)",
          hint: "Leave out --format (or --json).")
      }
      try options.output.deliver(context, format: .csv) { try render(options, $0) }
    }

    /// Writes the template to `context`'s standard output.
    static func render(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      let schema = try schema(repository, context.arguments[0])
      let template: ImportTemplate
      do {
        template = try ImportTemplate(
          repository, for: schema, labels: options.labels, example: options.example)
      } catch { throw CLIError(error) }
      for note in template.notes { context.console.err("note: \(note)\n") }
      var text = CSVWriter.line(template.header)
      if let example = template.example { text += CSVWriter.line(example) }
      context.console.out(text)
    }
  }
}
