import Outpost
import OutpostCodec
import OutpostTestSupport
import Testing

/// The rules of `ad_accounts`, `ad_daily` and `tasks` records (SPEC.md §2.8), through the
/// library.
///
/// An account's record ends on or after it starts, its owner holds a `sem` assignment in the
/// account's office on `active_from`, and it does not overlap another record of the same
/// account in the same office; an `ad_daily` row names an account of its office active on its
/// date; a task's person has an assignment in its office during its month. Each refusal is
/// `invalidData` (exit 65) with the message, the file and line (import) or the record (put),
/// and the repository's bytes unchanged (§2.7).
struct AdAccountTests {
  let now: @Sendable () -> Timestamp = { "2025-04-01T09:00:00Z" }

  static let accountHeader = "account_id,channel_id,platform,owner,active_from,active_to\n"
  static let dailyHeader =
    "account_id,campaign_id,campaign_name,date,impressions,clicks,cost,consultations\n"
  static let taskHeader = "task_id,staff_id,period,kind,planned,done\n"

  /// North with two SEM specialists, an SEO specialist, and s-4 (sem) from 1 March.
  func branch() throws -> (Repository, MemoryFileSystem) {
    let (_, north, disk) = try twoOffices(now: now)
    try north.importRecords(
      .csv(
        Array(
          ("staff_id,name,position,department,active_from,active_to\n"
            + "s-1,Li,sem,promotion,2025-01-01,\n" + "s-2,Wang,sem,promotion,2025-01-01,\n"
            + "s-3,Zhao,seo,promotion,2025-01-01,\n" + "s-4,Qian,sem,promotion,2025-03-01,\n")
            .utf8)), into: "staff", name: "staff.csv")
    return (north, disk)
  }

