import OutpostModel

/// An option a command accepts.
package struct OptionSpec: Sendable {
  /// The long name without dashes (`repo`).
  package var name: String
  /// The value's placeholder (`DIR`), or nil for a flag.
  package var valueName: String?
  /// Allowed values, if fixed.
  package var choices: [String]
  /// One line of help.
  package var help: String
  /// Whether the option may be given several times.
  package var repeatable: Bool

  /// A flag, or an option taking any text value.
  package init(
    _ name: String, _ valueName: String? = nil, repeatable: Bool = false, help: String
  ) {
    self.name = name
    self.valueName = valueName
    self.choices = []
    self.help = help
    self.repeatable = repeatable
  }

  /// An option whose value is one of `Value`'s cases; the parser refuses any other (64).
  package init<Value: CaseIterable & RawRepresentable>(
    _ name: String, _ valueName: String, choices: Value.Type, repeatable: Bool = false,
    help: String
  ) where Value.RawValue == String {
    self.name = name
    self.valueName = valueName
    self.choices = Value.allCases.map(\.rawValue)
    self.help = help
    self.repeatable = repeatable
  }
}

/// A command as the parser and the help see it.
///
/// Its name, help, options and positional arguments, made from a ``Command`` type
/// (``Command/spec``), never written by hand.
package struct CommandSpec: Sendable {
  /// The name (`import`, or `schema add` for a subcommand).
  package var name: String
  /// One line.
  package var abstract: String
  /// The positional arguments as shown in usage (`<collection>`, `[dir]`, `<field=value>...`).
  package var arguments: [String]
  /// The least and most positional arguments (nil: no upper bound).
  package var arity: (min: Int, max: Int?)
  /// Options specific to the command (the global ones are added by the parser).
  package var options: [OptionSpec]
  /// Longer help.
  package var discussion: String
  /// Example invocations.
  package var examples: [String]
  /// Decodes the command's typed options from the invocation and runs the command.
  package var run: @Sendable (Context) throws -> Void
}

/// A parsed command line.
package struct Invocation: Sendable {
  /// The command.
  package var command: CommandSpec
  /// Option values by long name, in command-line order (flags map to an empty string): what
  /// the command's ``CommandOptions`` are decoded from.
  package var values: [String: [String]] = [:]
  /// The global options, typed.
  package var globals = GlobalOptions()
  /// Positional arguments.
  package var positionals: [String] = []
  /// Whether help was asked for.
  package var wantsHelp = false
}

/// The output formats (`--format`, `--json`).
package enum OutputFormat: String, CaseIterable, Sendable {
  case text, json, csv, ndjson
}

/// The input formats of `import` (`--input`).
package enum InputFormat: String, CaseIterable, Sendable {
  case csv, ndjson, xlsx
}

/// A command-line mistake: exit status 64, with the usage of the command it concerns.
package struct UsageError: Error, Sendable, CustomStringConvertible {
  /// What is wrong.
  package var message: String
  /// The command it concerns, if known.
  package var command: String?

  package var description: String { message }
}

/// Options every command accepts (``GlobalOptions``).
package let globalOptions: [OptionSpec] = GlobalOptions.options.map(\.spec)

