import Outpost
import OutpostModel

/// `report --html FILE`: one self-contained HTML page (SPEC.md §9.10).
extension Commands {
  /// `report --html FILE`.
  struct ReportCommand: Command {
    static let name = "report"
    static let abstract = "Write a self-contained HTML report of KPIs and scorecards."
    static let discussion =
      "An assessment pack for the latest month: offices and people ranked side by side with "
      + "each item's attainment (and the quarter's, for quarterly scorecards); per office, "
      + "charts of the main KPIs with axes, units and head office's targets (a month without "
      + "a value is a gap), the latest month per channel, the main KPIs by month, the "
      + "monthly scorecards and the funnel diagnosis flags. Chinese names beside ids, "
      + "undefined values in words, open-conflict warnings, a table of contents and an A4 "
      + "print style. No scripts and nothing loaded from elsewhere: the file can be mailed, "
      + "printed or archived."
    static let examples = ["outpost report --html report-2025.html --repo hq"]

    struct Options: CommandOptions {
      var html = ""
      var offices: [String] = []

      static let options: [OptionBinding<Self>] = [
        .option("html", "FILE", \.html, required: true, help: "The HTML file to write. Required."),
        .repeating("office", "ID", \.offices, help: "Only this office (repeatable)."),
      ]
    }

    static func run(_ options: Options, _ context: Context) throws {
      let out = context.resolve(options.html)
      let repository = try context.openReader()
      let overview: KPIOverview
      do {
        overview = try KPIOverview(
          repository, offices: options.offices.isEmpty ? nil : options.offices,
          today: today(context))
      } catch { throw kpiError(error) }
      let html = try reportPage(repository, overview, context)
      do {
        try OutputFile.write(
          Array(html.utf8), to: out, secret: false, replace: true, fileSystem: context.fileSystem)
      } catch { throw CLIError(error) }
      context.console.out(
        "Wrote \(out): \(overview.offices.count) office(s), \(overview.periods.count) month(s), "
          + "\(overview.flags.count) diagnosis flag(s), \(overview.conflicts.count) open "
          + "conflict(s).\n")
    }
  }

  /// A reason a value, score or total is undefined, in words (Chinese / English).
  static func words(_ reason: String?) -> String {
    switch reason {
    case "missing_target"?: "无目标 / no target"
    case "undefined_actual"?, "no_data"?: "无数据 / no data"
    case "zero_denominator"?, "nonpositive_denominator"?: "分母为零 / nothing to divide by"
    case "both_zero"?: "均为零 / both zero"
    case "no_activity"?: "无业务 / no activity"
    case "nonpositive_base"?: "基数不为正 / base not positive"
    case "nonpositive_target"?: "目标不为正 / target not positive"
    case "empty_range"?: "目标区间为空 / empty target range"
    case "overflow"?: "数值溢出 / too large to compute"
    case "undefined_month"?: "某月无结果 / a month has no result"
    case "all_items_excluded"?: "无可计分项 / no item could be scored"
    case "open_conflict"?: "冲突未解决 / open conflict"
    case "mean_of_months"?: "—"
    case let other?: String(other.map { $0 == "_" ? " " : $0 })
    case nil: "无数据 / no data"
    }
  }

  /// Text made safe for HTML.
  static func escape(_ text: String) -> String {
    var result = ""
    for character in text {
      switch character {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&#39;"
      default: result.append(character)
      }
    }
    return result
  }
}
