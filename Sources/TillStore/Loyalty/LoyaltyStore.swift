import Foundation
import TillCore
import TillProtocol

/// The loyalty program on top of the durable store: what terminals read and post.
///
/// Guarantees: reads (`authenticate`, `identify`, `quote`, `status`) run on the caller's thread on one committed
/// snapshot and write nothing; writes (`purchase`, `void`, `returnItems`) run on the writer thread, exactly once per
/// operation id and terminal, and their completion runs after the commit is durable (an error means nothing was
/// written); the catalog and settings are read once and cached until `catalogChanged()`; every balance a read or a
/// write sees is as of the store's clock (pending points mature without a background job): reads at `Store.now`,
/// writes at the time the writer stamped their batch with (`WriteContext.now`).
public final class LoyaltyStore: Sendable {
    private let store: Store
    let programs = ProgramCache()


    public init(store: Store) {
        self.store = store
    }

    /// The store underneath (backup, verify, stats, shutdown).
    public var underlying: Store { store }

    /// Forgets the cached catalog and settings: call after any write that changes `gift_templates`,
    /// `punch_card_templates` or the `loyalty` settings row (the next read or write reloads them).
    public func catalogChanged() { programs.invalidate() }

    /// The program (catalog and settings) as currently cached, loading it on a reader if needed.
    public func program() throws(TillError) -> Program {
        try reading { connection in try programs.current(connection) }
    }

    // MARK: - Reads

    /// The terminal or operator whose key has this SHA-256 digest; nil if unknown or disabled.
    public func authenticate(keyDigest: [UInt8]) throws(TillError) -> Principal? {
        try reading { connection in try authenticate(keyDigest: keyDigest, in: connection) }
    }

    /// `authenticate` inside a read the caller started (on a reader thread).
    public func authenticate(keyDigest: [UInt8], in connection: Connection) throws -> Principal? {
        if let terminal = try connection.statement("SELECT branch_id, pos_id FROM terminals WHERE key_hash = ? AND enabled = 1")
            .firstRow([.blob(keyDigest)], { TerminalIdentity(branchId: $0.text(0), posId: $0.text(1)) }) {
            return .terminal(terminal)
        }
        return try connection.statement("SELECT id, name FROM operators WHERE key_hash = ? AND enabled = 1")
            .firstRow([.blob(keyDigest)]) { Principal.operator(id: $0.int64(0), name: $0.text(1)) }
    }

    /// The members behind the identifiers, with their usable benefits, in request order.
    /// Unknown or anonymized → `memberNotFound(members[i])`, blocked → `memberBlocked`.
    public func identify(_ identifiers: [MemberIdentifier]) throws(TillError) -> [IdentifiedMember] {
        try reading { connection in try identify(identifiers, in: connection) }
    }

    /// `identify` inside a read the caller started (on a reader thread).
    public func identify(_ identifiers: [MemberIdentifier], in connection: Connection) throws -> [IdentifiedMember] {
        let program = try programs.current(connection)
        let now = store.now
        let matches = try AccountReader(connection: connection, program: program, now: now)
            .matches(identifiers, scope: .active(naming: []), list: .identify)
        let (accounts, _) = try Identification.resolve(identifiers, matches: matches, settings: program.settings, now: now,
                                                       list: .identify)
        return accounts.map { Identification.member($0, catalog: program.catalog, now: now) }
    }

    /// What `purchase` would answer now; writes nothing.
    public func quote(_ request: PurchaseRequest, terminal: TerminalIdentity) throws(TillError) -> Quote {
        try reading { connection in try quote(request, terminal: terminal, in: connection) }
    }

    /// `quote` inside a read the caller started (on a reader thread).
    public func quote(_ request: PurchaseRequest, terminal: TerminalIdentity, in connection: Connection) throws -> Quote {
        let program = try programs.current(connection)
        let now = store.now
        let matches = try AccountReader(connection: connection, program: program, now: now)
            .matches(request.members, scope: .active(naming: request.redemptions))
        let quote = try LoyaltyRules.quote(request, terminal: terminal, matches: matches, catalog: program.catalog,
                                           settings: program.settings, now: now)
        try ReceiptBound.check(quote.receipt)
        return quote
    }

    /// Where this terminal's transaction stands, with its stored receipt and reversals (all marked `replay`).
    public func status(transactionId: String, terminal: TerminalIdentity) throws(TillError) -> TransactionStatus {
        try reading { connection in try status(transactionId: transactionId, terminal: terminal, in: connection) }
    }

