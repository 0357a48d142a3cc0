import Outpost
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport
import Testing

/// Which offices' rows head office's replies carry (SPEC.md §2.8, §8.6, §8.10): with the
/// `record_visibility` policy `own_office` an office receives only its own rows and head
/// office's collections, sets aside the other offices' rows it holds, and keeps them out
/// whatever order replies arrive in; widening the policy brings them back.
struct RowPrivacyTests {
  let now: @Sendable () -> Timestamp = { "2025-04-01T09:00:00Z" }

  /// Head office with north, east, orders and a department; north has received nothing yet.
  ///
  /// North's orders n-1, n-2 come from its submission, east's e-1…e-3 are written at head
  /// office. With `shared` (the tests of a policy change start from there) head office's
  /// policy is `all_offices`; otherwise it has none, and the default, `own_office`, applies.
  func world(shared: Bool = true) throws -> (
    hq: Repository, north: Repository, disk: MemoryFileSystem
  ) {
    let (hq, north, disk) = try twoOffices(now: now)
    if shared { _ = try hq.put("policies", "record_visibility", ["value": "all_offices"]) }
    _ = try hq.enroll("east")
    try north.importRecords(
      .csv(
        Array(
          ("order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
            + "n-1,c-1,sem,2025-03-01,1,100.00,confirmed\n"
            + "n-2,c-2,seo,2025-03-02,1,200.00,confirmed\n").utf8)),
      into: "orders", name: "north.csv")
    _ = try hq.merge(try north.submit().bytes, name: "north-1.bundle")
    try hq.importRecords(
      .csv(
        Array(
          ("order_id,office_id,customer_id,channel_id,order_date,quantity,amount,status\n"
            + "e-1,east,c-7,sem,2025-03-01,1,300.00,confirmed\n"
            + "e-2,east,c-8,sem,2025-03-03,1,400.00,confirmed\n"
            + "e-3,east,c-9,seo,2025-03-04,2,500.00,confirmed\n").utf8)),
      into: "orders", name: "east.csv")
    _ = try hq.put("departments", "training", ["name_zh": "培训部", "name_en": "Training"])
    return (hq, north, disk)
  }

  func narrow(_ hq: Repository) throws {
    _ = try hq.put("policies", "record_visibility", ["value": "own_office"])
  }

  @Test("by default a reply carries the office's own rows and the others' KPIs, not their rows")
  func ownOfficeByDefault() throws {
    let (hq, north, _) = try world(shared: false)
    let reply = try hq.reply(to: "north")
    #expect(reply.manifest.extra["record_visibility"] == .string("own_office"))
    let results = try #require(reply.manifest.extra[OtherOfficesKPIs.member])
    #expect(try OtherOfficesKPIs(json: results).offices.keys.sorted() == ["east"])
    let report = try north.receive(reply.bytes, name: "hq-1.reply")
    #expect(report.setAside.isEmpty)
    #expect(try recordIDs(north, "orders") == ["n-1", "n-2"])
    #expect(try recordIDs(north, "departments") == recordIDs(hq, "departments"))
    #expect(try north.kpis().entries.contains { $0.value.office == "east" })
    // Widening brings east's rows.
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    _ = try hq.put("policies", "record_visibility", ["value": "all_offices"])
    let widened = try hq.reply(to: "north")
    #expect(widened.manifest.extra["record_visibility"] == .string("all_offices"))
    #expect(widened.manifest.extra[OtherOfficesKPIs.member] == nil)
    _ = try north.receive(widened.bytes, name: "hq-2.reply")
    #expect(try recordIDs(north, "orders") == ["e-1", "e-2", "e-3", "n-1", "n-2"])
  }

