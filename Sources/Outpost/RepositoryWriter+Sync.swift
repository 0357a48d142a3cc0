import OutpostCodec
import OutpostModel
import OutpostStore
import OutpostSync

/// The exchange between a branch and head office (SPEC.md §8), each step at the side whose
/// step it is.
extension RepositoryReader {
  /// Refuses a step that belongs to the other side.
  func require(
    _ role: RepositoryRole, _ message: String, hint: String, remedy: OutpostError.Remedy
  ) throws(OutpostError) {
    guard config.role != role else { return }
    throw OutpostError(.invalidRequest, message, hint: hint, remedy: remedy)
  }

  /// Head office, which a branch submits to and receives from (a branch only).
  public func headOffice() throws(OutpostError) -> ReplicaID {
    try require(
      .branch, "head office has no head office of its own",
      hint: "Head office makes a reply for each office:", remedy: .reply)
    let peers: [PeerState]
    do { peers = try self.peers() } catch { throw OutpostError(error) }
    guard let head = peers.first?.peer else {
      throw OutpostError(
        .notFound, "this repository is not enrolled with head office",
        hint: "Create it with the key file from head office:",
        remedy: .createWithKey(office: config.replica.rawValue))
    }
    return head
  }

  /// Refuses to submit anywhere but at an enrolled branch.
  ///
  /// - Returns: head office, which the submission is for.
  public func checkSubmit() throws(OutpostError) -> ReplicaID {
    try require(
      .branch, "head office does not submit; it replies",
      hint: "Head office makes a reply for each office:", remedy: .reply)
    return try headOffice()
  }

  /// Verifies an office's submission and reports what merging it would do, writing nothing
  /// (head office; `merge --dry-run`).
  public func previewMerge(_ bytes: [UInt8], name: String) throws(OutpostError) -> ApplyReport {
    try checkMerge()
    do { return try previewBundle(bytes, name: name) } catch { throw OutpostError(error) }
  }

  /// Refuses to merge anywhere but at head office.
  public func checkMerge() throws(OutpostError) {
    try require(
      .head, "only head office merges submissions; a branch applies replies",
      hint: "Apply head office's reply:", remedy: .receive)
  }
}

extension RepositoryWriter {
  /// Makes the next submission for head office (a branch), committing its sequence number.
  ///
  /// It holds every change head office has not acknowledged, so a lost file loses nothing: the
  /// next submission carries it again.
  /// It carries the branch's KPI report (SPEC.md §9.7), computed with the definitions in force
  /// as of `today`, for head office to reconcile.
  public func submit(today: CivilDate?) throws(OutpostError) -> MadeBundle {
    let head = try checkSubmit()
    let report = try BranchKPIReport(self, today: today)
    do { return try makeBundle(for: head, extra: ["kpi_report": report.json]) } catch {
      throw OutpostError(error)
    }
  }

  /// Makes the next reply for `office` (head office), committing its sequence number.
  ///
  /// It acknowledges the office's submissions and carries resolutions, head-office collections,
  /// other offices' data as head office's policies allow, and the notes of head office's
  /// changes the office has not seen (SPEC.md §8.6). Under `record_visibility` `own_office` it
  /// carries the other offices' KPI values instead of their rows (``OtherOfficesKPIs``),
  /// computed as of `today`.
  public func reply(to office: ReplicaID, today: CivilDate?) throws(OutpostError) -> MadeBundle {
    try require(
      .head, "branches do not reply; they submit", hint: "Make a submission:", remedy: .submit)
    var extra: [String: JSONValue] = [:]
    if let results = try OtherOfficesKPIs.forReply(to: office, in: self, today: today) {
      extra[OtherOfficesKPIs.member] = results.json
    }
    do { return try makeBundle(for: office, extra: extra) } catch { throw OutpostError(error) }
  }

  /// Verifies and merges an office's submission (head office), all or nothing; merging a
  /// bundle twice changes nothing.
  public func merge(_ bytes: [UInt8], name: String) throws(OutpostError) -> ApplyReport {
    try checkMerge()
    do { return try applyBundle(bytes, name: name) } catch { throw OutpostError(error) }
  }

  /// Verifies and applies head office's reply (a branch), all or nothing.
  public func receive(_ bytes: [UInt8], name: String) throws(OutpostError) -> ApplyReport {
    try require(
      .branch, "head office merges submissions", hint: "Merge an office's submission:",
      remedy: .merge)
    // The other offices' KPI values the reply carries join those kept, in its transaction
    // (the kept ones are read only when a reply carries some).
    let kept = { (report: ApplyReport) throws(StoreError) -> [DocumentName: JSONValue] in
      guard let json = report.manifest.extra[OtherOfficesKPIs.member] else { return [:] }
      let received: OtherOfficesKPIs
      do throws(OutpostError) { received = try OtherOfficesKPIs(json: json) } catch {
        throw StoreError(
          .invalidData, "\(name): extra.\(OtherOfficesKPIs.member): \(error.message)",
          hint: "The reply is damaged or was made by a faulty Outpost; nothing was written.")
      }
      let held: OtherOfficesKPIs
      do throws(OutpostError) { held = try OtherOfficesKPIs(self) } catch {
        throw StoreError(.corrupt, error.message, hint: error.hint, remedy: .verify)
      }
      return [.kpiResults: held.applying(received, reply: report.manifest.seq).json]
    }
    do { return try applyBundle(bytes, name: name, documents: kept) } catch {
      throw OutpostError(error)
    }
  }

  /// Installs a new key head office issued to this branch after re-enrolling it; the exchange
  /// restarts (SPEC.md §8.1).
  ///
  /// - Returns: false when that key was already installed.
  public func installNewKey(_ key: OfficeKey) throws(OutpostError) -> Bool {
    try require(
      .branch, "head office issues keys; it does not install one",
      hint: "Enroll the office at head office to issue its key.", remedy: .enroll(office: nil))
    do { return try replaceKey(key) } catch { throw OutpostError(error) }
  }
}
