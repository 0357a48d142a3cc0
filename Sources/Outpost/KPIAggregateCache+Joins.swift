import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostStore

/// The rows of the lookup joins in `cache/kpi-aggregates/` (SPEC.md §4.5): what a writer needs
/// to keep the summaries of lookup measures when either side of a join changes. Readers never
/// read them.
extension KPIAggregateCache {
  /// The join parts: `j-0` … `j-f`, a key's rows in the part of its FNV-1a hash's low 4 bits,
  /// so a commit of a few rows reads and rewrites a few parts.
  static let joinPartNames = (0..<16).map { "j-" + String($0, radix: 16) }

  /// The join part holding the rows of key value `key`.
  static func joinPart(_ key: String) -> String {
    var hash: UInt32 = 2_166_136_261
    for byte in key.utf8 {
      hash ^= UInt32(byte)
      hash = hash &* 16_777_619
    }
    return joinPartNames[Int(hash & 15)]
  }
}

extension KPIAggregateCache.Content {
  /// Each join's layout, in the index part: `[source, collection, key, id, as, source fields,
  /// target fields]`; a cache whose layout differs from the definitions' is not read.
  static func joinLayout(_ aggregates: MonthlyAggregates) -> JSONValue {
    .array(
      aggregates.joins.map { join in
        .array(
          [join.source, join.lookup.collection, join.lookup.key, join.lookup.id, join.lookup.name]
            .map { JSONValue.string($0) } + [
              .array(join.sourceFields.map { .string($0) }),
              .array(join.targetFields.map { .string($0) }),
            ])
      })
  }

