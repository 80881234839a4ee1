/// Voids and returns: reversing a purchase from its `PurchaseRecord`, in whole or by line and quantity.
///
/// Guarantees: for every value the purchase moved (points earned per line and member, wallet units paid, money,
/// punches) the amount reversed after returning `r` of a line of quantity `Q` is `floor(v × r / Q)` summed over
/// lines, and exactly `v` once everything is returned; each reversal takes the difference with what earlier
/// returns took. So the sum over all returns never exceeds what the purchase did, and a full return (or a void)
/// reverses exactly all of it. Balances never go negative: earned points already spent are forgiven and reported.
extension LoyaltyRules {
    /// Voids the whole purchase (what earlier returns left): takes back earned points, refunds points and credit
    /// spent, removes punches (revoking an unused reward gift), puts redeemed gifts back to active (or expired when
    /// their validity has passed) and deletes cards the purchase issued that end up empty. `members` are the current
    /// accounts of `record.memberIds` (missing ones are skipped).
    public static func void(
        _ request: VoidRequest, record: PurchaseRecord, previouslyReturned: [ReturnLine], members: [MemberAccount],
        catalog: BenefitCatalog, now: Timestamp
    ) throws(TillError) -> ReversalEvaluation {
        let before = try returned(previouslyReturned, record: record, field: "previouslyReturned")
        var after: [String: Int64] = [:]
        for line in record.lines { after[line.lineId] = line.quantity.thousandths }
        var reversal = Reversing(
            record: record, members: members, catalog: catalog, now: now, before: before, after: after)
        try reversal.run(void: true)
        return reversal.result(kind: .void, id: request.voidId)
    }

    /// Returns lines by quantity. Throws `invalidRequest` for unknown, repeated or non-positive lines and
    /// `returnExceedsPurchase` when the cumulative return of a line would exceed its quantity. Redeemed gifts stay
    /// used (a return refunds money, not the gift).
    public static func returnItems(
        _ request: ReturnRequest, record: PurchaseRecord, previouslyReturned: [ReturnLine], members: [MemberAccount],
        catalog: BenefitCatalog, now: Timestamp
    ) throws(TillError) -> ReversalEvaluation {
        guard !request.lines.isEmpty else { throw .invalidRequest(field: "lines", reason: "at least one line") }
        let before = try returned(previouslyReturned, record: record, field: "previouslyReturned")
        var after = before
        var seen = Set<String>()
        var bought: [String: PurchaseRecord.Line] = [:]
        for line in record.lines { bought[line.lineId] = line }
        for (i, line) in request.lines.enumerated() {
            guard let bought = bought[line.lineId] else {
                throw .invalidRequest(field: "lines[\(i)].lineId", reason: "no such line on the purchase")
            }
            guard seen.insert(line.lineId).inserted else {
                throw .invalidRequest(field: "lines[\(i)].lineId", reason: "line listed twice")
            }
            guard line.quantity.thousandths > 0 else {
                throw .invalidRequest(field: "lines[\(i)].quantity", reason: "must be > 0")
            }
            let already = before[line.lineId, default: 0]
            guard line.quantity.thousandths <= bought.quantity.thousandths - already else {
                throw .returnExceedsPurchase(
                    field: "lines[\(i)].quantity", lineId: line.lineId,
                    remaining: Quantity(thousandths: bought.quantity.thousandths - already))
            }
            after[line.lineId] = already + line.quantity.thousandths
        }
        var reversal = Reversing(
            record: record, members: members, catalog: catalog, now: now, before: before, after: after)
        try reversal.run(void: false)
        return reversal.result(kind: .return, id: request.returnId)
    }

    /// Sums earlier returns by line, checking they fit the purchase.
    static func returned(
        _ lines: [ReturnLine], record: PurchaseRecord, field: String
    ) throws(TillError) -> [String: Int64] {
        var sum: [String: Int64] = [:]
        var bought: [String: Int64] = [:]
        for line in record.lines { bought[line.lineId] = line.quantity.thousandths }
        for line in lines {
            guard line.quantity.thousandths >= 0,
                let q = Arithmetic.add(sum[line.lineId, default: 0], line.quantity.thousandths, atMost: .max)
            else { throw .invalidRequest(field: field, reason: "earlier returns do not fit the purchase") }
            sum[line.lineId] = q
        }
        for (id, q) in sum {
            guard let quantity = bought[id], q >= 0, q <= quantity
            else {
                throw .invalidRequest(field: field, reason: "earlier returns do not fit the purchase")
            }
        }
        return sum
    }
}

/// One reversal being computed: working copies of the accounts and the rows produced.
struct Reversing {
    let record: PurchaseRecord
    var members: [MemberAccount]
    let catalog: BenefitCatalog
    let now: Timestamp
    let before: [String: Int64]
    let after: [String: Int64]
    var changes = LoyaltyChanges()
    var rows: [Int64: ReversalMember] = [:]
    var amount: MinorUnits = 0
    var forgiven: Points = 0
    /// Each line's quantity by id (looked up once per line and value, so a reversal costs linear time).
    let quantities: [String: Int64]

