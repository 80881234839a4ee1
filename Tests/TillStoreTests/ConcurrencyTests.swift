import Dispatch
import Foundation
import Synchronization
import Testing
import TillCore
@testable import TillStore
import TillStoreTesting

@Suite struct ReaderTests {
    @Test func readersSeeWholeBatchesOnlyWhileWritesGoOn() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) { $0.readers = 3 }
        defer { store.shutdown() }
        _ = try store.writeAndWait(ClosureWrite { context in
            try context.execute("CREATE TABLE pair (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT")
            try context.execute("INSERT INTO pair VALUES ('a', 0), ('b', 0)")
        }).get()
        let writes = 400
        let completions = Completions<Void>()
        let writing = DispatchQueue(label: "writes")
        writing.async {
            for index in 0..<writes {
                completions.submit(ClosureWrite { context in
                    try context.execute("UPDATE pair SET v = v + 1 WHERE k = 'a'")
                    try context.execute("UPDATE pair SET v = v + 1 WHERE k = 'b'")
                }, as: index, to: store)
            }
        }
        let torn = Atomic<Int>(0)
        let backwards = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            var last: Int64 = 0
            for _ in 0..<300 {
                let (a, b) = try! store.read { connection in
                    (try connection.int64("SELECT v FROM pair WHERE k = 'a'")!,
                     try connection.int64("SELECT v FROM pair WHERE k = 'b'")!)
                }
                if a != b { torn.add(1, ordering: .relaxed) }
                if a < last { backwards.add(1, ordering: .relaxed) }
                last = a
            }
        }
        writing.sync {}
        #expect(completions.wait().count == writes)
        #expect(torn.load(ordering: .relaxed) == 0)
        #expect(backwards.load(ordering: .relaxed) == 0)
        #expect(try store.read { try $0.int64("SELECT v FROM pair WHERE k = 'b'") } == Int64(writes))
    }
}

@Suite struct CheckpointTests {
    /// One activity row of ~3 KB (a data page and an overflow page).
    static func paddedActivity(_ index: Int) -> ClosureWrite<Void> {
        let details = "{\"pad\":\"" + String(repeating: "x", count: 3_000) + "\"}"
        return ClosureWrite { context in
            try context.execute("""
                INSERT INTO activity_log (created_at, grp, type, source, details) VALUES (?, 'app', 'test', 'system', ?)
                """, [.integer(Int64(index)), .text(details)])
        }
    }

    @Test func walStaysBoundedUnderSteadyReaders() throws {
        let folder = TemporaryFolder()
        let bound: Int32 = 40
        // Batches answered while the next request already waits share a COMMIT, but only until the checkpoint is
        // due: the WAL passes the bound by at most one batch's pages, as with a COMMIT per batch.
        let store = try Store.temporary(folder) {
            $0.writer.checkpointWalPages = bound
            $0.writer.checkpointBusyTimeoutMilliseconds = 200
        }
        defer { store.shutdown() }
        let done = Atomic<Bool>(false)
        let reading = DispatchQueue(label: "reads")
        reading.async {
            while !done.load(ordering: .relaxed) {
                _ = try? store.read { try $0.int64("SELECT count(*) FROM activity_log") }
            }
        }
        for index in 0..<300 {
            _ = try store.writeAndWait(Self.paddedActivity(index)).get()
        }
        done.store(true, ordering: .relaxed)
        reading.sync {}
        let stats = store.stats
        // One row of ~3 KB: a data page and an overflow page, plus, when a leaf splits, its sibling and parent pages.
        // Unbounded growth would be ~1,200 frames over these 300 batches.
        // A checkpoint that found a reader in the WAL past its busy timeout (a reader thread descheduled mid-read on
        // a loaded machine) returns busy and the next batch's pages come on top: one batch more each time.
        let perBatch = 8
        let allowed = Int(bound) + perBatch * (1 + stats.checkpointsBusy)
        #expect(stats.checkpoints >= 5)
        #expect(stats.maxWalFrames <= allowed, "\(stats.checkpointsBusy) busy checkpoints")
        let walBytes = try FileManager.default.attributesOfItem(atPath: folder.path("till.db") + "-wal")[.size] as! Int
        // While a checkpoint's fsync of the database file runs in the background, commits append to the WAL instead of
        // restarting it, up to twice the bound (`BackgroundDatabaseSync`): the file holds at most that and a batch more.
        #expect(walBytes <= (Int(bound) + allowed) * (4_096 + 24) + 32)
        #expect(try store.verify().isSound)
    }
}

