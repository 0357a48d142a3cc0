/// The parsed command line: a subcommand, `--name value` options and `--flag`s.
struct Options {
  /// The subcommand (`store`, `json`, `merge`, or `phase` for a child process).
  var command: String
  /// Positional arguments after the subcommand.
  var positionals: [String] = []
  /// Option values by name (without dashes).
  var values: [String: String] = [:]
  /// Flags given.
  var flags: Set<String> = []

  /// Options that take no value.
  static let flagNames: Set<String> = ["pretty", "keep", "help"]

  /// Parses `arguments` (without the program name).
  ///
  /// - Throws: ``UsageError`` for a missing subcommand or a value-less option.
  init(_ arguments: [String]) throws(UsageError) {
    guard let first = arguments.first else { throw UsageError("missing subcommand") }
    command = first
    var index = 1
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      guard argument.hasPrefix("--") else {
        positionals.append(argument)
        continue
      }
      let name = String(argument.dropFirst(2))
      if let equals = name.firstIndex(of: "=") {
        values[String(name[..<equals])] = String(name[name.index(after: equals)...])
        continue
      }
      if Self.flagNames.contains(name) {
        flags.insert(name)
        continue
      }
      guard index < arguments.count else { throw UsageError("option --\(name) needs a value") }
      values[name] = arguments[index]
      index += 1
    }
  }

  /// Refuses options a subcommand does not know.
  func check(allowed: Set<String>) throws(UsageError) {
    let common: Set<String> = ["seed", "out", "work", "pretty", "keep", "help"]
    for name in Set(values.keys).union(flags)
    where !allowed.contains(name) && !common.contains(name) {
      throw UsageError("unknown option --\(name) for '\(command)'")
    }
  }

  /// A count such as `1000000`, `1_000_000`, `100k` or `1M`, or `fallback` if absent.
  func count(_ name: String, default fallback: Int) throws(UsageError) -> Int {
    guard let text = values[name] else { return fallback }
    guard let value = Self.parseCount(text), value >= 0 else {
      throw UsageError("--\(name) expects a count such as 1000, 100k or 1M, not '\(text)'")
    }
    return value
  }

  /// A comma-separated list of counts (`10k,100k,1M`), or `fallback` if absent.
  func counts(_ name: String, default fallback: [Int]) throws(UsageError) -> [Int] {
    guard let text = values[name] else { return fallback }
    var result: [Int] = []
    for part in text.split(separator: ",") {
      guard let value = Self.parseCount(String(part)), value > 0 else {
        throw UsageError("--\(name) expects counts separated by commas, not '\(text)'")
      }
      result.append(value)
    }
    return result
  }

  /// A fraction between 0 and 1, or `fallback` if absent.
  func fraction(_ name: String, default fallback: Double) throws(UsageError) -> Double {
    guard let text = values[name] else { return fallback }
    guard let value = Double(text), value >= 0, value <= 1 else {
      throw UsageError("--\(name) expects a fraction between 0 and 1, not '\(text)'")
    }
    return value
  }

  /// The seed (`--seed`), default 20261202.
  func seed() throws(UsageError) -> UInt64 {
    guard let text = values["seed"] else { return 20_261_202 }
    guard let value = UInt64(text) else { throw UsageError("--seed expects an unsigned integer") }
    return value
  }

  /// A string option, or nil.
  func string(_ name: String) -> String? { values[name] }

  static func parseCount(_ text: String) -> Int? {
    var digits = text.filter { $0 != "_" }
    var factor = 1
    switch digits.last {
    case "k", "K":
      factor = 1_000
      digits.removeLast()
    case "m", "M":
      factor = 1_000_000
      digits.removeLast()
    default: break
    }
    guard let value = Int(digits) else { return nil }
    let (product, overflow) = value.multipliedReportingOverflow(by: factor)
    return overflow ? nil : product
  }
}

/// A command-line mistake: exit status 64 with usage.
struct UsageError: Error, CustomStringConvertible {
  /// What is wrong.
  var description: String

  /// Creates an error.
  init(_ description: String) { self.description = description }
}
