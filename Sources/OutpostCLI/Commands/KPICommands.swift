import Outpost
import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// `kpi` (SPEC.md §9.6).
extension Commands {
  /// The definitions to compute with: `file` if given (`--definitions`), else the highest
  /// version head office published in `kpi_definitions`, else the built-in catalog.
  static func definitions(
    _ context: Context, _ repository: RepositoryReader? = nil, file: String? = nil
  ) throws -> DefinitionSet {
    if let file {
      let bytes = try context.readInputFile(file, .definitions).bytes
      do { return try KPIDefinitionsInForce.parse(bytes, file: file) } catch {
        throw CLIError(error)
      }
    }
    guard let repository else { return KPIDefinitionsInForce.builtIn }
    do { return try KPIDefinitionsInForce(repository).definitions } catch {
      throw kpiError(error)
    }
  }

  /// A KPI failure of the engine as the CLI reports it: where a hint would name a command,
  /// the command is added.
  static func kpiError(_ error: OutpostError) -> CLIError {
    var cli = CLIError(error)
    if error.location.collection == StandardCollections.kpiDefinitions.name {
      cli.hint = "Head office should publish a valid version: outpost kpi publish FILE"
    }
    return cli
  }

  /// `kpi diagnose`.
  struct KPIDiagnoseCommand: Command {
    static let name = "kpi diagnose"
    static let abstract = "Funnel diagnosis of offices and people, with the evidence."
    static let discussion =
      "Evaluates the diagnosis rules of the definitions in force month over month. Built in: "
      + "D1 (traffic up ≥ 10 %, consultations < 2 %): promotion brings imprecise traffic; D2 "
      + "(traffic and consultations up ≥ 10 %, deals < 2 %): customer service does not convert; "
      + "S1, per SEM specialist (their accounts' clicks up ≥ 10 %, consultations < 2 %); S2, per "
      + "consultant or salesperson (their leads up ≥ 10 %, their deals < 2 %). Counts and "
      + "sums are compared per day (per day of a person's assignment), so a longer month alone "
      + "never fires a rule. Head office publishes its own rules and thresholds in the "
      + "definitions (SPEC.md §9.3, §9.9). Diagnostic flags, not scorecard items."
    static let examples = [
      "outpost kpi diagnose --repo hq", "outpost kpi diagnose --period 2025-03 --format json",
    ]

    struct Options: CommandOptions {
      var month: Period?
      var offices: [String] = []

      static let options: [OptionBinding<Self>] = [
        .option(
          "period", "MONTH", \.month, help: "Only this month (default: every month).",
          parse: { text in
            guard let period = Period(parsing: text), period.grain == .month else {
              throw CLIError(.usage, "'\(text)' is not a month (2025-03)")
            }
            return period
          }),
        .repeating("office", "ID", \.offices, help: "Only this office (repeatable)."),
      ]
    }

    /// `kpi diagnose`.
    static func run(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      let definitions = try definitions(context, repository)
      let request = DiagnosisRequest(
        month: options.month, offices: options.offices.isEmpty ? nil : options.offices,
        today: today(context))
      let found: [Diagnosis]
      do { found = try request.compute(in: repository, definitions: definitions) } catch {
        throw kpiError(error)
      }
      if context.format() == .json {
        printJSON(context, "outpost-diagnosis/2", [("flags", .array(found.map(diagnosisJSON)))])
        return
      }
      let fired = found.filter { $0.status == .fired }
      guard !fired.isEmpty else {
        context.console.out("No diagnosis flags.\n")
        return
      }
      var text = ""
      for flag in fired {
        text +=
          "\(flag.office) \(flag.period)\(who(flag)) \(flag.rule) \(flag.labelEN) "
          + "(\(flag.owner)): \(evidence(flag))\n"
      }
      context.console.out(text)
    }
  }

  /// A person's flag's " STAFF (POSITION)"; empty for an office's.
  static func who(_ flag: Diagnosis) -> String {
    flag.staff.map { " \($0) (\(flag.position ?? ""))" } ?? ""
  }

  /// A flag's evidence: "visits 10.00 % per day, consultations -9.68 % per day".
  static func evidence(_ flag: Diagnosis) -> String {
    flag.evidence.map { item in
      "\(item.kpi) "
        + (item.growth.map {
          ($0.multiplied(by: ExactDecimal(100)) ?? $0).formatted(scale: 2) + " %"
        } ?? "—") + (item.perDay ? " per day" : "")
    }.joined(separator: ", ")
  }

