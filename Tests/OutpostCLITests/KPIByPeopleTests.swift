import OutpostCLITestSupport
import OutpostCodec
import OutpostTestSupport
import Testing

/// `outpost kpi --by staff|position|department` and `--staff` (SPEC.md §9.6, §2.8).
///
/// Over a branch's `staff` assignments: the JSON members and CSV columns of each breakdown, the
/// `(unattributed)` text line, the `--staff` filter, the refusals (exit 64; a staff row the
/// rules refuse, 65), and the people collections in `outpost collections`. The values are worked out by hand from the rows below.
@Suite(.serialized)
struct KPIByPeopleTests {
  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory) -> String {
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors)")
    return result.output
  }

  /// North's people and rows in February 2025 (closed: the test clock says 2025-03-01).
  ///
  /// - s-1 is a consultant (sales) to 02-14, then a supervisor (promotion);
  /// - s-2 is a salesperson (sales); s-3 an SEO specialist (promotion), a position the lead
  ///   and deal KPIs do not list without rows.
  ///
  /// Leads: l-1 (02-03, s-1 as consultant, qualified), l-2 (02-20, s-1 as supervisor, no
  /// contact), l-3 (02-21, s-2, unqualified), l-4 (assigned to no one, qualified) and l-5 (to
  /// s-9, who has no assignment, qualified): the last two are unattributed. Orders: o-1 100.00
  /// by s-2 on 02-10, o-2 50.00 by s-1 (supervisor) on 02-16.
  func setUp(_ temp: TemporaryDirectory) {
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
    temp.write(
      "staff.csv",
      "staff_id,name,position,department,active_from,active_to\n"
        + "s-1,Li,consultant,sales,2025-01-01,2025-02-14\n"
        + "s-1,Li,supervisor,promotion,2025-02-15,\n" + "s-2,Wang,sales,sales,2025-01-01,\n"
        + "s-3,Zhao,seo,promotion,2025-01-01,\n")
    run(["import", "staff", "staff.csv", "--repo", "north"], temp)
    temp.write(
      "leads.csv",
      "lead_id,channel_id,created_date,source_type,has_need,has_contact,assigned_to,"
        + "first_followup_date,status,customer_id\n"
        + "l-1,sem,2025-02-03,chat,1,1,s-1,2025-02-03,new,\n"
        + "l-2,sem,2025-02-20,chat,1,0,s-1,,new,\n" + "l-3,seo,2025-02-21,form,0,0,s-2,,new,\n"
        + "l-4,seo,2025-02-22,form,1,1,,,new,\n" + "l-5,seo,2025-02-23,form,1,1,s-9,,new,\n")
    run(["import", "leads", "leads.csv", "--repo", "north"], temp)
    for (id, date, amount, person) in [
      ("o-1", "2025-02-10", "100.00", "s-2"), ("o-2", "2025-02-16", "50.00", "s-1"),
    ] {
      run(
        [
          "put", "orders", id, "customer_id=c-\(id)", "channel_id=sem", "order_date=\(date)",
          "quantity=1", "amount=\(amount)", "status=confirmed", "salesperson_id=\(person)",
          "--repo", "north",
        ], temp)
    }
  }

  /// The `values` of a `kpi --format json` output.
  func values(_ output: String) throws -> [JSONObject] {
    let document = try JSONParser.parse(output)
    #expect(document["format"] == .string("outpost-kpi/1"))
    return try #require(document["values"]?.arrayValue).compactMap(\.objectValue)
  }

  /// A JSON member as text: `null` for null, `?` when absent.
  func text(_ value: JSONValue?) -> String {
    switch value {
    case nil: "?"
    case .null?: "null"
    case .string(let text)?: text
    case let other?: JSONWriter.canonicalString(other)
    }
  }

  @Test("--by staff --format json: one value per assignment and one unattributed, with members")
  func json() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    let output = run(
      [
        "kpi", "--period", "2025-02", "--kpi", "leads", "--kpi", "lead_qualification_rate",
        "--by", "staff", "--format", "json", "--repo", "north",
      ], temp)
    let list = try values(output)
    // leads: s-1 consultant 1 (l-1), s-1 supervisor 1 (l-2), s-2 1 (l-3), unattributed 2.
    // Qualified: l-1 of s-1 consultant (1/1), none of s-1 supervisor (0/1) and s-2 (0/1),
    // both unattributed (2/2). s-3 (seo) has no leads and is not listed.
    #expect(
      list.map {
        [$0["kpi"], $0["staff"], $0["position"], $0["department"], $0["value"]].map(text)
          .joined(separator: " ")
      } == [
        "leads s-1 consultant sales 1", "leads s-1 supervisor promotion 1",
        "leads s-2 sales sales 1", "leads null null null 2",
        "lead_qualification_rate s-1 consultant sales 1.0000",
        "lead_qualification_rate s-1 supervisor promotion 0.0000",
        "lead_qualification_rate s-2 sales sales 0.0000",
        "lead_qualification_rate null null null 1.0000",
      ])
    // Every value has the office, the period and the three people members; no channel.
    let first = try #require(list.first)
    #expect(
      first.keys == [
        "department", "flags", "kpi", "office", "open_conflict", "period", "position",
        "provisional", "scale", "staff", "undefined_reason", "unit", "value",
      ])
    #expect(
      list.allSatisfy { $0["office"] == .string("north") && $0["period"] == .string("2025-02") })
    #expect(list.allSatisfy { $0["provisional"] == .bool(false) })
    // A ratio carries its exact parts: the unattributed 2 / 2.
    let last = try #require(list.last)
    #expect(text(last["numerator"]) == "2" && text(last["denominator"]) == "2")
    // The unattributed members are JSON nulls, not absent and not empty strings.
    #expect(output.contains(#""staff": null"#), "\(output)")
    // By position, only the position: consultant, sales, supervisor, then null.
    let positions = try values(
      run(
        [
          "kpi", "--period", "2025-02", "--kpi", "leads", "--by", "position", "--format", "json",
          "--repo", "north",
        ], temp))
    #expect(
      positions.map { text($0["position"]) } == ["consultant", "sales", "supervisor", "null"])
    #expect(positions.allSatisfy { $0["staff"] == nil && $0["department"] == nil })
  }

  @Test("a branch and head office holding the same staff and rows print the same people JSON")
  func sameEverywhere() {
    let temp = TemporaryDirectory()
    setUp(temp)
    run(["submit", "--out", "1.sub", "--repo", "north"], temp)
    run(["merge", "1.sub", "--repo", "hq"], temp)
    for by in ["staff", "position", "department"] {
      let arguments = ["kpi", "--by", by, "--format", "json"]
      let branch = run(arguments + ["--repo", "north"], temp)
      #expect(branch.contains(#""office": "north""#))
      #expect(branch == run(arguments + ["--repo", "hq"], temp), "--by \(by)")
    }
    // Head office knows north's people once merged.
    let arguments = ["kpi", "--period", "2025-02", "--kpi", "deal_amount", "--staff", "s-2"]
    let csv = run(arguments + ["--format", "csv", "--repo", "hq"], temp)
    #expect(
      csv.hasSuffix("\ndeal_amount,north,2025-02,s-2,sales,sales,100.00,currency:CNY,,,0,0\n"))
  }

  @Test("--by staff|position|department --format csv: the people columns replace channel")
  func csv() {
    let temp = TemporaryDirectory()
    setUp(temp)
    func csv(_ by: String, _ kpi: String = "leads") -> String {
      run(
        [
          "kpi", "--period", "2025-02", "--kpi", kpi, "--by", by, "--format", "csv", "--repo",
          "north",
        ], temp)
    }
    let tail = "value,unit,undefined_reason,flags,provisional,open_conflict\n"
    #expect(
      csv("staff") == "kpi,office,period,staff,position,department," + tail
        + "leads,north,2025-02,s-1,consultant,sales,1,count,,,0,0\n"
        + "leads,north,2025-02,s-1,supervisor,promotion,1,count,,,0,0\n"
        + "leads,north,2025-02,s-2,sales,sales,1,count,,,0,0\n"
        + "leads,north,2025-02,,,,2,count,,,0,0\n")
    // By position: consultant 1, sales 1, supervisor 1; unattributed 2.
    #expect(
      csv("position") == "kpi,office,period,position," + tail
        + "leads,north,2025-02,consultant,1,count,,,0,0\n"
        + "leads,north,2025-02,sales,1,count,,,0,0\n"
        + "leads,north,2025-02,supervisor,1,count,,,0,0\n"
        + "leads,north,2025-02,,2,count,,,0,0\n")
    // By department: promotion 1 (the supervisor), sales 2 (consultant and salesperson).
    #expect(
      csv("department") == "kpi,office,period,department," + tail
        + "leads,north,2025-02,promotion,1,count,,,0,0\n"
        + "leads,north,2025-02,sales,2,count,,,0,0\n"
        + "leads,north,2025-02,,2,count,,,0,0\n")
    // Deals: s-1 as consultant sold nothing in February (0.00, listed: an active consultant);
    // as supervisor 50.00; s-2 100.00. No order is unattributed, so there is no such line.
    #expect(
      csv("staff", "deal_amount") == "kpi,office,period,staff,position,department," + tail
        + "deal_amount,north,2025-02,s-1,consultant,sales,0.00,currency:CNY,,,0,0\n"
        + "deal_amount,north,2025-02,s-1,supervisor,promotion,50.00,currency:CNY,,,0,0\n"
        + "deal_amount,north,2025-02,s-2,sales,sales,100.00,currency:CNY,,,0,0\n")
  }

  @Test("--by staff as text: staff and position columns, '(unattributed)' for no one")
  func textTable() {
    let temp = TemporaryDirectory()
    setUp(temp)
    let output = run(
      ["kpi", "--period", "2025-02", "--kpi", "leads", "--by", "staff", "--repo", "north"], temp)
    func pad(_ text: String, _ width: Int) -> String {
      text + String(repeating: " ", count: max(width - text.count, 1))
    }
    func line(_ staff: String, _ position: String, _ value: String) -> String {
      pad("leads", 27) + pad("north", 8) + pad("2025-02", 9) + pad(staff, 15)
        + pad(position, 15) + value + "\n"
    }
    #expect(
      output == pad("KPI", 27) + pad("office", 8) + pad("period", 9) + pad("staff", 15)
        + pad("position", 15) + "value\n" + line("s-1", "consultant", "1")
        + line("s-1", "supervisor", "1") + line("s-2", "sales", "1")
        + line("(unattributed)", "(unattributed)", "2"), "\(output)")
    let byDepartment = run(
      ["kpi", "--period", "2025-02", "--kpi", "leads", "--by", "department", "--repo", "north"],
      temp)
    #expect(byDepartment.hasSuffix(" (unattributed) 2\n"), "\(byDepartment)")
  }

  @Test("--staff keeps those people's lines (no unattributed); alone it means --by staff")
  func staffFilter() {
    let temp = TemporaryDirectory()
    setUp(temp)
    let header = "kpi,office,period,staff,position,department,value,unit,undefined_reason,flags,"
    let alone = run(
      [
        "kpi", "--period", "2025-02", "--kpi", "leads", "--staff", "s-1", "--format", "csv",
        "--repo", "north",
      ], temp)
    #expect(
      alone == header + "provisional,open_conflict\n"
        + "leads,north,2025-02,s-1,consultant,sales,1,count,,,0,0\n"
        + "leads,north,2025-02,s-1,supervisor,promotion,1,count,,,0,0\n")
    let two = run(
      [
        "kpi", "--period", "2025-02", "--kpi", "leads", "--staff", "s-2", "--staff", "s-1",
        "--by", "staff", "--format", "csv", "--repo", "north",
      ], temp)
    #expect(
      two == header + "provisional,open_conflict\n"
        + "leads,north,2025-02,s-1,consultant,sales,1,count,,,0,0\n"
        + "leads,north,2025-02,s-1,supervisor,promotion,1,count,,,0,0\n"
        + "leads,north,2025-02,s-2,sales,sales,1,count,,,0,0\n")
  }

  @Test("without --kpi, --by staff shows only the KPIs with a staff breakdown")
  func onlyPeopleKPIs() throws {
    let temp = TemporaryDirectory()
    setUp(temp)
    let output = run(["kpi", "--by", "staff", "--format", "json", "--repo", "north"], temp)
    // February is the only month with rows; the three assignments of positions the KPIs
    // list (s-1 twice, s-2) make every people KPI appear.
    let list = try values(output)
    // The people's ratings (staff_*) are listed too, undefined without ratings, and the plan
    // execution of the SEO and new-media people (the SEM KPIs list no one: no sem staff here).
    #expect(
      Set(list.map { text($0["kpi"]) }) == [
        "leads", "qualified_leads", "lead_qualification_rate", "followup_rate",
        "lead_conversion_rate", "deal_count", "deal_amount", "aov", "resolution_rate",
        "staff_team_building", "staff_professional_skill", "staff_dealer_management",
        "staff_content_quality", "plan_execution",
      ])
    #expect(Set(list.map { text($0["period"]) }) == ["2025-02"])
  }

  @Test(
    "refusals exit 64: an unknown person, --staff with --by position, a KPI without people",
    arguments: [
      (
        ["--staff", "s-11"],
        "no staff member 's-11' in this repository. Did you mean 's-1'?"
      ),
      (
        ["--staff", "s-1", "--by", "position"],
        "people can be chosen only in a staff breakdown"
      ),
      (
        ["--staff", "s-1", "--by", "channel"],
        "people can be chosen only in a staff breakdown"
      ),
      (
        ["--kpi", "net_revenue", "--by", "staff"],
        "'net_revenue' has no staff breakdown: the rows it reads do not name a person"
      ),
      (
        ["--kpi", "net_revenue", "--by", "department"],
        "'net_revenue' has no department breakdown: the rows it reads do not name a person"
      ),
    ])
  func refusals(_ options: [String], _ message: String) {
    let temp = TemporaryDirectory()
    setUp(temp)
    let before = treeDigest(temp.file("north"))
    let result = outpost(
      ["kpi", "--period", "2025-02"] + options + ["--repo", "north"], in: temp.path)
    #expect(result.status == 64, "\(result.errors)")
    #expect(result.errors.contains(message), "\(result.errors)")
    #expect(result.output.isEmpty, "\(result.output)")
    #expect(treeDigest(temp.file("north")) == before)
  }

  @Test("a staff row the rules refuse: exit 65 with file:line, at put too; nothing written")
  func staffRefused() {
    let temp = TemporaryDirectory()
    setUp(temp)
    let before = treeDigest(temp.file("north"))
    temp.write(
      "more.csv",
      "staff_id,name,position,department,active_from,active_to\n"
        + "s-4,Sun,sales,sales,2025-01-01,\n" + "s-2,Wang,supervisor,promotion,2025-02-01,\n")
    let imported = outpost(["import", "staff", "more.csv", "--repo", "north"], in: temp.path)
    #expect(imported.status == 65, "\(imported.errors)")
    // s-2 has been a salesperson since 2025-01-01, still active.
    #expect(
      imported.errors.contains(
        "more.csv:3: overlaps s-2's assignment in north from 2025-01-01 (still active)"),
      "\(imported.errors)")
    #expect(imported.errors.contains("nothing was imported"), "\(imported.errors)")
    let put = outpost(
      [
        "put", "staff", "north.s-4.2025-01-01", "name=Sun", "position=boss", "department=sales",
        "--repo", "north",
      ], in: temp.path)
    #expect(put.status == 65, "\(put.errors)")
    #expect(put.errors.contains("position 'boss' is not a known position"), "\(put.errors)")
    #expect(treeDigest(temp.file("north")) == before)
  }

  @Test("outpost collections lists staff (office-owned), positions and departments (head office)")
  func collections() throws {
    let temp = TemporaryDirectory()
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    let output = run(["collections", "--format", "json", "--repo", "hq"], temp)
    let list = try #require(try JSONParser.parse(output)["collections"]?.arrayValue)
    func find(_ name: String) -> String {
      guard let schema = list.first(where: { $0["name"] == .string(name) }) else { return "absent" }
      return text(schema["owner"]) + ": "
        + (schema["columns"]?.arrayValue ?? []).map(text).joined(separator: ",")
    }
    #expect(
      find("staff")
        == "office: staff_id,office_id,name,position,department,active_from,active_to")
    #expect(find("positions") == "head: position_id,name_zh,name_en,department_id")
    #expect(find("departments") == "head: department_id,name_zh,name_en")
    #expect(
      find("ad_accounts")
        == "office: account_id,office_id,channel_id,platform,owner,active_from,active_to")
    #expect(
      find("ad_daily")
        == "office: office_id,account_id,campaign_id,campaign_name,date,impressions,clicks,cost,"
        + "consultations")
    #expect(find("tasks") == "office: task_id,office_id,staff_id,period,kind,planned,done")
    let plain = run(["collections", "--repo", "hq"], temp)
    #expect(plain.contains("\nstaff "), "\(plain)")
    #expect(plain.contains("\npositions "), "\(plain)")
    #expect(plain.contains("\ndepartments "), "\(plain)")
    for name in ["ad_accounts", "ad_daily", "tasks"] {
      #expect(plain.contains("\n\(name) "), "\(plain)")
    }
  }
}
