/// How a decimal is rounded to fewer fraction digits.
public enum DecimalRounding: String, Sendable, Hashable {
  /// Half away from zero (四舍五入): 2.345 → 2.35, −2.345 → −2.35. Outpost's canonical rule.
  case halfUp
  /// Half to even (banker's rounding): 2.345 → 2.34, 2.355 → 2.36.
  case halfEven
  /// Toward zero.
  case down
}

/// An exact decimal number: `significand × 10^−scale` (SPEC.md §2.3).
///
/// Outpost never holds a business value in a binary floating-point type, and does not use
/// Foundation's `Decimal` either (its parser accepts prefixes such as "12,345.00" → 12 and its
/// division yields NaN for x/0). Addition, subtraction and multiplication are exact; division
/// rounds once, computed from the exact integer quotient and remainder.
public struct ExactDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The digits as an integer.
  public let significand: Int128
  /// The number of fraction digits, 0…``maximumScale``.
  public let scale: Int

  /// The most fraction digits a value may have.
  public static let maximumScale = 18
  /// The most digits a parsed literal may have.
  public static let maximumDigits = 34

  /// Zero.
  public static let zero = ExactDecimal(significand: 0, scale: 0)

  /// A value from its parts.
  public init(significand: Int128, scale: Int) {
    precondition((0...Self.maximumScale).contains(scale), "scale out of range")
    self.significand = significand
    self.scale = scale
  }

  /// An integer value.
  public init(_ integer: Int64) { self.init(significand: Int128(integer), scale: 0) }

  /// Parses `-?[0-9]+(\.[0-9]+)?` exactly; anything else is an error saying what to write.
  public init(parsing text: some StringProtocol) throws(ModelError) {
    let string = String(text)
    let bytes = Array(string.utf8)
    func refuse(_ reason: String) -> ModelError {
      ModelError("\(RecordID.quoted(string)) is not a decimal number: \(reason)")
    }
    if bytes.isEmpty { throw refuse("it is empty") }
    if bytes.contains(UInt8(ascii: ",")) {
      throw refuse("thousands separators are not allowed (write 12345.00, not 12,345.00)")
    }
    if bytes.contains(UInt8(ascii: "%")) {
      throw refuse("'%' is not allowed (write the fraction: 0.45)")
    }
    if bytes.contains(UInt8(ascii: " ")) { throw refuse("it contains spaces") }
    var index = 0
    let negative = bytes[0] == UInt8(ascii: "-")
    if negative { index = 1 }
    var digits: Int128 = 0
    var count = 0
    var scale = 0
    var sawPoint = false
    var integerDigits = 0
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: ".") {
        guard !sawPoint, integerDigits > 0 else { throw refuse("misplaced '.'") }
        sawPoint = true
      } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
        count += 1
        guard count <= Self.maximumDigits else {
          throw refuse("more than \(Self.maximumDigits) digits")
        }
        digits = digits * 10 + Int128(byte - UInt8(ascii: "0"))
        if sawPoint { scale += 1 } else { integerDigits += 1 }
      } else {
        throw refuse("only digits, one '.' and a leading '-' are allowed")
      }
      index += 1
    }
    guard integerDigits > 0 else { throw refuse("no digits") }
    if sawPoint && scale == 0 { throw refuse("no digits after '.'") }
    if integerDigits > 1 && bytes[negative ? 1 : 0] == UInt8(ascii: "0") {
      throw refuse("leading zeros are not allowed")
    }
    guard scale <= Self.maximumScale else {
      throw refuse("more than \(Self.maximumScale) decimal places")
    }
    self.init(significand: negative ? -digits : digits, scale: scale)
  }

  // MARK: Arithmetic

  private static func pow10(_ n: Int) -> Int128 {
    var result: Int128 = 1
    for _ in 0..<n { result *= 10 }
    return result
  }

  /// Both values at a common scale; nil on overflow.
  private static func aligned(_ a: ExactDecimal, _ b: ExactDecimal) -> (Int128, Int128, Int)? {
    let scale = max(a.scale, b.scale)
    let (x, o1) = a.significand.multipliedReportingOverflow(by: pow10(scale - a.scale))
    let (y, o2) = b.significand.multipliedReportingOverflow(by: pow10(scale - b.scale))
    return o1 || o2 ? nil : (x, y, scale)
  }

  /// The exact sum; nil on overflow (beyond about 10^38).
  public func adding(_ other: ExactDecimal) -> ExactDecimal? {
    guard let (x, y, scale) = Self.aligned(self, other) else { return nil }
    let (sum, overflow) = x.addingReportingOverflow(y)
    return overflow ? nil : ExactDecimal(significand: sum, scale: scale)
  }

  /// The exact difference; nil on overflow.
  public func subtracting(_ other: ExactDecimal) -> ExactDecimal? {
    adding(ExactDecimal(significand: -other.significand, scale: other.scale))
  }

  /// The exact product; nil on overflow or when the scale would exceed ``maximumScale``.
  public func multiplied(by other: ExactDecimal) -> ExactDecimal? {
    let (product, overflow) = significand.multipliedReportingOverflow(by: other.significand)
    guard !overflow, scale + other.scale <= Self.maximumScale else { return nil }
    return ExactDecimal(significand: product, scale: scale + other.scale)
  }

  /// The quotient rounded once to `scale` digits; nil when `other` is zero or on overflow.
  ///
  /// Computed as an exact integer division with remainder, so the last digit never depends
  /// on how a library rounds an intermediate result.
  public func divided(by other: ExactDecimal, scale: Int, _ rule: DecimalRounding = .halfUp)
    -> ExactDecimal?
  {
    guard other.significand != 0, (0...Self.maximumScale).contains(scale) else { return nil }
    // self / other = (a / 10^sa) / (b / 10^sb); we want q = round(a * 10^(scale + sb - sa) / b).
    let shift = scale + other.scale - self.scale
    var numerator = significand
    var denominator = other.significand
    if shift >= 0 {
      let (n, overflow) = numerator.multipliedReportingOverflow(by: Self.pow10(shift))
      guard !overflow else { return nil }
      numerator = n
    } else {
      let (d, overflow) = denominator.multipliedReportingOverflow(by: Self.pow10(-shift))
      guard !overflow else { return nil }
      denominator = d
    }
    return ExactDecimal(
      significand: Self.roundedQuotient(numerator, denominator, rule), scale: scale)
  }

  private static func roundedQuotient(_ n: Int128, _ d: Int128, _ rule: DecimalRounding) -> Int128 {
    let q = n / d  // truncates toward zero
    let r = n % d
    if r == 0 || rule == .down { return q }
    let negative = (n < 0) != (d < 0)
    let twiceRemainder = r.magnitude * 2
    let divisor = d.magnitude
    let roundAway: Bool
    if twiceRemainder > divisor {
      roundAway = true
    } else if twiceRemainder < divisor {
      roundAway = false
    } else {
      roundAway = rule == .halfUp || q.magnitude % 2 == 1
    }
    return roundAway ? (negative ? q - 1 : q + 1) : q
  }

  /// The value rounded to `scale` fraction digits (exact when it already has no more).
  public func rounded(scale newScale: Int, _ rule: DecimalRounding = .halfUp) -> ExactDecimal {
    if newScale >= scale { return self }
    let q = Self.roundedQuotient(significand, Self.pow10(scale - newScale), rule)
    return ExactDecimal(significand: q, scale: newScale)
  }

  /// The value written with exactly `digits` fraction digits (rounded half-up if it has more).
  public func formatted(scale digits: Int) -> String {
    let value = rounded(scale: digits)
    let magnitude = value.significand.magnitude * UInt128(Self.pow10(digits - value.scale))
    var text = String(magnitude)
    if digits > 0 {
      if text.count <= digits {
        text = String(repeating: "0", count: digits - text.count + 1) + text
      }
      text.insert(".", at: text.index(text.endIndex, offsetBy: -digits))
    }
    return (value.significand < 0 ? "-" : "") + text
  }

  /// The plain decimal at the value's own scale (`-0.00` is written `0.00`).
  public var description: String { formatted(scale: scale) }

  /// The same value with trailing fraction zeros removed (numeric identity).
  private var normalized: ExactDecimal {
    var s = significand
    var k = scale
    while k > 0 && s % 10 == 0 {
      s /= 10
      k -= 1
    }
    return ExactDecimal(significand: s, scale: k)
  }

  public static func == (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
    let a = lhs.normalized
    let b = rhs.normalized
    return a.significand == b.significand && a.scale == b.scale
  }

  public func hash(into hasher: inout Hasher) {
    let n = normalized
    hasher.combine(n.significand)
    hasher.combine(n.scale)
  }

  public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
    let a = lhs.normalized
    let b = rhs.normalized
    if let (x, y, _) = aligned(a, b) { return x < y }
    // Alignment overflowed: compare integer parts first, which then must differ in magnitude.
    return a.rounded(scale: 0, .down).significand < b.rounded(scale: 0, .down).significand
  }
}