  static func diagnosisJSON(_ flag: Diagnosis) -> JSONValue {
    func decimal(_ value: ExactDecimal?, scale: Int? = nil) -> JSONValue {
      value.map { .string(scale.map($0.formatted(scale:)) ?? $0.description) } ?? .null
    }
    let evidence: [JSONValue] = flag.evidence.map { item in
      .object(
        JSONObject(uncheckedPairs: [
          ("days", Commands.number(item.days)), ("growth", decimal(item.growth, scale: 4)),
          ("kpi", .string(item.kpi)), ("per_day", .bool(item.perDay)),
          ("previous", decimal(item.previous)),
          ("previous_days", Commands.number(item.previousDays)), ("value", decimal(item.value)),
        ]))
    }
    return .object(
      JSONObject(uncheckedPairs: [
        ("department", flag.department.map(JSONValue.string) ?? .null),
        ("evidence", .array(evidence)),
        (
          "label",
          .object(
            JSONObject(uncheckedPairs: [
              ("en", .string(flag.labelEN)), ("zh", .string(flag.labelZH)),
            ]))
        ),
        ("level", .string(flag.level.rawValue)), ("office", .string(flag.office)),
        ("owner", .string(flag.owner)), ("period", .string(flag.period.description)),
        ("position", flag.position.map(JSONValue.string) ?? .null), ("rule", .string(flag.rule)),
        ("staff", flag.staff.map(JSONValue.string) ?? .null),
        ("status", .string(flag.status.rawValue)),
      ]))
  }

  /// `kpi publish FILE`.
  struct KPIPublishCommand: Command {
    static let name = "kpi publish"
    static let abstract = "Publish KPI definitions (head office)."
    static let arguments = ["<file>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "The document (outpost-kpi-def/1) is checked in full and stored as the next "
      + "version in 'kpi_definitions'; replies carry it, and every office computes with the "
      + "highest version. Publishing the same document again changes nothing."
    static let examples = ["outpost kpi publish definitions-2025.json --repo hq"]

    struct Options: CommandOptions {
      var note: String?

      static let options: [OptionBinding<Self>] = [
        .option("note", "TEXT", \.note, help: "Why: kept with the version.")
      ]
    }

    /// `kpi publish FILE` (head office): checks the document and stores it as the next version.
    static func run(_ options: Options, _ context: Context) throws {
      let file = context.arguments[0]
      let bytes = try context.readInputFile(file, .definitions).bytes
      let set: DefinitionSet
      do { set = try KPIDefinitionsInForce.parse(bytes, file: file) } catch {
        var cli = CLIError(error)
        cli.message += "; nothing was published"
        throw cli
      }
      let repository = try context.openWriter()
      let outcome: KPIPublication
      do {
        outcome = try KPIPublication.publish(
          set, to: repository, note: options.note,
          publishedAt: context.now())
      } catch {
        var cli = kpiError(error)
        if error.location.field == "note" {
          cli.message = "--note: \(error.message)"
        } else if error.location.collection == StandardCollections.targets.name,
          let id = error.location.record
        {
          cli.message = "\(file): \(error.message)"
          cli.hint =
            "Correct the target (outpost put targets \(id) target_value=...) or the definitions."
        }
        throw cli
      }
      switch outcome {
      case .unchanged(let version):
        context.console.out(
          "Version \(version) already has these definitions (\(set.hash.prefix(12))); "
            + "nothing changed.\n")
      case .published(let version):
        context.console.out(
          "Published KPI definitions version \(version) (\(set.kpis.count) KPIs, "
            + "\(set.scorecards.count) scorecard(s), hash \(set.hash.prefix(12))). Offices compute "
            + "with it once they receive the next reply.\n")
      }
    }
  }

  /// `kpi definitions`.
  struct KPIDefinitionsCommand: Command {
    static let name = "kpi definitions"
    static let abstract = "Show which KPI definitions this repository uses."
    static let discussion =
      "The published version (or the built-in catalog), its hash and every KPI; "
      + "--format json prints the whole document."
    static let examples = ["outpost kpi definitions --format json > definitions.json"]

