/// The loyalty rules engine: pure functions from (request, members' state, catalog, settings, now) to a receipt and
/// the exact rows to write. No I/O, no clock, no randomness: the same inputs always give the same outputs, so a
/// quote, a purchase and its replay agree.
///
/// Guarantees: every value is an integer; a purchase that throws changes nothing; applying `changes` never makes a
/// balance negative; `receipt.total == subtotal - itemDiscounts - orderDiscount - benefitDiscounts + tax`.
public enum LoyaltyRules {
    /// Evaluates a purchase. `matches[i]` is what the store found for `request.members[i]` (looked up by
    /// `Identification.normalise`d value). Throws the first rule the request breaks.
    public static func purchase(
        _ request: PurchaseRequest, terminal: TerminalIdentity, matches: [MemberMatch], catalog: BenefitCatalog,
        settings: LoyaltySettings, now: Timestamp
    ) throws(TillError) -> PurchaseEvaluation {
        try evaluate(
            request, terminal: terminal, matches: matches, catalog: catalog, settings: settings, now: now,
            lenient: false
        ).evaluation
    }

    /// The receipt `purchase` would give, what each identified member's benefits would do on this basket, and how
    /// much each may pay from a wallet. A redemption that cannot apply is reported in `benefits` (and left out of
    /// the receipt) instead of failing; everything else fails as `purchase` would.
    public static func quote(
        _ request: PurchaseRequest, terminal: TerminalIdentity, matches: [MemberMatch], catalog: BenefitCatalog,
        settings: LoyaltySettings, now: Timestamp
    ) throws(TillError) -> Quote {
        let r = try evaluate(
            request, terminal: terminal, matches: matches, catalog: catalog, settings: settings, now: now, lenient: true
        )
        return Quote(receipt: r.evaluation.receipt, benefits: r.benefits, budget: r.budget)
    }

    struct Evaluated {
        var evaluation: PurchaseEvaluation
        var benefits: [RedeemableBenefit]
        var budget: [BudgetLimit]
    }

