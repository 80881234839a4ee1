import Dispatch
import Foundation
import Synchronization
import Testing
import TillStoreTesting
@testable import TillStore

/// A checkpoint's fsync of the database file runs in the background (`BackgroundDatabaseSync`): these tests hold that
/// fsync and look at what reaches the files meanwhile, through `PowerLossVFS` under the writer's VFS.
@Suite struct BackgroundSyncTests {
    /// Each background fsync is held until a write has to wait for it (the next checkpoint's sync of the WAL or copy,
    /// or a restart of the WAL) or 10 s pass. Commits go on meanwhile and append to the WAL. The files must never see
    /// a WAL write below the end the WAL had when the database file was first written after its last sync, until that
    /// file is synced again: SQLite restarts the WAL by writing it from its start, and the WAL holds the only synced
    /// copy of what a checkpoint copied until the database file is synced.
    @Test func theCopiedFramesAreNotOverwrittenWhileTheDatabaseFileIsUnsynced() throws {
        PowerLossVFS.register()
        let folder = TemporaryFolder()
        let prefix = folder.url.path + "/"
        PowerLossVFS.arm(prefix)
        let events = Mutex<[PowerLossVFS.FileEvent]>([])
        let finished = Atomic<Bool>(false), timedOut = Atomic<Int>(0)
        let release = DispatchSemaphore(value: 0)
        PowerLossVFS.observe(under: prefix) { event in events.withLock { $0.append(event) } }
        defer { PowerLossVFS.observe(under: prefix, nil) }
        let store = try Self.checkpointingOften(folder) {
            $0.writer.faults.beforeDatabaseSync = {
                guard !finished.load(ordering: .sequentiallyConsistent) else { return }
                if release.wait(timeout: .now() + 10) == .timedOut { timedOut.add(1, ordering: .relaxed) }
            }
            $0.writer.faults.whenWriteWaitsForDatabaseSync = { release.signal() }
        }
        for index in 0..<80 { _ = try store.writeAndWait(CheckpointTests.paddedActivity(index)).get() }
        _ = try store.read { _ in }  // the last COMMIT
        let stats = store.stats
        let held = timedOut.load(ordering: .relaxed)
        finished.store(true, ordering: .sequentiallyConsistent)
        release.signal()
        store.shutdown()
        #expect(held == 0, "a held sync saw no write waiting for it for 10 s")
        #expect(stats.databaseSyncsInBackground >= 5, "\(stats.databaseSyncsInBackground) background syncs")
        #expect(stats.writesWaitedForDatabaseSync >= 3, "\(stats.writesWaitedForDatabaseSync) writes waited")
        var walEnd: Int64 = 0, copiedEnd: Int64?, appended = 0, overwrites = 0
        for event in events.withLock({ $0 }) {
            switch event {
            case .write(wal: false, _, _): copiedEnd = copiedEnd ?? walEnd
            case .synced(wal: false): copiedEnd = nil
            case .write(wal: true, let offset, let count):
                if let copiedEnd { if offset < copiedEnd { overwrites += 1 } else { appended += 1 } }
                if offset == 0 { walEnd = 0 }
                walEnd = max(walEnd, offset + count)
            case .synced(wal: true): break
            }
        }
        #expect(overwrites == 0, "the WAL was overwritten while the database file had unsynced checkpoint writes")
        #expect(appended >= 10, "only \(appended) commits appended to the WAL while the database file was unsynced")
        #expect(stats.databaseWritebackSlices == 0, "syncs that writes waited for wrote \(stats.databaseWritebackSlices) slices")
        let reopened = try Store.temporary(folder)
        defer { reopened.shutdown() }
        #expect(try reopened.read { try $0.int64("SELECT count(*) FROM activity_log WHERE type = 'test'") } == 80)
        #expect(try reopened.verify().isSound)
    }

