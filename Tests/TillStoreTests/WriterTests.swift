import Foundation
import Synchronization
import Testing
import TillCore
@testable import TillStore
import TillStoreTesting

@Suite struct WriterTests {
    @Test func failingRequestIsRolledBackAloneInsideOneBatch() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let member = try store.member("m1")
        store.writer.pause()
        let completions = Completions<WalletCredit.Outcome>()
        for index in 0..<10 {
            // Request 5 first writes its wallet row and ledger entry, then fails on a spend beyond the balance.
            let request = index == 5 ? credit("op-\(index)", member: member, -1_000) : credit("op-\(index)", member: member, 10)
            completions.submit(request, as: index, to: store)
        }
        let failing = Completions<Int>()
        failing.submit(ClosureWrite { context in
            try context.execute("INSERT INTO settings (key, value, updated_at) VALUES ('half', 'written', 1)")
            throw TillError.notAllowed(field: nil, reason: "changed my mind")
        }, as: 0, to: store)
        let batchesBefore = store.stats.batches
        store.writer.resume()
        let results = completions.wait()
        let failed = failing.wait()

        #expect(store.stats.batches == batchesBefore + 1)
        #expect(store.stats.maxBatchSize == 11)
        // The optimistic pass (no savepoints) met request 5, rolled back, and the batch ran again isolated.
        #expect(store.stats.batchesRerun == 1)
        for index in 0..<10 where index != 5 { #expect((try? results[index]!.get())?.replayed == false) }
        #expect(results[5] == .failure(.insufficientBalance(field: "delta", wallet: .points, requested: 1_000, available: 50)))
        #expect(failed[0] == .failure(.notAllowed(field: nil, reason: "changed my mind")))
        let (balance, entries, settings) = try store.read { connection in
            (try connection.int64("SELECT balance + (SELECT coalesce(sum(delta), 0) FROM ledger l WHERE l.wallet_id = w.id AND l.id > w.counted_through) FROM wallets w"), try connection.int64("SELECT count(*) FROM ledger"),
             try connection.int64("SELECT count(*) FROM settings"))
        }
        #expect(balance == 90)
        #expect(entries == 9)
        #expect(settings == 0)
        #expect(try store.verify().isSound)
    }

    @Test func constraintErrorInsideRequestIsAnsweredWithoutInternals() throws {
        let folder = TemporaryFolder()
        let events = Mutex<[WriterEvent]>([])
        let store = try Store.temporary(folder) { c in c.writer.onEvent = { event in events.withLock { $0.append(event) } } }
        defer { store.shutdown() }
        let result = store.writeAndWait(ClosureWrite { context in
            try context.execute("INSERT INTO members (member_key) VALUES ('x')")  // NOT NULL columns missing
        })
        guard case .failure(.notAllowed) = result else { Issue.record("got \(result)"); return }
        #expect(try store.member("ok") > 0)  // the writer goes on
        // The operator learns about it through the writer's events (the daemon logs them), with SQLite's reason.
        let seen = events.withLock { $0 }
        #expect(seen.count == 1)
        guard case .requestRolledBack(let error)? = seen.first else { Issue.record("events: \(seen)"); return }
        #expect(error.contains("NOT NULL constraint failed: members.status"))
    }

