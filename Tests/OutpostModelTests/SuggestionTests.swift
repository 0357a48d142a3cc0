import OutpostModel
import Testing

/// The one "did you mean" rule (SPEC.md §6: unknown commands, options, collections, columns).
struct SuggestionTests {
  @Test(
    "edit distances are Levenshtein's, by character",
    arguments: [
      ("", "", 0), ("abc", "", 3), ("", "abc", 3), ("kitten", "sitting", 3),
      ("flaw", "lawn", 2), ("orders", "orders", 0), ("订单", "订货", 1), ("ab", "ba", 2),
    ])
  func distance(_ a: String, _ b: String, _ expected: Int) {
    #expect(Suggestion.editDistance(a, b) == expected)
    #expect(Suggestion.editDistance(b, a) == expected)
  }

  @Test("the closest name within a third of the input's length, ties by name; else a prefix")
  func closest() {
    let names = ["orders", "leads", "channel_daily", "complaints", "customers"]
    #expect(Suggestion.closest(to: "order", among: names) == "orders")
    #expect(Suggestion.closest(to: "chanel_daily", among: names) == "channel_daily")
    // Three edits in a 12-character input are allowed; in a 5-character one, only one.
    #expect(Suggestion.closest(to: "chanel_dly", among: names) == "channel_daily")
    #expect(Suggestion.closest(to: "lxxds", among: names) == nil)
    // Nothing close: a name the input begins.
    #expect(Suggestion.closest(to: "cust", among: names) == "customers")
    #expect(Suggestion.closest(to: "c", among: names) == nil)
    // Ties go to the name that sorts first, whatever the order given.
    #expect(Suggestion.closest(to: "bat", among: ["cat", "bad"]) == "bad")
    #expect(Suggestion.closest(to: "bat", among: ["bad", "cat"]) == "bad")
    #expect(Suggestion.closest(to: "anything", among: []) == nil)
  }
}
