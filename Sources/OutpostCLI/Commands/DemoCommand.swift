import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// `outpost demo [DIR]`: head office and four branches through a quarter, narrated (SPEC.md §10).
extension Commands {
  static let demoOffices = ["north", "east", "south", "west"]

  /// `demo [DIR]`.
  struct DemoCommand: Command {
    static let name = "demo"
    static let abstract = "Run head office and four branches through a quarter, narrated."
    static let arguments = ["[dir]"]
    static let arity: (min: Int, max: Int?) = (0, 1)
    static let discussion =
      "Creates five repositories in DIR (a fresh temporary folder by default), imports "
      + "a quarter of data at each branch (its people, traffic, leads and sales), makes "
      + "concurrent edits on both sides, submits, merges, reviews the conflicts with their KPI "
      + "impact, resolves them with reasons, replies, checks that every branch ends with what "
      + "head office holds for it (its own rows and people, head office's data, the other "
      + "offices' KPI values) and that every replica computes the same KPIs, and assesses the "
      + "offices and their people, ranked. Shows each outpost command it runs. Exits non-zero "
      + "if any check fails; the folder stays for you to explore."
    static let examples = ["outpost demo", "outpost demo /tmp/outpost-demo"]

    /// Runs the demo.
    ///
    /// Every step is a real `outpost` command, run in-process.
    static func run(_ options: Options, _ context: Context) throws {
      let run = DemoRun(context, directory: try demoDirectory(context))
      try run.all()
    }
  }

  /// The demo's folder: the one given (empty or new), else a fresh temporary one.
  static func demoDirectory(_ context: Context) throws -> String {
    guard let given = context.arguments.first else {
      switch Platform.makeTemporaryDirectory(prefix: "outpost-demo-") {
      case .success(let path): return path
      case .failure(let errno):
        throw CLIError(.cannotCreate, "cannot create a temporary folder: \(errno)")
      }
    }
    let directory = context.resolve(given)
    if (try? context.fileSystem.list(directory))?.isEmpty == false {
      throw CLIError(
        .cannotCreate, "'\(given)' is not empty; the demo needs an empty or new folder",
        hint: "Run it without a folder to use a fresh temporary one.")
    }
    if (try? context.fileSystem.exists(directory)) != true {
      do { try context.fileSystem.makeDirectory(directory) } catch {
        throw CLIError(.cannotCreate, "cannot create '\(given)': \(error.errno)")
      }
    }
    return directory
  }

  /// A command-line word quoted for display when it holds spaces.
  static func quoted(_ word: String) -> String {
    word.contains(" ") ? "\"\(word)\"" : word
  }

  /// Output indented under the command that made it.
  static func indent(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "    \($0)\n" }
      .joined()
  }
}

/// One run of the demo: its folder, its narration and the checks that failed.
final class DemoRun {
  let context: Context
  let console: Console
  let directory: String
  let environment: [String: String]
  let offices = Commands.demoOffices
  private(set) var failures: [String] = []

  init(_ context: Context, directory: String) {
    self.context = context
    self.console = context.console
    self.directory = directory
    var environment = context.environment
    if environment["OUTPOST_NOW"] == nil {
      environment["OUTPOST_NOW"] = "2025-04-02T09:00:00+08:00"
    }
    self.environment = environment
  }

  /// Every step, then the verdict; throws when a check failed.
  func all() throws {
    console.out("Outpost demo in \(directory)\n")
    enroll()
    try importMonth()
    firstExchange()
    editOnBothSides()
    reviewConflicts()
    replyAndCatchUp()
    checkConvergence()
    say(
      "9. The assessment at head office: March's office scorecard, then the people — ranked "
        + "within their position across all offices (and within their office) — for March and "
        + "for the quarter, and the report.")
    step(["scorecard", "--period", "2025-03", "--repo", "hq"], echo: true)
    step(
      [
        "scorecard", "--id", "online_sales_monthly", "--period", "2025-03", "--office", "north",
        "--rank", "--repo", "hq",
      ], echo: true)
    let quarter = step(
      [
        "scorecard", "--id", "online_sales_quarterly", "--period", "2025-Q1", "--rank", "--format",
        "csv", "--repo", "hq",
      ], echo: true)
    // One row per person: …,rank,rank_in_office. Each position has its first.
    let firsts = quarter.split(separator: "\n").dropFirst().filter {
      let cells = $0.split(separator: ",", omittingEmptySubsequences: false)
      return cells.count >= 2 && cells[cells.count - 2] == "1"
    }
    check(
      firsts.count >= 2,
      "the quarter ranks the people: a first consultant and a first salesperson company-wide")
    step(["kpi", "diagnose", "--repo", "hq"], echo: true)
    step(["report", "--html", "report.html", "--repo", "hq"], echo: true)
    finish()
    if !failures.isEmpty { throw AlreadyReported(status: .software) }
  }

