import Outpost
import OutpostKPI
import OutpostModel
import OutpostStore

/// The HTML report's page: head, contents and one section per office (SPEC.md §9.10).
extension Commands {
  /// The KPIs charted per office, in order, each with its targets when head office set any.
  static let chartKPIs = [
    "net_revenue", "consultations", "avg_cost_per_conversation", "return_rate",
  ]

  /// The page's style: screen and A4 portrait print.
  static let reportStyle = """
    :root{--ink:#1f2933;--muted:#6b7280;--line:#d9dee5;--accent:#1f6fb2}
    body{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",system-ui,\
    sans-serif;margin:0 auto;max-width:1080px;padding:24px 32px;color:var(--ink);line-height:1.45}
    h1{font-size:1.7em;margin:.2em 0}
    h2{font-size:1.35em;border-bottom:2px solid var(--accent);padding-bottom:.15em;margin:1.8em 0 .6em}
    h3{font-size:1.08em;margin:1.3em 0 .4em}h4{font-size:1em;margin:1.1em 0 .3em}
    .meta{color:var(--muted);font-size:.9em;margin:0}
    .id,.en{color:var(--muted);font-size:.85em;font-weight:400}.id{white-space:nowrap}
    table{border-collapse:collapse;margin:.3em 0 1.1em;font-size:.84em;font-variant-numeric:tabular-nums}
    td,th{border:1px solid var(--line);padding:.25em .55em;text-align:right;vertical-align:top}
    td{white-space:nowrap}
    th{background:#f1f4f8;font-weight:600;line-height:1.25}
    td.l,th.l{text-align:left}tr:nth-child(even) td{background:#fafbfc}
    .undefined{color:var(--muted);font-style:italic}.below{color:#b42318}
    .band{display:inline-block;min-width:1.4em;text-align:center;font-weight:700;border-radius:3px;\
    padding:0 .3em;background:#e5e7eb}
    .band-A{background:#d3f0dc;color:#1b6b35}.band-B{background:#dbe8f6;color:#1f4f86}
    .band-C{background:#fdf0c8;color:#7a5a00}.band-D{background:#f9d7d3;color:#8f1d12}
    .capped{color:#b42318;font-size:.8em}
    .warn{background:#fff3cd;padding:.5em 1em;border-left:4px solid #e0a800;margin:1em 0}
    .flag{background:#f8d7da;padding:.3em 1em;border-left:4px solid #c82333;margin:.3em 0}
    .toc{background:#f6f8fa;border:1px solid var(--line);padding:.6em 1.2em;margin:1.2em 0}
    .toc h2{border:0;margin:.2em 0;font-size:1.1em}.toc ol{margin:.2em 0;padding-left:1.4em}
    .toc a{color:var(--accent);text-decoration:none}
    .charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:14px 22px}
    figure{margin:0}figcaption{font-weight:600;font-size:.9em;margin:0 0 .2em}
    svg.chart{width:100%;height:auto;display:block;background:#fff;border:1px solid #e5e7eb;\
    border-radius:4px}
    svg.chart text{font-size:12.5px;fill:#4b5563}svg.chart .unit{font-weight:600;fill:#1f2933}
    .bar{display:inline-block;height:.65em;background:#9cc3e6;margin-right:.4em}
    td.barcell{text-align:left;min-width:11em}td.barcell span.v{float:right;padding-left:.6em}
    .wrap{overflow-x:auto}
    .notes{color:var(--muted);font-size:.85em;border-top:1px solid var(--line);margin-top:2em}
    @page{size:A4 portrait;margin:12mm}
    @media print{
    body{max-width:none;padding:0;font-size:9.5pt}
    .wrap{overflow:visible}table{font-size:7.5pt;max-width:100%}td,th{padding:.15em .3em}
    td{white-space:normal}td .en,th .en{font-size:.8em}
    section.office{break-before:page}h2,h3,h4{break-after:avoid}
    figure,tr,.flag{break-inside:avoid}.charts{gap:8px 12px}
    a{color:inherit}
    }

    """

