import TillCore
import TillProtocol

/// The stored JSON forms of the program's configuration: a gift's `conditions`, a punch card's `conditions` and
/// the `settings` row `loyalty`. Dictionaries are written as arrays of `{key, percent}` and sets as sorted arrays, so
/// the same configuration always gives the same bytes.
///
/// Guarantees: `decode(encode(x)) == x` for gifts, punch cards and settings.
public enum CatalogCoding {
    // MARK: Gifts

    /// `gift_templates.conditions` for `gift` (its id, name and validDays live in their own columns).
    public static func conditions(of gift: GiftRule) -> String {
        text {
            w in
            switch gift.reward {
            case .amountOff(let amount): w.field("reward", "amountOff"); w.field("amount", amount)
            case .percentOff(let percent, let cap):
                w.field("reward", "percentOff"); w.field("percent", percent); w.field("cap", cap)
            case .freeItem(let codes, let departments):
                w.field("reward", "freeItem"); w.field("itemCodes", codes.sorted()); w.field("itemDepartments", departments.sorted())
            case .itemDiscount(let code, let percent):
                w.field("reward", "itemDiscount"); w.field("itemCode", code); w.field("percent", percent)
            }
            w.field("minSpend", gift.minSpend)
            w.field("requiredItemCode", gift.requiredItemCode)
            w.field("codes", gift.codes.sorted())
            w.field("departments", gift.departments.sorted())
        }
    }

    /// The gift rule stored as `code`, `name`, `validDays` and `conditions`.
    public static func gift(code: String, name: String, validDays: Int64?, conditions: String) throws(TillError) -> GiftRule {
        try StoredJSON.read(Array(conditions.utf8)) { o throws(TillError) in
            let reward: GiftReward
            switch try o.string("reward") {
            case "amountOff": reward = .amountOff(try o.int("amount"))
            case "percentOff": reward = .percentOff(percent: try o.int("percent"), cap: try o.optionalInt("cap"))
            case "freeItem":
                reward = .freeItem(codes: Set(try o.strings("itemCodes", maxCount: 1000)),
                                   departments: Set(try o.strings("itemDepartments", maxCount: 1000)))
            case "itemDiscount": reward = .itemDiscount(code: try o.string("itemCode"), percent: try o.int("percent"))
            default: throw .invalidRequest(field: "reward", reason: "unknown gift reward")
            }
            return GiftRule(id: code, name: name, reward: reward, minSpend: try o.int("minSpend"),
                            requiredItemCode: try o.optionalString("requiredItemCode"), validDays: validDays,
                            codes: Set(try o.strings("codes", maxCount: 1000)),
                            departments: Set(try o.strings("departments", maxCount: 1000)))
        }
    }

    // MARK: Punch cards

    /// `punch_card_templates.conditions` for `card` (id, name, punchesRequired, reward and validDays are columns).
    public static func conditions(of card: PunchCardRule) -> String {
        text { w in
            w.field("codes", card.codes.sorted()); w.field("departments", card.departments.sorted())
            w.field("mode", card.mode); w.field("renew", card.renew); w.field("autoEnroll", card.autoEnroll)
        }
    }

    /// The punch-card rule stored in one row.
    public static func punchCard(
        code: String, name: String, punchesRequired: Int64, rewardGiftCode: String, validDays: Int64?, conditions: String
    ) throws(TillError) -> PunchCardRule {
        try StoredJSON.read(Array(conditions.utf8)) { o throws(TillError) in
            PunchCardRule(id: code, name: name, codes: Set(try o.strings("codes", maxCount: 1000)),
                          departments: Set(try o.strings("departments", maxCount: 1000)),
                          mode: try o.enumeration("mode", PunchMode.self), punchesRequired: punchesRequired,
                          rewardGiftTemplateId: rewardGiftCode, renew: try o.bool("renew"),
                          autoEnroll: try o.bool("autoEnroll"), validDays: validDays)
        }
    }

    // MARK: Settings

