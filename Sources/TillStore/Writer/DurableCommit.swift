import TillJournal

/// How a batch was made durable, for the writer's counters (recorded with the batch's own, under one lock).
enum DurableCommit {
    /// The requests changed nothing: nothing to make durable (committed, or left in the transaction of the answered
    /// batches before it).
    case nothingChanged
    /// Too large for a record: committed (with the answered batches before it) and SQLite fsynced its WAL.
    case syncedBySQLite
    /// One journal record, fdatasynced; the COMMIT follows the answers.
    case journaled(lsn: LSN, bytes: Int, syncMicroseconds: Int)

    /// The transaction is still open: the caller answers, then commits.
    var commitFollows: Bool {
        if case .journaled = self { return true }
        return false
    }

    func record(in stats: inout WriterStats) {
        switch self {
        case .nothingChanged: break
        case .syncedBySQLite: stats.sqliteSyncedBatches += 1
        case .journaled(_, let bytes, let sync):
            stats.journalRecords += 1
            stats.journalBytes += bytes
            stats.journalSyncMicroseconds += sync
        }
    }
}

/// WAL frames after a commit, for the writer's counters.
struct WALFrames {
    var total: Int
    var appended: Int

    func record(in stats: inout WriterStats) {
        stats.walFramesWritten += appended
        stats.walFrames = total
        stats.maxWalFrames = max(stats.maxWalFrames, total)
    }
}
