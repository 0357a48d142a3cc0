import OutpostKPI
import OutpostModel
import OutpostStore

/// KPIs at a branch that head office keeps other offices' rows from (`record_visibility`
/// `own_office`, SPEC.md §2.8, §9.5, §9.6): its own office computed from its rows, the others
/// from the values head office's replies brought (``OtherOfficesKPIs``).
struct OfficeSplit {
  /// The branch's own office.
  var own: String
  /// The offices computed from rows: the own office if asked for.
  var computed: [String]
  /// The other offices asked for (nil: every office head office sent values for).
  var others: [String]?
  /// What the branch holds from head office.
  var held: OtherOfficesKPIs

  /// The split of `offices` (nil: every office) at a branch whose newest applied reply was
  /// made under `own_office`; nil elsewhere (every office is computed from the rows held).
  static func at(_ repository: RepositoryReader, offices: [String]?) throws(OutpostError)
    -> OfficeSplit?
  {
    guard repository.config.role == .branch else { return nil }
    let peers: [PeerState]
    do { peers = try repository.peers() } catch { throw OutpostError(error) }
    guard peers.first?.recordVisibility?.value == .ownOffice else { return nil }
    let own = repository.config.replica.rawValue
    return OfficeSplit(
      own: own, computed: offices.map { $0.filter { $0 == own } } ?? [own],
      others: offices.map { $0.filter { $0 != own } },
      held: try OtherOfficesKPIs(repository))
  }

  /// The other offices' values head office sent for `kpis` in `months` (nil: every month
  /// sent), as the engine gives them, by office; and the offices it cannot answer with why
  /// (none sent, or computed with other definitions than `definitions`).
  func values(
    kpis: Set<String>, months: Set<Period>?, definitions: DefinitionSet, today: CivilDate?
  ) -> (values: [String: [KPIValue]], unanswered: [KPIResult.Withheld]) {
    var values: [String: [KPIValue]] = [:]
    var unanswered: [KPIResult.Withheld] = []
    for office in shown {
      guard let sent = held.offices[office] else {
        unanswered.append(.init(office: office, reason: Self.noneSent))
        continue
      }
      guard sent.definitions == definitions.hash else {
        unanswered.append(
          .init(
            office: office,
            reason: "head office computed this office's KPIs with other definitions "
              + "(\(sent.definitions.prefix(12)))"))
        continue
      }
      var list: [KPIValue] = []
      for item in sent.values where kpis.contains(item.kpi) {
        // Read back already checked: a month, and a decimal value.
        guard let month = Period(parsing: item.period), months?.contains(month) ?? true else {
          continue
        }
        list.append(
          KPIValue(
            kpi: item.kpi, office: office, period: month, channel: nil,
            value: item.value.flatMap { try? ExactDecimal(parsing: $0) }, reason: item.reason,
            numerator: nil, denominator: nil, flags: item.flags, failures: item.failures,
            provisional: today.map {
              month.end.adding(days: definitions.kpis[item.kpi]?.maturesDays ?? 0) >= $0
            } ?? false))
      }
      values[office] = list
    }
    return (values, unanswered)
  }

  /// The other offices a request shows: those asked for, or every one head office sent
  /// values for.
  var shown: [String] { others ?? held.offices.keys.sorted().filter { $0 != own } }

  /// Why an office has no values.
  static let noneSent = "head office has sent no KPI values for this office"
  /// Why an office has no values for a period that is not a month.
  static let monthsOnly = "head office sends other offices' KPIs by month only"

  /// Refuses an office named in the request that head office's values cannot answer; one left
  /// out of an every-office request is listed instead.
  func refuse(_ withheld: [KPIResult.Withheld]) throws(OutpostError) -> [KPIResult.Withheld] {
    guard others != nil, let first = withheld.first else { return withheld }
    throw OutpostError(
      .invalidRequest, "office '\(first.office)': \(first.reason)",
      hint: "Head office keeps other offices' rows (record_visibility own_office); "
        + "ask head office, or ask for months of the whole office.",
      location: .init(field: "offices"))
  }
}

extension KPIRequest {
  /// The entries of the other offices of `split` that head office's values answer, and the
  /// offices they cannot answer with why.
  ///
  /// Head office sends every KPI by month for the office as a whole, computed with its
  /// definitions: an office named in ``offices`` that they cannot answer is
  /// ``OutpostError/Code/invalidRequest``; one left out of an every-office request is listed.
  func headOfficeEntries(
    _ split: OfficeSplit, definitions: DefinitionSet, grain: Grain
  ) throws(OutpostError) -> (entries: [KPIResult.Entry], withheld: [KPIResult.Withheld]) {
    let reason =
      grain != .month
      ? OfficeSplit.monthsOnly
      : breakdown != .office
        ? "head office sends other offices' KPIs for the office as a whole only" : nil
    if let reason {
      return ([], try split.refuse(split.shown.map { .init(office: $0, reason: reason) }))
    }
    let (values, unanswered) = split.values(
      kpis: Set(kpis.isEmpty ? definitions.kpiOrder : kpis), months: period.map { [$0] },
      definitions: definitions, today: today)
    let withheld = try split.refuse(unanswered)
    var entries: [KPIResult.Entry] = []
    for office in values.keys.sorted() {
      let reply = split.held.offices[office]?.reply
      for value in values[office]! {
        entries.append(
          KPIResult.Entry(
            value: value, openConflict: false, missingSubmission: nil, headOfficeReply: reply))
      }
    }
    return (entries, withheld)
  }
}
