/// "Did you mean …?": the name a person most likely meant when they typed an unknown one.
///
/// The one place where Outpost guesses at a misspelling; every suggestion (commands, options,
/// collections, columns, KPIs) comes from here, so they all behave alike.
public enum Suggestion {
  /// The closest of `names` to `input`, or nil when none is close.
  ///
  /// Close means an edit distance of at most a third of the input's length (at least 1, at
  /// most 3), ties broken by name; failing that, the first name (in order) that `input` of two
  /// or more characters begins.
  public static func closest(to input: String, among names: [String]) -> String? {
    let scored = names.map { (name: $0, distance: editDistance(input, $0)) }
      .sorted { $0.distance != $1.distance ? $0.distance < $1.distance : $0.name < $1.name }
    if let best = scored.first, best.distance <= max(1, min(3, input.count / 3)) {
      return best.name
    }
    return names.sorted().first { $0.hasPrefix(input) && input.count >= 2 }
  }

  /// The Levenshtein distance between two strings, by characters.
  public static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previous = Array(0...b.count)
    for i in 1...a.count {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...b.count {
        current[j] = min(
          previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return previous[b.count]
  }
}
