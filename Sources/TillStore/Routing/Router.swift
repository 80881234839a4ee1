import TillCore
import TillProtocol

/// What an operation does: answered by the session itself, a read from one snapshot, or a write through the writer.
public enum OperationKind: Sendable, Hashable {
    case session, read, write
}

/// One row of the routing table: what an op does, which role may ask for it, and its handler.
public struct Route: Sendable {
    public typealias Done = @Sendable (Result<Response, TillError>) -> Void
    enum Handler: Sendable {
        /// `hello` and `ping`: the session answers them.
        case session
        /// Runs on a reader thread inside one snapshot; what it depends on decides which uncommitted answers it waits
        /// for (`Visibility`).
        case read(ReadDependence, @Sendable (Router, Principal, Connection) throws -> Response)
        /// Queues its work (to the writer, or a thread of its own for a backup) before returning; `done` runs later.
        case write(@Sendable (Router, Principal, @escaping Done) throws(TillError) -> Void)
    }

    public let kind: OperationKind
    /// The role allowed; nil: any session (hello, ping).
    public let role: SessionRole?
    let handler: Handler

    public func admits(_ principal: Principal) -> Bool { role == nil || role == principal.role }
}

/// Every operation Till answers, routed from one table (`route(_:)`) to its handler, checked against one principal
/// type, with store errors mapped to wire errors in one place (`StoreErrors`).
///
/// Guarantees: `perform` never blocks its caller: a read is queued for a reader thread and completes there; a write is
/// handed to the writer before `perform` returns (so one caller's writes are applied in the order it called) and
/// completes on the writer or the journal thread once durable; a request whose role does not match is `forbidden` and
/// touches nothing;
/// `throws`-free: every refusal (`overloaded`, `shutting_down`, `storage_failure`) reaches the completion exactly once.
public struct Router: Sendable {
    public let loyalty: LoyaltyStore
    public let backOffice: BackOffice
    /// Called after a terminal or operator key was disabled (sessions then check their key again).
    let keysDisabled: @Sendable () -> Void

    public init(loyalty: LoyaltyStore, backOffice: BackOffice, keysDisabled: @escaping @Sendable () -> Void = {}) {
        self.loyalty = loyalty
        self.backOffice = backOffice
        self.keysDisabled = keysDisabled
    }

    /// Runs `request` for `principal`; `completion` runs exactly once, on a reader, the writer or the journal thread
    /// (or at once for a refusal).
    public func perform(_ request: Request, as principal: Principal, completion: @escaping Route.Done) {
        perform(request, route: Self.route(request), as: principal, completion: completion)
    }

    /// `perform` with the row the caller already looked up (`route(request)`): the table is read once per request.
    public func perform(_ request: Request, route: Route, as principal: Principal, completion: @escaping Route.Done) {
        guard route.admits(principal) else {
            let op = request.op.rawValue
            completion(.failure(.forbidden(reason: route.role == .operator ? "\(op) is an operator op" : "\(op) is a terminal op")))
            return
        }
        do throws(TillError) {
            switch route.handler {
            case .session:
                completion(.failure(.invalidRequest(field: "op", reason: "\(request.op.rawValue) is answered by the session")))
            case .read(let dependence, let body):
                try loyalty.read({ [self] connection in try body(self, principal, connection) }, dependence: dependence,
                                 completion: completion)
            case .write(let start):
                try start(self, principal, completion)
            }
        } catch {
            completion(.failure(error))
        }
    }

    /// The key's principal, looked up on a reader thread.
    public func authenticate(keyDigest: [UInt8], completion: @escaping @Sendable (Result<Principal?, TillError>) -> Void) throws(TillError) {
        try loyalty.read({ [loyalty] in try loyalty.authenticate(keyDigest: keyDigest, in: $0) }, completion: completion)
    }

    // MARK: - The table

