import Foundation
import Glibc
import Testing
import TillCore
import TillCrashScenario
import TillJournal
import TillJournalTesting
import TillStoreTesting
@testable import TillStore

/// The store on its journal: a batch is durable once its effect record is fdatasynced, SQLite's commits are not
/// synced, and start-up replays what the database lost.
@Suite struct JournalRecoveryTests {
    /// `id(of:)` finds a text by where its bytes are once it was looked up by text, and never answers from that side
    /// table for a definition since forgotten (a rolled-back batch), nor for another text.
    @Test func statementDictionaryFindsTextsByAddressAndForgetsThem() throws {
        let sql = String(repeating: "INSERT INTO t VALUES (?) -- a statement text too long to be a small string ", count: 2)
        let dictionary = StatementDictionary()
        #expect(dictionary.id(of: sql) == nil)
        try dictionary.learn(id: 1, sql: sql)
        #expect(dictionary.id(of: sql) == 1)  // by text, then kept by address
        #expect(dictionary.id(of: sql) == 1)  // by address
        #expect(dictionary.id(of: String(sql.dropLast())) == nil)  // another text
        dictionary.forget([1])
        #expect(dictionary.id(of: sql) == nil)
        try dictionary.learn(id: 2, sql: sql)
        #expect(dictionary.id(of: sql) == 2)
        #expect(dictionary.id(of: String(decoding: Array(sql.utf8), as: UTF8.self)) == 2)  // the same text elsewhere
    }

    @Test func effectRecordsRoundTripAndDamagedBytesNeverTrap() throws {
        let entries = [
            EffectLog.Entry(sql: "INSERT INTO t VALUES (?, ?, ?, ?)", arguments: [.integer(.min), .text("é ☕"), .blob([0, 255]), .null]),
            EffectLog.Entry(sql: "UPDATE t SET a = ?", arguments: [.integer(.max)]),
            EffectLog.Entry(sql: "INSERT INTO t VALUES (?, ?, ?, ?)", arguments: [.integer(-1), .text(""), .blob([]), .integer(0)]),
        ]
        // A store that knows no text yet: the record defines both, once each.
        let empty = StatementDictionary()
        let (bytes, definitions) = EffectRecord.encode(entries, dictionary: empty)
        #expect(definitions.map(\.sql) == ["INSERT INTO t VALUES (?, ?, ?, ?)", "UPDATE t SET a = ?"])
        let decoded = try EffectRecord.decode(bytes, dictionary: StatementDictionary())
        #expect(decoded.entries == entries && decoded.definitions == definitions)
        // Once stored, the next record refers to them by number only.
        let known = StatementDictionary()
        for definition in definitions { try known.learn(id: definition.id, sql: definition.sql) }
        let (short, none) = EffectRecord.encode(entries, dictionary: known)
        #expect(none.isEmpty && short.count < bytes.count - 40)
        #expect(try EffectRecord.decode(short, dictionary: known).entries == entries)
        #expect(throws: EffectRecordError.self) { try EffectRecord.decode(short, dictionary: StatementDictionary()) }
        #expect(throws: EffectRecordError.self) { try EffectRecord.decode(bytes, dictionary: known) }  // defined twice
        // Format 1 (texts inline, by position) still reads: "UPDATE t SET a = ?" with 7.
        let inline: [UInt8] = [1, 1, 18] + Array("UPDATE t SET a = ?".utf8) + [1, 0, 1, 1, 14]
        #expect(try EffectRecord.decode(inline, dictionary: known).entries == [EffectLog.Entry(sql: "UPDATE t SET a = ?", arguments: [.integer(7)])])
        // Every truncation and every single-byte change is refused or decodes: never a trap.
        for length in 0..<bytes.count {
            #expect(throws: EffectRecordError.self) { try EffectRecord.decode(Array(bytes.prefix(length)), dictionary: StatementDictionary()) }
        }
        var random = SeededRandom(seed: 0xEFFEC7)
        for _ in 0..<2_000 {
            for record in [bytes, short, inline] {
                var damaged = record
                damaged[Int(random.next() % UInt64(record.count))] = UInt8(truncatingIfNeeded: random.next())
                _ = try? EffectRecord.decode(damaged, dictionary: known)
            }
        }
        #expect(throws: EffectRecordError.unknownVersion(9)) { try EffectRecord.decode([9], dictionary: known) }
    }

