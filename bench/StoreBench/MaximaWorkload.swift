import Foundation
import TillCore
import TillProtocol
import TillStore

/// Purchases at the documented maxima (issue 13): 500 lines of 1,000,000 units each adding up to the money bound
/// (10^12), the first 10 in department coffee (the coffee card fills the 20 cards a purchase may fill, earning
/// × 200 %), 5 members, 20 payments (one from points), 20 redemptions (free espressos). Each member appears in one
/// purchase of the first pass; later passes redeem nothing. The request's wire form is checked to fit a 64 KiB frame.
struct MaximaWorkload: Workload {
    var name: String { "maxima (500 lines × 1,000,000 units, total 10^12, 5 members, 20 payments, 20 redemptions, 20 cards filled)" }
    static let memberCount = 50_000
    static let giftsPerMember = 4
    var loyalty: LoyaltyStore?
    let terminal = TerminalIdentity(branchId: "BENCH", posId: "P1")
    let items: [LineItem] = (0..<500).map { (i: Int) -> LineItem in
        LineItem(lineId: "L" + String(i), code: i < 10 ? "SKU-0001" : "S" + String(i), name: "Item",
                 department: i < 10 ? "coffee" : nil, quantity: Quantity(units: 1_000_000), unitPrice: 2_000)
    }

    mutating func prepare(_ store: Store) throws {
        let loyalty = LoyaltyStore(store: store)
        try loyalty.installDemoCatalogIfEmpty()
        let ids = try loyalty.registerMembers((0..<Self.memberCount).map { NewMember(memberKey: "K\($0)", points: 1_000_000_000) })
        let template = try store.read { try $0.int64("SELECT id FROM gift_templates WHERE code = 'FREE_ESPRESSO'")! }
        try giveGifts(store, members: ids, template: template, perMember: Self.giftsPerMember)
        self.loyalty = loyalty
        let size = ClientCodec().encodeRequest(RequestEnvelope(id: .int(1), request: .purchase(purchase(0)))).count
        print("request frame: \(size) bytes")
        do { _ = try loyalty.quote(purchase(0), terminal: terminal) } catch { fatalError("the maxima purchase is refused: \(error)") }
        precondition(size <= 65_536, "the maxima request must fit a 64 KiB frame")
    }

    func purchase(_ n: Int) -> PurchaseRequest {
        let firstPass = n < Self.memberCount / 5
        let members = (0..<5).map { (5 * n + $0) % Self.memberCount }
        let redemptions = firstPass ? members.flatMap { m in (0..<Self.giftsPerMember).map { "g-\(m)-\($0)" } } : []
        // Subtotal 10^12; each free espresso takes one unit (2,000) off.
        let total = ValueLimits.maxMoney - 2_000 * Int64(redemptions.count)
        let points: MinorUnits = 1_000_000  // the demo budget's maximum
        let card = (total - points) / 19
        var payments = [Payment(means: .points, amount: points)]
        payments += (0..<19).map { Payment(means: .card, amount: $0 == 0 ? total - points - 18 * card : card) }
        return PurchaseRequest(
            transactionId: "T\(n)", openedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_000_000),
            members: members.map { MemberIdentifier(kind: .memberKey, value: "K\($0)") }, items: items, payments: payments,
            redemptions: redemptions, currency: "EUR")
    }

    func request(_ n: Int) -> PostPurchase {
        var fingerprint = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: UInt64(n).bigEndian) { fingerprint.replaceSubrange(8..<16, with: $0) }
        return loyalty!.purchaseRequest(purchase(n), terminal: terminal, fingerprint: fingerprint)
    }
}