  /// Runs one command, shows it, and returns its output; a failure is recorded.
  @discardableResult
  func step(_ arguments: [String], show: Bool = true, echo: Bool = false) -> String {
    let inner = Console()
    let status = Tool.run(
      arguments, console: inner, environment: environment, fileSystem: context.fileSystem,
      workingDirectory: directory)
    if show {
      console.out("  $ outpost \(arguments.map(Commands.quoted).joined(separator: " "))\n")
    }
    if echo { console.out(Commands.indent(inner.output)) }
    if status != 0 {
      failures.append("outpost \(arguments.joined(separator: " ")) exited \(status)")
      console.out(Commands.indent("error (exit \(status)): " + inner.errors))
    }
    return inner.output
  }

  func say(_ text: String) { console.out("\n" + text + "\n") }

  func check(_ condition: Bool, _ what: String) {
    console.out("  \(condition ? "✓" : "✗") \(what)\n")
    if !condition { failures.append(what) }
  }

  /// Step 1: Head office and the four branches get their repositories.
  func enroll() {
    say(
      "1. Head office creates its repository and enrolls four branch offices; each branch "
        + "creates its own repository with the key head office gave it.")
    step(["init", "--office", "hq", "--head", "--repo", "hq"])
    for office in offices {
      step(
        ["office", "add", office, "--key-out", "\(office).key", "--repo", "hq"],
        show: office == "north")
      step(
        ["init", "--office", office, "--key", "\(office).key", "--repo", office],
        show: office == "north")
    }
    console.out("  (and the same for east, south and west)\n")
  }

  /// Step 2: Each branch imports a quarter of data; head office its office targets.
  func importMonth() throws {
    say(
      "2. Each branch imports January to March 2025 from its spreadsheets, offline: who works "
        + "there, traffic, leads (each assigned to a person), customers and orders (each "
        + "credited to whoever closed it). Every cell is checked.")
    let files = DemoData.write(offices: offices)
    for folder in ["data"] + (offices + ["hq"]).map({ "data/\($0)" }) {
      do { try context.fileSystem.makeDirectory(directory + "/" + folder) } catch {
        throw CLIError(.cannotCreate, "cannot create \(folder): \(error.errno)")
      }
    }
    var contents = files.mapValues { Array($0.utf8) }
    // North's search ads as 百度推广 exports them, and head office's profile to read that.
    if let days = files["data/north/channel_daily.csv"] {
      contents["data/north/baidu-2025-03.csv"] = DemoExports.baiduReport(days, month: "2025-03")
      contents["data/hq/baidu-sem-daily.json"] = Array(DemoExports.profile.utf8)
    }
    for (path, bytes) in contents.sorted(by: { $0.key < $1.key }) {
      do {
        try OutputFile.write(
          bytes, to: directory + "/" + path, secret: false, replace: true,
          fileSystem: context.fileSystem)
      } catch { throw CLIError(error) }
    }
    for office in offices {
      for collection in DemoData.collections {
        step(
          ["import", collection, "data/\(office)/\(collection).csv", "--repo", office],
          show: office == "north", echo: office == "north" && collection == "orders")
      }
    }
    step(["import", "offices", "data/hq/offices.csv", "--repo", "hq"], show: false)
    step(["import", "targets", "data/hq/targets.csv", "--repo", "hq"], echo: true)
  }

