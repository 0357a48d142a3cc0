import OutpostCodec
import OutpostModel
import OutpostSync

/// One column of a collection as an import file holds it (SPEC.md §3.7): the id column of an
/// ``IDRule/column(_:)`` collection, or a field.
public struct ImportColumn: Sendable {
  /// The column's name.
  public var name: String
  /// Its Chinese and English labels, if it has them.
  public var label: FieldLabel?
  /// The type of its values.
  public var type: FieldType
  /// Whether a cell may be empty.
  public var nullable: Bool
  /// The largest value allowed, if any.
  public var maximum: ExactDecimal?
  /// The id column: its value is the record's id.
  public var isID: Bool
  /// One of the key fields whose values, joined with `.`, form the id.
  public var isKey: Bool
  /// The `office_id` of an office-owned collection, which a branch's import fills in when
  /// the file leaves it out (SPEC.md §2.4).
  public var fillsOffice = false

  /// The longest record id (SPEC.md §2.2), the id column's length limit.
  public static let idLength = 128

  /// The columns of `schema`, in import and export order.
  public static func columns(of schema: CollectionSchema) -> [ImportColumn] {
    var columns: [ImportColumn] = []
    if case .column(let id) = schema.idRule {
      columns.append(
        ImportColumn(
          name: id, label: schema.idLabel, type: .string(maxLength: idLength), nullable: false,
          maximum: nil, isID: true, isKey: false))
    }
    for field in schema.fields {
      columns.append(
        ImportColumn(
          name: field.name, label: field.label, type: field.type, nullable: field.nullable,
          maximum: field.maximum, isID: false, isKey: schema.keyFields.contains(field.name),
          fillsOffice: schema.ownership == .office && field.name == OwnershipPolicy.officeField))
    }
    return columns
  }
}
