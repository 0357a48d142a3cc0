/// A number cell's `<v>` text at Excel's precision: 15 significant digits, in decimal digits
/// throughout (no binary floating point).
struct ExcelNumber: Equatable {
  /// Whether the value is below zero (never for zero).
  var negative: Bool
  /// The significant digits (0–9), without leading or trailing zeros; empty for zero.
  var digits: [UInt8]
  /// The value is `digits × 10^exponent`.
  var exponent: Int

  /// The most significant digits Excel keeps.
  static let precision = 15
  /// The longest `<v>` text accepted for a number.
  static let maximumLength = 1_000

  /// Why a `<v>` text is not a number Excel can hold.
  enum Problem: Error {
    case malformed
    case outOfRange
  }

  /// Parses `text` (`-`? digits with an optional `.` and fraction, an optional exponent
  /// `E`/`e` with an optional sign) and rounds it half away from zero to 15 significant digits.
  init(_ text: String) throws(Problem) {
    let bytes = Array(text.utf8)
    guard bytes.count <= Self.maximumLength else { throw .outOfRange }
    var at = 0
    negative = bytes.first == UInt8(ascii: "-")
    if negative { at += 1 }
    var mantissa: [UInt8] = []
    var fractionDigits = 0
    var sawPoint = false
    while at < bytes.count {
      let byte = bytes[at]
      if byte == UInt8(ascii: "."), !sawPoint {
        sawPoint = true
      } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
        mantissa.append(byte - UInt8(ascii: "0"))
        if sawPoint { fractionDigits += 1 }
      } else {
        break
      }
      at += 1
    }
    guard !mantissa.isEmpty else { throw .malformed }
    var written = 0
    if at < bytes.count {
      guard bytes[at] == UInt8(ascii: "E") || bytes[at] == UInt8(ascii: "e") else {
        throw .malformed
      }
      at += 1
      var exponentNegative = false
      if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") {
        exponentNegative = bytes[at] == UInt8(ascii: "-")
        at += 1
      }
      guard at < bytes.count else { throw .malformed }
      while at < bytes.count {
        guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) else {
          throw .malformed
        }
        written = min(written * 10 + Int(bytes[at] - UInt8(ascii: "0")), 1_000_000)
        at += 1
      }
      if exponentNegative { written = -written }
    }
    // Leading zeros carry nothing; trailing zeros move into the exponent.
    var digits = Array(mantissa.drop { $0 == 0 })
    var exponent = written - fractionDigits
    while digits.last == 0 {
      digits.removeLast()
      exponent += 1
    }
    if digits.count > Self.precision {
      let roundUp = digits[Self.precision] >= 5
      exponent += digits.count - Self.precision
      digits.removeLast(digits.count - Self.precision)
      if roundUp {
        var index = digits.count - 1
        while index >= 0 && digits[index] == 9 {
          digits[index] = 0
          index -= 1
        }
        if index >= 0 { digits[index] += 1 } else { digits.insert(1, at: 0) }
      }
      while digits.last == 0 {
        digits.removeLast()
        exponent += 1
      }
    }
    if digits.isEmpty {
      negative = false
      exponent = 0
    } else {
      // Excel's numbers are IEEE doubles: about 1E-308 (4.9E-324 denormal) to 1.8E+308.
      let order = digits.count + exponent - 1
      guard (-324...308).contains(order) else { throw .outOfRange }
    }
    self.digits = digits
    self.exponent = exponent
  }

  var isZero: Bool { digits.isEmpty }

  /// The value as a plain decimal: no exponent, no trailing fraction zeros, `0` for zero.
  var text: String {
    if digits.isEmpty { return "0" }
    var bytes: [UInt8] = negative ? [UInt8(ascii: "-")] : []
    let characters = digits.map { $0 + UInt8(ascii: "0") }
    if exponent >= 0 {
      bytes += characters + [UInt8](repeating: UInt8(ascii: "0"), count: exponent)
    } else {
      let point = digits.count + exponent
      if point > 0 {
        bytes += characters[..<point] + [UInt8(ascii: ".")] + characters[point...]
      } else {
        bytes += Array("0.".utf8) + [UInt8](repeating: UInt8(ascii: "0"), count: -point)
        bytes += characters
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
