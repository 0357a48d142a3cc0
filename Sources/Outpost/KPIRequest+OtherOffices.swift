import OutpostKPI
import OutpostModel
import OutpostStore

/// `kpi` at a branch that head office keeps other offices' rows from (`record_visibility`
/// `own_office`, SPEC.md §2.8, §9.6): its own office computed from its rows, the others from
/// the values head office's replies brought (``OtherOfficesKPIs``).
extension KPIRequest {
  /// Which offices a request computes from rows and which it takes from head office.
  struct OfficeSplit {
    /// The branch's own office.
    var own: String
    /// The offices computed from rows: the own office if asked for.
    var computed: [String]
    /// The other offices asked for (nil: every office head office sent values for).
    var others: [String]?
    /// What the branch holds from head office.
    var held: OtherOfficesKPIs
  }

  /// The split at a branch whose newest applied reply was made under `own_office`; nil
  /// elsewhere (every office is computed from the rows held).
  func officeSplit(_ repository: RepositoryReader) throws(OutpostError) -> OfficeSplit? {
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

  /// The entries of the other offices of `split` that head office's values answer, and the
  /// offices they cannot answer with why.
  ///
  /// Head office sends every KPI by month for the office as a whole, computed with its
  /// definitions: an office named in ``offices`` that they cannot answer is
  /// ``OutpostError/Code/invalidRequest``; one left out of an every-office request is listed.
  func headOfficeEntries(
    _ split: OfficeSplit, definitions: DefinitionSet, grain: Grain
  ) throws(OutpostError) -> (entries: [KPIResult.Entry], withheld: [KPIResult.Withheld]) {
    var entries: [KPIResult.Entry] = []
    var withheld: [KPIResult.Withheld] = []
    let wanted = Set(kpis.isEmpty ? definitions.kpiOrder : kpis)
    for office in split.others ?? split.held.offices.keys.sorted().filter({ $0 != split.own }) {
      let reason: String?
      let sent = split.held.offices[office]
      if sent == nil {
        reason = "head office has sent no KPI values for this office"
      } else if grain != .month {
        reason = "head office sends other offices' KPIs by month only"
      } else if breakdown != .office {
        reason = "head office sends other offices' KPIs for the office as a whole only"
      } else if sent!.definitions != definitions.hash {
        reason =
          "head office computed this office's KPIs with other definitions "
          + "(\(sent!.definitions.prefix(12)))"
      } else {
        reason = nil
      }
      if let reason {
        guard split.others == nil else {
          throw OutpostError(
            .invalidRequest, "office '\(office)': \(reason)",
            hint: "Head office keeps other offices' rows (record_visibility own_office); "
              + "ask head office, or ask for months of the whole office.",
            location: .init(field: "offices"))
        }
        withheld.append(KPIResult.Withheld(office: office, reason: reason))
        continue
      }
      for item in sent!.values where wanted.contains(item.kpi) {
        guard let month = Period(parsing: item.period), period == nil || period == month else {
          continue
        }
        let value = KPIValue(
          kpi: item.kpi, office: office, period: month, channel: nil,
          value: item.value.flatMap { try? ExactDecimal(parsing: $0) }, reason: item.reason,
          numerator: nil, denominator: nil, flags: item.flags, failures: [],
          provisional: today.map { month.end >= $0 } ?? false)
        entries.append(
          KPIResult.Entry(
            value: value, openConflict: false, missingSubmission: nil,
            headOfficeReply: sent!.reply))
      }
    }
    return (entries, withheld)
  }
}
