import Foundation
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Synchronization
import Testing

// MARK: - Running and reporting schedules

/// A broken invariant, named after docs/reliability.md §2 or §4.
struct InvariantFailure: Error, CustomStringConvertible {
  var description: String
}

func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
  if !condition { throw InvariantFailure(description: message()) }
}

enum Schedule {
  /// `OUTPOST_SCHEDULE`: run only that schedule number (to replay a failure).
  static func selected() -> Int? {
    environment("OUTPOST_SCHEDULE").flatMap { Int($0) }
  }

  static func environment(_ name: String) -> String? {
    ProcessInfo.processInfo.environment[name]
  }

  /// The seed of one schedule: the base seed mixed with the schedule number.
  static func seed(base: UInt64, number: Int) -> UInt64 {
    var mixer = SplitMix64(seed: base ^ (UInt64(number) &* 0x9E37_79B9_7F4A_7C15))
    return mixer.next()
  }

  /// Runs one schedule; any failure is recorded as an issue naming the seed and the last steps.
  ///
  /// - Parameters:
  ///   - base: the run's seed (`OUTPOST_SEED`), which the failure message names.
  ///   - salt: keeps one test's schedules apart from another's with the same number.
  ///   - number: the schedule number (`OUTPOST_SCHEDULE`).
  /// - Returns: how often each kind of event happened (empty if the schedule failed).
  @discardableResult
  static func run(
    base: UInt64, salt: UInt64 = 0, number: Int, _ body: (Simulation) throws -> Void
  ) -> [String: Int] {
    let seed = seed(base: base ^ salt, number: number)
    var simulation: Simulation?
    do {
      var random = SplitMix64(seed: seed)
      // 3, 4, 5 or 6 replicas, smaller worlds more often (40%, 30%, 20%, 10%).
      let roll = random.next() % 10
      let branches = roll < 4 ? 2 : roll < 7 ? 3 : roll < 9 ? 4 : 5
      simulation = try Simulation(seed: random.next(), branchCount: branches)
      try body(simulation!)
      return simulation!.coverage
    } catch {
      let trace = simulation?.trace.suffix(40).joined(separator: "\n  ") ?? ""
      Issue.record(
        """
        schedule \(number) failed (seed \(base), schedule seed \(seed), \
        \(simulation.map { "\($0.replicas.count) replicas, step \($0.stepNumber)" } ?? "setup")): \
        \(error)
        replay: OUTPOST_SEED=\(base) OUTPOST_SCHEDULE=\(number) swift test --filter ConvergenceTests
        last steps:
          \(trace)
        """)
      return [:]
    }
  }

  /// Checks that a batch exercised every kind of event the test claims to cover, so a change
  /// in the generator cannot silently stop testing something.
  static func checkCoverage(_ coverage: [String: Int], _ kinds: [String], batch: Int) {
    if environment("OUTPOST_CONVERGENCE_STATS") != nil {
      print(
        "batch \(batch): "
          + coverage.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
          .joined(separator: " "))
    }
    // Reordering needs two bundles in flight at once, which a batch of a hundred short
    // schedules reaches only most of the time; the order-independence test covers it fully.
    for kind in kinds where coverage[kind, default: 0] == 0 && kind != "reorder" {
      Issue.record("batch \(batch) never exercised '\(kind)'")
    }
  }
}

// MARK: - The simulated world

/// The starting point of every schedule with a given number of branches, built once: head
/// office enrolled the branches, each branch created two orders and submitted them, head office
/// created a channel and replied to everyone, so the offices share records from the first step
/// (and concurrent edits of one record are possible at once).
struct Template: Sendable {
  struct Office: Sendable {
    var id: ReplicaID
    var isHead: Bool
    var fileSystem: MemoryFileSystem
    var contexts: [RecordKey: VersionVector]
    var clock: VersionVector
    var applied: Set<String>
    var sentSeq: [ReplicaID: UInt64]
  }

  var offices: [Office]
  var events: [Event]
  var archive: [Parcel]
  var nextRecord: Int

  private static let cache = Mutex<[Int: Template]>([:])

  static func with(branchCount: Int) throws -> Template {
    try cache.withLock { cache in
      if let made = cache[branchCount] { return made }
      let made = try Simulation.makeTemplate(branchCount: branchCount)
      cache[branchCount] = made
      return made
    }
  }
}

let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00+08:00" }
let root = "/repo"

/// Opens the repository at `/repo` for writing and reads the records `known` to be there.
///
/// Reading through ``RepositoryReader/state(_:_:)`` keeps a bucket file parsed in the repository's
/// cache; ``RepositoryReader/states(_:)`` alone re-parses every uncached bucket on each call, which
/// the checks here make often (a debug build parses JSON slowly).
func openRepository(
  _ fileSystem: any FileSystem, known: Dictionary<RecordKey, VersionVector>.Keys
) throws -> RepositoryWriter {
  let repository = try RepositoryWriter.open(at: root, fileSystem: fileSystem, now: now)
  // Every bundle the simulation makes is checked against a walk over every record.
  repository.checksBundleRecords = true
  // Small journal segments: the simulation begins and seals segments all the time, and bundles
  // read the changes since an acknowledgement across them (SPEC.md §4.2, §8.6).
  repository.journalSegmentLimit = 4096
  // A cache kept from each commit's old and new states (SPEC.md §4.5), checked by checkReplica.
  repository.caches = [StateDigestCache()]
  for key in known { _ = try repository.state(key.collection, key.id) }
  return repository
}

