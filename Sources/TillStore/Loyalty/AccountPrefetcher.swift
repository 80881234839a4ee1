import Synchronization
import TillCore

/// Reads queued purchases' accounts ahead of the writer (`PrefetchedAccounts`), many in one read snapshot: one
/// reader job at a time drains the purchases waiting, so that a reader wakes, begins a snapshot and warms its page
/// cache (which SQLite empties whenever another connection committed) once per burst rather than once per purchase.
///
/// Guarantees: never blocks and never refuses a purchase: a purchase it cannot read ahead for (queue of
/// `capacity` full, read queue half full: `ReaderPool.offer`) is read by the writer as always. At most one job is
/// queued or running; a job reads at most `perSnapshot` purchases, then ends its snapshot and offers the next job.
/// Every purchase's slot is filled or left empty; a purchase the writer took already is skipped.
final class AccountPrefetcher: Sendable {
    private struct Waiting: Sendable {
        let slot: PrefetchSlot
        let identifiers: [MemberIdentifier]
    }
    private struct State {
        var waiting: [Waiting] = []
        var scheduled = false
    }

    private let state = Mutex(State())
    private let readers: ReaderPool
    private let visibility: Visibility
    private let programs: ProgramCache
    private let clock: @Sendable () -> Timestamp
    let capacity: Int
    let perSnapshot: Int

    init(readers: ReaderPool, visibility: Visibility, programs: ProgramCache, clock: @escaping @Sendable () -> Timestamp,
         capacity: Int = 1_024, perSnapshot: Int = 64) {
        precondition(capacity > 0 && perSnapshot > 0, "a prefetcher reads at least one purchase")
        (self.readers, self.visibility, self.programs, self.clock) = (readers, visibility, programs, clock)
        (self.capacity, self.perSnapshot) = (capacity, perSnapshot)
    }

    /// Reads `identifiers`' accounts into `slot` when a reader gets to it before the writer takes the purchase.
    func readAhead(_ identifiers: [MemberIdentifier], into slot: PrefetchSlot) {
        let offers = state.withLock { s -> Bool in
            guard s.waiting.count < capacity else { return false }
            s.waiting.append(Waiting(slot: slot, identifiers: identifiers))
            guard !s.scheduled else { return false }
            s.scheduled = true
            return true
        }
        if offers { offer() }
    }

    /// Queues the job that drains the waiting purchases; when the read queue has no room, they are dropped (the
    /// writer reads them) and the next purchase tries again.
    private func offer() {
        guard !readers.offer({ [self] connection in drain(on: connection) }) else { return }
        state.withLock { s in
            s.waiting.removeAll()
            s.scheduled = false
        }
    }

    /// Reads up to `perSnapshot` waiting purchases in this job's snapshot, then offers the next job if more wait.
    private func drain(on connection: Connection) {
        let taken: [Waiting] = state.withLock { s in
            let n = min(perSnapshot, s.waiting.count)
            defer { s.waiting.removeFirst(n) }
            return Array(s.waiting.prefix(n))
        }
        if let (program, generation) = programs.cached {
            let snapshot = visibility.committedBatch  // before the snapshot's first read
            let now = clock()
            for item in taken where !item.slot.isTaken {
                item.slot.fill(PrefetchedAccounts.read(item.identifiers, snapshot: snapshot, program: program,
                                                       generation: generation, now: now, on: connection))
            }
        }
        let more = state.withLock { s -> Bool in
            if s.waiting.isEmpty { s.scheduled = false }
            return !s.waiting.isEmpty
        }
        if more { offer() }
    }
}
