import OutpostModel

/// The HTML report's charts: inline SVG only, every text escaped (SPEC.md §9.10).
extension Commands {
  /// A monthly line chart with its axes, unit, gridlines, target line and legend.
  ///
  /// A month without a value is a gap (the line breaks, no point), never a zero; a month with
  /// an office target gets a dashed target step over its slot.
  struct LineChart {
    /// What the chart shows, such as "销售额 / Net sales revenue · north".
    var title: String
    /// The KPI's unit (`currency:CNY`, `count`, `ratio`, …).
    var unit: String
    /// The month labels, in order.
    var labels: [String]
    /// One value per label (nil: undefined or missing).
    var values: [ExactDecimal?]
    /// Whether each value is provisional (its month is not over).
    var provisional: [Bool]
    /// One office target per label (nil: none).
    var targets: [ExactDecimal?]

    static let width = 480.0
    static let height = 250.0
    static let left = 66.0
    static let right = 22.0
    static let top = 38.0
    static let bottom = 34.0

    /// The unit as the y axis names it.
    var unitLabel: String {
      switch unit {
      case "currency:CNY": "CNY"
      case "ratio": "%"
      case "pp": "pp"
      case "count": "count"
      case "hours": "h"
      case "multiple": "×"
      default: unit
      }
    }

    /// Ratios are shown as percentages.
    var factor: Double { unit == "ratio" || unit == "pp" ? 100 : 1 }

