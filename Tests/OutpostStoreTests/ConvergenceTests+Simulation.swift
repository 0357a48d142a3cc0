import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport

/// One schedule's world: the offices, the carrier's bundles, the write history and the trace.
///
/// Every operation goes through the real ``RepositoryWriter`` API; the simulation only decides what
/// to do next (from its seeded generator), carries bundles, and checks the outcome.
final class Simulation {
  static let branchNames = ["north", "east", "south", "west", "central"]
  static let orderFields = [
    "customer_id", "channel_id", "order_date", "quantity", "amount", "status",
  ]
  static let channelFields = ["name_zh", "name_en", "is_web", "is_paid"]

  var random: SplitMix64
  let replicas: [Replica]
  var hq: Replica { replicas[0] }
  var branches: ArraySlice<Replica> { replicas.dropFirst() }
  var inFlight: [Parcel] = []
  var archive: [Parcel] = []
  var events: [Event] = []
  var eventsByKey: [RecordKey: [Int]] = [:]
  var trace: [String] = []
  var stepNumber = 0
  var nextRecord = 0
  /// How often each kind of event happened.
  var coverage: [String: Int] = [:]

  func tally(_ kind: String) { coverage[kind, default: 0] += 1 }

  /// A world copied from the template with `branchCount` branches.
  init(seed: UInt64, branchCount: Int) throws {
    random = SplitMix64(seed: seed)
    let template = try Template.with(branchCount: branchCount)
    var replicas: [Replica] = []
    for office in template.offices {
      let fileSystem = office.fileSystem.copy()
      let repository = try openRepository(fileSystem, known: office.contexts.keys)
      let replica = Replica(
        id: office.id, isHead: office.isHead, fileSystem: fileSystem, repository: repository)
      replica.contexts = office.contexts
      replica.clock = office.clock
      replica.applied = office.applied
      replica.sentSeq = office.sentSeq
      replicas.append(replica)
    }
    self.replicas = replicas
    archive = template.archive
    for event in template.events {
      eventsByKey[event.key, default: []].append(events.count)
      events.append(event)
    }
    nextRecord = template.nextRecord
    trace.append(
      "setup: hq and \(branchCount) branches (\(replicas.map(\.id.rawValue))), "
        + "\(events.count) shared writes")
  }

  /// A world of brand-new repositories.
  private init(fresh branchCount: Int) throws {
    random = SplitMix64(seed: UInt64(branchCount))
    let hqID = ReplicaID(unchecked: "hq")
    let hqFS = MemoryFileSystem()
    let hqRepository = try RepositoryWriter.create(
      at: root, replica: hqID, role: .head, fileSystem: hqFS, now: now)
    hqRepository.caches = [StateDigestCache()]
    var replicas = [Replica(id: hqID, isHead: true, fileSystem: hqFS, repository: hqRepository)]
    for name in Self.branchNames.prefix(branchCount) {
      let id = ReplicaID(unchecked: name)
      let key = try hqRepository.enroll(id)
      let fileSystem = MemoryFileSystem()
      let repository = try RepositoryWriter.create(
        at: root, replica: id, role: .branch, fileSystem: fileSystem, now: now)
      repository.caches = [StateDigestCache()]
      try repository.installKey(key)
      replicas.append(
        Replica(id: id, isHead: false, fileSystem: fileSystem, repository: repository))
    }
    self.replicas = replicas
  }

