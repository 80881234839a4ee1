import Synchronization
import TillCore
import TillProtocol

/// The back office: every operator op except `stats`, answered from the store.
///
/// Guarantees: reads run on a reader thread in one snapshot, never on the caller's thread; each write is
/// one `WriteRequest` whose completion runs on the writer thread once the commit is durable; a refused write
/// (validation or rule, always a typed `TillError` naming the field) writes nothing; every change records an activity
/// entry with source `operator` and the operator's id; wallets keep `balance + pending == sum(ledger)`.
public final class BackOffice: Sendable {
    /// Which kind of key a provisioning op asks the key generator for.
    public enum KeyRole: Sendable { case terminal, `operator` }

    let store: Store
    let keys: @Sendable (KeyRole) throws(TillError) -> (secret: String, digest: [UInt8])
    let catalogChanged: @Sendable () -> Void
    let clock: @Sendable () -> Timestamp
    /// Country for phone numbers typed without `+`; nil: the shop's setting (`loyalty` settings row), as at the POS.
    let defaultPhoneCountry: String?
    private let lastCountry = Mutex<String?>(nil)

    public init(store: Store, keys: @escaping @Sendable (KeyRole) throws(TillError) -> (secret: String, digest: [UInt8]),
                catalogChanged: @escaping @Sendable () -> Void, clock: @escaping @Sendable () -> Timestamp,
                defaultPhoneCountry: String? = nil) {
        self.store = store
        self.keys = keys
        self.catalogChanged = catalogChanged
        self.clock = clock
        self.defaultPhoneCountry = defaultPhoneCountry
    }

