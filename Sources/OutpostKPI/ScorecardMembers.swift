import OutpostCodec
import OutpostModel

/// The members of a scorecard besides its items and bands (SPEC.md §9.5): each has an effect
/// or is refused, never read and ignored.
///
/// Outpost scores offices only: an `applies_to` that asks for another level, or narrows the
/// scorecard in a way the engine cannot honour (a department, a position), is refused.
extension ScorecardDefinition {
  /// `type`, `label`, `applies_to`, `period_grain` and `result`, checked.
  ///
  /// `published`: a stored document, where the `department` that earlier documents (the built-in
  /// catalog among them) carried is tolerated.
  static func header(_ object: JSONObject, _ path: String, _ reader: Reader, published: Bool)
    throws(DefinitionError) -> (label: [String: String], grain: Grain?)
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
    if let value = object["applies_to"] {
      guard case .object(let applies) = value else {
        throw DefinitionError(path: "\(path).applies_to", message: "must be an object")
      }
      for key in applies.keys where key != "level" && !(published && key == "department") {
        throw DefinitionError(
          path: "\(path).applies_to.\(key)",
          message:
            "is not supported: Outpost scores whole offices only, so a scorecard cannot be "
            + "narrowed by '\(key)'; remove it (applies_to may only say {\"level\": \"office\"})")
      }
      if let level = applies["level"], level.stringValue != "office" {
        throw DefinitionError(
          path: "\(path).applies_to.level",
          message:
            "\(level.stringValue.map { "'\($0)'" } ?? "this value") is not supported: Outpost "
            + "scores offices only (per-person scoring will come later); use \"office\"")
      }
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
    return (label, grain)
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
