import Synchronization

/// A ``FileSystem`` that fails on purpose, for crash and I/O-error tests.
///
/// It passes every call to a base file system and counts the *mutating* operations (open for
/// writing, write, fsync, close, truncate, rename, remove, mkdir). When the
/// count reaches the planned operation it either returns an error (once, or from then on), or
/// simulates a crash: the operation does not happen, every file this instance opened is closed
/// (as the kernel would on process death, releasing locks), and every later call fails.
package final class FaultInjectingFileSystem: FileSystem {
  /// What happens at the planned operation.
  package enum Fault: Sendable, Equatable {
    /// That one operation fails with the error; later ones succeed.
    case failOnce(Errno)
    /// That operation and every later mutating one fail with the error.
    case failFromThenOn(Errno)
    /// The process "dies" just before that operation.
    case crash
  }

  /// Thrown by every call after a simulated crash.
  package static let crashed = Errno(-1)

  private struct State {
    var count = 0
    var crashed = false
    var open: Set<FileHandle> = []
    var writable: Set<FileHandle> = []
    var log: [String] = []
  }

  private let base: any FileSystem
  private let faultAt: Int?
  private let fault: Fault
  private let state = Mutex(State())

  /// Wraps `base`; the fault hits mutating operation number `faultAt` (1-based), or never if nil.
  package init(base: any FileSystem = PosixFileSystem(), faultAt: Int?, fault: Fault = .crash) {
    self.base = base
    self.faultAt = faultAt
    self.fault = fault
  }

  /// How many mutating operations were attempted so far.
  package var operationCount: Int { state.withLock { $0.count } }

  /// Whether a simulated crash happened.
  package var didCrash: Bool { state.withLock { $0.crashed } }

  /// The mutating operations attempted, as `name path` lines (for debugging a failing test).
  package var operationLog: [String] { state.withLock { $0.log } }

  /// Counts a mutating operation and decides whether it fails.
  private func check(_ operation: String, _ path: String) throws(FileSystemError) {
    let outcome: Errno? = state.withLock { state in
      if state.crashed { return Self.crashed }
      state.count += 1
      state.log.append("\(operation) \(path)")
      guard let faultAt, state.count >= faultAt else { return nil }
      switch fault {
      case .failOnce(let error): return state.count == faultAt ? error : nil
      case .failFromThenOn(let error): return error
      case .crash:
        state.crashed = true
        return Self.crashed
      }
    }
    guard let outcome else { return }
    if outcome == Self.crashed { closeEverything() }
    throw FileSystemError(operation, path, outcome)
  }

  private func checkAlive(_ operation: String, _ path: String) throws(FileSystemError) {
    if state.withLock({ $0.crashed }) { throw FileSystemError(operation, path, Self.crashed) }
  }

  private func closeEverything() {
    let handles = state.withLock { state in
      defer { state.open = [] }
      return state.open
    }
    for handle in handles { try? base.close(handle) }
  }

  package func open(_ path: String, _ mode: OpenMode) throws(FileSystemError) -> FileHandle {
    switch mode {
    case .read, .directory: try checkAlive("open", path)
    case .createNew, .append, .readWriteCreate: try check("open", path)
    }
    let handle = try base.open(path, mode)
    state.withLock { state in
      state.open.insert(handle)
      if mode != .read && mode != .directory { state.writable.insert(handle) }
    }
    return handle
  }

  package func write(_ handle: FileHandle, _ bytes: UnsafeRawBufferPointer) throws(FileSystemError)
  {
    try check("write", handle.path)
    try base.write(handle, bytes)
  }

  package func readToEnd(_ handle: FileHandle) throws(FileSystemError) -> [UInt8] {
    try checkAlive("read", handle.path)
    return try base.readToEnd(handle)
  }

  package func seek(_ handle: FileHandle, to offset: Int64) throws(FileSystemError) {
    try checkAlive("seek", handle.path)
    try base.seek(handle, to: offset)
  }

  package func sync(_ handle: FileHandle) throws(FileSystemError) {
    try check("fsync", handle.path)
    try base.sync(handle)
  }

  package func close(_ handle: FileHandle) throws(FileSystemError) {
    try checkAlive("close", handle.path)
    let wasWritable = state.withLock { state in
      state.open.remove(handle)
      return state.writable.remove(handle) != nil
    }
    // Closing a read-only descriptor cannot lose data; only writable ones count as operations.
    guard wasWritable else { return try base.close(handle) }
    do {
      try check("close", handle.path)
    } catch {
      // The descriptor is released even when close reports an error, as on Linux.
      try? base.close(handle)
      throw error
    }
    try base.close(handle)
  }

  package func truncate(_ handle: FileHandle, to length: Int64) throws(FileSystemError) {
    try check("truncate", handle.path)
    try base.truncate(handle, to: length)
  }

  package func size(_ handle: FileHandle) throws(FileSystemError) -> Int64 {
    try checkAlive("seek", handle.path)
    return try base.size(handle)
  }

  package func tryLock(_ handle: FileHandle) throws(FileSystemError) -> Bool {
    try checkAlive("flock", handle.path)
    return try base.tryLock(handle)
  }

  package func tryLockShared(_ handle: FileHandle) throws(FileSystemError) -> Bool {
    try checkAlive("flock", handle.path)
    return try base.tryLockShared(handle)
  }

  package func rename(_ from: String, _ to: String) throws(FileSystemError) {
    try check("rename", to)
    try base.rename(from, to)
  }

  package func remove(_ path: String) throws(FileSystemError) {
    try check("remove", path)
    try base.remove(path)
  }

  package func makeDirectory(_ path: String) throws(FileSystemError) {
    try check("mkdir", path)
    try base.makeDirectory(path)
  }

  package func list(_ path: String) throws(FileSystemError) -> [String] {
    try checkAlive("list", path)
    return try base.list(path)
  }

  package func info(_ path: String) throws(FileSystemError) -> FileInfo? {
    try checkAlive("stat", path)
    return try base.info(path)
  }
}
