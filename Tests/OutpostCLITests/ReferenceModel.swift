import OutpostCodec

// A reference model of SPEC.md §5 and §8, written apart from OutpostSync and OutpostStore: it
// never calls `RecordState`, `Merge`, `VersionVector` or `Dot`. It only uses OutpostCodec to read
// canonical JSON. `ModelCheckTests` drives real repositories through the CLI and compares what
// they hold with what this model predicts.

/// One change: `replica:counter` (SPEC.md §5.1).
struct MDot: Hashable, Comparable, CustomStringConvertible {
  var replica: String
  var counter: UInt64

  /// §5.4: a higher counter is greater, then greater replica id bytes.
  static func < (a: MDot, b: MDot) -> Bool {
    if a.counter != b.counter { return a.counter < b.counter }
    return a.replica.utf8.lexicographicallyPrecedes(b.replica.utf8)
  }

  var description: String { "\(replica):\(counter)" }

  init(_ replica: String, _ counter: UInt64) {
    self.replica = replica
    self.counter = counter
  }

  /// Parses `replica:counter`.
  init?(text: String) {
    guard let colon = text.lastIndex(of: ":"),
      let counter = UInt64(text[text.index(after: colon)...])
    else { return nil }
    self.init(String(text[..<colon]), counter)
  }
}

/// A version vector (SPEC.md §5.1); absent entries are 0 and never stored.
struct MClock: Hashable, CustomStringConvertible {
  private(set) var entries: [String: UInt64] = [:]

  subscript(replica: String) -> UInt64 {
    get { entries[replica] ?? 0 }
    set { entries[replica] = newValue == 0 ? nil : newValue }
  }

  var isEmpty: Bool { entries.isEmpty }

  func contains(_ dot: MDot) -> Bool { self[dot.replica] >= dot.counter }

  func dominates(_ other: MClock) -> Bool {
    other.entries.allSatisfy { self[$0.key] >= $0.value }
  }

  func joined(_ other: MClock) -> MClock {
    var result = self
    for (replica, counter) in other.entries where counter > result[replica] {
      result[replica] = counter
    }
    return result
  }

  /// The entry-wise minimum.
  func met(_ other: MClock) -> MClock {
    var result = MClock()
    for (replica, counter) in entries { result[replica] = min(counter, other[replica]) }
    return result
  }

  mutating func add(_ dot: MDot) { self[dot.replica] = max(self[dot.replica], dot.counter) }

  var description: String {
    "{" + entries.keys.sorted().map { "\($0):\(entries[$0]!)" }.joined(separator: ",") + "}"
  }

  /// A clock from its JSON object `{replica: counter}`.
  init?(json: JSONValue?) {
    guard let object = json?.objectValue else { return nil }
    for (replica, value) in object {
      guard let counter = value.uint64Value else { return nil }
      self[replica] = counter
    }
  }

  init() {}
}

/// A multi-value register: dot → canonical JSON text of the value.
typealias MRegister = [MDot: String]

/// A record's causal state (SPEC.md §5.2).
struct MState: Hashable, CustomStringConvertible {
  var context = MClock()
  var deleted: [MDot: Bool] = [:]
  var fields: [String: MRegister] = [:]

  /// Whether any event touched the record (§8.5 "had no events").
  var exists: Bool { !deleted.isEmpty || !fields.isEmpty }

  /// Whether every value of `deleted` is `true` (an edit/delete conflict is live, §5.4).
  var isDeleted: Bool { !deleted.isEmpty && deleted.values.allSatisfy { $0 } }

  /// Shown to readers (`export`, `get`): it exists and is not deleted (§5.4, §8.7).
  var isLive: Bool { exists && !isDeleted }

  /// §5.3: two different values in `deleted`.
  var hasDeleteConflict: Bool { Set(deleted.values).count > 1 }

  /// §5.3 and §8.7: fields holding two or more different values; a deleted record has none.
  var conflictedFields: [String] {
    guard !isDeleted else { return [] }
    return fields.filter { Set($0.value.values).count > 1 }.keys.sorted()
  }

  var isConflicted: Bool { hasDeleteConflict || !conflictedFields.isEmpty }

  /// §5.4: the value whose dot is greatest.
  func provisional(_ field: String) -> String? {
    fields[field].flatMap { register in register.max { $0.key < $1.key }?.value }
  }

