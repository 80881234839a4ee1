import Synchronization
import Testing
import TillCore
@testable import TillStore
import TillStoreTesting

@Suite struct FailStopTests {
    @Test func commitFailureFailsTheBatchAndStopsTheWriter() throws {
        let folder = TemporaryFolder()
        let armed = Atomic<Bool>(false)
        let store = try Store.temporary(folder) { configuration in
            configuration.writer.faults.beforeCommit = { _ in
                if armed.load(ordering: .relaxed) {
                    throw SQLiteError(extendedCode: 1034, message: "disk I/O error (injected fsync failure)")
                }
            }
        }
        defer { store.shutdown() }
        let member = try store.member("m")
        _ = try store.read { _ in }  // committed: the failing batch does not carry it on
        store.writer.pause()
        let completions = Completions<WalletCredit.Outcome>()
        for index in 0..<5 { completions.submit(credit("op-\(index)", member: member, 1), as: index, to: store) }
        armed.store(true, ordering: .relaxed)
        store.writer.resume()
        let results = completions.wait()
        for index in 0..<5 {
            guard case .failure(.storageFailure) = results[index]! else { Issue.record("request \(index): \(results[index]!)"); continue }
        }
        armed.store(false, ordering: .relaxed)
        guard case .failure(.storageFailure) = store.writeAndWait(credit("later", member: member, 1)) else {
            Issue.record("the writer accepted a write after a failed commit"); return
        }
        #expect(store.stats.storageFailure != nil)
        #expect(try store.read { try $0.int64("SELECT count(*) FROM ledger") } == 0)
        store.shutdown()
        // A restart serves again, with nothing of the failed batch.
        let reopened = try Store.temporary(folder)
        defer { reopened.shutdown() }
        #expect(try reopened.read { try $0.int64("SELECT count(*) FROM ledger") } == 0)
        #expect(try reopened.writeAndWait(credit("op-0", member: member, 1)).get().replayed == false)
    }

    @Test func diskFullInsideARequestFailsTheWholeBatch() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let member = try store.member("m")
        _ = try store.read { _ in }  // its COMMIT is done: the next batch has a transaction of its own
        _ = try store.writeAndWait(ClosureWrite { context in
            let pages = try context.connection.int64("PRAGMA page_count")!
            _ = try context.connection.int64("PRAGMA max_page_count = \(pages + 2)")
        }).get()
        store.writer.pause()
        let small = Completions<WalletCredit.Outcome>()
        small.submit(credit("small", member: member, 1), as: 0, to: store)
        let big = Completions<Void>()
        big.submit(ClosureWrite { context in
            try context.execute("INSERT INTO notes_overflow_probe VALUES (?)", [.blob([UInt8](repeating: 7, count: 200_000))])
        }, as: 0, to: store)
        store.writer.resume()
        // The probe table does not exist: a plain error, rolled back alone. Now the real disk-full.
        guard case .success = small.wait()[0]! else { Issue.record("small write failed"); return }
        #expect(store.stats.storageFailure == nil)
        // Committed before the next batch (else the disk-full batch would carry it on and take it down with it:
        // reads would then be refused until a restart replays it, `VisibilityTests`).
        _ = try store.read { _ in }

        store.writer.pause()
        let second = Completions<WalletCredit.Outcome>()
        second.submit(credit("small-2", member: member, 1), as: 0, to: store)
        let huge = Completions<Void>()
        huge.submit(ClosureWrite { context in
            try context.execute("INSERT INTO member_notes (member_id, author, created_at, text) VALUES (?, 'a', 1, ?)",
                                [.integer(member), .text(String(repeating: "n", count: 200_000))])
        }, as: 0, to: store)
        store.writer.resume()
        guard case .failure(.storageFailure) = huge.wait()[0]!, case .failure(.storageFailure) = second.wait()[0]! else {
            Issue.record("disk full did not fail the batch"); return
        }
        #expect(store.stats.storageFailure?.contains("full") == true)
        #expect(try store.read { try $0.int64("SELECT count(*) FROM ledger") } == 1)
    }
}

@Suite struct ForeignLockTests {
    @Test func writeLockHeldByAnotherProcessAnswersOverloadedWithoutStopping() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) { $0.writer.retryAfterMilliseconds = 9 }
        defer { store.shutdown() }
        let intruder = try Connection(path: folder.path("till.db"), options: OpenOptions(mode: .readWrite))
        try intruder.execute("BEGIN IMMEDIATE")
        #expect(store.writeAndWait(RegisterMember(memberKey: "m", registeredAt: 1)) == .failure(.overloaded(retryAfterMs: 9)))
        try intruder.execute("ROLLBACK")
        #expect(try store.writeAndWait(RegisterMember(memberKey: "m", registeredAt: 1)).get() == 1)
        #expect(store.stats.storageFailure == nil)
    }

    /// The rollback of a refused request releases the write lock for a moment; if another process takes it, the
    /// batch is answered `overloaded` (nothing was written), not failed-stop.
    @Test func lockTakenBeforeTheRerunAnswersOverloaded() throws {
        let folder = TemporaryFolder()
        let intruder = IntruderConnection(path: folder.path("till.db"))
        let store = try Store.temporary(folder) { c in
            c.writer.retryAfterMilliseconds = 9
            c.writer.faults.beforeRerun = { intruder.takeWriteLock() }
        }
        defer { store.shutdown() }
        let member = try store.member("m1")
        // Its COMMIT is done: the next batch begins a transaction of its own, which the rollback ends. (A batch
        // carried on in a transaction with answered batches rolls back to its savepoint and keeps the lock.)
        _ = try store.read { _ in }
        store.writer.pause()
        let credits = Completions<WalletCredit.Outcome>()
        credits.submit(credit("op-1", member: member, 5), as: 0, to: store)
        let refused = Completions<Int>()
        refused.submit(ClosureWrite { context in
            // Refused after a change: the batch is rolled back (releasing the lock) and run again.
            try context.execute("INSERT INTO activity_log (created_at, grp, type, source, details) VALUES (0, 'app', 'test', 'system', '{}')")
            throw TillError.notAllowed(field: nil, reason: "no")
        }, as: 0, to: store)
        store.writer.resume()
        #expect(credits.wait()[0] == .failure(.overloaded(retryAfterMs: 9)))
        #expect(refused.wait()[0] == .failure(.overloaded(retryAfterMs: 9)))
        #expect(store.stats.storageFailure == nil && store.stats.batchesRerun == 1)
        try intruder.release()
        _ = try store.writeAndWait(credit("op-2", member: member, 5)).get()
        #expect(try store.read { try $0.int64("SELECT balance + (SELECT coalesce(sum(delta), 0) FROM ledger l WHERE l.wallet_id = w.id AND l.id > w.counted_through) FROM wallets w") } == 5)
    }
}

/// Another process's connection, opened and locked from the writer's fault hook.
final class IntruderConnection: @unchecked Sendable {
    private let path: String
    private var connection: Connection?

    init(path: String) { self.path = path }

    func takeWriteLock() {
        connection = try? Connection(path: path, options: OpenOptions(mode: .readWrite))
        try? connection?.execute("BEGIN IMMEDIATE")
    }

    func release() throws { try connection?.execute("ROLLBACK") }
}
