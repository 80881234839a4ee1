import Dispatch
import Foundation
import Synchronization
import TillCore
import TillJournal

/// The single writer of the store: one thread, one connection, group commit.
///
/// Guarantees:
/// - exactly one connection writes and checkpoints; it lives and dies on the writer thread;
/// - the queue is bounded: `submit` fails at once with `overloaded` when `queueCapacity` requests wait;
/// - every waiting request (up to `maxBatchSize`) runs in ONE `BEGIN IMMEDIATE … COMMIT`; a request that throws is
///   rolled back alone and answered with its error. The batch first runs without savepoints (a savepoint copies
///   every page its request touches into the statement journal); on the first refusal the transaction is rolled
///   back and the batch runs again with a SAVEPOINT per request. A batch of one runs in the transaction alone;
/// - completions run on the writer thread, the ledger's or the journal's, exactly once per accepted request, and a success is
///   delivered only after the batch's effects (and every earlier batch's) were appended to the journal and
///   fdatasynced; the writer decides the next batches meanwhile; the COMMIT (not fsynced:
///   `synchronous=NORMAL`) follows the answers, and reads begun after an answer wait for it (`Visibility`);
///   start-up replays the journal records the database lost (`WriterLoop`);
/// - fail-stop: a storage error (journal write or sync, commit, I/O, full disk, corruption) fails the whole batch and
///   every later request with `storageFailure`; nothing is retried and nothing more is written until the process
///   restarts.
public final class Writer: Sendable {
    /// What the writer keeps under its queue's lock besides the requests.
    struct QueueOwned: Sendable {
        /// With the ledger thread: it handed everything and stopped (the writer stops only then).
        var ledgerStopped = false
        /// Another thread failed (the journal's write or sync, the ledger's read or record): the writer thread rolls
        /// back and stops when `next()` hands it over, once (`failureTaken`).
        var failure: (stage: String, reason: String)?
        var failureTaken = false
    }

    /// What the writer was opened with.
    public let configuration: WriterConfiguration
    /// The store's clock, read once per batch by the writer thread (`WriteContext.now`), through `batchTime`.
    let clock: @Sendable () -> Timestamp
    /// The last time `batchTime` gave (ms since the epoch).
    private let lastBatchTime = Atomic<Int64>(Int64.min)
    /// Told when a batch is answered and when it is committed.
    let visibility: Visibility
    /// The requests the writer thread takes (with the ledger: the ones it handed, decided or not).
    let queue = RequestQueue(QueueOwned())
    let counters = Mutex(WriterStats())
    /// The writing connection's background checkpoint sync, once the writer thread opened it (for `stats`).
    let databaseSync = Mutex<BackgroundDatabaseSync?>(nil)
    /// The journal and its texts' numbers, once the writer thread opened them (the ledger journals through them).
    let sharedJournal = Mutex<LedgerJournal?>(nil)
    let finished = DispatchSemaphore(value: 0)
    /// With the ledger thread (`WriterConfiguration.ledgerThread`): its queue, what it knows of the writer's
    /// progress, and its end.
    let ledgerInbox: RequestQueue<Void>?
    let ledgerProgress: LedgerProgress?
    private let ledgerFinished = DispatchSemaphore(value: 0)

    /// Opens the writing connection on a new thread, migrates the schema, and starts serving.
    init(path: String, configuration: WriterConfiguration, migrations: [Migration], visibility: Visibility,
         clock: @escaping @Sendable () -> Timestamp) throws {
        self.configuration = configuration
        self.visibility = visibility
        self.clock = clock
        ledgerInbox = configuration.ledgerThread ? RequestQueue(()) : nil
        ledgerProgress = configuration.ledgerThread ? LedgerProgress() : nil
        visibility.whenReadWaits { [weak self] in self?.wakeWriter() }
        try Self.spawn("till-writer") { [self] ready in
            // The loop (connection, WAL hook, writer lock) is released when `serve` returns, before `finished`.
            func serve() {
                let loop: WriterLoop
                do {
                    loop = try WriterLoop(path: path, writer: self, migrations: migrations)
                } catch {
                    ready(.failure(error))
                    return
                }
                ready(.success(()))
                loop.run()
            }
            visibility.writerStarted()
            serve()
            visibility.writerStopped()
            ledgerProgress?.stop()
            finished.signal()
        }
        if let ledgerInbox, let ledgerProgress {
            do {
                try startLedger(path: path, inbox: ledgerInbox, progress: ledgerProgress)
            } catch {
                shutdown()
                throw error
            }
        }
    }

