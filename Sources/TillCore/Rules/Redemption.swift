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

    /// The discounts a gift gives on the basket as it stands, per line it touches, or the cause it gives none.
    static func discount(
        _ template: GiftRule?, basket: Basket
    ) -> Result<LineShares, NonRedeemableCauseBox> {
        guard let template else { return .failure(NonRedeemableCauseBox(.conditionsNotMet)) }
        guard basket.afterPOS >= template.minSpend else { return .failure(NonRedeemableCauseBox(.conditionsNotMet)) }
        if let code = template.requiredItemCode, !basket.has(code: code) {
            return .failure(NonRedeemableCauseBox(.conditionsNotMet))
        }
        var shares = LineShares()
        /// The lines the template selects (every line when it names none), in line order, with what is left on them.
        func selected() -> LineShares {
            var out = LineShares()
            if template.codes.isEmpty && template.departments.isEmpty {
                for i in basket.lines.indices { out.append(i, basket.lines[i].net) }
            } else {
                for i in basket.lines(codes: template.codes, departments: template.departments) {
                    out.append(i, basket.lines[i].net)
                }
            }
            return out
        }
        switch template.reward {
        case .amountOff(let amount):
            // Lines with nothing left take no share of a largest-remainder split: splitting over the selected
            // lines only gives every line the share a split over all of them would.
            let nets = selected()
            let left = nets.total
            if left > 0 {
                shares = LineShares(lines: nets.lines, amounts: Arithmetic.allocate(min(max(0, amount), left), weights: nets.amounts))
            }
        case .percentOff(let percent, let cap):
            let nets = selected()
            let left = nets.total
            var amount = Arithmetic.floorMulDiv(left, min(max(0, percent), 100), 100)
            if let cap { amount = min(amount, max(0, cap)) }
            if left > 0 { shares = LineShares(lines: nets.lines, amounts: Arithmetic.allocate(amount, weights: nets.amounts)) }
        case .freeItem(let codes, let departments):
            var best: Int?
            for i in basket.lines(codes: codes, departments: departments) where basket.lines[i].net > 0 {
                if let b = best, basket.lines[b].item.unitPrice <= basket.lines[i].item.unitPrice { continue }
                best = i
            }
            if let b = best {
                let line = basket.lines[b]
                let unit = Arithmetic.lineGross(quantity: min(line.item.quantity, .one), unitPrice: line.item.unitPrice)
                shares.append(b, min(unit, line.net))
            }
        case .itemDiscount(let code, let percent):
            for i in basket.lines(code: code) where basket.lines[i].net > 0 {
                shares.append(i, Arithmetic.floorMulDiv(basket.lines[i].net, min(max(0, percent), 100), 100))
            }
        }
        guard shares.total > 0 else { return .failure(NonRedeemableCauseBox(.conditionsNotMet)) }
        return .success(shares)
    }
}

/// A discount's amounts on the lines it touches: `amounts[k]` on basket line `lines[k]`, lines ascending. Sparse,
/// so that a gift on one line of a long basket costs one entry, not one per line.
struct LineShares: Hashable, Sendable {
    var lines: [Int] = []
    var amounts: [MinorUnits] = []

    mutating func append(_ line: Int, _ amount: MinorUnits) {
        precondition(lines.last.map { $0 < line } ?? true, "lines ascending")
        lines.append(line)
        amounts.append(amount)
    }

    var total: MinorUnits { amounts.reduce(0, +) }
}

/// `NonRedeemableCause` as an `Error`, for `Result`.
struct NonRedeemableCauseBox: Error, Hashable {
    var cause: NonRedeemableCause
    init(_ cause: NonRedeemableCause) { self.cause = cause }
}
