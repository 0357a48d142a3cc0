import Outpost
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// `conflicts`, `conflicts show`, `resolve` (SPEC.md §8.6).
extension Commands {
  static func conflictID(_ text: String) throws -> (String, RecordID) {
    guard let slash = text.firstIndex(of: "/") else {
      throw CLIError(
        .usage, "'\(text)' is not a conflict id (COLLECTION/RECORD-ID)",
        hint: "List them with: outpost conflicts")
    }
    return (String(text[..<slash]), try recordID(String(text[text.index(after: slash)...])))
  }

  static func conflictJSON(_ collection: String, _ id: RecordID, _ state: RecordState)
    -> JSONValue
  {
    let candidates = Resolution.candidates(state)
    let fields = Set(candidates.map(\.field)).sorted()
    return .object(
      JSONObject(uncheckedPairs: [
        ("id", .string("\(collection)/\(id)")), ("collection", .string(collection)),
        ("record_id", .string(id.rawValue)), ("fields", .array(fields.map { .string($0) })),
        (
          "candidates",
          .array(
            candidates.map { candidate in
              .object(
                JSONObject(uncheckedPairs: [
                  ("field", .string(candidate.field)), ("value", candidate.value),
                  ("replica", .string(candidate.dot.replica.rawValue)),
                  ("dot", .string(candidate.dot.description)),
                  ("provisional", .bool(isProvisional(candidate, state))),
                ]))
            })
        ),
      ]))
  }

  static func isProvisional(_ candidate: Resolution.Candidate, _ state: RecordState) -> Bool {
    candidate.provisional
  }

  /// The open conflicts with their KPI impact, largest impact first, then by id (SPEC.md §9.8):
  /// the order of `conflicts` and of `review`.
  static func rankedConflicts(_ context: Context, _ repository: RepositoryReader) throws -> [(
    (collection: String, id: RecordID, state: RecordState), ConflictKPIImpact
  )] {
    do {
      return try repository.rankedConflicts(today: today(context)).map {
        ($0.conflict, $0.impact)
      }
    } catch { throw kpiError(error) }
  }

  /// `conflicts`.
  struct ConflictsCommand: Command {
    static let name = "conflicts"
    static let abstract = "List records with open conflicts."
    static let discussion =
      "A conflict is two concurrent writes of one field, or an edit concurrent with a "
      + "delete. Its id is COLLECTION/RECORD-ID. Until it is resolved, readers see the "
      + "provisional winner (SPEC.md §5.4)."
    static let examples = [
      "outpost conflicts --repo hq", "outpost conflicts --format json",
      "outpost conflicts --format csv --bom --out conflicts.csv --repo hq",
    ]

    struct Options: OutputCommandOptions {
      var output = OutputOptions()

      static let options: [OptionBinding<Self>] = OptionBinding.outputOptions
    }

    static func run(_ options: Options, _ context: Context) throws {
      try options.output.deliver(context, format: context.format(), render)
    }

    /// Lists the open conflicts on `context`'s standard output.
    private static func render(_ context: Context) throws {
      let repository = try context.openReader()
      let ranked = try rankedConflicts(context, repository)
      if context.format() == .csv {
        context.console.out(csv(ranked))
        return
      }
      if context.format() == .json {
        printJSON(
          context, "outpost-conflicts/1",
          [
            (
              "conflicts",
              .array(
                ranked.map { conflict, impact in
                  guard
                    case .object(let object) = conflictJSON(
                      conflict.collection, conflict.id, conflict.state)
                  else { return .null }
                  return .object(
                    JSONObject(
                      uncheckedPairs: object.map { ($0.key, $0.value) } + [("impact", impact.json)])
                  )
                })
            )
          ])
        return
      }
      guard !ranked.isEmpty else {
        context.console.out("No open conflicts.\n")
        return
      }
      var text = "\(ranked.count) open conflict(s), largest KPI impact first:\n"
      for (conflict, impact) in ranked {
        let fields = Set(Resolution.candidates(conflict.state).map(\.field)).sorted()
        let writers = Set(Resolution.candidates(conflict.state).map(\.dot.replica.rawValue))
          .sorted()
        text +=
          "  \(conflict.collection)/\(conflict.id)  \(fields.joined(separator: ", "))  "
          + "(\(writers.joined(separator: " vs ")))\n      \(impact.summary)\n"
      }
      text +=
        "Show one with: outpost conflicts show ID; resolve it with: outpost resolve ID --take OFFICE\n"
      context.console.out(text)
    }

