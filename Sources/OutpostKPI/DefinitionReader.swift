import OutpostCodec
import OutpostCrypto
import OutpostModel

/// Reads definition JSON with paths in every error.
struct Reader {
  func object(_ value: JSONValue?, _ path: String, allowed: Set<String>) throws(DefinitionError)
    -> JSONObject
  {
    guard case .object(let object)? = value else {
      throw DefinitionError(path: path, message: "must be an object")
    }
    for key in object.keys where !allowed.contains(key) {
      throw DefinitionError(path: "\(path).\(key)", message: "unknown member")
    }
    return object
  }

  func array(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> [JSONValue] {
    guard case .array(let items)? = value else {
      throw DefinitionError(path: path, message: "must be an array")
    }
    return items
  }

  func string(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> String {
    guard let text = value?.stringValue, !text.isEmpty else {
      throw DefinitionError(path: path, message: "must be a non-empty string")
    }
    return text
  }

  func identifier(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> String {
    let text = try string(value, path)
    guard text.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }),
      text.utf8.count <= 64
    else { throw DefinitionError(path: path, message: "'\(text)' is not a snake_case id") }
    return text
  }

  func decimal(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> ExactDecimal {
    guard let text = value?.stringValue else {
      throw DefinitionError(path: path, message: "must be a decimal written as a JSON string")
    }
    do { return try ExactDecimal(parsing: text) } catch {
      throw DefinitionError(path: path, message: error.message)
    }
  }

  func filters(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> [Filter] {
    guard let value else { return [] }
    return try array(value, path).enumerated().map { (index, item) throws(DefinitionError) in
      try filter(item, "\(path)[\(index)]")
    }
  }

  func filter(_ value: JSONValue, _ path: String) throws(DefinitionError) -> Filter {
    if case .object(let object) = value, object["any"] != nil {
      _ = try self.object(value, path, allowed: ["any"])
      return .any(try filters(object["any"], "\(path).any"))
    }
    let object = try self.object(value, path, allowed: ["field", "op", "value"])
    let field = try string(object["field"], "\(path).field")
    guard let op = object["op"]?.stringValue.flatMap(Filter.Comparison.init(rawValue:)) else {
      throw DefinitionError(
        path: "\(path).op",
        message:
          "must be one of \(Filter.Comparison.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let operand = object["value"]
    if case .object(let relative)? = operand {
      let relativePath = "\(path).value"
      _ = try self.object(operand, relativePath, allowed: ["field", "days"])
      guard [.eq, .ne, .gt, .ge, .lt, .le].contains(op) else {
        throw DefinitionError(
          path: "\(path).op", message: "a {\"field\",\"days\"} value needs eq, ne, gt, ge, lt or le"
        )
      }
      guard case .number(let number)? = relative["days"], let days = Int(number.text),
        abs(days) <= 36_600
      else {
        throw DefinitionError(
          path: "\(relativePath).days", message: "must be a whole number of days (±36600)")
      }
      return .dateOffset(
        field: field, op: op, other: try string(relative["field"], "\(relativePath).field"),
        days: days)
    }
    switch op {
    case .isNull, .notNull:
      guard operand == nil else {
        throw DefinitionError(path: "\(path).value", message: "not allowed")
      }
    case .in, .notIn:
      guard case .array? = operand else {
        throw DefinitionError(path: "\(path).value", message: "must be an array")
      }
    default:
      guard operand != nil else {
        throw DefinitionError(path: "\(path).value", message: "is missing")
      }
    }
    return .condition(field: field, op: op, value: operand)
  }

  func measure(_ value: JSONValue, _ path: String) throws(DefinitionError) -> Measure {
    let object = try self.object(
      value, path,
      allowed: [
        "id", "source", "agg", "field", "time_field", "filter", "partition_by", "null_policy",
        "empty_policy", "unit", "description", "lookup",
        "min_rows", "window", "duration", "channel_field", "staff_field", "staff_through",
      ])
    let id = try identifier(object["id"], "\(path).id")
    guard let agg = object["agg"]?.stringValue.flatMap(Aggregation.init(rawValue:)) else {
      throw DefinitionError(
        path: "\(path).agg",
        message: "must be one of \(Aggregation.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let field = try object["field"].map { (v) throws(DefinitionError) in
      try string(v, "\(path).field")
    }
    var duration: Measure.Duration?
    if let value = object["duration"] {
      let span = try self.object(value, "\(path).duration", allowed: ["from", "to", "unit"])
      guard [.sum, .mean, .min, .max].contains(agg), field == nil else {
        throw DefinitionError(
          path: "\(path).duration", message: "needs agg sum, mean, min or max and no field")
      }
      let unit = span["unit"]?.stringValue
      guard unit == "hours" || unit == "days" else {
        throw DefinitionError(path: "\(path).duration.unit", message: "must be hours or days")
      }
      duration = Measure.Duration(
        from: try string(span["from"], "\(path).duration.from"),
        to: try string(span["to"], "\(path).duration.to"),
        unitSeconds: unit == "hours" ? 3600 : 86_400)
    }
    if agg != .count && field == nil && duration == nil {
      throw DefinitionError(path: "\(path).field", message: "is required for '\(agg.rawValue)'")
    }
    var partition: [String] = []
    if let list = object["partition_by"] {
      guard agg == .last || agg == .first else {
        throw DefinitionError(path: "\(path).partition_by", message: "only last and first have it")
      }
      partition = try array(list, "\(path).partition_by").enumerated().map {
        (i, v) throws(DefinitionError) in try string(v, "\(path).partition_by[\(i)]")
      }
    }
    if let policy = object["null_policy"], policy.stringValue != "skip" {
      throw DefinitionError(path: "\(path).null_policy", message: "only \"skip\" is supported")
    }
    var emptyIsZero = true
    if let policy = object["empty_policy"] {
      switch policy.stringValue {
      case "zero_if_closed": emptyIsZero = true
      case "undefined": emptyIsZero = false
      default:
        throw DefinitionError(
          path: "\(path).empty_policy", message: "must be \"zero_if_closed\" or \"undefined\"")
      }
    }
    let unit = try string(object["unit"], "\(path).unit")
    var lookup: Measure.Lookup?
    if let value = object["lookup"] {
      let join = try self.object(
        value, "\(path).lookup", allowed: ["collection", "key", "id", "as"])
      lookup = Measure.Lookup(
        collection: try string(join["collection"], "\(path).lookup.collection"),
        key: try string(join["key"], "\(path).lookup.key"),
        id: try string(join["id"], "\(path).lookup.id"),
        name: try identifier(join["as"], "\(path).lookup.as"))
    }
    var minRows = 1
    if let value = object["min_rows"] {
      guard agg == .countDistinct else {
        throw DefinitionError(path: "\(path).min_rows", message: "only count_distinct has it")
      }
      guard let n = value.uint64Value, n >= 1, n <= 1_000_000 else {
        throw DefinitionError(path: "\(path).min_rows", message: "must be a whole number ≥ 1")
      }
      minRows = Int(n)
    }
    var window: Measure.Window?
    if let value = object["window"] {
      let span = try self.object(value, "\(path).window", allowed: ["months", "to"])
      guard let months = span["months"]?.uint64Value, (1...120).contains(months) else {
        throw DefinitionError(path: "\(path).window.months", message: "must be 1…120")
      }
      let to = span["to"]?.stringValue
      guard to == "period_end" || to == "period_start" else {
        throw DefinitionError(
          path: "\(path).window.to", message: "must be \"period_end\" or \"period_start\"")
      }
      window = Measure.Window(months: Int(months), toPeriodEnd: to == "period_end")
    }
    var through: Measure.StaffThrough?
    if let value = object["staff_through"] {
      let map = try self.object(
        value, "\(path).staff_through", allowed: ["collection", "id", "staff"])
      guard object["staff_field"] != nil else {
        throw DefinitionError(
          path: "\(path).staff_through",
          message: "needs staff_field: the row's field that names the record of "
            + "\(map["collection"]?.stringValue ?? "the collection")")
      }
      through = Measure.StaffThrough(
        collection: try string(map["collection"], "\(path).staff_through.collection"),
        id: try string(map["id"], "\(path).staff_through.id"),
        staff: try string(map["staff"], "\(path).staff_through.staff"))
    }
    return Measure(
      id: id, source: try string(object["source"], "\(path).source"), agg: agg, field: field,
      timeField: try string(object["time_field"], "\(path).time_field"),
      filter: try filters(object["filter"], "\(path).filter"), partitionBy: partition,
      emptyIsZero: emptyIsZero, unit: unit, lookup: lookup, minRows: minRows, window: window,
      duration: duration,
      channelField: try object["channel_field"].map { (v) throws(DefinitionError) in
        try string(v, "\(path).channel_field")
      } ?? "channel_id",
      staffField: try object["staff_field"].map { (v) throws(DefinitionError) in
        try string(v, "\(path).staff_field")
      }, staffThrough: through)
  }

  func parameter(_ value: JSONValue, _ path: String) throws(DefinitionError) -> Parameter {
    let object = try self.object(
      value, path, allowed: ["id", "value", "unit", "label", "description"])
    let label = try self.object(object["label"], "\(path).label", allowed: ["zh", "en"])
    let unit = try string(object["unit"], "\(path).unit")
    guard DefinitionSet.units.contains(unit) || unit == "years" else {
      throw DefinitionError(
        path: "\(path).unit",
        message: "must be years or one of \(DefinitionSet.units.sorted().joined(separator: ", "))")
    }
    return Parameter(
      id: try identifier(object["id"], "\(path).id"),
      value: try decimal(object["value"], "\(path).value"), unit: unit,
      labelZH: try string(label["zh"], "\(path).label.zh"),
      labelEN: try string(label["en"], "\(path).label.en"))
  }

  func measureRef(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> MeasureRef {
    let object = try self.object(value, path, allowed: ["measure", "filter"])
    return MeasureRef(
      measure: try identifier(object["measure"], "\(path).measure"),
      filter: try filters(object["filter"], "\(path).filter"))
  }

  func expression(_ value: JSONValue?, _ path: String) throws(DefinitionError) -> Expression {
    guard case .object(let object)? = value else {
      throw DefinitionError(path: path, message: "must be an object")
    }
    if object["ref"] != nil {
      _ = try self.object(value, path, allowed: ["ref"])
      if object["ref"]?.stringValue == "$period_days" { return .periodDays }
      return .ref(try identifier(object["ref"], "\(path).ref"))
    }
    if object["const"] != nil {
      _ = try self.object(value, path, allowed: ["const"])
      return .constant(try decimal(object["const"], "\(path).const"))
    }
    _ = try self.object(value, path, allowed: ["op", "args"])
    let op = try string(object["op"], "\(path).op")
    guard Expression.operations.contains(op) else {
      throw DefinitionError(path: "\(path).op", message: "unknown operation '\(op)'")
    }
    let arguments = try array(object["args"], "\(path).args").enumerated().map {
      (i, v) throws(DefinitionError) in try expression(v, "\(path).args[\(i)]")
    }
    let arity = op == "neg" ? 1...1 : (op == "min" || op == "max" ? 2...16 : 2...2)
    guard arity.contains(arguments.count) else {
      throw DefinitionError(
        path: "\(path).args",
        message: "'\(op)' takes \(arity.lowerBound)…\(arity.upperBound) arguments")
    }
    return .operation(op, arguments)
  }

  /// The members every KPI may have.
  static let kpiMembers: Set<String> = [
    "id", "version", "type", "label", "seeds", "unit", "scale", "rounding", "direction",
    "dimensions", "flags", "description", "matures_days", "by_channel_only",
    "by_staff_only", "positions",
  ]

  /// The members of each KPI type.
  static let typeMembers: [String: Set<String>] = [
    "simple": ["measure", "filter"],
    "ratio": ["numerator", "denominator", "both_zero", "denominator_scope"],
    "derived": ["expr"],
    "growth": ["base", "compare", "kind", "nonpositive_base"],
    "attainment": ["base", "method", "floor", "cap"],
  ]

  func kpi(_ value: JSONValue, _ path: String) throws(DefinitionError) -> KPIDefinition {
    let object = try self.object(
      value, path,
      allowed: Self.kpiMembers.union(Self.typeMembers.values.joined()))
    // A member of another type is refused, not ignored.
    if let type = object["type"]?.stringValue, let members = Self.typeMembers[type] {
      for key in object.keys where !Self.kpiMembers.contains(key) && !members.contains(key) {
        throw DefinitionError(path: "\(path).\(key)", message: "not a member of a \(type) KPI")
      }
    }
    if let policy = object["nonpositive_base"], policy.stringValue != "undefined" {
      throw DefinitionError(path: "\(path).nonpositive_base", message: "only \"undefined\"")
    }
    let id = try identifier(object["id"], "\(path).id")
    let label = try self.object(object["label"], "\(path).label", allowed: ["zh", "en"])
    guard let version = object["version"]?.uint64Value, version >= 1 else {
      throw DefinitionError(path: "\(path).version", message: "must be a whole number ≥ 1")
    }
    let unit = try string(object["unit"], "\(path).unit")
    guard DefinitionSet.units.contains(unit) else {
      throw DefinitionError(
        path: "\(path).unit",
        message: "must be one of \(DefinitionSet.units.sorted().joined(separator: ", "))")
    }
    guard let scale = object["scale"]?.uint64Value, scale <= 8 else {
      throw DefinitionError(path: "\(path).scale", message: "must be a whole number 0…8")
    }
    let rounding: DecimalRounding
    switch object["rounding"]?.stringValue ?? "half_up" {
    case "half_up": rounding = .halfUp
    case "half_even": rounding = .halfEven
    default:
      throw DefinitionError(path: "\(path).rounding", message: "must be half_up or half_even")
    }
    guard let direction = object["direction"]?.stringValue.flatMap(Direction.init(rawValue:)) else {
      throw DefinitionError(
        path: "\(path).direction",
        message: "must be one of \(Direction.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let kind: KPIKind
    switch try string(object["type"], "\(path).type") {
    case "simple":
      kind = .simple(
        MeasureRef(
          measure: try identifier(object["measure"], "\(path).measure"),
          filter: try filters(object["filter"], "\(path).filter")))
    case "ratio":
      let scope = object["denominator_scope"]?.stringValue ?? "channel"
      guard scope == "channel" || scope == "office" else {
        throw DefinitionError(
          path: "\(path).denominator_scope", message: "must be \"channel\" or \"office\"")
      }
      kind = .ratio(
        numerator: try measureRef(object["numerator"], "\(path).numerator"),
        denominator: try measureRef(object["denominator"], "\(path).denominator"),
        officeDenominator: scope == "office")
    case "derived":
      kind = .derived(try expression(object["expr"], "\(path).expr"))
    case "growth":
      let compare = try string(object["compare"], "\(path).compare")
      guard compare == "previous_period" || compare == "same_period_last_year" else {
        throw DefinitionError(
          path: "\(path).compare", message: "must be previous_period or same_period_last_year")
      }
      let growthKind = object["kind"]?.stringValue ?? "relative"
      guard growthKind == "relative" || growthKind == "difference" else {
        throw DefinitionError(path: "\(path).kind", message: "must be relative or difference")
      }
      kind = .growth(
        base: try identifier(object["base"], "\(path).base"),
        sameLastYear: compare == "same_period_last_year", relative: growthKind == "relative")
    case "attainment":
      guard
        let method = object["method"]?.stringValue.flatMap(
          ScorecardDefinition.Method.init(rawValue:))
      else {
        throw DefinitionError(
          path: "\(path).method",
          message:
            "must be one of \(ScorecardDefinition.Method.allCases.map(\.rawValue).joined(separator: ", "))"
        )
      }
      let floor = try object["floor"].map { (v) throws(DefinitionError) in
        try decimal(v, "\(path).floor")
      }
      let cap = try object["cap"].map { (v) throws(DefinitionError) in
        try decimal(v, "\(path).cap")
      }
      if let floor, let cap, floor > cap {
        throw DefinitionError(path: "\(path).floor", message: "is above the cap")
      }
      kind = .attainment(
        base: try identifier(object["base"], "\(path).base"), method: method, floor: floor, cap: cap
      )
    case let other:
      throw DefinitionError(
        path: "\(path).type",
        message: "'\(other)' is not simple, ratio, derived, growth or attainment")
    }
    var bothZeroReason: String?
    if let reason = object["both_zero"] {
      guard case .ratio = kind else {
        throw DefinitionError(path: "\(path).both_zero", message: "only a ratio KPI has it")
      }
      bothZeroReason = try identifier(reason, "\(path).both_zero")
    }
    var dimensions: [String] = []
    if let list = object["dimensions"] {
      dimensions = try array(list, "\(path).dimensions").enumerated().map {
        (i, v) throws(DefinitionError) in
        let dimension = try string(v, "\(path).dimensions[\(i)]")
        guard KPIDefinition.knownDimensions.contains(dimension) else {
          throw DefinitionError(
            path: "\(path).dimensions[\(i)]",
            message: "'\(dimension)' is not a dimension Outpost breaks KPIs down by (one of "
              + "\(KPIDefinition.knownDimensions.sorted().joined(separator: ", ")))")
        }
        return dimension
      }
    }
    var positions: [String]?
    if let list = object["positions"] {
      guard dimensions.contains("staff_id") else {
        throw DefinitionError(
          path: "\(path).positions", message: "needs \"staff_id\" in dimensions")
      }
      let ids = try array(list, "\(path).positions").enumerated().map {
        (i, v) throws(DefinitionError) in try identifier(v, "\(path).positions[\(i)]")
      }
      guard !ids.isEmpty, Set(ids).count == ids.count else {
        throw DefinitionError(
          path: "\(path).positions", message: "must name at least one position, each once")
      }
      positions = ids
    }
    var flags: [FlagRule] = []
    if let list = object["flags"] {
      for (i, item) in try array(list, "\(path).flags").enumerated() {
        let flagPath = "\(path).flags[\(i)]"
        let flag = try self.object(item, flagPath, allowed: ["when", "reason", "failure"])
        let when = try self.object(flag["when"], "\(flagPath).when", allowed: ["all"])
        var terms: [(String, Filter.Comparison, ExactDecimal)] = []
        for (j, term) in try array(when["all"], "\(flagPath).when.all").enumerated() {
          let termPath = "\(flagPath).when.all[\(j)]"
          let t = try self.object(term, termPath, allowed: ["ref", "op", "value"])
          guard let op = t["op"]?.stringValue.flatMap(Filter.Comparison.init(rawValue:)),
            [.eq, .ne, .gt, .ge, .lt, .le].contains(op)
          else {
            throw DefinitionError(
              path: "\(termPath).op", message: "must be eq, ne, gt, ge, lt or le")
          }
          terms.append(
            (
              try identifier(t["ref"], "\(termPath).ref"), op,
              try decimal(t["value"], "\(termPath).value")
            ))
        }
        var failure = false
        if let value = flag["failure"] {
          guard case .bool(let b) = value else {
            throw DefinitionError(path: "\(flagPath).failure", message: "must be true or false")
          }
          failure = b
        }
        flags.append(
          FlagRule(
            reason: try identifier(flag["reason"], "\(flagPath).reason"), all: terms,
            failure: failure))
      }
    }
    var byChannelOnly = false
    if let value = object["by_channel_only"] {
      guard case .bool(let flag) = value else {
        throw DefinitionError(path: "\(path).by_channel_only", message: "must be true or false")
      }
      guard !flag || dimensions.contains("channel_id") else {
        throw DefinitionError(
          path: "\(path).by_channel_only", message: "needs \"channel_id\" in dimensions")
      }
      byChannelOnly = flag
    }
    var byStaffOnly = false
    if let value = object["by_staff_only"] {
      guard case .bool(let flag) = value else {
        throw DefinitionError(path: "\(path).by_staff_only", message: "must be true or false")
      }
      guard !flag || dimensions.contains("staff_id") else {
        throw DefinitionError(
          path: "\(path).by_staff_only", message: "needs \"staff_id\" in dimensions")
      }
      guard !(flag && byChannelOnly) else {
        throw DefinitionError(
          path: "\(path).by_staff_only", message: "a KPI cannot be by_channel_only too")
      }
      byStaffOnly = flag
    }
    var maturesDays = 0
    if let value = object["matures_days"] {
      guard let days = value.uint64Value, days <= 3660 else {
        throw DefinitionError(
          path: "\(path).matures_days", message: "must be a whole number 0…3660")
      }
      maturesDays = Int(days)
    }
    return KPIDefinition(
      id: id, version: Int(version), labelZH: try string(label["zh"], "\(path).label.zh"),
      labelEN: try string(label["en"], "\(path).label.en"), kind: kind, unit: unit,
      scale: Int(scale), rounding: rounding, direction: direction, dimensions: dimensions,
      flags: flags, bothZeroReason: bothZeroReason, maturesDays: maturesDays,
      byChannelOnly: byChannelOnly, byStaffOnly: byStaffOnly, positions: positions)
  }
}
