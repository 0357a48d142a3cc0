import Foundation
import OutpostStore
import OutpostTestSupport
import Testing

/// A file system whose `fstat` reports a file as `staleSize` bytes: the file grew after it was
/// checked and before it was read.
private struct GrowingFileSystem: FileSystem {
  let base = PosixFileSystem()
  let staleSize: Int64

  func info(_ handle: OutpostStore.FileHandle) throws(FileSystemError) -> FileInfo {
    var info = try base.info(handle)
    info.size = staleSize
    return info
  }

  func open(_ path: String, _ mode: OpenMode) throws(FileSystemError) -> OutpostStore.FileHandle {
    try base.open(path, mode)
  }
  func write(_ handle: OutpostStore.FileHandle, _ bytes: UnsafeRawBufferPointer)
    throws(FileSystemError)
  {
    try base.write(handle, bytes)
  }
  func readToEnd(_ handle: OutpostStore.FileHandle) throws(FileSystemError) -> [UInt8] {
    try base.readToEnd(handle)
  }
  func read(_ handle: OutpostStore.FileHandle, upTo count: Int) throws(FileSystemError) -> [UInt8] {
    try base.read(handle, upTo: count)
  }
  func sync(_ handle: OutpostStore.FileHandle) throws(FileSystemError) { try base.sync(handle) }
  func close(_ handle: OutpostStore.FileHandle) throws(FileSystemError) { try base.close(handle) }
  func truncate(_ handle: OutpostStore.FileHandle, to length: Int64) throws(FileSystemError) {
    try base.truncate(handle, to: length)
  }
  func size(_ handle: OutpostStore.FileHandle) throws(FileSystemError) -> Int64 {
    try base.size(handle)
  }
  func seek(_ handle: OutpostStore.FileHandle, to offset: Int64) throws(FileSystemError) {
    try base.seek(handle, to: offset)
  }
  func tryLock(_ handle: OutpostStore.FileHandle) throws(FileSystemError) -> Bool {
    try base.tryLock(handle)
  }
  func rename(_ from: String, _ to: String) throws(FileSystemError) { try base.rename(from, to) }
  func remove(_ path: String) throws(FileSystemError) { try base.remove(path) }
  func makeDirectory(_ path: String) throws(FileSystemError) { try base.makeDirectory(path) }
  func list(_ path: String) throws(FileSystemError) -> [String] { try base.list(path) }
  func info(_ path: String) throws(FileSystemError) -> FileInfo? { try base.info(path) }
}

/// SPEC.md §7, "Input files": `FileSystem.readInputFile` at the store level.
struct InputFileReadTests {
  @Test("a file that grows past the limit after its size was checked is refused while reading")
  func growingFile() throws {
    let temp = TemporaryDirectory()
    let path = temp.write("grown.csv", String(repeating: "x", count: 1000))
    let fileSystem = GrowingFileSystem(staleSize: 10)
    #expect(throws: InputFileError.tooLarge(size: nil, limit: 999)) {
      try fileSystem.readInputFile(path, limit: 999)
    }
    #expect(try fileSystem.readInputFile(path, limit: 1000).bytes.count == 1000)
  }

  @Test("the size is checked before reading; a missing file and a symbolic link are named")
  func refusals() throws {
    let temp = TemporaryDirectory()
    let path = temp.write("data.csv", String(repeating: "x", count: 100))
    let fileSystem = PosixFileSystem()
    #expect(throws: InputFileError.tooLarge(size: 100, limit: 99)) {
      try fileSystem.readInputFile(path, limit: 99)
    }
    #expect(throws: InputFileError.missing) {
      try fileSystem.readInputFile(temp.file("nothing"), limit: 99)
    }
    #expect(symlink(path, temp.file("link")) == 0)
    #expect(throws: InputFileError.symbolicLink) {
      try fileSystem.readInputFile(temp.file("link"), limit: 1000)
    }
    #expect(throws: InputFileError.notRegular(.directory)) {
      try fileSystem.checkInputFile(temp.path, limit: 1000)
    }
    #expect(
      try fileSystem.readInputFile(path, limit: 100).bytes == Array(repeating: 120, count: 100))
  }
}
