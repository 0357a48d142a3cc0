import Outpost
import OutpostKPI
import OutpostModel
import OutpostStore

/// The HTML report's overview: offices and people ranked side by side (SPEC.md §9.10).
extension Commands {
  /// The scorecards of `level` (office or position), each with the period it is shown for:
  /// the report's latest month, or the quarter or year holding it by the scorecard's
  /// `period_grain`.
  static func rankedCards(_ overview: KPIOverview, people: Bool) -> [(
    card: ScorecardDefinition, period: Period
  )] {
    let definitions = overview.definitions.definitions
    guard let last = overview.periods.last else { return [] }
    return definitions.scorecards.keys.sorted().compactMap { definitions.scorecards[$0] }
      .filter { card in
        switch card.level {
        case .office: !people
        case .position: people
        case .department: false
        }
      }
      .map { ($0, $0.grain.map { grain in Period.containing(last.start, grain: grain) } ?? last) }
  }

  /// The overview: each office scorecard's offices ranked by total, then each position
  /// scorecard's people ranked within their position company-wide and within their office
  /// (SPEC.md §9.5), for the latest month of the report (or the quarter or year holding it).
  static func overviewSection(
    _ repository: RepositoryReader, _ overview: KPIOverview, _ context: Context
  ) throws -> String {
    guard let last = overview.periods.last else { return "" }
    var html =
      "<section id=\"overview\"><h2>总览 / Overview · \(escape(last.description))</h2>\n"
    for (index, (card, period)) in rankedCards(overview, people: false).enumerated() {
      let report = try ranked(card, period, repository, overview, context)
      html +=
        "<h3 id=\"offices-\(index + 1)\">分部排名 / Offices ranked · \(escape(cardLabel(card)))"
        + " · \(escape(period.description))\(open(period, context) ? " *" : "")</h3>\n"
        + rankingTable(report, overview, organisation: nil)
    }
    html += try peopleSection(repository, overview, context)
    return html + "</section>\n"
  }

  /// The people: each position scorecard's people for the latest month of the report (or the
  /// quarter or year holding it), ranked within each position company-wide and within the
  /// office (SPEC.md §9.5).
  static func peopleSection(
    _ repository: RepositoryReader, _ overview: KPIOverview, _ context: Context
  ) throws -> String {
    let cards = rankedCards(overview, people: true)
    guard !cards.isEmpty else { return "" }
    let organisation: Organisation
    do {
      organisation = try RecordRules(repository, for: StandardCollections.positions.name)
        .organisation
    } catch { throw kpiError(error) }
    var html = "<h3 id=\"people\">人员考核 / People</h3>\n"
    for (index, (card, period)) in cards.enumerated() {
      let report = try ranked(card, period, repository, overview, context)
      html +=
        "<h4 id=\"people-\(index + 1)\">\(escape(cardLabel(card))) · "
        + "\(escape(period.description))\(open(period, context) ? " *" : "")</h4>\n"
        + "<p class=\"meta\">"
        + (card.periodRule == .meanOfMonths && period.grain != .month
          ? "各项为月度得分的平均 / items: the mean of the monthly scores"
          : "各项为达成率 / items: attainment") + "</p>\n"
        + rankingTable(report, overview, organisation: organisation)
    }
    return html
  }

  /// A scorecard's results for a period, ranked (offices shown: the report's).
  static func ranked(
    _ card: ScorecardDefinition, _ period: Period, _ repository: RepositoryReader,
    _ overview: KPIOverview, _ context: Context
  ) throws -> ScorecardReport {
    do {
      return try ScorecardRequest(
        period: period, offices: overview.offices, scorecard: card.id, today: today(context),
        rank: true
      ).compute(in: repository, definitions: overview.definitions.definitions)
    } catch { throw kpiError(error) }
  }

