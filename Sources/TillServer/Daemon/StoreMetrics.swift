import Foundation
import TillStore

/// Exposes the writer's counters, its batch sizes (a histogram), the journal, the readers' queue and wait, and the
/// WAL size.
enum StoreMetrics {
    static func register(store: Store, walPath: String, readWait: Histogram, in registry: MetricsRegistry) {
        registry.counter("till_writer_batches_total", "Batches the writer decided (one journal record each when they changed data)") { Int64(store.stats.batches) }
        registry.counter("till_journal_records_total", "Journal records appended and fdatasynced (one per batch that changed data; the journal thread syncs all those waiting at once)") {
            Int64(store.stats.journalRecords)
        }
        registry.counter("till_journal_bytes_total", "Payload bytes of the journal records appended") { Int64(store.stats.journalBytes) }
        registry.counter("till_journal_sync_microseconds_total", "Time journal records waited from their hand-over to the journal thread until their fdatasync returned, summed") {
            Int64(store.stats.journalSyncs.totalMicroseconds)
        }
        durations("till_journal_sync_seconds", "How long each journal record took from its hand-over to the journal thread until its fdatasync returned (its batch's answers wait for it)",
                  longest: ("till_journal_sync_slowest_microseconds", "The longest journal append since the daemon started"),
                  of: { store.stats.journalSyncs }, in: registry)
        registry.counter("till_writer_commit_microseconds_total", "Time the writer spent in COMMITs after the answers (WAL writes, no fsync)") {
            Int64(store.stats.commitMicroseconds)
        }
        registry.counter("till_writer_commits_total", "SQLite COMMITs of answered batches (under load several batches share one)") {
            Int64(store.stats.commits)
        }
        registry.counter("till_writer_wal_pages_written_total", "Pages the COMMITs appended to SQLite's WAL (each one copied into the database file at the next checkpoint)") {
            Int64(store.stats.walFramesWritten)
        }
        registry.counter("till_journal_sqlite_synced_batches_total", "Batches too large for a journal record, made durable by SQLite's fsync") {
            Int64(store.stats.sqliteSyncedBatches)
        }
        registry.counter("till_journal_segments_released_total", "Journal segments deleted after a checkpoint covered them") {
            Int64(store.stats.journalSegmentsReleased)
        }
        registry.gauge("till_journal_applied_lsn", "LSN of the last journal record the database holds") { Int64(store.stats.appliedLSN) }
        registry.gauge("till_journal_replayed_at_start", "Journal records replayed onto the database when the daemon started") {
            Int64(store.stats.journalReplayed)
        }
        registry.counter("till_writer_requests_total", "Write requests the writer applied") { Int64(store.stats.requests) }
        registry.gauge("till_writer_batch_size_max", "Largest batch so far") { Int64(store.stats.maxBatchSize) }
        // The last bound of WriterStats is Int.max: its bucket is the histogram's +Inf overflow.
        let bounds = WriterStats.bucketBounds.dropLast().map(Int64.init)
        registry.histogram("till_writer_batch_size", "Requests per committed batch (group commit)", bounds: Array(bounds)) {
            let stats = store.stats
            return (stats.batchSizeHistogram.map { UInt64($0) }, Int64(stats.batchSizeSum))
        }
        registry.gauge("till_writer_queue_depth", "Writes waiting for the writer") { Int64(store.stats.queueDepth) }
        registry.counter("till_writer_overloaded_total", "Writes refused because the queue was full") { Int64(store.stats.rejectedOverloaded) }
        registry.counter("till_writer_checkpoints_total", "WAL checkpoints run by the writer") { Int64(store.stats.checkpoints) }
        durations("till_writer_checkpoint_seconds", "How long each checkpoint held the writer (the WAL's fsync, the page copies, and the database file's fsync unless it runs in the background)",
                  longest: ("till_writer_checkpoint_slowest_microseconds",
                            "The longest checkpoint since the daemon started: the longest the writer stood still for one"),
                  of: { store.stats.checkpointDurations }, in: registry)
        registry.counter("till_writer_checkpoints_busy_total", "Checkpoints that found readers in the WAL and were put off") {
            Int64(store.stats.checkpointsBusy)
        }
        registry.counter("till_writer_database_syncs_in_background_total", "Checkpoints whose fsync of the database file ran in the background") {
            Int64(store.stats.databaseSyncsInBackground)
        }
        registry.counter("till_writer_database_writeback_slices_total", "Slices of checkpoints' pages written out one at a time before their background fsync") {
            Int64(store.stats.databaseWritebackSlices)
        }
        registry.counter("till_writer_waits_for_database_sync_total", "Writes (and WAL syncs) that waited for a checkpoint's background fsync of the database file") {
            Int64(store.stats.writesWaitedForDatabaseSync)
        }
        registry.counter("till_writer_database_sync_wait_microseconds_total", "Time WAL writes waited for a checkpoint's background fsync of the database file") {
            Int64(store.stats.databaseSyncWaitMicroseconds)
        }
        registry.counter("till_writer_batches_rerun_total", "Batches run again with a savepoint per request after one of their requests was refused after a change (the transaction was rolled back)") {
            Int64(store.stats.batchesRerun)
        }
        registry.counter("till_writer_answered_batches_restored_total", "Answered batches applied again from their journal records after such a rollback of the transaction carrying them") {
            Int64(store.stats.answeredBatchesRestored)
        }
        registry.counter("till_writer_hot_account_hits_total", "Purchases' member accounts the writer found in memory (no SQLite read)") {
            Int64(store.stats.hotAccountHits)
        }
        registry.counter("till_writer_hot_account_misses_total", "Purchases' member accounts the writer read from SQLite (then kept in memory)") {
            Int64(store.stats.hotAccountMisses)
        }
        registry.counter("till_writer_hot_account_mismatches_total", "Accounts kept in memory found different from SQLite when sampled (a bug: dropped before they decided anything)") {
            Int64(store.stats.hotAccountMismatches)
        }
        registry.gauge("till_writer_hot_accounts", "Member accounts the writer keeps in memory as purchases left them") {
            Int64(store.stats.hotAccounts)
        }
        registry.counter("till_writer_ledger_conflicts_total", "With the ledger thread: purchases that read a member or an id it had decided and the writer had not yet made visible (decided again on a newer snapshot)") {
            Int64(store.stats.ledgerConflicts)
        }
        for reason in LedgerWait.allCases {
            registry.counter("till_writer_ledger_waits_total", "With the ledger thread: times it waited for the writer to make its requests visible, by what it waited for (a conflict, a request it handed undecided, the lag bound, another connection's commit)", labels: ["reason": reason.rawValue]) {
                Int64(store.stats.ledgerWaitsFor[reason] ?? 0)
            }
            registry.counter("till_writer_ledger_wait_microseconds_total", "With the ledger thread: how long it waited for the writer in all, by what it waited for, in microseconds", labels: ["reason": reason.rawValue]) {
                Int64(store.stats.ledgerWaitMicrosecondsFor[reason] ?? 0)
            }
        }
        registry.gauge("till_checkpoint_lag_pages", "WAL pages committed and not yet checkpointed into the database file") {
            Int64(store.stats.walFrames)
        }
        registry.gauge("till_writer_failed", "1 once the writer stopped after a storage failure") { store.stats.storageFailure == nil ? 0 : 1 }
        registry.gauge("till_answered_uncommitted_batches", "Journal records answered whose SQLite COMMIT has not happened yet (one per batch): the projection lag") {
            Int64(store.visibility.lag)
        }
        registry.counter("till_reads_waited_for_commit_total", "Reads that began after an answer and waited for its COMMIT") {
            Int64(store.visibility.waits)
        }
        registry.counter("till_reads_before_commit_total", "Reads of their footprint only (identify, quote, status) begun while answered writes were not committed, answered at once because none of those writes reached what they read") {
            Int64(store.visibility.readsServedBeforeCommit)
        }
        registry.counter("till_reads_run_again_total", "Reads of their footprint only that an answered write not yet committed reached: they waited for its COMMIT and ran again") {
            Int64(store.visibility.readsRunAgain)
        }
        durations("till_read_commit_wait_seconds", "Time a read that began after an answer waited for its COMMIT",
                  longest: ("till_read_commit_wait_longest_microseconds", "The longest wait of a read for a COMMIT, in microseconds"),
                  of: { store.visibility.waited }, in: registry)
        registry.counter("till_reader_cache_kept_resets_total", "Readers' snapshot starts that dropped only the pages the writer changed since their last one") {
            Int64(store.readers.pageCacheResets?.kept ?? 0)
        }
        registry.counter("till_reader_cache_emptied_resets_total", "Readers' snapshot starts that emptied their page cache (first use, another connection's commit, too many changes)") {
            Int64(store.readers.pageCacheResets?.emptied ?? 0)
        }
        registry.counter("till_reader_cache_dropped_pages_total", "Pages the narrowed snapshot starts dropped from readers' page caches") {
            Int64(store.readers.pageCacheResets?.droppedPages ?? 0)
        }
        registry.gauge("till_read_queue_depth", "Reads waiting for a reader thread") { Int64(store.readers.queueDepth) }
        registry.counter("till_read_overloaded_total", "Reads refused because the read queue was full") { Int64(store.readers.overloadedCount) }
        _ = registry.histogram("till_read_wait_seconds", "Time a read waited in the queue for a reader thread") { readWait }
        registry.gauge("till_wal_bytes", "Size of the write-ahead log file") {
            let attributes = try? FileManager.default.attributesOfItem(atPath: walPath)
            return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        }
    }

    /// A writer step's durations as a histogram in seconds, and the longest as a gauge in microseconds.
    private static func durations(_ name: String, _ help: String, longest: (name: String, help: String),
                                  of read: @escaping @Sendable () -> Durations, in registry: MetricsRegistry) {
        registry.histogram(name, help, bounds: Durations.boundsMicroseconds.dropLast().map(Int64.init), renderDivisor: 1_000_000) {
            let durations = read()
            return (durations.buckets.map { UInt64($0) }, Int64(durations.totalMicroseconds))
        }
        registry.gauge(longest.name, longest.help) { Int64(read().longestMicroseconds) }
    }
}
