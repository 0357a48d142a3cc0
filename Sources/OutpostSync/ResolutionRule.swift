import OutpostCodec
import OutpostModel

/// A remembered way to settle one kind of conflict without asking (SPEC.md §8.7).
///
/// Head office keeps rules in the `resolution_rules` collection, one per collection and field.
/// When a merge leaves a record in conflict and every open register of it has a rule that picks
/// exactly one candidate, the merge resolves it in the same transaction, with an audit record
/// naming the rules, exactly as a person's `outpost resolve` would.
public struct ResolutionRule: Sendable, Equatable {
  /// Which candidate a rule takes.
  public enum Preference: String, Sendable, CaseIterable {
    /// The value head office wrote.
    case head
    /// The value the record's own office wrote (`office_id`; head office for its collections).
    case owner
    /// The greatest value (counts, amounts, dates).
    case max
    /// The smallest value (counts, amounts, dates).
    case min
  }

  /// The collection.
  public var collection: String
  /// The field, or `deleted` for an edit concurrent with a delete.
  public var field: String
  /// Which candidate wins.
  public var prefer: Preference
  /// Why head office keeps the rule (`rules add --note`); copied into the resolutions it makes.
  public var note: String?

  /// The rule's id, also its record id in `resolution_rules`: `collection.field`.
  public var id: String { "\(collection).\(field)" }

  /// Creates a rule after checking that it can apply to `schema`.
  ///
  /// - Throws: for an unknown field, a key field (never in conflict), or `max`/`min` on a field
  ///   whose values have no order (text, enums, booleans) or on `deleted`.
  public init(schema: CollectionSchema, field: String, prefer: Preference) throws(ModelError) {
    if case .column(let column) = schema.idRule, column == field {
      throw ModelError("'\(field)' is part of the record id; it never conflicts")
    }
    if field != "deleted" {
      guard let spec = schema.field(field) else {
        throw ModelError("'\(schema.name)' has no field '\(field)'")
      }
      if schema.keyFields.contains(field) {
        throw ModelError("'\(field)' is part of the record id; it never conflicts")
      }
      if prefer == .max || prefer == .min {
        switch spec.type {
        case .integer, .decimal, .date, .month: break
        default:
          throw ModelError(
            "'\(field)' is \(spec.type.name); max and min need a count, an amount or a date")
        }
      }
    } else if prefer == .max || prefer == .min {
      throw ModelError("an edit/delete conflict ('deleted') can prefer head or owner only")
    }
    collection = schema.name
    self.field = field
    self.prefer = prefer
  }

  /// The `resolution_rules` record values of this rule.
  public var values: [String: JSONValue] {
    [
      "collection": .string(collection), "field": .string(field),
      "prefer": .string(prefer.rawValue),
    ]
  }

  /// Reads a rule from its record values; nil when they do not form a valid rule.
  public init?(values: [String: JSONValue], schemas: (String) -> CollectionSchema?) {
    guard let collection = values["collection"]?.stringValue, let schema = schemas(collection),
      let field = values["field"]?.stringValue,
      let prefer = values["prefer"]?.stringValue.flatMap(Preference.init(rawValue:)),
      var rule = try? ResolutionRule(schema: schema, field: field, prefer: prefer)
    else { return nil }
    rule.note = values["note"]?.stringValue
    self = rule
  }

  /// The note of a resolution made by the rules `ids` (SPEC.md §8.7.1).
  ///
  /// A single rule's note as it is; several rules' notes each after its rule's id, joined by
  /// "; "; nil when none of them has a note. A note longer than 1000 bytes (the limit of every note) is cut at a character
  /// and ends with "…": the whole text stays in `resolution_rules`.
  public static func note(for ids: [String], in rules: [ResolutionRule]) -> String? {
    let notes = ids.compactMap { id in
      rules.first { $0.id == id }?.note.flatMap { $0.isEmpty ? nil : (id, $0) }
    }
    guard !notes.isEmpty else { return nil }
    var text =
      ids.count == 1 ? notes[0].1 : notes.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
    guard text.utf8.count > 1000 else { return text }
    while text.utf8.count > 1000 - "…".utf8.count { text.removeLast() }
    return text + "…"
  }

  /// The candidate of `register` this rule picks, if exactly one qualifies.
  func pick(_ register: [Versioned], head: ReplicaID, owner: ReplicaID?) -> Versioned? {
    switch prefer {
    case .head, .owner:
      guard let writer = prefer == .head ? head : owner else { return nil }
      let written = register.filter { $0.dot.replica == writer }
      return written.count == 1 ? written[0] : nil
    case .max, .min:
      let keyed = register.compactMap { candidate in
        Self.orderKey(candidate.value).map { (candidate, $0) }
      }
      guard keyed.count == register.count else { return nil }
      let best = prefer == .max ? keyed.map(\.1).max()! : keyed.map(\.1).min()!
      let winners = keyed.filter { $0.1 == best }
      // Equal values written twice are one value: any of them will do.
      return winners.first?.0
    }
  }

  /// How values of an ordered field compare: numbers and decimal strings numerically, dates by
  /// their text (`YYYY-MM-DD` sorts as it reads).
  enum OrderKey: Comparable {
    case number(ExactDecimal)
    case text(String)
  }

  static func orderKey(_ value: JSONValue) -> OrderKey? {
    switch value {
    case .number(let number):
      return (try? ExactDecimal(parsing: number.text)).map(OrderKey.number)
    case .string(let text):
      if let decimal = try? ExactDecimal(parsing: text) { return .number(decimal) }
      return .text(text)
    default: return nil
    }
  }

  /// Decides every open conflict of `state` by `rules`, or returns nil if any open register
  /// has no rule or its rule does not pick exactly one candidate.
  ///
  /// - Parameters:
  ///   - head: head office's replica id.
  ///   - owner: the office that owns the record.
  /// - Returns: the choice to resolve with, and the ids of the rules used, sorted.
  public static func decide(
    _ state: RecordState, collection: String, rules: [ResolutionRule], head: ReplicaID,
    owner: ReplicaID?
  ) -> (choice: ResolutionChoice, rules: [String])? {
    guard state.isConflicted else { return nil }
    func rule(_ field: String) -> ResolutionRule? {
      rules.first { $0.collection == collection && $0.field == field }
    }
    var used: Set<String> = []
    var delete = false
    if state.hasDeleteConflict {
      guard let rule = rule("deleted"),
        let picked = rule.pick(state.deleted, head: head, owner: owner)
      else { return nil }
      used.insert(rule.id)
      delete = picked.value == .bool(true)
    }
    var values: [String: JSONValue] = [:]
    if !delete {
      for field in state.conflictedFields {
        guard let rule = rule(field),
          let picked = rule.pick(state.fields[field] ?? [], head: head, owner: owner)
        else { return nil }
        used.insert(rule.id)
        values[field] = picked.value
      }
    }
    let ids = used.sorted()
    return (.decided(values, delete: delete, by: "rule " + ids.joined(separator: ",")), ids)
  }
}
