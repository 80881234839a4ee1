import TillCore
import TillProtocol

/// One request a virtual terminal is about to send, with what the simulator expects of its answer.
public struct PlannedRequest: Sendable {
    /// What goes on the wire: a request, or a purchase kept as the workload drew it.
    enum Body: Sendable {
        case request(Request)
        case draft(PurchaseDraft)
    }

    /// Name in the report: `purchase`, `purchase.retry`, `identify`, `quote`, `status`, `void`, `return`.
    public var label: String
    var body: Body
    public var scenario: Scenario
    /// For retries: the receipt first acknowledged for this transaction (the replay must equal it).
    public var firstReceipt: Receipt? {
        get { retried?.receipt }
        set { retried = newValue.map(FirstReceipt.init) }
    }
    /// `firstReceipt`, boxed: only retries carry one, and a planned request is moved several times on its way to the
    /// wire and back (a receipt inline would be copied each time).
    private var retried: FirstReceipt?
    /// For `identify` of the gift scenario: the member whose gift is to be redeemed next.
    public var giftMember: Int?
    /// Send an identical copy (label `purchase.dup`) right behind this request, without waiting for its answer.
    public var sendTwice = false

    public init(label: String, request: Request, scenario: Scenario, firstReceipt: Receipt? = nil, giftMember: Int? = nil,
                sendTwice: Bool = false) {
        self.init(label: label, body: .request(request), scenario: scenario, firstReceipt: firstReceipt, giftMember: giftMember,
                  sendTwice: sendTwice)
    }

    init(label: String, body: consuming Body, scenario: Scenario, firstReceipt: Receipt? = nil, giftMember: Int? = nil, sendTwice: Bool = false) {
        self.label = label
        self.body = body
        self.scenario = scenario
        self.retried = firstReceipt.map(FirstReceipt.init)
        self.giftMember = giftMember
        self.sendTwice = sendTwice
    }

    /// Whether this is a retry judged against its first receipt.
    var isRetry: Bool { retried != nil }

    final class FirstReceipt: Sendable {
        let receipt: Receipt
        init(_ receipt: Receipt) { self.receipt = receipt }
    }

    /// The request (a drafted purchase is built as one here; setting it replaces the draft).
    public var request: Request {
        get {
            switch body {
            case .request(let request): request
            case .draft(let draft): .purchase(draft.request)
            }
        }
        set { body = .request(newValue) }
    }

    /// The copy sent right behind a `sendTwice` request.
    public var duplicate: PlannedRequest {
        var copy = self
        copy.label = "purchase.dup"
        copy.sendTwice = false
        return copy
    }

    /// A purchase kept as drawn (not built as a `PurchaseRequest`).
    var isDraft: Bool {
        if case .draft = body { return true }
        return false
    }

    /// Writes must be resent after a lost answer until acknowledged or refused; reads may be dropped.
    public var isWrite: Bool {
        switch body {
        case .draft: true
        case .request(.purchase), .request(.void), .request(.return): true
        case .request: false
        }
    }

    /// Appends the request's frame under wire id `id` (a draft straight from its basket: the same bytes).
    public func encode(id: Int64, with codec: ClientCodec, into buffer: inout [UInt8]) {
        switch body {
        case .request(let request): codec.encodeRequest(id: .int(id), request, into: &buffer)
        case .draft(let draft): codec.encodeRequest(id: .int(id), op: .purchase, into: &buffer) { w in draft.encodeFields(to: &w) }
        }
    }
}

/// How the simulator judges one answer.
public enum Assessment: Sendable, Equatable {
    /// Acknowledged as expected.
    case ok
    /// Refused for a business reason the workload can cause (a wallet ran dry under concurrency, a gift raced
    /// another till): counted by code, not a failure.
    case expectedRefusal(String)
    /// Something Till must never do: a conflict on a resend, a replay that differs, a malformed-request answer.
    case violation(String)
}

/// The script of one virtual terminal: picks scenarios from the mix, builds their requests, and remembers what
/// this terminal posted so it can retry, void, return and check status of it.
///
/// Guarantees: deterministic given the seed and the sequence of answers; transaction, void and return ids are unique
/// per run (`<runId>-<terminal>-<n>`); a void or return is only planned for a purchase this terminal had
/// acknowledged, never voided, and with quantity left on the line; a retry resends a body bit for bit.
public struct TerminalWorkload: Sendable {
    /// A purchase this terminal has had acknowledged.
    struct Posted: Sendable {
        var request: PurchaseRequest
        var receipt: Receipt
        var voided = false
        var returned: [String: Int64] = [:]
    }

