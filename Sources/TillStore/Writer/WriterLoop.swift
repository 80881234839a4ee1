import CSQLite
import Foundation
import Synchronization
import TillCore
import TillIO
import TillJournal

/// The writer thread's side: owns the connection and the journal, recovers, runs batches, checkpoints.
///
/// Guarantees: created, used and destroyed on the writer thread only (not Sendable). A batch's effects go to the
/// journal thread as one record (`JournalWriter`: group commit, one write and one fdatasync for every record waiting)
/// and the writer goes on with the next batch meanwhile; the batch's requests are answered once that fdatasync
/// returned (and every earlier record's), then it is committed (SQLite does not fsync the COMMIT; under load with the
/// batches after it), never before its record is durable; reads begun after the answers wait for that COMMIT
/// (`Visibility`);
/// at start-up the journal records the database does not hold yet are replayed before anything else; a journal
/// segment is deleted only after a checkpoint made the database file hold all its records and that file was synced.
final class WriterLoop {
    let connection: Connection
    /// The database file's checkpoint sync in the background (`WriterConfiguration.databaseSyncInBackground`).
    let databaseSync: BackgroundDatabaseSync?
    let effects: EffectLog
    /// The journal's thread: it writes and fdatasyncs the records the writer hands it, and answers their batches.
    let journal: JournalWriter
    let statements: JournalTexts
    let context: WriteContext
    let writer: Writer
    let walFrames = WalFrameCounter()
    private let lock: WriterLock
    private var batchNumber = 0
    /// Requests taken from the queue so far (with the ledger: the number it gave the last one it handed).
    private var requestsTaken = 0
    /// The open transaction holds a large batch's answers that may wait for the next batch (`carriedCommitWaitMicroseconds`).
    private var carriedOverEmptyQueue = false
    /// The last batch found the writer busy (the checkpoint bound for its carried COMMIT).
    private var lastBatchWasBusy = false
    /// When the previous batch began, and the recent journal syncs' time (µs, a moving average): with batches
    /// further apart than two syncs, a request rarely comes during one, and the writer syncs its record itself
    /// (`makeDurable`).
    private var previousBatchBegan: Instant?
    var syncMicroseconds = 200
    /// Times the journal's write + fdatasync and the COMMIT, for the metrics only (no decision reads it).
    let syscalls = SystemTime()
    private let walPath: String
    /// The database's page size in bytes (a WAL frame is a page and 24 bytes of header).
    let pageSize: Int
    /// The WAL file, opened on the first commit (see `startWALWriteback`).
    private var walWriteback: DataFile?
    var failed = false
    /// The LSN of the last record handed to the journal (durable once `journal` says so; the database holds it once
    /// it is committed).
    var journaledLSN: UInt64 = 0
    /// The WAL's frames when they were last counted (`framesCommitted`).
    var framesCounted = 0
    /// WAL pages a committed request added, lately (`checkpointDue`).
    private var pagesPerRequest = PagesPerRequest()
    /// The footprint of the running batch's requests: the batch's reach (`Visibility`).
    private let footprint = ReadFootprint()
    /// Batches answered and not committed yet: the open transaction holds them (the last one's number, and how many
    /// requests they hold).
    private(set) var answered: (last: Int, requests: Int)?
    /// Their journal records, to apply them again when the transaction holding them must be rolled back.
    var answeredRecords: [JournaledRecord] = []
    /// The bytes of their payloads (bounded by `maxAnsweredRecordBytes`).
    var answeredRecordBytes = 0
    /// SQLite's `data_version` when the writer last began a transaction (`forgetAccountsChangedElsewhere`).
    var dataVersion: Int64 = 0
    /// The requests of the batch answered last, handed to `retirement` when the next batch is answered or the writer
    /// sleeps (`retire`).
    private var lastAnswered: [any QueuedWrite] = []
    /// Where answered requests are freed: their deinit (a purchase's lines, names and codes) cost the writer ~1.7 µs
    /// per request, on the thread that limits throughput; freed here, the daemon answered 4–8 % more purchases/s with
    /// less CPU in all (bench/journal.md, "Answered requests freed off the writer").
    private static let retirement = DispatchQueue(label: "till-writer-retirement")
    /// The batches handed to `retirement` and not freed yet (of every store of the process).
    private static let retired = Mutex<[[any QueuedWrite]]>([])

