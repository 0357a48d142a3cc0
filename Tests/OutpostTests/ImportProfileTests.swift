import Outpost
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostTestSupport
import Testing

/// Import profiles (SPEC.md §3.6), member by member, through the library: each member changes
/// what is read, and each misuse is refused with the member's JSON path and nothing written.
struct ImportProfileTests {
  let now: @Sendable () -> Timestamp = { "2026-04-01T09:00:00Z" }

  /// A profile from JSON text.
  func profile(_ json: String, source: String = "p.json") throws -> ImportProfile {
    try ImportProfile.decode(Array(json.utf8), source: source)
  }

  /// A minimal channel_daily profile with `extra` members spliced in.
  func daily(_ extra: String = "", columns: String? = nil) -> String {
    let columns =
      columns
      ?? #""日期": "date", "点击": "clicks", "消费": "spend", "咨询": "consultations", "电话": "consult_calls""#
    return #"{"format": "outpost-import-profile/1", "collection": "channel_daily", "#
      + #""columns": {\#(columns)}, "constants": {"channel_id": "sem"}"#
      + (extra.isEmpty ? "" : ", " + extra) + "}"
  }

  /// Imports `csv` into north's `collection` with the profile, returning the stored values.
  func imported(
    _ csv: String, _ profileJSON: String, into collection: String = "channel_daily",
    bytes: [UInt8]? = nil
  ) throws -> [String: [String: JSONValue]] {
    let (_, north, _) = try twoOffices(now: now)
    try north.importRecords(
      .csv(bytes ?? Array(csv.utf8)), into: collection, name: "in.csv",
      profile: try profile(profileJSON))
    return try north.read { reader throws(OutpostError) in
      var out: [String: [String: JSONValue]] = [:]
      do throws(StoreError) {
        for (id, state) in try reader.states(collection) { out[id.rawValue] = state.values }
      } catch { throw OutpostError(error) }
      return out
    }
  }

