import Dispatch
import Foundation
import Synchronization
import Testing
import TillCore
import TillJournalTesting
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// The writer's accounts in memory (`HotAccounts`) decide exactly as reads from SQLite do: the same seeded mix of
/// requests against a store that keeps them and one that keeps none gives the same answers and the same database,
/// while most purchases find their accounts in memory. (Debug builds also check every use of a kept account against
/// a read: `AccountReader.difference`; the daemon compares one in 1,024.)
@Suite struct HotAccountsTests {
    @Test(arguments: [UInt64(0x407A_0001), 0x407A_0002, 0x407A_0003])
    func keptAccountsDecideAsReadsDo(seed: UInt64) throws {
        let hot = try OfficeFixture()
        let cold = try OfficeFixture { $0.writer.hotAccounts = 0 }
        try MixedWorkload.run(seed: seed, hot, cold)
        #expect(hot.store.stats.hotAccountHits > 60, "most purchases found their accounts in memory")
        #expect(cold.store.stats.hotAccountHits == 0 && cold.store.stats.hotAccountMisses == 0)
        #expect(hot.store.stats.batchesRerun > 0)
        // The mix's wallets, counters and cards as the store derives them equal what its ledger and rows hold.
        #expect(try hot.store.verify().problems == [])
        try MixedWorkload.expectSameTables(hot, cold)
    }

    @Test func otherWritesAndRollbacksEmptyThem() throws {
        let f = try OfficeFixture()
        // Read, not kept (a member seen once); read and kept; found.
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        #expect(f.store.stats.hotAccountMisses == 1 && f.store.stats.hotAccounts == 0)
        _ = try f.purchase(f.coffee("T2", member: "M00000001")).get()
        _ = try f.purchase(f.coffee("T3", member: "M00000001")).get()
        #expect(f.store.stats.hotAccountMisses == 2 && f.store.stats.hotAccountHits == 1 && f.store.stats.hotAccounts == 1)
        // An operator's write (it may change any member) empties them: the next purchase reads its account.
        _ = try f.run(.memberUpdate(MemberUpdate(memberKey: "M00000002", fields: MemberFields(lastName: "Other")))).get()
        #expect(f.store.stats.hotAccounts == 0)
        _ = try f.purchase(f.coffee("T3b", member: "M00000001")).get()
        #expect(f.store.stats.hotAccountMisses == 3 && f.store.stats.hotAccountHits == 1 && f.store.stats.hotAccounts == 1)
        // A purchase refused after it changed something rolls its changes back, and the entry stays as it was.
        let refused = f.purchase(PurchaseRequest(
            transactionId: "T4", openedAt: f.clock.now, members: [MemberIdentifier(kind: .memberKey, value: "M00000001")],
            items: [LineItem(lineId: "1", code: "SKU-0001", name: "Espresso", department: "coffee", quantity: .one, unitPrice: 250)],
            payments: [Payment(means: .points, amount: 1_000_000_000), Payment(means: .cash, amount: 0)], currency: "EUR"))
        #expect(throws: TillError.self) { try refused.get() }
        let before = try f.sql("SELECT count(*) FROM purchases")
        _ = try f.purchase(f.coffee("T5", member: "M00000001")).get()
        #expect(try f.sql("SELECT count(*) FROM purchases") == before! + 1)
        #expect(f.store.stats.hotAccountHits >= 2)
    }

    /// A member's account kept after purchases by one identifier is found from memory when the next purchase names
    /// the member by another (a card today, the phone tomorrow): one index lookup, no account read; and that
    /// identifier finds it from then on. With the ledger thread, every account read is kept (not from the second on).
    @Test(arguments: [false, true])
    func anotherIdentifierFindsTheKeptAccount(ledgerThread: Bool) throws {
        let f = try OfficeFixture { $0.writer.ledgerThread = ledgerThread }
        let reads = ledgerThread ? 1 : 2
        for n in 1...reads { _ = try f.purchase(f.coffee("T\(n)", member: "M00000001")).get() }
        #expect(f.store.stats.hotAccountMisses == reads && f.store.stats.hotAccounts == 1)
        let hits = f.store.stats.hotAccountHits
        for (n, phone) in ["+4915112345678", "015112345678"].enumerated() {  // the second as a cashier types it
            var byPhone = f.coffee("P\(n)", member: "M00000001")
            byPhone.members = [MemberIdentifier(kind: .phone, value: phone)]
            let receipt = try f.purchase(byPhone).get()
            #expect(receipt.members.first?.memberKey == "M00000001")
            #expect(f.store.stats.hotAccountMisses == reads, "no account read")
            #expect(f.store.stats.hotAccountHits == hits + n + 1)
        }
        // The same balance as a read gives (debug builds also compare every use of a kept account with a read).
        #expect(try f.store.verify().problems == [])
    }