    init(path: String, writer: Writer, migrations: [Migration]) throws {
        let configuration = writer.configuration
        walPath = path + "-wal"
        lock = try WriterLock(databasePath: path)
        try Migrator.refuseNewer(path: path, supported: Int64(migrations.count))
        try StoreFiles.restrict(databasePath: path)
        var options = OpenOptions(mode: .readWrite, busyTimeoutMilliseconds: configuration.checkpointBusyTimeoutMilliseconds,
                                  pageSize: configuration.pageSize)
        options.vfsName = configuration.databaseSyncInBackground
            ? BackgroundSyncVFS.register(over: configuration.vfsName) : configuration.vfsName
        options.effectLogLimitBytes = configuration.journal.maxRecordBytes
        connection = try Connection(path: path, options: options)
        databaseSync = connection.backgroundDatabaseSync()
        writer.databaseSync.withLock { [databaseSync] in $0 = databaseSync }
        databaseSync?.writesPerSlice = configuration.databaseWritebackSlicePages
        if let databaseSync, let hooks = configuration.hooks {
            databaseSync.beforeSync.closure = { hooks.willSyncDatabaseInBackground() }
            databaseSync.writeWaits.closure = { hooks.writeWaitsForDatabaseSync() }
            databaseSync.copyStarts.closure = { hooks.willCopyToDatabase() }
        }
        guard let effects = connection.effects else { preconditionFailure("the writing connection keeps an effect log") }
        self.effects = effects
        walFrames.restarts = databaseSync.map { sync in { sync.walRestarts } }
        walFrames.changedPages = databaseSync?.changedPages
        walFrames.install(on: connection)  // before migrating: the migration's frames count too
        // A new store gets its schema first; an existing one replays its journal with the schema the records were
        // written against, then migrates.
        if try connection.int64("PRAGMA user_version") ?? 0 == 0 { try Migrator.migrate(connection, migrations) }
        let recoveryTimes: RecoveryTimes
        let recovered: Journal
        let dictionary: StatementDictionary
        (recovered, dictionary, recoveryTimes) = try WriterLoop.recover(connection, path: path, configuration: configuration)
        statements = JournalTexts(dictionary)
        try Migrator.migrate(connection, migrations)
        pageSize = Int(try connection.int64("PRAGMA page_size") ?? 4_096)
        context = WriteContext(connection: connection, now: Timestamp(millisecondsSinceEpoch: 0))  // stamped before every batch
        context.retryAfterMilliseconds = configuration.retryAfterMilliseconds
        // With the ledger thread the accounts in memory are its own (`Ledger`).
        if configuration.hotAccounts > 0 && !configuration.ledgerThread {
            context.hot = HotAccounts(capacity: configuration.hotAccounts)
        }
        self.writer = writer
        writer.counters.withLock {
            $0.journalReplayed = recovered.recovery.recordsReplayed
            $0.journalTornBytes = recovered.recovery.tornBytes
            $0.journalScanMicroseconds = recoveryTimes.scanMicroseconds
            $0.journalReplayMicroseconds = recoveryTimes.replayMicroseconds
            $0.appliedLSN = recovered.nextLSN.rawValue - 1
        }
        journaledLSN = recovered.nextLSN.rawValue - 1
        // Commits from now on by another connection are what `forgetAccountsChangedElsewhere` looks for.
        dataVersion = try connection.int64("PRAGMA data_version") ?? 0
        journal = JournalWriter(journal: recovered)  // last: nothing after it throws, its thread runs until `stop`
        writer.sharedJournal.withLock { [journal, statements] in $0 = LedgerJournal(journal: journal, texts: statements) }
    }

    deinit {
        walWriteback?.close()
        walFrames.uninstall(from: connection)
    }

