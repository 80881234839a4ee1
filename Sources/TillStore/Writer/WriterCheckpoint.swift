import TillJournal

extension WriterLoop {
    /// Resets the WAL when it passed the bound in force (`WriterConfiguration.checkpointBound`: the larger one when
    /// `busy`, i.e. requests were already waiting when the last batch was answered), or always when `force`; a
    /// storage error here is fail-stop too.
    func checkpoint(force: Bool, busy: Bool = false, mode: CheckpointMode = .restart) {
        guard !failed, force || walFrames.frames > writer.configuration.checkpointBound(busy: busy) else { return }
        do {
            let started = syscalls.now()
            let outcome = try connection.checkpoint(mode)
            let took = Int(syscalls.now().microseconds(since: started))
            switch outcome {
            case .complete:
                walFrames.frames = 0
                framesCounted = 0
                // The database file now holds every committed batch: their journal segments can go.
                let released = try journal.release(through: LSN(journal.nextLSN.rawValue - 1))
                writer.counters.withLock {
                    $0.checkpointDurations.record(took)
                    $0.walFrames = 0
                    $0.journalSegmentsReleased += released
                }
            case .busy:
                writer.counters.withLock { $0.checkpointsBusy += 1 }
            }
        } catch {
            failStop([], error: error, stage: "checkpoint")
        }
    }
}
