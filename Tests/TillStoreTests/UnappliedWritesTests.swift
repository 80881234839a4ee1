import Testing
import TillCore
@testable import TillStore

/// The ledger's record of what it decided and the writer has not made visible yet (`UnappliedWrites`): a key claimed
/// answers from memory until the request that claimed it is visible, a key only named makes later requests wait, and
/// nothing stays once the requests are visible — a claim included when a later request named its key (a purchase
/// reversed before the writer committed it).
@Suite struct UnappliedWritesTests {
    let terminal = TerminalIdentity(branchId: "B1", posId: "P1")

    @Test func aClaimAnswersUntilItsRequestIsVisibleEvenWhenALaterOneNamedIt() throws {
        let unapplied = UnappliedWrites()
        let key = UnappliedWrites.key(.purchases(terminal), id: "T1")
        // Request 1 (a purchase) claims T1.
        try unapplied.admit(key: key)
        unapplied.claim(fingerprint: [1], stored: ExactlyOnce.Stored(row: 7, result: [9]))
        unapplied.decided(as: 1)
        #expect(unapplied.claim(of: key)?.stored == ExactlyOnce.Stored(row: 7, result: [9]))
        // Request 2 (a void of T1) names it: later requests wait until it is visible.
        #expect(throws: UnappliedWrites.Conflict.self) { try unapplied.check(key: key) }
        unapplied.discard()
        unapplied.snapshot = 1  // request 1 visible, request 2 not decided yet
        try unapplied.check(key: key)
        unapplied.decided(as: 2)
        unapplied.forget(through: 1)
        #expect(unapplied.claim(of: key) == nil, "request 1's claim went with it")
        #expect(throws: UnappliedWrites.Conflict.self) { try unapplied.check(key: key) }  // request 2 still pending
        unapplied.discard()
        unapplied.snapshot = 2
        unapplied.forget(through: 2)
        try unapplied.check(key: key)
        #expect(unapplied.claim(of: key) == nil)
    }

    @Test func oneKeyPerIdSpace() {
        let ids = [UnappliedWrites.key(.purchases(terminal), id: "X"), UnappliedWrites.key(.reversals(terminal), id: "X"),
                   UnappliedWrites.key(.walletMoves(prefix: "m:"), id: "X"),
                   UnappliedWrites.key(.purchases(TerminalIdentity(branchId: "B1", posId: "P2")), id: "X")]
        #expect(Set(ids).count == ids.count)
    }
}
