import Synchronization
import TillStore

/// Test machinery for the writer, installed through its one seam (`WriterConfiguration.hooks`): a gate that holds
/// batches back so that requests queued meanwhile share one batch (`Writer.pause()` / `resume()`), and failures
/// injected before a batch is made durable, between its answers and its COMMIT, or before the rerun of a batch; a hold
/// on a checkpoint's copy of the WAL and on its background fsync of the database file. Lives in a test-support target: the daemon never links it.
///
/// Guarantees: with nothing set it changes nothing; `pause()` takes effect for every request submitted after it
/// returns (the writer reads the gate under its queue lock).
public final class WriterFaults: WriterHooks {
    private let held = Atomic<Bool>(false)
    private let commit = InstalledClosure<@Sendable (Int) throws -> Void>()
    private let visible = InstalledClosure<@Sendable (Int) throws -> Void>()
    private let rerun = InstalledClosure<@Sendable () -> Void>()
    private let journalWait = InstalledClosure<@Sendable () -> Void>()
    private let sync = InstalledClosure<@Sendable () -> Void>()
    private let waits = InstalledClosure<@Sendable () -> Void>()
    private let copy = InstalledClosure<@Sendable () -> Void>()

    public init() {}

    /// Called before the batch is made durable, with its number (1-based); throwing makes it fail (fail-stop).
    public var beforeCommit: (@Sendable (Int) throws -> Void)? {
        get { commit.closure }
        set { commit.closure = newValue }
    }

    /// Called after the batch was answered, just before its COMMIT; throwing makes the COMMIT fail (fail-stop).
    public var beforeVisible: (@Sendable (Int) throws -> Void)? {
        get { visible.closure }
        set { visible.closure = newValue }
    }

    /// Called after a refused request rolled the optimistic pass back, before the batch's new BEGIN.
    public var beforeRerun: (@Sendable () -> Void)? {
        get { rerun.closure }
        set { rerun.closure = newValue }
    }

    /// Called on the writer thread right before a COMMIT waits for the journal to make the records before it durable.
    public var beforeJournalWait: (@Sendable () -> Void)? {
        get { journalWait.closure }
        set { journalWait.closure = newValue }
    }

    /// Called on the background sync's thread before a checkpoint's deferred fsync of the database file.
    public var beforeDatabaseSync: (@Sendable () -> Void)? {
        get { sync.closure }
        set { sync.closure = newValue }
    }

    /// Called on the writer thread when a write of the WAL or the database file starts waiting for that fsync.
    public var whenWriteWaitsForDatabaseSync: (@Sendable () -> Void)? {
        get { waits.closure }
        set { waits.closure = newValue }
    }

    /// Called on the writer thread before a serving checkpoint writes its first page into the database file.
    public var beforeCheckpointCopy: (@Sendable () -> Void)? {
        get { copy.closure }
        set { copy.closure = newValue }
    }

    public var holdsBatches: Bool { held.load(ordering: .sequentiallyConsistent) }
    public func willSyncDatabaseInBackground() { beforeDatabaseSync?() }
    public func writeWaitsForDatabaseSync() { whenWriteWaitsForDatabaseSync?() }
    public func willCopyToDatabase() { beforeCheckpointCopy?() }
    public func willCommit(batch: Int) throws { try beforeCommit?(batch) }
    public func willMakeVisible(batch: Int) throws { try beforeVisible?(batch) }
    public func willRerun() { beforeRerun?() }
    public func willWaitForJournal() { beforeJournalWait?() }

    func hold(_ on: Bool) { held.store(on, ordering: .sequentiallyConsistent) }
}

extension WriterConfiguration {
    /// The writer's `WriterFaults`, installed on first use (`configuration.writer.faults.beforeCommit = …`).
    public var faults: WriterFaults {
        mutating get {
            if let installed = hooks as? WriterFaults { return installed }
            let faults = WriterFaults()
            hooks = faults
            return faults
        }
    }
}

extension Writer {
    private var faults: WriterFaults {
        guard let faults = configuration.hooks as? WriterFaults else {
            preconditionFailure("open the store with `configuration.writer.faults` installed to pause its writer")
        }
        return faults
    }

    /// Holds the writer before its next batch so that requests queued until `resume()` share one batch.
    public func pause() { faults.hold(true) }

    /// Releases `pause()`.
    public func resume() {
        faults.hold(false)
        wakeUp()
    }
}
