/// How a `Connection` opens its database file.
///
/// Guarantees: a `.readWrite` connection puts the file in WAL mode with `synchronous=NORMAL` (a COMMIT is not
/// fsynced: the store's journal is; the WAL is fsynced before each checkpoint) and records the statements that
/// change data in its `EffectLog`; no connection opened with these options ever checkpoints automatically
/// (`wal_autocheckpoint=0`): only the store's writer checkpoints, explicitly.
public struct OpenOptions: Sendable, Hashable {
    /// Whether the connection may write.
    public enum Mode: Sendable, Hashable {
        /// The single writing connection: creates the file if needed, sets WAL and NORMAL synchronous.
        case readWrite
        /// A reader: `SQLITE_OPEN_READONLY`, `query_only`, never checkpoints.
        case readOnly
    }

    public var mode: Mode
    /// How long a statement waits on a lock before failing with SQLITE_BUSY.
    public var busyTimeoutMilliseconds: Int32
    /// After a checkpoint resets the WAL, SQLite truncates it to at most this size (`journal_size_limit`).
    public var journalSizeLimitBytes: Int64

    /// Page cache of this connection in KiB (`PRAGMA cache_size = -N`; a bound, filled only as pages are read). SQLite's
    /// default (2 MiB) makes the writer re-read most pages of a store with 100,000 members from the OS on every
    /// purchase; the writer's 512 MiB hold the indexes a bulk import of 1,000,000 members keeps touching (with 128 MiB
    /// the import ran ~20 % slower at 500,000 members, re-reading evicted pages).
    public var cacheKibibytes: Int64
    /// The page size of a database this connection creates (`PRAGMA page_size`, a power of two from 512 to
    /// 65,536); nil keeps SQLite's default (4,096). An existing database keeps the page size it was created with.
    public var pageSize: Int?
    /// The SQLite VFS to open through (by name); nil: the default. Power-loss tests use `PowerLossVFS` (TillStoreTesting).
    var vfsName: String?
    /// A `.readWrite` connection's effect log overflows past this many bytes (see `EffectLog.limit`).
    var effectLogLimitBytes = 1 << 20
    /// A `.readOnly` connection that decides requests for the writer (`Ledger`): it gets an effect log that keeps the
    /// writes of a request that decides before writing instead of running them (`EffectLog.defersWrites`).
    var defersWrites = false

    public init(mode: Mode, busyTimeoutMilliseconds: Int32 = 5_000, journalSizeLimitBytes: Int64 = 64 << 20,
                cacheKibibytes: Int64? = nil, pageSize: Int? = nil) {
        self.pageSize = pageSize
        self.cacheKibibytes = cacheKibibytes ?? (mode == .readWrite ? 524_288 : 16_384)
        self.mode = mode
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.journalSizeLimitBytes = journalSizeLimitBytes
    }
}
