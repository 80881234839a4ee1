/// Punching the primary member's punch cards on a purchase, and taking punches back on a reversal.
///
/// Guarantees: a card never holds more than `punchesRequired`; a card that fills becomes `used`, issues its reward
/// gift and (with `renew`) a fresh card that takes the surplus; without `renew` the surplus is dropped.
enum Punching {
    struct Outcome {
        var results: [PunchResult] = []
        var issued: [IssuedBenefit] = []
        var newBenefits: [NewBenefit] = []
        var updates: [BenefitUpdate] = []
        var punchLines: [PurchaseRecord.PunchLine] = []
        var cards: [PurchaseRecord.Card] = []
    }

    /// Punches every template the basket qualifies for onto `member`'s cards (mutated), issuing benefit ids from
    /// `nextId` on.
    ///
    /// Cost: linear in the lines, plus one step per card filled; never one step per unit bought. At most
    /// `ValueLimits.maxRewardsPerPurchase` cards fill per purchase (over all templates): punches past the one that
    /// completes the last of them are not counted, and the record's punch lines are scaled to what was counted (by
    /// largest remainder). The receipt gets one `PunchResult` per template.
    static func punch(
        _ basket: Basket, member: inout MemberAccount, catalog: BenefitCatalog, op: OperationRef, now: Timestamp,
        nextId: inout Int
    ) -> Outcome {
        var out = Outcome()
        var rewardsLeft = ValueLimits.maxRewardsPerPurchase
        for template in catalog.punchCards where template.punchesRequired > 0 {
            // The qualifying lines (the template's, still to pay) read in place: a copied line retains its strings.
            let basketLines = basket.lines.span
            var lines: [PurchaseRecord.PunchLine] = []
            var lineIds: [String] = []  // per purchase: the qualifying lines
            for i in basket.lines(codes: template.codes, departments: template.departments) where basketLines[i].net > 0 {
                switch template.mode {
                case .perUnit:
                    let units = basketLines[i].item.quantity.wholeUnits
                    if units > 0 {
                        lines.append(PurchaseRecord.PunchLine(templateId: template.id, lineId: basketLines[i].item.lineId, punches: units))
                    }
                case .perPurchase: lineIds.append(basketLines[i].item.lineId)
                }
            }
            if !lineIds.isEmpty {
                lines = [PurchaseRecord.PunchLine(templateId: template.id, lineId: nil, lineIds: lineIds, punches: 1)]
            }
            // At most 1000 lines of at most 10^6 whole units: the sum fits easily.
            var remaining = lines.reduce(0) { $0 + $1.punches }
            guard remaining > 0 else { continue }
            var index: Int?
            do {  // the member's benefits read in place: a copied benefit retains its strings
                let held = member.benefits.span
                for b in held.indices where held[b].kind == .punchCard && held[b].templateId == template.id
                    && held[b].status == .active && (held[b].validUntil.map { now <= $0 } ?? true)
                    && (held[b].validFrom.map { now >= $0 } ?? true) {
                    index = b
                    break
                }
            }
            // The `newBenefits` entry of the card being punched when this purchase issued it (kept up to date).
            var issued: Int?
            if index == nil {
                guard template.autoEnroll else { continue }
                (index, issued) = issueCard(template, member: &member, op: op, now: now, nextId: &nextId, out: &out)
            }
            let required = template.punchesRequired
            let total = remaining
            let filled = fill(template, card: index!, issued: issued, punches: remaining, rewardsLeft: &rewardsLeft,
                              member: &member, catalog: catalog, op: op, now: now, nextId: &nextId, out: &out)
            remaining = filled.remaining
            let (completions, capped, last) = (filled.completions, filled.capped, filled.last)
            let counted = total - remaining
            if capped && counted < total {
                // Scale the punch lines to what was counted, so a return takes back only counted punches.
                let shares = Arithmetic.allocate(counted, weights: lines.map(\.punches))
                for k in lines.indices { lines[k].punches = shares[k] }
                lines.removeAll { $0.punches == 0 }
            }
            out.punchLines += lines
            let card = member.benefits[last]
            if card.issuedBy == op.reference && card.status == .active {
                out.issued.append(
                    IssuedBenefit(benefitId: card.id, name: template.name, kind: .punchCard, validUntil: card.validUntil))
            }
            out.results.append(
                PunchResult(
                    benefitId: card.id, name: template.name, punches: counted, punchesAfter: card.punches,
                    punchesRequired: required, completed: completions > 0, rewardsCompleted: completions))
        }
        return out
    }

    /// What `fill` did: punches it could not count, cards completed, whether the reward cap stopped it, and the card
    /// the member holds for the template afterwards (index in `member.benefits`).
    struct Filled {
        var remaining: Int64
        var completions: Int64
        var capped: Bool
        var last: Int
    }

