import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport

/// Head office and one branch (`north`), each with a repository on a memory file system, and
/// the bundles between them: the engine's API exercised without the command-line tool.
final class KPIWorld {
  static let clock: @Sendable () -> Timestamp = { "2025-03-01T09:00:00Z" }
  let hq: RepositoryWriter
  let north: RepositoryWriter
  let northID = ReplicaID(unchecked: "north")
  let hqID = ReplicaID(unchecked: "hq")

  init() throws {
    hq = try RepositoryWriter.create(
      at: "/hq", replica: hqID, role: .head, fileSystem: MemoryFileSystem(), now: Self.clock)
    north = try RepositoryWriter.create(
      at: "/north", replica: northID, role: .branch, fileSystem: MemoryFileSystem(),
      now: Self.clock)
    try north.installKey(try hq.enroll(northID))
  }

  /// A record of a standard collection from text cells, as a CSV import would type them.
  static func fields(_ schema: CollectionSchema, _ cells: [String: String]) throws -> [String:
    JSONValue]
  {
    var result: [String: JSONValue] = [:]
    for (name, cell) in cells { result[name] = try schema.field(name)!.parseCell(cell) }
    return result
  }

  /// A north order.
  static func order(
    _ id: String, _ date: String, _ amount: String, status: String = "confirmed"
  ) throws -> RecordChange {
    .put(
      collection: "orders", id: RecordID(unchecked: id),
      fields: try fields(
        StandardCollections.orders,
        [
          "office_id": "north", "customer_id": "c-\(id)", "channel_id": "sem",
          "order_date": date, "quantity": "1", "amount": amount, "status": status,
        ]))
  }

  /// A head-office target for north.
  static func target(_ id: String, kpi: String, period: String, value: String) throws
    -> RecordChange
  {
    .put(
      collection: "targets", id: RecordID(unchecked: id),
      fields: try fields(
        StandardCollections.targets,
        [
          "kpi_id": kpi, "office_id": "north", "scope": "office", "period_grain": "month",
          "period": period, "target_value": value, "direction": "higher_better", "version": "1",
        ]))
  }

  /// North's orders: January 1200.00; February 800.50 and 0.05, and a cancelled 500.00.
  func commitNorthOrders() throws {
    _ = try north.commit(
      [
        try Self.order("o-1", "2025-01-10", "1200.00"),
        try Self.order("o-2", "2025-02-11", "800.50"),
        try Self.order("o-3", "2025-02-12", "0.05"),
        try Self.order("o-4", "2025-02-20", "500.00", status: "cancelled"),
      ], command: "test")
  }

  /// North submits (with `extra` as its extra members, SPEC.md §8.2) and head office merges it.
  @discardableResult
  func submit(extra: [String: JSONValue] = [:]) throws -> ApplyReport {
    let bundle = try north.makeBundle(for: hqID, extra: extra)
    return try hq.applyBundle(bundle.bytes, name: "north.bundle")
  }

  /// Head office replies and north receives it.
  func reply() throws {
    let bundle = try hq.makeBundle(for: northID)
    _ = try north.applyBundle(bundle.bytes, name: "hq.bundle")
  }

  /// A period from its text.
  static func month(_ text: String) -> Period { Period(parsing: text)! }

  /// A date.
  static func date(_ year: Int, _ month: Int, _ day: Int) -> CivilDate {
    CivilDate(year: year, month: month, day: day)!
  }

  /// Small definitions: revenue and deals of confirmed orders, their ratio, and one scorecard
  /// (revenue 60 %, deals 40 %, both `ratio` capped at 1.20).
  static let smallDefinitions = #"""
    {"format":"outpost-kpi-def/1",
     "measures":[
      {"id":"revenue_m","source":"orders","agg":"sum","field":"amount","time_field":"order_date",
       "unit":"currency:CNY","filter":[{"field":"status","op":"eq","value":"confirmed"}]},
      {"id":"deals_m","source":"orders","agg":"count","time_field":"order_date","unit":"count",
       "filter":[{"field":"status","op":"eq","value":"confirmed"}]}],
     "kpis":[
      {"id":"revenue","version":1,"label":{"zh":"销售额","en":"Revenue"},"type":"simple",
       "measure":"revenue_m","unit":"currency:CNY","scale":2,"direction":"higher_better"},
      {"id":"deals","version":1,"label":{"zh":"成交","en":"Deals"},"type":"simple",
       "measure":"deals_m","unit":"count","scale":0,"direction":"higher_better"},
      {"id":"value_per_deal","version":1,"label":{"zh":"客单价","en":"Value per deal"},
       "type":"ratio","numerator":{"measure":"revenue_m"},"denominator":{"measure":"deals_m"},
       "unit":"currency:CNY","scale":2,"direction":"higher_better"}],
     "scorecards":[
      {"id":"card","version":3,"items":[
        {"kpi":"revenue","weight":"0.60","method":"ratio","cap":"1.20","floor":"0"},
        {"kpi":"deals","weight":"0.40","method":"ratio","cap":"1.20","floor":"0"}],
       "bands":[{"label":"A","min":"100"},{"label":"B","min":"80"},{"label":"C","min":"0"}]}]}
    """#
}
