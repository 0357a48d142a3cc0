import OutpostModel

/// Funnel diagnosis: rules D1 and D2 as flags with their evidence (SPEC.md §9.9, docs/kpis.md §7).
///
/// With growth(x) = (x(P) − x(P−1)) / x(P−1), month over month:
/// - D1 "imprecise traffic": growth(visits) ≥ θ_up and growth(consultations) < θ_flat;
/// - D2 "weak sales conversion": growth(visits) ≥ θ_up, growth(consultations) ≥ θ_up and
///   growth(deal_count) < θ_flat.
/// A growth that is undefined (no base) keeps a rule from firing: `insufficient_data`.
public struct Diagnosis: Sendable, Equatable {
  /// `D1`, `D2`, or `insufficient_data`.
  public var rule: String
  public var office: String
  public var period: Period
  /// Who should act: the promotion department (D1) or customer service / sales (D2).
  public var owner: String
  /// The growths the rule read, rounded to 4 places (nil: undefined).
  public var evidence: [(kpi: String, growth: ExactDecimal?)]

  public static func == (lhs: Diagnosis, rhs: Diagnosis) -> Bool {
    lhs.rule == rhs.rule && lhs.office == rhs.office && lhs.period == rhs.period
      && lhs.evidence.map(\.kpi) == rhs.evidence.map(\.kpi)
      && lhs.evidence.map(\.growth) == rhs.evidence.map(\.growth)
  }

  /// The thresholds θ_up = 0.10 and θ_flat = 0.02 (docs/kpis.md §7); the commands use these.
  public static let defaultUp = ExactDecimal(significand: 10, scale: 2)
  public static let defaultFlat = ExactDecimal(significand: 2, scale: 2)

  /// Evaluates D1 and D2 for every office and month in `values` of `visits`, `consultations`
  /// and `deal_count` (each needed for the month and the one before).
  public static func evaluate(
    _ values: [KPIValue], up: ExactDecimal = defaultUp, flat: ExactDecimal = defaultFlat
  ) -> [Diagnosis] {
    var table: [KPIValueKey: ExactDecimal?] = [:]
    // The offices and months to decide, each once.
    struct Place: Hashable {
      var office: String
      var period: Period
    }
    var places: Set<Place> = []
    for value in values where value.channel == nil {
      table[value.key] = value.value
      places.insert(Place(office: value.office, period: value.period))
    }
    func growth(_ kpi: String, _ office: String, _ period: Period) -> ExactDecimal? {
      guard
        let now = table[KPIValueKey(kpi: kpi, office: office, period: period)] ?? nil,
        let then = table[KPIValueKey(kpi: kpi, office: office, period: period.previous)] ?? nil,
        then > .zero, let delta = now.subtracting(then)
      else { return nil }
      return delta.divided(by: then, scale: 4)
    }
    var result: [Diagnosis] = []
    let ordered = places.sorted { ($0.office, $0.period) < ($1.office, $1.period) }
    for place in ordered where place.period.grain == .month {
      let (office, period) = (place.office, place.period)
      let visits = growth("visits", office, period)
      let consultations = growth("consultations", office, period)
      let deals = growth("deal_count", office, period)
      let evidence = [
        ("visits", visits), ("consultations", consultations), ("deal_count", deals),
      ]
      guard let v = visits, let c = consultations else {
        if table[KPIValueKey(kpi: "visits", office: office, period: period.previous)] != nil {
          result.append(
            Diagnosis(
              rule: "insufficient_data", office: office, period: period, owner: "",
              evidence: evidence))
        }
        continue
      }
      if v >= up && c < flat {
        result.append(
          Diagnosis(
            rule: "D1", office: office, period: period, owner: "promotion", evidence: evidence))
      }
      if v >= up && c >= up {
        if let d = deals {
          if d < flat {
            result.append(
              Diagnosis(
                rule: "D2", office: office, period: period, owner: "customer_service",
                evidence: evidence))
          }
        } else {
          result.append(
            Diagnosis(
              rule: "insufficient_data", office: office, period: period, owner: "",
              evidence: evidence))
        }
      }
    }
    return result
  }
}
