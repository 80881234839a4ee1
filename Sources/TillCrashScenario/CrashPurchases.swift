import TillCore
import TillProtocol

/// The purchases of the store's crash test, shared by the child that posts them (`till-store-crashchild`) and the
/// test that checks them after each SIGKILL (`LoyaltyCrashTests`).
///
/// Guarantees: deterministic — the n-th purchase of a round is the same request in both processes.
public enum CrashPurchases {
    public static let terminal = TerminalIdentity(branchId: "CRASH", posId: "P1")
    public static let clock: @Sendable () -> Timestamp = { Timestamp(millisecondsSinceEpoch: 1_767_225_600_000) }
    public static let members = ["M00000001", "M00000002", "M00000003"]

    public static func request(round: Int, _ n: Int) -> PurchaseRequest {
        let coffees = Int64(n % 4 + 1)
        let total = coffees * 250 + 450
        let payments = n % 5 == 0 ? [Payment(means: .points, amount: 100), Payment(means: .cash, amount: total - 100)] : []
        return PurchaseRequest(
            transactionId: "r\(round)-\(n)", openedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_000_000),
            members: [MemberIdentifier(kind: .memberKey, value: members[n % 3])],
            items: [LineItem(lineId: "1", code: "SKU-0001", name: "Espresso", department: "coffee", quantity: Quantity(units: coffees), unitPrice: 250),
                    LineItem(lineId: "2", code: "SKU-0100", name: "Cake", department: "bakery", quantity: .one, unitPrice: 450)],
            payments: payments, currency: "EUR")
    }

    public static func fingerprint(_ r: PurchaseRequest) -> [UInt8] {
        Fingerprint.of(.purchase(r))!.bytes
    }
}

/// The wallet credits of the store's crash test (`CrashTests` and its child's default mode).
///
/// Guarantees: deterministic — operation `n` is the same in both processes.
public enum CrashCredits {
    /// Operation `n`: the index of the member (of 8) it credits and its delta (a spend every tenth).
    public static func operation(_ n: Int) -> (member: Int, delta: Int64) {
        (n % 8, n % 10 == 9 ? -3 : Int64(n % 5 + 1))
    }
}
