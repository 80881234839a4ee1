import Dispatch
import Foundation
import Synchronization
import TillCore
import TillProtocol
@testable import TillStore

/// A clock the test moves by hand.
final class TestClock: Sendable {
    let ms = Atomic<Int64>(1_767_225_600_000)  // 2026-01-01T00:00:00Z
    var now: Timestamp { Timestamp(millisecondsSinceEpoch: ms.load(ordering: .relaxed)) }
    func advance(days: Int64) { ms.add(days * 86_400_000, ordering: .relaxed) }
}

/// A store with the demo program, a clock and a terminal.
final class LoyaltyFixture {
    let folder = TemporaryFolder()
    let clock = TestClock()
    let store: Store
    let loyalty: LoyaltyStore
    let pos = TerminalIdentity(branchId: "B1", posId: "P1")

    init(configure: (inout StoreConfiguration) -> Void = { _ in }) throws {
        let clock = self.clock
        store = try Store.temporary(folder) { configuration in
            configuration.clock = { clock.now }
            configure(&configuration)
        }
        loyalty = LoyaltyStore(store: store)
        _ = try loyalty.installDemoCatalogIfEmpty()
    }
    deinit { store.shutdown() }

    func purchase(_ r: PurchaseRequest, terminal: TerminalIdentity? = nil) -> Result<Receipt, TillError> {
        wait { (done: @escaping @Sendable (Result<Receipt, TillError>) -> Void) throws(TillError) in try loyalty.purchase(r, terminal: terminal ?? pos, fingerprint: fp(.purchase(r)), completion: done) }
    }
    func void(_ r: VoidRequest) -> Result<ReversalReceipt, TillError> {
        wait { (done: @escaping @Sendable (Result<ReversalReceipt, TillError>) -> Void) throws(TillError) in try loyalty.void(r, terminal: pos, fingerprint: fp(.void(r)), completion: done) }
    }
    func returnItems(_ r: ReturnRequest) -> Result<ReversalReceipt, TillError> {
        wait { (done: @escaping @Sendable (Result<ReversalReceipt, TillError>) -> Void) throws(TillError) in try loyalty.returnItems(r, terminal: pos, fingerprint: fp(.return(r)), completion: done) }
    }
    func anna() throws -> IdentifiedMember { try loyalty.identify([MemberIdentifier(kind: .memberKey, value: "M00000001")])[0] }
    func count(_ table: String) throws -> Int64 { try store.read { try $0.int64("SELECT count(*) FROM \(table)") ?? 0 } }

    private func wait<T: Sendable>(_ submit: (@escaping @Sendable (Result<T, TillError>) -> Void) throws(TillError) -> Void) -> Result<T, TillError> {
        let box = Mutex<Result<T, TillError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        do {
            try submit { r in box.withLock { $0 = r }; done.signal() }
        } catch { return .failure(error) }
        done.wait()
        return box.withLock { $0! }
    }
}

func fp(_ request: Request) -> [UInt8] {
    let f = Fingerprint.of(request)!
    return f.bytes
}

let t0 = Timestamp(millisecondsSinceEpoch: 1_767_225_000_000)

/// A basket: `coffees` espressos (department coffee, 2.50) and a cake (4.50).
func basket(_ id: String, member: String? = "M00000001", coffees: Int64 = 2, redemptions: [String] = [],
            payments: [Payment] = []) -> PurchaseRequest {
    var items = [LineItem(lineId: "1", code: "SKU-0001", name: "Espresso", department: "coffee", quantity: Quantity(units: coffees), unitPrice: 250)]
    items.append(LineItem(lineId: "2", code: "SKU-0100", name: "Cake", department: "bakery", quantity: .one, unitPrice: 450))
    return PurchaseRequest(transactionId: id, openedAt: t0, members: member.map { [MemberIdentifier(kind: .memberKey, value: $0)] } ?? [],
                           items: items, payments: payments, redemptions: redemptions, currency: "EUR")
}
