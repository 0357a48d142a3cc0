import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Testing

// docs/reliability.md §4 rows 8–14 (sequence numbers and clocks) through the real command line;
// the fixture and the refusal checks are in BundleRefusalTests.swift.

// MARK: - Rows 8–11: sequence numbers

struct BundleSequenceTests {
  @Test("row 8: a replay is exit 0 'already merged; no changes' and journals nothing")
  func replay() throws {
    let offices = Offices()
    offices.submit("north", "north-1.sub")
    offices.must(["merge", "north-1.sub"], "hq")
    let before = offices.digest("hq")
    let log = offices.must(["log"], "hq")
    for _ in 0..<3 {
      let again = offices.run(["merge", "north-1.sub"], "hq")
      #expect(again.status == 0, "\(again.errors)")
      #expect(
        again.output.contains(
          "submission 1 from 'north' (north-1.sub): already merged; no changes"),
        "\(again.output)")
      #expect(offices.digest("hq") == before)
    }
    #expect(offices.must(["log"], "hq") == log)
    // At a branch: a reply received twice.
    offices.must(["reply", "north", "--out", "north-1.reply"], "hq")
    offices.must(["receive", "north-1.reply"], "north")
    let branch = offices.digest("north")
    let again = offices.must(["receive", "north-1.reply"], "north")
    #expect(again.contains("already received; no changes"), "\(again)")
    #expect(offices.digest("north") == branch)
  }

  @Test("row 9: an older seq with different content is 65 'older than the last accepted seq 2'")
  func olderBundle() throws {
    let offices = Offices(branches: ["north"])
    try offices.copy("north", "north-old")  // a backup taken before any submission
    offices.submit("north", "north-1.sub")
    offices.put("north", "north-o-4", amount: "40.00")
    offices.submit("north", "north-2.sub")
    offices.must(["merge", "north-1.sub", "north-2.sub"], "hq")
    // The backup is restored and submits again: its seq 1 differs from the one merged.
    offices.put("north-old", "north-o-7", amount: "70.00")
    offices.submit("north-old", "old-1.sub")
    let result = offices.mergeRefused(
      "old-1.sub", status: 65, reason: ["older than the last accepted seq 2 from 'north'"])
    #expect(result.errors.contains("security warning"))
    #expect(!offices.orders("hq").contains("north-o-7"))
  }

  @Test("row 10: three bundles in all 6 orders: gaps are applied with a note, late ones fill them")
  func allOrders() throws {
    let offices = Offices(branches: ["north"])
    try offices.copy("hq", "hq-pristine")
    offices.submit("north", "s1.sub")
    offices.put("north", "north-o-4", amount: "40.00")
    offices.put("north", "north-o-1", amount: "150.00")
    offices.submit("north", "s2.sub")
    offices.must(["delete", "orders", "north-o-2"], "north")
    offices.put("north", "north-o-5", amount: "50.00")
    offices.submit("north", "s3.sub")
    offices.put("north", "north-o-6", amount: "60.00")
    offices.submit("north", "s4.sub")
    let expected = offices.orders("north")
    let permutations = [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]]
    var finals: Set<String> = []
    for order in permutations {
      let hq = "hq-" + order.map(String.init).joined()
      try offices.copy("hq-pristine", hq)
      var newest = 0
      for seq in order {
        let output = offices.must(["merge", "s\(seq).sub"], hq)
        let context = "order \(order), seq \(seq): \(output)"
        if seq > newest + 1 {
          let missing = (newest + 1..<seq).map(String.init).joined(separator: ", ")
          #expect(output.contains("note: seq \(missing) never arrived"), "\(context)")
        } else {
          #expect(!output.contains("never arrived"), "\(context)")
        }
        #expect(output.contains("fills the gap") == (seq < newest), "\(context)")
        newest = max(newest, seq)
      }
      #expect(offices.must(["verify"], hq).hasPrefix("ok:"))
      for seq in order {
        #expect(offices.must(["merge", "s\(seq).sub"], hq).contains("already merged"))
      }
      // The next bundle chains onto the newest, whatever the order was.
      offices.must(["merge", "s4.sub"], hq)
      finals.insert(offices.orders(hq))
    }
    #expect(finals == [expected], "every order ends with the branch's own records")
  }

  @Test("row 11: a branch restored from a copy submits seq 1 again: 65 security warning")
  func equivocation() throws {
    let offices = Offices(branches: ["north"])
    try offices.copy("north", "north-copy")
    try offices.copy("hq", "hq-pristine")
    offices.submit("north", "north-1.sub")
    offices.must(["merge", "north-1.sub"], "hq")
    offices.put("north-copy", "north-o-8", amount: "80.00")
    offices.submit("north-copy", "again-1.sub")
    let result = offices.mergeRefused(
      "again-1.sub", status: 65,
      reason: ["security warning: 'north' produced two different bundles with seq 1"])
    #expect(result.errors.contains("again-1.sub was refused"))
    #expect(result.errors.contains("Check with the office"))
    #expect(!offices.orders("hq").contains("north-o-8"))
    // The other way round: whichever arrives first is merged, the second is refused.
    try offices.copy("hq-pristine", "hq-2")
    offices.must(["merge", "again-1.sub"], "hq-2")
    offices.refused(
      ["merge", "north-1.sub"], "hq-2", status: 65, file: "north-1.sub",
      reason: ["two different bundles with seq 1"])
  }
}

// MARK: - Rows 12–14: clocks (bundles re-signed with north's real key: only the clock is wrong)

