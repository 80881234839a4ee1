import Dispatch
import Synchronization

/// Prepares the next segment (zero-filled, synced) in the background, one at a time in sequence order, so that a
/// rotation only opens a ready file.
///
/// Guarantees: segments are handed out in increasing sequence order with no gaps; at most one preparation runs at a
/// time; a failed preparation is reported by every later `take`.
final class SparePreparer: Sendable {
    private struct State {
        var ready: [(name: String, sequence: UInt64)]
        var preparing = false
        var nextSequence: UInt64
        var failure: JournalError?
        var waits = 0
    }

    private let directory: any JournalDirectory
    private let segmentBytes: Int
    private let state: Mutex<State>
    private let finished = DispatchSemaphore(value: 0)
    private let queue: DispatchQueue

    /// `ready`: spares found at start-up; `nextSequence`: the sequence the next new segment gets; `queue`: the
    /// journal's serial background queue.
    init(directory: any JournalDirectory, segmentBytes: Int, ready: [(name: String, sequence: UInt64)],
         nextSequence: UInt64, queue: DispatchQueue) {
        self.directory = directory
        self.queue = queue
        self.segmentBytes = segmentBytes
        self.state = Mutex(State(ready: ready, nextSequence: nextSequence))
    }

    /// How many times a rotation had to wait for a preparation.
    var waits: Int { state.withLock { $0.waits } }

    /// The next prepared segment, waiting for the preparation in flight if none is ready. Starts the next one.
    func take() throws(JournalError) -> (name: String, sequence: UInt64) {
        var waited = false
        while true {
            let outcome: Result<(name: String, sequence: UInt64), JournalError>? = state.withLock { state in
                if !state.ready.isEmpty {
                    if waited { state.waits += 1 }
                    return .success(state.ready.removeFirst())
                }
                if let failure = state.failure { return .failure(failure) }
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
            guard state.ready.isEmpty, !state.preparing, state.failure == nil else { return nil }
            state.preparing = true
            defer { state.nextSequence += 1 }
            return state.nextSequence
        }
        guard let sequence else { return }
        queue.async { [self] in
            let name = SegmentName.name(sequence: sequence)
            let result: Result<Void, JournalError>
            do throws(JournalError) {
                try directory.prepare(name, size: segmentBytes)
                result = .success(())
            } catch {
                result = .failure(error)
            }
            state.withLock { state in
                state.preparing = false
                switch result {
                case .success: state.ready.append((name, sequence))
                case .failure(let error): state.failure = error
                }
            }
            finished.signal()
        }
    }

}
