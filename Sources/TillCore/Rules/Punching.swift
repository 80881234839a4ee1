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
    static func punch(
        _ basket: Basket, member: inout MemberAccount, catalog: BenefitCatalog, op: OperationRef, now: Timestamp,
        nextId: inout Int
    ) -> Outcome {
        var out = Outcome()
        for template in catalog.punchCards where template.punchesRequired > 0 {
            let qualifying = basket.lines.filter {
                $0.net > 0 && template.qualifies(code: $0.item.code, department: $0.item.department)
            }
            guard !qualifying.isEmpty else { continue }
            var lines: [PurchaseRecord.PunchLine]
            switch template.mode {
            case .perUnit:
                lines = qualifying.compactMap {
                    let units = $0.item.quantity.wholeUnits
                    return units > 0
                        ? PurchaseRecord.PunchLine(templateId: template.id, lineId: $0.item.lineId, punches: units)
                        : nil
                }
            case .perPurchase:
                lines = [
                    PurchaseRecord.PunchLine(
                        templateId: template.id, lineId: nil, lineIds: qualifying.map(\.item.lineId), punches: 1)
                ]
            }
            let remaining = lines.reduce(0) { $0 + $1.punches }
            guard remaining > 0 else { continue }
            var index: Int? = member.benefits.firstIndex {
                $0.kind == .punchCard && $0.templateId == template.id && $0.status == .active
                    && ($0.validUntil.map { now <= $0 } ?? true) && ($0.validFrom.map { now >= $0 } ?? true)
            }
            var issuedHere = false
            if index == nil {
                guard template.autoEnroll else { continue }
                index = issueCard(template, member: &member, op: op, now: now, nextId: &nextId, out: &out)
                issuedHere = true
            }
            out.punchLines += lines
            fill(template, card: index, punches: remaining, issuedHere: issuedHere, member: &member, catalog: catalog, op: op, now: now,
                 nextId: &nextId, out: &out)
        }
        return out
    }

    /// Adds `punches` to the card at `card` (of `template`) in `member.benefits`: the one rule for a card that fills, at
    /// the POS and from the back office. A full card becomes `used`, issues its reward gift and (with `renew`) a fresh
    /// card that takes the surplus; without `renew` the surplus is dropped.
    static func fill(
        _ template: PunchCardRule, card: Int?, punches: Int64, issuedHere: Bool, member: inout MemberAccount,
        catalog: BenefitCatalog, op: OperationRef, now: Timestamp, nextId: inout Int, out: inout Outcome
    ) {
        var index = card, remaining = punches, issuedHere = issuedHere
        while var i = index {
            let required = template.punchesRequired
            let take = max(0, min(remaining, required - member.benefits[i].punches))
            member.benefits[i].punches += take
            remaining -= take
            let full = member.benefits[i].punches >= required
            var reward: String?
            if full {
                member.benefits[i].status = .used
                member.benefits[i].usedIn = op.reference
                if let gift = catalog.gift(template.rewardGiftTemplateId) {
                    let id = op.benefitId(nextId)
                    nextId += 1
                    let held = HeldBenefit(
                        id: id, templateId: gift.id, kind: .gift, validFrom: now,
                        validUntil: gift.validDays.map { now.adding(days: $0) }, issuedBy: op.reference)
                    member.benefits.append(held)
                    out.newBenefits.append(NewBenefit(memberId: member.id, benefit: held))
                    out.issued.append(
                        IssuedBenefit(benefitId: id, name: gift.name, kind: .gift, validUntil: held.validUntil))
                    reward = id
                }
            }
            let card = member.benefits[i]
            out.cards.append(
                PurchaseRecord.Card(
                    memberId: member.id, templateId: template.id, benefitId: card.id, punchesAdded: take,
                    completed: full,
                    rewardBenefitId: reward, issuedHere: issuedHere))
            out.results.append(
                PunchResult(
                    benefitId: card.id, name: template.name, punches: take, punchesAfter: card.punches,
                    punchesRequired: required, completed: full))
            if issuedHere {
                if let n = out.newBenefits.firstIndex(where: { $0.benefit.id == card.id }) {
                    out.newBenefits[n].benefit = card
                }
            } else {
                out.updates.append(
                    BenefitUpdate(
                        memberId: member.id, benefitId: card.id, status: card.status, punches: card.punches,
                        usedIn: card.usedIn))
            }
            index = nil
            if full && template.renew {
                i = issueCard(template, member: &member, op: op, now: now, nextId: &nextId, out: &out)
                issuedHere = true
                if remaining > 0 {
                    index = i
                } else {
                    out.cards.append(
                        PurchaseRecord.Card(
                            memberId: member.id, templateId: template.id, benefitId: member.benefits[i].id,
                            punchesAdded: 0,
                            completed: false, rewardBenefitId: nil, issuedHere: true))
                }
            }
        }
    }

    private static func issueCard(
        _ template: PunchCardRule, member: inout MemberAccount, op: OperationRef, now: Timestamp, nextId: inout Int,
        out: inout Outcome
    ) -> Int {
        let id = op.benefitId(nextId)
        nextId += 1
        let card = HeldBenefit(
            id: id, templateId: template.id, kind: .punchCard, validFrom: now,
            validUntil: template.validDays.map { now.adding(days: $0) }, issuedBy: op.reference)
        member.benefits.append(card)
        out.newBenefits.append(NewBenefit(memberId: member.id, benefit: card))
        out.issued.append(
            IssuedBenefit(benefitId: id, name: template.name, kind: .punchCard, validUntil: card.validUntil))
        return member.benefits.count - 1
    }

    /// How many punches of `added` (cards in punch order) are taken back from each card when `removed` punches
    /// in all are taken back, latest card first.
    static func spread(_ removed: Int64, over added: [Int64]) -> [Int64] {
        var left = removed
        var out = [Int64](repeating: 0, count: added.count)
        for i in added.indices.reversed() where left > 0 {
            let x = min(left, added[i])
            out[i] = x
            left -= x
        }
        return out
    }
}
