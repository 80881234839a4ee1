import TillCore

/// A gift a member can be given and redeem, with exactly one reward: money off (`amountOff`), percent off
/// (`percentOff`, whole percent, at most `maxDiscount` when set), percent off each line of one item code, floored per
/// line (`percentOffEachLine`, with exactly one code in `itemCodes`), or one unit of the cheapest matching line free
/// (`freeItem`); on matching lines (all lines when `itemCodes` and `departments` are empty; `freeItem` needs one).
/// `itemCodes` and `departments` are sets: answered sorted, without repeats.
public struct GiftTemplate: Hashable, Sendable, WireBody {
    public var templateId: String
    public var name: String
    public var amountOff: MinorUnits?
    public var percentOff: Int64?
    /// With `percentOff`: the most the gift takes off one purchase.
    public var maxDiscount: MinorUnits?
    /// Percent off every line of the one item code in `itemCodes`, floored per line.
    public var percentOffEachLine: Int64?
    /// One unit of the cheapest matching line free.
    public var freeItem: Bool
    public var itemCodes: [String]
    public var departments: [String]
    /// Minimum basket subtotal (after the POS's discounts) for the gift to apply.
    public var minSubtotal: MinorUnits
    /// The gift applies only when the basket holds a line of this item code.
    public var requiredItemCode: String?
    /// Days a gift issued from the template stays valid; nil: no end.
    public var validDays: Int64?
    public init(templateId: String, name: String, amountOff: MinorUnits? = nil, percentOff: Int64? = nil,
                maxDiscount: MinorUnits? = nil, percentOffEachLine: Int64? = nil, freeItem: Bool = false, itemCodes: [String] = [],
                departments: [String] = [], minSubtotal: MinorUnits = 0, requiredItemCode: String? = nil, validDays: Int64?) {
        self.templateId = templateId; self.name = name; self.amountOff = amountOff; self.percentOff = percentOff
        self.maxDiscount = maxDiscount; self.percentOffEachLine = percentOffEachLine; self.freeItem = freeItem
        self.itemCodes = itemCodes; self.departments = departments; self.minSubtotal = minSubtotal
        self.requiredItemCode = requiredItemCode; self.validDays = validDays
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(templateId: try o.id("templateId"), name: try o.required("name").nonEmptyString(maxLength: WireLimits.maxNameBytes),
                  amountOff: try o.optionalInt("amountOff", WireLimits.money),
                  percentOff: try o.optionalInt("percentOff", 1...100), maxDiscount: try o.optionalInt("maxDiscount", WireLimits.money),
                  percentOffEachLine: try o.optionalInt("percentOffEachLine", 1...100),
                  freeItem: try o.bool("freeItem", default: false), itemCodes: try o.ids("itemCodes", maxCount: 1000),
                  departments: try o.strings("departments", maxCount: 1000), minSubtotal: try o.int("minSubtotal", WireLimits.money, default: 0),
                  requiredItemCode: try o.optionalID("requiredItemCode"), validDays: try o.optionalInt("validDays", 1...3660))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("templateId", templateId); w.field("name", name); w.field("amountOff", amountOff); w.field("percentOff", percentOff)
        w.field("maxDiscount", maxDiscount); w.field("percentOffEachLine", percentOffEachLine)
        if freeItem { w.field("freeItem", true) }
        w.field("itemCodes", itemCodes); w.field("departments", departments); w.field("minSubtotal", minSubtotal)
        w.field("requiredItemCode", requiredItemCode); w.field("validDays", validDays)
    }
}

/// How a punch card counts a purchase: a punch per whole unit of the matching lines, or one per purchase with a
/// matching line.
public enum PunchCounting: String, CaseIterable, Hashable, Sendable {
    case perUnit, perPurchase
}

