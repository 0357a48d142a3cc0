import OutpostModel
import Testing

/// SPEC.md §2.3: exact decimals, strict parsing, one rounding.
struct ExactDecimalTests {
  @Test(
    "spreadsheet artefacts are refused with a hint",
    arguments: [
      ("12,345.00", "thousands separators"), ("45%", "'%'"), (" ", "spaces"), ("-", "no digits"),
      ("", "empty"), ("¥12,345.00", "thousands"), ("(123.45)", "only digits"),
      ("１２３", "only digits"),
      ("1e3", "only digits"), ("+1", "only digits"), (".5", "misplaced"), ("5.", "after '.'"),
      ("1.2.3", "misplaced"), ("007", "leading zeros"),
      (String(repeating: "1", count: 41), "more than 34 digits"),
    ])
  func refuses(_ text: String, _ fragment: String) {
    #expect {
      _ = try ExactDecimal(parsing: text)
    } throws: { error in
      (error as? ModelError)?.message.contains(fragment) == true
    }
  }

  @Test func parsesAndPrintsExactly() throws {
    #expect(try ExactDecimal(parsing: "12.50").description == "12.50")
    #expect(try ExactDecimal(parsing: "-0.001").description == "-0.001")
    #expect(try ExactDecimal(parsing: "0").description == "0")
    #expect(try ExactDecimal(parsing: "1.50") == ExactDecimal(parsing: "1.5"))
    #expect(Set([try ExactDecimal(parsing: "1.50"), try ExactDecimal(parsing: "1.5")]).count == 1)
    #expect(try ExactDecimal(parsing: "2.5") < ExactDecimal(parsing: "2.50001"))
  }

  @Test(
    "ties round half up (四舍五入), away from zero",
    arguments: [
      ("2.345", 2, "2.35"), ("-2.345", 2, "-2.35"), ("0.125", 2, "0.13"), ("2.344", 2, "2.34"),
      ("-0.001", 2, "0.00"), ("0.5", 0, "1"), ("-0.5", 0, "-1"), ("1.00005", 4, "1.0001"),
    ])
  func halfUp(_ text: String, _ scale: Int, _ expected: String) throws {
    #expect(
      try ExactDecimal(parsing: text).rounded(scale: scale, .halfUp).formatted(scale: scale)
        == expected)
  }

  @Test(
    "half even and toward zero",
    arguments: [
      ("2.345", DecimalRounding.halfEven, "2.34"), ("2.355", .halfEven, "2.36"),
      ("-2.345", .halfEven, "-2.34"),
      ("2.349", .down, "2.34"), ("-2.349", .down, "-2.34"),
    ])
  func otherRules(_ text: String, _ rule: DecimalRounding, _ expected: String) throws {
    #expect(try ExactDecimal(parsing: text).rounded(scale: 2, rule).description == expected)
  }

  @Test("division rounds once from the exact remainder")
  func division() throws {
    let one = ExactDecimal(1)
    let three = ExactDecimal(3)
    #expect(one.divided(by: three, scale: 4)?.description == "0.3333")
    #expect(ExactDecimal(2).divided(by: three, scale: 4)?.description == "0.6667")
    #expect(one.divided(by: ExactDecimal(7), scale: 6)?.description == "0.142857")
    #expect(one.divided(by: ExactDecimal(8), scale: 2)?.description == "0.13")
    #expect(one.divided(by: ExactDecimal(8), scale: 2, .halfEven)?.description == "0.12")
    #expect(ExactDecimal(-1).divided(by: ExactDecimal(8), scale: 2)?.description == "-0.13")
    #expect(one.divided(by: .zero, scale: 2) == nil)
    let money = try ExactDecimal(parsing: "9999999999999.99")
    #expect(money.divided(by: three, scale: 2)?.description == "3333333333333.33")
  }

  @Test("seeded random quotients satisfy the rounding bound")
  func randomQuotients() throws {
    let seed: UInt64 = 20_251_124
    print("decimal property seed: \(seed)")
    var state = seed
    func next() -> Int64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int64(bitPattern: state >> 11) % 10_000_000_000
    }
    for _ in 0..<2_000 {
      let a = ExactDecimal(significand: Int128(next()), scale: 2)
      var bSignificand = next()
      if bSignificand == 0 { bSignificand = 7 }
      let b = ExactDecimal(significand: Int128(bSignificand), scale: 2)
      let q = try #require(a.divided(by: b, scale: 4))
      // |a − q·b| ≤ ½·10⁻⁴·|b|, computed exactly.
      let product = try #require(q.multiplied(by: b))
      let error = try #require(a.subtracting(product))
      let bound = try #require(
        ExactDecimal(
          significand: b.significand.magnitude == 0 ? 0 : Int128(b.significand.magnitude),
          scale: b.scale
        )
        .multiplied(by: ExactDecimal(significand: 5, scale: 5)))
      let magnitude = ExactDecimal(
        significand: Int128(error.significand.magnitude), scale: error.scale)
      #expect(magnitude <= bound, "seed \(seed): \(a) / \(b) = \(q)")
      #expect(try ExactDecimal(parsing: q.description) == q)
    }
  }
}
