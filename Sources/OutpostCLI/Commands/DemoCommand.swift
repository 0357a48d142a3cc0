import OutpostCodec
import OutpostModel
import OutpostStore

/// `outpost demo [DIR]`: head office and four branches through a month, narrated (SPEC.md §10).
extension Commands {
  static let demoCommands: [CommandSpec] = [
    CommandSpec(
      name: "demo", abstract: "Run head office and four branches through a month, narrated.",
      arguments: ["[dir]"], arity: (0, 1), options: [],
      discussion: "Creates five repositories in DIR (a fresh temporary folder by default), imports "
        + "a month of data at each branch, makes concurrent edits on both sides, submits, "
        + "merges, reviews the conflicts with their KPI impact, resolves them with reasons, "
        + "replies, and checks that every replica ends identical. Shows each outpost command it "
        + "runs. Exits non-zero if any check fails; the folder stays for you to explore.",
      examples: ["outpost demo", "outpost demo /tmp/outpost-demo"])
  ]

  static let demoOffices = ["north", "east", "south", "west"]

  /// Runs the demo.
  ///
  /// Every step is a real `outpost` command, run in-process.
  static func demo(_ context: Context) throws {
    let console = context.console
    let directory: String
    if let given = context.invocation.positionals.first {
      directory = context.resolve(given)
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
    } else {
      switch Platform.makeTemporaryDirectory(prefix: "outpost-demo-") {
      case .success(let path): directory = path
      case .failure(let errno):
        throw CLIError(.cannotCreate, "cannot create a temporary folder: \(errno)")
      }
    }
    var environment = context.environment
    if environment["OUTPOST_NOW"] == nil {
      environment["OUTPOST_NOW"] = "2025-04-02T09:00:00+08:00"
    }
    var failures: [String] = []

    /// Runs one command, shows it, and returns its output; a failure is recorded.
    @discardableResult
    func step(_ arguments: [String], show: Bool = true, echo: Bool = false) -> String {
      let inner = Console()
      let status = Tool.run(
        arguments, console: inner, environment: environment, fileSystem: context.fileSystem,
        workingDirectory: directory)
      if show { console.out("  $ outpost \(arguments.map(quoted).joined(separator: " "))\n") }
      if echo { console.out(indent(inner.output)) }
      if status != 0 {
        failures.append("outpost \(arguments.joined(separator: " ")) exited \(status)")
        console.out(indent("error (exit \(status)): " + inner.errors))
      }
      return inner.output
    }
    func say(_ text: String) { console.out("\n" + text + "\n") }
    func check(_ condition: Bool, _ what: String) {
      console.out("  \(condition ? "✓" : "✗") \(what)\n")
      if !condition { failures.append(what) }
    }

    console.out("Outpost demo in \(directory)\n")
    say(
      "1. Head office creates its repository and enrolls four branch offices; each branch "
        + "creates its own repository with the key head office gave it.")
    step(["init", "--office", "hq", "--head", "--repo", "hq"])
    for office in demoOffices {
      step(
        ["office", "add", office, "--key-out", "\(office).key", "--repo", "hq"],
        show: office == "north")
      step(
        ["init", "--office", office, "--key", "\(office).key", "--repo", office],
        show: office == "north")
    }
    console.out("  (and the same for east, south and west)\n")

    say("2. Each branch imports March 2025 from its spreadsheets, offline. Every cell is checked.")
    let files = DemoData.write(offices: demoOffices)
    for folder in ["data"] + (demoOffices + ["hq"]).map({ "data/\($0)" }) {
      do { try context.fileSystem.makeDirectory(directory + "/" + folder) } catch {
        throw CLIError(.cannotCreate, "cannot create \(folder): \(error.errno)")
      }
    }
    for (path, text) in files.sorted(by: { $0.key < $1.key }) {
      do {
        try OutputFile.write(
          Array(text.utf8), to: directory + "/" + path, secret: false, replace: true,
          fileSystem: context.fileSystem)
      } catch { throw CLIError(error) }
    }
    for office in demoOffices {
      for collection in DemoData.collections {
        step(
          ["import", collection, "data/\(office)/\(collection).csv", "--repo", office],
          show: office == "north", echo: office == "north" && collection == "orders")
      }
    }
    step(["import", "targets", "data/hq/targets.csv", "--repo", "hq"], echo: true)

    say("3. Everyone submits; head office merges, then replies so every office has everything.")
    for office in demoOffices {
      step(["submit", "--out", "\(office)-1.bundle", "--repo", office], show: office == "north")
    }
    step(["merge"] + demoOffices.map { "\($0)-1.bundle" } + ["--repo", "hq"], echo: true)
    for office in demoOffices {
      step(
        ["reply", office, "--out", "\(office)-1.reply", "--repo", "hq"], show: office == "north")
      step(["receive", "\(office)-1.reply", "--repo", office], show: office == "north")
    }

    say(
      "4. Offline again, both sides edit: north corrects a spend figure that head office also "
        + "corrects; east cancels an order whose amount head office fixes (different fields); "
        + "south deletes a duplicate order that head office edits.")
    step(["put", "channel_daily", "north.sem.2025-03-05", "spend=1324.50", "--repo", "north"])
    step(["put", "channel_daily", "north.sem.2025-03-05", "spend=1320.00", "--repo", "hq"])
    step(["put", "orders", "east-o-003", "status=cancelled", "--repo", "east"])
    step(["put", "orders", "east-o-003", "amount=2750.00", "--repo", "hq"])
    step(["delete", "orders", "south-o-005", "--repo", "south"])
    step(["put", "orders", "south-o-005", "quantity=2", "--repo", "hq"])

    say("5. The branches submit; head office merges. Real conflicts are few and named.")
    for office in demoOffices {
      step(["submit", "--out", "\(office)-2.bundle", "--repo", office], show: false)
    }
    console.out("  (each branch ran: outpost submit --out OFFICE-2.bundle)\n")
    step(["merge"] + demoOffices.map { "\($0)-2.bundle" } + ["--repo", "hq"], echo: true)

    say("6. Head office reviews the conflicts, largest KPI impact first, and decides with reasons.")
    let listed = step(["conflicts", "--repo", "hq"], echo: true)
    check(
      listed.contains("2 open conflict(s)"),
      "exactly two real conflicts (spend, edit against delete)")
    step(["conflicts", "show", "channel_daily/north.sem.2025-03-05", "--repo", "hq"], echo: true)
    step(
      [
        "resolve", "channel_daily/north.sem.2025-03-05", "--take", "hq", "--note",
        "the ad platform's invoice says 1320.00", "--repo", "hq",
      ], echo: true)
    step(
      [
        "resolve", "orders/south-o-005", "--take", "south", "--note",
        "duplicate entry; south removed it", "--repo", "hq",
      ], echo: true)
    check(
      step(["conflicts", "--repo", "hq"]).contains("No open conflicts"), "no open conflicts left")

    say("7. Head office replies; each branch receives and learns which of its edits lost, and why.")
    for office in demoOffices {
      step(
        ["reply", office, "--out", "\(office)-2.reply", "--repo", "hq"], show: office == "north")
      step(
        ["receive", "\(office)-2.reply", "--repo", office], show: office == "north",
        echo: office == "north")
    }
    // One more submission round so head office learns every office has everything.
    for office in demoOffices {
      step(["submit", "--out", "\(office)-3.bundle", "--repo", office], show: false)
      step(["merge", "\(office)-3.bundle", "--no-kpi-check", "--repo", "hq"], show: false)
    }

    say("8. Every replica must now hold the same records and compute the same KPIs.")
    let collections = DemoData.collections + ["targets", "resolutions"]
    var identical = true
    for collection in collections {
      let reference = step(
        ["export", collection, "--format", "ndjson", "--repo", "hq"], show: false)
      for office in demoOffices
      where step(["export", collection, "--format", "ndjson", "--repo", office], show: false)
        != reference
      {
        identical = false
        failures.append("\(office)'s \(collection) differs from head office's")
      }
    }
    check(
      identical, "all five replicas export identical records (\(collections.count) collections)")
    let kpiHQ = step(["kpi", "--format", "json", "--repo", "hq"], show: false)
    check(
      demoOffices.allSatisfy {
        step(["kpi", "--format", "json", "--repo", $0], show: false) == kpiHQ
      },
      "all five replicas compute byte-identical KPI JSON")
    let edited = step(["get", "orders", "east-o-003", "--repo", "west"], show: false)
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
      "north's March paid spend is \(DemoData.expectedNorthPaidSpend) everywhere")
    for office in demoOffices {
      check(step(["verify", "--repo", office], show: false).hasPrefix("ok:"), "\(office) verifies")
    }

