import OutpostCodec
import OutpostModel

/// A profile judged against its collection, and the rewriting of cells it describes.
extension ImportProfile {
  /// The field that holds a record's source id when its id is derived (SPEC.md §3.6).
  public static let sourceIDField = "source_id"

  /// Checks every member against the collection's schema (SPEC.md §3.6): the fields exist, each
  /// is named once, and each member can have an effect on the fields it names.
  public func check(against schema: CollectionSchema) throws(OutpostError) {
    func fail(_ path: String, _ message: String) -> OutpostError {
      Self.failure(source, path, message)
    }
    guard collection == schema.name else {
      throw fail("collection", "is '\(collection)', but the import is into '\(schema.name)'")
    }
    var mapped: [String: String] = [:]
    for (header, field) in columns {
      guard schema.columns.contains(field) else {
        var message = "'\(field)' is not a column of '\(schema.name)'"
        if let guess = Suggestion.closest(to: field, among: schema.columns) {
          message += "; did you mean '\(guess)'?"
        }
        throw fail("columns.\(header)", message)
      }
      if let other = mapped[field] {
        throw fail("columns.\(header)", "'\(field)' is already mapped from column '\(other)'")
      }
      if ignore.contains(header) {
        throw fail("ignore", "'\(header)' is both mapped (columns) and ignored")
      }
      mapped[field] = header
    }
    for (field, cell) in constants {
      guard schema.columns.contains(field) else {
        throw fail("constants.\(field)", "'\(field)' is not a column of '\(schema.name)'")
      }
      if let header = mapped[field] {
        throw fail("constants.\(field)", "'\(field)' is also mapped from column '\(header)'")
      }
      if let spec = schema.field(field) {
        do throws(ModelError) { _ = try spec.parseCell(cell) } catch {
          throw fail("constants.\(field)", error.message)
        }
      }
    }
    for field in values.keys.sorted() {
      guard mapped[field] != nil else {
        throw fail("values.\(field)", notFromColumn(field, schema))
      }
      for (from, to) in values[field]!.sorted(by: { $0.key < $1.key }) {
        guard from != to else {
          throw fail("values.\(field).\(from)", "maps '\(from)' to itself, so it has no effect")
        }
        // A target is a cell of the field, unless a format still applies to it.
        guard let spec = schema.field(field), formats[field] == nil,
          !(Self.isNumber(spec.type) && numberFormat != nil)
        else { continue }
        do throws(ModelError) { _ = try spec.parseCell(to) } catch {
          throw fail("values.\(field).\(from)", error.message)
        }
      }
    }
    let keys: [String]
    switch schema.idRule {
    case .composite(let fields): keys = fields
    case .column(let column): keys = [column]
    }
    for field in formats.keys.sorted() {
      let path = "formats.\(field)"
      guard mapped[field] != nil, let spec = schema.field(field) else {
        throw fail(path, notFromColumn(field, schema))
      }
      try checkFormat(formats[field]!, spec, path, fail)
    }
    if let numberFormat {
      let numeric = columns.compactMap { schema.field($0.field) }.filter {
        formats[$0.name] == nil && Self.isNumber($0.type)
      }
      guard !numeric.isEmpty else {
        throw fail(
          "number_format",
          "applies to no field: no integer or decimal field without its own format is mapped")
      }
      if numberFormat.percent && !numeric.contains(where: { Self.isDecimal($0.type) }) {
        throw fail("number_format.percent", "applies to no decimal field")
      }
      if numberFormat.negativeParentheses && !numeric.contains(where: Self.allowsNegative) {
        throw fail("number_format.negative_parentheses", "applies to no field that may be negative")
      }
    }
    for (index, field) in (aggregateSum ?? []).enumerated() {
      let path = "aggregate.sum[\(index)]"
      guard mapped[field] != nil, let spec = schema.field(field) else {
        throw fail(path, notFromColumn(field, schema))
      }
      guard !keys.contains(field) else {
        throw fail(path, "'\(field)' identifies the record, so it cannot be added up")
      }
      guard Self.isNumber(spec.type) else {
        throw fail(path, "'\(field)' is \(spec.type.name), not a number, so it cannot be added up")
      }
    }
    for (index, field) in deriveIDs.enumerated() {
      let path = "derive_ids[\(index)]"
      guard mapped[field] != nil else { throw fail(path, notFromColumn(field, schema)) }
      if case .column(let column) = schema.idRule, field == column {
        guard schema.field(Self.sourceIDField) != nil else {
          throw fail(
            path,
            "'\(schema.name)' has no '\(Self.sourceIDField)' field to keep the source's id in")
        }
        if let header = mapped[Self.sourceIDField] {
          throw fail(
            path,
            "the derived id keeps the source's id in '\(Self.sourceIDField)', which column "
              + "'\(header)' also fills; map that column elsewhere or ignore it")
        }
        if constants.contains(where: { $0.field == Self.sourceIDField }) {
          throw fail(
            path,
            "the derived id keeps the source's id in '\(Self.sourceIDField)', which "
              + "'constants' also sets")
        }
        continue
      }
      guard let spec = schema.field(field), case .string = spec.type, !keys.contains(field) else {
        throw fail(
          path,
          "'\(field)' is neither the id column nor a text field that refers to an id")
      }
    }
  }

