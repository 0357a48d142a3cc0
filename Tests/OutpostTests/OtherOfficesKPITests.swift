import Outpost
import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport
import Testing

/// Other offices' KPI values in replies (SPEC.md §8.6, §9.6): under `record_visibility`
/// `own_office` a reply carries, instead of the other offices' rows, their KPIs as head office
/// computes them, only for the offices whose data changed since the reply the office last
/// acknowledged; a branch keeps the newest of each and shows them in `kpi`.
struct OtherOfficesKPITests {
  /// North has applied an all_offices reply and head office has its acknowledgement; then head
  /// office narrows the policy.
  func narrowed() throws -> (hq: Repository, north: Repository, disk: MemoryFileSystem) {
    let privacy = RowPrivacyTests()
    let (hq, north, disk) = try privacy.world()
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-1.reply")
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    try privacy.narrow(hq)
    return (hq, north, disk)
  }

  /// The `extra.kpi_results` of a reply, read back.
  func results(_ reply: MadeBundle) throws -> OtherOfficesKPIs? {
    try reply.manifest.extra[OtherOfficesKPIs.member].map { try OtherOfficesKPIs(json: $0) }
  }

  /// A value as text: KPI, office, period, value or reason, flags, and whether it is
  /// provisional (a maturing KPI's stays so for its window after the month, SPEC.md §9.6).
  func line(_ entry: KPIResult.Entry) -> String {
    let value = entry.value
    return "\(value.kpi) \(value.office) \(value.period) "
      + (value.value.map(\.description) ?? "- \(value.reason ?? "")") + " \(value.flags)"
      + (value.provisional ? " provisional" : "")
  }

