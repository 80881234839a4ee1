import CSQLite
import TillCore
import TillJournal

/// How the writer makes a batch durable and answers it: its effects as one journal record (synced by the journal
/// thread while the writer goes on, or in place when batches are far apart), the answers once the record and every
/// earlier one are durable; a batch too large for a record through SQLite's own fsync. Part of `WriterLoop`
/// (writer thread only).
extension WriterLoop {
    /// Ends the batch's part of the transaction without making anything durable (it changed nothing): commits
    /// when it is alone in the transaction, else leaves the answered batches before it to `commitAnswered`.
    func endUnchangedBatch() throws {
        if answered == nil { try connection.execute("COMMIT") }
    }

    /// Makes the open transaction durable. Normally: the effects go to the journal thread as one record (with the
    /// position it takes, written in the transaction), which writes and fdatasyncs it while the writer goes on; the
    /// transaction stays open, for the caller to answer once the record is durable (`answer`) and commit after. A
    /// batch that changed nothing commits; one whose effects passed the record limit (a bulk import) waits for the
    /// records before it, commits and then has SQLite fsync its WAL instead.
    /// Any error is fail-stop for the caller: nothing of this batch is acknowledged.
    func makeDurable(quiet: Bool) throws -> DurableCommit {
        guard !effects.entries.isEmpty || effects.overflowed else {
            try endUnchangedBatch()  // the requests changed nothing
            return .nothingChanged
        }
        // Encoded, handed to the journal and its texts learnt with the dictionary to itself: with the ledger thread,
        // the ledger appends records too (never while a request the writer journals is not visible, so the LSN the
        // writer counts on is still the next one).
        let appended: (payload: [UInt8], definitions: [EffectRecord.Definition])? = try statements.withDictionary { statements in
            // The log's size is an estimate; the encoded record is what must fit (never a trap in `append`).
            let (payload, definitions) = effects.overflowed
                ? ([], []) : EffectRecord.encode(effects.entries, dictionary: statements, capacity: effects.estimatedBytes)
            if effects.overflowed || payload.count > journal.configuration.maxRecordBytes { return nil }
            let lsn = LSN(journaledLSN + 1)
            try JournalPosition.advance(connection, to: lsn)
            try StatementDictionary.store(definitions, on: connection)
            let record = JournalRecord(payload: payload)
            let submitted = syscalls.now()
            let assigned: LSN
            if quiet && !writer.hasPendingRequests, let written = try journal.writeNowIfIdle(record) {
                // Nothing to decide meanwhile, and likely nothing will come during the sync: written and synced here,
                // without the hand-over to the journal thread and back (they cost more than they would overlap).
                assigned = written
                let took = Int(syscalls.now().microseconds(since: submitted))
                syncMicroseconds = (7 * syncMicroseconds + took) / 8
                writer.counters.withLock { $0.journalSyncs.record(took) }
            } else {
                assigned = try journal.submit(record, onDurable: writer.countingJournalSync(submitted: submitted, clock: syscalls))
            }
            precondition(assigned == lsn, "the writer journals only when every record before is one it applied: its LSNs follow its own count")
            // The texts are in the journal's order now (and in `journal_statements` with the COMMIT): later records
            // refer to them.
            for definition in definitions { try statements.learn(id: definition.id, sql: definition.sql) }
            journaledLSN = lsn.rawValue
            return (payload, definitions)
        }
        guard let (payload, definitions) = appended else {
            try journal.waitUntilDurable(through: LSN(journaledLSN))  // the COMMIT makes the batches before visible
            let started = syscalls.now()
            try connection.execute("COMMIT")  // with the answered batches before it, if any
            answeredCommitted(microseconds: Int(syscalls.now().microseconds(since: started)))
            try syncThroughSQLite()
            return .syncedBySQLite
        }
        let lsn = LSN(journaledLSN)
        answeredRecords.append(JournaledRecord(lsn: lsn, payload: payload, definitions: definitions))
        answeredRecordBytes += payload.count
        return .journaled(bytes: payload.count)
    }

    /// Applies the records the ledger journaled (`LedgerRecord`), in LSN order: their writes, the texts they define
    /// and their positions, in the open transaction; they are kept for a rollback like the writer's own
    /// (`answeredRecords`). True when one was applied: the transaction then holds writes the ledger answers once
    /// their record is durable, and the COMMIT waits for that (`commitAnswered`). A write that fails there means the
    /// ledger decided on a state the store does not hold: `LedgerDivergence` (fail-stop); a storage fault is itself.
    func applyLedgerRecords(_ records: [LedgerRecord]) throws -> Bool {
        var applied = false
        for record in records {
            guard let journaled = record.journaled else { continue }  // refusals and resends only
            precondition(journaled.lsn.rawValue == journaledLSN + 1, "the ledger's records are applied in LSN order")
            do {
                for write in record.writes { try connection.execute(write.sql, write.arguments) }
            } catch where error.isStorageFault {
                throw error
            } catch {
                throw LedgerDivergence(lsn: journaled.lsn.rawValue, error: error)
            }
            try StatementDictionary.store(journaled.definitions, on: connection)
            try JournalPosition.advance(connection, to: journaled.lsn)
            journaledLSN = journaled.lsn.rawValue
            answeredRecords.append(journaled)
            answeredRecordBytes += journaled.payload.count
            applied = true
        }
        return applied
    }

    /// Answers the batch's requests once every record handed to the journal so far is durable — its own, and the
    /// earlier ones whose effects it may have read: at once when they are, else on the journal thread after the
    /// fdatasync that covers them. A batch SQLite synced is answered at once (every record before it was waited
    /// for). If the journal fails first, the requests fail with the store's fail-stop error.
    func answer(_ batch: [any QueuedWrite], _ outcomes: [TillError?], synced: DurableCommit) {
        let answers = Answers(requests: batch, outcomes: outcomes)
        if case .syncedBySQLite = synced {
            answers.deliver()
            return
        }
        if journaledIsDurable {  // synced in place, or nothing new: answered here, nothing to wake
            answers.deliver()
            return
        }
        answers.deliver(whenDurableThrough: LSN(journaledLSN), in: journal, writer: writer)
    }

    /// Has SQLite fsync the WAL (which holds every commit so far): one small transaction committed with
    /// `synchronous=FULL`. Checked: it must have appended a frame, or the sync did not happen.
    func syncThroughSQLite() throws {
        let before = walFrames.frames
        try connection.executeScript("PRAGMA synchronous = FULL")
        defer { try? connection.executeScript("PRAGMA synchronous = NORMAL") }
        try connection.execute("BEGIN IMMEDIATE")
        try connection.execute("UPDATE journal_position SET sqlite_synced_batches = sqlite_synced_batches + 1 WHERE id = 1")
        try connection.execute("COMMIT")
        guard walFrames.frames > before else {
            throw SQLiteError(extendedCode: SQLITE_IOERR, message: "the WAL sync barrier wrote no frame", sql: nil)
        }
    }
}
