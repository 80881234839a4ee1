import Foundation
import Testing
import TillCore
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// A request that decides before writing (`WriteRequest.decidesBeforeWriting`: a purchase) makes every read before its
/// first write and takes its row ids from `RowIds`: what a ledger deciding on a read connection of its own needs.
@Suite struct DecidesBeforeWritingTests {
    /// Writes one row, then reads: allowed on the writing connection, but not for a request that promised otherwise.
    struct ReadsAfterItsWrite: WriteRequest {
        static var decidesBeforeWriting: Bool { true }
        let member: Int64
        func apply(_ context: WriteContext) throws -> Int64 {
            try context.execute("UPDATE members SET first_name = first_name WHERE id = ?", [.integer(member)])
            return try context.connection.int64("SELECT count(*) FROM members") ?? -1
        }
    }

    /// The same reads, made before the write.
    struct ReadsBeforeItsWrite: WriteRequest {
        static var decidesBeforeWriting: Bool { true }
        let member: Int64
        func apply(_ context: WriteContext) throws -> Int64 {
            let count = try context.connection.int64("SELECT count(*) FROM members") ?? -1
            try context.execute("UPDATE members SET first_name = first_name WHERE id = ?", [.integer(member)])
            return count
        }
    }

    #if DEBUG
    /// Debug builds check the promise at every read the writer's connection steps.
    @Test func aReadAfterTheFirstWriteTraps() async {
        await #expect(processExitsWith: .failure) {
            let folder = TemporaryFolder()
            let store = try Store.temporary(folder)
            let member = try store.member("m")
            _ = store.writeAndWait(ReadsAfterItsWrite(member: member))
        }
    }
    #endif

    @Test func readsBeforeTheFirstWriteAreAllowed() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let member = try store.member("m")
        #expect(try store.writeAndWait(ReadsBeforeItsWrite(member: member)).get() == 1)
    }

    /// Purchases and reversals take the ids of the rows they insert from `RowIds`; operator writes between them insert
    /// rows with ids SQLite chooses, and a refused or resent purchase may have taken an id it never used. Every id
    /// stays dense and no purchase collides with an operator's row (with the ids kept across the operator writes, the
    /// purchase after the gift fails on the card's unique id; kept across the refusal or the resend, the purchases
    /// leave a gap).
    @Test func rowIdsStayDenseAcrossOperatorWritesAndRefusals() throws {
        let f = try OfficeFixture()
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()  // issues Anna's card
        _ = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000002", action: .send, templateId: "FREE_ESPRESSO", count: 2)))
        _ = try f.purchase(f.coffee("T2", member: "M00000002")).get()  // issues Ben's card after the operator's gifts
        _ = try f.run(.walletAdjust(WalletAdjust(adjustmentId: "A1", memberKey: "M00000003", wallet: .credit, delta: 500,
                                                 reason: "goodwill"))).get()
        var refused = f.coffee("T3", member: "M00000003")
        refused.redemptions = ["no-such-benefit"]
        #expect(throws: TillError.self) { try f.purchase(refused).get() }  // refused before it takes an id
        // Stopped by the purchase's unique key, after it took its id: a resend of T1 with other content (refused)
        // and with the same (answered from the store).
        #expect(throws: TillError.self) { try f.purchase(f.coffee("T1", member: "M00000001", cups: 2)).get() }
        #expect(try f.purchase(f.coffee("T1", member: "M00000001")).get().replay)
        _ = try f.purchase(f.coffee("T4", member: "M00000003")).get()  // Cleo's card and points wallet
        for i in 5...70 {
            _ = try f.purchase(f.coffee("T\(i)", member: "M0000000\(i % 3 + 1)", cups: 2)).get()
            // Reversals take the ids of their row and ledger rows too; a resent one takes none.
            if i % 10 == 0 { _ = try f.void(VoidRequest(voidId: "V\(i)", transactionId: "T\(i - 1)")).get() }
            if i % 10 == 5 {
                let back = ReturnRequest(returnId: "R\(i)", transactionId: "T\(i - 1)",
                                         lines: [ReturnLine(lineId: "1", quantity: .one)])
                _ = try f.returnItems(back).get()
                #expect(try f.returnItems(back).get().replay)
            }
        }
        for table in ["purchases", "member_benefits", "wallets", "ledger", "reversals"] {
            #expect(try f.sql("SELECT max(id) = count(*) FROM \(table)") == 1, "\(table) has gaps or collisions")
        }
        #expect(try f.sql("SELECT count(*) FROM reversals") == 14)
        #expect(try f.sql("SELECT count(*) FROM purchases") == 69)
        #expect(try f.store.verify().problems == [])
    }

    /// At a member's fold point the purchase completes a card whose earlier punches were recorded on member rows: the
    /// card's row is written with its exact count by the posting, and the fold (read before the purchase wrote)
    /// leaves it as written.
    @Test func aCardCompletedAtAFoldPointKeepsItsCount() throws {
        let f = try OfficeFixture()
        var catalog = DemoProgram.catalog
        catalog.punchCards[0].punchesRequired = FoldPoint.interval
        try f.loyalty.configure(catalog: catalog, settings: DemoProgram.settings)
        for i in 1...FoldPoint.interval {
            let receipt = try f.purchase(f.coffee("T\(i)", member: "M00000001")).get()
            #expect(receipt.members[0].punches.first?.completed == (i == FoldPoint.interval))
        }
        let cards = try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000001", kind: .punchCard)))
        let completed = cards.filter { $0.status != .active }
        #expect(completed.count == 1 && completed.first?.punches == FoldPoint.interval)
        #expect(try f.store.verify().problems == [])
    }
}
