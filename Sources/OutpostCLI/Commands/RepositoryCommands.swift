import Outpost
import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

extension Commands {
  /// Prints a versioned JSON document (sorted keys, indented).
  static func printJSON(_ context: Context, _ kind: String, _ members: [(String, JSONValue)]) {
    let document = JSONValue.object(
      JSONObject(uncheckedPairs: [("format", .string(kind))] + members))
    context.console.out(String(decoding: JSONWriter.prettyBytes(document), as: UTF8.self))
  }

  static func number(_ value: Int) -> JSONValue { .number(JSONNumber(integer: Int64(value))) }

  static func initRepository(_ context: Context) throws {
    guard let office = context.invocation.value("office") else {
      throw CLIError(
        .usage, "missing required option '--office ID'",
        hint: HelpText.usage(context.invocation.command))
    }
    let role: RepositoryRole = context.invocation.flag("head") ? .head : .branch
    let keyFile = context.invocation.value("key")
    if keyFile != nil && role == .head {
      throw CLIError(.usage, "--key is for branch repositories; head office issues keys")
    }
    let key = try keyFile.map { try readKeyFile(context, $0) }
    do {
      _ = try Repository.create(
        at: context.repositoryPath, office: office, role: role,
        key: key.map { ($0, keyFile ?? "") }, fileSystem: context.fileSystem,
        now: context.now)
    } catch { throw CLIError(error) }
    if context.format() == .json {
      printJSON(
        context, "outpost-init/1",
        [
          ("office", .string(office)), ("role", .string(role.rawValue)),
          ("path", .string(context.repositoryPath)),
        ])
    } else {
      let what = role == .head ? "head office repository" : "branch repository"
      context.console.out("Created \(what) '\(office)' in \(context.repositoryPath)\n")
    }
  }

  static func status(_ context: Context) throws {
    let repository = try context.openReader()
    let rows: [(String, Int, Int, Int)]
    do {
      rows = try repository.recordCounts().map {
        ($0.collection, $0.live, $0.deleted, $0.conflicted)
      }
    } catch { throw CLIError(error) }
    let last = try? repository.transactions().last
    let peers: [PeerState]
    do { peers = try repository.peers() } catch { throw CLIError(error) }
    if context.format() == .json {
      let collections = JSONValue.object(
        JSONObject(
          uncheckedPairs: rows.map { row in
            (
              row.0,
              .object(
                JSONObject(uncheckedPairs: [
                  ("records", number(row.1)), ("deleted", number(row.2)),
                  ("conflicted", number(row.3)),
                ]))
            )
          }))
      printJSON(
        context, "outpost-status/1",
        [
          ("office", .string(repository.config.replica.rawValue)),
          ("role", .string(repository.config.role.rawValue)), ("collections", collections),
          ("transactions", number(Int(last?.number ?? 0))),
          ("peers", .array(peers.map(peerJSON))),
          ("last_change", last.map { .string($0.at.text) } ?? .null),
          (
            "clock",
            .object(
              JSONObject(
                uncheckedPairs: repository.clock.entries.map {
                  ($0.replica.rawValue, .number(JSONNumber(integer: Int64($0.counter))))
                }))
          ),
        ])
      return
    }
    let role = repository.config.role == .head ? "head office" : "branch office"
    var text = "Office \(repository.config.replica) (\(role)) at \(repository.path)\n"
    if let last {
      text += "Last change: transaction \(last.number) at \(last.at.text) (\(last.command))\n"
    }
    text +=
      "\n" + "collection".padding(20) + "records".leftPadded(9) + "deleted".leftPadded(9)
      + "conflicts".leftPadded(11) + "\n"
    for row in rows where row.1 + row.2 > 0 {
      text +=
        row.0.padding(20) + String(row.1).leftPadded(9) + String(row.2).leftPadded(9)
        + String(row.3).leftPadded(11) + "\n"
    }
    if rows.allSatisfy({ $0.1 + $0.2 == 0 }) { text += "(no records yet; try 'outpost import')\n" }
    text += peersText(peers, role: repository.config.role)
    context.console.out(text)
  }

  static func peerJSON(_ peer: PeerState) -> JSONValue {
    .object(
      JSONObject(uncheckedPairs: [
        ("peer", .string(peer.peer.rawValue)), ("key_id", .string(peer.keyID)),
        ("revoked", .bool(peer.revoked)), ("enrolled_at", .string(peer.enrolledAt.description)),
        ("received_seq", number(Int(peer.received.lastSeq))),
        ("received_at", peer.received.at.map { .string($0.description) } ?? .null),
        ("sent_seq", number(Int(peer.sent.lastSeq))),
        ("sent_at", peer.sent.at.map { .string($0.description) } ?? .null),
        ("acknowledged_seq", number(Int(peer.received.acknowledges))),
        ("clock", peer.received.clock.json),
      ]))
  }

