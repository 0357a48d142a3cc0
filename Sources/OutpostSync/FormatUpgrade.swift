import OutpostCodec
import OutpostModel

/// The one difference between version 1 and version 2 of the repository and bundle formats
/// (SPEC.md §2.3, §4.1, §8.2): where version 1 stored a list or a JSON document as text inside a
/// string field, version 2 stores the value itself.
///
/// The conversion is a pure function of the stored value, so every replica that upgrades turns
/// the same event into the same value: no new event is made, and replicas that upgrade at
/// different times still agree.
public enum FormatUpgrade {
  /// How a version-1 field stored its value.
  enum Legacy {
    /// Texts joined with commas (`amount,status`).
    case commaList
    /// The canonical JSON text of the value.
    case jsonText
  }

  /// The fields that changed, by collection.
  static let legacyFields: [String: [String: Legacy]] = [
    StandardCollections.resolutions.name: ["fields": .commaList, "candidates": .jsonText],
    StandardCollections.kpiDefinitions.name: ["document": .jsonText],
  ]

  /// The collections whose records may need ``upgradingVersion1(_:in:)``.
  public static var collections: [String] { legacyFields.keys.sorted() }

  /// Upgrades the version-1 text values of a state.
  ///
  /// Returns `state` with every version-1 text value of `collection` replaced by the value it
  /// encodes, or nil when nothing needed to change (the state is already in version 2, or its
  /// collection never changed). Each new value passes its field's validation, so an upgraded state is as
  /// valid as one written by version 2.
  ///
  /// - Throws: `ModelError` naming the field when a text does not hold what version 1 wrote
  ///   there (the state was damaged or forged).
  public static func upgradingVersion1(_ state: RecordState, in collection: String)
    throws(ModelError) -> RecordState?
  {
    guard let legacy = legacyFields[collection],
      let schema = StandardCollections.named(collection)
    else { return nil }
    var fields = state.fields
    var changed = false
    for (field, kind) in legacy {
      guard let values = fields[field], let spec = schema.field(field) else { continue }
      var upgraded: [Versioned] = []
      for versioned in values {
        guard case .string(let text) = versioned.value else {
          upgraded.append(versioned)
          continue
        }
        let value: JSONValue
        switch kind {
        case .commaList:
          value = .array(text.split(separator: ",").map { .string(String($0)) })
        case .jsonText:
          do { value = try JSONParser.parse(Array(text.utf8)) } catch {
            throw ModelError("field '\(field)' does not hold JSON text: \(error.description)")
          }
        }
        do throws(ModelError) {
          upgraded.append(Versioned(versioned.dot, try spec.validateJSON(value)))
        } catch {
          throw ModelError("field '\(field)': \(error.message)")
        }
        changed = true
      }
      fields[field] = upgraded
    }
    guard changed else { return nil }
    return RecordState(fields: fields, deleted: state.deleted, context: state.context)
  }
}