    /// Answers one operator op without blocking: reads are queued for a reader thread and complete there; writes are
    /// submitted to the writer before this returns (so one caller's writes are applied in the order it called) and
    /// complete on the writer thread after the commit is durable.
    public func handle(_ request: OperatorRequest, operatorId: Int64, operatorName: String,
                       completion: @escaping @Sendable (Result<OperatorResponse, TillError>) -> Void) {
        let actor = Actor(id: operatorId, name: operatorName, at: clock())
        switch request {
        case .memberSearch(let q): read(completion) { .members(try MemberSearchQuery(q, country: try self.country($0)).run($0)) }
        case .memberGet(let r):
            read(completion) { .member(try Profiles.load($0, id: try Members.resolve($0, reference: r.memberKey, country: try self.country($0)).id)) }
        case .memberCreate(let f): write(completion) { .member(try Membership(actor: actor, country: try self.country($0)).create($0, f)) }
        case .memberUpdate(let u): write(completion) { .member(try Membership(actor: actor, country: try self.country($0)).update($0, u)) }
        case .memberBlock(let r): write(completion) { .member(try Membership(actor: actor, country: try self.country($0)).setStatus($0, r, to: .blocked)) }
        case .memberUnblock(let r): write(completion) { .member(try Membership(actor: actor, country: try self.country($0)).setStatus($0, r, to: .active)) }
        case .memberVerify(let r): write(completion) { .member(try Membership(actor: actor, country: try self.country($0)).verify($0, r)) }
        case .memberTag(let t): write(completion) { .member(try Membership(actor: actor, country: try self.country($0)).tag($0, t)) }
        case .memberUntag(let t): write(completion) { .member(try Membership(actor: actor, country: try self.country($0)).untag($0, t)) }
        case .memberNote(let n): write(completion) { .member(try Membership(actor: actor, country: try self.country($0)).note($0, n)) }
        case .memberConsent(let c): write(completion) { .member(try Preferences(actor: actor).consent($0, c)) }
        case .memberUnsubscribe(let u): write(completion) { .member(try Preferences(actor: actor).unsubscribe($0, u)) }
        case .cardAdd(let c): write(completion) { .member(try Membership(actor: actor, country: try self.country($0)).addCard($0, c)) }
        case .cardReplace(let c): write(completion) { .member(try Membership(actor: actor, country: try self.country($0)).replaceCard($0, c)) }
        case .cardRemove(let c): write(completion) { .member(try Membership(actor: actor, country: try self.country($0)).removeCard($0, c)) }
        case .appCodeIssue(let r): write(completion) { .appCode(try AppCodes(actor: actor).issue($0, r)) }
        case .appCodeRevoke(let r): write(completion) { .appCode(try AppCodes(actor: actor).revoke($0, r)) }
        case .memberExport(let r): read(completion) { .export(try DataReport(at: actor.at).export($0, memberKey: r.memberKey)) }
        case .memberAnonymize(let r): write(completion) { .member(try Anonymization(actor: actor).anonymize($0, r)) }
        case .memberImport(let i):
            let importer = MemberImporter(store: store, actor: actor, country: likelyCountry, resolveCountry: country)
            importer.run(i) { completion($0.map(OperatorResponse.imported)) }
        case .benefitList(let q): read(completion) { .benefits(try BenefitQueries(now: actor.at).list($0, q)) }
        case .benefitAction(let a): write(completion) { .benefits(try BenefitActions(actor: actor).apply($0, a)) }
        case .walletAdjust(let a): write(completion) { .balance(try WalletAdjustment(actor: actor).apply($0, a)) }
        case .activityList(let q): read(completion) { .activity(try MemberActivity.page($0, q)) }
        case .purchaseList(let q): read(completion) { .purchases(try PurchaseHistory.page($0, q)) }
        case .purchaseGet(let t): read(completion) { .ticket(try PurchaseHistory.ticket($0, t)) }
        case .catalogGet: read(completion) { .catalog(try CatalogTables.load($0)) }
        case .catalogSet(let c):
            let changed = catalogChanged
            write({ result in
                if case .success = result { changed() }
                completion(result)
            }) { .catalog(try CatalogTables(actor: actor).replace($0, with: c)) }
        case .terminalProvision(let p):
            write(completion) { [keys] in .credential(try Keys(actor: actor, generate: keys).provisionTerminal($0, p)) }
        case .terminalDisable(let k): write(completion) { .key(try Keys.disable($0, k, role: .terminal)) }
        case .terminalList: read(completion) { .keys(try Keys.list($0, role: .terminal)) }
        case .operatorProvision(let p):
            write(completion) { [keys] in .credential(try Keys(actor: actor, generate: keys).provisionOperator($0, p)) }
        case .operatorDisable(let k): write(completion) { .key(try Keys.disable($0, k, role: .operator)) }
        case .operatorList: read(completion) { .keys(try Keys.list($0, role: .operator)) }
        case .walletHistory(let q): read(completion) { .walletHistory(try WalletHistoryReader(now: actor.at).page($0, q)) }
        case .stats, .storeBackup, .purchaseVoid, .purchaseReturn:
            // Answered by the server: statistics, backups, and voids and returns through the terminal operations' path.
            completion(.failure(.invalidRequest(field: "op", reason: "\(request.op.rawValue) is answered by the server")))
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

    /// Queues `body` for a reader thread (never runs on the caller's thread); overloaded when the read queue is full.
    private func read(_ completion: @escaping @Sendable (Result<OperatorResponse, TillError>) -> Void,
                      _ body: @escaping @Sendable (Connection) throws -> OperatorResponse) {
        do {
            try store.submitRead(body) { completion($0.mapError(StoreErrors.map)) }
        } catch {
            completion(.failure(error))
        }
    }

    /// Submits `body` as one write request.
    private func write(_ completion: @escaping @Sendable (Result<OperatorResponse, TillError>) -> Void,
                       _ body: @escaping @Sendable (Connection) throws -> OperatorResponse) {
        do {
            try store.submit(ClosureWrite { context in try body(context.connection) }, completion: completion)
        } catch {
            completion(.failure(error))
        }
    }
}

/// Who is acting, and when (one clock reading per op).
struct Actor: Sendable {
    var id: Int64
    var name: String
    var at: Timestamp
    var ms: Int64 { at.millisecondsSinceEpoch }
}