    /// `kpi definitions`: which definitions this repository computes with.
    static func run(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      let inForce: KPIDefinitionsInForce
      do { inForce = try KPIDefinitionsInForce(repository) } catch { throw kpiError(error) }
      let set = inForce.definitions
      if context.format() == .json {
        printJSON(
          context, "outpost-kpi-definitions/1",
          [
            ("version", number(inForce.version)), ("hash", .string(set.hash)),
            ("source", .string(inForce.source == .builtIn ? "built-in" : "published")),
            ("document", set.json),
          ])
        return
      }
      var text =
        (inForce.source == .builtIn
          ? "Built-in catalog (nothing published)" : "Published version \(inForce.version)")
        + ", hash \(set.hash)\n"
      for id in set.kpiOrder {
        let kpi = set.kpis[id]!
        text += "  " + id.padding(28) + kpi.unit.padding(14) + "\(kpi.labelEN) / \(kpi.labelZH)\n"
      }
      context.console.out(text)
    }
  }

  /// The date before which periods are closed: today, by the repository's clock.
  static func today(_ context: Context) -> CivilDate? {
    context.now().date
  }

  /// `kpi`.
  struct KPICommand: Command {
    static let name = "kpi"
    static let abstract =
      "Compute KPIs by office and period (and channel, staff, position or department)."
    static let discussion =
      "Values are exact and rounded once at each KPI's scale (half-up). An undefined "
      + "value shows its reason (zero_denominator, no_data, nonpositive_base, ...), never 0. A "
      + "value is flagged when it reads a record in open conflict, or is provisional when its "
      + "period is not over. At a branch whose head office keeps other offices' rows "
      + "(record_visibility own_office, the default), other offices' values are those head "
      + "office sent, by month. --format json|csv for machines; see SPEC.md §9."
    static let examples = [
      "outpost kpi --period 2025-03 --repo hq",
      "outpost kpi --grain quarter --kpi net_revenue --kpi aov --format csv",
      "outpost kpi --period 2025-03 --office north --by channel --format json",
      "outpost kpi --period 2025-Q1 --by staff --kpi deal_amount --kpi lead_conversion_rate",
      "outpost kpi --grain quarter --format csv --encoding gb18030 --out kpi.csv",
    ]

    struct Options: OutputCommandOptions {
      var period: Period?
      var grain: Grain?
      var offices: [String] = []
      var kpis: [String] = []
      var by: Breakdown?
      var staff: [String] = []
      var definitions: String?
      var checkSubmissions = false
      var output = OutputOptions()

      static let options: [OptionBinding<Self>] = [
        .option(
          "period", "PERIOD", \.period,
          help: "One period: 2025, 2025-Q1, 2025-03, 2025-W07 or 2025-03-14 (its form sets "
            + "the grain).",
          parse: { text in
            guard let period = Period(parsing: text) else {
              throw CLIError(
                .usage, "'\(text)' is not a period",
                hint: "Write 2025, 2025-Q1, 2025-03, 2025-W07 or 2025-03-14.")
            }
            return period
          }),
        .option(
          "grain", "GRAIN", \.grain,
          help: "Every period of this grain in the data (default: month)."),
        .repeating("office", "ID", \.offices, help: "Only this office (repeatable)."),
        .repeating("kpi", "ID", \.kpis, help: "Only this KPI (repeatable)."),
        .option(
          "by", "DIMENSION", \.by,
          help: "Break each office's values down by channel, staff, position or department "
            + "(KPIs whose dimensions allow it; rows naming no one are 'unattributed')."),
        .repeating(
          "staff", "ID", \.staff, help: "Only this person (repeatable; implies --by staff)."),
        .option(
          "definitions", "FILE", \.definitions,
          help: "Compute with these definitions (outpost-kpi-def/1)."),
        .flag(
          "check-submissions", \.checkSubmissions,
          help: "Head office: add missing_submission to JSON/CSV (no merged submission from the "
            + "office since the period ended)."),
        .outputFile, .byteOrderMark, .outputEncoding,
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      try options.output.deliver(context, format: context.format()) { try render(options, $0) }
    }

