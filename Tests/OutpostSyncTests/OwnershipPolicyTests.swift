import OutpostCodec
import OutpostModel
import OutpostSync
import Testing

/// SPEC.md §2.4, §8.4 check 4, §8.7.1: every ownership decision, for each role, collection
/// ownership and office_id.
struct OwnershipPolicyTests {
  static let north = ReplicaID(unchecked: "north")
  static let east = ReplicaID(unchecked: "east")
  static let hq = ReplicaID(unchecked: "hq")
  let branch = OwnershipPolicy(replica: north, role: .branch)
  let head = OwnershipPolicy(replica: hq, role: .head)
  let orders = StandardCollections.orders
  let targets = StandardCollections.targets
  let id = RecordID(unchecked: "o-1")

  /// A live record with these values, written by `writer`.
  func state(_ values: [String: JSONValue], by writer: ReplicaID = north) -> RecordState {
    var state = RecordState()
    state.write(values, at: Dot(writer, 1))
    return state
  }

  func office(_ name: String?) -> [String: JSONValue] {
    ["amount": .string("1.00")].merging(name.map { ["office_id": .string($0)] } ?? [:]) { $1 }
  }

  /// The refusal of `write`, or nil if it is allowed.
  func refusal(
    _ policy: OwnershipPolicy, _ write: OwnershipPolicy.Write, _ schema: CollectionSchema,
    existing: RecordState? = nil
  ) -> SyncError? {
    do throws(SyncError) {
      try policy.check(write, in: schema, id: id, existing: existing)
      return nil
    } catch { return error }
  }

