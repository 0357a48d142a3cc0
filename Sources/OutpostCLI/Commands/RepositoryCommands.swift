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

  /// `init`.
  struct InitCommand: Command {
    static let name = "init"
    static let abstract = "Create a repository for a branch office (or head office with --head)."
    static let discussion =
      "Creates the repository in --repo DIR (default: the current folder), which must "
      + "not exist or be empty."
    static let examples = [
      "outpost init --office north --repo north", "outpost init --office hq --head --repo hq",
    ]

    struct Options: CommandOptions {
      /// Required: the default is never used.
      var office = ReplicaID(unchecked: "")
      var head = false
      var key: String?

      static let options: [OptionBinding<Self>] = [
        .option(
          "office", "ID", \.office, required: true,
          help: "This replica's office id (north, east, hq, ...). Required.",
          parse: replicaArgument),
        .flag("head", \.head, help: "Create head office's repository."),
        .option(
          "key", "FILE", \.key,
          help: "The key file head office issued to this office ('outpost office add')."),
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let office = options.office.rawValue
      let role: RepositoryRole = options.head ? .head : .branch
      let keyFile = options.key
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
  }

  /// `status`.
  struct StatusCommand: Command {
    static let name = "status"
    static let abstract = "Show the repository's office, records per collection and last change."

    static func run(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      let rows: [(String, Int, Int, Int)]
      do {
        rows = try repository.recordCounts().map {
          ($0.collection, $0.counts.live, $0.counts.deleted, $0.counts.conflicted)
        }
      } catch { throw CLIError(error) }
      let last: TransactionInfo?
      do { last = try repository.lastTransaction() } catch { throw CLIError(error) }
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
      if rows.allSatisfy({ $0.1 + $0.2 == 0 }) {
        text += "(no records yet; try 'outpost import')\n"
      }
      text += peersText(peers, role: repository.config.role)
      context.console.out(text)
    }
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

  /// `log`.
  struct LogCommand: Command {
    static let name = "log"
    static let abstract = "Show committed transactions, newest first."
    static let discussion =
      "Each transaction with its time, office, count of records changed, command "
      + "and note (--note of put, delete, import and resolve). One record's writes, field by "
      + "field: outpost history COLLECTION/ID."
    static let examples = ["outpost log --limit 10 --repo hq"]

    struct Options: CommandOptions {
      var limit: Int?

      static let options: [OptionBinding<Self>] = [
        .option("limit", "N", \.limit, positive: true, help: "Show at most N transactions.")
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      var transactions: [TransactionInfo]
      do { transactions = try repository.transactions() } catch { throw CLIError(error) }
      transactions.reverse()
      if let limit = options.limit { transactions = Array(transactions.prefix(limit)) }
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
  }

  /// `verify`.
  struct VerifyCommand: Command {
    static let name = "verify"
    static let abstract = "Check every checksum, the journal chain and every record file."
    static let discussion =
      "Reads only. Exits 0 when the repository is sound, 65 when a problem was found; "
      + "each problem names its file (and line)."

    static func run(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      let report = Repository.verify(repository)
      if context.format() == .json {
        printJSON(
          context, "outpost-verify/1",
          [
            ("ok", .bool(report.isClean)),
            ("problems", .array(report.problems.map { .string($0) })),
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
  }

  /// `collections [COLLECTION]`.
  struct CollectionsCommand: Command {
    static let name = "collections"
    static let abstract = "List the collections and their fields: labels, types, what each needs."
    static let arguments = ["[collection]"]
    static let arity: (min: Int, max: Int?) = (0, 1)
    static let discussion =
      "For each collection: who writes it and how a record's id is formed; then one line per "
      + "column (the id column first, then the fields, the order of an import file): its name, "
      + "its Chinese and English labels (an import header may use either), its type, whether "
      + "it is required or may be empty, whether it is the id or a key field, and what a cell "
      + "must look like (an enum's values, a date's format, a maximum). Name a collection to "
      + "see only that one. 'outpost template COLLECTION' writes a CSV to fill in. JSON: "
      + "outpost-collections/1 (SPEC.md §3.7)."
    static let examples = [
      "outpost collections", "outpost collections orders",
      "outpost collections channel_daily --format json",
    ]

    static func run(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      let schemas =
        try context.arguments.first.map { [try schema(repository, $0)] }
        ?? repository.collections
      if context.format() == .json {
        printJSON(
          context, "outpost-collections/1",
          [("collections", .array(schemas.map { FieldReference.json($0) }))])
        return
      }
      context.console.out(schemas.map(FieldReference.text).joined(separator: "\n"))
    }
  }
}

extension String {
  func leftPadded(_ width: Int) -> String {
    count >= width ? " " + self : String(repeating: " ", count: width - count) + self
  }
}