extension CheckpointTests {
    /// A store whose writer takes one request per batch and checkpoints past `idleBound` / `busyBound` WAL pages.
    static func oneRequestBatches(_ folder: TemporaryFolder, idleBound: Int32, busyBound: Int32) throws -> Store {
        try Store.temporary(folder) {
            $0.writer.checkpointWalPages = idleBound
            $0.writer.busyCheckpointWalPages = busyBound
            $0.writer.maxBatchSize = 1
        }
    }

    /// Queues `count` padded activity rows while the writer is held, lets it go, and expects every one to succeed.
    static func queueActivities(_ count: Int, to store: Store) {
        store.writer.pause()
        let completions = Completions<Void>()
        for index in 0..<count { completions.submit(paddedActivity(index), as: index, to: store) }
        store.writer.resume()
        #expect(completions.wait().values.allSatisfy { if case .success = $0 { true } else { false } })
    }

    /// Three hundred one-request batches queued at once: the writer carries them in one transaction, but commits
    /// as soon as the WAL with their estimated pages would pass the checkpoint bound, so the WAL stays within one
    /// batch's pages of it (committing only at `maxRequestsPerCommit` or an empty queue would reach ~1,000 frames).
    @Test func carriedBatchesCommitWhenTheCheckpointIsDue() throws {
        let folder = TemporaryFolder()
        let bound: Int32 = 40
        let store = try Self.oneRequestBatches(folder, idleBound: bound, busyBound: bound)
        defer { store.shutdown() }
        Self.queueActivities(300, to: store)
        _ = try store.read { _ in }
        let stats = store.stats
        #expect(stats.commits < 300 / 2, "batches were carried: \(stats.commits) COMMITs for 300 batches")
        #expect(stats.checkpoints >= 5)
        #expect(stats.maxWalFrames <= Int(bound) + 8)
        #expect(try store.read { try $0.int64("SELECT count(*) FROM activity_log WHERE type = 'test'") } == 300)
    }

    /// The same three hundred queued batches with the busy bound above the idle one: while requests wait, the
    /// checkpoint waits for the busy bound (fewer, larger checkpoints); once the queue is empty, the idle bound
    /// applies again and the WAL is checkpointed.
    @Test func aBusyWriterCheckpointsAtTheBusyBoundAndAnIdleOneAtTheIdleBound() throws {
        let folder = TemporaryFolder()
        let idle: Int32 = 40, busy: Int32 = 400
        let store = try Self.oneRequestBatches(folder, idleBound: idle, busyBound: busy)
        defer { store.shutdown() }
        Self.queueActivities(300, to: store)
        // Once the queue stays empty (the last batches' COMMIT may wait `carriedCommitWaitMicroseconds` for more), the
        // writer commits and checkpoints at the idle bound: looked for until it did (or 30 s passed).
        let deadline = DispatchTime.now() + .seconds(30)
        while store.stats.walFrames > Int(idle) && DispatchTime.now() < deadline { usleep(1_000) }
        let stats = store.stats
        // ~1,000 frames in all: with the idle bound alone that is 20 checkpoints or more (the test above); here
        // the WAL grows past the idle bound while requests wait, up to the busy one.
        #expect(stats.maxWalFrames > Int(idle) + 8, "the WAL grew past the idle bound while requests waited")
        #expect(stats.maxWalFrames <= Int(busy) + 8)
        #expect(stats.checkpoints >= 2 && stats.checkpoints <= 5, "\(stats.checkpoints) checkpoints")
        // The queue is empty now: the last COMMIT was followed by a checkpoint at the idle bound.
        #expect(stats.walFrames <= Int(idle), "\(stats.walFrames) frames left in the WAL")
        #expect(try store.read { try $0.int64("SELECT count(*) FROM activity_log WHERE type = 'test'") } == 300)
    }
}

