import Synchronization
import TillCore
import TillIO
import TillProtocol
@testable import TillSimulation

/// A tiny in-memory stand-in for `tilld` (plain TCP, loopback) with exactly-once purchases, voids and returns,
/// points and credit wallets: enough to drive the simulator end to end in tests. With `loseAnswersPerMille`, it
/// commits a write and then drops the connection instead of answering (the answer is lost, as in a crash).
final class FakeTill: Sendable {
    struct Wallet { var points: Int64; var credit: Int64 }
    struct Stored { var body: PurchaseRequest; var receipt: Receipt; var reversals: [ReversalReceipt] = []; var voided = false }
    struct State {
        var wallets: [String: Wallet] = [:]
        var byIdentifier: [String: String] = [:]
        var purchases: [String: Stored] = [:]
        var reversals: [String: ReversalReceipt] = [:]
        var random = SeededRandom(seed: 99)
        var lost = 0
        var broken: Set<String> = []
    }

    let state = Mutex(State())
    let group: EventLoopGroup
    let listener: Listener
    let loseAnswersPerMille: Int
    /// When set, every request after hello is answered with this error (a run that gets nothing acknowledged).
    let refuseEverything: TillError?
    /// When set, the first answer to each purchase carries one more member whose punch card result breaks a rule of
    /// the protocol (`rewardsCompleted` −1, deep in the receipt's arrays), and the connection is closed after it: a
    /// client must not take it as an acknowledgement. The resent purchase is answered as a plain replay.
    let breakReceipts: Bool

    init(population: Population, loseAnswersPerMille: Int = 0, refuseEverything: TillError? = nil, breakReceipts: Bool = false) throws {
        group = try EventLoopGroup(loopCount: 1)
        self.loseAnswersPerMille = loseAnswersPerMille
        self.refuseEverything = refuseEverything
        self.breakReceipts = breakReceipts
        state.withLock { s in
            for n in 0..<population.count {
                let key = population.memberKey(n)
                s.wallets[key] = Wallet(points: 1_000, credit: 1_000)
                for kind in BasketBuilder.identifierKinds { s.byIdentifier[population.identifier(n, kind: kind).value] = key }
            }
        }
        let made = Made()
        listener = try Listener.bind(host: "127.0.0.1", port: 0, group: group) { connection in FakeSession(till: made.till!, connection: connection) }
        made.till = self
    }

    var port: Int { listener.port }
    var lostAnswers: Int { state.withLock { $0.lost } }

    func shutdown() {
        listener.close()
        group.shutdown()
    }

    func balance(_ key: String) -> WalletBalance {
        state.withLock { s in WalletBalance(points: s.wallets[key]?.points ?? 0, pendingPoints: 0, credit: s.wallets[key]?.credit ?? 0) }
    }

    /// The answer, and whether to drop the connection instead of sending it.
    func handle(_ request: Request, terminal: TerminalIdentity) -> (Result<Response, TillError>, lose: Bool) {
        state.withLock { s in
            let tkey = "\(terminal.branchId)/\(terminal.posId)/"
            switch request {
            case .identify(let body):
                var members: [IdentifiedMember] = []
                for (i, id) in body.identifiers.enumerated() {
                    guard let key = s.byIdentifier[id.value] else { return (.failure(.memberNotFound(field: "identifiers[\(i)]")), false) }
                    let w = s.wallets[key]!
                    members.append(IdentifiedMember(memberKey: key, firstName: nil, status: .active,
                                                    balance: WalletBalance(points: w.points, pendingPoints: 0, credit: w.credit), benefits: []))
                }
                return (.success(.identify(IdentifyResult(members: members))), false)
            case .purchase(let body), .quote(let body):
                let isQuote = if case .quote = request { true } else { false }
                if !isQuote, let stored = s.purchases[tkey + body.transactionId] {
                    guard stored.body == body else { return (.failure(.transactionConflict(field: .transactionId, id: body.transactionId)), false) }
                    var replay = stored.receipt
                    replay.replay = true
                    return (.success(.purchase(replay)), false)
                }
                let total = BasketBuilder.total(of: body)
                var members: [ReceiptMember] = []
                var wallets = s.wallets
                for (i, id) in body.members.enumerated() {
                    guard let key = s.byIdentifier[id.value] else { return (.failure(.memberNotFound(field: "members[\(i)]")), false) }
                    var spentPoints: Int64 = 0, spentCredit: Int64 = 0
                    if i == 0 {
                        for p in body.payments where p.means == .points || p.means == .credit {
                            let available = p.means == .points ? wallets[key]!.points : wallets[key]!.credit
                            guard p.amount <= available else {
                                return (.failure(.insufficientBalance(field: "payments", wallet: p.means == .points ? .points : .credit, requested: p.amount, available: available)), false)
                            }
                            if p.means == .points { spentPoints = p.amount } else { spentCredit = p.amount }
                        }
                    }
                    let earned = i == 0 ? total / 100 : 0
                    wallets[key]!.points += earned - spentPoints
                    wallets[key]!.credit -= spentCredit
                    let w = wallets[key]!
                    members.append(ReceiptMember(memberKey: key, pointsEarned: earned, pointsPending: 0, pointsSpent: spentPoints, creditSpent: spentCredit,
                                                 punches: [], benefitsIssued: [], balance: WalletBalance(points: w.points, pendingPoints: 0, credit: w.credit)))
                }
                let receipt = Receipt(terminal: terminal, transactionId: body.transactionId, openedAt: body.openedAt, currency: body.currency,
                                      subtotal: total, itemDiscounts: 0, orderDiscount: 0, benefitDiscounts: 0, tax: 0, total: total,
                                      payments: [], members: members, redemptions: [], replay: false)
                if isQuote { return (.success(.quote(Quote(receipt: receipt, benefits: [], budget: []))), false) }
                s.wallets = wallets
                s.purchases[tkey + body.transactionId] = Stored(body: body, receipt: receipt)
                return (.success(.purchase(receipt)), s.random.int(0...999) < loseAnswersPerMille)
            case .void(let body):
                return reverse(&s, kind: .void, id: body.voidId, transactionId: body.transactionId, tkey: tkey)
            case .return(let body):
                return reverse(&s, kind: .return, id: body.returnId, transactionId: body.transactionId, tkey: tkey)
            case .status(let body):
                guard let stored = s.purchases[tkey + body.transactionId] else {
                    return (.success(.status(TransactionStatus(transactionId: body.transactionId, state: .unknown, receipt: nil, reversals: []))), false)
                }
                var replay = stored.receipt
                replay.replay = true
                return (.success(.status(TransactionStatus(transactionId: body.transactionId, state: stored.voided ? .voided : .final, receipt: replay, reversals: stored.reversals))), false)
            default:
                return (.failure(.forbidden(reason: "not in the fake")), false)
            }
        }
    }

