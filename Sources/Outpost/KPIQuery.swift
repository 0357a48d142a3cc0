import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// What to compute for `outpost kpi` (SPEC.md §9.6): which KPIs, offices and periods, and how
/// each office's values are broken down (by channel, or by staff, position or department).
public struct KPIRequest: Sendable, Equatable {
  /// KPI ids, in the order asked (empty: every KPI of the definitions, in their order).
  public var kpis: [String]
  /// The grain of the periods when no ``period`` is given.
  public var grain: Grain
  /// One period (its grain wins over ``grain``); nil: every period of ``grain`` from the first
  /// to the last date in the data of the offices shown.
  public var period: Period?
  /// The offices (nil: every office in the data).
  public var offices: [String]?
  /// One value per channel or per person, position or department (KPIs whose `dimensions`
  /// allow it); `.office`: one value per office.
  public var breakdown: Breakdown
  /// Only these people (staff ids), in a staff breakdown; nil: everyone.
  public var staff: [String]?
  /// Today, by the repository's clock; nil: no period is open.
  ///
  /// Periods ending on or after it are open, so their values are provisional (SPEC.md §9.1).
  public var today: CivilDate?
  /// At head office, mark values of a period that ended after the office's newest merged
  /// submission arrived (``KPIResult/Entry/missingSubmission``).
  public var checkSubmissions: Bool

  /// Creates a request.
  public init(
    kpis: [String] = [], grain: Grain = .month, period: Period? = nil, offices: [String]? = nil,
    breakdown: Breakdown = .office, staff: [String]? = nil, today: CivilDate? = nil,
    checkSubmissions: Bool = false
  ) {
    self.kpis = kpis
    self.grain = grain
    self.period = period
    self.offices = offices
    self.breakdown = breakdown
    self.staff = staff
    self.today = today
    self.checkSubmissions = checkSubmissions
  }

  /// Refuses a KPI the definitions lack (with the closest id); without a channel breakdown, a
  /// KPI that exists only in one; in a people breakdown, a KPI that has none; and people
  /// (``staff``) outside a staff breakdown.
  ///
  /// All are ``OutpostError/Code/invalidRequest``, with `location.field` naming the request
  /// member at fault: `kpis`, `breakdown` or `staff`.
  public func validate(against definitions: DefinitionSet) throws(OutpostError) {
    for id in kpis where definitions.kpis[id] == nil {
      let guess = Suggestion.closest(to: id, among: definitions.kpiOrder)
      throw OutpostError(
        .invalidRequest, "unknown KPI '\(id)'" + (guess.map { ". Did you mean '\($0)'?" } ?? ""),
        hint: "The KPIs are listed in SPEC.md §9.4.", location: .init(field: "kpis"))
    }
    if breakdown != .channel, let id = kpis.first(where: { definitions.kpis[$0]!.byChannelOnly }) {
      throw OutpostError(
        .invalidRequest, "'\(id)' exists only in a channel breakdown",
        hint: "Ask for a channel breakdown.", location: .init(field: "breakdown"))
    }
    if !breakdown.isPeople, let id = kpis.first(where: { definitions.kpis[$0]!.byStaffOnly }) {
      throw OutpostError(
        .invalidRequest, "'\(id)' exists only in a people breakdown",
        hint: "Ask for a breakdown by staff, position or department.",
        location: .init(field: "breakdown"))
    }
    if breakdown.isPeople,
      let id = kpis.first(where: { !definitions.kpis[$0]!.dimensions.contains("staff_id") })
    {
      let people = definitions.kpiOrder.filter {
        definitions.kpis[$0]!.dimensions.contains("staff_id")
      }
      throw OutpostError(
        .invalidRequest,
        "'\(id)' has no \(breakdown.rawValue) breakdown: the rows it reads do not name a person",
        hint: people.isEmpty
          ? "These definitions break no KPI down by people."
          : "KPIs with one: \(people.joined(separator: ", ")).",
        location: .init(field: "kpis"))
    }
    if staff != nil && breakdown != .staff {
      throw OutpostError(
        .invalidRequest, "people can be chosen only in a staff breakdown",
        location: .init(field: "staff"))
    }
  }

