import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostTestSupport
import Testing

/// Held-out import profiles (SPEC.md §3.6), checked against an independent conversion.
///
/// Realistic exports of Chinese branch offices in fixtures/import/held-out/, their profiles
/// written from SPEC.md alone, and the records each should give, converted by a Python script
/// (convert.py there) that never read Outpost's sources. Each export is imported into a fresh branch repository and `outpost export
/// COLLECTION --format ndjson` must equal the conversion value for value; each negative export
/// must be refused (65) with its file, line and column, the repository byte-identical.
///
/// Cases needing later features: the GB18030/GBK/UTF-16 exports need §3.4 (text encodings), the
/// `.xlsx` workbooks need §3.5 (the workbook reader); until those land their tests fail.
struct HeldOutImportTests {
  /// fixtures/import/held-out/, found from this source file.
  static let folder: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/import/held-out").path

  /// One import through a profile.
  struct Step: Sendable {
    var collection: String
    var export: String
    var profile: String
  }

  /// A positive case: the import must store exactly the records of `expected`.
  struct Positive: CustomTestStringConvertible, Sendable {
    var step: Step
    /// The fields whose values, joined with `.`, are the record id (§2.2).
    var key: [String]
    /// Imports made before, in order (customers before orders).
    var before: [Step] = []
    /// The SPEC sections the case leans on beyond §3.6.
    var sections: String

    var expected: String { Self.stem(step.export) + ".expected.ndjson" }
    var testDescription: String { "\(step.export) → \(step.collection) (\(sections))" }

    /// The file name without its extension.
    static func stem(_ name: String) -> String {
      String(name[..<(name.lastIndex(of: ".") ?? name.endIndex)])
    }
  }

  /// A negative case: the import must be refused at the line and column of `expected`.
  struct Negative: CustomTestStringConvertible, Sendable {
    var step: Step
    var before: [Step]
    var sections: String

    var expected: String { Positive.stem(step.export) + ".expected-refusal.json" }
    var testDescription: String { "\(step.export) is refused (\(sections))" }
  }

  static let customers = Step(
    collection: "customers", export: "crm-customers-2026-03.csv",
    profile: "crm-customers.profile.json")
  static let orders = Step(
    collection: "orders", export: "crm-orders-2026-03.csv", profile: "crm-orders.profile.json")
  static let costs = Step(
    collection: "costs", export: "finance-costs-2026q1.csv", profile: "finance-costs.profile.json")
  static let channelKey = ["office_id", "channel_id", "date"]

  static let positives: [Positive] = [
    Positive(
      step: Step(
        collection: "channel_daily", export: "baidu-sem-2026-03.csv",
        profile: "baidu-sem-daily.profile.json"),
      key: channelKey, sections: "§3.4 GB18030, CRLF, title lines, 合计, blank rows, aggregate"),
    Positive(
      step: Step(
        collection: "channel_daily", export: "360-sem-2026-02.csv",
        profile: "360-sem-daily.profile.json"),
      key: channelKey, sections: "§3.4 GBK, 合计 first, '--' not measured, yyyy年M月d日"),
    Positive(
      step: customers, key: ["customer_id"],
      sections: "§3.2 UTF-8 BOM, trailing empty column, derive_ids, values"),
    Positive(
      step: orders, key: ["order_id"], before: [customers],
      sections: "§3.2 UTF-8 BOM, derive_ids, fullwidth, currency, stop_at, duplicate ignored"),
    Positive(
      step: Step(
        collection: "channel_daily", export: "ocean-engine-2026-03.xlsx",
        profile: "ocean-engine-daily.profile.json"),
      key: channelKey, sections: "§3.5 sheet, header row 3, date and number cells, aggregate"),
    Positive(
      step: Step(
        collection: "channel_daily", export: "wechat-ads-2026-03.xlsx",
        profile: "wechat-ads-daily.profile.json"),
      key: channelKey, sections: "§3.5 shared strings, built-in date format 14, text number"),
    Positive(
      step: Step(
        collection: "leads", export: "aifanfan-leads-2026-03.txt",
        profile: "aifanfan-leads.profile.json"),
      key: ["lead_id"], sections: "§3.4 UTF-16 LE BOM, tabs, trim, booleans, id_ derived ids"),
    Positive(
      step: costs, key: ["office_id", "channel_id", "month", "cost_type"],
      sections: "semicolons, yyyy年M月 months, space thousands, 元, aggregate of money"),
  ]

