import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// `kpi` and `scorecard` (SPEC.md §9.7).
extension Commands {
  static let kpiCommands: [CommandSpec] = [
    CommandSpec(
      name: "kpi", abstract: "Compute KPIs by office and period (and channel).",
      arguments: [], arity: (0, 0),
      options: [
        OptionSpec(
          "period", "PERIOD",
          help: "One period: 2025, 2025-Q1, 2025-03, 2025-W07 or 2025-03-14 (its form sets "
            + "the grain)."),
        OptionSpec(
          "grain", "GRAIN", choices: Grain.allCases.map(\.rawValue),
          help: "Every period of this grain in the data (default: month)."),
        OptionSpec("office", "ID", repeatable: true, help: "Only this office (repeatable)."),
        OptionSpec("kpi", "ID", repeatable: true, help: "Only this KPI (repeatable)."),
        OptionSpec("by", "DIMENSION", choices: ["channel"], help: "Break down by channel."),
        OptionSpec(
          "definitions", "FILE", help: "Compute with these definitions (outpost-kpi-def/1)."),
        OptionSpec(
          "check-submissions",
          help: "Head office: add missing_submission to JSON/CSV (no merged submission from the "
            + "office since the period ended)."),
      ],
      discussion: "Values are exact and rounded once at each KPI's scale (half-up). An undefined "
        + "value shows its reason (zero_denominator, no_data, nonpositive_base, ...), never 0. A "
        + "value is flagged when it reads a record in open conflict, or is provisional when its "
        + "period is not over. --format json|csv for machines; see SPEC.md §9.",
      examples: [
        "outpost kpi --period 2025-03 --repo hq",
        "outpost kpi --grain quarter --kpi net_revenue --kpi aov --format csv",
        "outpost kpi --period 2025-03 --office north --by channel --format json",
      ]),
    CommandSpec(
      name: "kpi diagnose", abstract: "Funnel diagnosis: rules D1 and D2, with their evidence.",
      arguments: [], arity: (0, 0),
      options: [
        OptionSpec("period", "MONTH", help: "Only this month (default: every month)."),
        OptionSpec("office", "ID", repeatable: true, help: "Only this office (repeatable)."),
      ],
      discussion: "D1 (traffic up ≥ 10 %, consultations flat < 2 %): promotion brings imprecise "
        + "traffic. D2 (traffic and consultations up ≥ 10 %, deals flat): customer service does "
        + "not convert. Month over month; thresholds of kpi-catalog.md §2G. Diagnostic flags, "
        + "not scorecard items.",
      examples: ["outpost kpi diagnose --repo hq"]),
    CommandSpec(
      name: "kpi publish", abstract: "Publish KPI definitions (head office).",
      arguments: ["<file>"], arity: (1, 1),
      options: [OptionSpec("note", "TEXT", help: "Why: kept with the version.")],
      discussion: "The document (outpost-kpi-def/1) is checked in full and stored as the next "
        + "version in 'kpi_definitions'; replies carry it, and every office computes with the "
        + "highest version. Publishing the same document again changes nothing.",
      examples: ["outpost kpi publish definitions-2025.json --repo hq"]),
    CommandSpec(
      name: "kpi definitions", abstract: "Show which KPI definitions this repository uses.",
      arguments: [], arity: (0, 0), options: [],
      discussion: "The published version (or the built-in catalog), its hash and every KPI; "
        + "--format json prints the whole document.",
      examples: ["outpost kpi definitions --format json > definitions.json"]),
    CommandSpec(
      name: "scorecard", abstract: "Score offices against head office's targets.",
      arguments: [], arity: (0, 0),
      options: [
        OptionSpec("period", "PERIOD", help: "The period to score (required)."),
        OptionSpec("office", "ID", repeatable: true, help: "Only this office (repeatable)."),
        OptionSpec("id", "SCORECARD", help: "The scorecard (default: the only one defined)."),
        OptionSpec(
          "definitions", "FILE", help: "Compute with these definitions (outpost-kpi-def/1)."),
      ],
      discussion: "Each item's attainment is computed from the canonical KPI value and the target "
        + "in 'targets' (kpi-catalog.md §5.2): capped, floored, weighted; the total is 100 × Σ w·s "
        + "rounded to 2 places. A missing target makes the scorecard undefined.",
      examples: ["outpost scorecard --period 2025-03 --repo hq"]),
  ]

