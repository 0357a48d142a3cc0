/// The collections every repository has (SPEC.md §2.1; the KPI catalog of §9.4 reads them).
public enum StandardCollections {
  /// The six standard channels.
  public static let channels = ["seo", "sem", "social", "email", "direct", "agent"]

  /// Every standard collection, in documentation order.
  public static let all: [CollectionSchema] = [
    channelDaily, indexSnapshots, socialDaily, leads, customers, orders, returns, invoices,
    payments, complaints, surveyResponses, costs, staff, adAccounts, adDaily, tasks, targets,
    offices, channelsCollection, positions, departments, resolutions, resolutionRules,
    kpiDefinitions, ratingCriteria, qualitativeRatings, policies, importProfiles,
  ]

  /// A standard collection by name.
  public static func named(_ name: String) -> CollectionSchema? {
    all.first { $0.name == name }
  }

  private static let channel = FieldType.enumeration(channels)
  private static let office = FieldSpec("office_id", .text)
  /// The id a source system gave the record, when an import profile derived the record's id
  /// from it (SPEC.md §3.6 `derive_ids`).
  private static let sourceID = FieldSpec("source_id", .text, nullable: true)

  /// A standard collection, its columns labelled from ``StandardLabels`` (every column has
  /// labels there, and the table names no other column).
  private static func make(
    _ name: String, _ idRule: IDRule, owner ownership: Ownership = .office, _ summary: String,
    _ fields: [FieldSpec]
  ) -> CollectionSchema {
    var columns = fields.map(\.name)
    if case .column(let column) = idRule { columns.append(column) }
    let labels = StandardLabels.labels(of: name, columns: columns)
    var idLabel: FieldLabel?
    if case .column(let column) = idRule { idLabel = labels[column] }
    guard Set(labels.keys) == Set(columns) else {
      let missing = columns.filter { labels[$0] == nil }
      let extra = labels.keys.filter { !columns.contains($0) }.sorted()
      preconditionFailure(
        "standard collection \(name): StandardLabels lacks \(missing), has no such \(extra)")
    }
    var labelled = fields
    for index in labelled.indices {
      labelled[index].label = labels[labelled[index].name]
    }
    do {
      return try CollectionSchema(
        name: name, idRule: idRule, ownership: ownership, fields: labelled, summary: summary,
        idLabel: idLabel)
    } catch {
      preconditionFailure("standard collection \(name) is malformed: \(error)")
    }
  }

  /// Daily traffic, spend and consultations per office and channel.
  public static let channelDaily = make(
    "channel_daily", .composite(["office_id", "channel_id", "date"]),
    "daily traffic, spend and consultations per channel",
    [
      office, FieldSpec("channel_id", channel), FieldSpec("date", .date),
      FieldSpec("impressions", .count, nullable: true), FieldSpec("clicks", .count, nullable: true),
      FieldSpec("visits", .count, nullable: true), FieldSpec("page_views", .count, nullable: true),
      FieldSpec("engaged_visits", .count, nullable: true), FieldSpec("consultations", .count),
      FieldSpec("consult_calls", .count), FieldSpec("registrations", .count, nullable: true),
      FieldSpec("downloads", .count, nullable: true),
      FieldSpec("subscriptions", .count, nullable: true), FieldSpec("spend", .money),
      FieldSpec("emails_sent", .count, nullable: true),
      FieldSpec("emails_delivered", .count, nullable: true),
      FieldSpec("email_unique_opens", .count, nullable: true),
      FieldSpec("email_unique_clicks", .count, nullable: true),
    ])

  /// Search-engine indexed-page snapshots.
  public static let indexSnapshots = make(
    "index_snapshots", .composite(["office_id", "search_engine", "snapshot_date"]),
    "indexed pages per search engine (snapshots)",
    [
      office, FieldSpec("search_engine", .text), FieldSpec("snapshot_date", .date),
      FieldSpec("indexed_pages", .count),
    ])

  /// Daily social-media metrics per platform.
  public static let socialDaily = make(
    "social_daily", .composite(["office_id", "platform", "date"]),
    "daily social-media followers and interactions",
    [
      office, FieldSpec("platform", .text), FieldSpec("date", .date),
      FieldSpec("followers_total", .count), FieldSpec("likes", .count, nullable: true),
      FieldSpec("comments", .count, nullable: true), FieldSpec("shares", .count, nullable: true),
      FieldSpec("mentions", .count, nullable: true),
      FieldSpec("positive_mentions", .count, nullable: true),
      FieldSpec("negative_mentions", .count, nullable: true),
    ])

