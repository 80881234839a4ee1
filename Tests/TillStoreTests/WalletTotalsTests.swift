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
        // Fold points among the rows readers sum from the index (the adjustments'; a purchase's rows are bounded by
        // the member's fold points instead).
        let folds = try f.sql("SELECT count(*) FROM ledger WHERE id % \(FoldPoint.interval) = 0 AND purchase_id IS NULL") ?? -1
        let memberFolds = try f.sql("SELECT count(*) FROM purchases WHERE id % \(FoldPoint.interval) = 0") ?? -1
        let writes = try walletUpdates()
        #expect(folds >= 1 && memberFolds >= 2)
        // One row write per such fold point, and one per wallet (points and credit) at each of the member's fold points
        // (`MemberCounters.add`); none for the other ~180 ledger rows and ~145 purchases.
        #expect(writes == folds + 2 * memberFolds)
        #expect(try f.sql("SELECT count(*) FROM wallets_updates WHERE value % \(FoldPoint.interval) <> 0") ?? -1
                <= writes - folds)

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

    /// A wallet the member's purchases do not move (credit, when they pay otherwise) is folded at the member's fold
    /// point with the counters, so it never sums more of the member's purchase rows than they do.
    @Test func aWalletThePurchasesDoNotMoveFoldsAtTheMembersFoldPoint() throws {
        let f = try OfficeFixture()
        let member = "M00000001"
        let credit = try f.profile(.memberGet(MemberRef(memberKey: member))).balance.credit
        _ = try f.run(.walletAdjust(WalletAdjust(adjustmentId: "A", memberKey: member, wallet: .credit, delta: 100,
                                                 reason: "goodwill"))).get()
        for i in 1...(2 * Int(FoldPoint.interval)) { _ = try f.purchase(f.coffee("T\(i)", member: member)).get() }
        let (through, latest, moved) = try f.store.read { c in
            (try c.int64("""
                SELECT w.purchases_through FROM wallets w JOIN members m ON m.id = w.member_id
                WHERE m.member_key = ? AND w.kind = 'credit'
                """, [.text(member)]) ?? -1,
             try c.int64("SELECT max(id) FROM purchases") ?? -1,
             try c.int64("SELECT count(*) FROM purchase_members WHERE credit_delta <> 0") ?? -1)
        }
        #expect(moved == 0)  // none of the purchases moved credit
        #expect(through > 0 && latest - through < FoldPoint.interval)
        #expect(try f.profile(.memberGet(MemberRef(memberKey: member))).balance.credit == credit + 100)
        #expect(try f.store.verify().problems == [])
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

    /// A store migrated to v8 keeps each wallet's row as its base, with every earlier ledger row folded into it —
    /// the rows of its purchases included, which a v7 store summed from the wallet's index and whose member rows may
    /// carry no moves (made before v7) — and sums the purchases after it from their member rows.
    @Test func migrationEightFoldsEveryEarlierRowAndSumsLaterPurchasesFromTheirMemberRows() throws {
        let folder = TemporaryFolder()
        let store = try storeMigrated(from: 7, in: folder) { c in
            try insertMember(7, key: "M7", on: c)
            try c.execute("INSERT INTO member_identifiers (member_id, kind, value, created_at) VALUES (7, 'memberKey', 'M7', 0)")
            try c.execute("INSERT INTO wallets (id, member_id, kind, balance, counted_through) VALUES (3, 7, 'points', 30, 2)")
            try c.execute("INSERT INTO wallets (id, member_id, kind, balance, counted_through) VALUES (4, 7, 'credit', 500, 2)")
            for (id, transaction) in [(5, "T-old"), (6, "T-v7")] {
                try c.execute("""
                    INSERT INTO purchases (id, branch_id, pos_id, transaction_id, fingerprint, opened_at, committed_at, status,
                        total_amount, receipt, record, lines) VALUES (?, 'B', 'P', ?, x'00', 1000, 5000, 'final', 1250, x'', x'', x'')
                    """, [.integer(Int64(id)), .text(transaction)])
            }
            // Rows 1 and 2 are in the bases; after them: purchase 5 (made before v7: no moves on its member row), an
            // adjustment, purchase 6 (made at v7: its moves on its member row).
            try c.execute("""
                INSERT INTO ledger (id, member_id, wallet_id, delta, kind, purchase_id, reason, created_at) VALUES
                    (1, 7, 3, 30, 'earn', NULL, NULL, 0), (2, 7, 4, 500, 'adjust', NULL, 'x', 0),
                    (3, 7, 3, 12, 'earn', 5, NULL, 0), (4, 7, 4, -100, 'spend', 5, NULL, 0),
                    (5, 7, 3, 5, 'adjust', NULL, 'x', 0), (6, 7, 3, 8, 'earn', 6, NULL, 0)
                """)
            try c.execute("""
                INSERT INTO purchase_members (member_id, purchase_id, position, spend, visits, points_delta, credit_delta, entry_after)
                VALUES (7, 5, 0, 1250, 1, 0, 0, NULL), (7, 6, 0, 1250, 1, 8, 0, 0)
                """)
        }
        defer { store.shutdown() }
        let marks = try store.read { c in
            var rows: [[Int64]] = []
            try c.statement("SELECT counted_through, purchases_through, balance FROM wallets ORDER BY id")
                .forEachRow { rows.append([$0.int64(0), $0.int64(1), $0.int64(2)]) }
            return rows
        }
        #expect(marks == [[6, 6, 55], [6, 6, 400]])
        #expect(try store.read { try WalletTotals.balance($0, member: 7) } == WalletBalance(points: 55, pendingPoints: 0, credit: 400))
        let problems = try store.verify().problems
        #expect(problems.filter { $0.hasPrefix("wallet") || $0.hasPrefix("ledger") } == [], "\(problems)")
    }

    /// The readers of a wallet and of a member's ledger find their rows through indexes (a purchase's rows through
    /// its member's rows and `ledger_purchase`, anything else's through `ledger_wallet_rows`, pending points through
    /// `ledger_pending`): none of them scans the ledger.
    @Test func walletReadsSearchTheLedgerWithoutScanningIt() throws {
        let f = try OfficeFixture()
        let queries: [(String, [SQLValue])] = [
            ("SELECT w.id, w.kind, \(WalletTotals.availableBalance), w.pending FROM wallets w WHERE w.member_id = ?", [.integer(1)]),
            ("""
             SELECT l.id, w.kind FROM ledger l JOIN wallets w ON w.id = l.wallet_id WHERE l.id IN (\(WalletTotals.memberRows))
             AND l.id < ?2 ORDER BY l.id DESC LIMIT 10
             """, [.integer(1), .integer(100)]),
            ("SELECT available_at, sum(delta) FROM ledger WHERE wallet_id = ? AND available_at > ? GROUP BY available_at ORDER BY available_at",
             [.integer(1), .integer(0)]),
            (WalletHistoryReader.rows, [.integer(1), .integer(100), .null, .integer(21), .integer(50)]),
        ]
        for (query, arguments) in queries {
            let plan = try f.store.read { c in
                var lines: [String] = []
                try c.statement("EXPLAIN QUERY PLAN " + query).forEachRow(arguments) { lines.append($0.text(3)) }
                return lines
            }
            // A scan of a subquery's own result (a page's ids, a LIMIT's rows) is fine; a scan of a table is not.
            let scans = plan.filter { $0.hasPrefix("SCAN") && !$0.uppercased().contains("SUBQUERY") }
            #expect(scans.isEmpty, "\(query): \(plan)")
            #expect(!plan.contains { $0.hasPrefix("SCAN l") || $0.hasPrefix("SCAN ledger") || $0.hasPrefix("SCAN pm") })
            #expect(plan.contains { $0.contains("ledger_") || $0.contains("USING INTEGER PRIMARY KEY") }, "\(query): \(plan)")
        }
    }

    /// `wallet.history` pages through exactly the member's ledger rows, newest first, each with its wallet's running
    /// total — its purchases' rows (found through its purchase rows) and its adjustments' (through its wallets)
    /// interleaved, another member's purchases in between, with and without a wallet filter.
    @Test func walletHistoryPagesThroughEveryRowOfTheMember() throws {
        let f = try OfficeFixture()
        for i in 1...90 {
            _ = try f.purchase(f.coffee("T\(i)", member: i % 3 == 0 ? "M00000002" : "M00000001")).get()
            if i % 9 == 0 {
                _ = try f.run(.walletAdjust(WalletAdjust(adjustmentId: "C\(i)", memberKey: "M00000001", wallet: .credit, delta: 10 + Int64(i),
                                                         reason: "goodwill"))).get()
                _ = try f.run(.walletAdjust(WalletAdjust(adjustmentId: "P\(i)", memberKey: "M00000001", wallet: .points, delta: -1,
                                                         reason: "correction"))).get()
            }
        }
        struct Line: Equatable { var wallet: String; var delta: Int64; var kind: String; var balanceAfter: Int64 }
        for wallet in [nil, WalletKind.credit, .points] {
            var expected: [Line] = []
            try f.store.read { c in
                try c.statement("""
                    SELECT w.kind, l.delta, l.kind, (SELECT sum(l2.delta) FROM ledger l2 WHERE l2.wallet_id = l.wallet_id AND l2.id <= l.id)
                    FROM ledger l JOIN wallets w ON w.id = l.wallet_id JOIN members m ON m.id = l.member_id
                    WHERE m.member_key = 'M00000001' AND (?1 IS NULL OR w.kind = ?1) ORDER BY l.id DESC
                    """).forEachRow([.optional(wallet?.rawValue)]) {
                    expected.append(Line(wallet: $0.text(0), delta: $0.int64(1), kind: $0.text(2), balanceAfter: $0.int64(3)))
                }
            }
            var listed: [Line] = []
            var cursor: String?
            repeat {
                let page = try f.store.read { c in
                    try WalletHistoryReader(now: Timestamp(millisecondsSinceEpoch: 0))
                        .page(c, WalletHistoryQuery(memberKey: "M00000001", wallet: wallet, cursor: cursor, limit: 7))
                }
                listed += page.entries.map { Line(wallet: $0.wallet.rawValue, delta: $0.delta, kind: $0.kind, balanceAfter: $0.balanceAfter) }
                cursor = page.nextCursor
            } while cursor != nil && listed.count < 1_000
            #expect(expected.count > (wallet == .credit ? 10 : 60))
            #expect(listed == expected, "wallet \(wallet?.rawValue ?? "both")")
        }
    }
}