    func run() {
        // Migrations and replayed records go into the database file at once (and replayed segments can go).
        checkpoint(force: true, mode: .truncate)
        while true {
            switch writer.next() {
            case .batch(let batch): runBatch(batch)
            case .failedElsewhere(let stage, let reason):  // the journal's sync or the ledger failed: stop here too
                if !failed { failStop([], error: Writer.StoppedElsewhere(description: reason), stage: stage) }
            case .sleep:
                if !failed && answered != nil && !writer.visibility.readsWaiting && !journaledIsDurable {
                    // The last records are still being synced: their answers wake the writer (`answer`), and so does
                    // a request, which is decided meanwhile; the COMMIT waits for them.
                    writer.queue.sleep()
                    continue
                }
                if carriedOverEmptyQueue && answered != nil && !writer.visibility.readsWaiting && !ledgerWaits {
                    // A large batch's COMMIT waits for the next batch; the time up, it is done below.
                    // (A ledger deciding a batch is not idle: its requests come next.)
                    if !writer.queue.sleep(microseconds: writer.configuration.carriedCommitWaitMicroseconds)
                        && !(writer.ledgerInbox?.consumerHasBatch ?? false) {
                        carriedOverEmptyQueue = false
                        lastBatchWasBusy = false  // no request for that long: idle, the idle bound applies
                    }
                    continue  // a batch, a read waiting, the shutdown or the time: look again
                }
                if answered != nil {  // the wait ended without a batch, or a read waits (or a held writer: test hooks)
                    commitAnswered()
                    checkpoint(force: false, busy: lastBatchWasBusy)  // the bound the batch would have used
                }
                retire([])  // an idle writer keeps no answered request (nor the session its answer went to)
                writer.queue.sleep()
            case .stop:
                commitAnswered()
                if !failed { checkpoint(force: true, mode: .truncate) }
                journal.shutdown()  // writes what it holds; returns with released segments deleted
                return
            }
        }
    }

    /// Every record handed to the journal is durable (and its batch answered).
    var journaledIsDurable: Bool { journal.durableLSN.rawValue >= journaledLSN }

    // MARK: - Batches

    /// True while the ledger waits for the writer to make its requests visible: answered batches are committed now.
    private var ledgerWaits: Bool { writer.ledgerProgress?.ledgerWaits ?? false }

    /// Tells the ledger that every request taken so far is visible, when no answered batch waits for its COMMIT.
    private func publishVisible() {
        if answered == nil { writer.ledgerProgress?.visible(through: requestsTaken) }
    }

