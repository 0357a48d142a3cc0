import Foundation
import OutpostStore
import OutpostTestSupport
import Testing

/// A file system whose `fstat` reports every file as `staleSize` bytes: the file grew after it
/// was checked and before it was read.
private func growingFileSystem(staleSize: Int64) -> ForwardingFileSystem {
  let fileSystem = ForwardingFileSystem(base: PosixFileSystem())
  fileSystem.adjustInfo = { info in
    var info = info
    info.size = staleSize
    return info
  }
  return fileSystem
}

/// SPEC.md §7, "Input files": `FileSystem.readInputFile` at the store level.
struct InputFileReadTests {
  @Test("a file that grows past the limit after its size was checked is refused while reading")
  func growingFile() throws {
    let temp = TemporaryDirectory()
    let path = temp.write("grown.csv", String(repeating: "x", count: 1000))
    let fileSystem = growingFileSystem(staleSize: 10)
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