  /// The offices (at head office) or head office (at a branch) and how current each is.
  static func peersText(_ peers: [PeerState], role: RepositoryRole) -> String {
    guard !peers.isEmpty else {
      return role == .head
        ? "\nNo offices enrolled yet (outpost office add ID --key-out FILE).\n"
        : "\nNot enrolled with head office (outpost init --office ID --key FILE).\n"
    }
    let (incoming, outgoing) = role == .head ? ("submission", "reply") : ("reply", "submission")
    var text =
      "\n" + (role == .head ? "office" : "head").padding(10) + "last \(incoming)".padding(37)
      + "last \(outgoing)".padding(24) + "they applied\n"
    for peer in peers {
      let received =
        peer.received.lastSeq == 0
        ? "none yet" : "seq \(peer.received.lastSeq) at \(peer.received.at.text)"
      let sent = peer.sent.lastSeq == 0 ? "none yet" : "seq \(peer.sent.lastSeq)"
      let applied =
        peer.received.acknowledges == 0 ? "-" : "\(outgoing) \(peer.received.acknowledges)"
      text +=
        peer.peer.rawValue.padding(10) + received.padding(37) + sent.padding(24) + applied
        + (peer.revoked ? "  (key revoked)" : "") + "\n"
    }
    return text
  }

  static func log(_ context: Context) throws {
    let repository = try context.openReader()
    var transactions: [TransactionInfo]
    do { transactions = try repository.transactions() } catch { throw CLIError(error) }
    transactions.reverse()
    if let limitText = context.invocation.value("limit") {
      guard let limit = Int(limitText), limit > 0 else {
        throw CLIError(.usage, "'--limit' must be a positive whole number (got '\(limitText)')")
      }
      transactions = Array(transactions.prefix(limit))
    }
    if context.format() == .json {
      printJSON(
        context, "outpost-log/1",
        [
          (
            "transactions",
            .array(
              transactions.map { t in
                .object(
                  JSONObject(uncheckedPairs: [
                    ("txn", number(Int(t.number))), ("at", .string(t.at.text)),
                    ("actor", .string(t.actor)),
                    ("command", .string(t.command)), ("changes", number(t.changes)),
                    ("note", t.note.map { .string($0) } ?? .null),
                  ]))
              })
          )
        ])
      return
    }
    for t in transactions {
      context.console.out(
        "txn \(t.number)  \(t.at.text)  \(t.actor)  \(t.changes) change(s)  \(t.command)\n"
          + (t.note.map { "    note: \($0)\n" } ?? ""))
    }
  }

  static func verify(_ context: Context) throws {
    let repository = try context.openReader()
    let report = repository.verify()
    if context.format() == .json {
      printJSON(
        context, "outpost-verify/1",
        [
          ("ok", .bool(report.isClean)), ("problems", .array(report.problems.map { .string($0) })),
          ("notes", .array(report.notes.map { .string($0) })),
          ("transactions", number(report.transactions)), ("records", number(report.records)),
        ])
    } else {
      for note in report.notes { context.console.out("note: \(note)\n") }
      for problem in report.problems { context.console.out("problem: \(problem)\n") }
      if report.isClean {
        context.console.out(
          "ok: \(report.transactions) transaction(s) and \(report.records) record(s) verified\n")
      }
    }
    if !report.isClean {
      throw CLIError(
        .dataError, "verify found \(report.problems.count) problem(s) in \(repository.path)",
        hint: "Restore the damaged files from a backup or another replica; nothing was changed.")
    }
  }

  static func listCollections(_ context: Context) throws {
    let repository = try context.openReader()
    if context.format() == .json {
      printJSON(
        context, "outpost-collections/1",
        [
          (
            "collections",
            .array(
              repository.collections.map { schema in
                .object(
                  JSONObject(uncheckedPairs: [
                    ("name", .string(schema.name)), ("owner", .string(schema.ownership.rawValue)),
                    ("columns", .array(schema.columns.map { .string($0) })),
                    ("summary", .string(schema.summary)),
                  ]))
              })
          )
        ])
      return
    }
    for schema in repository.collections {
      context.console.out("\(schema.name.padding(18))\(schema.summary)\n")
      context.console.out("  columns: \(schema.columns.joined(separator: ", "))\n")
    }
  }
}

extension String {
  func leftPadded(_ width: Int) -> String {
    count >= width ? " " + self : String(repeating: " ", count: width - count) + self
  }
}
