import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore

/// What to score for `outpost scorecard` (SPEC.md §9.5, §9.6): one period, some offices, one
/// scorecard.
public struct ScorecardRequest: Sendable, Equatable {
  /// The period to score.
  public var period: Period
  /// The offices (nil: every office with values for the period).
  public var offices: [String]?
  /// The scorecard's id (nil: the only one defined).
  public var scorecard: String?
  /// Today, by the repository's clock (open periods are provisional, SPEC.md §9.1).
  public var today: CivilDate?
  /// Rank the results (SPEC.md §9.5) and list them in rank order.
  public var rank: Bool

  /// Creates a request.
  public init(
    period: Period, offices: [String]? = nil, scorecard: String? = nil, today: CivilDate? = nil,
    rank: Bool = false
  ) {
    self.period = period
    self.offices = offices
    self.scorecard = scorecard
    self.today = today
    self.rank = rank
  }

  /// The scorecard asked for: the one named, else the only office scorecard (the built-in
  /// catalog's `branch_marketing_monthly`), else the only one defined.
  ///
  /// An unknown id, or no id when that does not pick exactly one, is
  /// ``OutpostError/Code/invalidRequest`` with `location.field` = `scorecard`; the hint lists
  /// the scorecards defined.
  public func chosenScorecard(in definitions: DefinitionSet) throws(OutpostError)
    -> ScorecardDefinition
  {
    let defined = "Defined: \(definitions.scorecards.keys.sorted().joined(separator: ", "))"
    if let id = scorecard {
      guard let found = definitions.scorecards[id] else {
        throw OutpostError(
          .invalidRequest, "unknown scorecard '\(id)'", hint: defined,
          location: .init(field: "scorecard"))
      }
      return found
    }
    let offices = definitions.scorecards.values.filter { $0.level == .office }
    if offices.count == 1 { return offices[0] }
    guard definitions.scorecards.count == 1, let only = definitions.scorecards.values.first else {
      throw OutpostError(
        .invalidRequest,
        "choose a scorecard: \(definitions.scorecards.count) are defined, not exactly one",
        hint: defined, location: .init(field: "scorecard"))
    }
    return only
  }

