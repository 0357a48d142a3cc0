import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostTestRandom
import OutpostTestSupport
import Testing

/// SPEC.md §6 `export`: every live record of a collection, sorted by id, deleted ones left out,
/// read a few record files at a time.
struct ExportTests {
  @Test("seeded: export lists every live record across every bucket, sorted by id")
  func everyBucketSorted() throws {
    var random = SplitMix64(seed: testSeed(20_261_212))
    let temp = TemporaryDirectory()
    #expect(outpost(["init", "--office", "north", "--repo", "r"], in: temp.path).status == 0)
    // Ids in random order, enough to fill every one of the 256 buckets several times over.
    var districts: [String: String] = [:]
    var csv = "customer_id,office_id,acquired_date,acquisition_channel_id,kind,district\n"
    var order = Array(0..<2_000)
    for index in order.indices.reversed() { order.swapAt(index, random.next(index + 1)) }
    for n in order {
      let id = "north-cu-\(n)"
      let district = n % 3 == 0 ? "海淀区 \(n)" : "d, \"\(n)\""
      districts[id] = district
      let quoted = "\"" + district.replacingOccurrences(of: "\"", with: "\"\"") + "\""
      csv += "\(id),north,2025-02-01,sem,individual,\(quoted)\n"
    }
    try csv.write(toFile: temp.path + "/customers.csv", atomically: true, encoding: .utf8)
    let imported = outpost(["import", "customers", "customers.csv", "--repo", "r"], in: temp.path)
    #expect(imported.status == 0, "\(imported.errors)")
    for n in [0, 7, 1_999] {
      let id = "north-cu-\(n)"
      #expect(outpost(["delete", "customers", id, "--repo", "r"], in: temp.path).status == 0)
      districts[id] = nil
    }
    let expected = districts.keys.sorted()

    let exported = outpost(["export", "customers", "--repo", "r"], in: temp.path)
    #expect(exported.status == 0, "\(exported.errors)")
    let (header, rows) = try CSVReader.readAll(Array(exported.output.utf8))
    let idColumn = try #require(header.firstIndex(of: "customer_id"))
    let districtColumn = try #require(header.firstIndex(of: "district"))
    #expect(rows.map { $0.fields[idColumn] } == expected)
    #expect(rows.allSatisfy { districts[$0.fields[idColumn]] == $0.fields[districtColumn] })

    let ndjson = outpost(
      ["export", "customers", "--format", "ndjson", "--repo", "r"], in: temp.path)
    #expect(ndjson.status == 0, "\(ndjson.errors)")
    let lines = ndjson.output.split(separator: "\n").map { try? JSONParser.parse(String($0)) }
    #expect(lines.map { $0?["customer_id"]?.stringValue } == expected)

    let json = outpost(["export", "customers", "--format", "json", "--repo", "r"], in: temp.path)
    let records = try JSONParser.parse(json.output)["records"]?.arrayValue
    #expect(records?.map { $0["customer_id"]?.stringValue } == expected)
  }
}

/// SPEC.md §4.5: a cache the writer cannot update is a notice on standard error, not an error.
struct CacheNoticeTests {
  @Test("a cache write that fails is reported on stderr; the commit stands and verify is clean")
  func failedCacheWrite() throws {
    let temp = TemporaryDirectory()
    #expect(outpost(["init", "--office", "north", "--repo", "r"], in: temp.path).status == 0)
    try channelDailyCSV(days: 3).write(
      toFile: temp.path + "/days.csv", atomically: true, encoding: .utf8)
    #expect(
      outpost(["import", "channel_daily", "days.csv", "--repo", "r"], in: temp.path).status == 0)
    // A folder where the manifest should be: the next cache write cannot replace it.
    let manifest = temp.path + "/r/cache/kpi-aggregates/manifest"
    try FileManager.default.removeItem(atPath: manifest)
    try FileManager.default.createDirectory(
      atPath: manifest + "/blocked", withIntermediateDirectories: true)
    let put = outpost(
      ["put", "channel_daily", "north.sem.2025-01-01", "clicks=99", "--repo", "r"], in: temp.path)
    #expect(put.status == 0, "\(put.errors)")
    #expect(put.errors.contains("outpost: cache/kpi-aggregates was not updated"), "\(put.errors)")
    let get = outpost(
      ["get", "channel_daily", "north.sem.2025-01-01", "--format", "json", "--repo", "r"],
      in: temp.path)
    #expect(get.output.contains("\"clicks\": 99") || get.output.contains("\"clicks\":99"))
    #expect(outpost(["verify", "--repo", "r"], in: temp.path).status == 0)
  }
}