  /// Builds the shared starting point (see ``Template``).
  static func makeTemplate(branchCount: Int) throws -> Template {
    let world = try Simulation(fresh: branchCount)
    for branch in world.branches {
      for _ in 0..<2 {
        world.nextRecord += 1
        let id = RecordID(unchecked: "\(branch.id)-\(world.nextRecord)")
        _ = try world.perform(
          branch,
          .commit([
            .put(collection: "orders", id: id, fields: newOrder(branch.id, world.nextRecord))
          ]))
      }
      try world.deliverNow(try world.bundle(from: branch, to: world.hq))
    }
    // Every office's rows travel at first (as at an office that held them all before the
    // default became own_office); schedules narrow and widen the policy (switchRowsPolicy).
    _ = try world.perform(
      world.hq,
      .commit([.put(collection: "policies", id: rowsPolicy.id, fields: policy("all_offices"))]))
    world.nextRecord += 1
    _ = try world.perform(
      world.hq,
      .commit([
        .put(
          collection: "channels", id: RecordID(unchecked: "ch-\(world.nextRecord)"),
          fields: [
            "name_zh": .string("搜索"), "name_en": .string("Search"), "is_web": .bool(true),
            "is_paid": .bool(true),
          ])
      ]))
    for branch in world.branches {
      try world.deliverNow(try world.bundle(from: world.hq, to: branch))
    }
    for replica in world.replicas {
      try world.checkReplica(replica)
      replica.repository.close()
      // Creating a repository syncs what it must inside it, not the folder holding it.
      replica.fileSystem.makeDurable()
    }
    return Template(
      offices: world.replicas.map {
        Template.Office(
          id: $0.id, isHead: $0.isHead, fileSystem: $0.fileSystem, contexts: $0.contexts,
          clock: $0.clock, applied: $0.applied, sentSeq: $0.sentSeq)
      }, events: world.events, archive: world.archive, nextRecord: world.nextRecord)
  }

  // MARK: Randomness

