import OutpostModel

/// A command of the `outpost` tool: its help, its typed options and what it does.
///
/// The command table (``Commands/types``) lists these types; parsing, help and dispatch all come
/// from them, so a command cannot be listed without its options and its `run`, and a command
/// reads its options as typed properties, never by name.
package protocol Command: SendableMetatype {
  /// The command's options: a struct declared through one table of bindings.
  associatedtype Options: CommandOptions = NoOptions
  /// The name (`import`, or `schema add` for a subcommand).
  static var name: String { get }
  /// One line.
  static var abstract: String { get }
  /// The positional arguments as shown in usage (`<collection>`, `[dir]`, `<field=value>...`).
  static var arguments: [String] { get }
  /// The least and most positional arguments (nil: no upper bound); the parser checks them.
  static var arity: (min: Int, max: Int?) { get }
  /// Longer help.
  static var discussion: String { get }
  /// Example invocations.
  static var examples: [String] { get }
  /// Does the work. `context.arguments` holds the positional arguments, already counted.
  static func run(_ options: Options, _ context: Context) throws
}

extension Command {
  package static var arguments: [String] { [] }
  package static var arity: (min: Int, max: Int?) { (0, 0) }
  package static var discussion: String { "" }
  package static var examples: [String] { [] }

  /// The command as the parser and the help see it; its `run` decodes the options, then runs.
  package static var spec: CommandSpec {
    CommandSpec(
      name: name, abstract: abstract, arguments: arguments, arity: arity,
      options: Options.options.map(\.spec), discussion: discussion, examples: examples,
      run: { context in
        try run(Options(context.invocation.values, command: context.invocation.command), context)
      })
  }
}

/// A command's options: stored, typed properties with their defaults, and the one table of
/// bindings that names them on the command line.
package protocol CommandOptions: Sendable {
  /// Every option at its default.
  init()
  /// The options in the order help lists them.
  static var options: [OptionBinding<Self>] { get }
}

extension CommandOptions {
  /// The options given in `values` (by long name, in command-line order, as the parser
  /// collected them), converted by their bindings; the others keep their defaults.
  ///
  /// A required option absent (or, for text, empty) is a usage error (64) with `command`'s
  /// usage; a value its binding refuses throws the binding's error (a ``CLIError`` with its
  /// exit status).
  package init(_ values: [String: [String]], command: CommandSpec? = nil) throws {
    self.init()
    for binding in Self.options {
      let given = values[binding.spec.name] ?? []
      do {
        if given.isEmpty {
          if binding.required { throw MissingRequiredOption() }
        } else {
          try binding.store(&self, given)
        }
      } catch is MissingRequiredOption {
        let spec = binding.spec
        let placeholder =
          spec.choices.isEmpty ? spec.valueName ?? "" : spec.choices.joined(separator: "|")
        throw CLIError(
          .usage, "missing required option '--\(spec.name) \(placeholder)'",
          hint: command.map(HelpText.usage))
      }
    }
  }
}

/// Thrown by a binding's `store` for a required option given empty (`--out ''`): reported as
/// missing, with the usage.
struct MissingRequiredOption: Error {}

/// The options of a command that has none of its own.
package struct NoOptions: CommandOptions {
  package init() {}
  package static let options: [OptionBinding<Self>] = []
}

