import Foundation
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostStore
import OutpostSync

/// A fresh temporary folder, removed when the value is released.
package final class TemporaryDirectory {
  /// The folder's path.
  package let path: String

  /// Creates a unique folder under the system's temporary directory.
  package init() {
    path = NSTemporaryDirectory() + "outpost-test-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  /// Creates a unique folder under `base` if it is a writable folder (`/dev/shm`: a memory
  /// file system, for tests that commit thousands of times), else as ``init()`` does.
  package init(under base: String) {
    let root =
      FileManager.default.isWritableFile(atPath: base) ? base + "/" : NSTemporaryDirectory()
    path = root + "outpost-test-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// A path inside the folder.
  package func file(_ name: String) -> String { path + "/" + name }

  /// Writes a text file inside the folder and returns its path.
  @discardableResult
  package func write(_ name: String, _ text: String) -> String {
    _ = FileManager.default.createFile(atPath: file(name), contents: Data(text.utf8))
    return file(name)
  }

  /// Writes a binary file inside the folder and returns its path.
  @discardableResult
  package func write(_ name: String, bytes: [UInt8]) -> String {
    _ = FileManager.default.createFile(atPath: file(name), contents: Data(bytes))
    return file(name)
  }
}

/// A digest of every file (path, mode and content) under a folder: equal digests mean the
/// folder is byte-identical.
package func treeDigest(_ root: String) -> String {
  var hasher = SHA256()
  let enumerator = FileManager.default.enumerator(atPath: root)
  var paths: [String] = []
  while let path = enumerator?.nextObject() as? String { paths.append(path) }
  for path in paths.sorted() {
    hasher.update(Array(path.utf8) + [0])
    let full = root + "/" + path
    var isDirectory: ObjCBool = false
    _ = FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory)
    if !isDirectory.boolValue, let data = FileManager.default.contents(atPath: full) {
      hasher.update(Array(data))
    }
  }
  return hasher.finalize().hex
}

/// The 1-based number of the operation in a fault-injection log that acknowledged a commit.
///
/// That is the folder sync after the rename of `state.json` (SPEC.md §4.3); nil if none. Operations after it only
/// tidy record files and release the lock, so a fault there leaves the commit in place and the
/// command succeeds.
package func acknowledgement(in log: [String]) -> Int? {
  guard
    let rename = log.firstIndex(where: { $0.hasPrefix("rename ") && $0.hasSuffix("/state.json") })
  else { return nil }
  return rename + 2
}

/// A digest of every record state (dots and clocks included) of every collection of a
/// repository, read through the store: equal digests mean the same records, however the record
/// files are laid out (SPEC.md §4.4: the split into bases and deltas depends on history).
package func recordsDigest(_ repository: String) throws -> String {
  let store = try RepositoryReader.open(at: repository, now: { "2025-01-01T00:00:00Z" })
  defer { store.close() }
  let collections = try FileManager.default.contentsOfDirectory(atPath: repository + "/records")
  var text = ""
  for collection in collections.sorted() {
    for (id, state) in try store.states(collection) {
      text += "\(collection)/\(id) \(JSONWriter.canonicalString(state.json))\n"
    }
  }
  return SHA256.hash(Array(text.utf8)).hex
}
