import Foundation
import TillCore

/// Till's durable store: one writer with group commit on a journal, a pool of readers, online backup and verification.
///
/// Guarantees: opening migrates the schema in one transaction, or refuses a store written by a newer version
/// without modifying it; a write's completion reports success only after the journal record holding its effects is
/// fdatasynced (its transaction commits right after, without fsync); opening replays the journal records the database
/// does not hold; reads see committed snapshots only, and every write answered before a read began (`Visibility`); after a storage failure no more writes are accepted (fail-stop).
/// Call `shutdown()` before letting go of it: the writer thread runs until then.
public final class Store: Sendable {
    public let configuration: StoreConfiguration
    /// The single writer.
    public let writer: Writer
    /// The read-only connections.
    public let readers: ReaderPool
    /// Which answered writes reads can see (the writer commits right after answering).
    public let visibility: Visibility

    /// Wall-clock time in milliseconds, UTC (the default `StoreConfiguration.clock`).
    public static let systemClock: @Sendable () -> Timestamp = { SystemTime().wallNow() }

    /// Now, on the store's clock (`StoreConfiguration.clock`): what reads evaluate balances, validity and maturity
    /// against. Writes do not call it: they use `WriteContext.now`, stamped once per batch by the writer.
    public var now: Timestamp { configuration.clock() }

    /// Opens (creating if needed) and migrates the store, starts the writer thread.
    public static func open(_ configuration: StoreConfiguration) throws -> Store {
        try Store(configuration)
    }

    private init(_ configuration: StoreConfiguration) throws {
        self.configuration = configuration
        let visibility = Visibility()
        self.visibility = visibility
        self.writer = try Writer(path: configuration.path, configuration: configuration.writer, migrations: Schema.migrations,
                                 visibility: visibility, clock: configuration.clock)
        self.readers = ReaderPool(path: configuration.path, configuration: configuration.reading, visibility: visibility,
                                  changedPages: writer.databaseSync.withLock { $0 }?.changedPages)
    }

    /// Enqueues a write; `completion` runs on the writer or the journal thread once the result is durable (or failed).
    /// Throws at once with `overloaded`, `storageFailure` or `shuttingDown`, and then never calls `completion`.
    public func submit<Request: WriteRequest>(
        _ request: Request, completion: @escaping @Sendable (Result<Request.Output, TillError>) -> Void
    ) throws(TillError) {
        try writer.submit(request, completion: completion)
    }

    /// Submits and awaits the durable result.
    public func write<Request: WriteRequest>(_ request: Request) async throws(TillError) -> Request.Output {
        try await writer.write(request)
    }

    /// Queues `body` for a reader thread (see `ReaderPool.submit`): never blocks; `overloaded` when the read queue is
    /// full. `completion` runs on the reader thread.
    public func submitRead<T>(_ body: @escaping @Sendable (Connection) throws -> T, dependence: ReadDependence = .store,
                              completion: @escaping @Sendable (Result<T, any Error>) -> Void) throws(TillError) {
        try readers.submit(body, dependence: dependence, completion: completion)
    }

    /// Runs `body` on the calling thread with a read-only connection, inside one snapshot (tools, setup and tests;
    /// never on an event loop).
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        try readers.read(body)
    }

    /// The writer's counters.
    public var stats: WriterStats { writer.stats }

    /// Copies a consistent snapshot of the store to `destination` while the store keeps serving (an existing file
    /// there is replaced). Runs on the calling thread with one reader connection, whose read transaction pins the
    /// snapshot so concurrent commits never restart the copy; the copy is fsynced when this returns. The copy holds
    /// members' personal data: it is created with mode 0600, like the store.
    public func backup(to destination: String, pagesPerStep: Int32 = 1_024) throws {
        try StoreFiles.restrict(databasePath: destination)
        try readers.read { source in
            // Pin the snapshot: the read transaction must be open before the first step.
            _ = try source.int64("SELECT count(*) FROM sqlite_schema")
            try OnlineBackup.copyDatabase(from: source, toFile: destination, pagesPerStep: pagesPerStep)
        }
    }

    /// Checks the file and the invariants that hold at the storage level (see `StoreVerifier`).
    public func verify() throws -> VerificationReport {
        try readers.read { try StoreVerifier.verify($0) }
    }

    /// Drains the queue, commits, checkpoints and closes the writer, then lets the reader threads finish their queue
    /// and exit. `read` keeps working on the caller's thread.
    public func shutdown() {
        writer.shutdown()
        readers.close()
    }
}
