import TillCore
import Testing
@testable import TillStore
import TillStoreTesting

/// The one exactly-once check (`ExactlyOnce`) on its own: the answers every keyed write request builds on.
@Suite struct ExactlyOnceTests {
    @Test func walletMoveIsNewThenReplayThenConflict() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let member = try store.member("m")
        let fingerprint = ExactlyOnce.walletMove(member: member, wallet: "points", delta: 5, kind: "earn")
        let once = ExactlyOnce(.walletMoves(prefix: ""), id: "k", field: .adjustmentId, fingerprint: fingerprint)
        #expect(try store.writeAndWait(ClosureWrite { try once.admit($0.connection) }).get() == .new)
        let outcome = try store.writeAndWait(credit("k", member: member, 5)).get()
        #expect(try store.writeAndWait(ClosureWrite { try once.admit($0.connection) }).get()
                == .replay(ExactlyOnce.Stored(row: outcome.ledgerId, result: [])))
        let other = ExactlyOnce(.walletMoves(prefix: ""), id: "k", field: .adjustmentId,
                                fingerprint: ExactlyOnce.walletMove(member: member, wallet: "points", delta: 5, kind: "adjust"))
        #expect(store.writeAndWait(ClosureWrite { try other.admit($0.connection) }) == .failure(.transactionConflict(field: .adjustmentId, id: "k")))
    }

    @Test func keyOfAnotherKindOfOperationConflicts() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let member = try store.member("m")
        _ = try store.writeAndWait(ClosureWrite {
            try $0.execute("INSERT INTO operations (key, kind, ledger_id, created_at) VALUES ('k', 'other', NULL, 1)")
        }).get()
        #expect(store.writeAndWait(credit("k", member: member, 5)) == .failure(.transactionConflict(field: .adjustmentId, id: "k")))
    }

    @Test func purchasesAndReversalsAreSeparateSpacesPerTerminal() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let a = TerminalIdentity(branchId: "B1", posId: "P1"), b = TerminalIdentity(branchId: "B1", posId: "P2")
        _ = try store.writeAndWait(ClosureWrite {
            try $0.execute("""
                INSERT INTO purchases (branch_id, pos_id, transaction_id, fingerprint, opened_at, committed_at, status,
                    total_amount, total_discount, paid_points, paid_credit, receipt, record, lines)
                VALUES ('B1', 'P1', 'X', x'01', 1, 1, 'final', 0, 0, 0, 0, x'7B7D', x'', x'')
                """)
        }).get()
        func admit(_ space: ExactlyOnce.Space, _ field: OperationIdField, _ fingerprint: [UInt8]) -> Result<ExactlyOnce.Admission, TillError> {
            let once = ExactlyOnce(space, id: "X", field: field, fingerprint: fingerprint)
            return store.writeAndWait(ClosureWrite { try once.admit($0.connection) })
        }
        guard case .success(.replay(let stored)) = admit(.purchases(a), .transactionId, [1]) else { Issue.record("no replay"); return }
        #expect(stored.result == Array("{}".utf8))
        #expect(admit(.purchases(a), .transactionId, [2]) == .failure(.transactionConflict(field: .transactionId, id: "X")))
        #expect(admit(.purchases(b), .transactionId, [2]) == .success(.new))
        #expect(admit(.reversals(a), .voidId, [1]) == .success(.new))
    }
}
