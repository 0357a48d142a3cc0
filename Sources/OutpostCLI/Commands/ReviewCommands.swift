import Outpost
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// `review` (one conflict at a time at a terminal) and the remembered rules: `rules`,
/// `rules add`, `rules remove`, `rules apply` (SPEC.md §8.7).
extension Commands {
  static func headOnly(_ repository: RepositoryReader, _ what: String) throws {
    do { try repository.checkHeadOffice(what) } catch { throw CLIError(error) }
  }

  // MARK: review

  /// `review`.
  struct ReviewCommand: Command {
    static let name = "review"
    static let abstract = "Review open conflicts one at a time (head office, interactive)."
    static let discussion =
      "Shows each conflict field by field, in the order of 'outpost conflicts' "
      + "(largest KPI impact first), and asks: take one office's values, type values (VALUE or "
      + "FIELD=VALUE), skip (n), or quit (q). Each answer is recorded at once, exactly as 'outpost resolve' "
      + "would, so quitting loses nothing. Needs a terminal; scripts use 'outpost conflicts' "
      + "and 'outpost resolve'."
    static let examples = ["outpost review --repo hq"]

    static func run(_ options: Options, _ context: Context) throws {
      guard context.console.isInteractive else {
        throw CLIError(
          .usage, "'outpost review' asks questions and needs a terminal",
          hint:
            "In a script, list conflicts with 'outpost conflicts --format json' and settle each "
            + "with 'outpost resolve ID --take OFFICE'.")
      }
      let console = context.console
      // In the order `conflicts` lists them: largest KPI impact first (SPEC.md §8.7.2).
      let list: [((collection: String, id: RecordID, state: RecordState), ConflictKPIImpact)]
      do {
        let repository = try context.openReader()
        defer { repository.close() }
        try headOnly(repository, "conflicts are reviewed")
        list = try rankedConflicts(context, repository)
      } catch let error as StoreError { throw CLIError(error) }
      guard !list.isEmpty else {
        console.out("No open conflicts.\n")
        return
      }
      var resolved = 0
      var skipped = 0
      review: for (index, (conflict, impact)) in list.enumerated() {
        let repository = try context.openReader()
        let schema = try schema(repository, conflict.collection)
        console.out("\n[\(index + 1)/\(list.count)] ")
        console.out(
          try conflictText(
            repository, conflict.collection, conflict.id, conflict.state, impact: impact))
        repository.close()
        let writers = Set(Resolution.candidates(conflict.state).map(\.dot.replica)).sorted()
        var menu = writers.enumerated().map { "\($0.offset + 1)) take \($0.element)" }
        menu += ["s) set values", "n) skip", "q) quit"]
        let numbers = writers.count == 1 ? "1" : "1-\(writers.count)"
        while true {
          console.out(
            menu.joined(separator: "   ")
              + "\nChoose \(numbers) or s; n skips this conflict, q quits (answers so far are kept): "
          )
          guard let answer = try console.readLine()?.trimmingSpaces else { break review }
          let choice: ResolutionChoice
          if let number = Int(answer), number >= 1, number <= writers.count {
            choice = .take(writers[number - 1])
          } else if answer == "s" {
            guard let values = try readValues(console, schema, conflict.state) else { continue }
            choice = .set(values)
          } else if answer == "n" {
            skipped += 1
            continue review
          } else if answer == "q" {
            break review
          } else {
            console.out("Answer \(numbers) (take), s (set values), n (skip) or q (quit).\n")
            continue
          }
          console.out("Note (why; Enter for none): ")
          let note = try console.readLine()?.trimmingSpaces ?? ""
          do {
            let writer = try context.openWriter()
            defer { writer.close() }
            console.out(
              try resolveAndDescribe(
                writer, conflict.collection, conflict.id, choice, note.isEmpty ? nil : note))
            resolved += 1
            continue review
          } catch let error as CLIError {
            console.out("error: \(error.message)\n")
            if let hint = error.hint { console.out("  \(hint)\n") }
          }
        }
      }
      let open = list.count - resolved
      console.out(
        "\nReviewed: \(resolved) resolved, \(skipped) skipped; \(open) still open."
          + (open > 0 ? " Run 'outpost review' again to continue.\n" : "\n"))
    }
  }

  /// Asks for a value of every conflicted field; nil if the person gives up (an empty line).
  ///
  /// An answer is the value (`4`) or the field and value (`quantity=4`), as `resolve --set`
  /// takes it.
  static func readValues(_ console: Console, _ schema: CollectionSchema, _ state: RecordState)
    throws -> [String: JSONValue]?
  {
    var values: [String: JSONValue] = [:]
    if !state.conflictedFields.isEmpty {
      console.out("Type each value (VALUE or FIELD=VALUE); an empty line goes back.\n")
    }
    for field in state.conflictedFields {
      guard let spec = schema.field(field) else { continue }
      while values[field] == nil {
        console.out("\(field) = ")
        guard var text = try console.readLine() else { return nil }
        if text.isEmpty { return nil }
        if text.hasPrefix(field + "=") {
          text.removeFirst(field.count + 1)
        } else if let equals = text.firstIndex(of: "="), case let named = String(text[..<equals]),
          named != field, schema.field(named) != nil
        {
          console.out("This asks for \(field); type its value (or \(field)=VALUE).\n")
          continue
        }
        do throws(OutpostError) {
          values[field] = try Conflicts.value(text, for: spec)
        } catch { console.out("\(error.message)\n") }
      }
    }
    if state.hasDeleteConflict && state.conflictedFields.isEmpty {
      console.out("This record was deleted on one side: take a side (1, 2, …) instead.\n")
      return nil
    }
    return values
  }

