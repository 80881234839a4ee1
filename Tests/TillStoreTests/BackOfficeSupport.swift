import Dispatch
import Foundation
import Synchronization
import TillCore
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// A clock the back-office tests move by hand.
final class OfficeClock: Sendable {
    let ms = Atomic<Int64>(1_767_225_600_000)  // 2026-01-01T00:00:00Z
    var now: Timestamp { Timestamp(millisecondsSinceEpoch: ms.load(ordering: .relaxed)) }
    func advance(days: Int64 = 0, ms step: Int64 = 0) { ms.add(days * 86_400_000 + step, ordering: .relaxed) }
}

/// A store with the demo program (Anna M00000001, Ben M00000002, Cleo M00000003), the loyalty engine, the back
/// office on a hand-moved clock with deterministic keys, and one operator "alice".
final class OfficeFixture {
    let folder: TemporaryFolder
    let clock = OfficeClock()
    let store: Store
    let loyalty: LoyaltyStore
    let office: BackOffice
    let operatorId: Int64
    let catalogChanges = OfficeCounter()
    let pos = TerminalIdentity(branchId: "B1", posId: "P1")

    init(folder: TemporaryFolder = TemporaryFolder(), configure: (inout StoreConfiguration) -> Void = { _ in }) throws {
        self.folder = folder
        let clock = self.clock
        store = try Store.temporary(folder) {
            $0.clock = { clock.now }
            configure(&$0)
        }
        let loyalty = LoyaltyStore(store: store)
        self.loyalty = loyalty
        try loyalty.installDemoCatalogIfEmpty()
        let serial = OfficeCounter()
        let changes = catalogChanges
        office = BackOffice(
            store: store,
            keys: { role in
                let n = serial.next()
                let secret = (role == .terminal ? "tk_test_" : "ok_test_") + String(n)
                return (secret, Array(secret.utf8))
            },
            catalogChanged: { _ = changes.next(); loyalty.catalogChanged() })
        operatorId = try loyalty.provisionOperator(name: "alice", keyDigest: Array("alice-key".utf8))
    }
    deinit { store.shutdown() }

    /// Runs one op as alice and waits for its durable answer.
    func run(_ request: OperatorRequest) -> Result<OperatorResponse, TillError> {
        let box = Mutex<Result<OperatorResponse, TillError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        office.handle(request, operatorId: operatorId, operatorName: "alice") { r in
            box.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        return box.withLock { $0! }
    }

    func profile(_ request: OperatorRequest) throws -> MemberProfile {
        guard case .member(let p) = try run(request).get() else { throw Unexpected.response }
        return p
    }
    func members(_ query: String, limit: Int64 = 50) throws -> [MemberRow] {
        guard case .members(let l) = try run(.memberSearch(MemberSearch(query: query, limit: limit))).get() else { throw Unexpected.response }
        return l.members
    }
    func benefits(_ request: OperatorRequest) throws -> [BenefitSummary] {
        guard case .benefits(let l) = try run(request).get() else { throw Unexpected.response }
        return l.benefits
    }
    func activity(_ query: ActivityQuery) throws -> ActivityPage {
        guard case .activity(let p) = try run(.activityList(query)).get() else { throw Unexpected.response }
        return p
    }
    func imported(_ request: MemberImport) throws -> ImportResult {
        guard case .imported(let r) = try run(.memberImport(request)).get() else { throw Unexpected.response }
        return r
    }
    func error(_ request: OperatorRequest) -> TillError? {
        if case .failure(let e) = run(request) { return e }
        return nil
    }

    /// Posts a purchase from the fixture's POS.
    func purchase(_ r: PurchaseRequest) -> Result<Receipt, TillError> {
        let box = Mutex<Result<Receipt, TillError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let f = Fingerprint.of(.purchase(r))!
        let bytes = f.bytes
        do {
            try loyalty.purchase(r, terminal: pos, fingerprint: bytes) { result in box.withLock { $0 = result }; done.signal() }
        } catch { return .failure(error) }
        done.wait()
        return box.withLock { $0! }
    }

    /// Voids a purchase of the fixture's POS.
    func void(_ r: VoidRequest) -> Result<ReversalReceipt, TillError> {
        let box = Mutex<Result<ReversalReceipt, TillError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        do {
            try loyalty.void(r, terminal: pos, fingerprint: Fingerprint.of(.void(r))!.bytes) { result in box.withLock { $0 = result }; done.signal() }
        } catch { return .failure(error) }
        done.wait()
        return box.withLock { $0! }
    }

    func coffee(_ id: String, member: String, cups: Int64 = 1) -> PurchaseRequest {
        PurchaseRequest(transactionId: id, openedAt: clock.now, members: [MemberIdentifier(kind: .memberKey, value: member)],
                        items: [LineItem(lineId: "1", code: "SKU-0001", name: "Espresso", department: "coffee", quantity: Quantity(units: cups), unitPrice: 250)],
                        payments: [Payment(means: .cash, amount: 250 * cups)], currency: "EUR")
    }

    func sql(_ text: String) throws -> Int64? { try store.read { try $0.int64(text) } }

    /// From now on, every UPDATE of `table` adds the updated row's `column` to `<table>_updates (value)`; returns a
    /// function that counts them (how the tests see which rows a write touches, and how often).
    func recordUpdates(of table: String, keeping column: String = "id") throws -> () throws -> Int64 {
        _ = try store.writeAndWait(ClosureWrite { c in
            try c.execute("CREATE TABLE \(table)_updates (value INTEGER)")
            try c.execute("CREATE TRIGGER \(table)_recorded AFTER UPDATE ON \(table) BEGIN INSERT INTO \(table)_updates VALUES (new.\(column)); END")
        }).get()
        return { try self.sql("SELECT count(*) FROM \(table)_updates") ?? -1 }
    }
}

enum Unexpected: Error { case response }

/// A shared counter.
final class OfficeCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).newValue }
    var count: Int { value.load(ordering: .relaxed) }
}
