/// The writer's only seam for test machinery: where a test can hold batches back and inject failures. The daemon
/// never installs one (`WriterConfiguration.hooks` is nil); the implementation tests use (`WriterFaults`, with
/// `Writer.pause()` / `resume()`) lives in the test-support target `TillStoreTesting`.
///
/// What implementations must do: `holdsBatches` is read under the writer's queue lock, so it must return at once
/// and never call into the store; after it turns false, call `Writer.wakeUp()` so a sleeping writer looks again.
public protocol WriterHooks: Sendable {
    /// True: the writer (and the ledger) take no batch (requests queue up, so that the next batch holds all of them);
    /// a store that shuts down takes its batches anyway, and the writer the records the ledger journaled (answered
    /// already: a read after such an answer waits for their COMMIT).
    var holdsBatches: Bool { get }
    /// Called on the writer thread before batch `batch` (1-based) is made durable (its record handed to the journal
    /// thread); throwing makes it fail like a failed fsync (fail-stop, nothing of the batch answered).
    func willCommit(batch: Int) throws
    /// Called on the writer thread after batch `batch` was answered, just before its COMMIT; throwing makes the COMMIT
    /// fail (fail-stop: the batch stays acknowledged, in the journal, replayed at the next start).
    func willMakeVisible(batch: Int) throws
    /// Called on the writer thread after a refused request rolled the optimistic pass back, before the new BEGIN.
    func willRerun()
    /// Called on the writer thread when a COMMIT must wait for the journal thread to make the records before it
    /// durable (they are still being synced), right before it waits.
    func willWaitForJournal()
    /// Called on the background sync's thread before a checkpoint's deferred fsync of the database file
    /// (`BackgroundDatabaseSync`); a test holds it there to show what waits for it.
    func willSyncDatabaseInBackground()
    /// Called on the writer thread when a write of the WAL or the database file starts waiting for that sync.
    func writeWaitsForDatabaseSync()
    /// Called on the writer thread before a serving checkpoint writes its first page into the database file (its
    /// copy of the WAL); a test holds it there to show what goes on meanwhile.
    func willCopyToDatabase()
}

extension WriterHooks {
    public func willWaitForJournal() {}
    public func willSyncDatabaseInBackground() {}
    public func writeWaitsForDatabaseSync() {}
    public func willCopyToDatabase() {}
}
