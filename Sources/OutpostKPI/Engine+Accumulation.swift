import OutpostCodec
import OutpostModel

/// Where a row falls: its date, and its office, period and group as indices into ``Places``.
struct Placement {
  var date: CivilDate
  var office: Int32
  var period: Int32
  var group: Int32
}

/// A running table's key: office, period and group indices (cheap to hash).
struct Place: Hashable {
  var office: Int32
  var period: Int32
  var group: Int32

  /// The group of an office's total over every group.
  static let allGroups: Int32 = -1
}

/// The offices, periods and groups met while placing rows, each numbered once.
struct Places {
  let grain: Grain
  let breakdown: Breakdown
  let assignments: Assignments
  private(set) var offices: [String] = []
  private(set) var periods: [Period] = []
  /// Group 0 is "no group": no breakdown, a row without a channel, or a measure whose rows
  /// belong to no one in a people breakdown.
  private(set) var groups: [String] = [""]
  private var officeIndex: [String: Int32] = [:]
  private var periodIndex: [Period: Int32] = [:]
  private var groupIndex: [String: Int32] = ["": 0]

  init(grain: Grain, breakdown: Breakdown, assignments: Assignments) {
    self.grain = grain
    self.breakdown = breakdown
    self.assignments = assignments
  }

  /// The field that puts a measure's rows in a group: its channel or staff field; nil when
  /// the breakdown reads none.
  func groupField(_ measure: Measure) -> String? {
    switch breakdown {
    case .office: nil
    case .channel: measure.channelField
    case .staff, .position, .department: measure.staffField
    }
  }

  /// The date that places a row: its time field's date (a timestamp's date part, a month's
  /// first day); a quarter or a year (a rating's period) only in periods of that grain or a
  /// coarser one, by its first day, and never in the months, weeks or days inside it.
  func date(_ value: JSONValue?) -> CivilDate? {
    if let text = value?.stringValue, text.utf8.count == 4 || text.utf8.count == 7,
      let period = Period(parsing: text), period.grain == .quarter || period.grain == .year
    {
      return period.grain > grain ? nil : period.start
    }
    return KPIEngine.date(value)
  }

  /// Where a row falls by its time field, or nil when it has no date or no office.
  ///
  /// In a people breakdown the group field names the person, or through `owners` the record
  /// naming the person on the row's date; a row dated by a month counts for the assignment on
  /// the month's first day, or else for the one starting latest within the month.
  mutating func place(
    _ row: Row, _ timeField: String, _ groupField: String?, through owners: DatedOwners? = nil
  ) -> Placement? {
    guard let date = date(row[timeField]), let office = row["office_id"]?.stringValue
    else { return nil }
    var group = ""
    if let groupField {
      if breakdown.isPeople {
        // A month-dated row (a task's or a rating's month), not a quarter such as 2025-Q1.
        let month =
          row[timeField]?.stringValue.flatMap { Period(parsing: $0)?.grain == .month } ?? false
        var staff = row[groupField]?.stringValue
        if let owners { staff = staff.flatMap { owners.staff($0, office: office, on: date) } }
        group =
          staff.flatMap {
            month
              ? assignments.active($0, office: office, inMonthFrom: date)
              : assignments.active($0, office: office, on: date)
          }
          .map { PeopleGroup.of($0, breakdown) } ?? PeopleGroup.unattributed
      } else {
        group = row[groupField]?.stringValue ?? ""
      }
    }
    return place(office: office, date: date, group: group)
  }

  /// Where a row of `office` dated `date` in `group` falls.
  mutating func place(office: String, date: CivilDate, group: String) -> Placement {
    Placement(
      date: date, office: Self.number(office, &offices, &officeIndex),
      period: period(Period.containing(date, grain: grain)),
      group: Self.number(group, &groups, &groupIndex))
  }

  /// The number of a period.
  mutating func period(_ period: Period) -> Int32 {
    if let known = periodIndex[period] { return known }
    let next = Int32(periods.count)
    periods.append(period)
    periodIndex[period] = next
    return next
  }

  private static func number(
    _ text: String, _ list: inout [String], _ index: inout [String: Int32]
  )
    -> Int32
  {
    if let known = index[text] { return known }
    let next = Int32(list.count)
    list.append(text)
    index[text] = next
    return next
  }

  /// The engine's key of a place.
  func key(_ place: Place) -> KPIEngine.Key {
    KPIEngine.Key(
      office: offices[Int(place.office)], period: periods[Int(place.period)],
      group: place.group == Place.allGroups
        ? KPIEngine.Key.allGroups : groups[Int(place.group)])
  }
}

/// The running aggregate of one measure for one key.
struct Accumulator {
  var rows = 0
  var nonNull = 0
  var sum = ExactDecimal.zero
  var overflow = false
  /// For count_distinct: each value (by its ``DistinctValues`` number) and how many rows
  /// hold it.
  var distinct: [Int32: Int] = [:]
  var extreme: ExactDecimal?
  /// For last/first: per partition, the winning date and value.
  var snapshots: [String: (date: CivilDate, value: ExactDecimal)] = [:]

