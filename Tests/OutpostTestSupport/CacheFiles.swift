import OutpostCodec
import OutpostCrypto
import OutpostStore

/// Every part of a cache, read and checked; nil when there is no cache or a part is damaged.
package func cacheContents(_ parts: CacheParts?) -> [String: [UInt8]]? {
  guard let parts else { return nil }
  var contents: [String: [UInt8]] = [:]
  for name in parts.names {
    guard let bytes = parts.part(name) else { return nil }
    contents[name] = bytes
  }
  return contents
}

/// Puts `content` in place of part `part` of the cache in `directory` and records its size and
/// digest in the manifest, the stamp unchanged (SPEC.md §4.5): what a careless tool, or another
/// build, could leave in step with the records.
package func restampCachePart(
  _ disk: MemoryFileSystem, directory: String, part: String, content: [UInt8]
) throws {
  let manifestPath = directory + "/manifest"
  let manifest = try disk.readFile(manifestPath)
  guard let members = try JSONParser.parse(manifest.dropLast()).objectValue,
    let parts = members["parts"]?.objectValue
  else { throw JSONError("not a cache manifest", offset: 0, line: 1, column: 1, path: "$") }
  var entries = zip(parts.keys, parts.values).filter { $0.0 != part }
  entries.append(
    (
      part,
      .object(
        JSONObject(uncheckedPairs: [
          ("bytes", .number(JSONNumber(integer: Int64(content.count)))),
          ("sha256", .string(SHA256.hash(content).hex)),
        ]))
    ))
  var pairs = zip(members.keys, members.values).filter { $0.0 != "parts" }
  pairs.append(("parts", .object(JSONObject(uncheckedPairs: entries))))
  try disk.writeFile(directory + "/" + part, content)
  try disk.writeFile(
    manifestPath, JSONWriter.canonicalBytes(.object(JSONObject(uncheckedPairs: pairs))) + [0x0A])
}