  static let negatives: [Negative] = [
    Negative(
      step: Step(
        collection: "channel_daily", export: "neg-baidu-misplaced-separator.csv",
        profile: "baidu-sem-daily.profile.json"),
      before: [customers], sections: "§3.4, formats.thousands: 1,2345"),
    Negative(
      step: Step(
        collection: "orders", export: "neg-orders-unknown-status.csv",
        profile: "crm-orders.profile.json"),
      before: [customers, orders], sections: "values: a status the map does not know"),
    Negative(
      step: Step(
        collection: "orders", export: "neg-orders-new-column.csv",
        profile: "crm-orders.profile.json"),
      before: [customers, orders], sections: "columns/ignore: a column the CRM added"),
    Negative(
      step: Step(
        collection: "orders", export: "neg-orders-typed-derived-id.csv",
        profile: "crm-orders.profile.json"),
      before: [customers, orders], sections: "derive_ids: source_id differs from the stored one"),
    Negative(
      step: Step(
        collection: "costs", export: "neg-costs-na.csv", profile: "finance-costs.profile.json"),
      before: [costs], sections: "§2.3: N/A in a money column"),
  ]

  // MARK: Helpers

  /// A fresh branch repository `r` of office `north`, with the named held-out files copied next
  /// to it (so messages name them as a clerk would see them).
  static func branch(_ files: [String]) throws -> TemporaryDirectory {
    let temp = TemporaryDirectory()
    let created = outpost(["init", "--office", "north", "--repo", "r"], in: temp.path)
    try #require(created.status == 0, "\(created.errors)")
    for file in Set(files) {
      try FileManager.default.copyItem(atPath: folder + "/" + file, toPath: temp.file(file))
    }
    return temp
  }

  /// Runs `outpost import` of one step.
  static func importing(_ step: Step, in temp: TemporaryDirectory, _ extra: [String] = [])
    -> RunResult
  {
    outpost(
      ["import", step.collection, step.export, "--profile", step.profile, "--repo", "r"] + extra,
      in: temp.path)
  }

  /// Imports the steps that make a case's starting repository; each must succeed.
  static func prepare(_ steps: [Step], in temp: TemporaryDirectory) throws {
    for step in steps {
      let result = importing(step, in: temp)
      try #require(result.status == 0, "\(step.export): \(result.errors)")
    }
  }

  /// NDJSON records as (id, field → canonical JSON text), in file order.
  static func records(_ text: String, key: [String]) throws -> [(String, [String: String])] {
    var result: [(String, [String: String])] = []
    for line in text.split(separator: "\n") where !line.isEmpty {
      let object = try #require(try JSONParser.parse(String(line)).objectValue, "\(line)")
      var fields: [String: String] = [:]
      for member in object { fields[member.key] = JSONWriter.canonicalString(member.value) }
      let id = key.map { fields[$0].map(unquoted) ?? "?" }.joined(separator: ".")
      result.append((id, fields))
    }
    return result
  }

  /// A JSON string's canonical text without its quotes (ids hold nothing to escape).
  static func unquoted(_ text: String) -> String {
    text.hasPrefix("\"") && text.hasSuffix("\"") ? String(text.dropFirst().dropLast()) : text
  }