    init(
        record: PurchaseRecord, members: [MemberAccount], catalog: BenefitCatalog, now: Timestamp,
        before: [String: Int64],
        after: [String: Int64]
    ) {
        self.record = record
        self.members = members
        self.catalog = catalog
        self.now = now
        self.before = before
        self.after = after
        var quantities: [String: Int64] = [:]
        for line in record.lines { quantities[line.lineId] = line.quantity.thousandths }
        self.quantities = quantities
        for m in members where record.memberIds.contains(m.id) {
            rows[m.id] = ReversalMember(
                memberKey: m.memberKey, pointsTakenBack: 0, pointsRefunded: 0, creditRefunded: 0, punches: [],
                benefitsRestored: [], benefitsRevoked: [], balance: m.balance)
        }
    }

    func full(_ r: [String: Int64]) -> Bool {
        record.lines.allSatisfy { r[$0.lineId, default: 0] == $0.quantity.thousandths }
    }

    /// The cumulative amount of a value reversed once `r` is returned (see the type's guarantee).
    func target(_ perLine: [(String, Int64)], whole: Int64, _ r: [String: Int64]) -> Int64 {
        if full(r) { return whole }
        var sum: Int64 = 0
        for (lineId, value) in perLine {
            guard let q = quantities[lineId], q > 0 else { continue }
            sum += Arithmetic.floorMulDiv(value, r[lineId, default: 0], q)
        }
        return min(sum, whole)
    }

    func delta(_ perLine: [(String, Int64)], whole: Int64) -> Int64 {
        target(perLine, whole: whole, after) - target(perLine, whole: whole, before)
    }

    /// Throws `invalidRequest` (field `transactionId`) when a refund would take a wallet above
    /// `ValueLimits.maxBalance`; nothing is changed then.
    mutating func run(void: Bool) throws(TillError) {
        amount = delta(record.lines.map { ($0.lineId, $0.net) }, whole: record.total)
        if let budget = record.budget, let m = members.firstIndex(where: { $0.id == budget.memberId }) {
            let units = delta(record.paymentShares.map { ($0.lineId, $0.units) }, whole: budget.units)
            let held = budget.wallet == .points
                ? members[m].balance.points + members[m].balance.pendingPoints : members[m].credit
            guard units <= 0 || Arithmetic.add(held, units, atMost: ValueLimits.maxBalance) != nil else {
                throw .invalidRequest(
                    field: "transactionId",
                    reason: "refunding \(units) would take the \(budget.wallet.rawValue) wallet of \(members[m].memberKey) above \(ValueLimits.maxBalance)")
            }
            if units > 0 {
                changes.ledger.append(
                    LedgerEntry(memberId: budget.memberId, wallet: budget.wallet, delta: units, kind: .refund))
                switch budget.wallet {
                case .points:
                    members[m].points += units
                    rows[budget.memberId]?.pointsRefunded += units
                case .credit:
                    members[m].credit += units
                    rows[budget.memberId]?.creditRefunded += units
                }
            }
        }
        for (m, member) in members.enumerated() where record.memberIds.contains(member.id) {
            let mine = record.earned.filter { $0.memberId == member.id }
            let owed = delta(mine.map { ($0.lineId, $0.points) }, whole: mine.reduce(0) { $0 + $1.points })
            if owed > 0 { clawBack(owed, from: m) }
        }
        for templateId in uniqued(record.cards.map(\.templateId)) { unpunch(templateId, void: void) }
        if void { restoreGifts() }
        for member in members { rows[member.id]?.balance = member.balance }
    }

    /// Takes back earned points: first from the purchase's own pending group, then from spendable points; what the
    /// member already spent is forgiven.
    mutating func clawBack(_ owed: Points, from m: Int) {
        var left = owed
        let id = members[m].id
        if let at = record.pointsAvailableAt, let p = members[m].pending.firstIndex(where: { $0.availableAt == at }) {
            let x = min(left, members[m].pending[p].points)
            if x > 0 {
                members[m].pending[p].points -= x
                if members[m].pending[p].points == 0 { members[m].pending.remove(at: p) }
                changes.ledger.append(
                    LedgerEntry(memberId: id, wallet: .points, delta: -x, kind: .clawback, availableAt: at))
                left -= x
            }
        }
        let y = min(left, members[m].points)
        if y > 0 {
            members[m].points -= y
            changes.ledger.append(LedgerEntry(memberId: id, wallet: .points, delta: -y, kind: .clawback))
        }
        forgiven += left - y
        rows[id]?.pointsTakenBack += owed - (left - y)
        rows[id]?.pointsForgiven += left - y
    }

