import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// What the HTML report shows (SPEC.md §9.10), chosen and computed: the main KPIs of each
/// office by month, each scorecard's monthly results, the offices' targets, the latest month's
/// values per channel, the names of offices and channels, the funnel diagnosis flags and the
/// open conflicts.
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

  /// The KPIs of the channel breakdown, in the report's order: sales per channel,
  /// consultations and paid spend.
  public static let channelKPIs = ["channel_sales", "consultations", "ad_spend_paid"]

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
  /// The offices shown as head office computed them (a branch under `own_office`), with the
  /// reply their values came with.
  public var headOfficeReplies: [String: UInt64]
  /// Offices a branch could not show, and why (head office keeps their rows and sent no
  /// values it can use, SPEC.md §9.10).
  public var withheld: [KPIResult.Withheld]
  /// The funnel diagnosis flags that fired, for offices and people, by office and month.
  public var flags: [Diagnosis]
  /// Every open conflict in the repository, by collection and id.
  public var conflicts: [(collection: String, id: RecordID)]
  /// The ``channelKPIs`` the definitions have, in that order.
  public var channelKPIs: [String]
  /// The latest month's values of ``channelKPIs`` per office and channel, by key (channel set).
  public var channelValues: [KPIValueKey: KPIValue]
  /// The channels with a value in ``channelValues``, by id.
  public var channels: [String]
  /// The Chinese name of each office the `offices` collection names (`name_zh`), by id.
  public var officeNames: [String: String]
  /// The Chinese name of each channel the `channels` collection names (`name_zh`), by id.
  public var channelNames: [String: String]
  /// The collections each KPI reads, and the offices in open conflict in each.
  private var sources: KPISources
  private var conflicted: [String: Set<String>]
  /// The `targets` rows.
  private var targetRows: [Row]

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
      including: [
        StandardCollections.targets.name, StandardCollections.offices.name,
        StandardCollections.channelsCollection.name, StandardCollections.staff.name,
      ])
    kpis = Self.mainKPIs.filter { set.kpis[$0] != nil }
    let engine = KPIEngine(definitions: set)
    // The overview is monthly and by office: a scorecard of another period_grain, or of people
    // or departments, is not scored here.
    scorecards = set.scorecards.keys.sorted().compactMap { set.scorecards[$0] }
      .filter { ($0.grain == nil || $0.grain == .month) && $0.level == .office }
    // At a branch under own_office, other offices are shown as head office computed them
    // (SPEC.md §9.10); their diagnosis and channels need rows, so only its own has them.
    let split = try OfficeSplit.at(repository, offices: offices)
    let sent = split?.values(
      kpis: Set(kpis + ["visits"] + scorecards.flatMap { $0.items.map(\.kpi) }), months: nil,
      definitions: set, today: today)
    withheld = sent?.unanswered ?? []
    var replies: [String: UInt64] = [:]
    for office in (sent?.values ?? [:]).keys {
      replies[office] = split?.held.offices[office]?.reply
    }
    headOfficeReplies = replies
    let fromRows = split?.computed ?? offices
    let computed = engine.evaluate(
      data.dataset,
      KPIQuery(kpis: kpis + ["visits"], grain: .month, offices: fromRows, openFrom: today))
    let fromHeadOffice = (sent?.values ?? [:]).filter { !$0.value.isEmpty }
    let all = computed + fromHeadOffice.keys.sorted().flatMap { fromHeadOffice[$0]! }
    self.offices = Set(all.map(\.office)).sorted()
    periods = Set(all.map(\.period)).sorted()
    var values: [KPIValueKey: KPIValue] = [:]
    for value in all where values[value.key] == nil { values[value.key] = value }
    self.values = values
    flags = engine.diagnose(data.dataset, months: nil, offices: fromRows, today: today).filter {
      $0.status == .fired
    }
    do { conflicts = try repository.conflicts().map { ($0.collection, $0.id) } } catch {
      throw OutpostError(error)
    }
    var scores: [ScoreKey: ScorecardResult] = [:]
    for office in self.offices {
      for card in scorecards {
        let cardValues =
          fromHeadOffice[office]
          ?? engine.evaluate(
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
    targetRows = data.dataset.rows[StandardCollections.targets.name] ?? []
    channelKPIs = Self.channelKPIs.filter { set.kpis[$0] != nil }
    var channelValues: [KPIValueKey: KPIValue] = [:]
    if let last = periods.last, !channelKPIs.isEmpty, !self.offices.isEmpty {
      let byChannel = engine.evaluate(
        data.dataset,
        KPIQuery(
          kpis: channelKPIs, grain: .month, periods: [last], offices: fromRows ?? self.offices,
          breakdown: .channel, openFrom: today))
      for value in byChannel where value.channel != nil && channelValues[value.key] == nil {
        channelValues[value.key] = value
      }
    }
    self.channelValues = channelValues
    channels = Set(channelValues.values.filter { $0.value != nil }.compactMap(\.channel)).sorted()
    officeNames = Self.names(data.dataset.rows[StandardCollections.offices.name], id: "office_id")
    channelNames = Self.names(
      data.dataset.rows[StandardCollections.channelsCollection.name], id: "channel_id")
  }

  /// `name_zh` by the id column `id`, of the rows that have both.
  private static func names(_ rows: [Row]?, id: String) -> [String: String] {
    var names: [String: String] = [:]
    for row in rows ?? [] {
      guard let key = row[id]?.stringValue, let name = row["name_zh"]?.stringValue, !name.isEmpty
      else { continue }
      names[key] = name
    }
    return names
  }

  /// The office's target for a KPI and month (scope `office`, the highest `version`; SPEC.md
  /// §9.5), or nil when head office set none.
  public func target(_ kpi: String, office: String, period: Period) -> Target? {
    Target.find(in: targetRows, office: office, kpi: kpi, period: period)
  }

  /// The latest month's value of a ``channelKPIs`` KPI for an office and channel, if computed.
  public func channelValue(_ kpi: String, office: String, channel: String) -> KPIValue? {
    guard let last = periods.last else { return nil }
    return channelValues[KPIValueKey(kpi: kpi, office: office, period: last, channel: channel)]
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
