import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync

/// The example row of a template: a valid, plausible value for every column (SPEC.md §3.7).
///
/// Ids begin with the office; the examples of the standard collections name each other (the
/// staff member `OFFICE-01` is an SEM specialist from 2026-03-01, the owner of ad account
/// `bd-1001`, whose daily row is campaign `c-1001`), so they import together in a new
/// repository.
struct TemplateExample {
  /// The office the example's records belong to and its ids begin with: a branch's own; at
  /// head office the first office it enrolled, else its own.
  var office: String
  /// For `targets`: a KPI of the definitions in force, and its direction.
  var kpi: (id: String, direction: String)?

  static let date = "2026-03-01"
  static let month = "2026-03"
  static let timestamp = "2026-03-01T09:00:00+08:00"

  init(_ repository: RepositoryReader, for schema: CollectionSchema) throws(OutpostError) {
    if repository.config.role == .branch {
      office = repository.config.replica.rawValue
    } else {
      let peers: [PeerState]
      do { peers = try repository.peers() } catch { throw OutpostError(error) }
      office = peers.map(\.peer.rawValue).sorted().first ?? repository.config.replica.rawValue
    }
    if schema.name == StandardCollections.targets.name {
      kpi = try Self.targetKPI(repository)
    }
  }

  /// The KPI of the example target: `consultations`, or else the first KPI of the definitions
  /// in force that an office target for a month can score.
  static func targetKPI(_ repository: RepositoryReader) throws(OutpostError) -> (
    id: String, direction: String
  )? {
    let definitions = try KPIDefinitionsInForce(repository).definitions
    let directions: [String] =
      if case .enumeration(let values)? = StandardCollections.targets.field("direction")?.type {
        values
      } else { [] }
    for id in ["consultations"] + definitions.kpiOrder {
      guard let kpi = definitions.kpis[id], directions.contains(kpi.direction.rawValue) else {
        continue
      }
      let row: [String: JSONValue] = [
        "kpi_id": .string(id), "office_id": .string("office"), "scope": .string("office"),
        "period_grain": .string("month"), "period": .string(month),
        "target_value": .string("100.0000"), "direction": .string(kpi.direction.rawValue),
        "version": .number(JSONNumber(integer: 1)),
      ]
      if TargetCheck.problem(row, definitions: definitions) == nil {
        return (id, kpi.direction.rawValue)
      }
    }
    return nil
  }

  /// The example of a column.
  func value(_ schema: CollectionSchema, _ column: ImportColumn) -> String {
    if column.name == OwnershipPolicy.officeField { return office }
    if StandardCollections.named(schema.name) != nil,
      let value = standard["\(schema.name).\(column.name)"]
    {
      return value
    }
    if column.isID { return "\(office)-0001" }
    switch column.type {
    case .string(let maxLength): return String("example".prefix(maxLength))
    case .integer(let minimum): return minimum > 0 ? "\(minimum)" : "0"
    case .decimal(let scale, _, _):
      return scale > 0 ? "0." + String(repeating: "0", count: scale) : "0"
    case .date: return Self.date
    case .month, .period: return Self.month
    case .timestamp: return Self.timestamp
    case .boolean: return "true"
    case .enumeration(let values): return values.first ?? ""
    case .list: return #"["example"]"#
    case .document: return "{}"
    }
  }