    /// Removes the punches of the returned units from the cards of one template, latest card first.
    mutating func unpunch(_ templateId: String, void: Bool) {
        let cards = record.cards.filter { $0.templateId == templateId }
        let lines = record.punchLines.filter { $0.templateId == templateId }
        let added = cards.map(\.punchesAdded)
        let whole = added.reduce(0, +)
        func removed(_ r: [String: Int64]) -> Int64 {
            if full(r) { return whole }
            var sum = target(lines.compactMap { l in l.lineId.map { ($0, l.punches) } }, whole: whole, r)
            for l in lines where l.lineId == nil {
                let done = l.lineIds.allSatisfy { id in r[id, default: 0] == quantities[id] }
                if done { sum += l.punches }
            }
            return min(sum, whole)
        }
        let was = Punching.spread(removed(before), over: added)
        let now = Punching.spread(removed(after), over: added)
        let template = catalog.punchCard(templateId)
        // One entry per template on the receipt: the punches taken off all its cards, and the oldest card touched
        // as it stands after (the one the member goes on punching).
        var taken: Int64 = 0
        var touched: HeldBenefit?
        for (c, card) in cards.enumerated().reversed() {
            guard let m = members.firstIndex(where: { $0.id == card.memberId }),
                let b = members[m].benefits.firstIndex(where: { $0.id == card.benefitId })
            else { continue }
            let x = now[c] - was[c]
            var held = members[m].benefits[b]
            if x > 0 {
                if held.status == .used && card.completed {
                    // Reopen the card only if its reward is unused; a used reward keeps the card as it is (forgiven).
                    guard let rewardId = card.rewardBenefitId,
                        let r = members[m].benefits.firstIndex(where: { $0.id == rewardId }),
                        members[m].benefits[r].status != .used
                    else { continue }
                    if members[m].benefits[r].status != .deleted {
                        members[m].benefits[r].status = .deleted
                        let reward = members[m].benefits[r]
                        changes.benefitUpdates.append(
                            BenefitUpdate(
                                memberId: card.memberId, benefitId: rewardId, status: .deleted, punches: reward.punches,
                                usedIn: reward.usedIn))
                        rows[card.memberId]?.benefitsRevoked.append(rewardId)
                    }
                    held.status = .active
                    held.usedIn = nil
                }
                guard held.status == .active else { continue }
                let off = min(x, held.punches)
                held.punches -= off
                taken += off
                touched = held
            }
            if void && card.issuedHere && held.status == .active && held.punches == 0 {
                held.status = .deleted
                rows[card.memberId]?.benefitsRevoked.append(held.id)
            }
            if held != members[m].benefits[b] {
                members[m].benefits[b] = held
                changes.benefitUpdates.append(
                    BenefitUpdate(
                        memberId: card.memberId, benefitId: held.id, status: held.status, punches: held.punches,
                        usedIn: held.usedIn))
            }
            if touched?.id == held.id { touched = held }
        }
        if let card = touched, let memberId = cards.first?.memberId {
            rows[memberId]?.punches.append(
                PunchResult(
                    benefitId: card.id, name: template?.name ?? templateId, punches: -taken,
                    punchesAfter: card.punches, punchesRequired: template?.punchesRequired ?? 0, completed: false))
        }
    }

    /// Void only: redeemed gifts go back to active, or to expired when their validity has passed.
    mutating func restoreGifts() {
        for redeemed in record.redeemed {
            guard let m = members.firstIndex(where: { $0.id == redeemed.memberId }),
                let b = members[m].benefits.firstIndex(where: { $0.id == redeemed.benefitId })
            else { continue }
            var held = members[m].benefits[b]
            guard held.status == .used, held.usedIn == record.reference else { continue }
            let valid = held.validUntil.map { now <= $0 } ?? true
            held.status = valid ? .active : .expired
            held.usedIn = nil
            members[m].benefits[b] = held
            changes.benefitUpdates.append(
                BenefitUpdate(
                    memberId: redeemed.memberId, benefitId: held.id, status: held.status, punches: held.punches,
                    usedIn: nil))
            if valid { rows[redeemed.memberId]?.benefitsRestored.append(held.id) }
        }
    }

    func result(kind: ReversalReceipt.Kind, id: String) -> ReversalEvaluation {
        let ordered = record.memberIds.compactMap { rows[$0] }
        var lines: [ReturnLine] = []
        for line in record.lines {
            let q = after[line.lineId, default: 0] - before[line.lineId, default: 0]
            if q > 0 { lines.append(ReturnLine(lineId: line.lineId, quantity: Quantity(thousandths: q))) }
        }
        return ReversalEvaluation(
            receipt: ReversalReceipt(
                kind: kind, reversalId: id, transactionId: record.transactionId, amount: amount, members: ordered),
            changes: changes, returnedLines: lines, pointsForgiven: forgiven)
    }
}

func uniqued<T: Hashable>(_ xs: [T]) -> [T] {
    var seen = Set<T>()
    return xs.filter { seen.insert($0).inserted }
}
