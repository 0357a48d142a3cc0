import Outpost
import OutpostTestSupport
import Testing

/// The rules of `staff`, `positions` and `departments` records (SPEC.md §2.8), through the
/// library.
///
/// An assignment names a known position and department (built in, or head office's
/// records), ends on or after it starts, and does not overlap another assignment of the same
/// person in the same office, stored or earlier in the same file; a position names a known
/// department. Each refusal is `invalidData` with the message, the file and line (import) or
/// the record (put), and the repository's bytes unchanged (§2.7).
struct StaffRulesTests {
  let now: @Sendable () -> Timestamp = { "2025-04-01T09:00:00Z" }

  /// A branch's staff file: the office is the branch's own.
  static let header = "staff_id,name,position,department,active_from,active_to\n"
  /// Head office's staff file names the office.
  static let hqHeader = "staff_id,office_id,name,position,department,active_from,active_to\n"

  static let knownPositions =
    "positions are consultant, new_media, sales, sem, seo, supervisor, and head office adds more "
    + "in 'positions'"

  /// Imports `rows` (after the header) into `staff` as `staff.csv`, expecting one problem at
  /// `line` with `message`, and nothing written.
  func expectRefused(
    _ repository: Repository, _ disk: MemoryFileSystem, _ rows: String, line: Int,
    _ message: String, header: String = Self.header,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let before = disk.snapshot()
    do {
      try repository.importRecords(
        .csv(Array((header + rows).utf8)), into: "staff", name: "staff.csv")
      Issue.record("the import was accepted", sourceLocation: sourceLocation)
    } catch {
      #expect(error.code == .invalidData, sourceLocation: sourceLocation)
      #expect(
        error.message == "1 problem(s) in staff.csv; nothing was imported",
        sourceLocation: sourceLocation)
      #expect(error.problems.map(\.message) == [message], sourceLocation: sourceLocation)
      #expect(
        error.problems.map(\.location) == [
          .init(file: "staff.csv", line: line, collection: "staff")
        ], sourceLocation: sourceLocation)
      #expect(error.problems.map(\.code) == [.invalidData], sourceLocation: sourceLocation)
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
      #expect(
        error.location == .init(collection: collection, record: id),
        sourceLocation: sourceLocation)
    }
    #expect(disk.snapshot() == before, "nothing is written", sourceLocation: sourceLocation)
  }

  /// Imports `rows` into `staff`, which must be accepted.
  func importStaff(_ repository: Repository, _ rows: String, header: String = Self.header)
    throws(OutpostError)
  {
    try repository.importRecords(.csv(Array((header + rows).utf8)), into: "staff", name: "ok.csv")
  }

  @Test("§2.8: an unknown position is refused, with the known ones and the closest")
  func unknownPosition() throws {
    let (_, north, disk) = try twoOffices(now: now)
    expectRefused(
      north, disk,
      "s-1,Li,consultant,sales,2025-01-01,\n" + "s-2,Wang,consultnat,sales,2025-01-01,\n",
      line: 3,
      "position 'consultnat' is not a known position (did you mean 'consultant'?); "
        + Self.knownPositions)
    expectPutRefused(
      north, disk, "staff", "north.s-2.2025-01-01",
      ["name": "Wang", "position": "consultnat", "department": "sales"],
      "position 'consultnat' is not a known position (did you mean 'consultant'?); "
        + Self.knownPositions)
    // The good row alone is accepted: the refusal was the bad row's.
    try importStaff(north, "s-1,Li,consultant,sales,2025-01-01,\n")
    #expect(try north.records("staff").count == 1)
  }

  @Test("§2.8: an unknown department is refused, with the known ones")
  func unknownDepartment() throws {
    let (_, north, disk) = try twoOffices(now: now)
    let message =
      "department 'marketing' is not a known department; departments are promotion, sales, "
      + "service, and head office adds more in 'departments'"
    expectRefused(north, disk, "s-1,Li,sem,marketing,2025-01-01,\n", line: 2, message)
    expectPutRefused(
      north, disk, "staff", "north.s-1.2025-01-01",
      ["name": "Li", "position": "sem", "department": "marketing"], message)
  }

  @Test("§2.8: an assignment may not end before it starts; it may end the day it starts")
  func endBeforeStart() throws {
    let (_, north, disk) = try twoOffices(now: now)
    let message =
      "active_to 2025-02-28 is before active_from 2025-03-01; an assignment ends on or after the "
      + "day it starts"
    expectRefused(north, disk, "s-1,Li,sales,sales,2025-03-01,2025-02-28\n", line: 2, message)
    expectPutRefused(
      north, disk, "staff", "north.s-1.2025-03-01",
      ["name": "Li", "position": "sales", "department": "sales", "active_to": "2025-02-28"],
      message)
    try importStaff(north, "s-1,Li,sales,sales,2025-03-01,2025-03-01\n")
    // Moving the end of the stored assignment before its start is refused too.
    expectPutRefused(
      north, disk, "staff", "north.s-1.2025-03-01", ["active_to": "2025-02-28"], message)
  }

  @Test("§2.8: an assignment overlapping a stored one of the same person and office is refused")
  func overlapWithStored() throws {
    let (_, north, disk) = try twoOffices(now: now)
    try importStaff(
      north,
      "s-1,Li,consultant,sales,2025-01-01,\n" + "s-5,Zhou,sales,sales,2025-01-01,2025-01-31\n")
    let open =
      "overlaps s-1's assignment in north from 2025-01-01 (still active); a person holds one "
      + "assignment per office at a time: end the other one the day before this one starts"
    expectRefused(north, disk, "s-1,Li,supervisor,promotion,2025-02-01,\n", line: 2, open)
    expectPutRefused(
      north, disk, "staff", "north.s-1.2025-02-01",
      ["name": "Li", "position": "supervisor", "department": "promotion"], open)
    // An assignment starting on the stored one's last day overlaps it by that day...
    expectRefused(
      north, disk, "s-5,Zhou,supervisor,promotion,2025-01-31,\n", line: 2,
      "overlaps s-5's assignment in north from 2025-01-01 to 2025-01-31; a person holds one "
        + "assignment per office at a time: end the other one the day before this one starts")
    // ...one starting the next day does not; other people are not concerned.
    try importStaff(
      north,
      "s-5,Zhou,supervisor,promotion,2025-02-01,\n" + "s-6,Sun,consultant,sales,2025-01-15,\n")
    // Lengthening a stored assignment into the next one is refused too.
    expectPutRefused(
      north, disk, "staff", "north.s-5.2025-01-01", ["active_to": "2025-02-01"],
      "overlaps s-5's assignment in north from 2025-02-01 (still active); a person holds one "
        + "assignment per office at a time: end the other one the day before this one starts")
    #expect(try north.records("staff").count == 4)
  }

  @Test("§2.8: assignments of one person overlapping within one file are refused at the later")
  func overlapWithinFile() throws {
    let (_, north, disk) = try twoOffices(now: now)
    expectRefused(
      north, disk,
      "s-1,Li,consultant,sales,2025-01-01,2025-02-28\n"
        + "s-1,Li,supervisor,promotion,2025-02-15,\n",
      line: 3,
      "overlaps s-1's assignment in north from 2025-01-01 to 2025-02-28; a person holds one "
        + "assignment per office at a time: end the other one the day before this one starts")
    // Every problem of the file at once, in line order: line 2's position, and line 3's
    // overlap with line 2 (still active), so the clerk fixes both in one round.
    let before = disk.snapshot()
    do {
      try importStaff(
        north, "s-1,Li,manager,sales,2025-01-01,\n" + "s-1,Li,supervisor,promotion,2025-02-15,\n")
      Issue.record("the import was accepted")
    } catch {
      #expect(error.message == "2 problem(s) in ok.csv; nothing was imported")
      #expect(
        error.problems.map(\.message) == [
          "position 'manager' is not a known position; " + Self.knownPositions,
          "overlaps s-1's assignment in north from 2025-01-01 (still active); a person holds one "
            + "assignment per office at a time: end the other one the day before this one starts",
        ])
      #expect(error.problems.map(\.location.line) == [2, 3])
    }
    #expect(disk.snapshot() == before)
    // Back to back is fine.
    try importStaff(
      north,
      "s-1,Li,consultant,sales,2025-01-01,2025-02-14\n"
        + "s-1,Li,supervisor,promotion,2025-02-15,\n")
    #expect(try north.records("staff").count == 2)
  }

  @Test("§2.8: ending the stored assignment and starting the next in one file is accepted")
  func closeAndOpenInOneFile() throws {
    let (_, north, _) = try twoOffices(now: now)
    try importStaff(north, "s-1,Li,consultant,sales,2025-01-01,\n")
    // The refusal's own advice, "end the other one the day before this one starts", done in
    // one file: line 2 ends the stored assignment on 02-14, line 3 starts on 02-15. Once
    // imported nothing overlaps, so nothing should be refused.
    do {
      try importStaff(
        north,
        "s-1,Li,consultant,sales,2025-01-01,2025-02-14\n"
          + "s-1,Li,supervisor,promotion,2025-02-15,\n")
    } catch {
      Issue.record(
        "refused: \(error.problems.map { "line \($0.location.line ?? 0): \($0.message)" })")
    }
    #expect(try north.records("staff").count == 2)
    // In the other order too: the next assignment first, then the end of the current one.
    try importStaff(north, "s-3,Wu,sales,sales,2025-01-01,\n")
    try importStaff(
      north,
      "s-3,Wu,supervisor,promotion,2025-03-01,\n" + "s-3,Wu,sales,sales,2025-01-01,2025-02-28\n")
    #expect(
      try north.record("staff", "north.s-3.2025-01-01")?["active_to"] == .string("2025-02-28"))
  }

  @Test("§2.8: a position or department head office publishes is known from then on")
  func publishedPosition() throws {
    let (hq, north, disk) = try twoOffices(now: now)
    let row = "s-1,hq,Li,trainer,training,2025-01-01,\n"
    expectRefused(
      hq, disk, row, line: 2,
      "position 'trainer' is not a known position; " + Self.knownPositions,
      header: Self.hqHeader)
    // A position of a department nobody published is refused...
    expectPutRefused(
      hq, disk, "positions", "trainer",
      ["name_zh": "培训师", "name_en": "Trainer", "department_id": "training"],
      "department 'training' is not a known department (promotion, sales, service); add it to "
        + "'departments' first, or correct department_id")
    // ...at import as well, with its line.
    let before = disk.snapshot()
    do {
      try hq.importRecords(
        .csv(
          Array(
            ("position_id,name_zh,name_en,department_id\n" + "coach,教练,Coach,service\n"
              + "trainer,培训师,Trainer,training\n").utf8)), into: "positions", name: "pos.csv")
      Issue.record("the import was accepted")
    } catch {
      #expect(error.problems.map(\.location.line) == [3])
      #expect(error.problems.first?.message.hasPrefix("department 'training' is not") == true)
    }
    #expect(disk.snapshot() == before)
    // Published in order, the department and then the position, both are known.
    try hq.put("departments", "training", ["name_zh": "培训部", "name_en": "Training"])
    try hq.put(
      "positions", "trainer",
      ["name_zh": "培训师", "name_en": "Trainer", "department_id": "training"])
    try importStaff(hq, row, header: Self.hqHeader)
    #expect(try hq.record("staff", "hq.s-1.2025-01-01")?["position"] == .string("trainer"))
    // A branch knows them once head office's reply has brought them.
    expectRefused(
      north, disk, "s-2,Wang,trainer,training,2025-01-01,\n", line: 2,
      "position 'trainer' is not a known position; " + Self.knownPositions)
    _ = try hq.merge(try north.submit().bytes, name: "north-1.bundle")
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "north-1.reply")
    try importStaff(north, "s-2,Wang,trainer,training,2025-01-01,\n")
    // Its own s-2 only: head office's s-1 stays there (SPEC.md §2.8, own_office by default).
    #expect(try north.records("staff").count == 1)
  }

  @Test("§2.8: one person's assignments in two offices may overlap (a move or a shared person)")
  func twoOfficesMayOverlap() throws {
    let (hq, north, _) = try twoOffices(now: now)
    // Head office records s-1 at head office and s-7 at both offices, overlapping.
    try importStaff(
      hq,
      "s-1,hq,Li,supervisor,promotion,2025-01-01,\n" + "s-7,hq,Qian,sales,sales,2025-01-01,\n"
        + "s-7,north,Qian,sales,sales,2025-02-01,\n",
      header: Self.hqHeader)
    // North receives head office's assignments (head office shares every office's people,
    // SPEC.md §2.8), then records s-1 from February: not refused, the stored assignment is
    // another office's.
    try hq.put("policies", "staff_visibility", ["value": "all_offices"])
    _ = try hq.merge(try north.submit().bytes, name: "north-1.bundle")
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "north-1.reply")
    #expect(try north.record("staff", "hq.s-1.2025-01-01")?["office_id"] == .string("hq"))
    try importStaff(north, "s-1,Li,consultant,sales,2025-02-15,\n")
    #expect(try north.record("staff", "north.s-1.2025-02-15")?["office_id"] == .string("north"))
    // North's own s-7 (from head office) does overlap a new north assignment of s-7.
    do {
      try importStaff(north, "s-7,Qian,consultant,sales,2025-03-01,\n")
      Issue.record("the import was accepted")
    } catch {
      #expect(
        error.problems.first?.message.hasPrefix(
          "overlaps s-7's assignment in north from 2025-02-01 (still active)") == true)
    }
  }

  @Test("§2.8: one person may start in two offices on the same day (ids must not collide)")
  func sameStartInTwoOffices() throws {
    let (hq, _, _) = try twoOffices(now: now)
    // s-7 works for head office and for north, both from 2025-01-01: two assignments of
    // different offices, which may overlap. The id (office_id, staff_id, active_from) tells
    // them apart.
    do {
      try importStaff(
        hq,
        "s-7,hq,Qian,supervisor,promotion,2025-01-01,\n"
          + "s-7,north,Qian,supervisor,promotion,2025-01-01,\n",
        header: Self.hqHeader)
    } catch {
      Issue.record("refused: \(error.problems.map(\.message))")
    }
    #expect(try hq.records("staff").count == 2)
    // The same at the branch: head office's assignment arrives, then north records its own.
    let (hq2, north2, _) = try twoOffices(now: now)
    try importStaff(hq2, "s-7,hq,Qian,supervisor,promotion,2025-01-01,\n", header: Self.hqHeader)
    try hq2.put("policies", "staff_visibility", ["value": "all_offices"])
    _ = try hq2.merge(try north2.submit().bytes, name: "north-1.bundle")
    _ = try north2.receive(try hq2.reply(to: "north").bytes, name: "north-1.reply")
    do {
      try importStaff(north2, "s-7,Qian,supervisor,promotion,2025-01-01,\n")
    } catch {
      Issue.record("refused at the branch: \(error.message) \(error.problems.map(\.message))")
    }
    #expect(try north2.records("staff").count == 2)
  }
}
