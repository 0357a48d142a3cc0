import OutpostCodec
import OutpostCrypto
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// The branch's KPI report in a submission, and head office's check of it at merge
/// (SPEC.md §9.7; kpi-catalog.md §3 "Reconciliation protocol").
extension Commands {
  /// How many months, up to the newest with data, a submission's KPI report covers.
  static let reportMonths = 24

  /// What a submission reports: the office's KPIs by month at this moment (the bundle's clock is
  /// the cut), the definitions' hash, and a digest of each collection's rows of the office.
  static func kpiReport(_ context: Context, _ repository: RepositoryReader) throws -> JSONValue {
    let definitions = try definitions(context, repository)
    let office = repository.config.replica.rawValue
    let (dataset, _) = try dataset(repository, definitions)
    var values = KPIEngine(definitions: definitions).evaluate(
      dataset, KPIQuery(offices: [office], openFrom: today(context)))
    // The newest months only (SPEC.md §9.7), so the report stays a small part of the manifest
    // whatever the length of the office's history.
    let recent = Set(Set(values.map(\.period)).sorted().suffix(reportMonths))
    values.removeAll { !recent.contains($0.period) }
    return .object(
      JSONObject(uncheckedPairs: [
        ("format", .string("outpost-kpi-report/1")), ("definitions", .string(definitions.hash)),
        ("office", .string(office)), ("grain", .string("month")),
        ("digests", .object(JSONObject(uncheckedPairs: digests(dataset, office: office)))),
        (
          "values",
          .array(
            values.map { value in
              let kpi = definitions.kpis[value.kpi]!
              return .object(
                JSONObject(uncheckedPairs: [
                  ("kpi", .string(value.kpi)), ("period", .string(value.period.description)),
                  ("value", value.value.map { .string($0.formatted(scale: kpi.scale)) } ?? .null),
                  ("reason", value.reason.map { .string($0) } ?? .null),
                ]))
            })
        ),
      ]))
  }

  /// SHA-256 of each collection's rows of one office: canonical JSON lines sorted.
  static func digests(_ dataset: Dataset, office: String) -> [(String, JSONValue)] {
    dataset.rows.keys.sorted().map { name in
      var lines = (dataset.rows[name] ?? []).filter { $0["office_id"]?.stringValue == office }.map {
        JSONWriter.canonicalString(
          .object(JSONObject(uncheckedPairs: $0.map { ($0.key, $0.value) })))
      }
      lines.sort()
      var hasher = SHA256()
      for line in lines {
        hasher.update(Array(line.utf8))
        hasher.update([10])
      }
      return (name, .string(hasher.finalize().hex))
    }
  }

  /// The outcome of checking a branch's KPI report.
  struct Reconciliation {
    struct Mismatch {
      var kpi: String
      var period: String
      var branch: String
      var head: String
      /// `different_data`, `different_definitions` or `disagreement`.
      var kind: String
    }
    var checked: Int
    var definitions: String
    var mismatches: [Mismatch]
    var note: String?

    var json: JSONValue {
      .object(
        JSONObject(uncheckedPairs: [
          ("checked", number(checked)), ("definitions", .string(definitions)),
          ("note", note.map { .string($0) } ?? .null),
          (
            "mismatches",
            .array(
              mismatches.map { m in
                .object(
                  JSONObject(uncheckedPairs: [
                    ("kpi", .string(m.kpi)), ("period", .string(m.period)),
                    ("branch", .string(m.branch)), ("head", .string(m.head)),
                    ("kind", .string(m.kind)),
                  ]))
              })
          ),
        ]))
    }

    var text: String {
      var text = "  KPI report: \(checked) value(s) checked, \(mismatches.count) mismatch(es)"
      if let note { text += " (\(note))" }
      text += "\n"
      let labels = [
        "different_data": "the branch computed before data it had not seen",
        "different_definitions": "the branch used other definitions",
        "disagreement": "same data and definitions, different result: investigate",
      ]
      for m in mismatches.prefix(20) {
        text +=
          "    \(m.kpi) \(m.period): branch \(m.branch), head office \(m.head) — \(m.kind) "
          + "(\(labels[m.kind] ?? ""))\n"
      }
      if mismatches.count > 20 { text += "    … and \(mismatches.count - 20) more\n" }
      return text
    }
  }