    /// SQLite loses every commit it did not sync (all of them: `synchronous=NORMAL`, no checkpoint ran); the journal
    /// holds them, and the reopened store has every acknowledged write again.
    @Test func commitsSQLiteLostAreReplayedFromTheJournal() throws {
        let folder = TemporaryFolder()
        let (store, prefix) = try openWithoutCheckpoints(folder, name: "lost.db")
        let member = try store.member("m")
        for n in 0..<40 { _ = try store.writeAndWait(credit("c\(n)", member: member, Int64(n + 1))).get() }
        #expect(store.stats.journalRecords == 41)
        PowerLossVFS.cutPower(under: prefix)
        store.shutdown()
        #expect(try PowerLossVFS.restoreLastSynced(under: prefix) > 0)

        let after = try Store.open(StoreConfiguration(path: folder.path("lost.db")))
        defer { after.shutdown() }
        #expect(after.stats.journalReplayed >= 41)
        // Start-up says how long it read the journal and replayed it (the log's journal_scan_us, journal_replay_us).
        #expect(after.stats.journalScanMicroseconds > 0 && after.stats.journalReplayMicroseconds > 0)
        #expect(try after.verify().problems == [])
        #expect(try after.read { try $0.int64("SELECT balance + (SELECT coalesce(sum(delta), 0) FROM ledger l WHERE l.wallet_id = w.id AND l.id > w.counted_through) FROM wallets w WHERE member_id = ?", [.integer(member)]) } == 820)
        #expect(try after.read { try $0.int64("SELECT applied_lsn FROM journal_position") } == after.stats.appliedLSN.asInt64)
        // A replayed write is answered as one: the same key is not applied twice.
        #expect(try after.writeAndWait(credit("c0", member: member, 1)).get().replayed)
    }

    /// A store stopped cleanly holds every record: the next start reads the journal and replays nothing, and says so.
    @Test func aCleanStartReadsTheJournalAndReplaysNothing() throws {
        let folder = TemporaryFolder()
        do {
            let store = try Store.temporary(folder, name: "clean.db")
            let member = try store.member("m")
            _ = try store.writeAndWait(credit("c0", member: member, 5)).get()
            store.shutdown()
        }
        let after = try Store.open(StoreConfiguration(path: folder.path("clean.db")))
        defer { after.shutdown() }
        #expect(after.stats.journalReplayed == 0 && after.stats.journalReplayMicroseconds == 0)
        #expect(after.stats.journalScanMicroseconds > 0)
    }

