import TillCore

/// The ledger thread's side (`WriterConfiguration.ledgerThread`): decides purchases on a read connection of its own
/// and hands them to the writer thread with their writes, which the writer then runs, journals, answers and commits
/// in the order they were decided; every other request goes to the writer undecided, as without a ledger.
///
/// Guarantees:
/// - a purchase is decided on a snapshot that holds every request handed before it, or on one that holds the
///   requests before it that touched none of its members and claimed no id it uses (`UnappliedWrites`): a conflict
///   makes the ledger hand over what it decided, wait until the writer made the conflicting request visible, and
///   decide again on a new snapshot. Its writes are kept, not run (`EffectLog.defersWrites`), with the row ids the
///   ledger counts on (`RowIds`: valid because every insert into those tables comes from a request it handed, in
///   order); a request it decided to refuse or answered from the store wrote nothing and gives its ids back;
/// - any other request (a reversal, an operator's write) is handed undecided after everything before it, and the
///   ledger decides nothing more until the writer made it visible; then it forgets its accounts and row ids;
/// - the accounts in memory (`HotAccounts`) are the ledger's: the writer thread keeps none;
/// - the number of requests handed and not yet visible stays under `ledgerLagBound`: past it the ledger waits, its
///   inbox fills, and submissions are refused with `overloaded`.
/// Created, used and destroyed on the ledger thread only (not Sendable).
final class Ledger {
    let writer: Writer
    let inbox: RequestQueue<Void>
    let progress: LedgerProgress
    let connection: Connection
    let effects: EffectLog
    let context: WriteContext
    let unapplied = UnappliedWrites()
    /// Requests handed to the writer so far (the number of the last one).
    private var handed = 0
    /// Decided and not handed yet (handed together, as one batch).
    private var group: [any QueuedWrite] = []
    private var inSnapshot = false
    /// The writer's log of changed pages (nil without it: another connection's commit is then caught by the writer
    /// only, which answers the purchases decided before it `overloaded`), and what the ledger saw of it last.
    private let changedPages: ChangedPages?
    private var seenCommits: (generation: UInt64, change: UInt32) = (0, 0)

    init(path: String, writer: Writer, inbox: RequestQueue<Void>, progress: LedgerProgress, changedPages: ChangedPages?) throws {
        self.writer = writer
        self.inbox = inbox
        self.progress = progress
        let configuration = writer.configuration
        var options = OpenOptions(mode: .readOnly, busyTimeoutMilliseconds: 5_000, cacheKibibytes: 262_144)
        options.defersWrites = true
        options.effectLogLimitBytes = configuration.journal.maxRecordBytes
        connection = try Connection(path: path, options: options)
        connection.readerPageCache = changedPages?.reader()
        self.changedPages = changedPages
        guard let effects = connection.effects else { preconditionFailure("the ledger's connection keeps its writes") }
        self.effects = effects
        context = WriteContext(connection: connection, now: Timestamp(millisecondsSinceEpoch: 0))
        context.unapplied = unapplied
        if configuration.hotAccounts > 0 { context.hot = HotAccounts(capacity: configuration.hotAccounts) }
    }

    func run() {
        while true {
            switch inbox.take(upTo: writer.configuration.maxBatchSize, held: writer.configuration.hooks?.holdsBatches ?? false,
                              stopsWhenEmpty: { $0.stopping || $0.failure != nil }) {
            case .batch(let batch): decide(batch)
            case .sleep: inbox.sleep()
            case .stop: return
            }
        }
    }

    private func decide(_ batch: [any QueuedWrite]) {
        defer { publishStats() }
        context.stamp(writer.batchTime())
        var undecided = false  // the group holds requests handed undecided
        for item in batch {
            if item.decidesOnLedger {
                if undecided {
                    awaitUndecided()
                    undecided = false
                }
                decideHere(item)
            } else {
                // After everything decided before it, with the undecided requests next to it (one writer batch).
                group.append(item)
                undecided = true
            }
        }
        if undecided { awaitUndecided() } else { hand() }
        endSnapshot()
    }

    /// Hands the group, whose last requests go undecided, and waits until they are visible: they may change any member
    /// and insert rows with ids the ledger did not count, so it forgets its accounts and ids then.
    private func awaitUndecided() {
        hand()
        _ = wait(through: handed)
        context.forgetKept()
    }

