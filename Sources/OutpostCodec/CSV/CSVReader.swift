/// Why a CSV text was refused, and where.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The physical line (1-based) where the problem is.
  public var line: Int
  /// The field (1-based), when the problem is in one.
  public var column: Int?
  /// What is wrong and what to do.
  public var message: String

  /// Creates an error.
  public init(line: Int, column: Int? = nil, _ message: String) {
    self.line = line
    self.column = column
    self.message = message
  }

  public var description: String {
    "line \(line)" + (column.map { ", column \($0)" } ?? "") + ": \(message)"
  }
}

/// One CSV record and the line it starts on.
public struct CSVRecord: Sendable, Equatable {
  /// The physical line (1-based) where the record starts.
  public var line: Int
  /// The fields, unquoted.
  public var fields: [String]
}

/// How a ``CSVReader`` reads: the separator, where the header is, and what it tolerates.
///
/// The default is the strict reading of SPEC.md §3.2. An import profile (§3.6) may name another
/// delimiter, a later header line, and leave blank lines and ragged rows to its own rules.
public struct CSVOptions: Sendable, Equatable {
  /// The byte between fields: `,` (default), `;` or TAB.
  public var delimiter: UInt8
  /// The physical line (1-based) holding the header; lines before it are not read.
  public var headerLine: Int
  /// Whether blank lines and ragged records are returned rather than refused.
  ///
  /// A blank line before the end is then a record of one empty field, and a record whose field
  /// count differs from the header's is returned as it is. The header itself is not checked for
  /// empty or repeated names either: the caller judges them.
  public var lenient: Bool

  /// Creates options; the defaults are the strict reading.
  public init(delimiter: UInt8 = UInt8(ascii: ","), headerLine: Int = 1, lenient: Bool = false) {
    self.delimiter = delimiter
    self.headerLine = headerLine
    self.lenient = lenient
  }
}

/// A strict RFC 4180 reader (SPEC.md §3.2).
///
/// Fields are separated by `,`, records end with CRLF or LF, and a field may be quoted with
/// `"` (a doubled `""` inside is one quote; commas and line breaks inside are literal). The
/// input must be UTF-8; a UTF-8 byte order mark at the start is skipped (spreadsheet programs
/// write one). Nothing is repaired silently: a quote inside an unquoted field, text after a
/// closing quote, an unterminated quote, a bare CR, a blank line before the end, and a record
/// whose field count differs from the header's are errors with their line and column. A cell
/// that ``CSVWriter`` protected against formula injection is read back as the original value
/// (``CSVFormula``). ``CSVOptions`` relaxes some of this for import profiles.
public struct CSVReader: Sendable {
  /// The header's column names.
  public let header: [String]
  /// The physical line the header is on.
  public let headerLine: Int
  private let bytes: [UInt8]
  private var index: Int
  private var line: Int
  private let options: CSVOptions

  /// Reads the header row of `bytes`.
  public init(bytes: [UInt8], options: CSVOptions = CSVOptions()) throws(CSVError) {
    self.bytes = bytes
    self.options = options
    index = 0
    line = 1
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    if let bad = Self.invalidUTF8Offset(bytes) {
      let badLine = bytes[0..<bad].reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
      throw CSVError(line: badLine, "invalid UTF-8 at byte \(bad); save the file as UTF-8")
    }
    // Lines before the header are skipped as lines, unparsed: report titles, date ranges.
    while line < options.headerLine {
      guard let end = bytes[index...].firstIndex(of: 10) else {
        if bytes[index...].contains(13) {
          throw CSVError(
            line: line,
            "the lines end in a carriage return (CR) alone, which Outpost does not read; save "
              + "the file with LF or CRLF line ends")
        }
        let lines = index < bytes.count ? line : line - 1
        throw CSVError(
          line: lines,
          "the file has \(lines) line(s), so it has no line \(options.headerLine) for the header")
      }
      index = end + 1
      line += 1
    }
    headerLine = line
    guard index < bytes.count,
      let first = try Self.readRecord(bytes, &index, &line, options.delimiter, blankOK: false)
    else {
      throw CSVError(
        line: line,
        options.headerLine == 1
          ? "the file is empty; a header row is required"
          : "line \(options.headerLine) is empty; the header row is required there")
    }
    let header = first.fields.map(CSVFormula.restored)
    if !options.lenient {
      var seen: [String: Int] = [:]
      for (i, name) in header.enumerated() {
        if name.isEmpty {
          throw CSVError(line: first.line, column: i + 1, "empty column name in the header")
        }
        if name.first == " " || name.last == " " {
          throw CSVError(
            line: first.line, column: i + 1,
            "column name '\(name)' has surrounding spaces; remove them")
        }
        if let other = seen[name] {
          throw CSVError(
            line: first.line, column: i + 1,
            "column '\(name)' appears twice (columns \(other) and \(i + 1))")
        }
        seen[name] = i + 1
      }
    }
    self.header = header
  }