    /// `status` inside a read the caller started (on a reader thread).
    public func status(transactionId: String, terminal: TerminalIdentity, in connection: Connection) throws -> TransactionStatus {
        connection.footprint?.add(purchase: UnappliedWrites.key(.purchases(terminal), id: transactionId))
        guard let purchase = try connection.statement(
            "SELECT id, status, receipt FROM purchases WHERE branch_id = ? AND pos_id = ? AND transaction_id = ?"
        ).firstRow([.text(terminal.branchId), .text(terminal.posId), .text(transactionId)], { r in
            (r.int64(0), r.text(1), r.optionalBlob(2) ?? [])
        }) else {
            return TransactionStatus(transactionId: transactionId, state: .unknown, receipt: nil, reversals: [])
        }
        var receipt = try StoredReceipt.decode(purchase.2)
        receipt.replay = true
        var blobs: [[UInt8]] = []
        try connection.statement("SELECT result FROM reversals WHERE purchase_id = ? ORDER BY id")
            .forEachRow([.integer(purchase.0)]) { blobs.append($0.optionalBlob(0) ?? []) }
        let reversals = try blobs.map { blob throws(TillError) in
            var r = try StoredJSON.decode(ReversalReceipt.self, from: blob)
            r.replay = true
            return r
        }
        let state: TransactionState = switch purchase.1 {
        case "voided": .voided
        case "partially_returned": .partiallyReturned
        case "returned": .returned
        default: .final
        }
        return TransactionStatus(transactionId: transactionId, state: state, receipt: receipt, reversals: reversals)
    }

    // MARK: - Writes

    /// The writer request behind `purchase` (for benchmarks and batch tools that submit to the store directly).
    public func purchaseRequest(_ request: PurchaseRequest, terminal: TerminalIdentity, fingerprint: [UInt8]) -> PostPurchase {
        PostPurchase(request: request, terminal: terminal, fingerprint: fingerprint, programs: programs)
    }

    /// Posts a purchase exactly once; `completion` runs on the writer thread after the commit is durable.
    /// Throws at once (`overloaded`, `storageFailure`, `shuttingDown`) when it could not even be queued.
    public func purchase(
        _ request: PurchaseRequest, terminal: TerminalIdentity, fingerprint: [UInt8],
        completion: @escaping @Sendable (Result<Receipt, TillError>) -> Void
    ) throws(TillError) {
        try store.submit(purchaseRequest(request, terminal: terminal, fingerprint: fingerprint), completion: completion)
    }

    /// Voids a purchase of this terminal exactly once per `voidId`; `operatorId`: asked for by that operator from the
    /// back office (recorded as the source), the same operation otherwise.
    public func void(
        _ request: VoidRequest, terminal: TerminalIdentity, fingerprint: [UInt8], operatorId: Int64? = nil,
        completion: @escaping @Sendable (Result<ReversalReceipt, TillError>) -> Void
    ) throws(TillError) {
        try store.submit(PostReversal(kind: .void(request), terminal: terminal, fingerprint: fingerprint,
                                      programs: programs, operatorId: operatorId), completion: completion)
    }

    /// Returns lines of a purchase of this terminal exactly once per `returnId` (`operatorId`: as for `void`).
    public func returnItems(
        _ request: ReturnRequest, terminal: TerminalIdentity, fingerprint: [UInt8], operatorId: Int64? = nil,
        completion: @escaping @Sendable (Result<ReversalReceipt, TillError>) -> Void
    ) throws(TillError) {
        try store.submit(PostReversal(kind: .return(request), terminal: terminal, fingerprint: fingerprint,
                                      programs: programs, operatorId: operatorId), completion: completion)
    }

    // MARK: - Plumbing

    /// Runs `body` on a connection borrowed on the calling thread (tools and tests); errors mapped by `StoreErrors`.
    func reading<T>(_ body: (Connection) throws -> T) throws(TillError) -> T {
        do {
            return try store.read(body)
        } catch {
            throw StoreErrors.map(error)
        }
    }

    /// Queues `body` for a reader thread and returns at once (the daemon's reads: never on an event loop);
    /// `completion` runs on the reader thread, errors mapped by `StoreErrors`. Throws `overloaded` when the read
    /// queue is full, `shuttingDown` once the store closed.
    public func read<T>(_ body: @escaping @Sendable (Connection) throws -> T, dependence: ReadDependence = .store,
                        completion: @escaping @Sendable (Result<T, TillError>) -> Void) throws(TillError) {
        try store.submitRead(body, dependence: dependence) { completion($0.mapError(StoreErrors.map)) }
    }

    /// Submits `request` and waits for the durable result (setup operations only: never from the writer thread).
    func writeAndWait<R: WriteRequest>(_ request: R) throws(TillError) -> R.Output {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<R.Output>()
        try store.submit(request) { result in
            box.set(result)
            done.signal()
        }
        done.wait()
        return try box.get()
    }

    var now: Timestamp { store.now }
}

/// A result handed from the writer thread to a waiting caller.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private var result: Result<T, TillError>?
    private let lock = NSLock()
    func set(_ r: Result<T, TillError>) { lock.lock(); result = r; lock.unlock() }
    func get() throws(TillError) -> T {
        lock.lock(); defer { lock.unlock() }
        return try result!.get()
    }
}
