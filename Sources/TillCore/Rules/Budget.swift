/// The budget payment of a purchase, checked.
///
/// Guarantees: at most one, from points or credit, within the configured minimum and maximum and the total, and
/// never more than the wallet holds (points that are still pending cannot pay).
struct Budget: Hashable, Sendable {
    var paymentIndex: Int
    var memberIndex: Int
    var wallet: WalletKind
    /// Money value in minor units.
    var amount: MinorUnits
    /// Points or credit taken from the wallet.
    var units: Int64

    static func check(
        _ payments: [Payment], total: MinorUnits, accounts: [MemberAccount], settings: BudgetRule
    ) throws(TillError) -> Budget? {
        guard !payments.isEmpty else { return nil }
        let sum = payments.reduce(Int64(0)) { $0 + $1.amount }
        guard sum == total else {
            throw .invalidRequest(field: "payments", reason: "payments add up to \(sum), the total is \(total)")
        }
        var found: Budget?
        for (i, p) in payments.enumerated() {
            let wallet: WalletKind
            switch p.means {
            case .points: wallet = .points
            case .credit: wallet = .credit
            case .cash, .card, .other: continue
            }
            let field = "payments[\(i)]"
            guard found == nil else {
                throw .invalidRequest(field: field, reason: "one payment from points or credit per purchase")
            }
            let m: Int
            if let key = p.memberKey {
                guard let index = accounts.firstIndex(where: { $0.memberKey == key }) else {
                    throw .invalidRequest(
                        field: "\(field).memberKey", reason: "not a member identified on this purchase")
                }
                m = index
            } else {
                guard !accounts.isEmpty else {
                    throw .invalidRequest(field: "\(field).memberKey", reason: "no member identified on this purchase")
                }
                m = 0
            }
            let enabled = wallet == .points ? settings.pointsEnabled : settings.creditEnabled
            guard enabled, accounts[m].status == .active else {
                throw .paymentOutOfRange(field: "\(field).amount", minimum: 0, maximum: 0)
            }
            let maximum = min(settings.maxAmount, total)
            guard p.amount >= settings.minAmount, p.amount <= maximum else {
                throw .paymentOutOfRange(field: "\(field).amount", minimum: settings.minAmount, maximum: maximum)
            }
            guard let units = wallet == .points ? settings.pointsFor(amount: p.amount) : p.amount else {
                throw .invalidRequest(
                    field: "\(field).amount", reason: "costs more than \(ValueLimits.maxPoints) points")
            }
            let available = wallet == .points ? accounts[m].points : accounts[m].credit
            guard units <= available else {
                throw .insufficientBalance(
                    field: "\(field).amount", wallet: wallet, requested: units, available: available)
            }
            found = Budget(paymentIndex: i, memberIndex: m, wallet: wallet, amount: p.amount, units: units)
        }
        return found
    }
}

/// What `quote` lists beside the receipt.
enum QuoteListing {
    /// Every active gift of every identified member as they stood before the purchase: the redemptions the request
    /// asked for as applied (or refused, with the cause), the others as they would apply to what is left of the
    /// basket. Punch cards are not listed: they are never redeemed at the POS (a full card issues its reward gift).
    static func benefits(
        accounts: [MemberAccount], applied: [AppliedRedemption], refused: [String: NonRedeemableCause], basket: Basket,
        catalog: BenefitCatalog, now: Timestamp
    ) -> [RedeemableBenefit] {
        var out: [RedeemableBenefit] = []
        for account in accounts {
            for benefit in account.benefits where benefit.kind == .gift || refused[benefit.id] != nil {
                let name = catalog.name(templateId: benefit.templateId, kind: benefit.kind)
                if let a = applied.first(where: { $0.benefitId == benefit.id }) {
                    out.append(
                        RedeemableBenefit(
                            benefitId: benefit.id, name: name, memberKey: account.memberKey, redeemable: true,
                            cause: nil, amount: a.amount))
                    continue
                }
                if let cause = refused[benefit.id] {
                    out.append(
                        RedeemableBenefit(
                            benefitId: benefit.id, name: name, memberKey: account.memberKey, redeemable: false,
                            cause: cause, amount: 0))
                    continue
                }
                guard benefit.status == .active else { continue }
                var cause = Redemption.cause(benefit, owner: account, now: now)
                var amount: MinorUnits = 0
                if cause == nil {
                    switch Redemption.discount(catalog.gift(benefit.templateId), basket: basket) {
                    case .success(let shares): amount = shares.total
                    case .failure(let box): cause = box.cause
                    }
                }
                out.append(
                    RedeemableBenefit(
                        benefitId: benefit.id, name: name, memberKey: account.memberKey, redeemable: cause == nil,
                        cause: cause,
                        amount: amount))
            }
        }
        for (id, cause) in refused.sorted(by: { $0.key < $1.key }) where !out.contains(where: { $0.benefitId == id }) {
            out.append(
                RedeemableBenefit(benefitId: id, name: id, memberKey: "", redeemable: false, cause: cause, amount: 0))
        }
        return out
    }

    /// For each member and enabled wallet, the money range payable on this basket (0...0 when not allowed).
    /// Balances are those before the purchase (`accounts` as given to the engine).
    static func budget(accounts: [MemberAccount], total: MinorUnits, settings: BudgetRule) -> [BudgetLimit] {
        var out: [BudgetLimit] = []
        for account in accounts {
            for wallet in WalletKind.allCases {
                let enabled = wallet == .points ? settings.pointsEnabled : settings.creditEnabled
                guard enabled else { continue }
                let balance = wallet == .points ? account.points : account.credit
                // Beyond the money range the exact figure does not matter: the total caps it.
                let affordable =
                    wallet == .points
                    ? Arithmetic.mulDiv(
                        max(0, balance), max(0, settings.ratioMoney), max(1, settings.ratioPoints),
                        atMost: ValueLimits.maxMoney)?.quotient ?? ValueLimits.maxMoney : balance
                let maximum = min(settings.maxAmount, total, affordable)
                let allowed = account.status == .active && maximum >= settings.minAmount && maximum > 0
                out.append(
                    BudgetLimit(
                        memberKey: account.memberKey, wallet: wallet, minAmount: allowed ? settings.minAmount : 0,
                        maxAmount: allowed ? maximum : 0, ratioPoints: wallet == .points ? settings.ratioPoints : nil,
                        ratioMoney: wallet == .points ? settings.ratioMoney : nil))
            }
        }
        return out
    }
}
