/// A part's relationships (`xl/_rels/workbook.xml.rels`): ids to target parts, by type.
struct Relationships {
  struct Relationship {
    var type: String
    var target: String
    var external: Bool
  }

  var byID: [String: Relationship] = [:]
  /// The ids in document order (for a deterministic choice and messages).
  var order: [String] = []

  /// Reads a relationships part.
  init(events: [XMLEvent], part: String) throws(SpreadsheetError) {
    var depth = 0
    for event in events {
      switch event {
      case .start(let name, let attributes):
        depth += 1
        if depth == 1 && name != "Relationships" {
          throw SpreadsheetError(
            "\(part) is not a relationships part (its root element is <\(name)>); "
              + SheetReader.damaged, part: part)
        }
        guard depth == 2 && name == "Relationship" else { continue }
        guard let id = attributes["Id"], let type = attributes["Type"],
          let target = attributes["Target"]
        else {
          throw SpreadsheetError(
            "\(part) has a relationship without an Id, Type or Target; " + SheetReader.damaged,
            part: part)
        }
        guard byID[id] == nil else {
          throw SpreadsheetError(
            "\(part) has two relationships with the id '\(id)'; " + SheetReader.damaged,
            part: part)
        }
        byID[id] = Relationship(
          type: type, target: target, external: attributes["TargetMode"] == "External")
        order.append(id)
      case .end: depth -= 1
      case .text: break
      }
    }
  }

  /// The relationships whose type ends with `/kind` (`worksheet`, `sharedStrings`, `styles`).
  func ofKind(_ kind: String) -> [Relationship] {
    order.compactMap { byID[$0] }.filter { $0.type.hasSuffix("/" + kind) }
  }

  /// The part a target names, resolved against the folder `base` (`xl/`): `worksheets/a.xml`
  /// → `xl/worksheets/a.xml`, `/xl/worksheets/a.xml` → `xl/worksheets/a.xml`, with `.` and
  /// `..` segments resolved; nil when `..` climbs above the package root.
  static func resolve(_ target: String, base: String) -> String? {
    let full = target.hasPrefix("/") ? target : base + target
    var segments: [Substring] = []
    for segment in full.split(separator: "/", omittingEmptySubsequences: true) {
      switch segment {
      case ".": continue
      case "..":
        guard !segments.isEmpty else { return nil }
        segments.removeLast()
      default: segments.append(segment)
      }
    }
    return segments.isEmpty ? nil : segments.joined(separator: "/")
  }

  /// `text` with `%XX` escapes decoded (a relationship target is a URI), or nil when it has
  /// none or they do not decode to UTF-8.
  static func percentDecoded(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    guard bytes.contains(UInt8(ascii: "%")) else { return nil }
    var decoded: [UInt8] = []
    var index = 0
    while index < bytes.count {
      if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
        let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
      {
        decoded.append(high << 4 | low)
        index += 3
      } else {
        decoded.append(bytes[index])
        index += 1
      }
    }
    return String(validating: decoded, as: UTF8.self)
  }

  static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    default: nil
    }
  }
}
