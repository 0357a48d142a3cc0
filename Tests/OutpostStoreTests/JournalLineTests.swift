import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync
import Testing

/// SPEC.md §4.2: a journal line's entry is canonical JSON; record entries, written directly for
/// speed, must be the bytes the general writer gives for every other kind.
struct JournalLineTests {
  @Test("a record entry written directly equals the general canonical entry")
  func recordShortcut() throws {
    let north = ReplicaID(unchecked: "north")
    let hq = ReplicaID(unchecked: "hq")
    var states: [RecordState] = [RecordState()]
    var state = RecordState()
    state.write(
      ["amount": .string("12.50"), "备注": .string("quote \" and \\ and\ttab"), "n": .null],
      at: Dot(north, 9))
    states.append(state)
    var other = state
    other.write(["amount": .string("13")], at: Dot(hq, 10))
    state.write(["amount": .string("14")], at: Dot(north, 10))
    states.append(state.joined(with: other))  // a conflict: two dots in one register
    state.delete(at: Dot(north, 11))
    states.append(state)
    for (index, state) in states.enumerated() {
      for (collection, id) in [("orders", "north-or-1"), ("客户_custom", "A.b_c-9")] {
        let entry = JournalEntry.record(
          collection: collection, id: try RecordID(id), state: state)
        let prev = String(repeating: "ab", count: 32)
        var line: [UInt8] = []
        _ = JournalFormat.appendLine(entry, txn: 123_456, seq: 7_890_123, prev: prev, to: &line)
        var expected: [UInt8] = []
        _ = JournalFormat.appendLine(
          entry: JournalFormat.genericEntry(entry, txn: 123_456, seq: 7_890_123, prev: prev),
          to: &expected)
        #expect(
          line == expected,
          "state \(index), \(collection): \(String(decoding: line, as: UTF8.self))")
      }
    }
  }
}