    /// Damage that is not a torn tail is never skipped: the start is refused, naming the segment and the offset.
    @Test func aDamagedRecordBeforeTheEndRefusesTheStart() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder, name: "damaged.db") { $0.writer.checkpointWalPages = 1_000_000 }
        let member = try store.member("m")
        for n in 0..<5 { _ = try store.writeAndWait(credit("c\(n)", member: member, 1)).get() }
        store.shutdown()  // checkpoints: the database holds everything, yet every record is still checked
        let journal = folder.path("damaged.db.journal")
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: journal).filter { $0.hasSuffix(".tjl") }.sorted().first)
        let handle = try #require(FileHandle(forUpdatingAtPath: journal + "/" + segment))
        try handle.seek(toOffset: 100)  // inside the first record (the member's registration)
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: [byte ^ 0x40])
        try handle.close()
        do {
            let reopened = try Store.open(StoreConfiguration(path: folder.path("damaged.db")))
            reopened.shutdown()
            Issue.record("a damaged journal was accepted")
        } catch let error as StoreOpenError {
            guard case .journal(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains(segment), "\(reason)")
            #expect(reason.contains("offset"), "\(reason)")
        }
    }

    /// A batch whose effects pass the record limit (a bulk write) is made durable by SQLite's own fsync; it survives
    /// the loss of every unsynced SQLite write, and the journaled batches after it replay on top of it.
    @Test func aBatchTooLargeForARecordIsSyncedBySQLite() throws {
        let folder = TemporaryFolder()
        let (store, prefix) = try openWithoutCheckpoints(folder, name: "bulk.db") {
            $0.writer.journal = JournalConfiguration(segmentBytes: 1 << 20, maxRecordBytes: 16 << 10)
        }
        let member = try store.member("m")
        let note = String(repeating: "n", count: 200)
        _ = try store.writeAndWait(ClosureWrite { context in
            for n in 0..<200 {
                try context.execute("INSERT INTO member_notes (member_id, author, created_at, text) VALUES (?, 'bulk', ?, ?)",
                                    [.integer(member), .integer(Int64(n)), .text(note)])
            }
        }).get()
        #expect(store.stats.sqliteSyncedBatches == 1)
        _ = try store.writeAndWait(credit("after", member: member, 7)).get()
        PowerLossVFS.cutPower(under: prefix)
        store.shutdown()
        try PowerLossVFS.restoreLastSynced(under: prefix)

        let after = try Store.open(StoreConfiguration(path: folder.path("bulk.db")))
        defer { after.shutdown() }
        #expect(try after.read { try $0.int64("SELECT count(*) FROM member_notes WHERE author = 'bulk'") } == 200)
        #expect(try after.read { try $0.int64("SELECT balance + (SELECT coalesce(sum(delta), 0) FROM ledger l WHERE l.wallet_id = w.id AND l.id > w.counted_through) FROM wallets w WHERE member_id = ?", [.integer(member)]) } == 7)
    }

    /// A failing fdatasync or a full disk under the journal stops the writer: nothing of the batch is acknowledged,
    /// nothing later is accepted, and the reopened store is consistent.
    @Test(arguments: ["fdatasync", "ENOSPC"])
    func journalFailureIsFailStop(_ fault: String) throws {
        let folder = TemporaryFolder()
        let disk = try FaultyDisk(path: folder.path("fault.db.journal"))
        let store = try Store.temporary(folder, name: "fault.db") {
            $0.writer.journalDirectory = disk
            $0.writer.onEvent = { _ in }
        }
        let member = try store.member("m")
        _ = try store.writeAndWait(credit("before", member: member, 5)).get()
        if fault == "fdatasync" { disk.failSyncs(errno: EIO) } else { disk.fillUp(after: 10) }
        let completions = Completions<WalletCredit.Outcome>()
        for n in 0..<6 { completions.submit(credit("during\(n)", member: member, 1), as: n, to: store) }
        for (n, result) in completions.wait() {
            guard case .failure(.storageFailure) = result else { Issue.record("request \(n) was answered \(result)"); continue }
        }
        guard case .failure(.storageFailure) = store.writeAndWait(credit("later", member: member, 1)) else {
            Issue.record("the writer accepted a write after the journal failed"); return
        }
        #expect(store.stats.storageFailure?.contains("journal") == true)
        store.shutdown()

        let after = try Store.open(StoreConfiguration(path: folder.path("fault.db")))
        defer { after.shutdown() }
        #expect(try after.verify().problems == [])
        #expect(try after.read { try $0.int64("SELECT count(*) FROM operations WHERE key = 'later'") } == 0)
        #expect(try after.read { try $0.int64("SELECT balance + (SELECT coalesce(sum(delta), 0) FROM ledger l WHERE l.wallet_id = w.id AND l.id > w.counted_through) FROM wallets w WHERE member_id = ?", [.integer(member)]) }! >= 5)
    }
}

/// A store whose database goes through `PowerLossVFS` (armed for the folder: `restoreLastSynced(under: prefix)` undoes
/// what SQLite did not sync) and that never checkpoints while the test runs, so SQLite syncs nothing.
private func openWithoutCheckpoints(_ folder: TemporaryFolder, name: String,
                                    configure: (inout StoreConfiguration) -> Void = { _ in }) throws -> (Store, String) {
    PowerLossVFS.register()
    let prefix = folder.url.path + "/"
    PowerLossVFS.arm(prefix)
    let store = try Store.temporary(folder, name: name) {
        $0.writer.vfsName = PowerLossVFS.name
        $0.writer.checkpointWalPages = 1_000_000
        $0.writer.onEvent = { _ in }
        configure(&$0)
    }
    return (store, prefix)
}

extension UInt64 {
    var asInt64: Int64 { Int64(bitPattern: self) }
}
