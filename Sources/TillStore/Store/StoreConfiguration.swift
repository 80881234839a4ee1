import TillCore

/// Everything needed to open a store.
public struct StoreConfiguration: Sendable {
    /// The SQLite database file (its `-wal` and `-shm` files live next to it).
    public var path: String
    public var writer = WriterConfiguration()
    /// The reader threads and their bounded queue.
    public var reading = ReaderConfiguration()
    /// Reader threads (each with its own read-only connection).
    public var readers: Int {
        get { reading.threads }
        set { reading.threads = newValue }
    }
    /// How long a reader waits on a lock (rare in WAL mode: only while a connection recovers the WAL index).
    public var readerBusyTimeoutMilliseconds: Int32 {
        get { reading.busyTimeoutMilliseconds }
        set { reading.busyTimeoutMilliseconds = newValue }
    }

    /// The one clock of the store: the writer reads it once per batch (`WriteContext.now`, the time every write of
    /// the batch is stamped with) and reads take their "now" from it (`Store.now`). Tests inject a hand-moved clock
    /// here; nothing else in the store reads a clock.
    public var clock: @Sendable () -> Timestamp = Store.systemClock

    public init(path: String) { self.path = path }
}