    /// The `settings` row `loyalty`.
    public static func encode(_ s: LoyaltySettings) -> String {
        text { w in
            w.field("currency", s.currency); w.field("defaultPhoneCountry", s.defaultPhoneCountry)
            w.field("pendingDays", s.pendingDays); w.field("maxMembersPerPurchase", Int64(s.maxMembersPerPurchase))
            w.field("appCodeLifetimeMs", s.appCodeLifetimeMs)
            let e = s.earn
            w.field("pointsPer", e.pointsPer); w.field("perMinor", e.perMinor); w.field("baseRuleId", e.baseRuleId)
            w.key("rates"); w.beginArray()
            for r in e.rates {
                w.beginObject(); w.field("id", r.id); w.field("itemCode", r.itemCode); w.field("tag", r.tag); w.field("department", r.department)
                w.field("pointsPer", r.pointsPer); w.field("perMinor", r.perMinor); w.endObject()
            }
            w.endArray()
            percents(&w, "departmentPercent", e.departmentPercent)
            percents(&w, "itemPercent", e.itemPercent)
            w.field("excludedDepartments", e.excludedDepartments.sorted()); w.field("excludedItems", e.excludedItems.sorted())
            let b = s.budget
            w.field("pointsEnabled", b.pointsEnabled); w.field("creditEnabled", b.creditEnabled)
            w.field("ratioPoints", b.ratioPoints); w.field("ratioMoney", b.ratioMoney)
            w.field("minAmount", b.minAmount); w.field("maxAmount", b.maxAmount)
        }
    }

    /// Settings stored by `encode(_:)`.
    public static func settings(_ text: String) throws(TillError) -> LoyaltySettings {
        try StoredJSON.read(Array(text.utf8)) { o throws(TillError) in
            var n = 0
            let rates = try o.array("rates") { v throws(TillError) -> EarnRate in
                let r = try v.object()
                n += 1
                // Rates stored before they had ids are named by position, as `catalog.get` showed them then.
                return EarnRate(id: try r.optionalString("id") ?? "rate-\(n)", itemCode: try r.optionalString("itemCode"), tag: try r.optionalString("tag"),
                                department: try r.optionalString("department"), pointsPer: try r.int("pointsPer"),
                                perMinor: try r.int("perMinor"))
            }
            let earn = EarningRule(
                pointsPer: try o.int("pointsPer"), perMinor: try o.int("perMinor"),
                baseRuleId: try o.optionalString("baseRuleId") ?? "base", rates: rates,
                departmentPercent: try percents(o, "departmentPercent"), itemPercent: try percents(o, "itemPercent"),
                excludedDepartments: Set(try o.strings("excludedDepartments", maxCount: 1000)),
                excludedItems: Set(try o.strings("excludedItems", maxCount: 1000)))
            let budget = BudgetRule(
                pointsEnabled: try o.bool("pointsEnabled"), creditEnabled: try o.bool("creditEnabled"),
                ratioPoints: try o.int("ratioPoints"), ratioMoney: try o.int("ratioMoney"),
                minAmount: try o.int("minAmount"), maxAmount: try o.int("maxAmount"))
            return LoyaltySettings(
                currency: try o.string("currency"), defaultPhoneCountry: try o.string("defaultPhoneCountry"), earn: earn,
                budget: budget, pendingDays: try o.int("pendingDays"),
                maxMembersPerPurchase: Int(try o.int("maxMembersPerPurchase", 1...1000)),
                appCodeLifetimeMs: try o.int("appCodeLifetimeMs"))
        }
    }

    // MARK: -

    private static func text(_ body: (inout JSONWriter) -> Void) -> String {
        String(decoding: StoredJSON.object(body), as: UTF8.self)
    }

    private static func percents(_ w: inout JSONWriter, _ key: StaticString, _ map: [String: Int64]) {
        w.key(key); w.beginArray()
        for (k, v) in map.sorted(by: { $0.key < $1.key }) {
            w.beginObject(); w.field("key", k); w.field("percent", v); w.endObject()
        }
        w.endArray()
    }

    private static func percents(_ o: JSONObjectReader, _ key: StaticString) throws(TillError) -> [String: Int64] {
        var map: [String: Int64] = [:]
        for (k, v) in try o.array(key, { v throws(TillError) -> (String, Int64) in
            let e = try v.object()
            return (try e.string("key"), try e.int("percent"))
        }) { map[k] = v }
        return map
    }
}
