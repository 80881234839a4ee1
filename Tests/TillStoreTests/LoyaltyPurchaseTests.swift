import Foundation
import Testing
import TillCore
@testable import TillStore

@Suite struct LoyaltyPurchaseTests {
    @Test func purchaseStoresTheReceiptAndRetriesReplayIt() throws {
        let f = try LoyaltyFixture()
        let before = try f.anna()
        let receipt = try f.purchase(basket("T1")).get()
        #expect(!receipt.replay)
        #expect(receipt.total == 950)
        // 2 × 250 coffee at 200 % = 10, cake 4 → 14 points.
        #expect(receipt.members.first?.pointsEarned == 14)
        let after = try f.anna()
        #expect(after.balance.points == before.balance.points + 14)

        let retry = try f.purchase(basket("T1")).get()
        #expect(retry.replay)
        var plain = retry
        plain.replay = false
        #expect(plain == receipt)
        #expect(try f.anna().balance == after.balance)
        #expect(try f.count("purchases") == 1)

        let status = try f.loyalty.status(transactionId: "T1", terminal: f.pos)
        #expect(status.state == .final)
        #expect(status.receipt == retry)
        #expect(try f.store.verify().problems == [])
    }

    @Test func sameIdDifferentBodyIsAConflict() throws {
        let f = try LoyaltyFixture()
        _ = try f.purchase(basket("T1")).get()
        let ledger = try f.count("ledger")
        #expect(throws: TillError.transactionConflict(field: .transactionId, id: "T1")) { try f.purchase(basket("T1", coffees: 3)).get() }
        #expect(try f.count("ledger") == ledger)
        // The same id on another POS is another transaction.
        #expect(try f.purchase(basket("T1"), terminal: TerminalIdentity(branchId: "B1", posId: "P2")).get().replay == false)
    }

    /// A new purchase claims its id by inserting its row: the id is looked up only when the request fails before
    /// that (a resend, a conflict), and the stored id then answers whatever else the request would fail for.
    @Test func theIdIsLookedUpOnlyWhenThePurchaseFailsBeforeItsRow() throws {
        let f = try LoyaltyFixture()
        let lookup = "SELECT id, fingerprint, receipt FROM purchases WHERE branch_id = ? AND pos_id = ? AND transaction_id = ?"
        func lookups() throws -> Int { try f.store.writeAndWait(ClosureWrite { c in try c.statement(lookup).executions }).get() }
        let before = try lookups()
        let gift = "demo-M00000001-TEN_PERCENT"
        let receipt = try f.purchase(basket("T1", redemptions: [gift])).get()
        _ = try f.purchase(basket("T2")).get()
        #expect(try lookups() == before)  // new purchases: no lookup

        // Resent after its gift was used (by itself) and its member blocked: the rules would refuse it now.
        _ = try f.store.writeAndWait(ClosureWrite { c in
            try c.execute("UPDATE members SET status = 'blocked' WHERE member_key = 'M00000001'")
        }).get()
        var resent = try f.purchase(basket("T1", redemptions: [gift])).get()
        #expect(resent.replay)
        resent.replay = false
        #expect(resent == receipt)
        // Another body under a used id is a conflict, even when it is invalid itself.
        var invalid = basket("T2", coffees: 3)
        invalid.currency = "USD"
        #expect(throws: TillError.transactionConflict(field: .transactionId, id: "T2")) { try f.purchase(invalid).get() }
        // A new id that fails is refused for what it is.
        #expect(throws: TillError.memberBlocked(field: "members[0]", memberKey: "M00000001")) { try f.purchase(basket("T3")).get() }
        #expect(try f.count("purchases") == 2)
        #expect(try lookups() == before + 3)
        #expect(try f.store.verify().problems == [])
    }

    @Test func quoteWritesNothingAndMatchesThePurchase() throws {
        let f = try LoyaltyFixture()
        let request = basket("T9", redemptions: ["demo-M00000001-TEN_PERCENT"], payments: [Payment(means: .points, amount: 200), Payment(means: .cash, amount: 655)])
        let tables = ["purchases", "ledger", "member_benefits", "activity_log"]
        let counts = try tables.map(f.count)
        let quote = try f.loyalty.quote(request, terminal: f.pos)
        #expect(try tables.map(f.count) == counts)
        #expect(try f.loyalty.status(transactionId: "T9", terminal: f.pos).state == .unknown)
        let receipt = try f.purchase(request).get()
        #expect(quote.receipt == receipt)
        #expect(receipt.benefitDiscounts == 95)
        #expect(quote.budget.contains { $0.wallet == .points })
    }

