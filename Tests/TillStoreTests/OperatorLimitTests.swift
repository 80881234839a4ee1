import Foundation
import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// Issue 13: the operator ops at the documented maxima and just past them (wallet adjustments, benefit actions,
/// the catalog): typed errors naming the field, nothing written, never a trap.
@Suite struct OperatorLimitTests {
    func balance(_ f: OfficeFixture, _ key: String) throws -> WalletBalance {
        try f.loyalty.identify([MemberIdentifier(kind: .memberKey, value: key)])[0].balance
    }

    @Test func walletAdjustmentsUpToTheBalanceBound() throws {
        let f = try OfficeFixture()
        let start = try balance(f, "M00000001")
        let room = ValueLimits.maxBalance - start.points - start.pendingPoints
        func adjust(_ id: String, _ wallet: WalletKind, _ delta: Int64) -> OperatorRequest {
            .walletAdjust(WalletAdjust(adjustmentId: id, memberKey: "M00000001", wallet: wallet, delta: delta, reason: "limits"))
        }
        #expect(f.error(adjust("A1", .points, room + 1)) == .invalidRequest(field: "delta", reason: "the wallet would hold more than 1000000000000"))
        _ = try f.run(adjust("A2", .points, room)).get()
        #expect(try balance(f, "M00000001").points == ValueLimits.maxBalance)
        #expect(f.error(adjust("A3", .points, 1)) == .invalidRequest(field: "delta", reason: "the wallet would hold more than 1000000000000"))
        // Credit: the same bound; the most a negative delta takes is the balance.
        let credit = try balance(f, "M00000001").credit
        _ = try f.run(adjust("A4", .credit, ValueLimits.maxBalance - credit)).get()
        #expect(f.error(adjust("A5", .credit, -ValueLimits.maxBalance - 1)) != nil)
        _ = try f.run(adjust("A6", .credit, -ValueLimits.maxBalance)).get()
        #expect(try balance(f, "M00000001").credit == 0)
        // A purchase would now earn past the bound: refused, naming the member, nothing written.
        let purchases = try f.sql("SELECT count(*) FROM purchases")
        #expect(throws: TillError.self) { try f.purchase(f.coffee("T1", member: "M00000001")).get() }
        #expect(try f.sql("SELECT count(*) FROM purchases") == purchases)
        #expect(try f.store.verify().problems == [])
    }

    /// `extend` by the most days (3,660) again and again stops before the wire's last instant; `send` and `punch`
    /// at their maximum counts work.
    @Test func benefitActionsAtTheirMaxima() throws {
        let f = try OfficeFixture()
        let sent = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .send, templateId: "FREE_ESPRESSO", count: 100)))
        #expect(sent.count == 100)
        let id = sent[0].benefitId
        // Move its end close to 9999-12-31 (as many extends would), then extend until refused.
        let near = ValueLimits.latestInstantMs - 5_000 * 86_400_000
        _ = try f.store.writeAndWait(ClosureWrite { try $0.execute("UPDATE member_benefits SET valid_until = ? WHERE public_id = ?", [.integer(near), .text(id)]) }).get()
        _ = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .extend, benefitId: id, days: 3_660)))
        #expect(f.error(.benefitAction(BenefitAction(memberKey: "M00000003", action: .extend, benefitId: id, days: 3_660)))
                == .invalidRequest(field: "days", reason: "the benefit would be valid past 9999-12-31"))
        // What was written reads back (the end date is a valid wire timestamp).
        let listed = try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000003")))
        #expect(listed.contains { $0.benefitId == id && $0.validUntil == Timestamp(millisecondsSinceEpoch: near + 3_660 * 86_400_000) })
        let card = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .send, templateId: "COFFEE_CARD", count: 1)))[0]
        _ = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .punch, benefitId: card.benefitId, count: 8)))
        #expect(f.error(.benefitAction(BenefitAction(memberKey: "M00000003", action: .punch, benefitId: card.benefitId, count: 1))) != nil)
    }

    /// The catalog at its maxima (earn 1,000,000 points per minor unit, budget ratio 1,000,000 : 1, pending 365
    /// days): purchases that fit are answered, the ones that would not fit are typed errors; one past a maximum
    /// is refused when decoded.
    @Test func catalogAtItsMaxima() throws {
        let f = try OfficeFixture()
        guard case .catalog(var catalog) = try f.run(.catalogGet).get() else { throw Unexpected.response }
        catalog.earnRules = [EarnRule(ruleId: "base", points: 1_000_000, perAmount: 1)]
        catalog.budget = BudgetSettings(pointsEnabled: true, creditEnabled: true, ratioPoints: 1_000_000, ratioMoney: 1, minAmount: 1,
                                        maxAmount: ValueLimits.maxMoney)
        catalog.pendingDays = 365
        _ = try f.run(.catalogSet(catalog)).get()
        // Ben (300 points) buys a 0.10 EUR mug: 10,000,000 points, pending.
        var mug = f.coffee("T1", member: "M00000002")
        mug.items[0] = LineItem(lineId: "1", code: "MUG", name: "Mug", quantity: .one, unitPrice: 10)
        mug.payments = [Payment(means: .cash, amount: 10)]
        let receipt = try f.purchase(mug).get()
        #expect(receipt.members[0].pointsEarned == 10_000_000 && receipt.members[0].pointsPending == 10_000_000)
        // A points payment of 1 cent costs 1,000,000 points: Ben has 300 spendable.
        var paid = mug
        paid.transactionId = "T2"
        paid.payments = [Payment(means: .points, amount: 1), Payment(means: .cash, amount: 9)]
        #expect(throws: TillError.insufficientBalance(field: "payments[0].amount", wallet: .points, requested: 1_000_000, available: 300)) {
            try f.purchase(paid).get()
        }
        // 10,000 EUR of mugs would earn 10^12 on the line: one more cent and the line is refused.
        var big = mug
        big.transactionId = "T3"
        big.items[0].unitPrice = 1_000_001
        big.payments = [Payment(means: .cash, amount: 1_000_001)]
        #expect(throws: TillError.invalidRequest(field: "items[0]", reason: "earns more than 1000000000000 points")) { try f.purchase(big).get() }
        #expect(try f.loyalty.status(transactionId: "T3", terminal: f.pos).state == .unknown)
        // Past the catalog's maxima: refused when decoded, naming the field.
        let past = #"{"ruleId":"base","points":1000001,"perAmount":1}"#
        #expect(throws: TillError.invalidRequest(field: "points", reason: "must be between 1 and 1000000")) {
            try StoredJSON.decode(EarnRule.self, from: Array(past.utf8))
        }
    }
}