    @Test func fullQueueFailsAtOnceWithOverloaded() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) { $0.writer.queueCapacity = 4; $0.writer.retryAfterMilliseconds = 7 }
        defer { store.shutdown() }
        store.writer.pause()
        let completions = Completions<Int>()
        for index in 0..<6 { completions.submit(ClosureWrite { _ in index }, as: index, to: store) }
        #expect(store.stats.queueDepth == 4)
        #expect(store.stats.rejectedOverloaded == 2)
        store.writer.resume()
        let results = completions.wait()
        #expect(results[4] == .failure(.overloaded(retryAfterMs: 7)))
        #expect(results[5] == .failure(.overloaded(retryAfterMs: 7)))
        for index in 0..<4 { #expect(results[index] == .success(index)) }
    }

    @Test func batchesAreBoundedAndStatsAddUp() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) { $0.writer.maxBatchSize = 16 }
        defer { store.shutdown() }
        let member = try store.member("m1")
        store.writer.pause()
        let completions = Completions<Int>()
        for index in 0..<40 {
            completions.submit(ClosureWrite { context in
                _ = try credit("op-\(index)", member: member, 3).apply(context)
                return index
            }, as: index, to: store)
        }
        store.writer.resume()
        #expect(completions.wait().count == 40)
        // No request was refused: each batch committed in its first pass (no savepoints), each credit applied once.
        #expect(try store.read { try $0.int64("SELECT balance + (SELECT coalesce(sum(delta), 0) FROM ledger l WHERE l.wallet_id = w.id AND l.id > w.counted_through) FROM wallets w") } == 120)
        #expect(try store.read { try $0.int64("SELECT count(*) FROM ledger") } == 40)
        let stats = store.stats
        #expect(stats.batchesRerun == 0)
        #expect(stats.batches == 4)  // the member's registration, then 16 + 16 + 8
        #expect(stats.requests == 41 && stats.succeeded == 41 && stats.batchSizeSum == 41)
        #expect(stats.maxBatchSize == 16)
        #expect(stats.batchSizeHistogram[2] == 3)  // 16, 16 and 8 all fall in 5...16
    }

    @Test func asyncWriteReturnsTheDurableOutput() async throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let id = try await store.write(RegisterMember(memberKey: "async", registeredAt: 1))
        #expect(id == 1)
    }

    /// Where a `Token` says it was freed.
    final class Freed: Sendable {
        let signal = DispatchSemaphore(value: 0)
        let thread = Mutex<pthread_t?>(nil)
    }

    /// Something a request holds, which says on which thread it was freed.
    final class Token: Sendable {
        let freed: Freed
        init(_ freed: Freed) { self.freed = freed }
        deinit {
            freed.thread.withLock { $0 = pthread_self() }
            freed.signal.signal()
        }
    }

    /// A request that holds a `Token` and writes nothing.
    struct HoldsToken: WriteRequest {
        let token: Token
        init(_ freed: Freed) { token = Token(freed) }
        func apply(_ context: WriteContext) throws -> Int { 1 }
    }

    /// Answered requests are freed off the writer thread (their deinit is its time), and an idle writer keeps none:
    /// with the last batch kept until the next, the token below would never be freed; freed by the writer, it would
    /// name its thread. (The writer waits behind a gate until this thread no longer holds the request.)
    @Test func answeredRequestsAreFreedOffTheWriterOnceItIsIdle() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let gate = DispatchSemaphore(value: 0)
        let writerThread = Mutex<pthread_t?>(nil)
        try store.submit(ClosureWrite { _ in
            writerThread.withLock { $0 = pthread_self() }
            gate.wait()
            return 0
        }) { _ in }
        let freed = Freed()
        let answered = DispatchSemaphore(value: 0)
        do { try store.submit(HoldsToken(freed)) { _ in answered.signal() } }
        gate.signal()
        #expect(answered.wait(timeout: .now() + .seconds(30)) == .success)
        #expect(freed.signal.wait(timeout: .now() + .seconds(30)) == .success, "an idle writer still holds an answered request")
        let writer = try #require(writerThread.withLock { $0 })
        let freer = try #require(freed.thread.withLock { $0 })
        #expect(pthread_equal(writer, freer) == 0, "the writer thread freed an answered request")
    }

    @Test func shutdownDrainsQueuedWritesThenRefuses() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        store.writer.pause()
        let completions = Completions<Int64>()
        for index in 0..<5 { completions.submit(RegisterMember(memberKey: "m\(index)", registeredAt: 1), as: index, to: store) }
        store.shutdown()
        #expect(completions.wait().values.allSatisfy { (try? $0.get()) != nil })
        #expect(store.writeAndWait(ClosureWrite { _ in 1 }) == .failure(.shuttingDown))
        #expect(try store.read { try $0.int64("SELECT count(*) FROM members") } == 5)
    }
}

@Suite struct WalletCreditTests {
    @Test func sameKeyTwiceAppliesOnce() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let member = try store.member("m")
        let first = try store.writeAndWait(credit("k1", member: member, 25)).get()
        let again = try store.writeAndWait(credit("k1", member: member, 25)).get()
        #expect(!first.replayed && again.replayed)
        #expect(first.ledgerId == again.ledgerId && again.balance == 25)
        // Both in one batch: the second sees the first's savepoint, still once.
        store.writer.pause()
        let completions = Completions<WalletCredit.Outcome>()
        completions.submit(credit("k2", member: member, 5), as: 0, to: store)
        completions.submit(credit("k2", member: member, 5), as: 1, to: store)
        store.writer.resume()
        let results = completions.wait()
        #expect(try results[0]!.get().replayed == false && results[1]!.get().replayed == true)
        #expect(try store.read { try $0.int64("SELECT balance + (SELECT coalesce(sum(delta), 0) FROM ledger l WHERE l.wallet_id = w.id AND l.id > w.counted_through) FROM wallets w") } == 30)
        #expect(try store.read { try $0.int64("SELECT count(*) FROM ledger") } == 2)
    }

    @Test func sameKeyDifferentBodyConflicts() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let member = try store.member("m")
        _ = try store.writeAndWait(credit("k", member: member, 25)).get()
        #expect(store.writeAndWait(credit("k", member: member, 26)) == .failure(.transactionConflict(field: .adjustmentId, id: "k")))
    }

    @Test func unknownMemberAndZeroDeltaAreRefused() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        #expect(store.writeAndWait(credit("k", member: 99, 1)) == .failure(.memberNotFound(field: "memberId")))
        #expect(store.writeAndWait(credit("z", member: 99, 0)) == .failure(.invalidRequest(field: "delta", reason: "must not be zero")))
    }

    @Test func ledgerIsAppendOnly() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let member = try store.member("m")
        _ = try store.writeAndWait(credit("k", member: member, 3)).get()
        let result = store.writeAndWait(ClosureWrite { try $0.execute("UPDATE ledger SET delta = 4") })
        guard case .failure = result else { Issue.record("ledger update was allowed"); return }
    }
}