  /// Sales leads.
  public static let leads = make(
    "leads", .column("lead_id"), "sales leads (潜在客户)",
    [
      office, FieldSpec("channel_id", channel), FieldSpec("campaign_id", .text, nullable: true),
      FieldSpec("created_date", .date),
      FieldSpec("source_type", .enumeration(["chat", "call", "form", "agent", "walk_in"])),
      FieldSpec("has_need", .boolean), FieldSpec("has_contact", .boolean),
      FieldSpec("assigned_to", .text, nullable: true),
      FieldSpec("first_followup_date", .date, nullable: true),
      FieldSpec("status", .enumeration(["new", "following", "won", "lost", "invalid"])),
      FieldSpec("customer_id", .text, nullable: true), sourceID,
    ])

  /// Customers, acquired on their first confirmed order.
  public static let customers = make(
    "customers", .column("customer_id"), "customers and how they were acquired",
    [
      office, FieldSpec("acquired_date", .date), FieldSpec("acquisition_channel_id", channel),
      FieldSpec("acquisition_campaign_id", .text, nullable: true),
      FieldSpec("lead_id", .text, nullable: true),
      FieldSpec("kind", .enumeration(["individual", "business", "dealer"])),
      FieldSpec("district", .text, nullable: true), sourceID,
    ])

  /// Orders (a confirmed order is a deal, 成交).
  public static let orders = make(
    "orders", .column("order_id"), "orders; confirmed orders are deals",
    [
      office, FieldSpec("customer_id", .text), FieldSpec("channel_id", channel),
      FieldSpec("campaign_id", .text, nullable: true), FieldSpec("order_date", .date),
      FieldSpec("quantity", .count), FieldSpec("amount", .money),
      FieldSpec("cogs", .money, nullable: true),
      FieldSpec("status", .enumeration(["confirmed", "cancelled"])),
      FieldSpec("placed_at", .timestamp, nullable: true),
      FieldSpec("fulfilled_at", .timestamp, nullable: true),
      FieldSpec("shipped_at", .timestamp, nullable: true),
      FieldSpec("delivered_at", .timestamp, nullable: true),
      FieldSpec("salesperson_id", .text, nullable: true), sourceID,
    ])

  /// Returns and refunds, counted on the date they happen.
  public static let returns = make(
    "returns", .column("return_id"), "returns and refunds",
    [
      office, FieldSpec("order_id", .text), FieldSpec("return_date", .date),
      FieldSpec("quantity", .count), FieldSpec("refund_amount", .money),
      FieldSpec("cogs_reversed", .money), FieldSpec("reason_code", .text, nullable: true),
      sourceID,
    ])

  /// Invoices (receivables).
  public static let invoices = make(
    "invoices", .column("invoice_id"), "invoices issued to customers",
    [
      office, FieldSpec("order_id", .text, nullable: true), FieldSpec("customer_id", .text),
      FieldSpec("issue_date", .date), FieldSpec("due_date", .date), FieldSpec("amount", .money),
      sourceID,
    ])

  /// Payments against invoices.
  public static let payments = make(
    "payments", .column("payment_id"), "payments received against invoices",
    [
      office, FieldSpec("invoice_id", .text), FieldSpec("payment_date", .date),
      FieldSpec("amount", .money), sourceID,
    ])

  /// Customer complaints.
  public static let complaints = make(
    "complaints", .column("complaint_id"), "customer complaints",
    [
      office, FieldSpec("customer_id", .text, nullable: true),
      FieldSpec("order_id", .text, nullable: true), FieldSpec("received_date", .date),
      FieldSpec("channel", .text), FieldSpec("category", .text),
      FieldSpec("resolved_date", .date, nullable: true),
      FieldSpec("status", .enumeration(["open", "resolved"])),
      FieldSpec("handled_by", .text, nullable: true), sourceID,
    ])

  /// Survey answers (CSAT, brand awareness, brand image).
  public static let surveyResponses = make(
    "survey_responses", .column("response_id"), "survey responses",
    [
      office, FieldSpec("customer_id", .text, nullable: true), FieldSpec("response_date", .date),
      FieldSpec("survey_type", .enumeration(["csat", "brand_awareness", "brand_image"])),
      FieldSpec("score", .count, nullable: true), FieldSpec("max_score", .count, nullable: true),
      FieldSpec("aware", .boolean, nullable: true), sourceID,
    ])

  /// Monthly non-media costs per channel and cost type.
  public static let costs = make(
    "costs", .composite(["office_id", "channel_id", "month", "cost_type"]),
    "monthly non-media costs (content, tools, commissions)",
    [
      office, FieldSpec("channel_id", channel), FieldSpec("month", .month),
      FieldSpec("cost_type", .text), FieldSpec("amount", .money),
    ])