    /// Opens the ledger's connection on a new thread (after the writer recovered and migrated the store) and runs it.
    private func startLedger(path: String, inbox: RequestQueue<Void>, progress: LedgerProgress) throws {
        let changedPages = databaseSync.withLock { $0 }?.changedPages
        guard let journal = sharedJournal.withLock({ $0 }) else { preconditionFailure("the writer opened its journal") }
        try Self.spawn("till-ledger") { [self] ready in
            func serve() {
                let ledger: Ledger
                do {
                    ledger = try Ledger(path: path, writer: self, inbox: inbox, progress: progress, changedPages: changedPages,
                                        journal: journal)
                } catch {
                    ready(.failure(error))
                    return
                }
                ready(.success(()))
                ledger.run()
            }
            serve()
            ledgerFinished.signal()
        }
    }

    /// Runs `body` on a new thread named `name` (4 MiB of stack) and returns once it called `ready`, throwing the
    /// error it reported (the thread then ends on its own).
    private static func spawn(
        _ name: String, _ body: @escaping @Sendable (_ ready: @Sendable (Result<Void, any Error>) -> Void) -> Void
    ) throws {
        let started = Mutex<Result<Void, any Error>?>(nil)
        let opened = DispatchSemaphore(value: 0)
        let thread = Thread {
            body { result in
                started.withLock { $0 = result }
                opened.signal()
            }
        }
        thread.name = name
        thread.stackSize = 4 << 20
        thread.start()
        opened.wait()
        if case .failure(let error) = started.withLock({ $0 }) { throw error }
    }

    /// The ledger thread: appends requests it decided (or hands undecided) to the writer's queue, in order, and wakes
    /// the writer. A writer that failed fails them at once.
    func enqueueFromLedger(_ items: [any QueuedWrite]) {
        guard !queue.append(contentsOf: items) else { return }
        for item in items { item.fail(Writer.stoppedFailure) }
        counters.withLock { $0.failed += items.count }
    }

    /// The time to stamp the next batch with: the clock, but never before a batch stamped earlier, by the writer
    /// thread or the ledger's (a wall clock stepped back repeats the last time), so that the stamps of decided writes
    /// follow the order they are decided and committed in.
    func batchTime() -> Timestamp {
        let stamp = clock()
        let now = stamp.millisecondsSinceEpoch
        var last = lastBatchTime.load(ordering: .relaxed)
        while now > last {
            let (exchanged, original) = lastBatchTime.compareExchange(expected: last, desired: now, ordering: .relaxed)
            if exchanged { return stamp }
            last = original
        }
        return now == last ? stamp : Timestamp(millisecondsSinceEpoch: last)
    }

    /// What clients are told after the fail-stop (the detailed reason is in `stats.storageFailure` and stderr).
    static let stoppedFailure = TillError.storageFailure(reason: "the store stopped writing after a storage error")

    /// Another thread's failure, as the writer thread's fail-stop reports it (`Next.failedElsewhere`).
    struct StoppedElsewhere: Error, CustomStringConvertible {
        let description: String
    }

    /// Enqueues `request`; `completion` runs later on the writer thread with the durable result.
    /// Throws at once (and never calls `completion`) when the queue is full, the store failed, or it is stopping.
    /// `completion` must be quick and must never wait for another write (it would wait for itself): hand the
    /// result to the caller's event loop and return.
    public func submit<Request: WriteRequest>(
        _ request: Request, completion: @escaping @Sendable (Result<Request.Output, TillError>) -> Void
    ) throws(TillError) {
        let item = PendingWrite(request: request, completion: completion)
        let (capacity, retryAfter) = (configuration.queueCapacity, configuration.retryAfterMilliseconds)
        let refusal = if let ledgerInbox {  // the ledger decides first
            ledgerInbox.submit(item, capacity: capacity, retryAfterMilliseconds: retryAfter)
        } else {
            queue.submit(item, capacity: capacity, retryAfterMilliseconds: retryAfter)
        }
        guard let error = refusal else { return }
        if case .overloaded = error { counters.withLock { $0.rejectedOverloaded += 1 } }
        throw error
    }

