/// Whether and how a member's gift applies to a basket.
///
/// Guarantees: a discount never exceeds what is left to pay on the lines it touches, and a gift that would give
/// nothing is not redeemable (`conditions_not_met`).
enum Redemption {
    /// The cause that stops `benefit` from being redeemed now, or nil when it is redeemable in principle.
    static func cause(_ benefit: HeldBenefit, owner: MemberAccount, now: Timestamp) -> NonRedeemableCause? {
        switch benefit.status {
        case .used: return .used
        case .expired: return .expired
        case .deleted: return .notOwned
        case .active: break
        }
        if let until = benefit.validUntil, now > until { return .expired }
        if let from = benefit.validFrom, now < from { return .notYetValid }
        if benefit.kind == .punchCard { return .punchIncomplete }
        if owner.status != .active { return .conditionsNotMet }
        return nil
    }

    /// The per-line discounts a gift gives on the basket as it stands, or the cause it gives none.
    static func discount(
        _ template: GiftRule?, basket: Basket
    ) -> Result<[MinorUnits], NonRedeemableCauseBox> {
        guard let template else { return .failure(NonRedeemableCauseBox(.conditionsNotMet)) }
        guard basket.afterPOS >= template.minSpend else { return .failure(NonRedeemableCauseBox(.conditionsNotMet)) }
        if let code = template.requiredItemCode, !basket.has(code: code) {
            return .failure(NonRedeemableCauseBox(.conditionsNotMet))
        }
        var shares = [MinorUnits](repeating: 0, count: basket.lines.count)
        func selectedNets() -> [MinorUnits] {
            if template.codes.isEmpty && template.departments.isEmpty { return basket.lines.map(\.net) }
            var nets = [MinorUnits](repeating: 0, count: basket.lines.count)
            for i in basket.lines(codes: template.codes, departments: template.departments) { nets[i] = basket.lines[i].net }
            return nets
        }
        switch template.reward {
        case .amountOff(let amount):
            let nets = selectedNets()
            let left = nets.reduce(0, +)
            if left > 0 { shares = Arithmetic.allocate(min(max(0, amount), left), weights: nets) }
        case .percentOff(let percent, let cap):
            let nets = selectedNets()
            let left = nets.reduce(0, +)
            var amount = Arithmetic.floorMulDiv(left, min(max(0, percent), 100), 100)
            if let cap { amount = min(amount, max(0, cap)) }
            if left > 0 { shares = Arithmetic.allocate(amount, weights: nets) }
        case .freeItem(let codes, let departments):
            var best: Int?
            for i in basket.lines(codes: codes, departments: departments) where basket.lines[i].net > 0 {
                if let b = best, basket.lines[b].item.unitPrice <= basket.lines[i].item.unitPrice { continue }
                best = i
            }
            if let b = best {
                let line = basket.lines[b]
                let unit = Arithmetic.lineGross(quantity: min(line.item.quantity, .one), unitPrice: line.item.unitPrice)
                shares[b] = min(unit, line.net)
            }
        case .itemDiscount(let code, let percent):
            for i in basket.lines(code: code) where basket.lines[i].net > 0 {
                shares[i] = Arithmetic.floorMulDiv(basket.lines[i].net, min(max(0, percent), 100), 100)
            }
        }
        guard shares.reduce(0, +) > 0 else { return .failure(NonRedeemableCauseBox(.conditionsNotMet)) }
        return .success(shares)
    }
}

/// `NonRedeemableCause` as an `Error`, for `Result`.
struct NonRedeemableCauseBox: Error, Hashable {
    var cause: NonRedeemableCause
    init(_ cause: NonRedeemableCause) { self.cause = cause }
}
