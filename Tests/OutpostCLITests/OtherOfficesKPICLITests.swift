import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostTestSupport
import Testing

/// SPEC.md §9.6: at a branch under `record_visibility` `own_office`, `kpi` shows other offices'
/// values as head office sent them, marked as such, and says what it cannot show.
struct OtherOfficesKPICLITests {
  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory, status: Int32 = 0) -> RunResult {
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == status, "\(arguments.joined(separator: " ")): \(result.errors)")
    return result
  }

  func order(_ id: String, _ office: String, amount: String, repo: String) -> [String] {
    [
      "put", "orders", id, "office_id=\(office)", "customer_id=c-1", "channel_id=sem",
      "order_date=2025-02-02", "quantity=1", "amount=\(amount)", "status=confirmed", "--repo",
      repo,
    ]
  }

  @Test("kpi at a branch: other offices from head office, marked; quarters withheld")
  func branchKPI() throws {
    let temp = TemporaryDirectory()
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    for office in ["north", "east"] {
      run(["office", "add", office, "--key-out", "\(office).key", "--repo", "hq"], temp)
    }
    run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
    run(order("n-1", "north", amount: "100.00", repo: "north"), temp)
    run(["submit", "--out", "n1.sub", "--repo", "north"], temp)
    run(["merge", "n1.sub", "--repo", "hq"], temp)
    run(order("e-1", "east", amount: "250.00", repo: "hq"), temp)
    run(["put", "policies", "record_visibility", "value=own_office", "--repo", "hq"], temp)
    run(["reply", "north", "--out", "n1.reply", "--repo", "hq"], temp)
    run(["receive", "n1.reply", "--repo", "north"], temp)

    let kpi = ["kpi", "--kpi", "net_revenue", "--format", "json"]
    let branch = try JSONParser.parse(Array(run(kpi + ["--repo", "north"], temp).output.utf8))
    let head = try JSONParser.parse(Array(run(kpi + ["--repo", "hq"], temp).output.utf8))
    guard case .array(let values)? = branch["values"], case .array(let heads)? = head["values"]
    else {
      Issue.record("no values")
      return
    }
    #expect(values.map { $0["office"]?.stringValue } == ["east", "north"])
    #expect(values.map { $0["value"] } == heads.map { $0["value"] })
    #expect(values[0]["source"] == .string("head_office"))
    #expect(values[0]["reply"] == .number(JSONNumber(integer: 1)))
    #expect(values[1]["source"] == nil)

    let text = run(["kpi", "--kpi", "net_revenue", "--repo", "north"], temp).output
    #expect(text.contains("[head office, reply 1]"))
    let quarter = run(["kpi", "--grain", "quarter", "--repo", "north"], temp).output
    #expect(
      quarter.contains(
        "Office east not shown: head office sends other offices' KPIs by month only."))
    let refused = run(
      ["kpi", "--grain", "quarter", "--office", "east", "--repo", "north"], temp, status: 64)
    #expect(refused.errors.contains("office 'east'"))
    // Without the policy, the branch computes east from the rows it receives.
    run(["put", "policies", "record_visibility", "value=all_offices", "--repo", "hq"], temp)
    run(["reply", "north", "--out", "n2.reply", "--repo", "hq"], temp)
    run(["receive", "n2.reply", "--repo", "north"], temp)
    let wide = try JSONParser.parse(Array(run(kpi + ["--repo", "north"], temp).output.utf8))
    guard case .array(let computed)? = wide["values"] else { return }
    #expect(computed.allSatisfy { $0["source"] == nil })
    #expect(computed.map { $0["value"] } == heads.map { $0["value"] })
  }
}
