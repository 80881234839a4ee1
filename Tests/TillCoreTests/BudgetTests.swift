import Testing
@testable import TillCore

/// docs/rules.md, "Paying with points or credit".
@Suite struct BudgetTests {
    func world() -> World {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA", points: 1000, credit: 500))
        return w
    }
    let basket = [line("A", "BRD", qty: 1000, price: 2000)]

    /// Example 3: 300 cents at 100 points per 50 cents cost 600 points; the 1700 paid by card earn 17.
    @Test func payWithPoints() throws {
        var w = world()
        let e = try w.purchase(request("T1", items: basket, members: ["ANNA"],
                                       payments: [Payment(means: .points, amount: 300), Payment(means: .card, amount: 1700)]))
        let anna = try #require(points(e, "ANNA"))
        #expect(anna.pointsSpent == 600 && anna.pointsEarned == 17)
        #expect(anna.balance == WalletBalance(points: 417, pendingPoints: 0, credit: 500))
        #expect(e.receipt.payments[0] == ReceiptPayment(means: .points, amount: 300, points: 600, memberKey: "ANNA"))
        #expect(w.account(1, now: t0).points == 417)
    }

    @Test func pointsRoundUp() {
        #expect(BudgetRule(ratioPoints: 3, ratioMoney: 2).pointsFor(amount: 301) == 452)
        #expect(BudgetRule(ratioPoints: 100, ratioMoney: 50).pointsFor(amount: 300) == 600)
    }

    @Test func payWithCredit() throws {
        var w = world()
        let e = try w.purchase(request("T1", items: basket, members: ["ANNA"],
                                       payments: [Payment(means: .credit, amount: 500), Payment(means: .cash, amount: 1500)]))
        #expect(points(e, "ANNA")?.creditSpent == 500)
        #expect(points(e, "ANNA")?.balance == WalletBalance(points: 1015, pendingPoints: 0, credit: 0))
    }

    @Test func limitsAndBalance() {
        var w = world()
        #expect(throws: TillError.paymentOutOfRange(field: "payments[0].amount", minimum: 100, maximum: 2000)) {
            try w.purchase(request("T1", items: basket, members: ["ANNA"],
                                   payments: [Payment(means: .points, amount: 50), Payment(means: .card, amount: 1950)]))
        }
        #expect(throws: TillError.insufficientBalance(field: "payments[0].amount", wallet: .points, requested: 1200, available: 1000)) {
            try w.purchase(request("T1", items: basket, members: ["ANNA"],
                                   payments: [Payment(means: .points, amount: 600), Payment(means: .card, amount: 1400)]))
        }
        #expect(throws: TillError.insufficientBalance(field: "payments[0].amount", wallet: .credit, requested: 600, available: 500)) {
            try w.purchase(request("T1", items: basket, members: ["ANNA"],
                                   payments: [Payment(means: .credit, amount: 600), Payment(means: .card, amount: 1400)]))
        }
        #expect(throws: TillError.invalidRequest(field: "payments[1]", reason: "one payment from points or credit per purchase")) {
            try w.purchase(request("T1", items: basket, members: ["ANNA"],
                                   payments: [Payment(means: .points, amount: 200), Payment(means: .credit, amount: 200),
                                              Payment(means: .card, amount: 1600)]))
        }
        #expect(throws: TillError.invalidRequest(field: "payments[0].memberKey", reason: "no member identified on this purchase")) {
            try w.purchase(request("T1", items: basket, payments: [Payment(means: .points, amount: 2000)]))
        }
        #expect(w.account(1, now: t0).balance == WalletBalance(points: 1000, pendingPoints: 0, credit: 500))
    }

    @Test func quoteListsLimits() throws {
        let w = world()
        let r = request("Q", items: basket, members: ["ANNA"])
        let q = try LoyaltyRules.quote(r, terminal: till, matches: w.matches(r, now: t0), catalog: shopCatalog, settings: shopSettings, now: t0)
        #expect(q.budget == [
            BudgetLimit(memberKey: "ANNA", wallet: .points, minAmount: 100, maxAmount: 500, ratioPoints: 100, ratioMoney: 50),
            BudgetLimit(memberKey: "ANNA", wallet: .credit, minAmount: 100, maxAmount: 500, ratioPoints: nil, ratioMoney: nil),
        ])
    }
}
