import Dispatch
import Foundation
import Synchronization

/// Group commit in front of a `Journal`: callers submit records from any thread; one thread writes every record
/// waiting with one write and one `fdatasync`, then reports each one durable.
///
/// Guarantees:
/// - LSNs are assigned at `submit`, in submission order, with no gaps; records are written in that order;
/// - `onDurable` runs exactly once per accepted record, on the journal thread, in LSN order, and reports success
///   only after the `fdatasync` covering the record returned;
/// - `whenDurable(through:)` runs its body exactly once, after every `onDurable` through that LSN has run (at once
///   when they have), or with the failure that means they never will succeed; `waitUntilDurable` blocks until then;
/// - no timer: a record submitted to an idle journal is written at once; under load, groups grow by themselves;
/// - `writeNowIfIdle` writes and syncs a record on the caller's thread when the journal thread has nothing to do
///   (no hand-over, no wake-up): the same write, sync and LSN order as a group of one;
/// - bounded: `submit` throws `overloaded` when `queueCapacity` records wait;
/// - fail-stop: after an I/O error the waiting records and every later `submit` fail with `stopped`.
public final class JournalWriter: Sendable {
    /// Counters for metrics and benchmarks.
    public struct Stats: Sendable, Equatable {
        public var groups = 0
        public var records = 0
        public var bytes = 0
        public var largestGroup = 0
        public var rejectedOverloaded = 0
        public var segmentsReleased = 0
        public var waiting = 0
        /// The highest LSN known durable.
        public var durableLSN = LSN.none
    }

    private struct Waiting {
        let record: JournalRecord
        let onDurable: @Sendable (Result<LSN, JournalError>) -> Void
    }

    private struct Callback {
        let through: LSN
        let body: @Sendable (Result<Void, JournalError>) -> Void
    }

    private struct State {
        var waiting: [Waiting] = []
        /// Bodies of `whenDurable` waiting for their LSN, in registration order.
        var callbacks: [Callback] = []
        var nextLSN: LSN
        var sleeping = false
        /// A caller writes through `writeNowIfIdle`: the journal thread leaves the journal alone meanwhile.
        var callerWrites = false
        /// What the journal thread last released (`release(through:)`).
        var released = LSN.none
        /// The highest LSN durable with every `onDurable` through it run (`stats.durableLSN` is set before they run).
        var completedThrough: LSN
        var stopping = false
        var failure: JournalError?
        var releaseThrough = LSN.none
        var stats = Stats()
    }

    public let configuration: JournalConfiguration
    private let state: Mutex<State>
    /// Used by the journal thread, or by a caller of `writeNowIfIdle` while `callerWrites` keeps the thread off it
    /// (the mutex orders the hand-overs).
    nonisolated(unsafe) private let journal: Journal
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts the journal thread; it owns `journal` from now on.
    public init(journal: Journal) {
        configuration = journal.configuration
        let last = LSN(journal.nextLSN.rawValue - 1)
        state = Mutex(State(nextLSN: journal.nextLSN, completedThrough: last, stats: Stats(durableLSN: last)))
        self.journal = journal
        let thread = Thread { [self] in
            run()
            self.journal.finishFileWork()  // shutdown returns with the released segments recycled or deleted
            finished.signal()
        }
        thread.name = "till-journal"
        thread.start()
    }

    /// Queues `record` and returns its LSN; `onDurable` reports later, on the journal thread, when the record is
    /// on stable storage (or why it never will be). `onDurable` must be quick and must not submit and wait.
    /// Throws at once, and never calls `onDurable`, when the record is too large, the queue is full, the journal
    /// stopped, or it is shutting down.
    @discardableResult
    public func submit(
        _ record: JournalRecord, onDurable: @escaping @Sendable (Result<LSN, JournalError>) -> Void
    ) throws(JournalError) -> LSN {
        if record.payload.count > configuration.maxRecordBytes {
            throw .recordTooLarge(bytes: record.payload.count, limit: configuration.maxRecordBytes)
        }
        let outcome: Result<(LSN, Bool), JournalError> = state.withLock { state in
            if let failure = state.failure { return .failure(.stopped(reason: failure.description)) }
            if state.stopping { return .failure(.shuttingDown) }
            if state.waiting.count >= configuration.queueCapacity {
                state.stats.rejectedOverloaded += 1
                return .failure(.overloaded(waiting: state.waiting.count))
            }
            let lsn = state.nextLSN
            state.nextLSN = lsn.next
            state.waiting.append(Waiting(record: record, onDurable: onDurable))
            let mustWake = state.sleeping
            state.sleeping = false
            return .success((lsn, mustWake))
        }
        let (lsn, mustWake) = try outcome.get()
        if mustWake { wake.signal() }
        return lsn
    }