    /// One CSV line per conflict, in the order of the text (SPEC.md §8.9): its id, collection
    /// and record id, the fields in conflict and the offices that wrote them (each joined by
    /// `;`), and its KPI impact (§9.8): how many KPIs it moves and the largest relative change,
    /// with that change's KPI and period (empty when it moves none).
    static func csv(
      _ ranked: [((collection: String, id: RecordID, state: RecordState), ConflictKPIImpact)]
    ) -> String {
      var text = CSVWriter.line([
        "id", "collection", "record_id", "fields", "offices", "kpis_changed",
        "largest_relative_change", "largest_change_kpi", "largest_change_period",
      ])
      for (conflict, impact) in ranked {
        let candidates = Resolution.candidates(conflict.state)
        // The change the text's "up to P % (KPI PERIOD)" names.
        let top = impact.changes.max { $0.relativeChange < $1.relativeChange }
        text += CSVWriter.line([
          "\(conflict.collection)/\(conflict.id)", conflict.collection, conflict.id.rawValue,
          Set(candidates.map(\.field)).sorted().joined(separator: ";"),
          Set(candidates.map(\.dot.replica.rawValue)).sorted().joined(separator: ";"),
          String(impact.kpisChanged.count), impact.largestRelativeChange.formatted(scale: 4),
          top?.kpi ?? "", top?.period.description ?? "",
        ])
      }
      return text
    }
  }

  /// `conflicts show ID`.
  struct ConflictsShowCommand: Command {
    static let name = "conflicts show"
    static let abstract = "Show one conflict field by field."
    static let arguments = ["<id>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let examples = ["outpost conflicts show orders/o-1001"]

    static func run(_ options: Options, _ context: Context) throws {
      let (collection, id) = try conflictID(context.arguments[0])
      let repository = try context.openReader()
      let schema = try schema(repository, collection)
      let found: RecordState?
      do { found = try repository.state(schema.name, id) } catch { throw CLIError(error) }
      guard let state = found else {
        throw CLIError(.noInput, "no record '\(id)' in '\(collection)'")
      }
      guard state.isConflicted else {
        throw CLIError(.noInput, "\(collection)/\(id) has no open conflict")
      }
      let origins = try conflictOrigins(repository, collection, id, state)
      let impact = try conflictImpacts(context, repository, [(collection, id, state)])[0]
      if context.format() == .json {
        var json = conflictJSON(collection, id, state)
        if case .object(var object) = json {
          var members = object.map { ($0.key, $0.value) }
          members.append(("impact", impact.json))
          func origin(_ info: TransactionInfo) -> [(String, JSONValue)] {
            [
              ("arrived_at", .string(info.at.text)), ("transaction", number(Int(info.number))),
              ("command", .string(info.command)),
            ]
          }
          members.append(
            (
              "origins",
              .array(
                origins.written.keys.sorted().map { dot in
                  .object(
                    JSONObject(
                      uncheckedPairs: [("dot", .string(dot))] + origin(origins.written[dot]!)))
                })
            ))
          members.append(
            (
              "before",
              .object(JSONObject(uncheckedPairs: origins.before.map { ($0.key, $0.value.value) }))
            ))
          members.append(
            (
              "before_origins",
              .object(
                JSONObject(
                  uncheckedPairs: origins.before.map { field, value in
                    (
                      field,
                      .object(
                        JSONObject(
                          uncheckedPairs: [
                            ("dot", .string(value.dot.description)),
                            ("replica", .string(value.dot.replica.rawValue)),
                          ] + (origins.beforeWritten[field].map(origin) ?? [])))
                    )
                  }))
            ))
          members.append(
            (
              "base",
              origins.baseTransaction.map { .object(JSONObject(uncheckedPairs: origin($0))) }
                ?? .null
            ))
          members.append(
            (
              "agreed",
              .object(
                JSONObject(
                  uncheckedPairs: origins.agreed.compactMap { field in
                    state.value(field).map { (field, $0) }
                  }))
            ))
          members.append(
            (
              "changed",
              .array(
                origins.changed.map { change in
                  var pairs: [(String, JSONValue)] = [
                    ("field", .string(change.field)),
                    ("from", origins.before[change.field]?.value ?? .null),
                    ("to", change.now?.value ?? .null),
                    ("dot", change.now.map { .string($0.dot.description) } ?? .null),
                    ("replica", change.now.map { .string($0.dot.replica.rawValue) } ?? .null),
                  ]
                  if let info = change.written { pairs += origin(info) }
                  return .object(JSONObject(uncheckedPairs: pairs))
                })
            ))
          object = JSONObject(uncheckedPairs: members)
          json = .object(object)
        }
        printJSON(context, "outpost-conflict/1", [("conflict", json)])
        return
      }
      context.console.out(try conflictText(repository, collection, id, state, impact: impact))
    }
  }

  /// Where each candidate of a conflict came from (``RepositoryReader/conflictOrigins(_:_:_:)``).
  static func conflictOrigins(
    _ repository: RepositoryReader, _ collection: String, _ id: RecordID, _ state: RecordState
  ) throws -> ConflictOrigins {
    do { return try repository.conflictOrigins(collection, id, state) } catch {
      throw CLIError(error)
    }
  }

  /// "written T" for a local write, "arrived T (merge north seq 2)" for one from a bundle.
  static func arrival(_ info: TransactionInfo) -> String {
    info.command.hasPrefix("merge ") || info.command.hasPrefix("receive ")
      ? "arrived \(info.at.text) (\(info.command))" : "written \(info.at.text)"
  }

