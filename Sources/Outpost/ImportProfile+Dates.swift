import OutpostModel

/// A date pattern of a profile (`yyyy/M/d`, `yyyy年M月d日`, `yyyy-MM-dd HH:mm:ss`).
public struct DatePattern: Sendable, Equatable {
  /// One part of a pattern.
  enum Part: Equatable {
    case literal(String)
    case year
    case month(width: Int?)
    case day(width: Int?)
    case hour(width: Int?)
    case minute(width: Int?)
    case second(width: Int?)
  }
  /// The pattern as written.
  public var text: String
  let parts: [Part]

  /// Whether the pattern has a day (a date) or not (a month).
  public var hasDay: Bool { parts.contains { if case .day = $0 { true } else { false } } }

  /// Parses a pattern, or throws why it is not one.
  static func parse(_ text: String) throws(ModelError) -> DatePattern {
    var parts: [Part] = []
    let chars = Array(text)
    var literal = ""
    var index = 0
    func flush() {
      if !literal.isEmpty { parts.append(.literal(literal)) }
      literal = ""
    }
    while index < chars.count {
      let char = chars[index]
      var run = 1
      while index + run < chars.count && chars[index + run] == char { run += 1 }
      let part: Part?
      switch (char, run) {
      case ("y", 4): part = .year
      case ("M", 1), ("M", 2): part = .month(width: run == 2 ? 2 : nil)
      case ("d", 1), ("d", 2): part = .day(width: run == 2 ? 2 : nil)
      case ("H", 1), ("H", 2): part = .hour(width: run == 2 ? 2 : nil)
      case ("m", 1), ("m", 2): part = .minute(width: run == 2 ? 2 : nil)
      case ("s", 1), ("s", 2): part = .second(width: run == 2 ? 2 : nil)
      case ("y", _), ("M", _), ("d", _), ("H", _), ("m", _), ("s", _):
        throw ModelError("'\(String(repeating: char, count: run))' is not a pattern letter")
      default: part = nil
      }
      if let part {
        flush()
        if parts.contains(where: { Self.sameLetter($0, part) }) {
          throw ModelError("'\(char)' appears twice")
        }
        if let last = parts.last, Self.isVariable(last), Self.isVariable(part) {
          throw ModelError("two variable-width numbers touch; put text between them")
        }
        parts.append(part)
      } else {
        literal += String(repeating: char, count: run)
      }
      index += run
    }
    flush()
    let hasMonth = parts.contains { if case .month = $0 { true } else { false } }
    guard parts.contains(.year), hasMonth else {
      throw ModelError("a pattern needs yyyy and M")
    }
    return DatePattern(text: text, parts: parts)
  }

  private static func sameLetter(_ a: Part, _ b: Part) -> Bool {
    switch (a, b) {
    case (.year, .year), (.month, .month), (.day, .day), (.hour, .hour), (.minute, .minute),
      (.second, .second):
      true
    default: false
    }
  }

  private static func isVariable(_ part: Part) -> Bool {
    switch part {
    case .month(nil), .day(nil), .hour(nil), .minute(nil), .second(nil): true
    default: false
    }
  }

  /// The date (or month, as `YYYY-MM`) a cell holds, or nil when it does not match.
  func match(_ cell: String) -> String? {
    guard let (date, _) = components(cell) else { return nil }
    return hasDay ? date.description : String(date.description.prefix(7))
  }

  /// Whether the pattern has hours and minutes (a timestamp's pattern must).
  public var hasTime: Bool {
    parts.contains { if case .hour = $0 { true } else { false } }
      && parts.contains { if case .minute = $0 { true } else { false } }
  }

  /// The timestamp a cell holds at `offset` (`2026-03-05T14:23:10+08:00`), or nil when it does
  /// not match.
  func matchTimestamp(_ cell: String, offset: String) -> String? {
    guard let (date, time) = components(cell) else { return nil }
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(date)T\(two(time.hour)):\(two(time.minute)):\(two(time.second))\(offset)"
  }

  /// The date and time of a cell matching the whole pattern, or nil.
  private func components(_ cell: String) -> (
    CivilDate, (hour: Int, minute: Int, second: Int)
  )? {
    var rest = Substring(cell)
    var year = 0
    var month = 0
    var day = 1
    var time = (hour: 0, minute: 0, second: 0)
    for part in parts {
      switch part {
      case .literal(let text):
        guard rest.hasPrefix(text) else { return nil }
        rest = rest.dropFirst(text.count)
      case .year:
        guard let value = Self.digits(&rest, 4, 4) else { return nil }
        year = value
      case .month(let width):
        guard let value = Self.digits(&rest, width ?? 1, width ?? 2) else { return nil }
        month = value
      case .day(let width):
        guard let value = Self.digits(&rest, width ?? 1, width ?? 2) else { return nil }
        day = value
      case .hour(let width):
        guard let value = Self.digits(&rest, width ?? 1, width ?? 2) else { return nil }
        time.hour = value
      case .minute(let width):
        guard let value = Self.digits(&rest, width ?? 1, width ?? 2) else { return nil }
        time.minute = value
      case .second(let width):
        guard let value = Self.digits(&rest, width ?? 1, width ?? 2) else { return nil }
        time.second = value
      }
    }
    guard rest.isEmpty, time.hour < 24, time.minute < 60, time.second < 60,
      let date = CivilDate(year: year, month: month, day: day)
    else { return nil }
    return (date, time)
  }

  private static func digits(_ rest: inout Substring, _ least: Int, _ most: Int) -> Int? {
    var value = 0
    var count = 0
    while count < most, let char = rest.first, let digit = char.wholeNumberValue, char.isASCII {
      value = value * 10 + digit
      count += 1
      rest = rest.dropFirst()
    }
    return count >= least ? value : nil
  }
}
