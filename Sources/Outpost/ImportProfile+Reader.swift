import OutpostCodec
import OutpostModel

extension ImportProfile {
  /// Reads the members of a profile document strictly, naming each by its JSON path.
  struct Reader {
    let source: String

    func fail(_ path: String, _ message: String) -> OutpostError {
      ImportProfile.failure(source, path == "$" ? nil : path, message)
    }

    func object(_ value: JSONValue, _ path: String) throws(OutpostError) -> JSONObject {
      guard case .object(let object) = value else {
        throw fail(path, path == "$" ? "a profile is a JSON object" : "must be a JSON object")
      }
      return object
    }

    func allow(_ object: JSONObject, _ path: String, _ names: [String]) throws(OutpostError) {
      for key in object.keys where !names.contains(key) {
        var message = "has an unknown member '\(key)'"
        if let guess = Suggestion.closest(to: key, among: names) {
          message += "; did you mean '\(guess)'?"
        }
        throw fail(path, message)
      }
    }

    func optionalString(_ value: JSONValue?, _ path: String) throws(OutpostError) -> String? {
      guard let value else { return nil }
      guard case .string(let text) = value, !text.isEmpty else {
        throw fail(path, "must be a non-empty string")
      }
      return text
    }

    func optionalBool(_ value: JSONValue?, _ path: String) throws(OutpostError) -> Bool? {
      guard let value else { return nil }
      guard case .bool(let flag) = value else { throw fail(path, "must be true or false") }
      return flag
    }

    func strings(_ value: JSONValue?, _ path: String) throws(OutpostError) -> [String]? {
      guard let value else { return nil }
      guard case .array(let items) = value, !items.isEmpty else {
        throw fail(path, "must be a non-empty array of strings")
      }
      var texts: [String] = []
      for (index, item) in items.enumerated() {
        guard case .string(let text) = item, !text.isEmpty else {
          throw fail("\(path)[\(index)]", "must be a non-empty string")
        }
        guard !texts.contains(text) else {
          throw fail("\(path)[\(index)]", "'\(text)' is listed twice")
        }
        texts.append(text)
      }
      return texts
    }

    func rules(_ value: JSONValue?, _ path: String) throws(OutpostError) -> [RowRule] {
      guard let value else { return [] }
      guard case .array(let items) = value, !items.isEmpty else {
        throw fail(
          path, "must be a non-empty array of rules {\"column\", \"equals\"|\"starts_with\"}")
      }
      var rules: [RowRule] = []
      for (index, item) in items.enumerated() {
        let rulePath = "\(path)[\(index)]"
        let object = try self.object(item, rulePath)
        try allow(object, rulePath, ["column", "equals", "starts_with"])
        guard let column = try optionalString(object["column"], "\(rulePath).column") else {
          throw fail("\(rulePath).column", "is missing: name the source column to look at")
        }
        let equals = try strings(object["equals"], "\(rulePath).equals")
        let startsWith = try strings(object["starts_with"], "\(rulePath).starts_with")
        let match: RowRule.Match
        switch (equals, startsWith) {
        case (let texts?, nil): match = .equals(texts)
        case (nil, let texts?): match = .startsWith(texts)
        default:
          throw fail(rulePath, "needs exactly one of 'equals' and 'starts_with'")
        }
        rules.append(RowRule(column: column, match: match, path: rulePath))
      }
      return rules
    }

    func cellFormat(_ value: JSONValue, _ path: String) throws(OutpostError) -> CellFormat {
      let object = try self.object(value, path)
      try allow(
        object, path,
        ["date", "offset", "thousands", "currency", "percent", "fullwidth", "negative_parentheses"])
      var format = CellFormat()
      if let date = object["date"] {
        let patterns: [String]
        if case .string(let text) = date {
          patterns = [text]
        } else if let texts = try strings(date, "\(path).date") {
          patterns = texts
        } else {
          patterns = []
        }
        for (index, text) in patterns.enumerated() {
          do throws(ModelError) { format.dates.append(try DatePattern.parse(text)) } catch {
            throw fail(
              patterns.count == 1 ? "\(path).date" : "\(path).date[\(index)]",
              "'\(text)' is not a date pattern: \(error.message) (letters: yyyy M MM d dd H HH m "
                + "mm s ss)")
          }
        }
      }
      if let offset = try optionalString(object["offset"], "\(path).offset") {
        guard Self.isOffset(offset) else {
          throw fail("\(path).offset", "'\(offset)' is not a UTC offset such as +08:00 or Z")
        }
        guard !format.dates.isEmpty else {
          throw fail("\(path).offset", "applies to the cells the date patterns read; give 'date'")
        }
        format.offset = offset
      }
      if let separator = try optionalString(object["thousands"], "\(path).thousands") {
        guard [",", "，", " "].contains(separator) else {
          throw fail("\(path).thousands", "must be \",\", \"，\" or \" \"")
        }
        format.thousands = separator
      }
      format.currency = try strings(object["currency"], "\(path).currency") ?? []
      for (index, symbol) in format.currency.enumerated()
      where symbol.contains(where: { ".-+%(),，．－ \u{3000}".contains($0) || $0.isNumber }) {
        throw fail(
          "\(path).currency[\(index)]",
          "'\(symbol)' holds a digit, sign, point or separator, so removing it would change "
            + "numbers; a currency text is a sign or a word (¥, ￥, 元, CNY)")
      }
      format.percent = try optionalBool(object["percent"], "\(path).percent") ?? false
      format.fullwidth = try optionalBool(object["fullwidth"], "\(path).fullwidth") ?? false
      format.negativeParentheses =
        try optionalBool(object["negative_parentheses"], "\(path).negative_parentheses") ?? false
      guard !format.dates.isEmpty || format.hasNumberMembers else {
        throw fail(path, "is empty, so it would have no effect")
      }
      return format
    }

    /// Whether `text` is `Z` or `+HH:MM`/`-HH:MM` with hours 00–23 and minutes 00–59.
    static func isOffset(_ text: String) -> Bool {
      if text == "Z" { return true }
      let chars = Array(text.utf8)
      guard chars.count == 6, chars[0] == UInt8(ascii: "+") || chars[0] == UInt8(ascii: "-"),
        chars[3] == UInt8(ascii: ":")
      else { return false }
      let digits = [chars[1], chars[2], chars[4], chars[5]]
      guard digits.allSatisfy({ (48...57).contains($0) }) else { return false }
      let hours = Int(digits[0] - 48) * 10 + Int(digits[1] - 48)
      let minutes = Int(digits[2] - 48) * 10 + Int(digits[3] - 48)
      return hours < 24 && minutes < 60
    }
  }
}