  /// Step 3: The first round: every office gets its own records back, head office's data and
  /// the other offices' KPI values.
  func firstExchange() {
    say(
      "3. Everyone submits; head office merges, then replies. A reply brings an office its own "
        + "records, head office's data and the other offices' KPI values, not their rows: "
        + "customers' data stays with their office and head office.")
    for office in offices {
      step(["submit", "--out", "\(office)-1.bundle", "--repo", office], show: office == "north")
    }
    step(["merge"] + offices.map { "\($0)-1.bundle" } + ["--repo", "hq"], echo: true)
    console.out(
      "  Head office now knows every office's people, and sets targets per position for every "
        + "office, and one person's own:\n")
    step(["import", "targets", "data/hq/people-targets.csv", "--repo", "hq"], echo: true)
    let profiled = offices.contains("north")
    if profiled {
      console.out(
        "  It also publishes how to read a 百度推广 account report (an import profile), so every "
          + "branch imports that export as it is:\n")
      step(["profile", "publish", "data/hq/baidu-sem-daily.json", "--repo", "hq"])
    }
    for office in offices {
      step(
        ["reply", office, "--out", "\(office)-1.reply", "--repo", "hq"], show: office == "north")
      step(["receive", "\(office)-1.reply", "--repo", office], show: office == "north")
    }
    guard profiled else { return }
    console.out(
      "  North previews March's report as Baidu wrote it (GB18030, title lines, a row per "
        + "campaign, ¥1,234.50, a total row): the same figures it imported from its sheet.\n")
    let preview = step(
      [
        "import", "channel_daily", "data/north/baidu-2025-03.csv", "--profile", "baidu-sem-daily",
        "--dry-run", "--repo", "north",
      ])
    console.out(Commands.indent(preview.split(separator: "\n").prefix(3).joined(separator: "\n")))
    check(
      preview.contains("records: 31 (after aggregate): would create 0, update 0, leave 31 "),
      "the report's 62 campaign rows make north's 31 search-ads days, unchanged")
  }

  /// Steps 4 and 5: concurrent edits on both sides, then the second round of submissions.
  func editOnBothSides() {
    say(
      "4. Offline again, both sides edit: north corrects a spend figure that head office also "
        + "corrects; east cancels an order whose amount head office fixes (different fields); "
        + "south deletes a duplicate order that head office edits.")
    step(["put", "channel_daily", "north.sem.2025-03-05", "spend=98.50", "--repo", "north"])
    step(["put", "channel_daily", "north.sem.2025-03-05", "spend=96.00", "--repo", "hq"])
    step(["put", "orders", "east-o-003", "status=cancelled", "--repo", "east"])
    step(["put", "orders", "east-o-003", "amount=2750.00", "--repo", "hq"])
    step(["delete", "orders", "south-o-005", "--repo", "south"])
    step(["put", "orders", "south-o-005", "quantity=2", "--repo", "hq"])

    say("5. The branches submit; head office merges. Real conflicts are few and named.")
    for office in offices {
      step(["submit", "--out", "\(office)-2.bundle", "--repo", office], show: false)
    }
    console.out("  (each branch ran: outpost submit --out OFFICE-2.bundle)\n")
    step(["merge"] + offices.map { "\($0)-2.bundle" } + ["--repo", "hq"], echo: true)
  }

  /// Step 6: Head office decides the two conflicts, with reasons.
  func reviewConflicts() {
    say("6. Head office reviews the conflicts, largest KPI impact first, and decides with reasons.")
    let listed = step(["conflicts", "--repo", "hq"], echo: true)
    check(
      listed.contains("2 open conflict(s)"),
      "exactly two real conflicts (spend, edit against delete)")
    step(["conflicts", "show", "channel_daily/north.sem.2025-03-05", "--repo", "hq"], echo: true)
    step(
      [
        "resolve", "channel_daily/north.sem.2025-03-05", "--take", "hq", "--note",
        "the ad platform's invoice says 96.00", "--repo", "hq",
      ], echo: true)
    step(
      [
        "resolve", "orders/south-o-005", "--take", "south", "--note",
        "duplicate entry; south removed it", "--repo", "hq",
      ], echo: true)
    check(
      step(["conflicts", "--repo", "hq"]).contains("No open conflicts"), "no open conflicts left")
  }

