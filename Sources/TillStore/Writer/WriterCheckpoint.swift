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
            // A RESTART waits (busy handler, up to `checkpointBusyTimeoutMilliseconds`, then `busy`: tried again at
            // the next bound) for the readers whose snapshot began before it copied the WAL — the ledger's among them,
            // until its batch ends; readers that begin after the copy read the database file only and keep nobody
            // waiting. The ledger never waits for a checkpoint: its answers do not depend on the writer.
            let outcome = try connection.checkpoint(mode)
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