  /// Imports `text` into `collection` as `file`, expecting one problem at `line` with
  /// `message` (or, when nil, any message), and nothing written.
  func expectRefused(
    _ repository: Repository, _ disk: MemoryFileSystem, _ collection: String, _ text: String,
    line: Int, _ message: String?, file: String = "rows.csv",
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let before = disk.snapshot()
    do {
      try repository.importRecords(.csv(Array(text.utf8)), into: collection, name: file)
      Issue.record("the import was accepted", sourceLocation: sourceLocation)
    } catch {
      #expect(error.code == .invalidData, sourceLocation: sourceLocation)
      #expect(
        error.message == "1 problem(s) in \(file); nothing was imported",
        sourceLocation: sourceLocation)
      if let message {
        #expect(error.problems.map(\.message) == [message], sourceLocation: sourceLocation)
      }
      #expect(
        error.problems.map(\.location.file) == [file]
          && error.problems.map(\.location.line) == [line],
        "\(error.problems.map(\.location))", sourceLocation: sourceLocation)
    }
    #expect(disk.snapshot() == before, "nothing is written", sourceLocation: sourceLocation)
  }

  /// Puts `cells` into `collection`/`id`, expecting `message` and nothing written.
  func expectPutRefused(
    _ repository: Repository, _ disk: MemoryFileSystem, _ collection: String, _ id: String,
    _ cells: [String: String], _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let before = disk.snapshot()
    do {
      try repository.put(collection, id, cells)
      Issue.record("the put was accepted", sourceLocation: sourceLocation)
    } catch {
      #expect(error.code == .invalidData, sourceLocation: sourceLocation)
      #expect(error.message == message, sourceLocation: sourceLocation)
    }
    #expect(disk.snapshot() == before, "nothing is written", sourceLocation: sourceLocation)
  }

  func importCSV(_ repository: Repository, _ collection: String, _ text: String)
    throws(OutpostError)
  {
    try repository.importRecords(.csv(Array(text.utf8)), into: collection, name: "ok.csv")
  }

  @Test("§2.2, §2.8: ids compose office, account and active_from; office, account, campaign, date")
  func ids() throws {
    let (north, _) = try branch()
    try importCSV(
      north, "ad_accounts",
      Self.accountHeader + "bd-1,sem,baidu,s-1,2025-01-01,2025-03-15\n"
        + "bd-1,sem,baidu,s-2,2025-03-16,\n")
    try importCSV(
      north, "ad_daily",
      Self.dailyHeader + "bd-1,c-1001,品牌词 春季 推广,2025-03-15,1000,60,30.00,1\n"
        + "bd-1,c-1001,品牌词 春季 推广,2025-03-16,800,40,20.50,4\n")
    // The stored records answer to those ids: a put edits them, adding nothing.
    try north.put("ad_accounts", "north.bd-1.2025-03-16", ["platform": "baidu_pc"])
    try north.put("ad_daily", "north.bd-1.c-1001.2025-03-16", ["clicks": "41"])
    #expect(try north.records("ad_accounts").count == 2)
    #expect(try north.records("ad_daily").count == 2)
    #expect(
      try north.records("ad_daily").contains { $0["clicks"] == .number(JSONNumber(integer: 41)) })
  }

  @Test("§2.8: an account's record may not end before it starts")
  func endBeforeStart() throws {
    let (north, disk) = try branch()
    let message =
      "active_to 2025-02-28 is before active_from 2025-03-01; an account's record ends on or "
      + "after the day it starts"
    expectRefused(
      north, disk, "ad_accounts",
      Self.accountHeader + "bd-1,sem,baidu,s-1,2025-03-01,2025-02-28\n", line: 2, message)
    expectPutRefused(
      north, disk, "ad_accounts", "north.bd-1.2025-03-01",
      ["channel_id": "sem", "platform": "baidu", "owner": "s-1", "active_to": "2025-02-28"],
      message)
  }

  @Test("§2.8: the owner holds a sem assignment in the account's office on active_from")
  func owner() throws {
    let (north, disk) = try branch()
    expectRefused(
      north, disk, "ad_accounts",
      Self.accountHeader + "bd-1,sem,baidu,s-1,2025-01-01,\n"
        + "bd-2,sem,baidu,ghost,2025-01-01,\n",
      line: 3,
      "owner 'ghost' is not a staff member of office 'north' (no assignment there); record the "
        + "person's assignment first, or correct owner")
    expectRefused(
      north, disk, "ad_accounts", Self.accountHeader + "bd-2,sem,baidu,s-4,2025-02-01,\n",
      line: 2,
      "owner 's-4' has no assignment in 'north' on 2025-02-01, the account's active_from, so "
        + "its rows would count for no one; start the account on a day they work there")
    expectRefused(
      north, disk, "ad_accounts", Self.accountHeader + "bd-2,social,wechat,s-3,2025-01-01,\n",
      line: 2,
      "owner 's-3' is seo in 'north' on 2025-01-01, and ad accounts are run by sem staff (the "
        + "SEM KPIs list them); name an SEM specialist as owner")
    // A paid channel only: the schema's enum refuses seo.
    expectRefused(
      north, disk, "ad_accounts", Self.accountHeader + "bd-2,seo,baidu,s-1,2025-01-01,\n",
      line: 2, nil)
    try importCSV(north, "ad_accounts", Self.accountHeader + "bd-2,sem,baidu,s-4,2025-03-01,\n")
  }

  @Test("§2.8: two records of one account in one office may not overlap; a file may hand over")
  func overlap() throws {
    let (north, disk) = try branch()
    try importCSV(north, "ad_accounts", Self.accountHeader + "bd-1,sem,baidu,s-1,2025-01-01,\n")
    let open =
      "overlaps account bd-1's record in north from 2025-01-01 (still active); an account has "
      + "one owner at a time: end the other record the day before this one starts"
    expectRefused(
      north, disk, "ad_accounts", Self.accountHeader + "bd-1,sem,baidu,s-2,2025-03-16,\n",
      line: 2, open)
    expectPutRefused(
      north, disk, "ad_accounts", "north.bd-1.2025-03-16",
      ["channel_id": "sem", "platform": "baidu", "owner": "s-2"], open)
    // Within one file: the later row is refused.
    expectRefused(
      north, disk, "ad_accounts",
      Self.accountHeader + "bd-7,sem,baidu,s-1,2025-01-01,2025-03-20\n"
        + "bd-7,sem,baidu,s-2,2025-03-16,\n",
      line: 3,
      "overlaps account bd-7's record in north from 2025-01-01 to 2025-03-20; an account has "
        + "one owner at a time: end the other record the day before this one starts")
    // One file ends the stored record and starts the next one, in either order.
    try importCSV(
      north, "ad_accounts",
      Self.accountHeader + "bd-1,sem,baidu,s-2,2025-03-16,\n"
        + "bd-1,sem,baidu,s-1,2025-01-01,2025-03-15\n")
    #expect(try north.records("ad_accounts").count == 2)
  }

  @Test("§2.8: an ad_daily row names an account of its office active on its date")
  func dailyAccount() throws {
    let (north, disk) = try branch()
    try importCSV(
      north, "ad_accounts", Self.accountHeader + "bd-1,sem,baidu,s-1,2025-02-01,2025-03-15\n")
    expectRefused(
      north, disk, "ad_daily",
      Self.dailyHeader + "bd-1,c-1,,2025-03-01,,10,5.00,1\n" + "bd-9,c-1,,2025-03-01,,10,5.00,1\n",
      line: 3,
      "account 'bd-9' is not an ad account of office 'north' (no ad_accounts record); import "
        + "the account first, or correct account_id")
    expectRefused(
      north, disk, "ad_daily", Self.dailyHeader + "bd-1,c-1,,2025-03-16,,10,5.00,1\n", line: 2,
      "account 'bd-1' is not active in 'north' on 2025-03-16 (its records run "
        + "2025-02-01…2025-03-15), so the row would count for no one; correct date, or the "
        + "account's active dates")
    expectPutRefused(
      north, disk, "ad_daily", "north.bd-1.c-1.2025-01-31",
      ["clicks": "1", "cost": "1.00", "consultations": "0"],
      "account 'bd-1' is not active in 'north' on 2025-01-31 (its records run "
        + "2025-02-01…2025-03-15), so the row would count for no one; correct date, or the "
        + "account's active dates")
    try importCSV(north, "ad_daily", Self.dailyHeader + "bd-1,c-1,,2025-03-15,,10,5.00,1\n")
  }

  @Test("§2.8: a task's person has an assignment in its office during its month")
  func tasks() throws {
    let (north, disk) = try branch()
    expectRefused(
      north, disk, "tasks",
      Self.taskHeader + "t-1,s-3,2025-03,article,4,3\n" + "t-2,ghost,2025-03,article,4,3\n",
      line: 3,
      "staff_id 'ghost' is not a staff member of office 'north' (no assignment there); record "
        + "the person's assignment first, or correct staff_id")
    expectRefused(
      north, disk, "tasks", Self.taskHeader + "t-2,s-4,2025-02,video,4,3\n", line: 2,
      "staff_id 's-4' has no assignment in 'north' during 2025-02, so the task would count for "
        + "no one; correct period, or record the assignment first")
    // Counts are not negative (the schema refuses them).
    expectRefused(
      north, disk, "tasks", Self.taskHeader + "t-2,s-3,2025-03,video,-1,3\n", line: 2, nil)
    expectRefused(
      north, disk, "tasks", Self.taskHeader + "t-2,s-3,2025-03,video,1,-3\n", line: 2, nil)
    // s-4 joins on 1 March; planned 0 is a plan.
    try importCSV(
      north, "tasks", Self.taskHeader + "t-1,s-4,2025-03,video,0,0\n" + "t-2,s-3,2025-03,post,5,6\n"
    )
    #expect(try north.records("tasks").count == 2)
  }
}
