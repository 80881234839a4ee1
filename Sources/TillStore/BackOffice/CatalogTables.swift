import TillCore
import TillProtocol

/// `catalog.get` and `catalog.set`: the wire catalog over the program tables the loyalty engine reads
/// (`gift_templates`, `punch_card_templates`, the `loyalty` settings row; see `ProgramRows`, `CatalogCoding`).
///
/// Guarantees: the wire catalog carries everything the engine reads (rates with their ids, multipliers, exclusions,
/// every template attribute), so `wire(replace(wire(x))) == wire(x)`: `catalog.get` → `catalog.set` changes nothing.
/// `set` replaces the catalog whole in one write: earning is exactly what it lists, templates are upserted by id so
/// benefits already held keep their template, templates left out are withdrawn (no longer offered: their benefits
/// cannot be extended or sent; held ones keep their name). Only the shop settings the catalog does not describe
/// (currency, phone country, members per purchase, app-code lifetime) are kept. A refused catalog writes nothing.
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
                                 minSubtotal: g.minSpend, requiredItemCode: g.requiredItemCode, validDays: g.validDays)
            switch g.reward {
            case .amountOff(let amount): t.amountOff = amount
            case .percentOff(let percent, let cap): t.percentOff = percent; t.maxDiscount = cap
            case .freeItem(let codes, let departments):
                t.freeItem = true; t.itemCodes = codes.sorted(); t.departments = departments.sorted()
            case .itemDiscount(let code, let percent): t.percentOffEachLine = percent; t.itemCodes = [code]; t.departments = []
            }
            return t
        }
        let cards = catalog.punchCards.map {
            PunchTemplate(templateId: $0.id, name: $0.name, punchesRequired: $0.punchesRequired, itemCodes: $0.codes.sorted(),
                          departments: $0.departments.sorted(), rewardTemplateId: $0.rewardGiftTemplateId,
                          counting: $0.mode == .perPurchase ? .perPurchase : .perUnit, renew: $0.renew, autoEnroll: $0.autoEnroll,
                          validDays: $0.validDays)
        }
        let e = s.earn
        var rules: [EarnRule] = []
        if e.pointsPer > 0 { rules.append(EarnRule(ruleId: e.baseRuleId, points: e.pointsPer, perAmount: e.perMinor)) }
        for r in e.rates {
            rules.append(EarnRule(ruleId: r.id, points: r.pointsPer, perAmount: r.perMinor, itemCode: r.itemCode,
                                  department: r.department, tag: r.tag))
        }
        let multipliers = e.itemPercent.sorted { $0.key < $1.key }.map { EarnMultiplier(itemCode: $0.key, percent: $0.value) }
            + e.departmentPercent.sorted { $0.key < $1.key }.map { EarnMultiplier(department: $0.key, percent: $0.value) }
        let b = s.budget
        return Catalog(giftTemplates: gifts, punchTemplates: cards, earnRules: rules, earnMultipliers: multipliers,
                       earnExclusions: EarnExclusions(itemCodes: e.excludedItems.sorted(), departments: e.excludedDepartments.sorted()),
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
            gifts.append(try Self.gift(t, field: "giftTemplates[\(i)]"))
        }
        var cards: [PunchCardRule] = []
        for (i, t) in catalog.punchTemplates.enumerated() {
            guard giftIds.contains(t.rewardTemplateId) else {
                throw TillError.invalidRequest(field: "punchTemplates[\(i)].rewardTemplateId", reason: "not a gift template of this catalog")
            }
            cards.append(PunchCardRule(id: t.templateId, name: t.name, codes: Set(t.itemCodes), departments: Set(t.departments),
                                       mode: t.counting == .perPurchase ? .perPurchase : .perUnit, punchesRequired: t.punchesRequired,
                                       rewardGiftTemplateId: t.rewardTemplateId, renew: t.renew, autoEnroll: t.autoEnroll,
                                       validDays: t.validDays))
        }
        settings.earn = try Self.earning(catalog)
        let b = catalog.budget
        guard b.minAmount <= b.maxAmount else { throw TillError.invalidRequest(field: "budget.minAmount", reason: "must not exceed maxAmount") }
        settings.budget = BudgetRule(pointsEnabled: b.pointsEnabled, creditEnabled: b.creditEnabled, ratioPoints: b.ratioPoints,
                                     ratioMoney: b.ratioMoney, minAmount: b.minAmount, maxAmount: b.maxAmount)
        settings.pendingDays = catalog.pendingDays
        let engine = BenefitCatalog(gifts: gifts, punchCards: cards)
        try ProgramRows.save(engine, settings: settings, now: actor.ms, in: WriteContext(connection: c, now: actor.at))
        try c.execute("UPDATE gift_templates SET enabled = 0 WHERE enabled = 1 AND code NOT IN (SELECT value FROM json_each(?))",
                      [.text(Self.jsonArray(giftIds))])
        try c.execute("UPDATE punch_card_templates SET enabled = 0 WHERE enabled = 1 AND code NOT IN (SELECT value FROM json_each(?))",
                      [.text(Self.jsonArray(cardIds))])
        try ActivityLog(c, by: actor).append(.catalogReplaced, member: nil, ActivityDetails(
            summary: "Catalog: \(gifts.count) gifts, \(cards.count) punch cards, \(catalog.earnRules.count) earn rules"))
        return Self.wire(engine, settings)
    }

    /// The engine's gift rule for a wire template (exactly one reward).
    static func gift(_ t: GiftTemplate, field: String) throws(TillError) -> GiftRule {
        let reward: GiftReward
        var codes = Set(t.itemCodes), departments = Set(t.departments)
        switch (t.amountOff, t.percentOff, t.percentOffEachLine, t.freeItem) {
        case (let amount?, nil, nil, false): reward = .amountOff(amount)
        case (nil, let percent?, nil, false): reward = .percentOff(percent: percent, cap: t.maxDiscount)
        case (nil, nil, let percent?, false):
            guard t.itemCodes.count == 1, t.departments.isEmpty else {
                throw .invalidRequest(field: "\(field).percentOffEachLine", reason: "needs exactly one item code and no departments")
            }
            reward = .itemDiscount(code: t.itemCodes[0], percent: percent)
            codes = []; departments = []
        case (nil, nil, nil, true):
            guard !t.itemCodes.isEmpty || !t.departments.isEmpty else {
                throw .invalidRequest(field: "\(field).freeItem", reason: "needs itemCodes or departments")
            }
            reward = .freeItem(codes: codes, departments: departments)
            codes = []; departments = []  // the reward names its lines; `GiftRule.codes` select for money off only
        default:
            throw .invalidRequest(field: field, reason: "exactly one of amountOff, percentOff, percentOffEachLine and freeItem")
        }
        guard t.maxDiscount == nil || t.percentOff != nil else {
            throw .invalidRequest(field: "\(field).maxDiscount", reason: "only with percentOff")
        }
        return GiftRule(id: t.templateId, name: t.name, reward: reward, minSpend: t.minSubtotal, requiredItemCode: t.requiredItemCode,
                        validDays: t.validDays, codes: codes, departments: departments)
    }

    /// The earning the catalog lists, and nothing else: the rule without filters is the base rate (none: no base
    /// points), the others are specific rates in order; multipliers and exclusions as given.
    static func earning(_ catalog: Catalog) throws(TillError) -> EarningRule {
        var ruleIds = Set<String>()
        for (i, r) in catalog.earnRules.enumerated() where !ruleIds.insert(r.ruleId).inserted {
            throw .invalidRequest(field: "earnRules[\(i)].ruleId", reason: "duplicate ruleId")
        }
        let bases = catalog.earnRules.enumerated().filter { $0.element.itemCode == nil && $0.element.department == nil && $0.element.tag == nil }
        if bases.count > 1 {
            throw .invalidRequest(field: "earnRules[\(bases[1].offset)]", reason: "at most one rule without itemCode, department and tag")
        }
        var earn = EarningRule(pointsPer: 0, perMinor: 100, baseRuleId: "base")
        if let base = bases.first?.element { earn.pointsPer = base.points; earn.perMinor = base.perAmount; earn.baseRuleId = base.ruleId }
        earn.rates = catalog.earnRules.filter { $0.itemCode != nil || $0.department != nil || $0.tag != nil }
            .map { EarnRate(id: $0.ruleId, itemCode: $0.itemCode, tag: $0.tag, department: $0.department, pointsPer: $0.points, perMinor: $0.perAmount) }
        for (i, m) in catalog.earnMultipliers.enumerated() {
            let field = "earnMultipliers[\(i)]"
            if let code = m.itemCode {
                guard earn.itemPercent.updateValue(m.percent, forKey: code) == nil else {
                    throw .invalidRequest(field: "\(field).itemCode", reason: "listed twice")
                }
            } else if let department = m.department {
                guard earn.departmentPercent.updateValue(m.percent, forKey: department) == nil else {
                    throw .invalidRequest(field: "\(field).department", reason: "listed twice")
                }
            }
        }
        earn.excludedItems = Set(catalog.earnExclusions.itemCodes)
        earn.excludedDepartments = Set(catalog.earnExclusions.departments)
        return earn
    }

    private static func jsonArray(_ ids: Set<String>) -> String {
        var w = JSONWriter()
        w.beginArray()
        for id in ids.sorted() { w.string(id) }
        w.endArray()
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
