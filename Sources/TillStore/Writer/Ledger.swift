import TillCore
import TillJournal

/// The ledger thread's side (`WriterConfiguration.ledgerThread`): decides purchases, voids and returns
/// (`WriteRequest.decidesOnLedger`) on a read connection of its own, journals what they write itself and answers them
/// once that record is durable; the writer thread applies the records to SQLite after (the projection) and commits
/// them. Every other request goes to the writer undecided, as without a ledger.
///
/// Guarantees:
/// - a request is decided on a snapshot that holds every request handed before it, or on one that holds the
///   requests before it that touched none of its members and claimed or named no id it uses (`UnappliedWrites`; a
///   resend of an id claimed since the snapshot is answered from what the claim stored): a conflict makes the ledger
///   hand over what it decided, wait until the writer made the conflicting request visible, and decide again on a
///   new snapshot. Its writes are kept, not run (`EffectLog.defersWrites`), with the row ids the
///   ledger counts on (`RowIds`: valid because every insert into those tables comes from a request it handed, in
///   order); a request it decided to refuse or answered from the store wrote nothing and gives its ids back;
/// - the requests decided together are journaled as one record (`LedgerJournal`) and answered after the fdatasync
///   that covers it and every record before it — refusals and resends too, whose answers may rest on earlier
///   records; a read that begins after an answer waits until the writer committed its record (`Visibility`);
/// - any other request (an operator's write, a wallet adjustment, an import; a purchase too large for a record) is
///   handed undecided after everything before it, and the ledger decides and journals nothing more until the writer
///   made it visible: so the writer's own records follow the ledger's in LSN order; then it forgets its accounts and
///   row ids;
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
    /// The footprint of the request being decided.
    private let footprint = ReadFootprint()
    let context: WriteContext
    let unapplied = UnappliedWrites()
    /// Times the journal's syncs of the ledger's records, for the metrics only.
    let syncClock = SystemTime()
    /// Requests handed to the writer so far (the number of the last one).
    private var handed = 0
    /// Decided (the outcome) or handed undecided (nil, last) and not handed yet: handed together, the decided ones as
    /// one record.
    private var group: [(item: any QueuedWrite, outcome: LedgerOutcome?)] = []
    /// The estimated bytes of the group's writes (`EffectRecord.encodedSizeBound`): kept under half a record.
    private var groupBytes = 0
    /// The journal and the SQL texts' numbers, shared with the writer.
    let journal: LedgerJournal
    private var inSnapshot = false
    /// The writer's log of changed pages (nil without it: another connection's commit is then noticed by the writer
    /// only, at its next BEGIN, which the ledger learns at its next snapshot), and what the ledger saw of it last.
    private let changedPages: ChangedPages?
    private var seenCommits: (generation: UInt64, change: UInt32) = (0, 0)
    /// The other connections' commits the ledger has taken into account (`LedgerProgress`): when the writer has seen
    /// more, the ledger forgets what it keeps about the store.
    private var externalChangesSeen = 0

    init(path: String, writer: Writer, inbox: RequestQueue<Void>, progress: LedgerProgress, changedPages: ChangedPages?,
         journal: LedgerJournal) throws {
        self.writer = writer
        self.journal = journal
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
        connection.footprint = footprint  // each request's, for the reach of the record it goes in (`Visibility`)
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
        context.stamp(writer.batchTime())
        var undecided = false  // the group holds requests handed undecided
        for item in batch {
            if item.decidesOnLedger {
                if undecided {
                    awaitUndecided()
                    undecided = false
                }
                if decideHere(item) { continue }
            }
            // After everything decided before it, with the undecided requests next to it (one writer batch).
            group.append((item, nil))
            undecided = true
        }
        if undecided { awaitUndecided() } else { hand() }
        endSnapshot()
    }

    /// Hands the group, whose last requests go undecided, and waits until they are visible: they may change any member
    /// and insert rows with ids the ledger did not count, so it forgets its accounts and ids then.
    private func awaitUndecided() {
        hand()
        _ = wait(through: handed, for: .undecided)
        context.forgetKept()
    }

    /// Decides `item` on the snapshot (again on a newer one after a conflict) and adds it to the group; false when
    /// its writes would not fit in a record (`LedgerJournal.fits`): it is handed undecided then, for the writer.
    private func decideHere(_ item: any QueuedWrite) -> Bool {
        while true {
            do {
                try beginSnapshot()
            } catch {
                fail(item, error)
                return true
            }
            let ids = context.rowIds.saved
            footprint.reset()
            effects.beginRequest(decidesBeforeWriting: true)
            do {
                try item.perform(context)
                let (writes, bytes) = effects.takeDeferred()
                guard journal.fits(bytes) else {
                    undo(ids)
                    return false
                }
                effects.endRequest()
                context.hot?.commitStaged()
                if writes.isEmpty {
                    unapplied.discard()
                    context.rowIds.restore(ids)
                } else {
                    unapplied.decided(as: handed + group.count + 1)
                }
                if !journal.fits(groupBytes + bytes) { hand() }
                groupBytes += bytes
                group.append((item, .writes(writes, footprint: footprint.footprint)))
                return true
            } catch let conflict as UnappliedWrites.Conflict {
                undo(ids)
                hand()
                guard wait(through: conflict.through, for: .conflict) else {
                    item.fail(Writer.stoppedFailure)
                    return true
                }
            } catch {
                undo(ids)
                fail(item, error)
                return true
            }
        }
    }

    /// A refusal (answered with the group), or a storage fault of the ledger's connection: fail-stop, as the writer's
    /// own reads'.
    private func fail(_ item: any QueuedWrite, _ error: any Error) {
        if let sqlite = error as? SQLiteError, sqlite.isStorageFault {
            hand()
            writer.stopWriting(failing: [item], stage: "ledger", reason: "its read failed: \(sqlite)")
            return
        }
        group.append((item, .refused(WriterLoop.clientError(error, report: writer.report))))
    }

    private func undo(_ ids: [Int64]?) {
        effects.endRequest()
        context.hot?.discardStaged()
        context.rowIds.restore(ids)
        unapplied.discard()
    }

    /// Journals the decided part of the group (`journalDecided`) and hands it to the writer with the undecided
    /// requests after it (a failed writer fails them); waits when the lag passes its bound.
    func hand() {
        guard !group.isEmpty else { return }
        publishStats()  // before any answer leaves: a client that got one sees the accounts it left counted
        let decided = group.prefix { $0.outcome != nil }.count
        precondition(group.dropFirst(decided).allSatisfy { $0.outcome == nil }, "undecided requests come last in a group")
        var items = group.dropFirst(decided).map(\.item)
        if decided > 0 {
            guard let record = journalDecided(group.prefix(decided), estimatedBytes: groupBytes) else {
                handed += group.count
                group.removeAll(keepingCapacity: true)
                groupBytes = 0
                writer.stopWriting(failing: items, stage: "ledger", reason: "the journal refused its record")
                return
            }
            items.insert(record, at: 0)
        }
        handed += group.count
        writer.enqueueFromLedger(items)
        group.removeAll(keepingCapacity: true)
        groupBytes = 0
        let bound = writer.configuration.ledgerLagBound
        if handed - unapplied.snapshot > bound, let visible = progress.current?.visible, handed - visible > bound {
            _ = wait(through: handed - bound / 2, for: .lag)
        }
    }

    /// Ends the snapshot and waits until the first `count` requests handed are visible (false: the writer stopped).
    private func wait(through count: Int, for reason: LedgerWait) -> Bool {
        endSnapshot()
        let started = syncClock.now()
        let visible = progress.waitVisible(through: count) { writer.wakeWriter() }
        let took = Int(syncClock.now().microseconds(since: started))
        writer.counters.withLock {
            $0.ledgerWaitsFor[reason, default: 0] += 1
            $0.ledgerWaitMicrosecondsFor[reason, default: 0] += took
        }
        return visible
    }

    private func beginSnapshot() throws {
        guard !inSnapshot else { return }
        let seenBefore = seenCommits
        try openSnapshot()
        guard let changedPages, !changedPages.onlyWriterCommits(&seenCommits) else { return }
        // A commit the writer has not published: its own, still on its way (the writer publishes right after its
        // COMMIT), or another connection's (an operator's sqlite3 shell). Once what the ledger handed is visible, the
        // writer's commits are published, and the check against what the ledger had seen before tells them apart.
        if handed > unapplied.snapshot {
            guard wait(through: handed, for: .externalChange) else { throw Writer.stoppedFailure }
            try openSnapshot()
            var again = seenBefore
            if changedPages.onlyWriterCommits(&again) {
                seenCommits = again
                return
            }
        }
        // Another connection committed (or, at the ledger's first snapshot, may have: it has seen no commit yet): it
        // may have changed any member and inserted rows with any id. What the ledger keeps is forgotten, and what it
        // decides from here on rests on that commit, in a new snapshot. (Records journaled before it apply as they
        // were decided: SQLite is the journal's projection, and writes that bypass the journal are not supported
        // while the ledger runs. A record that no longer applies stops the store: `LedgerDivergence`.)
        endSnapshot()
        progress.noteExternalChange()
        context.forgetKept()
        try openSnapshot()
        _ = changedPages.onlyWriterCommits(&seenCommits)  // accepted as it is now
    }

    private func openSnapshot() throws {
        progress.snapshotLock.lock()  // not while the writer checkpoints
        guard let (visible, external) = progress.current else {
            progress.snapshotLock.unlock()
            throw Writer.stoppedFailure
        }
        if external != externalChangesSeen {
            context.forgetKept()
            externalChangesSeen = external
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