    /// The route of `request`: its kind, the role allowed, its handler.
    public static func route(_ request: Request) -> Route {
        switch request {
        case .hello, .ping: return Route(kind: .session, role: nil, handler: .session)
        case .identify(let r):
            return read(.terminal, dependingOn: .footprint) { router, _, c in
                .identify(IdentifyResult(members: try router.loyalty.identify(r.identifiers, in: c)))
            }
        case .quote(let r):
            return read(.terminal, dependingOn: .footprint) { router, p, c in
                .quote(try router.loyalty.quote(r, terminal: p.terminal, in: c))
            }
        case .status(let r):
            return read(.terminal, dependingOn: .footprint) { router, p, c in .status(try router.loyalty.status(transactionId: r.transactionId, terminal: p.terminal, in: c)) }
        case .purchase(let r):
            return write(.terminal) { (router, p, done) throws(TillError) in
                try router.loyalty.purchase(r, terminal: p.terminal, fingerprint: fingerprint(request)) { done($0.map(Response.purchase)) }
            }
        case .void(let r):
            return write(.terminal) { (router, p, done) throws(TillError) in
                try router.loyalty.void(r, terminal: p.terminal, fingerprint: fingerprint(request)) { done($0.map(Response.void)) }
            }
        case .return(let r):
            return write(.terminal) { (router, p, done) throws(TillError) in
                try router.loyalty.returnItems(r, terminal: p.terminal, fingerprint: fingerprint(request)) { done($0.map(Response.return)) }
            }
        case .operator(let o): return operatorRoute(o)
        }
    }

    /// Operator ops: reads of the back office, its writes (one write request each), and the server's own (statistics,
    /// backups, and voids and returns through the terminal operations' path, recorded with the operator as source).
    static func operatorRoute(_ request: OperatorRequest) -> Route {
        switch request {
        case .memberSearch(let q): return look { o, _, c in .members(try MemberSearchQuery(q, country: try o.country(c)).run(c)) }
        case .memberGet(let r):
            return look { o, _, c in .member(try Profiles.load(c, id: try Members.resolve(c, reference: r.memberKey, country: try o.country(c)).id)) }
        case .memberCreate(let f): return change { o, a, c in .member(try Membership(actor: a, country: try o.country(c)).create(c, f)) }
        case .memberUpdate(let u): return change { o, a, c in .member(try Membership(actor: a, country: try o.country(c)).update(c, u)) }
        case .memberBlock(let r): return change { o, a, c in .member(try Membership(actor: a, country: try o.country(c)).setStatus(c, r, to: .blocked)) }
        case .memberUnblock(let r): return change { o, a, c in .member(try Membership(actor: a, country: try o.country(c)).setStatus(c, r, to: .active)) }
        case .memberVerify(let r): return change { o, a, c in .member(try Membership(actor: a, country: try o.country(c)).verify(c, r)) }
        case .memberTag(let t): return change { o, a, c in .member(try Membership(actor: a, country: try o.country(c)).tag(c, t)) }
        case .memberUntag(let t): return change { o, a, c in .member(try Membership(actor: a, country: try o.country(c)).untag(c, t)) }
        case .memberNote(let n): return change { o, a, c in .member(try Membership(actor: a, country: try o.country(c)).note(c, n)) }
        case .memberConsent(let r): return change { _, a, c in .member(try Preferences(actor: a).consent(c, r)) }
        case .memberUnsubscribe(let u): return change { _, a, c in .member(try Preferences(actor: a).unsubscribe(c, u)) }
        case .cardAdd(let r): return change { o, a, c in .member(try Membership(actor: a, country: try o.country(c)).addCard(c, r)) }
        case .cardReplace(let r): return change { o, a, c in .member(try Membership(actor: a, country: try o.country(c)).replaceCard(c, r)) }
        case .cardRemove(let r): return change { o, a, c in .member(try Membership(actor: a, country: try o.country(c)).removeCard(c, r)) }
        case .appCodeIssue(let r): return change { _, a, c in .appCode(try AppCodes(actor: a).issue(c, r)) }
        case .appCodeRevoke(let r): return change { _, a, c in .appCode(try AppCodes(actor: a).revoke(c, r)) }
        case .memberExport(let r): return look { _, a, c in .export(try DataReport(at: a.at).export(c, memberKey: r.memberKey)) }
        case .memberAnonymize(let r): return change { _, a, c in .member(try Anonymization(actor: a).anonymize(c, r)) }
        case .memberImport(let i):
            // Parsed on the caller's thread and queued to the writer before returning (chunks keep their frame order).
            return write(.operator) { router, p, done in
                let office = router.backOffice
                MemberImporter(store: office.store, actor: p.actor(at: office.store.now), country: office.likelyCountry,
                               resolveCountry: office.country).run(i) { done($0.map { .operator(.imported($0)) }) }
            }
        case .benefitList(let q): return look { _, a, c in .benefits(try BenefitQueries(now: a.at).list(c, q)) }
        case .benefitAction(let r): return change { _, a, c in .benefits(try BenefitActions(actor: a).apply(c, r)) }
        case .walletAdjust(let r): return change { _, a, c in .balance(try WalletAdjustment(actor: a).apply(c, r)) }
        case .activityList(let q): return look { _, _, c in .activity(try MemberActivity.page(c, q)) }
        case .purchaseList(let q): return look { _, _, c in .purchases(try PurchaseHistory.page(c, q)) }
        case .purchaseGet(let t): return look { _, _, c in .ticket(try PurchaseHistory.ticket(c, t)) }
        case .walletHistory(let q): return look { _, a, c in .walletHistory(try WalletHistoryReader(now: a.at).page(c, q)) }
        case .catalogGet: return look { _, _, c in .catalog(try CatalogTables.load(c)) }
        case .catalogSet(let r):
            return change(after: { $0.backOffice.catalogChanged() }) { _, a, c in .catalog(try CatalogTables(actor: a).replace(c, with: r)) }
        case .terminalProvision(let r):
            return change { o, a, c in .credential(try Keys(actor: a, generate: o.keys).provisionTerminal(c, r)) }
        case .terminalDisable(let k): return change(after: { $0.keysDisabled() }) { _, _, c in .key(try Keys.disable(c, k, role: .terminal)) }
        case .terminalList: return look { _, _, c in .keys(try Keys.list(c, role: .terminal)) }
        case .operatorProvision(let r):
            return change { o, a, c in .credential(try Keys(actor: a, generate: o.keys).provisionOperator(c, r)) }
        case .operatorDisable(let k): return change(after: { $0.keysDisabled() }) { _, _, c in .key(try Keys.disable(c, k, role: .operator)) }
        case .operatorList: return look { _, _, c in .keys(try Keys.list(c, role: .operator)) }
        case .stats:
            return look { o, _, c in
                let s = try StoreStatistics.collect(c)
                return .stats(Stats(members: s.members, activeMembers: s.activeMembers, blockedMembers: s.blockedMembers,
                                    purchases: s.purchases, pointsOutstanding: s.pointsOutstanding,
                                    creditOutstanding: s.creditOutstanding, generatedAt: o.store.now))
            }
        case .storeBackup(let b):
            return write(.operator) { router, _, done in
                StoreBackup.start(b, store: router.backOffice.store, clock: { [store = router.backOffice.store] in store.now }) { done($0.map { .operator(.backup($0)) }) }
            }
        case .purchaseVoid(let v):
            return write(.operator) { (router, p, done) throws(TillError) in
                try router.loyalty.void(v.request, terminal: v.terminal, fingerprint: fingerprint(.void(v.request)),
                                        operatorId: p.operatorId) { done($0.map { .operator(.reversal($0)) }) }
            }
        case .purchaseReturn(let r):
            return write(.operator) { (router, p, done) throws(TillError) in
                try router.loyalty.returnItems(r.request, terminal: r.terminal, fingerprint: fingerprint(.return(r.request)),
                                               operatorId: p.operatorId) { done($0.map { .operator(.reversal($0)) }) }
            }
        }
    }