extension CheckpointTests {
    /// Batches of 16 requests, each queued once the one before was answered (closed-loop terminals): nothing waits
    /// when a batch is answered, but its size makes the writer busy, so the WAL grows to the busy bound instead of
    /// being checkpointed at the idle one after every batch.
    @Test func largeBatchesCheckpointAtTheBusyBound() throws {
        let folder = TemporaryFolder()
        let idle: Int32 = 20, busy: Int32 = 400
        let store = try Store.temporary(folder) {
            $0.writer.checkpointWalPages = idle
            $0.writer.busyCheckpointWalPages = busy
            $0.writer.busyBatchRequests = 16
            $0.writer.carriedCommitWaitMicroseconds = 0  // each batch commits (holding the writer ends a wait anyway)
        }
        defer { store.shutdown() }
        for _ in 0..<30 { Self.queueActivities(16, to: store) }
        let stats = store.stats
        #expect(stats.maxBatchSize == 16)
        // 16 rows of ~3 KB: ~32 frames a batch, ~1,000 in all.
        #expect(stats.maxWalFrames > 200, "the WAL grew past the idle bound: \(stats.maxWalFrames) frames")
        #expect(stats.maxWalFrames <= Int(busy) + 48)
        #expect(stats.checkpoints >= 2 && stats.checkpoints <= 5, "\(stats.checkpoints) checkpoints, at the busy bound")
        #expect(try store.read { try $0.int64("SELECT count(*) FROM activity_log WHERE type = 'test'") } == 30 * 16)
    }

    /// The same batches below the size that counts as busy: the idle bound applies after each.
    @Test func smallerBatchesCheckpointAtTheIdleBound() throws {
        let folder = TemporaryFolder()
        let idle: Int32 = 10  // below one batch's frames
        let store = try Store.temporary(folder) {
            $0.writer.checkpointWalPages = idle
            $0.writer.busyCheckpointWalPages = 400
            $0.writer.busyBatchRequests = 17
        }
        defer { store.shutdown() }
        for _ in 0..<30 { Self.queueActivities(16, to: store) }
        let stats = store.stats
        #expect(stats.maxWalFrames <= Int(idle) + 48, "\(stats.maxWalFrames) frames")
        #expect(stats.checkpoints >= 25, "\(stats.checkpoints) checkpoints: one after (nearly) every batch")
    }
}

extension CheckpointTests {
    /// Large batches, each queued once the one before was answered (a closed loop): their COMMIT waits for the next
    /// batch over the empty queue, so they share COMMITs up to `maxRequestsPerCommit`; a read that starts waiting for
    /// the rest wakes the writer, which commits at once (here the wait would otherwise last 30 s).
    @Test func largeBatchesShareACommitUntilAReadWaits() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) {
            $0.writer.checkpointWalPages = 100_000  // no COMMIT because a checkpoint is due
            $0.writer.busyCheckpointWalPages = 100_000
            $0.writer.busyBatchRequests = 4
            $0.writer.maxRequestsPerCommit = 64
            $0.writer.carriedCommitWaitMicroseconds = 30_000_000  // 30 s: the read below gives up after 10
        }
        defer { store.shutdown() }
        Self.queueActivities(8, to: store)  // the first COMMIT is due at once: it gives the pages-per-request estimate
        _ = try store.read { _ in }  // after that COMMIT (it follows the answers)
        let before = store.stats.commits
        for _ in 0..<10 { Self.queueActivities(8, to: store) }
        #expect(store.stats.commits == before + 1, "80 requests in batches of 8: one COMMIT at 64")
        let read = DispatchSemaphore(value: 0)
        let count = Mutex<Int64?>(nil)
        DispatchQueue.global().async {
            count.withLock { $0 = try? store.read { try $0.int64("SELECT count(*) FROM activity_log WHERE type = 'test'") } }
            read.signal()
        }
        #expect(read.wait(timeout: .now() + 10) == .success, "the read waited for the carried COMMIT's time")
        #expect(count.withLock { $0 } == 88)
        #expect(store.stats.commits == before + 2)
    }

    /// The same closed loop with the request limit out of reach: the journal records kept for a rollback are bounded
    /// by their bytes (`maxAnsweredRecordBytes`), so a run of large records is committed every few batches.
    @Test func answeredRecordsAreCommittedOnceTheirBytesPassTheBound() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) {
            $0.writer.checkpointWalPages = 100_000
            $0.writer.busyCheckpointWalPages = 100_000
            $0.writer.busyBatchRequests = 4
            $0.writer.maxRequestsPerCommit = 100_000
            $0.writer.maxAnsweredRecordBytes = 60_000  // a batch of 8 padded rows is a ~24 KB record: 3 per COMMIT
            $0.writer.carriedCommitWaitMicroseconds = 30_000_000
        }
        defer { store.shutdown() }
        Self.queueActivities(8, to: store)
        _ = try store.read { _ in }
        let before = store.stats.commits
        for _ in 0..<10 { Self.queueActivities(8, to: store) }
        #expect(store.stats.commits == before + 3, "ten ~24 KB records: a COMMIT after the 3rd, 6th and 9th")
        #expect(try store.read { try $0.int64("SELECT count(*) FROM activity_log WHERE type = 'test'") } == 88)
    }

    /// A large batch and then nothing: its COMMIT comes once the wait for a next batch is over.
    @Test func aCarriedCommitHappensWhenNoBatchFollows() throws {
        let folder = TemporaryFolder()
        let committed = DispatchSemaphore(value: 0)
        let store = try Store.temporary(folder) {
            $0.writer.busyBatchRequests = 4
            $0.writer.carriedCommitWaitMicroseconds = 1_000
            $0.writer.faults.beforeVisible = { _ in committed.signal() }
        }
        defer { store.shutdown() }
        Self.queueActivities(8, to: store)
        #expect(committed.wait(timeout: .now() + 30) == .success, "no COMMIT after the wait")
    }
}

