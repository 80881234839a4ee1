import CSQLite
import Dispatch
import Synchronization
import TillCore

/// A checkpoint's fsync of the database file, run on a thread of its own while the writer goes on.
///
/// A checkpoint fsyncs the WAL, copies its pages into the database file and fsyncs that file; the second fsync is
/// most of its time (~75 % at 4 MiB on this project's VM: thousands of scattered pages to write back). The WAL stays
/// a valid copy of those pages until SQLite writes it again (it restarts the WAL from its start at the first commit
/// after a complete checkpoint, rewriting its header with a new salt), so the fsync of the database file only has to
/// be done before that.
///
/// Guarantees:
/// - a sync of the database file is deferred only when the writer asked for it (`deferNextSync()`, around
///   its checkpoint); any other sync of it waits for a deferred one to finish, then syncs in place;
/// - nothing writes or truncates the WAL or the database file while a deferred sync runs: the write waits for it
///   (`counts.writesWaited`); a sync of the WAL waits for it too (`BackgroundSyncVFS`). After a power cut at any moment SQLite so finds the pages a checkpoint copied either in a synced
///   database file or in the WAL, which was synced before the copy and not touched since;
/// - a deferred sync that fails makes every later write, truncation and sync of either file fail with its code (the
///   writer then fail-stops); nothing retries an fsync;
/// - `syncedThrough` is the journal position through which the database file is synced, as far as complete
///   checkpoints tell (`checkpointCompleted(through:)`): the writer releases journal segments only up to it.
///
/// Created by `BackgroundSyncVFS` for each database file opened through it; the writer finds it with
/// `Connection.backgroundDatabaseSync()`.
public final class BackgroundDatabaseSync: Sendable {
    private struct State {
        var deferNext = false
        var running = false
        var failure: Int32?
        var syncedThrough: UInt64 = 0
        /// Deferred syncs started (the last one's number), and the number of the last one that succeeded.
        var deferred = 0
        var succeeded = 0
        /// The journal position the running sync will cover once it succeeds (`checkpointCompleted`).
        var cover: (sync: Int, lsn: UInt64)?
        var writesWaited = 0
        var waitedMicroseconds = 0
    }
    private let state = Mutex(State())
    /// Entered while a deferred sync runs.
    private let running = DispatchGroup()
    private let queue = DispatchQueue(label: "till-database-sync")
    private let clock = SystemTime()
    /// Called on the sync's thread before each deferred sync (tests hold it there), and on the writing thread when a
    /// write starts waiting for one; nil in the daemon (`WriterHooks`).
    let beforeSync = Mutex<(@Sendable () -> Void)?>(nil)
    let writeWaits = Mutex<(@Sendable () -> Void)?>(nil)

    init() {}

    /// The next sync of the database file (the checkpoint's, after its copy) runs in the background. Only the writer
    /// calls this, right before its checkpoint, and `cancelDeferral()` right after (a checkpoint with nothing to copy
    /// syncs nothing).
    func deferNextSync() {
        state.withLock { $0.deferNext = true }
    }

    func cancelDeferral() {
        state.withLock { $0.deferNext = false }
    }

    /// The checkpoint just run was complete: the database file holds every record through `lsn` once the last
    /// deferred sync (this checkpoint's, or the one before when this one copied nothing) has succeeded.
    func checkpointCompleted(through lsn: UInt64) {
        state.withLock { s in
            if s.succeeded == s.deferred { s.syncedThrough = max(s.syncedThrough, lsn) } else { s.cover = (s.deferred, lsn) }
        }
    }

    /// The journal position the last completed deferred sync covers (0: none yet).
    public var syncedThrough: UInt64 { state.withLock { $0.syncedThrough } }

    /// Deferred syncs started; writes that found one running and waited for it, and how long they waited in all.
    public var counts: (deferred: Int, writesWaited: Int, waitedMicroseconds: Int) {
        state.withLock { ($0.deferred, $0.writesWaited, $0.waitedMicroseconds) }
    }

    // MARK: Called by the VFS

    /// A sync of the database file: started in the background when deferred (returns `SQLITE_OK` at once), else
    /// run in place after any deferred one.
    func sync(_ file: SQLiteFile, flags: Int32) -> Int32 {
        let deferred: Int? = state.withLock { s in
            defer { s.deferNext = false }
            guard s.deferNext, !s.running, s.failure == nil else { return nil }
            s.running = true
            s.deferred += 1
            return s.deferred
        }
        guard let number = deferred else {
            let code = waitForRunningSync()
            return code != SQLITE_OK ? code : file.sync(flags: flags)
        }
        running.enter()
        let hook = beforeSync.withLock { $0 }
        queue.async { [self] in
            hook?()
            let code = file.sync(flags: flags)
            state.withLock { s in
                s.running = false
                guard code == SQLITE_OK else { s.failure = code; return }
                s.succeeded = number
                if let cover = s.cover, cover.sync == number { s.syncedThrough = max(s.syncedThrough, cover.lsn); s.cover = nil }
            }
            running.leave()
        }
        return SQLITE_OK
    }

    /// Before a write or truncation of the WAL or the database file: waits for a deferred sync; its failure code if it
    /// failed (then nothing more may be written).
    func beforeWrite() -> Int32 {
        waitForRunningSync(counted: true)
    }

    /// Waits until no deferred sync runs; `SQLITE_OK`, or the code of a deferred sync that failed.
    @discardableResult
    func waitForRunningSync(counted: Bool = false) -> Int32 {
        // One lock per call when no sync runs (every WAL frame write of a COMMIT comes here).
        let (busy, failure) = state.withLock { s in (s.running, s.failure) }
        guard busy else { return failure ?? SQLITE_OK }
        if counted, let hook = writeWaits.withLock({ $0 }) { hook() }
        let started = clock.now()
        running.wait()
        let waited = Int(clock.now().microseconds(since: started))
        return state.withLock { s in
            if counted { s.writesWaited += 1; s.waitedMicroseconds += waited }
            return s.failure ?? SQLITE_OK
        }
    }
}
