import OutpostCodec
import OutpostModel
import OutpostSync
import Testing

/// SPEC.md §5: record states are multi-value registers joined by causal context.
struct RecordStateTests {
  let north = ReplicaID(unchecked: "north")
  let hq = ReplicaID(unchecked: "hq")

  @Test("writing the stored value is not a change")
  func unchangedIsNoChange() {
    var state = RecordState()
    state.write(["a": .string("1")], at: Dot(north, 1))
    #expect(state.changes(["a": .string("1")]).isEmpty)
    #expect(state.changes(["a": .string("2")]) == ["a": .string("2")])
  }

  @Test("concurrent writes to one field conflict; to different fields merge silently")
  func conflicts() {
    var base = RecordState()
    base.write(["a": .string("0"), "b": .string("0")], at: Dot(north, 1))
    var left = base
    var right = base
    left.write(["a": .string("L")], at: Dot(north, 2))
    right.write(["a": .string("R")], at: Dot(hq, 1))
    let same = left.joined(with: right)
    #expect(same.conflictedFields == ["a"])
    var other = base
    other.write(["b": .string("B")], at: Dot(hq, 1))
    let merged = left.joined(with: other)
    #expect(merged.conflictedFields.isEmpty)
    #expect(merged.value("a") == .string("L"))
    #expect(merged.value("b") == .string("B"))
  }

  @Test("an edit concurrent with a delete conflicts and keeps the whole record")
  func editVersusDelete() {
    var base = RecordState()
    base.write(["a": .string("0"), "b": .string("0")], at: Dot(north, 1))
    var edited = base
    edited.write(["a": .string("1")], at: Dot(north, 2))
    var deleted = base
    deleted.delete(at: Dot(hq, 1))
    let merged = edited.joined(with: deleted)
    #expect(merged.hasDeleteConflict)
    #expect(!merged.isDeleted)
    #expect(merged.value("b") == .string("0"))
    // A delete that saw the edit wins without a conflict.
    var later = merged
    later.delete(at: Dot(hq, 2))
    #expect(later.isDeleted && !later.isConflicted)
  }

  @Test("join is commutative, associative and idempotent over seeded random histories")
  func joinLaws() throws {
    let seed: UInt64 = 3_170_001
    print("join-law seed: \(seed)")
    var rng = seed
    func next() -> UInt64 {
      rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return rng >> 33
    }
    let replicas = ["hq", "north", "east"].map { ReplicaID(unchecked: $0) }
    for round in 0..<300 {
      var states = Array(repeating: RecordState(), count: 3)
      var counters: [UInt64] = [0, 0, 0]
      for _ in 0..<12 {
        let i = Int(next() % 3)
        switch next() % 4 {
        case 0:
          let j = Int(next() % 3)
          states[i] = states[i].joined(with: states[j])
        case 1:
          counters[i] += 1
          states[i].delete(at: Dot(replicas[i], counters[i]))
        default:
          counters[i] += 1
          let field = ["a", "b", "c"][Int(next() % 3)]
          states[i].write([field: .string("\(next() % 3)")], at: Dot(replicas[i], counters[i]))
        }
      }
      let (a, b, c) = (states[0], states[1], states[2])
      #expect(a.joined(with: b) == b.joined(with: a), "seed \(seed) round \(round)")
      #expect(
        a.joined(with: b).joined(with: c) == a.joined(with: b.joined(with: c)),
        "seed \(seed) round \(round)")
      #expect(a.joined(with: a) == a, "seed \(seed) round \(round)")
      let json = a.json
      #expect(try RecordState(json: JSONParser.parse(JSONWriter.canonicalBytes(json))) == a)
    }
  }

  @Test("dots and clocks reject non-canonical counters")
  func dotParsing() {
    #expect(Dot(parsing: "north:12") == Dot(north, 12))
    #expect(
      Dot(parsing: "a-b_1:9007199254740991")
        == Dot(ReplicaID(unchecked: "a-b_1"), 9_007_199_254_740_991))
    #expect(Dot(parsing: String(repeating: "a", count: 32) + ":1") != nil)
    for bad in [
      "north:0", "north:012", "north:1e3", "north:-1", "North:1", "north", ":1",
      "north:9007199254740992", "north:", "_north:1", "-north:1", "a:b:1", "nörth:1",
      "north:18446744073709551616", "north:99999999999999999999", "north: 1",
      String(repeating: "a", count: 33) + ":1",
    ] {
      #expect(Dot(parsing: bad) == nil, "\(bad)")
    }
  }
}