  /// One ranked table: for offices rank, office, total, band, bonus and each item; for people
  /// also the rank in the office, the name and the position.
  static func rankingTable(
    _ report: ScorecardReport, _ overview: KPIOverview, organisation: Organisation?
  ) -> String {
    let definitions = overview.definitions.definitions
    let card = report.scorecard
    let bonus = card.bands.contains { $0.bonus != nil }
    var html = "<div class=\"wrap\"><table class=\"ranking\"><tr><th>排名<br>rank</th>"
    if organisation != nil { html += "<th>分部内<br>in office</th>" }
    html += "<th class=\"l\">分部<br>office</th>"
    if organisation != nil {
      html += "<th class=\"l\">姓名<br>name</th><th class=\"l\">岗位<br>position</th>"
    }
    html += "<th>总分<br>total</th><th>等级<br>band</th>"
    if bonus { html += "<th>奖金系数<br>bonus</th>" }
    for item in card.items { html += kpiHeader(item.kpi, definitions) }
    html += "</tr>\n"
    if report.results.isEmpty {
      let columns = 4 + (organisation != nil ? 3 : 0) + (bonus ? 1 : 0) + card.items.count
      html +=
        "<tr><td class=\"l undefined\" colspan=\"\(columns)\">\(escape(words("no_data")))"
        + "</td></tr>\n"
    }
    for result in report.results {
      html += "<tr><td>\(result.rank.map(String.init) ?? "—")</td>"
      if let organisation {
        let position = result.position.flatMap { organisation.positions[$0] }
        let person = result.staff.flatMap { report.names[$0] }
        html +=
          "<td>\(result.rankInOffice.map(String.init) ?? "—")</td>"
          + "<td class=\"l\">\(officeLabel(result.office, overview))</td>"
          + "<td class=\"l\">\(nameLabel(person, id: result.staff ?? ""))</td>"
          + "<td class=\"l\">"
          + (position.map { "\(escape($0.nameZH)) <span class=\"en\">\(escape($0.nameEN))</span>" }
            ?? escape(result.position ?? "")) + "</td>"
      } else {
        html += "<td class=\"l\">\(officeLabel(result.office, overview))</td>"
      }
      html += totalCells(result, bonus: bonus)
      for item in result.items { html += itemCell(item) }
      html += "</tr>\n"
    }
    return html + "</table></div>\n"
  }

  /// The total, band (and bonus) cells of a result, or its reason in words.
  static func totalCells(_ result: ScorecardResult, bonus: Bool) -> String {
    guard let total = result.total else {
      return "<td class=\"undefined\" colspan=\"\(bonus ? 3 : 2)\">"
        + "\(escape(words(result.reason)))</td>"
    }
    let band = result.band ?? ""
    var html =
      "<td class=\"total\">\(escape(total.formatted(scale: 2)))"
      + (result.hardFailures.isEmpty ? "" : " <span class=\"capped\">封顶 capped</span>")
      + "</td><td><span class=\"band band-\(escape(band))\">\(escape(band))</span></td>"
    if bonus { html += "<td>\(escape(result.bonus.map { $0.formatted(scale: 2) } ?? "—"))</td>" }
    return html
  }

  /// An item's attainment as a percentage (or, for a mean of months, its mean score), or why
  /// it has none, in words.
  static func itemCell(_ item: ScoredItem) -> String {
    // The score stands in only for a mean of months; an item scored 0 for a failure or a
    // missing value says why.
    let meanScore = item.note == "mean_of_months" ? item.score : nil
    guard let shown = item.attainment ?? meanScore else {
      return "<td class=\"undefined\">\(escape(words(item.note)))</td>"
    }
    let percent = shown.multiplied(by: ExactDecimal(100))?.formatted(scale: 1) ?? ""
    let low = shown < ExactDecimal(1)
    return "<td\(low ? " class=\"below\"" : "")>\(escape(percent)) %</td>"
  }

  /// A KPI's column header, Chinese over English.
  static func kpiHeader(_ id: String, _ definitions: DefinitionSet) -> String {
    guard let kpi = definitions.kpis[id] else { return "<th>\(escape(id))</th>" }
    return "<th>\(escape(kpi.labelZH))<br><span class=\"en\">\(escape(kpi.labelEN))</span></th>"
  }

  /// A scorecard's label, Chinese and English, else its id.
  static func cardLabel(_ card: ScorecardDefinition) -> String {
    let label = [card.label["zh"], card.label["en"]].compactMap { $0 }.joined(separator: " / ")
    return label.isEmpty ? card.id : label
  }

  /// An office as HTML: its Chinese name (from `offices`) and its id.
  static func officeLabel(_ id: String, _ overview: KPIOverview) -> String {
    nameLabel(overview.officeNames[id], id: id)
  }

  /// A name beside its id as HTML, or the id alone.
  static func nameLabel(_ name: String?, id: String) -> String {
    guard let name, name != id else { return escape(id) }
    return "\(escape(name)) <span class=\"id\">\(escape(id))</span>"
  }

  /// Whether a period is still open on the repository's today (its values provisional).
  static func open(_ period: Period, _ context: Context) -> Bool {
    today(context).map { period.end >= $0 } ?? false
  }
}
