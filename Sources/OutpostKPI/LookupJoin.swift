import OutpostCodec

/// A key value of one of ``MonthlyAggregates/joins``.
public struct JoinKey: Hashable, Sendable {
  /// The join's index.
  public var join: Int
  /// The value of the source rows' key field, and of the other collection's id field.
  public var key: String

  /// Creates a join key.
  public init(join: Int, key: String) {
    self.join = join
    self.key = key
  }
}

/// What monthly summaries of lookup measures are kept from: for one join (a source collection
/// and a ``Measure/Lookup``), the source rows by the key they name and the other collection's
/// rows by their id, each reduced to the fields the kept refs read (docs/design/scale.md §3).
///
/// A lookup measure's row gives what the source row joined with the other row gives, so a
/// change on either side changes the summaries of the rows joined to it: a source row is taken
/// out with the other row it found and put back with the one it finds now, and when the other
/// row of a key changes, every source row naming that key is taken out with the old one and
/// put back with the new one. This keeps the summaries equal to summaries rebuilt from the
/// joined rows, whatever the order of the changes.
public struct LookupJoin: Sendable, Equatable {
  /// The collection whose rows are counted.
  public let source: String
  /// The join.
  public let lookup: Measure.Lookup
  /// The fields of a source row the kept refs read, sorted (a joined field's full name,
  /// `order.channel_id`, among them: a source row holding such a field keeps it when the
  /// other row lacks the field, as ``KPIEngine`` does).
  public let sourceFields: [String]
  /// The fields of the other row the kept refs read, without the `<as>.` prefix, sorted.
  public let targetFields: [String]
  /// By key value, the source rows naming it: each as the canonical JSON array of its
  /// ``sourceFields`` values (null for an absent field), with how many rows are alike.
  public var sources: [String: [String: Int]] = [:]
  /// By id value, the other collection's rows holding it, by record id.
  ///
  /// Each is the canonical JSON object of the ``targetFields`` it has. A source row joins the
  /// one with the greatest record id, the last in the engine's id order.
  public var targets: [String: [String: String]] = [:]

  /// An empty join reading `fields` (full names, as in the measures and filters).
  init(source: String, lookup: Measure.Lookup, fields: Set<String>) {
    self.source = source
    self.lookup = lookup
    let prefix = lookup.name + "."
    sourceFields = fields.sorted()
    targetFields = fields.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
      .sorted()
  }

  /// Two joins are equal when they join the same way and hold the same rows.
  public static func == (lhs: LookupJoin, rhs: LookupJoin) -> Bool {
    lhs.source == rhs.source && lhs.lookup == rhs.lookup && lhs.sourceFields == rhs.sourceFields
      && lhs.targetFields == rhs.targetFields && lhs.sources == rhs.sources
      && lhs.targets == rhs.targets
  }

  /// The fields a lookup measure read through `filters` reads (its own and the joined ones).
  static func fields(_ measure: Measure, _ filters: [Filter]) -> Set<String> {
    var names: Set<String> = ["office_id", measure.timeField, measure.channelField]
    if let field = measure.field { names.insert(field) }
    if let duration = measure.duration { names.formUnion([duration.from, duration.to]) }
    func visit(_ filter: Filter) {
      switch filter {
      case .condition(let field, _, _): names.insert(field)
      case .any(let members): members.forEach(visit)
      case .dateOffset(let field, _, let other, _): names.formUnion([field, other])
      }
    }
    filters.forEach(visit)
    return names
  }

  /// A source row reduced to ``sourceFields``.
  func sourceProjection(_ row: Row) -> String {
    JSONWriter.canonicalString(.array(sourceFields.map { row[$0] ?? .null }))
  }

  /// Another collection's row reduced to the ``targetFields`` it has.
  func targetProjection(_ row: Row) -> String {
    JSONWriter.canonicalString(
      .object(JSONObject(uncheckedPairs: targetFields.compactMap { f in row[f].map { (f, $0) } })))
  }

  /// The other row a source row naming `key` joins: the projection with the greatest record id.
  public func target(_ key: String) -> String? {
    guard let rows = targets[key] else { return nil }
    return rows.max { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }?.value
  }

