import Dispatch
import Foundation
import Synchronization
import Testing
import TillCore
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// A purchase's accounts read by a reader thread while it waits in the writer's queue (`PrefetchedAccounts`) stand in
/// for the writer's read only when no batch after the reader's snapshot may have changed them. (Debug builds compare
/// every prefetched account the writer uses with a read in its transaction, `AccountReader.difference`, and trap on a
/// difference: a stale account used is a crash of the test run, not only a failed expectation.)
@Suite struct PrefetchedAccountsTests {
    /// A store whose writer can be paused and held before a COMMIT; `prefetch`: the store offers reads ahead itself.
    private func fixture(prefetch: Bool) throws -> OfficeFixture {
        try OfficeFixture {
            _ = $0.writer.faults
            $0.writer.prefetchAccounts = prefetch
            $0.reading.threads = 1  // one reader: a read submitted after an offered one runs after it
        }
    }

    private func member(_ key: String) -> [MemberIdentifier] { [MemberIdentifier(kind: .memberKey, value: key)] }

    /// Reads ahead for `identifiers` the way `LoyaltyStore.purchase` does (an offered read, no wait for COMMITs) and
    /// returns the slot once the reader filled it.
    /// `committedFirst`: after every answered write is committed (a read that waits for them runs first).
    private func readAhead(_ f: OfficeFixture, _ identifiers: [MemberIdentifier], committedFirst: Bool = true) throws -> PrefetchSlot {
        if committedFirst { _ = try f.sql("SELECT 1") }
        let slot = PrefetchSlot()
        let done = DispatchSemaphore(value: 0)
        let (store, programs) = (f.store, f.loyalty.programs)
        let offered = store.readers.offer { connection in
            slot.fill(try? PrefetchedAccounts.read(identifiers, committed: { store.visibility.committedBatch },
                                                   programs: programs, now: store.now, on: connection))
            done.signal()
        }
        precondition(offered, "the read queue is empty in these tests")
        done.wait()
        return slot
    }

    /// Submits `request` with `slot`; the returned function waits for its answer.
    private func submit(_ f: OfficeFixture, _ request: PurchaseRequest, slot: PrefetchSlot) throws -> () -> Result<Receipt, TillError> {
        var post = f.loyalty.purchaseRequest(request, terminal: f.pos, fingerprint: Fingerprint.of(.purchase(request))!.bytes)
        post.prefetch = slot
        let box = Mutex<Result<Receipt, TillError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        try f.store.submit(post) { result in box.withLock { $0 = result }; done.signal() }
        return {
            done.wait()
            return box.withLock { $0! }
        }
    }

    /// Submits `request` with `slot` and waits for its answer.
    private func purchase(_ f: OfficeFixture, _ request: PurchaseRequest, slot: PrefetchSlot) throws -> Result<Receipt, TillError> {
        try submit(f, request, slot: slot)()
    }

    @Test func theStoreReadsAQueuedPurchasesAccountsAheadOfTheWriter() throws {
        let f = try fixture(prefetch: true)
        defer { f.store.shutdown() }
        _ = try f.purchase(f.coffee("T0", member: "M00000002")).get()  // the program is cached: reads ahead may use it
        _ = try f.sql("SELECT 1")  // and T0 committed: the read ahead below holds every batch
        let (used, misses) = (f.store.stats.prefetchedAccountsUsed, f.store.stats.hotAccountMisses)
        f.store.writer.pause()
        let answered = DispatchSemaphore(value: 0)
        try f.loyalty.purchase(f.coffee("T1", member: "M00000001"), terminal: f.pos, fingerprint: [1]) { result in
            #expect((try? result.get()) != nil)
            answered.signal()
        }
        // One reader thread, first in first out: once this read has run, the one offered for T1 has too.
        let behind = DispatchSemaphore(value: 0)
        try f.store.submitRead({ _ in 0 }) { _ in behind.signal() }
        behind.wait()
        f.store.writer.resume()
        answered.wait()
        #expect(f.store.stats.prefetchedAccountsUsed == used + 1)
        #expect(f.store.stats.hotAccountMisses == misses)  // the writer read nothing of M00000001's account
        #expect(try f.store.verify().problems == [])
    }

    @Test func aCurrentReadAheadDecidesThePurchase() throws {
        let f = try fixture(prefetch: false)
        defer { f.store.shutdown() }
        _ = try f.purchase(f.coffee("T1", member: "M00000001", cups: 4)).get()
        let slot = try readAhead(f, member("M00000001"))
        _ = try purchase(f, f.coffee("T2", member: "M00000001"), slot: slot).get()
        #expect(f.store.stats.prefetchedAccountsUsed == 1 && f.store.stats.prefetchedAccountsStale == 0)
        #expect(f.store.stats.hotAccountMisses == 1)  // T1's read only
        #expect(try f.store.verify().problems == [])
    }

