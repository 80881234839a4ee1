import Dispatch
import Foundation
import Synchronization
import TillCore

/// The requests submitted to a store whose purchases the ledger decides (`WriterConfiguration.ledgerThread`): the
/// ledger thread takes them in order, as the writer thread takes its queue otherwise.
///
/// Guarantees: bounded (`submit` refuses with `overloaded` past the capacity, and never calls the completion then);
/// once failed or stopping, it refuses every submission; a failure hands back what waited, to be failed by the caller.
final class LedgerInbox: Sendable {
    private struct State {
        var pending: [any QueuedWrite] = []
        var sleeping = false
        var stopping = false
        var failed = false
    }

    enum Next {
        case batch([any QueuedWrite])
        case sleep
        case stop
    }

    private let state = Mutex(State())
    let wake = DispatchSemaphore(value: 0)
    /// True from the moment the ledger takes a batch until it finds the queue empty: requests are on their way to the
    /// writer, which counts as busy meanwhile (it carries its COMMIT on, and checkpoints at the busy bound).
    private let deciding = Atomic<Bool>(false)

    /// Queues `item`; nil when accepted, else why not.
    func submit(_ item: any QueuedWrite, capacity: Int, retryAfterMilliseconds: Int64) -> TillError? {
        let outcome: Result<Bool, TillError> = state.withLock { s in
            if s.failed { return .failure(Writer.stoppedFailure) }
            if s.stopping { return .failure(.shuttingDown) }
            if s.pending.count >= capacity { return .failure(.overloaded(retryAfterMs: retryAfterMilliseconds)) }
            s.pending.append(item)
            let wasSleeping = s.sleeping
            s.sleeping = false
            return .success(wasSleeping)
        }
        switch outcome {
        case .success(let mustWake):
            if mustWake { wake.signal() }
            return nil
        case .failure(let error): return error
        }
    }

    /// The ledger thread: everything waiting (up to `limit`), or sleep (marked asleep), or stop once drained. While
    /// `held` (a test's `WriterHooks.holdsBatches`) requests wait, as they do for the writer.
    func next(limit: Int, held: Bool) -> Next {
        state.withLock { s in
            if !s.pending.isEmpty && (s.stopping || s.failed || !held) {
                deciding.store(true, ordering: .relaxed)
                return .batch(s.pending.takeBatch(upTo: limit))
            }
            deciding.store(false, ordering: .relaxed)
            if s.stopping || s.failed { return .stop }
            s.sleeping = true
            return .sleep
        }
    }

    /// Stops taking requests; the ledger decides what waits, then stops.
    func stop() { markAndWake { $0.stopping = true } }

    /// Refuses every later request and hands back the waiting ones.
    func fail() -> [any QueuedWrite] {
        let waiting = state.withLock { s -> [any QueuedWrite] in
            s.failed = true
            defer { s.pending = [] }
            return s.pending
        }
        markAndWake { _ in }
        return waiting
    }

    /// Requests wait here or are being decided.
    var hasPending: Bool { isDeciding || state.withLock { !$0.pending.isEmpty } }

    /// The ledger has a batch in hand: it will hand the writer requests soon.
    var isDeciding: Bool { deciding.load(ordering: .relaxed) }

    /// Makes a sleeping ledger look at its queue again (`Writer.wakeUp`).
    func wakeUp() { markAndWake { _ in } }

    private func markAndWake(_ change: (inout State) -> Void) {
        let mustWake = state.withLock { s -> Bool in
            change(&s)
            defer { s.sleeping = false }
            return s.sleeping
        }
        if mustWake { wake.signal() }
    }
}

/// Between the ledger and the writer thread: how many of the requests the ledger handed over the writer has made
/// visible (committed, or found to change nothing), whether the ledger waits for that, and the lock that keeps a
/// checkpoint from waiting for the ledger's snapshot.
///
/// Guarantees: `visible` only grows; `waitVisible` returns once it reached the number asked or the writer stopped
/// (false then); while the ledger waits, `ledgerWaits` is true and the writer commits its answered batches at once.
final class LedgerProgress: @unchecked Sendable {
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var visible = 0
    private var stopped = false
    private var externalChanges = 0
    private let waiting = Atomic<Int>(0)
    /// Held by the ledger while its read transaction is open, and by the writer around a checkpoint (a `RESTART`
    /// waits for every reader to leave the WAL: it takes this instead of waiting out its busy timeout).
    let snapshotLock = NSLock()

    /// The writer thread: the first `count` requests it took are committed or changed nothing.
    func visible(through count: Int) {
        condition.lock()
        if count > visible {
            visible = count
            condition.broadcast()
        }
        condition.unlock()
    }

    /// The writer or the ledger: another connection committed, or may have (the ledger forgets what it keeps about
    /// the store; the writer answers what the ledger decided before `overloaded`). Returns the count now.
    @discardableResult
    func noteExternalChange() -> Int {
        condition.lock()
        defer { condition.unlock() }
        externalChanges += 1
        return externalChanges
    }

    /// The writer stopped (fail-stop or shutdown): no wait is answered any more.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// The ledger: the requests visible now and the external changes seen so far (nil once the writer stopped).
    var current: (visible: Int, externalChanges: Int)? {
        condition.lock()
        defer { condition.unlock() }
        return stopped ? nil : (visible, externalChanges)
    }

    /// True while the ledger waits for the writer.
    var ledgerWaits: Bool { waiting.load(ordering: .acquiring) > 0 }

    /// The ledger: waits until the first `count` requests are visible; `wakeWriter` runs once the wait is announced.
    func waitVisible(through count: Int, wakeWriter: () -> Void) -> Bool {
        waiting.add(1, ordering: .releasing)
        defer { waiting.subtract(1, ordering: .releasing) }
        wakeWriter()
        condition.lock()
        defer { condition.unlock() }
        while visible < count && !stopped { condition.wait() }
        return visible >= count
    }
}
