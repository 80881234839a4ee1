import Dispatch
import Synchronization

/// Deletes released segments in the background, oldest first, so that the thread that released them (the store's
/// writer, between batches) does not wait for the file system: unlinking a 64 MiB segment and syncing the directory
/// took ~16 ms on this VM's disk, and every answer queued behind it (bench/journal.md).
///
/// Guarantees: segments are removed in the order they were handed over, one at a time, on the journal's background
/// queue (shared with `SparePreparer`, so a removal never runs beside a preparation); after a failed removal nothing
/// more is removed and `failure` reports it. A crash between the release and the removal leaves the segment on disk,
/// which recovery verifies and skips (its records are at or before the store's applied LSN).
final class SegmentRemover: Sendable {
    private let directory: any JournalDirectory
    private let queue: DispatchQueue
    private let state = Mutex<JournalError?>(nil)

    init(directory: any JournalDirectory, queue: DispatchQueue) {
        self.directory = directory
        self.queue = queue
    }

    /// The first removal that failed, if any.
    var failure: JournalError? { state.withLock { $0 } }

    /// Removes `name` after every segment handed over before it.
    func remove(_ name: String) {
        queue.async { [self] in
            guard failure == nil else { return }
            do throws(JournalError) {
                try directory.remove(name)
            } catch {
                state.withLock { $0 = error }
            }
        }
    }
}
