import OutpostCodec
import OutpostModel

/// The canonical JSON form of a record state (SPEC.md §5.2):
///
///     {"context":{"north":12},"deleted":{"north:12":false},"fields":{"amount":{"north:12":"12.50"}}}
///
/// A register is an object from dot to value; two keys in one register are a conflict.
extension RecordState {
  /// Parses a state from JSON, checking every dot and that the context covers every dot.
  public init(json: JSONValue) throws(ModelError) {
    guard case .object(let object) = json else { throw ModelError("record state is not an object") }
    for key in object.keys where !["context", "deleted", "fields"].contains(key) {
      throw ModelError("record state has an unknown member '\(key)'")
    }
    guard case .object(let contextObject)? = object["context"] else {
      throw ModelError("record state has no 'context' object")
    }
    let context: VersionVector
    do { context = try VersionVector(json: .object(contextObject)) } catch {
      throw ModelError("context: \(error.message)")
    }
    let deleted = try Self.register(object["deleted"] ?? .object(JSONObject()), "deleted", context)
    for entry in deleted where entry.value != .bool(true) && entry.value != .bool(false) {
      throw ModelError("'deleted' holds a value that is not true or false")
    }
    var fields: [String: [Versioned]] = [:]
    if let fieldsValue = object["fields"] {
      guard case .object(let fieldsObject) = fieldsValue else {
        throw ModelError("'fields' is not an object")
      }
      for (name, register) in fieldsObject {
        let values = try Self.register(register, name, context)
        guard !values.isEmpty else { throw ModelError("field '\(name)' has no value") }
        fields[name] = values
      }
    }
    self.init(fields: fields, deleted: deleted, context: context)
  }

  private static func register(
    _ json: JSONValue, _ name: String, _ context: VersionVector
  ) throws(ModelError) -> [Versioned] {
    guard case .object(let object) = json else {
      throw ModelError("register '\(name)' is not an object")
    }
    var result: [Versioned] = []
    for (key, value) in object {
      guard let dot = Dot(parsing: key) else {
        throw ModelError("register '\(name)' has an invalid dot '\(key)'")
      }
      guard context.contains(dot) else {
        throw ModelError("register '\(name)': dot \(dot) is not covered by the record's context")
      }
      result.append(Versioned(dot, value))
    }
    return result
  }

  /// The canonical JSON value of this state.
  public var json: JSONValue {
    func register(_ values: [Versioned]) -> JSONValue {
      .object(JSONObject(uncheckedPairs: values.map { ($0.dot.description, $0.value) }))
    }
    var members: [(String, JSONValue)] = [
      ("context", context.json),
      ("fields", .object(JSONObject(uncheckedPairs: fields.map { ($0.key, register($0.value)) }))),
    ]
    if !deleted.isEmpty { members.append(("deleted", register(deleted))) }
    return .object(JSONObject(uncheckedPairs: members))
  }
}

extension VersionVector {
  /// Parses `{"north":12,"hq":3}`: office ids to canonical positive integers ≤ 2^53 − 1.
  public init(json: JSONValue) throws(ModelError) {
    guard case .object(let object) = json else { throw ModelError("a clock must be a JSON object") }
    self.init()
    for (key, value) in object {
      let replica: ReplicaID
      do { replica = try ReplicaID(key) } catch { throw ModelError(error.message) }
      guard case .number(let number) = value, let counter = number.uint64, counter > 0,
        counter <= VersionVector.maximumCounter
      else {
        throw ModelError(
          "counter for '\(key)' is not a canonical integer between 1 and 2^53 − 1")
      }
      self[replica] = counter
    }
  }

  /// The canonical JSON form: `{"hq":3,"north":12}`.
  public var json: JSONValue {
    .object(
      JSONObject(
        uncheckedPairs: entries.map {
          ($0.replica.rawValue, .number(JSONNumber(integer: Int64($0.counter))))
        }))
  }
}
