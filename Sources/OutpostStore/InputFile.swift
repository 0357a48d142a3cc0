/// Why a file named on the command line was not read (SPEC.md §7, "Input files").
package enum InputFileError: Error, Sendable, Equatable {
  /// Nothing is at the path.
  case missing
  /// The path is a symbolic link; inputs are never followed through one.
  case symbolicLink
  /// The path is not a regular file: a directory, FIFO, device or socket. Reading one could
  /// block forever (a FIFO nobody writes to) or never end (`/dev/zero`).
  case notRegular(FileInfo.Kind)
  /// The file holds more than `limit` bytes: `size` as the file system reported it before
  /// reading, or nil when it grew past the limit while being read.
  case tooLarge(size: Int64?, limit: Int64)
  /// The system refused to open or read it.
  case unreadable(FileSystemError)

  /// What the path is, in words, for a refusal ("a FIFO (named pipe)").
  package static func describe(_ kind: FileInfo.Kind) -> String {
    switch kind {
    case .regular: "a regular file"
    case .directory: "a directory"
    case .symlink: "a symbolic link"
    case .fifo: "a FIFO (named pipe)"
    case .device: "a device"
    case .socket: "a socket"
    case .other: "not a regular file"
    }
  }
}

extension FileSystem {
  /// Reads an input file named on the command line, with a size limit.
  ///
  /// The file is opened without following a symbolic link and without waiting (a FIFO opens at
  /// once), then checked through the open descriptor, so the path cannot be swapped between
  /// the check and the read: it must be a regular file of at most `limit` bytes. At most
  /// `limit + 1` bytes are read, so a file that grows past the limit while it is read is
  /// refused too. Nothing larger than the limit is ever held in memory.
  ///
  /// - Returns: the bytes, and the file's permission bits (key files are checked for them).
  /// - Throws: ``InputFileError``.
  package func readInputFile(_ path: String, limit: Int64) throws(InputFileError) -> (
    bytes: [UInt8], mode: UInt32
  ) {
    let (handle, info) = try openInputFile(path, limit: limit)
    let bytes: [UInt8]
    do throws(FileSystemError) {
      bytes = try read(handle, upTo: Int(clamping: limit) + 1)
    } catch {
      try? close(handle)
      throw .unreadable(error)
    }
    try? close(handle)
    guard bytes.count <= limit else { throw .tooLarge(size: nil, limit: limit) }
    return (bytes, info.mode)
  }

  /// Checks an input file as ``readInputFile(_:limit:)`` does, without reading it.
  ///
  /// Commands call this before they take the repository's lock, so that a FIFO, a device or an
  /// oversized file is refused without ever holding the lock.
  package func checkInputFile(_ path: String, limit: Int64) throws(InputFileError) {
    let (handle, _) = try openInputFile(path, limit: limit)
    try? close(handle)
  }

  private func openInputFile(_ path: String, limit: Int64) throws(InputFileError) -> (
    FileHandle, FileInfo
  ) {
    let handle: FileHandle
    do throws(FileSystemError) {
      handle = try open(path, .read)
    } catch {
      if error.errno == .noSuchFile { throw .missing }
      // Say what the path is when that is why it could not be opened (a symbolic link under
      // O_NOFOLLOW, a socket).
      if let info = try? info(path) {
        if info.kind == .symlink { throw .symbolicLink }
        if info.kind != .regular { throw .notRegular(info.kind) }
      }
      throw .unreadable(error)
    }
    do throws(InputFileError) {
      let info: FileInfo
      do { info = try self.info(handle) } catch { throw .unreadable(error) }
      guard info.kind == .regular else { throw .notRegular(info.kind) }
      guard info.size <= limit else { throw .tooLarge(size: info.size, limit: limit) }
      return (handle, info)
    } catch {
      try? close(handle)
      throw error
    }
  }
}
