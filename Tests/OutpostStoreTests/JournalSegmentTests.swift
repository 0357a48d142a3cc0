import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import OutpostTestSupport
import Testing

/// SPEC.md §4.2: the journal is a sequence of segments, each named by the sequence number of its
/// first entry; a writer begins a new one once the current one is full, and seals the finished
/// ones (compressed, with a header) after its acknowledgement.
struct JournalSegmentTests {
  let now: @Sendable () -> Timestamp = { "2025-03-01T09:00:00Z" }
  let north = ReplicaID(unchecked: "north")
  let hq = ReplicaID(unchecked: "hq")

  func order(_ n: Int) -> RecordChange { EnrolledPair.order(n) }

  /// A branch repository at `/repo` with `commits` transactions of five orders each, written
  /// with a segment limit of `limit` bytes.
  func repository(commits: Int, limit: Int64 = 2_000) throws -> MemoryFileSystem {
    let disk = MemoryFileSystem()
    let writer = try RepositoryWriter.create(
      at: "/repo", replica: north, role: .branch, fileSystem: disk, now: now)
    writer.journalSegmentLimit = limit
    for commit in 0..<commits {
      _ = try writer.commit((0..<5).map { order(commit * 5 + $0) }, command: "put")
    }
    writer.close()
    return disk
  }