  /// Who works where, in which position: one record per assignment (SPEC.md §2.8).
  ///
  /// A change of position or office is a new assignment that starts the day after the old one
  /// ends, so the history is data: a row counts for the assignment active on its date.
  public static let staff = make(
    "staff", .composite(["office_id", "staff_id", "active_from"]),
    "staff assignments: who works in which office and position, from when to when",
    [
      FieldSpec("staff_id", .text), office, FieldSpec("name", .text),
      FieldSpec("position", .text), FieldSpec("department", .text),
      FieldSpec("active_from", .date), FieldSpec("active_to", .date, nullable: true),
    ])

  /// The paid channels an ad account belongs to (the catalog's paid channels, SPEC.md §9.4).
  public static let paidChannels = ["sem", "social"]

  /// An office's accounts on ad platforms and who runs each (SPEC.md §2.8): one record per span
  /// of one owner, so a change of owner is a new record starting the day after the old one ends.
  public static let adAccounts = make(
    "ad_accounts", .composite(["office_id", "account_id", "active_from"]),
    "ad-platform accounts: paid channel and owner (a staff member), from when to when",
    [
      FieldSpec("account_id", .text), office,
      FieldSpec("channel_id", .enumeration(paidChannels)), FieldSpec("platform", .text),
      FieldSpec("owner", .text), FieldSpec("active_from", .date),
      FieldSpec("active_to", .date, nullable: true),
    ])

  /// Ad platforms' daily export: one row per account, campaign and day (SPEC.md §2.8).
  ///
  /// Read only per person (through the account's owner); office totals come from
  /// `channel_daily`.
  public static let adDaily = make(
    "ad_daily", .composite(["office_id", "account_id", "campaign_id", "date"]),
    "ad platforms' daily figures per account and campaign (per-person SEM values)",
    [
      office, FieldSpec("account_id", .text), FieldSpec("campaign_id", .text),
      FieldSpec("campaign_name", .text, nullable: true), FieldSpec("date", .date),
      FieldSpec("impressions", .count, nullable: true), FieldSpec("clicks", .count),
      FieldSpec("cost", .money), FieldSpec("consultations", .count),
    ])

  /// Monthly content plans per person and what was done (SPEC.md §2.8, `plan_execution`).
  public static let tasks = make(
    "tasks", .column("task_id"), "monthly content plans per person: planned and done",
    [
      office, FieldSpec("staff_id", .text), FieldSpec("period", .month),
      FieldSpec("kind", .text), FieldSpec("planned", .count), FieldSpec("done", .count),
    ])

  /// Targets published by head office, as absolute values in the KPI's unit.
  public static let targets = make(
    "targets", .column("target_id"), owner: .head, "KPI targets published by head office",
    [
      FieldSpec("kpi_id", .text), FieldSpec("office_id", .text),
      FieldSpec("scope", .enumeration(["office", "channel", "staff", "position", "department"])),
      FieldSpec("scope_key", .text, nullable: true),
      FieldSpec("period_grain", .enumeration(["day", "week", "month", "quarter", "year"])),
      FieldSpec("period", .period),
      FieldSpec("target_value", .decimal(scale: 4, integerDigits: 15, allowsNegative: true)),
      FieldSpec(
        "direction",
        .enumeration([
          "higher_better", "lower_better", "upper_bound", "lower_bound", "closer_better",
        ])
      ),
      FieldSpec(
        "worst", .decimal(scale: 4, integerDigits: 15, allowsNegative: true), nullable: true),
      FieldSpec(
        "best", .decimal(scale: 4, integerDigits: 15, allowsNegative: true), nullable: true),
      FieldSpec("version", .integer(minimum: 1)),
      FieldSpec("published_at", .timestamp, nullable: true),
    ])

  /// The offices head office has on its roster.
  public static let offices = make(
    "offices", .column("office_id"), owner: .head, "offices (reference data)",
    [
      FieldSpec("name_zh", .text), FieldSpec("name_en", .text),
      FieldSpec("region", .text, nullable: true), FieldSpec("currency", .text),
      FieldSpec("timezone", .text), FieldSpec("active_from", .date, nullable: true),
      FieldSpec("active_to", .date, nullable: true),
    ])

  /// The channels and whether they are web and paid channels.
  public static let channelsCollection = make(
    "channels", .column("channel_id"), owner: .head, "channels (reference data)",
    [
      FieldSpec("name_zh", .text), FieldSpec("name_en", .text, nullable: true),
      FieldSpec("is_web", .boolean), FieldSpec("is_paid", .boolean),
    ])