  /// Every dot that carries a value.
  var valueDots: [MDot] {
    Array(deleted.keys) + fields.values.flatMap { Array($0.keys) }
  }

  /// §8.10: deleted, no open conflict, and `horizon` covers every event.
  func isCollectable(below horizon: MClock) -> Bool {
    isDeleted && !isConflicted && !context.isEmpty && horizon.dominates(context)
  }

  /// §5.2: keep a value if both sides have it or the other side has not seen its dot.
  func joined(_ other: MState) -> MState {
    func join<V>(_ mine: [MDot: V], _ theirs: [MDot: V]) -> [MDot: V] {
      var kept: [MDot: V] = [:]
      for (dot, value) in mine where theirs[dot] != nil || !other.context.contains(dot) {
        kept[dot] = value
      }
      for (dot, value) in theirs where !context.contains(dot) { kept[dot] = value }
      return kept
    }
    var result = MState()
    result.context = context.joined(other.context)
    result.deleted = join(deleted, other.deleted)
    for name in Set(fields.keys).union(other.fields.keys) {
      let kept = join(fields[name] ?? [:], other.fields[name] ?? [:])
      if !kept.isEmpty { result.fields[name] = kept }
    }
    return result
  }

  var description: String {
    func register<V>(_ values: [MDot: V]) -> String {
      values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: " ")
    }
    var text = "ctx \(context) deleted[\(register(deleted))]"
    for name in fields.keys.sorted() { text += " \(name)[\(register(fields[name]!))]" }
    return text
  }

  init() {}

  /// A state from its canonical JSON (§5.2), as a repository or a bundle holds it.
  init?(json: JSONValue) {
    guard let object = json.objectValue, let context = MClock(json: object["context"]) else {
      return nil
    }
    self.context = context
    if let deleted = object["deleted"] {
      guard let members = deleted.objectValue else { return nil }
      for (text, value) in members {
        guard let dot = MDot(text: text), case .bool(let flag) = value else { return nil }
        self.deleted[dot] = flag
      }
    }
    guard let fields = object["fields"]?.objectValue else { return nil }
    for (name, register) in fields {
      guard let members = register.objectValue else { return nil }
      var values: MRegister = [:]
      for (text, value) in members {
        guard let dot = MDot(text: text) else { return nil }
        values[dot] = JSONWriter.canonicalString(value)
      }
      self.fields[name] = values
    }
  }
}

/// How a write was judged by the model, with the SPEC rule that decided it.
enum MWriteOutcome: Equatable {
  /// Written at a new dot.
  case written(MDot)
  /// §2.5: nothing changes, exit 0.
  case unchanged
  /// Refused with this exit status.
  case refused(Int32)
}

/// What one replica holds, as the model predicts it.
final class MReplica {
  let id: String
  let isHead: Bool
  /// The repository clock: the join of every context written (§8.5).
  var clock = MClock()
  /// Records by `collection/id`.
  var records: [String: MState] = [:]
  /// The collected horizon: head office's document (§8.10), or at a branch the one received.
  var collected = MClock()
  /// Peer documents (§8.8), by peer id.
  var peers: [String: MPeer] = [:]

  init(id: String, isHead: Bool) {
    self.id = id
    self.isHead = isHead
  }

  /// Tags naming the known defects a decision depends on (reported with a discrepancy).
  var tags: Set<String> = []

  /// An independent copy (to try a step without taking it).
  func copy() -> MReplica {
    let other = MReplica(id: id, isHead: isHead)
    other.clock = clock
    other.records = records
    other.collected = collected
    other.peers = peers
    return other
  }

  // MARK: Local writes (§2.5, §5.2, §8.7)