  /// The definitions to compute with: a file given, else the highest version head office
  /// published in `kpi_definitions`, else the built-in catalog.
  static func definitions(_ context: Context, _ repository: RepositoryReader? = nil) throws
    -> DefinitionSet
  {
    if context.invocation.value("definitions") == nil, let repository,
      let published = try publishedDefinitions(repository)
    {
      return published.set
    }
    if let file = context.invocation.value("definitions") {
      let bytes = try context.readInputFile(file, .definitions).bytes
      do { return try DefinitionSet(bytes: bytes) } catch {
        throw CLIError(.dataError, "\(file): \(error)", hint: "See SPEC.md §9.3 for the format.")
      }
    }
    do { return try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8)) } catch {
      throw CLIError(.software, "the built-in KPI definitions are invalid: \(error)")
    }
  }

  /// `kpi diagnose`.
  static func diagnose(_ context: Context) throws {
    let repository = try context.openReader()
    let definitions = try definitions(context, repository)
    var periods: [Period]?
    if let text = context.invocation.value("period") {
      guard let period = Period(parsing: text), period.grain == .month else {
        throw CLIError(.usage, "'\(text)' is not a month (2025-03)")
      }
      periods = [period.previous, period]
    }
    let (dataset, _) = try dataset(repository, definitions)
    let values = KPIEngine(definitions: definitions).evaluate(
      dataset,
      KPIQuery(
        kpis: ["visits", "consultations", "deal_count"].filter { definitions.kpis[$0] != nil },
        grain: .month, periods: periods, offices: context.invocation.options["office"]))
    var found = Diagnosis.evaluate(values)
    if let only = periods?.last { found = found.filter { $0.period == only } }
    if context.format() == "json" {
      printJSON(context, "outpost-diagnosis/1", [("flags", .array(found.map(diagnosisJSON)))])
      return
    }
    let fired = found.filter { $0.rule != "insufficient_data" }
    guard !fired.isEmpty else {
      context.console.out("No diagnosis flags.\n")
      return
    }
    var text = ""
    for flag in fired {
      let evidence = flag.evidence.map { kpi, growth in
        "\(kpi) \(growth.map { ($0.multiplied(by: ExactDecimal(100)) ?? $0).formatted(scale: 2) + " %" } ?? "—")"
      }
      text +=
        "\(flag.office) \(flag.period) \(flag.rule) "
        + (flag.rule == "D1"
          ? "imprecise traffic (promotion)" : "weak conversion (customer service)")
        + ": " + evidence.joined(separator: ", ") + "\n"
    }
    context.console.out(text)
  }

  static func diagnosisJSON(_ flag: Diagnosis) -> JSONValue {
    .object(
      JSONObject(uncheckedPairs: [
        ("rule", .string(flag.rule)), ("office", .string(flag.office)),
        ("period", .string(flag.period.description)), ("owner", .string(flag.owner)),
        (
          "evidence",
          .object(
            JSONObject(
              uncheckedPairs: flag.evidence.map { kpi, growth in
                (kpi, growth.map { .string($0.formatted(scale: 4)) } ?? .null)
              }))
        ),
      ]))
  }

  /// At head office: the date each office's newest merged submission arrived; a value for a
  /// period that ended after it may lack the rest of that period's data.
  static func lastSubmissions(_ repository: RepositoryReader) -> [String: CivilDate] {
    guard repository.config.role == .head, let peers = try? repository.peers() else { return [:] }
    var result: [String: CivilDate] = [:]
    for peer in peers {
      result[peer.peer.rawValue] =
        CivilDate(parsing: peer.received.at.prefix(10)) ?? CivilDate(year: 1, month: 1, day: 1)!
    }
    return result
  }

  /// The newest published definitions, if head office published any.
  static func publishedDefinitions(_ repository: RepositoryReader) throws -> (
    version: Int, set: DefinitionSet, id: RecordID
  )? {
    let states: [(id: RecordID, state: RecordState)]
    do { states = try repository.states(StandardCollections.kpiDefinitions.name) } catch {
      throw CLIError(error)
    }
    var newest: (Int, RecordState, RecordID)?
    for (id, state) in states where !state.isDeleted {
      guard let version = state.value("version")?.uint64Value.map(Int.init) else { continue }
      if newest == nil || version > newest!.0 { newest = (version, state, id) }
    }
    guard let (version, state, id) = newest else { return nil }
    guard let text = state.value("document")?.stringValue else { return nil }
    do { return (version, try DefinitionSet(bytes: Array(text.utf8)), id) } catch {
      throw CLIError(
        .dataError, "kpi_definitions/\(id) (version \(version)) is invalid: \(error)",
        hint: "Head office should publish a valid version: outpost kpi publish FILE")
    }
  }

  /// `kpi publish FILE` (head office): checks the document and stores it as the next version.
  static func publishDefinitions(_ context: Context) throws {
    let file = context.invocation.positionals[0]
    let bytes = try context.readInputFile(file, .definitions).bytes
    let set: DefinitionSet
    do { set = try DefinitionSet(bytes: bytes) } catch {
      throw CLIError(
        .dataError, "\(file): \(error); nothing was published",
        hint: "See SPEC.md §9.3 for the format.")
    }
    let repository = try context.openWriter()
    guard repository.config.role == .head else {
      throw CLIError(
        .permissionDenied, "head office publishes KPI definitions",
        hint: "This office computes with the version head office's replies bring.")
    }
    let current = try publishedDefinitions(repository)
    if current?.set.hash == set.hash {
      context.console.out(
        "Version \(current!.version) already has these definitions (\(set.hash.prefix(12))); "
          + "nothing changed.\n")
      return
    }
    // Targets already published must stay scorable by the new definitions (SPEC.md §9.5).
    let targets: [(id: RecordID, state: RecordState)]
    do { targets = try repository.states(StandardCollections.targets.name) } catch {
      throw CLIError(error)
    }
    for (id, state) in targets where !state.isDeleted {
      if let problem = targetProblem(state.values, set) {
        throw CLIError(
          .dataError, "\(file): targets/\(id): \(problem); nothing was published",
          hint:
            "Correct the target (outpost put targets \(id) target_value=...) or the definitions.")
      }
    }
    let version = (current?.version ?? 0) + 1
    let canonical = JSONWriter.canonicalString(set.json)
    let fields: [String: JSONValue] = [
      "version": number(version), "hash": .string(set.hash), "document": .string(canonical),
      "published_at": .string(context.now()),
    ]
    try putOne(
      context, repository, StandardCollections.kpiDefinitions.name,
      RecordID(unchecked: "v\(version)"), fields, command: "kpi publish v\(version)")
    context.console.out(
      "Published KPI definitions version \(version) (\(set.kpis.count) KPIs, "
        + "\(set.scorecards.count) scorecard(s), hash \(set.hash.prefix(12))). Offices compute "
        + "with it once they receive the next reply.\n")
  }

  /// `kpi definitions`: which definitions this repository computes with.
  static func showDefinitions(_ context: Context) throws {
    let repository = try context.openReader()
    let published = try publishedDefinitions(repository)
    let set = try published?.set ?? definitions(context)
    if context.format() == "json" {
      printJSON(
        context, "outpost-kpi-definitions/1",
        [
          ("version", number(published?.version ?? 0)), ("hash", .string(set.hash)),
          ("source", .string(published == nil ? "built-in" : "published")),
          ("document", set.json),
        ])
      return
    }
    var text =
      (published.map { "Published version \($0.version)" } ?? "Built-in catalog (nothing published)")
      + ", hash \(set.hash)\n"
    for id in set.kpiOrder {
      let kpi = set.kpis[id]!
      text += "  " + id.padding(28) + kpi.unit.padding(14) + "\(kpi.labelEN) / \(kpi.labelZH)\n"
    }
    context.console.out(text)
  }

  /// The live records of the collections the definitions read, and the collections that hold
  /// records in open conflict, by office.
  static func dataset(
    _ repository: RepositoryReader, _ definitions: DefinitionSet, extra: [String] = []
  )
    throws -> (Dataset, conflicted: [String: Set<String>])
  {
    var names = Set(extra)
    for kpi in definitions.kpis.values {
      if case .attainment = kpi.kind { names.insert("targets") }
    }
    for measure in definitions.measures.values {
      names.insert(measure.source)
      if let lookup = measure.lookup { names.insert(lookup.collection) }
    }
    var rows: [String: [Row]] = [:]
    var conflicted: [String: Set<String>] = [:]
    for name in names.sorted() {
      guard let schema = try? repository.schema(name) else { continue }
      let states: [(id: RecordID, state: RecordState)]
      do { states = try repository.states(name) } catch { throw CLIError(error) }
      var list: [Row] = []
      list.reserveCapacity(states.count)
      for (id, state) in states where !state.isDeleted || state.hasDeleteConflict {
        var row = state.values
        if case .column(let column) = schema.idRule { row[column] = .string(id.rawValue) }
        if state.isConflicted, let office = row["office_id"]?.stringValue {
          conflicted[name, default: []].insert(office)
        }
        list.append(row)
      }
      rows[name] = list
    }
    return (Dataset(rows: rows), conflicted)
  }

  /// The date before which periods are closed: today, by the repository's clock.
  static func today(_ context: Context) -> CivilDate? {
    CivilDate(parsing: context.now().prefix(10))
  }

  static func computeKPIs(_ context: Context) throws {
    let repository = try context.openReader()
    let definitions = try definitions(context, repository)
    var query = KPIQuery()
    if let text = context.invocation.value("period") {
      guard let period = Period(parsing: text) else {
        throw CLIError(
          .usage, "'\(text)' is not a period",
          hint: "Write 2025, 2025-Q1, 2025-03, 2025-W07 or 2025-03-14.")
      }
      query.periods = [period]
      query.grain = period.grain
      if let grain = context.invocation.value("grain"), grain != period.grain.rawValue {
        throw CLIError(.usage, "--grain \(grain) contradicts --period \(text)")
      }
    } else if let grain = context.invocation.value("grain") {
      query.grain = Grain(rawValue: grain)!
    }
    let wanted = (context.invocation.options["kpi"] ?? []).flatMap {
      $0.split(separator: ",").map(String.init)
    }
    for id in wanted where definitions.kpis[id] == nil {
      let guess = suggestion(for: id, among: definitions.kpiOrder)
      throw CLIError(
        .usage, "unknown KPI '\(id)'" + (guess.map { ". Did you mean '\($0)'?" } ?? ""),
        hint: "The KPIs are listed in SPEC.md §9.4.")
    }
    query.kpis = wanted
    if let offices = context.invocation.options["office"] { query.offices = offices }
    query.byChannel = context.invocation.value("by") == "channel"
    if !query.byChannel, let id = wanted.first(where: { definitions.kpis[$0]!.byChannelOnly }) {
      throw CLIError(
        .usage, "'\(id)' exists only in a channel breakdown", hint: "Add --by channel.")
    }
    query.openFrom = today(context)
    let (dataset, conflicted) = try dataset(repository, definitions)
    let values = KPIEngine(definitions: definitions).evaluate(dataset, query)
    let sources = kpiSources(definitions)
    func inConflict(_ value: KPIValue) -> Bool {
      sources[value.kpi, default: []].contains { conflicted[$0]?.contains(value.office) == true }
    }
    // Head-office knowledge, so not in machine output unless asked for: a branch and head
    // office holding the same records print the same JSON (SPEC.md §9.6).
    let checkSubmissions = context.invocation.flag("check-submissions")
    let submitted =
      checkSubmissions || context.format() == "text" ? lastSubmissions(repository) : [:]
    func missing(_ value: KPIValue) -> Bool {
      submitted[value.office].map { $0 < value.period.end } ?? false
    }
    switch context.format() {
    case "json":
      printJSON(
        context, "outpost-kpi/1",
        [
          ("definitions", .string(definitions.hash)), ("grain", .string(query.grain.rawValue)),
          (
            "values",
            .array(
              values.map {
                kpiJSON(
                  $0, definitions.kpis[$0.kpi]!, conflict: inConflict($0),
                  missing: checkSubmissions ? missing($0) : nil)
              })
          ),
        ])
    case "csv":
      var text = CSVWriter.line(
        [
          "kpi", "office", "period", "channel", "value", "unit", "undefined_reason", "flags",
          "provisional", "open_conflict",
        ] + (checkSubmissions ? ["missing_submission"] : []))
      for value in values {
        let kpi = definitions.kpis[value.kpi]!
        text += CSVWriter.line(
          [
            value.kpi, value.office, value.period.description, value.channel ?? "",
            value.value.map { $0.formatted(scale: kpi.scale) } ?? "", kpi.unit, value.reason ?? "",
            value.flags.joined(separator: ";"), value.provisional ? "1" : "0",
            inConflict(value) ? "1" : "0",
          ] + (checkSubmissions ? [missing(value) ? "1" : "0"] : []))
      }
      context.console.out(text)
    default:
      context.console.out(kpiTable(values, definitions, inConflict, missing))
    }
  }

  /// The collections each KPI reads, through its measures and the KPIs it refers to.
  static func kpiSources(_ definitions: DefinitionSet) -> [String: Set<String>] {
    var result: [String: Set<String>] = [:]
    func sources(_ id: String, _ seen: inout Set<String>) -> Set<String> {
      if let measure = definitions.measures[id] {
        return Set([measure.source] + (measure.lookup.map { [$0.collection] } ?? []))
      }
      guard let kpi = definitions.kpis[id], seen.insert(id).inserted else { return [] }
      var names: Set<String> = []
      switch kpi.kind {
      case .simple(let ref): names.formUnion(sources(ref.measure, &seen))
      case .ratio(let n, let d, _):
        names.formUnion(sources(n.measure, &seen))
        names.formUnion(sources(d.measure, &seen))
      case .derived(let expression):
        for ref in expression.references { names.formUnion(sources(ref, &seen)) }
      case .growth(let base, _, _): names.formUnion(sources(base, &seen))
      case .attainment(let base, _, _, _):
        names.formUnion(sources(base, &seen))
        names.insert("targets")
      }
      return names
    }
    for id in definitions.kpiOrder {
      var seen: Set<String> = []
      result[id] = sources(id, &seen)
    }
    return result
  }

  static func kpiJSON(_ value: KPIValue, _ kpi: KPIDefinition, conflict: Bool, missing: Bool?)
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
    if case .ratio = kpi.kind {
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
    _ values: [KPIValue], _ definitions: DefinitionSet, _ conflict: (KPIValue) -> Bool,
    _ missing: (KPIValue) -> Bool
  ) -> String {
    guard !values.isEmpty else { return "No data for these offices and periods.\n" }
    let byChannel = values.contains { $0.channel != nil }
    var text =
      "KPI".padding(27) + "office".padding(8) + "period".padding(9)
      + (byChannel ? "channel".padding(8) : "") + "value\n"
    for value in values {
      let kpi = definitions.kpis[value.kpi]!
      var line =
        String(value.kpi.prefix(26)).padding(27) + value.office.padding(8)
        + value.period.description.padding(9) + (byChannel ? (value.channel ?? "").padding(8) : "")
        + display(value.value, value.reason, kpi)
      var notes = value.flags
      if value.provisional { notes.append("provisional") }
      if conflict(value) { notes.append("open conflict") }
      if missing(value) { notes.append("no submission since the period ended") }
      if !notes.isEmpty { line += "  [" + notes.joined(separator: ", ") + "]" }
      text += line + "\n"
    }
    return text
  }

  static func computeScorecard(_ context: Context) throws {
    let repository = try context.openReader()
    let definitions = try definitions(context, repository)
    guard let text = context.invocation.value("period") else {
      throw CLIError(.usage, "missing required option '--period PERIOD'")
    }
    guard let period = Period(parsing: text) else {
      throw CLIError(.usage, "'\(text)' is not a period")
    }
    let card: ScorecardDefinition
    if let id = context.invocation.value("id") {
      guard let found = definitions.scorecards[id] else {
        throw CLIError(
          .usage, "unknown scorecard '\(id)'",
          hint: "Defined: \(definitions.scorecards.keys.sorted().joined(separator: ", "))")
      }
      card = found
    } else {
      guard definitions.scorecards.count == 1, let only = definitions.scorecards.values.first else {
        throw CLIError(
          .usage, "choose a scorecard with --id",
          hint: "Defined: \(definitions.scorecards.keys.sorted().joined(separator: ", "))")
      }
      card = only
    }
    let (dataset, _) = try dataset(repository, definitions, extra: ["targets"])
    let query = KPIQuery(
      kpis: card.items.map(\.kpi), grain: period.grain, periods: [period],
      offices: context.invocation.options["office"], openFrom: today(context))
    let values = KPIEngine(definitions: definitions).evaluate(dataset, query)
    let offices = Set(values.map(\.office)).sorted()
    var results: [ScorecardResult] = []
    for office in offices {
      let mine = values.filter { $0.office == office }
      results.append(
        card.score(
          office: office, period: period,
          actual: { id in
            let value = mine.first { $0.kpi == id }
            return (value?.value, value?.failures ?? [])
          },
          target: { id in target(dataset, office: office, kpi: id, period: period) }))
    }
    if context.format() == "json" {
      printJSON(
        context, "outpost-scorecard/1",
        [
          ("definitions", .string(definitions.hash)), ("scorecard", .string(card.id)),
          ("version", number(card.version)), ("period", .string(period.description)),
          ("results", .array(results.map(scorecardJSON))),
        ])
      return
    }
    var out = ""
    for result in results {
      out +=
        "\(result.office) \(period)  \(card.id) v\(card.version): "
        + (result.total.map { "\($0.formatted(scale: 2))" + (result.band.map { " (\($0))" } ?? "") }
          ?? "undefined (\(result.reason ?? "?"))") + "\n"
      for item in result.items {
        out +=
          "  " + String(item.kpi.prefix(26)).padding(27)
          + "w \(item.weight.formatted(scale: 2))  "
          + "actual \(item.actual.map { $0.description } ?? "—")".padding(20)
          + "target \(item.target.map { $0.description } ?? "—")".padding(18)
          + "score \(item.score.map { $0.formatted(scale: 4) } ?? "—")"
          + (item.note.map { "  [\($0)]" } ?? "") + "\n"
      }
    }
    context.console.out(out.isEmpty ? "No offices to score for \(period).\n" : out)
  }

  /// Why an office target cannot be scored by the definitions in force, or nil (SPEC.md §9.5).
  static func targetProblem(_ fields: [String: JSONValue], _ definitions: DefinitionSet)
    -> String?
  {
    guard fields["scope"]?.stringValue == "office", let kpi = fields["kpi_id"]?.stringValue,
      let target = Target(row: fields)
    else { return nil }
    return definitions.problem(scoring: target, for: kpi)
  }

  /// The office's target for a KPI and period from `targets` (scope office; the newest
  /// version wins).
  static func target(_ dataset: Dataset, office: String, kpi: String, period: Period) -> Target? {
    Target.find(in: dataset.rows["targets"] ?? [], office: office, kpi: kpi, period: period)
  }

  static func scorecardJSON(_ result: ScorecardResult) -> JSONValue {
    func decimal(_ d: ExactDecimal?, _ scale: Int? = nil) -> JSONValue {
      guard let d else { return .null }
      return .string(scale.map { d.formatted(scale: $0) } ?? d.description)
    }
    return .object(
      JSONObject(uncheckedPairs: [
        ("office", .string(result.office)), ("total", decimal(result.total, 2)),
        ("band", result.band.map { .string($0) } ?? .null),
        ("undefined_reason", result.reason.map { .string($0) } ?? .null),
        (
          "items",
          .array(
            result.items.map { item in
              .object(
                JSONObject(uncheckedPairs: [
                  ("kpi", .string(item.kpi)), ("weight", decimal(item.weight)),
                  ("actual", decimal(item.actual)), ("target", decimal(item.target)),
                  ("attainment", decimal(item.attainment, 4)), ("score", decimal(item.score, 4)),
                  ("note", item.note.map { .string($0) } ?? .null),
                  ("excluded", .bool(item.excluded)),
                ]))
            })
        ),
      ]))
  }
}