  /// Computes the request over `repository`'s records with `definitions` (nil: the
  /// definitions in force there).
  ///
  /// Values are sorted by KPI (definition order, or the order asked), office, period and
  /// channel; identical records give identical values at a branch and at head office.
  public func compute(in repository: RepositoryReader, definitions: DefinitionSet? = nil)
    throws(OutpostError) -> KPIResult
  {
    let definitions = try KPIDefinitionsInForce.given(definitions, else: repository)
    try validate(against: definitions)
    // At a branch under own_office, only its own office is computed from rows (SPEC.md §9.6).
    let split = try OfficeSplit.at(repository, offices: offices)
    let query = KPIQuery(
      kpis: kpis, grain: period?.grain ?? grain, periods: period.map { [$0] },
      offices: split?.computed ?? offices, breakdown: breakdown, staff: staff.map(Set.init),
      openFrom: today)
    let (values, data) = try Self.evaluate(in: repository, definitions: definitions, query)
    if let staff {
      let known = Set(
        (data.dataset.rows[StandardCollections.staff.name] ?? []).compactMap {
          $0["staff_id"]?.stringValue
        })
      for id in staff where !known.contains(id) {
        let guess = Suggestion.closest(to: id, among: known.sorted())
        throw OutpostError(
          .invalidRequest,
          "no staff member '\(id)' in this repository"
            + (guess.map { ". Did you mean '\($0)'?" } ?? ""),
          hint: "Staff members are the records of the staff collection.",
          location: .init(field: "staff"))
      }
    }
    let sources = KPISources(definitions)
    let submitted = checkSubmissions ? Self.lastSubmissions(repository) : [:]
    var entries = values.map { value in
      KPIResult.Entry(
        value: value,
        openConflict: data.hasOpenConflict(
          in: sources.collections(readBy: value.kpi), office: value.office),
        missingSubmission: checkSubmissions
          ? submitted[value.office].map { $0 < value.period.end } ?? false : nil)
    }
    guard let split else {
      return KPIResult(definitions: definitions, grain: query.grain, entries: entries)
    }
    let (sent, withheld) = try headOfficeEntries(
      split, definitions: definitions, grain: query.grain)
    // In the engine's order: KPI (as asked, or definition order), office, period.
    let order = Dictionary(
      (kpis.isEmpty ? definitions.kpiOrder : kpis).enumerated().map { ($1, $0) },
      uniquingKeysWith: { first, _ in first })
    entries += sent
    entries.sort { left, right in
      let (a, b) = (left.value, right.value)
      if a.kpi != b.kpi { return order[a.kpi, default: .max] < order[b.kpi, default: .max] }
      if a.office != b.office { return a.office < b.office }
      return a.period < b.period
    }
    return KPIResult(
      definitions: definitions, grain: query.grain, entries: entries, withheld: withheld)
  }

  /// Evaluates `query` over `repository`'s records with `definitions`, and the rows read.
  ///
  /// Months, quarters and years outside people breakdowns read the kept monthly summaries
  /// when they are in step (SPEC.md §4.5); a people breakdown reads `staff` too.
  static func evaluate(
    in repository: RepositoryReader, definitions: DefinitionSet, _ query: KPIQuery
  ) throws(OutpostError) -> (values: [KPIValue], data: KPIDataset) {
    let summaries =
      query.grain >= .month && !query.breakdown.isPeople
      ? KPIAggregateCache.read(
        repository, definitions: definitions,
        refs: KPIEngine(definitions: definitions).measureRefs(query.kpis).refs) : nil
    let data = try KPIDataset(
      repository, definitions: definitions, kpis: query.kpis,
      including: query.breakdown.isPeople ? [StandardCollections.staff.name] : [],
      summaries: summaries)
    let values = KPIEngine(definitions: definitions).evaluate(
      data.dataset, query, aggregates: summaries?.aggregates)
    return (values, data)
  }