  /// The standard collections' examples that differ from their type's (ids, references, texts,
  /// and values other fields constrain), by `collection.column`; an empty value is an empty
  /// cell, where a row of this kind leaves it empty.
  var standard: [String: String] {
    let person = "\(office)-01"
    let customer = "\(office)-c-0001"
    let order = "\(office)-o-0001"
    return [
      "index_snapshots.search_engine": "baidu", "social_daily.platform": "wechat",
      "leads.lead_id": "\(office)-l-0001", "leads.campaign_id": "c-1001",
      "leads.assigned_to": person, "leads.customer_id": customer,
      "customers.customer_id": customer, "customers.acquisition_campaign_id": "c-1001",
      "customers.lead_id": "\(office)-l-0001", "customers.district": "朝阳区",
      "orders.order_id": order, "orders.customer_id": customer, "orders.campaign_id": "c-1001",
      "orders.fulfilled_at": "2026-03-01T15:00:00+08:00",
      "orders.shipped_at": "2026-03-02T10:00:00+08:00",
      "orders.delivered_at": "2026-03-04T16:00:00+08:00", "orders.salesperson_id": person,
      "returns.return_id": "\(office)-r-0001", "returns.order_id": order,
      "returns.reason_code": "quality",
      "invoices.invoice_id": "\(office)-i-0001", "invoices.order_id": order,
      "invoices.customer_id": customer, "invoices.due_date": "2026-03-31",
      "payments.payment_id": "\(office)-p-0001", "payments.invoice_id": "\(office)-i-0001",
      "complaints.complaint_id": "\(office)-cp-0001", "complaints.customer_id": customer,
      "complaints.order_id": order, "complaints.channel": "phone",
      "complaints.category": "delivery", "complaints.handled_by": person,
      // An open complaint has no resolution date yet.
      "complaints.resolved_date": "",
      "survey_responses.response_id": "\(office)-s-0001",
      "survey_responses.customer_id": customer, "survey_responses.score": "4",
      "survey_responses.max_score": "5",
      // A satisfaction survey does not ask about brand awareness.
      "survey_responses.aware": "",
      "costs.cost_type": "content",
      "staff.staff_id": person, "staff.name": "张三", "staff.position": "sem",
      "staff.department": "promotion", "staff.active_to": "",
      "ad_accounts.account_id": "bd-1001", "ad_accounts.platform": "baidu",
      "ad_accounts.owner": person, "ad_accounts.active_to": "",
      "ad_daily.account_id": "bd-1001", "ad_daily.campaign_id": "c-1001",
      "ad_daily.campaign_name": "品牌词",
      "tasks.task_id": "\(office)-t-0001", "tasks.staff_id": person, "tasks.kind": "article",
      "targets.target_id": "t-0001", "targets.kpi_id": kpi?.id ?? "consultations",
      "targets.direction": kpi?.direction ?? "higher_better",
      // An office target has no scope key, and a month's target the grain month; the ratio a
      // scorecard scores reads no worst and best.
      "targets.scope_key": "", "targets.period_grain": "month",
      "targets.target_value": "100.0000", "targets.worst": "", "targets.best": "",
      "offices.name_zh": "北京分部", "offices.name_en": "Beijing office",
      "offices.region": "华北", "offices.currency": "CNY", "offices.timezone": "Asia/Shanghai",
      "offices.active_to": "",
      "channels.channel_id": "seo", "channels.name_zh": "搜索引擎优化", "channels.name_en": "SEO",
      "channels.is_paid": "false",
      "positions.position_id": "designer", "positions.name_zh": "设计师",
      "positions.name_en": "Designer", "positions.department_id": "promotion",
      "departments.department_id": "marketing", "departments.name_zh": "市场部",
      "departments.name_en": "Marketing",
      "resolution_rules.collection": "channel_daily", "resolution_rules.field": "spend",
      "resolution_rules.note": "head office's figure counts",
      "rating_criteria.criterion_id": "customer_service",
      "rating_criteria.name_zh": "客户服务", "rating_criteria.name_en": "Customer service",
      "rating_criteria.positions": #"["consultant"]"#,
      // A rating of the office as a whole, on a built-in criterion that rates offices.
      "qualitative_ratings.rating_id": "r-0001", "qualitative_ratings.subject": "",
      "qualitative_ratings.criterion_id": "admin_assessment",
      "qualitative_ratings.score": "80.00", "qualitative_ratings.rater": "director",
      "policies.value": StaffVisibility.ownOffice.rawValue,
    ]
  }

  /// Why importing the example row into this repository would fail or change a record, as
  /// notes for standard error (none when it would create a record cleanly).
  func notes(
    _ schema: CollectionSchema, _ columns: [ImportColumn], _ cells: [String],
    _ repository: RepositoryReader
  ) throws(OutpostError) -> [String] {
    var values: [String: JSONValue] = [:]
    for (column, cell) in zip(columns, cells) {
      guard let field = schema.field(column.name) else { continue }
      do { values[column.name] = try field.parseCell(cell) } catch {
        return ["the example's \(column.name) '\(cell)': \(error.message)"]
      }
    }
    if let office = repository.ownership.officeToFill(in: schema, given: values, existing: nil) {
      values[OwnershipPolicy.officeField] = office
    }
    var notes: [String] = []
    let id: RecordID?
    switch schema.idRule {
    case .column(let column):
      id = zip(columns, cells).first { $0.0.name == column }.flatMap {
        try? RecordID($0.1)
      }
    case .composite: id = try? schema.compositeID(values)
    }
    if let id {
      let state: RecordState?
      do { state = try repository.state(schema.name, id) } catch { throw OutpostError(error) }
      if let state, !state.isDeleted {
        notes.append(
          "\(schema.name)/\(id) exists here: importing the example row unchanged would change it")
      }
    }
    let rules = try RecordRules(repository, for: schema.name)
    if let problem = rules.problem(values, in: schema) {
      notes.append("the example row would be refused here: \(problem)")
    }
    return notes
  }
}