struct BundleClockTests {
  /// North's first submission, taken apart, with north's key and its clock counter.
  struct Crafting {
    let offices = Offices(branches: ["north", "south"])
    let original: BundleFile
    let key: OfficeKey
    let counter: String

    init() throws {
      offices.submit("north", "north-1.sub")
      original = try BundleFile(try offices.bytes("north-1.sub"))
      key = try offices.key("north")
      counter = try original.object("clock").replacingOccurrences(of: #""north":"#, with: "")
      // Re-signing an untouched bundle reproduces it exactly: the crafting itself is sound.
      var same = original
      try same.resign(key)
      #expect(same.bytes == original.bytes)
      #expect(Int(counter) == 3, "three imported orders: \(counter)")
    }

    /// A bundle whose manifest clock is `{inside}`, signed with north's key.
    func clock(_ inside: String) throws -> [UInt8] {
      var bundle = original
      try bundle.setObject("clock", inside)
      try bundle.resign(key)
      return bundle.bytes
    }

    /// A bundle whose first record line has `edit` applied, signed with north's key.
    func record(_ edit: (String) -> String) throws -> [UInt8] {
      var bundle = original
      var lines = bundle.records
      let edited = edit(lines[0])
      #expect(edited != lines[0], "the edit changes the record")
      lines[0] = edited
      bundle.setRecords(lines)
      try bundle.resign(key)
      return bundle.bytes
    }

    func refuse(
      _ bytes: [UInt8], reason: [String], known: [RefusalPart: String] = [:], _ context: String,
      sourceLocation: SourceLocation = #_sourceLocation
    ) {
      offices.write("crafted.sub", bytes)
      offices.mergeRefused(
        "crafted.sub", status: 65, reason: reason, known: known, context,
        sourceLocation: sourceLocation)
    }

    /// After every refusal the genuine bundle still merges.
    func finish() {
      #expect(offices.must(["merge", "north-1.sub"], "hq").contains("3 new"))
    }
  }

  @Test("row 12: clock inflation: foreign counters beyond what hq has seen, a runaway own counter")
  func inflation() throws {
    let crafting = try Crafting()
    let n = crafting.counter
    // hq has seen no change of its own and none of south's: north cannot know of any.
    crafting.refuse(
      try crafting.clock(#""hq":1,"north":\#(n)"#), reason: ["vector clock inflation"],
      "hq counter beyond known")
    crafting.refuse(
      try crafting.clock(#""north":\#(n),"south":2"#), reason: ["vector clock inflation"],
      "south counter beyond known")
    crafting.refuse(
      try crafting.clock(#""north":4503599627370495"#), reason: ["vector clock inflation"],
      "own counter 2^52 − 1")
    crafting.refuse(
      try crafting.clock(#""hq":9223372036854775807,"north":\#(n)"#),
      reason: ["vector clock inflation", "canonical integer"],
      "hq counter Int64.max")
    crafting.refuse(
      try crafting.record {
        $0.replacingOccurrences(
          of: #""context":{"north":1}"#, with: #""context":{"hq":5,"north":1}"#)
      }, reason: ["beyond the bundle's clock"], "a record's context")
    crafting.finish()
  }

  @Test("row 13: an unknown actor in a clock, or a clock with too many entries, is 65")
  func unknownActors() throws {
    let crafting = try Crafting()
    let n = crafting.counter
    crafting.refuse(
      try crafting.clock(#""mallory":1,"north":\#(n)"#),
      reason: ["'mallory', which is not an office"], "unknown actor")
    let many = (0..<60).map { #""x\#($0 + 10)":1"# }.joined(separator: ",")
    crafting.refuse(
      try crafting.clock(#""north":\#(n),\#(many)"#), reason: ["which is not an office"],
      "61 entries")
    crafting.refuse(
      try crafting.record {
        $0.replacingOccurrences(
          of: #""context":{"north":1}"#, with: #""context":{"mallory":1,"north":1}"#)
      }, reason: ["beyond the bundle's clock"], "unknown actor in a record")
    crafting.finish()
  }

  @Test("row 14: non-canonical counters (1e3, 3.0, -0, \"3\", 2^64) in a clock are 65")
  func nonCanonicalCounters() throws {
    let crafting = try Crafting()
    let n = crafting.counter
    // In the manifest's clock. `1e3` and `3e0` would pass every other check if read as numbers.
    for inside in [
      #""north":1e3"#, #""north":\#(n)e0"#, #""north":\#(n).0"#, #""north":"\#(n)""#,
      #""hq":-0,"north":\#(n)"#, #""north":18446744073709551616"#,
      #""hq":18446744073709551616,"north":\#(n)"#,
    ] {
      crafting.refuse(
        try crafting.clock(inside), reason: ["canonical integer"],
        "manifest clock {\(inside)}")
    }
    // In a record's context, and in a dot.
    for spelling in ["1e0", "1.0", #""1""#, "18446744073709551616"] {
      crafting.refuse(
        try crafting.record {
          $0.replacingOccurrences(
            of: #""context":{"north":1}"#, with: #""context":{"north":\#(spelling)}"#)
        }, reason: ["canonical integer"], "record context \(spelling)")
    }
    crafting.refuse(
      try crafting.record {
        $0.replacingOccurrences(
          of: #""context":{"north":1}"#, with: #""context":{"hq":-0,"north":1}"#)
      }, reason: ["canonical integer"], "record context hq -0")
    for dot in ["north:1e0", "north:1.0", "north:01", "north:-0"] {
      crafting.refuse(
        try crafting.record { $0.replacingOccurrences(of: #""north:1""#, with: #""\#(dot)""#) },
        reason: ["invalid dot"], "dot \(dot)")
    }
    crafting.finish()
  }
}