/// A punch card: punches for matching lines (`counting`); when full, the member gets `rewardTemplateId`, and with
/// `renew` a fresh card that takes the surplus. `autoEnroll`: a member without a card gets one on a matching purchase.
public struct PunchTemplate: Hashable, Sendable, WireBody {
    public var templateId: String
    public var name: String
    public var punchesRequired: Int64
    public var itemCodes: [String]
    public var departments: [String]
    public var rewardTemplateId: String
    public var counting: PunchCounting
    public var renew: Bool
    public var autoEnroll: Bool
    /// Days an issued card stays valid; nil: no end.
    public var validDays: Int64?
    public init(templateId: String, name: String, punchesRequired: Int64, itemCodes: [String] = [], departments: [String] = [],
                rewardTemplateId: String, counting: PunchCounting = .perUnit, renew: Bool = true, autoEnroll: Bool = true,
                validDays: Int64? = nil) {
        self.templateId = templateId; self.name = name; self.punchesRequired = punchesRequired; self.itemCodes = itemCodes
        self.departments = departments; self.rewardTemplateId = rewardTemplateId; self.counting = counting; self.renew = renew
        self.autoEnroll = autoEnroll; self.validDays = validDays
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(templateId: try o.id("templateId"), name: try o.required("name").nonEmptyString(maxLength: WireLimits.maxNameBytes),
                  punchesRequired: try o.int("punchesRequired", 1...1000),
                  itemCodes: try o.ids("itemCodes", maxCount: 1000), departments: try o.strings("departments", maxCount: 1000),
                  rewardTemplateId: try o.id("rewardTemplateId"),
                  counting: try o.optionalEnumeration("counting", PunchCounting.self) ?? .perUnit,
                  renew: try o.bool("renew", default: true), autoEnroll: try o.bool("autoEnroll", default: true),
                  validDays: try o.optionalInt("validDays", 1...3660))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("templateId", templateId); w.field("name", name); w.field("punchesRequired", punchesRequired); w.field("itemCodes", itemCodes)
        w.field("departments", departments); w.field("rewardTemplateId", rewardTemplateId); w.field("counting", counting)
        w.field("renew", renew); w.field("autoEnroll", autoEnroll); w.field("validDays", validDays)
    }
}

