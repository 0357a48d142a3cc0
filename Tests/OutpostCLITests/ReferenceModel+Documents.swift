// The peer documents, bundles and apply reports of the reference model (ReferenceModel.swift),
// written apart from OutpostSync and OutpostStore as it is.

/// A peer document (§8.8), as far as the model needs it.
struct MPeer {
  var sentSeq: UInt64 = 0
  var lastSeq: UInt64 = 0
  var accepted: Set<UInt64> = []
  /// The peer's manifest clocks, joined.
  var receivedClock = MClock()
  /// The highest of our seqs the peer has applied.
  var acknowledges: UInt64 = 0
  /// Head office: records not applied (§8.10) → the first reply that told the office.
  var dropped: [String: UInt64?] = [:]
  /// Head office: the clock of every reply made, by seq (§8.8 `sent.clocks`; the model keeps
  /// them all).
  var sentClocks: [UInt64: MClock] = [:]
  /// A branch: the `record_visibility` of the newest reply applied, and its seq (§8.8).
  var rowPolicy: (seq: UInt64, value: String)?
  /// Head office: the `record_visibility` of its replies since it last changed, and the seq of
  /// the first of them (§8.8); and its records as each recent reply was made (§8.6 "Other
  /// offices' KPIs", ReferenceModel+KPIResults.swift).
  var sentRowPolicy: (seq: UInt64, value: String)?
  var recordsAtReply: [UInt64: [String: MState]] = [:]
}

/// A bundle as the model predicts it (§8.2).
struct MBundle {
  var kind: String
  var from: String
  var to: String
  var seq: UInt64
  var assumes: MClock
  var clock: MClock
  var acknowledges: UInt64
  /// `extra.collected` (replies).
  var collected = MClock()
  /// `extra.dropped` (replies).
  var dropped: [String] = []
  /// `extra.record_visibility` (replies, which always carry it; an earlier Outpost's without
  /// it were made under `all_offices`).
  var rowPolicy = "all_offices"
  /// Which offices' KPI values `extra.kpi_results` carries (replies; nil: no member).
  var kpiResults: MKPIResults?
  /// Records by `collection/id`.
  var payload: [String: MState] = [:]
}

/// What applying a bundle did.
struct MApplyResult {
  var status = ""
  var exit: Int32 = 0
  var counts: [String: Int] = [:]
  var conflicts: [String] = []
  var notApplied: [String] = []
  var removed: [String] = []
  var collectedCount = 0
  /// Other offices' rows set aside at a branch (§2.8).
  var setAside: [String] = []
}
