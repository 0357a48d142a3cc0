import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// `ad_accounts`, `ad_daily` and `tasks` through the `outpost` binary (SPEC.md §2.8, §9.4):
/// per-person SEM values across an owner change, office values that `ad_daily` leaves alone,
/// and a refused row (exit 65, file:line, nothing written).
struct SEMByPeopleTests {
  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory) -> String {
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors)")
    return result.output
  }

  /// North (test clock 2025-03-01: March is open, so its values are provisional) with two SEM
  /// specialists; account bd-1 is
  /// s-1's to 15 March, then s-2's; one channel_daily row for the office's own figures.
  func setUp(_ temp: TemporaryDirectory) {
    run(["init", "--office", "hq", "--head", "--repo", "hq"], temp)
    run(["office", "add", "north", "--key-out", "north.key", "--repo", "hq"], temp)
    run(["init", "--office", "north", "--key", "north.key", "--repo", "north"], temp)
    temp.write(
      "staff.csv",
      "staff_id,name,position,department,active_from,active_to\n"
        + "s-1,Li,sem,promotion,2025-01-01,\n" + "s-2,Wang,sem,promotion,2025-01-01,\n")
    run(["import", "staff", "staff.csv", "--repo", "north"], temp)
    temp.write(
      "daily.csv",
      "channel_id,date,clicks,consultations,consult_calls,spend\n"
        + "sem,2025-03-10,500,12,0,300.00\n")
    run(["import", "channel_daily", "daily.csv", "--repo", "north"], temp)
    temp.write(
      "accounts.csv",
      "account_id,channel_id,platform,owner,active_from,active_to\n"
        + "bd-1,sem,baidu,s-1,2025-01-01,2025-03-15\n" + "bd-1,sem,baidu,s-2,2025-03-16,\n")
    run(["import", "ad_accounts", "accounts.csv", "--repo", "north"], temp)
  }

  func kpi(_ temp: TemporaryDirectory, _ kpi: String, by: [String] = []) -> String {
    run(
      ["kpi", "--period", "2025-03", "--kpi", kpi] + by + ["--format", "csv", "--repo", "north"],
      temp)
  }

  @Test("§2.8: SEM values per owner across a mid-month change; office values unchanged")
  func ownerChange() {
    let temp = TemporaryDirectory()
    setUp(temp)
    let office = ["clicks", "consultations", "ad_spend_paid", "avg_cost_per_conversation"].map {
      kpi(temp, $0)
    }
    temp.write(
      "ads.csv",
      "account_id,campaign_id,campaign_name,date,impressions,clicks,cost,consultations\n"
        + "bd-1,c-1001,品牌词 春季,2025-03-15,900,60,30.00,2\n"
        + "bd-1,c-1001,品牌词 春季,2025-03-16,700,40,21.00,1\n"
        + "bd-1,c-1002,\"通用词, 北京\",2025-03-16,100,10,4.00,0\n")
    run(["import", "ad_daily", "ads.csv", "--repo", "north"], temp)
    // The office's figures are channel_daily's, with or without ad_daily rows.
    #expect(
      ["clicks", "consultations", "ad_spend_paid", "avg_cost_per_conversation"].map {
        kpi(temp, $0)
      } == office)
    #expect(office[0].contains("clicks,north,2025-03,,500,count"), "\(office[0])")
    let tail = "value,unit,undefined_reason,flags,provisional,open_conflict\n"
    // s-1: 15 March (60 clicks, 30.00, 2); s-2: 16 March (40 + 10, 21.00 + 4.00, 1 + 0).
    #expect(
      kpi(temp, "sem_clicks", by: ["--by", "staff"])
        == "kpi,office,period,staff,position,department," + tail
        + "sem_clicks,north,2025-03,s-1,sem,promotion,60,count,,,1,0\n"
        + "sem_clicks,north,2025-03,s-2,sem,promotion,50,count,,,1,0\n")
    // 30.00 ÷ 2 = 15.00; 25.00 ÷ 1 = 25.00.
    #expect(
      kpi(temp, "sem_cost_per_consultation", by: ["--by", "staff"])
        == "kpi,office,period,staff,position,department," + tail
        + "sem_cost_per_consultation,north,2025-03,s-1,sem,promotion,15.00,currency:CNY,,,1,0\n"
        + "sem_cost_per_consultation,north,2025-03,s-2,sem,promotion,25.00,currency:CNY,,,1,0\n")
  }

  @Test("§2.7: an ad_daily row of an account not active on its date: exit 65 at file:line")
  func refused() {
    let temp = TemporaryDirectory()
    setUp(temp)
    let before = treeDigest(temp.file("north"))
    temp.write(
      "ads.csv",
      "account_id,campaign_id,date,clicks,cost,consultations\n"
        + "bd-1,c-1,2025-03-01,1,1.00,0\n" + "bd-7,c-1,2025-03-01,1,1.00,0\n")
    let result = outpost(["import", "ad_daily", "ads.csv", "--repo", "north"], in: temp.path)
    #expect(result.status == 65, "\(result.errors)")
    #expect(
      result.errors.contains(
        "ads.csv:3: account 'bd-7' is not an ad account of office 'north' (no ad_accounts "
          + "record)"), "\(result.errors)")
    #expect(result.errors.contains("nothing was imported"), "\(result.errors)")
    #expect(treeDigest(temp.file("north")) == before)
  }
}
