// The one place where Outpost touches the C library. Every system call the store (and the CLI)
// makes goes through here, so platform differences live in a single file.

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
@preconcurrency import Glibc
#else
#error("Unsupported platform: Outpost needs Darwin or Glibc")
#endif

/// Thin, EINTR-safe wrappers over the system calls Outpost uses.
///
/// Each wrapper returns the raw result or throws ``Errno``; the higher-level ``FileSystem``
/// turns those into ``FileSystemError`` values that carry the operation and the path.
package enum Platform {
  /// The calling thread's `errno`.
  package static var lastErrno: Int32 { errno }

  /// Runs `body` until it does not fail with `EINTR`.
  @inline(__always)
  static func retrying<T: FixedWidthInteger>(_ body: () -> T) -> Result<T, Errno> {
    while true {
      let result = body()
      if result != -1 { return .success(result) }
      let code = errno
      if code == EINTR { continue }
      return .failure(Errno(code))
    }
  }

  static func openFile(_ path: String, flags: Int32, mode: mode_t) -> Result<Int32, Errno> {
    retrying { open(path, flags, mode) }
  }

  static func closeFile(_ fd: Int32) -> Result<Void, Errno> {
    // close(2) must not be retried on EINTR: the descriptor is gone either way (POSIX leaves it
    // unspecified, Linux always releases it). Report the error instead.
    if close(fd) == 0 { return .success(()) }
    return .failure(Errno(errno))
  }

  static func writeBytes(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Result<Int, Errno>
  {
    retrying { write(fd, base, count) }
  }

  /// Reads up to `count` bytes, retrying on EINTR.
  package static func readBytes(_ fd: Int32, _ base: UnsafeMutableRawPointer, _ count: Int)
    -> Result<
      Int, Errno
    >
  {
    retrying { read(fd, base, count) }
  }

  /// Flushes a file's data and metadata to stable storage.
  ///
  /// On Darwin `fsync` only reaches the drive's cache, so this asks for `F_FULLFSYNC` first and
  /// falls back to `fsync` when the file system does not support it.
  static func fullSync(_ fd: Int32) -> Result<Void, Errno> {
    #if canImport(Darwin)
    if fcntl(fd, F_FULLFSYNC) != -1 { return .success(()) }
    #endif
    return retrying { fsync(fd) }.map { _ in () }
  }

  static func renameFile(_ from: String, _ to: String) -> Result<Void, Errno> {
    retrying { rename(from, to) }.map { _ in () }
  }

  static func unlinkFile(_ path: String) -> Result<Void, Errno> {
    retrying { unlink(path) }.map { _ in () }
  }

  static func removeDirectory(_ path: String) -> Result<Void, Errno> {
    retrying { rmdir(path) }.map { _ in () }
  }

  static func makeDirectory(_ path: String, mode: mode_t) -> Result<Void, Errno> {
    retrying { mkdir(path, mode) }.map { _ in () }
  }

  static func truncateFile(_ fd: Int32, _ length: Int64) -> Result<Void, Errno> {
    retrying { ftruncate(fd, off_t(length)) }.map { _ in () }
  }

  static func seek(_ fd: Int32, _ offset: Int64, _ whence: Int32) -> Result<Int64, Errno> {
    retrying { Int64(lseek(fd, off_t(offset), whence)) }
  }

  /// Waits (for a lock being released).
  static func sleep(milliseconds: Int) { usleep(useconds_t(milliseconds * 1000)) }

  /// Takes an exclusive (or, with `shared`, a shared) advisory lock without waiting; `false`
  /// when another process holds a conflicting one.
  static func tryLockExclusive(_ fd: Int32, shared: Bool = false) -> Result<Bool, Errno> {
    switch retrying({ flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) }) {
    case .success: return .success(true)
    case .failure(let error) where error.code == EWOULDBLOCK: return .success(false)
    case .failure(let error): return .failure(error)
    }
  }

  /// File metadata without following a final symbolic link.
  static func fileInfo(_ path: String) -> Result<FileInfo?, Errno> {
    var info = stat()
    switch retrying({ lstat(path, &info) }) {
    case .success:
      return .success(fileInfo(info))
    case .failure(let error) where error.code == ENOENT || error.code == ENOTDIR:
      return .success(nil)
    case .failure(let error):
      return .failure(error)
    }
  }

  /// Metadata of an open file (`fstat`).
  static func fileInfo(descriptor fd: Int32) -> Result<FileInfo, Errno> {
    var info = stat()
    return retrying({ fstat(fd, &info) }).map { _ in fileInfo(info) }
  }

  private static func fileInfo(_ info: stat) -> FileInfo {
    let kind: FileInfo.Kind
    switch info.st_mode & S_IFMT {
    case S_IFREG: kind = .regular
    case S_IFDIR: kind = .directory
    case S_IFLNK: kind = .symlink
    case S_IFIFO: kind = .fifo
    case S_IFCHR, S_IFBLK: kind = .device
    case S_IFSOCK: kind = .socket
    default: kind = .other
    }
    return FileInfo(
      kind: kind, size: Int64(info.st_size), mode: UInt32(info.st_mode & 0o7777),
      linkCount: UInt64(info.st_nlink))
  }

  /// The names in a directory, without `.` and `..`, sorted by their bytes.
  static func listDirectory(_ path: String) -> Result<[String], Errno> {
    guard let dir = opendir(path) else { return .failure(Errno(errno)) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    return .success(names)
  }

  // MARK: Process and terminal

  /// The current process id.
  package static var processID: Int32 { getpid() }

  /// The text of a NUL-terminated C buffer.
  static func text(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// This machine's host name, or "unknown".
  package static var hostName: String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
    return text(buffer)
  }

  /// Whether a file descriptor is a terminal.
  package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

  /// Writes all bytes to a descriptor (standard output or error), ignoring failures.
  package static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        guard
          case .success(let n) = writeBytes(fd, buffer.baseAddress! + offset, buffer.count - offset),
          n > 0
        else { return }
        offset += n
      }
    }
  }

  /// Reads a descriptor (standard input) to its end, or until `limit` bytes have been read:
  /// a stream longer than `limit` returns exactly `limit` bytes, so pass the most you accept
  /// plus one to tell "at the limit" from "over it".
  package static func readAll(_ fd: Int32, limit: Int = .max) throws(Errno) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while result.count < limit {
      let wanted = min(chunk.count, limit - result.count)
      let n = try chunk.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress!, wanted) }.get()
      if n == 0 { break }
      result.append(contentsOf: chunk[0..<n])
    }
    return result
  }

  /// The value of an environment variable.
  package static func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
  }

  /// Ends the process with a status.
  package static func exitProcess(_ status: Int32) -> Never { exit(status) }

  /// Creates a fresh folder `<TMPDIR or /tmp>/<prefix>XXXXXX` (mode 0700) and returns its path.
  package static func makeTemporaryDirectory(prefix: String) -> Result<String, Errno> {
    var base = environment("TMPDIR") ?? "/tmp"
    while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
    var template = Array((base + "/" + prefix + "XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard made != nil else { return .failure(Errno(errno)) }
    return .success(text(template))
  }

  /// The current working directory.
  package static var currentDirectory: String {
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return "." }
    return text(buffer)
  }

  /// The wall clock, as whole seconds since 1970 (UTC).
  ///
  /// Only the CLI's default clock reads it.
  package static var secondsSinceEpoch: Int64 { Int64(time(nil)) }

  /// Standard error's descriptor.
  package static let standardError: Int32 = 2
  /// Standard output's descriptor.
  package static let standardOutput: Int32 = 1
  /// Standard input's descriptor.
  package static let standardInput: Int32 = 0

  /// Permission bits for files Outpost creates (keys use ``secretFileMode``).
  static let fileMode: mode_t = 0o644
  /// Permission bits for secret files such as office keys.
  static let secretFileMode: mode_t = 0o600
  /// Permission bits for directories Outpost creates.
  static let directoryMode: mode_t = 0o755

  /// `O_NONBLOCK`: opening a FIFO for reading returns at once instead of waiting for a writer
  /// (it has no effect on regular files), so a FIFO given as an input is refused, never waited on.
  static let readOnly: Int32 = O_RDONLY | O_NONBLOCK | O_CLOEXEC
  static let createExclusive: Int32 = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
  static let appendOnly: Int32 = O_WRONLY | O_APPEND | O_CLOEXEC
  static let readWriteCreate: Int32 = O_RDWR | O_CREAT | O_CLOEXEC
  static let directoryReadOnly: Int32 = O_RDONLY | O_DIRECTORY | O_CLOEXEC
  static let noFollow: Int32 = O_NOFOLLOW
  static let seekEnd: Int32 = SEEK_END
  static let seekSet: Int32 = SEEK_SET
  static let seekCurrent: Int32 = SEEK_CUR
}

