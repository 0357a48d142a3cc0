import Foundation
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// README.md: every `outpost` command in its command blocks runs as written, in order, with the
/// input files it names, and says what the README says it does.
struct ReadmeTests {
  /// The README, found from this source file (Tests/OutpostCLITests/ → the package root).
  static func readme() throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    return try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
  }

  /// The `outpost` command lines of every ```sh block, comments removed.
  static func commands(_ readme: String) -> [String] {
    var lines: [String] = []
    var inBlock = false
    for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("```") {
        inBlock = line == "```sh"
        continue
      }
      guard inBlock, line.hasPrefix("outpost ") else { continue }
      lines.append(stripComment(String(line)))
    }
    return lines
  }

  /// A line without its trailing `# comment` (a `#` outside double quotes after a space).
  static func stripComment(_ line: String) -> String {
    var quoted = false
    var previous: Character = " "
    for (offset, character) in line.enumerated() {
      if character == "\"" { quoted.toggle() }
      if character == "#" && !quoted && previous == " " {
        return String(line.prefix(offset)).trimmingCharacters(in: .whitespaces)
      }
      previous = character
    }
    return line.trimmingCharacters(in: .whitespaces)
  }

  /// Splits a command line into words; double quotes group words.
  static func words(_ line: String) -> [String] {
    var result: [String] = []
    var current = ""
    var quoted = false
    var started = false
    for character in line {
      if character == "\"" {
        quoted.toggle()
        started = true
      } else if character == " " && !quoted {
        if started { result.append(current) }
        current = ""
        started = false
      } else {
        current.append(character)
        started = true
      }
    }
    if started { result.append(current) }
    return result
  }

  @Test("every outpost command in the README runs as written, in order")
  func readmeCommands() throws {
    let lines = Self.commands(try Self.readme())
    #expect(lines.count >= 25, "\(lines.count) commands found")
    let temp = TemporaryDirectory()
    // The input files the README names.
    temp.write(
      "ads-march.csv",
      "channel_id,date,impressions,clicks,visits,page_views,consultations,consult_calls,spend\n"
        + "sem,2025-03-01,12000,360,300,900,18,2,540.00\n"
        + "seo,2025-03-01,20000,300,320,960,9,1,0.00\n")
    temp.write(
      "orders-march.csv",
      "order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
        + "north-o-1001,c-1,sem,2025-03-01,1,2800.00,confirmed\n"
        + "north-o-1002,c-2,seo,2025-03-01,2,2600.00,confirmed\n")
    temp.write(
      "staff.csv",
      "staff_id,name,position,department,active_from,active_to\n"
        + "n-01,王芳,supervisor,promotion,2025-03-01,\n" + "n-02,李娜,consultant,sales,2025-03-01,\n"
        + "n-03,张伟,sales,sales,2025-03-01,\n" + "n-04,刘洋,sales,sales,2025-03-01,\n")
    temp.write(
      "leads-march.csv",
      "lead_id,channel_id,created_date,source_type,has_need,has_contact,assigned_to,"
        + "first_followup_date,status,customer_id\n"
        + "north-l-1,sem,2025-03-02,chat,true,true,n-03,2025-03-02,won,north-c-31\n"
        + "north-l-2,seo,2025-03-03,form,true,true,n-04,2025-03-04,won,north-c-32\n"
        + "north-l-3,sem,2025-03-04,chat,true,false,n-03,,following,\n"
        + "north-l-4,sem,2025-03-06,call,true,true,n-02,2025-03-06,following,\n"
        + "north-l-5,direct,2025-03-09,walk_in,false,true,,,new,\n")
    temp.write(
      "customers-march.csv",
      "customer_id,acquired_date,acquisition_channel_id,lead_id,kind\n"
        + "north-c-31,2025-03-05,sem,north-l-1,individual\n"
        + "north-c-32,2025-03-12,seo,north-l-2,business\n")
    temp.write(
      "orders-people.csv",
      "order_id,customer_id,channel_id,order_date,quantity,amount,status,salesperson_id\n"
        + "north-o-2001,north-c-31,sem,2025-03-05,1,6000.00,confirmed,n-03\n"
        + "north-o-2002,north-c-32,seo,2025-03-12,1,3000.00,confirmed,n-04\n"
        + "north-o-2003,north-c-31,sem,2025-03-20,1,2500.00,confirmed,n-03\n")
    var people =
      "target_id,kpi_id,office_id,scope,scope_key,period_grain,period,target_value,direction,"
      + "version\n"
    for position in ["consultant", "sales"] {
      for (kpi, value) in [
        ("deal_amount", "5000.00"), ("deal_count", "2"), ("lead_conversion_rate", "0.5"),
        ("followup_rate", "0.8"),
      ] {
        people += "pt-\(position)-\(kpi),\(kpi),hq,position,\(position),month,2025-03,\(value),"
        people += "higher_better,1\n"
      }
    }
    people += "pt-n-03,deal_amount,north,staff,n-03,month,2025-03,8000.00,higher_better,1\n"
    temp.write("people-targets.csv", people)
    temp.write(
      "targets-2025.csv",
      "target_id,kpi_id,office_id,scope,period_grain,period,target_value,direction,version\n"
        + "t-1,net_revenue,north,office,month,2025-03,5000.00,higher_better,1\n")
    // The "bring your spreadsheets in" example: the CRM sample exports and their profiles.
    let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("fixtures/import-profiles")
    for (from, to) in [
      ("samples/crm-customers-2026-03.csv", "crm-customers.csv"),
      ("samples/crm-orders-2026-03.csv", "crm-orders.csv"),
      ("crm-customers.json", "crm-customers.json"), ("crm-orders.json", "crm-orders.json"),
    ] {
      try FileManager.default.copyItem(
        atPath: examples.appendingPathComponent(from).path, toPath: temp.file(to))
    }
    var outputs: [String: String] = [:]
    for line in lines {
      let arguments = Array(Self.words(line).dropFirst())
      let result = outpost(arguments, in: temp.path)
      #expect(result.status == 0, "\(line)\n\(result.output)\(result.errors)")
      outputs[line] = result.output
    }
    // What the README says they do.
    func output(_ prefix: String) -> String {
      outputs.first { $0.key.hasPrefix(prefix) }?.value ?? ""
    }
    #expect(output("outpost conflicts --repo hq").contains("orders/north-o-1002"))
    #expect(output("outpost receive hq-reply.bundle").contains("lost a conflict to 2700.00"))
    #expect(output("outpost verify --repo hq").hasPrefix("ok:"))
    #expect(
      outputs["outpost scorecard --period 2025-03 --repo hq"]?.contains("north 2025-03") == true)
    // The people: n-03 closed 8500.00 against his own 8000.00 target, n-04 3000.00 against
    // the sales position's 5000.00; n-03 ranks first among salespeople.
    let monthly = output("outpost scorecard --id online_sales_monthly")
    #expect(monthly.contains("#1 (#1 in north)  north n-03 张伟 (sales) 2025-03"), "\(monthly)")
    #expect(monthly.contains("target 8000"), "\(monthly)")
    #expect(output("outpost kpi --by staff").contains("(unattributed)"))
    #expect(output("outpost scorecard --id online_sales_quarterly").hasPrefix("scorecard,period"))
    #expect(
      output("outpost import customers crm-customers.csv --profile crm-customers.json --dry-run")
        .contains("would create 2, update 0, leave 0 unchanged"))
    #expect(
      output("outpost import orders crm-orders.csv").contains(
        "imported 3 record(s) (from 4 row(s), 1 set aside by the profile)"))
    #expect(FileManager.default.fileExists(atPath: temp.file("report.html")))
    // The two quick-start commands are the ones this repository's CI and demo test run.
    let readme = try Self.readme()
    #expect(readme.contains("swift run -c release outpost demo") && readme.contains("bash .ci/run"))
  }
}
