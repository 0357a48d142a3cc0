import OutpostCodec

/// The JSON form of a collection schema, `schemas/<name>.json` (SPEC.md §2.6).
///
/// An example:
///
///     {"format":"outpost-schema/1","collection":"visits_log","ownership":"office",
///      "id":{"column":"visit_id"},
///      "fields":[{"name":"office_id","type":"string"},
///                {"name":"amount","type":"money","nullable":true},
///                {"name":"kind","type":"enum","values":["a","b"]},
///                {"name":"ratio","type":"decimal","scale":4}]}
///
/// `id` is `{"column":NAME}` (optionally with a `label`) or `{"key":[FIELD,...]}`; any field
/// may have a `label` `{"zh","en"}`, which import accepts as a header (SPEC.md §3.7). Types: `string` (optional `max_length`),
/// `integer` (optional `minimum`, default 0), `money`, `decimal` (`scale`, optional
/// `integer_digits` default 15, `negative` default false), `date`, `month`, `period`,
/// `timestamp`, `boolean`, `enum` (`values`).
public enum SchemaFile {
  /// The format tag of schema files.
  public static let format = "outpost-schema/1"

  /// Parses a schema file.
  public static func decode(_ bytes: [UInt8]) throws(ModelError) -> CollectionSchema {
    let json: JSONValue
    do {
      json = try JSONParser.parse(bytes)
    } catch {
      throw ModelError("not valid JSON: \(error)")
    }
    return try decode(json)
  }

  /// Builds a schema from its JSON value.
  public static func decode(_ json: JSONValue) throws(ModelError) -> CollectionSchema {
    guard case .object(let object) = json else { throw ModelError("a schema is a JSON object") }
    try allowOnly(
      ["format", "collection", "ownership", "id", "fields", "summary"], in: object, "$")
    guard object["format"]?.stringValue == format else {
      throw ModelError("'format' must be \"\(format)\"")
    }
    guard let name = object["collection"]?.stringValue else {
      throw ModelError("'collection' (the collection's name) is missing")
    }
    guard let ownershipText = object["ownership"]?.stringValue,
      let ownership = Ownership(rawValue: ownershipText)
    else { throw ModelError("'ownership' must be \"office\" or \"head\"") }
    guard case .object(let id)? = object["id"] else {
      throw ModelError("'id' must be {\"column\": NAME} or {\"key\": [FIELD, ...]}")
    }
    let idRule: IDRule
    var idLabel: FieldLabel?
    if let column = id["column"]?.stringValue,
      id.count == 1 || (id.count == 2 && id["label"] != nil)
    {
      idRule = .column(column)
      idLabel = try id["label"].map { (value) throws(ModelError) in try label(value, "$.id.label") }
    } else if case .array(let keys)? = id["key"], id.count == 1 {
      var names: [String] = []
      for key in keys {
        guard let text = key.stringValue else { throw ModelError("'id.key' holds a non-string") }
        names.append(text)
      }
      idRule = .composite(names)
    } else {
      throw ModelError("'id' must be {\"column\": NAME} or {\"key\": [FIELD, ...]}")
    }
    guard case .array(let fieldValues)? = object["fields"] else {
      throw ModelError("'fields' must be an array of field objects")
    }
    var fields: [FieldSpec] = []
    for (index, value) in fieldValues.enumerated() {
      fields.append(try field(value, path: "$.fields[\(index)]"))
    }
    return try CollectionSchema(
      name: name, idRule: idRule, ownership: ownership, fields: fields,
      summary: object["summary"]?.stringValue ?? "", idLabel: idLabel)
  }

  /// A `label` member: `{"zh": TEXT, "en": TEXT}` (SPEC.md §2.6, §3.7).
  private static func label(_ value: JSONValue, _ path: String) throws(ModelError) -> FieldLabel {
    guard case .object(let object) = value, let zh = object["zh"]?.stringValue,
      let en = object["en"]?.stringValue, object.count == 2
    else {
      throw ModelError("\(path) must be {\"zh\": TEXT, \"en\": TEXT}")
    }
    return FieldLabel(zh: zh, en: en)
  }

  private static func field(_ value: JSONValue, path: String) throws(ModelError) -> FieldSpec {
    guard case .object(let object) = value else { throw ModelError("\(path) is not an object") }
    guard let name = object["name"]?.stringValue else {
      throw ModelError("\(path).name is missing")
    }
    guard let typeName = object["type"]?.stringValue else {
      throw ModelError("\(path).type is missing")
    }
    var allowed = ["name", "type", "nullable", "label"]
    let type: FieldType
    switch typeName {
    case "string":
      allowed.append("max_length")
      type = .string(maxLength: try integer(object, "max_length", path) ?? 1000)
    case "integer":
      allowed.append("minimum")
      type = .integer(
        minimum: Int64(try integer(object, "minimum", path, allowNegative: true) ?? 0))
    case "money": type = .money
    case "decimal":
      allowed += ["scale", "integer_digits", "negative"]
      guard let scale = try integer(object, "scale", path), scale <= 9 else {
        throw ModelError("\(path).scale (0–9) is required for a decimal")
      }
      let digits = try integer(object, "integer_digits", path) ?? 15
      guard (1...20).contains(digits) else {
        throw ModelError("\(path).integer_digits must be 1–20")
      }
      let negative = object["negative"].map { $0 == .bool(true) } ?? false
      type = .decimal(scale: scale, integerDigits: digits, allowsNegative: negative)
    case "date": type = .date
    case "month": type = .month
    case "period": type = .period
    case "timestamp": type = .timestamp
    case "boolean": type = .boolean
    case "enum":
      allowed.append("values")
      guard case .array(let values)? = object["values"], !values.isEmpty else {
        throw ModelError("\(path).values (a non-empty array of strings) is required for an enum")
      }
      var strings: [String] = []
      for value in values {
        guard let text = value.stringValue, !text.isEmpty else {
          throw ModelError("\(path).values holds something other than a non-empty string")
        }
        strings.append(text)
      }
      type = .enumeration(strings)
    default:
      throw ModelError(
        "\(path).type '\(typeName)' is unknown (string, integer, money, decimal, date, month, "
          + "period, timestamp, boolean, enum)")
    }
    try allowOnly(allowed, in: object, path)
    var nullable = false
    if let flag = object["nullable"] {
      guard case .bool(let value) = flag else {
        throw ModelError("\(path).nullable must be a boolean")
      }
      nullable = value
    }
    let label = try object["label"].map { (value) throws(ModelError) in
      try Self.label(value, "\(path).label")
    }
    return FieldSpec(name, type, nullable: nullable, label: label)
  }

  private static func integer(
    _ object: JSONObject, _ key: String, _ path: String, allowNegative: Bool = false
  ) throws(ModelError) -> Int? {
    guard let value = object[key] else { return nil }
    guard case .number(let number) = value, let int = number.int64, allowNegative || int >= 0,
      let result = Int(exactly: int)
    else { throw ModelError("\(path).\(key) must be a whole number") }
    return result
  }

  private static func allowOnly(_ keys: [String], in object: JSONObject, _ path: String)
    throws(ModelError)
  {
    for key in object.keys where !keys.contains(key) {
      throw ModelError(
        "\(path) has an unknown member '\(key)' (allowed: \(keys.joined(separator: ", ")))")
    }
  }
}
