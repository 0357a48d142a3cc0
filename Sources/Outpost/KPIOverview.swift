import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// What the HTML report shows (SPEC.md §9.10), chosen and computed: the main KPIs of each
/// office by month, each scorecard's monthly results, the funnel diagnosis flags and the open
/// conflicts.
///
/// Laying it out (tables, charts, labels) is the caller's business.
public struct KPIOverview: Sendable {
  /// The main KPIs, in the report's order: net revenue, deals, consultations, consultation
  /// rate, cost per conversation, conversion rate, AOV, return rate, new customers, CAC, CLV,
  /// repeat-purchase rate.
  public static let mainKPIs = [
    "net_revenue", "deal_count", "consultations", "consultation_rate",
    "avg_cost_per_conversation", "conversion_rate", "aov", "return_rate", "new_customers", "cac",
    "clv", "repeat_purchase_rate",
  ]

  /// Where one scorecard result belongs.
  public struct ScoreKey: Sendable, Hashable {
    /// The scorecard's id.
    public var scorecard: String
    /// The office.
    public var office: String
    /// The month.
    public var period: Period

    /// Creates a key.
    public init(scorecard: String, office: String, period: Period) {
      self.scorecard = scorecard
      self.office = office
      self.period = period
    }
  }

  /// The definitions computed with, and where they come from.
  public var definitions: KPIDefinitionsInForce
  /// The ``mainKPIs`` the definitions have, in that order.
  public var kpis: [String]
  /// The offices shown, by id.
  public var offices: [String]
  /// Every month of the data of the offices shown, in order.
  public var periods: [Period]
  /// The values of ``kpis`` (and `visits`, which the diagnosis reads), by key (channel nil).
  public var values: [KPIValueKey: KPIValue]
  /// The monthly scorecards (`period_grain` month or none), by id.
  public var scorecards: [ScorecardDefinition]
  /// Each scorecard's result for each office and month.
  public var scores: [ScoreKey: ScorecardResult]
  /// The funnel diagnosis flags that fired, for offices and people, by office and month.
  public var flags: [Diagnosis]
  /// Every open conflict in the repository, by collection and id.
  public var conflicts: [(collection: String, id: RecordID)]
  /// The collections each KPI reads, and the offices in open conflict in each.
  private var sources: KPISources
  private var conflicted: [String: Set<String>]

  /// Computes the overview of `repository` with the definitions in force there.
  ///
  /// - Parameters:
  ///   - offices: nil: every office in the data.
  ///   - today: today by the repository's clock (SPEC.md §9.1).
  public init(_ repository: RepositoryReader, offices: [String]? = nil, today: CivilDate?)
    throws(OutpostError)
  {
    definitions = try KPIDefinitionsInForce(repository)
    let set = definitions.definitions
    let data = try KPIDataset(
      repository, definitions: set,
      including: [StandardCollections.targets.name, StandardCollections.staff.name])
    kpis = Self.mainKPIs.filter { set.kpis[$0] != nil }
    let engine = KPIEngine(definitions: set)
    let computed = engine.evaluate(
      data.dataset,
      KPIQuery(kpis: kpis + ["visits"], grain: .month, offices: offices, openFrom: today))
    self.offices = Set(computed.map(\.office)).sorted()
    periods = Set(computed.map(\.period)).sorted()
    var values: [KPIValueKey: KPIValue] = [:]
    for value in computed where values[value.key] == nil { values[value.key] = value }
    self.values = values
    flags = engine.diagnose(data.dataset, months: nil, offices: offices, today: today).filter {
      $0.status == .fired
    }
    do { conflicts = try repository.conflicts().map { ($0.collection, $0.id) } } catch {
      throw OutpostError(error)
    }
    // The overview is monthly and by office: a scorecard of another period_grain, or of people
    // or departments, is not scored here.
    scorecards = set.scorecards.keys.sorted().compactMap { set.scorecards[$0] }
      .filter { ($0.grain == nil || $0.grain == .month) && $0.level == .office }
    var scores: [ScoreKey: ScorecardResult] = [:]
    for office in self.offices {
      for card in scorecards {
        let cardValues = engine.evaluate(
          data.dataset,
          KPIQuery(
            kpis: card.items.map(\.kpi), grain: .month, periods: periods, offices: [office],
            openFrom: today))
        for period in periods {
          scores[ScoreKey(scorecard: card.id, office: office, period: period)] =
            ScorecardRequest.score(
              card, office: office, period: period, values: cardValues, dataset: data.dataset)
        }
      }
    }
    self.scores = scores
    sources = KPISources(set)
    conflicted = data.conflicted
  }

  /// The value of a main KPI for an office and month, if computed.
  public func value(_ kpi: String, office: String, period: Period) -> KPIValue? {
    values[KPIValueKey(kpi: kpi, office: office, period: period)]
  }

  /// Whether a KPI of `office` reads a record in open conflict (its values may change when
  /// head office resolves it).
  public func readsOpenConflict(_ kpi: String, office: String) -> Bool {
    sources.collections(readBy: kpi).contains { conflicted[$0]?.contains(office) == true }
  }
}
