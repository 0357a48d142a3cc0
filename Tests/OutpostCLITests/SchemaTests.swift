import Foundation
import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// SPEC.md §2.6: custom collections from schema files, journaled like records.
struct SchemaTests {
  let schema = """
    {"format":"outpost-schema/1","collection":"visits_log","ownership":"office",
     "id":{"column":"visit_id"},
     "fields":[{"name":"office_id","type":"string"},
               {"name":"visited_on","type":"date"},
               {"name":"fee","type":"money","nullable":true},
               {"name":"kind","type":"enum","values":["walk_in","call"]}]}
    """

  @discardableResult
  func run(_ arguments: [String], _ temp: TemporaryDirectory) -> String {
    let result = outpost(arguments, in: temp.path)
    #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors)")
    return result.output
  }

  @Test("a repository's own collection named like a newer standard one is refused, not shadowed")
  func customNamedLikeStandard() throws {
    let temp = TemporaryDirectory()
    run(["init", "--office", "north", "--repo", "r"], temp)
    temp.write("visits.schema.json", schema)
    run(["schema", "add", "visits.schema.json", "--repo", "r"], temp)
    // As a repository made before `tasks` became standard would hold it.
    let folder = temp.file("r/schemas")
    let made = try #require(
      try FileManager.default.contentsOfDirectory(atPath: folder).first {
        $0.hasSuffix(".json")
      })
    let text = try String(contentsOfFile: folder + "/" + made, encoding: .utf8)
    try FileManager.default.removeItem(atPath: folder + "/" + made)
    try text.replacingOccurrences(of: "visits_log", with: "tasks").write(
      toFile: folder + "/tasks.json", atomically: true, encoding: .utf8)
    let status = outpost(["status", "--repo", "r"], in: temp.path)
    #expect(status.status != 0)
    #expect(
      status.errors.contains(
        "this repository has its own collection 'tasks', and this version of Outpost has a "
          + "standard collection of that name"), "\(status.errors)")
  }

  @Test("a schema file adds a collection that imports, exports and verifies like a standard one")
  func addAndUse() {
    let temp = TemporaryDirectory()
    run(["init", "--office", "north", "--repo", "r"], temp)
    temp.write("visits.schema.json", schema)
    #expect(
      run(["schema", "add", "visits.schema.json", "--repo", "r"], temp).contains(
        "Added collection 'visits_log' (4 field(s))"))
    temp.write(
      "visits.csv",
      "visit_id,office_id,visited_on,fee,kind\nv-1,north,2025-03-01,12.50,walk_in\n"
        + "v-2,north,2025-03-02,,call\n")
    run(["import", "visits_log", "visits.csv", "--repo", "r"], temp)
    let exported = run(["export", "visits_log", "--format", "ndjson", "--repo", "r"], temp)
    #expect(exported.contains(#""fee":"12.50""#) && exported.contains(#""fee":null"#))
    #expect(run(["collections", "--repo", "r"], temp).contains("visits_log"))
    #expect(run(["verify", "--repo", "r"], temp).hasPrefix("ok:"))
    #expect(run(["log", "--repo", "r"], temp).contains("schema add visits_log"))
    // The same schema again changes nothing.
    let before = treeDigest(temp.file("r"))
    #expect(
      run(["schema", "add", "visits.schema.json", "--repo", "r"], temp).contains(
        "already has this schema"))
    #expect(treeDigest(temp.file("r")) == before)
    // A bad cell in the new collection is refused like any other.
    temp.write("bad.csv", "visit_id,office_id,visited_on,fee,kind\nv-3,north,2025-03-03,12%,call\n")
    let bad = outpost(["import", "visits_log", "bad.csv", "--repo", "r"], in: temp.path)
    #expect(bad.status == 65)
    #expect(bad.errors.contains("bad.csv") && bad.errors.contains("fee"))
  }

  @Test(
    "bad schema files and name clashes are refused; the repository is byte-identical",
    arguments: [
      (
        #"{"format":"outpost-schema/1","collection":"x","ownership":"office","id":{"column":"x_id"},"fields":[{"name":"a","type":"float"}]}"#,
        Int32(65), "float"
      ),
      (
        #"{"format":"outpost-schema/1","collection":"x","ownership":"office","id":{"column":"x_id"},"fields":[{"name":"a","type":"string"},{"name":"a","type":"string"}]}"#,
        65, "a"
      ),
      (#"{"format":"outpost-schema/2","collection":"x"}"#, 65, "format"),
      (#"{"format":"outpost-schema/1","format":"outpost-schema/1"}"#, 65, "duplicate"),
      (
        #"{"format":"outpost-schema/1","collection":"orders","ownership":"head","id":{"column":"order_id"},"fields":[{"name":"a","type":"string"}]}"#,
        73, "standard collection"
      ),
    ])
  func refused(text: String, status: Int32, fragment: String) {
    let temp = TemporaryDirectory()
    run(["init", "--office", "north", "--repo", "r"], temp)
    temp.write("s.json", text)
    let before = treeDigest(temp.file("r"))
    let result = outpost(["schema", "add", "s.json", "--repo", "r"], in: temp.path)
    #expect(result.status == status, "\(result.errors)")
    #expect(result.errors.contains(fragment), "\(result.errors)")
    #expect(treeDigest(temp.file("r")) == before)
  }

  @Test("a different schema under an existing name is refused; a hand-placed file fails verify")
  func changesAndStrayFiles() {
    let temp = TemporaryDirectory()
    run(["init", "--office", "north", "--repo", "r"], temp)
    temp.write("v.json", schema)
    run(["schema", "add", "v.json", "--repo", "r"], temp)
    temp.write("v2.json", schema.replacingOccurrences(of: #","nullable":true"#, with: ""))
    let before = treeDigest(temp.file("r"))
    let changed = outpost(["schema", "add", "v2.json", "--repo", "r"], in: temp.path)
    #expect(changed.status == 73)
    #expect(changed.errors.contains("different schema"))
    #expect(treeDigest(temp.file("r")) == before)
    // A schema copied into schemas/ by hand is not in the journal: verify says so.
    temp.write(
      "r/schemas/stray.json",
      schema.replacingOccurrences(of: "visits_log", with: "stray"))
    let verify = outpost(["verify", "--repo", "r"], in: temp.path)
    #expect(verify.status == 65)
    #expect(verify.output.contains("schemas/stray.json is not in the journal"), "\(verify.output)")
  }
}
