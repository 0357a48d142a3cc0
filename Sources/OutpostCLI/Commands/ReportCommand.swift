import Outpost
import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// `report --html FILE`: one self-contained HTML page (SPEC.md §9.10).
extension Commands {
  /// `report --html FILE`.
  struct ReportCommand: Command {
    static let name = "report"
    static let abstract = "Write a self-contained HTML report of KPIs and scorecards."
    static let discussion =
      "Monthly KPI trends per office (inline SVG), scorecards against targets, "
      + "funnel diagnosis flags and open-conflict warnings, labelled in Chinese and English. "
      + "No scripts and nothing loaded from elsewhere: the file can be mailed or archived."
    static let examples = ["outpost report --html report-2025.html --repo hq"]

    struct Options: CommandOptions {
      var html = ""
      var offices: [String] = []

      static let options: [OptionBinding<Self>] = [
        .option("html", "FILE", \.html, required: true, help: "The HTML file to write. Required."),
        .repeating("office", "ID", \.offices, help: "Only this office (repeatable)."),
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let out = context.resolve(options.html)
      let repository = try context.openReader()
      let overview: KPIOverview
      do {
        overview = try KPIOverview(
          repository, offices: options.offices.isEmpty ? nil : options.offices,
          today: today(context))
      } catch { throw kpiError(error) }
      let definitions = overview.definitions.definitions
      let (offices, periods, flags, conflicts) = (
        overview.offices, overview.periods, overview.flags, overview.conflicts
      )

      var html = """
        <!DOCTYPE html>
        <html lang="zh-CN"><head><meta charset="utf-8">
        <title>Outpost KPI 报告 / KPI report</title>
        <style>
        body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
        table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
        td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}
        th:first-child,td:first-child{text-align:left}
        .undefined{color:#999}.warn{background:#fff3cd;padding:.5em 1em;border-left:4px solid #e0a800}
        .flag{background:#f8d7da;padding:.3em 1em;border-left:4px solid #c82333;margin:.3em 0}
        .wrap{overflow-x:auto}svg{background:#fafafa;border:1px solid #eee}
        </style></head><body>

        """
      html +=
        "<h1>KPI 报告 / KPI report</h1>\n<p>"
        + escape(
          "Repository \(repository.config.replica) · generated \(context.now()) · definitions "
            + (overview.definitions.source == .builtIn
              ? "built-in" : "version \(overview.definitions.version)")
            + " (\(definitions.hash.prefix(12)))") + "</p>\n"
      if !conflicts.isEmpty {
        html +=
          "<div class=\"warn\"><strong>未解决的冲突 / Open conflicts: \(conflicts.count)</strong>. "
          + "Values marked ⚠ read records still in conflict; they may change when head office "
          + "resolves them.<ul>"
        for conflict in conflicts.prefix(20) {
          html += "<li>\(escape("\(conflict.collection)/\(conflict.id)"))</li>"
        }
        html += "</ul></div>\n"
      }
      for office in offices {
        html += "<h2>\(escape(office))</h2>\n"
        for chart in ["net_revenue", "consultations"] where definitions.kpis[chart] != nil {
          let kpi = definitions.kpis[chart]!
          let series = periods.map { overview.value(chart, office: office, period: $0)?.value }
          html +=
            "<h3>\(escape(kpi.labelZH)) / \(escape(kpi.labelEN))</h3>\n"
            + svgChart(series, labels: periods.map(\.description)) + "\n"
        }
        html += "<div class=\"wrap\"><table><tr><th>KPI</th>"
        for period in periods { html += "<th>\(escape(period.description))</th>" }
        html += "</tr>\n"
        for id in overview.kpis {
          let kpi = definitions.kpis[id]!
          let warn = overview.readsOpenConflict(id, office: office)
          html += "<tr><td>\(escape(kpi.labelZH)) / \(escape(kpi.labelEN))\(warn ? " ⚠" : "")</td>"
          for period in periods {
            let value = overview.value(id, office: office, period: period)
            if let value, value.value != nil {
              html +=
                "<td>\(escape(display(value.value, nil, kpi)))\(value.provisional ? "*" : "")</td>"
            } else {
              html += "<td class=\"undefined\">— \(escape(value?.reason ?? ""))</td>"
            }
          }
          html += "</tr>\n"
        }
        html += "</table></div>\n"
        for card in overview.scorecards {
          html += "<h3>考核 / Scorecard \(escape(card.id)) v\(card.version)</h3><div class=\"wrap\">"
          html += "<table><tr><th>\(escape("period"))</th><th>总分 / total</th><th>band</th></tr>\n"
          for period in periods {
            let key = KPIOverview.ScoreKey(scorecard: card.id, office: office, period: period)
            let result = overview.scores[key]
            html +=
              "<tr><td>\(escape(period.description))</td><td>"
              + escape(
                result?.total.map { $0.formatted(scale: 2) }
                  ?? "— (\(result?.reason ?? "undefined"))")
              + "</td><td>\(escape(result?.band ?? ""))</td></tr>\n"
          }
          html += "</table></div>\n"
        }
        let mine = flags.filter { $0.office == office }
        if !mine.isEmpty {
          html += "<h3>漏斗诊断 / Funnel diagnosis</h3>\n"
          for flag in mine {
            let who = flag.staff.map { " \($0) (\(flag.position ?? ""))" } ?? ""
            let text = "\(flag.labelZH) / \(flag.labelEN) (\(flag.owner))"
            html +=
              "<div class=\"flag\">\(escape("\(flag.period)\(who) \(flag.rule): \(text)"))</div>\n"
          }
        }
      }
      html += try peopleSection(repository, overview, context)
      html += "<p>* provisional: the period is not over. ⚠ reads records in open conflict.</p>\n"
      html += "</body></html>\n"
      do {
        try OutputFile.write(
          Array(html.utf8), to: out, secret: false, replace: true, fileSystem: context.fileSystem)
      } catch { throw CLIError(error) }
      context.console.out(
        "Wrote \(out): \(offices.count) office(s), \(periods.count) month(s), \(flags.count) "
          + "diagnosis flag(s), \(conflicts.count) open conflict(s).\n")
    }
  }