  func next(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
  func chance(_ percent: Int) -> Bool { next(100) < percent }
  func pick<C: Collection>(_ items: C) -> C.Element {
    items[items.index(items.startIndex, offsetBy: next(items.count))]
  }

  func replica(_ id: ReplicaID) -> Replica { replicas.first { $0.id == id }! }

  func log(_ text: String) { trace.append("\(stepNumber): \(text)") }

  // MARK: Values

  static func count(_ value: Int) -> JSONValue { .number(JSONNumber(integer: Int64(value))) }

  func orderValue(_ field: String) -> JSONValue {
    switch field {
    case "customer_id": return .string(pick(["c-1", "c-2", "c-3"]))
    case "channel_id": return .string(pick(["sem", "seo", "social"]))
    case "order_date": return .string(pick(["2025-03-01", "2025-03-02"]))
    case "quantity": return Self.count(1 + next(3))
    case "amount": return .string(pick(["10.00", "20.00", "35.50"]))
    default: return .string(pick(["confirmed", "cancelled"]))
    }
  }

  func channelValue(_ field: String) -> JSONValue {
    switch field {
    case "name_zh": return .string(pick(["搜索", "社交"]))
    case "name_en": return pick([JSONValue.string("Search"), .string("Social"), .null])
    default: return .bool(chance(50))
    }
  }

  static func newOrder(_ office: ReplicaID, _ n: Int) -> [String: JSONValue] {
    [
      "office_id": .string(office.rawValue), "customer_id": .string("c-\(n % 3)"),
      "channel_id": .string("sem"), "order_date": .string("2025-03-01"),
      "quantity": count(1), "amount": .string("10.00"), "status": .string("confirmed"),
    ]
  }

  /// The fields a write to `state` sends: writing a deleted record re-creates it, and a
  /// re-created record holds only what is written, so it must be whole (as `outpost put` and
  /// `import` require; SPEC.md §8.4 refuses a partial record at merge).
  func whole(_ fields: [String: JSONValue], over state: RecordState?, office: ReplicaID)
    -> [String: JSONValue]
  {
    guard let state, state.isDeleted else { return fields }
    nextRecord += 1
    let owner = state.fields["office_id"]?.first?.value.stringValue.flatMap { try? ReplicaID($0) }
    return Self.newOrder(owner ?? office, nextRecord).merging(fields) { $1 }
  }

  func someFields(_ names: [String], _ value: (String) -> JSONValue) -> [String: JSONValue] {
    var fields: [String: JSONValue] = [:]
    // Favour amount and status so that concurrent same-field writes are common.
    let favoured = names.count > 4 ? ["amount", "status"] : names
    for _ in 0..<(1 + next(2)) {
      let name = chance(60) ? pick(favoured) : pick(names)
      fields[name] = value(name)
    }
    return fields
  }

  // MARK: Random steps

  /// Runs `count` random steps (docs/reliability.md §5 family 6's step kinds).
  func runRandomSteps(_ count: Int, crashes: Bool = true) throws {
    for _ in 0..<count {
      stepNumber += 1
      let roll = next(100)
      switch roll {
      case 0..<11: try branchEdit(pick(branches))
      case 11..<16: try switchRowsPolicy()
      case 16..<22: try hqEdit()
      case 22..<34: try concurrentEdits()
      case 34..<44:
        let branch = pick(branches)
        inFlight.append(try bundle(from: branch, to: hq))
        tally("submit")
      case 44..<52:
        inFlight.append(try bundle(from: hq, to: pick(branches)))
        tally("reply")
      case 52..<67: try deliver()
      case 67..<70:
        if !inFlight.isEmpty {
          let parcel = inFlight.remove(at: next(inFlight.count))
          log("carrier drops #\(parcel.number) \(parcel.name)")
          tally("drop")
        }
      case 70..<73:
        if !inFlight.isEmpty {
          let parcel = pick(inFlight)
          inFlight.append(parcel)
          log("carrier duplicates #\(parcel.number) \(parcel.name)")
          tally("duplicate")
        }
      case 73..<75:
        if inFlight.count > 1 {
          shuffle(&inFlight)
          log("carrier reorders \(inFlight.count) bundles")
          tally("reorder")
        }
      case 75..<79: try replay()
      case 79..<84: try corrupt()
      case 84..<91: try resolveOne()
      default:
        if crashes { try crashAndReopen() } else { try branchEdit(pick(branches)) }
      }
    }
  }

  func shuffle<T>(_ items: inout [T]) {
    guard items.count > 1 else { return }
    for index in stride(from: items.count - 1, to: 0, by: -1) {
      items.swapAt(index, next(index + 1))
    }
  }

  /// The orders a branch may write: those whose every `office_id` value is its own.
  func ownOrders(_ branch: Replica) throws -> [(id: RecordID, state: RecordState)] {
    let mine = JSONValue.string(branch.id.rawValue)
    return try branch.repository.states("orders").filter { entry in
      // A plain write may not settle an open conflict (SPEC.md §8.7): only head office's
      // resolutions touch conflicted records.
      guard !entry.state.isConflicted else { return false }
      guard let owners = entry.state.fields["office_id"], !owners.isEmpty else { return false }
      return owners.allSatisfy { $0.value == mine }
    }
  }

  func branchChanges(_ branch: Replica) throws -> [RecordChange] {
    var changes: [RecordChange] = []
    var used: Set<RecordID> = []
    for _ in 0..<(chance(15) ? 2 : 1) {
      let own = try ownOrders(branch).filter { !used.contains($0.id) }
      if own.isEmpty || chance(12) {
        nextRecord += 1
        let id = RecordID(unchecked: "\(branch.id)-\(nextRecord)")
        used.insert(id)
        changes.append(
          .put(collection: "orders", id: id, fields: Self.newOrder(branch.id, nextRecord)))
        continue
      }
      let (id, state) = pick(own)
      used.insert(id)
      if !state.isDeleted && chance(15) {
        changes.append(.delete(collection: "orders", id: id))
      } else {
        var fields = someFields(Self.orderFields, orderValue)
        fields["office_id"] = .string(branch.id.rawValue)
        changes.append(
          .put(
            collection: "orders", id: id, fields: whole(fields, over: state, office: branch.id)))
      }
    }
    return changes
  }

  func branchEdit(_ branch: Replica) throws {
    let changes = try branchChanges(branch)
    _ = try perform(branch, .commit(changes))
    tally("edit")
    if changes.contains(where: { if case .delete = $0 { true } else { false } }) { tally("delete") }
  }

  /// A branch and head office write one field of the same record (or one deletes it) before
  /// either has heard of the other's write: a concurrent pair, unless the values are equal.
  func concurrentEdits() throws {
    var order = Array(branches)
    shuffle(&order)
    for branch in order {
      let shared = try ownOrders(branch).filter {
        guard let atHQ = try hq.repository.state("orders", $0.id) else { return false }
        return !atHQ.isConflicted
      }
      guard !shared.isEmpty else { continue }
      let (id, state) = pick(shared)
      let field = pick(["amount", "status", "quantity"])
      let branchChange: RecordChange =
        !state.isDeleted && chance(12)
        ? .delete(collection: "orders", id: id)
        : .put(
          collection: "orders", id: id,
          fields: whole(
            [field: orderValue(field), "office_id": .string(branch.id.rawValue)], over: state,
            office: branch.id))
      _ = try perform(branch, .commit([branchChange]))
      let atHQ = try hq.repository.state("orders", id)!
      let hqChange: RecordChange =
        !atHQ.isDeleted && chance(10)
        ? .delete(collection: "orders", id: id)
        : .put(
          collection: "orders", id: id,
          fields: whole([field: orderValue(field)], over: atHQ, office: branch.id))
      _ = try perform(hq, .commit([hqChange]))
      tally("concurrent edits")
      return
    }
    try branchEdit(pick(branches))
  }

  func hqChanges() throws -> [RecordChange] {
    let orders = try hq.repository.states("orders").filter { !$0.state.isConflicted }
    let channels = try hq.repository.states("channels").filter { !$0.state.isConflicted }
    switch next(10) {
    case 0..<5 where !orders.isEmpty:
      let (id, state) = pick(orders)
      return [
        .put(
          collection: "orders", id: id,
          fields: whole(
            someFields(Self.orderFields, orderValue), over: state, office: pick(branches).id))
      ]
    case 5 where !orders.isEmpty:
      let live = orders.filter { !$0.state.isDeleted }
      guard !live.isEmpty else { break }
      return [.delete(collection: "orders", id: pick(live).id)]
    case 6:
      nextRecord += 1
      let office = pick(branches).id
      return [
        .put(
          collection: "orders", id: RecordID(unchecked: "hq-\(nextRecord)"),
          fields: Self.newOrder(office, nextRecord))
      ]
    default: break
    }
    if channels.isEmpty || chance(25) {
      nextRecord += 1
      var fields: [String: JSONValue] = [:]
      for name in Self.channelFields { fields[name] = channelValue(name) }
      return [
        .put(collection: "channels", id: RecordID(unchecked: "ch-\(nextRecord)"), fields: fields)
      ]
    }
    let (id, state) = pick(channels)
    if !state.isDeleted && chance(15) { return [.delete(collection: "channels", id: id)] }
    var fields = someFields(Self.channelFields, channelValue)
    if state.isDeleted {
      // Re-creating a deleted record needs every required field (see `whole`).
      for name in Self.channelFields where fields[name] == nil { fields[name] = channelValue(name) }
    }
    return [.put(collection: "channels", id: id, fields: fields)]
  }

  func hqEdit() throws {
    _ = try perform(hq, .commit(try hqChanges()))
    tally("head office edit")
  }

  /// Makes a bundle (submission or reply) and returns it as a parcel; it travels only if the
  /// caller puts it in the carrier's hands.
  func bundle(from sender: Replica, to receiver: Replica) throws -> Parcel {
    let outcome = try perform(sender, .bundle(for: receiver.id))
    return archive.last { $0.hash == outcome.made!.hash }!
  }

  func deliver() throws {
    guard !inFlight.isEmpty else { return }
    try deliverNow(inFlight.remove(at: next(inFlight.count)))
    tally("deliver")
  }

  func deliverNow(_ parcel: Parcel) throws {
    _ = try perform(replica(parcel.to), .apply(parcel))
  }

  /// Delivers again a bundle delivered or lost long ago (docs/reliability.md §3 replay).
  func replay() throws {
    guard !archive.isEmpty else { return }
    let parcel = pick(archive)
    log("carrier replays #\(parcel.number)")
    try deliverNow(parcel)
    tally("replay")
  }

  /// Damages a bundle in transit, or hands it to the wrong office: it must be refused and the
  /// repository left byte-identical (docs/reliability.md §4 rows 2–4, 37).
  func corrupt() throws {
    guard !archive.isEmpty else { return }
    let parcel = pick(archive)
    var bytes = parcel.bytes
    var target = replica(parcel.to)
    let how: String
    switch next(5) {
    case 0:
      let index = next(bytes.count)
      bytes[index] ^= UInt8(1 << next(8))
      how = "flips a bit of byte \(index) of"
    case 1:
      bytes = Array(bytes.prefix(next(bytes.count)))
      how = "truncates to \(bytes.count) bytes"
    case 2:
      bytes += (0..<(1 + next(20))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      how = "appends bytes to"
    case 3:
      let other = pick(archive)
      let (header, payload) = Self.split(parcel.bytes)
      let otherPayload = Self.split(other.bytes).payload
      if payload != otherPayload {
        bytes = header + otherPayload
        how = "splices the payload of #\(other.number) into"
      } else {
        bytes[bytes.count - 1] ^= 0x20
        how = "flips the last byte of"
      }
    default:
      let wrong = replicas.filter { $0.id != parcel.to }
      target = pick(wrong)
      how = "hands to \(target.id)"
      tally("misdelivered")
    }
    tally("corrupt")
    log("carrier \(how) #\(parcel.number) \(parcel.name)")
    let before = target.fileSystem.snapshot()
    do {
      _ = try target.repository.applyBundle(bytes, name: "damaged.bundle")
      throw InvariantFailure(
        description:
          "docs/reliability.md §4: a damaged or misdelivered bundle was applied at \(target.id)")
    } catch is StoreError {}
    try require(
      target.fileSystem.snapshot() == before,
      "docs/reliability.md §4: refusing a damaged bundle changed \(target.id)'s repository")
  }

  /// The manifest and MAC lines, and the payload.
  static func split(_ bytes: [UInt8]) -> (header: [UInt8], payload: [UInt8]) {
    guard let first = bytes.firstIndex(of: 10),
      let second = bytes[(first + 1)...].firstIndex(of: 10)
    else { return (bytes, []) }
    return (Array(bytes[...second]), Array(bytes[(second + 1)...]))
  }

  /// A choice that settles every conflict of `state`: take a replica that wrote a candidate in
  /// every conflicted register, or set values.
  func choice(for key: RecordKey, _ state: RecordState) -> ResolutionChoice {
    var registers: [[Versioned]] = state.conflictedFields.map { state.fields[$0]! }
    if state.hasDeleteConflict { registers.append(state.deleted) }
    let writers = Set(registers.flatMap { $0.map(\.dot.replica) }).sorted()
    let complete = writers.filter { writer in
      registers.allSatisfy { $0.contains { $0.dot.replica == writer } }
    }
    if !complete.isEmpty && chance(70) { return .take(pick(complete)) }
    var values: [String: JSONValue] = [:]
    for field in state.conflictedFields {
      values[field] = key.collection == "orders" ? orderValue(field) : channelValue(field)
    }
    if values.isEmpty {
      let field = key.collection == "orders" ? "amount" : "name_en"
      values[field] = key.collection == "orders" ? orderValue(field) : channelValue(field)
    }
    return .set(values)
  }

  func resolveOne() throws {
    let open = try hq.repository.conflicts()
    guard !open.isEmpty else { return }
    let (collection, id, state) = pick(open)
    let key = RecordKey(collection: collection, id: id)
    _ = try perform(hq, .resolve(key, choice(for: key, state)))
    tally("resolve")
  }
}
