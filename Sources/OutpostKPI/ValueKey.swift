/// Where a KPI value belongs: its KPI, office, period and group (channel, or staff, position or
/// department).
///
/// Results are indexed by this key, never by text joined from its parts and split again, so an
/// id holding a space or a separator cannot make two values collide.
public struct KPIValueKey: Sendable, Hashable {
  /// The KPI id.
  public var kpi: String
  /// The office id.
  public var office: String
  /// The period.
  public var period: Period
  /// The channel in a channel breakdown; nil for the office as a whole.
  public var channel: String?
  /// The person in a staff breakdown.
  public var staff: String?
  /// The position in a staff or position breakdown.
  public var position: String?
  /// The department in a staff or department breakdown.
  public var department: String?

  /// Creates a key.
  public init(
    kpi: String, office: String, period: Period, channel: String? = nil, staff: String? = nil,
    position: String? = nil, department: String? = nil
  ) {
    self.kpi = kpi
    self.office = office
    self.period = period
    self.channel = channel
    self.staff = staff
    self.position = position
    self.department = department
  }
}

extension KPIValue {
  /// Where this value belongs.
  public var key: KPIValueKey {
    KPIValueKey(
      kpi: kpi, office: office, period: period, channel: channel, staff: staff,
      position: position, department: department)
  }
}
