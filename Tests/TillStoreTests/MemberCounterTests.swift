import Dispatch
import Synchronization
import Testing
import TillCore
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// A member's lifetime spend and visits (`MemberCounters`): a purchase writes its part on its `purchase_members` row,
/// every fold point (`FoldPoint`) folds it into the member's row, and voids and returns take it back either way.
@Suite struct MemberCounterTests {
    @Test func aPurchaseWritesTheMemberRowOnlyWhenItFolds() throws {
        let f = try OfficeFixture()
        let memberUpdates = try f.recordUpdates(of: "members")
        let interval = Int(FoldPoint.interval)
        for i in 1...(2 * interval + 2) {
            _ = try f.purchase(f.coffee("T\(i)", member: "M00000001", cups: i == 2 * interval + 1 ? 3 : 1)).get()
        }
        // Purchase rows 1…130: rows 64 and 128 folded, rows 129 and 130 are summed from purchase_members.
        #expect(try memberUpdates() == 2)
        #expect(try f.sql("SELECT counted_through FROM members WHERE member_key = 'M00000001'") == Int64(2 * interval))
        let purchases = Int64(2 * interval + 2)
        var profile = try f.profile(.memberGet(MemberRef(memberKey: "M00000001")))
        #expect(profile.visits == purchases)
        #expect(profile.lifetimeSpend == (purchases + 2) * 250)

        // A folded purchase is taken back from the base, an unfolded one from its own row: the same sums either way.
        _ = try f.void(VoidRequest(voidId: "V5", transactionId: "T5")).get()
        _ = try f.void(VoidRequest(voidId: "V130", transactionId: "T\(2 * interval + 2)")).get()
        _ = try f.returnItems(ReturnRequest(returnId: "R129", transactionId: "T\(2 * interval + 1)",
                                            lines: [ReturnLine(lineId: "1", quantity: .one)])).get()
        profile = try f.profile(.memberGet(MemberRef(memberKey: "M00000001")))
        #expect(profile.visits == purchases - 2)
        #expect(profile.lifetimeSpend == (purchases + 2 - 3) * 250)

        // Folding the taken-back rows changes nothing a reader sees.
        for i in (2 * interval + 3)...(3 * interval) {
            _ = try f.purchase(f.coffee("T\(i)", member: "M00000001")).get()
        }
        #expect(try f.sql("SELECT counted_through FROM members WHERE member_key = 'M00000001'") == Int64(3 * interval))
        profile = try f.profile(.memberGet(MemberRef(memberKey: "M00000001")))
        #expect(profile.visits == Int64(3 * interval) - 2)
        #expect(profile.lifetimeSpend == Int64(3 * interval + 2 - 3) * 250)
        guard case .purchases(let page) = try f.run(.purchaseList(PurchaseQuery(memberKey: "M00000001"))).get() else { throw Unexpected.response }
        #expect(page.lifetimeSpend == profile.lifetimeSpend)
    }

    /// A store migrated to v4 keeps each member's counters in the base and zero on the rows of earlier purchases.
    @Test func countersFromBeforeVersion4StayAndAreTakenBack() throws {
        let f = try OfficeFixture()
        for i in 1...3 { _ = try f.purchase(f.coffee("T\(i)", member: "M00000002", cups: 2)).get() }
        // What migration 4 leaves: the totals in the base, zero on the rows, nothing folded.
        _ = try f.store.writeAndWait(ClosureWrite { c in
            try c.execute("""
                UPDATE members SET lifetime_spend = 1500, visit_count = 3, counted_through = 0
                WHERE member_key = 'M00000002'
                """)
            try c.execute("UPDATE purchase_members SET spend = 0, visits = 0")
        }).get()
        var profile = try f.profile(.memberGet(MemberRef(memberKey: "M00000002")))
        #expect(profile.visits == 3 && profile.lifetimeSpend == 1_500)
        _ = try f.void(VoidRequest(voidId: "V1", transactionId: "T1")).get()
        _ = try f.returnItems(ReturnRequest(returnId: "R2", transactionId: "T2", lines: [ReturnLine(lineId: "1", quantity: .one)])).get()
        profile = try f.profile(.memberGet(MemberRef(memberKey: "M00000002")))
        #expect(profile.visits == 2)
        #expect(profile.lifetimeSpend == 1_500 - 500 - 250)
    }

    @Test func migrationFourKeepsTheCountersOfAVersion3Store() throws {
        let folder = TemporaryFolder()
        let store = try storeMigrated(from: 3, in: folder) { connection in
            try connection.execute("""
                INSERT INTO members (id, member_key, status, registered_at, registration_source, lifetime_spend, visit_count, updated_at)
                VALUES (7, 'M7', 'active', 0, 'pos', 1234, 5, 0)
                """)
        }
        defer { store.shutdown() }
        let (version, counters) = try store.read { c in
            (try c.int64("PRAGMA user_version"), try MemberCounters.load(c, member: 7))
        }
        #expect(version == Schema.latestVersion)
        #expect(counters == MemberCounters.Totals(lifetimeSpend: 1_234, visits: 5))
    }

    @Test func sumsSaturateInsteadOfTrapping() throws {
        let f = try OfficeFixture()
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        _ = try f.purchase(f.coffee("T2", member: "M00000001")).get()
        _ = try f.store.writeAndWait(ClosureWrite { c in
            try c.execute("UPDATE purchase_members SET spend = 9223372036854775000")
        }).get()
        let profile = try f.profile(.memberGet(MemberRef(memberKey: "M00000001")))
        #expect(profile.lifetimeSpend == Int64.max)
        #expect(profile.visits == 2)
    }
}

extension OfficeFixture {
    /// Returns lines of a purchase of the fixture's POS.
    func returnItems(_ r: ReturnRequest) -> Result<ReversalReceipt, TillError> {
        let box = Mutex<Result<ReversalReceipt, TillError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        do {
            try loyalty.returnItems(r, terminal: pos, fingerprint: Fingerprint.of(.return(r))!.bytes) { result in
                box.withLock { $0 = result }; done.signal()
            }
        } catch { return .failure(error) }
        done.wait()
        return box.withLock { $0! }
    }
}
