import Testing
@testable import TillCore

/// docs/rules.md, "Earning" and "Several members".
@Suite struct EarningTests {
    func world() -> World {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA"))
        w.add(MemberAccount(id: 2, memberKey: "BEN"))
        w.add(MemberAccount(id: 3, memberKey: "CLEO"))
        return w
    }
    let items = [
        line("A", "BRD", qty: 1500, price: 199),
        line("B", "BUN", qty: 3000, price: 250, discount: 50, dept: "BAKERY"),
        line("C", "GIFTCARD", qty: 333, price: 1000),
    ]

    /// Example 2: 2 + 12 + 0 points, floored per line.
    @Test func perLineMultipliersAndExclusions() throws {
        var w = world()
        let e = try w.purchase(request("T1", items: items, members: ["ANNA"], orderDiscount: 100))
        #expect(points(e, "ANNA")?.pointsEarned == 14)
        #expect(points(e, "ANNA")?.balance == WalletBalance(points: 14, pendingPoints: 0, credit: 0))
        #expect(e.record.earned.map(\.points) == [2, 12])
    }

    /// Example 2b: three members: line A's 2 points go to the first, line B's 12 split 4/4/4.
    @Test func splitLineByLineRemainderToFirst() throws {
        var w = world()
        let e = try w.purchase(request("T1", items: items, members: ["ANNA", "BEN", "CLEO"], orderDiscount: 100))
        #expect(e.receipt.members.map(\.pointsEarned) == [6, 4, 4])
        #expect(w.account(1, now: t0).points == 6)
    }

    /// Example 2c: excluded department earns nothing; no members, nothing earned.
    @Test func excludedDepartmentAndAnonymousPurchase() throws {
        var w = world()
        let e = try w.purchase(request("T1", items: [line("A", "CIG", qty: 1000, price: 800, dept: "TOBACCO")], members: ["ANNA"]))
        #expect(points(e, "ANNA")?.pointsEarned == 0)
        let anon = try w.purchase(request("T2", items: items))
        #expect(anon.receipt.members.isEmpty && anon.changes.ledger.isEmpty)
    }

    /// Example 7: a 14-day pending period.
    @Test func pendingPoints() throws {
        var settings = shopSettings
        settings.pendingDays = 14
        var w = world()
        let r = request("T1", items: [line("A", "BRD", qty: 1000, price: 1700)], members: ["ANNA"])
        let e = try LoyaltyRules.purchase(r, terminal: till, matches: w.matches(r, now: t0), catalog: shopCatalog, settings: settings, now: t0)
        w.apply(e.changes)
        #expect(points(e, "ANNA")?.pointsPending == 17)
        #expect(points(e, "ANNA")?.balance == WalletBalance(points: 0, pendingPoints: 17, credit: 0))
        #expect(e.changes.ledger == [LedgerEntry(memberId: 1, wallet: .points, delta: 17, kind: .earn, availableAt: at(days: 14))])
        #expect(w.account(1, now: at(days: 13)).balance == WalletBalance(points: 0, pendingPoints: 17, credit: 0))
        #expect(w.account(1, now: at(days: 14)).balance == WalletBalance(points: 17, pendingPoints: 0, credit: 0))
    }
}
