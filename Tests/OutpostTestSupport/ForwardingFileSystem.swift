import OutpostStore

/// A file system that forwards every operation to `base`, with hooks a test sets.
///
/// `onOpen` runs with each path before it is opened (to interleave another process's work with
/// a reader's); `adjustInfo` rewrites what `info(_:)` of an open file reports (to fake a file that
/// grows after it was checked).
package final class ForwardingFileSystem: FileSystem, @unchecked Sendable {
  /// Where every operation goes.
  package let base: any FileSystem
  /// Called with each path before it is opened.
  package var onOpen: (String) -> Void = { _ in }
  /// Rewrites the metadata reported for an open file.
  package var adjustInfo: (FileInfo) -> FileInfo = { $0 }

  /// Wraps `base`.
  package init(base: any FileSystem) { self.base = base }

  package func open(_ path: String, _ mode: OpenMode) throws(FileSystemError) -> FileHandle {
    onOpen(path)
    return try base.open(path, mode)
  }
  package func info(_ handle: FileHandle) throws(FileSystemError) -> FileInfo {
    adjustInfo(try base.info(handle))
  }
  package func read(_ handle: FileHandle, upTo count: Int) throws(FileSystemError) -> [UInt8] {
    try base.read(handle, upTo: count)
  }
  package func write(_ handle: FileHandle, _ bytes: UnsafeRawBufferPointer) throws(FileSystemError)
  {
    try base.write(handle, bytes)
  }
  package func readToEnd(_ handle: FileHandle) throws(FileSystemError) -> [UInt8] {
    try base.readToEnd(handle)
  }
  package func sync(_ handle: FileHandle) throws(FileSystemError) { try base.sync(handle) }
  package func close(_ handle: FileHandle) throws(FileSystemError) { try base.close(handle) }
  package func truncate(_ handle: FileHandle, to length: Int64) throws(FileSystemError) {
    try base.truncate(handle, to: length)
  }
  package func size(_ handle: FileHandle) throws(FileSystemError) -> Int64 {
    try base.size(handle)
  }
  package func seek(_ handle: FileHandle, to offset: Int64) throws(FileSystemError) {
    try base.seek(handle, to: offset)
  }
  package func tryLock(_ handle: FileHandle) throws(FileSystemError) -> Bool {
    try base.tryLock(handle)
  }
  package func tryLockShared(_ handle: FileHandle) throws(FileSystemError) -> Bool {
    try base.tryLockShared(handle)
  }
  package func rename(_ from: String, _ to: String) throws(FileSystemError) {
    try base.rename(from, to)
  }
  package func remove(_ path: String) throws(FileSystemError) { try base.remove(path) }
  package func makeDirectory(_ path: String) throws(FileSystemError) {
    try base.makeDirectory(path)
  }
  package func list(_ path: String) throws(FileSystemError) -> [String] { try base.list(path) }
  package func info(_ path: String) throws(FileSystemError) -> FileInfo? { try base.info(path) }
}
