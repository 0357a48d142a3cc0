// The module's only use of Foundation: its XML parser (on Linux in FoundationXML, backed by
// libxml2, which does not re-export Foundation's NSObject and Data), which turns a part's bytes
// into ``XMLEvent``s for the rest of the module.
import Foundation
import Synchronization

#if canImport(FoundationXML)
import FoundationXML
#endif

extension XMLEvent {
  /// One parse at a time: libxml2's global state is not assumed to be thread-safe.
  private static let parsing = Mutex(())

  /// The events of `bytes`, the XML part `part`, after ``XMLScreen/check(_:part:)``.
  ///
  /// The parser resolves no external entities; element and attribute names lose their namespace
  /// prefixes (`x:c` → `c`, `r:id` → `id`), namespace declarations are not attributes.
  static func parse(_ bytes: [UInt8], part: String) throws(SpreadsheetError) -> [XMLEvent] {
    try XMLScreen.check(bytes, part: part)
    let collector = EventCollector()
    let outcome: (ok: Bool, line: Int, column: Int, code: Int?) = parsing.withLock { _ in
      // A stream, which the parser reads in chunks: handed all at once, libxml2 refuses a part
      // over 10 MB ("huge input lookup").
      let parser = XMLParser(stream: InputStream(data: Data(bytes)))
      parser.shouldProcessNamespaces = true
      parser.shouldReportNamespacePrefixes = false
      parser.shouldResolveExternalEntities = false
      parser.delegate = collector
      let ok = parser.parse() && parser.parserError == nil && !collector.failed
      let code = (parser.parserError as? NSError)?.code
      return (ok, parser.lineNumber, parser.columnNumber, code)
    }
    guard outcome.ok else {
      throw SpreadsheetError(
        "\(part) is not well-formed XML (line \(outcome.line), column \(outcome.column)"
          + (outcome.code.map { ", parser error \($0)" } ?? "")
          + "); the workbook is damaged or truncated: open it in Excel and save it again",
        part: part)
    }
    collector.flush()
    return collector.events
  }
}

/// Collects the parser's callbacks as events.
private final class EventCollector: NSObject, XMLParserDelegate {
  var events: [XMLEvent] = []
  var text = ""
  var failed = false

  func flush() {
    if !text.isEmpty {
      events.append(.text(text))
      text = ""
    }
  }

  static func localName(_ name: String) -> String {
    guard let colon = name.lastIndex(of: ":") else { return name }
    return String(name[name.index(after: colon)...])
  }

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?, attributes attributeDict: [String: String]
  ) {
    flush()
    let attributes = attributeDict.filter { !$0.key.hasPrefix("xmlns") }
      .sorted { $0.key < $1.key }
      .map { XMLAttribute(name: Self.localName($0.key), value: $0.value) }
    events.append(.start(Self.localName(elementName), attributes))
  }

  func parser(
    _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?
  ) {
    flush()
    events.append(.end(Self.localName(elementName)))
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

  func parser(_ parser: XMLParser, foundCDATA block: Data) {
    text += String(decoding: block, as: UTF8.self)
  }

  func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) { failed = true }

  func parser(_ parser: XMLParser, validationErrorOccurred validationError: any Error) {
    failed = true
  }
}
