import OutpostCodec
import OutpostSync

/// The journal's segment files (SPEC.md §4.2): the segment being written,
/// `journal/NNNNNNNNNN.jsonl`, and the finished ones before it, each sealed into
/// `journal/NNNNNNNNNN.sealed` (the same bytes, compressed).
///
/// A segment is named by the sequence number of its first entry, so the segment after one that
/// ends at entry `s` is `s + 1`, and an entry's line in its segment is `seq - segment + 1`.
package enum JournalSegments {
  /// The first line of a sealed segment names this format.
  static let sealedFormat = "outpost-journal-sealed/1"
  /// The longest first line of a sealed segment.
  static let maximumHeaderBytes = 256
  /// The most bytes a sealed segment may declare once inflated.
  static let maximumRawBytes: Int64 = 1 << 40
  /// Where a writer starts a new segment: its next transaction goes to a new file once the
  /// current one holds at least this many bytes.
  static let defaultLimit: Int64 = 4 << 20

  /// The line of entry `seq` in its segment, which is named by its first entry's sequence number.
  static func line(of seq: UInt64, in segment: Int) -> Int { Int(seq) - segment + 1 }

  /// The sealed file of a segment: `NNNNNNNNNN.sealed`.
  package static func sealedName(_ segment: Int) -> String {
    let name = JournalFormat.segmentName(segment)
    return name.dropLast(".jsonl".count) + ".sealed"
  }

  /// A segment's number from a file name of the journal folder, and whether it is sealed; nil
  /// for any other name.
  static func parse(_ name: String) -> (segment: Int, sealed: Bool)? {
    let digits = name.utf8.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    guard digits.count == 10, let segment = Int(Substring(digits)), segment > 0 else { return nil }
    switch name.utf8.dropFirst(10).elementsEqual(".jsonl".utf8) {
    case true: return (segment, false)
    case false where name.utf8.dropFirst(10).elementsEqual(".sealed".utf8): return (segment, true)
    default: return nil
    }
  }

  /// Which segments the journal folder holds, plain or sealed (or both, after a crash between
  /// sealing one and removing its plain file), in order.
  static func list(fileSystem: any FileSystem, directory: String) throws(StoreError) -> [(
    segment: Int, plain: Bool, sealed: Bool
  )] {
    let names: [String]
    do { names = try fileSystem.list(directory) } catch { throw StoreError.readFailed(error) }
    var found: [Int: (plain: Bool, sealed: Bool)] = [:]
    for name in names {
      guard let (segment, sealed) = parse(name) else { continue }
      var entry = found[segment] ?? (false, false)
      if sealed { entry.sealed = true } else { entry.plain = true }
      found[segment] = entry
    }
    return found.keys.sorted().map { ($0, found[$0]!.plain, found[$0]!.sealed) }
  }

  /// Whether a segment exists, plain or sealed.
  static func exists(fileSystem: any FileSystem, directory: String, segment: Int)
    throws(StoreError) -> Bool
  {
    do throws(FileSystemError) {
      if try fileSystem.exists(directory + "/" + JournalFormat.segmentName(segment)) {
        return true
      }
      return try fileSystem.exists(directory + "/" + sealedName(segment))
    } catch { throw StoreError.readFailed(error) }
  }

  /// A segment's bytes from `offset` to its end and the segment's size (no bytes when it is
  /// shorter than `offset`), from its plain file if there is one, else inflated from its sealed
  /// file, with the path of the file read; nil when neither exists.
  static func read(fileSystem: any FileSystem, directory: String, segment: Int, from offset: Int64)
    throws(StoreError) -> (bytes: [UInt8], size: Int64, path: String)?
  {
    let plain = directory + "/" + JournalFormat.segmentName(segment)
    do {
      if try fileSystem.exists(plain) {
        let (bytes, size) = try fileSystem.readFile(plain, from: offset)
        return (bytes, size, plain)
      }
    } catch { throw StoreError.readFailed(error) }
    let sealed = directory + "/" + sealedName(segment)
    let stored: [UInt8]
    do {
      guard try fileSystem.exists(sealed) else { return nil }
      stored = try fileSystem.readFile(sealed)
    } catch { throw StoreError.readFailed(error) }
    var bytes = try unseal(stored, path: sealed)
    let size = Int64(bytes.count)
    if offset <= size { bytes.removeFirst(Int(offset)) } else { bytes = [] }
    return (bytes, size, sealed)
  }

  /// The bytes a sealed segment file holds: its header line checked, its stream inflated to
  /// exactly the size the header declares.
  static func unseal(_ stored: [UInt8], path: String) throws(StoreError) -> [UInt8] {
    func damaged(_ detail: String) -> StoreError {
      StoreError(
        .corrupt, "journal '\(path)': \(detail)",
        hint: "The sealed journal segment is damaged; restore the repository from a backup or "
          + "another replica.", remedy: .verify)
    }
    guard
      let newline = stored.prefix(maximumHeaderBytes).firstIndex(of: UInt8(ascii: "\n")),
      case .object(let header)? = try? JSONParser.parse(
        Array(stored[..<newline]), limits: .repositoryFile),
      header.count == 2, header["format"]?.stringValue == sealedFormat,
      let raw = header["raw_bytes"]?.int64Value, raw >= 0, raw <= maximumRawBytes
    else {
      throw damaged(
        "the first line is not a sealed segment's header "
          + "({\"format\":\"\(sealedFormat)\",\"raw_bytes\":N})")
    }
    let stream = Array(stored[(newline + 1)...])
    let output: [UInt8]
    let end: Int
    do throws(Inflate.Failure) {
      (output, end) = try Inflate.decompress(stream, exactLimit: Int(raw))
    } catch {
      if error.exceedsLimit { throw damaged("it inflates to more than the \(raw) bytes declared") }
      throw damaged("it is not a valid DEFLATE stream (\(error))")
    }
    guard output.count == raw else {
      throw damaged("it inflates to \(output.count) bytes, not the \(raw) declared")
    }
    guard end == stream.count else {
      throw damaged("it has \(stream.count - end) bytes after the end of its DEFLATE stream")
    }
    return output
  }

  /// The sealed file's bytes for a segment's bytes.
  static func seal(_ bytes: [UInt8]) -> [UInt8] {
    var sealed = JSONWriter.canonicalBytes(
      .object(
        JSONObject(uncheckedPairs: [
          ("format", .string(sealedFormat)),
          ("raw_bytes", .number(JSONNumber(integer: Int64(bytes.count)))),
        ])))
    sealed.append(UInt8(ascii: "\n"))
    sealed.append(contentsOf: Deflate.compress(bytes, level: .default))
    return sealed
  }
}

