import Outpost
import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport
import Testing

/// Which people's records head office's replies carry (SPEC.md §2.8, §8.6): by default an
/// office receives only its own staff, person ratings and person targets; head office's
/// `staff_visibility` policy `all_offices` shares every office's, and widening the policy brings
/// what earlier replies withheld.
struct StaffPrivacyTests {
  /// Head office with north (s-1…s-4, from north's submission) and east (s-5…s-7), a person
  /// target and a person rating for s-1 (north) and s-5 (east), and a company-wide position
  /// target; north has received nothing yet.
  func world() throws -> (hq: Repository, north: Repository, disk: MemoryFileSystem) {
    let (hq, north, disk) = try ScopedTargetTests().offices()
    let header = ScopedTargetTests.targetHeader
    try hq.importRecords(
      .csv(
        Array(
          (header + ScopedTargetTests.target("t-s1", "deal_amount", "north", "staff", "s-1", "900")
            + ScopedTargetTests.target("t-s5", "deal_amount", "east", "staff", "s-5", "800")
            + ScopedTargetTests.target(
              "t-pos", "deal_amount", "hq", "position", "consultant", "1000")).utf8)),
      into: "targets", name: "targets.csv")
    try hq.importRecords(
      .csv(
        Array(
          ("rating_id,office_id,subject,criterion_id,period,score,rater\n"
            + "r-1,north,s-1,professional_skill,2025-03,80,ceo\n"
            + "r-5,east,s-5,professional_skill,2025-03,90,ceo\n"
            + "r-o,east,,admin_assessment,2025-03,70,ceo\n").utf8)),
      into: "qualitative_ratings", name: "ratings.csv")
    return (hq, north, disk)
  }

  func receive(_ north: Repository, from hq: Repository, _ name: String) throws {
    _ = try north.receive(try hq.reply(to: "north").bytes, name: name)
  }

