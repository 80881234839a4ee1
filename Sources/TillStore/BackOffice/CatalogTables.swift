import TillCore
import TillProtocol

/// `catalog.get` and `catalog.set`: the wire catalog over the program tables the loyalty engine reads
/// (`gift_templates`, `punch_card_templates`, the `loyalty` settings row; see `ProgramRows`, `CatalogCoding`).
///
/// Guarantees: `set` replaces the catalog whole in one write: templates are upserted by id so benefits already held
/// keep their template, templates left out are disabled (no longer offered: their benefits cannot be extended or
/// sent), and settings the wire does not carry (currency, phone country, per-department rates…) are kept. Engine-only
/// template attributes (punch mode, renewal, auto-enrolment) are kept for templates that already exist. A refused
/// catalog writes nothing. The base earn rule is the one without department and tag (id `base`).
struct CatalogTables {
    let actor: Actor

    static func load(_ c: Connection) throws -> Catalog {
        let program: Program
        do {
            program = try Program.load(c)
        } catch TillError.notAllowed {
            return Catalog(giftTemplates: [], punchTemplates: [], earnRules: [],
                           budget: BudgetSettings(pointsEnabled: false, creditEnabled: false, ratioPoints: 1, ratioMoney: 1, minAmount: 0, maxAmount: 0),
                           pendingDays: 0)
        }
        return wire(program.catalog, program.settings)
    }

    static func wire(_ catalog: BenefitCatalog, _ s: LoyaltySettings) -> Catalog {
        let gifts = catalog.gifts.map { g -> GiftTemplate in
            var t = GiftTemplate(templateId: g.id, name: g.name, itemCodes: g.codes.sorted(), departments: g.departments.sorted(),
                                 minSubtotal: g.minSpend, validDays: g.validDays ?? 3660)
            switch g.reward {
            case .amountOff(let amount): t.amountOff = amount
            case .percentOff(let percent, let cap): t.percentOff = percent; t.maxDiscount = cap
            case .freeItem(let codes, let departments):
                t.freeItem = true; t.itemCodes = codes.sorted(); t.departments = departments.sorted()
            // Percent off every line of one code: the same as percent off the lines that code selects.
            case .itemDiscount(let code, let percent): t.percentOff = percent; t.itemCodes = [code]
            }
            return t
        }
        let cards = catalog.punchCards.map {
            PunchTemplate(templateId: $0.id, name: $0.name, punchesRequired: $0.punchesRequired, itemCodes: $0.codes.sorted(),
                          departments: $0.departments.sorted(), rewardTemplateId: $0.rewardGiftTemplateId)
        }
        var rules = [EarnRule(ruleId: "base", points: s.earn.pointsPer, perAmount: s.earn.perMinor)]
        for (i, r) in s.earn.rates.enumerated() {
            rules.append(EarnRule(ruleId: "rate-\(i + 1)", points: r.pointsPer, perAmount: r.perMinor, department: r.department, tag: r.tag))
        }
        let b = s.budget
        return Catalog(giftTemplates: gifts, punchTemplates: cards, earnRules: rules,
                       budget: BudgetSettings(pointsEnabled: b.pointsEnabled, creditEnabled: b.creditEnabled, ratioPoints: b.ratioPoints,
                                              ratioMoney: b.ratioMoney, minAmount: b.minAmount, maxAmount: b.maxAmount),
                       pendingDays: s.pendingDays)
    }

