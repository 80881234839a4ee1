/// Punches an operator gives a member's card from the back office ("punch the card N times").
extension LoyaltyRules {
    /// What punching card `benefitId` of `member` `count` times does, by the rule a purchase uses (`Punching.fill`):
    /// a card that fills becomes `used`, issues its reward gift and, with `renew`, a fresh card that takes the
    /// surplus. New benefits get ids from `op` (the caller may give them its own before storing them).
    ///
    /// Refused (`notAllowed`, field `benefitId` or `count`): a card whose template is no longer in the catalog, a card
    /// not active, more punches than a card that is not renewed has left (they would be dropped), and punches that would
    /// complete more than `ValueLimits.maxRewardsPerPurchase` cards at once (the purchase's bound).
    public static func punch(
        benefitId: String, count: Int64, member: MemberAccount, catalog: BenefitCatalog, op: OperationRef, now: Timestamp
    ) throws(TillError) -> LoyaltyChanges {
        precondition(count > 0, "punch count must be positive")
        guard let index = member.benefits.firstIndex(where: { $0.id == benefitId && $0.kind == .punchCard }) else {
            throw .notAllowed(field: "benefitId", reason: "only punch cards can be punched")
        }
        let card = member.benefits[index]
        guard card.status == .active else { throw .notAllowed(field: "benefitId", reason: "the punch card is \(card.status.rawValue)") }
        guard let template = catalog.punchCards.first(where: { $0.id == card.templateId }), template.punchesRequired > 0 else {
            throw .notAllowed(field: "benefitId", reason: "the punch card's template is no longer in the catalog")
        }
        let left = max(0, template.punchesRequired - card.punches)
        if !template.renew, count > left {
            throw .notAllowed(field: "count", reason: "the card has \(left) punches left")
        }
        var account = member
        var out = Punching.Outcome()
        var nextId = 1
        var rewardsLeft = ValueLimits.maxRewardsPerPurchase
        let filled = Punching.fill(
            template, card: index, issued: nil, punches: count, rewardsLeft: &rewardsLeft, member: &account, catalog: catalog,
            op: op, now: now, nextId: &nextId, out: &out)
        if filled.capped {
            throw .notAllowed(field: "count", reason: "at most \(ValueLimits.maxRewardsPerPurchase) cards complete at once")
        }
        return LoyaltyChanges(benefitsIssued: out.newBenefits, benefitUpdates: out.updates)
    }
}
