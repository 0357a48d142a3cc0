// Head office and one branch, side by side: the branch imports orders and submits them; head
// office merges the submission and shows what it now holds.
import Outpost

let prefix = CommandLine.arguments.dropFirst().first ?? "outpost-example"
do {
  let hq = try Repository.create(at: prefix + "-hq", office: "hq", role: .head)
  let key = try hq.enroll("north")
  let north = try Repository.create(at: prefix + "-north", office: "north", key: key.fileBytes)
  let csv =
    "order_id,customer_id,channel_id,order_date,quantity,amount,status\n"
    + "o-1,c-1,sem,2025-03-01,1,1798.00,confirmed\n"
  try north.importRecords(.csv(Array(csv.utf8)), into: "orders", name: "orders.csv")
  let merged = try hq.merge(try north.submit().bytes, name: "north.bundle").report
  print("merged \(merged.counts[.new] ?? 0) new record(s) from \(merged.manifest.from)")
  for order in try hq.records("orders") { print(JSONWriter.canonicalString(.object(order))) }
} catch {
  print("error: \(error.message)", error.hint ?? "")
}
