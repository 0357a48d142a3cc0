import OutpostCodec
import OutpostModel
import OutpostStore

/// A small deterministic pseudo-random generator (SplitMix64), so every run with one seed
/// produces the same records.
struct SeededRandom {
  private var state: UInt64

  /// A generator for a seed.
  init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A number in `0..<bound` (`bound` must be positive).
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

  /// A number in `range`.
  mutating func within(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + below(range.upperBound - range.lowerBound + 1)
  }

  /// True with probability `percent` / 100.
  mutating func percent(_ percent: Int) -> Bool { below(100) < percent }

  /// One element of a non-empty array.
  mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}

/// What kind of value the benchmark's edits write into a collection's edit field.
enum EditKind: Sendable {
  /// A count: the edit adds a large offset, so it always differs from the generated value.
  case count
  /// A money amount.
  case money
  /// Free text.
  case text
}

/// One office-owned standard collection in the generated mix.
struct MixEntry: Sendable {
  /// The collection.
  var schema: CollectionSchema
  /// Its share of the records, in percent (the shares add up to 100).
  var percent: Int
  /// The field that edits change; a branch and head office editing it concurrently conflict.
  var editField: String
  /// The kind of value in ``editField``.
  var editKind: EditKind

  /// The collection's name.
  var name: String { schema.name }
}

/// Generates realistic records of the office-owned standard collections, deterministically.
///
/// Record `index` of a collection depends only on the seed, the collection and the index, so any
/// phase (in any process) can regenerate it. Ids are unique per office: composite keys spread
/// `index` over offices, channels (or platforms, engines, cost types) and consecutive days or
/// months from 2015-01-01; column ids are `<office>-<tag>-<index>`.
struct RecordGenerator: Sendable {
  /// The seed.
  let seed: UInt64
  /// The offices the records belong to (`office_id`), in turn.
  let offices: [String]

  /// The mix: roughly what a year of a retail office's data looks like, by record count.
  static let mix: [MixEntry] = [
    MixEntry(
      schema: StandardCollections.channelDaily, percent: 20, editField: "consultations",
      editKind: .count),
    MixEntry(
      schema: StandardCollections.socialDaily, percent: 5, editField: "followers_total",
      editKind: .count),
    MixEntry(
      schema: StandardCollections.indexSnapshots, percent: 2, editField: "indexed_pages",
      editKind: .count),
    MixEntry(
      schema: StandardCollections.leads, percent: 20, editField: "assigned_to", editKind: .text),
    MixEntry(
      schema: StandardCollections.customers, percent: 10, editField: "district", editKind: .text),
    MixEntry(
      schema: StandardCollections.orders, percent: 20, editField: "amount", editKind: .money),
    MixEntry(
      schema: StandardCollections.returns, percent: 2, editField: "refund_amount",
      editKind: .money),
    MixEntry(
      schema: StandardCollections.invoices, percent: 8, editField: "amount", editKind: .money),
    MixEntry(
      schema: StandardCollections.payments, percent: 8, editField: "amount", editKind: .money),
    MixEntry(
      schema: StandardCollections.complaints, percent: 1, editField: "category", editKind: .text),
    MixEntry(
      schema: StandardCollections.surveyResponses, percent: 3, editField: "score",
      editKind: .count),
    MixEntry(schema: StandardCollections.costs, percent: 1, editField: "amount", editKind: .money),
  ]

  /// How many records of each collection make up `total` (exactly `total` in all).
  static func plan(total: Int) -> [(entry: MixEntry, count: Int)] {
    var counts = mix.map { total * $0.percent / 100 }
    var rest = total - counts.reduce(0, +)
    var index = 0
    while rest > 0 {
      counts[index % counts.count] += 1
      rest -= 1
      index += 1
    }
    return zip(mix, counts).map { ($0, $1) }
  }

  /// Creates a generator.
  init(seed: UInt64, offices: [String]) {
    self.seed = seed
    self.offices = offices.isEmpty ? ["north"] : offices
  }

  // MARK: Records

  private static let platforms = ["weibo", "wechat", "douyin", "xiaohongshu", "bilibili"]
  private static let engines = ["baidu", "bing", "google", "sogou", "so360"]
  private static let costTypes = ["content", "tools", "commission", "agency", "events", "other"]
  private static let districts = ["朝阳区", "海淀区", "浦东新区", "天河区", "南山区", "武侯区", "西湖区"]
  private static let categories = ["物流 delivery", "质量 quality", "服务 service", "价格 price"]
  private static let firstDay = 16_436  // 2015-01-01, in days since 1970-01-01

