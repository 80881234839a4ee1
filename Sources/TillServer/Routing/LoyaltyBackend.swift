import TillCore
import TillProtocol

/// Who a session acts as after a successful `hello`.
public enum SessionPrincipal: Hashable, Sendable {
    /// A POS terminal, bound to one branch and POS by its key.
    case terminal(TerminalIdentity)
    /// A back-office operator.
    case `operator`(id: Int64, name: String)
}

/// What the server asks of the store. Nothing here blocks the caller (an event loop): reads are queued for a reader
/// thread and complete there from a WAL snapshot; writes are queued to the single writer and complete on the writer
/// thread after their commit is durable.
///
/// Guarantees asked of conformers: a completion runs exactly once, a write's only after the commit is fsynced (or
/// with the error that kept it from being written); `throws` means the request was not queued at all (`overloaded`,
/// `storageFailure`, `shuttingDown`) and its completion never runs; writes are queued before the call returns, in
/// call order.
public protocol LoyaltyBackend: Sendable {
    func authenticate(keyDigest: [UInt8], completion: @escaping @Sendable (Result<SessionPrincipal?, TillError>) -> Void) throws(TillError)
    func identify(_ identifiers: [MemberIdentifier],
                  completion: @escaping @Sendable (Result<[IdentifiedMember], TillError>) -> Void) throws(TillError)
    func quote(_ request: PurchaseRequest, terminal: TerminalIdentity,
               completion: @escaping @Sendable (Result<Quote, TillError>) -> Void) throws(TillError)
    func status(transactionId: String, terminal: TerminalIdentity,
                completion: @escaping @Sendable (Result<TransactionStatus, TillError>) -> Void) throws(TillError)
    func purchase(
        _ request: PurchaseRequest, terminal: TerminalIdentity, fingerprint: [UInt8],
        completion: @escaping @Sendable (Result<Receipt, TillError>) -> Void) throws(TillError)
    func void(
        _ request: VoidRequest, terminal: TerminalIdentity, fingerprint: [UInt8],
        completion: @escaping @Sendable (Result<ReversalReceipt, TillError>) -> Void) throws(TillError)
    func returnItems(
        _ request: ReturnRequest, terminal: TerminalIdentity, fingerprint: [UInt8],
        completion: @escaping @Sendable (Result<ReversalReceipt, TillError>) -> Void) throws(TillError)
    /// An operator op; reads complete on a reader thread, writes on the writer thread (queued before this returns).
    func perform(
        _ request: OperatorRequest, operatorId: Int64, operatorName: String,
        completion: @escaping @Sendable (Result<OperatorResponse, TillError>) -> Void)
}