  private func notFromColumn(_ field: String, _ schema: CollectionSchema) -> String {
    schema.columns.contains(field)
      ? "'\(field)' is not mapped from a column (see 'columns'), so this would have no effect"
      : "'\(field)' is not a column of '\(schema.name)'"
  }

  private func checkFormat(
    _ format: CellFormat, _ spec: FieldSpec, _ path: String,
    _ fail: (String, String) -> OutpostError
  ) throws(OutpostError) {
    if !format.dates.isEmpty {
      switch spec.type {
      case .date:
        if let pattern = format.dates.first(where: { !$0.hasDay }) {
          throw fail(
            "\(path).date", "'\(pattern.text)' has no day (d), but '\(spec.name)' is a date")
        }
      case .month:
        if let pattern = format.dates.first(where: \.hasDay) {
          throw fail("\(path).date", "'\(pattern.text)' has a day, but '\(spec.name)' is a month")
        }
      case .timestamp:
        if let pattern = format.dates.first(where: { !$0.hasTime || !$0.hasDay }) {
          throw fail(
            "\(path).date",
            "'\(pattern.text)' has no day, hour or minute, but '\(spec.name)' is a timestamp")
        }
        guard format.offset != nil else {
          throw fail(
            "\(path).offset",
            "is missing: '\(spec.name)' is a timestamp, which needs the cells' UTC offset "
              + "(+08:00 for China)")
        }
      default:
        throw fail(
          "\(path).date", "'\(spec.name)' is \(spec.type.name), not a date, month or timestamp")
      }
      if format.offset != nil && spec.type != .timestamp {
        throw fail("\(path).offset", "'\(spec.name)' is \(spec.type.name), not a timestamp")
      }
    }
    if format.hasNumberMembers && !Self.isNumber(spec.type) {
      throw fail(path, "'\(spec.name)' is \(spec.type.name): number members do not apply")
    }
    if format.percent && !Self.isDecimal(spec.type) {
      throw fail("\(path).percent", "'\(spec.name)' is a whole number, so 5% could not be stored")
    }
    if format.negativeParentheses && !Self.allowsNegative(spec) {
      throw fail("\(path).negative_parentheses", "'\(spec.name)' may not be negative")
    }
  }

  static func isNumber(_ type: FieldType) -> Bool {
    switch type {
    case .integer, .decimal: true
    default: false
    }
  }

  static func isDecimal(_ type: FieldType) -> Bool {
    if case .decimal = type { return true }
    return false
  }

  static func allowsNegative(_ spec: FieldSpec) -> Bool {
    switch spec.type {
    case .decimal(_, _, let allowsNegative): allowsNegative
    case .integer(let minimum): minimum < 0
    default: false
    }
  }

  /// The member a refused cell of `spec` concerns: the field's format when one applied, else
  /// the column's mapping.
  func memberFor(_ spec: FieldSpec, header: String) -> String {
    format(of: spec)?.path ?? "columns.\(header)"
  }

  /// The format that applies to `spec`'s cells and its member: the field's own, else
  /// `number_format` for a number field.
  private func format(of spec: FieldSpec) -> (format: CellFormat, path: String)? {
    if let own = formats[spec.name] { return (own, "formats.\(spec.name)") }
    if let numberFormat, Self.isNumber(spec.type) { return (numberFormat, "number_format") }
    return nil
  }

  // MARK: Cells

  /// Removes spaces (U+0020, U+3000) and tabs around a cell.
  static func trimmed(_ cell: String) -> String {
    let blank: (Character) -> Bool = { $0 == " " || $0 == "\u{3000}" || $0 == "\t" }
    guard let first = cell.firstIndex(where: { !blank($0) }),
      let last = cell.lastIndex(where: { !blank($0) })
    else { return "" }
    return String(cell[first...last])
  }