  /// The whole page.
  static func reportPage(
    _ repository: RepositoryReader, _ overview: KPIOverview, _ context: Context
  ) throws -> String {
    let definitions = overview.definitions.definitions
    var html = """
      <!DOCTYPE html>
      <html lang="zh-CN"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>Outpost KPI 报告 / KPI report</title>
      <style>
      \(reportStyle)</style></head><body>

      """
    html +=
      "<h1>KPI 考核报告 / KPI assessment report</h1>\n<p class=\"meta\">"
      + escape(
        "Repository \(repository.config.replica) · generated \(context.now()) · definitions "
          + (overview.definitions.source == .builtIn
            ? "built-in" : "version \(overview.definitions.version)")
          + " (\(definitions.hash.prefix(12)))") + "</p>\n"
    if !overview.conflicts.isEmpty {
      html +=
        "<div class=\"warn\"><strong>未解决的冲突 / Open conflicts: "
        + "\(overview.conflicts.count)</strong>. Values marked ⚠ read records still in "
        + "conflict; they may change when head office resolves them.<ul>"
      for conflict in overview.conflicts.prefix(20) {
        html += "<li>\(escape("\(conflict.collection)/\(conflict.id)"))</li>"
      }
      html += "</ul></div>\n"
    }
    if !overview.withheld.isEmpty {
      html +=
        "<div class=\"warn\"><strong>未显示的分部 / Offices not shown</strong>: head office "
        + "keeps their records and sent no values this report can use.<ul>"
      for office in overview.withheld {
        html += "<li>\(escape("\(office.office): \(office.reason)"))</li>"
      }
      html += "</ul></div>\n"
    }
    if !overview.headOfficeReplies.isEmpty {
      let offices = overview.headOfficeReplies.keys.sorted().map {
        "\($0) (reply \(overview.headOfficeReplies[$0]!))"
      }
      html +=
        "<p class=\"meta\">"
        + escape(
          "Head office keeps other offices' records: \(offices.joined(separator: ", ")) are "
            + "shown as head office computed them, without channels or diagnosis.") + "</p>\n"
    }
    html += contents(overview)
    html += try overviewSection(repository, overview, context)
    for (index, office) in overview.offices.enumerated() {
      html += officeSection(office, index: index, overview)
    }
    html +=
      "<p class=\"notes\">* 暂定 / provisional: the period is not over. ⚠ reads records in open "
      + "conflict. Attainment: actual ÷ target (for lower-is-better KPIs 2 − actual ÷ target); "
      + "dashed lines are head office's targets; a month without a value is a gap.</p>\n"
    return html + "</body></html>\n"
  }

  /// The table of contents.
  static func contents(_ overview: KPIOverview) -> String {
    var html = "<nav class=\"toc\"><h2>目录 / Contents</h2><ol>"
    if let last = overview.periods.last {
      html += "<li><a href=\"#overview\">总览 / Overview · \(escape(last.description))</a><ol>"
      for (index, (card, period)) in rankedCards(overview, people: false).enumerated() {
        html +=
          "<li><a href=\"#offices-\(index + 1)\">分部排名 / Offices ranked · "
          + "\(escape(cardLabel(card))) · \(escape(period.description))</a></li>"
      }
      for (index, (card, period)) in rankedCards(overview, people: true).enumerated() {
        html +=
          "<li><a href=\"#people-\(index + 1)\">人员 / People · \(escape(cardLabel(card))) · "
          + "\(escape(period.description))</a></li>"
      }
      html += "</ol></li>"
    }
    for (index, office) in overview.offices.enumerated() {
      html += "<li><a href=\"#office-\(index + 1)\">\(officeLabel(office, overview))</a></li>"
    }
    return html + "</ol></nav>\n"
  }

  /// One office: its charts, channels, KPI table, monthly scorecards and diagnosis flags.
  static func officeSection(_ office: String, index: Int, _ overview: KPIOverview) -> String {
    let definitions = overview.definitions.definitions
    let periods = overview.periods
    var html =
      "<section class=\"office\" id=\"office-\(index + 1)\"><h2>"
      + "\(officeLabel(office, overview))</h2>\n<div class=\"charts\">"
    for id in chartKPIs {
      guard let kpi = definitions.kpis[id] else { continue }
      let values = periods.map { overview.value(id, office: office, period: $0) }
      let chart = LineChart(
        title: "\(kpi.labelZH) / \(kpi.labelEN) · \(overview.officeNames[office] ?? office)",
        unit: kpi.unit, labels: periods.map(\.description), values: values.map { $0?.value },
        provisional: values.map { $0?.provisional ?? false },
        targets: periods.map { overview.target(id, office: office, period: $0)?.value })
      html +=
        "<figure><figcaption>\(escape(kpi.labelZH)) <span class=\"en\">\(escape(kpi.labelEN))"
        + "</span></figcaption>\(chart.svg())</figure>"
    }
    html += "</div>\n" + channelTable(office, overview) + kpiTable(office, overview)
    for card in overview.scorecards {
      html +=
        "<h3>考核 / Scorecard · \(escape(cardLabel(card))) v\(card.version)</h3>"
        + "<div class=\"wrap\"><table><tr><th class=\"l\">月份<br>month</th><th>总分<br>total</th>"
        + "<th>等级<br>band</th>"
      for item in card.items { html += kpiHeader(item.kpi, definitions) }
      html += "</tr>\n"
      for period in periods {
        let key = KPIOverview.ScoreKey(scorecard: card.id, office: office, period: period)
        html += "<tr><td class=\"l\">\(escape(period.description))</td>"
        guard let result = overview.scores[key] else {
          html +=
            "<td class=\"undefined\" colspan=\"\(2 + card.items.count)\">"
            + "\(escape(words(nil)))</td></tr>\n"
          continue
        }
        html += totalCells(result, bonus: false)
        for item in result.items { html += itemCell(item) }
        html += "</tr>\n"
      }
      html += "</table></div>\n"
    }
    let mine = overview.flags.filter { $0.office == office }
    if !mine.isEmpty {
      html += "<h3>漏斗诊断 / Funnel diagnosis</h3>\n"
      for flag in mine {
        let text =
          "\(flag.period)\(who(flag)) \(flag.rule): \(flag.labelZH) / \(flag.labelEN) "
          + "(\(flag.owner)) — \(evidence(flag))"
        html += "<div class=\"flag\">\(escape(text))</div>\n"
      }
    }
    return html + "</section>\n"
  }