  /// At head office, the date each office's newest merged submission arrived (empty
  /// elsewhere): a value for a period that ended after it may lack the rest of its data.
  static func lastSubmissions(_ repository: RepositoryReader) -> [String: CivilDate] {
    guard repository.config.role == .head, let peers = try? repository.peers() else { return [:] }
    var result: [String: CivilDate] = [:]
    for peer in peers {
      result[peer.peer.rawValue] =
        peer.received.at?.date ?? CivilDate(year: 1, month: 1, day: 1)!
    }
    return result
  }
}

/// The values a ``KPIRequest`` computed, with what the repository knows about each.
public struct KPIResult: Sendable {
  /// One value and its notes.
  public struct Entry: Sendable, Equatable {
    /// The value as the engine computed it.
    public var value: KPIValue
    /// Whether a collection the KPI reads holds a record of the office in open conflict.
    public var openConflict: Bool
    /// Whether no merged submission from the office arrived since the period ended (head
    /// office knowledge); nil when not asked for.
    public var missingSubmission: Bool?
    /// The reply whose values head office computed this one with, at a branch it keeps other
    /// offices' rows from (SPEC.md §9.6); nil when computed here from rows.
    public var headOfficeReply: UInt64?

    /// Creates an entry.
    public init(
      value: KPIValue, openConflict: Bool, missingSubmission: Bool?, headOfficeReply: UInt64? = nil
    ) {
      self.value = value
      self.openConflict = openConflict
      self.missingSubmission = missingSubmission
      self.headOfficeReply = headOfficeReply
    }
  }

  /// An office a branch could not show, and why (its values come from head office, which did
  /// not send what was asked for).
  public struct Withheld: Sendable, Equatable {
    /// The office id.
    public var office: String
    /// Why, as a sentence fragment.
    public var reason: String

    /// Creates one.
    public init(office: String, reason: String) {
      self.office = office
      self.reason = reason
    }
  }

  /// The definitions computed with (their hash identifies them).
  public var definitions: DefinitionSet
  /// The grain of the periods.
  public var grain: Grain
  /// The values, in the engine's order (KPI, office, period, channel).
  public var entries: [Entry]
  /// Offices of an every-office request that a branch could not show.
  public var withheld: [Withheld]
  private var index: [KPIValueKey: Int]

  /// Creates a result.
  public init(
    definitions: DefinitionSet, grain: Grain, entries: [Entry], withheld: [Withheld] = []
  ) {
    self.definitions = definitions
    self.grain = grain
    self.entries = entries
    self.withheld = withheld
    var index: [KPIValueKey: Int] = [:]
    for (position, entry) in entries.enumerated() { index[entry.value.key] = position }
    self.index = index
  }

  /// The entry for a KPI, office, period and channel, if computed.
  public subscript(key: KPIValueKey) -> Entry? { index[key].map { entries[$0] } }
}

/// The funnel diagnosis of `outpost kpi diagnose` (SPEC.md §9.9).
public struct DiagnosisRequest: Sendable, Equatable {
  /// One month (nil: every month of the data).
  public var month: Period?
  /// The offices (nil: every office in the data).
  public var offices: [String]?
  /// Today, by the repository's clock: the month holding it covers the days through today.
  public var today: CivilDate?

  /// Creates a request.
  public init(month: Period? = nil, offices: [String]? = nil, today: CivilDate? = nil) {
    self.month = month
    self.offices = offices
    self.today = today
  }

  /// Evaluates the diagnosis rules of the definitions month over month, for offices and for
  /// people, with their evidence; rules that cannot be decided are `insufficient_data`.
  ///
  /// A ``month`` that is not a month is ``OutpostError/Code/invalidRequest``.
  public func compute(in repository: RepositoryReader, definitions: DefinitionSet? = nil)
    throws(OutpostError) -> [Diagnosis]
  {
    if let month, month.grain != .month {
      throw OutpostError(
        .invalidRequest, "'\(month)' is not a month (2025-03)", location: .init(field: "month"))
    }
    let definitions = try KPIDefinitionsInForce.given(definitions, else: repository)
    let people = definitions.diagnoses.contains { $0.level == .staff }
    let data = try KPIDataset(
      repository, definitions: definitions,
      including: people ? [StandardCollections.staff.name] : [])
    return KPIEngine(definitions: definitions).diagnose(
      data.dataset, months: month.map { [$0] }, offices: offices, today: today)
  }
}
