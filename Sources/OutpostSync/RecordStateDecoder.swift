import OutpostCodec
import OutpostModel

/// Decodes record states from the bytes of their JSON text (SPEC.md §5.2), as record files hold
/// them.
///
/// ``decode(_:)`` accepts and refuses exactly what `JSONParser.parse(_:limits:)` followed by
/// ``RecordState/init(json:)`` accepts and refuses, with the same state and the same errors. It
/// reads a state in canonical form (the form Outpost writes) straight from the bytes, without
/// building a ``JSONValue`` tree for the state's structure; field values are parsed by
/// `JSONParser` as usual. Any other text (whitespace, members or keys out of canonical order,
/// escaped or non-ASCII keys, anything invalid) goes through those two general steps, which
/// then also report what is wrong.
///
/// A decoder remembers the field names and replica ids of the states it has read, so that the
/// states of one collection share those strings: use one decoder for many states, and one per
/// thread.
public struct RecordStateDecoder: Sendable {
  /// The limits the JSON text is held to.
  public let limits: JSONLimits
  /// Field names by position in the last state read, with their bytes.
  private var names: [(bytes: [UInt8], name: String)] = []
  /// Replica ids seen so far (a few per repository), with their bytes.
  private var replicas: [(bytes: [UInt8], replica: ReplicaID)] = []

  /// Creates a decoder holding texts to `limits`.
  public init(limits: JSONLimits = .default) { self.limits = limits }

  /// Decodes one state.
  ///
  /// - Throws: `JSONError` when the bytes are not JSON within ``limits``, `ModelError` when they
  ///   are JSON but not a valid state: exactly the errors of `JSONParser.parse(_:limits:)` and
  ///   ``RecordState/init(json:)``.
  public mutating func decode(_ bytes: ArraySlice<UInt8>) throws -> RecordState {
    if let state = decodeCanonical(bytes) { return state }
    return try RecordState(json: JSONParser.parse(bytes, limits: limits))
  }

  /// The direct reading alone: the state, or nil when the bytes are not a valid state in
  /// canonical form (``decode(_:)`` then takes the general path).
  ///
  /// It returns a state only where the general path returns the same state; nil says nothing
  /// about whether the bytes are valid.
  package mutating func decodeCanonical(_ bytes: ArraySlice<UInt8>) -> RecordState? {
    bytes.withUnsafeBufferPointer { buffer in
      var reader = Reader(buffer: buffer, limits: limits)
      swap(&reader.names, &names)
      swap(&reader.replicas, &replicas)
      defer {
        swap(&reader.names, &names)
        swap(&reader.replicas, &replicas)
      }
      return reader.state()
    }
  }
}

/// Reads one state in canonical form; every method returns nil at the first byte it does not
/// expect.
///
/// What makes it agree with the general path: keys must be in strictly increasing byte order
/// (so no key repeats) and ASCII without escapes (so bytes equal their string, and no two keys
/// are canonically equivalent); every limit of ``JSONLimits`` that the general path checks is
/// checked; values are parsed by `JSONParser` at the depth they have in the document; dots and
/// counters follow `Dot.scan` and ``VersionVector/init(json:)``'s rules.
private struct Reader {
  let buffer: UnsafeBufferPointer<UInt8>
  let limits: JSONLimits
  var index = 0
  var names: [(bytes: [UInt8], name: String)] = []
  var replicas: [(bytes: [UInt8], replica: ReplicaID)] = []
  /// The context's keys (ranges of `buffer`), parallel to its entries.
  var contextKeys: [Range<Int>] = []
  var context = VersionVector()
  /// The last dot read, by its key: states repeat one dot in most registers.
  var lastDot: (key: Range<Int>, dot: Dot)?

  init(buffer: UnsafeBufferPointer<UInt8>, limits: JSONLimits) {
    self.buffer = buffer
    self.limits = limits
  }