    @Test func atMostCapacityAccountsAreKept() throws {
        let f = try OfficeFixture { $0.writer.hotAccounts = 2 }
        for (n, member) in ["M00000001", "M00000002", "M00000003", "M00000001", "M00000002", "M00000003"].enumerated() {
            _ = try f.purchase(f.coffee("T\(n)", member: member)).get()
            #expect(f.store.stats.hotAccounts <= 2)
        }
        #expect(f.store.stats.hotAccounts == 2)
    }

    @Test func stagedEntriesAreKeptOnlyWhenCommitted() {
        let hot = HotAccounts(capacity: 4)
        let entry = HotAccounts.Entry(read: MemberAccount(id: 7, memberKey: "K7", points: 10), wallets: [], cards: [])
        hot.keep(entry, identifier: MemberIdentifier(kind: .memberKey, value: "K7"))
        var changed = entry
        changed.account.points = 20
        hot.stage(changed)
        hot.discardStaged()
        #expect(hot.current(7)?.account.points == 10)
        hot.stage(changed)
        hot.commitStaged()
        #expect(hot.current(7)?.account.points == 20)
        #expect(hot.member(MemberIdentifier(kind: .memberKey, value: "K7")) == 7)
        // Kept from the second read on.
        #expect(!hot.admits(8) && hot.admits(8) && hot.misses == 2)
        hot.removeAll()
        #expect(hot.current(7) == nil && hot.member(MemberIdentifier(kind: .memberKey, value: "K7")) == nil)
    }

    /// The filter of members read once stays small and mostly right: 20,000 members read once each (it is cleared
    /// as it fills) are taken for members read before at most once in eight.
    @Test func membersReadOnceAreRarelyKept() {
        let hot = HotAccounts(capacity: 1)
        let mistaken = (1...20_000).count { hot.admits(Int64($0) * 7_919) }
        #expect(mistaken < 20_000 / 8)
        #expect(hot.misses == 20_000)
    }

    @Test func pendingPointsMatureOnTimeInAKeptAccount() {
        let day = Timestamp(millisecondsSinceEpoch: 86_400_000)
        let read = MemberAccount(id: 1, memberKey: "K1", points: 100,
                                 pending: [PendingPoints(availableAt: Timestamp(millisecondsSinceEpoch: 2 * 86_400_000), points: 30)])
        let entry = HotAccounts.Entry(read: read, wallets: [], cards: [])
        #expect(entry.account(at: day) == read)
        let later = entry.account(at: Timestamp(millisecondsSinceEpoch: 2 * 86_400_000))
        #expect(later.points == 130 && later.pending.isEmpty)
    }
}

extension OfficeFixture {
    /// `requests` in one batch, with a write that changes something and is then refused after the first three
    /// (one that leaves the accounts in memory alone, as a purchase does); their answers, rendered.
    func burst(_ requests: [PurchaseRequest], refusedAfterAChangeAt refused: Int? = 3) -> [String] {
        let answers = Mutex<[Int: String]>([:])
        let group = DispatchGroup()
        store.writer.pause()
        for (n, request) in requests.enumerated() {
            if n == refused {
                group.enter()
                do { try store.submit(RefusedAfterAChange()) { _ in group.leave() } } catch { group.leave() }
            }
            group.enter()
            do {
                try loyalty.purchase(request, terminal: pos, fingerprint: Fingerprint.of(.purchase(request))!.bytes) { result in
                    answers.withLock { $0[n] = "\(result)" }
                    group.leave()
                }
            } catch {
                answers.withLock { $0[n] = "\(error)" }
                group.leave()
            }
        }
        store.writer.resume()
        group.wait()
        return answers.withLock { a in (0..<requests.count).map { a[$0] ?? "none" } }
    }
}

/// A request that keeps the accounts in memory (as a purchase does), changes a row and is then refused: the writer
/// rolls the whole transaction back, and with it what the purchases before it kept in memory.
struct RefusedAfterAChange: WriteRequest {
    static var keepsHotAccounts: Bool { true }
    func apply(_ context: WriteContext) throws {
        try context.execute("INSERT INTO activity_log (created_at, grp, type, source, details) VALUES (0, 'app', 'test', 'system', '{}')")
        throw TillError.notAllowed(field: nil, reason: "refused after a change")
    }
}

/// Test machinery: spoils the kept account of member row `member` (a million points it does not have) and makes the
/// writer compare every hit without trapping, as the daemon compares one in 1,024.
struct SpoilKeptAccount: WriteRequest {
    let member: Int64
    static var keepsHotAccounts: Bool { true }
    func apply(_ context: WriteContext) throws {
        guard let hot = context.hot, var entry = hot.current(member) else {
            throw TillError.notAllowed(field: nil, reason: "member \(member) is not kept")
        }
        hot.trapsOnMismatch = false
        hot.checkEvery = 1
        entry.account.points += 1_000_000
        hot.stage(entry)
    }
}