  /// Resolves and returns the line that says what was decided.
  static func resolveAndDescribe(
    _ repository: RepositoryWriter, _ collection: String, _ id: RecordID,
    _ choice: ResolutionChoice,
    _ note: String?
  ) throws -> String {
    let result: (resolutionID: RecordID, chosen: [String: JSONValue])
    do {
      result = try repository.resolve(collection: collection, id: id, choice: choice, note: note)
    } catch { throw CLIError(error) }
    let chosen = result.chosen.keys.sorted().map { field in
      field == "deleted"
        ? (result.chosen[field] == .bool(true) ? "deleted" : "kept (not deleted)")
        : "\(field)=\(cell(result.chosen[field]!))"
    }
    return "Resolved \(collection)/\(id) (\(choice.summary)): \(chosen.joined(separator: ", ")); "
      + "recorded as resolutions/\(result.resolutionID).\n"
  }

  // MARK: rules

  /// `rules`.
  struct RulesCommand: Command {
    static let name = "rules"
    static let abstract = "List the remembered conflict rules."
    static let discussion =
      "A rule settles conflicts of one field automatically when a merge opens them, "
      + "with an audit record like a person's resolution."
    static let examples = ["outpost rules --repo hq"]

    static func run(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      let found: (rules: [ResolutionRule], invalid: [RecordID])
      do { found = try repository.resolutionRules() } catch { throw CLIError(error) }
      if context.format() == .json {
        printJSON(
          context, "outpost-rules/1",
          [
            (
              "rules",
              .array(
                found.rules.map { rule in
                  .object(
                    JSONObject(uncheckedPairs: [
                      ("id", .string(rule.id)), ("collection", .string(rule.collection)),
                      ("field", .string(rule.field)), ("prefer", .string(rule.prefer.rawValue)),
                    ]))
                })
            ),
            ("invalid", .array(found.invalid.map { .string($0.rawValue) })),
          ])
        return
      }
      guard !found.rules.isEmpty || !found.invalid.isEmpty else {
        context.console.out(
          "No rules. Add one with: outpost rules add COLLECTION FIELD --prefer head|owner|max|min\n"
        )
        return
      }
      var text = ""
      for rule in found.rules {
        text +=
          "  \(rule.collection).\(rule.field)".padding(36) + "prefer \(rule.prefer.rawValue)\n"
      }
      for id in found.invalid {
        text += "  \(id)".padding(36) + "INVALID (ignored at merge; fix or remove it)\n"
      }
      context.console.out(text)
    }
  }

  /// `rules add COLLECTION FIELD --prefer WHICH`.
  struct RulesAddCommand: Command {
    static let name = "rules add"
    static let abstract = "Remember how to settle conflicts of one field."
    static let arguments = ["<collection>", "<field>"]
    static let arity: (min: Int, max: Int?) = (2, 2)
    static let discussion =
      "FIELD 'deleted' settles an edit concurrent with a delete (head or owner). "
      + "A record is settled only when every one of its open conflicts has a rule that picks "
      + "one value; otherwise it waits for a person. Open conflicts already there are settled "
      + "with 'outpost rules apply'."
    static let examples = [
      "outpost rules add channel_daily spend --prefer owner --note \"branch has the invoice\"",
      "outpost rules add orders deleted --prefer head",
    ]

    struct Options: CommandOptions {
      /// Required: the default is never used.
      var prefer = ResolutionRule.Preference.head
      var note: String?

      static let options: [OptionBinding<Self>] = [
        .option(
          "prefer", "WHICH", \.prefer, required: true,
          help: "head, owner (the record's office), max or min. Required."),
        .option("note", "TEXT", \.note, help: "Why: kept with the rule."),
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let positionals = context.arguments
      let prefer = options.prefer
      let rule: ResolutionRule
      do {
        rule = try context.openWriter().addRule(
          collection: positionals[0], field: positionals[1], prefer: prefer,
          note: options.note)
      } catch let error as OutpostError { throw CLIError(error) }
      context.console.out(
        "Rule \(rule.id): conflicts of \(rule.field) in \(rule.collection) take the "
          + "\(prefer.rawValue) value from the next merge on. Settle open ones with: outpost "
          + "rules apply\n")
    }
  }

  /// `rules remove COLLECTION FIELD`.
  struct RulesRemoveCommand: Command {
    static let name = "rules remove"
    static let abstract = "Forget a rule."
    static let arguments = ["<collection>", "<field>"]
    static let arity: (min: Int, max: Int?) = (2, 2)

    static func run(_ options: Options, _ context: Context) throws {
      let positionals = context.arguments
      do {
        try context.openWriter().removeRule(collection: positionals[0], field: positionals[1])
      } catch let error as OutpostError {
        var cli = CLIError(error)
        if error.code == .notFound { cli.hint = "List them with: outpost rules" }
        throw cli
      }
      context.console.out("Rule \(positionals[0]).\(positionals[1]) removed.\n")
    }
  }

  /// `rules apply`.
  struct RulesApplyCommand: Command {
    static let name = "rules apply"
    static let abstract = "Settle the open conflicts the rules decide."
    static let examples = ["outpost rules apply --repo hq"]

    static func run(_ options: Options, _ context: Context) throws {
      let settled: [(collection: String, id: RecordID, rules: [String])]
      do { settled = try context.openWriter().applyRules() } catch let error as OutpostError {
        throw CLIError(error)
      }
      var text = "Settled \(settled.count) conflict(s) by rule.\n"
      for entry in settled {
        text += "  \(entry.collection)/\(entry.id)  (rule \(entry.rules.joined(separator: ", ")))\n"
      }
      context.console.out(text)
    }
  }
}

extension String {
  /// The text without leading and trailing spaces and tabs.
  var trimmingSpaces: String {
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
    let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
    return String(scalars[first...last])
  }
}