  /// The cell text a source cell stands for in `field`, after `values` and `formats`; or the
  /// problem and the member involved.
  func rewrite(_ source: String, _ spec: FieldSpec) -> Result<String, CellProblem> {
    let cell = values[spec.name]?[source] ?? source
    if cell.isEmpty { return .success(cell) }
    guard let (format, path) = format(of: spec) else { return .success(cell) }
    if !format.dates.isEmpty {
      if let offset = format.offset {
        if (try? spec.type.parseCell(cell)) != nil { return .success(cell) }
        for pattern in format.dates {
          if let timestamp = pattern.matchTimestamp(cell, offset: offset) {
            return .success(timestamp)
          }
        }
      } else {
        // A cell already in the field's own form (`2026-03-01`, `2026-03`) is taken as it is.
        if (try? spec.type.parseCell(cell)) != nil { return .success(cell) }
        for pattern in format.dates {
          if let date = pattern.match(cell) { return .success(date) }
        }
      }
      let patterns = format.dates.map(\.text).joined(separator: ", ")
      return .failure(
        CellProblem(
          "'\(cell)' matches none of the date patterns (\(patterns))", rule: "\(path).date"))
    }
    return Self.rewriteNumber(cell, format, spec).mapError {
      CellProblem($0.message, rule: path)
    }
  }

  /// A number cell rewritten as SPEC.md §3.6 says: full-width forms, parentheses, currency,
  /// thousands separators, percent; what is left is judged by the field.
  static func rewriteNumber(_ cell: String, _ format: CellFormat, _ spec: FieldSpec)
    -> Result<String, CellProblem>
  {
    var text = cell
    if format.fullwidth {
      text = String(
        String.UnicodeScalarView(
          text.unicodeScalars.map { scalar in
            switch scalar.value {
            case 0xFF10...0xFF19, 0xFF0E, 0xFF0C, 0xFF0D, 0xFF05, 0xFF08, 0xFF09:
              Unicode.Scalar(scalar.value - 0xFEE0)!
            default: scalar
            }
          }))
    }
    var negative = false
    if format.negativeParentheses, text.hasPrefix("("), text.hasSuffix(")"), text.count > 2 {
      text = String(text.dropFirst().dropLast())
      negative = true
    }
    var sign = ""
    if text.hasPrefix("-") {
      sign = "-"
      text.removeFirst()
    }
    for symbol in format.currency {
      if text.hasPrefix(symbol) {
        text.removeFirst(symbol.count)
        break
      }
      if text.hasSuffix(symbol) {
        text.removeLast(symbol.count)
        break
      }
    }
    if sign.isEmpty && text.hasPrefix("-") {
      sign = "-"
      text.removeFirst()
    }
    if negative {
      guard sign.isEmpty else {
        return .failure(CellProblem("'\(cell)' is negative twice", rule: nil))
      }
      sign = "-"
    }
    // Full-width text has its separator made ASCII too.
    let separator = format.fullwidth && format.thousands == "，" ? "," : format.thousands
    if let separator, text.contains(separator) {
      let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
      let groups = parts[0].split(separator: separator, omittingEmptySubsequences: false)
      let digitsOnly = groups.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isNumber } }
      guard digitsOnly, (1...3).contains(groups[0].count),
        groups.dropFirst().allSatisfy({ $0.count == 3 })
      else {
        return .failure(
          CellProblem(
            "'\(cell)' has the thousands separator '\(separator)' out of place (groups of three "
              + "digits: 11,652)", rule: nil))
      }
      text = groups.joined() + (parts.count > 1 ? "." + parts[1] : "")
    }
    if format.percent && text.hasSuffix("%") {
      text.removeLast()
      guard let shifted = shiftedTwoPlaces(text) else {
        return .failure(CellProblem("'\(cell)' is not a percentage such as 5% or 12.5%", rule: nil))
      }
      text = shifted
    }
    return .success(sign + text)
  }

  /// A plain decimal text divided by 100 by moving its point, or nil if it is not one.
  static func shiftedTwoPlaces(_ text: String) -> String? {
    let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    let whole = String(parts[0])
    let fraction = parts.count > 1 ? String(parts[1]) : ""
    // A plain decimal, as a cell of the field would be: no leading zeros, no bare point.
    guard !whole.isEmpty, (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }),
      whole == "0" || !whole.hasPrefix("0"), parts.count == 1 || !fraction.isEmpty
    else { return nil }
    let padded = String(repeating: "0", count: max(0, 3 - whole.count)) + whole
    let point = padded.index(padded.endIndex, offsetBy: -2)
    var integer = String(padded[..<point])
    while integer.count > 1 && integer.hasPrefix("0") { integer.removeFirst() }
    return integer + "." + padded[point...] + fraction
  }
}

/// A problem with one cell: the message and the profile member involved.
struct CellProblem: Error, Equatable {
  var message: String
  var rule: String?

  init(_ message: String, rule: String?) {
    self.message = message
    self.rule = rule
  }
}