  /// The loaded join parts, each a line per row, sorted.
  ///
  /// `[join, key, "s", values, count]` for source rows alike (their fields' values),
  /// `[join, key, "t", record id, fields]` for the other collection's rows. Lines of keys left
  /// unread are written back as they were read.
  func encodedJoinParts() -> [String: [UInt8]] {
    var lines = untouchedJoinLines.mapValues { $0.map { Array($0) } }
    func prefix(_ index: Int, _ key: String, _ kind: String) -> [UInt8] {
      var out = Array("[\(index),".utf8)
      JSONWriter.writeString(key, into: &out)
      out += Array(",\"\(kind)\",".utf8)
      return out
    }
    for (index, join) in aggregates.joins.enumerated() {
      for (key, rows) in join.sources {
        let part = KPIAggregateCache.joinPart(key)
        guard loadedJoinParts.contains(part) else { continue }
        let start = prefix(index, key, "s")
        for (projection, count) in rows {
          lines[part, default: []].append(start + Array(projection.utf8) + Array(",\(count)]".utf8))
        }
      }
      for (key, rows) in join.targets {
        let part = KPIAggregateCache.joinPart(key)
        guard loadedJoinParts.contains(part) else { continue }
        let start = prefix(index, key, "t")
        for (id, projection) in rows {
          var line = start
          JSONWriter.writeString(id, into: &line)
          line += [UInt8(ascii: ",")] + Array(projection.utf8) + [UInt8(ascii: "]")]
          lines[part, default: []].append(line)
        }
      }
    }
    var parts: [String: [UInt8]] = [:]
    for (part, list) in lines where !list.isEmpty {
      var out: [UInt8] = []
      for line in list.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
        if !out.isEmpty { out.append(0x0A) }
        out += line
      }
      parts[part] = out
    }
    return parts
  }

  /// Reads into the joins the rows of `keys` from the parts holding them; the other lines of
  /// those parts are kept as read (``untouchedJoinLines``), to be written back unchanged.
  mutating func loadJoins(_ keys: Set<JoinKey>, from parts: CacheParts) throws(OutpostError) {
    // A line's `[join,"key",` as the canonical writer writes it.
    var wanted: Set<[UInt8]> = []
    for key in keys {
      var out = Array("[\(key.join),".utf8)
      JSONWriter.writeString(key.key, into: &out)
      out.append(UInt8(ascii: ","))
      wanted.insert(out)
    }
    let names = Set(keys.map { KPIAggregateCache.joinPart($0.key) })
    for name in names.sorted() where !loadedJoinParts.contains(name) {
      loadedJoinParts.insert(name)
      guard parts.names.contains(name) else { continue }
      let malformed = OutpostError(
        .corrupt, "cache/\(KPIAggregateCache.fileName): join part '\(name)' is malformed")
      guard let bytes = parts.part(name) else {
        throw OutpostError(
          .corrupt, "cache/\(KPIAggregateCache.fileName): part '\(name)' is damaged")
      }
      var untouched: [ArraySlice<UInt8>] = []
      for line in bytes.split(separator: 0x0A) {
        guard let end = Self.keyPrefixEnd(line) else { throw malformed }
        if wanted.contains(Array(line[line.startIndex...end])) {
          try read(line, part: name)
        } else {
          untouched.append(line)
        }
      }
      untouchedJoinLines[name] = untouched
    }
  }

  /// The index of the comma that ends a line's `[join,"key",`; nil when it does not begin so.
  static func keyPrefixEnd(_ line: ArraySlice<UInt8>) -> Int? {
    var i = line.startIndex
    guard i < line.endIndex, line[i] == UInt8(ascii: "[") else { return nil }
    i += 1
    while i < line.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[i]) { i += 1 }
    guard i + 1 < line.endIndex, line[i] == UInt8(ascii: ","), line[i + 1] == UInt8(ascii: "\"")
    else { return nil }
    i += 2
    while i < line.endIndex, line[i] != UInt8(ascii: "\"") {
      i += line[i] == UInt8(ascii: "\\") ? 2 : 1
    }
    i += 1
    guard i < line.endIndex, line[i] == UInt8(ascii: ",") else { return nil }
    return i
  }

  /// Reads one line of join part `part` into the joins.
  private mutating func read(_ line: ArraySlice<UInt8>, part name: String) throws(OutpostError) {
    let malformed = OutpostError(
      .corrupt, "cache/\(KPIAggregateCache.fileName): join part '\(name)' is malformed")
    guard case .array(let cells)? = try? JSONParser.parse(line, limits: .repositoryFile),
      cells.count == 5, let index = cells[0].int64Value.map(Int.init),
      aggregates.joins.indices.contains(index), let key = cells[1].stringValue,
      KPIAggregateCache.joinPart(key) == name
    else { throw malformed }
    let join = aggregates.joins[index]
    switch cells[2].stringValue {
    case "s":
      guard case .array(let values) = cells[3], values.count == join.sourceFields.count,
        let count = cells[4].int64Value, count > 0
      else { throw malformed }
      aggregates.joins[index].sources[key, default: [:]][JSONWriter.canonicalString(cells[3])] =
        Int(count)
    case "t":
      guard let id = cells[3].stringValue, case .object(let fields) = cells[4],
        fields.keys.allSatisfy(join.targetFields.contains)
      else { throw malformed }
      aggregates.joins[index].targets[key, default: [:]][id] = JSONWriter.canonicalString(
        cells[4])
    default: throw malformed
    }
  }

  /// The join keys whose rows `changes` read, and those of a lookup's collection among them.
  ///
  /// See ``MonthlyAggregates/joinKeys(changedBy:_:collection:)``; the summaries of the offices
  /// of the source rows joined to the second set change too. Nil when a collection's schema
  /// cannot be read.
  func joinKeys(changedBy changes: [RecordCacheChange], _ repository: RepositoryReader) -> (
    all: Set<JoinKey>, targets: Set<JoinKey>
  )? {
    var all: Set<JoinKey> = []
    var targets: Set<JoinKey> = []
    var schemas: [String: CollectionSchema] = [:]
    let lookups = Set(aggregates.joins.map(\.lookup.collection))
    let sources = Set(aggregates.joins.map(\.source))
    for change in changes
    where lookups.contains(change.collection) || sources.contains(change.collection) {
      if schemas[change.collection] == nil {
        guard let schema = try? repository.schema(change.collection) else { return nil }
        schemas[change.collection] = schema
      }
      let schema = schemas[change.collection]!
      let keys = aggregates.joinKeys(
        changedBy: change.old.flatMap { KPIDataset.row(of: $0, id: change.id, schema: schema) },
        KPIDataset.row(of: change.new, id: change.id, schema: schema),
        collection: change.collection)
      all.formUnion(keys)
      targets.formUnion(
        keys.filter { aggregates.joins[$0.join].lookup.collection == change.collection })
    }
    return (all, targets)
  }

  /// The offices of the source rows joined to `keys` (read from the loaded join rows).
  func offices(joinedTo keys: Set<JoinKey>) -> Set<String> {
    var offices: Set<String> = []
    for key in keys {
      let join = aggregates.joins[key.join]
      for projection in join.sources[key.key]?.keys ?? [:].keys {
        if let office = join.office(ofSource: projection) { offices.insert(office) }
      }
    }
    return offices
  }
}
