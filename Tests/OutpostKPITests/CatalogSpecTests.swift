import Foundation
import OutpostCodec
import OutpostKPI
import Testing

/// SPEC.md §9.4 lists every measure and KPI of the built-in catalog, in the catalog's order, with
/// the unit, scale and direction the definitions give: the tables are the contract, so they may
/// not drift from `DefinitionSet.defaultDocument`.
///
/// docs/kpis.md §5 lists the KPIs again, by subject, and may not drift either.
struct CatalogSpecTests {
  /// The rows of one table of SPEC §9.4: the first column's id and the other cells.
  static func rows(after heading: String, in section: Substring) -> [(id: String, cells: [String])]
  {
    guard let start = section.range(of: heading) else { return [] }
    var result: [(String, [String])] = []
    var inTable = false
    for line in section[start.upperBound...].split(
      separator: "\n", omittingEmptySubsequences: false)
    {
      guard line.hasPrefix("| `") else {
        if inTable { break }
        continue
      }
      inTable = true
      let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      result.append((cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")), cells))
    }
    return result
  }

  @Test("SPEC §9.4's measure and KPI tables match the built-in catalog, in order")
  func tablesMatchCatalog() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let spec = try String(contentsOf: root.appendingPathComponent("SPEC.md"), encoding: .utf8)
    let start = try #require(spec.range(of: "### 9.4 The catalog"))
    let end = try #require(spec.range(of: "### 9.5"))
    let section = spec[start.upperBound..<end.lowerBound]
    let catalog = try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8))

    let measures = Self.rows(after: "Measures:", in: section)
    let measureIDs = catalog.json.objectValue.flatMap { root -> [String]? in
      guard case .array(let list)? = root["measures"] else { return nil }
      return list.compactMap { $0.objectValue?["id"]?.stringValue }
    }
    #expect(measures.map(\.id) == (try #require(measureIDs)))

    let kpis = Self.rows(after: "KPIs (✓", in: section)
    #expect(kpis.map(\.id) == catalog.kpiOrder)
    for (id, cells) in kpis {
      let kpi = try #require(catalog.kpis[id])
      // | id | label | type | formula | unit | scale | direction | by channel | flags |
      #expect(cells[1] == "\(kpi.labelZH) / \(kpi.labelEN)", "\(id)")
      #expect(cells[4] == kpi.unit, "\(id)")
      #expect(cells[5] == "\(kpi.scale)", "\(id)")
      #expect(cells[6] == kpi.direction.rawValue, "\(id)")
      #expect((cells[7] == "✓") == kpi.dimensions.contains("channel_id"), "\(id)")
    }
  }

  @Test("docs/kpis.md §5 lists every KPI of the built-in catalog once, as the catalog defines it")
  func referenceListsEveryKPI() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let text = try String(
      contentsOf: root.appendingPathComponent("docs/kpis.md"), encoding: .utf8)
    let start = try #require(text.range(of: "\n## 5. The KPIs"))
    let end = try #require(text.range(of: "\n## 6. "))
    let catalog = try DefinitionSet(bytes: Array(DefinitionSet.defaultDocument.utf8))
    // | id | label | what it computes | unit | scale | direction | by channel |
    let rows = text[start.upperBound..<end.lowerBound].split(separator: "\n")
      .filter { $0.hasPrefix("| `") }
      .map { line in
        line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().map {
          $0.trimmingCharacters(in: .whitespaces)
        }
      }
      .filter { $0.count == 8 }
    let ids = rows.map { $0[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
    #expect(ids.count == Set(ids).count, "a KPI is listed twice")
    #expect(Set(ids) == Set(catalog.kpiOrder))
    for (id, cells) in zip(ids, rows) {
      let kpi = try #require(catalog.kpis[id])
      #expect(cells[1] == "\(kpi.labelZH) / \(kpi.labelEN)", "\(id)")
      #expect(!cells[2].isEmpty, "\(id)")
      #expect(cells[3] == kpi.unit, "\(id)")
      #expect(cells[4] == "\(kpi.scale)", "\(id)")
      #expect(cells[5] == kpi.direction.rawValue, "\(id)")
      let channel = kpi.byChannelOnly ? "only" : (kpi.dimensions.contains("channel_id") ? "✓" : "")
      #expect(cells[6] == channel, "\(id)")
    }
  }
}