  /// Scores every office for the period against head office's targets, with `definitions`
  /// (nil: the definitions in force in `repository`).
  ///
  /// A period of another grain than the scorecard's `period_grain` is
  /// ``OutpostError/Code/invalidRequest`` with `location.field` = `period`.
  public func compute(in repository: RepositoryReader, definitions: DefinitionSet? = nil)
    throws(OutpostError) -> ScorecardReport
  {
    let definitions = try KPIDefinitionsInForce.given(definitions, else: repository)
    let card = try chosenScorecard(in: definitions)
    if let grain = card.grain, grain != period.grain {
      throw OutpostError(
        .invalidRequest,
        "scorecard '\(card.id)' scores \(grain.rawValue) periods (its period_grain); "
          + "\(period) is a \(period.grain.rawValue)",
        hint: "Ask for a \(grain.rawValue), e.g. \(Period.containing(period.start, grain: grain)).",
        location: .init(field: "period"))
    }
    if let problem = try Self.unknownRoles(in: definitions, repository, only: card.id) {
      throw OutpostError(
        .invalidData, problem,
        hint: "Correct the scorecard, or publish the position or department first.")
    }
    let breakdown = card.level.breakdown
    // People and departments are ranked company-wide: with an office filter and --rank, every
    // office is scored and ranked, and the offices asked for are shown.
    let scored = rank && card.level != .office ? nil : offices
    // At a branch under own_office, other offices are scored from head office's monthly values
    // (SPEC.md §9.5); only its own office from rows.
    let split = card.level == .office ? try OfficeSplit.at(repository, offices: offices) : nil
    var withheld: [KPIResult.Withheld] = []
    func fromHeadOffice(_ months: [Period]) throws(OutpostError) -> [KPIValue] {
      guard let split else { return [] }
      guard months.allSatisfy({ $0.grain == .month }) else {
        withheld = try split.refuse(
          split.shown.map { .init(office: $0, reason: OfficeSplit.monthsOnly) })
        return []
      }
      let (values, unanswered) = split.values(
        kpis: Set(card.items.map(\.kpi)), months: Set(months), definitions: definitions,
        today: today)
      withheld = try split.refuse(unanswered)
      return values.keys.sorted().flatMap { values[$0]! }
    }
    let data = try KPIDataset(
      repository, definitions: definitions,
      including: [StandardCollections.targets.name]
        + (breakdown.isPeople ? [StandardCollections.staff.name] : []))
    let headOffice = try Self.headOffice(repository)
    var results: [ScorecardResult]
    if card.periodRule == .meanOfMonths && period.grain != .month && period.grain != .day {
      var months: [Period] = []
      var month = Period.containing(period.start, grain: .month)
      while month.start <= period.end {
        months.append(month)
        month = month.next
      }
      let values =
        KPIEngine(definitions: definitions).evaluate(
          data.dataset,
          KPIQuery(
            kpis: card.items.map(\.kpi), grain: .month, periods: months,
            offices: split?.computed ?? scored, breakdown: breakdown, openFrom: today))
        + (try fromHeadOffice(months))
      let monthly = months.map { month in
        Self.score(
          card, period: month, values: values, dataset: data.dataset, headOffice: headOffice)
      }
      results = Self.meanOfMonths(card, period: period, monthly: monthly)
    } else {
      let values =
        KPIEngine(definitions: definitions).evaluate(
          data.dataset,
          KPIQuery(
            kpis: card.items.map(\.kpi), grain: period.grain, periods: [period],
            offices: split?.computed ?? scored, breakdown: breakdown, openFrom: today))
        + (try fromHeadOffice([period]))
      results = Self.score(
        card, period: period, values: values, dataset: data.dataset, headOffice: headOffice)
    }
    if rank { results = ScorecardResult.ranked(results, level: card.level) }
    if let offices { results = results.filter { offices.contains($0.office) } }
    var names: [String: (from: String, name: String)] = [:]
    for row in data.dataset.rows[StandardCollections.staff.name] ?? [] {
      guard let id = row["staff_id"]?.stringValue, let name = row["name"]?.stringValue,
        let from = row["active_from"]?.stringValue
      else { continue }
      if names[id].map({ $0.from < from }) ?? true { names[id] = (from, name) }
    }
    return ScorecardReport(
      definitions: definitions, scorecard: card, period: period, results: results,
      names: names.mapValues(\.name), withheld: withheld)
  }

  /// Combines monthly results into the period's, per line (office, person or department): the
  /// total is the mean of the line's monthly totals (the months in which it was scored),
  /// rounded half-up to 2 places, undefined when any of them is (with that month's reason);
  /// each item's score is the mean of its monthly scores (4 places); hard indicators that failed
  /// in any month are listed, their cap already in that month's total (SPEC.md §9.5).
  static func meanOfMonths(
    _ card: ScorecardDefinition, period: Period, monthly: [[ScorecardResult]]
  ) -> [ScorecardResult] {
    var order: [ScoredLine] = []
    var byLine: [ScoredLine: [ScorecardResult]] = [:]
    for results in monthly {
      for result in results {
        let line = ScoredLine(
          office: result.office, staff: result.staff, position: result.position,
          department: result.department)
        if byLine[line] == nil { order.append(line) }
        byLine[line, default: []].append(result)
      }
    }
    order.sort(by: ScoredLine.precedes)
    func mean(_ values: [ExactDecimal], scale: Int) -> ExactDecimal? {
      var sum = ExactDecimal.zero
      for value in values {
        guard let next = sum.adding(value) else { return nil }
        sum = next
      }
      return values.isEmpty ? nil : sum.divided(by: ExactDecimal(Int64(values.count)), scale: scale)
    }
    return order.map { line in
      let months = byLine[line]!
      var result = ScorecardResult(
        scorecard: card.id, office: line.office, period: period, total: nil, band: nil,
        reason: nil, items: [])
      (result.staff, result.position, result.department) = (
        line.staff, line.position, line.department
      )
      for item in card.items {
        let scores = months.compactMap { $0.items.first { $0.kpi == item.kpi }?.score }
        result.items.append(
          ScoredItem(
            kpi: item.kpi, weight: item.weight, actual: nil, target: nil, attainment: nil,
            score: scores.count == months.count ? mean(scores, scale: 4) : nil,
            note: "mean_of_months", excluded: false))
      }
      for month in months { result.hardFailures += month.hardFailures }
      result.hardFailures = Array(Set(result.hardFailures)).sorted()
      if let undefined = months.first(where: { $0.total == nil }) {
        result.reason = undefined.reason ?? "undefined_month"
        return result
      }
      guard let total = mean(months.compactMap(\.total), scale: 2) else {
        result.reason = "overflow"
        return result
      }
      result.total = total
      let band = card.bands.first { total >= $0.minimum }
      (result.band, result.bonus) = (band?.label, band?.bonus)
      return result
    }
  }