  /// The office's main KPIs by month: "—" and the reason in words when undefined, `*`
  /// provisional, ⚠ when the KPI reads a record in open conflict.
  static func kpiTable(_ office: String, _ overview: KPIOverview) -> String {
    let definitions = overview.definitions.definitions
    var html =
      "<h3>主要指标 / Main KPIs by month</h3><div class=\"wrap\"><table><tr><th class=\"l\">"
      + "指标 / KPI</th>"
    for period in overview.periods { html += "<th>\(escape(period.description))</th>" }
    html += "</tr>\n"
    for id in overview.kpis {
      let kpi = definitions.kpis[id]!
      let warn = overview.readsOpenConflict(id, office: office)
      html +=
        "<tr><td class=\"l\">\(escape(kpi.labelZH)) <span class=\"en\">\(escape(kpi.labelEN))"
        + "</span>\(warn ? " ⚠" : "")</td>"
      for period in overview.periods {
        let value = overview.value(id, office: office, period: period)
        if let value, value.value != nil {
          html +=
            "<td>\(escape(display(value.value, nil, kpi)))\(value.provisional ? "*" : "")</td>"
        } else {
          html += "<td class=\"undefined\">— \(escape(words(value?.reason ?? "no_data")))</td>"
        }
      }
      html += "</tr>\n"
    }
    return html + "</table></div>\n"
  }

  /// The office's latest month per channel: each channel KPI's value with a bar scaled to the
  /// largest of the office's channels.
  static func channelTable(_ office: String, _ overview: KPIOverview) -> String {
    let definitions = overview.definitions.definitions
    guard let last = overview.periods.last, !overview.channelKPIs.isEmpty else { return "" }
    let channels = overview.channels.filter { channel in
      overview.channelKPIs.contains {
        overview.channelValue($0, office: office, channel: channel)?.value != nil
      }
    }
    guard !channels.isEmpty else { return "" }
    // `*` when any value shown is provisional (the month is open).
    let provisional = channels.contains { channel in
      overview.channelKPIs.contains {
        overview.channelValue($0, office: office, channel: channel)?.provisional == true
      }
    }
    var html =
      "<h3>渠道 / Channels · \(escape(last.description))\(provisional ? " *" : "")"
      + "</h3><div class=\"wrap\"><table class=\"channels\"><tr><th class=\"l\">渠道<br>channel</th>"
    for id in overview.channelKPIs { html += kpiHeader(id, definitions) }
    html += "</tr>\n"
    var largest: [String: Double] = [:]
    for id in overview.channelKPIs {
      largest[id] =
        channels.compactMap {
          overview.channelValue(id, office: office, channel: $0)?.value.flatMap {
            Double($0.description)
          }
        }.max() ?? 0
    }
    for channel in channels {
      html += "<tr><td class=\"l\">\(nameLabel(overview.channelNames[channel], id: channel))</td>"
      for id in overview.channelKPIs {
        let kpi = definitions.kpis[id]!
        let value = overview.channelValue(id, office: office, channel: channel)
        guard let exact = value?.value, let number = Double(exact.description) else {
          html +=
            "<td class=\"undefined\">— \(escape(words(value?.reason ?? "no_data")))</td>"
          continue
        }
        let top = largest[id] ?? 0
        let width = top > 0 ? max(number, 0) / top * 6 : 0
        html +=
          "<td class=\"barcell\"><span class=\"bar\" style=\"width:\(n(width))em\"></span>"
          + "<span class=\"v\">\(escape(display(exact, nil, kpi)))</span></td>"
      }
      html += "</tr>\n"
    }
    return html + "</table></div>\n"
  }
}