  /// Step 7: Replies carry the decisions; one more round tells head office everyone has them.
  func replyAndCatchUp() {
    say("7. Head office replies; each branch receives and learns which of its edits lost, and why.")
    for office in offices {
      step(
        ["reply", office, "--out", "\(office)-2.reply", "--repo", "hq"], show: office == "north")
      step(
        ["receive", "\(office)-2.reply", "--repo", office], show: office == "north",
        echo: office == "north")
    }
    // One more submission round so head office learns every office has everything.
    for office in offices {
      step(["submit", "--out", "\(office)-3.bundle", "--repo", office], show: false)
      step(["merge", "\(office)-3.bundle", "--no-kpi-check", "--repo", "hq"], show: false)
    }
  }

  /// The records the demo resolved conflicts on (step 6), by id, and their offices: a
  /// resolution travels with its record (SPEC.md §2.8), which head office may no longer export.
  static let resolvedRecords = ["north.sem.2025-03-05": "north", "south-o-005": "south"]

  /// The lines of head office's NDJSON export of `collection` that replies carry to `office`
  /// under the default policies (SPEC.md §2.8): none of another office's personal records or
  /// rows, nor a resolution of another office's record.
  static func visible(_ ndjson: String, _ collection: String, to office: String) -> String {
    let rows = StandardCollections.named(collection)?.ownership == .office
    var kept = ""
    for line in ndjson.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
      guard let row = (try? JSONParser.parse(Array(line.utf8)))?.objectValue else { continue }
      let owner =
        StaffVisibility.personalOffice(of: collection) { row[$0] }
        ?? (rows ? row[OwnershipPolicy.officeField]?.stringValue : nil)
        ?? (collection == StandardCollections.resolutions.name
          ? row["record_id"]?.stringValue.flatMap { resolvedRecords[$0] } : nil)
      if owner == nil || owner == office { kept += line + "\n" }
    }
    return kept
  }

  /// Step 8: Every branch holds what head office holds for it, and every replica shows the same
  /// KPIs.
  func checkConvergence() {
    say(
      "8. Every branch must now hold what head office holds for it (its own records and people, "
        + "and head office's data), and every replica must compute the same KPIs: a branch "
        + "computes its own office from its rows and shows the others from head office's values.")
    let collections = DemoData.collections + ["targets", "resolutions"]
    var identical = true
    for collection in collections {
      let reference = step(
        ["export", collection, "--format", "ndjson", "--repo", "hq"], show: false)
      for office in offices
      where step(["export", collection, "--format", "ndjson", "--repo", office], show: false)
        != Self.visible(reference, collection, to: office)
      {
        identical = false
        failures.append("\(office)'s \(collection) differs from head office's")
      }
    }
    check(
      identical,
      "every branch exports what head office holds for it (\(collections.count) collections; "
        + "no other office's rows or people)")
    let kpiHQ = step(["kpi", "--format", "csv", "--repo", "hq"], show: false)
    check(
      offices.allSatisfy {
        step(["kpi", "--format", "csv", "--repo", $0], show: false) == kpiHQ
      },
      "all five replicas show byte-identical KPI values (CSV) for every office")
    let edited = step(["get", "orders", "east-o-003", "--repo", "east"], show: false)
    check(
      edited.contains("cancelled") && edited.contains("2750.00"),
      "east's cancellation and head office's amount both survived (merged without conflict)")
    let spend = step(
      [
        "kpi", "--kpi", "ad_spend_paid", "--office", "north", "--period", "2025-03", "--format",
        "csv",
        "--repo", "south",
      ], show: false)
    check(
      spend.contains(DemoData.expectedNorthPaidSpend),
      "north's March paid spend is \(DemoData.expectedNorthPaidSpend) at south too, from head "
        + "office's values")
    for office in offices {
      check(step(["verify", "--repo", office], show: false).hasPrefix("ok:"), "\(office) verifies")
    }
  }

  /// The verdict, and where to look next.
  func finish() {
    if failures.isEmpty {
      say("Demo complete: every check passed.")
    } else {
      say("Demo FAILED: \(failures.count) check(s) failed:")
      for failure in failures { console.out("  - \(failure)\n") }
    }
    console.out(
      """

      The workspace stays in \(directory). Explore it:
        cd \(directory)
        outpost status --repo hq              # every office, its last submission and reply
        outpost log --repo hq                 # every transaction, the resolutions included
        outpost kpi --period 2025-03 --repo north --by channel
        outpost conflicts show channel_daily/north.sem.2025-03-05 --repo hq
        open report.html                      # or any browser: one self-contained file

      """)
  }
}