/// One option of `Options`: its name and help, and how its values reach a stored property.
package struct OptionBinding<Options>: Sendable {
  /// A key path into the options, for ``OptionBinding`` built in a `static let`.
  package typealias Path<Value> = any WritableKeyPath<Options, Value> & Sendable

  /// The option as the parser and the help see it.
  package var spec: OptionSpec
  /// Whether the command refuses to run without it (64 with the usage).
  package var required: Bool
  /// Stores the values given (at least one; more only when repeatable), or throws the error
  /// to report for a value the binding refuses.
  package var store: @Sendable (inout Options, [String]) throws -> Void

  /// A binding with its own storing: for options whose meaning is not a single property.
  package init(
    spec: OptionSpec, required: Bool = false,
    store: @escaping @Sendable (inout Options, [String]) throws -> Void
  ) {
    self.spec = spec
    self.required = required
    self.store = store
  }

  /// A flag: true when given.
  package static func flag(_ name: String, _ path: Path<Bool>, help: String) -> Self {
    Self(spec: OptionSpec(name, help: help)) { options, _ in options[keyPath: path] = true }
  }

  /// Text: the value given; nil when absent.
  package static func option(
    _ name: String, _ valueName: String, _ path: Path<String?>, help: String
  ) -> Self {
    Self(spec: OptionSpec(name, valueName, help: help)) { options, values in
      options[keyPath: path] = values.last
    }
  }

  /// Text with a default, or `required` (absent or empty: 64 with the usage).
  package static func option(
    _ name: String, _ valueName: String, _ path: Path<String>, required: Bool = false,
    help: String
  ) -> Self {
    Self(spec: OptionSpec(name, valueName, help: help), required: required) { options, values in
      guard let value = values.last else { return }
      if required && value.isEmpty { throw MissingRequiredOption() }
      options[keyPath: path] = value
    }
  }

  /// A repeatable option: every value, in the order given; empty when absent.
  package static func repeating(
    _ name: String, _ valueName: String, _ path: Path<[String]>, help: String
  ) -> Self {
    Self(spec: OptionSpec(name, valueName, repeatable: true, help: help)) { options, values in
      options[keyPath: path] = values
    }
  }

  /// A whole number (`positive`: at least 1); anything else is refused with 64.
  package static func option(
    _ name: String, _ valueName: String, _ path: Path<Int?>, positive: Bool = false,
    help: String
  ) -> Self {
    Self(spec: OptionSpec(name, valueName, help: help)) { options, values in
      guard let text = values.last else { return }
      guard let number = Int(text), !positive || number > 0 else {
        throw CLIError(
          .usage,
          "'--\(name)' must be a \(positive ? "positive " : "")whole number (got '\(text)')")
      }
      options[keyPath: path] = number
    }
  }

  /// One of `Value`'s cases, nil when absent: help lists them, and the parser refuses any
  /// other value (64 with the usage).
  package static func option<Value: CaseIterable & RawRepresentable & Sendable>(
    _ name: String, _ valueName: String, _ path: Path<Value?>, help: String
  ) -> Self where Value.RawValue == String {
    Self(spec: OptionSpec(name, valueName, choices: Value.self, help: help)) { options, values in
      guard let text = values.last else { return }
      options[keyPath: path] = try choice(name, text, Value.self)
    }
  }

  /// One of `Value`'s cases with a default, or `required`.
  package static func option<Value: CaseIterable & RawRepresentable & Sendable>(
    _ name: String, _ valueName: String, _ path: Path<Value>, required: Bool = false,
    help: String
  ) -> Self where Value.RawValue == String {
    Self(
      spec: OptionSpec(name, valueName, choices: Value.self, help: help), required: required
    ) { options, values in
      guard let text = values.last else { return }
      options[keyPath: path] = try choice(name, text, Value.self)
    }
  }

  /// A value of the command's domain (a period, an office id, a checked note): `parse`
  /// converts the text (empty included) or throws the error to report, with its exit status.
  package static func option<Value>(
    _ name: String, _ valueName: String, _ path: Path<Value>, required: Bool = false,
    help: String, parse: @escaping @Sendable (String) throws -> Value
  ) -> Self {
    Self(spec: OptionSpec(name, valueName, help: help), required: required) { options, values in
      guard let text = values.last else { return }
      options[keyPath: path] = try parse(text)
    }
  }

  /// A repeatable value of the command's domain (`FIELD=VALUE`): every value, in the order
  /// given, each converted by `parse`, which throws the error to report.
  package static func repeating<Value>(
    _ name: String, _ valueName: String, _ path: Path<[Value]>, help: String,
    parse: @escaping @Sendable (String) throws -> Value
  ) -> Self {
    Self(spec: OptionSpec(name, valueName, repeatable: true, help: help)) { options, values in
      options[keyPath: path] = try values.map(parse)
    }
  }

  /// The case of `Value` that `text` names.
  ///
  /// The parser has already refused other values; a binding used on its own (tests) refuses
  /// them the same way.
  private static func choice<Value: CaseIterable & RawRepresentable>(
    _ name: String, _ text: String, _ type: Value.Type
  ) throws -> Value where Value.RawValue == String {
    guard let value = Value(rawValue: text) else {
      let choices = Value.allCases.map(\.rawValue).joined(separator: ", ")
      throw CLIError(.usage, "'--\(name)' must be one of \(choices) (got '\(text)')")
    }
    return value
  }
}

/// The options every command accepts (SPEC.md §6), typed on ``Context``.
package struct GlobalOptions: CommandOptions {
  /// `--repo DIR`.
  package var repo: String?
  /// `--format FORMAT` or `--json` (the last one given).
  package var format: OutputFormat?

  package init() {}

  package static let options: [OptionBinding<Self>] = [
    .option("repo", "DIR", \.repo, help: "The repository folder (default: the current folder)."),
    .option("format", "FORMAT", \.format, help: "Output format."),
    // The parser reads --json as --format json (so the last of the two wins) and --help as
    // a request for help; these two bindings are here for the help and the table.
    OptionBinding(spec: OptionSpec("json", help: "Same as --format json.")) { options, _ in
      options.format = .json
    },
    OptionBinding(spec: OptionSpec("help", help: "Show help for the command.")) { _, _ in },
  ]
}

extension Context {
  /// The positional arguments, as many as the command's arity allows.
  package var arguments: [String] { invocation.positionals }
  /// The command running.
  package var command: CommandSpec { invocation.command }
}
