/// A column's labels, Chinese and English, as business users write them in spreadsheet headers
/// (SPEC.md §3.7).
public struct FieldLabel: Sendable, Hashable {
  /// The Chinese label (`订单号`).
  public var zh: String
  /// The English label (`Order ID`).
  public var en: String

  /// Creates a label.
  public init(zh: String, en: String) {
    self.zh = zh
    self.en = en
  }
}

extension CollectionSchema {
  /// The labels of a column (the id column or a field), or nil when it has none or there is no
  /// such column.
  public func label(ofColumn column: String) -> FieldLabel? {
    if case .column(let id) = idRule, id == column { return idLabel }
    return field(column)?.label
  }

  /// The column a CSV header names, or nil when none (SPEC.md §3.7).
  ///
  /// The field (or id column) a CSV header names: its name, or its zh or en label (exact match
  /// after trimming nothing; en compared ignoring ASCII case). Nil when none.
  ///
  /// A schema never lets one header name two columns (its initializer refuses such labels), so
  /// the answer does not depend on the order of the columns.
  public func column(forHeader header: String) -> String? {
    if columns.contains(header) { return header }
    let folded = Self.foldingASCIICase(header)
    for column in columns {
      guard let label = label(ofColumn: column) else { continue }
      if label.zh == header || Self.foldingASCIICase(label.en) == folded { return column }
    }
    return nil
  }

  /// `text` with ASCII capitals made small; every other character as it is.
  static func foldingASCIICase(_ text: String) -> String {
    String(
      decoding: text.utf8.map {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 32 : $0
      }, as: UTF8.self)
  }

  /// Refuses labels that are empty, padded with spaces or hold control characters, and any two
  /// columns a header could both name: a label equal to another column's name or label (the
  /// English ones and anything compared with them ignoring ASCII case).
  func checkLabels() throws(ModelError) {
    // Each column's words as a header matches them: exactly (its name, its zh label) or
    // ignoring ASCII case (its en label).
    var exact: [String: String] = [:]
    var folded: [String: String] = [:]
    func claim(_ word: String, _ column: String, _ table: inout [String: String])
      throws(ModelError)
    {
      if let other = table[word], other != column {
        throw ModelError(
          "in '\(name)', the header \"\(word)\" would name both '\(other)' and '\(column)'; "
            + "give each column its own labels")
      }
      table[word] = column
    }
    for column in columns {
      try claim(column, column, &exact)
      try claim(Self.foldingASCIICase(column), column, &folded)
    }
    for column in columns {
      guard let label = label(ofColumn: column) else { continue }
      for text in [label.zh, label.en] {
        guard !text.isEmpty, text.unicodeScalars.first != " ", text.unicodeScalars.last != " ",
          !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
          throw ModelError(
            "label \"\(text)\" of '\(name).\(column)' must be non-empty, without surrounding "
              + "spaces or control characters")
        }
      }
      try claim(label.zh, column, &exact)
      try claim(Self.foldingASCIICase(label.zh), column, &folded)
      try claim(Self.foldingASCIICase(label.en), column, &folded)
    }
  }
}
