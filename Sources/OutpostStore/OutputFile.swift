/// Files Outpost writes outside a repository: bundles and key files.
package enum OutputFile {
  /// Writes `bytes` to `path` durably (temp file, fsync, rename, fsync of the folder).
  ///
  /// - Parameters:
  ///   - secret: create the file with mode 0600 (key files).
  ///   - replace: whether an existing file may be replaced; if not, an existing file is an
  ///     error and is left alone.
  package static func write(
    _ bytes: [UInt8], to path: String, secret: Bool, replace: Bool, fileSystem: any FileSystem
  ) throws(StoreError) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    do {
      if !replace, try fileSystem.exists(path) {
        throw StoreError(
          .alreadyExists, "'\(path)' already exists; it was left as it was",
          hint: "Choose another file name, or move the old file away first.")
      }
      try AtomicFile.write(bytes, to: name, in: directory, fileSystem: fileSystem, secret: secret)
    } catch let error as FileSystemError {
      throw StoreError.writeFailed(error, "'\(path)' was not written")
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError(.io, "\(error)")
    }
  }
}
