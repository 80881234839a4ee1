import Dispatch
import Foundation
import Synchronization
import Testing
import TillCore
@testable import TillStore
import TillStoreTesting

/// Answers leave after the journal sync and before the COMMIT: what a read begun in between sees, and what a COMMIT
/// that fails after the answers leaves behind.
@Suite struct VisibilityTests {
    /// The writer is held between a write's answer and its COMMIT; a read submitted then must wait for the COMMIT and
    /// see the write. Without the wait it would run at once on the committed state, without the write (the test
    /// learns which happened first: the read's completion or its wait, and only then lets the COMMIT go).
    @Test func aReadBegunAfterAnAnswerWaitsForItsCommitAndSeesTheWrite() throws {
        let folder = TemporaryFolder()
        let held = DispatchSemaphore(value: 0)
        let go = DispatchSemaphore(value: 0)
        let progress = DispatchSemaphore(value: 0)
        // Batch 1 registers the member, batch 2 is the credit (each awaited before the next is sent).
        let store = try Store.temporary(folder) { configuration in
            configuration.writer.faults.beforeVisible = { batch in
                guard batch == 2 else { return }
                held.signal()
                go.wait()
            }
            configuration.reading.onCommitWait = { progress.signal() }
        }
        defer { store.shutdown() }
        let member = try store.member("m")
        let answer = store.writeAndWait(credit("op-1", member: member, 25))
        guard case .success = answer else { Issue.record("the credit was refused: \(answer)"); return }
        held.wait()  // answered; the COMMIT has not run
        #expect(store.visibility.lag >= 1)  // 2 when the registration's COMMIT was carried on with the credit

        let seen = Mutex<Result<Int64?, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        try store.submitRead({ try $0.int64("SELECT coalesce(sum(delta), 0) FROM ledger") }) { result in
            seen.withLock { $0 = result }
            progress.signal()
            done.signal()
        }
        progress.wait()  // the read either waits for the COMMIT or has already finished without it
        go.signal()
        done.wait()
        #expect(try seen.withLock { $0 }?.get() == 25, "a read sent after the answer must see the write")
        #expect(store.visibility.waits == 1)
        #expect(store.visibility.waited.count == 1, "its wait is timed")
        #expect(store.visibility.lag == 0)
        // With nothing answered and uncommitted, reads do not wait.
        #expect(try store.read { try $0.int64("SELECT count(*) FROM ledger") } == 1)
        #expect(store.visibility.waits == 1)
    }

    /// A COMMIT failing after the answers: the writer stops, reads that would need the batch are refused instead
    /// of answering without it, and the next start replays the batch from the journal.
    @Test func aCommitFailingAfterTheAnswerIsReplayedFromTheJournal() throws {
        let folder = TemporaryFolder()
        // Batch 1 registers the member, batch 2 is the credit.
        var store: Store? = try Store.temporary(folder) { configuration in
            configuration.writer.faults.beforeVisible = { batch in
                if batch == 2 { throw SQLiteError(extendedCode: 10, message: "disk I/O error (injected COMMIT failure)") }
            }
        }
        let member = try store!.member("m")
        guard case .success(let outcome) = store!.writeAndWait(credit("op-1", member: member, 40)) else {
            Issue.record("the credit was not acknowledged"); return
        }
        #expect(outcome.replayed == false)
        #expect(throws: TillError.self, "a read must not answer from a state without an acknowledged write") {
            try store!.read { try $0.int64("SELECT count(*) FROM ledger") }
        }
        guard case .failure(.storageFailure) = store!.writeAndWait(credit("op-2", member: member, 1)) else {
            Issue.record("the writer accepted a write after a failed COMMIT"); return
        }
        #expect(store!.stats.storageFailure?.contains("COMMIT of answered batch") == true)
        store!.shutdown()
        store = nil

