import Synchronization
import TillCore
import TillProtocol

/// The back office: what operator ops need beyond the store (key generation, the clock, the phone country); the ops
/// themselves are rows of `Router`'s table.
///
/// Guarantees: reads run on a reader thread in one snapshot, never on the caller's thread; each write is
/// one `WriteRequest` whose completion runs on the writer thread once the commit is durable; a refused write
/// (validation or rule, always a typed `TillError` naming the field) writes nothing; every change records an activity
/// entry with source `operator` and the operator's id; a wallet is its row plus its later ledger rows (`WalletTotals`).
public final class BackOffice: Sendable {
    let store: Store
    let keys: @Sendable (SessionRole) throws(TillError) -> (secret: String, digest: [UInt8])
    let catalogChanged: @Sendable () -> Void
    /// Country for phone numbers typed without `+`; nil: the shop's setting (`loyalty` settings row), as at the POS.
    let defaultPhoneCountry: String?
    private let lastCountry = Mutex<String?>(nil)

    public init(store: Store, keys: @escaping @Sendable (SessionRole) throws(TillError) -> (secret: String, digest: [UInt8]),
                catalogChanged: @escaping @Sendable () -> Void,
                defaultPhoneCountry: String? = nil) {
        self.store = store
        self.keys = keys
        self.catalogChanged = catalogChanged
        self.defaultPhoneCountry = defaultPhoneCountry
    }

    /// Answers one operator op through the daemon's `Router` (tools, benchmarks and tests; the daemon calls the router
    /// itself): reads complete on a reader thread, writes on the writer thread once durable.
    public func handle(_ request: OperatorRequest, operatorId: Int64, operatorName: String,
                       completion: @escaping @Sendable (Result<OperatorResponse, TillError>) -> Void) {
        let router = Router(loyalty: LoyaltyStore(store: store), backOffice: self)
        router.perform(.operator(request), as: .operator(id: operatorId, name: operatorName)) { result in
            completion(result.flatMap { response in
                guard case .operator(let answer) = response else { preconditionFailure("an operator op answered \(response)") }
                return .success(answer)
            })
        }
    }

    /// The default phone country inside the caller's transaction: the configured one, else the shop's setting (DE
    /// when the program is not configured yet).
    @Sendable func country(_ connection: Connection) throws -> String {
        if let defaultPhoneCountry { return defaultPhoneCountry }
        let stored = try connection.text("SELECT json_extract(value, '$.defaultPhoneCountry') FROM settings WHERE key = 'loyalty'") ?? "DE"
        lastCountry.withLock { $0 = stored }
        return stored
    }

    /// The phone country last read (a guess for work prepared on an event loop; whoever applies that work checks it
    /// again with `country(_:)`).
    var likelyCountry: String { defaultPhoneCountry ?? lastCountry.withLock { $0 } ?? "DE" }

    /// The default phone country from a connection borrowed on this thread (tools and tests).
    func phoneCountry() -> String {
        (try? store.read { try country($0) }) ?? likelyCountry
    }
}

/// Who is acting, and when: for a write, the time the writer stamped the batch with (`stamped`); for a read, the
/// store's clock when the op arrived.
struct Actor: Sendable {
    var id: Int64
    var name: String
    var at: Timestamp
    var ms: Int64 { at.millisecondsSinceEpoch }

    /// The same operator at the time of the write running in `context`.
    func stamped(_ context: WriteContext) -> Actor { Actor(id: id, name: name, at: context.now) }
}