  /// Recomputes a merged submission's KPI report and classifies every mismatch: different data
  /// (the digest of a collection the KPI reads differs: the branch had not seen something, or
  /// head office holds edits the branch lacks), different definitions (another hash), or a real
  /// disagreement (same data, same definitions, another value).
  static func reconcile(_ context: Context, _ repository: RepositoryReader, _ report: ApplyReport)
    throws -> Reconciliation?
  {
    guard repository.config.role == .head, !report.alreadyApplied,
      case .object(let object)? = report.manifest.extra["kpi_report"],
      let office = object["office"]?.stringValue, office == report.manifest.from.rawValue,
      let hash = object["definitions"]?.stringValue, case .array(let values)? = object["values"],
      case .object(let branchDigests)? = object["digests"]
    else { return nil }
    var definitions = try self.definitions(context, repository)
    var note: String?
    if definitions.hash != hash {
      if let older = try definitionsWithHash(repository, hash) {
        definitions = older
        note = "computed with the older definitions the branch used"
      }
    }
    let (dataset, _) = try dataset(repository, definitions)
    let headDigests = Dictionary(uniqueKeysWithValues: digests(dataset, office: office))
    let sources = kpiSources(definitions)
    var periods: [Period] = []
    for case .object(let entry) in values {
      if let text = entry["period"]?.stringValue, let period = Period(parsing: text),
        !periods.contains(period)
      {
        periods.append(period)
      }
    }
    let computed = KPIEngine(definitions: definitions).evaluate(
      dataset,
      KPIQuery(grain: .month, periods: periods, offices: [office], openFrom: today(context)))
    var index: [String: KPIValue] = [:]
    for value in computed { index["\(value.kpi) \(value.period)"] = value }
    var result = Reconciliation(checked: 0, definitions: hash, mismatches: [], note: note)
    for case .object(let entry) in values {
      guard let kpi = entry["kpi"]?.stringValue, let period = entry["period"]?.stringValue else {
        continue
      }
      result.checked += 1
      let branchText = entry["value"]?.stringValue ?? "— (\(entry["reason"]?.stringValue ?? "?"))"
      guard let definition = definitions.kpis[kpi], let mine = index["\(kpi) \(period)"] else {
        result.mismatches.append(
          .init(
            kpi: kpi, period: period, branch: branchText, head: "—", kind: "different_definitions"))
        continue
      }
      let headText =
        mine.value.map { $0.formatted(scale: definition.scale) } ?? "— (\(mine.reason ?? "?"))"
      guard headText != branchText else { continue }
      let kind: String
      if definitions.hash != hash {
        kind = "different_definitions"
      } else if sources[kpi, default: []].contains(where: {
        branchDigests[$0]?.stringValue != headDigests[$0]?.stringValue
      }) {
        kind = "different_data"
      } else {
        kind = "disagreement"
      }
      result.mismatches.append(
        .init(kpi: kpi, period: period, branch: branchText, head: headText, kind: kind))
    }
    return result
  }

  /// A published version with this hash, if head office still has it.
  static func definitionsWithHash(_ repository: RepositoryReader, _ hash: String) throws
    -> DefinitionSet?
  {
    let states: [(id: RecordID, state: RecordState)]
    do { states = try repository.states(StandardCollections.kpiDefinitions.name) } catch {
      throw CLIError(error)
    }
    for (_, state) in states where state.value("hash")?.stringValue == hash {
      if let text = state.value("document")?.stringValue {
        return try? DefinitionSet(bytes: Array(text.utf8))
      }
    }
    if let builtIn = try? DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8)),
      builtIn.hash == hash
    {
      return builtIn
    }
    return nil
  }
}
