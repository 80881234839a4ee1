import Dispatch
import Foundation
import Synchronization
import TillCore

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
    /// the store at its next snapshot).
    func noteExternalChange() {
        condition.lock()
        defer { condition.unlock() }
        externalChanges += 1
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
