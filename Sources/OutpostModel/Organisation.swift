import OutpostCodec

/// The positions staff hold and the departments they belong to (SPEC.md §2.8).
///
/// Six positions and three departments are built in, so a repository can record staff before
/// head office publishes any reference data; head office's `positions` and `departments`
/// records add more and relabel the built-in ones.
public struct Organisation: Sendable, Equatable {
  /// A position: its labels and the department it belongs to by default.
  public struct Position: Sendable, Equatable {
    public var id: String
    public var nameZH: String
    public var nameEN: String
    public var department: String

    /// Creates a position.
    public init(id: String, nameZH: String, nameEN: String, department: String) {
      self.id = id
      self.nameZH = nameZH
      self.nameEN = nameEN
      self.department = department
    }
  }

  /// A department and its labels.
  public struct Department: Sendable, Equatable {
    public var id: String
    public var nameZH: String
    public var nameEN: String

    /// Creates a department.
    public init(id: String, nameZH: String, nameEN: String) {
      self.id = id
      self.nameZH = nameZH
      self.nameEN = nameEN
    }
  }

  /// A rating criterion: its labels and the positions whose people it rates (nil: any; empty:
  /// none, the criterion rates offices only).
  public struct Criterion: Sendable, Equatable {
    public var id: String
    public var nameZH: String
    public var nameEN: String
    public var positions: [String]?

    /// Creates a criterion.
    public init(id: String, nameZH: String, nameEN: String, positions: [String]? = nil) {
      self.id = id
      self.nameZH = nameZH
      self.nameEN = nameEN
      self.positions = positions
    }
  }

  /// The positions, by id.
  public var positions: [String: Position]
  /// The departments, by id.
  public var departments: [String: Department]
  /// The rating criteria, by id.
  public var criteria: [String: Criterion] = [:]

  /// The built-in positions and departments: the roles of an online-marketing department.
  public static let builtIn = Organisation(
    positions: [
      Position(id: "sem", nameZH: "竞价专员", nameEN: "SEM specialist", department: "promotion"),
      Position(id: "seo", nameZH: "SEO专员", nameEN: "SEO specialist", department: "promotion"),
      Position(
        id: "new_media", nameZH: "新媒体专员", nameEN: "New-media specialist",
        department: "promotion"),
      Position(
        id: "consultant", nameZH: "网络咨询", nameEN: "Online consultant", department: "sales"),
      Position(id: "sales", nameZH: "网络销售", nameEN: "Online salesperson", department: "sales"),
      Position(id: "supervisor", nameZH: "主管", nameEN: "Supervisor", department: "promotion"),
    ],
    departments: [
      Department(id: "promotion", nameZH: "推广部", nameEN: "Promotion"),
      Department(id: "sales", nameZH: "销售部", nameEN: "Sales"),
      Department(id: "service", nameZH: "客服部", nameEN: "Customer service"),
    ],
    criteria: [
      Criterion(
        id: "admin_assessment", nameZH: "行政考核", nameEN: "Administrative assessment",
        positions: []),
      Criterion(
        id: "team_building", nameZH: "团队建设", nameEN: "Team building", positions: ["supervisor"]),
      Criterion(id: "professional_skill", nameZH: "专业技能", nameEN: "Professional skills"),
      Criterion(
        id: "dealer_management", nameZH: "经销商管理", nameEN: "Dealer management",
        positions: ["supervisor"]),
      Criterion(
        id: "content_quality", nameZH: "推广内容质量", nameEN: "Promotion-content quality",
        positions: ["seo", "new_media"]),
    ])

  /// Creates an organisation from lists (a later entry with the same id wins).
  public init(positions: [Position], departments: [Department], criteria: [Criterion] = []) {
    self.positions = Dictionary(positions.map { ($0.id, $0) }) { $1 }
    self.departments = Dictionary(departments.map { ($0.id, $0) }) { $1 }
    self.criteria = Dictionary(criteria.map { ($0.id, $0) }) { $1 }
  }

  /// The built-in roles with head office's records over them: `positions` rows
  /// (`position_id`, `name_zh`, `name_en`, `department_id`) and `departments` rows
  /// (`department_id`, `name_zh`, `name_en`).
  public static func withRecords(
    positions: [[String: JSONValue]], departments: [[String: JSONValue]],
    criteria: [[String: JSONValue]] = []
  ) -> Organisation {
    var result = builtIn
    for row in criteria {
      guard let id = row["criterion_id"]?.stringValue else { continue }
      var list: [String]?
      if case .array(let items)? = row["positions"] { list = items.compactMap(\.stringValue) }
      result.criteria[id] = Criterion(
        id: id, nameZH: row["name_zh"]?.stringValue ?? id,
        nameEN: row["name_en"]?.stringValue ?? id, positions: list)
    }
    for row in departments {
      guard let id = row["department_id"]?.stringValue else { continue }
      result.departments[id] = Department(
        id: id, nameZH: row["name_zh"]?.stringValue ?? id, nameEN: row["name_en"]?.stringValue ?? id
      )
    }
    for row in positions {
      guard let id = row["position_id"]?.stringValue else { continue }
      result.positions[id] = Position(
        id: id, nameZH: row["name_zh"]?.stringValue ?? id,
        nameEN: row["name_en"]?.stringValue ?? id,
        department: row["department_id"]?.stringValue ?? "")
    }
    return result
  }

  /// Position ids, sorted.
  public var positionIDs: [String] { positions.keys.sorted() }
  /// Department ids, sorted.
  public var departmentIDs: [String] { departments.keys.sorted() }
  /// Criterion ids, sorted.
  public var criterionIDs: [String] { criteria.keys.sorted() }
}