    /// The power goes while the first background fsync of the database file has not run: once the next WAL write
    /// started waiting for it (the gate), or, without the gate, once that write's new WAL header was synced. Half the
    /// database file's unsynced writes reach the disk anyway (seeded). SQLite must then still find the checkpoint's
    /// pages in the WAL, and every acknowledged write must come back (the journal replays what SQLite lost). Without
    /// the gate the restarted WAL no longer holds them and the database file is a torn mix of two states.
    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func aPowerCutBeforeTheDatabaseFileIsSyncedLosesNothing(seed: UInt64) throws {
        PowerLossVFS.register()
        let folder = TemporaryFolder()
        let prefix = folder.url.path + "/"
        PowerLossVFS.arm(prefix)
        let holding = Atomic<Bool>(false), heldOnce = Atomic<Bool>(false), timedOut = Atomic<Bool>(false)
        let trigger = DispatchSemaphore(value: 0)
        PowerLossVFS.observe(under: prefix) { event in
            if event == .synced(wal: true), holding.load(ordering: .sequentiallyConsistent) { trigger.signal() }
        }
        defer { PowerLossVFS.observe(under: prefix, nil) }
        let store = try Self.checkpointingOften(folder) {
            $0.writer.onEvent = { event in
                if case .storageFailure = event { return }  // expected: the power cut
                Issue.record("unexpected writer event \(event)")
            }
            $0.writer.faults.beforeDatabaseSync = {
                guard !heldOnce.exchange(true, ordering: .sequentiallyConsistent) else { return }
                holding.store(true, ordering: .sequentiallyConsistent)
                if trigger.wait(timeout: .now() + 10) == .timedOut { timedOut.store(true, ordering: .relaxed) }
                PowerLossVFS.cutPower(under: prefix)  // this sync fails, and every write after it
                holding.store(false, ordering: .sequentiallyConsistent)
            }
            $0.writer.faults.whenWriteWaitsForDatabaseSync = { trigger.signal() }
        }
        var acknowledged = 0, failed = false
        while !failed && acknowledged < 200 {
            switch store.writeAndWait(CheckpointTests.paddedActivity(acknowledged)) {
            case .success: acknowledged += 1
            case .failure: failed = true
            }
        }
        store.shutdown()
        #expect(failed, "the power never went")
        let waitedInVain = timedOut.load(ordering: .relaxed)
        #expect(!waitedInVain, "no WAL write came after the held sync")
        let lost = try PowerLossVFS.restoreLastSynced(under: prefix, keepingDatabaseWrites: seed)
        #expect(lost > 0)
        let after = try Store.temporary(folder)
        defer { after.shutdown() }
        let integrity = try after.read { try $0.text("PRAGMA integrity_check") }
        let rows = try after.read { try $0.int64("SELECT count(*) FROM activity_log WHERE type = 'test'") }
        #expect(integrity == "ok")
        #expect(rows == Int64(acknowledged))
        #expect(try after.verify().isSound)
    }

    /// A store whose writer opens its database through `PowerLossVFS`, commits every batch and checkpoints every 12
    /// WAL pages (a padded activity row is two), so that background fsyncs come every few writes.
    static func checkpointingOften(_ folder: TemporaryFolder, configure: (inout StoreConfiguration) -> Void) throws -> Store {
        try checkpointing(every: 12, folder) {
            $0.writer.vfsName = PowerLossVFS.name
            configure(&$0)
        }
    }

    /// A store whose writer commits every batch and checkpoints every `pages` WAL pages.
    static func checkpointing(every pages: Int32, _ folder: TemporaryFolder,
                              configure: (inout StoreConfiguration) -> Void = { _ in }) throws -> Store {
        try Store.temporary(folder) {
            $0.writer.checkpointWalPages = pages
            $0.writer.busyCheckpointWalPages = pages
            $0.writer.maxRequestsPerCommit = 1
            configure(&$0)
        }
    }

    /// Nothing waits for the background fsyncs here: each writes its checkpoint's pages out in slices first
    /// (`WritebackSlices`), and the WAL stays within twice the checkpoint bound although commits append to it while
    /// a sync runs.
    @Test func unwaitedSyncsWriteThePagesOutInSlices() throws {
        let folder = TemporaryFolder()
        let store = try Self.checkpointing(every: 40, folder)
        for index in 0..<200 { _ = try store.writeAndWait(CheckpointTests.paddedActivity(index)).get() }
        _ = try store.read { _ in }  // the last COMMIT
        let stats = store.stats
        let walBytes = try FileManager.default.attributesOfItem(atPath: folder.path("till.db") + "-wal")[.size] as! Int
        store.shutdown()  // truncates the WAL
        #expect(stats.databaseSyncsInBackground >= 5)
        // A checkpoint of 40 frames writes ~20 to 40 pages: two or more slices of 16, unless a write hurried it.
        #expect(stats.databaseWritebackSlices >= stats.databaseSyncsInBackground - stats.writesWaitedForDatabaseSync)
        #expect(stats.databaseWritebackSlices > 0)
        #expect(walBytes <= (2 * 40 + 8) * (4_096 + 24) + 32, "the WAL grew to \(walBytes) bytes")
    }

    /// `databaseWritebackSlicePages = 0`: the background fsyncs write no slices.
    @Test func noSlicesWhenSwitchedOff() throws {
        let folder = TemporaryFolder()
        let store = try Self.checkpointing(every: 40, folder) { $0.writer.databaseWritebackSlicePages = 0 }
        defer { store.shutdown() }
        for index in 0..<100 { _ = try store.writeAndWait(CheckpointTests.paddedActivity(index)).get() }
        let stats = store.stats
        #expect(stats.databaseSyncsInBackground >= 3)
        #expect(stats.databaseWritebackSlices == 0)
    }

    /// With the fsync in place (`databaseSyncInBackground = false`) nothing is deferred and nothing waits.
    @Test func theSyncRunsInPlaceWhenSwitchedOff() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) {
            $0.writer.checkpointWalPages = 12
            $0.writer.busyCheckpointWalPages = 12
            $0.writer.databaseSyncInBackground = false
        }
        defer { store.shutdown() }
        for index in 0..<30 { _ = try store.writeAndWait(CheckpointTests.paddedActivity(index)).get() }
        let stats = store.stats
        #expect(stats.checkpoints >= 3)
        #expect(stats.databaseSyncsInBackground == 0)
        #expect(stats.writesWaitedForDatabaseSync == 0)
    }
}