extension HotAccountsTests {
    /// A purchase that fails after it staged its members' entries (its redemption's activity row is refused: a test
    /// trigger) inside its own savepoint leaves the entries as they were: the batch runs again with a savepoint per
    /// request (a refusal after a change in it), the failing purchase rolls back to its savepoint, and the member's
    /// next purchase finds the gift still active. (Kept instead of discarded, the staged entry says the gift is used:
    /// debug builds trap at that next purchase.)
    @Test func aPurchaseFailingAfterItStagedLeavesTheEntries() throws {
        let f = try OfficeFixture()
        _ = try f.store.writeAndWait(ClosureWrite { c in
            try c.execute("""
                CREATE TRIGGER refuse_redemption_entries BEFORE INSERT ON activity_log WHEN new.type = 'benefit_redeemed'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        }).get()
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        _ = try f.purchase(f.coffee("T2", member: "M00000001")).get()
        #expect(f.store.stats.hotAccounts == 1)
        var redeeming = f.coffee("T3", member: "M00000001", cups: 2)
        redeeming.redemptions = ["demo-M00000001-FREE_ESPRESSO"]
        redeeming.payments = [Payment(means: .cash, amount: 250)]  // one of the two espressos is free
        let answers = f.burst([f.coffee("T4", member: "M00000002"), redeeming, f.coffee("T5", member: "M00000003"),
                               f.coffee("T6", member: "M00000002")])
        #expect(answers[1].contains("the store refused the change"), "the redemption's activity row was refused: \(answers[1])")
        #expect(f.store.stats.batchesRerun > 0)
        let next = try f.purchase(f.coffee("T7", member: "M00000001")).get()
        #expect(next.transactionId == "T7")
        #expect(try f.sql("SELECT count(*) FROM member_benefits WHERE public_id = 'demo-M00000001-FREE_ESPRESSO' AND status = 'active'") == 1)
    }

    /// Another connection's commit (an operator's sqlite3 shell) may change any member: the writer sees it in
    /// `PRAGMA data_version` at its next BEGIN and reads the accounts again. (Without that, debug builds trap at the
    /// next use of the kept account.) With the ledger thread, the ledger sees it when its next snapshot begins, makes
    /// everything it handed visible and forgets its accounts and row ids; a purchase it decided before the writer saw
    /// that commit is answered `overloaded` rather than run, and its resend is decided on the new state.
    @Test(arguments: [false, true])
    func aCommitFromElsewhereEmptiesThem(ledgerThread: Bool) throws {
        let f = try OfficeFixture { $0.writer.ledgerThread = ledgerThread }
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        _ = try f.purchase(f.coffee("T2", member: "M00000001")).get()
        #expect(f.store.stats.hotAccounts == 1)
        let member = try #require(try f.sql("SELECT id FROM members WHERE member_key = 'M00000001'"))
        let shell = try Connection(path: f.folder.path("till.db"),
                                   options: OpenOptions(mode: .readWrite, busyTimeoutMilliseconds: 5_000))
        try shell.execute("UPDATE wallets SET balance = balance + 5000 WHERE member_id = ? AND kind = 'points'", [.integer(member)])
        var spend = f.coffee("T3", member: "M00000001", cups: 9)
        spend.payments = [Payment(means: .points, amount: 2_250)]  // more than the member had before the shell's 5,000
        var receipt = f.purchase(spend)
        if ledgerThread, case .failure(.overloaded) = receipt { receipt = f.purchase(spend) }  // decided before it
        #expect(try receipt.get().members.first?.pointsSpent == 2_250)
        #expect(f.store.stats.hotAccountMismatches == 0)
    }

    /// A kept account that differs from the store (a bug) is found by the sampled comparison before it decides
    /// anything: the purchase is decided on the read, the entry is dropped and the mismatch counted.
    @Test func aSpoiltKeptAccountDecidesNothing() throws {
        let f = try OfficeFixture()
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        _ = try f.purchase(f.coffee("T2", member: "M00000001")).get()
        let member = try #require(try f.sql("SELECT id FROM members WHERE member_key = 'M00000001'"))
        _ = try f.store.writeAndWait(SpoilKeptAccount(member: member)).get()
        var overspend = f.coffee("T3", member: "M00000001", cups: 9)
        overspend.payments = [Payment(means: .points, amount: 2_250)]
        let points = try #require(try f.sql("""
            SELECT w.balance + (SELECT coalesce(sum(l.delta), 0) FROM ledger l WHERE l.wallet_id = w.id AND l.id > w.counted_through)
            FROM wallets w WHERE w.member_id = \(member) AND w.kind = 'points'
            """))
        #expect(points < 2_250, "the member cannot pay 2,250 in points (one point per cent) without the spoilt ones")
        #expect(throws: TillError.self) { try f.purchase(overspend).get() }
        #expect(f.store.stats.hotAccountMismatches == 1)
        let after = try f.purchase(f.coffee("T4", member: "M00000001")).get()
        #expect(after.members.first?.balance.points == points + (after.members.first?.pointsEarned ?? 0))
        #expect(f.store.stats.hotAccountMismatches == 1)
    }
}
