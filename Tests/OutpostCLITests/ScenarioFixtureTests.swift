import Foundation
import OutpostCLI
import OutpostTestSupport
import Testing

/// SPEC.md §8 through the hand-made scenarios of fixtures/scenarios/.
///
/// fixtures/README.md ("scenarios") lists them; tools/fixtures/make_scenarios.sh makes them.
/// Each scenario's steps.tsv is replayed through the CLI in-process against a copy of its
/// committed head office (enrolled, no records) and north's key file: every step must give the
/// recorded exit status, standard output and standard error, and every bundle a step writes must
/// be byte-identical to the committed one, so the merges and receives below read exactly the
/// committed bundles. Nothing here reads a record file.
@Suite(.serialized)
struct ScenarioFixtureTests {
  /// fixtures/scenarios/, found from this source file (Tests/OutpostCLITests/ → the package
  /// root).
  static let folder: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/scenarios").path

  static let scenarios = [
    "submission-basic", "conflict-same-field", "edit-vs-delete", "different-fields",
    "replay-and-tamper",
  ]

  /// One line of steps.tsv: a name, the exit status (`-` for the `@` actions), the clock, and
  /// the arguments.
  struct Step {
    var name: String
    var exit: Int32?
    var now: String
    var arguments: [String]
  }

  /// A command's exit status and what it printed.
  struct Outcome {
    var status: Int32
    var output: String
    var errors: String
  }

  /// A replayed scenario: its temporary folder and each command step's result by step name.
  struct Replay {
    var directory: TemporaryDirectory
    var results: [String: Outcome]

    /// The result of one step; a missing step fails the test.
    subscript(_ name: String) -> Outcome {
      if let result = results[name] { return result }
      Issue.record("no step \(name)")
      return Outcome(status: -1, output: "", errors: "")
    }
  }

  static func read(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
  }

  static func text(_ path: String) -> String? {
    read(path).map { String(decoding: $0, as: UTF8.self) }
  }

  static func steps(_ scenario: String) -> [Step] {
    guard let text = text(folder + "/" + scenario + "/steps.tsv") else { return [] }
    return text.split(separator: "\n").map { line in
      let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      return Step(
        name: columns[0], exit: Int32(columns[1]), now: columns[2],
        arguments: Array(columns.dropFirst(3)))
    }
  }

  /// Runs `outpost` in-process in `directory` with `OUTPOST_NOW` = `now`.
  static func run(_ arguments: [String], now: String, in directory: String) -> Outcome {
    let console = Console()
    let status = Tool.run(
      arguments, console: console, environment: ["OUTPOST_NOW": now, "NO_COLOR": "1"],
      workingDirectory: directory)
    return Outcome(status: status, output: console.output, errors: console.errors)
  }

