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
        #expect(store.visibility.lag == 1)

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
