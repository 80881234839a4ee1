import TillJournal

/// How the writer batches, bounds its queue, journals and checkpoints.
public struct WriterConfiguration: Sendable {
    /// Requests waiting beyond this make `submit` fail at once with `overloaded`.
    public var queueCapacity: Int = 4_096
    /// At most this many requests share one transaction (one fsync).
    public var maxBatchSize: Int = 256
    /// Requests of answered (journaled) batches that may share one COMMIT while requests keep coming: the writer
    /// commits when its queue is empty, when a read waits for an answered batch, when the checkpoint is due (the WAL
    /// never grows past the checkpoint bound because of carrying), or once its answered batches hold this many
    /// requests. 1: a COMMIT per batch. Batches under load then share their COMMIT (its page writes: a page several
    /// batches change — a terminal's place in the purchases' key index, the tail pages — is written once) and their
    /// checkpoints. 1,024 since 2026-12-07 (256, one full batch, before): at 64 closed-loop terminals +18 % ± 2.4
    /// purchases/s and −10 µs of daemon CPU per purchase, p50 and p90 lower, p99 ~3 ms higher (a COMMIT holds more
    /// pages); 4,096 gained little more with a p99 higher still (bench/journal.md).
    public var maxRequestsPerCommit: Int = 1_024
    /// The answered batches' journal records the writer keeps in memory until their COMMIT (to apply them again if
    /// the transaction must be rolled back) are bounded by this many bytes too: past it, they are committed. A
    /// purchase's record is ~0.9 KiB, so under purchases `maxRequestsPerCommit` applies first; this keeps a run of
    /// large records (up to `journal.maxRecordBytes` each) from holding a gigabyte. An import's chunks of 250 members
    /// are ~125 KiB records, and they too gain from sharing COMMITs: at 16 MiB `till-bench-backoffice 300000`
    /// imported 12 % fewer members/s than with 256 requests per COMMIT, at 128 MiB as many (bench/journal.md).
    public var maxAnsweredRecordBytes: Int = 128 << 20
    /// The page size of a store the writer creates (see `OpenOptions.pageSize`); nil: SQLite's default, 4,096.
    public var pageSize: Int? = nil
    /// After a COMMIT with no request waiting, when the WAL holds more pages than this, the writer runs
    /// `wal_checkpoint(RESTART)`. Each checkpoint holds the next batch back while it fsyncs the WAL and copies it
    /// (the database file's fsync runs in the background, `databaseSyncInBackground`): smaller is a shorter stall,
    /// more often. When the database's fsync was part of the stall (2026-12-05), the open loop's purchase p99 from send
    /// at 1,000 requests/s went 10.5 ms (4,096 pages) → 6.0–6.4 ms (1,024) → 2.9–3.6 ms (256) → 1.5–2.0 ms (32). Since
    /// that fsync left the writer, a checkpoint copies each page's latest frame once, and 256 pages (1 MiB) measured
    /// the same p99 as 32 (medians of five alternated runs, 2,559 µs each from the intended start) with a quarter of
    /// the checkpoints' time, −12 % writer CPU per purchase and 7 times fewer fsyncs (bench/journal.md, 2026-12-07).
    public var checkpointWalPages: Int32 = 256
    /// The bound for a busy writer (requests were already waiting when it answered a batch, or it took the batch while
    /// the journal thread was still syncing the one before): the checkpoint waits until the WAL holds more pages than
    /// this, or until the writer is idle again and `checkpointWalPages` applies. A busy writer so pays for fewer,
    /// larger checkpoints (a page that several commits changed is copied once, two fsyncs per checkpoint), and an
    /// idle moment is used for the small one. Never below `checkpointWalPages` (the larger of the two applies).
    /// Realistic purchases, store level (bench/journal.md): writer CPU per purchase at batch 16 ~150 µs with
    /// checkpoints every 64 pages, ~110 µs every 1,024; end to end at 64 closed-loop terminals, 4,096 pages gave
    /// +15.6 % purchases/s and −10 % daemon CPU against 1,024, with a lower p99 (section "A busy writer checkpoints
    /// every 16 MiB").
    public var busyCheckpointWalPages: Int32 = 4_096

