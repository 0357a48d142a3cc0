import OutpostCodec
import OutpostModel

/// The demo's deterministic quarter of data (no files needed: it works from any folder): four
/// branches of different sizes, each with its people, January to March 2025.
enum DemoData {
  /// The collections each branch imports, in order.
  static let collections = [
    "staff", "channel_daily", "leads", "customers", "orders", "returns", "invoices", "payments",
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

    /// True with probability `percent` %.
    mutating func chance(_ percent: Int) -> Bool { next(100) < percent }
  }

  /// The months of the demo (2025) and their days.
  static let months = [(month: 1, days: 31), (month: 2, days: 28), (month: 3, days: 31)]

  static func date(_ month: Int, _ day: Int) -> String {
    "2025-0\(month)-\(day < 10 ? "0" : "")\(day)"
  }

  static func march(_ day: Int) -> String { date(3, day) }

  static func money(_ fen: Int) -> String {
    "\(fen / 100).\(fen % 100 < 10 ? "0" : "")\(fen % 100)"
  }

  static var northPaidSpend: String {
    let files = write(offices: ["north"])
    var total = 0
    for line in files["data/north/channel_daily.csv"]!.split(separator: "\n").dropFirst() {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false)
      guard cells[1] == "sem" || cells[1] == "social", cells[2].hasPrefix("2025-03") else {
        continue
      }
      var fen = Int(String(cells[13].filter { $0 != "." })) ?? 0
      // Head office's figure wins the spend conflict.
      if cells[2] == "2025-03-05" && cells[1] == "sem" { fen = 9_600 }
      total += fen
    }
    return money(total)
  }

  /// Each office's size, in % of north's.
  static func size(_ office: String, _ index: Int) -> Int {
    [100, 130, 115, 60][demoIndex(office) ?? index % 4]
  }

  /// CSV files by relative path.
  static func write(offices: [String]) -> [String: String] {
    var files: [String: String] = [:]
    var targets =
      "target_id,kpi_id,office_id,scope,scope_key,period_grain,period,target_value,direction,"
      + "worst,best,version\n"
    for (officeIndex, office) in offices.enumerated() {
      var random = Generator(state: 2025_03 + UInt64(office.utf8.reduce(0) { $0 * 31 + Int($1) }))
      let size = size(office, officeIndex)
      let people = DemoPeople.roster(office)
      files["data/\(office)/staff.csv"] = DemoPeople.csv(people)
      files["data/\(office)/channel_daily.csv"] = channelDays(office, size, &random)
      let sales = Sales(office: office, size: size, people: people)
      files.merge(sales.files(&random)) { $1 }
      for (month, days) in months {
        let targetsFor: [(String, String, String)] = [
          ("net_revenue", money(22 * size / 100 * 300_000 * days / 31), "higher_better"),
          ("consultations", "\(days * 11 * size / 100)", "higher_better"),
          ("avg_cost_per_conversation", "35.00", "upper_bound"),
          ("return_rate", "0.0300", "lower_better"), ("collection_rate", "0.9500", "lower_bound"),
        ]
        for (index, target) in targetsFor.enumerated() {
          targets +=
            "t-\(office)-\(month)-\(index + 1),\(target.0),\(office),office,,month,"
            + "2025-0\(month),\(target.1),\(target.2),,,1\n"
        }
      }
    }
    files["data/hq/targets.csv"] = targets
    files["data/hq/offices.csv"] =
      "office_id,name_zh,name_en,region,currency,timezone,active_from,active_to\n"
      + "hq,总部,Head office,,CNY,Asia/Shanghai,,\n"
      + "north,华北分部,North branch,华北,CNY,Asia/Shanghai,,\n"
      + "east,华东分部,East branch,华东,CNY,Asia/Shanghai,,\n"
      + "south,华南分部,South branch,华南,CNY,Asia/Shanghai,,\n"
      + "west,西部分部,West branch,西部,CNY,Asia/Shanghai,,\n"
    files["data/hq/people-targets.csv"] =
      "target_id,kpi_id,office_id,scope,scope_key,period_grain,period,target_value,direction,"
      + "worst,best,version\n" + DemoPeople.targets
    return files
  }

  /// Daily traffic, spend and consultations per channel.
  static func channelDays(_ office: String, _ size: Int, _ random: inout Generator) -> String {
    let channels = ["seo", "sem", "social", "email", "direct", "agent"]
    var days =
      "office_id,channel_id,date,impressions,clicks,visits,page_views,engaged_visits,"
      + "consultations,consult_calls,registrations,downloads,subscriptions,spend,emails_sent,"
      + "emails_delivered,email_unique_opens,email_unique_clicks\n"
    for (month, count) in months {
      for day in 1...count {
        for channel in channels {
          let web = channel != "agent"
          let clicked = web && channel != "direct"
          // Per channel and day at north's size: 30–49 clicks, about 5 % of them talking to
          // a consultant, 15 visitors who came straight in, 3 pages a visit, 2.00–2.49 CNY a
          // paid click: about 7,000 visits, 350 consultations and 20–25 deals a month.
          let clicks = clicked ? (30 + random.next(20)) * size / 100 : 0
          let consultations = web ? clicks / 20 + random.next(3) : 0
          let spend =
            (channel == "sem" || channel == "social") ? clicks * (200 + random.next(50)) : 0
          let visits = clicks + 15 * size / 100
          days +=
            "\(office),\(channel),\(date(month, day)),\(clicked ? String(clicks * 30) : ""),"
            + "\(clicked ? String(clicks) : ""),\(web ? String(visits) : ""),"
            + "\(web ? String(visits * 3) : ""),,\(consultations),\(random.next(3)),,,,"
            + "\(money(spend)),,,,\n"
        }
      }
    }
    return days
  }

  static func demoIndex(_ office: String) -> Int? { Commands.demoOffices.firstIndex(of: office) }
}

