/// The demo's people: who works in each branch, in which position, from when, and how well
/// they follow up and convert their leads; and head office's targets for them.
enum DemoPeople {
  /// One assignment of one person.
  struct Person {
    var id: String
    var name: String
    var position: String
    var department: String
    var from = "2025-01-01"
    var to: String? = nil
    /// % of their leads followed up within a day.
    var follow = 70
    /// % of their qualified leads they convert.
    var converts = 20

    /// Whether they hold leads (consultants, salespeople and the supervisor).
    var sells: Bool { ["consultant", "sales", "supervisor"].contains(position) }

    func isActive(on date: String) -> Bool { from <= date && (to.map { date <= $0 } ?? true) }
  }

  static func roster(_ office: String) -> [Person] {
    switch office {
    case "north":
      [
        Person(
          id: "n-01", name: "王芳", position: "supervisor", department: "promotion", follow: 60,
          converts: 20),
        Person(id: "n-02", name: "陈杰", position: "sem", department: "promotion"),
        Person(id: "n-03", name: "赵敏", position: "seo", department: "promotion"),
        Person(
          id: "n-04", name: "李娜", position: "consultant", department: "sales", follow: 85,
          converts: 30),
        Person(
          id: "n-05", name: "孙浩", position: "consultant", department: "sales", follow: 55,
          converts: 16),
        Person(
          id: "n-06", name: "张伟", position: "sales", department: "sales", follow: 80,
          converts: 44),
        Person(
          id: "n-07", name: "刘洋", position: "sales", department: "sales", from: "2025-02-01",
          follow: 65, converts: 32),
      ]
    case "east":
      [
        Person(
          id: "e-01", name: "周丽", position: "supervisor", department: "promotion", follow: 70,
          converts: 24),
        Person(id: "e-02", name: "吴刚", position: "sem", department: "promotion"),
        Person(id: "e-03", name: "郑爽", position: "seo", department: "promotion"),
        Person(id: "e-04", name: "王磊", position: "new_media", department: "promotion"),
        Person(
          id: "e-05", name: "冯雪", position: "consultant", department: "sales", follow: 80,
          converts: 28),
        Person(
          id: "e-06", name: "何静", position: "consultant", department: "sales", follow: 70,
          converts: 22),
        Person(
          id: "e-07", name: "许强", position: "sales", department: "sales", follow: 85,
          converts: 42),
        Person(
          id: "e-08", name: "马超", position: "sales", department: "sales", follow: 50,
          converts: 22),
      ]
    case "south":
      [
        Person(
          id: "s-01", name: "林峰", position: "supervisor", department: "promotion", follow: 65,
          converts: 20),
        Person(id: "s-02", name: "黄敏", position: "sem", department: "promotion"),
        Person(id: "s-03", name: "罗佳", position: "new_media", department: "promotion"),
        Person(
          id: "s-04", name: "高远", position: "consultant", department: "sales", to: "2025-02-15",
          follow: 75, converts: 26),
        Person(
          id: "s-04", name: "高远", position: "sales", department: "sales", from: "2025-02-16",
          follow: 75, converts: 26),
        Person(
          id: "s-05", name: "梁晨", position: "consultant", department: "sales", follow: 65,
          converts: 20),
        Person(
          id: "s-06", name: "宋扬", position: "sales", department: "sales", follow: 85,
          converts: 44),
      ]
    default:
      [
        Person(
          id: "w-01", name: "唐宁", position: "supervisor", department: "promotion", follow: 60,
          converts: 18),
        Person(id: "w-02", name: "韩梅", position: "sem", department: "promotion"),
        Person(
          id: "w-03", name: "曹阳", position: "consultant", department: "sales", follow: 70,
          converts: 22),
        Person(
          id: "w-04", name: "邓超", position: "sales", department: "sales", follow: 75,
          converts: 38),
        Person(
          id: "w-05", name: "彭丽", position: "sales", department: "sales", follow: 50,
          converts: 20),
      ]
    }
  }

  /// The office's `staff.csv` (the office fills `office_id`).
  static func csv(_ people: [Person]) -> String {
    "staff_id,name,position,department,active_from,active_to\n"
      + people.map {
        "\($0.id),\($0.name),\($0.position),\($0.department),\($0.from),\($0.to ?? "")\n"
      }.joined()
  }

  /// Head office's targets for consultants and salespeople, every month, company-wide
  /// (`office_id` hq), and one person's own stretch target.
  static var targets: String {
    var rows = ""
    for (month, _) in DemoData.months {
      for position in ["consultant", "sales"] {
        let goals = [
          ("deal_amount", position == "sales" ? "16000.00" : "6000.00"),
          ("deal_count", position == "sales" ? "5" : "2"), ("lead_conversion_rate", "0.2000"),
          ("followup_rate", "0.7000"),
        ]
        for (kpi, value) in goals {
          rows +=
            "p-\(position)-\(month)-\(kpi),\(kpi),hq,position,\(position),month,2025-0\(month),"
            + "\(value),higher_better,,,1\n"
        }
      }
      rows +=
        "s-n-06-\(month),deal_amount,north,staff,n-06,month,2025-0\(month),20000.00,"
        + "higher_better,,,1\n"
    }
    return rows
  }
}
