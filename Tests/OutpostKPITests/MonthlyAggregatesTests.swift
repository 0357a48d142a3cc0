import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostTestRandom
import Testing

/// Monthly summaries (docs/design/scale.md §3) against the rows they summarize, on the built-in
/// catalog and random rows made from what its measures read: the same values either way, and
/// summaries kept by adding and taking out rows equal to summaries rebuilt.
struct MonthlyAggregatesTests {
  static let definitions: DefinitionSet = {
    do { return try DefinitionSet(bytes: DefinitionSet.defaultDocumentBytes) } catch {
      preconditionFailure("the built-in catalog does not parse: \(error)")
    }
  }()

  /// The fields each collection's measures read, and which of them hold dates.
  struct Fields {
    var all: [String: Set<String>] = [:]
    var dates: [String: Set<String>] = [:]
    /// Filter operands by field: values that make a filter pass or fail.
    var operands: [String: [JSONValue]] = [:]

    init(_ definitions: DefinitionSet) {
      for measure in definitions.measures.values.sorted(by: { $0.id < $1.id }) {
        let source = measure.source
        all[source, default: ["office_id"]].insert(measure.channelField)
        dates[source, default: []].insert(measure.timeField)
        if let field = measure.field { all[source, default: []].insert(field) }
        if let duration = measure.duration {
          dates[source, default: []].formUnion([duration.from, duration.to])
        }
        var filters = measure.filter
        for kpi in definitions.kpis.values {
          switch kpi.kind {
          case .simple(let ref) where ref.measure == measure.id: filters += ref.filter
          case .ratio(let n, let d, _):
            if n.measure == measure.id { filters += n.filter }
            if d.measure == measure.id { filters += d.filter }
          default: break
          }
        }
        func visit(_ filter: Filter) {
          switch filter {
          case .condition(let field, _, let operand):
            all[source, default: []].insert(field)
            if case .array(let list)? = operand {
              operands[field, default: []] += list
            } else if let operand {
              operands[field, default: []].append(operand)
            }
          case .any(let members): members.forEach(visit)
          case .dateOffset(let field, _, let other, _):
            dates[source, default: []].formUnion([field, other])
          }
        }
        filters.forEach(visit)
      }
      for (source, fields) in dates { all[source, default: []].formUnion(fields) }
    }
  }

  static let fields = Fields(definitions)

  /// A date text in 2024–2025: a day, a timestamp, a month, a quarter or a year, now and then
  /// not a date.
  static func dateText(_ random: inout SplitMix64) -> JSONValue {
    let year = 2024 + random.next(2)
    let month = 1 + random.next(12)
    let day = 1 + random.next(28)
    let mm = month < 10 ? "0\(month)" : "\(month)"
    let dd = day < 10 ? "0\(day)" : "\(day)"
    switch random.next(20) {
    case 0: return .null
    case 1: return .string("\(year)-\(mm)")
    case 2: return .string("\(year)-Q\(1 + random.next(4))")
    case 3: return .string("\(year)")
    case 4: return .string("soon")
    case 5, 6, 7, 8:
      return .string("\(year)-\(mm)-\(dd)T\(10 + random.next(10)):0\(random.next(10)):00+08:00")
    default: return .string("\(year)-\(mm)-\(dd)")
    }
  }

  /// A value for a non-date field: one of its filter operands, a number, text, or null.
  static func value(_ field: String, _ random: inout SplitMix64) -> JSONValue {
    let operands = fields.operands[field] ?? []
    let pick = random.next(10)
    if (2...4).contains(pick) && !operands.isEmpty {
      return operands[random.next(operands.count)]
    }
    switch pick {
    case 0: return .null
    case 1: return .string(["a", "b", "c"][random.next(3)])
    case 5: return .number(JSONNumber(integer: Int64(random.next(5))))
    case 6: return .bool(random.next(2) == 0)
    default:
      let cents = Int128(random.next(200_000)) - 20_000
      return .string(ExactDecimal(significand: cents, scale: random.next(3)).description)
    }
  }

  static func row(_ collection: String, _ random: inout SplitMix64) -> Row {
    var row: Row = [:]
    let dates = fields.dates[collection] ?? []
    for field in (fields.all[collection] ?? []).sorted() where random.next(12) != 0 {
      row[field] = dates.contains(field) ? dateText(&random) : value(field, &random)
    }
    row["office_id"] = .string(["north", "east", "south"][random.next(3)])
    if random.next(10) != 0 {
      row["channel_id"] = .string(["sem", "seo", "social", "email"][random.next(4)])
    }
    return row
  }

  static func dataset(_ random: inout SplitMix64, rows: Int) -> Dataset {
    var result: [String: [Row]] = [:]
    for collection in fields.all.keys.sorted() {
      result[collection] = (0..<rows).map { _ in row(collection, &random) }
    }
    return Dataset(rows: result)
  }

  static let refs = MonthlyAggregates.keptRefs(definitions)

  @Test("the catalog's refs kept by month are those of count, sum, mean and count_distinct")
  func keptRefs() {
    #expect(Self.refs.count >= 60)
    for ref in Self.refs {
      let measure = Self.definitions.measures[ref.measure]!
      #expect(measure.lookup == nil)
      #expect([.count, .sum, .mean, .countDistinct].contains(measure.agg))
    }
    // Refused: a lookup (collected_on_due also names the period), last, a period operand.
    for id in ["collected_on_due", "ending_followers"] where Self.definitions.measures[id] != nil {
      #expect(!Self.refs.contains { $0.measure == id }, "\(id)")
    }
  }

