import OutpostCLI
import OutpostCLITestSupport
import OutpostModel
import OutpostStore
import OutpostTestSupport
import Testing

/// The typed options of commands (Command.swift): one table of bindings per options struct,
/// decoded by binding type, with the parser's refusals (64) unchanged.
struct OptionBindingTests {
  enum Speed: String, CaseIterable, Sendable {
    case fast, slow
  }

  /// Options with a binding of every kind.
  struct Sample: CommandOptions {
    var dryRun = false
    var note: String?
    var out = "default.out"
    var tags: [String] = []
    var limit: Int?
    var count: Int?
    var speed: Speed?
    var mode = Speed.slow
    var office: ReplicaID?
    var sizes: [Int] = []

    static let options: [OptionBinding<Self>] = [
      .flag("dry-run", \.dryRun, help: "Change nothing."),
      .option("note", "TEXT", \.note, help: "Why."),
      .option("out", "FILE", \.out, help: "Where."),
      .repeating("tag", "NAME", \.tags, help: "A tag (repeatable)."),
      .option("limit", "N", \.limit, positive: true, help: "At most N."),
      .option("count", "N", \.count, help: "Any whole number."),
      .option("speed", "SPEED", \.speed, help: "How fast."),
      .option("mode", "MODE", \.mode, help: "Which mode."),
      .option(
        "office", "ID", \.office, help: "An office.",
        parse: { text in
          do throws(ModelError) { return try ReplicaID(text) } catch {
            throw CLIError(.usage, error.message)
          }
        }),
      .repeating(
        "size", "N", \.sizes, help: "A size (repeatable).",
        parse: { text in
          guard let size = Int(text) else { throw CLIError(.dataError, "'\(text)' is no size") }
          return size
        }),
    ]
  }

  /// Options whose text, enum and domain bindings are required.
  struct Required: CommandOptions {
    var out = ""
    var mode = Speed.slow
    var office = ""

    static let options: [OptionBinding<Self>] = [
      .option("out", "FILE", \.out, required: true, help: "Where. Required."),
      .option("mode", "MODE", \.mode, required: true, help: "Which mode. Required."),
      .option(
        "office", "ID", \.office, required: true, help: "An office. Required.",
        parse: { text in
          guard !text.isEmpty else { throw CLIError(.dataError, "an office is not empty") }
          return text
        }),
    ]
  }

  /// A command over `Sample`, for the parser and the help.
  struct SampleCommand: Command {
    static let name = "sample"
    static let abstract = "A command with every kind of option."
    static let arguments = ["<thing>..."]
    static let arity: (min: Int, max: Int?) = (1, nil)

    static func run(_ options: Sample, _ context: Context) throws {
      context.console.out("tags \(options.tags.joined(separator: ","))\n")
    }
  }

  @Test("each kind of binding stores its typed value; absent options keep their defaults")
  func eachKind() throws {
    let none = try Sample([:])
    #expect(!none.dryRun && none.note == nil && none.out == "default.out" && none.tags.isEmpty)
    #expect(none.limit == nil && none.count == nil && none.speed == nil && none.mode == .slow)
    #expect(none.office == nil && none.sizes.isEmpty)
    let all = try Sample([
      "dry-run": [""], "note": ["why"], "out": ["x.out"], "tag": ["a", "b", "a"],
      "limit": ["3"], "count": ["-2"], "speed": ["fast"], "mode": ["fast"], "office": ["north"],
      "size": ["2", "1"],
    ])
    #expect(all.dryRun && all.note == "why" && all.out == "x.out")
    #expect(all.tags == ["a", "b", "a"])
    #expect(all.limit == 3 && all.count == -2)
    #expect(all.speed == .fast && all.mode == .fast)
    #expect(all.office?.rawValue == "north")
    #expect(all.sizes == [2, 1])
  }

  @Test("a value a binding refuses is a CLIError with the binding's status and message")
  func refusedValues() {
    let limit = #expect(throws: CLIError.self) { try Sample(["limit": ["0"]]) }
    #expect(limit?.status == .usage)
    #expect(limit?.message == "'--limit' must be a positive whole number (got '0')")
    let count = #expect(throws: CLIError.self) { try Sample(["count": ["1.5"]]) }
    #expect(count?.message == "'--count' must be a whole number (got '1.5')")
    let speed = #expect(throws: CLIError.self) { try Sample(["speed": ["warp"]]) }
    #expect(speed?.status == .usage)
    #expect(speed?.message == "'--speed' must be one of fast, slow (got 'warp')")
    let office = #expect(throws: CLIError.self) { try Sample(["office": ["North"]]) }
    #expect(office?.status == .usage && office?.message.contains("invalid office id") == true)
    let size = #expect(throws: CLIError.self) { try Sample(["size": ["1", "big"]]) }
    #expect(size?.status == .dataError && size?.message == "'big' is no size")
    // Through the tool: `resolve --set` takes FIELD=VALUE, parsed by its binding (64).
    let temp = TemporaryDirectory()
    let set = outpost(["resolve", "orders/o-1", "--set", "amount"], in: temp.path)
    #expect(set.status == 64)
    #expect(set.errors.contains("'amount' is not FIELD=VALUE"), "\(set.errors)")
  }