  /// The problems of a refused import, with nothing written.
  func refused(
    _ csv: String, _ profileJSON: String, into collection: String = "channel_daily",
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> [OutpostError] {
    let (_, north, disk) = try twoOffices(now: now)
    let before = disk.snapshot()
    defer { #expect(disk.snapshot() == before, "nothing written", sourceLocation: sourceLocation) }
    let profile = try profile(profileJSON)
    do throws(OutpostError) {
      try north.importRecords(
        .csv(Array(csv.utf8)), into: collection, name: "in.csv", profile: profile)
    } catch {
      return error.problems.isEmpty ? [error] : error.problems
    }
    Issue.record("the import was accepted", sourceLocation: sourceLocation)
    return []
  }

  /// The refusal of a profile itself, checked against channel_daily.
  func profileRefusal(_ json: String, collection: String = "channel_daily") throws -> OutpostError?
  {
    let (_, north, _) = try twoOffices(now: now)
    do throws(OutpostError) {
      let profile = try ImportProfile.decode(Array(json.utf8), source: "p.json")
      try north.importRecords(.csv(Array("x\n".utf8)), into: collection, profile: profile)
    } catch {
      return error
    }
    return nil
  }

  let header = "日期,点击,消费,咨询,电话\n"

  // MARK: The document

  @Test("§3.6: format, unknown members, names, types and no-effect values are refused by path")
  func documentChecks() throws {
    let cases: [(String, String, String)] = [
      (#"{"format": "x", "collection": "orders", "columns": {"a": "b"}}"#, "format", "must be"),
      (daily(#""colums": 1"#), "$", "did you mean 'columns'?"),
      (daily(#""name": "Bad Name""#), "name", "is not a profile name"),
      (daily(#""trim": 1"#), "trim", "must be true or false"),
      (daily(#""header_row": 0"#), "header_row", "from 1 to 1000"),
      (daily(#""delimiter": "|""#), "delimiter", "must be"),
      (daily(#""skip_rows": [{"column": "日期"}]"#), "skip_rows[0]", "exactly one of"),
      (daily(#""formats": {"date": {"date": "yyyy/MMM/d"}}"#), "formats.date.date", "'MMM'"),
      (daily(#""formats": {"date": {"date": "yyyyMd"}}"#), "formats.date.date", "touch"),
      (daily(#""formats": {"spend": {}}"#), "formats.spend", "no effect"),
      (daily(#""values": {"clicks": {}}"#), "values.clicks", "no effect"),
      (#"{"format": "outpost-import-profile/1", "collection": "orders"}"#, "columns", "missing"),
    ]
    for (json, path, words) in cases {
      let error = try #require(try profileRefusal(json), "\(json)")
      #expect(error.code == .invalidData, "\(json)")
      #expect(error.location.field == (path == "$" ? nil : path), "\(json): \(error.message)")
      #expect(error.message.contains(words), "\(json): \(error.message)")
      #expect(error.message.hasPrefix("import profile p.json: "), "\(error.message)")
    }
  }

  @Test("§3.6: members are judged against the collection before a byte is read")
  func schemaChecks() throws {
    let cases: [(String, String, String)] = [
      (daily(columns: #""日期": "date", "点击": "clickz""#), "columns.点击", "did you mean 'clicks'"),
      (daily(columns: #""日期": "date", "点击": "date""#), "columns.点击", "already mapped"),
      (daily(#""ignore": ["日期"]"#), "ignore", "both mapped"),
      (
        #"{"format": "outpost-import-profile/1", "collection": "channel_daily", "#
          + #""columns": {"日期": "date"}, "constants": {"channel_id": "tv"}}"#,
        "constants.channel_id", "not one of"
      ),
      (
        daily(columns: #""日期": "date", "渠道": "channel_id""#), "constants.channel_id",
        "also mapped"
      ),
      (daily(#""values": {"visits": {"--": "0"}}"#), "values.visits", "not mapped"),
      (daily(#""formats": {"clicks": {"date": "yyyy/M/d"}}"#), "formats.clicks.date", "not a date"),
      (daily(#""formats": {"date": {"date": "yyyy/M"}}"#), "formats.date.date", "has no day"),
      (daily(#""formats": {"date": {"thousands": ","}}"#), "formats.date", "do not apply"),
      (daily(#""formats": {"clicks": {"percent": true}}"#), "formats.clicks.percent", "whole"),
      (
        daily(#""formats": {"spend": {"negative_parentheses": true}}"#),
        "formats.spend.negative_parentheses", "may not be negative"
      ),
      (daily(#""aggregate": {"sum": ["date"]}"#), "aggregate.sum[0]", "identifies the record"),
      (daily(#""aggregate": {"sum": ["visits"]}"#), "aggregate.sum[0]", "not mapped"),
      (daily(#""derive_ids": ["date"]"#), "derive_ids[0]", "neither the id column"),
      (
        daily(
          #""values": {"channel_id": {"百度": "bogus"}}"#,
          columns: #""日期": "date", "渠道": "channel_id""#
        )
        .replacingConstants, "values.channel_id.百度", "not one of"
      ),
      (daily(#""values": {"clicks": {"5": "5"}}"#), "values.clicks.5", "to itself"),
      (daily(#""formats": {"spend": {"currency": ["0"]}}"#), "formats.spend.currency[0]", "digit"),
      (daily(#""formats": {"spend": {"currency": ["."]}}"#), "formats.spend.currency[0]", "point"),
      (daily(#""formats": {"date": {"date": "yyyy-M-d d"}}"#), "formats.date.date", "twice"),
      (
        daily(#""number_format": {"percent": true}"#, columns: #""日期": "date", "点击": "clicks""#),
        "number_format.percent", "no decimal"
      ),
      (
        daily(#""number_format": {"thousands": ","}"#, columns: #""日期": "date""#),
        "number_format", "applies to no field"
      ),
    ]
    for (json, path, words) in cases {
      let error = try #require(try profileRefusal(json), "\(json)")
      #expect(error.location.field == path, "\(json): \(error.message)")
      #expect(error.message.contains(words), "\(json): \(error.message)")
    }
    // The profile is for one collection.
    let other = try #require(try profileRefusal(daily(), collection: "orders"))
    #expect(other.message.contains("is 'channel_daily', but the import is into 'orders'"))
  }

  // MARK: Found in review

  @Test("review: sums are values of the field; two headers for one column; merged source_id")
  func reviewFindings() throws {
    // A sum beyond the field's digits is refused (money: 13 integer digits).
    let json = daily(#""ignore": ["计划"], "aggregate": {"sum": ["spend"]}"#)
    let head = "日期,计划,点击,消费,咨询,电话\n"
    let big = try refused(
      head + "2026-03-01,a,1,9999999999999.00,1,0\n2026-03-01,b,1,9999999999999.00,1,0\n", json)
    #expect(
      big.contains { $0.location.rule == "aggregate.sum" && $0.message.contains("13 digits") })
    // Two headers naming one column, without a profile: neither wins.
    let (_, north, disk) = try twoOffices(now: now)
    let before = disk.snapshot()
    #expect(throws: OutpostError.self) {
      try north.importRecords(
        .csv(
          Array(
            "channel_id,date,日期,consultations,consult_calls,spend\nsem,2026-03-01,2026-03-02,1,0,1.00\n"
              .utf8)),
        into: "channel_daily", name: "two.csv")
    }
    #expect(disk.snapshot() == before)
    // source_id filled by a column while derive_ids keeps the source id there.
    let orders =
      #"{"format": "outpost-import-profile/1", "collection": "orders", "columns": {"订单号": "order_id", "#
      + #""来源": "source_id"}, "derive_ids": ["order_id"]}"#
    let error = try #require(try profileRefusal(orders, collection: "orders"))
    #expect(error.location.field == "derive_ids[0]" && error.message.contains("'来源' also fills"))
  }

  @Test("review: values then formats; short rows padded; ignore must exist; strict percent")
  func reviewReading() throws {
    let mapped = daily(
      #""values": {"date": {"昨天": "2026/4/1"}}, "formats": {"date": {"date": "yyyy/M/d"}}"#)
    #expect(try imported(header + "昨天,1,1.00,1,0\n", mapped).keys.first == "north.sem.2026-04-01")
    // A row without the header's trailing empty column.
    #expect(
      try imported(header.dropLast() + ",备注\n2026-03-01,1,1.00,1,0\n", daily(#""ignore": ["备注"]"#))
        .count == 1)
    let ghost = try refused(header + "2026-03-01,1,1.00,1,0\n", daily(#""ignore": ["备注"]"#))
    #expect(ghost.map(\.location.rule) == ["ignore[0]"], "\(ghost.map(\.message))")
    // A month pattern reads a 7-byte cell.
    let costs =
      #"{"format": "outpost-import-profile/1", "collection": "costs", "columns": {"月份": "month", "#
      + #""类型": "cost_type", "金额": "amount"}, "constants": {"channel_id": "sem"}, "#
      + #""formats": {"month": {"date": "yyyy/MM"}}}"#
    #expect(try imported("月份,类型,金额\n2026/03,tools,1.00\n", costs, into: "costs").count == 1)
    // Percent as strict as the field: no leading zeros, no bare point.
    let (hq, _, _) = try twoOffices(now: now)
    let targets = try profile(
      #"{"format": "outpost-import-profile/1", "collection": "targets", "columns": {"编号": "target_id", "#
        + #""指标": "kpi_id", "周期": "period", "目标": "target_value"}, "constants": {"office_id": "north", "#
        + #""scope": "office", "period_grain": "month", "direction": "higher_better", "version": "1"}, "#
        + #""formats": {"target_value": {"percent": true}}}"#)
    for bad in ["0005%", "5.%"] {
      #expect(throws: OutpostError.self, "\(bad)") {
        try hq.importRecords(
          .csv(Array("编号,指标,周期,目标\nt1,consultation_rate,2026-03,\(bad)\n".utf8)), into: "targets",
          profile: targets)
      }
    }
  }

  // MARK: Reading

  @Test("§3.6: header_row, trim, blank rows, total rows and a footer; counts of what was set aside")
  func rowsSetAside() throws {
    let csv =
      "百度推广 账户报告\n日期范围: 2026/3/1 - 2026/3/2\n" + header
      + " 2026-03-01 ,10,1.00,1,0\n,,,,\n合计,10,1.00,1,0\n总计(3月),10,1.00,1,0\n"
      + "2026-03-02,20,2.00,2,1\n数据来源：百度,,,,\n2026-03-03,30,3.00,3,0\n"
    let json = daily(
      #""header_row": 3, "trim": true, "skip_blank_rows": true, "#
        + #""skip_rows": [{"column": "日期", "equals": ["合计"]}, "#
        + #"{"column": "日期", "starts_with": ["总计"]}], "#
        + #""stop_at": [{"column": "日期", "starts_with": ["数据来源"]}]"#)
    let records = try imported(csv, json)
    #expect(records.keys.sorted() == ["north.sem.2026-03-01", "north.sem.2026-03-02"])
    #expect(records["north.sem.2026-03-02"]?["consult_calls"] == .number(JSONNumber(integer: 1)))
    // The counts, through the preview.
    let (_, north, disk) = try twoOffices(now: now)
    let before = disk.snapshot()
    let parsed = try profile(json)
    let preview = try north.read { reader throws(OutpostError) in
      try Importer(into: "channel_daily", of: reader, name: "in.csv", profile: parsed)
        .preview(.csv(Array(csv.utf8)))
    }
    #expect(disk.snapshot() == before)
    #expect(preview.ok && preview.created == 2 && preview.updated == 0)
    let counts = preview.reading.counts
    #expect(
      [counts.read, counts.blank, counts.skipped, counts.stopped, counts.records] == [
        5, 1, 2, 2, 2,
      ])
    // Without the rules, the same rows are refused, each with its line.
    let problems = try refused(csv, daily(#""header_row": 3, "trim": true"#))
    #expect(problems.map(\.location.line).prefix(3) == [5, 6, 7], "\(problems.map(\.message))")
    #expect(problems[0].message.contains("skip_blank_rows"))
  }

  @Test("§3.6: trim applies to header cells too")
  func trimmedHeaders() throws {
    let csv = " 日期 ,点击,\t消费,咨询,电话\n2026-03-01,1,1.00,1,0\n"
    #expect(try imported(csv, daily(#""trim": true"#)).count == 1)
    #expect(try refused(csv, daily()).count == 4)  // two unknown headers, two missing
  }

  @Test("§3.4/§3.6: a UTF-8 file named GB18030, and CR-only line ends, are refused saying so")
  func encodingMessages() throws {
    let (_, north, _) = try twoOffices(now: now)
    let profile = try profile(daily(#""encoding": "gb18030""#))
    do throws(OutpostError) {
      try north.importRecords(
        .csv([0xEF, 0xBB, 0xBF] + Array((header + "2026-03-01,1,1.00,1,0\n").utf8)),
        into: "channel_daily", profile: profile)
      Issue.record("accepted")
    } catch {
      #expect(error.problems.first?.message.contains("UTF-8 byte order mark") == true)
      #expect(error.problems.first?.location.rule == "encoding")
    }
    let cr = try refused("t\r" + header.replacingNewlines + "\r", daily(#""header_row": 2"#))
    #expect(cr.first?.message.contains("carriage return (CR) alone") == true, "\(cr)")
  }

  @Test("§3.6: delimiters ';' and tab")
  func delimiters() throws {
    for (delimiter, byte) in [(";", ";"), ("\\t", "\t")] {
      let csv =
        ["日期", "点击", "消费", "咨询", "电话"].joined(separator: byte) + "\n"
        + ["2026-03-01", "10", "1,50", "1", "0"].joined(separator: byte) + "\n"
      let json = daily(#""delimiter": "\#(delimiter)", "values": {"spend": {"1,50": "1.50"}}"#)
      let records = try imported(csv, json)
      #expect(records["north.sem.2026-03-01"]?["spend"] == .string("1.50"), "\(delimiter)")
    }
  }

  @Test("§3.6: every header is mapped or ignored; mapped headers must exist; repeats are refused")
  func headers() throws {
    let extra = try refused(header.dropLast() + ",点击率\n2026-03-01,1,1.00,1,0,2%\n", daily())
    #expect(extra.count == 1 && extra[0].location.rule == "columns", "\(extra.map(\.message))")
    #expect(extra[0].message.contains("column 6: the header '点击率' is neither mapped"))
    #expect(
      try imported(
        header.dropLast() + ",点击率\n2026-03-01,1,1.00,1,0,2%\n",
        daily(#""ignore": ["点击率"]"#)
      ).count == 1)
    let missing = try refused("日期,点击,消费,咨询\n2026-03-01,1,1.00,1\n", daily())
    #expect(missing.map(\.location.rule) == ["columns.电话"], "\(missing.map(\.message))")
    #expect(missing[0].message.contains("its headers: '日期', '点击', '消费', '咨询'"))
    let twice = try refused(header.dropLast() + ",点击\n2026-03-01,1,1.00,1,0,2\n", daily())
    #expect(twice.contains { $0.message.contains("appears twice") })
    // An empty header over empty cells is no column; over a value it is refused.
    #expect(try imported(header.dropLast() + ",\n2026-03-01,1,1.00,1,0,\n", daily()).count == 1)
    let under = try refused(header.dropLast() + ",\n2026-03-01,1,1.00,1,0,x\n", daily())
    #expect(
      under.map(\.message) == [
        "column 6 holds 'x' under an empty header; name the column in the header (and map or ignore it)"
      ])
  }

  @Test("§3.6: values map source texts before formats; other texts pass through and are checked")
  func valueMaps() throws {
    let json = daily(
      #""values": {"clicks": {"--": ""}, "consultations": {"无": "0"}}"#,
      columns:
        #""日期": "date", "点击": "clicks", "消费": "spend", "咨询": "consultations", "电话": "consult_calls""#
    )
    let records = try imported(header + "2026-03-01,--,1.00,无,0\n2026-03-02,7,1.00,2,0\n", json)
    #expect(records["north.sem.2026-03-01"]?["clicks"] == .null)
    #expect(records["north.sem.2026-03-01"]?["consultations"] == .number(JSONNumber(integer: 0)))
    #expect(records["north.sem.2026-03-02"]?["clicks"] == .number(JSONNumber(integer: 7)))
    let other = try refused(header + "2026-03-01,N/A,1.00,1,0\n", json)
    #expect(other.count == 1 && other[0].location.line == 2 && other[0].location.column == 2)
    #expect(other[0].message.hasPrefix("column 2 '点击' → clicks: "), "\(other[0].message)")
  }

  @Test("§3.6: date patterns, with a time part dropped; a cell matching none is refused")
  func datePatterns() throws {
    let json = daily(
      #""formats": {"date": {"date": ["yyyy/M/d", "yyyy年M月d日", "yyyy-MM-dd HH:mm:ss"]}}"#)
    let records = try imported(
      header + "2026/3/1,1,1.00,1,0\n2026年3月2日,1,1.00,1,0\n2026-03-03 00:00:00,1,1.00,1,0\n"
        + "2026-03-04,1,1.00,1,0\n", json)
    #expect(
      records.keys.sorted().map { String($0.suffix(10)) } == [
        "2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04",
      ])
    for bad in ["2026/2/30", "2026-03-05 24:00:00", "2026.3.5", "2026/3/5x"] {
      let problems = try refused(header + "\(bad),1,1.00,1,0\n", json)
      #expect(problems.map(\.location.rule) == ["formats.date.date"], "\(bad)")
    }
  }

  @Test("§3.6: a timestamp from a date-and-time cell at the profile's UTC offset")
  func timestamps() throws {
    let (_, north, disk) = try twoOffices(now: now)
    func profile(_ format: String) throws -> ImportProfile {
      try self.profile(
        #"{"format": "outpost-import-profile/1", "collection": "orders", "#
          + #""columns": {"订单号": "order_id", "客户": "customer_id", "日期": "order_date", "#
          + #""金额": "amount", "下单时间": "placed_at"}, "constants": {"channel_id": "sem", "#
          + #""quantity": "1", "status": "confirmed"}, "formats": {"placed_at": \#(format)}}"#)
    }
    let csv =
      "订单号,客户,日期,金额,下单时间\no-1,c-1,2026-03-05,1.00,2026-03-05 14:23:10\n"
      + "o-2,c-1,2026-03-05,1.00,2026/3/5 9:05\no-3,c-1,2026-03-05,1.00,2026-03-05T01:02:03Z\n"
    try north.importRecords(
      .csv(Array(csv.utf8)), into: "orders", name: "o.csv",
      profile: try profile(
        #"{"date": ["yyyy-MM-dd HH:mm:ss", "yyyy/M/d H:mm"], "offset": "+08:00"}"#))
    let placed = try north.read { reader throws(OutpostError) in
      do throws(StoreError) {
        return try reader.states("orders").map { $0.state.values["placed_at"] }
      } catch { throw OutpostError(error) }
    }
    #expect(
      placed == [
        .string("2026-03-05T14:23:10+08:00"), .string("2026-03-05T09:05:00+08:00"),
        .string("2026-03-05T01:02:03Z"),
      ])
    // The offset is required, is an offset, and is for timestamps only; a pattern needs a time.
    for (format, path, words) in [
      (#"{"date": "yyyy-MM-dd HH:mm:ss"}"#, "formats.placed_at.offset", "needs the cells' UTC"),
      (#"{"date": "yyyy-MM-dd HH:mm", "offset": "+8"}"#, "formats.placed_at.offset", "not a UTC"),
      (#"{"date": "yyyy-MM-dd", "offset": "+08:00"}"#, "formats.placed_at.date", "no day, hour"),
      (#"{"offset": "+08:00"}"#, "formats.placed_at.offset", "give 'date'"),
    ] {
      let before = disk.snapshot()
      do throws(OutpostError) {
        let parsed = try ImportProfile.decode(
          Array(
            (#"{"format": "outpost-import-profile/1", "collection": "orders", "columns": "#
              + #"{"订单号": "order_id", "下单时间": "placed_at"}, "formats": {"placed_at": "#
              + format + "}}").utf8), source: "p.json")
        try north.importRecords(.csv(Array(csv.utf8)), into: "orders", profile: parsed)
        Issue.record("accepted \(format)")
      } catch {
        #expect(error.location.field == path, "\(format): \(error.message)")
        #expect(error.message.contains(words), "\(format): \(error.message)")
      }
      #expect(disk.snapshot() == before)
    }
  }

  @Test("§3.6: thousands, currency, percent, full-width digits and parentheses")
  func numberFormats() throws {
    let json = daily(
      #""formats": {"spend": {"thousands": ",", "currency": ["¥", "￥", "元"], "fullwidth": true}}, "#
        + #""number_format": {"thousands": ",", "fullwidth": true}"#)
    let records = try imported(
      header + "2026-03-01,\"11,652\",\"¥1,798.00\",１２,0\n2026-03-02,5,12.5元,0,0\n"
        + "2026-03-03,5,￥０.５０,0,0\n", json)
    #expect(records["north.sem.2026-03-01"]?["clicks"] == .number(JSONNumber(integer: 11652)))
    #expect(records["north.sem.2026-03-01"]?["spend"] == .string("1798.00"))
    #expect(records["north.sem.2026-03-01"]?["consultations"] == .number(JSONNumber(integer: 12)))
    #expect(records["north.sem.2026-03-02"]?["spend"] == .string("12.50"))
    #expect(records["north.sem.2026-03-03"]?["spend"] == .string("0.50"))
    // A full-width separator with full-width digits (found by the held-out test).
    let wide = daily(#""formats": {"spend": {"thousands": "，", "fullwidth": true}}"#)
    #expect(
      try imported(header + "2026-03-01,1,１，２３４．５０,1,0\n", wide)["north.sem.2026-03-01"]?[
        "spend"] == .string("1234.50"))
    for bad in ["\"1,2345\"", "\"12,34.5\"", "$5", "1.234"] {
      let problems = try refused(header + "2026-03-01,1,\(bad),1,0\n", json)
      #expect(problems.map(\.location.rule) == ["formats.spend"], "\(bad): \(problems)")
    }
    // Without the members, the same cells are refused as without a profile.
    #expect(try refused(header + "2026-03-01,\"11,652\",1.00,1,0\n", daily()).count == 1)
  }

  @Test("§3.6: percent divides by 100 and parentheses make a negative, where the field allows")
  func percentAndNegatives() throws {
    let (hq, _, _) = try twoOffices(now: now)
    let json = #"""
      {"format": "outpost-import-profile/1", "collection": "targets",
       "columns": {"编号": "target_id", "指标": "kpi_id", "周期": "period", "目标": "target_value"},
       "constants": {"office_id": "north", "scope": "office", "period_grain": "month",
                     "direction": "higher_better", "version": "1"},
       "formats": {"target_value": {"percent": true, "negative_parentheses": true}}}
      """#
    let profile = try profile(json)
    try hq.importRecords(
      .csv(
        Array(
          "编号,指标,周期,目标\nt1,consultation_rate,2026-03,5%\nt2,consultation_rate,2026-04,12.5%\n".utf8)
      ),
      into: "targets", name: "t.csv", profile: profile)
    let values = try hq.read { reader throws(OutpostError) in
      do throws(StoreError) {
        return try reader.states("targets").map { $0.state.values["target_value"] }
      } catch { throw OutpostError(error) }
    }
    #expect(values == [.string("0.0500"), .string("0.1250")])
    let (hq2, _, disk) = try twoOffices(now: now)
    let before = disk.snapshot()
    #expect(throws: OutpostError.self) {
      try hq2.importRecords(
        .csv(Array("编号,指标,周期,目标\nt3,consultation_rate,2026-05,5x%\n".utf8)),
        into: "targets", name: "t.csv", profile: profile)
    }
    #expect(disk.snapshot() == before)
  }

  @Test("§3.6: aggregate adds exactly; other fields must agree; empty and non-empty do not add")
  func aggregation() throws {
    let json = daily(
      #""ignore": ["计划"], "aggregate": {"sum": ["clicks", "spend", "consultations"]}"#)
    let head = "日期,计划,点击,消费,咨询,电话\n"
    let records = try imported(
      head + "2026-03-01,a,10,0.10,1,0\n2026-03-01,b,20,0.20,2,0\n2026-03-02,a,5,1.00,0,1\n", json)
    #expect(records.count == 2)
    #expect(records["north.sem.2026-03-01"]?["clicks"] == .number(JSONNumber(integer: 30)))
    #expect(records["north.sem.2026-03-01"]?["spend"] == .string("0.30"))
    let differ = try refused(head + "2026-03-01,a,1,0.10,1,0\n2026-03-01,b,2,0.20,2,1\n", json)
    #expect(differ.map(\.location.rule) == ["aggregate"] && differ[0].location.line == 3)
    #expect(differ[0].message.contains("lines 2 and 3 give record 'north.sem.2026-03-01'"))
    let mixed = try refused(head + "2026-03-01,a,,0.10,1,0\n2026-03-01,b,2,0.20,2,0\n", json)
    #expect(mixed.map(\.location.rule) == ["aggregate.sum"], "\(mixed.map(\.message))")
    // The message is words, not a debug description (found by the held-out test).
    #expect(
      mixed.first?.message
        == "'clicks': one row has a value and another none; a not-measured value cannot be "
        + "added (with line 2) (profile: aggregate.sum)")
    // One bad cell is one problem: the rows of its record still aggregate, so no false
    // duplicate ids (found by the held-out test).
    let bad = try refused(
      head + "2026-03-01,a,x,0.10,1,0\n2026-03-01,b,2,0.20,2,0\n"
        + "2026-03-01,c,2,0.20,2,0\n", json)
    #expect(bad.count == 1 && bad[0].location.line == 2, "\(bad.map(\.message))")
    // Without aggregate, rows with one id are refused as duplicates.
    let duplicate = try refused(
      head + "2026-03-01,a,1,0.10,1,0\n2026-03-01,b,2,0.20,2,0\n", daily(#""ignore": ["计划"]"#))
    #expect(duplicate.count == 1 && duplicate[0].message.contains("both give id"))
  }

  @Test("§3.6: derived ids match SPEC's examples (SHA-256 computed with Python's hashlib)")
  func derivedIDs() {
    // python3: hashlib.sha256(t.encode()).hexdigest()[:12]
    let vectors = [
      ("SO/2026/0002", "SO-2026-0002_508066614bd6"), ("京A-0001", "A-0001_bf3f3397eccd"),
      ("张三", "id_1d841bc0ee98"), ("SO-2026-0002", "SO-2026-0002"),
      (".hidden/1", "hidden-1_f9d0bb8af593"),
      (
        "客户/" + String(repeating: "A", count: 150) + "/x",
        String(repeating: "A", count: 100) + "_2105e672c284"
      ),
    ]
    for (text, id) in vectors {
      #expect(RecordID.derived(fromSource: text).rawValue == id, "\(text)")
      #expect((try? RecordID(RecordID.derived(fromSource: text).rawValue)) != nil)
    }
  }

  @Test("§3.6: derive_ids keeps the source id, derives references alike, refuses a second text")
  func deriveIDsInImport() throws {
    let (_, north, disk) = try twoOffices(now: now)
    let customers = try profile(
      #"{"format": "outpost-import-profile/1", "collection": "customers", "#
        + #""columns": {"客户编号": "customer_id", "日期": "acquired_date"}, "#
        + #""constants": {"acquisition_channel_id": "sem", "kind": "individual"}, "#
        + #""derive_ids": ["customer_id"]}"#)
    try north.importRecords(
      .csv(Array("客户编号,日期\n京A-0001,2026-03-01\nC-2,2026-03-01\n".utf8)), into: "customers",
      name: "c.csv", profile: customers)
    let orders = try profile(
      #"{"format": "outpost-import-profile/1", "collection": "orders", "#
        + #""columns": {"订单号": "order_id", "客户": "customer_id", "日期": "order_date", "#
        + #""金额": "amount"}, "constants": {"channel_id": "sem", "quantity": "1", "#
        + #""status": "confirmed"}, "derive_ids": ["order_id", "customer_id"]}"#)
    try north.importRecords(
      .csv(Array("订单号,客户,日期,金额\nSO/2026/0002,京A-0001,2026-03-02,10.00\n".utf8)),
      into: "orders", name: "o.csv", profile: orders)
    let order = try north.read { reader throws(OutpostError) in
      do throws(StoreError) {
        return try reader.state("orders", RecordID(unchecked: "SO-2026-0002_508066614bd6"))?.values
      } catch { throw OutpostError(error) }
    }
    #expect(order?["customer_id"] == .string("A-0001_bf3f3397eccd"))
    #expect(order?["source_id"] == .string("SO/2026/0002"))
    // Another text that derives the same id: hand-made collision through a valid id.
    let before = disk.snapshot()
    #expect(throws: OutpostError.self) {
      try north.importRecords(
        .csv(Array("订单号,客户,日期,金额\nSO-2026-0002_508066614bd6,C-2,2026-03-02,10.00\n".utf8)),
        into: "orders", name: "o2.csv", profile: orders)
    }
    #expect(disk.snapshot() == before)
    // Without derive_ids the source id is refused as an id.
    let plain = try profile(
      #"{"format": "outpost-import-profile/1", "collection": "customers", "#
        + #""columns": {"客户编号": "customer_id", "日期": "acquired_date"}, "#
        + #""constants": {"acquisition_channel_id": "sem", "kind": "individual"}}"#)
    #expect(throws: OutpostError.self) {
      try north.importRecords(
        .csv(Array("客户编号,日期\n京B-9,2026-03-01\n".utf8)), into: "customers", name: "c.csv",
        profile: plain)
    }
  }
}

/// SPEC.md §3.7: without a profile, a header may name a column by its Chinese or English label.
struct LabelHeaderImportTests {
  @Test("a CSV with Chinese or English label headers imports without a profile")
  func labels() throws {
    let (_, north, _) = try twoOffices(now: { "2026-04-01T09:00:00Z" })
    let header = ["渠道", "日期", "点击量", "咨询量", "咨询电话量", "花费"].map {
      StandardCollections.channelDaily.column(forHeader: $0) == nil ? "?" + $0 : $0
    }
    #expect(!header.contains { $0.hasPrefix("?") }, "labels: \(header)")
    let result = try north.importRecords(
      .csv(Array((header.joined(separator: ",") + "\nsem,2026-03-01,5,1,0,2.00\n").utf8)),
      into: "channel_daily", name: "zh.csv")
    #expect(result.summary.created == 1)
    let english = try north.importRecords(
      .csv(
        Array(
          "channel,DATE,Clicks,consultations,consult_calls,spend\nseo,2026-03-01,5,1,0,0.00\n".utf8)
      ),
      into: "channel_daily", name: "en.csv")
    #expect(english.summary.created == 1)
  }
}

extension String {
  /// A profile without its `constants` member (for a profile that maps `channel_id`).
  fileprivate var replacingConstants: String {
    split(separator: #", "constants": {"channel_id": "sem"}"#, omittingEmptySubsequences: false)
      .joined()
  }
}

extension String {
  /// The text with each LF made CR.
  fileprivate var replacingNewlines: String {
    String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\n" ? "\r" : $0 }))
  }
}