  @Test("under all_offices every office's rows travel; under own_office only the office's own")
  func ownOffice() throws {
    let (hq, north, _) = try world()
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-1.reply")
    #expect(try recordIDs(north, "orders") == ["e-1", "e-2", "e-3", "n-1", "n-2"])
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    try narrow(hq)
    _ = try hq.put("orders", "e-1", ["amount": "310.00"])
    _ = try hq.put("orders", "n-1", ["amount": "110.00"])
    let reply = try hq.reply(to: "north")
    #expect(reply.manifest.extra["record_visibility"] == .string("own_office"))
    let report = try north.receive(reply.bytes, name: "hq-2.reply")
    // Head office's edit of e-1 did not travel.
    #expect(report.outcomes.map(\.id.rawValue).filter { $0.hasPrefix("e-") } == [])
    // East's rows held from the first reply are set aside; north's own and head office's
    // collections stay, with head office's edit of n-1.
    #expect(
      report.setAside.map { "\($0.collection)/\($0.id)" } == [
        "orders/e-1", "orders/e-2", "orders/e-3",
      ])
    #expect(try recordIDs(north, "orders") == ["n-1", "n-2"])
    #expect(try north.record("orders", "n-1")?["amount"] == .string("110.00"))
    #expect(try recordIDs(north, "departments") == recordIDs(hq, "departments"))
    #expect(try recordIDs(north, "policies") == ["record_visibility"])
    #expect(try north.verify().isClean)
    // Nothing set aside is submitted back, and head office keeps every row.
    let merged = try hq.merge(try north.submit().bytes, name: "north-3.bundle")
    #expect(merged.report.outcomes.filter { $0.id.rawValue.hasPrefix("e-") }.isEmpty)
    #expect(try recordIDs(hq, "orders") == ["e-1", "e-2", "e-3", "n-1", "n-2"])
    #expect(try hq.record("orders", "e-1")?["amount"] == .string("310.00"))
    // The next reply sets nothing more aside.
    let quiet = try north.receive(try hq.reply(to: "north").bytes, name: "hq-3.reply")
    #expect(quiet.setAside.isEmpty)
  }

  @Test("a reply carries the notes of head office's changes to what it carries, no others")
  func notes() throws {
    let (hq, north, _) = try world()
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-1.reply")
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    try narrow(hq)
    _ = try hq.put("orders", "e-1", ["amount": "310.00"], note: "east: refund of c-7")
    _ = try hq.put("orders", "n-1", ["amount": "110.00"], note: "north: price fix")
    _ = try hq.put(
      "staff", "east.s-1.2025-01-01",
      [
        "office_id": "east", "staff_id": "s-1", "name": "Qian", "position": "consultant",
        "department": "sales", "active_from": "2025-01-01",
      ], note: "east: new consultant")
    func notes(_ reply: MadeBundle) -> [String] {
      guard case .array(let entries)? = reply.manifest.extra["notes"] else { return [] }
      return entries.compactMap { $0["note"]?.stringValue }
    }
    #expect(notes(try hq.reply(to: "north")) == ["north: price fix"])
    // Under all_offices east's order travels, and its note with it; the person does not.
    _ = try hq.put("policies", "record_visibility", ["value": "all_offices"])
    #expect(notes(try hq.reply(to: "north")) == ["east: refund of c-7", "north: price fix"])
  }

  @Test("a late reply made under all_offices brings back no row a newer one set aside (§8.3)")
  func lateReply() throws {
    let (hq, north, _) = try world()
    let early = try hq.reply(to: "north")  // all_offices: carries east's rows
    try narrow(hq)
    let later = try hq.reply(to: "north")
    _ = try north.receive(later.bytes, name: "hq-2.reply")
    #expect(try recordIDs(north, "orders") == ["n-1", "n-2"])
    let filled = try north.receive(early.bytes, name: "hq-1.reply")
    #expect(filled.fillsGap)
    #expect(try recordIDs(north, "orders") == ["n-1", "n-2"])
    #expect(filled.outcomes.allSatisfy { !$0.id.rawValue.hasPrefix("e-") })
    // The department the early reply carried is applied as usual.
    #expect(try recordIDs(north, "departments") == recordIDs(hq, "departments"))
  }

  @Test("widening the policy brings back what was set aside and withheld since")
  func widen() throws {
    let (hq, north, _) = try world()
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-1.reply")
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    try narrow(hq)
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-2.reply")
    _ = try hq.merge(try north.submit().bytes, name: "north-3.bundle")
    try hq.importRecords(
      .csv(
        Array(
          ("order_id,office_id,customer_id,channel_id,order_date,quantity,amount,status\n"
            + "e-4,east,c-6,sem,2025-03-05,1,600.00,confirmed\n").utf8)),
      into: "orders", name: "east-2.csv")
    _ = try hq.delete("orders", "e-2")
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-3.reply")
    #expect(try recordIDs(north, "orders", deleted: true) == ["n-1", "n-2"])
    _ = try hq.merge(try north.submit().bytes, name: "north-4.bundle")
    _ = try hq.put("policies", "record_visibility", ["value": "all_offices"])
    let widened = try north.receive(try hq.reply(to: "north").bytes, name: "hq-4.reply")
    #expect(widened.setAside.isEmpty)
    #expect(try recordIDs(north, "orders") == recordIDs(hq, "orders"))
    #expect(try recordIDs(north, "orders") == ["e-1", "e-3", "e-4", "n-1", "n-2"])
    #expect(try north.records("orders") == hq.records("orders"))
    #expect(try north.verify().isClean)
  }

  @Test("a row deleted while withheld is collected as usual and never comes back (§8.10)")
  func collection() throws {
    let (hq, north, _) = try world()
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-1.reply")
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    try narrow(hq)
    _ = try hq.delete("orders", "e-2")
    try hq.revoke("east")  // a silent office would hold every collection back
    // Something later that north is sent carries its clock past the withheld deletion; the
    // reply sets north's copy aside in the same transaction.
    _ = try hq.put("departments", "training", ["name_en": "Training and coaching"])
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-2.reply")
    #expect(try recordIDs(north, "orders", deleted: true) == ["n-1", "n-2"])
    _ = try hq.merge(try north.submit().bytes, name: "north-3.bundle")
    let collected = try hq.write { writer throws(OutpostError) in
      do throws(StoreError) {
        return try writer.collectGarbage().collected
      } catch {
        throw OutpostError(error)
      }
    }
    #expect(collected.map { "\($0.collection)/\($0.id)" } == ["orders/e-2"])
    // Widening brings the live rows back, not the collected one.
    _ = try hq.put("policies", "record_visibility", ["value": "all_offices"])
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-3.reply")
    #expect(try recordIDs(north, "orders", deleted: true) == ["e-1", "e-3", "n-1", "n-2"])
    #expect(try north.records("orders") == hq.records("orders"))
  }

  @Test("a branch's deletion is collected once every other office acknowledges a later reply")
  func collectionWhileWithheld() throws {
    let (hq, north, disk) = try world()
    try hq.revoke("east")
    let key = try hq.enroll("west")
    let west = try Repository.create(
      at: "/w/west", office: "west", key: key.fileBytes, fileSystem: disk, now: now)
    func collectable() throws -> [String] {
      try hq.read { reader throws(OutpostError) in
        do throws(StoreError) {
          return try reader.collectableRecords().collected.map { "\($0.collection)/\($0.id)" }
        } catch { throw OutpostError(error) }
      }
    }
    try narrow(hq)
    for (office, name) in [(north, "north"), (west, "west")] {
      _ = try office.receive(try hq.reply(to: name).bytes, name: "\(name)-1.reply")
      _ = try hq.merge(try office.submit().bytes, name: "\(name)-1.bundle")
    }
    _ = try north.delete("orders", "n-2")
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "north-2.reply")
    _ = try hq.merge(try north.submit().bytes, name: "north-3.bundle")
    // West never receives north's rows, so its clock never covers north's deletion; what
    // counts is that it acknowledged a reply made after it (SPEC.md §8.10).
    #expect(try collectable() == [])
    let reply = try west.receive(try hq.reply(to: "west").bytes, name: "west-2.reply")
    #expect(reply.outcomes.isEmpty)
    #expect(try collectable() == [])
    _ = try hq.merge(try west.submit().bytes, name: "west-2.bundle")
    #expect(try collectable() == ["orders/n-2"])
  }

  @Test("the resolution of a conflict on another office's row is set aside with the row")
  func resolutions() throws {
    let (hq, north, disk) = try world()
    let key = try hq.enroll("west")
    let west = try Repository.create(
      at: "/w/west", office: "west", key: key.fileBytes, fileSystem: disk, now: now)
    _ = try west.put(
      "orders", "w-1",
      [
        "customer_id": "c-3", "channel_id": "sem", "order_date": "2025-03-09", "quantity": "1",
        "amount": "90.00", "status": "confirmed",
      ])
    _ = try hq.merge(try west.submit().bytes, name: "west-1.bundle")
    _ = try west.receive(try hq.reply(to: "west").bytes, name: "west-1.reply")
    _ = try west.put("orders", "w-1", ["amount": "95.00"])
    _ = try hq.put("orders", "w-1", ["amount": "99.00"])
    _ = try hq.merge(try west.submit().bytes, name: "west-2.bundle")
    let (resolution, _) = try hq.resolve(
      "orders", "w-1", .take(ReplicaID(unchecked: "west")), note: "the receipt")
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-1.reply")
    #expect(try recordIDs(north, "resolutions") == [resolution.rawValue])
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    try narrow(hq)
    let report = try north.receive(try hq.reply(to: "north").bytes, name: "hq-2.reply")
    #expect(try recordIDs(north, "resolutions") == [])
    #expect(report.setAside.contains { $0.collection == "resolutions" })
    // West keeps its own row's resolution.
    _ = try west.receive(try hq.reply(to: "west").bytes, name: "west-2.reply")
    #expect(try recordIDs(west, "resolutions") == [resolution.rawValue])
    #expect(try recordIDs(west, "orders") == ["w-1"])
  }

  @Test("a branch keeps the policy of the newest reply it applied in its peer document (§8.8)")
  func peerDocument() throws {
    var peer = PeerState(
      peer: ReplicaID(unchecked: "hq"), keyID: "k", enrolledAt: "2025-04-01T09:00:00Z")
    #expect(try PeerState(json: peer.json).recordVisibility == nil)
    peer.recordVisibility = PeerState.AppliedPolicy(seq: 7, value: .ownOffice)
    let read = try PeerState(json: peer.json)
    #expect(read.recordVisibility?.seq == 7 && read.recordVisibility?.value == .ownOffice)
    #expect(read == peer)
    let text = String(decoding: JSONWriter.prettyBytes(peer.json), as: UTF8.self)
    #expect(text.contains("\"record_visibility\""))
  }
}
