import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync

/// The writer lock and the readers lock (SPEC.md §4.3).
extension RepositoryReader {
  static func acquireLock(_ path: String, _ fs: any FileSystem) throws(StoreError)
    -> FileHandle
  {
    let file = path + "/" + lockFile
    do {
      let handle = try fs.open(file, .readWriteCreate)
      var locked = try fs.tryLock(handle)
      // A lock whose file names no holder is being released (the holder empties the file, then
      // closes it) or was inherited for an instant by a child process another thread of this
      // process is starting (until its exec closes it): wait up to a second for it to go. So is
      // one that names this very process: no writer of ours holds it (a write that failed
      // midway left its name), so only such a child can.
      let ourselves = Array("pid \(Platform.processID) on \(Platform.hostName)\n".utf8)
      var attempts = 0
      while !locked && attempts < 50,
        let named = try? fs.readFile(file),
        named.allSatisfy({ $0 == 10 || $0 == 32 }) || named == ourselves
      {
        Platform.sleep(milliseconds: 20)
        attempts += 1
        locked = try fs.tryLock(handle)
      }
      guard locked else {
        let holder = (try? fs.readFile(file)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        try? fs.close(handle)
        let who = holder.trimmingSuffix("\n")
        throw StoreError(
          .locked,
          "the repository is in use by another outpost process"
            + (who.isEmpty ? "" : " (\(who))"),
          hint: "Wait for it to finish and try again.")
      }
      let holder = "pid \(Platform.processID) on \(Platform.hostName)\n"
      do throws(FileSystemError) {
        try fs.truncate(handle, to: 0)
        try fs.write(handle, Array(holder.utf8))
      } catch {
        try? fs.close(handle)  // closing releases the lock
        throw error
      }
      return handle
    } catch let error as FileSystemError {
      throw StoreError.writeFailed(error, "nothing was changed")
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError(.io, "\(error)")
    }
  }

  static func release(_ handle: FileHandle, _ fs: any FileSystem) {
    // Leave the lock file empty, so a finished command leaves every byte as it found it.
    try? fs.truncate(handle, to: 0)
    try? fs.close(handle)
  }

  /// A reader's shared lock on `readers` (SPEC.md §4.3).
  ///
  /// It is taken before `state.json` is read and held until ``close()``: while any reader holds
  /// it, writers leave the record files they would tidy as they are, so a reader sees exactly the
  /// files of its checkpoint. A writer holds it exclusively only while tidying; a reader waits up
  /// to ten seconds for that. A repository without the file (written before it existed) is read
  /// without it.
  static func acquireReaderLock(_ path: String, _ fs: any FileSystem) throws(StoreError)
    -> FileHandle?
  {
    let file = path + "/" + readersFile
    do {
      guard try fs.info(file)?.kind == .regular else { return nil }
      let handle = try fs.open(file, .read)
      for _ in 0..<500 {
        if try fs.tryLockShared(handle) { return handle }
        Platform.sleep(milliseconds: 20)
      }
      try? fs.close(handle)
    } catch {
      throw StoreError.readFailed(error)
    }
    throw StoreError(
      .locked, "a writer has been reorganizing the record files for ten seconds",
      hint: "Wait for it to finish and try again.")
  }
}