    /// Writes `record` as a group of one and makes it durable on the calling thread, when the journal thread is idle
    /// (nothing waiting, nothing being written, no `whenDurable` body pending): returns its LSN once its `fdatasync`
    /// returned. Returns nil, having done nothing, when the thread is busy: `submit` then. For a caller that would
    /// only wait for the sync anyway: it saves the hand-over to the journal thread and back. A failure stops the
    /// journal as on the thread (every later call throws `stopped`).
    public func writeNowIfIdle(_ record: JournalRecord) throws(JournalError) -> LSN? {
        if record.payload.count > configuration.maxRecordBytes {
            throw .recordTooLarge(bytes: record.payload.count, limit: configuration.maxRecordBytes)
        }
        let reserved: Result<LSN?, JournalError> = state.withLock { state in
            if let failure = state.failure { return .failure(.stopped(reason: failure.description)) }
            if state.stopping { return .failure(.shuttingDown) }
            guard state.sleeping, !state.callerWrites, state.waiting.isEmpty, state.callbacks.isEmpty else {
                return .success(nil)
            }
            state.callerWrites = true
            let lsn = state.nextLSN
            state.nextLSN = lsn.next  // a record submitted meanwhile takes the next one
            return .success(lsn)
        }
        guard let lsn = try reserved.get() else { return nil }
        let outcome: Result<ClosedRange<LSN>, JournalError>
        do throws(JournalError) {
            outcome = .success(try journal.append([record]))
        } catch {
            outcome = .failure(error)
        }
        let (mustWake, abandoned, callbacks) = state.withLock { state -> (Bool, [Waiting], [Callback]) in
            state.callerWrites = false
            var abandoned: [Waiting] = []
            var callbacks: [Callback] = []
            switch outcome {
            case .success(let lsns):
                precondition(lsns.lowerBound == lsn && lsns.upperBound == lsn, "the journal's LSNs follow the writer's")
                state.stats.groups += 1
                state.stats.records += 1
                state.stats.bytes += record.footprint
                state.stats.largestGroup = max(state.stats.largestGroup, 1)
                state.stats.durableLSN = lsns.upperBound
                state.completedThrough = lsns.upperBound
            case .failure(let error):
                state.failure = error
                abandoned = state.waiting
                callbacks = state.callbacks
                state.waiting.removeAll()
                state.callbacks.removeAll()
            }
            // Work that came meanwhile (from other threads) is the journal thread's again.
            let pending = !state.waiting.isEmpty || state.stopping || state.releaseThrough > state.released
            guard pending && state.sleeping else { return (false, abandoned, callbacks) }
            state.sleeping = false
            return (true, abandoned, callbacks)
        }
        if mustWake { wake.signal() }
        switch outcome {
        case .success(let lsns): return lsns.lowerBound
        case .failure(let error):
            let stopped = JournalError.stopped(reason: error.description)
            for item in abandoned { item.onDurable(.failure(stopped)) }
            for callback in callbacks { callback.body(.failure(stopped)) }
            throw error
        }
    }

    /// Runs `body` once every record through `lsn` is durable and its `onDurable` has run: at once on the calling
    /// thread when that is already so, else on the journal thread right after the group that makes it so. After a
    /// failure (now or later) `body` gets `stopped`. `lsn` must have been submitted already; `body` must be quick.
    public func whenDurable(through lsn: LSN, _ body: @escaping @Sendable (Result<Void, JournalError>) -> Void) {
        let now: Result<Void, JournalError>? = state.withLock { state in
            if state.completedThrough >= lsn { return .success(()) }
            if let failure = state.failure { return .failure(.stopped(reason: failure.description)) }
            precondition(lsn < state.nextLSN, "waiting for an LSN that was never submitted")
            state.callbacks.append(Callback(through: lsn, body: body))
            return nil
        }
        if let now { body(now) }
    }

