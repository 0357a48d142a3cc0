import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

extension RepositoryReader {
  // MARK: Resolving conflicts

  /// Every record with an open conflict, sorted by collection and id.
  public func conflicts() throws(StoreError) -> [(
    collection: String, id: RecordID, state: RecordState
  )] {
    var result: [(String, RecordID, RecordState)] = []
    for schema in collections {
      for (id, state) in try states(schema.name, where: { $1.isConflicted }) {
        result.append((schema.name, id, state))
      }
    }
    return result
  }

  /// The records of `states` to journal, sorted by collection and id.
  static func records(_ states: [String: [RecordID: RecordState]]) -> [JournalRecord] {
    states.keys.sorted().flatMap { collection in
      states[collection]!.keys.sorted().map { id in (collection, id, states[collection]![id]!) }
    }
  }

  /// Builds a resolution of `state`: the resolved state (dot `counter`) and its audit record
  /// (dot `counter + 1`, id `<replica>-<counter + 1>`); advances `counter` past both.
  func buildResolution(
    collection: String, id: RecordID, state: RecordState, choice: ResolutionChoice,
    note: String?, rule: String?, counter: inout UInt64
  ) throws(StoreError) -> (
    resolved: RecordState, auditID: RecordID, audit: RecordState, chosen: [String: JSONValue]
  ) {
    let name = "\(collection)/\(id)"
    let resolved: RecordState
    let chosen: [String: JSONValue]
    try checkNewDot(Dot(config.replica, counter), collection, id, state)
    do {
      (resolved, chosen) = try Resolution.resolve(
        state, choice, at: Dot(config.replica, counter), name: name)
    } catch { throw StoreError(error) }
    let candidates = Resolution.candidates(state).map { candidate in
      JSONValue.object(
        JSONObject(uncheckedPairs: [
          ("field", .string(candidate.field)), ("dot", .string(candidate.dot.description)),
          ("value", candidate.value),
        ]))
    }
    counter += 1
    let auditID = RecordID(unchecked: "\(config.replica)-\(counter)")
    if let existing = try self.state(StandardCollections.resolutions.name, auditID) {
      try checkNewDot(
        Dot(config.replica, counter), StandardCollections.resolutions.name, auditID, existing)
      throw StoreError(
        .corrupt,
        "resolutions/\(auditID) already exists, but this repository's clock says event "
          + "\(config.replica):\(counter) is unused: \(Self.stateFile) is behind the records; "
          + "nothing was resolved",
        hint: Self.restoreHint, remedy: .verify)
    }
    var audit = RecordState()
    var fields: [String: JSONValue] = [
      "collection": .string(collection), "record_id": .string(id.rawValue),
      "fields": .array(
        chosen.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { .string($0) }),
      "choice": .string(choice.summary), "note": note.map { .string($0) } ?? .null,
      "decided_by": .string(config.replica.rawValue), "decided_at": .string(now().description),
      "candidates": .array(candidates),
      "rule": rule.map { .string($0) } ?? .null,
    ]
    fields = fields.filter { $0.value != .null }
    audit.write(fields, at: Dot(config.replica, counter))
    counter += 1
    // The audit record travels in replies: it must pass the checks every receiver makes.
    do {
      try Merge.checkValues(audit, schema: StandardCollections.resolutions, name: "resolution")
    } catch {
      throw StoreError(.invalidData, "\(error.message); nothing was resolved")
    }
    return (resolved, auditID, audit, chosen)
  }

  /// The valid rules in `resolution_rules`, and the record ids of any that are not valid.
  public func resolutionRules() throws(StoreError) -> (rules: [ResolutionRule], invalid: [RecordID])
  {
    var rules: [ResolutionRule] = []
    var invalid: [RecordID] = []
    for (id, state) in try states(StandardCollections.resolutionRules.name)
    where !state.isDeleted {
      if let rule = ResolutionRule(
        values: state.values, schemas: { name in try? self.schema(name) })
      {
        rules.append(rule)
      } else {
        invalid.append(id)
      }
    }
    return (rules, invalid)
  }

