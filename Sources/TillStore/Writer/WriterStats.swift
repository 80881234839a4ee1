/// Counters of the writer, as a value snapshot.
///
/// Guarantees: monotonic counters since start (except `queueDepth`, the requests waiting at the moment of the
/// snapshot); `batchSizeHistogram[i]` counts committed batches whose size falls in `WriterStats.bucketBounds[i]`.
public struct WriterStats: Sendable, Hashable {
    /// Upper bounds (inclusive) of the batch size buckets: 1, 2…4, 5…16, 17…64, 65…256, more.
    public static let bucketBounds: [Int] = [1, 4, 16, 64, 256, Int.max]

    public var batches: Int = 0
    public var requests: Int = 0
    public var succeeded: Int = 0
    public var failed: Int = 0
    public var rejectedOverloaded: Int = 0
    public var batchSizeSum: Int = 0
    public var maxBatchSize: Int = 0
    public var batchSizeHistogram: [Int] = Array(repeating: 0, count: WriterStats.bucketBounds.count)
    public var queueDepth: Int = 0
    /// Completed checkpoints (on the writer thread: batches wait meanwhile) by duration.
    public var checkpointDurations = Durations()
    /// Checkpoints completed.
    public var checkpoints: Int { checkpointDurations.count }
    /// Batches whose optimistic pass (no savepoints) met a request refused after it changed something, and ran
    /// again with a savepoint each.
    public var batchesRerun: Int = 0
    /// Answered batches applied again from their journal records after a rollback of the transaction carrying them.
    public var answeredBatchesRestored: Int = 0
    public var checkpointsBusy: Int = 0
    /// Checkpoints whose fsync of the database file ran in the background (`BackgroundDatabaseSync`); writes of the
    /// WAL that found such a sync still running and waited for it, and how long they waited in all.
    public var databaseSyncsInBackground: Int = 0
    public var writesWaitedForDatabaseSync: Int = 0
    public var databaseSyncWaitMicroseconds: Int = 0
    /// Slices of checkpoints' pages written out before their background fsyncs (`WritebackSlices`).
    public var databaseWritebackSlices: Int = 0
    /// Purchases' member accounts found in the writer's memory (`HotAccounts`) and read from SQLite instead, since
    /// start; the accounts kept there after the latest batch.
    public var hotAccountHits: Int = 0
    public var hotAccountMisses: Int = 0
    public var hotAccounts: Int = 0
    /// Kept accounts found different from a read of them (one hit in 1,024 is compared): each is a bug, dropped
    /// before it decided anything.
    public var hotAccountMismatches: Int = 0
    /// With the ledger thread: purchases it found touching a member or an id it had decided since its snapshot
    /// (each then decided again on a newer one), and the times it waited for the writer (those, the requests it
    /// hands undecided, and the lag bound).
    public var ledgerConflicts: Int = 0
    public var ledgerWaits: Int { ledgerWaitsFor.values.reduce(0, +) }
    /// The ledger's waits by what it waited for.
    public var ledgerWaitsFor: [LedgerWait: Int] = [:]
    /// How long the ledger waited in all, by what it waited for (microseconds).
    public var ledgerWaitMicrosecondsFor: [LedgerWait: Int] = [:]
    /// Pages committed to the WAL since the last complete checkpoint (the checkpoint lag), after the latest commit.
    public var walFrames: Int = 0
    public var maxWalFrames: Int = 0
    /// WAL frames (pages) appended by committed batches since start: what the commits' fsyncs had to write.
    public var walFramesWritten: Int = 0
    /// Journal records appended (one per batch that changed something) and their payload bytes.
    public var journalRecords: Int = 0
    public var journalBytes: Int = 0
    /// Time spent appending records (one write + fdatasync each), and in the COMMITs after the answers (WAL writes,
    /// no sync).
    /// Journal records by the time from their hand-over to the journal thread until the fdatasync covering them
    /// returned (a write and a sync, after the group before it): a disk whose fdatasync stalls shows here, since every
    /// answer of the batch waited for it.
    public var journalSyncs = Durations()
    public var commitMicroseconds: Int = 0
    /// COMMITs of answered batches (one may cover several batches: `WriterConfiguration.maxRequestsPerCommit`).
    public var commits: Int = 0
    /// Batches whose effects passed `journal.maxRecordBytes` and were made durable by SQLite's fsync instead.
    public var sqliteSyncedBatches: Int = 0
    /// Journal segments deleted after a checkpoint made the database file hold their records.
    public var journalSegmentsReleased: Int = 0
    /// The LSN of the last record the database holds (committed, maybe not yet checkpointed; answered records wait
    /// for their COMMIT: `Visibility.lag`).
    public var appliedLSN: UInt64 = 0
    /// At start-up: records replayed onto the database, and bytes of a torn tail cut off.
    public var journalReplayed: Int = 0
    public var journalTornBytes: Int = 0
    /// At start-up: microseconds spent opening the journal (reading and verifying it, cutting a torn tail) apart from
    /// the replay, and applying the records replayed (their statements and COMMITs: what a projector would do for them).
    public var journalScanMicroseconds: Int = 0
    public var journalReplayMicroseconds: Int = 0
    /// Set once the writer failed and stopped (fail-stop); the reason.
    public var storageFailure: String?

    public init() {}

    mutating func record(batchSize: Int, succeeded ok: Int) {
        batches += 1
        requests += batchSize
        succeeded += ok
        failed += batchSize - ok
        batchSizeSum += batchSize
        maxBatchSize = max(maxBatchSize, batchSize)
        let bucket = WriterStats.bucketBounds.firstIndex { batchSize <= $0 } ?? WriterStats.bucketBounds.count - 1
        batchSizeHistogram[bucket] += 1
    }

}

/// Durations of one kind of writer step, in microseconds: how many fell in each bucket, their sum, the longest.
///
/// Guarantees: `count` is the sum of `buckets`; `buckets[i]` counts durations up to `boundsMicroseconds[i]` (inclusive)
/// and above the previous bound; the last bound is the overflow.
public struct Durations: Sendable, Hashable {
    public static let boundsMicroseconds: [Int] = [500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, Int.max]

    public private(set) var buckets: [Int] = Array(repeating: 0, count: Durations.boundsMicroseconds.count)
    public private(set) var totalMicroseconds = 0
    public private(set) var longestMicroseconds = 0
    public private(set) var count = 0

    public init() {}

    mutating func record(_ microseconds: Int) {
        count += 1
        totalMicroseconds += microseconds
        longestMicroseconds = max(longestMicroseconds, microseconds)
        buckets[Durations.boundsMicroseconds.firstIndex { microseconds <= $0 } ?? buckets.count - 1] += 1
    }
}

/// What the ledger thread waited for the writer to make visible (`WriterStats.ledgerWaitsFor`).
public enum LedgerWait: String, CaseIterable, Sendable {
    /// A purchase read a member or an id that a request it decided since its snapshot touched.
    case conflict
    /// A request it handed undecided (a reversal, an operator's write, a purchase too large for a record).
    case undecided
    /// Requests handed and not yet visible passed `ledgerLagBound`.
    case lag
    /// Another connection committed (an operator's `sqlite3` shell): everything handed, before deciding on it.
    case externalChange = "external_change"
}