    /// The chart as an `<svg class="chart">` element.
    func svg() -> String {
      let (width, height, left, top) = (Self.width, Self.height, Self.left, Self.top)
      let plotWidth = width - left - Self.right
      let plotHeight = height - top - Self.bottom
      let shown = values.map { $0.flatMap { Double($0.description) }.map { $0 * factor } }
      let goals = targets.map { $0.flatMap { Double($0.description) }.map { $0 * factor } }
      let known = (shown + goals).compactMap { $0 }
      let ticks = Self.ticks(low: known.min() ?? 0, high: known.max() ?? 1)
      let (low, high) = (ticks.first!, ticks.last!)
      func y(_ value: Double) -> Double { top + plotHeight * (high - value) / (high - low) }
      let slot = plotWidth / Double(max(labels.count, 1))
      func x(_ index: Int) -> Double { left + slot * (Double(index) + 0.5) }
      let empty = shown.allSatisfy { $0 == nil }
      let label = "\(title) (\(unitLabel))"
      var svg =
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(width)) "
        + "\(n(height))\" width=\"\(n(width))\" height=\"\(n(height))\" role=\"img\" "
        + "aria-label=\"\(escape(label))\"\(empty ? " data-empty=\"true\"" : "")>"
        + "<title>\(escape(label))</title>"
      // Gridlines and the y axis with its ticks and unit.
      svg += "<g class=\"axis y\">"
      for tick in ticks {
        let at = n(y(tick))
        svg +=
          "<line class=\"grid\" x1=\"\(n(left))\" x2=\"\(n(left + plotWidth))\" y1=\"\(at)\" "
          + "y2=\"\(at)\" stroke=\"#e5e7eb\"/>"
          + "<text x=\"\(n(left - 6))\" y=\"\(at)\" text-anchor=\"end\" "
          + "dominant-baseline=\"middle\">\(escape(Self.tickLabel(tick, ticks)))</text>"
      }
      svg +=
        "<line class=\"axis-line\" x1=\"\(n(left))\" x2=\"\(n(left))\" y1=\"\(n(top))\" "
        + "y2=\"\(n(top + plotHeight))\" stroke=\"#6b7280\"/>"
        + "<text class=\"unit\" x=\"\(n(left - 6))\" y=\"\(n(top - 14))\" text-anchor=\"end\">"
        + "\(escape(unitLabel))</text></g>"
      // The x axis, every label whole: the last always, then every k-th slot back from it.
      let every = max(1, Int((48 / slot).rounded(.up)))
      svg +=
        "<g class=\"axis x\"><line class=\"axis-line\" x1=\"\(n(left))\" "
        + "x2=\"\(n(left + plotWidth))\" y1=\"\(n(top + plotHeight))\" "
        + "y2=\"\(n(top + plotHeight))\" stroke=\"#6b7280\"/>"
      for (index, text) in labels.enumerated() where (labels.count - 1 - index) % every == 0 {
        svg +=
          "<line x1=\"\(n(x(index)))\" x2=\"\(n(x(index)))\" y1=\"\(n(top + plotHeight))\" "
          + "y2=\"\(n(top + plotHeight + 4))\" stroke=\"#6b7280\"/>"
          + "<text x=\"\(n(x(index)))\" y=\"\(n(top + plotHeight + 18))\" "
          + "text-anchor=\"middle\">\(escape(text))</text>"
      }
      svg += "</g>"
      // The target: a dashed step over each month that has one.
      var targetPath = ""
      for (index, goal) in goals.enumerated() {
        guard let goal else { continue }
        targetPath +=
          "M\(n(x(index) - slot / 2 + 2)) \(n(y(goal)))H\(n(x(index) + slot / 2 - 2))"
      }
      if !targetPath.isEmpty {
        svg +=
          "<path class=\"target\" d=\"\(targetPath)\" fill=\"none\" stroke=\"#d9480f\" "
          + "stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>"
      }
      // The values: a line broken at every gap, and a point per defined month.
      var line = ""
      var previous = false
      for (index, value) in shown.enumerated() {
        guard let value else {
          previous = false
          continue
        }
        line += "\(previous ? "L" : "M")\(n(x(index))) \(n(y(value)))"
        previous = true
      }
      if !line.isEmpty {
        svg +=
          "<path class=\"series\" d=\"\(line)\" fill=\"none\" stroke=\"#1f6fb2\" "
          + "stroke-width=\"2\"/>"
      }
      for (index, value) in shown.enumerated() {
        guard let value, let exact = values[index] else { continue }
        let open = provisional.indices.contains(index) && provisional[index]
        svg +=
          "<circle class=\"point\(open ? " provisional" : "")\" cx=\"\(n(x(index)))\" "
          + "cy=\"\(n(y(value)))\" r=\"3.5\" fill=\"\(open ? "#fff" : "#1f6fb2")\" "
          + "stroke=\"#1f6fb2\" stroke-width=\"1.5\"><title>"
          + escape("\(labels[index]): \(Self.valueLabel(exact, unit))\(open ? " *" : "")")
          + "</title></circle>"
      }
      if empty {
        svg +=
          "<text class=\"no-data\" x=\"\(n(left + plotWidth / 2))\" "
          + "y=\"\(n(top + plotHeight / 2))\" text-anchor=\"middle\">"
          + "\(escape(words("no_data")))</text>"
      }
      svg += legend(target: !targetPath.isEmpty, provisional: provisional.contains(true))
      return svg + "</svg>"
    }

    /// The legend, along the top: actual, and target and provisional when shown.
    func legend(target: Bool, provisional: Bool) -> String {
      var svg = "<g class=\"legend\">"
      var at = Self.left + 4
      svg +=
        "<line x1=\"\(n(at))\" x2=\"\(n(at + 18))\" y1=\"14\" y2=\"14\" stroke=\"#1f6fb2\" "
        + "stroke-width=\"2\"/><circle cx=\"\(n(at + 9))\" cy=\"14\" r=\"3\" fill=\"#1f6fb2\"/>"
        + "<text x=\"\(n(at + 24))\" y=\"14\" dominant-baseline=\"middle\">实际 actual</text>"
      at += 100
      if target {
        svg +=
          "<line x1=\"\(n(at))\" x2=\"\(n(at + 18))\" y1=\"14\" y2=\"14\" stroke=\"#d9480f\" "
          + "stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/><text x=\"\(n(at + 24))\" y=\"14\" "
          + "dominant-baseline=\"middle\">目标 target</text>"
        at += 100
      }
      if provisional {
        svg +=
          "<circle cx=\"\(n(at + 9))\" cy=\"14\" r=\"3\" fill=\"#fff\" stroke=\"#1f6fb2\" "
          + "stroke-width=\"1.5\"/><text x=\"\(n(at + 24))\" y=\"14\" "
          + "dominant-baseline=\"middle\">暂定 provisional</text>"
      }
      return svg + "</g>"
    }

    /// 3 to 5 round tick values from at most `low` (and 0) to at least `high` (and 0).
    static func ticks(low: Double, high: Double) -> [Double] {
      var (low, high) = (min(low, 0), max(high, 0))
      if high - low <= 0 { high = low + 1 }
      let rough = (high - low) / 4
      var magnitude = 1.0
      while magnitude * 10 <= rough { magnitude *= 10 }
      while magnitude > rough { magnitude /= 10 }
      for multiple in [1.0, 2, 2.5, 5, 10, 20] {
        let step = multiple * magnitude
        guard step >= rough * 0.999 else { continue }
        let first = (low / step).rounded(.down)
        let last = (high / step).rounded(.up)
        let count = Int(last - first) + 1
        if count <= 5 { return (0..<max(count, 3)).map { (first + Double($0)) * step } }
      }
      return [low, (low + high) / 2, high]
    }

    /// 10 to the power `exponent`.
    static func pow10(_ exponent: Int) -> Double {
      var result = 1.0
      for _ in 0..<abs(exponent) { result *= 10 }
      return exponent < 0 ? 1 / result : result
    }

    /// A tick value, with the decimals its step needs and thousands separated.
    static func tickLabel(_ value: Double, _ ticks: [Double]) -> String {
      let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
      var decimals = 0
      while decimals < 4, (step * pow10(decimals)).rounded() != step * pow10(decimals) {
        decimals += 1
      }
      return grouped(value, decimals: decimals)
    }

    /// `value` rounded to `decimals` places, with a comma every three digits.
    static func grouped(_ value: Double, decimals: Int) -> String {
      let scaled = (abs(value) * pow10(decimals)).rounded()
      var digits = String(Int64(scaled))
      while digits.count <= decimals { digits = "0" + digits }
      let whole = String(digits.dropLast(decimals))
      var text = ""
      for (index, digit) in whole.enumerated() {
        if index > 0 && (whole.count - index) % 3 == 0 { text += "," }
        text.append(digit)
      }
      if decimals > 0 { text += "." + digits.suffix(decimals) }
      return (value < 0 && scaled != 0 ? "-" : "") + text
    }

    /// An exact value with its unit, for a point's tooltip.
    static func valueLabel(_ value: ExactDecimal, _ unit: String) -> String {
      switch unit {
      case "ratio", "pp":
        (value.multiplied(by: ExactDecimal(100))?.formatted(scale: 2) ?? value.description)
          + (unit == "pp" ? " pp" : " %")
      case "currency:CNY": value.description + " CNY"
      default: value.description
      }
    }
  }

  /// A coordinate, with at most one decimal.
  static func n(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    return tenths.truncatingRemainder(dividingBy: 10) == 0
      ? String(Int64(tenths / 10)) : String(tenths / 10)
  }
}
