import TillJournal

extension WriterLoop {
    /// Resets the WAL when it passed the bound in force (`WriterConfiguration.checkpointBound`: the larger one when
    /// `busy`, i.e. requests were already waiting when the last batch was answered), or always when `force`; a
    /// storage error here is fail-stop too.
    func checkpoint(force: Bool, busy: Bool = false, mode: CheckpointMode = .restart) {
        guard !failed, force || walFrames.frames > writer.configuration.checkpointBound(busy: busy) else { return }
        do {
            precondition(answered == nil, "a checkpoint with answered batches not committed")
            let committed = journaledLSN  // every record is committed
            // A serving checkpoint leaves its fsync of the database file to the background, and the next commits
            // append to the WAL meanwhile, up to twice the bound, instead of overwriting what it copied
            // (`BackgroundDatabaseSync`). Start-up's and shutdown's sync in place.
            let deferred = mode == .restart ? databaseSync : nil
            let frames = 2 * Int64(writer.configuration.checkpointBound(busy: busy))
            let frameBytes = Int64(pageSize) + Int64(WALWriteBuffer.frameHeaderBytes)
            databaseSync?.checkpointStarts(
                deferringSyncAppendingUpTo: deferred == nil ? nil : WALWriteBuffer.walHeaderBytes + frames * frameBytes)
            let started = syscalls.now()
            let ledgerSnapshots = writer.ledgerProgress?.snapshotLock
            if let ledgerSnapshots, mode == .restart {
                // The ledger decides on while the WAL is copied: once the snapshot it has now ended (one batch), its
                // next ones hold every commit, and the copy waits for none of them (FULL waits only for snapshots
                // older than the last commit).
                ledgerSnapshots.lock()
                ledgerSnapshots.unlock()
                _ = try connection.checkpoint(.full)
            }
            // Then, or at once without a ledger: a snapshot of the ledger's would keep the RESTART waiting (SQLite's
            // busy handler sleeps up to 100 ms at a time): it starts none meanwhile, and ends the one it has. After
            // the copy above the RESTART copies nothing: it only waits for the readers that still use the WAL. (A
            // reader thread's snapshot older than the last commit that outlasts the busy timeout leaves the rest of
            // the copy to the RESTART, under the lock: rare, and no worse than before.)
            ledgerSnapshots?.lock()
            let checkpointed = Result { try connection.checkpoint(mode) }
            ledgerSnapshots?.unlock()
            let outcome = try checkpointed.get()
            let took = Int(syscalls.now().microseconds(since: started))
            databaseSync?.checkpointEnded()
            switch outcome {
            case .complete:
                walFrames.checkpointed()
                framesCounted = 0
                // The database file holds every committed batch: their journal segments can go once it is synced —
                // now, or (deferred) up to what the last background sync covered.
                deferred?.checkpointCompleted(through: committed)
                let synced = deferred.map { $0.syncedThrough } ?? committed
                journal.release(through: LSN(synced))  // on the journal thread, between groups
                let released = journal.stats.segmentsReleased
                writer.counters.withLock {
                    $0.checkpointDurations.record(took)
                    $0.walFrames = 0
                    $0.journalSegmentsReleased = released
                }
            case .busy:
                writer.counters.withLock { $0.checkpointsBusy += 1 }
            }
        } catch {
            failStop([], error: error, stage: "checkpoint")
        }
    }
}