    public let terminalIndex: Int
    public let runId: String
    /// `<runId>-<terminal>-`, the start of every id this terminal makes.
    let idPrefix: String
    let mix: ScenarioMix
    let builder: BasketBuilder
    var random: SeededRandom
    var sequence = 0
    var followUps: [PlannedRequest] = []
    /// The last `rememberedPurchases` acknowledged purchases, a ring whose oldest entry is at `oldestPosted`; kept
    /// only when the mix revisits purchases (a closed loop of plain purchases frees each request and receipt as soon
    /// as it is judged, instead of holding a thousand of them to free later from cold memory).
    var posted: [Posted] = []
    let keepsPosted: Bool
    var oldestPosted = 0
    /// The lines and members arrays of the last finished drafted purchase (`recycle`), reused by the next one: a
    /// closed loop of purchases allocates neither per request.
    var spareLines: [BasketLine] = []
    var spareMembers: [MemberIdentifier] = []
    static let rememberedPurchases = 16

    public init(terminalIndex: Int, runId: String, mix: ScenarioMix, builder: BasketBuilder, seed: UInt64) {
        self.terminalIndex = terminalIndex
        self.runId = runId
        self.idPrefix = "\(runId)-\(terminalIndex)-"
        self.mix = mix
        self.builder = builder
        self.keepsPosted = mix.revisitsPurchases
        var base = SeededRandom(seed: seed ^ (UInt64(terminalIndex) &* 0x9E37_79B9_7F4A_7C15))
        self.random = base.fork()
    }

    /// True while a multi-request scenario still has requests to send.
    public var hasFollowUps: Bool { !followUps.isEmpty }

    /// The next request. `nowMilliseconds` is wall-clock time for `openedAt`.
    public mutating func next(nowMilliseconds: Int64) -> PlannedRequest {
        if !followUps.isEmpty { return followUps.removeFirst() }
        let now = Timestamp(millisecondsSinceEpoch: nowMilliseconds)
        switch mix.pick(using: &random) {
        case .purchase:
            return purchase(members: 1, now: now, scenario: .purchase)
        case .anonymous:
            return purchase(members: 0, now: now, scenario: .anonymous)
        case .multiMember:
            return purchase(members: random.int(2...3), now: now, scenario: .multiMember)
        case .pointsPayment:
            var planned = purchase(members: 1, now: now, scenario: .pointsPayment)
            paying(&planned, from: .points, maximum: 500)
            return planned
        case .creditPayment:
            var planned = purchase(members: 1, now: now, scenario: .creditPayment)
            paying(&planned, from: .credit, maximum: 300)
            return planned
        case .redeemGift:
            let n = builder.member(using: &random)
            let identifier = builder.population.identifier(n, kind: .memberKey)
            return PlannedRequest(label: "identify", request: .identify(IdentifyRequest(identifiers: [identifier])), scenario: .redeemGift, giftMember: n)
        case .identify:
            let ids = builder.members(random.chance(90) ? 1 : 2, using: &random).map { builder.identifier(for: $0, using: &random) }
            return PlannedRequest(label: "identify", request: .identify(IdentifyRequest(identifiers: ids)), scenario: .identify)
        case .quote:
            var planned = purchase(members: random.chance(80) ? 1 : 0, now: now, scenario: .quote)
            guard case .purchase(let body) = planned.request else { return planned }
            planned.request = .quote(body)
            planned.label = "quote"
            return planned
        case .status:
            let id = posted.isEmpty || random.chance(5) ? nextId("U") : posted[random.int(0...(posted.count - 1))].request.transactionId
            return PlannedRequest(label: "status", request: .status(StatusRequest(transactionId: id)), scenario: .status)
        case .void:
            guard let i = pickPosted(where: { !$0.voided && $0.returned.isEmpty }) else { return purchase(members: 1, now: now, scenario: .purchase) }
            posted[i].voided = true
            let body = VoidRequest(voidId: nextId("V"), transactionId: posted[i].request.transactionId, reason: "customer changed their mind")
            return PlannedRequest(label: "void", request: .void(body), scenario: .void)
        case .partialReturn:
            guard let (i, lines) = pickReturn() else { return purchase(members: 1, now: now, scenario: .purchase) }
            let body = ReturnRequest(returnId: nextId("R"), transactionId: posted[i].request.transactionId, lines: lines)
            return PlannedRequest(label: "return", request: .return(body), scenario: .partialReturn)
        case .retry:
            guard let i = pickPosted(where: { _ in true }) else { return purchase(members: 1, now: now, scenario: .purchase) }
            return PlannedRequest(label: "purchase.retry", request: .purchase(posted[i].request), scenario: .retry,
                                  firstReceipt: posted[i].receipt)
        case .duplicate:
            var planned = purchase(members: random.chance(70) ? 1 : 0, now: now, scenario: .duplicate)
            planned.sendTwice = true
            return planned
        case .offlineBurst:
            let count = random.int(5...20)
            let hoursAgo = Int64(random.int(1...48))
            for k in 0..<count {
                let openedAt = Timestamp(millisecondsSinceEpoch: nowMilliseconds - hoursAgo * 3_600_000 + Int64(k) * 97_000)
                followUps.append(purchase(members: random.chance(60) ? 1 : 0, now: openedAt, scenario: .offlineBurst))
            }
            return followUps.removeFirst()
        }
    }