  @Test("a required option absent, or text given empty, is 64 with the usage as its hint")
  func requiredOptions() throws {
    let spec = SampleCommand.spec
    let absent = #expect(throws: CLIError.self) {
      try Required(["mode": ["fast"], "office": ["x"]], command: spec)
    }
    #expect(absent?.status == .usage)
    #expect(absent?.message == "missing required option '--out FILE'")
    #expect(absent?.hint == HelpText.usage(spec))
    let empty = #expect(throws: CLIError.self) {
      try Required(["out": [""], "mode": ["fast"], "office": ["x"]])
    }
    #expect(empty?.message == "missing required option '--out FILE'")
    // An enum's placeholder lists its cases.
    let mode = #expect(throws: CLIError.self) { try Required(["out": ["o"], "office": ["x"]]) }
    #expect(mode?.message == "missing required option '--mode fast|slow'")
    // A domain value given empty is for its parser to judge.
    let office = #expect(throws: CLIError.self) {
      try Required(["out": ["o"], "mode": ["fast"], "office": [""]])
    }
    #expect(office?.status == .dataError && office?.message == "an office is not empty")
    let given = try Required(["out": ["o"], "mode": ["fast"], "office": ["x"]])
    #expect(given.out == "o" && given.mode == .fast && given.office == "x")
  }

  @Test("the parser refuses an enum value outside allCases with the allowed list (64)")
  func enumRefusedByParser() {
    let spec = SampleCommand.spec
    let error = #expect(throws: UsageError.self) {
      try parseArguments(["sample", "x", "--speed", "warp"], commands: [spec])
    }
    #expect(error?.message == "'--speed' must be one of fast, slow (got 'warp')")
    #expect(error?.command == "sample")
    // Through the tool: 64, the allowed values and the command's usage.
    let temp = TemporaryDirectory()
    let result = outpost(["kpi", "--grain", "fortnight"], in: temp.path)
    #expect(result.status == 64)
    #expect(
      result.errors.contains(
        "'--grain' must be one of day, week, month, quarter, year (got 'fortnight')"))
    #expect(result.errors.contains("usage: outpost kpi [--period PERIOD] [--grain GRAIN]"))
  }

  @Test("a repeatable option keeps every value in order; any other given twice is 64")
  func repeatable() throws {
    let spec = SampleCommand.spec
    let invocation = try #require(
      try parseArguments(
        ["sample", "x", "--tag", "b", "--tag=a", "--speed", "fast", "--tag", "c"],
        commands: [spec]))
    #expect(invocation.values["tag"] == ["b", "a", "c"])
    let options = try Sample(invocation.values)
    #expect(options.tags == ["b", "a", "c"] && options.speed == .fast)
    let twice = #expect(throws: UsageError.self) {
      try parseArguments(["sample", "x", "--note", "a", "--note", "b"], commands: [spec])
    }
    #expect(twice?.message == "option '--note' given twice")
    // Through the tool, `kpi --office` twice filters to both offices.
    let temp = TemporaryDirectory()
    _ = outpost(["init", "--office", "hq", "--head", "--repo", "hq"], in: temp.path)
    let result = outpost(
      ["kpi", "--office", "north", "--office", "east", "--repo", "hq"], in: temp.path)
    #expect(result.status == 0, "\(result.errors)")
  }

  @Test("an unknown option is 64 with a suggestion and the command's usage")
  func unknownOption() {
    let spec = SampleCommand.spec
    let error = #expect(throws: UsageError.self) {
      try parseArguments(["sample", "x", "--tags", "a"], commands: [spec])
    }
    #expect(error?.message == "unknown option '--tags' for 'outpost sample'. Did you mean '--tag'?")
    let temp = TemporaryDirectory()
    let result = outpost(["gc", "--dry-runn"], in: temp.path)
    #expect(result.status == 64)
    #expect(result.errors.contains("unknown option '--dry-runn' for 'outpost gc'"))
    #expect(result.errors.contains("usage: outpost gc [--dry-run] [--repo DIR]"))
  }

  @Test("global options are typed: --json and --format, the last one wins; --repo")
  func globals() throws {
    let spec = SampleCommand.spec
    let json = try #require(
      try parseArguments(["sample", "x", "--format", "csv", "--json"], commands: [spec]))
    #expect(json.globals.format == .json && json.globals.repo == nil)
    let csv = try #require(
      try parseArguments(
        ["sample", "x", "--json", "--format=csv", "--repo", "r"], commands: [spec]))
    #expect(csv.globals.format == .csv && csv.globals.repo == "r")
  }

  @Test("help comes from the table: every option, its placeholder, an enum's cases")
  func help() {
    let text = HelpText.command(SampleCommand.spec)
    #expect(text.contains("USAGE: outpost sample <thing>... [--dry-run] [--note TEXT]"))
    #expect(text.contains("--speed SPEED"))
    #expect(text.contains("How fast. One of: fast, slow."))
    #expect(text.contains("--repo DIR"))
  }

  @Test("the command table: one type per name, and every command parses and has help")
  func table() throws {
    let names = Commands.types.map { $0.name }
    #expect(Set(names).count == names.count)
    #expect(Commands.all.map(\.name) == names)
    for command in Commands.all {
      let words = command.name.split(separator: " ").map(String.init)
      let invocation = try #require(try parseArguments(["help"] + words, commands: Commands.all))
      #expect(invocation.command.name == command.name && invocation.wantsHelp)
      let optionNames = command.options.map(\.name) + globalOptions.map(\.name)
      #expect(Set(optionNames).count == optionNames.count, "\(command.name)")
    }
  }
}
