import Synchronization

/// Durable whole-file replacement: the commit protocol of SPEC.md §4.3.
///
/// 1. create `<name>.tmp-<pid>-<n>` in the same directory with `O_CREAT|O_EXCL`;
/// 2. write every byte; 3. `fsync` (`F_FULLFSYNC` on Darwin); 4. `close`, checking the result;
/// 5. `rename` over the final name; 6. `fsync` the directory (unless the caller batches that).
///
/// If any step fails the temporary file is removed (best effort) and the error is thrown; the
/// old file stays as it was. A failed `fsync` is never retried (the PostgreSQL lesson).
enum AtomicFile {
  private static let counter = Atomic<Int>(0)

  /// The marker that every temporary file name carries; `verify` and recovery look for it.
  static let temporaryMarker = ".tmp-"

  /// Replaces `directory/name` with `bytes`.
  ///
  /// - Parameter syncDirectory: pass `false` when the caller writes several files into one
  ///   directory and synchronizes it once at the end.
  static func write(
    _ bytes: [UInt8], to name: String, in directory: String, fileSystem fs: any FileSystem,
    secret: Bool = false, syncDirectory: Bool = true
  ) throws(FileSystemError) {
    let final = directory + "/" + name
    var handle: FileHandle?
    var temporary = ""
    while handle == nil {
      let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
      temporary = "\(directory)/\(name)\(temporaryMarker)\(Platform.processID)-\(n)"
      do {
        handle = try fs.open(temporary, .createNew(secret: secret))
      } catch  where error.errno == .fileExists {
        continue  // a leftover of an earlier process with the same pid: pick another name
      }
    }
    guard let handle else { return }
    do {
      try fs.write(handle, bytes)
      try fs.sync(handle)
    } catch {
      try? fs.close(handle)
      try? fs.remove(temporary)
      throw error
    }
    do {
      try fs.close(handle)
      try fs.rename(temporary, final)
    } catch {
      try? fs.remove(temporary)
      throw error
    }
    if syncDirectory { try fs.syncDirectory(directory) }
  }

  /// Whether a file name is one of our temporary files.
  static func isTemporary(_ name: String) -> Bool { name.contains(temporaryMarker) }
}