    static func evaluate(
        _ request: PurchaseRequest, terminal: TerminalIdentity, matches: [MemberMatch], catalog: BenefitCatalog,
        settings: LoyaltySettings, now: Timestamp, lenient: Bool
    ) throws(TillError) -> Evaluated {
        var basket = try Basket(request, currency: settings.currency)
        var (accounts, appCodes) = try Identification.resolve(
            request.members, matches: matches, settings: settings, now: now)
        let original = accounts
        let op = OperationRef(terminal: terminal, transactionId: request.transactionId)
        var changes = LoyaltyChanges(appCodesConsumed: appCodes)

        // Redemptions, in request order, each on what is left to pay.
        var applied: [AppliedRedemption] = []
        var redeemed: [PurchaseRecord.Redeemed] = []
        var refused: [String: NonRedeemableCause] = [:]
        for (i, id) in request.redemptions.enumerated() {
            let field = "redemptions[\(i)]"
            guard let m = accounts.firstIndex(where: { $0.benefits.contains { $0.id == id } }),
                let b = accounts[m].benefits.firstIndex(where: { $0.id == id })
            else {
                if lenient {
                    refused[id] = .notOwned
                    continue
                }
                throw .benefitNotRedeemable(field: field, benefitId: id, cause: .notOwned)
            }
            let benefit = accounts[m].benefits[b]
            var outcome: Result<LineShares, NonRedeemableCauseBox>
            if let cause = Redemption.cause(benefit, owner: accounts[m], now: now) {
                outcome = .failure(NonRedeemableCauseBox(cause))
            } else {
                outcome = Redemption.discount(catalog.gift(benefit.templateId), basket: basket)
            }
            switch outcome {
            case .failure(let box):
                if lenient {
                    refused[id] = box.cause
                    continue
                }
                throw .benefitNotRedeemable(field: field, benefitId: id, cause: box.cause)
            case .success(let shares):
                basket.apply(shares)
                let amount = shares.total
                accounts[m].benefits[b].status = .used
                accounts[m].benefits[b].usedIn = op.reference
                changes.benefitUpdates.append(
                    BenefitUpdate(
                        memberId: accounts[m].id, benefitId: id, status: .used, punches: benefit.punches,
                        usedIn: op.reference))
                applied.append(
                    AppliedRedemption(
                        benefitId: id, name: catalog.name(templateId: benefit.templateId, kind: .gift),
                        memberKey: accounts[m].memberKey, amount: amount,
                        lineIds: zip(shares.lines, shares.amounts).filter { $0.1 > 0 }.map { basket.lines[$0.0].item.lineId }))
                redeemed.append(PurchaseRecord.Redeemed(memberId: accounts[m].id, benefitId: id, amount: amount))
            }
        }

        // Payments and the budget payment.
        let total = basket.total
        let budget = try Budget.check(request.payments, total: total, accounts: accounts, settings: settings.budget)
        // Per line, what the budget payment paid (money, wallet units); empty without one: zero on every line.
        var moneyShares: [MinorUnits] = []
        var unitShares: [Int64] = []
        var budgetRecord: PurchaseRecord.BudgetPayment?
        var receiptPayments = request.payments.map {
            ReceiptPayment(means: $0.means, amount: $0.amount, points: nil, memberKey: $0.memberKey)
        }
        if let budget {
            let owner = budget.memberIndex
            var weights: [MinorUnits] = []  // by index: a key path would copy each line (and retain its strings)
            weights.reserveCapacity(basket.lines.count + 1)
            for i in basket.lines.indices { weights.append(basket.lines[i].net) }
            weights.append(basket.tax)
            let money = Arithmetic.allocate(budget.amount, weights: weights)
            let units = Arithmetic.allocate(budget.units, weights: money)
            moneyShares = Array(money.dropLast())
            unitShares = Array(units.dropLast())
            switch budget.wallet {
            case .points: accounts[owner].points -= budget.units
            case .credit: accounts[owner].credit -= budget.units
            }
            changes.ledger.append(
                LedgerEntry(
                    memberId: accounts[owner].id, wallet: budget.wallet, delta: -budget.units, kind: .spend))
            budgetRecord = PurchaseRecord.BudgetPayment(
                memberId: accounts[owner].id, wallet: budget.wallet, amount: budget.amount, units: budget.units)
            receiptPayments[budget.paymentIndex].points = budget.wallet == .points ? budget.units : nil
            receiptPayments[budget.paymentIndex].memberKey = accounts[owner].memberKey
        }

        // Earning: per line on what was paid with money, floored; split equally, remainder to the first member.
        var earned: [PurchaseRecord.Earned] = []
        earned.reserveCapacity(basket.lines.count * accounts.count)
        var earnedBy = [Points].filled(0, count: accounts.count)
        let rule = settings.earn
        if !accounts.isEmpty {
            let memberIds = accounts.map(\.id)
            // Through a span: its elements are borrowed, so a line is not copied (its strings not retained) to pass
            // its item; an array's subscript would copy the whole line first.
            let pricedLines = basket.lines
            let lines = pricedLines.span
            for i in lines.indices {
                let paid = moneyShares.isEmpty ? 0 : moneyShares[i]
                guard let points = rule.points(eligible: lines[i].net - paid, item: lines[i].item)
                else {
                    throw .invalidRequest(
                        field: "items[\(i)]", reason: "earns more than \(ValueLimits.maxPoints) points")
                }
                guard points > 0 else { continue }
                let each = points / Int64(memberIds.count)
                let lineId = lines[i].item.lineId
                for m in memberIds.indices {
                    let share = each + (m == 0 ? points % Int64(memberIds.count) : 0)
                    guard share > 0 else { continue }
                    earnedBy[m] += share
                    earned.append(PurchaseRecord.Earned(lineId: lineId, memberId: memberIds[m], points: share))
                }
            }
        }
        // At most 1000 lines of at most 10^12 points each: `earnedBy` cannot overflow; the wallet bound is checked.
        for m in accounts.indices where earnedBy[m] > 0 {
            let held = accounts[m].balance.points + accounts[m].balance.pendingPoints
            guard Arithmetic.add(held, earnedBy[m], atMost: ValueLimits.maxBalance) != nil else {
                throw .invalidRequest(
                    field: "members[\(m)]",
                    reason: "earning \(earnedBy[m]) points would take the wallet above \(ValueLimits.maxBalance)")
            }
        }
        let availableAt: Timestamp? = settings.pendingDays > 0 ? now.adding(days: settings.pendingDays) : nil
        for m in accounts.indices where earnedBy[m] > 0 {
            changes.ledger.append(
                LedgerEntry(
                    memberId: accounts[m].id, wallet: .points, delta: earnedBy[m], kind: .earn, availableAt: availableAt
                ))
            if let availableAt {
                if let p = accounts[m].pending.firstIndex(where: { $0.availableAt == availableAt }) {
                    accounts[m].pending[p].points += earnedBy[m]
                } else {
                    accounts[m].pending.append(PendingPoints(availableAt: availableAt, points: earnedBy[m]))
                }
            } else {
                accounts[m].points += earnedBy[m]
            }
        }

        // Punch cards: the primary member's.
        var nextId = 1
        var punched = Punching.Outcome()
        if !accounts.isEmpty {
            punched = Punching.punch(basket, member: &accounts[0], catalog: catalog, op: op, now: now, nextId: &nextId)
            changes.benefitsIssued += punched.newBenefits
            changes.benefitUpdates += punched.updates
        }

        let members = accounts.enumerated().map { m, account in
            ReceiptMember(
                memberKey: account.memberKey, pointsEarned: earnedBy[m],
                pointsPending: availableAt == nil ? 0 : earnedBy[m],
                pointsSpent: budget?.memberIndex == m && budget?.wallet == .points ? budget!.units : 0,
                creditSpent: budget?.memberIndex == m && budget?.wallet == .credit ? budget!.units : 0,
                punches: m == 0 ? punched.results : [], benefitsIssued: m == 0 ? punched.issued : [],
                balance: account.balance)
        }
        let receipt = Receipt(
            terminal: terminal, transactionId: request.transactionId, openedAt: request.openedAt,
            currency: request.currency, subtotal: basket.subtotal, itemDiscounts: basket.itemDiscounts,
            orderDiscount: basket.orderDiscount, benefitDiscounts: basket.benefitDiscounts, tax: basket.tax,
            total: total,
            payments: receiptPayments, members: members, redemptions: applied)
        var recordLines: [PurchaseRecord.Line] = []  // by index: `map` would copy each line (and retain its strings)
        recordLines.reserveCapacity(basket.lines.count)
        for i in basket.lines.indices {
            recordLines.append(
                PurchaseRecord.Line(
                    lineId: basket.lines[i].item.lineId, quantity: basket.lines[i].item.quantity, net: basket.lines[i].net))
        }
        let record = PurchaseRecord(
            transactionId: request.transactionId, reference: op.reference, purchasedAt: now,
            pointsAvailableAt: availableAt,
            total: total, tax: basket.tax, memberIds: accounts.map(\.id), memberKeys: accounts.map(\.memberKey),
            lines: recordLines,
            earned: earned, budget: budgetRecord,
            paymentShares: unitShares.indices.compactMap {
                unitShares[$0] > 0
                    ? PurchaseRecord.PaymentShare(lineId: basket.lines[$0].item.lineId, units: unitShares[$0]) : nil
            },
            redeemed: redeemed, punchLines: punched.punchLines, cards: punched.cards)
        let evaluation = PurchaseEvaluation(receipt: receipt, changes: changes, record: record)
        guard lenient else { return Evaluated(evaluation: evaluation, benefits: [], budget: []) }
        return Evaluated(
            evaluation: evaluation,
            benefits: QuoteListing.benefits(
                accounts: original, applied: applied, refused: refused, basket: basket, catalog: catalog, now: now),
            budget: QuoteListing.budget(accounts: original, total: total, settings: settings.budget))
    }
}