  /// Settles, by the remembered rules, the conflicts among `states` (head office only); the
  /// resolved states and their audit records are added to `states`.
  ///
  /// - Returns: the records resolved, with the rules used.
  func applyRules(
    to states: inout [String: [RecordID: RecordState]], rules: [ResolutionRule]
  ) throws(StoreError) -> [(collection: String, id: RecordID, rules: [String])] {
    guard config.role == .head, !rules.isEmpty else { return [] }
    var counter = lastCounter() + 1
    var resolved: [(String, RecordID, [String])] = []
    for collection in states.keys.sorted() {
      for (id, state) in states[collection]!.sorted(by: { $0.key < $1.key })
      where state.isConflicted {
        let schema = try schema(collection)
        guard
          let decision = ResolutionRule.decide(
            state, collection: collection, rules: rules, head: config.replica,
            owner: ownership.ownerReplica(of: state, in: schema))
        else { continue }
        let built = try buildResolution(
          collection: collection, id: id, state: state, choice: decision.choice,
          note: ResolutionRule.note(for: decision.rules, in: rules),
          rule: decision.rules.joined(separator: ","), counter: &counter)
        states[collection]![id] = built.resolved
        states[StandardCollections.resolutions.name, default: [:]][built.auditID] = built.audit
        resolved.append((collection, id, decision.rules))
      }
    }
    return resolved
  }
}

extension RepositoryWriter {
  /// Resolves one conflicted record at head office: an ordinary write that dominates every
  /// candidate, plus a `resolutions` record saying who chose what, when and why.
  public func resolve(
    collection: String, id: RecordID, choice: ResolutionChoice, note: String?, rule: String? = nil
  ) throws(StoreError) -> (resolutionID: RecordID, chosen: [String: JSONValue]) {
    guard config.role == .head else {
      throw StoreError(
        .notPermitted, "conflicts are resolved at head office",
        hint: "Head office's decision reaches this office in its next reply.")
    }
    let schema = try schema(collection)
    guard let state = try state(collection, id) else {
      throw StoreError(.notFound, "no record '\(id)' in '\(collection)'")
    }
    if case .set(let values) = choice {
      for (field, value) in values {
        guard schema.field(field) != nil else {
          throw StoreError(.invalidData, "'\(collection)' has no field '\(field)'")
        }
        if schema.keyFields.contains(field), state.value(field) != value {
          throw StoreError(.invalidData, "'\(field)' is part of the record id and cannot change")
        }
      }
    }
    if let note {
      do throws(ModelError) { _ = try FieldType.text.validateJSON(.string(note)) } catch {
        throw StoreError(
          .invalidData, "the note is not valid: \(error.message); nothing was resolved",
          hint: "Write the reason on one line, at most 1000 bytes.")
      }
    }
    var counter = lastCounter() + 1
    let built = try buildResolution(
      collection: collection, id: id, state: state, choice: choice, note: note, rule: rule,
      counter: &counter)
    let states: [String: [RecordID: RecordState]] = [
      collection: [id: built.resolved],
      StandardCollections.resolutions.name: [built.auditID: built.audit],
    ]
    _ = try commitTransaction(
      command: "resolve \(collection)/\(id) (\(choice.summary))", note: note,
      records: Self.records(states), states: states)
    return (built.auditID, built.chosen)
  }

  /// Settles every open conflict that the remembered rules decide (head office), in one
  /// transaction.
  ///
  /// - Returns: the records resolved, with the rules used.
  public func settleByRules() throws(StoreError) -> [(
    collection: String, id: RecordID, rules: [String]
  )] {
    guard config.role == .head else {
      throw StoreError(.notPermitted, "conflicts are resolved at head office")
    }
    var states: [String: [RecordID: RecordState]] = [:]
    for conflict in try conflicts() {
      states[conflict.collection, default: [:]][conflict.id] = conflict.state
    }
    let settled = try applyRules(to: &states, rules: resolutionRules().rules)
    guard !settled.isEmpty else { return [] }
    var changed: [String: [RecordID: RecordState]] = [:]
    for entry in settled {
      changed[entry.collection, default: [:]][entry.id] = states[entry.collection]![entry.id]
    }
    changed[StandardCollections.resolutions.name] = states[StandardCollections.resolutions.name]
    _ = try commitTransaction(
      command: "rules apply (\(settled.count) conflict(s))", records: Self.records(changed),
      states: changed)
    return settled
  }
}

extension StoreError: SyncRefusalConvertible {
  /// Maps a sync refusal to a store error (and so to an exit status).
  ///
  /// `invalid` becomes ``Code/invalidData``; `authentication` and `notPermitted` become
  /// ``Code/notPermitted``. Message, hint and remedy are kept.
  public init(_ error: SyncError) {
    switch error.code {
    case .invalid:
      self.init(.invalidData, error.message, hint: error.hint, remedy: error.remedy)
    case .authentication, .notPermitted:
      self.init(.notPermitted, error.message, hint: error.hint, remedy: error.remedy)
    }
  }
}