/// One office's leads, customers, orders, returns, invoices and payments: leads are assigned to
/// the office's consultants and salespeople, who follow them up and convert them at their own
/// rates; a converted lead becomes a customer and an order credited to whoever held the lead.
struct Sales {
  let office: String
  let size: Int
  let people: [DemoPeople.Person]

  func files(_ random: inout DemoData.Generator) -> [String: String] {
    var leads =
      "lead_id,office_id,channel_id,campaign_id,created_date,source_type,has_need,has_contact,"
      + "assigned_to,first_followup_date,status,customer_id\n"
    var customers =
      "customer_id,office_id,acquired_date,acquisition_channel_id,acquisition_campaign_id,"
      + "lead_id,kind,district\n"
    var orders =
      "order_id,office_id,customer_id,channel_id,campaign_id,order_date,quantity,amount,cogs,"
      + "status,placed_at,fulfilled_at,shipped_at,delivered_at,salesperson_id\n"
    var returns =
      "return_id,office_id,order_id,return_date,quantity,refund_amount,cogs_reversed,reason_code\n"
    var invoices = "invoice_id,office_id,order_id,customer_id,issue_date,due_date,amount\n"
    var payments = "payment_id,office_id,invoice_id,payment_date,amount\n"
    let channels = ["seo", "sem", "social", "email", "direct", "agent"]
    var orderCount = 0
    var leadCount = 0
    func order(
      _ customer: String, _ channel: String, _ month: Int, _ day: Int, _ seller: String,
      _ random: inout DemoData.Generator
    ) {
      orderCount += 1
      let n = orderCount
      let id = "\(office)-o-\(n < 10 ? "00" : (n < 100 ? "0" : ""))\(n)"
      let amount = 150_000 + random.next(300_000)
      let date = DemoData.date(month, day)
      orders +=
        "\(id),\(office),\(customer),\(channel),,\(date),1,\(DemoData.money(amount)),,"
        + "confirmed,,,,,\(seller)\n"
      if n % 30 == 0 {
        returns +=
          "\(office)-r-\(n),\(office),\(id),\(DemoData.date(month, day + 2)),1,"
          + "\(DemoData.money(amount)),0.00,\n"
      }
      if channel == "agent" || n % 5 == 0 {
        invoices +=
          "\(office)-i-\(n),\(office),\(id),\(customer),\(date),\(DemoData.date(month, day + 2)),"
          + "\(DemoData.money(amount))\n"
        if n % 7 != 0 {
          payments +=
            "\(office)-p-\(n),\(office),\(office)-i-\(n),\(DemoData.date(month, day + 1)),"
            + "\(DemoData.money(amount))\n"
        }
      }
    }
    for (month, _) in DemoData.months {
      for _ in 0..<(70 * size / 100) {
        leadCount += 1
        let id = "\(office)-l-\(leadCount)"
        // Days 1–24: a converted lead's customer, order, invoice and return fall in the same
        // month, February included.
        let day = 1 + random.next(24)
        let date = DemoData.date(month, day)
        let channel = channels[random.next(channels.count)]
        let source = ["chat", "call", "form", "chat", "walk_in", "agent"][
          channels.firstIndex(
            of: channel)!]
        let active = people.filter { $0.sells && $0.isActive(on: date) }
        let holder = random.chance(4) || active.isEmpty ? nil : active[random.next(active.count)]
        let need = random.chance(78)
        let contact = channel == "agent" || random.chance(88)
        var followup = ""
        if let holder {
          if random.chance(holder.follow) {
            followup = DemoData.date(month, day + random.next(2))
          } else if random.chance(50) {
            followup = DemoData.date(month, day + 2)
          }
        }
        var status = ["new", "following", "lost"][random.next(3)]
        var customer = ""
        if need && contact, random.chance(holder?.converts ?? 15) {
          status = "won"
          customer = "\(office)-c-\(leadCount)"
          let acquired = day + random.next(3)
          customers +=
            "\(customer),\(office),\(DemoData.date(month, acquired)),\(channel),,\(id),"
            + "individual,\n"
          order(customer, channel, month, acquired, holder?.id ?? "", &random)
        }
        leads +=
          "\(id),\(office),\(channel),,\(date),\(source),\(need),\(contact),"
          + "\(holder?.id ?? ""),\(followup),\(status),\(customer)\n"
      }
      // Walk-in and agent customers who came without a lead: any salesperson, or no one.
      for _ in 0..<(6 * size / 100) {
        leadCount += 1
        let day = 1 + random.next(26)
        let date = DemoData.date(month, day)
        let channel = random.chance(50) ? "agent" : "direct"
        let customer = "\(office)-c-\(leadCount)"
        customers += "\(customer),\(office),\(date),\(channel),,,individual,\n"
        let sellers = people.filter { $0.position == "sales" && $0.isActive(on: date) }
        let seller =
          random.chance(20) || sellers.isEmpty ? "" : sellers[random.next(sellers.count)].id
        order(customer, channel, month, day, seller, &random)
      }
    }
    let folder = "data/\(office)/"
    return [
      folder + "leads.csv": leads, folder + "customers.csv": customers,
      folder + "orders.csv": orders, folder + "returns.csv": returns,
      folder + "invoices.csv": invoices, folder + "payments.csv": payments,
    ]
  }
}
