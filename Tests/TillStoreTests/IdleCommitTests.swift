import Dispatch
import Synchronization
import Testing
import TillCore
@testable import TillStore
import TillStoreTesting

/// `WriterConfiguration.idleCommitMicroseconds`: after the answers, with nothing queued, the writer waits a while for
/// the next request before its COMMIT; the next request goes on in the same transaction, a read that waits for the
/// COMMIT gets it at once, and the COMMIT comes anyway once the time has passed.
@Suite struct IdleCommitTests {
    /// With a delay longer than the test may run (an hour), writes awaited one after the other share a COMMIT, and a
    /// read wakes the writer, which commits them at once. Without the wake-up the read would wait the hour (the test
    /// gives up after 30 s and fails); without the carry each write would have its own COMMIT.
    @Test func writesShareTheCommitUntilAReadWakesTheWriter() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) {
            $0.writer.idleCommitMicroseconds = 3_600_000_000
            $0.writer.checkpointWalPages = 100_000  // no COMMIT because a checkpoint is due
        }
        defer { store.shutdown() }
        let member = try store.member("m")
        _ = try store.read { _ in }  // commits the registration (the first COMMIT is due anyway: no estimate yet)
        let before = store.stats
        let waitsBefore = store.visibility.waits
        for index in 0..<3 {
            let answer = store.writeAndWait(credit("op-\(index)", member: member, 10))
            guard case .success = answer else { Issue.record("credit \(index) was refused: \(answer)"); return }
        }
        #expect(store.stats.commits == before.commits, "the three answered credits wait in the open transaction")
        #expect(store.visibility.lag == 3)
        let seen = Mutex<Result<Int64?, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        try store.submitRead({ try $0.int64("SELECT coalesce(sum(delta), 0) FROM ledger") }) { result in
            seen.withLock { $0 = result }
            done.signal()
        }
        guard done.wait(timeout: .now() + 30) == .success else {
            Issue.record("the read waited 30 s: it did not wake the writer")
            return
        }
        #expect(try seen.withLock { $0 }?.get() == 30)
        #expect(store.stats.commits == before.commits + 1)
        #expect(store.visibility.waits == waitsBefore + 1)
        #expect(store.visibility.lag == 0)
    }

    /// With a short delay and no read, the answered write is committed once the delay has passed: the test waits for
    /// the COMMIT itself (the hook just before it), and no read was needed for it.
    @Test func theCommitComesOnceTheDelayHasPassed() throws {
        let folder = TemporaryFolder()
        let committing = DispatchSemaphore(value: 0)
        let store = try Store.temporary(folder) { configuration in
            configuration.writer.idleCommitMicroseconds = 2_000
            configuration.writer.checkpointWalPages = 100_000
            configuration.writer.faults.beforeVisible = { batch in if batch == 2 { committing.signal() } }
        }
        defer { store.shutdown() }
        let member = try store.member("m")  // batch 1
        let answer = store.writeAndWait(credit("op", member: member, 7))  // batch 2
        guard case .success = answer else { Issue.record("the credit was refused: \(answer)"); return }
        guard committing.wait(timeout: .now() + 30) == .success else {
            Issue.record("no COMMIT 30 s after the answer: the delay did not end the carry")
            return
        }
        #expect(store.visibility.waits == 0, "no read waited: the delay ended the carry")
        #expect(try store.read { try $0.int64("SELECT coalesce(sum(delta), 0) FROM ledger") } == 7)
    }
}
