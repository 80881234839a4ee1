import Testing
import TillCore
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// The posting after a purchase's or reversal's account read takes the wallet and card rows from that read
/// (`AccountRows`) instead of looking them up again, and writes the same rows.
@Suite struct AccountRowsTests {
    static let walletLookup = "SELECT id, pending FROM wallets WHERE member_id = ? AND kind = ?"
    static let cardLookup = "SELECT id FROM member_benefits WHERE public_id = ?"

    /// How many times the writer's connection ran `sql` so far.
    func executions(_ f: OfficeFixture, _ sql: String) throws -> Int {
        try f.store.writeAndWait(ClosureWrite { c in try c.statement(sql).executions }).get()
    }

    @Test func aPurchaseLooksUpNeitherItsWalletNorItsCardAgain() throws {
        let f = try OfficeFixture()
        let member = "M00000001"  // points and credit wallets
        _ = try f.purchase(f.coffee("T1", member: member)).get()  // enrols the coffee card
        let walletLookups = try executions(f, Self.walletLookup), cardLookups = try executions(f, Self.cardLookup)
        let before = try f.profile(.memberGet(MemberRef(memberKey: member))).balance.points
        var earned: Int64 = 0
        for i in 2...5 {
            let receipt = try f.purchase(f.coffee("T\(i)", member: member)).get()
            #expect(receipt.members[0].punches.first?.punchesAfter == Int64(i))
            earned += receipt.members[0].pointsEarned
        }
        #expect(try executions(f, Self.walletLookup) == walletLookups)
        #expect(try executions(f, Self.cardLookup) == cardLookups)
        // The rows written name the member's own wallet and card.
        #expect(try f.profile(.memberGet(MemberRef(memberKey: member))).balance.points == before + earned)
        #expect(try f.sql("""
            SELECT count(*) FROM purchase_members pm JOIN member_benefits b ON b.id = pm.punch_benefit_id
            WHERE b.member_id = pm.member_id AND b.kind = 'punchCard'
            """) == 4)
        #expect(try f.sql("""
            SELECT count(*) FROM ledger l JOIN wallets w ON w.id = l.wallet_id
            WHERE w.member_id = l.member_id AND w.kind = 'points' AND l.purchase_id IS NOT NULL
            """) == 5)
    }

    @Test func aVoidLooksUpNoWalletAgain() throws {
        let f = try OfficeFixture()
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        let walletLookups = try executions(f, Self.walletLookup)
        _ = try f.void(VoidRequest(voidId: "V1", transactionId: "T1")).get()
        #expect(try executions(f, Self.walletLookup) == walletLookups)
        // The clawback went to the wallet the purchase earned into: the purchase's and the void's rows cancel out.
        #expect(try f.sql("""
            SELECT count(DISTINCT wallet_id) * 1000 + coalesce(sum(delta), 0) FROM ledger
            WHERE purchase_id = (SELECT id FROM purchases WHERE transaction_id = 'T1')
               OR reversal_id = (SELECT id FROM reversals WHERE reversal_id = 'V1')
            """) == 1000)
    }
}