    /// Decides `item` on the snapshot (again on a newer one after a conflict) and adds it to the group.
    private func decideHere(_ item: any QueuedWrite) {
        while true {
            do {
                try beginSnapshot()
            } catch {
                add(item, .refused(error))  // the writer fails over a storage fault, like its own read's
                return
            }
            let ids = context.rowIds.saved
            effects.beginRequest(decidesBeforeWriting: true)
            do {
                try item.perform(context)
                let writes = effects.takeDeferred()
                effects.endRequest()
                context.hot?.commitStaged()
                if writes.isEmpty {
                    unapplied.discard()
                    context.rowIds.restore(ids)
                } else {
                    unapplied.decided(as: handed + group.count + 1)
                }
                add(item, .writes(writes))
                return
            } catch let conflict as UnappliedWrites.Conflict {
                undo(ids)
                hand()
                guard wait(through: conflict.through) else {
                    item.fail(Writer.stoppedFailure)
                    return
                }
            } catch {
                undo(ids)
                add(item, .refused(error))
                return
            }
        }
    }

    /// Gives `item` its decision, made knowing the other connections' commits the ledger knows of, and adds it to
    /// the group.
    private func add(_ item: any QueuedWrite, _ outcome: LedgerDecision.Outcome) {
        item.decide(LedgerDecision(outcome: outcome, externalChanges: context.externalChanges))
        group.append(item)
    }

    private func undo(_ ids: [Int64]?) {
        effects.endRequest()
        context.hot?.discardStaged()
        context.rowIds.restore(ids)
        unapplied.discard()
    }

    /// Hands the decided group to the writer (a failed writer fails it); waits when the lag passes its bound.
    private func hand() {
        guard !group.isEmpty else { return }
        handed += group.count
        writer.enqueueFromLedger(group)
        group.removeAll(keepingCapacity: true)
        let bound = writer.configuration.ledgerLagBound
        if handed - unapplied.snapshot > bound, let visible = progress.current?.visible, handed - visible > bound {
            _ = wait(through: handed - bound / 2)
        }
    }

    /// Ends the snapshot and waits until the first `count` requests handed are visible (false: the writer stopped).
    private func wait(through count: Int) -> Bool {
        endSnapshot()
        writer.counters.withLock { $0.ledgerWaits += 1 }
        return progress.waitVisible(through: count) { writer.wakeWriter() }
    }

    private func beginSnapshot() throws {
        guard !inSnapshot else { return }
        try openSnapshot()
        guard let changedPages, !changedPages.onlyWriterCommits(&seenCommits) else { return }
        // Another connection may have committed (an operator's sqlite3 shell): it may have changed any member and
        // inserted rows with any id. Everything handed is made visible, what the ledger keeps is forgotten, and the
        // writer, at its next BEGIN, answers `overloaded` to what the ledger decided before (`LedgerDecision`).
        progress.noteExternalChange()
        guard wait(through: handed) else { throw Writer.stoppedFailure }
        context.forgetKept()
        try openSnapshot()
        _ = changedPages.onlyWriterCommits(&seenCommits)  // accepted as it is now
    }

    private func openSnapshot() throws {
        progress.snapshotLock.lock()
        guard let (visible, external) = progress.current else {
            progress.snapshotLock.unlock()
            throw Writer.stoppedFailure
        }
        if external != context.externalChanges {
            context.forgetKept()
            context.externalChanges = external
        }
        unapplied.forget(through: visible)
        unapplied.snapshot = visible
        do {
            try connection.beginSnapshot()
        } catch {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            progress.snapshotLock.unlock()
            throw error
        }
        inSnapshot = true
    }

    private func endSnapshot() {
        guard inSnapshot else { return }
        if connection.isInTransaction { try? connection.execute("ROLLBACK") }
        inSnapshot = false
        progress.snapshotLock.unlock()
    }

    private func publishStats() {
        let hot = context.hot.map { ($0.hits, $0.misses, $0.count, $0.mismatches) }
        writer.counters.withLock {
            $0.ledgerConflicts = unapplied.conflicts
            if let hot { ($0.hotAccountHits, $0.hotAccountMisses, $0.hotAccounts, $0.hotAccountMismatches) = hot }
        }
    }
}
