import Testing
import TillCore
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// A wallet's balance (`WalletTotals`): its row is a base folded at every fold point (`FoldPoint`), the rows
/// after it are summed by readers, and a posting that involves pending points writes the row as before.
@Suite struct WalletTotalsTests {
    @Test func aPostingWritesTheWalletRowOnlyWhenItFolds() throws {
        let f = try OfficeFixture()
        let walletUpdates = try f.recordUpdates(of: "wallets", keeping: "counted_through")
        let member = "M00000001"
        let credit = try f.profile(.memberGet(MemberRef(memberKey: member))).balance.credit
        for i in 1...150 {
            _ = try f.purchase(f.coffee("T\(i)", member: member)).get()
            if i % 10 == 0 {  // credit and points moved by the back office between purchases
                _ = try f.run(.walletAdjust(WalletAdjust(adjustmentId: "A\(i)", memberKey: member, wallet: .credit, delta: 100,
                                                         reason: "goodwill"))).get()
                _ = try f.run(.walletAdjust(WalletAdjust(adjustmentId: "P\(i)", memberKey: member, wallet: .points, delta: -1,
                                                         reason: "correction"))).get()
            }
        }
        let folds = try f.sql("SELECT count(*) FROM ledger WHERE id % \(FoldPoint.interval) = 0") ?? -1
        let writes = try walletUpdates()
        #expect(folds >= 2)
        #expect(writes == folds)  // one row write per fold point, none for the other ~180 ledger rows
        #expect(try f.sql("SELECT count(*) FROM wallets_updates WHERE value % \(FoldPoint.interval) <> 0") == 0)

        let sums = try f.store.read { c in
            (try c.int64("""
                SELECT sum(l.delta) FROM ledger l JOIN wallets w ON w.id = l.wallet_id JOIN members m ON m.id = w.member_id
                WHERE m.member_key = ?1 AND w.kind = 'points'
                """, [.text(member)]),
             try c.int64("""
                SELECT sum(l.delta) FROM ledger l JOIN wallets w ON w.id = l.wallet_id JOIN members m ON m.id = w.member_id
                WHERE m.member_key = ?1 AND w.kind = 'credit'
                """, [.text(member)]))
        }
        let balance = try f.profile(.memberGet(MemberRef(memberKey: member))).balance
        #expect(balance.points == sums.0 && balance.credit == sums.1)
        #expect(balance.credit == credit + 1_500)
        #expect(try f.store.verify().problems == [])
        // A spend is checked against the derived balance: all of it can be taken, one more unit cannot.
        #expect(f.error(.walletAdjust(WalletAdjust(adjustmentId: "X", memberKey: member, wallet: .credit, delta: -(balance.credit + 1),
                                                   reason: "too much")))?.code == "insufficient_balance")
        _ = try f.run(.walletAdjust(WalletAdjust(adjustmentId: "Y", memberKey: member, wallet: .credit, delta: -balance.credit,
                                                 reason: "all of it"))).get()
        #expect(try f.profile(.memberGet(MemberRef(memberKey: member))).balance.credit == 0)
    }

    @Test func pendingPointsWriteTheWalletRowAtEveryPosting() throws {
        let f = try OfficeFixture()
        var settings = DemoProgram.settings
        settings.pendingDays = 14
        try f.loyalty.configure(catalog: DemoProgram.catalog, settings: settings)
        let walletUpdates = try f.recordUpdates(of: "wallets")
        for i in 1...3 { _ = try f.purchase(f.coffee("T\(i)", member: "M00000001")).get() }
        #expect(try walletUpdates() == 3)
        let balance = try f.profile(.memberGet(MemberRef(memberKey: "M00000001"))).balance
        #expect(balance.pendingPoints > 0)
        #expect(try f.sql("""
            SELECT count(*) FROM ledger l JOIN wallets w ON w.id = l.wallet_id
            WHERE l.id > w.counted_through AND l.available_at IS NOT NULL
            """) == 0)
        #expect(try f.sql("SELECT count(*) FROM ledger WHERE available_at IS NOT NULL") == 3)
        #expect(try f.store.verify().problems == [])
    }

    /// A store migrated to v5 keeps each wallet's row as its base, with every earlier ledger row folded into it.
    @Test func migrationFiveFoldsEveryEarlierRow() throws {
        let folder = TemporaryFolder()
        let store = try storeMigrated(from: 4, in: folder) { connection in
            try insertMember(7, key: "M7", on: connection)
            try connection.execute("INSERT INTO wallets (id, member_id, kind, balance) VALUES (3, 7, 'points', 30)")
            try connection.execute("""
                INSERT INTO ledger (member_id, wallet_id, delta, kind, created_at) VALUES (7, 3, 50, 'earn', 0), (7, 3, -20, 'spend', 0)
                """)
        }
        defer { store.shutdown() }
        let (through, balance) = try store.read { c in
            (try c.int64("SELECT counted_through FROM wallets WHERE id = 3"), try WalletTotals.balance(c, member: 7))
        }
        #expect(through == 2)
        #expect(balance == WalletBalance(points: 30, pendingPoints: 0, credit: 0))
        #expect(try store.verify().problems == [])
    }
}