  @Test("by default a reply carries only the office's own people; the rest of the data travels")
  func ownOfficeByDefault() throws {
    let (hq, north, _) = try world()
    try receive(north, from: hq, "hq-1.reply")
    #expect(
      try recordIDs(north, "staff") == [
        "north.s-1.2025-01-01", "north.s-2.2025-01-01", "north.s-3.2025-01-01",
        "north.s-4.2025-01-01",
      ])
    // Its own person target and the company-wide position target; east's office rating too.
    #expect(try recordIDs(north, "targets") == ["t-pos", "t-s1"])
    #expect(try recordIDs(north, "qualitative_ratings") == ["r-1", "r-o"])
    // Head office keeps everything.
    #expect(try recordIDs(hq, "staff").count == 7)
    #expect(try recordIDs(hq, "targets") == ["t-pos", "t-s1", "t-s5"])
  }

  @Test("widening the policy brings what earlier replies withheld; narrowing stops new ones")
  func widenThenNarrow() throws {
    let (hq, north, _) = try world()
    try receive(north, from: hq, "hq-1.reply")
    // North acknowledges the reply: its next submission covers head office's events so far,
    // the withheld ones included.
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    _ = try hq.put("policies", "staff_visibility", ["value": "all_offices"])
    try receive(north, from: hq, "hq-2.reply")
    #expect(try recordIDs(north, "staff").count == 7)
    #expect(try recordIDs(north, "targets") == ["t-pos", "t-s1", "t-s5"])
    #expect(try recordIDs(north, "qualitative_ratings") == ["r-1", "r-5", "r-o"])
    // Once north has seen the policy, replies carry only what it lacks again.
    _ = try hq.merge(try north.submit().bytes, name: "north-3.bundle")
    let quiet = try north.receive(try hq.reply(to: "north").bytes, name: "hq-3.reply")
    #expect(quiet.outcomes.filter { $0.collection == "staff" }.isEmpty)
    // Narrowed again: east's new assignment stays at head office.
    _ = try hq.put("policies", "staff_visibility", ["value": "own_office"])
    try hq.importRecords(
      .csv(
        Array(
          ("staff_id,office_id,name,position,department,active_from,active_to\n"
            + "s-8,east,Lin,sales,sales,2025-03-01,\n").utf8)), into: "staff", name: "s8.csv")
    try receive(north, from: hq, "hq-4.reply")
    #expect(try recordIDs(north, "staff").count == 7)
    #expect(try recordIDs(hq, "staff").count == 8)
  }

  @Test("a withheld deletion is not collected; widening the policy sends it (SPEC §8.10)")
  func deletionsWaitForTheWidening() throws {
    let (hq, north, _) = try world()
    func collectable() throws -> [String] {
      try hq.read { reader throws(OutpostError) in
        do throws(StoreError) {
          return try reader.collectableRecords().collected.map { "\($0.collection)/\($0.id)" }
        } catch { throw OutpostError(error) }
      }
    }
    // North holds east's people under all_offices, then head office narrows the policy and
    // deletes east's s-6, and writes something later that north is sent (so north's clock, and
    // the collection horizon, pass the deletion).
    _ = try hq.put("policies", "staff_visibility", ["value": "all_offices"])
    try receive(north, from: hq, "hq-1.reply")
    #expect(try recordIDs(north, "staff").contains("east.s-6.2025-01-01"))
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    _ = try hq.put("policies", "staff_visibility", ["value": "own_office"])
    _ = try hq.delete("staff", "east.s-6.2025-01-01")
    _ = try hq.put("departments", "training", ["name_zh": "培训部", "name_en": "Training"])
    try receive(north, from: hq, "hq-2.reply")
    #expect(try recordIDs(north, "staff").contains("east.s-6.2025-01-01"))
    _ = try hq.merge(try north.submit().bytes, name: "north-3.bundle")
    try hq.revoke("east")  // a silent office would hold every collection back
    // The tombstone stays: north still holds a copy that only a widening can correct.
    #expect(try collectable() == [])
    _ = try hq.put("policies", "staff_visibility", ["value": "all_offices"])
    try receive(north, from: hq, "hq-3.reply")
    #expect(!(try recordIDs(north, "staff").contains("east.s-6.2025-01-01")))
    #expect(try recordIDs(north, "staff") == recordIDs(hq, "staff"))
    // Once north has seen the widening, the deletion is collected.
    _ = try hq.merge(try north.submit().bytes, name: "north-4.bundle")
    #expect(try collectable() == ["staff/east.s-6.2025-01-01"])
  }

  @Test("the resolution of a conflict on a person's record travels as the record does")
  func resolutions() throws {
    let (hq, north, disk) = try twoOffices(now: { "2025-04-01T09:00:00Z" })
    let key = try hq.enroll("west")
    let west = try Repository.create(
      at: "/w/west", office: "west", key: key.fileBytes, fileSystem: disk,
      now: { "2025-04-01T09:00:00Z" })
    try north.importRecords(
      .csv(
        Array(
          ("staff_id,name,position,department,active_from,active_to\n"
            + "s-1,Li,consultant,sales,2025-01-01,\n").utf8)), into: "staff", name: "staff.csv")
    _ = try hq.merge(try north.submit().bytes, name: "north-1.bundle")
    // Both sides correct s-1's name: a conflict, which head office resolves.
    _ = try north.put("staff", "north.s-1.2025-01-01", ["name": "Li Na"])
    _ = try hq.put("staff", "north.s-1.2025-01-01", ["name": "Li Nan"])
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    #expect(try hq.conflicts().map(\.id.rawValue) == ["north.s-1.2025-01-01"])
    let (resolution, _) = try hq.resolve(
      "staff", "north.s-1.2025-01-01", .take(ReplicaID(unchecked: "north")), note: "her ID card")
    try receive(north, from: hq, "north-1.reply")
    _ = try west.receive(try hq.reply(to: "west").bytes, name: "west-1.reply")
    // North gets the resolution of its own person; west neither the person nor the resolution.
    #expect(try recordIDs(north, "resolutions") == [resolution.rawValue])
    #expect(try recordIDs(west, "resolutions") == [])
    #expect(try recordIDs(west, "staff") == [])
    // Shared, both travel.
    _ = try hq.put("policies", "staff_visibility", ["value": "all_offices"])
    _ = try west.receive(try hq.reply(to: "west").bytes, name: "west-2.reply")
    #expect(try recordIDs(west, "resolutions") == [resolution.rawValue])
    #expect(try recordIDs(west, "staff") == ["north.s-1.2025-01-01"])
  }

  @Test("a policy other than own_office or all_offices is refused, writing nothing")
  func refused() throws {
    let (hq, _, disk) = try world()
    let before = disk.snapshot()
    // Both policies (§2.8: staff_visibility, and record_visibility for other offices' rows).
    for policy in ["staff_visibility", "record_visibility"] {
      do throws(OutpostError) {
        _ = try hq.put("policies", policy, ["value": "everyone"])
        Issue.record("accepted an unknown \(policy) value")
      } catch {
        #expect(error.code == .invalidData)
        #expect(
          error.message.contains("not a \(policy) policy; use own_office or all_offices"),
          "\(error)")
      }
    }
    do throws(OutpostError) {
      _ = try hq.put("policies", "share_scores", ["value": "all_offices"])
      Issue.record("accepted an unknown policy")
    } catch {
      #expect(
        error.message.contains("is not one of record_visibility, staff_visibility"), "\(error)")
    }
    #expect(disk.snapshot() == before)
  }
}
