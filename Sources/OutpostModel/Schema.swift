import OutpostCodec

/// One field of a collection: its name, type and whether it may be `null`.
public struct FieldSpec: Sendable, Hashable {
  /// The field's name, as in CSV headers and JSON (`snake_case`).
  public var name: String
  /// The field's type.
  public var type: FieldType
  /// Whether the field may be `null` ("not measured").
  ///
  /// A `null` is never a zero.
  public var nullable: Bool
  /// For a decimal: the largest value allowed (a 0–100 rating), if any.
  public var maximum: ExactDecimal?
  /// The field's labels (every standard field has them; a schema file's fields have none).
  public var label: FieldLabel?

  /// Creates a field.
  public init(
    _ name: String, _ type: FieldType, nullable: Bool = false, maximum: ExactDecimal? = nil,
    label: FieldLabel? = nil
  ) {
    self.name = name
    self.type = type
    self.nullable = nullable
    self.maximum = maximum
    self.label = label
  }

  /// Parses a text cell for this field; an empty cell is `null`, refused if not nullable.
  public func parseCell(_ cell: String) throws(ModelError) -> JSONValue {
    let value = try type.parseCell(cell)
    if value == .null && !nullable {
      throw ModelError("'\(name)' requires a value; the cell is empty")
    }
    try checkMaximum(value)
    return value
  }

  /// Validates a JSON value for this field.
  public func validateJSON(_ value: JSONValue) throws(ModelError) -> JSONValue {
    let canonical = try type.validateJSON(value)
    if canonical == .null && !nullable {
      throw ModelError("'\(name)' requires a value; null is not allowed")
    }
    try checkMaximum(canonical)
    return canonical
  }

  private func checkMaximum(_ value: JSONValue) throws(ModelError) {
    guard let maximum, case .string(let text) = value,
      let decimal = try? ExactDecimal(parsing: text), decimal > maximum
    else { return }
    throw ModelError("\(text) is above the maximum, \(maximum)")
  }
}

/// Who may write a collection (SPEC.md §2.4).
public enum Ownership: String, Sendable, Hashable {
  /// Each record belongs to the office named in its `office_id` field; only that office and
  /// head office write it.
  case office
  /// Only head office writes; branches receive the records read-only.
  case head
}

/// How a record's id is formed.
public enum IDRule: Sendable, Hashable {
  /// The value of one column is the id (`order_id`); the column is not stored as a field.
  case column(String)
  /// The id is the key fields' values joined with `.` (`north.sem.2025-02-01`); the key fields
  /// are stored as fields too and cannot change after the record is created.
  case composite([String])
}

/// The shape of a collection: its fields, id rule and ownership.
public struct CollectionSchema: Sendable, Hashable {
  /// The collection's name (`orders`).
  public var name: String
  /// How record ids are formed.
  public var idRule: IDRule
  /// Who may write it.
  public var ownership: Ownership
  /// The fields in their documented order (the id column excluded for ``IDRule/column(_:)``).
  public var fields: [FieldSpec]
  /// English description, for `outpost help` and SPEC.md.
  public var summary: String
  /// The labels of the id column of an ``IDRule/column(_:)`` collection (the fields carry
  /// their own).
  public var idLabel: FieldLabel?

  /// Creates a schema, checking that names are well-formed and unique, and that no header
  /// could name two columns (``column(forHeader:)``).
  public init(
    name: String, idRule: IDRule, ownership: Ownership, fields: [FieldSpec], summary: String = "",
    idLabel: FieldLabel? = nil
  ) throws(ModelError) {
    guard Self.isName(name) else {
      throw ModelError("invalid collection name '\(name)' (lowercase letters, digits and '_')")
    }
    var seen: Set<String> = []
    for field in fields {
      guard Self.isName(field.name) else {
        throw ModelError("invalid field name '\(field.name)' in '\(name)'")
      }
      guard seen.insert(field.name).inserted else {
        throw ModelError("field '\(field.name)' appears twice in '\(name)'")
      }
    }
    switch idRule {
    case .column(let column):
      guard Self.isName(column), !seen.contains(column) else {
        throw ModelError("id column '\(column)' of '\(name)' must not also be a field")
      }
    case .composite(let keys):
      guard !keys.isEmpty else { throw ModelError("'\(name)' has an empty key") }
      for key in keys where !seen.contains(key) {
        throw ModelError("key field '\(key)' of '\(name)' is not one of its fields")
      }
      if idLabel != nil {
        throw ModelError("'\(name)' has no id column to label (its id is composed of key fields)")
      }
    }
    if ownership == .office {
      guard fields.contains(where: { $0.name == "office_id" && !$0.nullable }) else {
        throw ModelError("office-owned collection '\(name)' needs a required 'office_id' field")
      }
    }
    self.name = name
    self.idRule = idRule
    self.ownership = ownership
    self.fields = fields
    self.summary = summary
    self.idLabel = idLabel
    self.index = Dictionary(uniqueKeysWithValues: fields.enumerated().map { ($1.name, $0) })
    try checkLabels()
  }

  private var index: [String: Int]

  /// The field with a name, if any.
  public func field(_ name: String) -> FieldSpec? { index[name].map { fields[$0] } }

  /// The columns of an export or import: the id column first (for ``IDRule/column(_:)``), then
  /// every field in order.
  public var columns: [String] {
    switch idRule {
    case .column(let id): [id] + fields.map(\.name)
    case .composite: fields.map(\.name)
    }
  }

  /// The fields that form the id of a composite-key collection (empty otherwise).
  public var keyFields: [String] {
    if case .composite(let keys) = idRule { return keys }
    return []
  }

  /// Derives a record's id from the key values of a composite-key collection.
  ///
  /// Each key value must be non-empty and made of id characters other than `.`.
  public func compositeID(_ values: [String: JSONValue]) throws(ModelError) -> RecordID {
    var parts: [String] = []
    for key in keyFields {
      guard case .string(let text)? = values[key], !text.isEmpty else {
        throw ModelError("key field '\(key)' is missing")
      }
      guard text.utf8.allSatisfy({ RecordID.isIDByte($0) && $0 != UInt8(ascii: ".") }) else {
        throw ModelError(
          "key field '\(key)' = \(RecordID.quoted(text)) may only hold letters, digits, '_' and '-'"
        )
      }
      parts.append(text)
    }
    return try RecordID(parts.joined(separator: "."))
  }

  static func isName(_ text: String) -> Bool {
    !text.isEmpty && text.utf8.count <= 64
      && text.utf8.allSatisfy {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_")
      } && text.utf8.first.map { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) } == true
  }
}
