import Dispatch
import Foundation
import Synchronization
import Testing
import TillCore
@testable import TillStore

@Suite struct ReaderTests {
    @Test func readersSeeWholeBatchesOnlyWhileWritesGoOn() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) { $0.readers = 3 }
        defer { store.shutdown() }
        _ = try store.writeAndWait(ClosureWrite { context in
            try context.connection.executeScript("""
                CREATE TABLE pair (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT;
                INSERT INTO pair VALUES ('a', 0), ('b', 0);
                """)
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
    @Test func walStaysBoundedUnderSteadyReaders() throws {
        let folder = TemporaryFolder()
        let bound: Int32 = 40
        let store = try Store.temporary(folder) { $0.writer.checkpointWalPages = bound; $0.writer.checkpointBusyTimeoutMilliseconds = 200 }
        defer { store.shutdown() }
        let done = Atomic<Bool>(false)
        let reading = DispatchQueue(label: "reads")
        reading.async {
            while !done.load(ordering: .relaxed) {
                _ = try? store.read { try $0.int64("SELECT count(*) FROM activity_log") }
            }
        }
        let details = "{\"pad\":\"" + String(repeating: "x", count: 3_000) + "\"}"
        for index in 0..<300 {
            _ = try store.writeAndWait(ClosureWrite { context in
                try context.execute("""
                    INSERT INTO activity_log (created_at, grp, type, source, details) VALUES (?, 'app', 'test', 'system', ?)
                    """, [.integer(Int64(index)), .text(details)])
            }).get()
        }
        done.store(true, ordering: .relaxed)
        reading.sync {}
        let stats = store.stats
        let perBatch = 4  // one row of ~3 KB: a data page, an overflow page, index pages
        #expect(stats.checkpoints >= 5)
        #expect(stats.maxWalFrames <= Int(bound) + perBatch)
        let walBytes = try FileManager.default.attributesOfItem(atPath: folder.path("till.db") + "-wal")[.size] as! Int
        #expect(walBytes <= (Int(bound) + perBatch) * (4_096 + 24) + 32)
        #expect(try store.verify().isSound)
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