  /// The next record, or nil at the end of the input.
  ///
  /// Fields are given as the values they stand for: a `'` that ``CSVWriter`` put before a
  /// formula-like value is removed (``CSVFormula/restored(_:)``).
  public mutating func next() throws(CSVError) -> CSVRecord? {
    guard
      var record = try Self.readRecord(
        bytes, &index, &line, options.delimiter, blankOK: options.lenient)
    else { return nil }
    guard options.lenient || record.fields.count == header.count else {
      throw CSVError(
        line: record.line,
        "expected \(header.count) fields (as in the header), found \(record.fields.count)")
    }
    record.fields = record.fields.map(CSVFormula.restored)
    return record
  }

  /// Reads every record.
  public static func readAll(_ bytes: [UInt8]) throws(CSVError) -> (
    header: [String], records: [CSVRecord]
  ) {
    var reader = try CSVReader(bytes: bytes)
    var records: [CSVRecord] = []
    while let record = try reader.next() { records.append(record) }
    return (reader.header, records)
  }

  private static func readRecord(
    _ bytes: [UInt8], _ index: inout Int, _ line: inout Int, _ delimiter: UInt8, blankOK: Bool
  ) throws(CSVError) -> CSVRecord? {
    guard index < bytes.count else { return nil }
    let startLine = line
    // A blank line: allowed only when nothing but line breaks follows (the end of the file).
    if bytes[index] == 10 || bytes[index] == 13 {
      var rest = index
      while rest < bytes.count && (bytes[rest] == 10 || bytes[rest] == 13) { rest += 1 }
      if rest == bytes.count {
        index = rest
        return nil
      }
      if blankOK {
        if bytes[index] == 13 {
          guard index + 1 < bytes.count, bytes[index + 1] == 10 else {
            throw CSVError(
              line: line, "a carriage return (CR) without a line feed; use LF or CRLF line ends")
          }
          index += 1
        }
        index += 1
        line += 1
        return CSVRecord(line: startLine, fields: [""])
      }
      throw CSVError(line: line, "blank line; remove it (a blank line is not a record)")
    }
    var fields: [String] = []
    var field: [UInt8] = []
    while true {
      let column = fields.count + 1
      field.removeAll(keepingCapacity: true)
      if index < bytes.count && bytes[index] == UInt8(ascii: "\"") {
        let quoteLine = line
        index += 1
        while true {
          guard index < bytes.count else {
            throw CSVError(
              line: quoteLine, column: column,
              "unterminated quoted field (the quote opened here is never closed)")
          }
          let byte = bytes[index]
          if byte == UInt8(ascii: "\"") {
            if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
              field.append(byte)
              index += 2
              continue
            }
            index += 1
            break
          }
          if byte == 10 { line += 1 }
          field.append(byte)
          index += 1
        }
        if index < bytes.count && bytes[index] != delimiter && bytes[index] != 10
          && bytes[index] != 13
        {
          let shown = delimiter == 9 ? "a tab" : "'\(Character(Unicode.Scalar(delimiter)))'"
          throw CSVError(
            line: line, column: column,
            "unexpected text after a closing quote; a quoted field must end at \(shown) or the "
              + "line end")
        }
      } else {
        while index < bytes.count {
          let byte = bytes[index]
          if byte == delimiter || byte == 10 || byte == 13 { break }
          if byte == UInt8(ascii: "\"") {
            throw CSVError(
              line: line, column: column,
              "unexpected '\"' in an unquoted field; quote the whole field and double inner quotes")
          }
          field.append(byte)
          index += 1
        }
      }
      fields.append(String(decoding: field, as: UTF8.self))
      if index >= bytes.count { return CSVRecord(line: startLine, fields: fields) }
      let byte = bytes[index]
      if byte == delimiter {
        index += 1
        continue
      }
      if byte == 13 {
        guard index + 1 < bytes.count, bytes[index + 1] == 10 else {
          throw CSVError(
            line: line, column: column,
            "a carriage return (CR) without a line feed; use LF or CRLF line ends")
        }
        index += 1
      }
      index += 1  // LF
      line += 1
      return CSVRecord(line: startLine, fields: fields)
    }
  }

  /// The offset of the first byte that is not part of valid UTF-8 (RFC 3629: no overlong
  /// forms, no surrogates, nothing above U+10FFFF), if any.
  public static func invalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
    var i = 0
    while i < bytes.count {
      let b0 = bytes[i]
      if b0 < 0x80 {
        i += 1
        continue
      }
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      let length: Int
      switch b0 {
      case 0xC2...0xDF: length = 2
      case 0xE0: (length, low) = (3, 0xA0)
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED: (length, high) = (3, 0x9F)
      case 0xF0: (length, low) = (4, 0x90)
      case 0xF1...0xF3: length = 4
      case 0xF4: (length, high) = (4, 0x8F)
      default: return i
      }
      guard i + length <= bytes.count else { return i }
      for k in 1..<length {
        let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
        if bytes[i + k] < lo || bytes[i + k] > hi { return i }
      }
      i += length
    }
    return nil
  }
}