  /// Why a scorecard would score no one, or nil.
  ///
  /// The first position or department a scorecard's `applies_to` names that `repository` does
  /// not know (built in, or a `positions`/`departments` record), or, without `only`, a position a
  /// diagnosis rule reads (SPEC.md §9.9). `only`: that scorecard alone.
  static func unknownRoles(
    in definitions: DefinitionSet, _ repository: RepositoryReader, only: String? = nil
  ) throws(OutpostError) -> String? {
    let cards = definitions.scorecards.keys.sorted().filter { only == nil || $0 == only }
      .compactMap { definitions.scorecards[$0] }
    // Diagnosis rules read positions too; checked with every scorecard (at `kpi publish`).
    let rules = only == nil ? definitions.diagnoses.filter { $0.positions != nil } : []
    guard cards.contains(where: { $0.level != .office }) || !rules.isEmpty else { return nil }
    let organisation = try RecordRules(repository, for: StandardCollections.positions.name)
      .organisation
    for rule in rules {
      if let unknown = rule.positions?.first(where: { organisation.positions[$0] == nil }) {
        return "diagnosis rule '\(rule.id)' reads position '\(unknown)', which is not a known "
          + "position (\(organisation.positionIDs.joined(separator: ", ")))"
      }
    }
    for card in cards {
      switch card.level {
      case .office: continue
      case .position(let positions):
        if let unknown = positions.first(where: { organisation.positions[$0] == nil }) {
          return "scorecard '\(card.id)' applies to position '\(unknown)', which is not a "
            + "known position (\(organisation.positionIDs.joined(separator: ", ")))"
        }
      case .department(let departments):
        if let unknown = departments?.first(where: { organisation.departments[$0] == nil }) {
          return "scorecard '\(card.id)' applies to department '\(unknown)', which is not a "
            + "known department (\(organisation.departmentIDs.joined(separator: ", ")))"
        }
      }
    }
    return nil
  }

  /// Head office's id: this repository's at head office, the peer's at a branch (company-wide
  /// targets name it as their office).
  static func headOffice(_ repository: RepositoryReader) throws(OutpostError) -> String? {
    if repository.config.role == .head { return repository.config.replica.rawValue }
    do { return try repository.peers().first?.peer.rawValue } catch { throw OutpostError(error) }
  }

