/// The writer's only seam for test machinery: where a test can hold batches back and inject failures. The daemon
/// never installs one (`WriterConfiguration.hooks` is nil); the implementation tests use (`WriterFaults`, with
/// `Writer.pause()` / `resume()`) lives in the test-support target `TillStoreTesting`.
///
/// What implementations must do: `holdsBatches` is read under the writer's queue lock, so it must return at once
/// and never call into the store; after it turns false, call `Writer.wakeUp()` so a sleeping writer looks again.
public protocol WriterHooks: Sendable {
    /// True: the writer takes no batch (requests queue up, so that the next batch holds all of them); a store that
    /// shuts down takes its batches anyway.
    var holdsBatches: Bool { get }
    /// Called on the writer thread just before the COMMIT of batch `batch` (1-based); throwing makes the commit fail
    /// like a failed fsync (fail-stop).
    func willCommit(batch: Int) throws
    /// Called on the writer thread after a refused request rolled the optimistic pass back, before the new BEGIN.
    func willRerun()
}