/// Points earned: `points` for every `perAmount` minor units of net spend on matching lines. The rule without a
/// filter is the base rate; a rule with filters (every filter set must match) replaces it on the lines it matches,
/// those with an `itemCode` first, then those with a `tag`, then those with only a `department`.
public struct EarnRule: Hashable, Sendable, WireBody {
    public var ruleId: String
    public var points: Points
    public var perAmount: MinorUnits
    public var itemCode: String?
    public var department: String?
    public var tag: String?
    public init(ruleId: String, points: Points, perAmount: MinorUnits, itemCode: String? = nil, department: String? = nil, tag: String? = nil) {
        self.ruleId = ruleId; self.points = points; self.perAmount = perAmount; self.itemCode = itemCode
        self.department = department; self.tag = tag
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(ruleId: try o.id("ruleId"), points: try o.int("points", 1...1_000_000), perAmount: try o.int("perAmount", 1...1_000_000_000),
                  itemCode: try o.optionalID("itemCode"), department: try o.optionalNonEmptyString("department"),
                  tag: try o.optionalNonEmptyString("tag"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("ruleId", ruleId); w.field("points", points); w.field("perAmount", perAmount); w.field("itemCode", itemCode)
        w.field("department", department); w.field("tag", tag)
    }
}

/// A points multiplier in percent (200 = double points, 0 = none) for one item code or one department (exactly one of
/// them). An item code's multiplier takes precedence over its department's.
public struct EarnMultiplier: Hashable, Sendable, WireBody {
    public var itemCode: String?
    public var department: String?
    public var percent: Int64
    public init(itemCode: String? = nil, department: String? = nil, percent: Int64) {
        self.itemCode = itemCode; self.department = department; self.percent = percent
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(itemCode: try o.optionalID("itemCode"), department: try o.optionalNonEmptyString("department"),
                  percent: try o.int("percent", WireLimits.earnPercent))
        guard (itemCode == nil) != (department == nil) else {
            throw .invalidRequest(field: o.path.isEmpty ? "itemCode" : o.path + ".itemCode", reason: "exactly one of itemCode and department")
        }
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("itemCode", itemCode); w.field("department", department); w.field("percent", percent)
    }
}

/// Item codes and departments that earn no points at all (whatever their multipliers).
public struct EarnExclusions: Hashable, Sendable, WireBody {
    public var itemCodes: [String]
    public var departments: [String]
    public init(itemCodes: [String] = [], departments: [String] = []) { self.itemCodes = itemCodes; self.departments = departments }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(itemCodes: try o.ids("itemCodes", maxCount: 1000), departments: try o.strings("departments", maxCount: 1000))
    }
    public func encodeFields(to w: inout JSONWriter) { w.field("itemCodes", itemCodes); w.field("departments", departments) }
}

/// Budget payment settings: paying with points (at `ratioPoints` points per `ratioMoney` minor units) and credit.
public struct BudgetSettings: Hashable, Sendable, WireBody {
    public var pointsEnabled: Bool
    public var creditEnabled: Bool
    public var ratioPoints: Points
    public var ratioMoney: MinorUnits
    /// Per purchase, in minor units.
    public var minAmount: MinorUnits
    public var maxAmount: MinorUnits
    public init(pointsEnabled: Bool, creditEnabled: Bool, ratioPoints: Points, ratioMoney: MinorUnits, minAmount: MinorUnits, maxAmount: MinorUnits) {
        self.pointsEnabled = pointsEnabled; self.creditEnabled = creditEnabled; self.ratioPoints = ratioPoints; self.ratioMoney = ratioMoney
        self.minAmount = minAmount; self.maxAmount = maxAmount
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(pointsEnabled: try o.bool("pointsEnabled"), creditEnabled: try o.bool("creditEnabled"), ratioPoints: try o.int("ratioPoints", 1...1_000_000),
                  ratioMoney: try o.int("ratioMoney", 1...1_000_000), minAmount: try o.int("minAmount", WireLimits.money), maxAmount: try o.int("maxAmount", WireLimits.money))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("pointsEnabled", pointsEnabled); w.field("creditEnabled", creditEnabled); w.field("ratioPoints", ratioPoints)
        w.field("ratioMoney", ratioMoney); w.field("minAmount", minAmount); w.field("maxAmount", maxAmount)
    }
}

/// The loyalty program's configuration: `catalog.get` answers it, `catalog.set` replaces it whole (and answers it).
/// It carries everything the rules engine reads, so `catalog.get` → `catalog.set` changes nothing.
public struct Catalog: Hashable, Sendable, WireBody {
    public var giftTemplates: [GiftTemplate]
    public var punchTemplates: [PunchTemplate]
    public var earnRules: [EarnRule]
    public var earnMultipliers: [EarnMultiplier]
    public var earnExclusions: EarnExclusions
    public var budget: BudgetSettings
    /// Days earned points wait before they can be spent.
    public var pendingDays: Int64
    public init(giftTemplates: [GiftTemplate], punchTemplates: [PunchTemplate], earnRules: [EarnRule],
                earnMultipliers: [EarnMultiplier] = [], earnExclusions: EarnExclusions = EarnExclusions(),
                budget: BudgetSettings, pendingDays: Int64) {
        self.giftTemplates = giftTemplates; self.punchTemplates = punchTemplates; self.earnRules = earnRules
        self.earnMultipliers = earnMultipliers; self.earnExclusions = earnExclusions; self.budget = budget; self.pendingDays = pendingDays
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(giftTemplates: try o.objects("giftTemplates", maxCount: 200), punchTemplates: try o.objects("punchTemplates", maxCount: 200),
                  earnRules: try o.objects("earnRules", maxCount: 200), earnMultipliers: try o.objects("earnMultipliers", maxCount: 1000),
                  earnExclusions: try o.optionalDecode("earnExclusions") ?? EarnExclusions(),
                  budget: try o.decode("budget"), pendingDays: try o.int("pendingDays", 0...365))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("giftTemplates", giftTemplates); w.field("punchTemplates", punchTemplates); w.field("earnRules", earnRules)
        w.field("earnMultipliers", earnMultipliers); w.field("earnExclusions", earnExclusions)
        w.field("budget", budget); w.field("pendingDays", pendingDays)
    }
}
