import TillCore
import TillStore
import TillStoreTesting

/// One kind of write the benchmark drives (the realistic purchase is in PurchaseWorkload.swift):
/// implement `prepare` (seed members, templates, rules) and `request(_:)` (the n-th purchase), then list it in
/// `workloads` in main.swift.
protocol Workload {
    associatedtype Request: WriteRequest
    var name: String { get }
    /// Seeds the fresh store; runs before timing starts.
    mutating func prepare(_ store: Store) throws
    /// The n-th request of the run (distinct idempotency keys).
    func request(_ n: Int) -> Request
}

/// The floor: one wallet update + one ledger row + one idempotency key per request.
struct WalletCreditWorkload: Workload {
    var name: String { "wallet credit (floor)" }
    var members: [Int64] = []

    mutating func prepare(_ store: Store) throws {
        for index in 0..<1_000 {
            members.append(try store.blockingWrite(RegisterMember(memberKey: "bench-\(index)", registeredAt: 1)))
        }
    }

    func request(_ n: Int) -> WalletCredit {
        WalletCredit(operationKey: "op-\(n)", memberId: members[n % members.count], wallet: .points,
                     delta: Int64(n % 7 + 1), kind: .earn, at: 1_700_000_000_000)
    }
}
