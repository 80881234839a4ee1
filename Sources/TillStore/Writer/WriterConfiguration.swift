/// How the writer batches, bounds its queue and checkpoints.
public struct WriterConfiguration: Sendable {
    /// Requests waiting beyond this make `submit` fail at once with `overloaded`.
    public var queueCapacity: Int = 4_096
    /// At most this many requests share one transaction (one fsync).
    public var maxBatchSize: Int = 256
    /// The page size of a store the writer creates (see `OpenOptions.pageSize`); nil: SQLite's default, 4,096.
    public var pageSize: Int? = nil
    /// After a batch, when the WAL holds more pages than this, the writer runs `wal_checkpoint(TRUNCATE)`.
    public var checkpointWalPages: Int32 = 4_096
    /// How long a checkpoint waits for readers to leave the WAL before giving up until the next batch.
    public var checkpointBusyTimeoutMilliseconds: Int32 = 20
    /// Receives the writer's events (on the writer thread); nil writes `WriterEvent.line` to stderr.
    public var onEvent: (@Sendable (WriterEvent) -> Void)? = nil
    /// The retry delay suggested to clients when the queue is full.
    public var retryAfterMilliseconds: Int64 = 20
    /// Fault injection for tests (internal).
    var faults = WriterFaults()

    public init() {}
}

/// Test hooks that make the writer fail at precise points.
struct WriterFaults: Sendable {
    /// The VFS the writer's connection opens through (`PowerLossVFS.name` in power-loss tests); nil: the default.
    var vfsName: String?
    /// Called just before COMMIT with the batch number (1-based); throwing makes the commit fail.
    var beforeCommit: (@Sendable (Int) throws -> Void)?
    /// Called after a refused request rolled the optimistic pass back, before the batch's new BEGIN.
    var beforeRerun: (@Sendable () -> Void)?
}