    private func runBatch(_ batch: [any QueuedWrite]) {
        batchNumber += 1
        // With the ledger: the records it journaled first (it hands a request of the writer's only after them, and
        // decides nothing more until that request is visible), then the requests the writer decides.
        let records = batch.prefix { $0 is LedgerRecord }.map { $0 as! LedgerRecord }
        let requests = Array(batch.dropFirst(records.count))
        precondition(!requests.contains { $0 is LedgerRecord }, "the ledger's records come before the writer's requests")
        let recordRequests = records.reduce(0) { $0 + $1.requests }
        requestsTaken += recordRequests + requests.count
        defer { publishVisible() }
        // A batch taken while an earlier record is still being synced: requests keep coming (the writer is busy).
        let overlapped = !journaledIsDurable
        let began = syscalls.now()
        let quiet = previousBatchBegan.map { Int(began.microseconds(since: $0)) > 2 * syncMicroseconds } ?? true
        previousBatchBegan = began
        context.stamp(writer.batchTime())
        effects.reset()
        var outcomes: [TillError?] = []
        outcomes.reserveCapacity(requests.count)
        var durable = DurableCommit.nothingChanged
        // What the batch may change, for reads of footprints: its requests' footprint, when each changes only its own
        // (`reachesOnlyItsFootprint`; collected on the connection while they run), else anything.
        let reach: WriteReach? = requests.allSatisfy(\.reachesOnlyItsFootprint) ? nil : .store
        let begins = answered == nil  // else the transaction of answered batches goes on: the lock was held throughout
        do {
            // Batches answered and not committed yet are in the open transaction: this one goes on in it (no
            // savepoint: it would copy every page the batch touches; `restoreAnswered` is the way back instead).
            if begins { try connection.execute("BEGIN IMMEDIATE") }
        } catch where error.isLockBusy && records.isEmpty {
            answerOverloaded(requests, error)
            return
        } catch {
            failStop(requests, error: error, stage: "BEGIN of batch \(batchNumber)")
            return
        }
        do {
            if begins { try forgetAccountsChangedElsewhere() }
            if try applyLedgerRecords(records) {
                answered = (batchNumber, (answered?.requests ?? 0) + recordRequests)  // by the ledger, or once durable
            }
            if !requests.isEmpty {
                if reach == nil {
                    footprint.reset()
                    connection.footprint = footprint
                }
                defer { connection.footprint = nil }
                if let optimistic = try runOptimistically(requests) {
                    outcomes = optimistic
                } else {
                    for item in requests { outcomes.append(try runIsolated(item)) }
                }
                if connection.isInTransaction {
                    try writer.configuration.hooks?.willCommit(batch: batchNumber)
                    durable = try makeDurable(quiet: quiet)
                }
            } else if connection.isInTransaction {
                try endUnchangedBatch()  // records of refusals only: nothing applied
            }
        } catch let error as SQLiteError where error.isLockBusy && !connection.isInTransaction && answered == nil {
            // Only the rerun's BEGIN can get here: the rollback had released the lock and another process took it.
            // (With answered batches to restore, losing the lock to another process is fail-stop, below.)
            answerOverloaded(requests, error)
            return
        } catch {
            failStop(requests, error: error, stage: "batch \(batchNumber) (\(requests.count) requests, \(records.count) ledger records)")
            return
        }
        // Durable now (journal fsynced; committed too, unless the COMMIT follows the answers). Count first (so a
        // completion observes stats that include its batch), then acknowledge.
        let succeeded = outcomes.count { $0 == nil }
        let commitFollows = durable.commitFollows
        let frames = framesCommitted()
        let hot = context.hot.map { ($0.hits, $0.misses, $0.count, $0.mismatches) }
        writer.counters.withLock {
            if !requests.isEmpty { $0.record(batchSize: requests.count, succeeded: succeeded) }  // the ledger counts its own
            frames.record(in: &$0)
            durable.record(in: &$0)
            if let hot { ($0.hotAccountHits, $0.hotAccountMisses, $0.hotAccounts, $0.hotAccountMismatches) = hot }
        }
        if commitFollows {
            writer.visibility.acknowledge(journaledLSN, reach: reach ?? .footprint(footprint.footprint))
            answered = (batchNumber, (answered?.requests ?? 0) + requests.count)
        }
        // Requests that were waiting before the answers left make the writer busy (the larger checkpoint bound); one
        // sent because of an answer (a terminal's next purchase) does not, but a large batch does (closed loops).
        let large = recordRequests + requests.count >= writer.configuration.busyBatchRequests
        let busy = writer.hasPendingRequests || large || overlapped
        if !requests.isEmpty { answer(requests, outcomes, synced: durable) }
        retire(batch)
        // A large batch's COMMIT may wait for the next batch over an empty queue (`run`); so may the ledger's records,
        // whose answers do not wait for it (a read after an answer, or a waiting ledger, has it done at once).
        let carry = (large || overlapped || !records.isEmpty) && writer.configuration.carriedCommitWaitMicroseconds > 0
        if let answered, answered.requests >= writer.configuration.maxRequestsPerCommit
            || answeredRecordBytes >= writer.configuration.maxAnsweredRecordBytes || writer.visibility.readsWaiting
            || ledgerWaits
            || checkpointDue(carrying: answered.requests, busy: busy)
            || (!writer.hasPendingRequests && !carry && journaledIsDurable) {
            commitAnswered()  // (an idle writer whose records are still being synced commits when they are: `run`)
        }
        carriedOverEmptyQueue = answered != nil && carry
        lastBatchWasBusy = busy
        if answered == nil { checkpoint(force: false, busy: busy) }
    }

    /// Hands the previous answered batch to `retirement`, which frees its requests, and keeps `batch` until the next
    /// one or until the writer sleeps (`retire([])`): by then the caller no longer holds it. The batch is swapped into
    /// `retired` under its lock, so from then on the list holds its only reference, and the retirement's release, the
    /// deinit, is the last whenever it runs (an array merely captured by the dispatched block would stay referenced by
    /// the writer until `async` returned, and the block may run and finish before that).
    private func retire(_ batch: [any QueuedWrite]) {
        var previous = batch
        swap(&previous, &lastAnswered)
        guard !previous.isEmpty else { return }
        Self.retired.withLock { retired in
            retired.append([])
            swap(&retired[retired.count - 1], &previous)
        }
        Self.retirement.async {
            let done = Self.retired.withLock { retired in
                var taken: [[any QueuedWrite]] = []
                swap(&taken, &retired)
                return taken
            }
            withExtendedLifetime(done) {}
        }
    }

