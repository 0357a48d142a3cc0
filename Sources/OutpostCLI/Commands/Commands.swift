import Outpost
import OutpostModel
import OutpostStore

/// The command table: the single source of parsing, help and dispatch (SPEC.md §6).
package enum Commands {
  /// Every command, in the order help lists them.
  package static let types: [any Command.Type] = [
    InitCommand.self, ImportCommand.self, PutCommand.self, GetCommand.self, DeleteCommand.self,
    ExportCommand.self, ListCommand.self, StatusCommand.self, LogCommand.self,
    VerifyCommand.self, CollectionsCommand.self, TemplateCommand.self, HistoryCommand.self,
    SchemaAddCommand.self, OfficeAddCommand.self, OfficeRevokeCommand.self, GCCommand.self,
    OfficeKeyCommand.self,
    SubmitCommand.self, MergeCommand.self, ReplyCommand.self, ReceiveCommand.self,
    ConflictsCommand.self, ConflictsShowCommand.self, ResolveCommand.self, ReviewCommand.self,
    RulesCommand.self, RulesAddCommand.self, RulesRemoveCommand.self, RulesApplyCommand.self,
    KPICommand.self, KPIDiagnoseCommand.self, KPIPublishCommand.self,
    KPIDefinitionsCommand.self, ScorecardCommand.self, ReportCommand.self,
    ProfilePublishCommand.self, ProfileListCommand.self, ProfileShowCommand.self, DemoCommand.self,
  ]

  /// Every command as the parser and the help see it.
  package static let all: [CommandSpec] = types.map { $0.spec }

  /// Runs the parsed command.
  package static func run(_ context: Context) throws {
    try context.command.run(context)
  }

  /// The options of `put` and `delete`: only `--note`.
  struct NoteOptions: CommandOptions {
    var note: String?

    static let options: [OptionBinding<Self>] = [.note(\.note)]
  }

  /// The command's `--note`, checked as a resolution's note is (65); nil when empty.
  static func checkedNote(_ note: String) throws -> String? {
    guard !note.isEmpty else { return nil }
    do { try RepositoryReader.checkNote(note) } catch {
      throw CLIError(
        .dataError, "--note: \(error.message)", hint: CLIError.hint(error.hint, error.remedy))
    }
    return note
  }
}

extension OptionBinding {
  /// `--note TEXT` of the commands that write (SPEC.md §4.2), checked (``Commands/checkedNote(_:)``).
  static func note(_ path: Path<String?>) -> Self {
    .option(
      "note", "TEXT", path,
      help: "Why (one line, at most 1000 bytes): kept with the transaction, shown by 'log' and "
        + "'history'; head office's notes reach the office in the next reply.",
      parse: Commands.checkedNote)
  }
}

extension Timestamp? {
  /// The timestamp's text, or empty when there is none (a journal entry without one).
  var text: String { self?.description ?? "" }
}
