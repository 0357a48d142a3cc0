import OutpostCodec
import OutpostCrypto
import OutpostKPI
import OutpostModel
import OutpostStore

/// The KPI report a branch puts in every submission (`outpost-kpi-report/1`, SPEC.md §9.7), in
/// the bundle's `extra.kpi_report` (its compressed extra line, SPEC.md §8.2).
///
/// It holds the office's KPIs by month as the branch computed them at the bundle's clock, the
/// hash of the definitions it computed with, and a digest of each collection's rows of the
/// office, so head office can tell different data from different definitions from a real
/// disagreement (``KPIReconciliation``).
public struct BranchKPIReport: Sendable, Equatable {
  /// The format's name, in the report's `format` member.
  public static let format = "outpost-kpi-report/1"
  /// How many months, up to the newest with data, a report covers: the manifest stays far
  /// below its 1 MiB limit however long the office's history (SPEC.md §8.2).
  public static let months = 24

  /// One reported value, as text: the value at its KPI's scale, or nil with the reason.
  public struct Value: Sendable, Equatable {
    /// The KPI id.
    public var kpi: String
    /// The month, as written (`2025-03`).
    public var period: String
    /// The canonical value at the KPI's scale; nil when undefined.
    public var value: String?
    /// Why the value is undefined.
    public var reason: String?

    /// Creates a value.
    public init(kpi: String, period: String, value: String?, reason: String?) {
      self.kpi = kpi
      self.period = period
      self.value = value
      self.reason = reason
    }
  }

  /// The hash of the definitions computed with.
  public var definitions: String
  /// The reporting office.
  public var office: String
  /// The grain of the periods (`month`).
  public var grain: String
  /// By collection, SHA-256 (hex) of the office's rows as canonical JSON lines, sorted.
  public var digests: [String: String]
  /// The values, by KPI (definition order) and month.
  public var values: [Value]

  /// Creates a report from its parts.
  public init(
    definitions: String, office: String, grain: String = "month", digests: [String: String],
    values: [Value]
  ) {
    self.definitions = definitions
    self.office = office
    self.grain = grain
    self.digests = digests
    self.values = values
  }

  /// Computes the report of `repository`'s own office: every KPI by month for the
  /// ``months`` newest months of its data, with `definitions` (nil: those in force).
  public init(
    _ repository: RepositoryReader, definitions: DefinitionSet? = nil, today: CivilDate?
  ) throws(OutpostError) {
    let definitions = try KPIDefinitionsInForce.given(definitions, else: repository)
    let office = repository.config.replica.rawValue
    let data = try KPIDataset(repository, definitions: definitions)
    // The kept monthly summaries, when in step and made for these definitions (SPEC.md §4.5),
    // stand in for the rows of the refs they keep; the digests still read every row.
    let computed = KPIEngine(definitions: definitions).evaluate(
      data.dataset, KPIQuery(offices: [office], openFrom: today, newest: Self.months),
      aggregates: KPIAggregateCache.read(repository, definitions: definitions)?.aggregates)
    self.init(
      definitions: definitions.hash, office: office,
      digests: Self.digests(data.dataset, office: office),
      values: computed.map { value in
        Value(
          kpi: value.kpi, period: value.period.description,
          value: value.value.map { $0.formatted(scale: definitions.kpis[value.kpi]!.scale) },
          reason: value.reason)
      })
  }

  /// Reads a report from a bundle's `extra.kpi_report`; nil unless it has the members a
  /// check needs (`definitions`, `office`, `values`, `digests`).
  ///
  /// Lenient as a reader of another build's output should be: a value without a `kpi` or a
  /// `period` text is left out, and a non-text value or digest reads as absent.
  public init?(json: JSONValue) {
    guard case .object(let object) = json, let office = object["office"]?.stringValue,
      let hash = object["definitions"]?.stringValue, case .array(let list)? = object["values"],
      case .object(let digests)? = object["digests"]
    else { return nil }
    var values: [Value] = []
    for case .object(let entry) in list {
      guard let kpi = entry["kpi"]?.stringValue, let period = entry["period"]?.stringValue else {
        continue
      }
      values.append(
        Value(
          kpi: kpi, period: period, value: entry["value"]?.stringValue,
          reason: entry["reason"]?.stringValue))
    }
    var texts: [String: String] = [:]
    for (name, digest) in digests { if let text = digest.stringValue { texts[name] = text } }
    self.init(
      definitions: hash, office: office, grain: object["grain"]?.stringValue ?? "month",
      digests: texts, values: values)
  }

  /// The report as it travels in a manifest.
  public var json: JSONValue {
    .object(
      JSONObject(uncheckedPairs: [
        ("format", .string(Self.format)), ("definitions", .string(definitions)),
        ("office", .string(office)), ("grain", .string(grain)),
        (
          "digests",
          .object(
            JSONObject(uncheckedPairs: digests.keys.sorted().map { ($0, .string(digests[$0]!)) }))
        ),
        (
          "values",
          .array(
            values.map { value in
              .object(
                JSONObject(uncheckedPairs: [
                  ("kpi", .string(value.kpi)), ("period", .string(value.period)),
                  ("value", value.value.map { .string($0) } ?? .null),
                  ("reason", value.reason.map { .string($0) } ?? .null),
                ]))
            })
        ),
      ]))
  }

  /// By collection of `dataset`, SHA-256 (hex) of `office`'s rows as canonical JSON lines,
  /// sorted, each ending in a line feed.
  public static func digests(_ dataset: Dataset, office: String) -> [String: String] {
    var result: [String: String] = [:]
    for (name, rows) in dataset.rows {
      var lines = rows.filter { $0["office_id"]?.stringValue == office }.map {
        JSONWriter.canonicalString(
          .object(JSONObject(uncheckedPairs: $0.map { ($0.key, $0.value) })))
      }
      lines.sort()
      var hasher = SHA256()
      for line in lines {
        hasher.update(Array(line.utf8))
        hasher.update([10])
      }
      result[name] = hasher.finalize().hex
    }
    return result
  }
}
