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

  /// Creates a request.
  public init(
    period: Period, offices: [String]? = nil, scorecard: String? = nil, today: CivilDate? = nil
  ) {
    self.period = period
    self.offices = offices
    self.scorecard = scorecard
    self.today = today
  }

  /// The scorecard asked for: the one named, else the only one defined.
  ///
  /// An unknown id, or no id when the definitions hold none or several, is
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
    let data = try KPIDataset(
      repository, definitions: definitions, including: [StandardCollections.targets.name])
    let values = KPIEngine(definitions: definitions).evaluate(
      data.dataset,
      KPIQuery(
        kpis: card.items.map(\.kpi), grain: period.grain, periods: [period], offices: offices,
        openFrom: today))
    let results = Set(values.map(\.office)).sorted().map { office in
      Self.score(card, office: office, period: period, values: values, dataset: data.dataset)
    }
    return ScorecardReport(
      definitions: definitions, scorecard: card, period: period, results: results)
  }

  /// Scores one office and period from computed values (those of the office and period are
  /// read; an item without a value is undefined) and the `targets` rows of `dataset`.
  public static func score(
    _ card: ScorecardDefinition, office: String, period: Period, values: [KPIValue],
    dataset: Dataset
  ) -> ScorecardResult {
    var mine: [String: KPIValue] = [:]
    for value in values
    where value.office == office && value.period == period && value.channel == nil
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
}

/// A scorecard's results for one period (`outpost-scorecard/1`).
public struct ScorecardReport: Sendable {
  /// The definitions scored with.
  public var definitions: DefinitionSet
  /// The scorecard.
  public var scorecard: ScorecardDefinition
  /// The period scored.
  public var period: Period
  /// One result per office, by office id.
  public var results: [ScorecardResult]

  /// Creates a report.
  public init(
    definitions: DefinitionSet, scorecard: ScorecardDefinition, period: Period,
    results: [ScorecardResult]
  ) {
    self.definitions = definitions
    self.scorecard = scorecard
    self.period = period
    self.results = results
  }
}
