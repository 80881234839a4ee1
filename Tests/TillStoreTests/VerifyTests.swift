import Testing
import TillCore
@testable import TillStore
import TillStoreTesting

@Suite struct VerifyTests {
    @Test func soundStorePassesAndBrokenInvariantsAreReported() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let member = try store.member("m")
        _ = try store.writeAndWait(credit("k1", member: member, 40)).get()
        _ = try store.writeAndWait(credit("k2", member: member, -15)).get()
        #expect(try store.verify().problems == [])

        // A wallet that drifted from its ledger.
        _ = try store.writeAndWait(ClosureWrite { try $0.execute("UPDATE wallets SET balance = balance + 1") }).get()
        // Returns beyond what was bought: two returns of 0.6 on a line of 1.0.
        let record = PurchaseRecord(
            transactionId: "t1", reference: "b1/p1/t1", purchasedAt: Timestamp(millisecondsSinceEpoch: 1),
            pointsAvailableAt: nil, total: 500, tax: 0, memberIds: [], memberKeys: [],
            lines: [.init(lineId: "L1", quantity: Quantity(thousandths: 1000), net: 500)], earned: [], budget: nil,
            paymentShares: [], redeemed: [], punchLines: [], cards: [])
        _ = try store.writeAndWait(ClosureWrite { context in
            try context.execute("""
                INSERT INTO purchases (id, branch_id, pos_id, transaction_id, fingerprint, opened_at, committed_at, status,
                                       total_amount, receipt, record, lines)
                VALUES (1, 'b1', 'p1', 't1', x'00', 1, 1, 'partially_returned', 500, x'', ?, x'')
                """, [.blob(record.textBytes)])
            try context.execute("""
                INSERT INTO reversals (id, branch_id, pos_id, reversal_id, kind, fingerprint, purchase_id, created_at, result)
                VALUES (1, 'b1', 'p1', 'r1', 'return', x'01', 1, 2, x''), (2, 'b1', 'p1', 'r2', 'return', x'02', 1, 3, x'')
                """)
            try context.execute("""
                INSERT INTO returned_quantities (reversal_id, purchase_id, line_id, quantity)
                VALUES (1, 1, 'L1', 600), (2, 1, 'L1', 600)
                """)
        }).get()
        let problems = try store.verify().problems
        #expect(problems.count == 2)
        // The two credits are after the wallet's fold point (its base was 0): the drift is the base's.
        #expect(problems.contains { $0.hasPrefix("wallet 1: balance 1 + pending 0 <> ledger sum 0 through row 0") })
        #expect(problems.contains { $0.contains("line L1: returned 1200 of 1000") })
    }

    @Test func duplicateTransactionIsRefusedBySchema() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let insert = """
            INSERT INTO purchases (branch_id, pos_id, transaction_id, fingerprint, opened_at, committed_at, status,
                                   total_amount, receipt, record, lines) VALUES ('b', 'p', 't', x'00', 1, 1, 'final', 1, x'', x'', x'')
            """
        _ = try store.writeAndWait(ClosureWrite { try $0.execute(insert) }).get()
        guard case .failure = store.writeAndWait(ClosureWrite { try $0.execute(insert) }) else {
            Issue.record("a second (branch, pos, transaction) row was accepted"); return
        }
    }

    @Test func releasedIdentifiersCanBeReused() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let a = try store.member("a")
        let b = try store.member("b")
        let add: @Sendable (Int64) -> ClosureWrite<Void> = { member in
            ClosureWrite { try $0.execute("INSERT INTO member_identifiers (member_id, kind, value, created_at) VALUES (?, 'phone', '+4911', 1)", [.integer(member)]) }
        }
        _ = try store.writeAndWait(add(a)).get()
        guard case .failure = store.writeAndWait(add(b)) else { Issue.record("phone in use twice"); return }
        _ = try store.writeAndWait(ClosureWrite { try $0.execute("UPDATE member_identifiers SET released_at = 2 WHERE member_id = ?", [.integer(a)]) }).get()
        _ = try store.writeAndWait(add(b)).get()
        #expect(try store.verify().isSound)
    }
}