    @Test func aReadAheadOlderThanAPurchaseOfItsMemberIsReadAgain() throws {
        let f = try fixture(prefetch: false)
        defer { f.store.shutdown() }
        _ = try f.purchase(f.coffee("T1", member: "M00000002")).get()  // the program cached
        let slot = try readAhead(f, member("M00000001"))
        // After the read: its points are not in it. (M00000001's first read: not kept in memory, where the writer
        // would find it before any read ahead.)
        _ = try f.purchase(f.coffee("T2", member: "M00000001", cups: 8)).get()
        _ = try purchase(f, f.coffee("T3", member: "M00000001"), slot: slot).get()
        #expect(f.store.stats.prefetchedAccountsUsed == 0 && f.store.stats.prefetchedAccountsStale == 1)
        #expect(try f.store.verify().problems == [])
    }

    @Test func aReadAheadOfAnotherMemberStaysCurrent() throws {
        let f = try fixture(prefetch: false)
        defer { f.store.shutdown() }
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        let slot = try readAhead(f, member("M00000001"))
        _ = try f.purchase(f.coffee("T2", member: "M00000002")).get()
        _ = try purchase(f, f.coffee("T3", member: "M00000001"), slot: slot).get()
        #expect(f.store.stats.prefetchedAccountsUsed == 1 && f.store.stats.prefetchedAccountsStale == 0)
    }

    @Test func aReadAheadOlderThanAnOperatorWriteIsReadAgain() throws {
        let f = try fixture(prefetch: false)
        defer { f.store.shutdown() }
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        let slot = try readAhead(f, member("M00000001"))
        // Any member of it: the writer cannot tell which accounts an operator's write changes.
        _ = try f.run(.memberUpdate(MemberUpdate(memberKey: "M00000002", fields: MemberFields(lastName: "Other")))).get()
        _ = try purchase(f, f.coffee("T2", member: "M00000001"), slot: slot).get()
        #expect(f.store.stats.prefetchedAccountsUsed == 0 && f.store.stats.prefetchedAccountsStale == 1)
    }

    /// Answers leave before their COMMIT: a read ahead begun in between does not see the answered purchase, and must
    /// not stand in for the writer's read.
    @Test func aReadAheadThatMissesAnAnsweredUncommittedPurchaseIsReadAgain() throws {
        let f = try fixture(prefetch: false)
        defer { f.store.shutdown() }
        _ = try f.purchase(f.coffee("T1", member: "M00000002")).get()  // the program cached
        _ = try f.sql("SELECT 1")  // T1 committed: the COMMIT held below is T2's
        let armed = Atomic<Bool>(true)
        let (reached, release) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        let faults = try #require(f.store.writer.configuration.hooks as? WriterFaults)
        faults.beforeVisible = { _ in
            guard armed.exchange(false, ordering: .sequentiallyConsistent) else { return }
            reached.signal()
            release.wait()
        }
        _ = try f.purchase(f.coffee("T2", member: "M00000001", cups: 8)).get()  // answered; its COMMIT held
        reached.wait()
        let slot = try readAhead(f, member("M00000001"), committedFirst: false)
        let third = try submit(f, f.coffee("T3", member: "M00000001"), slot: slot)  // queued behind the held COMMIT
        release.signal()
        _ = try third().get()
        #expect(f.store.stats.prefetchedAccountsUsed == 0 && f.store.stats.prefetchedAccountsStale == 1)
        #expect(try f.store.verify().problems == [])
    }

    @Test func aSlotTakenBeforeItIsFilledDropsTheFill() throws {
        let slot = PrefetchSlot()
        #expect(!slot.isTaken)
        #expect(slot.take() == nil)
        #expect(slot.isTaken)
        slot.fill(PrefetchedAccounts(snapshot: 1, readAt: Timestamp(millisecondsSinceEpoch: 0), programGeneration: 0,
                                     members: [:], entries: [:]))
        #expect(slot.take() == nil)
    }
}

/// `ReaderPool.offer`: work that helps but is not needed never takes the room of needed reads.
@Suite struct OfferedReadTests {
    @Test func offeredReadsTakeAtMostHalfTheQueue() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) {
            $0.reading.threads = 1
            $0.reading.queueCapacity = 4
        }
        defer { store.shutdown() }
        let (running, release) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        try store.submitRead({ _ in running.signal(); release.wait(); return 0 }) { _ in }
        running.wait()  // the one reader is busy: everything below waits in the queue
        #expect(store.readers.offer { _ in })
        #expect(store.readers.offer { _ in })
        #expect(!store.readers.offer { _ in }, "a third offered read would take more than half the queue")
        try store.submitRead({ _ in 0 }) { _ in }
        try store.submitRead({ _ in 0 }) { _ in }
        #expect(throws: TillError.self) { try store.submitRead({ _ in 0 }) { _ in } }
        release.signal()
    }
}