  /// The positions staff hold, beyond and relabelling the built-in ones (SPEC.md §2.8).
  public static let positions = make(
    "positions", .column("position_id"), owner: .head, "positions (reference data)",
    [
      FieldSpec("name_zh", .text), FieldSpec("name_en", .text),
      FieldSpec("department_id", .text),
    ])

  /// The departments positions belong to, beyond and relabelling the built-in ones (SPEC.md
  /// §2.8).
  public static let departments = make(
    "departments", .column("department_id"), owner: .head, "departments (reference data)",
    [FieldSpec("name_zh", .text), FieldSpec("name_en", .text)])

  /// Conflict resolutions decided at head office (SPEC.md §8.6).
  ///
  /// Who chose what, when and why; carried to every office in return bundles.
  public static let resolutions = make(
    "resolutions", .column("resolution_id"), owner: .head,
    "conflict resolutions decided at head office (audit trail)",
    [
      FieldSpec("collection", .text), FieldSpec("record_id", .text),
      FieldSpec("fields", .list(maxCount: 1000)), FieldSpec("choice", .text),
      FieldSpec("note", .text, nullable: true), FieldSpec("decided_by", .text),
      FieldSpec("decided_at", .timestamp), FieldSpec("rule", .text, nullable: true),
      FieldSpec("candidates", .document(maxBytes: 100_000)),
    ])

  /// Remembered conflict rules, applied automatically at merge (SPEC.md §8.7).
  public static let resolutionRules = make(
    "resolution_rules", .composite(["collection", "field"]), owner: .head,
    "conflict rules head office applies automatically at merge",
    [
      FieldSpec("collection", .text), FieldSpec("field", .text),
      FieldSpec("prefer", .enumeration(["head", "owner", "max", "min"])),
      FieldSpec("note", .text, nullable: true),
    ])

  /// KPI definition documents published by head office (SPEC.md §9.3); the highest version is
  /// the one every office computes with.
  public static let kpiDefinitions = make(
    "kpi_definitions", .column("definition_id"), owner: .head,
    "KPI definitions published by head office (outpost-kpi-def/1 documents)",
    [
      FieldSpec("version", .integer(minimum: 1)), FieldSpec("hash", .text),
      FieldSpec("document", .document(maxBytes: 1_000_000)),
      FieldSpec("published_at", .timestamp), FieldSpec("note", .text, nullable: true),
    ])

  /// The criteria head office rates on, beyond and relabelling the built-in ones (SPEC.md
  /// §9.4): which positions' people may be rated on each (null: any position).
  public static let ratingCriteria = make(
    "rating_criteria", .column("criterion_id"), owner: .head,
    "rating criteria (reference data): labels and the positions they apply to",
    [
      FieldSpec("name_zh", .text), FieldSpec("name_en", .text),
      FieldSpec("positions", .list(maxCount: 100), nullable: true),
    ])

  /// Ratings head office gives offices and people on the qualitative items (SPEC.md §9.4,
  /// `rating_*`, `staff_*`).
  public static let qualitativeRatings = make(
    "qualitative_ratings", .column("rating_id"), owner: .head,
    "head office's 0–100 ratings of offices and people on qualitative criteria",
    [
      office, FieldSpec("subject", .text, nullable: true), FieldSpec("criterion_id", .text),
      FieldSpec("period", .period),
      FieldSpec(
        "score", .decimal(scale: 2, integerDigits: 3, allowsNegative: false),
        maximum: ExactDecimal(100)),
      FieldSpec("rater", .text),
    ])

  /// Head office's published policies (SPEC.md §2.8), each `own_office` | `all_offices`:
  /// `staff_visibility`, which people's records replies carry to each office, and
  /// `record_visibility`, which offices' rows.
  public static let policies = make(
    "policies", .composite(["policy"]), owner: .head,
    "head office's policies: which people's records (staff_visibility) and which offices' "
      + "rows (record_visibility) replies carry",
    [
      FieldSpec("policy", .enumeration(["record_visibility", "staff_visibility"])),
      FieldSpec("value", .text),
    ])

  /// Import profiles head office publishes (SPEC.md §3.6), so that every office imports one
  /// kind of export the same way; the id is the profile's `name`.
  public static let importProfiles = make(
    "import_profiles", .column("profile_id"), owner: .head,
    "import profiles head office publishes (outpost-import-profile/1 documents)",
    [
      FieldSpec("profile", .document(maxBytes: 65_536)),
      FieldSpec("description", .text, nullable: true),
    ])
}