  /// The joined row of a source projection and a target projection, as the engine builds it:
  /// the source row's fields, then the other row's under `<as>.`.
  func joined(source: String, target: String) -> Row? {
    guard case .array(let values)? = try? JSONParser.parse(source),
      values.count == sourceFields.count,
      case .object(let other)? = try? JSONParser.parse(target)
    else { return nil }
    var row: Row = [:]
    for (field, value) in zip(sourceFields, values) where value != .null { row[field] = value }
    for (field, value) in other { row[lookup.name + "." + field] = value }
    return row
  }

  /// Whether replacing `old` with `new`, rows of `collection`, changes what the join holds:
  /// on a side the collection is, the key or the fields read differ.
  func changes(_ old: Row?, _ new: Row?, collection: String) -> Bool {
    if collection == source {
      let side = { (row: Row?) in
        row.flatMap { r in r[self.lookup.key]?.stringValue.map { [$0, self.sourceProjection(r)] } }
      }
      if side(old) != side(new) { return true }
    }
    if collection == lookup.collection {
      let side = { (row: Row?) in
        row.flatMap { r in r[self.lookup.id]?.stringValue.map { [$0, self.targetProjection(r)] } }
      }
      if side(old) != side(new) { return true }
    }
    return false
  }

  /// The office of a source projection (`office_id`), nil when it has none.
  public func office(ofSource projection: String) -> String? {
    guard let index = sourceFields.firstIndex(of: "office_id"),
      case .array(let values)? = try? JSONParser.parse(projection), index < values.count
    else { return nil }
    return values[index].stringValue
  }
}

extension MonthlyAggregates {
  /// A source row of join `index` added or taken out, with its contribution joined to the
  /// other row its key finds now.
  mutating func applySource(_ row: Row, join index: Int, sign: Int) -> Bool {
    // A row naming no key joins nothing and is not counted (SPEC.md §9.3).
    guard let key = row[joins[index].lookup.key]?.stringValue else { return true }
    let projection = joins[index].sourceProjection(row)
    var consistent = true
    if let target = joins[index].target(key),
      !addJoined(source: projection, target: target, join: index, times: sign)
    {
      consistent = false
    }
    let count = joins[index].sources[key, default: [:]][projection, default: 0] + sign
    if count < 0 { consistent = false }
    joins[index].sources[key, default: [:]][projection] = count == 0 ? nil : count
    if joins[index].sources[key]?.isEmpty == true { joins[index].sources[key] = nil }
    return consistent
  }

  /// A row of join `index`'s other collection added or taken out: when it changes the row
  /// its id value joins, every source row naming that value is taken out with the old one and
  /// put back with the new one.
  mutating func applyTarget(_ row: Row, id: String, join index: Int, sign: Int) -> Bool {
    guard let key = row[joins[index].lookup.id]?.stringValue else { return true }
    let before = joins[index].target(key)
    let projection = joins[index].targetProjection(row)
    var consistent = true
    if sign > 0 {
      joins[index].targets[key, default: [:]][id] = projection
    } else {
      if joins[index].targets[key]?[id] != projection { consistent = false }
      joins[index].targets[key]?[id] = nil
      if joins[index].targets[key]?.isEmpty == true { joins[index].targets[key] = nil }
    }
    let after = joins[index].target(key)
    guard before != after else { return consistent }
    for (source, count) in joins[index].sources[key] ?? [:] {
      if let before, !addJoined(source: source, target: before, join: index, times: -count) {
        consistent = false
      }
      if let after, !addJoined(source: source, target: after, join: index, times: count) {
        consistent = false
      }
    }
    return consistent
  }

  /// Adds the joined row of a source and a target projection `times` times (taken out when
  /// negative) to every table of join `index`.
  mutating func addJoined(source: String, target: String, join index: Int, times: Int) -> Bool {
    guard let row = joins[index].joined(source: source, target: target) else { return false }
    var consistent = true
    for table in tables.indices where joinOfTable[table] == index {
      let (measure, filters) = fillers[table]
      guard let (key, partial) = Self.contribution(row, measure, filters: filters) else {
        continue
      }
      let sign = times > 0 ? 1 : -1
      for _ in 0..<abs(times) {
        if !tables[table][key, default: MonthPartial()].apply(partial, sign: sign) {
          consistent = false
        }
      }
      if tables[table][key]?.isEmpty == true { tables[table][key] = nil }
    }
    return consistent
  }
}
