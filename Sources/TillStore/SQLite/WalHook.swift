import CSQLite

/// Counts the frames in the WAL as SQLite reports them after each commit (`sqlite3_wal_hook`).
///
/// Guarantees: `frames` is the WAL size in pages after the latest commit on the hooked connection. Installing it
/// replaces SQLite's automatic checkpointing on that connection (which Till disables anyway). Owned by the
/// connection's thread; the connection must not outlive the counter while the hook is installed.
final class WalFrameCounter {
    var frames: Int32 = 0

    func install(on connection: Connection) {
        sqlite3_wal_hook(connection.handle, { context, _, _, frames in
            guard let context else { return SQLITE_OK }
            Unmanaged<WalFrameCounter>.fromOpaque(context).takeUnretainedValue().frames = frames
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    func uninstall(from connection: Connection) {
        sqlite3_wal_hook(connection.handle, nil, nil)
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
        let flag = mode == .restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_TRUNCATE
        let code = sqlite3_wal_checkpoint_v2(handle, nil, flag, &logFrames, &checkpointed)
        switch code & 0xFF {
        case SQLITE_OK: return .complete
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy
        default: throw lastError(sql: "PRAGMA wal_checkpoint(\(mode == .restart ? "RESTART" : "TRUNCATE"))")
        }
    }
}