@Suite struct BackupTests {
    @Test func onlineBackupWhileWritingIsConsistent() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        var members: [Int64] = []
        for index in 0..<50 { members.append(try store.member("member-\(index)")) }
        let completions = Completions<WalletCredit.Outcome>()
        let writing = DispatchQueue(label: "writes")
        let targetMembers = members
        writing.async {
            for index in 0..<3_000 {
                completions.submit(credit("op-\(index)", member: targetMembers[index % 50], Int64(index % 9 + 1)), as: index, to: store)
            }
        }
        let backupPath = folder.path("backup.db")
        try store.backup(to: backupPath, pagesPerStep: 2)
        writing.sync {}
        #expect(completions.wait().values.allSatisfy { (try? $0.get()) != nil })

        let copy = try Store.temporary(folder, name: "backup.db")
        defer { copy.shutdown() }
        #expect(try copy.verify().problems == [])
        let (operations, entries) = try copy.read { connection in
            (try connection.int64("SELECT count(*) FROM operations")!, try connection.int64("SELECT count(*) FROM ledger")!)
        }
        #expect(operations == entries)
        #expect(operations <= 3_000)
        #expect(try copy.read { try $0.int64("SELECT count(*) FROM members") } == 50)
        #expect(try store.verify().isSound)
    }
}

@Suite struct PageSizeTests {
    /// A store created with a smaller page keeps it, and its online backup (which SQLite refuses between WAL
    /// databases of different page sizes) is a sound copy with the same page size.
    @Test func storeCreatedWithAPageSizeKeepsItAndBacksUp() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) { $0.writer.pageSize = 1_024 }
        defer { store.shutdown() }
        let member = try store.member("m1")
        _ = try store.writeAndWait(WalletCredit(operationKey: "op-1", memberId: member, wallet: .points, delta: 5,
                                                kind: .adjust, at: 1)).get()
        #expect(try store.read { try $0.int64("PRAGMA page_size") } == 1_024)
        try store.backup(to: folder.path("copy.db"))
        let copy = try Store.temporary(folder, name: "copy.db")
        defer { copy.shutdown() }
        #expect(try copy.read { try $0.int64("PRAGMA page_size") } == 1_024)
        #expect(try copy.verify().problems == [])
        #expect(try copy.read { try $0.int64("SELECT balance + (SELECT coalesce(sum(delta), 0) FROM ledger l WHERE l.wallet_id = w.id AND l.id > w.counted_through) FROM wallets w") } == 5)

        // Reopening with another configured size changes nothing: the file decides.
        store.shutdown()
        let reopened = try Store.temporary(folder) { $0.writer.pageSize = 4_096 }
        defer { reopened.shutdown() }
        #expect(try reopened.read { try $0.int64("PRAGMA page_size") } == 1_024)
    }
}