extension RepositoryWriter {
  /// Seals every finished segment: each plain segment before the checkpoint's is replaced by
  /// its sealed file (SPEC.md §4.2).
  ///
  /// Runs after the acknowledgement, as tidying does, and only while no reader reads (it holds
  /// `readers` exclusively): a failure loses nothing, since the plain file is removed only once
  /// its sealed copy is durable and reads back to the same bytes, and the next commit tries
  /// again.
  func sealFinishedSegments() {
    guard sealPending, checkpoint.segment > 1 else { return }
    guard let readers = tidyLock() else { return }
    defer { try? fileSystem.close(readers) }
    guard
      let segments = try? JournalSegments.list(
        fileSystem: fileSystem, directory: journalDirectory)
    else { return }
    for (segment, plain, _) in segments where plain && segment < checkpoint.segment {
      let name = JournalFormat.segmentName(segment)
      do throws(FileSystemError) {
        let bytes = try fileSystem.readFile(journalDirectory + "/" + name)
        let sealed = JournalSegments.seal(bytes)
        // The plain file goes only once its sealed copy reads back to the same bytes.
        guard
          (try? JournalSegments.unseal(sealed, path: JournalSegments.sealedName(segment)))
            == bytes
        else { return }
        try AtomicFile.write(
          sealed, to: JournalSegments.sealedName(segment), in: journalDirectory,
          fileSystem: fileSystem)
        try fileSystem.remove(journalDirectory + "/" + name)
        try fileSystem.syncDirectory(journalDirectory)
      } catch { return }
    }
    sealPending = false
  }
}
