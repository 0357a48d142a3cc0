import OutpostModel

/// An exact rational value n/d (d > 0) of exact decimals: the engine's arithmetic.
///
/// Sums, differences and products of raw values are exact decimals; a ratio or a mean stays a
/// fraction until the KPI is rounded once, at its definition's scale (docs/kpis.md R9), so no
/// intermediate rounding and no binary floating point ever touches a value.
public struct Fraction: Sendable, Equatable, CustomStringConvertible {
  /// The numerator.
  public let numerator: ExactDecimal
  /// The denominator, always positive.
  public let denominator: ExactDecimal

  /// A whole decimal value.
  public init(_ value: ExactDecimal) {
    numerator = value
    denominator = ExactDecimal(1)
  }

  /// n/d; nil when d is zero.
  public init?(_ n: ExactDecimal, over d: ExactDecimal) {
    guard d != .zero else { return nil }
    if d < .zero {
      guard let negatedN = ExactDecimal.zero.subtracting(n),
        let negatedD = ExactDecimal.zero.subtracting(d)
      else { return nil }
      numerator = negatedN
      denominator = negatedD
    } else {
      numerator = n
      denominator = d
    }
  }

  /// Zero.
  public static let zero = Fraction(.zero)

  /// The value as an exact decimal, when the denominator is 1.
  public var exact: ExactDecimal? { denominator == ExactDecimal(1) ? numerator : nil }

  /// The sign: -1, 0 or 1.
  public var sign: Int { numerator == .zero ? 0 : (numerator < .zero ? -1 : 1) }

  /// The value rounded once to `scale` fraction digits.
  public func rounded(scale: Int, _ rule: DecimalRounding) -> ExactDecimal? {
    numerator.divided(by: denominator, scale: scale, rule)
  }

  /// The exact sum; nil on overflow.
  public func adding(_ other: Fraction) -> Fraction? {
    if denominator == other.denominator {
      return numerator.adding(other.numerator).flatMap { Fraction($0, over: denominator) }
    }
    guard let a = numerator.multiplied(by: other.denominator),
      let b = other.numerator.multiplied(by: denominator), let n = a.adding(b),
      let d = denominator.multiplied(by: other.denominator)
    else { return nil }
    return Fraction(n, over: d)
  }

  /// The exact difference; nil on overflow.
  public func subtracting(_ other: Fraction) -> Fraction? { adding(other.negated) }

  /// The negated value.
  public var negated: Fraction {
    Fraction(
      ExactDecimal(significand: -numerator.significand, scale: numerator.scale), over: denominator)!
  }

  /// The exact product; nil on overflow.
  public func multiplied(by other: Fraction) -> Fraction? {
    guard let n = numerator.multiplied(by: other.numerator),
      let d = denominator.multiplied(by: other.denominator)
    else { return nil }
    return Fraction(n, over: d)
  }

  /// The exact quotient; nil when `other` is zero or on overflow.
  public func divided(by other: Fraction) -> Fraction? {
    guard other.numerator != .zero, let n = numerator.multiplied(by: other.denominator),
      let d = denominator.multiplied(by: other.numerator)
    else { return nil }
    return Fraction(n, over: d)
  }

  /// Compares two values exactly; nil on overflow.
  public func compare(_ other: Fraction) -> Int? {
    guard let a = numerator.multiplied(by: other.denominator),
      let b = other.numerator.multiplied(by: denominator)
    else { return nil }
    return a < b ? -1 : (a == b ? 0 : 1)
  }

  public static func == (lhs: Fraction, rhs: Fraction) -> Bool { lhs.compare(rhs) == 0 }

  public var description: String {
    denominator == ExactDecimal(1) ? numerator.description : "\(numerator)/\(denominator)"
  }
}
