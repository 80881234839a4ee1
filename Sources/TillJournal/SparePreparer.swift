import Dispatch
import Synchronization

/// Keeps the next segments ready in the background, so that a rotation only opens a ready file: a released segment
/// is recycled (renamed to the next sequence number, its old records left in place behind the end marks of the new
/// ones) while fewer than `spareTarget` spares are ready or on their way; only when none is ready or coming at a
/// rotation is a new one zero-filled.
///
/// Guarantees: segments are handed out in increasing sequence order with no gaps; file work runs one item at a time
/// on the journal's serial background queue, in the order it was asked for; a failed preparation or recycling is
/// reported by every later `take`.
final class SparePreparer: Sendable {
    private struct State {
        var ready: [(name: String, sequence: UInt64)]
        /// Preparations and recyclings queued or running.
        var inFlight = 0
        var nextSequence: UInt64
        var failure: JournalError?
        var waits = 0

        mutating func claimSequence() -> UInt64 {
            inFlight += 1
            defer { nextSequence += 1 }
            return nextSequence
        }
    }

    private let directory: any JournalDirectory
    private let segmentBytes: Int
    private let state: Mutex<State>
    private let finished = DispatchSemaphore(value: 0)
    private let queue: DispatchQueue
    /// Spares kept ready or on their way by recycling released segments: two, so that a rotation finds one while the
    /// segment it closed is still waiting for the checkpoint that releases it.
    static let spareTarget = 2

    /// `found`: the spares recovery found, in sequence order; `lastUsed`: the sequence of the last used segment (nil:
    /// none); `queue`: the journal's serial background queue. Spares must follow the last used segment without a gap
    /// (a crash can cut short a zero-fill queued before a recycling): found ones after a gap are renamed downwards, in
    /// order, before any is used.
    init(directory: any JournalDirectory, segmentBytes: Int, found: [(name: String, sequence: UInt64)],
         after lastUsed: UInt64?, queue: DispatchQueue) throws(JournalError) {
        var ready: [(name: String, sequence: UInt64)] = []
        for spare in found {
            let sequence = ready.last.map { $0.sequence + 1 } ?? lastUsed.map { $0 + 1 } ?? spare.sequence
            if spare.sequence == sequence {
                ready.append(spare)
            } else {
                let name = SegmentName.name(sequence: sequence)
                try directory.recycle(spare.name, as: name)
                ready.append((name, sequence))
            }
        }
        self.directory = directory
        self.queue = queue
        self.segmentBytes = segmentBytes
        let next = (ready.last?.sequence ?? lastUsed ?? 0) + 1
        self.state = Mutex(State(ready: ready, nextSequence: next))
    }

    /// How many times a rotation had to wait for a preparation.
    var waits: Int { state.withLock { $0.waits } }

    /// The next prepared segment, waiting for the preparation in flight if none is ready. Starts the next one.
    func take() throws(JournalError) -> (name: String, sequence: UInt64) {
        var waited = false
        while true {
            let outcome: Result<(name: String, sequence: UInt64), JournalError>? = state.withLock { state in
                // A failure first: a spare queued after a failed one would leave a gap in the sequence.
                if let failure = state.failure { return .failure(failure) }
                if !state.ready.isEmpty {
                    if waited { state.waits += 1 }
                    return .success(state.ready.removeFirst())
                }
                return nil
            }
            switch outcome {
            case .success(let spare):
                replenish()
                return spare
            case .failure(let error): throw error
            case nil:
                replenish()
                waited = true
                finished.wait()
            }
        }
    }

    /// Starts preparing the next segment unless one is ready or in flight.
    func replenish() {
        let sequence: UInt64? = state.withLock { state in
            guard state.ready.isEmpty, state.inFlight == 0, state.failure == nil else { return nil }
            return state.claimSequence()
        }
        guard let sequence else { return }
        let name = SegmentName.name(sequence: sequence)
        queue.async { [self] in
            finish(name, sequence) { () throws(JournalError) in try directory.prepare(name, size: segmentBytes) }
        }
    }

    /// Makes the segment `released` the next spare, unless enough are ready or on their way (then false: the caller
    /// deletes it).
    func recycle(_ released: String) -> Bool {
        let sequence: UInt64? = state.withLock { state in
            guard state.failure == nil, state.ready.count + state.inFlight < SparePreparer.spareTarget else { return nil }
            return state.claimSequence()
        }
        guard let sequence else { return false }
        let name = SegmentName.name(sequence: sequence)
        queue.async { [self] in
            finish(name, sequence) { () throws(JournalError) in try directory.recycle(released, as: name) }
        }
        return true
    }

    private func finish(_ name: String, _ sequence: UInt64, _ work: () throws(JournalError) -> Void) {
        let result: Result<Void, JournalError>
        do throws(JournalError) {
            try work()
            result = .success(())
        } catch {
            result = .failure(error)
        }
        state.withLock { state in
            state.inFlight -= 1
            switch result {
            case .success: state.ready.append((name, sequence))
            case .failure(let error): state.failure = error
            }
        }
        finished.signal()
    }
}