  /// A value as `conflicts show` prints it: "(empty)" for null, "(none)" for absent.
  static func shownValue(_ value: JSONValue?) -> String {
    guard let value else { return "(none)" }
    return value == .null ? "(empty)" : cell(value)
  }

  /// The text of `conflicts show` (also shown by `review`).
  static func conflictText(
    _ repository: RepositoryReader, _ collection: String, _ id: RecordID, _ state: RecordState,
    impact: ConflictKPIImpact? = nil
  ) throws -> String {
    let origins = try conflictOrigins(repository, collection, id, state)
    var text = "\(collection)/\(id)\n"
    var current = ""
    for (index, candidate) in Resolution.candidates(state).enumerated() {
      if candidate.field != current {
        current = candidate.field
        text += "  \(current == "deleted" ? "(deleted or edited)" : current):"
        if let before = origins.before[current] {
          text += "  (was \(shownValue(before.value)), by \(before.dot.replica)"
          if let info = origins.beforeWritten[current] { text += ", \(arrival(info))" }
          text += ")"
        }
        text += "\n"
      }
      let shown =
        candidate.field == "deleted"
        ? (candidate.value == .bool(true) ? "deleted" : "edited (kept)") : cell(candidate.value)
      var line = "    \(candidate.dot.replica.rawValue.padding(8)) \(shown.padding(16))"
      if let info = origins.written[candidate.dot.description] {
        line += " \(arrival(info))"
      } else {
        line += " as \(candidate.dot)"
      }
      if isProvisional(candidate, state) { line += "  <- shown until resolved" }
      text += line + "\n"
      for change in impact?.changes ?? [] where change.candidate == index {
        text += "        \(change.kpi) \(change.period): \(change.from) → \(change.to)\n"
      }
    }
    if !origins.changed.isEmpty {
      // What one side changed since they last agreed: an edit concurrent with a delete shows
      // what the edit did.
      text += "  changed on one side since both last agreed (not agreed):\n"
      for change in origins.changed {
        text +=
          "    \(change.field): \(shownValue(origins.before[change.field]?.value)) → "
          + shownValue(change.now?.value)
        if let now = change.now {
          text += "  (\(now.dot.replica)\(change.written.map { ", \(arrival($0))" } ?? ""))"
        }
        text += "\n"
      }
    }
    for (label, fields) in [
      ("agreed:", origins.agreed),
      ("other fields (the record arrived in conflict):", origins.unknown),
    ] where fields.contains(where: { state.value($0).map { $0 != .null } ?? false }) {
      // Wrapped to fit 80 columns; empty (null) fields are left out.
      var line = "  \(label)"
      for field in fields where state.value(field).map({ $0 != .null }) ?? false {
        let item = " \(field)=\(cell(state.value(field)!))"
        if line.count + item.count > 80 {
          text += line + "\n"
          line = "         "
        }
        line += item
      }
      text += line + "\n"
    }
    text += "Resolve with: outpost resolve \(collection)/\(id) --take OFFICE [--note TEXT]\n"
    return text
  }

  /// `resolve ID --take OFFICE | --set FIELD=VALUE...`.
  struct ResolveCommand: Command {
    static let name = "resolve"
    static let abstract = "Resolve a conflict (head office)."
    static let arguments = ["<id>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "The resolution is an ordinary write that covers every candidate, so it wins "
      + "everywhere once replies carry it. Who, when, which choice and the note are kept in "
      + "the 'resolutions' collection and shown in 'outpost log'."
    static let examples = [
      "outpost resolve orders/o-1001 --take east --note \"east issued the credit note\"",
      "outpost resolve channel_daily/north.sem.2025-03-02 --set spend=1200.00",
    ]

    struct Options: CommandOptions {
      var take: ReplicaID?
      var set: [Assignment] = []
      var note: String?

      static let options: [OptionBinding<Self>] = [
        .option(
          "take", "OFFICE", \.take, help: "Take the values this office wrote.",
          parse: replicaArgument),
        .repeating(
          "set", "FIELD=VALUE", \.set, help: "Write this value instead.", parse: assignment),
        .option("note", "TEXT", \.note, help: "Why: kept in the audit trail (resolutions)."),
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let (collection, id) = try conflictID(context.arguments[0])
      guard (options.take == nil) != options.set.isEmpty else {
        throw CLIError(
          .usage, "give either --take OFFICE or --set FIELD=VALUE (one or more)",
          hint: HelpText.usage(context.command))
      }
      let repository = try context.openWriter()
      let schema = try schema(repository, collection)
      let choice: ResolutionChoice
      if let take = options.take {
        choice = .take(take)
      } else {
        do { choice = try Conflicts.setChoice(options.set, in: schema) } catch {
          throw CLIError(error)
        }
      }
      context.console.out(
        try resolveAndDescribe(
          repository, schema.name, id, choice, options.note))
    }
  }
}