/// A record's address.
struct RecordKey: Hashable, Comparable, CustomStringConvertible, Sendable {
  var collection: String
  var id: RecordID

  static func < (lhs: RecordKey, rhs: RecordKey) -> Bool {
    (lhs.collection, lhs.id) < (rhs.collection, rhs.id)
  }

  var description: String { "\(collection)/\(id)" }
}

/// One write in the history (the Jepsen "ok" set): what was written, by which dot, against
/// which record context.
struct Event: Sendable {
  var key: RecordKey
  var dot: Dot
  /// The field values written (empty for a delete).
  var fields: [String: JSONValue]
  var isDelete: Bool
  /// The write re-created a deleted record, clearing every field it did not write.
  var clearsAll: Bool
  /// The record's context at the writer just before the write (its causal past).
  var past: VersionVector
  /// Whether the operation returned successfully (false: it survived a crash).
  var acknowledged: Bool
}

/// What a repository holds: every record state, every peer record and the clock.
struct Contents: Equatable {
  var records: [RecordKey: RecordState] = [:]
  var peers: [PeerState] = []
  var clock = VersionVector()

  init(_ repository: RepositoryReader) throws {
    for schema in repository.collections {
      for (id, state) in try repository.states(schema.name) {
        records[RecordKey(collection: schema.name, id: id)] = state
      }
    }
    peers = try repository.peers()
    clock = repository.clock
  }

  /// The canonical serialization of every record, sorted (what invariant 1 compares).
  var canonicalRecords: [String] {
    records.keys.sorted().map { "\($0) \(JSONWriter.canonicalString(records[$0]!.json))" }
  }

  /// A few of the differences, for a failure message.
  func difference(from other: Contents) -> String {
    var lines: [String] = []
    for key in Set(records.keys).union(other.records.keys).sorted()
    where records[key] != other.records[key] {
      lines.append(
        "\(key): \(records[key].map { JSONWriter.canonicalString($0.json) } ?? "absent") vs "
          + "\(other.records[key].map { JSONWriter.canonicalString($0.json) } ?? "absent")")
    }
    if peers != other.peers {
      lines.append(
        "peers: \(peers.map { JSONWriter.canonicalString($0.json) }) vs "
          + "\(other.peers.map { JSONWriter.canonicalString($0.json) })")
    }
    if clock != other.clock { lines.append("clock: \(clock) vs \(other.clock)") }
    return lines.prefix(6).joined(separator: "\n    ")
  }
}

/// A bundle in the carrier's hands.
struct Parcel: Sendable {
  var number: Int
  var from: ReplicaID
  var to: ReplicaID
  var seq: UInt64
  var hash: String
  var bytes: [UInt8]

  var name: String { "\(from)-\(to)-\(seq).bundle" }
}

/// One office: its file system, its open repository and what the checker remembers about it.
final class Replica {
  let id: ReplicaID
  let isHead: Bool
  let fileSystem: MemoryFileSystem
  var repository: RepositoryWriter
  /// The last context seen per record (invariant 9).
  var contexts: [RecordKey: VersionVector] = [:]
  /// The last repository clock seen (invariant 9).
  var clock = VersionVector()
  /// The conflicted registers per record, as the history predicts them.
  var conflicts: [RecordKey: Set<String>] = [:]
  /// Hashes of the bundles applied here.
  var applied: Set<String> = []
  /// The sequence number of the last bundle made for each peer.
  var sentSeq: [ReplicaID: UInt64] = [:]

  init(id: ReplicaID, isHead: Bool, fileSystem: MemoryFileSystem, repository: RepositoryWriter) {
    self.id = id
    self.isHead = isHead
    self.fileSystem = fileSystem
    self.repository = repository
  }
}

/// An operation that can be interrupted by a crash.
enum Operation: CustomStringConvertible {
  case commit([RecordChange])
  case bundle(for: ReplicaID)
  case apply(Parcel)
  case resolve(RecordKey, ResolutionChoice)

  var description: String {
    switch self {
    case .commit(let changes):
      return "commit "
        + changes.map { change in
          switch change {
          case .put(let c, let i, let fields):
            return "put \(c)/\(i) "
              + fields.keys.sorted().map { "\($0)=\(JSONWriter.canonicalString(fields[$0]!))" }
              .joined(separator: ",")
          case .delete(let c, let i): return "delete \(c)/\(i)"
          }
        }.joined(separator: "; ")
    case .bundle(let peer): return "make bundle for \(peer)"
    case .apply(let parcel): return "apply #\(parcel.number) \(parcel.name)"
    case .resolve(let key, let choice): return "resolve \(key) (\(choice.summary))"
    }
  }
}

/// What an operation did, for the history.
struct Outcome {
  var events: [Event] = []
  var made: MadeBundle?
  var report: ApplyReport?
  var touched: [RecordKey] = []
}
