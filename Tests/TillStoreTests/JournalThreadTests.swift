import Dispatch
import Foundation
import Glibc
import Synchronization
import Testing
import TillCore
import TillJournal
import TillJournalTesting
import TillStoreTesting
@testable import TillStore

/// The writer hands each batch's record to the journal thread and decides the next batches while it is synced; a
/// batch is answered only once its record and every earlier one are durable, and committed only after that.
@Suite struct JournalThreadTests {
    /// Collects answers and says which have arrived so far.
    final class Answers: Sendable {
        private let results = Mutex<[Int: Result<WalletCredit.Outcome, TillError>]>([:])
        private let group = DispatchGroup()

        func submit(_ request: WalletCredit, as index: Int, to store: Store) throws {
            group.enter()
            try store.submit(request) { result in
                self.results.withLock { $0[index] = result }
                self.group.leave()
            }
        }
        var arrived: [Int] { results.withLock { $0.keys.sorted() } }
        func wait() -> [Int: Result<WalletCredit.Outcome, TillError>] {
            group.wait()
            return results.withLock { $0 }
        }
    }

    /// What the writer reported, in order.
    final class Events: Sendable {
        private let lines = Mutex<[String]>([])
        /// Signalled each time the writer starts waiting for the journal before a COMMIT.
        let journalWaits = DispatchSemaphore(value: 0)
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// A store on a `FaultyDisk` journal, with each request a batch of its own, whose writer reports each batch it
    /// decided (`beforeCommit`: its requests ran, its record is next), each COMMIT of answered batches
    /// (`beforeVisible`) and each wait for the journal before a COMMIT in `events`; one member registered and committed.
    struct Rig {
        let folder = TemporaryFolder()
        let disk: FaultyDisk
        let events = Events()
        let decided = DispatchSemaphore(value: 0)
        let store: Store
        let member: Int64

        init() throws {
            disk = try FaultyDisk(path: folder.path("till.db.journal"))
            store = try Store.temporary(folder) { [disk, events, decided] in
                $0.writer.journalDirectory = disk
                $0.writer.onEvent = { _ in }
                $0.writer.maxBatchSize = 1
                $0.writer.faults.beforeCommit = { batch in
                    events.append("decided \(batch)")
                    decided.signal()
                }
                $0.writer.faults.beforeVisible = { batch in events.append("commit \(batch)") }
                $0.writer.faults.beforeJournalWait = {
                    events.append("waits for the journal")
                    events.journalWaits.signal()
                }
            }
            member = try store.member("m")
            decided.wait()  // batch 1: the registration
            _ = try store.read { _ in }  // its COMMIT: what follows starts from a committed store
        }

        /// Queues `first` and `second` as batches 2 and 3, so that batch 2 is made durable while batch 3 waits (by
        /// the journal thread, not in place), holds batch 2's fdatasync and returns once the writer decided batch 3.
        func holdSync(of first: WalletCredit, deciding second: WalletCredit, into answers: Answers) throws {
            disk.holdNextSync()
            store.writer.pause()
            try answers.submit(first, as: 0, to: store)
            try answers.submit(second, as: 1, to: store)
            store.writer.resume()
            #expect(decided.wait(timeout: .now() + .seconds(30)) == .success)  // batch 2
            disk.waitForHeldSync()  // its record is written, its fdatasync held
            try #require(decided.wait(timeout: .now() + .seconds(30)) == .success,
                         "the writer did not decide the next batch while a record was being synced")
        }
    }

    /// Batch 2 is made durable while batch 3 waits (so by the journal thread, not in place): while its fdatasync is
    /// held, the writer decides batch 3 (a resend of batch 2's request, answered from the open transaction) and batch
    /// 4 (a new request): neither batch 2 nor 3 is answered and nothing is committed until the sync returns, even when
    /// a read asks for the COMMIT; then every answer arrives, the resend says `replayed`, and the store holds each
    /// credit once. Fails if the writer answers or commits before the record's sync (or never goes on while it runs).
    @Test func batchesDecidedWhileARecordSyncsWaitForIt() throws {
        let rig = try Rig()
        let (store, events, member) = (rig.store, rig.events, rig.member)
        defer { store.shutdown() }
        let answers = Answers()
        try rig.holdSync(of: credit("op-1", member: member, 10), deciding: credit("op-1", member: member, 10), into: answers)
        try answers.submit(credit("op-2", member: member, 5), as: 2, to: store)
        try #require(rig.decided.wait(timeout: .now() + .seconds(30)) == .success)  // batch 4: batch 3 is behind it
        #expect(answers.arrived.isEmpty, "a batch was answered before the record before it was durable")
        // A read now waits for batch 2's COMMIT and makes the writer commit at once: it must wait for the sync first.
        let readDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? store.read { _ in }
            readDone.signal()
        }
        try #require(events.journalWaits.wait(timeout: .now() + .seconds(30)) == .success,
                     "the writer did not wait for the journal before committing for the read")
        let readEarly = readDone.wait(timeout: .now() + .milliseconds(100)) == .success
        #expect(!readEarly, "a read saw batches not yet durable")
        #expect(events.all.filter { $0.hasPrefix("commit") } == ["commit 1"], "answered batches committed before their sync")

        events.append("released")
        rig.disk.releaseSync()
        let results = answers.wait()
        if !readEarly { readDone.wait() }
        let first = try results[0]!.get(), resend = try results[1]!.get(), second = try results[2]!.get()
        #expect(!first.replayed && resend.replayed && !second.replayed)
        #expect(second.balance == 15)
        #expect(try store.read { try $0.int64("SELECT count(*) FROM operations WHERE key IN ('op-1', 'op-2')") } == 2)
        let log = events.all
        let released = try #require(log.firstIndex(of: "released"))
        let commits = log.indices.filter { log[$0].hasPrefix("commit") && log[$0] != "commit 1" }
        #expect(!commits.isEmpty && commits.allSatisfy { $0 > released }, "the read above waited for a COMMIT after the sync")
    }

    /// A failed fdatasync fails its batch and the batch the writer decided on top of it (never acknowledged, never
    /// committed: a read refuses instead of showing them), stops the writer, and after a restart resending both
    /// requests applies each exactly once.
    @Test func aFailedSyncFailsTheBatchesDecidedOnTopOfIt() throws {
        let rig = try Rig()
        let (store, events, member, disk, folder) = (rig.store, rig.events, rig.member, rig.disk, rig.folder)
        let answers = Answers()
        try rig.holdSync(of: credit("op-1", member: member, 10), deciding: credit("op-2", member: member, 5), into: answers)
        disk.failSyncs(errno: EIO)
        disk.releaseSync()
        for (index, result) in answers.wait() {
            guard case .failure(.storageFailure) = result else { Issue.record("request \(index) was answered \(result)"); continue }
        }
        #expect(throws: TillError.self) { try store.read { try $0.int64("SELECT count(*) FROM operations") } }
        #expect(store.stats.storageFailure?.contains("journal") == true)
        #expect(!events.all.contains("commit 2") && !events.all.contains("commit 3"))
        store.shutdown()

        // The failed sync may or may not have left the records on disk: the client's resends settle it.
        let after = try Store.open(StoreConfiguration(path: folder.path("till.db")))
        defer { after.shutdown() }
        #expect(try after.verify().problems == [])
        _ = try after.writeAndWait(credit("op-1", member: member, 10)).get()
        let last = try after.writeAndWait(credit("op-2", member: member, 5)).get()
        #expect(last.balance == 15)
        #expect(try after.read { try $0.int64("SELECT count(*) FROM operations WHERE key IN ('op-1', 'op-2')") } == 2)
    }
}
