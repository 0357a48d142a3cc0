// Seeded randomness for the tests, in a target of its own with no dependencies, so that the
// tests of the pure modules (codec, sync) do not link the store or the command-line tool.
import Foundation

/// A small deterministic PRNG (SplitMix64), so randomized tests can print and replay a seed.
package struct SplitMix64 {
  package var state: UInt64
  package init(seed: UInt64) { state = seed }
  package mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A number in `0..<bound`.
  package mutating func next(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// A seed for a randomized test: `OUTPOST_SEED` when set (to replay a failure), else `fallback`.
///
/// Prints the seed with the calling test's file and name, so every run's output says how to
/// replay it.
package func testSeed(
  _ fallback: UInt64, test: String = #function, file: String = #fileID
) -> UInt64 {
  let seed =
    ProcessInfo.processInfo.environment["OUTPOST_SEED"].flatMap { UInt64($0) } ?? fallback
  print("\(file) \(test): seed \(seed) (OUTPOST_SEED=\(seed) replays it)")
  return seed
}