    /// Submits and waits for the durable result (suspends the task, not a thread).
    public func write<Request: WriteRequest>(_ request: Request) async throws(TillError) -> Request.Output {
        let result: Result<Request.Output, TillError> = await withCheckedContinuation { continuation in
            do throws(TillError) {
                try submit(request) { continuation.resume(returning: $0) }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try result.get()
    }

    /// A snapshot of the counters.
    public var stats: WriterStats {
        var snapshot = counters.withLock { $0 }
        snapshot.queueDepth = queue.count
        if let sync = databaseSync.withLock({ $0 }) {
            (snapshot.databaseSyncsInBackground, snapshot.writesWaitedForDatabaseSync, snapshot.databaseSyncWaitMicroseconds) = sync.counts
            snapshot.databaseWritebackSlices = sync.slicesWrittenOut
        }
        return snapshot
    }

    /// Stops taking requests, commits everything already queued, checkpoints, closes the connection and returns
    /// when the writer thread is done. Idempotent.
    public func shutdown() {
        queue.update { $0.stopping = true }  // the writer serves what comes, held or not, and stops once the ledger stopped
        if let ledgerInbox {  // the ledger hands over what it holds first
            ledgerInbox.update { $0.stopping = true }
            ledgerFinished.wait()
            ledgerFinished.signal()
            queue.update { $0.owner.ledgerStopped = true }
        }
        finished.wait()
        finished.signal()  // any later caller returns at once
    }

    /// Makes a sleeping writer (and ledger) look at its queue again (after `WriterHooks.holdsBatches` turned false).
    public func wakeUp() {
        ledgerInbox?.update()
        wakeWriter()
    }

    /// Makes a sleeping writer thread look at its queue again (a read or the ledger waits, the journal synced).
    func wakeWriter() { queue.update() }

    // MARK: - Used by the writer thread

    enum Next {
        case batch([any QueuedWrite])
        case sleep
        case stop
        /// Another thread failed (`stopWriting`): the writer rolls back and stops writing.
        case failedElsewhere(stage: String, reason: String)
    }

    /// Takes the next batch, or tells the loop to sleep (after marking it asleep: `queue.sleep`) or to stop; first,
    /// once, the journal thread's failure.
    func next() -> Next {
        let failure = queue.withState { s -> (stage: String, reason: String)? in
            guard let failure = s.owner.failure, !s.owner.failureTaken else { return nil }
            s.owner.failureTaken = true
            return failure
        }
        if let failure { return .failedElsewhere(stage: failure.stage, reason: failure.reason) }
        let withLedger = ledgerInbox != nil
        // A test's hold keeps requests back, never the ledger's records: they are answered already, and a read sent
        // after such an answer waits for the writer to commit them.
        switch queue.take(upTo: configuration.maxBatchSize, held: configuration.hooks?.holdsBatches ?? false,
                          passesHold: { $0 is LedgerRecord },
                          stopsWhenEmpty: { $0.stopping && (!withLedger || $0.owner.ledgerStopped) }) {
        case .batch(let batch): return .batch(batch)
        case .sleep: return .sleep
        case .stop: return .stop
        }
    }

    /// True when requests wait for the writer (it then carries its answered batches on instead of committing).
    var hasPendingRequests: Bool { !queue.isEmpty || (ledgerInbox?.hasWork ?? false) }

    /// Off the writer thread: the journal's write or sync failed (`stage` "journal"), or the ledger's read or record
    /// (`stage` "ledger"), so `requests` (waiting for it) and every queued request fail with the fail-stop error,
    /// later submissions are refused, and the writer thread is woken to roll back and stop (`next()` hands it the
    /// failure).
    func stopWriting(failing requests: [any QueuedWrite], stage: String, reason: String) {
        let queued = enterFailure("\(stage): \(reason)")
        queue.withState { $0.owner.failure = $0.owner.failure ?? (stage, reason) }
        for request in requests { request.fail(Writer.stoppedFailure) }
        for request in queued { request.fail(Writer.stoppedFailure) }
        counters.withLock { $0.failed += requests.count + queued.count }
        wakeUp()
    }

    /// An `onDurable` for a journal record submitted at `submitted` (on `clock`): counts its write + fdatasync time in
    /// `journalSyncs`, on the journal thread, before the record's answers leave.
    func countingJournalSync(submitted: Instant, clock: SystemTime) -> @Sendable (Result<LSN, JournalError>) -> Void {
        { [self] result in
            guard case .success = result else { return }
            let took = Int(clock.now().microseconds(since: submitted))
            counters.withLock { $0.journalSyncs.record(took) }
        }
    }

    /// Where the writer's and the ledger's events go (the store's `onEvent`, else stderr).
    func report(_ event: WriterEvent) {
        if let onEvent = configuration.onEvent { onEvent(event); return }
        FileHandle.standardError.write(Data((event.line + "\n").utf8))
    }

    /// Records the fail-stop and hands back every request still queued (to be failed by the caller).
    func enterFailure(_ reason: String) -> [any QueuedWrite] {
        counters.withLock { $0.storageFailure = reason }
        ledgerProgress?.stop()
        return queue.fail(reason: reason) + (ledgerInbox?.fail(reason: reason) ?? [])
    }
}
