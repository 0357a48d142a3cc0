import Foundation
import OutpostCodec
import OutpostKPI
import OutpostModel
import OutpostTestRandom
import Testing

/// The engine's fast paths (rows read through columns, dates read in place, count_distinct
/// values numbered) against a straightforward reference: per office and day, the rows dated
/// `CivilDate(parsing: text.prefix(10))`, counted, summed under a filter and their customers
/// counted, on random rows whose date texts are often malformed.
struct KPIEngineSpeedTests {
  static let definitions = #"""
    {"format":"outpost-kpi-def/1","measures":[
    {"id":"n","source":"orders","agg":"count","time_field":"order_date","unit":"count"},
    {"id":"paid","source":"orders","agg":"sum","field":"amount","time_field":"order_date",
     "unit":"CNY","filter":[{"field":"status","op":"in","value":["paid","shipped"]}]},
    {"id":"buyers","source":"orders","agg":"count_distinct","field":"customer_id",
     "time_field":"order_date","unit":"count"}],
    "kpis":[
    {"id":"n","version":1,"label":{"zh":"n","en":"n"},"type":"simple","measure":"n",
     "unit":"count","scale":0,"direction":"neutral","dimensions":["office_id"]},
    {"id":"paid","version":1,"label":{"zh":"p","en":"p"},"type":"simple","measure":"paid",
     "unit":"currency:CNY","scale":2,"direction":"neutral","dimensions":["office_id"]},
    {"id":"buyers","version":1,"label":{"zh":"b","en":"b"},"type":"simple","measure":"buyers",
     "unit":"count","scale":0,"direction":"neutral","dimensions":["office_id"]}]}
    """#

  /// A date text: a date or timestamp in March 2025, often damaged (a byte replaced, a
  /// combining mark after the tenth character, cut short, full-width digits).
  static func dateText(_ random: inout SplitMix64) -> String {
    let day = 1 + random.next(9)
    var text = "2025-03-0\(day)" + (random.next(2) == 0 ? "" : "T10:00:00+08:00")
    switch random.next(6) {
    case 0:
      var characters = Array(text)
      let pieces: [Character] = ["0", "9", "-", "x", "é", "\u{FF12}", " "]
      // Not the year: a year far off would make millions of days to list.
      characters[4 + random.next(6)] = pieces[random.next(pieces.count)]
      text = String(characters)
    case 1: text.insert(contentsOf: "\u{301}", at: text.index(text.startIndex, offsetBy: 10))
    case 2: text = String(text.prefix(8 + random.next(2)))
    case 3: text = text.replacingOccurrences(of: "2", with: "\u{FF12}")
    default: break
    }
    return text
  }

  @Test("fast paths agree with a reference evaluation on random, partly malformed rows")
  func againstReference() throws {
    let definitions = try DefinitionSet(bytes: Array(Self.definitions.utf8))
    let seed = testSeed(20_261_206)
    var random = SplitMix64(seed: seed)
    for _ in 0..<20 {
      var rows: [Row] = []
      struct Cell {
        var n = 0
        var paid = ExactDecimal.zero
        var buyers: Set<String> = []
      }
      var expected: [String: [CivilDate: Cell]] = [:]
      for _ in 0..<(1 + random.next(60)) {
        var text = Self.dateText(&random)
        while text.utf8.count == 4 || text.utf8.count == 7 { text += "0" }
        let office = ["north", "east"][random.next(2)]
        let status = ["paid", "shipped", "cancelled"][random.next(3)]
        let cents = random.next(100_000)
        let amount = ExactDecimal(significand: Int128(cents), scale: 2)
        let customer = "c\(random.next(8))"
        var row: Row = [
          "office_id": .string(office), "order_date": .string(text), "status": .string(status),
          "customer_id": .string(customer),
        ]
        // Amounts as decimal text or as JSON numbers; a field left out reads as null.
        row["amount"] =
          random.next(2) == 0 ? .string(amount.description) : .number(JSONNumber(integer: 7))
        let value = row["amount"]!.stringValue.map { _ in amount } ?? ExactDecimal(7)
        rows.append(row)
        guard let date = CivilDate(parsing: text.prefix(10)) else { continue }
        var cell = expected[office, default: [:]][date, default: Cell()]
        cell.n += 1
        if status != "cancelled" { cell.paid = cell.paid.adding(value) ?? cell.paid }
        cell.buyers.insert(customer)
        expected[office, default: [:]][date] = cell
      }
      let values = KPIEngine(definitions: definitions).evaluate(
        Dataset(rows: ["orders": rows]), KPIQuery(grain: .day))
      let dates = expected.values.flatMap(\.keys)
      guard let first = dates.min(), let last = dates.max() else {
        #expect(values.isEmpty)
        continue
      }
      let days = last.daysSinceEpoch - first.daysSinceEpoch + 1
      #expect(values.count == 3 * expected.count * days, "seed \(seed)")
      for value in values {
        let cell = expected[value.office]?[value.period.start] ?? Cell()
        let want: ExactDecimal
        switch value.kpi {
        case "n": want = ExactDecimal(Int64(cell.n))
        case "paid": want = cell.paid
        default: want = ExactDecimal(Int64(cell.buyers.count))
        }
        #expect(
          value.value == want,
          "seed \(seed): \(value.kpi) \(value.office) \(value.period) \(String(describing: value.value)) ≠ \(want)"
        )
      }
    }
  }
}
