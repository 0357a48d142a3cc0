import Outpost
import OutpostKPI
import OutpostModel
import OutpostTestSupport
import Testing

/// SPEC.md §9.4 (the qualitative items) and §2.7: head office rates offices and people on
/// criteria it publishes; a person's rating counts for the person only, a quarter's rating only
/// in the quarter and the year, and a rating that would count for no one is refused.
struct PersonRatingTests {
  let now: @Sendable () -> Timestamp = { "2025-06-01T00:00:00+08:00" }

  static let header = "rating_id,office_id,subject,criterion_id,period,score,rater\n"

  /// Head office with north's supervisor n-01 and consultant n-02, both from January (n-02
  /// a supervisor from 2025-03-16), and n-03 from 2025-03-10.
  func headOffice() throws -> (Repository, MemoryFileSystem) {
    let (hq, _, disk) = try twoOffices(now: now)
    try hq.importRecords(
      .csv(
        Array(
          ("staff_id,office_id,name,position,department,active_from,active_to\n"
            + "n-01,north,Wang,supervisor,promotion,2025-01-01,\n"
            + "n-02,north,Li,consultant,sales,2025-01-01,2025-03-15\n"
            + "n-02,north,Li,supervisor,promotion,2025-03-16,\n"
            + "n-03,north,Wu,sales,sales,2025-03-10,\n").utf8)), into: "staff",
      name: "staff.csv")
    return (hq, disk)
  }

  func rate(_ hq: Repository, _ rows: String) throws(OutpostError) {
    try hq.importRecords(
      .csv(Array((Self.header + rows).utf8)), into: "qualitative_ratings", name: "ratings.csv")
  }

  func values(
    _ hq: Repository, _ kpi: String, _ period: String, _ breakdown: Breakdown = .office
  ) throws -> [String] {
    let result = try hq.kpis(
      KPIRequest(kpis: [kpi], period: Period(parsing: period)!, breakdown: breakdown))
    return result.entries.map {
      "\($0.value.staff ?? $0.value.office)=\($0.value.value?.description ?? $0.value.reason ?? "?")"
    }
  }

  @Test("a person's rating is the person's, never mixed into the office's")
  func personAndOffice() throws {
    let (hq, _) = try headOffice()
    try rate(
      hq,
      "r1,north,,team_building,2025-03,80,director\n"
        + "r2,north,n-01,team_building,2025-03,90,director\n"
        + "r3,north,n-01,team_building,2025-Q1,70,director\n"
        + "r4,north,n-02,professional_skill,2025-03-15,60,director\n")
    // The office's team building in March is its own rating, 80 (not (80 + 90) / 2).
    #expect(try values(hq, "team_building", "2025-03") == ["north=80.00"])
    // n-01's in March is 90: the quarter's rating is in no month.
    // (n-02, a supervisor from the 16th, is listed without a rating.)
    #expect(
      try values(hq, "staff_team_building", "2025-03", .staff) == ["n-01=90.00", "n-02=no_data"])
    // In the quarter, both of n-01's ratings: (90 + 70) / 2 = 80; the office still has its 80.
    #expect(
      try values(hq, "staff_team_building", "2025-Q1", .staff) == ["n-01=80.00", "n-02=no_data"])
    #expect(try values(hq, "team_building", "2025-Q1") == ["north=80.00"])
    // Professional skill rates any position: n-02's rating of the 15th counts for the
    // consultant n-02 was that day; the others, listed (an active assignment), have none.
    #expect(
      try values(hq, "staff_professional_skill", "2025-03", .staff)
        == ["n-01=no_data", "n-02=60.00", "n-02=no_data", "n-03=no_data"])
    // A person's rating KPI exists only per person.
    #expect(throws: OutpostError.self) { try values(hq, "staff_team_building", "2025-03") }
  }

  @Test(
    "a rating that would count for no one is refused, nothing written",
    arguments: [
      (
        "r9,north,n-02,team_building,2025-03,90,director\n",
        "criterion 'team_building' rates supervisor, and n-02 is consultant on 2025-03-01, "
          + "where a rating of 2025-03 counts; rate a criterion of that position"
      ),
      (
        "r9,north,n-09,professional_skill,2025-03,90,director\n",
        "subject 'n-09' is not a staff member of office 'north' (no assignment there); rate a "
          + "person of that office, or leave subject empty to rate the office"
      ),
      (
        "r9,north,n-01,professional_skill,2024-12,90,director\n",
        "subject 'n-01' has no assignment in 'north' on 2024-12-01, the first day of 2024-12, "
          + "where a rating of 2024-12 counts, so it would count for no one; rate a period that "
          + "starts while they work there (a day, if need be)"
      ),
      (
        // n-03 joins on 2025-03-10: March's rating would count on the 1st, before they did.
        "r9,north,n-03,professional_skill,2025-03,90,director\n",
        "subject 'n-03' has no assignment in 'north' on 2025-03-01, the first day of 2025-03, "
          + "where a rating of 2025-03 counts, so it would count for no one; rate a period that "
          + "starts while they work there (a day, if need be)"
      ),
      (
        // n-02 becomes supervisor on 2025-03-16: still a consultant on the quarter's first day.
        "r9,north,n-02,team_building,2025-Q1,90,director\n",
        "criterion 'team_building' rates supervisor, and n-02 is consultant on 2025-01-01, where "
          + "a rating of 2025-Q1 counts; rate a criterion of that position"
      ),
      (
        "r9,north,n-01,admin_assessment,2025-03,90,director\n",
        "criterion 'admin_assessment' rates offices, not people; leave subject empty"
      ),
      (
        "r9,north,,professional_skill,2025-W10,90,director\n",
        "period '2025-W10' (a week) is never counted: ratings are read by day, month, quarter or "
          + "year; rate the month (2025-03)"
      ),
      (
        "r9,north,,customer_care,2025-03,90,director\n",
        "criterion 'customer_care' is not a known rating criterion; criteria are admin_assessment, "
          + "content_quality, dealer_management, professional_skill, team_building, and head "
          + "office adds more in 'rating_criteria'"
      ),
    ])
  func refused(_ row: String, _ message: String) throws {
    let (hq, disk) = try headOffice()
    let before = disk.snapshot()
    do {
      try rate(hq, row)
      Issue.record("accepted")
    } catch {
      #expect(error.code == .invalidData)
      #expect(error.problems.map(\.message) == [message])
      #expect(error.problems.map(\.location.line) == [2])
    }
    #expect(disk.snapshot() == before)
  }

  @Test("a criterion head office publishes can be rated, for the positions it names")
  func publishedCriterion() throws {
    let (hq, _) = try headOffice()
    do {
      _ = try hq.put(
        "rating_criteria", "customer_care",
        ["name_zh": "客户关怀", "name_en": "Customer care", "positions": #"["trainer"]"#])
      Issue.record("accepted an unknown position")
    } catch {
      #expect(error.message.hasPrefix("position 'trainer' is not a known position"))
    }
    _ = try hq.put(
      "rating_criteria", "customer_care",
      ["name_zh": "客户关怀", "name_en": "Customer care", "positions": #"["consultant"]"#])
    try rate(hq, "r1,north,n-02,customer_care,2025-03,75,director\n")
    #expect(try hq.records("qualitative_ratings").count == 1)
    // n-01 is a supervisor: not rated on customer care.
    #expect(throws: OutpostError.self) {
      try rate(hq, "r2,north,n-01,customer_care,2025-03,75,director\n")
    }
  }
}