    /// Blocks the calling thread until every record through `lsn` is durable and its `onDurable` has run; throws
    /// `stopped` when the journal failed first. Never call it on the journal thread (from `onDurable`).
    public func waitUntilDurable(through lsn: LSN) throws(JournalError) {
        if state.withLock({ $0.completedThrough >= lsn }) { return }
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Void, JournalError>>(.success(()))
        whenDurable(through: lsn) { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        try outcome.withLock { $0 }.get()
    }

    /// Lets the journal delete segments whose records are all at or before `lsn` (the store applied them and made
    /// that durable). Done on the journal thread between groups.
    public func release(through lsn: LSN) {
        let mustWake = state.withLock { state in
            state.releaseThrough = max(state.releaseThrough, lsn)
            defer { state.sleeping = false }
            return state.sleeping
        }
        if mustWake { wake.signal() }
    }

    /// The highest LSN known durable, every `onDurable` through it run.
    public var durableLSN: LSN { state.withLock { $0.completedThrough } }

    /// The LSN of the last record submitted (or written by `writeNowIfIdle`): what a caller waits for when its answer
    /// may rest on every record so far.
    public var lastAssignedLSN: LSN { state.withLock { LSN($0.nextLSN.rawValue - 1) } }

    /// A snapshot of the counters.
    public var stats: Stats {
        state.withLock { state in
            var stats = state.stats
            stats.waiting = state.waiting.count
            return stats
        }
    }

    /// Stops taking records, writes every record already accepted, and returns when the journal thread is done.
    public func shutdown() {
        let mustWake = state.withLock { state in
            state.stopping = true
            defer { state.sleeping = false }
            return state.sleeping
        }
        if mustWake { wake.signal() }
        finished.wait()
        finished.signal()  // idempotent: a second shutdown returns at once
    }

    private func run() {
        var released = LSN.none
        while true {
            let next: (group: [Waiting], release: LSN)? = state.withLock { state in
                if state.callerWrites || (state.waiting.isEmpty && state.releaseThrough <= released) {
                    if state.stopping || state.failure != nil { return nil }
                    state.sleeping = true
                    return ([], released)
                }
                var bytes = 0
                var count = 0
                for item in state.waiting {
                    let size = item.record.footprint
                    if count > 0 && bytes + size > configuration.maxGroupBytes { break }
                    bytes += size
                    count += 1
                }
                let group = Array(state.waiting.prefix(count))
                state.waiting.removeFirst(count)
                return (group, state.releaseThrough)
            }
            guard let next else { return }
            if next.group.isEmpty && next.release <= released {
                wake.wait()
                continue
            }
            do throws(JournalError) {
                if !next.group.isEmpty {
                    let lsns = try journal.append(next.group.map(\.record))
                    state.withLock { state in  // counted first: an `onDurable` sees stats that include its group
                        state.stats.groups += 1
                        state.stats.records += next.group.count
                        state.stats.bytes += next.group.reduce(0) { $0 + $1.record.footprint }
                        state.stats.largestGroup = max(state.stats.largestGroup, next.group.count)
                        state.stats.durableLSN = lsns.upperBound
                    }
                    var lsn = lsns.lowerBound
                    for item in next.group {
                        item.onDurable(.success(lsn))
                        lsn = lsn.next
                    }
                    // Completed after the group's `onDurable`s ran: `whenDurable` promises they have.
                    let due: [Callback] = state.withLock { state in
                        state.completedThrough = lsns.upperBound
                        guard !state.callbacks.isEmpty else { return [] }
                        let due = state.callbacks.filter { $0.through <= lsns.upperBound }
                        state.callbacks.removeAll { $0.through <= lsns.upperBound }
                        return due
                    }
                    for callback in due { callback.body(.success(())) }
                }
                if next.release > released {
                    let removed = try journal.release(through: next.release)
                    released = next.release
                    state.withLock {
                        $0.stats.segmentsReleased += removed
                        $0.released = next.release
                    }
                }
            } catch {
                let (abandoned, callbacks) = state.withLock { state in
                    state.failure = error
                    defer {
                        state.waiting.removeAll()
                        state.callbacks.removeAll()
                    }
                    return (state.waiting, state.callbacks)
                }
                let stopped = JournalError.stopped(reason: error.description)
                for item in next.group { item.onDurable(.failure(stopped)) }
                for item in abandoned { item.onDurable(.failure(stopped)) }
                for callback in callbacks { callback.body(.failure(stopped)) }
                return
            }
        }
    }
}
