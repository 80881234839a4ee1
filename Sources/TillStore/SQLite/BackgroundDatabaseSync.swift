import CSQLite
import Dispatch
import Synchronization
import TillCore
import TillIO

/// A checkpoint's fsync of the database file, run on a thread of its own while the writer goes on.
///
/// A checkpoint fsyncs the WAL, copies its pages into the database file and fsyncs that file; the second fsync is
/// most of its time (~75 % at 4 MiB on this project's VM: thousands of scattered pages to write back). The WAL stays
/// a valid copy of those pages as long as nothing overwrites them. SQLite overwrites them only when it restarts the
/// WAL from its start (at the first commit after a complete checkpoint, with a new salt); while the sync runs the
/// restart is refused (`refusesWALRestart`, as a reader holding a mark would refuse it) and SQLite appends the next
/// commits after the copied frames instead, so the writer does not wait for the sync — up to a size the writer sets
/// (twice its checkpoint bound), past which the restart goes ahead and waits.
///
/// Guarantees:
/// - a sync of the database file is deferred only when the writer asked for it
///   (`checkpointStarts(deferringSyncAppendingUpTo:)`, right before its serving checkpoint); any other sync of it waits for a deferred one to finish, then syncs in place;
/// - while a deferred sync runs, nothing overwrites what the WAL held when it started, writes the database file,
///   truncates either file or syncs the WAL: each waits for it (`counts.writesWaited`); WAL frames appended after
///   that end go on at once. After a power cut at any moment SQLite so finds the pages a checkpoint copied either in a
///   synced database file or in the WAL, which was synced before the copy and not overwritten since;
/// - a deferred sync that fails makes every later write, truncation and sync of either file fail with its code (the
///   writer then fail-stops); nothing retries an fsync;
/// - the pages a checkpoint wrote are written out in slices of `writesPerSlice` writes before the deferred fsync
///   (`WritebackSlices`: the journal's fsync never waits behind a whole checkpoint's pages), until a write starts
///   waiting for the sync: then the fsync writes the rest at once. A hint only: an error there is ignored, the fsync
///   after it writes whatever is left and reports what failed;
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
        /// The database file's writes since the writer deferred the next sync (its checkpoint's copies).
        var written = WritebackSlices()
        var slicesWrittenOut = 0
        /// Between `checkpointStarts(deferringSyncAppendingUpTo:)` and `checkpointEnded()`: the writer's checkpoint
        /// runs.
        var checkpointing = false
        /// Which WAL writes wait for the running sync, and whether SQLite may restart the WAL.
        var wal = WALProtection()
        /// A write waits for the running sync: it skips its remaining slices and syncs at once.
        var hurry = false
        var writesPerSlice = 16
    }
    private let state = Mutex(State())
    /// Entered while a deferred sync runs.
    private let running = DispatchGroup()
    private let queue = DispatchQueue(label: "till-database-sync")
    private let clock = SystemTime()
    /// The pages the writer's commits change, for readers that keep their page cache (`ChangedPages`): the WAL's
    /// `WALWriteBuffer` logs them, the writer publishes each commit, readers of the database read them.
    let changedPages = ChangedPages()
    /// Called on the sync's thread before each deferred sync (tests hold it there), and on the writing thread when a
    /// write starts waiting for one; nil in the daemon (`WriterHooks`).
    let beforeSync = InstalledClosure<@Sendable () -> Void>()
    let writeWaits = InstalledClosure<@Sendable () -> Void>()
    /// Called on the writing thread before a serving checkpoint's first write of the database file (tests hold the
    /// copy there); nil in the daemon.
    let copyStarts = InstalledClosure<@Sendable () -> Void>()
    /// The database file through a descriptor of its own, for `sync_file_range` (nil: it could not be opened; the
    /// fsync then writes everything at once).
    private let writeback: WritebackFile?
    /// How many of a checkpoint's page writes one slice holds (0: no slices); the writer sets it at open
    /// (`WriterConfiguration.databaseWritebackSlicePages`, 16). Measured with `bench/fsync-slices.c` (1,000
    /// scattered pages every 40 ms, a journal of 1 KiB `fdatasync`s beside it): slices of 1–2 MiB of the file (7–13
    /// such pages) took the journal syncs' p90 from 2.3–3.6 ms to 0.5–0.7 ms.
    var writesPerSlice: Int {
        get { state.withLock { $0.writesPerSlice } }
        set {
            precondition(newValue >= 0, "a negative slice")
            state.withLock { $0.writesPerSlice = newValue }
        }
    }

    /// `path`: the database file's, to open the descriptor for writing out slices.
    init(path: String?) {
        writeback = path.flatMap { try? WritebackFile(DataFile(path: $0, mode: .readWrite)) }
    }

    /// The writer's checkpoint starts (its wait for readers is then never refused), and `checkpointEnded()` follows
    /// it. With `deferringSyncAppendingUpTo` (a serving checkpoint; nil for start-up's and shutdown's, which sync in
    /// place) its sync of the database file, after the copy, runs in the background, and while it runs the next
    /// commits append to the WAL instead of restarting it (and waiting) up to that size in bytes. A checkpoint with
    /// nothing to copy syncs nothing.
    func checkpointStarts(deferringSyncAppendingUpTo limit: Int64?) {
        state.withLock { s in
            s.checkpointing = true
            guard let limit else { return }
            s.deferNext = true
            s.wal.appendLimit = limit
        }
    }

    /// The writer's checkpoint is over; a deferral it did not use (nothing to copy) is cancelled.
    func checkpointEnded() {
        state.withLock { s in
            s.deferNext = false
            s.checkpointing = false
            s.written = WritebackSlices()
        }
    }

    /// Whether the writer's connection must not restart the WAL now: a deferred sync runs, and the WAL still holds
    /// the only synced copy of what it is syncing. Asked for the lock SQLite takes to restart the WAL
    /// (`BackgroundSyncVFS`); refused, SQLite appends the next commit's frames after the copied ones instead. Not
    /// during the writer's own checkpoint, whose RESTART mode takes the same lock to wait for readers.
    /// The WAL is bounded: past `deferringSyncAppendingUpTo` bytes the restart goes ahead, and its first write waits
    /// for the sync.
    var refusesWALRestart: Bool {
        state.withLock { !$0.checkpointing && $0.wal.refusesRestart }
    }

    /// How many times SQLite wrote the WAL from its start (a restart), for counting the frames since a checkpoint.
    var walRestarts: Int { state.withLock { $0.wal.restarts } }

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

    /// Slices of checkpoints' pages written out before their deferred syncs.
    public var slicesWrittenOut: Int { state.withLock { $0.slicesWrittenOut } }

    // MARK: Called by the VFS

    /// A sync of the database file: started in the background when deferred (returns `SQLITE_OK` at once), else
    /// run in place after any deferred one.
    func sync(_ file: SQLiteFile, flags: Int32) -> Int32 {
        let deferred: (number: Int, written: WritebackSlices)? = state.withLock { s in
            defer { s.deferNext = false }
            guard s.deferNext, !s.running, s.failure == nil else { s.written = WritebackSlices(); return nil }
            s.running = true
            s.hurry = false
            s.deferred += 1
            s.wal.syncStarted()
            return (s.deferred, s.written.take())
        }
        guard let (number, written) = deferred else {
            let code = waitForRunningSync()
            return code != SQLITE_OK ? code : file.sync(flags: flags)
        }
        running.enter()
        let hook = beforeSync.closure
        queue.async { [self] in
            hook?()
            let slices = writeOut(written)
            let code = file.sync(flags: flags)
            state.withLock { s in
                s.running = false
                s.wal.syncEnded()
                s.slicesWrittenOut += slices
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

    /// Before a write of `count` bytes at `offset` to the WAL: waits for a deferred sync only when the write would
    /// overwrite what the WAL held when that sync started (a restart: SQLite writes the WAL from its start again);
    /// frames appended after it go on at once. The failure code of a deferred sync that failed, as `beforeWrite()`.
    func beforeWALWrite(offset: Int64, count: Int) -> Int32 {
        waitForRunningSync(counted: true) { s in s.wal.write(offset: offset, count: count) }
    }

    /// Before a write of `count` bytes at `offset` to the database file: recorded for the slices when the writer
    /// deferred the next sync (its checkpoint is copying), then as `beforeWrite()`.
    func beforeDatabaseWrite(offset: Int64, count: Int32) -> Int32 {
        var first = false
        let code = waitForRunningSync(counted: true) { s in
            if s.deferNext {
                first = s.written.writes.isEmpty && !s.written.overflowed
                s.written.record(offset: offset, count: Int64(count))
            }
            return true
        }
        if first, let hook = copyStarts.closure { hook() }
        return code
    }

    /// Writes the recorded pages out slice by slice, each waited for; the number of slices written. Stops at the
    /// first error (the fsync after it reports what matters).
    private func writeOut(_ written: WritebackSlices) -> Int {
        let perSlice = writesPerSlice
        guard let writeback, perSlice > 0 else { return 0 }
        var count = 0
        for slice in written.ranges(writesPerSlice: perSlice) {
            // Someone waits for this sync: the fsync writes the rest at once, as without slices.
            guard !state.withLock({ $0.hurry }) else { break }
            guard (try? writeback.file.writeOut(offset: Int(slice.offset), count: Int(slice.count))) != nil else { break }
            count += 1
        }
        return count
    }

    /// Waits until no deferred sync runs; `SQLITE_OK`, or the code of a deferred sync that failed.
    @discardableResult
    func waitForRunningSync(counted: Bool = false) -> Int32 {
        waitForRunningSync(counted: counted) { _ in true }
    }

    /// `waitForRunningSync(counted:)` for a call that `waits` first notes in the state and that waits for a running
    /// sync only when `waits` says so (under the same lock). A waiting call makes the sync skip its remaining slices.
    private func waitForRunningSync(counted: Bool, waits: (inout State) -> Bool) -> Int32 {
        // One lock per call when no sync runs (every WAL flush and every database page write comes here).
        let (waiting, failure) = state.withLock { s in
            let waiting = waits(&s) && s.running
            if waiting { s.hurry = true }
            return (waiting, s.failure)
        }
        guard waiting else { return failure ?? SQLITE_OK }
        if counted, let hook = writeWaits.closure { hook() }
        let started = clock.now()
        running.wait()
        let waited = Int(clock.now().microseconds(since: started))
        return state.withLock { s in
            if counted { s.writesWaited += 1; s.waitedMicroseconds += waited }
            return s.failure ?? SQLITE_OK
        }
    }
}

/// The database file's own descriptor for writing out slices, used only on the sync's serial queue (and closed when
/// the `BackgroundDatabaseSync` goes).
private struct WritebackFile: @unchecked Sendable {
    let file: DataFile
    init(_ file: DataFile) { self.file = file }
}
