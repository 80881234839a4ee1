import Dispatch
import Glibc
import Synchronization
import TillCore

/// Which acknowledged writes a new read can see.
///
/// The writer (or the ledger, for the purchases it journals) answers a batch as soon as its journal record is
/// fdatasynced (the write is durable then), and the writer commits it to SQLite after the answers have left — right away when no request waits, else with the batches that follow
/// (up to `WriterConfiguration.maxRequestsPerCommit` requests, or as soon as a read waits here for the COMMIT); a
/// large batch's COMMIT may wait a moment for the next batch over an empty queue, and a read that starts waiting
/// here then wakes the writer (`whenReadWaits`).
///
/// Guarantees: `waitForAcknowledgedWrites()` returns only once every batch acknowledged before the call began is
/// committed, so a read transaction begun afterwards sees it: an answer a client has received is visible to every
/// read sent after it, on any connection. Once the writer stopped after a storage error with an acknowledged batch
/// it never committed, the wait throws `storageFailure` instead of answering from a state that lacks that batch (the
/// batch is in the journal and replayed at the next start). Batches are numbered by their records' LSNs, which only
/// grow. The writer thread and the
/// journal thread that answers for it never wait here (the COMMIT waits for them): checked by a precondition.
///
/// A read that depends only on its footprint (`ReadDependence.footprint`: identify, quote, status) need not wait:
/// each answered batch comes with its reach (`WriteReach`: the members and purchases its purchases, voids and returns
/// read, or the whole store), and such a read runs at once and is answered when no batch answered before it and not
/// committed reached its footprint (`unaffected`) — the answer a read after the COMMIT would give, since nothing else
/// it read changed.
public final class Visibility: Sendable {
    private struct Waiter {
        let batch: UInt64
        let wake: DispatchSemaphore
    }

    private struct Waiting {
        var waiters: [Waiter] = []
        var stopped = false
        var waits = 0
        var waited = Durations()
    }

    private let acknowledged = Atomic<UInt64>(0)
    private let committed = Atomic<UInt64>(0)
    /// The reach of the latest answered batches (appended before `acknowledged` moves past them).
    private let reaches = Mutex(AnsweredReach(capacity: 4_096))
    private let servedBeforeCommit = Atomic<Int>(0)
    private let runAgain = Atomic<Int>(0)
    private let waiting = Mutex(Waiting())
    /// How many reads wait right now (read by the writer without the lock, after every batch).
    private let waitingReads = Atomic<Int>(0)
    /// The writer thread (`pthread_t`), recorded when it starts; 0 before.
    private let writerThread = Atomic<UInt>(0)
    /// The journal thread, recorded when it first answers a batch (`answering`); 0 before.
    private let answeringThread = Atomic<UInt>(0)

    public init() {}

    /// Records answered but not yet committed (0 when every answer is visible): the projection lag, in records.
    public var lag: UInt64 {
        let committed = committed.load(ordering: .acquiring)
        let acknowledged = acknowledged.load(ordering: .acquiring)
        return acknowledged > committed ? acknowledged - committed : 0
    }

    /// Reads of footprints, begun while answered batches were not committed, answered without waiting for them (none
    /// reached their footprint), since the store opened.
    public var readsServedBeforeCommit: Int { servedBeforeCommit.load(ordering: .relaxed) }

    /// Such reads whose footprint an uncommitted batch reached: they waited for its COMMIT and ran again.
    public var readsRunAgain: Int { runAgain.load(ordering: .relaxed) }

    /// Reads that had to wait for a COMMIT, since the store opened.
    public var waits: Int { waiting.withLock { $0.waits } }

    /// How long the reads that waited for a COMMIT waited (those woken so far).
    public var waited: Durations { waiting.withLock { $0.waited } }
    private let clock = SystemTime()

    /// Run (on the reading thread) each time a read starts waiting for a COMMIT: wakes a writer that holds answered
    /// batches over an empty queue (`WriterConfiguration.carriedCommitWaitMicroseconds`), so that it commits at once.
    private let readWaits = InstalledClosure<@Sendable () -> Void>()

    /// Sets what runs each time a read starts waiting for a COMMIT (the writer's wake-up).
    func whenReadWaits(_ wake: @escaping @Sendable () -> Void) { readWaits.closure = wake }

    /// True while a read waits for a COMMIT: the writer then commits after its current batch.
    var readsWaiting: Bool { waitingReads.load(ordering: .relaxed) > 0 }

