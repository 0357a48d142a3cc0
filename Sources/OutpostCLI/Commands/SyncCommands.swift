import Outpost
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// `office add|revoke`, `submit`, `merge`, `reply`, `receive` (SPEC.md §8).
extension Commands {
  static func replicaArgument(_ text: String) throws -> ReplicaID {
    do { return try ReplicaID(text) } catch { throw CLIError(.usage, error.message) }
  }

  /// `office add OFFICE --key-out FILE`.
  struct OfficeAddCommand: Command {
    static let name = "office add"
    static let abstract = "Enroll an office at head office and write its key file."
    static let arguments = ["<office>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "The key file is the office's identity: give it to the office (USB stick, in "
      + "person) and nobody else. Outpost never prints a key."
    static let examples = ["outpost office add north --key-out north.key --repo hq"]

    struct Options: CommandOptions {
      var keyOut = ""

      static let options: [OptionBinding<Self>] = [
        .option(
          "key-out", "FILE", \.keyOut, required: true,
          help: "Where to write the office's key file (mode 0600). Required.")
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let office = try replicaArgument(context.arguments[0])
      let out = context.resolve(options.keyOut)
      let repository = try context.openWriter()
      do {
        if try context.fileSystem.exists(out) {
          throw CLIError(
            .cannotCreate, "'\(out)' already exists; no office was enrolled",
            hint: "Choose another file for the key.")
        }
      } catch let error as CLIError { throw error } catch {}
      do {
        let key = try repository.enroll(office)
        try OutputFile.write(
          key.fileBytes, to: out, secret: true, replace: false, fileSystem: context.fileSystem)
        context.console.out(
          "Enrolled office '\(office)' (key \(key.keyID)); its key file is \(out) (mode 0600).\n"
            + "Give that file to the office, and only to it: outpost init --office \(office) --key "
            + "FILE (a new repository) or outpost office key FILE (its existing one)\n")
      } catch { throw CLIError(error) }
    }
  }

  /// `gc`.
  struct GCCommand: Command {
    static let name = "gc"
    static let abstract = "Collect deleted records every office has seen (head office)."
    static let discussion =
      "A deleted record is kept (a tombstone) until every enrolled office has "
      + "submitted with the deletion seen; then it can go. Replies carry the horizon so "
      + "branches collect the same records. A silent office holds collection back: revoke it "
      + "if it is gone for good. See SPEC.md §8.10."
    static let examples = ["outpost gc --dry-run --repo hq", "outpost gc --repo hq"]

    struct Options: CommandOptions {
      var dryRun = false

      static let options: [OptionBinding<Self>] = [
        .flag("dry-run", \.dryRun, help: "List what would be collected; change nothing.")
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let dryRun = options.dryRun
      let result: (horizon: VersionVector, collected: [(collection: String, id: RecordID)])
      do {
        result =
          dryRun
          ? try context.openReader().collectableRecords()
          : try context.openWriter().collectGarbage()
      } catch let error as StoreError { throw CLIError(error) }
      if context.format() == .json {
        printJSON(
          context, "outpost-gc/1",
          [
            ("dry_run", .bool(dryRun)), ("horizon", result.horizon.json),
            ("collected", .array(result.collected.map { .string("\($0.collection)/\($0.id)") })),
          ])
        return
      }
      var text =
        "\(dryRun ? "Would collect" : "Collected") \(result.collected.count) deleted record(s) that "
        + "every enrolled office has seen (horizon \(result.horizon)).\n"
      for entry in result.collected.prefix(20) { text += "  \(entry.collection)/\(entry.id)\n" }
      if result.collected.count > 20 { text += "  … and \(result.collected.count - 20) more\n" }
      if !dryRun && !result.collected.isEmpty {
        text += "The next replies tell the offices to collect them too.\n"
      }
      context.console.out(text)
    }
  }

  /// `office key FILE`.
  struct OfficeKeyCommand: Command {
    static let name = "office key"
    static let abstract = "Install a new key from head office (branch)."
    static let arguments = ["<file>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "After head office re-enrolled this office. The exchange restarts: the next "
      + "submission and reply are complete, and this repository's new changes get event ids "
      + "above any head office has seen (a repository restored from a copy re-bases this way)."
    static let examples = ["outpost office key north-2.key --repo north"]

    static func run(_ options: Options, _ context: Context) throws {
      let argument = context.arguments[0]
      let bytes = try readKeyFile(context, argument)
      let key: OfficeKey
      do { key = try OfficeKey(fileBytes: bytes, path: argument) } catch {
        throw CLIError(.dataError, error.message, hint: CLIError.hint(error.hint, error.remedy))
      }
      let replaced: Bool
      do { replaced = try context.openWriter().installNewKey(key) } catch let error as OutpostError
      {
        throw CLIError(error)
      }
      context.console.out(
        replaced
          ? "Installed key \(key.keyID) from '\(key.head)'. The exchange restarts: submit now "
            + "(outpost submit --out FILE); head office's next reply brings everything.\n"
          : "Key \(key.keyID) is already installed; nothing changed.\n")
    }
  }

  /// `office revoke OFFICE`.
  struct OfficeRevokeCommand: Command {
    static let name = "office revoke"
    static let abstract = "Revoke an office's key: its bundles are refused."
    static let arguments = ["<office>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "Use it when a laptop is lost or a repository was restored from an old copy. "
      + "Re-enroll the office with 'office add' to give it a new key; it installs the key "
      + "with 'office key FILE' (existing repository) or 'init --key FILE' (new one)."
    static let examples = ["outpost office revoke north --repo hq"]

    static func run(_ options: Options, _ context: Context) throws {
      let office = try replicaArgument(context.arguments[0])
      let repository = try context.openWriter()
      do { try repository.revoke(office) } catch { throw CLIError(error) }
      context.console.out(
        "Revoked the key of office '\(office)': its bundles are refused from now on.\n")
    }
  }

  /// `submit --out FILE`.
  struct SubmitCommand: Command {
    static let name = "submit"
    static let abstract = "Make a submission for head office (branch)."
    static let discussion =
      "Holds every change head office has not acknowledged yet, so a lost file loses "
      + "nothing: the next submission carries it again."
    static let examples = ["outpost submit --out north-2025-03.bundle --repo north"]

    struct Options: CommandOptions {
      var out = ""

      static let options: [OptionBinding<Self>] = [
        .option(
          "out", "FILE", \.out, required: true, help: "The submission file to write. Required.")
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let out = context.resolve(options.out)
      let repository = try context.openWriter()
      let made: MadeBundle
      do { made = try repository.submit(today: today(context)) } catch { throw kpiError(error) }
      try write(context, made, to: out)
    }
  }

  /// `reply OFFICE --out FILE`.
  struct ReplyCommand: Command {
    static let name = "reply"
    static let abstract = "Make the return bundle for an office (head office)."
    static let arguments = ["<office>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "Acknowledges the office's submissions and carries resolutions, head-office "
      + "collections and other offices' data."
    static let examples = ["outpost reply north --out north-reply.bundle --repo hq"]

    struct Options: CommandOptions {
      var out = ""

      static let options: [OptionBinding<Self>] = [
        .option("out", "FILE", \.out, required: true, help: "The reply file to write. Required.")
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let office = try replicaArgument(context.arguments[0])
      let out = context.resolve(options.out)
      let made: MadeBundle
      let repository = try context.openWriter()
      do { made = try repository.reply(to: office, today: today(context)) } catch {
        throw kpiError(error)
      }
      try write(context, made, to: out)
    }
  }

  /// Writes a bundle that was made, and says what it holds.
  private static func write(_ context: Context, _ made: MadeBundle, to out: String) throws {
    do {
      try OutputFile.write(
        made.bytes, to: out, secret: false, replace: true, fileSystem: context.fileSystem)
    } catch { throw CLIError(error) }
    let manifest = made.manifest
    if context.format() == .json {
      printJSON(
        context, "outpost-bundle-made/1",
        [
          ("kind", .string(manifest.kind.rawValue)), ("from", .string(manifest.from.rawValue)),
          ("to", .string(manifest.to.rawValue)), ("seq", number(Int(manifest.seq))),
          ("records", number(Int(manifest.records))), ("hash", .string(made.hash)),
          ("file", .string(out)), ("bytes", number(made.bytes.count)),
        ])
      return
    }
    context.console.out(
      "Wrote \(manifest.kind) \(manifest.seq) for '\(manifest.to)' to \(out): \(manifest.records) "
        + "record(s), \(made.bytes.count) bytes.\n")
  }

  static func readBundleFile(_ context: Context, _ argument: String) throws -> [UInt8] {
    try context.readInputFile(argument, .bundle).bytes
  }

  /// `merge FILE...`.
  struct MergeCommand: Command {
    static let name = "merge"
    static let abstract = "Verify and merge submissions (head office)."
    static let arguments = ["<file>..."]
    static let arity: (min: Int, max: Int?) = (1, nil)
    static let discussion =
      "Each file is verified (MAC, sender, sequence, clocks, ownership) before any "
      + "record is read, and merged all or nothing. Merging a file twice changes nothing."
    static let examples = ["outpost merge north.bundle east.bundle --repo hq"]

    struct Options: CommandOptions {
      var dryRun = false
      var noKPICheck = false

      static let options: [OptionBinding<Self>] = [
        .flag("dry-run", \.dryRun, help: "Check and report, write nothing."),
        .flag(
          "no-kpi-check", \.noKPICheck,
          help: "Skip recomputing the branch's KPI report (SPEC.md §9.7)."),
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let dryRun = options.dryRun
      // Every file is checked before the lock is taken: a FIFO, a device or an oversized file is
      // refused without ever holding the lock (and without waiting on a FIFO).
      var refusedEarly: [Int: CLIError] = [:]
      for (index, argument) in context.arguments.enumerated() {
        do { try context.checkInputFile(argument, .bundle) } catch let error as CLIError {
          refusedEarly[index] = error
        }
      }
      let allRefused = refusedEarly.count == context.arguments.count
      // A dry run reads a snapshot; a merge is the writer.
      let writer = allRefused || dryRun ? nil : try context.openWriter()
      let repository: RepositoryReader? = allRefused ? nil : try writer ?? context.openReader()
      if let repository {
        do { try repository.checkMerge() } catch { throw CLIError(error) }
      }
      var results: [JSONValue] = []
      var firstFailure: CLIError?
      var totals: [MergeOutcome: Int] = [:]
      var merged = 0
      var refused = 0
      var settledTotal = 0
      let count = context.arguments.count
      for (index, argument) in context.arguments.enumerated() {
        context.console.progress("merging \(argument) (\(index + 1)/\(count))…")
        do {
          if let error = refusedEarly[index] { throw error }
          guard let repository else { continue }
          let bytes = try readBundleFile(context, argument)
          let report: ApplyReport
          do throws(OutpostError) {
            if let writer {
              report = try writer.merge(bytes, name: argument)
            } else {
              report = try repository.previewMerge(bytes, name: argument)
            }
          } catch { throw CLIError(error) }
          if !report.alreadyApplied { merged += 1 }
          let counts = report.openCounts
          for (outcome, count) in counts.outcomes { totals[outcome, default: 0] += count }
          settledTotal += counts.settled
          let reconciliation =
            dryRun || options.noKPICheck
            ? nil : try reconcile(context, repository, report)
          var entry = reportJSON(argument, report, dryRun: dryRun)
          if let reconciliation, case .object(let object) = entry {
            entry = .object(
              JSONObject(
                uncheckedPairs: object.map { ($0.key, $0.value) } + [
                  ("reconciliation", reconciliation.json)
                ]))
          }
          results.append(entry)
          context.console.endProgress()
          if context.format() != .json {
            context.console.out(reportText(argument, report, dryRun) + (reconciliation?.text ?? ""))
          }
        } catch let error as CLIError {
          firstFailure = firstFailure ?? error
          refused += 1
          results.append(
            .object(
              JSONObject(uncheckedPairs: [
                ("file", .string(argument)), ("status", .string("refused")),
                ("error", .string(error.message)), ("exit", number(Int(error.status.rawValue))),
                ("hint", error.hint.map { .string($0) } ?? .null),
              ])))
          context.console.endProgress()
          if context.format() != .json || context.arguments.count > 1 {
            let label = context.colors ? "\u{1B}[1;31merror:\u{1B}[0m" : "error:"
            context.console.err("\(label) \(error.message)\n")
            if let hint = error.hint { context.console.err("  \(hint)\n") }
          }
        }
      }
      let totalPairs =
        outcomeOrder.map { ($0.rawValue, number(totals[$0] ?? 0)) } + [
          ("bundles_applied", number(merged)), ("bundles_refused", number(refused)),
          ("settled_by_rule", number(settledTotal)),
        ]
      if context.format() == .json {
        printJSON(
          context, "outpost-merge/1",
          [
            ("bundles", .array(results)), ("dry_run", .bool(dryRun)),
            ("totals", .object(JSONObject(uncheckedPairs: totalPairs))),
          ])
      } else if context.arguments.count > 1 {
        context.console.out(
          "Total: \(merged) bundle(s) \(dryRun ? "would be merged" : "merged"), \(refused) refused "
            + "(rejected, nothing from them was imported); "
            + outcomeOrder.map { "\(totals[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
            + (settledTotal > 0 ? "; \(settledTotal) settled by rule" : "") + "\n")
      }
      if let firstFailure { throw AlreadyReported(status: firstFailure.status) }
    }
  }

  /// `receive FILE`.
  struct ReceiveCommand: Command {
    static let name = "receive"
    static let abstract = "Apply head office's return bundle (branch)."
    static let arguments = ["<file>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "Prints what changed and why, including which of this office's edits lost a "
      + "conflict and who decided."
    static let examples = ["outpost receive north-reply.bundle --repo north"]

    static func run(_ options: Options, _ context: Context) throws {
      let argument = context.arguments[0]
      let bytes = try readBundleFile(context, argument)
      let report: ApplyReport
      do { report = try context.openWriter().receive(bytes, name: argument) } catch let error
        as OutpostError
      { throw CLIError(error) }
      if context.format() == .json {
        printJSON(
          context, "outpost-receive/1", [("bundle", reportJSON(argument, report, dryRun: false))])
        return
      }
      context.console.out(reportText(argument, report, false))
    }
  }

  static let outcomeOrder: [MergeOutcome] = [
    .new, .updated, .deleted, .merged, .conflict, .unchanged,
  ]

  static func reportJSON(_ file: String, _ report: ApplyReport, dryRun: Bool) -> JSONValue {
    let (counts, settled) = report.openCounts
    let status = report.alreadyApplied ? "already-applied" : (dryRun ? "dry-run" : "applied")
    var members: [(String, JSONValue)] = [
      ("file", .string(file)), ("status", .string(status)),
      ("kind", .string(report.manifest.kind.rawValue)),
      ("from", .string(report.manifest.from.rawValue)), ("seq", number(Int(report.manifest.seq))),
      ("hash", .string(report.hash)),
      (
        "counts",
        .object(
          JSONObject(
            uncheckedPairs: outcomeOrder.map { ($0.rawValue, number(counts[$0] ?? 0)) } + [
              ("settled_by_rule", number(settled))
            ]))
      ),
      ("conflicts", .array(report.openConflicts.map { .string("\($0.collection)/\($0.id)") })),
      (
        "replaced",
        .array(
          report.replaced.map { value in
            var pairs: [(String, JSONValue)] = [
              ("collection", .string(value.collection)), ("id", .string(value.id.rawValue)),
              ("field", .string(value.field)), ("mine", value.mine), ("now", value.now ?? .null),
              ("by", value.by.map { .string($0.description) } ?? .null),
            ]
            let why = report.replacement(of: value)
            pairs.append(("reason", .string(why.reason)))
            pairs.append(("note", why.note.map { .string($0) } ?? .null))
            if let resolution = value.resolution {
              pairs.append(
                (
                  "resolution",
                  .object(JSONObject(uncheckedPairs: resolution.map { ($0.key, $0.value) }))
                ))
            }
            return .object(JSONObject(uncheckedPairs: pairs))
          })
      ),
      ("transaction", report.transaction.map { number(Int($0)) } ?? .null),
    ]
    if let missing = report.missing {
      members.append(("missing", .array(missing.map { number(Int($0)) })))
    }
    if report.fillsGap { members.append(("fills_gap", .bool(true))) }
    members.append(
      ("not_applied", .array(report.notApplied.map { .string("\($0.collection)/\($0.id)") })))
    members.append(
      ("removed", .array(report.removed.map { .string("\($0.collection)/\($0.id)") })))
    members.append(("collected", number(report.collectedCount)))
    members.append(("set_aside", number(report.setAside.count)))
    members.append(
      (
        "settled_by_rule",
        .array(report.resolvedByRule.map { .string("\($0.collection)/\($0.id)") })
      ))
    return .object(JSONObject(uncheckedPairs: members))
  }

  static func reportText(_ file: String, _ report: ApplyReport, _ dryRun: Bool) -> String {
    let manifest = report.manifest
    let what = "\(manifest.kind) \(manifest.seq) from '\(manifest.from)' (\(file))"
    if report.alreadyApplied {
      return "\(what): already \(manifest.kind == .reply ? "received" : "merged"); no changes.\n"
    }
    let (counts, settled) = report.openCounts
    let labels: [MergeOutcome: String] = [
      .new: "new", .updated: "updated", .deleted: "deleted",
      .merged: "merged without conflict", .conflict: "conflict(s)", .unchanged: "unchanged",
    ]
    var text =
      (dryRun ? "Would merge " : (manifest.kind == .reply ? "Received " : "Merged ")) + what + ": "
      + outcomeOrder.map { "\(counts[$0] ?? 0) \(labels[$0]!)" }.joined(separator: ", ")
      + (settled > 0 ? "; \(settled) conflict(s) settled by rule" : "") + "\n"
    if let missing = report.missing {
      let list = missing.map(String.init).joined(separator: ", ")
      text +=
        "  note: seq \(list) never arrived; nothing is lost (each bundle holds everything not yet "
        + "acknowledged)\n"
    }
    if report.fillsGap {
      text += "  note: this bundle arrived after a newer one; it fills the gap reported then\n"
    }
    for entry in report.openConflicts {
      text +=
        "  conflict: \(entry.collection)/\(entry.id)  (outpost conflicts show "
        + "\(entry.collection)/\(entry.id))\n"
    }
    for entry in report.notApplied {
      text +=
        manifest.kind == .reply
        ? "  not applied: \(entry.collection)/\(entry.id) was deleted and collected after this "
          + "reply was made; its older copy here is not brought back\n"
        : "  not applied: \(entry.collection)/\(entry.id) was deleted and collected at head office "
          + "after every office had seen the deletion; it is not brought back (the office removes "
          + "it at the next reply)\n"
    }
    for entry in report.removed {
      text +=
        "  removed: \(entry.collection)/\(entry.id) was deleted and collected at head office"
        + (entry.edited ? "; your later edit of it was not applied\n" : "\n")
    }
    if report.collectedCount > 0 {
      text +=
        "  collected \(report.collectedCount) deleted record(s) every office has seen "
        + "(SPEC.md §8.10)\n"
    }
    if !report.setAside.isEmpty {
      text +=
        "  set aside \(report.setAside.count) record(s) of other offices: head office's "
        + "record_visibility is own_office, so its replies carry this office's rows only "
        + "(SPEC.md §8.6)\n"
    }
    for entry in report.resolvedByRule {
      text +=
        "  settled by rule: \(entry.collection)/\(entry.id) (rule "
        + "\(entry.rules.joined(separator: ", ")); see outpost log)\n"
    }
    for value in report.replaced { text += "  " + replacedText(value, report) + "\n" }
    return text
  }
}

extension Commands {
  /// One line telling this replica what became of one of its values (SPEC.md §8.6): a conflict
  /// it lost, a change head office made over it, or another replacement; each with its note.
  static func replacedText(_ value: ReplacedValue, _ report: ApplyReport) -> String {
    let name = "\(value.collection)/\(value.id)"
    let why = report.replacement(of: value)
    let note = why.note.map { ": \($0)" } ?? ""
    let now = value.now.map(cell) ?? "nothing"
    let writer = value.by.map { " (written by \($0.replica))" } ?? ""
    switch (why.reason, value.field == "deleted") {
    case ("conflict", let existence):
      let who = value.resolution?["decided_by"]?.stringValue ?? "head office"
      let choice = value.resolution?["choice"]?.stringValue ?? "?"
      let lost =
        existence
        ? "your \(value.mine == .bool(true) ? "deletion" : "edit") of \(name) lost a conflict: "
          + "the record was \(value.now == .bool(true) ? "deleted" : "kept")"
        : "your value of \(name) \(value.field)=\(cell(value.mine)) lost a conflict to "
          + "\(now)\(writer)"
      return lost + ", resolved by \(who) (\(choice))\(note)"
    case ("head_office", true):
      return "head office \(value.now == .bool(true) ? "deleted" : "re-created") \(name)\(note)"
    case ("head_office", false):
      return "head office changed \(name) \(value.field) from \(cell(value.mine)) to \(now)\(note)"
    case (_, true):
      return "your \(value.mine == .bool(true) ? "deletion" : "edit") of \(name) was overruled: "
        + "the record was \(value.now == .bool(true) ? "deleted" : "kept")\(writer)"
    default:
      return "your value of \(name) \(value.field)=\(cell(value.mine)) was replaced by "
        + "\(now)\(writer)"
    }
  }
}

/// An error already printed; only its exit status remains.
struct AlreadyReported: Error {
  var status: ExitStatus
}