  /// `put collection id fields...`: `creating` are the values a new record gets (`office_id`
  /// included, as `put` fills it in).
  func put(_ key: String, _ values: [String: String], creating: [String: String]) -> MWriteOutcome {
    let stored = records[key] ?? MState()
    let dot = MDot(id, clock[id] + 1)
    if !stored.isLive {
      // A new or re-created record holds only what its writer wrote.
      var state = stored
      state.fields = [:]
      for (name, value) in creating { state.fields[name] = [dot: value] }
      state.deleted = [dot: false]
      state.context.add(dot)
      commit(key, state)
      return .written(dot)
    }
    // §2.5 and §8.7: writing the provisional value is no change.
    let changed = values.filter { stored.provisional($0.key) != $0.value }
    let same = values.keys.filter { changed[$0] == nil }
    if !same.isEmpty {
      // The decision depends on rules the lead is fixing: tag it.
      if stored.hasDeleteConflict {
        tags.insert("known-3")
      } else if stored.deleted.count > 1 {
        tags.insert("known-2")
      }
      if same.contains(where: { stored.conflictedFields.contains($0) }) { tags.insert("known-3") }
      if same.contains(where: { (stored.fields[$0]?.count ?? 0) > 1 }) { tags.insert("known-2b") }
    }
    if changed.isEmpty { return .unchanged }
    if stored.hasDeleteConflict { return .refused(65) }
    if stored.conflictedFields.contains(where: { changed[$0] != nil }) { return .refused(65) }
    var state = stored
    for (name, value) in changed { state.fields[name] = [dot: value] }
    state.deleted = [dot: false]
    state.context.add(dot)
    commit(key, state)
    return .written(dot)
  }

  /// `delete collection id`.
  func delete(_ key: String) -> MWriteOutcome {
    guard let stored = records[key], stored.exists else { return .refused(66) }
    if stored.isDeleted { return .unchanged }
    if stored.isConflicted { return .refused(65) }
    let dot = MDot(id, clock[id] + 1)
    var state = stored
    state.deleted = [dot: true]
    state.context.add(dot)
    commit(key, state)
    return .written(dot)
  }

  /// Stores a state and joins its context into the clock (§8.5).
  func commit(_ key: String, _ state: MState) {
    records[key] = state
    clock = clock.joined(state.context)
  }

  // MARK: Bundles (§8.2, §8.6)

  /// What head office may assume an office holds (§8.10: without the office's own entry until
  /// it has applied a reply).
  func knowledge(of office: String) -> MClock {
    let peer = peers[office]!
    var known = peer.receivedClock
    if peer.acknowledges == 0 { known[office] = 0 }
    return known
  }

  /// `submit` or `reply OFFICE`: every record whose context `assumes` does not dominate, with
  /// other offices' personal records as head office's policy says (ReferenceModel+Privacy.swift).
  func makeBundle(to recipient: String) -> MBundle {
    var peer = peers[recipient]!
    let assumes = isHead ? knowledge(of: recipient) : peer.receivedClock
    var bundle = MBundle(
      kind: isHead ? "reply" : "submission", from: id, to: recipient, seq: peer.sentSeq + 1,
      assumes: assumes, clock: clock, acknowledges: peer.lastSeq)
    for (key, state) in records where carries(key, state, to: recipient, assumes: assumes) {
      bundle.payload[key] = state
    }
    if isHead {
      bundle.collected = collected
      bundle.rowPolicy = keepsRowsHome ? "own_office" : "all_offices"
      bundle.kpiResults = kpiResults(to: recipient, peer: &peer, seq: bundle.seq)
      peer.sentClocks[bundle.seq] = clock
      // §8.10: only records head office does not hold (one written again since is not dropped).
      peer.dropped = peer.dropped.filter { records[$0.key] == nil }
      bundle.dropped = peer.dropped.keys.sorted()
      for key in bundle.dropped where peer.dropped[key]! == nil {
        peer.dropped[key] = bundle.seq
      }
    }
    peer.sentSeq += 1
    peers[recipient] = peer
    return bundle
  }