/// Parses `arguments` (without the program name) against a command table.
///
/// Accepts `--name value`, `--name=value`, `-h`, flags anywhere after the command, `--` to end
/// options and `-` as a positional (standard input).
package func parseArguments(_ arguments: [String], commands: [CommandSpec]) throws(UsageError)
  -> Invocation?
{
  var rest = arguments[...]
  guard let first = rest.first else { return nil }
  if first == "-h" || first == "--help" || first == "help" {
    rest = rest.dropFirst()
    let name = rest.joined(separator: " ")
    if name.isEmpty { return nil }
    guard let command = commands.first(where: { $0.name == name }) else {
      throw unknownCommand(name, commands)
    }
    var invocation = Invocation(command: command)
    invocation.wantsHelp = true
    return invocation
  }
  // Longest command name first: "schema add" before "schema".
  var match: CommandSpec?
  for command in commands.sorted(by: { $0.name.count > $1.name.count }) {
    let words = command.name.split(separator: " ").map(String.init)
    if rest.count >= words.count && Array(rest.prefix(words.count)) == words {
      match = command
      rest = rest.dropFirst(words.count)
      break
    }
  }
  guard let command = match else { throw unknownCommand(first, commands) }
  var invocation = Invocation(command: command)
  let options = command.options + globalOptions
  var onlyPositionals = false
  while let argument = rest.popFirst() {
    if onlyPositionals || argument == "-" || !argument.hasPrefix("-") {
      invocation.positionals.append(argument)
      continue
    }
    if argument == "--" {
      onlyPositionals = true
      continue
    }
    if argument == "-h" {
      invocation.wantsHelp = true
      continue
    }
    guard argument.hasPrefix("--") else {
      throw UsageError(
        message: "unknown option '\(argument)' for 'outpost \(command.name)'", command: command.name
      )
    }
    var name = String(argument.dropFirst(2))
    var inlineValue: String?
    if let equals = name.firstIndex(of: "=") {
      inlineValue = String(name[name.index(after: equals)...])
      name = String(name[..<equals])
    }
    guard let spec = options.first(where: { $0.name == name }) else {
      var message = "unknown option '--\(name)' for 'outpost \(command.name)'"
      if let guess = suggestion(for: name, among: options.map(\.name)) {
        message += ". Did you mean '--\(guess)'?"
      }
      throw UsageError(message: message, command: command.name)
    }
    var value = ""
    if let valueName = spec.valueName {
      if let inlineValue {
        value = inlineValue
      } else if let next = rest.first, !next.hasPrefix("--") || next == "-" {
        value = next
        rest = rest.dropFirst()
      } else {
        throw UsageError(
          message: "option '--\(name)' needs a value (\(valueName))", command: command.name)
      }
      if !spec.choices.isEmpty && !spec.choices.contains(value) {
        throw UsageError(
          message:
            "'--\(name)' must be one of \(spec.choices.joined(separator: ", ")) (got '\(value)')",
          command: command.name)
      }
    } else if inlineValue != nil {
      throw UsageError(message: "option '--\(name)' takes no value", command: command.name)
    }
    if name == "help" {
      invocation.wantsHelp = true
      continue
    }
    if name == "json" {
      name = "format"
      value = "json"
    }
    if invocation.values[name] != nil && !spec.repeatable && name != "format" {
      throw UsageError(message: "option '--\(name)' given twice", command: command.name)
    }
    invocation.values[name, default: []].append(value)
  }
  do { invocation.globals = try GlobalOptions(invocation.values) } catch {
    throw UsageError(message: "\(error)", command: command.name)
  }
  if invocation.wantsHelp { return invocation }
  if invocation.positionals.count < command.arity.min {
    let missing = command.arguments[min(invocation.positionals.count, command.arguments.count - 1)]
    throw UsageError(message: "missing argument \(missing)", command: command.name)
  }
  if let max = command.arity.max, invocation.positionals.count > max {
    throw UsageError(
      message: "unexpected argument '\(invocation.positionals[max])'", command: command.name)
  }
  return invocation
}

private func unknownCommand(_ name: String, _ commands: [CommandSpec]) -> UsageError {
  var message = "unknown command '\(name)'"
  if let guess = suggestion(for: name, among: commands.map(\.name)) {
    message += ". Did you mean '\(guess)'?"
  }
  return UsageError(message: message, command: nil)
}

/// The closest of `names` to `input` (``Suggestion/closest(to:among:)``).
package func suggestion(for input: String, among names: [String]) -> String? {
  Suggestion.closest(to: input, among: names)
}

/// Help text, generated from the command table.
package enum HelpText {
  /// The overview of every command.
  package static func root(_ commands: [CommandSpec]) -> String {
    var text = """
      OVERVIEW: Outpost keeps an office's promotion and sales records offline, in a journaled
      JSON-file repository, and syncs them with head office.

      USAGE: outpost <command> [options]

      COMMANDS:

      """
    let width = (commands.map(\.name.count).max() ?? 0) + 2
    for command in commands {
      text += "  " + command.name.padding(width) + command.abstract + "\n"
    }
    text += "\n  See 'outpost help <command>' for details.\n"
    return text
  }

  /// The usage line of a command.
  package static func usage(_ command: CommandSpec) -> String {
    var parts = ["outpost", command.name] + command.arguments
    for option in command.options {
      parts.append("[--\(option.name)" + (option.valueName.map { " \($0)" } ?? "") + "]")
    }
    parts.append("[--repo DIR]")
    return parts.joined(separator: " ")
  }

  /// The full help of one command.
  package static func command(_ command: CommandSpec) -> String {
    var text = "OVERVIEW: \(command.abstract)\n\nUSAGE: \(usage(command))\n"
    if !command.discussion.isEmpty { text += "\n" + wrap(command.discussion, indent: 0) }
    let options = command.options + globalOptions
    let labels = options.map { "--\($0.name)" + ($0.valueName.map { " \($0)" } ?? "") }
    let width = (labels.map(\.count).max() ?? 0) + 2
    text += "\nOPTIONS:\n"
    for (label, option) in zip(labels, options) {
      var help = option.help
      if !option.choices.isEmpty && option.name != "format" {
        help += " One of: \(option.choices.joined(separator: ", "))."
      }
      text += "  " + label.padding(width) + help + "\n"
    }
    if !command.examples.isEmpty {
      text += "\nEXAMPLES:\n" + command.examples.map { "  \($0)\n" }.joined()
    }
    return text
  }

  /// Wraps paragraphs at 80 columns.
  static func wrap(_ text: String, indent: Int) -> String {
    var out = ""
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
      var line = String(repeating: " ", count: indent)
      for word in paragraph.split(separator: " ") {
        if line.count + word.count + 1 > 80 && line.trimmingCharacters() != "" {
          out += line + "\n"
          line = String(repeating: " ", count: indent)
        }
        line += (line.trimmingCharacters().isEmpty ? "" : " ") + word
      }
      out += line + "\n"
    }
    return out
  }
}

extension String {
  func padding(_ width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }

  func trimmingCharacters() -> String {
    String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
  }
}