    /// Computes the KPIs and prints them to `context`'s standard output.
    private static func render(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      let definitions = try definitions(context, repository, file: options.definitions)
      var request = KPIRequest()
      if let period = options.period {
        request.period = period
        request.grain = period.grain
        if let grain = options.grain, grain != period.grain {
          throw CLIError(.usage, "--grain \(grain.rawValue) contradicts --period \(period)")
        }
      } else if let grain = options.grain {
        request.grain = grain
      }
      request.kpis = options.kpis.flatMap { $0.split(separator: ",").map(String.init) }
      request.offices = options.offices.isEmpty ? nil : options.offices
      request.breakdown = options.by ?? (options.staff.isEmpty ? .office : .staff)
      request.staff = options.staff.isEmpty ? nil : options.staff
      request.today = today(context)
      // Head-office knowledge, so not in machine output unless asked for: a branch and head
      // office holding the same records print the same JSON (SPEC.md §9.6).
      let checkSubmissions = options.checkSubmissions
      request.checkSubmissions = checkSubmissions || context.format() == .text
      let result: KPIResult
      do { result = try request.compute(in: repository, definitions: definitions) } catch {
        var cli = kpiError(error)
        switch error.location.field {
        case "breakdown":
          cli.hint =
            error.message.hasSuffix("people breakdown")
            ? "Add --by staff (or --by position, --by department)." : "Add --by channel."
        case "staff": cli.hint = cli.hint ?? "--staff goes with --by staff (or alone)."
        default: break
        }
        throw cli
      }
      let entries = result.entries
      switch context.format() {
      case .json:
        printJSON(
          context, "outpost-kpi/1",
          [
            ("definitions", .string(definitions.hash)), ("grain", .string(result.grain.rawValue)),
            (
              "values",
              .array(
                entries.map {
                  kpiJSON(
                    $0.value, definitions.kpis[$0.value.kpi]!, conflict: $0.openConflict,
                    missing: checkSubmissions ? $0.missingSubmission ?? false : nil,
                    breakdown: request.breakdown, reply: $0.headOfficeReply)
                })
            ),
          ] + withheldJSON(result.withheld))
      case .csv:
        let groups = groupColumns(request.breakdown)
        var text = CSVWriter.line(
          ["kpi", "office", "period"] + groups.map(\.name)
            + [
              "value", "unit", "undefined_reason", "flags", "provisional", "open_conflict",
            ] + (checkSubmissions ? ["missing_submission"] : []))
        for entry in entries {
          let value = entry.value
          let kpi = definitions.kpis[value.kpi]!
          text += CSVWriter.line(
            [value.kpi, value.office, value.period.description]
              + groups.map { value[keyPath: $0.value] ?? "" }
              + [
                value.value.map { $0.formatted(scale: kpi.scale) } ?? "", kpi.unit,
                value.reason ?? "",
                value.flags.joined(separator: ";"), value.provisional ? "1" : "0",
                entry.openConflict ? "1" : "0",
              ] + (checkSubmissions ? [entry.missingSubmission == true ? "1" : "0"] : []))
        }
        context.console.out(text)
      default:
        context.console.out(
          kpiTable(entries, definitions, request.breakdown) + withheldText(result.withheld))
      }
    }
  }

  /// The `withheld` member of `kpi` and `scorecard` JSON: the offices a branch could not show
  /// and why (SPEC.md §9.6); absent when there are none.
  static func withheldJSON(_ withheld: [KPIResult.Withheld]) -> [(String, JSONValue)] {
    guard !withheld.isEmpty else { return [] }
    let list: [JSONValue] = withheld.map {
      .object(
        JSONObject(uncheckedPairs: [("office", .string($0.office)), ("reason", .string($0.reason))])
      )
    }
    return [("withheld", .array(list))]
  }

  /// The lines under a `kpi` or `scorecard` table naming the offices a branch could not show.
  static func withheldText(_ withheld: [KPIResult.Withheld]) -> String {
    withheld.map { "Office \($0.office) not shown: \($0.reason).\n" }.joined()
  }

  /// The columns and members a breakdown adds to each value: `channel` (also with no
  /// breakdown, empty), or the people breakdown's `staff`, `position`, `department`.
  static func groupColumns(_ breakdown: Breakdown) -> [(
    name: String, value: KeyPath<KPIValue, String?>
  )] {
    switch breakdown {
    case .office, .channel: [("channel", \.channel)]
    case .staff: [("staff", \.staff), ("position", \.position), ("department", \.department)]
    case .position: [("position", \.position)]
    case .department: [("department", \.department)]
    }
  }