    /// Learns from an answer and judges it. Call once per planned request, with its final outcome.
    public mutating func completed(_ planned: PlannedRequest, outcome: Result<Response, TillError>, nowMilliseconds: Int64) -> Assessment {
        if planned.isDraft, !planned.isRetry {
            // A first purchase (or its duplicate): the same judgement as below, without building the request (and
            // without copying the draft or the receipt out unless they are kept).
            switch outcome {
            case .success:
                if keepsPosted, planned.label != "purchase.dup", case .draft(let draft) = planned.body,
                   case .success(.purchase(let receipt)) = outcome {
                    remember(Posted(request: draft.request, receipt: receipt))
                }
                return .ok
            case .failure(let error): return Self.assess(error, planned: planned)
            }
        }
        switch (planned.request, outcome) {
        case (.purchase, .success(.purchase)) where planned.label == "purchase.dup":
            return .ok  // the model checks it against the original's receipt, whichever arrives first
        case (.purchase(let body), .success(.purchase(let receipt))):
            if let first = planned.firstReceipt {
                var normalised = receipt
                normalised.replay = first.replay
                if !receipt.replay { return .violation("retry of \(body.transactionId) was not answered as a replay") }
                if normalised != first { return .violation("replay of \(body.transactionId) differs from its first receipt") }
                return .ok
            }
            if keepsPosted { remember(Posted(request: body, receipt: receipt)) }
            return .ok
        case (.identify, .success(.identify(let result))):
            if let n = planned.giftMember {
                followUps.append(giftPurchase(member: n, benefits: result.members.first?.benefits ?? [], nowMilliseconds: nowMilliseconds))
            }
            return .ok
        case (.status(let body), .success(.status(let status))):
            if let mine = posted.first(where: { $0.request.transactionId == body.transactionId }) {
                guard status.state != .unknown, var stored = status.receipt else {
                    return .violation("status of acknowledged \(body.transactionId) is \(status.state.rawValue)")
                }
                stored.replay = mine.receipt.replay
                return stored == mine.receipt ? .ok : .violation("status receipt of \(body.transactionId) differs from its first receipt")
            }
            return .ok
        case (_, .success):
            return .ok
        case (_, .failure(let error)):
            return Self.assess(error, planned: planned)
        }
    }

    /// `completed(planned, outcome: .success(.purchase(receipt)))` for a purchase answer whose receipt was checked and
    /// not kept (`ClientCodec.acknowledgedPurchase`): the same assessment, which depends on the receipt only for a
    /// retry (compared with its first receipt) or a purchase to remember, and neither happens unless the mix
    /// revisits purchases. (Mutating, as `completed`, so that it is called in place.)
    public mutating func acknowledgedPurchase(_ planned: PlannedRequest) -> Assessment {
        precondition(!keepsPosted, "a receipt this workload keeps must be decoded")
        precondition(!planned.isRetry, "a retry's receipt must be decoded")
        return .ok
    }

    /// Which refusals the workload itself can cause.
    static func assess(_ error: TillError, planned: PlannedRequest) -> Assessment {
        switch error {
        case .insufficientBalance, .benefitNotRedeemable, .paymentOutOfRange, .overloaded, .shuttingDown:
            return .expectedRefusal(error.code)
        case .transactionNotFound where planned.label == "status":
            return .expectedRefusal(error.code)
        default:
            return .violation("\(planned.label) answered \(error.code): \(error.message)")
        }
    }

    // MARK: Building

