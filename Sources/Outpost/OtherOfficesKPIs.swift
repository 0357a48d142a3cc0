import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore

/// Other offices' KPI values as head office computed them (`outpost-kpi-results/1`, SPEC.md
/// §8.6): what a reply made under `record_visibility` `own_office` carries in
/// `extra.kpi_results`, and what a branch keeps of them in `sync/@kpi-results.json`, so its
/// `kpi` shows the offices whose rows it no longer holds.
///
/// By office: the hash of the definitions computed with, and every KPI by month for the
/// ``BranchKPIReport/months`` newest months of that office's data, as text at the KPI's scale
/// (or undefined with the reason), with the KPI's flags. A branch keeps, per office, the
/// values of the newest reply that brought them (``reply``), so a late reply changes nothing.
public struct OtherOfficesKPIs: Sendable, Equatable {
  /// The format's name, in the `format` member.
  public static let format = "outpost-kpi-results/1"
  /// The reply's `extra` member that carries them.
  public static let member = "kpi_results"

  /// One value, as text.
  public struct Value: Sendable, Equatable {
    /// The KPI id.
    public var kpi: String
    /// The month, as written (`2025-03`).
    public var period: String
    /// The canonical value at the KPI's scale; nil when undefined.
    public var value: String?
    /// Why the value is undefined.
    public var reason: String?
    /// The KPI's flags that fired for the value.
    public var flags: [String]
    /// Those of its flags that make a scorecard item a failure (SPEC.md §9.5).
    public var failures: [String]

    /// Creates a value.
    public init(
      kpi: String, period: String, value: String?, reason: String?, flags: [String],
      failures: [String] = []
    ) {
      self.kpi = kpi
      self.period = period
      self.value = value
      self.reason = reason
      self.flags = flags
      self.failures = failures
    }
  }

  /// One office's values.
  public struct Office: Sendable, Equatable {
    /// The hash of the definitions they were computed with.
    public var definitions: String
    /// The sequence number of the reply that brought them (nil in a reply itself).
    public var reply: UInt64?
    /// The values, by KPI (definition order) and month.
    public var values: [Value]

    /// Creates an office's values.
    public init(definitions: String, reply: UInt64? = nil, values: [Value]) {
      self.definitions = definitions
      self.reply = reply
      self.values = values
    }
  }

  /// The offices' values, by office id.
  public var offices: [String: Office]
  /// Whether these are every office's values (a reply that replaces what the branch holds)
  /// rather than only those of offices whose data changed.
  public var complete: Bool

  /// Creates a set of results.
  public init(offices: [String: Office] = [:], complete: Bool) {
    self.offices = offices
    self.complete = complete
  }

  // MARK: Head office

  /// What a reply to `recipient` made now carries (head office), or nil when it carries none:
  /// its rows policy is `all_offices` (the office holds every row and computes for itself), or
  /// nothing the values depend on changed since the reply it last acknowledged.
  ///
  /// Every office but the recipient travels when the office has not yet acknowledged a reply
  /// made under the policy since it last changed (so it may lack some office's values), when
  /// the changes since are not known (the exchange walks every record), or when the
  /// definitions changed, or a record of a collection the KPIs read that names no office or is
  /// no longer held (deleted and collected since);
  /// otherwise only the offices of the records those collections changed (by their
  /// `office_id` and every office that wrote one of their events).
  static func forReply(
    to recipient: ReplicaID, in writer: RepositoryWriter, today: CivilDate?
  ) throws(OutpostError) -> OtherOfficesKPIs? {
    let found: (records: RecordVisibility, unseen: Bool, changed: [String: Set<RecordID>]?)?
    do { found = try writer.replyChanges(for: recipient) } catch { throw OutpostError(error) }
    // No reply can be made (making it says why): nothing to compute.
    guard let changes = found, changes.records == .ownOffice else { return nil }
    let definitions = try KPIDefinitionsInForce(writer).definitions
    var offices: Set<String>? = nil
    if !changes.unseen, let changed = changes.changed {
      guard let touched = try Self.offices(changed, in: writer, definitions: definitions) else {
        return nil
      }
      if !touched.isEmpty {
        offices = touched.subtracting([recipient.rawValue])
        if offices!.isEmpty { return nil }
      }
    }
    let values = try KPIRequest.evaluate(
      in: writer, definitions: definitions,
      KPIQuery(
        offices: offices.map { $0.sorted() }, openFrom: today, newest: BranchKPIReport.months)
    )
    var result = OtherOfficesKPIs(complete: offices == nil)
    for office in offices ?? [] {
      result.offices[office] = Office(definitions: definitions.hash, values: [])
    }
    for value in values.values where value.office != recipient.rawValue {
      result.offices[value.office, default: Office(definitions: definitions.hash, values: [])]
        .values.append(
          Value(
            kpi: value.kpi, period: value.period.description,
            value: value.value.map { $0.formatted(scale: definitions.kpis[value.kpi]!.scale) },
            reason: value.reason, flags: value.flags, failures: value.failures))
    }
    return result
  }