  @Test("local writes: role × collection ownership × office_id in the fields and in the record")
  func localWrites() {
    struct Case {
      var policy: OwnershipPolicy
      var write: OwnershipPolicy.Write
      var schema: CollectionSchema
      var existing: RecordState?
      var refused: String?
    }
    let northRecord = state(office("north"))
    let eastRecord = state(office("east"), by: Self.east)
    let cases: [Case] = [
      // Head office writes anything.
      Case(policy: head, write: .put(office("east")), schema: orders, refused: nil),
      Case(policy: head, write: .put(office(nil)), schema: targets, refused: nil),
      Case(policy: head, write: .delete, schema: orders, existing: eastRecord, refused: nil),
      Case(
        policy: head, write: .put(office("north")), schema: orders, existing: eastRecord,
        refused: nil),
      // A branch writes its own records of office-owned collections.
      Case(policy: branch, write: .put(office("north")), schema: orders, refused: nil),
      Case(policy: branch, write: .put(office(nil)), schema: orders, refused: nil),
      Case(
        policy: branch, write: .put(office(nil)), schema: orders, existing: northRecord,
        refused: nil),
      Case(policy: branch, write: .delete, schema: orders, existing: northRecord, refused: nil),
      // Never a head-owned collection.
      Case(
        policy: branch, write: .put(office(nil)), schema: targets,
        refused: "'targets' is written by head office only; this repository is office 'north'"),
      Case(
        policy: branch, write: .delete, schema: targets,
        refused: "'targets' is written by head office only; this repository is office 'north'"),
      // Never another office's id, in the fields or in the stored record.
      Case(
        policy: branch, write: .put(office("east")), schema: orders,
        refused: "record 'o-1' has office_id 'east'; office 'north' may only write its own records"
      ),
      Case(
        policy: branch, write: .put(["office_id": .null]), schema: orders,
        refused: "record 'o-1' has office_id null; office 'north' may only write its own records"),
      Case(
        policy: branch, write: .put(office(nil)), schema: orders, existing: eastRecord,
        refused:
          "orders/o-1 belongs to office 'east'; office 'north' may only change its own records"),
      Case(
        policy: branch, write: .put(office("north")), schema: orders, existing: eastRecord,
        refused:
          "orders/o-1 belongs to office 'east'; office 'north' may only change its own records"),
      Case(
        policy: branch, write: .delete, schema: orders, existing: eastRecord,
        refused:
          "orders/o-1 belongs to office 'east'; office 'north' may only change its own records"),
      // A record that never existed (the empty state) belongs to nobody yet.
      Case(policy: branch, write: .delete, schema: orders, existing: RecordState(), refused: nil),
    ]
    for (index, test) in cases.enumerated() {
      let error = refusal(test.policy, test.write, test.schema, existing: test.existing)
      #expect(error?.message == test.refused, "case \(index)")
      if let error { #expect(error.code == .notPermitted, "case \(index)") }
    }
  }

  @Test("the office_id a new record gets, and the columns an import needs")
  func fillAndColumns() {
    let deleted: RecordState = {
      var deleted = self.state(office("north"))
      deleted.delete(at: Dot(Self.north, 2))
      return deleted
    }()
    let live = state(office("east"), by: Self.east)
    let mine = JSONValue.string("north")
    // A branch: every office-owned write without office_id gets its own.
    #expect(branch.officeToFill(in: orders, given: office(nil), existing: nil) == mine)
    #expect(branch.officeToFill(in: orders, given: office(nil), existing: live) == mine)
    #expect(branch.officeToFill(in: orders, given: office("east"), existing: nil) == nil)
    #expect(branch.officeToFill(in: targets, given: office(nil), existing: nil) == nil)
    // Head office: only a record it creates or re-creates.
    let hq = JSONValue.string("hq")
    #expect(head.officeToFill(in: orders, given: office(nil), existing: nil) == hq)
    #expect(head.officeToFill(in: orders, given: office(nil), existing: deleted) == hq)
    #expect(head.officeToFill(in: orders, given: office(nil), existing: live) == nil)
    #expect(head.officeToFill(in: orders, given: ["office_id": .null], existing: nil) == nil)
    #expect(head.officeToFill(in: targets, given: office(nil), existing: nil) == nil)
    // Import columns: the id (column or key fields), and office_id at head office.
    #expect(branch.requiredColumns(for: orders) == ["order_id"])
    #expect(head.requiredColumns(for: orders) == ["order_id", "office_id"])
    #expect(head.requiredColumns(for: targets) == ["target_id"])
    let daily = StandardCollections.channelDaily
    #expect(branch.requiredColumns(for: daily) == ["channel_id", "date"])
    #expect(head.requiredColumns(for: daily) == ["channel_id", "date", "office_id"])
  }

  @Test("the owner of a record: head office for its collections, else office_id")
  func owner() {
    #expect(head.owner(of: state(office("east")), in: targets) == .headOffice)
    #expect(head.owner(of: state(office("east")), in: orders) == .office(Self.east))
    #expect(head.owner(of: state(office(nil)), in: orders) == .unknown)
    #expect(head.owner(of: state(["office_id": .null]), in: orders) == .unknown)
    #expect(head.ownerReplica(of: state(office(nil)), in: targets) == Self.hq)
    #expect(head.ownerReplica(of: state(office("east")), in: orders) == Self.east)
    #expect(head.ownerReplica(of: state(office(nil)), in: orders) == nil)
  }

  @Test("a submission: the sender writes only its own records of office-owned collections")
  func submissions() {
    func refusal(_ submitted: RecordState, over existing: RecordState?, in schema: CollectionSchema)
      -> String?
    {
      do throws(SyncError) {
        try branch.checkSubmitted(submitted, over: existing, in: schema, name: "x/o-1")
        return nil
      } catch {
        #expect(error.code == .notPermitted)
        return error.message
      }
    }
    #expect(refusal(state(office("north")), over: nil, in: orders) == nil)
    #expect(
      refusal(state(office("north")), over: nil, in: targets)
        == "office 'north' wrote x/o-1, but 'targets' is written by head office only; nothing was "
        + "imported")
    #expect(
      refusal(state(office(nil)), over: nil, in: orders)
        == "office 'north' wrote record x/o-1 without an office_id; nothing was imported")
    #expect(
      refusal(state(office("east")), over: nil, in: orders)
        == "office 'north' wrote record x/o-1, which belongs to office 'east'; nothing was imported"
    )
    // Head office's state counts too: an office may not take over another's record.
    #expect(
      refusal(state(office("north")), over: state(office("east"), by: Self.east), in: orders)
        == "office 'north' wrote record x/o-1, which belongs to office 'east'; nothing was imported"
    )
    #expect(
      refusal(state(["office_id": .null]), over: nil, in: orders)
        == "office 'north' wrote record x/o-1, which belongs to no office; nothing was imported")
    // A deletion without office_id (the values are hidden) is the office's if nothing says not.
    var deletion = RecordState()
    deletion.delete(at: Dot(Self.north, 1))
    #expect(refusal(deletion, over: nil, in: orders) == nil)
  }
}