  @Test("summaries give the values rows give", arguments: [Grain.month, .quarter, .year, .week])
  func sameValues(grain: Grain) {
    let seed = testSeed(20_261_207 + UInt64(Grain.allCases.firstIndex(of: grain)!))
    var random = SplitMix64(seed: seed)
    let engine = KPIEngine(definitions: Self.definitions)
    for round in 0..<3 {
      let data = Self.dataset(&random, rows: 40 + random.next(80))
      let aggregates = MonthlyAggregates(data, refs: Self.refs, definitions: Self.definitions)
      for breakdown in [Breakdown.office, .channel] {
        let query = KPIQuery(grain: grain, breakdown: breakdown)
        let expected = engine.evaluate(data, query)
        let found = engine.evaluate(data, query, aggregates: aggregates)
        #expect(expected.count == found.count, "round \(round) \(breakdown)")
        // Enough defined values for the comparison to mean something.
        #expect(expected.filter { $0.value != nil }.count * 4 > expected.count)
        for (a, b) in zip(expected, found)
        where a != b || a.numerator?.description != b.numerator?.description {
          Issue.record("round \(round) \(breakdown): \(a) != \(b)")
          break
        }
      }
    }
  }

  /// A value's decimals as written, scale included.
  static func digits(_ value: KPIValue) -> [String?] {
    [value.value, value.numerator, value.denominator].map { $0?.description }
  }

  @discardableResult
  func apply(_ kept: inout MonthlyAggregates, _ row: Row, _ collection: String, sign: Int) -> Bool {
    kept.apply(row, collection: collection, sign: sign)
  }

  @Test("summaries kept by adding new rows and taking out old ones equal summaries rebuilt")
  func keptEqualsRebuilt() {
    let seed = testSeed(20_261_208)
    var random = SplitMix64(seed: seed)
    let engine = KPIEngine(definitions: Self.definitions)
    for round in 0..<4 {
      var data = Self.dataset(&random, rows: 30 + random.next(40))
      var kept = MonthlyAggregates(data, refs: Self.refs, definitions: Self.definitions)
      for collection in data.rows.keys.sorted() {
        var rows = data.rows[collection]!
        for _ in 0..<(10 + random.next(30)) {
          let i = random.next(rows.count)
          switch random.next(3) {
          case 0:  // an edit: one field changed, or the row replaced
            var next = rows[i]
            let names = next.keys.sorted()
            if random.next(2) == 0, !names.isEmpty {
              let field = names[random.next(names.count)]
              next[field] = Self.row(collection, &random)[field] ?? .null
            } else {
              next = Self.row(collection, &random)
            }
            let held = apply(&kept, rows[i], collection, sign: -1)
            #expect(held)
            apply(&kept, next, collection, sign: 1)
            rows[i] = next
          case 1:  // a delete
            let held = apply(&kept, rows[i], collection, sign: -1)
            #expect(held)
            rows.remove(at: i)
          default:  // an insert
            let row = Self.row(collection, &random)
            apply(&kept, row, collection, sign: 1)
            rows.append(row)
          }
          if rows.isEmpty {
            rows.append(Self.row(collection, &random))
            apply(&kept, rows[0], collection, sign: 1)
          }
        }
        data.rows[collection] = rows
      }
      let rebuilt = MonthlyAggregates(data, refs: Self.refs, definitions: Self.definitions)
      #expect(kept == rebuilt, "round \(round)")
      // Digit for digit: a sum keeps the scale of the values it holds, not of values taken out.
      #expect(
        kept.tables.map { $0.mapValues(\.scaledSum.description) }
          == rebuilt.tables.map { $0.mapValues(\.scaledSum.description) }, "round \(round)")
      let query = KPIQuery(grain: .month, breakdown: .channel)
      let found = engine.evaluate(data, query, aggregates: kept)
      let expected = engine.evaluate(data, query)
      #expect(found == expected, "round \(round)")
      #expect(
        found.map(Self.digits) == expected.map(Self.digits), "round \(round): digits differ")
    }
  }

  @Test("taking out a row the summaries never held is reported")
  func takingOutUnknownRow() {
    var random = SplitMix64(seed: testSeed(20_261_209))
    let data = Self.dataset(&random, rows: 5)
    var kept = MonthlyAggregates(Dataset(rows: [:]), refs: Self.refs, definitions: Self.definitions)
    var reported = false
    for row in data.rows["orders"]! {
      if !kept.apply(row, collection: "orders", sign: -1) {
        reported = true
      }
    }
    #expect(reported)
  }

  @Test("the engine reads the summaries, not the rows, for the refs they keep")
  func readsSummaries() {
    var random = SplitMix64(seed: testSeed(20_261_210))
    let engine = KPIEngine(definitions: Self.definitions)
    let data = Self.dataset(&random, rows: 80)
    let aggregates = MonthlyAggregates(data, refs: Self.refs, definitions: Self.definitions)
    // KPIs whose every measure is kept, with no targets: computable from the summaries alone.
    let kept = Set(Self.refs)
    let ids = Self.definitions.kpiOrder.filter { id in
      let kpi = Self.definitions.kpis[id]!
      if case .attainment = kpi.kind { return false }
      if case .growth = kpi.kind { return false }
      if case .derived = kpi.kind { return false }
      switch kpi.kind {
      case .simple(let ref): return kept.contains(ref) && kpi.flags.isEmpty
      case .ratio(let n, let d, _):
        return kept.contains(n) && kept.contains(d) && kpi.flags.isEmpty
      default: return false
      }
    }
    #expect(ids.count > 20)
    let query = KPIQuery(kpis: ids, grain: .month, breakdown: .office)
    let expected = engine.evaluate(data, query)
    #expect(engine.evaluate(Dataset(rows: [:]), query, aggregates: aggregates) == expected)
    #expect(expected.contains { $0.value != nil })
  }
}