  @Test("under own_office a branch shows other offices' KPIs as head office computes them")
  func branchShowsHeadOfficeValues() throws {
    let (hq, north, _) = try narrowed()
    let reply = try hq.reply(to: "north")
    let sent = try #require(try results(reply))
    #expect(sent.complete)
    #expect(sent.offices.keys.sorted() == ["east"])
    _ = try north.receive(reply.bytes, name: "hq-2.reply")
    #expect(try recordIDs(north, "orders") == ["n-1", "n-2"])
    #expect(try north.verify().isClean)

    let atBranch = try north.kpis()
    let atHead = try hq.kpis()
    // East: head office's values, marked with the reply; north: computed from its rows.
    let east = atBranch.entries.filter { $0.value.office == "east" }
    #expect(!east.isEmpty)
    #expect(east.allSatisfy { $0.headOfficeReply == reply.manifest.seq })
    // A maturing KPI's March stays provisional on April 1 at the branch too (this found it).
    #expect(east.contains { $0.value.provisional && $0.value.kpi == "lead_conversion_rate" })
    #expect(east.map(line) == atHead.entries.filter { $0.value.office == "east" }.map(line))
    #expect(
      atBranch.entries.filter { $0.value.office == "north" }.map(line)
        == atHead.entries.filter { $0.value.office == "north" }.map(line))
    #expect(
      atBranch.entries.filter { $0.value.office == "north" }.allSatisfy {
        $0.headOfficeReply == nil
      })
    // In the engine's order: KPI, office, period.
    #expect(atBranch.entries.map(line) == atHead.entries.map(line))
    #expect(atBranch.withheld.isEmpty)

    // What head office does not send is said, not left out silently.
    let quarters = try north.kpis(KPIRequest(grain: .quarter))
    #expect(quarters.withheld.map(\.office) == ["east"])
    #expect(quarters.entries.allSatisfy { $0.value.office == "north" })
    #expect(throws: OutpostError.self) {
      try north.kpis(KPIRequest(grain: .quarter, offices: ["east"]))
    }
    #expect(throws: OutpostError.self) {
      try north.kpis(KPIRequest(offices: ["east"], breakdown: .channel))
    }
    let one = try north.kpis(KPIRequest(kpis: ["net_revenue"], offices: ["east"]))
    #expect(
      one.entries.map(line)
        == atHead.entries.filter {
          $0.value.kpi == "net_revenue" && $0.value.office == "east"
        }.map(line))
  }

  @Test("only the offices whose data changed travel, and only under own_office")
  func incremental() throws {
    let (hq, north, _) = try narrowed()
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-2.reply")
    _ = try hq.merge(try north.submit().bytes, name: "north-3.bundle")
    // Nothing the KPIs read changed: no values travel.
    _ = try hq.put("departments", "sales", ["name_zh": "销售部", "name_en": "Sales"])
    #expect(try results(try hq.reply(to: "north")) == nil)
    // North's own change brings no other office's values either.
    _ = try hq.put("orders", "n-2", ["amount": "210.00"])
    #expect(try results(try hq.reply(to: "north")) == nil)
    // A change of east's rows brings east's values, not a complete set.
    _ = try hq.enroll("west")
    try hq.importRecords(
      .csv(
        Array(
          ("order_id,office_id,customer_id,channel_id,order_date,quantity,amount,status\n"
            + "w-1,west,c-20,sem,2025-02-01,1,90.00,confirmed\n").utf8)),
      into: "orders", name: "west.csv")
    _ = try hq.put("orders", "e-1", ["amount": "310.00"])
    let reply = try hq.reply(to: "north")
    let sent = try #require(try results(reply))
    #expect(!sent.complete)
    #expect(sent.offices.keys.sorted() == ["east", "west"])
    _ = try north.receive(reply.bytes, name: "hq-5.reply")
    // Each office with the months of its own data, as head office's `kpi --office` lists them.
    let shown = try north.kpis(KPIRequest(kpis: ["net_revenue"]))
    var atHead: [String] = []
    for office in ["east", "north", "west"] {
      atHead += try hq.kpis(KPIRequest(kpis: ["net_revenue"], offices: [office])).entries.map(line)
    }
    #expect(shown.entries.map(line) == atHead)
    #expect(shown.entries.map(\.value.period.description) == ["2025-03", "2025-03", "2025-02"])
    // Under all_offices, nothing: the office computes from the rows it receives.
    _ = try hq.put("policies", "record_visibility", ["value": "all_offices"])
    #expect(try results(try hq.reply(to: "north")) == nil)
  }

  @Test("an office has seen own_office once it acknowledges a reply made under it (§8.8)")
  func seenPolicy() throws {
    let (hq, north, _) = try RowPrivacyTests().world(shared: false)
    let office = ReplicaID(unchecked: "north")
    func unseen() throws -> Bool {
      try hq.write { writer throws(OutpostError) in
        do throws(StoreError) { return try writer.replyChanges(for: office)?.unseen ?? false } catch
        {
          throw OutpostError(error)
        }
      }
    }
    #expect(try unseen())
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-1.reply")
    #expect(try unseen(), "made, not yet acknowledged")
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    #expect(try !unseen())
    // A peer document written before head office kept the policy of its replies (when the
    // default shared every row, with no policy record to compare with): not seen, so the next
    // reply carries every office's values.
    try hq.write { writer throws(OutpostError) in
      do throws(StoreError) {
        guard var peer = try writer.peer(office) else { return }
        peer.recordVisibility = nil
        try writer.replacePeerDocument(peer)
      } catch { throw OutpostError(error) }
    }
    #expect(try unseen())
    #expect(try results(try hq.reply(to: "north"))?.complete == true)
    // No reply can be made to an office not enrolled, or revoked: nothing is computed for it,
    // and making the reply says why.
    let unknown = try hq.write { writer throws(OutpostError) in
      do throws(StoreError) {
        return try writer.replyChanges(for: ReplicaID(unchecked: "nowhere"))
      } catch { throw OutpostError(error) }
    }
    #expect(unknown == nil)
    try hq.revoke("north")
    #expect(try unseen() == false)
    #expect(throws: OutpostError.self) { try hq.reply(to: "north") }
  }

  @Test("deleting the policy record narrows to the default: east set aside, every value sent")
  func narrowedByDeletion() throws {
    let (hq, north, _) = try RowPrivacyTests().world()
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-1.reply")
    _ = try hq.merge(try north.submit().bytes, name: "north-2.bundle")
    _ = try hq.delete("policies", "record_visibility")
    let reply = try hq.reply(to: "north")
    #expect(reply.manifest.extra["record_visibility"] == .string("own_office"))
    let sent = try #require(try results(reply))
    #expect(sent.complete && sent.offices.keys.sorted() == ["east"])
    let report = try north.receive(reply.bytes, name: "hq-2.reply")
    #expect(report.setAside.map(\.id.rawValue) == ["e-1", "e-2", "e-3"])
    #expect(try north.kpis().withheld.isEmpty)
    // Once north acknowledges that reply, only changes travel.
    _ = try hq.merge(try north.submit().bytes, name: "north-3.bundle")
    #expect(try results(try hq.reply(to: "north")) == nil)
  }

  @Test("a record collected since the acknowledged reply sends every office's values (§8.6)")
  func collectedSince() throws {
    let (hq, north, _) = try narrowed()
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-2.reply")
    _ = try hq.merge(try north.submit().bytes, name: "north-3.bundle")
    try hq.revoke("east")  // a silent office would hold collection back
    _ = try hq.delete("orders", "e-2")
    let told = try hq.reply(to: "north")
    #expect(try results(told)?.offices.keys.sorted() == ["east"])
    _ = try north.receive(told.bytes, name: "hq-3.reply")
    _ = try hq.merge(try north.submit().bytes, name: "north-4.bundle")
    let collected = try hq.write { writer throws(OutpostError) in
      do throws(StoreError) { return try writer.collectGarbage().collected } catch {
        throw OutpostError(error)
      }
    }
    #expect(collected.map { "\($0.collection)/\($0.id)" } == ["orders/e-2"])
    // Head office no longer holds e-2 and cannot tell whose it was: every office travels (this
    // was skipped before, so nothing travelled).
    let sent = try #require(try results(try hq.reply(to: "north")))
    #expect(sent.complete && sent.offices.keys.sorted() == ["east"])
  }

  @Test("a late reply does not replace an office's values a newer one brought (§8.3)")
  func lateReply() throws {
    let (hq, north, _) = try narrowed()
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-2.reply")
    _ = try hq.merge(try north.submit().bytes, name: "north-3.bundle")
    _ = try hq.put("orders", "e-1", ["amount": "1000.00"])
    let early = try hq.reply(to: "north")
    _ = try hq.put("orders", "e-2", ["amount": "2000.00"])
    let later = try hq.reply(to: "north")
    #expect(try results(early)?.offices.keys.sorted() == ["east"])
    _ = try north.receive(later.bytes, name: "hq-4.reply")
    let before = try north.kpis(KPIRequest(kpis: ["net_revenue"], offices: ["east"]))
    #expect(before.entries.map(\.headOfficeReply) == [later.manifest.seq])
    _ = try north.receive(early.bytes, name: "hq-3.reply")
    let after = try north.kpis(KPIRequest(kpis: ["net_revenue"], offices: ["east"]))
    #expect(after.entries.map(line) == before.entries.map(line))
    #expect(after.entries.map(\.headOfficeReply) == [later.manifest.seq])
    #expect(after.entries.first?.value.value == (try ExactDecimal(parsing: "3500.00")))
  }

  @Test("a branch ranks the offices as head office does, scoring the others from its values")
  func scorecardRank() throws {
    let (hq, north, _) = try narrowed()
    // A small published catalog with an office scorecard (revenue 60 %, deals 40 %), and the
    // same March targets for both offices: east sold more.
    let small = try KPIDefinitionsInForce.parse(
      Array(KPIWorld.smallDefinitions.utf8), file: "small.json")
    _ = try hq.write { writer throws(OutpostError) in
      try KPIPublication.publish(small, to: writer, publishedAt: "2025-04-01T09:00:00Z")
    }
    for office in ["east", "north"] {
      for (kpi, value) in [("revenue", "1000"), ("deals", "3")] {
        _ = try hq.put(
          "targets", "\(office)-\(kpi)",
          [
            "kpi_id": kpi, "office_id": office, "scope": "office", "period_grain": "month",
            "period": "2025-03", "target_value": value, "direction": "higher_better",
            "version": "1",
          ])
      }
    }
    _ = try north.receive(try hq.reply(to: "north").bytes, name: "hq-2.reply")
    #expect(try recordIDs(north, "orders") == ["n-1", "n-2"])
    let march = try #require(Period(parsing: "2025-03"))
    func lines(_ report: ScorecardReport) -> [String] {
      report.results.map { result in
        "\(result.office) \(result.rank.map(String.init) ?? "-") "
          + "\(result.total?.description ?? result.reason ?? "")"
      }
    }
    let request = ScorecardRequest(period: march, rank: true)
    let atHead = try hq.scorecard(request)
    let atBranch = try north.scorecard(request)
    #expect(lines(atHead).count == 2)
    #expect(lines(atBranch) == lines(atHead))
    #expect(atBranch.results.first?.office == "east")
    #expect(atBranch.results.allSatisfy { $0.rank != nil && $0.total != nil })
    #expect(atBranch.withheld.isEmpty)
    // An office head office sent nothing for is refused when asked for by name.
    do {
      _ = try north.scorecard(ScorecardRequest(period: march, offices: ["west"], rank: true))
      Issue.record("west was scored without values")
    } catch {
      #expect(error.code == .invalidRequest)
      #expect(error.message == "office 'west': head office has sent no KPI values for this office")
    }
    // With other definitions than head office computed with, the others are listed, not scored.
    var changed = small
    changed.hash = "0000"
    let other = try north.read { reader throws(OutpostError) in
      try request.compute(in: reader, definitions: changed)
    }
    #expect(other.results.map(\.office) == ["north"])
    #expect(other.withheld.map(\.office) == ["east"])
  }

  @Test("the report's overview at a branch shows other offices as head office computes them")
  func overview() throws {
    let (hq, north, _) = try narrowed()
    let reply = try hq.reply(to: "north")
    _ = try north.receive(reply.bytes, name: "hq-2.reply")
    let today = CivilDate(year: 2025, month: 4, day: 1)
    let atBranch = try north.read { reader throws(OutpostError) in
      try KPIOverview(reader, today: today)
    }
    let atHead = try hq.read { reader throws(OutpostError) in try KPIOverview(reader, today: today)
    }
    #expect(atBranch.offices == ["east", "north"])
    #expect(atBranch.headOfficeReplies == ["east": reply.manifest.seq])
    #expect(atBranch.withheld.isEmpty)
    func shown(_ overview: KPIOverview) -> [String] {
      overview.values.keys.filter { overview.kpis.contains($0.kpi) }
        .sorted { ($0.office, $0.kpi, $0.period) < ($1.office, $1.kpi, $1.period) }
        .map { key in
          "\(key.office) \(key.kpi) \(key.period) \(overview.values[key]!.value?.description ?? "-")"
        }
    }
    #expect(!shown(atBranch).isEmpty)
    #expect(shown(atBranch) == shown(atHead))
    #expect(atBranch.scores.count == atHead.scores.count)
    for (key, score) in atHead.scores { #expect(atBranch.scores[key]?.total == score.total) }
  }

  @Test("a reply whose kpi_results is malformed is refused and writes nothing")
  func malformed() throws {
    let (hq, north, disk) = try narrowed()
    let bad: [(String, JSONValue)] = [
      ("not an object", .string("x")),
      (
        "a value that is no decimal",
        .object(
          JSONObject(uncheckedPairs: [
            ("format", .string(OtherOfficesKPIs.format)), ("complete", .bool(true)),
            (
              "offices",
              .object(
                JSONObject(uncheckedPairs: [
                  (
                    "east",
                    .object(
                      JSONObject(uncheckedPairs: [
                        ("definitions", .string("abc")),
                        (
                          "values",
                          .array([
                            .object(
                              JSONObject(uncheckedPairs: [
                                ("kpi", .string("net_revenue")), ("period", .string("2025-03")),
                                ("value", .string("1,200")),
                              ]))
                          ])
                        ),
                      ]))
                  )
                ]))
            ),
          ]))
      ),
    ]
    let office = try ReplicaID("north")
    for (label, extra) in bad {
      let reply = try hq.write { writer throws(OutpostError) in
        do throws(StoreError) {
          return try writer.makeBundle(for: office, extra: [OtherOfficesKPIs.member: extra])
        } catch { throw OutpostError(error) }
      }
      let before = disk.snapshot().filter { $0.key.hasPrefix("/w/north/") }
      #expect(throws: OutpostError.self, "\(label)") {
        try north.receive(reply.bytes, name: "bad.reply")
      }
      #expect(disk.snapshot().filter { $0.key.hasPrefix("/w/north/") } == before, "\(label)")
    }
  }

  @Test("kept values: a complete set replaces older ones, JSON reads back")
  func keptValues() throws {
    func office(_ value: String, reply: UInt64? = nil) -> OtherOfficesKPIs.Office {
      OtherOfficesKPIs.Office(
        definitions: "h", reply: reply,
        values: [
          OtherOfficesKPIs.Value(
            kpi: "net_revenue", period: "2025-03", value: value, reason: nil, flags: [])
        ])
    }
    let held = OtherOfficesKPIs(
      offices: ["east": office("1.00", reply: 3), "west": office("2.00", reply: 6)],
      complete: true)
    // A complete set from reply 5 drops east (reply 3, not in the set), keeps west (newer).
    let complete = held.applying(
      OtherOfficesKPIs(offices: ["south": office("4.00")], complete: true), reply: 5)
    #expect(complete.offices.keys.sorted() == ["south", "west"])
    #expect(complete.offices["west"] == office("2.00", reply: 6))
    #expect(complete.offices["south"] == office("4.00", reply: 5))
    // A partial set replaces only older entries of the offices it names.
    let partial = held.applying(
      OtherOfficesKPIs(
        offices: ["east": office("7.00"), "west": office("8.00")], complete: false), reply: 5)
    #expect(partial.offices["east"] == office("7.00", reply: 5))
    #expect(partial.offices["west"] == office("2.00", reply: 6))
    #expect(try OtherOfficesKPIs(json: partial.json) == partial)
  }
}