/// Keeps a spreadsheet from running a CSV cell as a formula (SPEC.md §3.2), reversibly.
///
/// Spreadsheet programs treat a cell that begins with `=`, `+`, `-`, `@`, TAB or CR as a
/// formula, so a value such as `=HYPERLINK("http://…","click")` in a record would run on the
/// machine that opens an export. As OWASP recommends, ``neutralized(_:)`` prefixes such a cell
/// with a single quote `'`, which spreadsheets read as "text follows" and do not show. A cell
/// that already begins with `'` is prefixed too, so the rule can be undone exactly:
/// ``restored(_:)`` removes one leading `'` when a trigger character or another `'` follows it.
/// A plain decimal number (`-12.50`, `-3`) is a number, not a formula, and is written as is.
public enum CSVFormula {
  /// The first characters that make a spreadsheet evaluate a cell.
  static func isTrigger(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
      || byte == UInt8(ascii: "@") || byte == 0x09 || byte == 0x0D
  }

  /// Whether `field` is `-`? digits, optionally `.` and digits: a number, never a formula.
  static func isPlainNumber(_ field: String) -> Bool {
    var bytes = field.utf8[...]
    if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
    let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count <= 2 else { return false }
    return parts.allSatisfy { part in
      !part.isEmpty && part.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
  }

  /// The cell to write for `field`: `'` + `field` when it begins with a trigger character or
  /// `'` (and is not a plain number), else `field` unchanged.
  public static func neutralized(_ field: String) -> String {
    guard let first = field.utf8.first, isTrigger(first) || first == UInt8(ascii: "'") else {
      return field
    }
    return isPlainNumber(field) ? field : "'" + field
  }

  /// The value a cell read from CSV stands for.
  ///
  /// That is the cell without its first `'` when a trigger character or another `'` follows
  /// it, else the cell unchanged: the inverse of ``neutralized(_:)``.
  public static func restored(_ cell: String) -> String {
    var bytes = cell.utf8.makeIterator()
    guard bytes.next() == UInt8(ascii: "'"), let second = bytes.next(),
      isTrigger(second) || second == UInt8(ascii: "'")
    else { return cell }
    return String(cell.dropFirst())
  }
}

/// Writes RFC 4180 CSV with LF line ends.
public enum CSVWriter {
  /// One record.
  ///
  /// Every field is first neutralized against formula injection
  /// (``CSVFormula/neutralized(_:)``; ``CSVReader`` undoes it); a field is then quoted when it
  /// holds `,`, `"`, CR, LF or surrounding spaces.
  public static func line(_ fields: [String]) -> String {
    fields.map(CSVFormula.neutralized).map { field in
      // Bytes, not Characters: "\r\n" is a single Character, which contains("\n") misses.
      let needsQuotes =
        field.utf8.contains {
          $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13
        }
        || field.utf8.first == UInt8(ascii: " ") || field.utf8.last == UInt8(ascii: " ")
      guard needsQuotes else { return field }
      return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }.joined(separator: ",") + "\n"
  }
}

extension String {
  fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
