import OutpostCodec
import OutpostModel
import Testing

/// SPEC.md §3.7: every standard column has a Chinese and an English label, and a CSV header
/// names a column by its name or either label; no header can name two columns.
struct FieldLabelTests {
  /// Whether `text` holds a CJK ideograph (a Chinese label does).
  static func hasIdeograph(_ text: String) -> Bool {
    text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }
  }

  static func asciiUppercased(_ text: String) -> String {
    String(
      decoding: text.utf8.map { (97...122).contains($0) ? $0 - 32 : $0 }, as: UTF8.self)
  }

  @Test("every column of every standard collection, id columns included, has zh and en labels")
  func everyColumnLabelled() throws {
    var count = 0
    for schema in StandardCollections.all {
      for column in schema.columns {
        let label = try #require(schema.label(ofColumn: column), "\(schema.name).\(column)")
        #expect(Self.hasIdeograph(label.zh), "\(schema.name).\(column): \(label.zh)")
        #expect(
          !label.en.isEmpty && label.en.utf8.allSatisfy { (32...126).contains($0) },
          "\(schema.name).\(column): \(label.en)")
        count += 1
      }
      if case .column(let id) = schema.idRule {
        #expect(schema.idLabel != nil && schema.label(ofColumn: id) == schema.idLabel)
      }
      for field in schema.fields {
        #expect(schema.label(ofColumn: field.name) == field.label)
      }
    }
    // 28 collections; the count moves only when a column is added or removed.
    #expect(StandardCollections.all.count == 28)
    #expect(count == 217)
    #expect(StandardCollections.orders.label(ofColumn: "no_such_column") == nil)
  }

  @Test("within a collection labels are unique, and no label is another column's name")
  func unique() {
    for schema in StandardCollections.all {
      let columns = schema.columns
      for a in columns {
        for b in columns where a != b {
          guard let la = schema.label(ofColumn: a), let lb = schema.label(ofColumn: b) else {
            Issue.record("\(schema.name): unlabelled column")
            continue
          }
          let pair = "\(schema.name): \(a) and \(b)"
          #expect(la.zh != lb.zh, "\(pair)")
          #expect(la.en.lowercased() != lb.en.lowercased(), "\(pair)")
          #expect(la.zh != b && la.en.lowercased() != b, "\(pair)")
          #expect(la.zh.lowercased() != lb.en.lowercased(), "\(pair)")
        }
      }
    }
  }

  @Test("a header is a column's name, its zh label, or its en label ignoring ASCII case")
  func everyHeaderResolves() {
    for schema in StandardCollections.all {
      for column in schema.columns {
        let label = schema.label(ofColumn: column)!
        for header in [
          column, label.zh, label.en, label.en.lowercased(), Self.asciiUppercased(label.en),
        ] {
          #expect(schema.column(forHeader: header) == column, "\(schema.name): \(header)")
        }
        // Nothing is trimmed, and names are compared exactly.
        for header in [" " + label.zh, label.zh + " ", label.en + " ", "\t" + column] {
          #expect(schema.column(forHeader: header) == nil, "\(schema.name): '\(header)'")
        }
        // A name in capitals is no name; it names the column only as its en label would.
        let capitals = Self.asciiUppercased(column)
        let asLabel = capitals == Self.asciiUppercased(label.en)
        #expect(schema.column(forHeader: capitals) == (asLabel ? column : nil), "\(capitals)")
      }
      #expect(schema.column(forHeader: "") == nil)
    }
  }

  @Test(
    "the terms of the platforms and of business users name their columns",
    arguments: [
      ("channel_daily", "日期", "date"), ("channel_daily", "展现量", "impressions"),
      ("channel_daily", "点击量", "clicks"), ("channel_daily", "访问量", "visits"),
      ("channel_daily", "浏览量", "page_views"), ("channel_daily", "咨询量", "consultations"),
      ("channel_daily", "花费", "spend"), ("channel_daily", "分部编号", "office_id"),
      ("channel_daily", "渠道", "channel_id"), ("channel_daily", "IMPRESSIONS", "impressions"),
      ("ad_daily", "消费", "cost"), ("ad_daily", "展现量", "impressions"),
      ("ad_daily", "Campaign ID", "campaign_id"), ("orders", "订单号", "order_id"),
      ("orders", "客户编号", "customer_id"), ("orders", "订单金额", "amount"),
      ("orders", "order id", "order_id"), ("returns", "退款金额", "refund_amount"),
      ("returns", "订单号", "order_id"), ("leads", "线索编号", "lead_id"),
      ("staff", "员工编号", "staff_id"), ("staff", "Name", "name"),
      ("targets", "指标", "kpi_id"), ("tasks", "月份", "period"), ("tasks", "Month", "period"),
      ("costs", "月份", "month"),
    ])
  func terms(_ collection: String, _ header: String, _ column: String) throws {
    let schema = try #require(StandardCollections.named(collection))
    #expect(schema.column(forHeader: header) == column)
  }

  @Test(
    "a header naming no column of the collection is nil",
    arguments: [
      ("channel_daily", "订单号"), ("orders", "展现量"), ("orders", "Order_ID"),
      ("orders", "ORDER_ID"), ("orders", "订单"), ("orders", "订单号码"), ("ad_daily", "花费"),
    ])
  func unknown(_ collection: String, _ header: String) throws {
    let schema = try #require(StandardCollections.named(collection))
    #expect(schema.column(forHeader: header) == nil)
  }

  /// A custom schema with the given labels on `amount` and `total` (and the id column).
  func schema(
    amount: FieldLabel?, total: FieldLabel? = nil, id: FieldLabel? = nil
  ) throws(ModelError) -> CollectionSchema {
    try CollectionSchema(
      name: "visits_log", idRule: .column("visit_id"), ownership: .head,
      fields: [
        FieldSpec("amount", .money, label: amount), FieldSpec("total", .money, label: total),
      ], idLabel: id)
  }

  @Test("English labels are compared ignoring ASCII case only; the id column has its label")
  func asciiCaseOnly() throws {
    let schema = try schema(
      amount: FieldLabel(zh: "金额", en: "Amount É"), id: FieldLabel(zh: "访问编号", en: "Visit"))
    #expect(schema.column(forHeader: "AMOUNT É") == "amount")
    #expect(schema.column(forHeader: "amount É") == "amount")
    #expect(schema.column(forHeader: "amount é") == nil)
    #expect(schema.column(forHeader: "访问编号") == "visit_id")
    #expect(schema.column(forHeader: "visit") == "visit_id")
    #expect(schema.column(forHeader: "total") == "total")
    #expect(schema.label(ofColumn: "total") == nil)
  }

  @Test("a collection without labels (a schema file without them) resolves names only")
  func schemaFileHasNoLabels() throws {
    let schema = try SchemaFile.decode(
      Array(
        (#"{"format":"outpost-schema/1","collection":"visits_log","ownership":"office","#
          + #""id":{"column":"visit_id"},"fields":[{"name":"office_id","type":"string"},"#
          + #"{"name":"amount","type":"money"}]}"#).utf8))
    #expect(schema.idLabel == nil)
    #expect(schema.fields.allSatisfy { $0.label == nil })
    #expect(schema.column(forHeader: "visit_id") == "visit_id")
    #expect(schema.column(forHeader: "amount") == "amount")
    #expect(schema.column(forHeader: "Amount") == nil)
  }

  @Test("a schema file labels its columns and id column; a malformed label is refused")
  func schemaFileLabels() throws {
    let schema = try SchemaFile.decode(
      Array(
        (#"{"format":"outpost-schema/1","collection":"visits_log","ownership":"office","#
          + #""id":{"column":"visit_id","label":{"zh":"来访编号","en":"Visit ID"}},"#
          + #""fields":[{"name":"office_id","type":"string"},"#
          + #"{"name":"amount","type":"money","label":{"zh":"金额","en":"Amount"}}]}"#).utf8))
    #expect(schema.idLabel == FieldLabel(zh: "来访编号", en: "Visit ID"))
    #expect(schema.column(forHeader: "金额") == "amount")
    #expect(schema.column(forHeader: "visit id") == "visit_id")
    for bad in [#"{"zh":"金额"}"#, #""金额""#, #"{"zh":"金额","en":"Amount","x":"y"}"#] {
      #expect(throws: ModelError.self, "\(bad)") {
        try SchemaFile.decode(
          Array(
            (#"{"format":"outpost-schema/1","collection":"v","ownership":"head","#
              + #""id":{"column":"v_id"},"fields":[{"name":"amount","type":"money","label":"#
              + bad + "}]}").utf8))
      }
    }
  }

  @Test(
    "labels one header could match in two columns are refused, naming both columns",
    arguments: [
      // The same zh label, the same en label ignoring case, a label equal to the other
      // field's name, a zh label equal to the other's en label.
      (FieldLabel(zh: "金额", en: "Amount"), FieldLabel(zh: "金额", en: "Total"), "\"金额\""),
      (FieldLabel(zh: "金额", en: "Amount"), FieldLabel(zh: "合计", en: "AMOUNT"), "\"amount\""),
      (FieldLabel(zh: "金额", en: "Total"), FieldLabel(zh: "合计", en: "Sum"), "\"total\""),
      (FieldLabel(zh: "total", en: "Amount"), FieldLabel(zh: "合计", en: "Sum"), "\"total\""),
      (FieldLabel(zh: "金额", en: "Amount"), FieldLabel(zh: "合计", en: "金额"), "\"金额\""),
    ])
  func clashes(_ amount: FieldLabel, _ total: FieldLabel, _ header: String) {
    #expect {
      _ = try schema(amount: amount, total: total)
    } throws: { error in
      let message = (error as? ModelError)?.message ?? ""
      return message.contains(header) && message.contains("'amount'")
        && message.contains("'total'")
    }
  }

  @Test("an id label clashing with a field, or on a composite key, is refused")
  func idLabelRefused() {
    #expect(throws: ModelError.self) {
      _ = try schema(
        amount: FieldLabel(zh: "金额", en: "Amount"), id: FieldLabel(zh: "编号", en: "amount"))
    }
    #expect(throws: ModelError.self) {
      _ = try CollectionSchema(
        name: "daily", idRule: .composite(["day"]), ownership: .head,
        fields: [FieldSpec("day", .date)], idLabel: FieldLabel(zh: "日", en: "Day"))
    }
  }

  @Test(
    "a label that is empty, space-padded or holds a control character is refused",
    arguments: ["", " 金额", "金额 ", "金\n额", "\u{7F}"])
  func badLabelText(_ text: String) {
    #expect(throws: ModelError.self) {
      _ = try schema(amount: FieldLabel(zh: text, en: "Amount"))
    }
    #expect(throws: ModelError.self) {
      _ = try schema(amount: FieldLabel(zh: "金额", en: text))
    }
  }
}
