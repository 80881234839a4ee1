import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// `activity.list`, `purchase.list`, `purchase.get`.
@Suite struct BackOfficeHistoryTests {
    @Test func activityIsNewestFirstWithCursorGroupAndDate() throws {
        let f = try OfficeFixture()
        for i in 1...5 {
            f.clock.advance(ms: 1_000)
            _ = try f.profile(.memberTag(MemberTag(memberKey: "M00000002", tag: "t\(i)")))
        }
        let cutoff = f.clock.now
        f.clock.advance(ms: 1_000)
        _ = try f.purchase(f.coffee("T1", member: "M00000002")).get()
        let all = try f.activity(ActivityQuery(memberKey: "M00000002", limit: 50))
        #expect(all.entries.first { $0.kind == "purchase" }.map { $0.source == .pos && $0.terminal == f.pos && $0.transactionId == "T1" } == true)
        #expect(all.entries.map(\.at) == all.entries.map(\.at).sorted(by: >))
        let first = try f.activity(ActivityQuery(memberKey: "M00000002", group: .legalMembership, limit: 4))
        #expect(first.entries.map(\.summary) == ["Tagged t5", "Tagged t4", "Tagged t3", "Tagged t2"])
        let second = try f.activity(ActivityQuery(memberKey: "M00000002", group: .legalMembership, cursor: first.nextCursor, limit: 4))
        #expect(second.entries.map(\.summary) == ["Tagged t1"])
        #expect(second.nextCursor == nil)
        let upTo = try f.activity(ActivityQuery(memberKey: "M00000002", before: cutoff))
        #expect(upTo.entries.first?.summary == "Tagged t5")  // on or before: the entry at the cutoff is shown
        #expect(try f.activity(ActivityQuery(memberKey: "M00000002", group: .purchase)).entries.count == 1)
        #expect(f.error(.activityList(ActivityQuery(memberKey: "M00000002", cursor: "nonsense")))?.field == "cursor")
    }

    @Test func purchasesWithStateFilterSortAndTicket() throws {
        let f = try OfficeFixture()
        for (i, cups) in [1, 3, 2].enumerated() {
            f.clock.advance(ms: 60_000)
            _ = try f.purchase(f.coffee("T\(i + 1)", member: "M00000001", cups: Int64(cups))).get()
        }
        guard case .purchases(let page) = try f.run(.purchaseList(PurchaseQuery(memberKey: "M00000001", limit: 2))).get() else { throw Unexpected.response }
        #expect(page.purchases.map(\.transactionId) == ["T3", "T2"])
        #expect(page.lifetimeSpend == 1_500)
        #expect(page.purchases[0].currency == "EUR" && page.purchases[0].memberKeys == ["M00000001"])
        guard case .purchases(let rest) = try f.run(.purchaseList(PurchaseQuery(memberKey: "M00000001", cursor: page.nextCursor, limit: 2))).get()
        else { throw Unexpected.response }
        #expect(rest.purchases.map(\.transactionId) == ["T1"] && rest.nextCursor == nil)
        guard case .purchases(let byTotal) = try f.run(.purchaseList(PurchaseQuery(memberKey: "M00000001", sort: .totalDescending))).get()
        else { throw Unexpected.response }
        #expect(byTotal.purchases.map(\.total) == [750, 500, 250])
        guard case .purchases(let voided) = try f.run(.purchaseList(PurchaseQuery(memberKey: "M00000001", state: .voided))).get()
        else { throw Unexpected.response }
        #expect(voided.purchases.isEmpty)
        guard case .ticket(let t) = try f.run(.purchaseGet(TicketRef(terminal: f.pos, transactionId: "T2"))).get() else { throw Unexpected.response }
        #expect(t.lines.count == 1 && t.lines[0].code == "SKU-0001" && t.lines[0].quantity == Quantity(units: 3) && t.lines[0].gross == 750)
        #expect(t.memberKeys == ["M00000001"] && t.state == .final)
        #expect(t.receipt?.total == 750)
        #expect(f.error(.purchaseGet(TicketRef(terminal: f.pos, transactionId: "T9")))?.code == "not_found")
    }

    @Test func giftUsedAtThePOSShowsWhenAndWhere() throws {
        let f = try OfficeFixture()
        f.clock.advance(ms: 60_000)
        var request = f.coffee("T1", member: "M00000001", cups: 2)
        request.redemptions = ["demo-M00000001-TEN_PERCENT"]
        request.payments = [Payment(means: .cash, amount: 450)]  // 2 × 2.50 less 10 %
        _ = try f.purchase(request).get()
        let used = try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000001", availability: .used)))
        #expect(used.map(\.benefitId) == ["demo-M00000001-TEN_PERCENT"])
        #expect(used.first?.usedIn == "B1/P1/T1")
        #expect(used.first?.redeemedAt?.millisecondsSinceEpoch == f.clock.now.millisecondsSinceEpoch)
        #expect(used.first?.assignedAt != nil)
    }

    @Test func allPurchasesListInArrivalOrderAndRefuseSortingByTotal() throws {
        let f = try OfficeFixture()
        f.clock.advance(ms: 60_000)
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        // An offline POS posts an older purchase later: across members it is listed when it arrived.
        var late = f.coffee("T0", member: "M00000002")
        late.openedAt = Timestamp(millisecondsSinceEpoch: f.clock.now.millisecondsSinceEpoch - 3_600_000)
        _ = try f.purchase(late).get()
        guard case .purchases(let all) = try f.run(.purchaseList(PurchaseQuery(limit: 1))).get() else { throw Unexpected.response }
        #expect(all.purchases.map(\.transactionId) == ["T0"])
        guard case .purchases(let rest) = try f.run(.purchaseList(PurchaseQuery(cursor: all.nextCursor, limit: 5))).get()
        else { throw Unexpected.response }
        #expect(rest.purchases.map(\.transactionId) == ["T1"] && rest.nextCursor == nil)
        let refused = f.error(.purchaseList(PurchaseQuery(sort: .totalDescending)))
        #expect(refused?.code == "invalid_request" && refused?.field == "sort")
    }
}