  /// The files of the journal folder of the repository at `root`, by name.
  func journal(_ disk: MemoryFileSystem, under root: String = "/repo") -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    for (path, bytes) in disk.snapshot() where path.hasPrefix(root + "/journal/") {
      files[String(path.dropFirst((root + "/journal/").count))] = bytes
    }
    return files
  }

  @Test("§4.2: full segments are followed by new ones and sealed; everything reads back")
  func segmentsSealAndReadBack() throws {
    let disk = try repository(commits: 8)
    let files = journal(disk)
    let plain = files.keys.filter { $0.hasSuffix(".jsonl") }
    let sealed = files.keys.filter { $0.hasSuffix(".sealed") }.sorted()
    #expect(plain.count == 1, "\(files.keys.sorted())")
    #expect(sealed.count >= 3, "\(files.keys.sorted())")
    #expect(sealed.first == "0000000001.sealed")
    // Each sealed file is its header and a stream inflating to lines whose first entry's
    // sequence number names the segment; it is smaller than what it holds.
    var seen = 0
    for name in sealed {
      let bytes = try #require(files[name])
      let newline = try #require(bytes.firstIndex(of: UInt8(ascii: "\n")))
      let header = String(decoding: bytes[..<newline], as: UTF8.self)
      #expect(header.hasPrefix(#"{"format":"outpost-journal-sealed/1","raw_bytes":"#))
      let raw = try Inflate.decompress(Array(bytes[(newline + 1)...]), limit: 1 << 24)
      #expect(header == #"{"format":"outpost-journal-sealed/1","raw_bytes":\#(raw.count)}"#)
      #expect(bytes.count < raw.count)
      let first = try #require(raw.split(separator: UInt8(ascii: "\n")).first)
      let entry = try JournalEntry.decode(framedLine: first[...], number: 1)
      #expect(String(entry.seq) == String(name.prefix(10).drop { $0 == "0" }))
      seen += 1
    }
    #expect(seen == sealed.count)

    let reader = try RepositoryReader.open(at: "/repo", fileSystem: disk, now: now)
    defer { reader.close() }
    #expect(reader.verify().isClean, "\(reader.verify().problems)")
    let transactions = try reader.transactions()
    #expect(transactions.count == 9)  // init and the eight commits
    // Each transaction is located in its own segment, from line 1 of a segment on.
    let segments = Set(transactions.map { $0.location.prefix { $0 != ":" } })
    #expect(segments.count == sealed.count + 1, "\(transactions.map(\.location))")
    #expect(try reader.states("orders").count == 40)
    let history = try reader.history("orders", RecordID(unchecked: "north-or-0"))
    #expect(history.count == 1 && history[0].transaction.location.hasPrefix("journal/0000000001"))
  }

  @Test("§4.2: a damaged sealed segment is named by verify")
  func damagedSealedSegment() throws {
    let disk = try repository(commits: 6)
    let path = "/repo/journal/0000000001.sealed"
    var bytes = try #require(journal(disk)["0000000001.sealed"])
    bytes[bytes.count / 2] ^= 0x5A
    try write(bytes, to: path, in: disk)
    let reader = try RepositoryReader.open(at: "/repo", fileSystem: disk, now: now)
    defer { reader.close() }
    let report = reader.verify()
    #expect(!report.isClean)
    #expect(report.problems.contains { $0.contains(path) }, "\(report.problems)")
  }

  @Test("§4.2: a header that is not a sealed segment's is refused before inflating")
  func sealedHeaderChecked() throws {
    let disk = try repository(commits: 6)
    let path = "/repo/journal/0000000001.sealed"
    var bytes = try #require(journal(disk)["0000000001.sealed"])
    let newline = try #require(bytes.firstIndex(of: UInt8(ascii: "\n")))
    bytes.replaceSubrange(
      ..<newline, with: Array(#"{"format":"outpost-journal-sealed/1","raw_bytes":7}"#.utf8))
    try write(bytes, to: path, in: disk)
    let reader = try RepositoryReader.open(at: "/repo", fileSystem: disk, now: now)
    defer { reader.close() }
    #expect(
      reader.verify().problems.contains {
        $0.contains(path) && $0.contains("inflates to more than the 7 bytes declared")
      }, "\(reader.verify().problems)")
  }

  @Test("§4.3: a new segment whose first transaction did not commit is removed on opening")
  func unfinishedSegmentRemoved() throws {
    for tail in [[], Array(#"{"entry":{"actor":"north","#.utf8)] {
      let disk = try repository(commits: 4)
      let reader = try RepositoryReader.open(at: "/repo", fileSystem: disk, now: now)
      let next = JournalFormat.segmentName(Int(reader.checkpoint.seq) + 1)
      let before = try reader.states("orders").map { "\($0.id) \($0.state.json)" }
      reader.close()
      try write(tail, to: "/repo/journal/\(next)", in: disk)
      let writer = try RepositoryWriter.open(at: "/repo", fileSystem: disk, now: now)
      #expect(
        writer.notices.contains { $0.hasPrefix("recovered: removed journal segment \(next)") },
        "\(writer.notices)")
      #expect(try writer.states("orders").map { "\($0.id) \($0.state.json)" } == before)
      writer.close()
      #expect(journal(disk)[next] == nil)
      let again = try RepositoryReader.open(at: "/repo", fileSystem: disk, now: now)
      #expect(again.verify().isClean, "\(again.verify().problems)")
      again.close()
    }
  }

  @Test("§4.2: an uncommitted tail with a segment after it is damage, not a tail")
  func tailBeforeLaterSegment() throws {
    let disk = try repository(commits: 4)
    let reader = try RepositoryReader.open(at: "/repo", fileSystem: disk, now: now)
    let current = "/repo/journal/" + JournalFormat.segmentName(reader.checkpoint.segment)
    let later = JournalFormat.segmentName(Int(reader.checkpoint.seq) + 7)
    reader.close()
    var bytes = try #require(disk.snapshot()[current])
    bytes += Array(#"{"entry":{"#.utf8)
    try write(bytes, to: current, in: disk)
    try write(Array("{}\n".utf8), to: "/repo/journal/\(later)", in: disk)
    #expect {
      try RepositoryWriter.open(at: "/repo", fileSystem: disk, now: now).close()
    } throws: { error in
      guard let error = error as? StoreError else { return false }
      return error.code == .corrupt && error.message.contains("but segment \(later) follows it")
    }
  }

  @Test("§4.2: verify names a segment file that does not continue the journal")
  func straySegment() throws {
    let disk = try repository(commits: 2, limit: 1 << 20)
    try write(Array("{}\n".utf8), to: "/repo/journal/0000000900.jsonl", in: disk)
    let reader = try RepositoryReader.open(at: "/repo", fileSystem: disk, now: now)
    defer { reader.close() }
    #expect(
      reader.verify().problems == [
        "journal/0000000900.jsonl: a journal segment that does not continue the journal (no "
          + "segment before it ends at entry 899)"
      ])
  }

  @Test("§4.1: a repository of outpost-repo/3 is upgraded on opening; its journal reads as it is")
  func upgradeFromVersion3() throws {
    let disk = try repository(commits: 3, limit: 1 << 20)
    let config = "/repo/outpost.json"
    let text = String(decoding: try #require(disk.snapshot()[config]), as: UTF8.self)
    #expect(text.contains(#""outpost-repo/4""#))
    let version3 = String(
      text.split(separator: "\n").map {
        $0.contains("outpost-repo/4") ? "  \"format\": \"outpost-repo/3\"," : $0
      }.joined(separator: "\n") + "\n")
    #expect(version3.contains(#""outpost-repo/3""#))
    try write(Array(version3.utf8), to: config, in: disk)
    let journalBefore = journal(disk)
    let writer = try RepositoryWriter.open(at: "/repo", fileSystem: disk, now: now)
    #expect(
      writer.notices.contains {
        $0.hasPrefix("upgraded: the repository is now in format outpost-repo/4")
      }, "\(writer.notices)")
    writer.close()
    #expect(journal(disk) == journalBefore)
    #expect(String(decoding: disk.snapshot()[config]!, as: UTF8.self) == text)
    let reader = try RepositoryReader.open(at: "/repo", fileSystem: disk, now: now)
    defer { reader.close() }
    #expect(reader.verify().isClean)
    #expect(try reader.transactions().count == 4)
  }

  @Test("§8.6: after an acknowledgement, a submission reads the changes across sealed segments")
  func bundleAcrossSegments() throws {
    let pair = try EnrolledPair(now: now)
    defer { pair.close() }
    let (disk, head, branch, key) = (pair.disk, pair.head, pair.branch, pair.key)
    branch.checksBundleRecords = true
    branch.journalSegmentLimit = 1
    _ = try branch.commit((1...5).map { order($0) }, command: "put")
    _ = try head.applyBundle(try branch.makeBundle(for: hq).bytes, name: "north-1")
    _ = try branch.applyBundle(try head.makeBundle(for: north).bytes, name: "reply-1")
    let mark = try #require(try branch.peer(hq)?.sent.madeAt[1])
    for n in 6...9 { _ = try branch.commit([order(n)], command: "put") }
    #expect(branch.checkpoint.segment > mark.segment + 3, "the changes span several segments")
    #expect(
      journal(disk, under: "/w/north").keys.contains(JournalSegments.sealedName(mark.segment)))
    let second = try branch.makeBundle(for: hq)
    #expect(!branch.lastBundleWalkedEveryRecord)
    let verified = try BundleCodec.verify(second.bytes, name: "bundle") { _ in .active(key) }
    #expect(
      try verified.records().map(\.id.rawValue) == (6...9).map { "north-or-\($0)" })
  }

  /// Replaces a file's bytes, as damage or a crash would leave them.
  func write(_ bytes: [UInt8], to path: String, in disk: MemoryFileSystem) throws {
    try disk.writeFile(path, bytes)
  }
}
