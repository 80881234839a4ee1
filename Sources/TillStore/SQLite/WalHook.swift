import CSQLite

/// Counts the frames committed to the WAL since the last complete checkpoint, from the WAL's size SQLite reports after
/// each commit (`sqlite3_wal_hook`); the same hook publishes each commit to the readers' `ChangedPages`.
///
/// Guarantees: `frames` is the number of frames appended since `checkpointed()` (or since the hook was installed):
/// after a complete checkpoint SQLite usually restarts the WAL from its start, but it appends after the copied frames
/// when the restart is refused (a reader holds a mark, or `BackgroundDatabaseSync` protects them), and then its size
/// still counts them; `restarts` (the number of restarts so far, when known) tells the two apart, and so does a size
/// below the copied frames. Installing it replaces SQLite's automatic checkpointing on that connection (which Till
/// disables anyway). Owned by the connection's thread; the connection must not outlive the counter while the hook is
/// installed.
final class WalFrameCounter {
    private(set) var frames: Int32 = 0
    /// The WAL's size in frames as SQLite last reported it, and as it was at the last complete checkpoint.
    private var reported: Int32 = 0
    private var copied: Int32 = 0
    private var restartsAtCheckpoint = 0
    /// The WAL's restarts so far (nil: not known; a size below the copied one then tells a restart).
    var restarts: (() -> Int)?
    /// Told of every commit, once it is visible, for the readers' page caches (`ChangedPages.committed`).
    var changedPages: ChangedPages?

    func install(on connection: Connection) {
        sqlite3_wal_hook(connection.handle, { context, _, _, frames in
            guard let context else { return SQLITE_OK }
            Unmanaged<WalFrameCounter>.fromOpaque(context).takeUnretainedValue().committed(walFrames: frames)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    func uninstall(from connection: Connection) {
        sqlite3_wal_hook(connection.handle, nil, nil)
    }

    /// A complete checkpoint copied every frame: count from here.
    func checkpointed() {
        copied = reported
        restartsAtCheckpoint = restarts?() ?? 0
        frames = 0
    }

    private func committed(walFrames: Int32) {
        changedPages?.committed()
        reported = walFrames
        // A size below the copied frames is a restart too (another process's, which the count does not see).
        let restarted = walFrames < copied || restarts.map { $0() != restartsAtCheckpoint } == true
        if restarted { copied = 0 }
        frames = walFrames - copied
    }
}

/// What a `checkpoint` call achieved.
enum CheckpointOutcome: Equatable {
    /// The WAL was fully copied back into the database file, which was fsynced; the next commit starts the WAL from
    /// its beginning.
    case complete
    /// Readers still use part of the WAL: it could not be reset now; try again after a later batch.
    case busy
}

/// How a checkpoint leaves the WAL file.
enum CheckpointMode {
    /// `wal_checkpoint(RESTART)`: the WAL file keeps its size and the next commit overwrites it from its start.
    /// Rewriting pages already in the page cache costs the kernel less than truncating and growing the file again
    /// (no block allocation, no zeroing): the mode used while serving.
    case restart
    /// `wal_checkpoint(FULL)`: waits for readers whose snapshot is older than the last commit, copies the whole WAL
    /// back and syncs, but leaves the WAL as it is: readers that began since the last commit go on meanwhile (the
    /// ledger's copy, before a RESTART that then has nothing left to copy: `WriterLoop.checkpoint`).
    case full
    /// `wal_checkpoint(TRUNCATE)`: the WAL file is cut to zero bytes (after start-up's migrations and replay, which
    /// may have grown it far beyond the serving bound, and at shutdown).
    case truncate
}

extension Connection {
    /// Waits up to the busy timeout for readers, fsyncs the WAL, copies it back into the database file and fsyncs
    /// that, then resets the WAL as `mode` says. Only the writer calls this.
    func checkpoint(_ mode: CheckpointMode) throws(SQLiteError) -> CheckpointOutcome {
        var logFrames: Int32 = 0
        var checkpointed: Int32 = 0
        let (flag, name) = switch mode {
        case .restart: (SQLITE_CHECKPOINT_RESTART, "RESTART")
        case .full: (SQLITE_CHECKPOINT_FULL, "FULL")
        case .truncate: (SQLITE_CHECKPOINT_TRUNCATE, "TRUNCATE")
        }
        let code = sqlite3_wal_checkpoint_v2(handle, nil, flag, &logFrames, &checkpointed)
        switch code & 0xFF {
        case SQLITE_OK: return .complete
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy
        default: throw lastError(sql: "PRAGMA wal_checkpoint(\(name))")
        }
    }
}
