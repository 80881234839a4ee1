import Foundation
import TillCore
import TillStore

/// The realistic purchase: 10 lines (2 of department coffee, so the coffee card punches), one member out of
/// 100,000 identified by member key, earning on the demo program, and a 10 % gift redeemed in 3 purchases of 10.
struct PurchaseWorkload: Workload {
    var name: String { "purchase (10 lines, 1 of 100,000 members, earn, 30 % redeem a gift)" }
    static let memberCount = Int(ProcessInfo.processInfo.environment["BENCH_MEMBERS"] ?? "") ?? 100_000
    static let giftsPerMember = 3
    /// `BENCH_CARDS=1`: every member already holds a coffee card with one punch, so a purchase punches it (an
    /// established shop) instead of enrolling the member (a new one, the default).
    static let membersHoldCards = ProcessInfo.processInfo.environment["BENCH_CARDS"] == "1"
    var loyalty: LoyaltyStore?
    let terminal = TerminalIdentity(branchId: "BENCH", posId: "P1")
    let items: [LineItem] = (0..<10).map { (i: Int) -> LineItem in
        let department: String = i < 2 ? "coffee" : "grocery"
        let units = Int64(i % 3 + 1)
        let price = Int64(120 + 37 * i)
        return LineItem(lineId: String(i + 1), code: "SKU-" + String(1000 + i), name: "Item " + String(i),
                        department: department, quantity: Quantity(units: units), unitPrice: price)
    }

    mutating func prepare(_ store: Store) throws {
        let loyalty = LoyaltyStore(store: store)
        try loyalty.installDemoCatalogIfEmpty()
        let members = (0..<Self.memberCount).map { NewMember(memberKey: "K\($0)", card: "C\($0)", points: Int64($0 % 500)) }
        let ids = try loyalty.registerMembers(members)
        // Gifts: member m holds g-m-0 … g-m-2 (TEN_PERCENT).
        let template = try store.read { try $0.int64("SELECT id FROM gift_templates WHERE code = 'TEN_PERCENT'")! }
        try giveGifts(store, members: ids, template: template, perMember: Self.giftsPerMember)
        if Self.membersHoldCards {
            let card = try store.read { try $0.int64("SELECT id FROM punch_card_templates WHERE code = 'COFFEE_CARD'")! }
            try giveCards(store, members: ids, template: card)
        }
        self.loyalty = loyalty
    }

    func request(_ n: Int) -> PostPurchase {
        let member: Int
        var redemptions: [String] = []
        if n % 10 < 3 {
            let j = (n / 10) * 3 + n % 10
            member = j % Self.memberCount
            redemptions = ["g-\(member)-\((j / Self.memberCount) % Self.giftsPerMember)"]
        } else {
            member = (n &* 7_919) % Self.memberCount
        }
        let request = PurchaseRequest(
            transactionId: "T\(n)", openedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_000_000),
            members: [MemberIdentifier(kind: .memberKey, value: "K\(member)")], items: items, redemptions: redemptions,
            currency: "EUR")
        var fingerprint = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: UInt64(n).bigEndian) { fingerprint.replaceSubrange(8..<16, with: $0) }
        return loyalty!.purchaseRequest(request, terminal: terminal, fingerprint: fingerprint)
    }
}

/// Gives member `ids[k]` the active gifts `g-k-0` … `g-k-(perMember-1)` of gift template row `template`.
func giveGifts(_ store: Store, members ids: [Int64], template: Int64, perMember: Int) throws {
    try forEachMember(store, ids) { context, k, id in
        for g in 0..<perMember {
            try context.execute("""
                INSERT INTO member_benefits (public_id, member_id, kind, gift_template_id, status, assigned_at, punches)
                VALUES (?, ?, 'gift', ?, 'active', 1, 0)
                """, [.text("g-\(k)-\(g)"), .integer(id), .integer(template)])
        }
    }
}

/// Gives member `ids[k]` an active card `c-k` of punch-card template row `template` with one punch.
func giveCards(_ store: Store, members ids: [Int64], template: Int64) throws {
    try forEachMember(store, ids) { context, k, id in
        try context.execute("""
            INSERT INTO member_benefits (public_id, member_id, kind, punch_card_template_id, status, assigned_at, punches)
            VALUES (?, ?, 'punchCard', ?, 'active', 1, 1)
            """, [.text("c-\(k)"), .integer(id), .integer(template)])
    }
}

/// Runs `body(context, k, ids[k])` for every member, in writes of 10,000 members.
func forEachMember(_ store: Store, _ ids: [Int64], _ body: @escaping @Sendable (WriteContext, Int, Int64) throws -> Void) throws {
    var start = 0
    while start < ids.count {
        let slice = Array(ids[start..<min(start + 10_000, ids.count)])
        let offset = start
        _ = try store.blockingWrite(ClosureWrite { context in
            for (k, id) in slice.enumerated() { try body(context, offset + k, id) }
        })
        start += slice.count
    }
}
