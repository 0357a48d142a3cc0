import OutpostKPI
import OutpostModel
import Testing

/// SPEC.md §3.7: where a KPI of the built-in catalog is an aggregate of one field of a standard
/// collection (a `simple` KPI over a measure without a filter, a join, a window or a duration:
/// the sum, distinct count or last value of that field), the field's Chinese label agrees with
/// the KPI's, so a clerk's column and the figure computed from it go by the same name.
struct CatalogLabelTests {
  static let catalog: DefinitionSet = {
    do { return try DefinitionSet(bytes: DefinitionSet.defaultDocumentBytes) } catch {
      preconditionFailure("the built-in catalog does not parse: \(error)")
    }
  }()

  /// Agreement: the labels are equal, or the KPI's contains the field's without a trailing
  /// 量 or 数 (`点击量` in `竞价点击量`, `评论数` in `博客评论数`).
  static func agrees(field: String, kpi: String) -> Bool {
    if field == kpi { return true }
    var core = field
    if core.count > 1, core.hasSuffix("量") || core.hasSuffix("数") { core.removeLast() }
    return kpi.contains(core)
  }

  /// The fields whose label is the ad platforms' and analytics tools' column name while the
  /// catalog's KPI says the same thing in other words, with the KPI label each was compared
  /// with (so a change of either label fails the test and is looked at again).
  static let sameThingInOtherWords: [String: (kpiLabel: String, reason: String)] = [
    "channel_daily.impressions": ("网络曝光", "展现量 is the platforms' (Baidu's) column"),
    "channel_daily.visits": ("网站流量", "访问量 is the web-analytics column; 流量 is traffic"),
  ]

  /// Every catalog KPI that is an aggregate of one field, with that field.
  static func plainKPIs() -> [(kpi: KPIDefinition, collection: String, field: String)] {
    var result: [(KPIDefinition, String, String)] = []
    for id in catalog.kpiOrder {
      guard let kpi = catalog.kpis[id], case .simple(let reference) = kpi.kind,
        let measure = catalog.measures[reference.measure], let field = measure.field,
        measure.filter.isEmpty, measure.lookup == nil, measure.window == nil,
        measure.duration == nil, measure.minRows == 1,
        [.sum, .countDistinct, .last].contains(measure.agg)
      else { continue }
      result.append((kpi, measure.source, field))
    }
    return result
  }

  @Test("the catalog's one-field KPIs are the ones this test judges")
  func scope() {
    // Pinned so that a catalog change that adds or removes such a KPI is looked at here.
    #expect(
      Self.plainKPIs().map(\.kpi.id) == [
        "page_views", "visits", "clicks", "impressions", "registrations", "blog_comments",
        "followers", "indexed_pages", "consultations", "consult_calls", "ad_spend_paid",
        "consultations_paid", "refunds", "content_shares", "brand_mentions", "sem_clicks",
        "sem_cost", "sem_consultations",
      ])
  }

  @Test("a field a KPI aggregates has a Chinese label that agrees with the KPI's")
  func fieldLabelsAgreeWithKPILabels() throws {
    var excused: Set<String> = []
    for (kpi, collection, field) in Self.plainKPIs() {
      let schema = try #require(StandardCollections.named(collection), "\(kpi.id)")
      let label = try #require(schema.label(ofColumn: field), "\(collection).\(field)")
      let key = "\(collection).\(field)"
      if let other = Self.sameThingInOtherWords[key] {
        #expect(kpi.labelZH == other.kpiLabel, "\(key): the KPI is now '\(kpi.labelZH)'")
        #expect(
          !Self.agrees(field: label.zh, kpi: kpi.labelZH),
          "\(key) agrees with \(kpi.id) now: remove it from sameThingInOtherWords")
        excused.insert(key)
      } else {
        #expect(
          Self.agrees(field: label.zh, kpi: kpi.labelZH),
          "\(key) '\(label.zh)' and KPI \(kpi.id) '\(kpi.labelZH)'")
      }
    }
    // Every excuse is still used.
    #expect(excused == Set(Self.sameThingInOtherWords.keys))
  }

  @Test(
    "the agreement rule",
    arguments: [
      ("点击量", "点击量", true), ("点击量", "竞价点击量", true), ("评论数", "博客评论数", true),
      ("花费", "付费渠道花费", true), ("咨询电话量", "网络咨询电话量", true),
      ("展现量", "网络曝光", false), ("订单金额", "成交金额", false), ("量", "点击量", true),
      ("分享数", "内容", false),
    ])
  func rule(_ field: String, _ kpi: String, _ expected: Bool) {
    #expect(Self.agrees(field: field, kpi: kpi) == expected)
  }
}
