import Dispatch
import Synchronization
import TillCore

/// The write requests waiting for one thread that takes them in order and sleeps when none waits: the writer
/// thread's queue, and the ledger's when it decides the purchases (`WriterConfiguration.ledgerThread`).
///
/// Guarantees:
/// - bounded: `submit` refuses with `overloaded` when `capacity` requests wait, with `shuttingDown` once stopping,
///   with the store's fail-stop error once failed, and the request's completion is never called then;
/// - every accepted request is handed once, in order: by `take` to the consumer, or by `fail` back to the caller;
/// - no wake-up is lost: the consumer is marked asleep under the lock by `take`, and whoever changes the queue
///   afterwards (a request, `update`, `fail`) clears the mark and signals; `sleep(microseconds:)` leaves no signal
///   pending behind it;
/// - `owner` is whatever else the owner keeps under the same lock (the writer: the journal thread's failure and
///   the ledger's end).
final class RequestQueue<Owned: Sendable>: Sendable {
    struct State {
        var pending: [any QueuedWrite] = []
        var sleeping = false
        var stopping = false
        /// The fail-stop's reason, once the store stopped writing.
        var failure: String?
        /// From the moment the consumer took a batch until it finds the queue empty.
        var consumerHasBatch = false
        var owner: Owned
    }

    enum Take {
        case batch([any QueuedWrite])
        case sleep
        case stop
    }

    private let state: Mutex<State>
    private let wake = DispatchSemaphore(value: 0)

    init(_ owner: Owned) {
        state = Mutex(State(owner: owner))
    }

    /// Queues `item` and wakes the consumer; nil when accepted, else why not.
    func submit(_ item: any QueuedWrite, capacity: Int, retryAfterMilliseconds: Int64) -> TillError? {
        let outcome: Result<Bool, TillError> = state.withLock { s in
            if s.failure != nil { return .failure(Writer.stoppedFailure) }
            if s.stopping { return .failure(.shuttingDown) }
            if s.pending.count >= capacity { return .failure(.overloaded(retryAfterMs: retryAfterMilliseconds)) }
            s.pending.append(item)
            return .success(s.awaken())
        }
        switch outcome {
        case .success(let mustWake):
            if mustWake { wake.signal() }
            return nil
        case .failure(let error): return error
        }
    }

    /// Queues `items` past the bound (they were admitted once already: the ledger hands what it decided) and wakes
    /// the consumer; false when the store failed, and the caller fails them.
    func append(contentsOf items: [any QueuedWrite]) -> Bool {
        let outcome = state.withLock { s -> Bool? in
            if s.failure != nil { return nil }
            s.pending.append(contentsOf: items)
            return s.awaken()
        }
        if outcome == true { wake.signal() }
        return outcome != nil
    }

    /// The consumer: what waits (up to `limit`), unless `held` (a test's `WriterHooks.holdsBatches`) while neither
    /// stopping nor failed and the first waiting is not one `passesHold` lets through; else `stop` when
    /// `stopsWhenEmpty` says so; else sleep (marked asleep: `sleep()` next).
    func take(upTo limit: Int, held: Bool, passesHold: (any QueuedWrite) -> Bool = { _ in false },
              stopsWhenEmpty: (State) -> Bool) -> Take {
        state.withLock { s in
            if let first = s.pending.first, s.stopping || s.failure != nil || !held || passesHold(first) {
                s.consumerHasBatch = true
                return .batch(s.pending.takeBatch(upTo: limit))
            }
            s.consumerHasBatch = false
            if stopsWhenEmpty(s) { return .stop }
            s.sleeping = true
            return .sleep
        }
    }

    /// The consumer, after `take` said sleep: until woken.
    func sleep() { wake.wait() }

    /// The consumer, after `take` said sleep: until woken (true) or `microseconds` pass (false). Either way it is
    /// marked awake again and no signal is left pending: the caller takes again.
    func sleep(microseconds: Int) -> Bool {
        if wake.wait(timeout: .now() + .microseconds(microseconds)) == .success { return true }
        let signalled = state.withLock { s -> Bool in
            guard s.sleeping else { return true }  // a waker cleared it and signals: take that signal
            s.sleeping = false
            return false
        }
        if signalled { wake.wait() }
        return signalled
    }

    /// Changes the state and wakes a sleeping consumer, which takes again (`update { _ in }` only wakes it).
    func update(_ change: (inout State) -> Void = { _ in }) {
        let mustWake = state.withLock { s -> Bool in
            change(&s)
            return s.awaken()
        }
        if mustWake { wake.signal() }
    }

    /// Reads or changes the state under the lock, waking nobody.
    func withState<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }

    /// Records the fail-stop (the first reason stays), refuses every later request, wakes the consumer and hands
    /// back the waiting requests, to be failed by the caller.
    func fail(reason: String) -> [any QueuedWrite] {
        var waiting: [any QueuedWrite] = []
        update { s in
            s.failure = s.failure ?? reason
            swap(&waiting, &s.pending)
        }
        return waiting
    }

    /// Requests wait.
    var isEmpty: Bool { withState { $0.pending.isEmpty } }
    var count: Int { withState { $0.pending.count } }
    /// The consumer has a batch in hand (it took one and has not found the queue empty since).
    var consumerHasBatch: Bool { withState { $0.consumerHasBatch } }
    /// Requests wait, or the consumer has a batch in hand.
    var hasWork: Bool { withState { !$0.pending.isEmpty || $0.consumerHasBatch } }
}

extension RequestQueue.State {
    /// Clears the consumer's sleep mark; true when it was asleep (the caller signals it, outside the lock).
    fileprivate mutating func awaken() -> Bool {
        defer { sleeping = false }
        return sleeping
    }
}
