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
    /// The WAL was fully copied back and reset (truncated to zero bytes).
    case truncated
    /// Readers still use part of the WAL: it could not be reset now; try again after a later batch.
    case busy
}

extension Connection {
    /// `wal_checkpoint(TRUNCATE)`: waits up to the busy timeout for readers, copies the WAL back into the database
    /// file, fsyncs it and truncates the WAL. Only the writer calls this.
    func checkpointTruncate() throws(SQLiteError) -> CheckpointOutcome {
        var logFrames: Int32 = 0
        var checkpointed: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, &logFrames, &checkpointed)
        switch code & 0xFF {
        case SQLITE_OK: return .truncated
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy
        default: throw lastError(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }
}