/// A C `errno` value, with its symbolic name and the system's message.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
  /// The numeric code.
  public let code: Int32

  /// Wraps a numeric code.
  public init(_ code: Int32) { self.code = code }

  /// The symbolic name (`ENOSPC`) for the codes Outpost reports specially, else `errno N`.
  public var name: String {
    switch code {
    case ENOENT: "ENOENT"
    case EACCES: "EACCES"
    case EPERM: "EPERM"
    case EEXIST: "EEXIST"
    case ENOSPC: "ENOSPC"
    case EIO: "EIO"
    case EROFS: "EROFS"
    case EINTR: "EINTR"
    case ENOTDIR: "ENOTDIR"
    case EISDIR: "EISDIR"
    case ELOOP: "ELOOP"
    case ENAMETOOLONG: "ENAMETOOLONG"
    case EDQUOT: "EDQUOT"
    case EBADF: "EBADF"
    case EWOULDBLOCK: "EWOULDBLOCK"
    default: "errno \(code)"
    }
  }

  /// The system's description of the code.
  public var description: String {
    guard let text = strerror(code) else { return name }
    return "\(String(cString: text)) (\(name))"
  }

  public static let noSuchFile = Errno(ENOENT)
  public static let accessDenied = Errno(EACCES)
  public static let notPermitted = Errno(EPERM)
  public static let fileExists = Errno(EEXIST)
  public static let noSpace = Errno(ENOSPC)
  public static let quotaExceeded = Errno(EDQUOT)
  public static let ioError = Errno(EIO)
  public static let readOnlyFileSystem = Errno(EROFS)
  public static let interrupted = Errno(EINTR)
  public static let tooManySymlinks = Errno(ELOOP)
  public static let nameTooLong = Errno(ENAMETOOLONG)
}

/// What ``FileSystem/info(_:)`` reports about a path.
public struct FileInfo: Sendable, Equatable {
  /// The kind of file.
  public enum Kind: Sendable, Equatable {
    case regular, directory, symlink, fifo, device, socket, other
  }
  /// The kind of file (a symbolic link is reported as such, never followed).
  public var kind: Kind
  /// Size in bytes.
  public var size: Int64
  /// Permission bits.
  public var mode: UInt32
  /// Number of hard links.
  public var linkCount: UInt64
}
