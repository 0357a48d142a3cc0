import OutpostCodec
import OutpostCrypto

/// A cache file's bytes with `content` in place of its own, stamped for the same checkpoint with
/// a size and digest that match (SPEC.md §4.5): what a careless tool, or another build, could
/// leave in step with the records.
package func restampedCacheFile(_ file: [UInt8], content: [UInt8]) throws -> [UInt8] {
  let header = Array(file.prefix { $0 != 0x0A })
  guard let members = try JSONParser.parse(header).objectValue else {
    throw JSONError("not a cache header", offset: 0, line: 1, column: 1, path: "$")
  }
  var pairs = zip(members.keys, members.values).filter { $0.0 != "bytes" && $0.0 != "sha256" }
  pairs.append(("bytes", .number(JSONNumber(integer: Int64(content.count)))))
  pairs.append(("sha256", .string(SHA256.hash(content).hex)))
  return JSONWriter.canonicalBytes(.object(JSONObject(uncheckedPairs: pairs))) + [0x0A] + content
}
