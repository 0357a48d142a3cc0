import OutpostModel

/// Excel's date serials: days since an epoch with the time of day as the fraction.
enum ExcelDate {
  /// The workbook's date system (`<workbookPr date1904>`).
  enum System: Sendable, Equatable {
    /// Serial 1 is 1900-01-01, and serial 60 is Excel's 1900-02-29, a day that never was.
    case from1900
    /// Serial 0 is 1904-01-01 (early Mac Excel).
    case from1904

    /// The last serial day: 9999-12-31.
    var lastDay: Int { self == .from1900 ? 2_958_465 : 2_957_003 }
  }

  /// Why a serial has no date.
  enum Problem: Error, Equatable {
    case negative
    case beyond99991231
    case february29of1900
  }

  static let secondsPerDay = 86_400

  /// The text of `serial` (already at 15 significant digits): `YYYY-MM-DD` when it is whole,
  /// else `YYYY-MM-DD HH:MM:SS` rounded half-up to the second, or `HH:MM:SS` when that is below
  /// one day.
  static func text(_ serial: ExcelNumber, system: System) throws(Problem) -> String {
    if serial.negative { throw .negative }
    let digits = serial.digits
    let integerDigits = digits.count + serial.exponent
    // More than eight integer digits is far beyond 9999-12-31 (serial 2,958,465).
    if integerDigits > 8 { throw .beyond99991231 }
    var day = 0
    for index in 0..<max(0, integerDigits) {
      day = day * 10 + (index < digits.count ? Int(digits[index]) : 0)
    }
    // The fraction is F / 10^k, with F the digits after the point.
    let fractionLength = max(0, -serial.exponent)
    let fraction = digits.suffix(max(0, min(digits.count, digits.count - integerDigits)))
    var seconds = 0
    if fractionLength > 0 && fractionLength <= 30 {
      // F has at most 15 digits, so F × 86,400 and 10^30 fit in Int128.
      var numerator: Int128 = 0
      for digit in fraction { numerator = numerator * 10 + Int128(digit) }
      numerator *= Int128(secondsPerDay)
      var denominator: Int128 = 1
      for _ in 0..<fractionLength { denominator *= 10 }
      let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
      seconds = Int(quotient) + (remainder * 2 >= denominator ? 1 : 0)
    }
    // A fraction of more than 30 digits is below 10^-15 day: 0 seconds.
    let total = day * secondsPerDay + seconds
    let time = clock(total % secondsPerDay)
    if total < secondsPerDay && (fractionLength > 0 || day == 0) { return time }
    let days = total / secondsPerDay
    if days > system.lastDay { throw .beyond99991231 }
    let date: CivilDate
    switch system {
    case .from1900:
      if days == 60 { throw .february29of1900 }
      // 1899-12-31 is day -25,568 from 1970-01-01; from serial 61 on, 1899-12-30 is day 0.
      date = CivilDate(daysSinceEpoch: days - (days < 60 ? 25_568 : 25_569))
    case .from1904:
      date = CivilDate(daysSinceEpoch: days - 24_107)
    }
    return fractionLength == 0 ? date.description : date.description + " " + time
  }

  /// `HH:MM:SS` of a number of seconds within a day.
  static func clock(_ seconds: Int) -> String {
    [seconds / 3600, seconds / 60 % 60, seconds % 60]
      .map { $0 < 10 ? "0" + String($0) : String($0) }.joined(separator: ":")
  }
}
