import TillCore
import TillProtocol

/// The back office: every operator op except `stats`, answered from the store.
///
/// Guarantees: reads run on the caller's thread in one snapshot and complete before `handle` returns; each write is
/// one `WriteRequest` whose completion runs on the writer thread once the commit is durable; a refused write
/// (validation or rule, always a typed `TillError` naming the field) writes nothing; every change records an activity
/// entry with source `operator` and the operator's id; wallets keep `balance + pending == sum(ledger)`.
public final class BackOffice: Sendable {
    /// Which kind of key a provisioning op asks the key generator for.
    public enum KeyRole: Sendable { case terminal, `operator` }

    let store: Store
    let keys: @Sendable (KeyRole) throws(TillError) -> (secret: String, digest: [UInt8])
    let catalogChanged: @Sendable () -> Void
    /// Country for phone numbers typed without `+`; nil: the shop's setting (`loyalty` settings row), as at the POS.
    let defaultPhoneCountry: String?

    public init(store: Store, keys: @escaping @Sendable (KeyRole) throws(TillError) -> (secret: String, digest: [UInt8]),
                catalogChanged: @escaping @Sendable () -> Void, defaultPhoneCountry: String? = nil) {
        self.store = store
        self.keys = keys
        self.catalogChanged = catalogChanged
        self.defaultPhoneCountry = defaultPhoneCountry
    }

    /// Answers one operator op. Reads run on the caller's thread through a reader connection and complete before
    /// returning; writes go through the writer and complete on the writer thread after the commit is durable.
    public func handle(_ request: OperatorRequest, operatorId: Int64, operatorName: String,
                       completion: @escaping @Sendable (Result<OperatorResponse, TillError>) -> Void) {
        // Reads are as of now on the store's clock; a write's actor carries the time of its batch (`$1` below).
        let actor = Actor(id: operatorId, name: operatorName, at: store.now)
        let country = phoneCountry()
        func write(_ completion: @escaping @Sendable (Result<OperatorResponse, TillError>) -> Void,
                   _ body: @escaping @Sendable (Connection, Actor) throws -> OperatorResponse) {
            self.write(completion, by: actor, body)
        }
        switch request {
        case .memberSearch(let q): read(completion) { .members(try MemberSearchQuery(q, country: country).run($0)) }
        case .memberGet(let r):
            read(completion) { .member(try Profiles.load($0, id: try Members.resolve($0, reference: r.memberKey, country: country).id)) }
        case .memberCreate(let f): write(completion) { .member(try Membership(actor: $1, country: country).create($0, f)) }
        case .memberUpdate(let u): write(completion) { .member(try Membership(actor: $1, country: country).update($0, u)) }
        case .memberBlock(let r): write(completion) { .member(try Membership(actor: $1, country: country).setStatus($0, r, to: .blocked)) }
        case .memberUnblock(let r): write(completion) { .member(try Membership(actor: $1, country: country).setStatus($0, r, to: .active)) }
        case .memberVerify(let r): write(completion) { .member(try Membership(actor: $1, country: country).verify($0, r)) }
        case .memberTag(let t): write(completion) { .member(try Membership(actor: $1, country: country).tag($0, t)) }
        case .memberUntag(let t): write(completion) { .member(try Membership(actor: $1, country: country).untag($0, t)) }
        case .memberNote(let n): write(completion) { .member(try Membership(actor: $1, country: country).note($0, n)) }
        case .memberConsent(let c): write(completion) { .member(try Preferences(actor: $1).consent($0, c)) }
        case .memberUnsubscribe(let u): write(completion) { .member(try Preferences(actor: $1).unsubscribe($0, u)) }
        case .cardAdd(let c): write(completion) { .member(try Membership(actor: $1, country: country).addCard($0, c)) }
        case .cardReplace(let c): write(completion) { .member(try Membership(actor: $1, country: country).replaceCard($0, c)) }
        case .cardRemove(let c): write(completion) { .member(try Membership(actor: $1, country: country).removeCard($0, c)) }
        case .appCodeIssue(let r): write(completion) { .appCode(try AppCodes(actor: $1).issue($0, r)) }
        case .appCodeRevoke(let r): write(completion) { .appCode(try AppCodes(actor: $1).revoke($0, r)) }
        case .memberExport(let r): read(completion) { .export(try DataReport(at: actor.at).export($0, memberKey: r.memberKey)) }
        case .memberAnonymize(let r): write(completion) { .member(try Anonymization(actor: $1).anonymize($0, r)) }
        case .memberImport(let i):
            let importer = MemberImporter(store: store, actor: actor, country: country)
            importer.run(i) { completion($0.map(OperatorResponse.imported)) }
        case .benefitList(let q): read(completion) { .benefits(try BenefitQueries(now: actor.at).list($0, q)) }
        case .benefitAction(let a): write(completion) { .benefits(try BenefitActions(actor: $1).apply($0, a)) }
        case .walletAdjust(let a): write(completion) { .balance(try WalletAdjustment(actor: $1).apply($0, a)) }
        case .activityList(let q): read(completion) { .activity(try MemberActivity.page($0, q)) }
        case .purchaseList(let q): read(completion) { .purchases(try PurchaseHistory.page($0, q)) }
        case .purchaseGet(let t): read(completion) { .ticket(try PurchaseHistory.ticket($0, t)) }
        case .catalogGet: read(completion) { .catalog(try CatalogTables.load($0)) }
        case .catalogSet(let c):
            let changed = catalogChanged
            write({ result in
                if case .success = result { changed() }
                completion(result)
            }) { .catalog(try CatalogTables(actor: $1).replace($0, with: c)) }
        case .terminalProvision(let p):
            write(completion) { [keys] in .credential(try Keys(actor: $1, generate: keys).provisionTerminal($0, p)) }
        case .terminalDisable(let k): write(completion) { c, _ in .key(try Keys.disable(c, k, role: .terminal)) }
        case .terminalList: read(completion) { .keys(try Keys.list($0, role: .terminal)) }
        case .operatorProvision(let p):
            write(completion) { [keys] in .credential(try Keys(actor: $1, generate: keys).provisionOperator($0, p)) }
        case .operatorDisable(let k): write(completion) { c, _ in .key(try Keys.disable(c, k, role: .operator)) }
        case .operatorList: read(completion) { .keys(try Keys.list($0, role: .operator)) }
        case .walletHistory(let q): read(completion) { .walletHistory(try WalletHistoryReader(now: actor.at).page($0, q)) }
        case .stats, .storeBackup, .purchaseVoid, .purchaseReturn:
            // Answered by the server: statistics, backups, and voids and returns through the terminal operations' path.
            completion(.failure(.invalidRequest(field: "op", reason: "\(request.op.rawValue) is answered by the server")))
        }
    }

