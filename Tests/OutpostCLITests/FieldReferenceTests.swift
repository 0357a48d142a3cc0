import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostModel
import OutpostTestSupport
import Testing

/// SPEC.md §3.7: `outpost collections` explains every column, and `outpost template` writes a
/// CSV to fill in whose example row imports as it is.
struct FieldReferenceTests {
  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory) -> String {
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors)")
    return result.output
  }

  /// A branch `north`, or head office `hq` with `north` enrolled.
  func repository(head: Bool, enroll: Bool = true) -> TemporaryDirectory {
    let temp = TemporaryDirectory()
    if head {
      run(["init", "--office", "hq", "--head", "--repo", "r"], temp)
      if enroll { run(["office", "add", "north", "--key-out", "north.key", "--repo", "r"], temp) }
    } else {
      run(["init", "--office", "north", "--repo", "r"], temp)
    }
    return temp
  }

  /// The examples a collection's example names, which must be imported before it.
  static let prerequisites: [String: [String]] = [
    "ad_accounts": ["staff"], "ad_daily": ["staff", "ad_accounts"], "tasks": ["staff"],
  ]

  /// The collections head office writes with their own commands, for which there is no
  /// template.
  static let writtenByCommands: Set<String> = ["resolutions", "kpi_definitions", "import_profiles"]

  static let officeOwned = StandardCollections.all.filter { $0.ownership == .office }.map(\.name)
  static let importableAtHead = StandardCollections.all.map(\.name).filter {
    !writtenByCommands.contains($0)
  }

  /// Writes `collection`'s template with an example, imports it and expects one record
  /// created, nothing on standard error; returns the template.
  @discardableResult
  func importExample(_ collection: String, _ temp: TemporaryDirectory) -> String {
    let template = outpost(["template", collection, "--example", "--repo", "r"], in: temp.path)
    #expect(template.status == 0, "\(collection): \(template.errors)")
    #expect(template.errors.isEmpty, "\(collection): \(template.errors)")
    temp.write("\(collection).csv", template.output)
    let imported = outpost(
      ["import", collection, "\(collection).csv", "--repo", "r"], in: temp.path)
    #expect(imported.status == 0, "\(collection): \(imported.errors)\n\(template.output)")
    #expect(
      imported.output.contains("imported 1 row(s)") && imported.output.contains("1 created"),
      "\(collection): \(imported.output)")
    return template.output
  }

  @Test("at a branch, every office-owned collection's example row imports in a new repository")
  func branchExamplesImport() throws {
    #expect(Self.officeOwned.count == 16)
    for collection in Self.officeOwned {
      let temp = repository(head: false)
      for prerequisite in Self.prerequisites[collection] ?? [] {
        importExample(prerequisite, temp)
      }
      let template = importExample(collection, temp)
      // A branch's file leaves office_id out: its import fills it in.
      let header = try CSVReader.readAll(Array(template.utf8)).header
      #expect(!header.contains("office_id"), "\(collection): \(header)")
      let schema = try #require(StandardCollections.named(collection))
      #expect(header == schema.columns.filter { $0 != "office_id" })
      let exported = run(["export", collection, "--format", "ndjson", "--repo", "r"], temp)
      #expect(exported.contains(#""office_id":"north""#), "\(collection): \(exported)")
    }
  }

  @Test("at head office, every collection's example row imports in a new repository")
  func headExamplesImport() throws {
    #expect(Self.importableAtHead.count == 25)
    for collection in Self.importableAtHead {
      let temp = repository(head: true)
      for prerequisite in Self.prerequisites[collection] ?? [] {
        importExample(prerequisite, temp)
      }
      let template = importExample(collection, temp)
      let header = try CSVReader.readAll(Array(template.utf8)).header
      #expect(header == StandardCollections.named(collection)?.columns, "\(collection)")
    }
  }

  @Test("head office with no office enrolled: the examples belong to head office itself")
  func headOfficeAlone() {
    for collection in ["targets", "qualitative_ratings", "orders"] {
      let temp = repository(head: true, enroll: false)
      let template = importExample(collection, temp)
      #expect(template.contains(",hq,"), "\(collection): \(template)")
    }
  }

  @Test("the examples fit together: all of them import into one repository, in list order")
  func examplesTogether() {
    let branch = repository(head: false)
    for collection in Self.officeOwned { importExample(collection, branch) }
    let head = repository(head: true)
    for collection in Self.importableAtHead { importExample(collection, head) }
  }

  @Test(
    "an example the repository's records would refuse, or that names a stored record, has a note")
  func notes() {
    let temp = repository(head: false)
    // No staff yet: the ad account's owner is nobody here.
    let account = outpost(["template", "ad_accounts", "--example", "--repo", "r"], in: temp.path)
    #expect(account.status == 0)
    #expect(
      account.errors.contains(
        "note: the example row would be refused here: owner 'north-01' is not a staff member of "
          + "office 'north'"), "\(account.errors)")
    temp.write("ad_accounts.csv", account.output)
    let refused = outpost(
      ["import", "ad_accounts", "ad_accounts.csv", "--repo", "r"], in: temp.path)
    #expect(refused.status == 65, "\(refused.errors)")
    #expect(refused.errors.contains("owner 'north-01' is not a staff member"), "\(refused.errors)")
    // Once imported, the example is a record: importing it again would change that record.
    importExample("orders", temp)
    let again = outpost(["template", "orders", "--example", "--repo", "r"], in: temp.path)
    #expect(again.status == 0)
    #expect(
      again.errors
        == "note: orders/north-o-0001 exists here: importing the example row unchanged would "
        + "change it\n")
  }

  @Test("--labels zh and en write headers that name the same columns as the names")
  func labelHeaders() throws {
    for (head, collections) in [(false, Self.officeOwned), (true, Self.importableAtHead)] {
      let temp = repository(head: head)
      for collection in collections {
        let schema = try #require(StandardCollections.named(collection))
        let names = try CSVReader.readAll(
          Array(run(["template", collection, "--repo", "r"], temp).utf8)
        ).header
        for labels in ["zh", "en"] {
          let text = run(["template", collection, "--labels", labels, "--repo", "r"], temp)
          let header = try CSVReader.readAll(Array(text.utf8)).header
          #expect(header.map { schema.column(forHeader: $0) } == names, "\(collection) \(labels)")
          #expect(header != names, "\(collection) \(labels)")
        }
      }
    }
    let temp = repository(head: false)
    #expect(
      run(["template", "orders", "--labels", "zh", "--repo", "r"], temp)
        == "订单号,客户编号,渠道,推广计划编号,下单日期,数量,订单金额,销售成本,状态,下单时间,处理完成时间,发货时间,"
        + "签收时间,销售员,源系统编号\n")
    #expect(
      run(["template", "channel_daily", "--labels", "en", "--example", "--repo", "r"], temp)
        == "Channel,Date,Impressions,Clicks,Visits,Page views,Engaged visits,Consultations,"
        + "Consultation calls,Registrations,Downloads,Subscriptions,Spend,Emails sent,"
        + "Emails delivered,Unique email opens,Unique email clicks\n"
        + "seo,2026-03-01,0,0,0,0,0,0,0,0,0,0,0.00,0,0,0,0\n")
  }

  @Test(
    "a template no import here would take is refused",
    arguments: [
      (false, ["template", "targets"], Int32(77), "'targets' is written by head office only"),
      (false, ["template", "policies", "--example"], 77, "'policies' is written by head office"),
      (true, ["template", "resolutions"], 64, "written by 'outpost resolve' and 'outpost review'"),
      (true, ["template", "kpi_definitions"], 64, "written by 'outpost kpi publish FILE'"),
      (true, ["template", "import_profiles"], 64, "written by 'outpost profile publish FILE'"),
      (false, ["template", "ordrs"], 64, "Did you mean 'orders'?"),
      (false, ["template", "orders", "--format", "json"], 64, "template writes CSV only"),
      (false, ["template", "orders", "--json"], 64, "template writes CSV only"),
      (false, ["template", "orders", "--labels", "fr"], 64, "fr"),
      (false, ["template"], 64, "usage"),
    ])
  func refused(_ head: Bool, _ arguments: [String], _ status: Int32, _ fragment: String) {
    let temp = repository(head: head)
    let result = outpost(arguments + ["--repo", "r"], in: temp.path)
    #expect(result.status == status, "\(result.errors)")
    #expect(result.errors.contains(fragment), "\(result.errors)")
    #expect(result.output.isEmpty)
  }

  static let customSchema = """
    {"format":"outpost-schema/1","collection":"visits_log","ownership":"office",
     "id":{"column":"visit_id"},
     "fields":[{"name":"office_id","type":"string"},{"name":"visited_on","type":"date"},
               {"name":"fee","type":"money","nullable":true},{"name":"code","type":"string",
               "max_length":4},{"name":"ratio","type":"decimal","scale":3,"negative":true},
               {"name":"level","type":"integer","minimum":2},
               {"name":"kind","type":"enum","values":["walk_in","call"]}]}
    """

  @Test("a schema file's collection: a template whose example imports; labels when it has them")
  func customCollection() throws {
    let temp = repository(head: false)
    temp.write("visits.schema.json", Self.customSchema)
    run(["schema", "add", "visits.schema.json", "--repo", "r"], temp)
    let template = importExample("visits_log", temp)
    #expect(
      template
        == "visit_id,visited_on,fee,code,ratio,level,kind\n"
        + "north-0001,2026-03-01,0.00,exam,0.000,2,walk_in\n")
    let labelled = outpost(
      ["template", "visits_log", "--labels", "zh", "--repo", "r"], in: temp.path)
    #expect(labelled.status == 64)
    #expect(
      labelled.errors.contains("'visits_log' has no zh labels: column 'visit_id' has none"),
      "\(labelled.errors)")
    // A schema file may label its columns; import then takes the labels as headers.
    temp.write(
      "desks.schema.json",
      #"{"format":"outpost-schema/1","collection":"desks","ownership":"office","#
        + #""id":{"column":"desk_id","label":{"zh":"工位号","en":"Desk"}},"#
        + #""fields":[{"name":"office_id","type":"string","label":{"zh":"分部","en":"Office"}},"#
        + #"{"name":"seats","type":"integer","label":{"zh":"座位数","en":"Seats"}}]}"#)
    run(["schema", "add", "desks.schema.json", "--repo", "r"], temp)
    #expect(run(["template", "desks", "--labels", "zh", "--repo", "r"], temp) == "工位号,座位数\n")
    temp.write("desks.csv", "工位号,座位数\nd-1,4\n")
    #expect(run(["import", "desks", "desks.csv", "--repo", "r"], temp).contains("1 created"))
    // collections shows the same columns, without labels.
    let document = try JSONParser.parse(
      run(["collections", "visits_log", "--json", "--repo", "r"], temp))
    let fields = try #require(document["collections"]?.arrayValue?.first?["fields"]?.arrayValue)
    #expect(
      fields.map { $0["name"]?.stringValue } == [
        "visit_id", "office_id", "visited_on",
        "fee", "code", "ratio", "level", "kind",
      ])
    #expect(fields.allSatisfy { $0["label"] == .null })
    #expect(fields[4]["max_length"] == .number(JSONNumber(integer: 4)))
    #expect(fields[5]["negative"] == .bool(true) && fields[5]["type"] == .string("decimal"))
    let text = run(["collections", "visits_log", "--repo", "r"], temp)
    #expect(text.contains("  ratio       decimal (scale 3, may be negative)  required"), "\(text)")
  }

  /// The terminal columns `text` takes: two for a CJK character, one for others.
  static func width(_ text: Substring) -> Int {
    text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 ? 2 : 1) }
  }

  @Test("collections: one aligned line per column with labels, type, presence, id or key, values")
  func collectionsText() throws {
    let temp = repository(head: false)
    let all = run(["collections", "--repo", "r"], temp)
    for schema in StandardCollections.all {
      let text = run(["collections", schema.name, "--repo", "r"], temp)
      #expect(all.contains(text), "\(schema.name)")
      let lines = text.split(separator: "\n")
      #expect(lines.first?.hasPrefix(schema.name + " ") == true)
      let fieldLines = lines.dropFirst(2)
      #expect(fieldLines.count == schema.columns.count, "\(schema.name)")
      for (line, column) in zip(fieldLines, schema.columns) {
        let label = try #require(schema.label(ofColumn: column))
        #expect(line.hasPrefix("  \(column) "), "\(line)")
        // Aligned: each label starts at the same terminal column on every line.
        let zh = try #require(line.range(of: " " + label.zh + " "), "\(line)")
        let en = try #require(line.range(of: "  " + label.en + " "), "\(line)")
        let first = fieldLines.first!
        let firstLabel = schema.label(ofColumn: schema.columns[0])!
        let firstZH = first.range(of: " " + firstLabel.zh + " ")!
        let firstEN = first.range(of: "  " + firstLabel.en + " ")!
        #expect(Self.width(line[..<zh.lowerBound]) == Self.width(first[..<firstZH.lowerBound]))
        #expect(Self.width(line[..<en.lowerBound]) == Self.width(first[..<firstEN.lowerBound]))
        let field = schema.field(column)
        #expect(
          line.contains((field?.nullable ?? false) ? "  may be empty" : "  required"), "\(line)")
      }
    }
    let orders = run(["collections", "orders", "--repo", "r"], temp)
    for fragment in [
      "orders            orders; confirmed orders are deals\n",
      "each office writes its own records (office_id); id: order_id\n",
      "  order_id        订单号        Order ID            string (max 128 bytes)   required      id",
      "  office_id       分部编号      Office ID           string (max 1000 bytes)  required",
      "a branch's import fills it in\n",
      "  amount          订单金额      Order amount        money (scale 2)          required\n",
      "  cogs            销售成本      Cost of goods sold  money (scale 2)          may be empty\n",
      "enum                     required          one of: confirmed, cancelled\n",
    ] {
      #expect(orders.contains(fragment), "\(fragment)\n\(orders)")
    }
    let ratings = run(["collections", "qualitative_ratings", "--repo", "r"], temp)
    #expect(ratings.contains("head office writes it; offices receive it read-only; id: rating_id"))
    #expect(
      ratings.contains("decimal (scale 2)        required          at most 100\n"), "\(ratings)")
    let targets = run(["collections", "targets", "--repo", "r"], temp)
    #expect(targets.contains("integer (min 1)"), "\(targets)")
    #expect(targets.contains("decimal (scale 4, may be negative)"), "\(targets)")
    let daily = run(["collections", "channel_daily", "--repo", "r"], temp)
    #expect(daily.contains("key  one of: seo, sem, social, email, direct, agent\n"), "\(daily)")
    #expect(daily.contains("id: office_id.channel_id.date\n"), "\(daily)")
    let unknown = outpost(["collections", "ordrs", "--repo", "r"], in: temp.path)
    #expect(unknown.status == 64)
    #expect(unknown.errors.contains("unknown collection 'ordrs'"))
    #expect(unknown.errors.contains("Did you mean 'orders'?"))
  }

  @Test("collections --json: outpost-collections/1, each column with labels, type and limits")
  func collectionsJSON() throws {
    let temp = repository(head: true)
    let output = run(["collections", "--json", "--repo", "r"], temp)
    let document = try JSONParser.parse(output)
    #expect(document["format"] == .string("outpost-collections/1"))
    let list = try #require(document["collections"]?.arrayValue)
    #expect(list.map { $0["name"]?.stringValue } == StandardCollections.all.map(\.name))
    for (entry, schema) in zip(list, StandardCollections.all) {
      let fields = try #require(entry["fields"]?.arrayValue)
      #expect(fields.map { $0["name"]?.stringValue } == schema.columns)
      #expect(entry["columns"]?.arrayValue?.map { $0.stringValue } == schema.columns)
      for (field, column) in zip(fields, schema.columns) {
        let label = schema.label(ofColumn: column)
        #expect(field["label"]?["zh"]?.stringValue == label?.zh)
        #expect(field["label"]?["en"]?.stringValue == label?.en)
        #expect(field["nullable"] == .bool(schema.field(column)?.nullable ?? false))
        #expect(field["key"] == .bool(schema.keyFields.contains(column)))
        #expect(field["id"] == .bool(schema.field(column) == nil))
      }
    }
    func field(_ collection: String, _ name: String) -> JSONValue? {
      list.first { $0["name"] == .string(collection) }?["fields"]?.arrayValue?.first {
        $0["name"] == .string(name)
      }
    }
    func canonical(_ value: JSONValue?) -> String {
      value.map { String(decoding: JSONWriter.canonicalBytes($0), as: UTF8.self) } ?? "absent"
    }
    #expect(
      canonical(field("orders", "amount"))
        == #"{"id":false,"integer_digits":13,"key":false,"label":{"en":"Order amount","zh":"订单金额"},"#
        + #""name":"amount","negative":false,"nullable":false,"scale":2,"type":"money"}"#)
    #expect(
      canonical(field("orders", "order_id"))
        == #"{"id":true,"key":false,"label":{"en":"Order ID","zh":"订单号"},"max_length":128,"#
        + #""name":"order_id","nullable":false,"type":"string"}"#)
    #expect(
      canonical(field("orders", "status"))
        == #"{"id":false,"key":false,"label":{"en":"Status","zh":"状态"},"name":"status","#
        + #""nullable":false,"type":"enum","values":["confirmed","cancelled"]}"#)
    #expect(
      canonical(field("qualitative_ratings", "score"))
        == #"{"id":false,"integer_digits":3,"key":false,"label":{"en":"Score","zh":"评分"},"#
        + #""maximum":"100","name":"score","negative":false,"nullable":false,"scale":2,"#
        + #""type":"decimal"}"#)
    #expect(
      canonical(field("channel_daily", "date"))
        == #"{"id":false,"key":true,"label":{"en":"Date","zh":"日期"},"name":"date","#
        + #""nullable":false,"type":"date"}"#)
    #expect(canonical(field("targets", "version")).contains(#""minimum":1"#))
    #expect(canonical(field("resolutions", "fields")).contains(#""max_count":1000"#))
    #expect(canonical(field("kpi_definitions", "document")).contains(#""max_bytes":1000000"#))
    let one = try JSONParser.parse(run(["collections", "orders", "--json", "--repo", "r"], temp))
    #expect(one["collections"]?.arrayValue?.map { $0["name"] } == [.string("orders")])
  }

  @Test("help lists template and explains it with examples")
  func help() {
    let temp = TemporaryDirectory()
    #expect(run(["help"], temp).contains("template"))
    let text = run(["help", "template"], temp)
    #expect(text.contains("USAGE: outpost template <collection>"), "\(text)")
    #expect(text.contains("--labels"), "\(text)")
    #expect(text.contains("outpost template orders > orders.csv"), "\(text)")
  }
}