  /// Copies the scenario's inputs to a temporary folder, checks the committed head office with
  /// `verify`, and replays every step, comparing it with expected/.
  static func replay(_ scenario: String) throws -> Replay {
    let source = folder + "/" + scenario
    let temp = TemporaryDirectory()
    let files = FileManager.default
    try files.copyItem(atPath: source + "/hq", toPath: temp.file("hq"))
    try files.copyItem(atPath: source + "/north.key", toPath: temp.file("north.key"))
    // Head office writes key files with mode 0600; git keeps no mode (0644 here), which `init`
    // would warn of (SPEC.md §8.1).
    try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temp.file("north.key"))
    try files.copyItem(atPath: source + "/bundles", toPath: temp.file("bundles"))
    // Git keeps no empty folder; the script listed the ones a fresh repository has.
    for name in (text(source + "/empty-dirs.txt") ?? "").split(separator: "\n") {
      try files.createDirectory(
        atPath: temp.file("hq/" + name), withIntermediateDirectories: true)
    }
    let verified = run(["verify", "--repo", "hq"], now: "2025-03-01T09:00:00+08:00", in: temp.path)
    #expect(verified.status == 0, "\(scenario): committed hq: \(verified.errors)")
    #expect(
      verified.output.hasPrefix("ok: ") && verified.output.contains(" 0 record(s) verified"),
      "\(scenario): the committed head office holds no record: \(verified.output)")

    let steps = Self.steps(scenario)
    #expect(steps.count >= 10, "\(scenario): steps.tsv")
    var results: [String: Outcome] = [:]
    for step in steps {
      let arguments = step.arguments
      switch arguments.first {
      case "@copy":
        try files.copyItem(atPath: temp.file(arguments[1]), toPath: temp.file(arguments[2]))
        continue
      case "@flip":
        // The committed altered copy is the fresh bundle with exactly this one byte changed.
        var bytes = read(temp.file(arguments[1])) ?? []
        let offset = Int(arguments[3]) ?? -1
        #expect(bytes.indices.contains(offset), "\(scenario) \(step.name): offset \(offset)")
        if bytes.indices.contains(offset) { bytes[offset] ^= 1 }
        #expect(
          read(temp.file(arguments[2])) == bytes,
          "\(scenario) \(step.name): \(arguments[2]) is not \(arguments[1]) with one byte flipped"
        )
        continue
      default: break
      }
      let result = run(arguments, now: step.now, in: temp.path)
      results[step.name] = result
      let context = "\(scenario) \(step.name): outpost \(arguments.joined(separator: " "))"
      #expect(result.status == step.exit, "\(context): \(result.errors)")
      let json = arguments.contains("json")
      let expected = source + "/expected/" + step.name + (json ? ".json" : ".txt")
      let output = result.output.replacingOccurrences(of: temp.path, with: "{dir}")
      #expect(output == text(expected), "\(context): standard output")
      let errors = result.errors.replacingOccurrences(of: temp.path, with: "{dir}")
      #expect(
        errors == (text(source + "/expected/" + step.name + ".err") ?? ""),
        "\(context): standard error")
      if let index = arguments.firstIndex(of: "--out"), index + 1 < arguments.count {
        let bundle = arguments[index + 1]
        let made = read(temp.file(bundle))
        #expect(made != nil, "\(context): wrote no \(bundle)")
        #expect(
          made == read(source + "/" + bundle), "\(context): \(bundle) differs from the fixture")
      }
    }
    return Replay(directory: temp, results: results)
  }

  @Test("every scenario has its files, and expected/ holds only outputs of steps")
  func layout() throws {
    let found = try FileManager.default.contentsOfDirectory(atPath: Self.folder)
      .filter { !$0.hasPrefix(".") }
    #expect(Set(found) == Set(Self.scenarios))
    for scenario in Self.scenarios {
      let source = Self.folder + "/" + scenario
      for name in ["README.md", "steps.tsv", "empty-dirs.txt", "north.key", "hq/outpost.json"] {
        #expect(FileManager.default.fileExists(atPath: source + "/" + name), "\(scenario)/\(name)")
      }
      let names = Set(Self.steps(scenario).map(\.name))
      for file in try FileManager.default.contentsOfDirectory(atPath: source + "/expected") {
        let name = String(file.prefix { $0 != "." })
        #expect(names.contains(name), "\(scenario)/expected/\(file) belongs to no step")
      }
      let readme = Self.text(source + "/README.md") ?? ""
      #expect(readme.contains("Pins SPEC.md §"), "\(scenario)/README.md names the sections it pins")
    }
  }

  /// SPEC.md §8.2 (bundle file), §8.3 (first submission), §8.5 (`new`), §8.9 (merge output):
  /// north's first submission of two orders and a day of traffic, merged at head office.
  @Test("submission-basic: north's first submission merges as new records")
  func submissionBasic() throws {
    let run = try Self.replay("submission-basic")
    #expect(run["06-submit-1"].output.contains(#""records": 3"#))
    #expect(
      run["07-merge-dry-run"].output.hasPrefix(
        "Would merge submission 1 from 'north' (bundles/north-1.bundle): 3 new, 0 updated"))
    let merged = run["08-merge-1"].output
    #expect(merged.contains(#""status": "applied""#) && merged.contains(#""new": 3"#))
    #expect(merged.contains(#""bundles_applied": 1"#) && merged.contains(#""conflict": 0"#))
    #expect(
      run["09-list-orders"].output.contains(
        "north-o-1002,north,north-c-1002,sem,,2025-03-02,1,1450.50"))
    #expect(run["10-status-hq"].output.contains("north     seq 1 at 2025-03-03T10:00:00+08:00"))
    #expect(run["11-conflicts-none"].output == "No open conflicts.\n")
    #expect(run["12-verify-hq-after"].output == "ok: 3 transaction(s) and 3 record(s) verified\n")
  }

  /// SPEC.md §5.3 (a field conflict), §8.5 (`conflict`), §8.7 (conflicts, resolve --take, the
  /// write refused while open), §8.6 and §8.9 (the reply; north learns its edit lost and who
  /// decided).
  @Test("conflict-same-field: one conflict, resolved by head office, explained to north")
  func conflictSameField() throws {
    let run = try Self.replay("conflict-same-field")
    let merged = run["10-merge-2"].output
    #expect(merged.contains(#""conflicts": [\#n        "orders/north-o-1002"\#n      ]"#))
    #expect(run["11-conflicts"].output.contains("orders/north-o-1002  amount  (hq vs north)"))
    let shown = run["13-conflicts-show"].output
    #expect(shown.contains("amount:  (was 2600.00, by north, arrived 2025-03-03T10:00:00+08:00"))
    #expect(
      shown.contains(
        "north    2650.00          arrived 2025-03-05T10:00:00+08:00 (merge north seq 2)"
          + "  <- shown until resolved"))
    #expect(run["16-put-refused"].status == 65)
    #expect(run["16-put-refused"].errors.contains("has an open conflict (on amount)"))
    #expect(
      run["17-resolve-take-hq"].output
        == "Resolved orders/north-o-1002 (take hq): amount=2700.00; recorded as resolutions/hq-3.\n"
    )
    #expect(run["18-conflicts-after"].output == "No open conflicts.\n")
    #expect(
      run["21-receive-2"].output.contains(
        "your value of orders/north-o-1002 amount=2650.00 lost a conflict to 2700.00 (written by "
          + "hq), resolved by hq (take hq): the invoice says 2700.00"))
    let json = run["22-receive-2-json"].output
    #expect(json.contains(#""mine": "2650.00""#) && json.contains(#""now": "2700.00""#))
    #expect(json.contains(#""by": "hq:2""#) && json.contains(#""choice": "take hq""#))
    #expect(run["23-get-north"].output.contains(/\n  amount +2700\.00\n/))
  }

  /// SPEC.md §5.3 (an edit concurrent with a delete), §5.4 (shown live while open), §8.5, §8.7
  /// (take hq keeps the record) and §8.6 (north's deletion overruled).
  @Test("edit-vs-delete: a delete conflict; head office keeps the order; north is told")
  func editVersusDelete() throws {
    let run = try Self.replay("edit-vs-delete")
    #expect(run["11-merge-2"].output.contains("1 conflict(s)"))
    let conflicts = run["12-conflicts-json"].output
    #expect(conflicts.contains(#""fields": [\#n        "deleted"\#n      ]"#))
    #expect(conflicts.contains(#""field": "deleted""#) && conflicts.contains(#""value": true"#))
    #expect(run["13-conflicts-show"].output.contains("north    deleted "))
    #expect(run["14-get-shown-live"].output.contains("deleted on one side and edited on another"))
    #expect(run["15-delete-refused"].status == 65)
    #expect(
      run["16-resolve-take-hq"].output
        == "Resolved orders/north-o-1001 (take hq): kept (not deleted); "
        + "recorded as resolutions/hq-3.\n"
    )
    #expect(
      run["19-receive-2"].output.contains(
        "your deletion of orders/north-o-1001 lost a conflict: the record was kept, resolved by hq "
          + "(take hq): the customer paid; the order stands"))
    #expect(
      run["20-export-north"].output.contains(
        "north-o-1001,north,north-c-1001,sem,,2025-03-02,1,2650.00"))
  }

  /// SPEC.md §5.2 (a register per field) and §8.5 (`merged`): concurrent edits of different
  /// fields of one record merge without a conflict, and both replicas end with both edits.
  @Test("different-fields: concurrent edits of two fields merge silently")
  func differentFields() throws {
    let run = try Self.replay("different-fields")
    let merged = run["10-merge-2"].output
    #expect(merged.contains(#""merged": 1"#) && merged.contains(#""conflicts": []"#))
    #expect(run["11-conflicts"].output == "No open conflicts.\n")
    for step in ["12-get-hq", "15-get-north"] {
      let record = run[step].output
      #expect(record.contains(#""quantity": 2,"#) && record.contains(#""status": "cancelled""#))
      #expect(record.contains(#""conflicts": []"#))
    }
    #expect(!run["14-receive-2"].output.contains("conflict resolved"))
  }

  /// SPEC.md §8.2 verification steps 7 (MAC, 77) and 10 (payload SHA-256, 65), §8.3 (replay:
  /// exit 0 and no transaction; an older seq again; the same seq with other content: 65), §8.9
  /// (several files: each on its own, the first refusal's exit status).
  @Test("replay-and-tamper: replays change nothing, altered copies and a reused seq are refused")
  func replayAndTamper() throws {
    let run = try Self.replay("replay-and-tamper")
    let again = run["10-merge-1-again"].output
    #expect(
      again.contains(#""status": "already-applied""#) && again.contains(#""transaction": null"#))
    #expect(run["11-merge-manifest-flipped"].status == 77)
    #expect(
      run["11-merge-manifest-flipped"].errors.hasPrefix(
        "error: signature invalid for office 'north': bundles/north-2-manifest-flipped.bundle was "
          + "altered or not made with its key; nothing was imported"))
    #expect(run["12-merge-payload-flipped"].status == 65)
    #expect(run["12-merge-payload-flipped"].errors.contains("payload sha256 mismatch"))
    #expect(run["13-merge-2"].output.contains("1 new, 0 updated"), "the refusals changed nothing")
    #expect(
      run["14-merge-1-older-replay"].output
        == "submission 1 from 'north' (bundles/north-1.bundle): already merged; no changes.\n")
    #expect(run["15-merge-several"].status == 77)
    #expect(run["15-merge-several"].output.contains(#""bundles_refused": 1"#))
    #expect(run["18-merge-equivocation"].status == 65)
    #expect(
      run["18-merge-equivocation"].errors.contains(
        "security warning: 'north' produced two different bundles with seq 2"))
    #expect(run["19-status-hq"].output.contains("Last change: transaction 4 "))
    #expect(run["21-verify-hq"].output == "ok: 4 transaction(s) and 2 record(s) verified\n")
  }
}