  mutating func state() -> RecordState? {
    // The general path checks these on the state's own objects and keys.
    guard buffer.count <= limits.maxDocumentBytes, limits.maxDepth >= 3,
      limits.maxObjectKeys >= 3, limits.maxStringBytes >= 7,
      skip(#"{"context":{"#), readContext()
    else { return nil }
    var deleted: [Versioned] = []
    if skip(#","deleted":{"#) {
      guard let values = register(booleans: true) else { return nil }
      deleted = values
    }
    var fields: [String: [Versioned]] = [:]
    if skip(#","fields":{"#) {
      guard let values = readFields() else { return nil }
      fields = values
    }
    guard skip(UInt8(ascii: "}")), index == buffer.count else { return nil }
    return RecordState(normalizedFields: fields, deleted: deleted, context: context)
  }

  /// `{replica:counter,…}` after its `{`.
  mutating func readContext() -> Bool {
    if skip(UInt8(ascii: "}")) { return true }
    var entries: [(replica: ReplicaID, counter: UInt64)] = []
    while true {
      guard let key = key(where: Self.isReplicaByte), (1...32).contains(key.count),
        buffer[key.lowerBound] != UInt8(ascii: "_"), buffer[key.lowerBound] != UInt8(ascii: "-"),
        entries.count < limits.maxObjectKeys, skip(UInt8(ascii: ":")),
        index < buffer.count, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(buffer[index])
      else { return false }
      if let previous = contextKeys.last, !precedes(previous, key) { return false }
      let start = index
      var counter: UInt64 = 0
      while index < buffer.count, Self.isDigit(buffer[index]), index - start < 16 {
        counter = counter * 10 + UInt64(buffer[index] - UInt8(ascii: "0"))
        index += 1
      }
      guard counter <= VersionVector.maximumCounter, index - start <= limits.maxNumberLength
      else { return false }
      entries.append((replica(key), counter))
      contextKeys.append(key)
      if skip(UInt8(ascii: ",")) { continue }
      guard skip(UInt8(ascii: "}")) else { return false }
      context = VersionVector(sortedEntries: entries)
      return true
    }
  }

  /// `{name:register,…}` after its `{`.
  mutating func readFields() -> [String: [Versioned]]? {
    var fields: [String: [Versioned]] = [:]
    if skip(UInt8(ascii: "}")) { return fields }
    fields.reserveCapacity(names.count)
    var previous: Range<Int>?
    var position = 0
    while true {
      guard let key = key(where: Self.isPlainKeyByte), position < limits.maxObjectKeys,
        skip(UInt8(ascii: ":")), skip(UInt8(ascii: "{")),
        let values = register(booleans: false), !values.isEmpty
      else { return nil }
      if let previous, !precedes(previous, key) { return nil }
      fields[name(key, position)] = values
      previous = key
      position += 1
      if skip(UInt8(ascii: ",")) { continue }
      guard skip(UInt8(ascii: "}")) else { return nil }
      return fields
    }
  }

  /// `{dot:value,…}` after its `{`, sorted by dot; `booleans`: only `true` and `false`.
  mutating func register(booleans: Bool) -> [Versioned]? {
    var values: [Versioned] = []
    if skip(UInt8(ascii: "}")) { return values }
    var previous: Range<Int>?
    while true {
      guard let key = key(where: Self.isDotByte), values.count < limits.maxObjectKeys,
        let dot = dot(key), skip(UInt8(ascii: ":"))
      else { return nil }
      if let previous, !precedes(previous, key) { return nil }
      let value: JSONValue
      if booleans {
        if skip("true") {
          value = .bool(true)
        } else if skip("false") {
          value = .bool(false)
        } else {
          return nil
        }
      } else {
        // A register is at depth 3 (state, fields, register).
        do {
          value = try JSONParser.parseValue(in: buffer, at: &index, depth: 3, limits: limits)
        } catch { return nil }
      }
      values.append(Versioned(dot, value))
      previous = key
      if skip(UInt8(ascii: ",")) { continue }
      guard skip(UInt8(ascii: "}")) else { return nil }
      if values.count > 1 { values.sort { $0.dot < $1.dot } }
      return values
    }
  }

  /// The dot `key` names, if it is one and the context covers it.
  mutating func dot(_ key: Range<Int>) -> Dot? {
    if let (last, dot) = lastDot, equal(last, key) { return dot }
    guard let (length, counter) = Dot.scan(UnsafeBufferPointer(rebasing: buffer[key])) else {
      return nil
    }
    let replica = key.lowerBound..<(key.lowerBound + length)
    for (position, contextKey) in contextKeys.enumerated() where equal(contextKey, replica) {
      let entry = context.entries[position]
      guard counter <= entry.counter else { return nil }
      let dot = Dot(entry.replica, counter)
      lastDot = (key, dot)
      return dot
    }
    return nil
  }

  /// A key string made of bytes that satisfy `allowed` (no escapes), followed by its closing
  /// quote; the range of its bytes.
  mutating func key(where allowed: (UInt8) -> Bool) -> Range<Int>? {
    guard skip(UInt8(ascii: "\"")) else { return nil }
    let start = index
    while index < buffer.count, allowed(buffer[index]) { index += 1 }
    guard index < buffer.count, buffer[index] == UInt8(ascii: "\""),
      index - start <= limits.maxStringBytes
    else { return nil }
    index += 1
    return start..<(index - 1)
  }

  /// The field name with the bytes `key`, shared with earlier states where it was the same.
  mutating func name(_ key: Range<Int>, _ position: Int) -> String {
    let bytes = UnsafeBufferPointer(rebasing: buffer[key])
    if position < names.count, names[position].bytes.elementsEqual(bytes) {
      return names[position].name
    }
    let name = String(decoding: bytes, as: UTF8.self)
    if position < names.count {
      names[position] = (Array(bytes), name)
    } else if position == names.count {
      names.append((Array(bytes), name))
    }
    return name
  }

  /// The replica id with the bytes `key`, shared with earlier states.
  mutating func replica(_ key: Range<Int>) -> ReplicaID {
    let bytes = UnsafeBufferPointer(rebasing: buffer[key])
    for known in replicas where known.bytes.elementsEqual(bytes) { return known.replica }
    let replica = ReplicaID(unchecked: String(decoding: bytes, as: UTF8.self))
    if replicas.count < 64 { replicas.append((Array(bytes), replica)) }
    return replica
  }

  @inline(__always)
  mutating func skip(_ byte: UInt8) -> Bool {
    guard index < buffer.count, buffer[index] == byte else { return false }
    index += 1
    return true
  }

  mutating func skip(_ text: StaticString) -> Bool {
    let count = text.utf8CodeUnitCount
    guard index + count <= buffer.count else { return false }
    for offset in 0..<count where text.utf8Start[offset] != buffer[index + offset] {
      return false
    }
    index += count
    return true
  }

  func equal(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
    a.count == b.count
      && UnsafeBufferPointer(rebasing: buffer[a]).elementsEqual(
        UnsafeBufferPointer(rebasing: buffer[b]))
  }

  /// Canonical key order: by bytes.
  func precedes(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
    UnsafeBufferPointer(rebasing: buffer[a]).lexicographicallyPrecedes(
      UnsafeBufferPointer(rebasing: buffer[b]))
  }

  static func isDigit(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
  }

  static func isReplicaByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
      UInt8(ascii: "_"), UInt8(ascii: "-"):
      true
    default: false
    }
  }

  static func isDotByte(_ byte: UInt8) -> Bool { byte == UInt8(ascii: ":") || isReplicaByte(byte) }

  /// Printable ASCII other than `"` and `\`: a key that is its own bytes.
  static func isPlainKeyByte(_ byte: UInt8) -> Bool {
    byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
  }
}