    /// Adds `punches` to the card at `card` (of `template`) in `member.benefits`: the one rule for a card that fills,
    /// at the POS and from the back office. A full card becomes `used`, issues its reward gift and (with `renew`) a
    /// fresh card that takes the surplus; without `renew` the surplus is dropped. At most `rewardsLeft` cards complete
    /// (it is decremented); one step per card filled, never one per punch. `issued`: the `newBenefits` entry of the
    /// card when this operation issued it.
    static func fill(
        _ template: PunchCardRule, card: Int, issued: Int?, punches: Int64, rewardsLeft: inout Int64,
        member: inout MemberAccount, catalog: BenefitCatalog, op: OperationRef, now: Timestamp, nextId: inout Int,
        out: inout Outcome
    ) -> Filled {
        let required = template.punchesRequired
        var index: Int? = card
        var issued = issued
        var remaining = punches
        var completions: Int64 = 0
        var capped = false
        var last = card
        while let i = index {
            // A card may fill only while the purchase has rewards left to give.
            let room = required - member.benefits[i].punches - (rewardsLeft > 0 ? 0 : 1)
            let take = max(0, min(remaining, room))
            member.benefits[i].punches += take
            remaining -= take
            let full = rewardsLeft > 0 && member.benefits[i].punches >= required
            var reward: String?
            if full {
                completions += 1
                rewardsLeft -= 1
                member.benefits[i].status = .used
                member.benefits[i].usedIn = op.reference
                if let gift = catalog.gift(template.rewardGiftTemplateId) {
                    let held = issue(.gift, templateId: gift.id, validDays: gift.validDays, member: &member, op: op,
                                     now: now, nextId: &nextId, out: &out)
                    out.issued.append(
                        IssuedBenefit(benefitId: held.id, name: gift.name, kind: .gift, validUntil: held.validUntil))
                    reward = held.id
                }
            }
            let card = member.benefits[i]
            out.cards.append(
                PurchaseRecord.Card(
                    memberId: member.id, templateId: template.id, benefitId: card.id, punchesAdded: take,
                    completed: full, rewardBenefitId: reward, issuedHere: issued != nil))
            if let n = issued {
                out.newBenefits[n].benefit = card
            } else {
                out.updates.append(
                    BenefitUpdate(
                        memberId: member.id, benefitId: card.id, status: card.status, punches: card.punches,
                        usedIn: card.usedIn))
            }
            last = i
            index = nil
            // Punches left over because no reward may complete any more (not because the card does not renew).
            if remaining > 0 && rewardsLeft <= 0 && (template.renew || !full) { capped = true }
            if full && template.renew {
                let (fresh, n) = issueCard(template, member: &member, op: op, now: now, nextId: &nextId, out: &out)
                issued = n
                last = fresh
                if remaining > 0 && rewardsLeft > 0 {
                    index = fresh
                } else {
                    out.cards.append(
                        PurchaseRecord.Card(
                            memberId: member.id, templateId: template.id, benefitId: member.benefits[fresh].id,
                            punchesAdded: 0, completed: false, rewardBenefitId: nil, issuedHere: true))
                }
            }
        }
        return Filled(remaining: remaining, completions: completions, capped: capped, last: last)
    }

    /// Issues a fresh card: its index in `member.benefits` and in `out.newBenefits`. (Listed in the receipt's
    /// `benefitsIssued` by the caller, and only when the member still holds it active after the purchase.)
    private static func issueCard(
        _ template: PunchCardRule, member: inout MemberAccount, op: OperationRef, now: Timestamp, nextId: inout Int,
        out: inout Outcome
    ) -> (Int, Int) {
        _ = issue(.punchCard, templateId: template.id, validDays: template.validDays, member: &member, op: op, now: now,
                  nextId: &nextId, out: &out)
        return (member.benefits.count - 1, out.newBenefits.count - 1)
    }

    /// A new benefit held by `member` from `now` (valid `validDays`, or open-ended), issued by this purchase: the next
    /// id of the operation, added to the member's benefits and to the new rows of the outcome.
    private static func issue(
        _ kind: BenefitKind, templateId: String, validDays: Int64?, member: inout MemberAccount, op: OperationRef,
        now: Timestamp, nextId: inout Int, out: inout Outcome
    ) -> HeldBenefit {
        let held = HeldBenefit(
            id: op.benefitId(nextId), templateId: templateId, kind: kind, validFrom: now,
            validUntil: validDays.map { now.adding(days: $0) }, issuedBy: op.reference)
        nextId += 1
        member.benefits.append(held)
        out.newBenefits.append(NewBenefit(memberId: member.id, benefit: held))
        return held
    }

    /// How many punches of `added` (cards in punch order) are taken back from each card when `removed` punches
    /// in all are taken back, latest card first.
    static func spread(_ removed: Int64, over added: [Int64]) -> [Int64] {
        var left = removed
        var out = [Int64].filled(0, count: added.count)
        for i in added.indices.reversed() where left > 0 {
            let x = min(left, added[i])
            out[i] = x
            left -= x
        }
        return out
    }
}
