import TillCore

/// A unit of work for the writer, applied within a group-commit batch.
///
/// Guarantees the writer gives: `apply` runs on the writer thread with the only writing connection; if it throws,
/// everything it wrote is rolled back and the other requests of the batch are unaffected (the batch first runs
/// without savepoints; when a request is refused, the transaction is rolled back and the batch runs again with a
/// SAVEPOINT per request); its result is delivered only after the batch's effects are fdatasynced in the journal and
/// its COMMIT succeeded. What
/// implementations must do: write only through `context` with prepared statements (each is journaled;
/// `executeScript` traps inside a request), throw `TillError` for domain refusals, not keep
/// `context` after returning, and keep no effect outside the database (`apply` may run twice for one delivery).
public protocol WriteRequest: Sendable {
    associatedtype Output: Sendable
    func apply(_ context: WriteContext) throws -> Output
    /// True for a request that keeps the writer's `HotAccounts` as the store holds them (a purchase updates the
    /// entries of its members, a reversal forgets its members); the writer empties them before any other request.
    static var keepsHotAccounts: Bool { get }
    /// True for a request that makes every read it decides on before its first write (and takes the ids of the rows
    /// it inserts from `WriteContext.rowIds`, not from SQLite after inserting): what a ledger deciding on a read
    /// connection of its own, with the writes applied later by another thread, needs (issue 12). Checked in debug
    /// builds: a read stepped after the request's first write traps (`EffectLog.mayRead`), and so does asking for
    /// `lastInsertRowID` or `changes`.
    static var decidesBeforeWriting: Bool { get }
    /// True for a request the ledger decides on its own snapshot when the store runs one
    /// (`WriterConfiguration.ledgerThread`): it decides before writing, keeps `HotAccounts`, reads its id through
    /// `ExactlyOnce.admit(_:unapplied:)` and the members it names through `AccountReader`, and checks any other id or
    /// member it reads (a reversal's purchase and that purchase's members) with `UnappliedWrites.check` first: each
    /// against what the ledger decided since its snapshot. Purchases, voids and returns.
    static var decidesOnLedger: Bool { get }
    /// True for a request whose writes change only its footprint (`Footprint`: the accounts of the members
    /// `AccountReader` read for it, and the purchase it adds to the connection's `footprint`; no identifier, member
    /// status set by an operator, catalog, or account it did not read): a read of another footprint need not wait for
    /// its COMMIT (`Visibility`). Purchases, voids, returns.
    static var reachesOnlyItsFootprint: Bool { get }
}

extension WriteRequest {
    public static var keepsHotAccounts: Bool { false }
    public static var decidesBeforeWriting: Bool { false }
    public static var decidesOnLedger: Bool { false }
    public static var reachesOnlyItsFootprint: Bool { false }
}

/// A request made from a closure, for tests and small operator actions.
public struct ClosureWrite<Output: Sendable>: WriteRequest {
    let body: @Sendable (WriteContext) throws -> Output
    public init(_ body: @escaping @Sendable (WriteContext) throws -> Output) { self.body = body }
    public func apply(_ context: WriteContext) throws -> Output { try body(context) }
}

/// What a request sees while it runs: the writing connection, inside an open transaction (and, when the batch runs
/// isolated, a savepoint of its own), and the time of the write.
///
/// Guarantees: valid only during `apply`; not Sendable. `now` is read from the store's clock once per batch, when
/// the writer starts it (GRDB's `transactionDate`): every request of the batch, and the batch's rerun after a
/// refusal, sees the same `now`; it never goes back from one batch to the next (a wall clock stepped back repeats the
/// last batch's time), so the stamps of committed writes follow commit order.
public final class WriteContext {
    /// The writer's connection. Never BEGIN, COMMIT or ROLLBACK through it: the writer owns the transaction.
    public let connection: Connection
    /// The time every write of this batch is stamped with. Requests read no other clock.
    public internal(set) var now: Timestamp
    /// The writer's accounts in memory (nil: none kept, `WriterConfiguration.hotAccounts` 0). Only requests whose
    /// `keepsHotAccounts` is true see them: the writer empties them before any other.
    var hot: HotAccounts?
    /// The ids of the rows purchases and reversals insert into the tables `RowIds` names.
    let rowIds = RowIds()
    /// On the ledger's context only: what it decided that its snapshot does not hold yet (`UnappliedWrites`). A
    /// request reading a member or an id one of those changed is decided again on a later snapshot.
    var unapplied: UnappliedWrites?
    /// What a request told to retry is told to wait (the writer's `retryAfterMilliseconds`).
    var retryAfterMilliseconds: Int64 = 20