    /// Commits the open transaction holding the batches answered since the last COMMIT (none: nothing to do), and
    /// makes them visible. Once the queue is empty, once they hold `maxRequestsPerCommit` requests (or their records
    /// `maxAnsweredRecordBytes`), or as soon as a read waits.
    /// A failure is fail-stop: the batches were answered, they are in the journal and come back at the next start.
    private func commitAnswered() {
        guard let last = answered?.last, !failed else { return }
        let started = syscalls.now()
        do {
            // Never visible before durable: the journal thread may still be syncing the last records.
            if !journaledIsDurable { writer.configuration.hooks?.willWaitForJournal() }
            try journal.waitUntilDurable(through: LSN(journaledLSN))
            try writer.configuration.hooks?.willMakeVisible(batch: last)
            try connection.execute("COMMIT")
        } catch {
            failStop([], error: error, stage: "COMMIT of answered batches through \(last) (journaled: replayed at the next start)")
            return
        }
        answeredCommitted(microseconds: Int(syscalls.now().microseconds(since: started)))
        startWALWriteback()
    }

    /// True when the WAL, with the pages the answered requests will add at their COMMIT (estimated from the
    /// latest commits), passes the checkpoint bound in force (the larger one when `busy`): they are committed then,
    /// and the checkpoint follows, so a carried transaction never makes the WAL (and the checkpoint's stall) larger
    /// than one more batch's pages. Without an estimate yet (the first COMMIT), it is due.
    private func checkpointDue(carrying requests: Int, busy: Bool) -> Bool {
        guard let perRequest = pagesPerRequest.framesPer1024Requests else { return true }
        let estimate = Int(walFrames.frames) + requests * perRequest / 1_024
        return estimate >= Int(writer.configuration.checkpointBound(busy: busy))
    }

    /// The answered batches are committed: readers may see them, the counters say so.
    func answeredCommitted(microseconds: Int) {
        guard answered != nil else { return }
        let frames = framesCommitted()
        pagesPerRequest.observe(frames: frames.appended, requests: answered?.requests ?? 0)
        answered = nil
        answeredRecords = []
        answeredRecordBytes = 0
        writer.counters.withLock {  // first: a read that waited for the COMMIT sees it counted
            frames.record(in: &$0)
            $0.commits += 1
            $0.commitMicroseconds += microseconds
            $0.appliedLSN = journaledLSN
        }
        writer.visibility.commit(journaledLSN)
        publishVisible()
    }

    /// The frames committed since the last checkpoint and those appended since the last call (SQLite appends them
    /// at COMMIT).
    private func framesCommitted() -> WALFrames {
        let frames = Int(walFrames.frames)
        // The count restarts at 0 only at a checkpoint, which resets `framesCounted` too; fewer frames than counted
        // would be another process's restart after the count (`WalFrameCounter`): all of them are new.
        let appended = frames >= framesCounted ? frames - framesCounted : frames
        framesCounted = frames
        return WALFrames(total: frames, appended: appended)
    }

    /// Asks the kernel to start writing the WAL's new pages out now, without waiting: SQLite fsyncs the WAL at the
    /// next checkpoint, which then finds them written instead of writing megabytes while every batch waits. A hint
    /// only (its own descriptor on the `-wal` file; the page cache is the file's): errors are ignored, the
    /// checkpoint's fsync reports what matters.
    private func startWALWriteback() {
        if walWriteback == nil { walWriteback = try? DataFile(path: walPath, mode: .readWrite) }
        try? walWriteback?.startWriteback()
    }

    /// Another process (an operator's sqlite3 shell?) holds the write lock: nothing was written, not a fault.
    private func answerOverloaded(_ batch: [any QueuedWrite], _ error: SQLiteError) {
        report(.writeLockBusy(batchSize: batch.count, error: "\(error)"))
        for item in batch { item.fail(.overloaded(retryAfterMs: writer.configuration.retryAfterMilliseconds)) }
        writer.counters.withLock { $0.failed += batch.count }
    }

    // MARK: - Fail-stop

    func failStop(_ batch: [any QueuedWrite], error: any Error, stage: String) {
        failed = true
        if connection.isInTransaction { try? connection.execute("ROLLBACK") }
        context.forgetKept()
        let reason = "write failed at \(stage): \(error)"
        report(.storageFailure(stage: stage, error: "\(error)"))
        let queued = writer.enterFailure(reason)
        writer.visibility.writerStopped()  // an answered batch that was not committed never will be
        let failure = Writer.stoppedFailure
        for item in batch { item.fail(failure) }
        for item in queued { item.fail(failure) }
        writer.counters.withLock { $0.failed += batch.count + queued.count }
    }

    func report(_ event: WriterEvent) { writer.report(event) }
}