    /// A batch of at least this many requests makes the writer busy too (the busy bound applies after it), even when
    /// nothing waits once it is answered. Closed-loop terminals send their next purchase only after their answer, so
    /// after each of their (large) batches the queue is empty for a moment: with the idle bound the writer then
    /// checkpointed after every batch (~5 ms each, 40 % of its time at 64 terminals, bench/journal.md). An open loop
    /// at a moderate rate answers batches of one or two and keeps the small checkpoints in its gaps.
    public var busyBatchRequests: Int = 8

    /// After a batch of `busyBatchRequests` or more, or one taken while the record before it was being synced, with
    /// nothing waiting, its COMMIT waits up to this long for the next batch to share it (a read that starts waiting
    /// for it, or the shutdown, has it done at once; the answers have left already: the journal made them durable; no
    /// request meanwhile: the writer is idle, and the idle checkpoint bound applies). Closed-loop terminals send
    /// their next batch a round trip after their answers: without the wait each batch committed alone, and every
    /// COMMIT wrote the pages all of them touch (the purchases' key index has one insertion point per terminal)
    /// again. 0: commit at once.
    public var carriedCommitWaitMicroseconds: Int = 2_000

    /// A serving checkpoint's fsync of the database file runs in the background (`BackgroundDatabaseSync`): the
    /// writer goes on with the next batches, and the next write of the WAL waits for that sync (SQLite restarts the
    /// WAL by writing it, and until then the WAL holds the pages the checkpoint copied). That fsync was ~75 % of a
    /// checkpoint's time (bench/journal.md). false: the checkpoint fsyncs in place, on the writer's thread.
    public var databaseSyncInBackground = true
    /// How many of a checkpoint's page writes the background fsync writes out at a time before it syncs
    /// (`WritebackSlices`); 0: none, the fsync writes them all at once.
    public var databaseWritebackSlicePages = 16

    /// How many members' accounts the writer keeps in memory as purchases leave them (`HotAccounts`), so that a
    /// member's next purchase reads nothing of its account from SQLite; 0: none, every purchase reads its accounts.
    /// Each holds the member's active benefits and wallets (a few hundred bytes).
    public var hotAccounts = 65_536
    /// Purchases are decided and journaled on a thread of their own, the ledger, on a read connection of its own, and
    /// answered after their record's fdatasync; the writer thread applies the records to SQLite after the answers and
    /// commits them (`Ledger`; issue 12's split, measured in bench/journal.md). The accounts in memory are then the
    /// ledger's.
    public var ledgerThread = false
    /// With the ledger: requests it handed to the writer and the writer has not made visible yet, at most (it waits
    /// past this, and its queue then refuses with `overloaded`).
    public var ledgerLagBound = 4_096

    /// The WAL bound in force: `busyCheckpointWalPages` for a busy writer, else `checkpointWalPages`.
    func checkpointBound(busy: Bool) -> Int32 {
        busy ? max(checkpointWalPages, busyCheckpointWalPages) : checkpointWalPages
    }
    /// How long a checkpoint waits for readers to leave the WAL before giving up until the next batch.
    public var checkpointBusyTimeoutMilliseconds: Int32 = 20
    /// Receives the writer's events (on the writer thread); nil writes `WriterEvent.line` to stderr.
    public var onEvent: (@Sendable (WriterEvent) -> Void)? = nil
    /// The retry delay suggested to clients when the queue is full.
    public var retryAfterMilliseconds: Int64 = 20
    /// The SQLite VFS the writer's connection opens through; nil: SQLite's default. (Tests open it through the
    /// power-loss VFS of `TillStoreTesting`.)
    public var vfsName: String? = nil
    /// The journal's segments and limits; `journal.maxRecordBytes` also bounds one batch's effects (a batch
    /// writing more, such as a bulk import, is made durable by SQLite's own fsync instead).
    public var journal = JournalConfiguration()
    /// Where the journal lives; nil: the directory `<database>.journal` next to the database. (Tests put a
    /// `FaultyDisk` here.)
    public var journalDirectory: (any JournalDirectory)? = nil
    /// Seams for test machinery (`WriterHooks`); nil in the daemon.
    public var hooks: (any WriterHooks)? = nil

    public init() {}
}