  /// Compares exported records with the expected ones; records the first difference.
  static func compare(exported: String, expected: String, key: [String], _ name: String) throws {
    let got = try records(exported, key: key)
    let want = try records(expected, key: key)
    let gotByID = Dictionary(got, uniquingKeysWith: { first, _ in first })
    #expect(
      got.count == want.count, "\(name): exported \(got.count) records, expected \(want.count)")
    for (id, fields) in want {
      guard let stored = gotByID[id] else {
        Issue.record("\(name): record '\(id)' is missing from the export")
        return
      }
      let names = Set(fields.keys).union(stored.keys).sorted()
      if let field = names.first(where: { fields[$0] != stored[$0] }) {
        let want = fields[field] ?? "(absent)"
        let got = stored[field] ?? "(absent)"
        Issue.record("\(name): record '\(id)', field '\(field)': expected \(want), exported \(got)")
        return
      }
    }
    let wanted = Set(want.map(\.0))
    if let extra = got.first(where: { !wanted.contains($0.0) }) {
      Issue.record("\(name): the export has record '\(extra.0)', which was not expected")
    }
    #expect(got.map(\.0) == want.map(\.0), "\(name): records not in the expected (id) order")
  }

  /// A JSON integer.
  static func number(_ value: Int) -> JSONValue { .number(JSONNumber(integer: Int64(value))) }

  /// The text of a held-out file.
  static func read(_ name: String) throws -> String {
    try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
  }

  // MARK: §3.6: positive cases

  @Test(
    "§3.6: an export imported through its profile stores exactly the held-out conversion",
    arguments: HeldOutImportTests.positives)
  func imported(_ heldOut: Positive) throws {
    let steps = heldOut.before + [heldOut.step]
    let temp = try Self.branch(steps.flatMap { [$0.export, $0.profile] })
    try Self.prepare(heldOut.before, in: temp)
    let result = Self.importing(heldOut.step, in: temp)
    #expect(result.status == 0, "\(heldOut.step.export): \(result.errors)")
    guard result.status == 0 else { return }
    let exported = outpost(
      ["export", heldOut.step.collection, "--format", "ndjson", "--repo", "r"], in: temp.path)
    #expect(exported.status == 0, "\(exported.errors)")
    try Self.compare(
      exported: exported.output, expected: try Self.read(heldOut.expected), key: heldOut.key,
      heldOut.step.export)
  }

  /// Checks an `outpost-import-preview/1` document against the counts convert.py computes for
  /// the file (rows read, blank, skipped, stopped; records, all to be created).
  static func expectPreview(
    _ output: String, read: Int, blank: Int, skipped: Int, stopped: Int, records: Int,
    firstID: String, firstLine: Int
  ) throws {
    let preview = try JSONParser.parse(output)
    let number = Self.number
    #expect(preview["format"] == .string("outpost-import-preview/1"))
    #expect(preview["ok"] == .bool(true))
    let rows = try #require(preview["rows"])
    let counts = ["read": read, "blank": blank, "skipped": skipped, "stopped": stopped]
    for (name, count) in counts.sorted(by: { $0.key < $1.key }) {
      #expect(rows[name] == number(count), "rows.\(name): \(output)")
    }
    #expect(preview["records"] == number(records), "\(output)")
    #expect(preview["created"] == number(records), "\(output)")
    #expect(preview["updated"] == number(0))
    #expect(preview["unchanged"] == number(0))
    #expect(preview["problems"]?.arrayValue?.isEmpty == true, "\(output)")
    let sample = try #require(preview["sample"]?.arrayValue)
    #expect(sample.count == min(5, records))
    #expect(sample.first?["id"] == .string(firstID), "\(output)")
    #expect(sample.first?["line"] == number(firstLine), "\(output)")
  }

  @Test("§3.6 Preview: --dry-run of the CRM orders reports the counts and writes nothing")
  func dryRunOrders() throws {
    let temp = try Self.branch([
      Self.customers.export, Self.customers.profile, Self.orders.export, Self.orders.profile,
    ])
    try Self.prepare([Self.customers], in: temp)
    let before = treeDigest(temp.file("r"))
    let json = Self.importing(Self.orders, in: temp, ["--dry-run", "--format", "json"])
    #expect(json.status == 0, "\(json.errors)")
    try Self.expectPreview(
      json.output, read: 38, blank: 0, skipped: 0, stopped: 2, records: 38,
      firstID: "SO-2026-0001_bd7837320b5e", firstLine: 2)
    let text = Self.importing(Self.orders, in: temp, ["--dry-run"])
    #expect(text.status == 0, "\(text.errors)")
    #expect(text.output.contains("38 read"), "\(text.output)")
    #expect(text.output.contains("would create 38"), "\(text.output)")
    #expect(treeDigest(temp.file("r")) == before, "--dry-run changed the repository")
    // §2.5: importing the same export twice changes nothing the second time.
    #expect(Self.importing(Self.orders, in: temp).status == 0)
    let imported = treeDigest(temp.file("r"))
    let again = Self.importing(Self.orders, in: temp)
    #expect(again.status == 0, "\(again.errors)")
    #expect(again.output.contains("38 unchanged"), "\(again.output)")
    #expect(treeDigest(temp.file("r")) == imported, "the second import changed the repository")
  }

  @Test("§3.6 Preview (needs §3.4): --dry-run of the Baidu report counts blank and total rows")
  func dryRunBaidu() throws {
    let baidu = Self.positives[0].step
    let temp = try Self.branch([baidu.export, baidu.profile])
    let before = treeDigest(temp.file("r"))
    let json = Self.importing(baidu, in: temp, ["--dry-run", "--format", "json"])
    #expect(json.status == 0, "\(json.errors)")
    guard json.status == 0 else { return }
    try Self.expectPreview(
      json.output, read: 46, blank: 3, skipped: 1, stopped: 0, records: 14,
      firstID: "north.sem.2026-03-01", firstLine: 4)
    #expect(treeDigest(temp.file("r")) == before, "--dry-run changed the repository")
  }

  // MARK: §3.6: negative cases

  @Test(
    "§3.6: a problem the profile does not cover: 65, file:line and column, nothing written",
    arguments: HeldOutImportTests.negatives)
  func refused(_ heldOut: Negative) throws {
    let steps = heldOut.before + [heldOut.step]
    let temp = try Self.branch(steps.flatMap { [$0.export, $0.profile] })
    try Self.prepare(heldOut.before, in: temp)
    let expected = try JSONParser.parse(try Self.read(heldOut.expected))
    let line = try #require(expected["line"])
    let column = try #require(expected["column_number"])
    let header = try #require(expected["column"]?.stringValue)
    let lineText = JSONWriter.canonicalString(line)
    let columnText = JSONWriter.canonicalString(column)
    let file = heldOut.step.export
    let before = treeDigest(temp.file("r"))

    let result = Self.importing(heldOut.step, in: temp)
    let message = result.errors + result.output
    #expect(result.status == 65, "\(file): exit \(result.status): \(message)")
    #expect(
      message.contains("\(file):\(lineText):"), "\(file): no '\(file):\(lineText):' in: \(message)")
    #expect(
      message.contains("column \(columnText)"), "\(file): no 'column \(columnText)' in: \(message)")
    #expect(message.contains("'\(header)'"), "\(file): the header '\(header)' in: \(message)")
    #expect(treeDigest(temp.file("r")) == before, "\(file) changed the repository")

    // The preview names the same place.
    let preview = Self.importing(heldOut.step, in: temp, ["--dry-run", "--format", "json"])
    #expect(preview.status == 65, "\(file): \(preview.output)")
    let problems = try JSONParser.parse(preview.output)["problems"]?.arrayValue ?? []
    #expect(
      problems.contains {
        $0["file"] == .string(file) && $0["line"] == line && $0["column"] == column
      }, "\(file): \(preview.output)")
    // Exactly that problem: one bad cell does not make other rows' aggregation fail (§3.6).
    #expect(problems.count == 1, "\(file): \(preview.output)")
    #expect(treeDigest(temp.file("r")) == before, "\(file): the preview changed the repository")
  }
}