  /// The people: each scorecard of people, for the latest month (or quarter, by its grain) of
  /// the report, ranked within each position company-wide and within the office (SPEC.md §9.5).
  static func peopleSection(
    _ repository: RepositoryReader, _ overview: KPIOverview, _ context: Context
  ) throws -> String {
    let definitions = overview.definitions.definitions
    let cards = definitions.scorecards.keys.sorted().compactMap { definitions.scorecards[$0] }
      .filter { card in
        if case .position = card.level { return true }
        return false
      }
    guard let last = overview.periods.last, !cards.isEmpty else { return "" }
    let organisation: Organisation
    do {
      organisation = try RecordRules(repository, for: StandardCollections.positions.name)
        .organisation
    } catch { throw kpiError(error) }
    var html = "<h2>人员考核 / People</h2>\n"
    for card in cards {
      let period =
        card.grain.map { Period.containing(last.start, grain: $0) } ?? last
      let report: ScorecardReport
      do {
        report = try ScorecardRequest(
          period: period, offices: overview.offices, scorecard: card.id,
          today: today(context), rank: true
        ).compute(in: repository, definitions: definitions)
      } catch { throw kpiError(error) }
      let label = [card.label["zh"], card.label["en"]].compactMap { $0 }.joined(separator: " / ")
      html +=
        "<h3>\(escape(label.isEmpty ? card.id : label)) · \(escape(period.description))</h3>"
        + "<div class=\"wrap\"><table><tr><th>岗位 / position</th><th>排名 / rank</th>"
        + "<th>分部内 / in office</th><th>分部 / office</th><th>姓名 / name</th>"
        + "<th>总分 / total</th><th>等级 / band</th>"
      for item in card.items {
        let kpi = definitions.kpis[item.kpi]
        html += "<th>\(escape(kpi.map { "\($0.labelZH) / \($0.labelEN)" } ?? item.kpi))</th>"
      }
      html += "</tr>\n"
      for result in report.results {
        let position = result.position.flatMap { organisation.positions[$0] }
        html +=
          "<tr><td>\(escape(position.map { "\($0.nameZH) / \($0.nameEN)" } ?? result.position ?? ""))"
          + "</td><td>\(result.rank.map(String.init) ?? "—")</td>"
          + "<td>\(result.rankInOffice.map(String.init) ?? "—")</td>"
          + "<td>\(escape(result.office))</td>"
          + "<td>\(escape(result.staff.flatMap { report.names[$0] } ?? result.staff ?? ""))</td>"
        if let total = result.total {
          html +=
            "<td>\(escape(total.formatted(scale: 2)))</td><td>\(escape(result.band ?? ""))</td>"
        } else {
          html +=
            "<td class=\"undefined\" colspan=\"2\">\(escape(words(result.reason)))</td>"
        }
        for item in result.items {
          let cell =
            item.score.map { "\($0.multiplied(by: ExactDecimal(100))?.formatted(scale: 0) ?? "")%" }
            ?? words(item.note)
          html += "<td>\(escape(cell))</td>"
        }
        html += "</tr>\n"
      }
      html += "</table></div>\n"
    }
    return html
  }

  /// An undefined reason in words.
  static func words(_ reason: String?) -> String {
    switch reason {
    case "missing_target"?: "无目标 / no target"
    case "undefined_actual"?: "无数据 / no data"
    case "mean_of_months"?: "—"
    case let other?: String(other.map { $0 == "_" ? " " : $0 })
    case nil: "—"
    }
  }

  /// A line chart of monthly values as inline SVG; undefined months are gaps.
  static func svgChart(_ series: [ExactDecimal?], labels: [String]) -> String {
    let width = 640
    let height = 160
    let left = 70
    let step = labels.count > 1 ? (width - left - 20) / (labels.count - 1) : 0
    let top = series.compactMap { $0 }.max() ?? .zero
    var svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height + 30)\" "
      + "role=\"img\">"
    svg +=
      "<text x=\"4\" y=\"14\" font-size=\"11\">\(escape(top.description))</text>"
      + "<text x=\"4\" y=\"\(height)\" font-size=\"11\">0</text>"
    var points: [String] = []
    for (index, value) in series.enumerated() {
      let x = left + index * step
      guard let value else {
        if points.count > 1 {
          svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\""
          svg += points.joined(separator: " ") + "\"/>"
        }
        points = []
        continue
      }
      var y = height
      if top > .zero, let scaled = value.multiplied(by: ExactDecimal(Int64(height - 10))),
        let offset = scaled.divided(by: top, scale: 0)
      {
        y = height - max(Int(offset.significand), 0)
      }
      points.append("\(x),\(y)")
      svg += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"2.5\" fill=\"#1f77b4\"/>"
    }
    if points.count > 1 {
      svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\""
      svg += points.joined(separator: " ") + "\"/>"
    }
    for (index, label) in labels.enumerated() where labels.count <= 13 || index % 3 == 0 {
      svg +=
        "<text x=\"\(left + index * step - 18)\" y=\"\(height + 20)\" font-size=\"10\">"
        + "\(escape(label))</text>"
    }
    return svg + "</svg>"
  }

  /// Text made safe for HTML.
  static func escape(_ text: String) -> String {
    var result = ""
    for character in text {
      switch character {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&#39;"
      default: result.append(character)
      }
    }
    return result
  }
}
