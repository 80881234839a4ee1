import TillCore
import TillProtocol

/// Who a session acts as after a successful `hello`.
public enum SessionPrincipal: Hashable, Sendable {
    /// A POS terminal, bound to one branch and POS by its key.
    case terminal(TerminalIdentity)
    /// A back-office operator.
    case `operator`(id: Int64, name: String)
}

/// What the server asks of the store. Reads answer on the caller's thread (the event loop) from a WAL snapshot;
/// writes are queued to the single writer and complete on the writer thread after their commit is durable.
///
/// Guarantees asked of conformers: a write's completion runs exactly once, and only after the commit is fsynced
/// (or with the error that kept it from being written); `throws` from a write means it was not queued at all
/// (`overloaded`, `storageFailure`, `shuttingDown`).
public protocol LoyaltyBackend: Sendable {
    func authenticate(keyDigest: [UInt8]) throws(TillError) -> SessionPrincipal?
    func identify(_ identifiers: [MemberIdentifier]) throws(TillError) -> [IdentifiedMember]
    func quote(_ request: PurchaseRequest, terminal: TerminalIdentity) throws(TillError) -> Quote
    func status(transactionId: String, terminal: TerminalIdentity) throws(TillError) -> TransactionStatus
    func purchase(
        _ request: PurchaseRequest, terminal: TerminalIdentity, fingerprint: [UInt8],
        completion: @escaping @Sendable (Result<Receipt, TillError>) -> Void) throws(TillError)
    func void(
        _ request: VoidRequest, terminal: TerminalIdentity, fingerprint: [UInt8],
        completion: @escaping @Sendable (Result<ReversalReceipt, TillError>) -> Void) throws(TillError)
    func returnItems(
        _ request: ReturnRequest, terminal: TerminalIdentity, fingerprint: [UInt8],
        completion: @escaping @Sendable (Result<ReversalReceipt, TillError>) -> Void) throws(TillError)
    /// An operator op; reads may complete before returning, writes complete on the writer thread.
    func perform(
        _ request: OperatorRequest, operatorId: Int64, operatorName: String,
        completion: @escaping @Sendable (Result<OperatorResponse, TillError>) -> Void)
}