    // MARK: - Row builders

    private static func read(_ role: SessionRole, dependingOn dependence: ReadDependence = .store,
                             _ body: @escaping @Sendable (Router, Principal, Connection) throws -> Response) -> Route {
        Route(kind: .read, role: role, handler: .read(dependence, body))
    }

    private static func write(_ role: SessionRole,
                              _ start: @escaping @Sendable (Router, Principal, @escaping Route.Done) throws(TillError) -> Void) -> Route {
        Route(kind: .write, role: role, handler: .write(start))
    }

    /// An operator read in one snapshot, as the operator acting now.
    private static func look(_ body: @escaping @Sendable (BackOffice, Actor, Connection) throws -> OperatorResponse) -> Route {
        read(.operator) { router, p, c in .operator(try body(router.backOffice, p.actor(at: router.backOffice.store.now), c)) }
    }

    /// An operator write in one write request; `after` runs once it is durable (not after a refusal).
    private static func change(after: (@Sendable (Router) -> Void)? = nil,
                               _ body: @escaping @Sendable (BackOffice, Actor, Connection) throws -> OperatorResponse) -> Route {
        write(.operator) { (router, p, done) throws(TillError) in
            let office = router.backOffice
            let actor = p.actor(at: office.store.now)
            try office.store.submit(ClosureWrite { context in try body(office, actor.stamped(context), context.connection) }) { result in
                if case .success = result { after?(router) }
                done(result.map(Response.operator))
            }
        }
    }

    static func fingerprint(_ request: Request) -> [UInt8] {
        Fingerprint.of(request)?.bytes ?? []
    }
}
