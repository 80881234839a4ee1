import TillCore

/// How the writer runs a batch's requests in its transaction: all at once while none is refused after a change
/// (`runOptimistically`), else each in its own savepoint (`runIsolated`); with the effect log and the accounts in
/// memory (`HotAccounts`) kept as the store holds them. Part of `WriterLoop` (writer thread only).
extension WriterLoop {
    /// Runs one request in its own savepoint. Returns its domain error (already rolled back), nil on success;
    /// throws when the batch as a whole cannot go on (storage fault, transaction lost).
    func runIsolated(_ item: any QueuedWrite) throws -> TillError? {
        let mark = effects.mark
        try connection.execute("SAVEPOINT request")
        do {
            try perform(item)
            try connection.execute("RELEASE request")
            return nil
        } catch {
            if let sqlite = error as? SQLiteError, sqlite.isStorageFault { throw error }
            guard connection.isInTransaction else { throw error }  // SQLite rolled the whole transaction back
            try connection.execute("ROLLBACK TO request")
            try connection.execute("RELEASE request")
            effects.rollBack(to: mark)
            return domainError(error)
        }
    }

    /// Empties the accounts in memory and forgets the next row ids (`WriteContext.forgetKept`) when another connection
    /// committed since the writer last looked (`PRAGMA data_version`: an operator's `sqlite3` shell, say, while the
    /// writer did not hold the lock): such a commit may have changed any member and inserted any row. Called right
    /// after the writer's BEGIN IMMEDIATE: with the lock held, nothing else commits until the writer's COMMIT, so a
    /// batch carried on in the same transaction needs no look.
    func forgetAccountsChangedElsewhere() throws {
        let version = try connection.int64("PRAGMA data_version") ?? 0
        if version != dataVersion {
            context.forgetKept()
            writer.ledgerProgress?.noteExternalChange()  // the ledger forgets what it keeps at its next snapshot
            dataVersion = version
        }
    }

    /// Runs one request with its data-changing statements kept in the effect log (and only its own), and the
    /// accounts in memory kept as the store holds them (`HotAccounts`): emptied before a request that does not keep
    /// them, its staged entries kept only when it succeeds. The next row ids (`RowIds`) are kept only after a request
    /// that keeps the accounts, succeeded and changed something; after any other they are forgotten: it may have
    /// inserted rows with ids SQLite chose (another kind of request), or taken ids it did not insert (a refusal, or a
    /// resend answered from the store).
    private func perform(_ item: any QueuedWrite) throws {
        let keeps = item.keepsHotAccounts
        if !keeps { context.hot?.removeAll() }
        let mark = effects.mark
        var idsStayValid = false
        effects.beginRequest(decidesBeforeWriting: item.decidesBeforeWriting)
        defer {
            effects.endRequest()
            if !idsStayValid { context.rowIds.forget() }
        }
        do {
            try item.perform(context)
            context.hot?.commitStaged()
            // With the ledger, rows of the purchases it decided come between any two requests the writer decides.
            idsStayValid = keeps && !effects.keptNothing(since: mark) && !writer.configuration.ledgerThread
        } catch {
            context.hot?.discardStaged()
            throw error
        }
    }

    /// Runs every request of the batch without savepoints: the common case, where all of them succeed, then costs
    /// no statement journal (a savepoint copies every page its request touches). A request refused before it changed
    /// anything (no data-changing statement of it succeeded: the effect log is where it was) needs no rollback: it
    /// is answered with its error and the others go on. On the first refusal after a change the whole transaction
    /// is rolled back and the answered batches it carried are applied again from their records: a batch of one has
    /// its answer then; a larger batch gets nil, and the caller runs it again with a savepoint per request, so the
    /// outcome is exactly that of the savepoint path (requests are re-applied from the start; results of this pass
    /// are overwritten). A storage fault throws, as on every path.
    func runOptimistically(_ batch: [any QueuedWrite]) throws -> [TillError?]? {
        var outcomes: [TillError?] = []
        outcomes.reserveCapacity(batch.count)
        for item in batch {
            let mark = effects.mark
            do {
                try perform(item)
                outcomes.append(nil)
            } catch {
                if let sqlite = error as? SQLiteError, sqlite.isStorageFault { throw error }
                if connection.isInTransaction, effects.keptNothing(since: mark) {
                    outcomes.append(domainError(error))  // it changed nothing: nothing to undo
                    continue
                }
                if connection.isInTransaction { try connection.execute("ROLLBACK") }
                context.forgetKept()  // they held what the transaction rolled back
                effects.reset()
                if batch.count > 1 {
                    writer.counters.withLock { $0.batchesRerun += 1 }
                    writer.configuration.hooks?.willRerun()
                }
                if batch.count > 1 || answered != nil {
                    try connection.execute("BEGIN IMMEDIATE")
                    try restoreAnswered()
                }
                return batch.count == 1 ? [domainError(error)] : nil
            }
        }
        return outcomes
    }

    /// Applies the records of the answered batches again, in a transaction that lost them (rolled back): their
    /// statements, the texts they defined (forgotten first: their rows went with the rollback) and their positions.
    private func restoreAnswered() throws {
        guard !answeredRecords.isEmpty else { return }
        try statements.withDictionary { statements in
            statements.forget(answeredRecords.flatMap { $0.definitions.map(\.id) })
            for record in answeredRecords {
                try JournalPosition.replay(record.payload, lsn: record.lsn, on: connection, dictionary: statements)
            }
        }
        writer.counters.withLock { $0.answeredBatchesRestored += answeredRecords.count }
    }

    private func domainError(_ error: any Error) -> TillError { Self.clientError(error, report: writer.report) }

    /// A request's error as the client sees it: TillErrors as they are; anything else is a bug of the request
    /// (e.g. a constraint it should have checked): reported, answered without internals. (The ledger's refusals too.)
    static func clientError(_ error: any Error, report: (WriterEvent) -> Void) -> TillError {
        if let till = error as? TillError { return till }
        report(.requestRolledBack(error: "\(error)"))
        return .notAllowed(field: nil, reason: "the store refused the change")
    }
}
