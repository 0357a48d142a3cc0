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

extension RecordState {
  /// Appends the canonical JSON of this state: the bytes `JSONWriter` writes for ``json``,
  /// written directly instead of through a `JSONValue` tree (every commit encodes each state it
  /// writes, so this is on the path of every import and merge).
  public func writeCanonical(into out: inout [UInt8]) {
    out.append(contentsOf: #"{"context":"#.utf8)
    context.writeCanonical(into: &out)
    if !deleted.isEmpty {
      out.append(contentsOf: #","deleted":"#.utf8)
      Self.writeRegister(deleted, into: &out)
    }
    out.append(contentsOf: #","fields":{"#.utf8)
    var names = Array(fields.keys)
    names.sort(by: JSONObject.precedes)
    for (index, name) in names.enumerated() {
      if index > 0 { out.append(UInt8(ascii: ",")) }
      JSONWriter.writeString(name, into: &out)
      out.append(UInt8(ascii: ":"))
      Self.writeRegister(fields[name]!, into: &out)
    }
    out.append(contentsOf: "}}".utf8)
  }

  /// The canonical JSON bytes of this state (as ``writeCanonical(into:)`` appends them).
  public var canonicalBytes: [UInt8] {
    var out: [UInt8] = []
    writeCanonical(into: &out)
    return out
  }

  /// A register: its dots in the order of their text's bytes (canonical key order), which is
  /// not the order of ``Dot`` (`north:10` sorts before `north:9`).
  private static func writeRegister(_ values: [Versioned], into out: inout [UInt8]) {
    out.append(UInt8(ascii: "{"))
    if values.count == 1 {
      values[0].dot.writeQuoted(into: &out)
      out.append(UInt8(ascii: ":"))
      JSONWriter.write(values[0].value, into: &out)
    } else {
      let keyed = values.map { (Array($0.dot.description.utf8), $0.value) }
        .sorted { $0.0.lexicographicallyPrecedes($1.0) }
      for (index, (key, value)) in keyed.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: key)
        out.append(contentsOf: #"":"#.utf8)
        JSONWriter.write(value, into: &out)
      }
    }
    out.append(UInt8(ascii: "}"))
  }
}

extension Dot {
  /// Appends `"replica:counter"` (a replica id and a counter never need escaping).
  func writeQuoted(into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    out.append(contentsOf: replica.rawValue.utf8)
    out.append(UInt8(ascii: ":"))
    VersionVector.writeDecimal(counter, into: &out)
    out.append(UInt8(ascii: "\""))
  }
}

extension VersionVector {
  /// Appends the canonical JSON of this vector (entries are kept sorted by replica id's bytes,
  /// the canonical key order; replica ids never need escaping).
  public func writeCanonical(into out: inout [UInt8]) {
    out.append(UInt8(ascii: "{"))
    for (index, entry) in entries.enumerated() {
      if index > 0 { out.append(UInt8(ascii: ",")) }
      out.append(UInt8(ascii: "\""))
      out.append(contentsOf: entry.replica.rawValue.utf8)
      out.append(contentsOf: #"":"#.utf8)
      Self.writeDecimal(entry.counter, into: &out)
    }
    out.append(UInt8(ascii: "}"))
  }

  /// Appends a counter's decimal digits.
  static func writeDecimal(_ value: UInt64, into out: inout [UInt8]) {
    guard value >= 10 else {
      out.append(UInt8(ascii: "0") + UInt8(value))
      return
    }
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes hold any UInt64's 20 digits
    withUnsafeMutableBytes(of: &digits) { raw in
      var rest = value
      var index = 24
      while rest > 0 {
        index -= 1
        raw[index] = UInt8(ascii: "0") + UInt8(rest % 10)
        rest /= 10
      }
      out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[index...]))
    }
  }
}
