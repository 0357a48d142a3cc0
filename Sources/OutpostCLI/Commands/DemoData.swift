import OutpostCodec
import OutpostModel

/// The demo's deterministic month of data (no files needed: it works from any folder).
enum DemoData {
  static let collections = [
    "channel_daily", "customers", "orders", "returns", "invoices", "payments",
  ]

  /// The paid-channel spend north should show for March after the demo's resolution.
  static let expectedNorthPaidSpend = "2025-03,,\(northPaidSpend),currency:CNY"

  /// A tiny seeded generator (SplitMix64): the same numbers on every machine.
  struct Generator {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Int((z ^ (z >> 31)) % UInt64(bound))
    }
  }

  static func march(_ day: Int) -> String { "2025-03-\(day < 10 ? "0" : "")\(day)" }

  static func money(_ fen: Int) -> String {
    "\(fen / 100).\(fen % 100 < 10 ? "0" : "")\(fen % 100)"
  }

  static var northPaidSpend: String {
    let files = write(offices: ["north"])
    var total = 0
    for line in files["data/north/channel_daily.csv"]!.split(separator: "\n").dropFirst() {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false)
      guard cells[1] == "sem" || cells[1] == "social" else { continue }
      var fen = Int(String(cells[13].filter { $0 != "." })) ?? 0
      // Head office's figure wins the spend conflict.
      if cells[2] == "2025-03-05" && cells[1] == "sem" { fen = 132_000 }
      total += fen
    }
    return money(total)
  }

  /// CSV files by relative path.
  static func write(offices: [String]) -> [String: String] {
    var files: [String: String] = [:]
    let channels = ["seo", "sem", "social", "email", "direct", "agent"]
    var targets =
      "target_id,kpi_id,office_id,scope,scope_key,period_grain,period,target_value,direction,"
      + "worst,best,version\n"
    for (officeIndex, office) in offices.enumerated() {
      var random = Generator(state: 2025_03 + UInt64(office.utf8.reduce(0) { $0 * 31 + Int($1) }))
      let size = [100, 130, 115, 60][demoIndex(office) ?? officeIndex]
      var days =
        "office_id,channel_id,date,impressions,clicks,visits,page_views,engaged_visits,"
        + "consultations,consult_calls,registrations,downloads,subscriptions,spend,emails_sent,"
        + "emails_delivered,email_unique_opens,email_unique_clicks\n"
      for day in 1...31 {
        let date = march(day)
        for channel in channels {
          let web = channel != "agent"
          let clicked = web && channel != "direct"
          let clicks = clicked ? (300 + random.next(200)) * size / 100 : 0
          let consultations = web ? clicks / 20 + random.next(8) : 0
          let spend =
            (channel == "sem" || channel == "social") ? clicks * (140 + random.next(30)) : 0
          days +=
            "\(office),\(channel),\(date),\(clicked ? String(clicks * 30) : ""),"
            + "\(clicked ? String(clicks) : ""),\(web ? String(clicks + 200 * size / 100) : ""),"
            + "\(web ? String(clicks * 3) : ""),,\(consultations),\(random.next(3)),,,,"
            + "\(money(spend)),,,,\n"
        }
      }
      files["data/\(office)/channel_daily.csv"] = days
      var customers =
        "customer_id,office_id,acquired_date,acquisition_channel_id,acquisition_campaign_id,lead_id,kind,district\n"
      var orders =
        "order_id,office_id,customer_id,channel_id,campaign_id,order_date,quantity,amount,cogs,"
        + "status,placed_at,fulfilled_at,shipped_at,delivered_at\n"
      var returns =
        "return_id,office_id,order_id,return_date,quantity,refund_amount,cogs_reversed,reason_code\n"
      var invoices = "invoice_id,office_id,order_id,customer_id,issue_date,due_date,amount\n"
      var payments = "payment_id,office_id,invoice_id,payment_date,amount\n"
      let count = 40 * size / 100
      for n in 1...count {
        let id = "\(office)-o-\(n < 10 ? "00" : (n < 100 ? "0" : ""))\(n)"
        let customer = "\(office)-c-\(n)"
        let day = 1 + random.next(28)
        let date = march(day)
        let channel = channels[random.next(channels.count)]
        let amount = (150_000 + random.next(300_000))
        customers += "\(customer),\(office),\(date),\(channel),,,individual,\n"
        orders +=
          "\(id),\(office),\(customer),\(channel),,\(date),1,\(money(amount)),,confirmed,,,,\n"
        if n % 12 == 0 {
          returns += "\(office)-r-\(n),\(office),\(id),\(march(day + 2)),1,\(money(amount)),0.00,\n"
        }
        if channel == "agent" || n % 5 == 0 {
          invoices +=
            "\(office)-i-\(n),\(office),\(id),\(customer),\(date),\(march(day + 2)),\(money(amount))\n"
          if n % 7 != 0 {
            payments +=
              "\(office)-p-\(n),\(office),\(office)-i-\(n),\(march(day + 1)),\(money(amount))\n"
          }
        }
      }
      files["data/\(office)/customers.csv"] = customers
      files["data/\(office)/orders.csv"] = orders
      files["data/\(office)/returns.csv"] = returns
      files["data/\(office)/invoices.csv"] = invoices
      files["data/\(office)/payments.csv"] = payments
      let targetsFor: [(String, String, String)] = [
        ("net_revenue", money(40 * size / 100 * 300_000), "higher_better"),
        ("consultations", "\(31 * 5 * 30 * size / 100)", "higher_better"),
        ("avg_cost_per_conversation", "35.00", "upper_bound"),
        ("return_rate", "0.0300", "lower_better"), ("collection_rate", "0.9500", "lower_bound"),
      ]
      for (index, target) in targetsFor.enumerated() {
        targets +=
          "t-\(office)-\(index + 1),\(target.0),\(office),office,,month,2025-03,\(target.1),"
          + "\(target.2),,,1\n"
      }
    }
    files["data/hq/targets.csv"] = targets
    return files
  }

  static func demoIndex(_ office: String) -> Int? { Commands.demoOffices.firstIndex(of: office) }
}