  /// `merge` (head office) or `receive` (branch) of a bundle (§8.2–§8.5, §8.10).
  func apply(_ bundle: MBundle) -> MApplyResult {
    var result = MApplyResult()
    var peer = peers[bundle.from]!
    if peer.accepted.contains(bundle.seq) {
      result.status = "already-applied"
      return result
    }
    guard clock.dominates(bundle.assumes) else {
      result.status = "refused"
      result.exit = 65
      return result
    }
    var written: [String: MState] = [:]
    var outcomes: [String: String] = [:]
    // §2.8: the row policy this reply is applied under (that of the newest reply applied).
    let rows =
      isHead ? (setsAside: false, scansHeld: false) : Self.rowRule(for: bundle, peer: &peer)
    var setAside: [String] = []
    let horizon = isHead ? collected : collected.joined(bundle.collected)
    // §8.10: the horizon an old copy is judged by. A branch is held to the one it keeps, unless
    // this reply's own horizon dominates it (then the reply is at least as recent).
    let oldBelow =
      isHead ? collected : (bundle.collected.dominates(collected) ? MClock() : collected)
    for key in bundle.payload.keys.sorted() {
      let incoming = bundle.payload[key]!
      let stored = records[key]
      if !oldBelow.isEmpty, !incoming.context.isEmpty, oldBelow.dominates(incoming.context),
        !(stored?.context.dominates(incoming.context) ?? false)
      {
        // §8.10: an old copy of a collected record is never applied (known defect 1 at a
        // branch, and values of a collected incarnation at either side).
        result.notApplied.append(key)
        if isHead {
          if stored == nil, peer.dropped[key] == nil { peer.dropped[key] = .some(nil) }
        } else {
          tags.insert("known-1")
        }
        continue
      }
      if isHead {
        // §8.4 check 2 (phantoms) and check 4 (ownership).
        let seen = stored?.context ?? MClock()
        let new = incoming.valueDots.filter { !seen.contains($0) }
        if new.contains(where: { $0.replica != bundle.from }) {
          result.status = "refused"
          result.exit = 65
          return result
        }
        if !new.isEmpty {
          let owners = Set(
            Array((incoming.fields["office_id"] ?? [:]).values)
              + Array((stored?.fields["office_id"] ?? [:]).values))
          if owners.contains(where: { $0 != "\"\(bundle.from)\"" }) {
            result.status = "refused"
            result.exit = 77
            return result
          }
        }
      }
      let (state, outcome) = Self.join(incoming, into: stored)
      if rows.setsAside, key.hasPrefix("orders/"),
        setsAside(key, state, in: records, clock: bundle.clock)
      {
        // §2.8: another office's row is set aside, not applied.
        if stored != nil {
          records[key] = nil
          setAside.append(key)
        }
        continue
      }
      outcomes[key] = outcome
      if outcome != "unchanged" { written[key] = state }
    }
    if isHead {
      peer.dropped = peer.dropped.filter { entry in
        guard let first = entry.value else { return true }
        return first > bundle.acknowledges
      }
    } else {
      for key in bundle.dropped {
        // §8.10: only an old copy goes; a record written again since stays.
        guard let held = written[key] ?? records[key], horizon.dominates(held.context) else {
          continue
        }
        written[key] = nil
        records[key] = nil
        result.removed.append(key)
      }
      for (key, state) in written where state.isCollectable(below: horizon) {
        written[key] = nil
        records[key] = nil
        result.collectedCount += 1
      }
      for key in records.keys.sorted() where written[key] == nil {
        if records[key]!.isCollectable(below: horizon) {
          records[key] = nil
          result.collectedCount += 1
        }
      }
      collected = horizon
      if rows.setsAside {
        setAsideHeld(
          rows.scansHeld, bundle, written: &written, outcomes: &outcomes, setAside: &setAside)
      }
      result.setAside = setAside.sorted()
    }
    for key in outcomes.keys.sorted() {
      result.counts[outcomes[key]!, default: 0] += 1
      if outcomes[key] == "conflict" { result.conflicts.append(key) }
    }
    for (key, state) in written { commit(key, state) }
    peer.accepted.insert(bundle.seq)
    peer.lastSeq = max(peer.lastSeq, bundle.seq)
    peer.receivedClock = peer.receivedClock.joined(bundle.clock)
    peer.acknowledges = max(peer.acknowledges, bundle.acknowledges)
    peers[bundle.from] = peer
    result.status = "applied"
    return result
  }

  /// §8.5: the join and its outcome.
  static func join(_ incoming: MState, into stored: MState?) -> (MState, String) {
    guard let stored, stored.exists else {
      return (
        incoming,
        incoming.isConflicted ? "conflict" : (incoming.isDeleted ? "deleted" : "new")
      )
    }
    let joined = stored.joined(incoming)
    if joined == stored { return (stored, "unchanged") }
    if (joined.hasDeleteConflict && !stored.hasDeleteConflict)
      || !Set(joined.conflictedFields).isSubset(of: stored.conflictedFields)
    {
      return (joined, "conflict")
    }
    if joined.isDeleted && !stored.isDeleted { return (joined, "deleted") }
    let concurrent =
      !stored.context.dominates(incoming.context) && !incoming.context.dominates(stored.context)
    return (joined, concurrent ? "merged" : "updated")
  }