    /// The configured default phone country (DE when the program is not configured yet).
    func phoneCountry() -> String {
        if let defaultPhoneCountry { return defaultPhoneCountry }
        let stored = try? store.read { try $0.text("SELECT json_extract(value, '$.defaultPhoneCountry') FROM settings WHERE key = 'loyalty'") }
        return (stored ?? nil) ?? "DE"
    }

    /// Runs `body` in one read snapshot on this thread.
    private func read(_ completion: @Sendable (Result<OperatorResponse, TillError>) -> Void,
                      _ body: (Connection) throws -> OperatorResponse) {
        do {
            completion(.success(try store.read(body)))
        } catch {
            completion(.failure(StoreErrors.map(error)))
        }
    }

    /// Submits `body` as one write request, acting as `actor` at the time of the writer's batch.
    private func write(_ completion: @escaping @Sendable (Result<OperatorResponse, TillError>) -> Void, by actor: Actor,
                       _ body: @escaping @Sendable (Connection, Actor) throws -> OperatorResponse) {
        do {
            try store.submit(ClosureWrite { context in try body(context.connection, actor.stamped(context)) }, completion: completion)
        } catch {
            completion(.failure(error))
        }
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

/// Maps what a read throws to a `TillError` (SQLite errors become one generic `storage_failure`).
enum StoreErrors {
    static func map(_ error: any Error) -> TillError {
        if let e = error as? TillError { return e }
        return .storageFailure(reason: "storage_failure")
    }
}
