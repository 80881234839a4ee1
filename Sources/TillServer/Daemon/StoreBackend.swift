import TillCore
import TillProtocol
import TillStore

/// The production backend: terminal ops through `LoyaltyStore`, operator ops through `BackOffice`.
struct StoreBackend: LoyaltyBackend {
    let loyalty: LoyaltyStore
    let backOffice: BackOffice
    let loyaltyClock: @Sendable () -> Timestamp = LoyaltyStore.systemClock

    func authenticate(keyDigest: [UInt8], completion: @escaping @Sendable (Result<SessionPrincipal?, TillError>) -> Void) throws(TillError) {
        try loyalty.read({ [loyalty] connection -> SessionPrincipal? in
            switch try loyalty.authenticate(keyDigest: keyDigest, in: connection) {
            case .terminal(let terminal): .terminal(terminal)
            case .operator(let id, let name): .operator(id: id, name: name)
            case nil: nil
            }
        }, completion: completion)
    }

    func identify(_ identifiers: [MemberIdentifier],
                  completion: @escaping @Sendable (Result<[IdentifiedMember], TillError>) -> Void) throws(TillError) {
        try loyalty.read({ [loyalty] in try loyalty.identify(identifiers, in: $0) }, completion: completion)
    }

    func quote(_ request: PurchaseRequest, terminal: TerminalIdentity,
               completion: @escaping @Sendable (Result<Quote, TillError>) -> Void) throws(TillError) {
        try loyalty.read({ [loyalty] in try loyalty.quote(request, terminal: terminal, in: $0) }, completion: completion)
    }

    func status(transactionId: String, terminal: TerminalIdentity,
                completion: @escaping @Sendable (Result<TransactionStatus, TillError>) -> Void) throws(TillError) {
        try loyalty.read({ [loyalty] in try loyalty.status(transactionId: transactionId, terminal: terminal, in: $0) }, completion: completion)
    }

    func purchase(
        _ request: PurchaseRequest, terminal: TerminalIdentity, fingerprint: [UInt8],
        completion: @escaping @Sendable (Result<Receipt, TillError>) -> Void
    ) throws(TillError) {
        try loyalty.purchase(request, terminal: terminal, fingerprint: fingerprint, completion: completion)
    }

    func void(
        _ request: VoidRequest, terminal: TerminalIdentity, fingerprint: [UInt8],
        completion: @escaping @Sendable (Result<ReversalReceipt, TillError>) -> Void
    ) throws(TillError) {
        try loyalty.void(request, terminal: terminal, fingerprint: fingerprint, completion: completion)
    }

    func returnItems(
        _ request: ReturnRequest, terminal: TerminalIdentity, fingerprint: [UInt8],
        completion: @escaping @Sendable (Result<ReversalReceipt, TillError>) -> Void
    ) throws(TillError) {
        try loyalty.returnItems(request, terminal: terminal, fingerprint: fingerprint, completion: completion)
    }

    func perform(
        _ request: OperatorRequest, operatorId: Int64, operatorName: String,
        completion: @escaping @Sendable (Result<OperatorResponse, TillError>) -> Void
    ) {
        if case .stats = request {
            let clock = loyaltyClock
            do {
                try loyalty.read({ connection in
                    let s = try StoreStatistics.collect(connection)
                    return OperatorResponse.stats(Stats(
                        members: s.members, activeMembers: s.activeMembers, blockedMembers: s.blockedMembers,
                        purchases: s.purchases, pointsOutstanding: s.pointsOutstanding, creditOutstanding: s.creditOutstanding,
                        generatedAt: clock()))
                }, completion: completion)
            } catch {
                completion(.failure(error))
            }
            return
        }
        // A back-office void or return is the terminal's operation on the purchase's terminal (one mechanism: same
        // rules, ids and fingerprint), recorded with the operator as source.
        do throws(TillError) {
            switch request {
            case .purchaseVoid(let v):
                let fingerprint = Fingerprint.of(.void(v.request))?.bytes ?? []
                try loyalty.void(v.request, terminal: v.terminal, fingerprint: fingerprint, operatorId: operatorId) { completion($0.map(OperatorResponse.reversal)) }
                return
            case .purchaseReturn(let r):
                let fingerprint = Fingerprint.of(.return(r.request))?.bytes ?? []
                try loyalty.returnItems(r.request, terminal: r.terminal, fingerprint: fingerprint, operatorId: operatorId) {
                    completion($0.map(OperatorResponse.reversal))
                }
                return
            default: break
            }
        } catch {
            completion(.failure(error))
            return
        }
        if case .storeBackup(let b) = request {
            StoreBackup.start(b, store: loyalty.underlying, clock: loyaltyClock) { completion($0.map(OperatorResponse.backup)) }
            return
        }
        backOffice.handle(request, operatorId: operatorId, operatorName: operatorName, completion: completion)
    }
}
