import OutpostCodec
import OutpostModel

/// The members of a scorecard besides its items and bands (SPEC.md §9.5): each has an effect
/// or is refused, never read and ignored.
///
/// `applies_to` says whom the scorecard scores: offices, the people of some positions, or
/// departments; anything else is refused.
extension ScorecardDefinition {
  /// `type`, `label`, `applies_to`, `period_grain` and `result`, checked.
  ///
  /// `published`: a stored document, where the `department` that earlier documents (the built-in
  /// catalog among them) carried at office level is tolerated.
  static func header(_ object: JSONObject, _ path: String, _ reader: Reader, published: Bool)
    throws(DefinitionError) -> (label: [String: String], grain: Grain?, level: Level)
  {
    if let type = object["type"], type.stringValue != "scorecard" {
      throw DefinitionError(path: "\(path).type", message: "must be \"scorecard\"")
    }
    var label: [String: String] = [:]
    if let value = object["label"] {
      let members = try reader.object(value, "\(path).label", allowed: ["zh", "en"])
      for key in members.keys {
        label[key] = try reader.string(members[key], "\(path).label.\(key)")
      }
    }
    var level = Level.office
    if let value = object["applies_to"] {
      level = try Self.level(value, "\(path).applies_to", reader, published: published)
    }
    var grain: Grain?
    if let value = object["period_grain"] {
      guard let parsed = value.stringValue.flatMap(Grain.init(rawValue:)) else {
        throw DefinitionError(
          path: "\(path).period_grain", message: "must be day, week, month, quarter or year")
      }
      grain = parsed
    }
    if let value = object["result"] {
      let result = try reader.object(
        value, "\(path).result", allowed: ["multiplier", "scale", "rounding"])
      let supported =
        "the total is always 100 × Σ w·s ÷ Σ w rounded half_up to 2 places; remove 'result' or "
        + "write {\"multiplier\": \"100\", \"scale\": 2, \"rounding\": \"half_up\"}"
      if let multiplier = result["multiplier"],
        try reader.decimal(multiplier, "\(path).result.multiplier") != ExactDecimal(100)
      {
        throw DefinitionError(
          path: "\(path).result.multiplier", message: "is not supported: \(supported)")
      }
      if let scale = result["scale"], scale.uint64Value != 2 {
        throw DefinitionError(
          path: "\(path).result.scale", message: "is not supported: \(supported)")
      }
      if let rounding = result["rounding"], rounding.stringValue != "half_up" {
        throw DefinitionError(
          path: "\(path).result.rounding", message: "is not supported: \(supported)")
      }
    }
    return (label, grain, level)
  }

  /// `applies_to`: `{"level":"office"}`, `{"level":"position","positions":[…]}` or
  /// `{"level":"department","departments":[…]?}`.
  static func level(_ value: JSONValue, _ path: String, _ reader: Reader, published: Bool)
    throws(DefinitionError) -> Level
  {
    guard case .object(let applies) = value else {
      throw DefinitionError(path: path, message: "must be an object")
    }
    let levelName = try reader.string(applies["level"], "\(path).level")
    let allowed: Set<String>
    switch levelName {
    case "office": allowed = published ? ["level", "department"] : ["level"]
    case "position": allowed = ["level", "positions"]
    case "department": allowed = ["level", "departments"]
    default:
      throw DefinitionError(
        path: "\(path).level",
        message: "'\(levelName)' is not a level Outpost scores: use office, position or department")
    }
    for key in applies.keys where !allowed.contains(key) {
      throw DefinitionError(
        path: "\(path).\(key)",
        message: "is not supported at level '\(levelName)'; "
          + (levelName == "office"
            ? "an office scorecard scores whole offices (applies_to may only say "
              + "{\"level\": \"office\"})"
            : "it may only have " + allowed.sorted().joined(separator: " and ")))
    }
    func ids(_ member: String) throws(DefinitionError) -> [String]? {
      guard let list = applies[member] else { return nil }
      let ids = try reader.array(list, "\(path).\(member)").enumerated().map {
        (i, v) throws(DefinitionError) in try reader.identifier(v, "\(path).\(member)[\(i)]")
      }
      guard !ids.isEmpty, Set(ids).count == ids.count else {
        throw DefinitionError(
          path: "\(path).\(member)", message: "must name at least one id, each once")
      }
      return ids
    }
    switch levelName {
    case "position":
      guard let positions = try ids("positions") else {
        throw DefinitionError(
          path: "\(path).positions", message: "is required: the positions whose people it scores")
      }
      return .position(positions)
    case "department": return .department(try ids("departments"))
    default: return .office
    }
  }

  /// `weights_sum`, when given, must state the items' sum, which is always exactly 1.0000.
  static func checkWeightsSum(_ value: JSONValue?, _ path: String, _ reader: Reader)
    throws(DefinitionError)
  {
    guard let value else { return }
    let stated = try reader.decimal(value, "\(path).weights_sum")
    guard stated == ExactDecimal(1) else {
      throw DefinitionError(
        path: "\(path).weights_sum",
        message: "must be \"1.0000\": the items' weights always sum to exactly 1")
    }
  }
}
