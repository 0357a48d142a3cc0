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
    /// The fields joining rows (a lookup's key and the other collection's id): they take a few
    /// values, so rows join, and several rows of the other collection hold the same one.
    var joining: Set<String> = []

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
      // A lookup's other collection gets the fields read through it (`order.channel_id`:
      // `orders.channel_id`), its id and the source its key; the source keeps the joined
      // names too, which the engine reads when the other row lacks the field.
      for measure in definitions.measures.values {
        guard let lookup = measure.lookup else { continue }
        let prefix = lookup.name + "."
        for field in all[measure.source] ?? [] where field.hasPrefix(prefix) {
          let base = String(field.dropFirst(prefix.count))
          all[lookup.collection, default: ["office_id"]].insert(base)
          if dates[measure.source]?.contains(field) == true {
            dates[lookup.collection, default: []].insert(base)
          }
        }
        all[measure.source, default: []].insert(lookup.key)
        all[lookup.collection, default: ["office_id"]].insert(lookup.id)
        joining.formUnion([lookup.key, lookup.id])
      }
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
    if fields.joining.contains(field) {
      return random.next(8) == 0 ? .null : .string("k\(random.next(6))")
    }
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
      #expect([.count, .sum, .mean, .countDistinct].contains(measure.agg))
    }
    // Lookup measures are kept with their joins.
    for id in ["repeat_order_count", "refund_amount_by_order_channel", "converted_leads"] {
      #expect(Self.refs.contains { $0.measure == id }, "\(id)")
    }
    // Refused: a period operand (collected_on_due, a lookup too), last.
    for id in ["collected_on_due", "followers_last"] {
      #expect(Self.definitions.measures[id] != nil, "\(id)")
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
  func apply(
    _ kept: inout MonthlyAggregates, _ row: (id: String, row: Row), _ collection: String,
    sign: Int
  ) -> Bool {
    kept.apply(row.row, id: row.id, collection: collection, sign: sign)
  }

  @Test("summaries kept by adding new rows and taking out old ones equal summaries rebuilt")
  func keptEqualsRebuilt() {
    let seed = testSeed(20_261_208)
    var random = SplitMix64(seed: seed)
    let engine = KPIEngine(definitions: Self.definitions)
    for round in 0..<4 {
      var data = Self.dataset(&random, rows: 30 + random.next(40))
      var kept = MonthlyAggregates(data, refs: Self.refs, definitions: Self.definitions)
      // Rows carry ids in dataset order, as records do (the ids the summaries were built
      // with); an insert takes an id after every other, so the order stays the ids' order.
      var withIDs = data.rows.mapValues { rows in
        let width = String(rows.count).count
        return rows.enumerated().map { index, row in
          let number = String(index)
          return (id: String(repeating: "0", count: width - number.count) + number, row: row)
        }
      }
      var nextID = 1_000
      // Collections in turn, twice: a lookup's rows change both after and before the rows
      // joining them.
      for collection in data.rows.keys.sorted() + data.rows.keys.sorted() {
        var rows = withIDs[collection]!
        for _ in 0..<(10 + random.next(30)) {
          let i = random.next(rows.count)
          switch random.next(3) {
          case 0:  // an edit: one field changed, or the row replaced
            var next = rows[i].row
            let names = next.keys.sorted()
            if random.next(2) == 0, !names.isEmpty {
              let field = names[random.next(names.count)]
              next[field] = Self.row(collection, &random)[field] ?? .null
            } else {
              next = Self.row(collection, &random)
            }
            // Replaced as a commit replaces a record: a join the edit leaves alone is not read.
            let held = kept.replace(
              rows[i].row, with: next, id: rows[i].id, collection: collection)
            #expect(held)
            rows[i].row = next
          case 1:  // a delete
            let held = apply(&kept, rows[i], collection, sign: -1)
            #expect(held)
            rows.remove(at: i)
          default:  // an insert
            let row = (id: "~~\(nextID)", row: Self.row(collection, &random))
            nextID += 1
            apply(&kept, row, collection, sign: 1)
            rows.append(row)
          }
          if rows.isEmpty {
            let row = (id: "~~\(nextID)", row: Self.row(collection, &random))
            nextID += 1
            rows.append(row)
            apply(&kept, row, collection, sign: 1)
          }
        }
        withIDs[collection] = rows
        data.rows[collection] = rows.map(\.row)
      }
      let rebuilt = MonthlyAggregates(data, refs: Self.refs, definitions: Self.definitions)
      // The rebuilt joins name the other collection's rows by their place in the dataset, the
      // kept ones by the ids they were added with: the same rows, in the same order.
      #expect(kept.tables == rebuilt.tables, "round \(round)")
      #expect(kept.joins.count == rebuilt.joins.count)
      for (a, b) in zip(kept.joins, rebuilt.joins) {
        #expect(a.sources == b.sources, "round \(round) \(a.source)")
        #expect(a.targets.mapValues(\.count) == b.targets.mapValues(\.count))
        for key in a.targets.keys { #expect(a.target(key) == b.target(key), "round \(round)") }
      }
      #expect(kept.joins.contains { !$0.sources.isEmpty && !$0.targets.isEmpty })
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
    for (index, row) in data.rows["orders"]!.enumerated() {
      if !kept.apply(row, id: "\(index)", collection: "orders", sign: -1) {
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
