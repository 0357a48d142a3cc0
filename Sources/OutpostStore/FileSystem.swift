/// An open file, as handed out by a ``FileSystem``.
public struct FileHandle: Sendable, Hashable {
  /// The descriptor of the underlying file.
  public let descriptor: Int32
  /// The path it was opened with, for messages.
  public let path: String
}

/// How ``FileSystem/open(_:_:)`` opens a file.
public enum OpenMode: Sendable, Equatable {
  /// Read only; fails if the path does not exist or is a symbolic link.
  case read
  /// Create a new file for writing; fails if anything exists at the path (`O_EXCL`).
  case createNew(secret: Bool)
  /// Append to an existing file.
  case append
  /// Read and write, creating the file if needed (lock files).
  case readWriteCreate
  /// A directory, opened so that it can be synchronized.
  case directory
}

/// A failed file-system operation: what was attempted, on which path, and the system's reason.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The operation, such as `fsync` or `rename`.
  public var operation: String
  /// The path it was applied to.
  public var path: String
  /// The system error.
  public var errno: Errno

  /// Creates an error value.
  public init(_ operation: String, _ path: String, _ errno: Errno) {
    self.operation = operation
    self.path = path
    self.errno = errno
  }

  public var description: String { "\(operation) '\(path)' failed: \(errno)" }
}

/// Every file-system operation the store performs.
///
/// The store never calls the C library directly: it goes through this interface, so that tests
/// can wrap the real implementation (``PosixFileSystem``) and inject an I/O error or a crash at
/// any single operation (see ``FaultInjectingFileSystem``). Implementations retry `EINTR`,
/// loop on short writes, and never follow a symbolic link where a file is expected.
public protocol FileSystem: Sendable {
  /// Opens a file.
  func open(_ path: String, _ mode: OpenMode) throws(FileSystemError) -> FileHandle
  /// Writes all bytes at the file's current position.
  func write(_ handle: FileHandle, _ bytes: UnsafeRawBufferPointer) throws(FileSystemError)
  /// Reads the whole file from its current position to its end.
  func readToEnd(_ handle: FileHandle) throws(FileSystemError) -> [UInt8]
  /// Flushes the file to stable storage (`F_FULLFSYNC` on Darwin).
  func sync(_ handle: FileHandle) throws(FileSystemError)
  /// Closes the file; errors are reported, never ignored.
  func close(_ handle: FileHandle) throws(FileSystemError)
  /// Cuts the file to `length` bytes.
  func truncate(_ handle: FileHandle, to length: Int64) throws(FileSystemError)
  /// The file's size in bytes.
  func size(_ handle: FileHandle) throws(FileSystemError) -> Int64
  /// Moves the read position to `offset` bytes from the start.
  func seek(_ handle: FileHandle, to offset: Int64) throws(FileSystemError)
  /// Takes an exclusive advisory lock without waiting; `false` when someone else holds it.
  func tryLock(_ handle: FileHandle) throws(FileSystemError) -> Bool
  /// Takes a shared advisory lock without waiting (readers, SPEC.md §4.3); `false` when someone
  /// holds it exclusively. The handle may be read-only.
  func tryLockShared(_ handle: FileHandle) throws(FileSystemError) -> Bool
  /// Atomically replaces `to` with `from`.
  func rename(_ from: String, _ to: String) throws(FileSystemError)
  /// Removes a file.
  func remove(_ path: String) throws(FileSystemError)
  /// Creates a directory.
  func makeDirectory(_ path: String) throws(FileSystemError)
  /// The entries of a directory, sorted by their bytes.
  func list(_ path: String) throws(FileSystemError) -> [String]
  /// Metadata for a path without following symbolic links; `nil` when nothing is there.
  func info(_ path: String) throws(FileSystemError) -> FileInfo?
  /// Metadata of an open file (`fstat`): what was opened, even if the path changed since.
  func info(_ handle: FileHandle) throws(FileSystemError) -> FileInfo
  /// Reads from the file's current position until its end or until `count` bytes have been
  /// read, whichever comes first.
  func read(_ handle: FileHandle, upTo count: Int) throws(FileSystemError) -> [UInt8]
}

extension FileSystem {
  /// Metadata of an open file, looked up by the path it was opened with (implementations that
  /// can ask the open file itself do so).
  public func info(_ handle: FileHandle) throws(FileSystemError) -> FileInfo {
    guard let info = try info(handle.path) else {
      throw FileSystemError("stat", handle.path, .noSuchFile)
    }
    return info
  }