  // MARK: Head office (§8.7, §8.10)

  /// `gc`: collects every deleted record without conflict that the horizon dominates, a
  /// personal one only while ``collectsPersonal`` (`held`: the personal ones it keeps).
  ///
  /// §8.10: an office has seen what its submissions' clocks cover and the clock of the newest
  /// reply it acknowledged.
  func collectGarbage() -> (horizon: MClock, collected: [String], held: [String]) {
    var horizon = clock
    for office in peers.keys.sorted() {
      let peer = peers[office]!
      let replied = peer.sentClocks[peer.acknowledges] ?? MClock()
      horizon = horizon.met(knowledge(of: office).joined(replied))
    }
    let keys = records.keys.sorted().filter { records[$0]!.isCollectable(below: horizon) }
    let personal = collectsPersonal
    let held = keys.filter { !personal && isPersonal($0, records[$0]!) }
    let collecting = keys.filter { !held.contains($0) }
    for key in collecting { records[key] = nil }
    collected = collected.joined(horizon)
    return (horizon, collecting, held)
  }

  /// A resolution choice (§8.7).
  enum Choice {
    case take(String)
    case set([String: String])
  }

  /// `resolve collection/id --take R | --set F=V...`: a write at `hq:(clock+1)` plus its audit
  /// record `resolutions/hq-(clock+2)`.
  func resolve(_ key: String, _ choice: Choice) -> MWriteOutcome {
    guard let stored = records[key], stored.exists else { return .refused(66) }
    guard stored.isConflicted else { return .refused(65) }
    var updates: [String: String] = [:]
    var delete = false
    let summary: String
    switch choice {
    case .take(let replica):
      summary = "take \(replica)"
      var missing = false
      if stored.hasDeleteConflict {
        if let mine = stored.deleted.first(where: { $0.key.replica == replica }) {
          delete = mine.value
        } else if !stored.fields.values.contains(where: {
          $0.keys.contains { $0.replica == replica }
        }) {
          missing = true
        }
      }
      if !delete {
        for field in stored.conflictedFields {
          if let mine = stored.fields[field]!.first(where: { $0.key.replica == replica }) {
            updates[field] = mine.value
          } else {
            missing = true
          }
        }
      }
      if missing { return .refused(65) }
    case .set(let values):
      summary = "set " + values.keys.sorted().joined(separator: ",")
      if stored.conflictedFields.contains(where: { values[$0] == nil }) { return .refused(65) }
      updates = values
    }
    let dot = MDot(id, clock[id] + 1)
    var state = stored
    var chosen: [String]
    if delete {
      state.deleted = [dot: true]
      chosen = ["deleted"]
    } else {
      for (name, value) in updates { state.fields[name] = [dot: value] }
      state.deleted = [dot: false]
      chosen = Array(updates.keys)
      if stored.hasDeleteConflict { chosen.append("deleted") }
    }
    state.context.add(dot)
    let auditDot = MDot(id, dot.counter + 1)
    var audit = MState()
    let slash = key.firstIndex(of: "/")!
    let values: [String: String] = [
      "collection": "\"\(key[..<slash])\"",
      "record_id": "\"\(key[key.index(after: slash)...])\"",
      // A list (SPEC.md §2.3): the names as a JSON array, sorted.
      "fields": "[" + chosen.sorted().map { "\"\($0)\"" }.joined(separator: ",") + "]",
      "choice": "\"\(summary)\"", "decided_by": "\"\(id)\"",
      // Not predicted: compared by dot only.
      "decided_at": "*", "candidates": "*",
    ]
    for (name, value) in values { audit.fields[name] = [auditDot: value] }
    audit.deleted = [auditDot: false]
    audit.context.add(auditDot)
    commit(key, state)
    commit("resolutions/\(id)-\(auditDot.counter)", audit)
    return .written(dot)
  }
}