  static func kpiJSON(
    _ value: KPIValue, _ kpi: KPIDefinition, conflict: Bool, missing: Bool?,
    breakdown: Breakdown = .office, reply: UInt64? = nil
  )
    -> JSONValue
  {
    func decimal(_ d: ExactDecimal?) -> JSONValue { d.map { .string($0.description) } ?? .null }
    var pairs: [(String, JSONValue)] = [
      ("kpi", .string(value.kpi)), ("office", .string(value.office)),
      ("period", .string(value.period.description)),
      ("value", value.value.map { .string($0.formatted(scale: kpi.scale)) } ?? .null),
      ("unit", .string(kpi.unit)), ("scale", number(kpi.scale)),
      ("undefined_reason", value.reason.map { .string($0) } ?? .null),
      ("flags", .array(value.flags.map { .string($0) })),
      ("provisional", .bool(value.provisional)), ("open_conflict", .bool(conflict)),
    ]
    if let missing { pairs.append(("missing_submission", .bool(missing))) }
    if let channel = value.channel { pairs.append(("channel", .string(channel))) }
    if breakdown.isPeople {
      for (name, path) in groupColumns(breakdown) {
        pairs.append((name, value[keyPath: path].map { .string($0) } ?? .null))
      }
    }
    if let reply {
      // Computed by head office: the exact terms of a ratio did not travel.
      pairs.append(("source", .string("head_office")))
      pairs.append(("reply", number(Int(reply))))
    } else if case .ratio = kpi.kind {
      pairs.append(("numerator", decimal(value.numerator)))
      pairs.append(("denominator", decimal(value.denominator)))
    }
    return .object(JSONObject(uncheckedPairs: pairs))
  }

  /// A value as a person reads it: percentages for ratios, CNY for money.
  static func display(_ value: ExactDecimal?, _ reason: String?, _ kpi: KPIDefinition) -> String {
    guard let value else { return "— (\(reason ?? "undefined"))" }
    switch kpi.unit {
    case "ratio", "pp":
      let percent = value.multiplied(by: ExactDecimal(100)) ?? value
      return percent.formatted(scale: max(kpi.scale - 2, 0)) + (kpi.unit == "pp" ? " pp" : " %")
    case "currency:CNY": return value.formatted(scale: kpi.scale) + " CNY"
    case "multiple": return value.formatted(scale: kpi.scale) + "×"
    case "hours": return value.formatted(scale: kpi.scale) + " h"
    case "days": return value.formatted(scale: kpi.scale) + " days"
    default: return value.formatted(scale: kpi.scale)
    }
  }

  static func kpiTable(
    _ entries: [KPIResult.Entry], _ definitions: DefinitionSet, _ breakdown: Breakdown = .office
  ) -> String {
    guard !entries.isEmpty else { return "No data for these offices and periods.\n" }
    var groups = groupColumns(breakdown)
    if breakdown == .office { groups = [] }
    if breakdown == .staff { groups.removeLast() }  // the department follows from the position
    let width = breakdown.isPeople ? 15 : 8
    var text =
      "KPI".padding(27) + "office".padding(8) + "period".padding(9)
      + groups.map { $0.name.padding(width) }.joined() + "value\n"
    for entry in entries {
      let value = entry.value
      let kpi = definitions.kpis[value.kpi]!
      let cells = groups.map { group in
        (value[keyPath: group.value] ?? (breakdown.isPeople ? "(unattributed)" : "")).padding(width)
      }
      var line =
        String(value.kpi.prefix(26)).padding(27) + value.office.padding(8)
        + value.period.description.padding(9) + cells.joined()
        + display(value.value, value.reason, kpi)
      var notes = value.flags
      if value.provisional { notes.append("provisional") }
      if entry.openConflict { notes.append("open conflict") }
      if entry.missingSubmission == true { notes.append("no submission since the period ended") }
      if let reply = entry.headOfficeReply { notes.append("head office, reply \(reply)") }
      if !notes.isEmpty { line += "  [" + notes.joined(separator: ", ") + "]" }
      text += line + "\n"
    }
    return text
  }

}
