import Outpost
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// `history COLLECTION/ID`: every write of one record, like `git log -p` for one record
/// (SPEC.md §6).
extension Commands {
  /// `history COLLECTION/ID`.
  struct HistoryCommand: Command {
    static let name = "history"
    static let abstract = "Show every write of one record, oldest first, field by field."
    static let arguments = ["<collection/id>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "For each transaction that changed the record: its number, time (this "
      + "repository's clock), the office that committed it and its command, who wrote the "
      + "change (the event's office: a merge brings an office's writes), the note, and what "
      + "changed, field by field. Reads the journal only; takes no lock."
    static let examples = [
      "outpost history orders/north-o-1002 --repo hq",
      "outpost history channel_daily/north.sem.2025-03-05 --format json",
    ]

    static func run(_ options: Options, _ context: Context) throws {
      let argument = context.arguments[0]
      guard let slash = argument.firstIndex(of: "/") else {
        throw CLIError(
          .usage, "'\(argument)' is not COLLECTION/ID",
          hint: "Name one record, as in: outpost history orders/o-1001")
      }
      let collection = String(argument[..<slash])
      let id = try recordID(String(argument[argument.index(after: slash)...]))
      let repository = try context.openReader()
      defer { repository.close() }
      let schema = try schema(repository, collection)
      let writes: [RecordWrite]
      do { writes = try repository.recordHistory(schema.name, id) } catch { throw CLIError(error) }
      guard !writes.isEmpty else {
        throw CLIError(
          .noInput, "no record '\(id)' in '\(schema.name)': the journal holds no write of it",
          hint: "List the records with: outpost export \(schema.name)")
      }
      var entries: [(RecordWrite, event: String, dots: [Dot], changes: [RecordHistory.Change])] = []
      var previous: RecordState?
      for write in writes {
        let seen = previous?.context ?? VersionVector()
        let dots = Set(write.state.dots.filter { !seen.contains($0) }).sorted()
        entries.append(
          (
            write, RecordHistory.event(previous, write.state), dots,
            RecordHistory.changes(schema, previous, write.state)
          ))
        previous = write.state
      }
      if context.format() == .json {
        func value(_ value: JSONValue?) -> JSONValue { value ?? .null }
        printJSON(
          context, "outpost-history/1",
          [
            ("collection", .string(schema.name)), ("id", .string(id.rawValue)),
            (
              "writes",
              .array(
                entries.map { write, event, dots, changes in
                  .object(
                    JSONObject(uncheckedPairs: [
                      ("transaction", number(Int(write.transaction.number))),
                      ("at", .string(write.transaction.at.text)),
                      ("actor", .string(write.transaction.actor)),
                      ("command", .string(write.transaction.command)),
                      ("note", write.transaction.note.map { .string($0) } ?? .null),
                      ("event", .string(event)),
                      ("dots", .array(dots.map { .string($0.description) })),
                      (
                        "changes",
                        .array(
                          changes.map { change in
                            var pairs: [(String, JSONValue)] = [
                              ("field", .string(change.field)), ("from", value(change.from)),
                              ("to", value(change.to)),
                            ]
                            for (name, values) in [
                              ("candidates", change.candidates),
                              ("from_candidates", change.fromCandidates),
                            ] where !values.isEmpty {
                              pairs.append(
                                (
                                  name,
                                  .array(
                                    values.map {
                                      .object(
                                        JSONObject(uncheckedPairs: [
                                          ("dot", .string($0.dot.description)), ("value", $0.value),
                                        ]))
                                    })
                                ))
                            }
                            return .object(JSONObject(uncheckedPairs: pairs))
                          })
                      ),
                    ]))
                })
            ),
          ])
        return
      }
      func shown(_ value: JSONValue?) -> String {
        guard let value else { return "(none)" }
        return value == .null ? "(empty)" : cell(value)
      }
      var text = "\(schema.name)/\(id): \(entries.count) write(s), oldest first\n"
      for (write, event, dots, changes) in entries {
        let info = write.transaction
        text += "\ntxn \(info.number)  \(info.at.text)  \(info.actor)  \(info.command)\n"
        if !dots.isEmpty {
          let writers = Set(dots.map(\.replica.rawValue)).sorted().joined(separator: ", ")
          text += "    by \(writers) (\(dots.map(\.description).joined(separator: ", ")))\n"
        }
        if let note = info.note { text += "    note: \(note)\n" }
        if event != "updated" { text += "    record \(event)\n" }
        func alternatives(_ values: [Versioned]) -> String {
          values.map { "\(shown($0.value)) (\($0.dot.replica))" }.joined(separator: " | ")
        }
        for change in changes {
          text += "    \(change.field): "
          if !change.candidates.isEmpty {
            text += "\(shown(change.from)) → \(alternatives(change.candidates))  (conflict)\n"
          } else if !change.fromCandidates.isEmpty {
            text += "\(alternatives(change.fromCandidates)) → \(shown(change.to))  (resolved)\n"
          } else if change.from == nil {
            text += "\(shown(change.to))\n"
          } else {
            text += "\(shown(change.from)) → \(shown(change.to))\n"
          }
        }
      }
      context.console.out(text)
    }
  }
}
