import OutpostModel

/// One event: the `counter`-th change made by `replica` (SPEC.md §5.1).
///
/// Written `replica:counter` (`north:12`) in files and bundles.
public struct Dot: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The replica that made the change.
  public var replica: ReplicaID
  /// Its position in that replica's sequence of changes, from 1.
  public var counter: UInt64

  /// Creates a dot.
  public init(_ replica: ReplicaID, _ counter: UInt64) {
    self.replica = replica
    self.counter = counter
  }

  /// Parses `replica:counter`, where counter is a canonical positive integer.
  public init?(parsing text: some StringProtocol) {
    var string = String(text)
    let parsed = string.withUTF8 { buffer -> (String, UInt64)? in
      guard let (length, counter) = Dot.scan(buffer) else { return nil }
      let replica = String(
        decoding: UnsafeBufferPointer(rebasing: buffer[..<length]), as: UTF8.self)
      return (replica, counter)
    }
    guard let (replica, counter) = parsed else { return nil }
    self.init(ReplicaID(unchecked: replica), counter)
  }

  /// The rules of a dot's text, on bytes: the length in bytes of its replica id (the part
  /// before the colon) and its counter, or nil if `buffer` is not a dot.
  ///
  /// Every record state holds several dots, so this runs on bytes (it is a hot path of reading
  /// a repository); the rules are ReplicaID's and VersionVector's.
  @inline(__always)
  static func scan(_ buffer: UnsafeBufferPointer<UInt8>) -> (replicaLength: Int, counter: UInt64)? {
    guard let colon = buffer.lastIndex(of: UInt8(ascii: ":")), (1...32).contains(colon),
      (1...19).contains(buffer.count - colon - 1), buffer[colon + 1] != UInt8(ascii: "0"),
      buffer[0] != UInt8(ascii: "_"), buffer[0] != UInt8(ascii: "-")
    else { return nil }
    for byte in buffer[..<colon] {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "_"), UInt8(ascii: "-"):
        continue
      default: return nil
      }
    }
    var counter: UInt64 = 0
    for byte in buffer[(colon + 1)...] {
      guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
      let (times, overflow) = counter.multipliedReportingOverflow(by: 10)
      let (sum, carry) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
      guard !overflow, !carry else { return nil }
      counter = sum
    }
    guard counter <= VersionVector.maximumCounter else { return nil }
    return (colon, counter)
  }

  public var description: String { "\(replica.rawValue):\(counter)" }

  /// The order used to pick a provisional winner.
  ///
  /// Higher counter first, then the replica id with the greater bytes. It is arbitrary but
  /// deterministic (SPEC.md §5.4).
  public static func < (lhs: Dot, rhs: Dot) -> Bool {
    lhs.counter != rhs.counter ? lhs.counter < rhs.counter : lhs.replica < rhs.replica
  }
}

/// How two version vectors relate.
public enum CausalOrder: Sendable, Equatable {
  /// Both have seen exactly the same events.
  case equal
  /// The left one has seen a strict subset of the right one's events.
  case before
  /// The left one has seen a strict superset of the right one's events.
  case after
  /// Each has seen an event the other has not.
  case concurrent
}

/// A version vector: for each replica, how many of its changes have been seen.
///
/// Entries with a zero counter are never stored, so equal knowledge has one representation,
/// and entries are kept sorted by replica id, so encoding is deterministic.
public struct VersionVector: Sendable, Hashable, CustomStringConvertible {
  /// The largest counter accepted anywhere (2^53 − 1, exact in every JSON reader).
  public static let maximumCounter: UInt64 = (1 << 53) - 1

  /// The entries, sorted by replica id, all counters > 0.
  public private(set) var entries: [(replica: ReplicaID, counter: UInt64)]

  /// The empty vector: nothing seen.
  public init() { entries = [] }

  /// A vector from entries already sorted by replica id, without duplicates, all counters > 0
  /// (the caller's guarantee).
  init(sortedEntries: [(replica: ReplicaID, counter: UInt64)]) { entries = sortedEntries }

  /// A vector from replica/counter pairs (zero counters are dropped; duplicates keep the max).
  public init(_ pairs: some Sequence<(ReplicaID, UInt64)>) {
    entries = []
    for (replica, counter) in pairs { self[replica] = max(self[replica], counter) }
  }

  /// How many of `replica`'s changes have been seen.
  public subscript(replica: ReplicaID) -> UInt64 {
    get {
      guard let index = position(of: replica) else { return 0 }
      return entries[index].counter
    }
    set {
      if let index = position(of: replica) {
        if newValue == 0 { entries.remove(at: index) } else { entries[index].counter = newValue }
      } else if newValue > 0 {
        let insertAt = entries.firstIndex { replica < $0.replica } ?? entries.count
        entries.insert((replica, newValue), at: insertAt)
      }
    }
  }

  private func position(of replica: ReplicaID) -> Int? {
    entries.firstIndex { $0.replica == replica }
  }

  /// Whether the event `dot` is among those seen.
  @inline(__always)
  public func contains(_ dot: Dot) -> Bool { dot.counter <= self[dot.replica] }

  /// Records that `dot` has been seen (and, per replica, everything before it).
  public mutating func add(_ dot: Dot) { self[dot.replica] = max(self[dot.replica], dot.counter) }

  /// Joins another vector into this one (entry-wise maximum).
  public mutating func merge(_ other: VersionVector) {
    for (replica, counter) in other.entries where counter > self[replica] {
      self[replica] = counter
    }
  }

  /// The entry-wise minimum of two vectors: what both have seen.
  public func meet(_ other: VersionVector) -> VersionVector {
    var result = VersionVector()
    for (replica, counter) in entries { result[replica] = min(counter, other[replica]) }
    return result
  }

  /// Whether the vector has no entries (nothing seen).
  public var isEmpty: Bool { entries.isEmpty }

  /// The entry-wise maximum of two vectors.
  public func merging(_ other: VersionVector) -> VersionVector {
    var result = self
    result.merge(other)
    return result
  }

  /// Compares what two vectors have seen.
  public func compare(_ other: VersionVector) -> CausalOrder {
    var less = false
    var greater = false
    var replicas = Set(entries.map(\.replica))
    replicas.formUnion(other.entries.map(\.replica))
    for replica in replicas {
      let a = self[replica]
      let b = other[replica]
      if a < b { less = true }
      if a > b { greater = true }
    }
    switch (less, greater) {
    case (false, false): return .equal
    case (true, false): return .before
    case (false, true): return .after
    case (true, true): return .concurrent
    }
  }

  /// Whether this vector has seen every event `other` has seen.
  public func dominates(_ other: VersionVector) -> Bool {
    other.entries.allSatisfy { self[$0.replica] >= $0.counter }
  }

  public var description: String {
    "{" + entries.map { "\($0.replica):\($0.counter)" }.joined(separator: ", ") + "}"
  }

  public static func == (lhs: VersionVector, rhs: VersionVector) -> Bool {
    lhs.entries.elementsEqual(rhs.entries) { $0.replica == $1.replica && $0.counter == $1.counter }
  }

  public func hash(into hasher: inout Hasher) {
    for (replica, counter) in entries {
      hasher.combine(replica)
      hasher.combine(counter)
    }
  }
}
