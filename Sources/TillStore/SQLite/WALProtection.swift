/// Which writes of the WAL must wait for a checkpoint's background fsync of the database file, and whether SQLite may
/// restart the WAL meanwhile: the rules `BackgroundDatabaseSync` applies, kept apart so that they can be checked
/// without files.
///
/// While the database file's fsync runs, the WAL holds the only synced copy of the pages the checkpoint copied: the
/// frames below the WAL's end when the fsync started. Guarantees:
/// - `write` says a write must wait exactly when a sync runs and the write starts below that end (a restart: SQLite
///   writes the WAL from its start again); appends after it go on;
/// - `refusesRestart` is true only while a sync runs and the WAL is shorter than `appendLimit`: SQLite then appends
///   instead of restarting, and the WAL grows by at most what the commits before the limit add;
/// - `restarts` counts the writes at the WAL's start (each one a restart, or the WAL's first write).
struct WALProtection: Equatable {
    /// The end of what the WAL holds since SQLite last wrote its start.
    private(set) var end: Int64 = 0
    /// The end when the running sync started; nil while no sync runs.
    private(set) var protectedEnd: Int64?
    private(set) var restarts = 0
    /// How far the WAL may grow by appending while a sync runs (set by the writer before its checkpoint).
    var appendLimit: Int64 = 0

    /// A write of `count` bytes at `offset` is about to reach the WAL; true when it must wait for the running sync.
    mutating func write(offset: Int64, count: Int) -> Bool {
        precondition(offset >= 0 && count >= 0, "a negative WAL write")
        let overwrites = protectedEnd.map { offset < $0 } ?? false
        if offset == 0 {
            end = 0
            restarts += 1
        }
        end = max(end, offset + Int64(count))
        return overwrites
    }

    /// A deferred sync of the database file starts: what the WAL holds now is protected until it ends.
    mutating func syncStarted() {
        protectedEnd = end
    }

    mutating func syncEnded() {
        protectedEnd = nil
    }

    var refusesRestart: Bool {
        protectedEnd != nil && end < appendLimit
    }
}