  private func random(_ collection: String, _ index: Int) -> SeededRandom {
    var salt: UInt64 = 1_469_598_103_934_665_603  // FNV-1a over the collection name
    for byte in collection.utf8 { salt = (salt ^ UInt64(byte)) &* 1_099_511_628_211 }
    var random = SeededRandom(seed: seed ^ salt ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
    _ = random.next()
    return random
  }

  private func date(_ day: Int) -> String {
    CivilDate(daysSinceEpoch: Self.firstDay + day).description
  }

  private func money(_ random: inout SeededRandom, _ range: ClosedRange<Int>) -> String {
    let cents = random.below(100)
    return "\(random.within(range)).\(cents < 10 ? "0" : "")\(cents)"
  }

  private func timestamp(_ day: Int, _ random: inout SeededRandom) -> String {
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return
      "\(date(day))T\(two(random.within(8...20))):\(two(random.below(60))):\(two(random.below(60)))+08:00"
  }

  /// The cells of record `index` of a collection, by column; an absent column is empty (null).
  func cells(_ entry: MixEntry, _ index: Int) -> [String: String] {
    var r = random(entry.name, index)
    let officeCount = offices.count
    let office = offices[index % officeCount]
    let slot = index / officeCount  // the index among this office's records
    let day = slot % 3_650
    var c: [String: String] = ["office_id": office]
    func optional(_ key: String, _ percent: Int, _ value: @autoclosure () -> String) {
      if r.percent(percent) { c[key] = value() }
    }
    switch entry.name {
    case "channel_daily":
      let channel = StandardCollections.channels[slot % 6]
      c["channel_id"] = channel
      c["date"] = date(slot / 6)
      let impressions = r.within(500...50_000)
      let clicks = impressions / r.within(20...60)
      c["impressions"] = "\(impressions)"
      c["clicks"] = "\(clicks)"
      c["visits"] = "\(clicks * 9 / 10)"
      c["page_views"] = "\(clicks * 3)"
      c["engaged_visits"] = "\(clicks / 2)"
      c["consultations"] = "\(r.below(40))"
      c["consult_calls"] = "\(r.below(10))"
      optional("registrations", 70, "\(r.below(30))")
      optional("downloads", 40, "\(r.below(20))")
      optional("subscriptions", 30, "\(r.below(15))")
      c["spend"] = money(&r, 0...5_000)
      if channel == "email" {
        let sent = r.within(1_000...20_000)
        c["emails_sent"] = "\(sent)"
        c["emails_delivered"] = "\(sent - r.below(200))"
        c["email_unique_opens"] = "\(sent / r.within(3...8))"
        c["email_unique_clicks"] = "\(sent / r.within(20...80))"
      }
    case "social_daily":
      c["platform"] = Self.platforms[slot % Self.platforms.count]
      c["date"] = date(slot / Self.platforms.count)
      c["followers_total"] = "\(r.within(1_000...500_000))"
      for key in [
        "likes", "comments", "shares", "mentions", "positive_mentions", "negative_mentions",
      ] {
        optional(key, 80, "\(r.below(2_000))")
      }
    case "index_snapshots":
      c["search_engine"] = Self.engines[slot % Self.engines.count]
      c["snapshot_date"] = date(slot / Self.engines.count)
      c["indexed_pages"] = "\(r.within(100...200_000))"
    case "leads":
      c["lead_id"] = "\(office)-ld-\(index)"
      c["channel_id"] = r.pick(StandardCollections.channels)
      optional("campaign_id", 50, "cmp-\(r.below(400))")
      c["created_date"] = date(day)
      c["source_type"] = r.pick(["chat", "call", "form", "agent", "walk_in"])
      c["has_need"] = r.percent(60) ? "1" : "0"
      c["has_contact"] = r.percent(80) ? "1" : "0"
      optional("assigned_to", 70, "staff-\(r.below(60))")
      optional("first_followup_date", 60, date(day + r.below(5)))
      c["status"] = r.pick(["new", "following", "won", "lost", "invalid"])
      optional("customer_id", 20, "\(office)-cu-\(r.below(index + 1))")
    case "customers":
      c["customer_id"] = "\(office)-cu-\(index)"
      c["acquired_date"] = date(day)
      c["acquisition_channel_id"] = r.pick(StandardCollections.channels)
      optional("acquisition_campaign_id", 40, "cmp-\(r.below(400))")
      optional("lead_id", 60, "\(office)-ld-\(r.below(index + 1))")
      c["kind"] = r.pick(["individual", "individual", "business", "dealer"])
      optional("district", 80, r.pick(Self.districts))
    case "orders":
      c["order_id"] = "\(office)-or-\(index)"
      c["customer_id"] = "\(office)-cu-\(r.below(index / 2 + 1))"
      c["channel_id"] = r.pick(StandardCollections.channels)
      optional("campaign_id", 40, "cmp-\(r.below(400))")
      c["order_date"] = date(day)
      c["quantity"] = "\(r.within(1...20))"
      c["amount"] = money(&r, 10...20_000)
      optional("cogs", 80, money(&r, 5...10_000))
      let confirmed = r.percent(90)
      c["status"] = confirmed ? "confirmed" : "cancelled"
      optional("placed_at", 90, timestamp(day, &r))
      if confirmed {
        optional("fulfilled_at", 80, timestamp(day + 1, &r))
        optional("shipped_at", 70, timestamp(day + 2, &r))
        optional("delivered_at", 60, timestamp(day + 4, &r))
      }
    case "returns":
      c["return_id"] = "\(office)-rt-\(index)"
      c["order_id"] = "\(office)-or-\(r.below(index * 10 + 1))"
      c["return_date"] = date(day)
      c["quantity"] = "\(r.within(1...3))"
      c["refund_amount"] = money(&r, 10...5_000)
      c["cogs_reversed"] = money(&r, 5...2_500)
      optional("reason_code", 70, r.pick(["damaged", "wrong_item", "late", "changed_mind"]))
    case "invoices":
      c["invoice_id"] = "\(office)-in-\(index)"
      optional("order_id", 80, "\(office)-or-\(r.below(index * 2 + 1))")
      c["customer_id"] = "\(office)-cu-\(r.below(index + 1))"
      c["issue_date"] = date(day)
      c["due_date"] = date(day + 30)
      c["amount"] = money(&r, 10...20_000)
    case "payments":
      c["payment_id"] = "\(office)-pa-\(index)"
      c["invoice_id"] = "\(office)-in-\(r.below(index + 1))"
      c["payment_date"] = date(day + r.below(40))
      c["amount"] = money(&r, 10...20_000)
    case "complaints":
      c["complaint_id"] = "\(office)-co-\(index)"
      optional("customer_id", 80, "\(office)-cu-\(r.below(index * 10 + 1))")
      optional("order_id", 50, "\(office)-or-\(r.below(index * 20 + 1))")
      c["received_date"] = date(day)
      c["channel"] = r.pick(["phone", "web", "wechat", "store"])
      c["category"] = r.pick(Self.categories)
      let resolved = r.percent(70)
      if resolved { c["resolved_date"] = date(day + r.below(10)) }
      c["status"] = resolved ? "resolved" : "open"
    case "survey_responses":
      c["response_id"] = "\(office)-sv-\(index)"
      optional("customer_id", 70, "\(office)-cu-\(r.below(index * 3 + 1))")
      c["response_date"] = date(day)
      let type = r.pick(["csat", "csat", "brand_awareness", "brand_image"])
      c["survey_type"] = type
      if type != "brand_awareness" {
        c["score"] = "\(r.within(1...5))"
        c["max_score"] = "5"
      } else {
        c["aware"] = r.percent(40) ? "1" : "0"
      }
    case "costs":
      c["channel_id"] = StandardCollections.channels[slot % 6]
      c["cost_type"] = Self.costTypes[slot / 6 % Self.costTypes.count]
      let month = slot / (6 * Self.costTypes.count)
      let year = 2015 + month / 12
      let monthOfYear = month % 12 + 1
      c["month"] = "\(year)-\(monthOfYear < 10 ? "0" : "")\(monthOfYear)"
      c["amount"] = money(&r, 100...50_000)
    default:
      break
    }
    return c
  }

  /// Record `index` as a CSV line in the collection's column order.
  func csvLine(_ entry: MixEntry, _ index: Int) -> String {
    let cells = cells(entry, index)
    return CSVWriter.line(entry.schema.columns.map { cells[$0] ?? "" })
  }

  /// The value an edit writes into the edit field of record `index`.
  ///
  /// Different `writer`s (1 for a branch, 2 for head office) write different values, and every
  /// edited value differs from the generated one, so concurrent edits conflict.
  func editedCell(_ entry: MixEntry, _ index: Int, writer: Int) -> String {
    switch entry.editKind {
    case .count: "\(1_000_000 * writer + index % 1_000)"
    case .money: "\(1_000_000 * writer + index % 1_000).\(index % 90 + 10)"
    case .text: "edited-\(writer)-\(index)"
    }
  }

  /// Turns named cells into the id and canonical fields of a record, as `outpost import` does.
  ///
  /// - Throws: ``BenchError`` if a generated cell is invalid (a bug in the generator).
  func record(_ entry: MixEntry, cells: [String: String]) throws -> (RecordID, [String: JSONValue])
  {
    let schema = entry.schema
    var fields: [String: JSONValue] = [:]
    var idText: String?
    for column in schema.columns {
      let cell = cells[column] ?? ""
      if case .column(let idColumn) = schema.idRule, idColumn == column {
        idText = cell
        continue
      }
      guard let field = schema.field(column) else { continue }
      do { fields[column] = try field.parseCell(cell) } catch {
        throw BenchError("generated \(schema.name).\(column) = '\(cell)': \(error.message)")
      }
    }
    do throws(ModelError) {
      if let idText { return (try RecordID(idText), fields) }
      return (try schema.compositeID(fields), fields)
    } catch {
      throw BenchError("generated \(schema.name) id: \(error.message)")
    }
  }
}
