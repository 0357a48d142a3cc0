/// The workbook's shared strings (`xl/sharedStrings.xml`), which `t="s"` cells refer to by index.
enum SharedStrings {
  /// The strings in order: each `<si>`'s text, its rich text runs joined and its phonetic runs
  /// (`<rPh>`) left out.
  static func read(events: [XMLEvent], part: String) throws(SpreadsheetError) -> [String] {
    var strings: [String] = []
    var path: [String] = []
    var current = ""
    for event in events {
      switch event {
      case .start(let name, _):
        path.append(name)
        if path.count == 1 && name != "sst" {
          throw SpreadsheetError(
            "\(part) is not a shared strings part (its root element is <\(name)>); the "
              + "workbook is damaged: save it again from Excel", part: part)
        }
        if path.count == 2 && name == "si" { current = "" }
      case .text(let text):
        // <si><t>, or <si><r><t> for a rich text run; never <si><rPh><t>.
        if path.count >= 3, path[1] == "si", path.last == "t", !path.contains("rPh") {
          current += text
        }
      case .end(let name):
        if path.count == 2 && name == "si" {
          guard let text = Escapes.decode(current) else {
            throw SpreadsheetError(
              "shared string \(strings.count) holds an escape (_xD800_ to _xDFFF_) that is half "
                + "a character; the workbook is damaged: save it again from Excel", part: part)
          }
          strings.append(text)
        }
        _ = path.popLast()
      }
    }
    return strings
  }
}

/// The `_xHHHH_` escapes of Office Open XML strings (ECMA-376 Part 1, 22.9.2.19 ST_Xstring):
/// a UTF-16 code unit by four hex digits, for characters XML cannot hold (`_x000D_`); `_x005F_`
/// is an underscore, so `_x005F_x0041_` stays `_x0041_`.
enum Escapes {
  /// `text` with its escapes decoded; nil when they leave half of a surrogate pair.
  static func decode(_ text: String) -> String? {
    let units = Array(text.utf16)
    guard units.count >= 7, units.contains(UInt16(UInt8(ascii: "_"))) else { return text }
    var decoded: [UInt16] = []
    decoded.reserveCapacity(units.count)
    var index = 0
    while index < units.count {
      if index + 6 < units.count, units[index] == 0x5F, units[index + 1] == 0x78,
        units[index + 6] == 0x5F, let unit = hex(units[(index + 2)..<(index + 6)])
      {
        decoded.append(unit)
        index += 7
      } else {
        decoded.append(units[index])
        index += 1
      }
    }
    var result = ""
    var iterator = decoded.makeIterator()
    var decoder = UTF16()
    while true {
      switch decoder.decode(&iterator) {
      case .scalarValue(let scalar): result.unicodeScalars.append(scalar)
      case .emptyInput: return result
      case .error: return nil
      }
    }
  }

  static func hex(_ units: ArraySlice<UInt16>) -> UInt16? {
    var value: UInt16 = 0
    for unit in units {
      let digit: UInt16
      switch unit {
      case 0x30...0x39: digit = unit - 0x30
      case 0x41...0x46: digit = unit - 0x41 + 10
      case 0x61...0x66: digit = unit - 0x61 + 10
      default: return nil
      }
      value = value << 4 | digit
    }
    return value
  }
}
