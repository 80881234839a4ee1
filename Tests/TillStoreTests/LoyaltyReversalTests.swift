import Foundation
import Testing
import TillCore
@testable import TillStore

@Suite struct LoyaltyReversalTests {
    /// Everything a terminal can see of a member: balances and usable benefits with their punches.
    func state(_ f: LoyaltyFixture) throws -> [IdentifiedMember] {
        try f.loyalty.identify([MemberIdentifier(kind: .memberKey, value: "M00000001"), MemberIdentifier(kind: .memberKey, value: "M00000002")])
    }

    @Test func voidRestoresTheMembersCompletely() throws {
        let f = try LoyaltyFixture()
        _ = try f.purchase(basket("T0", coffees: 3)).get()  // enrols Anna on the coffee card (3 punches)
        let before = try state(f)
        var request = basket("T1", coffees: 7, redemptions: ["demo-M00000001-WELCOME_5"], payments: [Payment(means: .points, amount: 300), Payment(means: .cash, amount: 1_400)])
        request.members.append(MemberIdentifier(kind: .memberKey, value: "M00000002"))
        let receipt = try f.purchase(request).get()
        #expect(receipt.members[0].punches.contains { $0.completed })  // 3 + 7 fills the 8-punch card
        #expect(try state(f) != before)

        let void = try f.void(VoidRequest(voidId: "V1", transactionId: "T1")).get()
        #expect(!void.replay)
        #expect(try state(f) == before)
        #expect(try f.loyalty.status(transactionId: "T1", terminal: f.pos).state == .voided)

        let again = try f.void(VoidRequest(voidId: "V1", transactionId: "T1")).get()
        #expect(again.replay)
        var plain = again
        plain.replay = false
        #expect(plain == void)
        #expect(throws: TillError.transactionVoided(transactionId: "T1")) { try f.void(VoidRequest(voidId: "V2", transactionId: "T1")).get() }
        #expect(throws: TillError.transactionVoided(transactionId: "T1")) {
            try f.returnItems(ReturnRequest(returnId: "R1", transactionId: "T1", lines: [ReturnLine(lineId: "2", quantity: .one)])).get()
        }
        #expect(throws: TillError.transactionNotFound(transactionId: "T404")) { try f.void(VoidRequest(voidId: "V3", transactionId: "T404")).get() }
        #expect(throws: TillError.transactionConflict(field: .voidId, id: "V1")) { try f.void(VoidRequest(voidId: "V1", transactionId: "T0")).get() }
        #expect(try f.store.verify().problems == [])
    }

    /// Voids and returns share one id space per terminal; a conflict names the field whose id was reused.
    @Test func voidsAndReturnsShareOneIdSpace() throws {
        let f = try LoyaltyFixture()
        _ = try f.purchase(basket("T1", coffees: 3)).get()
        _ = try f.purchase(basket("T2", coffees: 3)).get()
        _ = try f.returnItems(ReturnRequest(returnId: "X1", transactionId: "T1", lines: [ReturnLine(lineId: "1", quantity: .one)])).get()
        #expect(throws: TillError.transactionConflict(field: .voidId, id: "X1")) { try f.void(VoidRequest(voidId: "X1", transactionId: "T2")).get() }
        _ = try f.void(VoidRequest(voidId: "X2", transactionId: "T2")).get()
        #expect(throws: TillError.transactionConflict(field: .returnId, id: "X2")) {
            try f.returnItems(ReturnRequest(returnId: "X2", transactionId: "T1", lines: [ReturnLine(lineId: "1", quantity: .one)])).get()
        }
        // A purchase's id space is its own: a purchase may carry a reversal's id.
        #expect(try f.purchase(basket("X1", coffees: 1)).get().replay == false)
    }

    @Test func partialReturnsAccumulateUntilTheyExceed() throws {
        let f = try LoyaltyFixture()
        _ = try f.purchase(basket("T1", coffees: 3)).get()
        let r1 = try f.returnItems(ReturnRequest(returnId: "R1", transactionId: "T1", lines: [ReturnLine(lineId: "1", quantity: .one)])).get()
        #expect(r1.amount == 250)
        #expect(try f.loyalty.status(transactionId: "T1", terminal: f.pos).state == .partiallyReturned)
        _ = try f.returnItems(ReturnRequest(returnId: "R2", transactionId: "T1", lines: [ReturnLine(lineId: "1", quantity: .one)])).get()
        #expect(throws: TillError.returnExceedsPurchase(field: "lines[0].quantity", lineId: "1", remaining: .one)) {
            try f.returnItems(ReturnRequest(returnId: "R3", transactionId: "T1", lines: [ReturnLine(lineId: "1", quantity: Quantity(units: 2))])).get()
        }
        #expect(try f.returnItems(ReturnRequest(returnId: "R1", transactionId: "T1", lines: [ReturnLine(lineId: "1", quantity: .one)])).get().replay)
        _ = try f.returnItems(ReturnRequest(returnId: "R4", transactionId: "T1", lines: [ReturnLine(lineId: "1", quantity: .one), ReturnLine(lineId: "2", quantity: .one)])).get()
        let status = try f.loyalty.status(transactionId: "T1", terminal: f.pos)
        #expect(status.state == .returned)
        #expect(status.reversals.map(\.reversalId) == ["R1", "R2", "R4"])
        #expect(status.reversals.allSatisfy { $0.replay })
        #expect(try f.store.verify().problems == [])
    }

    @Test func statusCoversEveryState() throws {
        let f = try LoyaltyFixture()
        #expect(try f.loyalty.status(transactionId: "nope", terminal: f.pos) == TransactionStatus(transactionId: "nope", state: .unknown, receipt: nil, reversals: []))
        _ = try f.purchase(basket("A")).get()
        _ = try f.purchase(basket("B")).get()
        _ = try f.void(VoidRequest(voidId: "VB", transactionId: "B")).get()
        _ = try f.purchase(basket("C")).get()
        _ = try f.returnItems(ReturnRequest(returnId: "RC", transactionId: "C", lines: [ReturnLine(lineId: "2", quantity: .one)])).get()
        #expect(try f.loyalty.status(transactionId: "A", terminal: f.pos).state == .final)
        #expect(try f.loyalty.status(transactionId: "B", terminal: f.pos).state == .voided)
        #expect(try f.loyalty.status(transactionId: "C", terminal: f.pos).state == .partiallyReturned)
        // Another POS does not see them.
        #expect(try f.loyalty.status(transactionId: "A", terminal: TerminalIdentity(branchId: "B1", posId: "P9")).state == .unknown)
    }
}