    /// `<runId>-<terminal>-<kind><n>` for the next `n`, built in one string in place (a purchase makes one).
    mutating func nextId(_ kind: Unicode.Scalar) -> String {
        precondition(kind.isASCII, "id kinds are one ASCII letter")
        sequence += 1
        let n = sequence
        var digits = 1, rest = n / 10
        while rest > 0 { digits += 1; rest /= 10 }
        var prefix = idPrefix
        return prefix.withUTF8 { p in
            String(unsafeUninitializedCapacity: p.count + 1 + digits) { out in
                var at = 0
                for b in p { out[at] = b; at += 1 }
                out[at] = UInt8(kind.value)
                var value = n
                for k in stride(from: at + digits, to: at, by: -1) {
                    out[k] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
                    value /= 10
                }
                return at + 1 + digits
            }
        }
    }

    mutating func purchase(members count: Int, now: Timestamp, scenario: Scenario) -> PlannedRequest {
        // One member (the usual purchase) drawn as `members(1)` and its identifier draw it, without the array between;
        // into the last finished purchase's arrays.
        var ids: [MemberIdentifier] = []
        swap(&ids, &spareMembers)
        ids.removeAll(keepingCapacity: true)
        if count == 1 {
            ids.append(builder.identifier(for: builder.member(using: &random), using: &random))
        } else {
            for n in builder.members(count, using: &random) { ids.append(builder.identifier(for: n, using: &random)) }
        }
        let draft = builder.draft(id: nextId("T"), openedAt: now, members: ids, reusing: &spareLines, using: &random)
        return PlannedRequest(label: "purchase", body: .draft(consume draft), scenario: scenario)
    }

    mutating func paying(_ planned: inout PlannedRequest, from wallet: WalletKind, maximum: MinorUnits) {
        guard case .purchase(var body) = planned.request else { return }
        builder.payPart(of: &body, from: wallet, maximum: maximum, using: &random)
        planned.request = .purchase(body)
    }

    mutating func giftPurchase(member n: Int, benefits: [BenefitSummary], nowMilliseconds: Int64) -> PlannedRequest {
        let now = Timestamp(millisecondsSinceEpoch: nowMilliseconds)
        let identifier = builder.identifier(for: n, using: &random)
        var body = builder.purchase(id: nextId("T"), openedAt: now, members: [identifier], using: &random)
        let active = benefits.filter {
            $0.kind == .gift && $0.status == .active && ($0.validFrom.map { $0 <= now } ?? true) && ($0.validUntil.map { $0 > now } ?? true)
        }
        if !active.isEmpty {
            builder.prepareForGift(&body)
            body.redemptions = [active[random.int(0...(active.count - 1))].benefitId]
        }
        return PlannedRequest(label: "purchase", request: .purchase(body), scenario: .redeemGift)
    }

    /// Takes back the arrays of a drafted purchase that was finally answered (judged, and not to be resent).
    mutating func recycle(_ planned: consuming PlannedRequest) {
        guard case .draft(let draft) = planned.body else { return }
        spareLines = draft.lines
        spareMembers = draft.members
    }

    mutating func remember(_ purchase: Posted) {
        // A ring: the oldest is overwritten in place (no shifting of fifteen receipts per purchase).
        if posted.count < Self.rememberedPurchases {
            posted.append(purchase)
        } else {
            posted[oldestPosted] = purchase
            oldestPosted = (oldestPosted + 1) % Self.rememberedPurchases
        }
    }

    mutating func pickPosted(where accept: (Posted) -> Bool) -> Int? {
        let candidates = posted.indices.filter { accept(posted[$0]) }
        return candidates.isEmpty ? nil : candidates[random.int(0...(candidates.count - 1))]
    }

    /// A purchase with quantity left on some line, and one or two lines to return from it (marked as returned).
    mutating func pickReturn() -> (Int, [ReturnLine])? {
        guard let i = pickPosted(where: { p in !p.voided && p.request.items.contains { p.remaining($0) > 0 } }) else { return nil }
        let open = posted[i].request.items.filter { posted[i].remaining($0) > 0 }
        var lines: [ReturnLine] = []
        for item in open.prefix(random.chance(70) ? 1 : 2) {
            let left = posted[i].remaining(item)
            let quantity = item.quantity.thousandths % 1000 != 0 ? max(1, left / 2) : min(left, 1000)
            posted[i].returned[item.lineId, default: 0] += quantity
            lines.append(ReturnLine(lineId: item.lineId, quantity: Quantity(thousandths: quantity)))
        }
        return (i, lines)
    }
}

extension TerminalWorkload.Posted {
    func remaining(_ item: LineItem) -> Int64 { item.quantity.thousandths - (returned[item.lineId] ?? 0) }
}