  /// Scores one office and period from computed values (those of the office and period are
  /// read; an item without a value is undefined) and the office `targets` rows of `dataset`.
  public static func score(
    _ card: ScorecardDefinition, office: String, period: Period, values: [KPIValue],
    dataset: Dataset
  ) -> ScorecardResult {
    var mine: [String: KPIValue] = [:]
    for value in values
    where value.office == office && value.period == period && value.channel == nil
      && value.staff == nil && value.position == nil && value.department == nil
      && mine[value.kpi] == nil
    {
      mine[value.kpi] = value
    }
    let targets = dataset.rows[StandardCollections.targets.name] ?? []
    return card.score(
      office: office, period: period,
      actual: { id in (mine[id]?.value, mine[id]?.failures ?? []) },
      target: { id in Target.find(in: targets, office: office, kpi: id, period: period) })
  }

  /// Scores every line the card applies to in `values` (offices; or the people of its
  /// positions; or its departments), in the values' order (office, then staff id, position,
  /// department), against the `targets` rows of `dataset`.
  public static func score(
    _ card: ScorecardDefinition, period: Period, values: [KPIValue], dataset: Dataset,
    headOffice: String?
  ) -> [ScorecardResult] {
    var order: [ScoredLine] = []
    var byLine: [ScoredLine: [String: KPIValue]] = [:]
    for value in values where value.period == period && value.channel == nil {
      let line = ScoredLine(
        office: value.office, staff: value.staff, position: value.position,
        department: value.department)
      switch card.level {
      case .office: break
      case .position(let positions):
        guard let position = line.position, line.staff != nil, positions.contains(position) else {
          continue
        }
      case .department(let departments):
        guard let department = line.department,
          departments.map({ $0.contains(department) }) ?? true
        else { continue }
      }
      if byLine[line] == nil { order.append(line) }
      if byLine[line]?[value.kpi] == nil { byLine[line, default: [:]][value.kpi] = value }
    }
    let targets = dataset.rows[StandardCollections.targets.name] ?? []
    order.sort(by: ScoredLine.precedes)
    return order.map { line in
      let mine = byLine[line] ?? [:]
      let subject: Target.Subject
      switch card.level {
      case .office: subject = .office(line.office)
      case .position:
        subject = .person(office: line.office, staff: line.staff!, position: line.position!)
      case .department: subject = .department(office: line.office, department: line.department!)
      }
      var result = card.score(
        office: line.office, period: period,
        actual: { id in (mine[id]?.value, mine[id]?.failures ?? []) },
        target: { id in
          Target.find(in: targets, for: subject, headOffice: headOffice, kpi: id, period: period)
        })
      (result.staff, result.position, result.department) = (
        line.staff, line.position, line.department
      )
      return result
    }
  }

}

/// A scorecard's results for one period (`outpost-scorecard/1`).
public struct ScorecardReport: Sendable {
  /// The definitions scored with.
  public var definitions: DefinitionSet
  /// The scorecard.
  public var scorecard: ScorecardDefinition
  /// The period scored.
  public var period: Period
  /// One result per office (or person, or department), in the order SPEC.md §9.6 gives.
  public var results: [ScorecardResult]
  /// For a position scorecard, each scored person's name (their latest assignment's), by
  /// staff id.
  public var names: [String: String]
  /// Offices a branch could not score, and why (head office keeps their rows and its values
  /// do not answer the period, SPEC.md §9.5).
  public var withheld: [KPIResult.Withheld]

  /// Creates a report.
  public init(
    definitions: DefinitionSet, scorecard: ScorecardDefinition, period: Period,
    results: [ScorecardResult], names: [String: String] = [:],
    withheld: [KPIResult.Withheld] = []
  ) {
    self.definitions = definitions
    self.scorecard = scorecard
    self.period = period
    self.results = results
    self.names = names
    self.withheld = withheld
  }
}

/// Who a scorecard result is for: an office, or a person or department in it.
struct ScoredLine: Hashable {
  var office: String
  var staff: String?
  var position: String?
  var department: String?

  /// By office, staff id, position and department.
  static func precedes(_ a: ScoredLine, _ b: ScoredLine) -> Bool {
    (a.office, a.staff ?? "", a.position ?? "", a.department ?? "")
      < (b.office, b.staff ?? "", b.position ?? "", b.department ?? "")
  }
}