        let reopened = try Store.temporary(folder)
        defer { reopened.shutdown() }
        #expect(reopened.stats.journalReplayed >= 1)
        #expect(try reopened.read { try $0.int64("SELECT coalesce(sum(delta), 0) FROM ledger WHERE member_id = ?", [.integer(member)]) } == 40)
        guard case .success(let again) = reopened.writeAndWait(credit("op-1", member: member, 40)) else {
            Issue.record("the resend failed"); return
        }
        #expect(again.replayed, "the acknowledged write is there exactly once")
    }

    /// The writer thread must never wait for its own COMMIT: a completion that reads the store traps at once
    /// (instead of hanging the writer forever).
    @Test func aCompletionThatReadsTheStoreTraps() async {
        await #expect(processExitsWith: .failure) {
            let folder = TemporaryFolder()
            let store = try Store.temporary(folder)
            let member = try store.member("m")
            let done = DispatchSemaphore(value: 0)
            try store.submit(credit("op-1", member: member, 5)) { _ in
                _ = try? store.read { try $0.int64("SELECT count(*) FROM ledger") }
                done.signal()
            }
            done.wait()
        }
    }
}

/// While requests keep coming, answered batches share one COMMIT; a refused request rolls back only its own batch.
@Suite struct CarriedCommitTests {
    /// Six requests queued while the writer is held, one per batch: six batches, five journal records (the refused
    /// one changed nothing), and one COMMIT once the queue is empty. A request refused before it changed anything,
    /// in a batch of its own or of two, is answered in place: nothing is rolled back, nothing runs again.
    @Test(arguments: [1, 2]) func answeredBatchesShareOneCommitWhileRequestsWait(batchSize: Int) throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) {
            $0.writer.maxBatchSize = batchSize
            $0.writer.checkpointWalPages = 100_000  // no COMMIT because a checkpoint is due: only the ones under test
        }
        defer { store.shutdown() }
        let member = try store.member("m")
        _ = try store.read { _ in }  // waits for the registration's COMMIT (counted before it is visible)
        let before = store.stats
        store.writer.pause()
        let completions = Completions<WalletCredit.Outcome>()
        for index in 0..<6 {
            // `delta: 0` is refused (`invalid_request`, field `delta`).
            completions.submit(credit("op-\(index)", member: member, index == 3 ? 0 : 10), as: index, to: store)
        }
        store.writer.resume()
        let results = completions.wait()
        for index in 0..<6 where index != 3 {
            guard case .success = results[index]! else { Issue.record("request \(index): \(results[index]!)"); continue }
        }
        guard case .failure(.invalidRequest(field: "delta", _)) = results[3]! else { Issue.record("\(results[3]!)"); return }
        _ = try store.read { _ in }  // after the last COMMIT
        let after = store.stats
        #expect(after.batches - before.batches == 6 / batchSize)
        #expect(after.journalRecords - before.journalRecords == (batchSize == 1 ? 5 : 3))
        #expect(after.batchesRerun - before.batchesRerun == 0)
        #expect(after.answeredBatchesRestored - before.answeredBatchesRestored == 0)
        #expect(after.commits - before.commits == 1)
        #expect(store.visibility.lag == 0)
        #expect(try store.read { try $0.int64("SELECT sum(delta) FROM ledger WHERE member_id = ?", [.integer(member)]) } == 50)
        #expect(after.storageFailure == nil)
    }

    /// A request refused after it changed something, in a batch carried on after answered ones: the transaction is
    /// rolled back, the answered batches are applied again from their journal records, and the batch runs again
    /// with a savepoint per request. Everything answered is there once, the refused request left nothing, and the
    /// journal still replays to the same database.
    @Test(arguments: [1, 3]) func aRefusalAfterAChangeRestoresTheAnsweredBatches(batchSize: Int) throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) {
            $0.writer.maxBatchSize = batchSize
            $0.writer.checkpointWalPages = 100_000  // no COMMIT because a checkpoint is due: only the ones under test
        }
        let member = try store.member("m")
        _ = try store.read { _ in }
        let before = store.stats
        store.writer.pause()
        let credits = Completions<WalletCredit.Outcome>()
        for index in 0..<3 { credits.submit(credit("op-\(index)", member: member, 10), as: index, to: store) }
        let refused = Completions<Void>()
        refused.submit(ClosureWrite { context in
            try context.execute("INSERT INTO activity_log (created_at, grp, type, source, details) VALUES (0, 'app', 'probe', 'system', '{}')")
            throw TillError.notAllowed(field: nil, reason: "refused after a change")
        }, as: 0, to: store)
        for index in 3..<6 { credits.submit(credit("op-\(index)", member: member, 10), as: index, to: store) }
        store.writer.resume()
        #expect(credits.wait().values.allSatisfy { if case .success = $0 { true } else { false } })
        guard case .failure(.notAllowed(_, "refused after a change")) = refused.wait()[0]! else {
            Issue.record("the refusal was not answered"); return
        }
        _ = try store.read { _ in }
        let after = store.stats
        // One per batch: three credits answered before the refusal when a batch holds one request, one batch of
        // three when it holds three (the refusal's own batch then holds the next two credits).
        #expect(after.answeredBatchesRestored - before.answeredBatchesRestored == (batchSize == 1 ? 3 : 1))
        #expect(after.commits - before.commits == 1)
        #expect(after.storageFailure == nil)
        #expect(try store.read { try $0.int64("SELECT sum(delta) FROM ledger WHERE member_id = ?", [.integer(member)]) } == 60)
        #expect(try store.read { try $0.int64("SELECT count(*) FROM activity_log WHERE type = 'probe'") } == 0)
        store.shutdown()

        // The journal alone rebuilds the same ledger: replay it into a new database beside it.
        try FileManager.default.removeItem(atPath: folder.path("till.db"))
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: folder.path("till.db") + suffix) }
        let rebuilt = try Store.temporary(folder)
        defer { rebuilt.shutdown() }
        #expect(try rebuilt.read { try $0.int64("SELECT sum(delta) FROM ledger WHERE member_id = ?", [.integer(member)]) } == 60)
        #expect(try rebuilt.read { try $0.int64("SELECT count(*) FROM activity_log WHERE type = 'probe'") } == 0)
    }

    /// A read waiting for an answered batch ends the carried transaction at the next batch's end instead of at the
    /// queue's: batches 2–4 are committed together when the read waits (the hook runs before batch 4 is made
    /// durable), batches 5–7 when the queue is empty.
    @Test func aWaitingReadEndsTheCarriedTransaction() throws {
        let folder = TemporaryFolder()
        let progress = DispatchSemaphore(value: 0)
        let seen = Mutex<Result<Int64?, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let storeForHook = Mutex<Store?>(nil)
        let watching = Atomic<Bool>(false)  // only the hook's read reports (the test's own reads may wait too)
        let store = try Store.temporary(folder) { configuration in
            configuration.writer.maxBatchSize = 1
            configuration.writer.checkpointWalPages = 100_000  // no COMMIT because a checkpoint is due
            configuration.reading.onCommitWait = { if watching.load(ordering: .relaxed) { progress.signal() } }
            configuration.writer.faults.beforeCommit = { batch in
                guard batch == 4, let store = storeForHook.withLock({ $0 }) else { return }
                watching.store(true, ordering: .relaxed)
                try store.submitRead({ try $0.int64("SELECT coalesce(sum(delta), 0) FROM ledger") }) { result in
                    seen.withLock { $0 = result }
                    progress.signal()
                    done.signal()
                }
                progress.wait()  // the read waits for batches 2–3 (or, without the wait, has finished)
                watching.store(false, ordering: .relaxed)
            }
        }
        storeForHook.withLock { $0 = store }
        defer {
            storeForHook.withLock { $0 = nil }
            store.shutdown()
        }
        let member = try store.member("m")  // batch 1
        _ = try store.read { _ in }  // waits for its COMMIT (counted before it is visible)
        let before = store.stats
        store.writer.pause()
        let completions = Completions<WalletCredit.Outcome>()
        for index in 0..<6 { completions.submit(credit("op-\(index)", member: member, 10), as: index, to: store) }
        store.writer.resume()
        #expect(completions.wait().values.allSatisfy { if case .success = $0 { true } else { false } })
        done.wait()
        let sum = try seen.withLock { $0 }?.get() ?? -1
        #expect(sum >= 20 && sum % 10 == 0, "the read saw the batches answered before it began: \(sum)")
        _ = try store.read { _ in }  // after the last COMMIT
        #expect(store.stats.commits - before.commits == 2)
    }
}