    say("9. The month's scorecard at head office, and the report.")
    step(["scorecard", "--period", "2025-03", "--repo", "hq"], echo: true)
    step(["kpi", "diagnose", "--repo", "hq"], echo: true)
    step(["report", "--html", "report.html", "--repo", "hq"], echo: true)

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
    if !failures.isEmpty { throw AlreadyReported(status: .software) }
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

/// The demo's deterministic month of data (no files needed: it works from any folder).
enum DemoData {
  static let collections = [
    "channel_daily", "customers", "orders", "returns", "invoices", "payments",
  ]

  /// The paid-channel spend north should show for March after the demo's resolution.
  static let expectedNorthPaidSpend = "2025-03,,\(northPaidSpend),currency:CNY"

  /// A tiny seeded generator (SplitMix64): the same numbers on every machine.
  struct Generator {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Int((z ^ (z >> 31)) % UInt64(bound))
    }
  }

  static func march(_ day: Int) -> String { "2025-03-\(day < 10 ? "0" : "")\(day)" }

  static func money(_ fen: Int) -> String {
    "\(fen / 100).\(fen % 100 < 10 ? "0" : "")\(fen % 100)"
  }

  static var northPaidSpend: String {
    let files = write(offices: ["north"])
    var total = 0
    for line in files["data/north/channel_daily.csv"]!.split(separator: "\n").dropFirst() {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false)
      guard cells[1] == "sem" || cells[1] == "social" else { continue }
      var fen = Int(String(cells[13].filter { $0 != "." })) ?? 0
      // Head office's figure wins the spend conflict.
      if cells[2] == "2025-03-05" && cells[1] == "sem" { fen = 132_000 }
      total += fen
    }
    return money(total)
  }

  /// CSV files by relative path.
  static func write(offices: [String]) -> [String: String] {
    var files: [String: String] = [:]
    let channels = ["seo", "sem", "social", "email", "direct", "agent"]
    var targets =
      "target_id,kpi_id,office_id,scope,scope_key,period_grain,period,target_value,direction,"
      + "worst,best,version\n"
    for (officeIndex, office) in offices.enumerated() {
      var random = Generator(state: 2025_03 + UInt64(office.utf8.reduce(0) { $0 * 31 + Int($1) }))
      let size = [100, 130, 115, 60][demoIndex(office) ?? officeIndex]
      var days =
        "office_id,channel_id,date,impressions,clicks,visits,page_views,engaged_visits,"
        + "consultations,consult_calls,registrations,downloads,subscriptions,spend,emails_sent,"
        + "emails_delivered,email_unique_opens,email_unique_clicks\n"
      for day in 1...31 {
        let date = march(day)
        for channel in channels {
          let web = channel != "agent"
          let clicked = web && channel != "direct"
          let clicks = clicked ? (300 + random.next(200)) * size / 100 : 0
          let consultations = web ? clicks / 20 + random.next(8) : 0
          let spend =
            (channel == "sem" || channel == "social") ? clicks * (140 + random.next(30)) : 0
          days +=
            "\(office),\(channel),\(date),\(clicked ? String(clicks * 30) : ""),"
            + "\(clicked ? String(clicks) : ""),\(web ? String(clicks + 200 * size / 100) : ""),"
            + "\(web ? String(clicks * 3) : ""),,\(consultations),\(random.next(3)),,,,"
            + "\(money(spend)),,,,\n"
        }
      }
      files["data/\(office)/channel_daily.csv"] = days
      var customers =
        "customer_id,office_id,acquired_date,acquisition_channel_id,acquisition_campaign_id,lead_id,kind,district\n"
      var orders =
        "order_id,office_id,customer_id,channel_id,campaign_id,order_date,quantity,amount,cogs,"
        + "status,placed_at,fulfilled_at,shipped_at,delivered_at\n"
      var returns =
        "return_id,office_id,order_id,return_date,quantity,refund_amount,cogs_reversed,reason_code\n"
      var invoices = "invoice_id,office_id,order_id,customer_id,issue_date,due_date,amount\n"
      var payments = "payment_id,office_id,invoice_id,payment_date,amount\n"
      let count = 40 * size / 100
      for n in 1...count {
        let id = "\(office)-o-\(n < 10 ? "00" : (n < 100 ? "0" : ""))\(n)"
        let customer = "\(office)-c-\(n)"
        let day = 1 + random.next(28)
        let date = march(day)
        let channel = channels[random.next(channels.count)]
        let amount = (150_000 + random.next(300_000))
        customers += "\(customer),\(office),\(date),\(channel),,,individual,\n"
        orders +=
          "\(id),\(office),\(customer),\(channel),,\(date),1,\(money(amount)),,confirmed,,,,\n"
        if n % 12 == 0 {
          returns += "\(office)-r-\(n),\(office),\(id),\(march(day + 2)),1,\(money(amount)),0.00,\n"
        }
        if channel == "agent" || n % 5 == 0 {
          invoices +=
            "\(office)-i-\(n),\(office),\(id),\(customer),\(date),\(march(day + 2)),\(money(amount))\n"
          if n % 7 != 0 {
            payments +=
              "\(office)-p-\(n),\(office),\(office)-i-\(n),\(march(day + 1)),\(money(amount))\n"
          }
        }
      }
      files["data/\(office)/customers.csv"] = customers
      files["data/\(office)/orders.csv"] = orders
      files["data/\(office)/returns.csv"] = returns
      files["data/\(office)/invoices.csv"] = invoices
      files["data/\(office)/payments.csv"] = payments
      let targetsFor: [(String, String, String)] = [
        ("net_revenue", money(40 * size / 100 * 300_000), "higher_better"),
        ("consultations", "\(31 * 5 * 30 * size / 100)", "higher_better"),
        ("avg_cost_per_conversation", "35.00", "upper_bound"),
        ("return_rate", "0.0300", "lower_better"), ("collection_rate", "0.9500", "lower_bound"),
      ]
      for (index, target) in targetsFor.enumerated() {
        targets +=
          "t-\(office)-\(index + 1),\(target.0),\(office),office,,month,2025-03,\(target.1),"
          + "\(target.2),,,1\n"
      }
    }
    files["data/hq/targets.csv"] = targets
    return files
  }

  static func demoIndex(_ office: String) -> Int? { Commands.demoOffices.firstIndex(of: office) }
}
