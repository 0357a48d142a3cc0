import Outpost
import OutpostCodec
import OutpostKPI
import OutpostModel

/// `scorecard` (SPEC.md §9.5, §9.6).
extension Commands {
  /// `scorecard --period PERIOD`.
  struct ScorecardCommand: Command {
    static let name = "scorecard"
    static let abstract = "Score offices, people or departments against head office's targets."
    static let discussion =
      "Each item's attainment is computed from the canonical KPI value and the target "
      + "in 'targets' (SPEC.md §9.5, docs/kpis.md §6): capped, floored, weighted; the total is 100 × Σ w·s "
      + "rounded to 2 places. A missing target makes the scorecard undefined. A scorecard applies "
      + "to offices, to the people of some positions (a person's own target, else their "
      + "position's in their office, else company-wide), or to departments; --rank ranks the "
      + "results (people within their position company-wide and within their office)."
    static let examples = [
      "outpost scorecard --period 2025-03 --repo hq",
      "outpost scorecard --id online_sales_monthly --period 2025-03 --rank --repo hq",
      "outpost scorecard --period 2025-03 --format csv --bom --out scorecard.csv --repo hq",
    ]

    struct Options: OutputCommandOptions {
      var period: Period?
      var offices: [String] = []
      var id: String?
      var definitions: String?
      var rank = false
      var output = OutputOptions()

      static let options: [OptionBinding<Self>] = [
        .option(
          "period", "PERIOD", \.period, help: "The period to score (required).",
          parse: { text in
            guard let period = Period(parsing: text) else {
              throw CLIError(.usage, "'\(text)' is not a period")
            }
            return period
          }),
        .repeating("office", "ID", \.offices, help: "Only this office (repeatable)."),
        .option(
          "id", "SCORECARD", \.id,
          help: "The scorecard (default: the only office scorecard, else the only one defined)."),
        .flag(
          "rank", \.rank,
          help: "Rank the results, highest total first (ties share a rank), and list them so."),
        .option(
          "definitions", "FILE", \.definitions,
          help: "Compute with these definitions (outpost-kpi-def/1)."),
        .outputFile, .byteOrderMark, .outputEncoding,
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      try options.output.deliver(context, format: context.format()) { try render(options, $0) }
    }

    /// Scores and prints the results to `context`'s standard output.
    private static func render(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      let definitions = try definitions(context, repository, file: options.definitions)
      // Required, and checked here as before: a Period has no default to stand in for it.
      guard let period = options.period else {
        throw CLIError(.usage, "missing required option '--period PERIOD'")
      }
      let request = ScorecardRequest(
        period: period, offices: options.offices.isEmpty ? nil : options.offices,
        scorecard: options.id, today: today(context), rank: options.rank)
      let report: ScorecardReport
      do { report = try request.compute(in: repository, definitions: definitions) } catch {
        var cli = kpiError(error)
        if error.location.field == "scorecard" && request.scorecard == nil {
          cli.message = "choose a scorecard with --id"
        }
        throw cli
      }
      let card = report.scorecard
      switch context.format() {
      case .json:
        printJSON(
          context, "outpost-scorecard/1",
          [
            ("definitions", .string(definitions.hash)), ("scorecard", .string(card.id)),
            ("version", number(card.version)),
            (
              "label",
              .object(
                JSONObject(
                  uncheckedPairs: card.label.keys.sorted().map { ($0, .string(card.label[$0]!)) }))
            ),
            ("period", .string(period.description)), ("level", .string(card.level.name)),
            (
              "results",
              .array(
                report.results.map {
                  scorecardJSON($0, card.level, ranked: options.rank, names: report.names)
                })
            ),
          ] + withheldJSON(report.withheld))
      case .csv:
        let people = card.level != .office
        var text = CSVWriter.line(
          ["scorecard", "period", "office"]
            + (people ? ["staff", "position", "department"] : [])
            + ["total", "band", "bonus", "hard_failures", "undefined_reason"]
            + (options.rank ? (people ? ["rank", "rank_in_office"] : ["rank"]) : []))
        for result in report.results {
          var cells = [card.id, period.description, result.office]
          if people {
            cells += [result.staff ?? "", result.position ?? "", result.department ?? ""]
          }
          cells += [
            result.total.map { $0.formatted(scale: 2) } ?? "", result.band ?? "",
            result.bonus?.description ?? "", result.hardFailures.joined(separator: ";"),
            result.reason ?? "",
          ]
          if options.rank {
            cells.append(result.rank.map(String.init) ?? "")
            if people { cells.append(result.rankInOffice.map(String.init) ?? "") }
          }
          text += CSVWriter.line(cells)
        }
        context.console.out(text)
      default:
        context.console.out(
          scorecardText(report, ranked: options.rank) + withheldText(report.withheld))
      }
    }
  }

  /// Who a result is: the office, or the person (staff id, name, position) or department in it.
  static func subject(_ result: ScorecardResult, names: [String: String] = [:]) -> String {
    if let staff = result.staff {
      return "\(result.office) \(staff)" + (names[staff].map { " \($0)" } ?? "")
        + " (\(result.position ?? "?"))"
    }
    if let department = result.department { return "\(result.office) \(department)" }
    return result.office
  }

  static func scorecardText(_ report: ScorecardReport, ranked: Bool) -> String {
    let card = report.scorecard
    var out = ""
    for result in report.results {
      var rank = ""
      if ranked {
        rank = "#" + (result.rank.map(String.init) ?? "–")
        if let inOffice = result.rankInOffice { rank += " (#\(inOffice) in \(result.office))" }
        rank += "  "
      }
      out +=
        rank
        + "\(subject(result, names: report.names)) \(report.period)  \(card.id) v\(card.version): "
        + (result.total.map {
          "\($0.formatted(scale: 2))"
            + (result.band.map { band in
              " (\(band)" + (result.bonus.map { ", bonus ×\($0)" } ?? "") + ")"
            } ?? "")
            + (result.hardFailures.isEmpty
              ? "" : "  [hard indicator failed: \(result.hardFailures.joined(separator: ", "))]")
        }
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
    let whom = card.level == .office ? "offices" : "people or departments"
    return out.isEmpty ? "No \(whom) to score for \(report.period).\n" : out
  }

  static func scorecardJSON(
    _ result: ScorecardResult, _ level: ScorecardDefinition.Level = .office, ranked: Bool = false,
    names: [String: String] = [:]
  ) -> JSONValue {
    func decimal(_ d: ExactDecimal?, _ scale: Int? = nil) -> JSONValue {
      guard let d else { return .null }
      return .string(scale.map { d.formatted(scale: $0) } ?? d.description)
    }
    func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    var extra: [(String, JSONValue)] = []
    switch level {
    case .office: break
    case .position:
      extra = [
        ("staff", text(result.staff)), ("name", text(result.staff.flatMap { names[$0] })),
        ("position", text(result.position)), ("department", text(result.department)),
      ]
    case .department: extra = [("department", text(result.department))]
    }
    if ranked {
      extra.append(("rank", result.rank.map { number($0) } ?? .null))
      if level != .office {
        extra.append(("rank_in_office", result.rankInOffice.map { number($0) } ?? .null))
      }
    }
    return .object(
      JSONObject(
        uncheckedPairs: extra + [
          ("office", .string(result.office)), ("total", decimal(result.total, 2)),
          ("band", result.band.map { .string($0) } ?? .null),
          ("bonus", result.bonus.map { .string($0.description) } ?? .null),
          ("hard_failures", .array(result.hardFailures.map { .string($0) })),
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
