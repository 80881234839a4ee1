import Dispatch
import Synchronization
import TillCore
import TillJournal

/// The answers of one batch, delivered once the journal records they rest on are durable.
struct BatchAnswers: @unchecked Sendable {
    /// `@unchecked`: the requests' outputs were written on the writer thread before the batch was handed over through
    /// `DurableAnswers`' mutex (which orders the accesses), and nothing writes them again.
    let items: [any QueuedWrite]
    let outcomes: [TillError?]
    /// The batch number `Visibility` learns as acknowledged just before the answers leave (nil: nothing to commit).
    let acknowledges: UInt64?
}

/// The writer's journal in flight: records handed to the journal thread, their fdatasyncs, and the answers waiting
/// for them. The writer runs the next batch while the journal thread makes the last one's record durable.
///
/// Guarantees:
/// - a batch's answers leave only once every record submitted up to the end of that batch is durable — its own, or,
///   for a batch that wrote none, the last one before it: no answer rests on a write a power cut could still take
///   away (a replay of a purchase whose record is in flight, a refusal that read an in-flight spend);
/// - each batch's answers are delivered exactly once, in submission order: on the journal thread when they waited,
///   on the writer thread when nothing was in flight; `durable` passes a record only after its answers left, so a
///   writer that waited for it (before a COMMIT) finds its batch acknowledged in `Visibility`;
/// - fail-stop: after a journal failure every waiting and later delivery answers `Writer.stoppedFailure`, never a
///   success, and the writer is woken to stop (`failure`).
final class DurableAnswers: Sendable {
    private struct Held {
        let through: LSN
        let answers: BatchAnswers
        let submitted: Instant?
    }

    private struct State {
        var submitted = LSN.none
        var durable = LSN.none
        var held: [Held] = []
        var failure: JournalError?
        var writerWaitsFor: LSN?
    }

    private let state: Mutex<State>
    private let writerWakes = DispatchSemaphore(value: 0)
    private let writer: Writer
    private let clock = SystemTime()

    /// `last`: the last record already durable when the journal opened.
    init(writer: Writer, last: LSN) {
        self.writer = writer
        state = Mutex(State(submitted: last, durable: last))
    }

    /// The last record submitted.
    var submitted: LSN { state.withLock { $0.submitted } }

    /// Records submitted and not yet durable.
    var inFlight: Int { state.withLock { Int($0.submitted.rawValue - $0.durable.rawValue) } }

    /// Set once the journal failed: the writer must stop.
    var failure: JournalError? { state.withLock { $0.failure } }

    /// Hands `record` to `journal` with the answers that wait for it; returns its LSN. Called by the writer thread
    /// only (the one submitter: the LSN is known before the journal assigns it).
    func submit(_ record: JournalRecord, to journal: JournalWriter, answers: BatchAnswers) throws(JournalError) -> LSN {
        let expected = state.withLock { state in
            let lsn = state.submitted.next
            state.submitted = lsn
            state.held.append(Held(through: lsn, answers: answers, submitted: clock.now()))
            return lsn
        }
        do throws(JournalError) {
            let lsn = try journal.submit(record) { [self] result in recordDone(result) }
            precondition(lsn == expected, "another thread submitted to the writer's journal")
            return lsn
        } catch {
            state.withLock { state in  // never queued: its answers are the caller's again (it fails them)
                state.submitted = LSN(expected.rawValue - 1)
                state.held.removeLast()
            }
            throw error
        }
    }

    /// Delivers the answers of a batch that wrote no record: now, when nothing is in flight, else after the last
    /// record submitted.
    func deliver(_ answers: BatchAnswers) {
        let now: Bool? = state.withLock { state in
            if state.failure != nil { return false }
            if state.durable >= state.submitted { return true }
            state.held.append(Held(through: state.submitted, answers: answers, submitted: nil))
            return nil
        }
        if let now { deliver(answers, durable: now, syncMicroseconds: nil) }
    }

    /// Blocks the writer until every record through `lsn` is durable and its answers left. Throws the journal's
    /// failure instead.
    func waitUntilDurable(through lsn: LSN) throws(JournalError) {
        while true {
            let outcome: Result<Void, JournalError>? = state.withLock { state in
                if let failure = state.failure { return .failure(.stopped(reason: failure.description)) }
                if state.durable >= lsn { return .success(()) }
                state.writerWaitsFor = lsn
                return nil
            }
            if let outcome { return try outcome.get() }
            writerWakes.wait()
        }
    }

    /// On the journal thread, once per record, in LSN order.
    private func recordDone(_ result: Result<LSN, JournalError>) {
        writer.visibility.journalThreadAnswers()
        let now = clock.now()
        switch result {
        case .success(let lsn):
            // Until none is left: the writer may hold a batch that wrote no record behind `lsn` meanwhile.
            while true {
                let ready: [Held]? = state.withLock { state in
                    let count = state.held.prefix { $0.through <= lsn }.count
                    if count > 0 {
                        defer { state.held.removeFirst(count) }
                        return Array(state.held.prefix(count))
                    }
                    state.durable = lsn
                    return nil
                }
                guard let ready else { break }
                for held in ready {
                    let sync = held.submitted.map { Int(now.microseconds(since: $0)) }
                    deliver(held.answers, durable: true, syncMicroseconds: sync)
                }
            }
            let wakeWriter = state.withLock { state in
                guard let target = state.writerWaitsFor, target <= lsn else { return false }
                state.writerWaitsFor = nil
                return true
            }
            if wakeWriter { writerWakes.signal() }
        case .failure(let error):
            let abandoned: [Held] = state.withLock { state in
                if state.failure == nil { state.failure = error }
                defer { state.held = [] }
                return state.held
            }
            for held in abandoned { deliver(held.answers, durable: false, syncMicroseconds: nil) }
            let wakeWriter = state.withLock { state in
                defer { state.writerWaitsFor = nil }
                return state.writerWaitsFor != nil
            }
            if wakeWriter { writerWakes.signal() }
        }
        writer.wakeUp()  // a writer asleep over in-flight records looks again (commit, or stop)
    }

    private func deliver(_ answers: BatchAnswers, durable: Bool, syncMicroseconds: Int?) {
        guard durable else {
            writer.counters.withLock { $0.failed += answers.items.count }
            for item in answers.items { item.fail(Writer.stoppedFailure) }
            return
        }
        // Counted first, so that a completion observes stats that include its batch.
        let succeeded = answers.outcomes.count { $0 == nil }
        writer.counters.withLock {
            $0.record(batchSize: answers.items.count, succeeded: succeeded)
            if let syncMicroseconds { $0.journalSyncs.record(syncMicroseconds) }
        }
        if let batch = answers.acknowledges { writer.visibility.acknowledge(batch) }
        for (item, outcome) in zip(answers.items, answers.outcomes) {
            if let outcome { item.fail(outcome) } else { item.succeed() }
        }
    }
}