  /// The offices whose values the records `changed` (by collection) may have changed: empty
  /// when they may have changed every office's (the definitions, or a record of a collection
  /// the KPIs read that names no office), nil when they changed none.
  private static func offices(
    _ changed: [String: Set<RecordID>], in writer: RepositoryWriter, definitions: DefinitionSet
  ) throws(OutpostError) -> Set<String>? {
    if changed[StandardCollections.kpiDefinitions.name] != nil { return [] }
    let read = Set(KPISources(definitions).byKPI.values.joined())
    var touched: Set<String> = []
    for (collection, ids) in changed where read.contains(collection) {
      for id in ids {
        let state: RecordState?
        do { state = try writer.state(collection, id) } catch { throw OutpostError(error) }
        // A record no longer held (deleted and collected since) names no office it can tell.
        guard let state else { return [] }
        guard let office = state.value(OwnershipPolicy.officeField)?.stringValue else { return [] }
        touched.insert(office)
        // An office that wrote the record before it became another's has values to change too.
        for entry in state.context.entries where entry.replica != writer.config.replica {
          touched.insert(entry.replica.rawValue)
        }
      }
    }
    return touched.isEmpty ? nil : touched
  }

  // MARK: A branch

  /// The results a branch holds (empty when it holds none).
  public init(_ repository: RepositoryReader) throws(OutpostError) {
    let json: JSONValue?
    do { json = try repository.document(.kpiResults) } catch { throw OutpostError(error) }
    guard let json else {
      self.init(complete: false)
      return
    }
    do throws(OutpostError) { try self.init(json: json) } catch {
      throw OutpostError(
        .corrupt, "\(DocumentName.kpiResults.file): \(error.message)",
        hint: "Run outpost verify.")
    }
  }

  /// What a branch holds after applying reply `seq` that carried `received`: a complete set
  /// replaces the values of older replies (an office it leaves out has none any more); an
  /// office's values are replaced only by a newer reply's.
  public func applying(_ received: OtherOfficesKPIs, reply seq: UInt64) -> OtherOfficesKPIs {
    var result = self
    if received.complete {
      result.offices = result.offices.filter { ($0.value.reply ?? 0) > seq }
    }
    for (office, values) in received.offices where (result.offices[office]?.reply ?? 0) < seq {
      result.offices[office] = values
      result.offices[office]!.reply = seq
    }
    result.complete = true
    return result
  }

  // MARK: JSON

  /// Reads results from JSON (a reply's `extra.kpi_results` or the branch's document); a
  /// member of the wrong kind is ``OutpostError/Code/invalidInput``, naming it.
  public init(json: JSONValue) throws(OutpostError) {
    func refused(_ what: String) -> OutpostError {
      OutpostError(.invalidData, "\(Self.format): \(what)")
    }
    guard case .object(let object) = json, object["format"]?.stringValue == Self.format,
      case .object(let offices)? = object["offices"]
    else { throw refused("not an object of this format with 'offices'") }
    var result = OtherOfficesKPIs(complete: object["complete"] == .bool(true))
    for (office, entry) in offices {
      guard case .object(let members) = entry, let hash = members["definitions"]?.stringValue,
        case .array(let list)? = members["values"]
      else { throw refused("office '\(office)' lacks 'definitions' or 'values'") }
      var reply: UInt64?
      if let seq = members["reply"] {
        guard let value = seq.int64Value, value > 0 else {
          throw refused("office '\(office)': 'reply' is not a sequence number")
        }
        reply = UInt64(value)
      }
      var values: [Value] = []
      for item in list {
        guard case .object(let value) = item, let kpi = value["kpi"]?.stringValue,
          let period = value["period"]?.stringValue
        else { throw refused("office '\(office)': a value lacks 'kpi' or 'period'") }
        guard let month = Period(parsing: period), month.grain == .month else {
          throw refused("office '\(office)': '\(period)' is not a month")
        }
        if let text = value["value"]?.stringValue, (try? ExactDecimal(parsing: text)) == nil {
          throw refused("office '\(office)': '\(text)' is not a decimal")
        }
        func names(_ member: String) -> [String] {
          value[member]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        values.append(
          Value(
            kpi: kpi, period: period, value: value["value"]?.stringValue,
            reason: value["reason"]?.stringValue, flags: names("flags"),
            failures: names("failures")))
      }
      result.offices[office] = Office(definitions: hash, reply: reply, values: values)
    }
    self = result
  }

  /// The results as JSON, members sorted.
  public var json: JSONValue {
    let offices = self.offices.keys.sorted().map { office -> (String, JSONValue) in
      let entry = self.offices[office]!
      var members: [(String, JSONValue)] = [
        ("definitions", .string(entry.definitions)),
        (
          "values",
          .array(
            entry.values.map { value in
              .object(
                JSONObject(uncheckedPairs: [
                  ("failures", .array(value.failures.map { .string($0) })),
                  ("flags", .array(value.flags.map { .string($0) })), ("kpi", .string(value.kpi)),
                  ("period", .string(value.period)),
                  ("reason", value.reason.map { .string($0) } ?? .null),
                  ("value", value.value.map { .string($0) } ?? .null),
                ]))
            })
        ),
      ]
      if let reply = entry.reply {
        members.insert(("reply", .number(JSONNumber(integer: Int64(reply)))), at: 1)
      }
      return (office, .object(JSONObject(uncheckedPairs: members)))
    }
    return .object(
      JSONObject(uncheckedPairs: [
        ("complete", .bool(complete)), ("format", .string(Self.format)),
        ("offices", .object(JSONObject(uncheckedPairs: offices))),
      ]))
  }
}