    @Test func anonymousPurchaseIsStoredWithoutMembers() throws {
        let f = try LoyaltyFixture()
        let receipt = try f.purchase(basket("A1", member: nil)).get()
        #expect(receipt.members.isEmpty && receipt.total == 950)
        #expect(try f.purchase(basket("A1", member: nil)).get().replay)
        _ = try f.returnItems(ReturnRequest(returnId: "AR1", transactionId: "A1", lines: [ReturnLine(lineId: "2", quantity: .one)])).get()
        #expect(try f.loyalty.status(transactionId: "A1", terminal: f.pos).state == .partiallyReturned)
        #expect(try f.store.verify().problems == [])
    }

    @Test func blockedMemberIsRefusedAndNothingIsWritten() throws {
        let f = try LoyaltyFixture()
        try f.loyalty.registerMembers([NewMember(memberKey: "BLOCKED1", points: 50, status: .blocked)])
        let counts = try ["purchases", "ledger", "member_benefits", "activity_log"].map(f.count)
        #expect(throws: TillError.memberBlocked(field: "members[0]", memberKey: "BLOCKED1")) {
            try f.purchase(basket("T1", member: "BLOCKED1")).get()
        }
        #expect(try ["purchases", "ledger", "member_benefits", "activity_log"].map(f.count) == counts)
        #expect(try f.loyalty.status(transactionId: "T1", terminal: f.pos).state == .unknown)
    }

    @Test func appCodeIsSingleUse() throws {
        let f = try LoyaltyFixture()
        let issued = f.clock.now.millisecondsSinceEpoch
        _ = try f.store.writeAndWait(ClosureWrite { c in
            try c.execute("INSERT INTO app_codes (code, member_id, issued_at, expires_at) VALUES ('APP123', (SELECT id FROM members WHERE member_key = 'M00000001'), ?, ?)",
                          [.integer(issued), .integer(issued + 300_000)])
        }).get()
        var first = basket("T1", member: nil)
        first.members = [MemberIdentifier(kind: .appCode, value: "APP123")]
        #expect(try f.purchase(first).get().members.first?.memberKey == "M00000001")
        var second = first
        second.transactionId = "T2"
        #expect(throws: TillError.memberNotFound(field: "members[0]")) { try f.purchase(second).get() }
    }

    @Test func identifyNormalisesPhonesAndEmails() throws {
        let f = try LoyaltyFixture()
        let found = try f.loyalty.identify([MemberIdentifier(kind: .phone, value: "0151 12345678"),
                                            MemberIdentifier(kind: .email, value: " Ben@Example.com ")])
        #expect(found.map(\.memberKey) == ["M00000001", "M00000002"])
        #expect(found[0].benefits.count == 3)
        #expect(found[0].balance.points == 1_250 && found[0].balance.credit == 1_000)
        #expect(throws: TillError.memberNotFound(field: "identifiers[0]")) {
            try f.loyalty.identify([MemberIdentifier(kind: .card, value: "nope")])
        }
    }

    @Test func authenticationFindsTerminalsAndOperators() throws {
        let f = try LoyaltyFixture()
        try f.loyalty.provisionTerminal(branchId: "B1", posId: "P1", keyDigest: [1, 2, 3])
        let op = try f.loyalty.provisionOperator(name: "alice", keyDigest: [4, 5, 6])
        #expect(try f.loyalty.authenticate(keyDigest: [1, 2, 3]) == .terminal(f.pos))
        #expect(try f.loyalty.authenticate(keyDigest: [4, 5, 6]) == .operator(id: op, name: "alice"))
        #expect(try f.loyalty.authenticate(keyDigest: [9]) == nil)
        #expect(try f.loyalty.installDemoCatalogIfEmpty() == false)
    }

    @Test func pendingPointsMatureWithTime() throws {
        let f = try LoyaltyFixture()
        var settings = DemoProgram.settings
        settings.pendingDays = 14
        try f.loyalty.configure(catalog: DemoProgram.catalog, settings: settings)
        let before = try f.anna().balance
        let receipt = try f.purchase(basket("T1")).get()
        #expect(receipt.members[0].pointsPending == 14)
        #expect(try f.anna().balance.points == before.points)
        #expect(try f.anna().balance.pendingPoints == 14)
        f.clock.advance(days: 14)
        #expect(try f.anna().balance.points == before.points + 14)
        #expect(try f.anna().balance.pendingPoints == 0)
        // A later write brings the wallet columns up to date; the invariant holds throughout.
        _ = try f.purchase(basket("T2", coffees: 1)).get()
        #expect(try f.store.verify().problems == [])
        let pending = try f.store.read { try $0.int64("SELECT pending FROM wallets w JOIN members m ON m.id = w.member_id WHERE m.member_key = 'M00000001' AND w.kind = 'points'") }
        #expect(pending == 9)  // T2: 1 coffee at 200 % (5) + cake (4), still pending
    }
}
