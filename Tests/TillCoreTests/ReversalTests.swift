import Testing
@testable import TillCore

/// docs/rules.md, "Void" and "Return" (Examples 6 and 7).
@Suite struct ReversalTests {
    func give(_ w: inout World, _ e: PurchaseEvaluation, _ lines: [ReturnLine], before: [ReturnLine] = [], now: Timestamp = t0) throws -> ReversalEvaluation {
        let r = try LoyaltyRules.returnItems(ReturnRequest(returnId: "R", transactionId: e.record.transactionId, lines: lines),
                                             record: e.record, previouslyReturned: before, members: w.accounts(e.record, now: now),
                                             catalog: shopCatalog, now: now)
        w.apply(r.changes)
        return r
    }

    /// Example 6: 10 points on 3 units come back 3, 3, 4.
    @Test func earnedPointsComeBackInProportion() throws {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA"))
        let e = try w.purchase(request("T1", items: [line("L", "BRD", qty: 3000, price: 334)], members: ["ANNA"]))
        #expect(points(e, "ANNA")?.pointsEarned == 10)
        var done: [ReturnLine] = []
        var taken: [Points] = []
        var amounts: [MinorUnits] = []
        for _ in 0..<3 {
            let r = try give(&w, e, [ReturnLine(lineId: "L", quantity: .one)], before: done)
            done += r.returnedLines
            taken.append(r.receipt.members[0].pointsTakenBack)
            amounts.append(r.receipt.amount)
        }
        #expect(taken == [3, 3, 4])
        #expect(amounts == [334, 334, 334])
        #expect(w.account(1, now: t0).points == 0)
        #expect(throws: TillError.returnExceedsPurchase(field: "lines[0].quantity", lineId: "L", remaining: .zero)) {
            try give(&w, e, [ReturnLine(lineId: "L", quantity: .one)], before: done)
        }
    }

    @Test func pointsPaymentIsRefundedInProportion() throws {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA", points: 1000))
        let e = try w.purchase(request("T1", items: [line("L", "BRD", qty: 2000, price: 1000)], members: ["ANNA"],
                                       payments: [Payment(means: .points, amount: 300), Payment(means: .card, amount: 1700)]))
        let r = try give(&w, e, [ReturnLine(lineId: "L", quantity: .one)])
        #expect(r.receipt.members[0].pointsRefunded == 300 && r.receipt.members[0].pointsTakenBack == 8)
        #expect(w.account(1, now: t0).points == 709)
    }

    @Test func returnValidation() throws {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA"))
        let e = try w.purchase(request("T1", items: [line("L", "BRD", qty: 2000, price: 100)], members: ["ANNA"]))
        #expect(throws: TillError.invalidRequest(field: "lines[0].lineId", reason: "no such line on the purchase")) {
            try give(&w, e, [ReturnLine(lineId: "nope", quantity: .one)])
        }
        #expect(throws: TillError.returnExceedsPurchase(field: "lines[0].quantity", lineId: "L", remaining: Quantity(units: 2))) {
            try give(&w, e, [ReturnLine(lineId: "L", quantity: Quantity(units: 3))])
        }
        #expect(throws: TillError.invalidRequest(field: "lines[1].lineId", reason: "line listed twice")) {
            try give(&w, e, [ReturnLine(lineId: "L", quantity: .one), ReturnLine(lineId: "L", quantity: .one)])
        }
    }

    /// Example 7: pending points are taken back from their own pending group; spent points are forgiven.
    @Test func pendingFirstThenSpendableThenForgiven() throws {
        var settings = shopSettings
        settings.pendingDays = 14
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA", points: 5))
        let r = request("T1", items: [line("L", "BRD", qty: 1000, price: 1700)], members: ["ANNA"])
        let e = try LoyaltyRules.purchase(r, terminal: till, matches: w.matches(r, now: t0), catalog: shopCatalog, settings: settings, now: t0)
        w.apply(e.changes)
        let v = try LoyaltyRules.void(VoidRequest(voidId: "V", transactionId: "T1"), record: e.record, previouslyReturned: [],
                                      members: w.accounts(e.record, now: at(days: 3)), catalog: shopCatalog, now: at(days: 3))
        #expect(v.changes.ledger == [LedgerEntry(memberId: 1, wallet: .points, delta: -17, kind: .clawback, availableAt: at(days: 14))])
        w.apply(v.changes)
        #expect(w.account(1, now: at(days: 3)).balance == WalletBalance(points: 5, pendingPoints: 0, credit: 0))

        // Matured and partly spent: 17 + 5 = 22, an operator takes 15, the void finds 7 and forgives 10.
        var w2 = World()
        w2.add(MemberAccount(id: 1, memberKey: "ANNA", points: 5))
        w2.apply(e.changes)
        w2.ledger.append(LedgerEntry(memberId: 1, wallet: .points, delta: -15, kind: .adjust))
        let late = at(days: 20)
        let v2 = try LoyaltyRules.void(VoidRequest(voidId: "V", transactionId: "T1"), record: e.record, previouslyReturned: [],
                                       members: w2.accounts(e.record, now: late), catalog: shopCatalog, now: late)
        #expect(v2.receipt.members[0].pointsTakenBack == 7 && v2.pointsForgiven == 10)
        #expect(v2.receipt.members[0].pointsForgiven == 10)  // on the receipt too (PROTOCOL.md §6, void)
        w2.apply(v2.changes)
        #expect(w2.account(1, now: late).points == 0)
    }

    @Test func voidRestoresGiftsAndCredit() throws {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA", credit: 500, benefits: [
            HeldBenefit(id: "g1", templateId: "FIVE", kind: .gift, validUntil: at(days: 5))
        ]))
        let before = w.account(1, now: t0)
        let e = try w.purchase(request("T1", items: [line("L", "MUG", qty: 1000, price: 2000)], members: ["ANNA"],
                                       payments: [Payment(means: .credit, amount: 500), Payment(means: .card, amount: 1000)],
                                       redemptions: ["g1"]))
        var later = w
        let v = try LoyaltyRules.void(VoidRequest(voidId: "V", transactionId: "T1"), record: e.record, previouslyReturned: [],
                                      members: w.accounts(e.record, now: t0), catalog: shopCatalog, now: t0)
        w.apply(v.changes)
        #expect(v.receipt.amount == 1500)
        #expect(v.receipt.members[0].benefitsRestored == ["g1"] && v.receipt.members[0].creditRefunded == 500)
        #expect(w.account(1, now: t0) == before)
        let v2 = try LoyaltyRules.void(VoidRequest(voidId: "V", transactionId: "T1"), record: e.record, previouslyReturned: [],
                                       members: later.accounts(e.record, now: at(days: 6)), catalog: shopCatalog, now: at(days: 6))
        later.apply(v2.changes)
        #expect(later.profiles[1]!.benefits[0].status == .expired && v2.receipt.members[0].benefitsRestored == [])
    }
}
