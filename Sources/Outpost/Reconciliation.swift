import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// Head office's check of a branch's KPI report after merging its submission (SPEC.md §9.7;
/// docs/kpis.md §9).
///
/// Head office recomputes the reported KPIs for the same months with the definitions of the
/// report's hash (its own, an older published version, or the built-in catalog) and classifies
/// every value that differs: ``Kind/differentDefinitions``, ``Kind/differentData`` or
/// ``Kind/disagreement``.
public struct KPIReconciliation: Sendable, Equatable {
  /// Why a reported value differs from head office's.
  public enum Kind: String, Sendable, CaseIterable {
    /// Head office computes with other definitions, or lacks the KPI.
    case differentDefinitions = "different_definitions"
    /// The digest of a collection the KPI reads differs: head office holds records or edits
    /// the branch had not seen at its cut.
    case differentData = "different_data"
    /// Same data, same definitions, another value: a defect or tampering.
    case disagreement
  }

  /// One value that differs.
  public struct Mismatch: Sendable, Equatable {
    /// The KPI id.
    public var kpi: String
    /// The month, as the branch wrote it.
    public var period: String
    /// The branch's value: the value at the KPI's scale, or `— (reason)`.
    public var branch: String
    /// Head office's value, the same way (`—` when it lacks the KPI).
    public var head: String
    /// Why they differ.
    public var kind: Kind

    /// Creates a mismatch.
    public init(kpi: String, period: String, branch: String, head: String, kind: Kind) {
      self.kpi = kpi
      self.period = period
      self.branch = branch
      self.head = head
      self.kind = kind
    }
  }

  /// How many reported values were checked.
  public var checked: Int
  /// The hash of the definitions the branch computed with.
  public var definitions: String
  /// Every value that differs, in the report's order.
  public var mismatches: [Mismatch]
  /// A remark on how the check was made (computed with older definitions), or nil.
  public var note: String?

  /// Creates a result.
  public init(checked: Int, definitions: String, mismatches: [Mismatch], note: String? = nil) {
    self.checked = checked
    self.definitions = definitions
    self.mismatches = mismatches
    self.note = note
  }

  /// Checks the KPI report of a submission head office has just merged; nil when there is
  /// nothing to check: not head office, a bundle applied before, or a manifest without a
  /// report from the sending office.
  ///
  /// - Parameters:
  ///   - definitions: head office's definitions (nil: those in force in `repository`).
  ///   - today: today by the repository's clock (SPEC.md §9.1).
  public static func check(
    _ merged: ApplyReport, in repository: RepositoryReader, definitions: DefinitionSet? = nil,
    today: CivilDate?
  ) throws(OutpostError) -> KPIReconciliation? {
    guard repository.config.role == .head, !merged.alreadyApplied,
      let json = merged.manifest.extra["kpi_report"], let report = BranchKPIReport(json: json),
      report.office == merged.manifest.from.rawValue
    else { return nil }
    return try check(report, in: repository, definitions: definitions, today: today)
  }

  /// Recomputes a branch's report from `repository`'s records and classifies every value
  /// that differs.
  ///
  /// - Parameters:
  ///   - definitions: head office's definitions (nil: those in force in `repository`); when
  ///     their hash is not the report's, the report's own definitions are used if head office
  ///     still has them.
  ///   - today: today by the repository's clock (SPEC.md §9.1).
  public static func check(
    _ report: BranchKPIReport, in repository: RepositoryReader,
    definitions: DefinitionSet? = nil, today: CivilDate?
  ) throws(OutpostError) -> KPIReconciliation {
    var definitions = try KPIDefinitionsInForce.given(definitions, else: repository)
    var note: String?
    if definitions.hash != report.definitions,
      let older = try KPIDefinitionsInForce.withHash(report.definitions, in: repository)
    {
      definitions = older
      note = "computed with the older definitions the branch used"
    }
    let office = report.office
    let data = try KPIDataset(repository, definitions: definitions)
    let headDigests = BranchKPIReport.digests(data.dataset, office: office)
    let sources = KPISources(definitions)
    var periods: [Period] = []
    for value in report.values {
      if let period = Period(parsing: value.period), !periods.contains(period) {
        periods.append(period)
      }
    }
    // The kept monthly summaries, when in step and made for these definitions (SPEC.md §4.5),
    // stand in for the rows of the refs they keep.
    let computed = KPIEngine(definitions: definitions).evaluate(
      data.dataset,
      KPIQuery(grain: .month, periods: periods, offices: [office], openFrom: today),
      aggregates: KPIAggregateCache.read(repository, definitions: definitions)?.aggregates)
    var index: [KPIValueKey: KPIValue] = [:]
    for value in computed { index[value.key] = value }
    var result = KPIReconciliation(
      checked: 0, definitions: report.definitions, mismatches: [], note: note)
    for reported in report.values {
      result.checked += 1
      let branch = reported.value ?? "— (\(reported.reason ?? "?"))"
      // The period as written must be the one computed: "2025-3" is no month of the report.
      let period = Period(parsing: reported.period).flatMap {
        $0.description == reported.period ? $0 : nil
      }
      guard let definition = definitions.kpis[reported.kpi], let period,
        let mine = index[KPIValueKey(kpi: reported.kpi, office: office, period: period)]
      else {
        result.mismatches.append(
          Mismatch(
            kpi: reported.kpi, period: reported.period, branch: branch, head: "—",
            kind: .differentDefinitions))
        continue
      }
      let head =
        mine.value.map { $0.formatted(scale: definition.scale) } ?? "— (\(mine.reason ?? "?"))"
      guard head != branch else { continue }
      let kind: Kind
      if definitions.hash != report.definitions {
        kind = .differentDefinitions
      } else if sources.collections(readBy: reported.kpi).contains(where: {
        report.digests[$0] != headDigests[$0]
      }) {
        kind = .differentData
      } else {
        kind = .disagreement
      }
      result.mismatches.append(
        Mismatch(
          kpi: reported.kpi, period: reported.period, branch: branch, head: head, kind: kind))
    }
    return result
  }
}