  /// Adds row `i` of the table `columns` were read from.
  mutating func add(
    _ i: Int, _ columns: MeasureColumns, date: CivilDate, _ values: inout DistinctValues
  ) {
    rows += 1
    let measure = columns.measure
    let value: ExactDecimal
    if let from = columns.from?[i], let to = columns.to?[i] {
      // Seconds between the two timestamps; a null side is a null value (R2).
      guard from != .null, to != .null else { return }
      guard let seconds = Self.seconds(from: from, to: to) else {
        overflow = true  // not timestamps, or a negative duration (docs/kpis.md §3)
        return
      }
      let raw = JSONValue.string(seconds.description)
      nonNull += 1
      switch measure.agg {
      case .countDistinct:
        distinct[values.id(raw), default: 0] += 1
        return
      case .count:
        return
      default: break
      }
      guard let number = KPIEngine.number(raw) else {
        overflow = true
        return
      }
      value = number
    } else {
      guard let field = columns.values, field[i] != .null else { return }
      nonNull += 1
      switch measure.agg {
      case .countDistinct:
        distinct[columns.ids![i], default: 0] += 1
        return
      case .count:
        return
      default: break
      }
      guard let number = columns.numbers![i] else {
        overflow = true  // not a number: the definition is wrong for this field
        return
      }
      value = number
    }
    switch measure.agg {
    case .sum, .mean:
      if let next = sum.adding(value) { sum = next } else { overflow = true }
    case .min: extreme = extreme.map { Swift.min($0, value) } ?? value
    case .max: extreme = extreme.map { Swift.max($0, value) } ?? value
    case .last, .first:
      let partition = columns.partitions.map { JSONWriter.canonicalString($0[i]) }
        .joined(separator: "\u{1}")
      if let current = snapshots[partition] {
        let later = date > current.date || (date == current.date && value > current.value)
        let earlier = date < current.date || (date == current.date && value > current.value)
        if measure.agg == .last ? later : earlier { snapshots[partition] = (date, value) }
      } else {
        snapshots[partition] = (date, value)
      }
    default: break
    }
  }

  /// The seconds from one timestamp to a later one; nil when either is not a timestamp or
  /// the duration is negative.
  static func seconds(from: JSONValue, to: JSONValue) -> ExactDecimal? {
    guard let start = from.stringValue.flatMap(FieldType.secondsSinceEpoch),
      let end = to.stringValue.flatMap(FieldType.secondsSinceEpoch),
      let seconds = end.subtracting(start), seconds >= .zero
    else { return nil }
    return seconds
  }

  /// Adds the summary of a month's rows (``MonthlyAggregates``), as ``add(_:_:date:_:)`` adds
  /// each of them.
  mutating func add(_ partial: MonthPartial, _ measure: Measure, _ values: inout DistinctValues) {
    rows += partial.rows
    nonNull += partial.nonNull
    if partial.invalid > 0 || partial.overflowed { overflow = true }
    switch measure.agg {
    case .sum, .mean:
      if let next = sum.adding(partial.scaledSum) { sum = next } else { overflow = true }
    case .countDistinct:
      for (text, count) in partial.distinct {
        distinct[values.id(canonical: text), default: 0] += count
      }
    default: break
    }
  }

  /// For count_distinct: the values found in at least `minRows` rows.
  func values(minRows: Int) -> Set<Int32> {
    minRows <= 1
      ? Set(distinct.keys) : Set(distinct.compactMap { $0.value >= minRows ? $0.key : nil })
  }

  /// The measure's value (R2: nulls are skipped; all-null is `no_data`); a duration in its unit.
  func outcome(_ measure: Reduction) -> Outcome {
    let outcome = aggregate(measure)
    guard let unitSeconds = measure.unitSeconds, case .value(let seconds) = outcome else {
      return outcome
    }
    return seconds.divided(by: Fraction(ExactDecimal(unitSeconds))).map(Outcome.value)
      ?? .undefined("overflow")
  }

  private func aggregate(_ measure: Reduction) -> Outcome {
    if overflow { return .undefined("invalid_input") }
    switch measure.agg {
    case .count:
      let n = measure.countsRows ? rows : nonNull
      if rows == 0 && !measure.emptyIsZero { return .undefined("no_data") }
      return .value(Fraction(ExactDecimal(Int64(n))))
    case .countDistinct:
      if rows == 0 && !measure.emptyIsZero { return .undefined("no_data") }
      let count =
        measure.minRows <= 1
        ? distinct.count : distinct.values.lazy.filter { $0 >= measure.minRows }.count
      return .value(Fraction(ExactDecimal(Int64(count))))
    case .sum:
      if rows == 0 { return measure.emptyIsZero ? .value(.zero) : .undefined("no_data") }
      return nonNull == 0 ? .undefined("no_data") : .value(Fraction(sum))
    case .mean:
      guard nonNull > 0, let f = Fraction(sum, over: ExactDecimal(Int64(nonNull))) else {
        return .undefined("no_data")
      }
      return .value(f)
    case .min, .max:
      return extreme.map { .value(Fraction($0)) } ?? .undefined("no_data")
    case .last, .first:
      guard !snapshots.isEmpty else { return .undefined("no_data") }
      var total = ExactDecimal.zero
      for (_, snapshot) in snapshots.sorted(by: { $0.key < $1.key }) {
        guard let next = total.adding(snapshot.value) else { return .undefined("overflow") }
        total = next
      }
      return .value(Fraction(total))
    }
  }
}

/// What turns a measure's accumulator into its value: the parts of its definition
/// ``Accumulator/outcome(_:)`` reads, cheap to copy.
struct Reduction {
  var agg: Aggregation
  /// A count without a field: it counts rows, not non-null values.
  var countsRows: Bool
  var emptyIsZero: Bool
  var minRows: Int
  /// A duration's unit, in seconds.
  var unitSeconds: Int64?

  init(_ measure: Measure) {
    agg = measure.agg
    countsRows = measure.field == nil
    emptyIsZero = measure.emptyIsZero
    minRows = measure.minRows
    unitSeconds = measure.duration?.unitSeconds
  }
}
