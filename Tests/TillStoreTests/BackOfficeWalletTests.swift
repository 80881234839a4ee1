import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// `wallet.adjust`: add or deduct with a reason, never below zero, ledger kept in step.
@Suite struct BackOfficeWalletTests {
    private func adjust(_ f: OfficeFixture, _ id: String, _ wallet: WalletKind, _ delta: Int64) -> Result<OperatorResponse, TillError> {
        f.run(.walletAdjust(WalletAdjust(adjustmentId: id, memberKey: "M00000002", wallet: wallet, delta: delta, reason: "goodwill")))
    }

    @Test func addAndDeductKeepTheLedgerInStep() throws {
        let f = try OfficeFixture()
        guard case .balance(let b1) = try adjust(f, "a1", .points, 200).get() else { throw Unexpected.response }
        #expect(b1.points == 500)
        guard case .balance(let b2) = try adjust(f, "a2", .credit, 750).get() else { throw Unexpected.response }
        #expect(b2.credit == 750)
        guard case .balance(let b3) = try adjust(f, "a3", .points, -450).get() else { throw Unexpected.response }
        #expect(b3.points == 50)
        #expect(try f.store.verify().isSound)
        #expect(try f.sql("SELECT count(*) FROM ledger WHERE kind = 'adjust' AND operator_id IS NOT NULL AND reason = 'goodwill'") == 3)
        let page = try f.activity(ActivityQuery(memberKey: "M00000002", group: .benefits))
        #expect(page.entries.map(\.pointsDelta) == [-450, nil, 200])
        #expect(page.entries.allSatisfy { $0.source == .operator && $0.operatorId == f.operatorId })
    }

    @Test func neverBelowZero() throws {
        let f = try OfficeFixture()
        guard case .failure(let e) = adjust(f, "d1", .points, -301) else { Issue.record("accepted"); return }
        #expect(e == .insufficientBalance(field: "delta", wallet: .points, requested: 301, available: 300))
        #expect(try f.sql("SELECT count(*) FROM ledger WHERE kind = 'adjust' AND operator_id IS NOT NULL") == 0)
    }

    @Test func resendIsAReplayAndAChangedBodyAConflict() throws {
        let f = try OfficeFixture()
        _ = try adjust(f, "r1", .points, 10).get()
        guard case .balance(let again) = try adjust(f, "r1", .points, 10).get() else { throw Unexpected.response }
        #expect(again.points == 310)
        guard case .failure(let e) = adjust(f, "r1", .points, 11) else { Issue.record("accepted"); return }
        #expect(e.code == "transaction_conflict")
    }
}
