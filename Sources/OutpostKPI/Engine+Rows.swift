import OutpostCodec
import OutpostModel

extension KPIEngine {
  /// What the rows add up to: each measure ref's running table, each office's first and last
  /// date, and the groups each ref's rows fall in per office: the channels (over all periods),
  /// or the people groups by period.
  struct Accumulated {
    var tables: [Int: [Key: Accumulator]] = [:]
    var spans: [String: (first: CivilDate, last: CivilDate)] = [:]
    var channels: [Int: [String: Set<String>]] = [:]
    var people: [Int: [String: [Period: Set<String>]]] = [:]
    var assignments = Assignments([])
  }

  /// Runs every row of the dataset through the measures `refs` name (`totalled`: also into the
  /// office's total over every group).
  ///
  /// A ref `aggregates` keeps reads its monthly summaries instead of rows, in periods of a
  /// month or longer and not in a people breakdown.
  func accumulate(
    _ dataset: Dataset, _ refs: [MeasureRef], totalled: [MeasureRef], _ query: KPIQuery,
    aggregates: MonthlyAggregates? = nil
  ) -> Accumulated {
    var result = Accumulated()
    if query.breakdown.isPeople { result.assignments = Assignments(dataset.rows["staff"] ?? []) }
    // Where each row falls (date, office, period, group) is worked out once per collection,
    // time field and group field, not once per measure, and the running tables are keyed by
    // small integers.
    var places = Places(
      grain: query.grain, breakdown: query.breakdown, assignments: result.assignments)
    struct PlacementSource: Hashable {
      /// The table's name: a collection, or a lookup's joined rows.
      var table: String
      var timeField: String
      var groupField: String?
      var through: Measure.StaffThrough?
    }
    // By staff_through mapping, the dated owners it reads (people breakdowns only).
    var owners: [Measure.StaffThrough: DatedOwners] = [:]
    var placed: [PlacementSource: [Placement?]] = [:]
    // The rows each measure reads, by collection (or lookup), with their fields as columns.
    var tables: [String: Table] = [:]
    var distinct = DistinctValues()
    // By measure ref, the places (office, period, group) of its counted rows: a breakdown
    // lists, for a KPI and office, the groups of the rows the KPI reads.
    var seen: [Int: Set<Place>] = [:]
    // By office number, the first and last date of its counted rows.
    var spans: [(first: CivilDate, last: CivilDate)?] = []
    func extend(_ placement: Placement) {
      let office = Int(placement.office)
      if spans.count <= office { spans += Array(repeating: nil, count: office + 1 - spans.count) }
      if let span = spans[office] {
        spans[office] = (min(span.first, placement.date), max(span.last, placement.date))
      } else {
        spans[office] = (placement.date, placement.date)
      }
    }
    // A windowed measure's periods by date (rows share dates).
    var windows: [CivilDate: [Int32]] = [:]
    func periods(_ window: Measure.Window, holding date: CivilDate) -> [Int32] {
      if let known = windows[date] { return known }
      let periods = window.periods(holding: date, grain: query.grain).map { places.period($0) }
      windows[date] = periods
      return periods
    }
    for (index, ref) in refs.enumerated() {
      let measure = definitions.measures[ref.measure]!
      let groupField = places.groupField(measure)
      windows = [:]
      if let kept = aggregates?.partials(ref), query.grain >= .month, !query.breakdown.isPeople {
        // The monthly summaries stand for the rows: a row's filters and value do not depend
        // on the query, only where it falls, and periods of a month or longer (and windows,
        // which are whole months) hold whole months. An office's first and last date are then
        // first days of months, which are in the same periods.
        var table: [Place: Accumulator] = [:]
        for (key, partial) in kept {
          if let coarse = key.coarse, coarse > query.grain { continue }
          let placement = places.place(
            office: key.office, date: key.month, group: groupField == nil ? "" : key.channel)
          let counted =
            measure.window.map { periods($0, holding: key.month) } ?? [placement.period]
          for period in counted {
            let place = Place(office: placement.office, period: period, group: placement.group)
            table[place, default: Accumulator()].add(partial, measure, &distinct)
            if place.group != 0 { seen[index, default: []].insert(place) }
            if totalled.contains(ref) {
              var all = place
              all.group = Place.allGroups
              table[all, default: Accumulator()].add(partial, measure, &distinct)
            }
          }
          if !counted.isEmpty { extend(placement) }
        }
        result.tables[index] = Dictionary(
          uniqueKeysWithValues: table.map { (places.key($0.key), $0.value) })
        continue
      }
      let through = query.breakdown.isPeople ? measure.staffThrough : nil
      if let through, owners[through] == nil {
        owners[through] = DatedOwners(dataset.rows[through.collection] ?? [], through)
      }
      let owner = through.flatMap { owners[$0] }
      let total = totalled.contains(ref)
      let name = Self.tableName(measure)
      let rows: Table
      if let known = tables[name] {
        rows = known
      } else {
        rows = Table(Self.rows(of: measure, dataset))
        tables[name] = rows
      }
      let source = PlacementSource(
        table: name, timeField: measure.timeField, groupField: groupField, through: through)
      let placements =
        placed[source]
        ?? rows.rows.map { places.place($0, measure.timeField, groupField, through: owner) }
      placed[source] = placements
      let columns = MeasureColumns(measure, rows, &distinct)
      let filters = (measure.filter + ref.filter).map { ColumnFilter($0, rows) }
      var table: [Place: Accumulator] = [:]
      // Counts row `i` in `period` if it passes the filters there.
      func count(_ i: Int, _ placement: Placement, in period: Int32) -> Bool {
        guard filters.matches(i, period: places.periods[Int(period)]) else { return false }
        let place = Place(office: placement.office, period: period, group: placement.group)
        table[place, default: Accumulator()].add(i, columns, date: placement.date, &distinct)
        if place.group != 0 { seen[index, default: []].insert(place) }
        if total {
          var all = place
          all.group = Place.allGroups
          table[all, default: Accumulator()].add(i, columns, date: placement.date, &distinct)
        }
        return true
      }
      for i in rows.rows.indices {
        guard let placement = placements[i] else { continue }
        // A row counts in its own period, or in every period whose window holds it (§9.1).
        var counted = false
        if let window = measure.window {
          for period in periods(window, holding: placement.date)
          where count(i, placement, in: period) {
            counted = true
          }
        } else {
          counted = count(i, placement, in: placement.period)
        }
        if counted { extend(placement) }
      }
      result.tables[index] = Dictionary(
        uniqueKeysWithValues: table.map { (places.key($0.key), $0.value) })
    }
    for (office, span) in spans.enumerated() {
      if let span { result.spans[places.offices[office]] = span }
    }
    for (index, list) in seen {
      for place in list {
        let office = places.offices[Int(place.office)]
        let group = places.groups[Int(place.group)]
        if query.breakdown.isPeople {
          result.people[index, default: [:]][office, default: [:]][
            places.periods[Int(place.period)], default: []
          ].insert(group)
        } else {
          result.channels[index, default: [:]][office, default: []].insert(group)
        }
      }
    }
    return result
  }

  /// The name of the rows a measure reads: its collection, or (with a lookup) the joined rows
  /// of its collection and the lookup's; never a collection's name in the second case.
  static func tableName(_ measure: Measure) -> String {
    guard let lookup = measure.lookup else { return measure.source }
    return "\u{1}"
      + [measure.source, lookup.collection, lookup.key, lookup.id, lookup.name].joined(
        separator: "\u{1}")
  }

  /// The rows a measure reads: its collection's; with a lookup, each row that finds its other
  /// row, with the other row's fields added as `<as>.<field>`.
  static func rows(of measure: Measure, _ dataset: Dataset) -> [Row] {
    let rows = dataset.rows[measure.source] ?? []
    guard let lookup = measure.lookup else { return rows }
    var joined: [String: Row] = [:]
    for row in dataset.rows[lookup.collection] ?? [] {
      if let id = row[lookup.id]?.stringValue { joined[id] = row }
    }
    var result: [Row] = []
    for source in rows {
      // Rows are copied only to add a lookup's fields.
      guard let id = source[lookup.key]?.stringValue, let other = joined[id] else { continue }
      var row = source
      for (field, value) in other { row[lookup.name + "." + field] = value }
      result.append(row)
    }
    return result
  }
}