    /// A void takes back the first member's earned points and refunds what they spent; a return reverses nothing.
    func reverse(_ s: inout State, kind: ReversalReceipt.Kind, id: String, transactionId: String, tkey: String) -> (Result<Response, TillError>, lose: Bool) {
        if var done = s.reversals[tkey + kind.rawValue + id] {
            done.replay = true
            return (.success(kind == .void ? .void(done) : .return(done)), false)
        }
        guard var stored = s.purchases[tkey + transactionId] else { return (.failure(.transactionNotFound(transactionId: transactionId)), false) }
        guard !stored.voided else { return (.failure(.transactionVoided(transactionId: transactionId)), false) }
        var members: [ReversalMember] = []
        if kind == .void, let m = stored.receipt.members.first {
            s.wallets[m.memberKey]!.points += m.pointsSpent - m.pointsEarned
            s.wallets[m.memberKey]!.credit += m.creditSpent
            let w = s.wallets[m.memberKey]!
            members.append(ReversalMember(memberKey: m.memberKey, pointsTakenBack: m.pointsEarned, pointsRefunded: m.pointsSpent, creditRefunded: m.creditSpent,
                                          punches: [], benefitsRestored: [], benefitsRevoked: [], balance: WalletBalance(points: w.points, pendingPoints: 0, credit: w.credit)))
            stored.voided = true
        }
        let reversal = ReversalReceipt(kind: kind, reversalId: id, transactionId: transactionId, amount: 0, members: members)
        stored.reversals.append(reversal)
        s.purchases[tkey + transactionId] = stored
        s.reversals[tkey + kind.rawValue + id] = reversal
        return (.success(kind == .void ? .void(reversal) : .return(reversal)), s.random.int(0...999) < loseAnswersPerMille)
    }
}

/// Lets the listener's handler factory reach the fake once it is built.
final class Made: @unchecked Sendable { var till: FakeTill? }

/// One connection to the fake: hello with `key-N` binds terminal `B/PN`.
final class FakeSession: ConnectionHandler, @unchecked Sendable {
    let till: FakeTill
    var decoder = FrameDecoder()
    var terminal: TerminalIdentity?

    init(till: FakeTill, connection: Connection) { self.till = till }

    func received(_ bytes: ArraySlice<UInt8>, on connection: Connection) {
        try? decoder.append(bytes)
        var out: [UInt8] = []
        while let frame = decoder.nextFrame() {
            guard case .success(let envelope) = ServerCodec().decodeRequest(frame) else { connection.close(); return }
            let outcome: Result<Response, TillError>
            if case .hello(let hello) = envelope.request {
                terminal = TerminalIdentity(branchId: "B", posId: String(hello.apiKey.dropFirst(4)))
                outcome = .success(.hello(HelloResult(version: 1, role: .terminal, terminal: terminal, operatorName: nil, maxFrameSize: 65_536,
                                                      serverTime: Timestamp(millisecondsSinceEpoch: 0))))
            } else if let refusal = till.refuseEverything {
                outcome = .failure(refusal)
            } else {
                let (result, lose) = till.handle(envelope.request, terminal: terminal!)
                if lose {
                    till.state.withLock { $0.lost += 1 }
                    connection.write(out)
                    connection.close()
                    return
                }
                outcome = result
            }
            if till.breakReceipts, case .success(.purchase(var receipt)) = outcome,
               till.state.withLock({ $0.broken.insert(receipt.transactionId).inserted }) {
                let punch = PunchResult(benefitId: "P-1", name: "coffee", punches: 1, punchesAfter: 1, punchesRequired: 10, completed: false,
                                        rewardsCompleted: -1)
                receipt.members.append(ReceiptMember(memberKey: "S-BROKEN", pointsEarned: 0, pointsPending: 0, pointsSpent: 0, creditSpent: 0,
                                                     punches: [punch], benefitsIssued: [],
                                                     balance: WalletBalance(points: 0, pendingPoints: 0, credit: 0)))
                ServerCodec().encodeResponse(ResponseEnvelope(id: envelope.id, op: envelope.request.op, result: .purchase(receipt)), into: &out)
                connection.write(out)
                connection.close()
                return
            }
            switch outcome {
            case .success(let r): ServerCodec().encodeResponse(ResponseEnvelope(id: envelope.id, op: envelope.request.op, result: r), into: &out)
            case .failure(let e): ServerCodec().encodeResponse(ResponseEnvelope(id: envelope.id, op: envelope.request.op, error: e), into: &out)
            }
        }
        connection.write(out)
    }

    func closed(_ connection: Connection, reason: CloseReason) {}
}