    /// Waits until every batch acknowledged so far is committed. `willWait` runs just before the calling thread
    /// blocks (never when it does not). Throws `storageFailure` when the writer stopped before committing one.
    public func waitForAcknowledgedWrites(willWait: (() -> Void)? = nil) throws(TillError) {
        let target = acknowledged.load(ordering: .acquiring)
        guard committed.load(ordering: .acquiring) < target else { return }
        let this = UInt(pthread_self())
        precondition(
            writerThread.load(ordering: .relaxed) != this && answeringThread.load(ordering: .relaxed) != this,
            "the writer or journal thread waited for a COMMIT that waits for it (a completion read the store?)")
        let wake = DispatchSemaphore(value: 0)
        let mustWait: Result<Bool, TillError> = waiting.withLock { state in
            if committed.load(ordering: .acquiring) >= target { return .success(false) }
            if state.stopped { return .failure(Writer.stoppedFailure) }
            state.waiters.append(Waiter(batch: target, wake: wake))
            state.waits += 1
            waitingReads.add(1, ordering: .relaxed)
            return .success(true)
        }
        guard try mustWait.get() else { return }
        readWaits.closure?()  // after `waitingReads` counts this read: the woken writer sees it
        willWait?()
        let started = clock.now()
        wake.wait()
        let took = Int(clock.now().microseconds(since: started))
        waiting.withLock { $0.waited.record(took) }
        if committed.load(ordering: .acquiring) < target { throw Writer.stoppedFailure }
    }

    /// What a read taken up now must see and is not committed yet: the batches answered after `committed` through
    /// `acknowledged` (nil: every answered batch is committed). A snapshot begun after this call holds `committed`.
    func unsettled() -> (committed: UInt64, acknowledged: UInt64)? {
        let acknowledged = acknowledged.load(ordering: .acquiring)  // first: `committed` is then at least as recent
        let committed = committed.load(ordering: .acquiring)
        return committed < acknowledged ? (committed, acknowledged) : nil
    }

    /// Whether none of the batches in `unsettled` (as returned before the read's snapshot began) may have changed
    /// anything in `footprint`: the read is answered from its snapshot then (counted), else it must wait and run
    /// again (counted too).
    func unaffected(_ unsettled: (committed: UInt64, acknowledged: UInt64), footprint: Footprint) -> Bool {
        let reached = reaches.withLock { $0.reaches(footprint, after: unsettled.committed, through: unsettled.acknowledged) }
        if reached { runAgain.add(1, ordering: .relaxed) } else { servedBeforeCommit.add(1, ordering: .relaxed) }
        return !reached
    }

    // MARK: - Writer side

    /// Called on the writer thread when it starts.
    func writerStarted() {
        writerThread.store(UInt(pthread_self()), ordering: .relaxed)
    }

    /// Called on the thread about to deliver answers the writer handed over (the journal's), before each batch.
    func answering() {
        let this = UInt(pthread_self())
        if this != writerThread.load(ordering: .relaxed) { answeringThread.store(this, ordering: .relaxed) }
    }

    /// The answers of the batch whose record is `batch` (its LSN) are about to leave; its COMMIT follows them.
    /// `reach`: what it may have changed.
    func acknowledge(_ batch: UInt64, reach: WriteReach) {
        precondition(batch > acknowledged.load(ordering: .relaxed), "batch numbers only grow")
        reaches.withLock { $0.append(batch, reach) }
        acknowledged.store(batch, ordering: .releasing)
    }

    /// The records through `batch` (an LSN) are committed: wakes the reads waiting for them.
    func commit(_ batch: UInt64) {
        committed.store(batch, ordering: .releasing)
        let ready: [Waiter] = waiting.withLock { state in
            guard state.waiters.contains(where: { $0.batch <= batch }) else { return [] }
            let ready = state.waiters.filter { $0.batch <= batch }
            state.waiters.removeAll { $0.batch <= batch }
            waitingReads.subtract(ready.count, ordering: .relaxed)
            return ready
        }
        for waiter in ready { waiter.wake.signal() }
    }

    /// The writer stopped (fail-stop or shutdown): nothing more will be committed; every waiting read is woken and
    /// throws unless its batch was committed.
    func writerStopped() {
        let all: [Waiter] = waiting.withLock { state in
            state.stopped = true
            waitingReads.subtract(state.waiters.count, ordering: .relaxed)
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in all { waiter.wake.signal() }
    }
}