    func replace(_ c: Connection, with catalog: Catalog) throws -> Catalog {
        let current = try? Program.load(c)
        var settings = current?.settings ?? LoyaltySettings(currency: "EUR")
        let giftIds = Set(catalog.giftTemplates.map(\.templateId)), cardIds = Set(catalog.punchTemplates.map(\.templateId))
        guard giftIds.count == catalog.giftTemplates.count else { throw TillError.invalidRequest(field: "giftTemplates", reason: "duplicate templateId") }
        guard cardIds.count == catalog.punchTemplates.count else { throw TillError.invalidRequest(field: "punchTemplates", reason: "duplicate templateId") }
        var gifts: [GiftRule] = []
        for (i, t) in catalog.giftTemplates.enumerated() {
            let reward: GiftReward
            switch (t.amountOff, t.percentOff, t.freeItem) {
            case (let amount?, nil, false): reward = .amountOff(amount)
            case (nil, let percent?, false): reward = .percentOff(percent: percent, cap: t.maxDiscount)
            case (nil, nil, true):
                guard !t.itemCodes.isEmpty || !t.departments.isEmpty else {
                    throw TillError.invalidRequest(field: "giftTemplates[\(i)].freeItem", reason: "needs itemCodes or departments")
                }
                reward = .freeItem(codes: Set(t.itemCodes), departments: Set(t.departments))
            default:
                throw TillError.invalidRequest(field: "giftTemplates[\(i)]", reason: "exactly one of amountOff, percentOff and freeItem")
            }
            guard t.maxDiscount == nil || t.percentOff != nil else {
                throw TillError.invalidRequest(field: "giftTemplates[\(i)].maxDiscount", reason: "only with percentOff")
            }
            gifts.append(GiftRule(id: t.templateId, name: t.name, reward: reward, minSpend: t.minSubtotal, validDays: t.validDays,
                                  codes: Set(t.itemCodes), departments: Set(t.departments)))
        }
        var cards: [PunchCardRule] = []
        for (i, t) in catalog.punchTemplates.enumerated() {
            guard giftIds.contains(t.rewardTemplateId) else {
                throw TillError.invalidRequest(field: "punchTemplates[\(i)].rewardTemplateId", reason: "not a gift template of this catalog")
            }
            let old = current?.catalog.punchCard(t.templateId)
            cards.append(PunchCardRule(id: t.templateId, name: t.name, codes: Set(t.itemCodes), departments: Set(t.departments),
                                       mode: old?.mode ?? .perUnit, punchesRequired: t.punchesRequired, rewardGiftTemplateId: t.rewardTemplateId,
                                       renew: old?.renew ?? true, autoEnroll: old?.autoEnroll ?? true, validDays: old?.validDays))
        }
        let bases = catalog.earnRules.filter { $0.department == nil && $0.tag == nil }
        guard bases.count <= 1 else { throw TillError.invalidRequest(field: "earnRules", reason: "at most one rule without department and tag") }
        settings.earn.pointsPer = bases.first?.points ?? 0
        settings.earn.perMinor = bases.first?.perAmount ?? 100
        settings.earn.rates = catalog.earnRules.filter { $0.department != nil || $0.tag != nil }
            .map { EarnRate(tag: $0.tag, department: $0.department, pointsPer: $0.points, perMinor: $0.perAmount) }
        let b = catalog.budget
        guard b.minAmount <= b.maxAmount else { throw TillError.invalidRequest(field: "budget.minAmount", reason: "must not exceed maxAmount") }
        settings.budget = BudgetRule(pointsEnabled: b.pointsEnabled, creditEnabled: b.creditEnabled, ratioPoints: b.ratioPoints,
                                     ratioMoney: b.ratioMoney, minAmount: b.minAmount, maxAmount: b.maxAmount)
        settings.pendingDays = catalog.pendingDays
        let engine = BenefitCatalog(gifts: gifts, punchCards: cards)
        try ProgramRows.save(engine, settings: settings, now: actor.ms, in: WriteContext(connection: c))
        try c.execute("UPDATE gift_templates SET enabled = 0 WHERE enabled = 1 AND code NOT IN (SELECT value FROM json_each(?))",
                      [.text(Self.jsonArray(giftIds))])
        try c.execute("UPDATE punch_card_templates SET enabled = 0 WHERE enabled = 1 AND code NOT IN (SELECT value FROM json_each(?))",
                      [.text(Self.jsonArray(cardIds))])
        try MemberActivity.record(c, memberId: nil, group: .benefits, kind: "catalog_replaced", actor: actor, ActivityDetails(
            summary: "Catalog: \(gifts.count) gifts, \(cards.count) punch cards, \(catalog.earnRules.count) earn rules"))
        return Self.wire(engine, settings)
    }

    private static func jsonArray(_ ids: Set<String>) -> String {
        var w = JSONWriter()
        w.beginArray()
        for id in ids.sorted() { w.string(id) }
        w.endArray()
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