  /// Reads up to `count` bytes through ``readToEnd(_:)`` (implementations that can stop early
  /// do so).
  public func read(_ handle: FileHandle, upTo count: Int) throws(FileSystemError) -> [UInt8] {
    Array(try readToEnd(handle).prefix(count))
  }

  /// Writes an array of bytes.
  public func write(_ handle: FileHandle, _ bytes: [UInt8]) throws(FileSystemError) {
    var result: Result<Void, FileSystemError> = .success(())
    bytes.withUnsafeBytes { buffer in
      result = Result { () throws(FileSystemError) in try write(handle, buffer) }
    }
    try result.get()
  }

  /// Reads a whole regular file, refusing symbolic links.
  public func readFile(_ path: String) throws(FileSystemError) -> [UInt8] {
    let handle = try open(path, .read)
    let bytes: [UInt8]
    do throws(FileSystemError) {
      bytes = try readToEnd(handle)
    } catch {
      try? close(handle)
      throw error
    }
    try close(handle)
    return bytes
  }

  /// Reads a regular file from `offset` to its end, or at most `count` bytes of it, with the
  /// file's size (no bytes if the file is shorter than `offset`).
  public func readFile(_ path: String, from offset: Int64, upTo count: Int? = nil)
    throws(FileSystemError) -> (bytes: [UInt8], size: Int64)
  {
    let handle = try open(path, .read)
    do throws(FileSystemError) {
      let size = try self.size(handle)
      var bytes: [UInt8] = []
      if offset <= size {
        try seek(handle, to: offset)
        if let count {
          bytes = try read(handle, upTo: count)
        } else {
          bytes = try readToEnd(handle)
        }
      }
      try close(handle)
      return (bytes, size)
    } catch {
      try? close(handle)
      throw error
    }
  }

  /// Flushes a directory, so that renames and new names inside it are durable.
  public func syncDirectory(_ path: String) throws(FileSystemError) {
    let handle = try open(path, .directory)
    do throws(FileSystemError) {
      try sync(handle)
    } catch {
      try? close(handle)
      throw error
    }
    try close(handle)
  }

  /// Whether anything exists at a path.
  public func exists(_ path: String) throws(FileSystemError) -> Bool { try info(path) != nil }
}

/// The real file system, through the C library.
public struct PosixFileSystem: FileSystem {
  /// Creates the file system.
  public init() {}

  public func open(_ path: String, _ mode: OpenMode) throws(FileSystemError) -> FileHandle {
    let flags: Int32
    var permissions = Platform.fileMode
    switch mode {
    case .read: flags = Platform.readOnly | Platform.noFollow
    case .createNew(let secret):
      flags = Platform.createExclusive | Platform.noFollow
      if secret { permissions = Platform.secretFileMode }
    case .append: flags = Platform.appendOnly | Platform.noFollow
    case .readWriteCreate: flags = Platform.readWriteCreate | Platform.noFollow
    case .directory: flags = Platform.directoryReadOnly
    }
    switch Platform.openFile(path, flags: flags, mode: permissions) {
    case .success(let fd): return FileHandle(descriptor: fd, path: path)
    case .failure(let error): throw FileSystemError("open", path, error)
    }
  }