    init(connection: Connection, now: Timestamp) {
        self.connection = connection
        self.now = now
    }

    /// Forgets what the writer keeps between requests about the store (the accounts in memory, the next row ids):
    /// called wherever the store may have changed in a way the kept state does not follow.
    func forgetKept() {
        hot?.removeAll()
        rowIds.forget()
    }

    /// A fresh id for a row of `table` (`RowIds`).
    func takeRowId(_ table: RowIds.Table) throws -> Int64 { try rowIds.take(table, connection) }

    /// Stamps the next batch with `time` (`Writer.batchTime`: the store's clock, never before a batch stamped earlier
    /// on the writer's or the ledger's thread).
    func stamp(_ time: Timestamp) { now = time }

    /// Runs one cached statement with `arguments`.
    public func execute(_ sql: String, _ arguments: [SQLValue] = []) throws(SQLiteError) {
        try connection.execute(sql, arguments)
    }

    /// The cached statement for `sql`.
    public func statement(_ sql: String) throws(SQLiteError) -> Statement { try connection.statement(sql) }

    /// The rowid of the latest INSERT. A request that decides before writing takes its ids from `rowIds` instead.
    public var lastInsertRowID: Int64 {
        assert(!(connection.effects?.decidesBeforeWriting ?? false),
               "a request that decides before writing read a row id SQLite chose")
        return connection.lastInsertRowID
    }
    /// Rows changed by the latest statement. A request that decides before writing does not depend on it.
    public var changes: Int64 {
        assert(!(connection.effects?.decidesBeforeWriting ?? false),
               "a request that decides before writing read a change count")
        return connection.changes
    }
}

/// A queued request with its completion, type-erased so one queue holds every kind of request.
protocol QueuedWrite: AnyObject, Sendable {
    var keepsHotAccounts: Bool { get }
    var decidesBeforeWriting: Bool { get }
    var decidesOnLedger: Bool { get }
    var reachesOnlyItsFootprint: Bool { get }
    /// Applies the request (on the writer's context, or on the ledger's, whose connection keeps its writes).
    func perform(_ context: WriteContext) throws
    func succeed()
    func fail(_ error: TillError)
}

/// A record the ledger journaled failed to apply on the writing connection: the ledger decided on a state the store
/// does not hold. Fail-stop: its answers may have left (the record is durable), and the start-up's replay refuses the
/// record too, naming it, rather than skip an acknowledged write.
struct LedgerDivergence: Error, CustomStringConvertible {
    let lsn: UInt64
    let error: any Error
    var description: String { "record \(lsn), journaled by the ledger, does not apply on the writer: \(error)" }
}

/// `@unchecked Sendable`: `output` is written by `perform`, on the writer or the ledger thread, after the object was
/// handed over through a queue's mutex, and read when the request is answered: on that thread, or on the journal
/// thread after the hand-over through the journal's mutex (each orders the accesses); `request` and `completion` are
/// immutable and Sendable.
final class PendingWrite<Request: WriteRequest>: QueuedWrite, @unchecked Sendable {
    let request: Request
    let completion: @Sendable (Result<Request.Output, TillError>) -> Void
    private var output: Request.Output?

    init(request: Request, completion: @escaping @Sendable (Result<Request.Output, TillError>) -> Void) {
        self.request = request
        self.completion = completion
    }

    var keepsHotAccounts: Bool { Request.keepsHotAccounts }
    var decidesBeforeWriting: Bool { Request.decidesBeforeWriting }
    var decidesOnLedger: Bool { Request.decidesOnLedger }
    var reachesOnlyItsFootprint: Bool { Request.reachesOnlyItsFootprint }

    func perform(_ context: WriteContext) throws { output = try request.apply(context) }

    func succeed() {
        guard let output else { preconditionFailure("succeed() before perform()") }
        completion(.success(output))
    }

    func fail(_ error: TillError) { completion(.failure(error)) }
}
