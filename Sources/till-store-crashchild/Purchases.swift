import TillCore
import TillProtocol
import TillStore

/// The loyalty mode of the crash child: the n-th purchase of a round (the parent test builds the same one).
enum CrashPurchases {
    static let terminal = TerminalIdentity(branchId: "CRASH", posId: "P1")
    static let clock: @Sendable () -> Timestamp = { Timestamp(millisecondsSinceEpoch: 1_767_225_600_000) }
    static let members = ["M00000001", "M00000002", "M00000003"]

    static func request(round: Int, _ n: Int) -> PurchaseRequest {
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

    static func fingerprint(_ r: PurchaseRequest) -> [UInt8] {
        Fingerprint.of(.purchase(r))!.bytes
    }
}