  public func write(_ handle: FileHandle, _ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
    var offset = 0
    while offset < bytes.count {
      switch Platform.writeBytes(
        handle.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      {
      case .success(let written): offset += written
      case .failure(let error): throw FileSystemError("write", handle.path, error)
      }
    }
  }

  public func readToEnd(_ handle: FileHandle) throws(FileSystemError) -> [UInt8] {
    // Size the buffer from what is left of the file; read more if it grew.
    var size = 0
    if case .success(let position) = Platform.seek(handle.descriptor, 0, Platform.seekCurrent),
      case .success(let end) = Platform.seek(handle.descriptor, 0, Platform.seekEnd),
      case .success = Platform.seek(handle.descriptor, position, Platform.seekSet)
    {
      size = Int(max(0, end - position))
    }
    return try Self.readInto(handle, capacity: size + 4096, limit: Int.max)
  }

  /// Reads from `handle` until its end or `limit` bytes: first into a buffer of `capacity`
  /// bytes, then, if the file grew, in chunks as large as what was read so far.
  ///
  /// Buffers are never zero-filled: each is read into uninitialized capacity and counts only
  /// the bytes read (filling was most of the cost of reading a record file).
  private static func readInto(_ handle: FileHandle, capacity: Int, limit: Int)
    throws(FileSystemError) -> [UInt8]
  {
    var failure: Errno?
    var reachedEnd = false
    func chunk(_ size: Int) -> [UInt8] {
      [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        count = 0
        while count < size {
          switch Platform.readBytes(handle.descriptor, buffer.baseAddress! + count, size - count) {
          case .success(0):
            reachedEnd = true
            return
          case .success(let n): count += n
          case .failure(let error):
            failure = error
            return
          }
        }
      }
    }
    guard limit > 0 else { return [] }
    var result = chunk(min(max(capacity, 1), limit))
    while failure == nil && !reachedEnd && result.count < limit {
      result += chunk(min(max(result.count, 4096), limit - result.count))
    }
    if let failure { throw FileSystemError("read", handle.path, failure) }
    return result
  }

  public func read(_ handle: FileHandle, upTo count: Int) throws(FileSystemError) -> [UInt8] {
    // Size the buffer from what is left of the file plus one byte (to see whether it grew),
    // never more than `count`; grow by doubling, up to `count`, if it did grow.
    var expected = 0
    if case .success(let position) = Platform.seek(handle.descriptor, 0, Platform.seekCurrent),
      case .success(let end) = Platform.seek(handle.descriptor, 0, Platform.seekEnd),
      case .success = Platform.seek(handle.descriptor, position, Platform.seekSet)
    {
      expected = Int(clamping: max(0, end - position))
    }
    return try Self.readInto(
      handle, capacity: min(max(count, 0), max(expected, 4095) + 1), limit: max(count, 0))
  }

  public func info(_ handle: FileHandle) throws(FileSystemError) -> FileInfo {
    switch Platform.fileInfo(descriptor: handle.descriptor) {
    case .success(let info): return info
    case .failure(let error): throw FileSystemError("stat", handle.path, error)
    }
  }

  public func sync(_ handle: FileHandle) throws(FileSystemError) {
    if case .failure(let error) = Platform.fullSync(handle.descriptor) {
      throw FileSystemError("fsync", handle.path, error)
    }
  }

  public func close(_ handle: FileHandle) throws(FileSystemError) {
    if case .failure(let error) = Platform.closeFile(handle.descriptor) {
      throw FileSystemError("close", handle.path, error)
    }
  }

  public func truncate(_ handle: FileHandle, to length: Int64) throws(FileSystemError) {
    if case .failure(let error) = Platform.truncateFile(handle.descriptor, length) {
      throw FileSystemError("truncate", handle.path, error)
    }
  }

  public func seek(_ handle: FileHandle, to offset: Int64) throws(FileSystemError) {
    if case .failure(let error) = Platform.seek(handle.descriptor, offset, Platform.seekSet) {
      throw FileSystemError("seek", handle.path, error)
    }
  }

  public func size(_ handle: FileHandle) throws(FileSystemError) -> Int64 {
    switch Platform.seek(handle.descriptor, 0, Platform.seekEnd) {
    case .success(let end):
      if case .failure(let error) = Platform.seek(handle.descriptor, 0, Platform.seekSet) {
        throw FileSystemError("seek", handle.path, error)
      }
      return end
    case .failure(let error): throw FileSystemError("seek", handle.path, error)
    }
  }

  public func tryLock(_ handle: FileHandle) throws(FileSystemError) -> Bool {
    switch Platform.tryLockExclusive(handle.descriptor) {
    case .success(let locked): return locked
    case .failure(let error): throw FileSystemError("flock", handle.path, error)
    }
  }

  public func tryLockShared(_ handle: FileHandle) throws(FileSystemError) -> Bool {
    switch Platform.tryLockExclusive(handle.descriptor, shared: true) {
    case .success(let locked): return locked
    case .failure(let error): throw FileSystemError("flock", handle.path, error)
    }
  }

  public func rename(_ from: String, _ to: String) throws(FileSystemError) {
    if case .failure(let error) = Platform.renameFile(from, to) {
      throw FileSystemError("rename", "\(from)' to '\(to)", error)
    }
  }

  public func remove(_ path: String) throws(FileSystemError) {
    if case .failure(let error) = Platform.unlinkFile(path) {
      throw FileSystemError("remove", path, error)
    }
  }

  public func makeDirectory(_ path: String) throws(FileSystemError) {
    if case .failure(let error) = Platform.makeDirectory(path, mode: Platform.directoryMode) {
      throw FileSystemError("mkdir", path, error)
    }
  }

  public func list(_ path: String) throws(FileSystemError) -> [String] {
    switch Platform.listDirectory(path) {
    case .success(let names): return names
    case .failure(let error): throw FileSystemError("list", path, error)
    }
  }

  public func info(_ path: String) throws(FileSystemError) -> FileInfo? {
    switch Platform.fileInfo(path) {
    case .success(let info): return info
    case .failure(let error): throw FileSystemError("stat", path, error)
    }
  }
}
