import TillCore

/// A gift a member can be given and redeem, with exactly one reward: money off (`amountOff`), percent off
/// (`percentOff`, whole percent, at most `maxDiscount` when set), or one unit of the cheapest matching line free
/// (`freeItem`); on matching lines (all lines when `itemCodes` and `departments` are empty; `freeItem` needs one).
public struct GiftTemplate: Hashable, Sendable, WireBody {
    public var templateId: String
    public var name: String
    public var amountOff: MinorUnits?
    public var percentOff: Int64?
    /// With `percentOff`: the most the gift takes off one purchase.
    public var maxDiscount: MinorUnits?
    /// One unit of the cheapest matching line free.
    public var freeItem: Bool
    public var itemCodes: [String]
    public var departments: [String]
    /// Minimum basket subtotal for the gift to apply.
    public var minSubtotal: MinorUnits
    public var validDays: Int64
    public init(templateId: String, name: String, amountOff: MinorUnits? = nil, percentOff: Int64? = nil,
                maxDiscount: MinorUnits? = nil, freeItem: Bool = false, itemCodes: [String] = [],
                departments: [String] = [], minSubtotal: MinorUnits = 0, validDays: Int64) {
        self.templateId = templateId; self.name = name; self.amountOff = amountOff; self.percentOff = percentOff
        self.maxDiscount = maxDiscount; self.freeItem = freeItem
        self.itemCodes = itemCodes; self.departments = departments; self.minSubtotal = minSubtotal; self.validDays = validDays
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(templateId: try o.id("templateId"), name: try o.string("name", maxLength: 256), amountOff: try o.optionalInt("amountOff", WireLimits.money),
                  percentOff: try o.optionalInt("percentOff", 1...100), maxDiscount: try o.optionalInt("maxDiscount", WireLimits.money),
                  freeItem: try o.bool("freeItem", default: false), itemCodes: try o.strings("itemCodes", maxCount: 1000),
                  departments: try o.strings("departments"), minSubtotal: try o.int("minSubtotal", WireLimits.money, default: 0),
                  validDays: try o.int("validDays", 1...3660))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("templateId", templateId); w.field("name", name); w.field("amountOff", amountOff); w.field("percentOff", percentOff)
        w.field("maxDiscount", maxDiscount)
        if freeItem { w.field("freeItem", true) }
        w.field("itemCodes", itemCodes); w.field("departments", departments); w.field("minSubtotal", minSubtotal); w.field("validDays", validDays)
    }
}

/// A punch card: one punch per whole unit of a matching line; when full, the member gets `rewardTemplateId`.
public struct PunchTemplate: Hashable, Sendable, WireBody {
    public var templateId: String
    public var name: String
    public var punchesRequired: Int64
    public var itemCodes: [String]
    public var departments: [String]
    public var rewardTemplateId: String
    public init(templateId: String, name: String, punchesRequired: Int64, itemCodes: [String] = [], departments: [String] = [], rewardTemplateId: String) {
        self.templateId = templateId; self.name = name; self.punchesRequired = punchesRequired; self.itemCodes = itemCodes
        self.departments = departments; self.rewardTemplateId = rewardTemplateId
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(templateId: try o.id("templateId"), name: try o.string("name", maxLength: 256), punchesRequired: try o.int("punchesRequired", 1...1000),
                  itemCodes: try o.strings("itemCodes", maxCount: 1000), departments: try o.strings("departments"), rewardTemplateId: try o.id("rewardTemplateId"))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("templateId", templateId); w.field("name", name); w.field("punchesRequired", punchesRequired); w.field("itemCodes", itemCodes)
        w.field("departments", departments); w.field("rewardTemplateId", rewardTemplateId)
    }
}

/// Points earned: `points` for every `perAmount` minor units of net spend on matching lines (all when no filter).
public struct EarnRule: Hashable, Sendable, WireBody {
    public var ruleId: String
    public var points: Points
    public var perAmount: MinorUnits
    public var department: String?
    public var tag: String?
    public init(ruleId: String, points: Points, perAmount: MinorUnits, department: String? = nil, tag: String? = nil) {
        self.ruleId = ruleId; self.points = points; self.perAmount = perAmount; self.department = department; self.tag = tag
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(ruleId: try o.id("ruleId"), points: try o.int("points", 1...1_000_000), perAmount: try o.int("perAmount", 1...1_000_000_000),
                  department: try o.optionalString("department", maxLength: 128), tag: try o.optionalString("tag", maxLength: 64))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("ruleId", ruleId); w.field("points", points); w.field("perAmount", perAmount); w.field("department", department); w.field("tag", tag)
    }
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
public struct Catalog: Hashable, Sendable, WireBody {
    public var giftTemplates: [GiftTemplate]
    public var punchTemplates: [PunchTemplate]
    public var earnRules: [EarnRule]
    public var budget: BudgetSettings
    /// Days earned points wait before they can be spent.
    public var pendingDays: Int64
    public init(giftTemplates: [GiftTemplate], punchTemplates: [PunchTemplate], earnRules: [EarnRule], budget: BudgetSettings, pendingDays: Int64) {
        self.giftTemplates = giftTemplates; self.punchTemplates = punchTemplates; self.earnRules = earnRules; self.budget = budget; self.pendingDays = pendingDays
    }
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(giftTemplates: try o.objects("giftTemplates", maxCount: 200), punchTemplates: try o.objects("punchTemplates", maxCount: 200),
                  earnRules: try o.objects("earnRules", maxCount: 200), budget: try o.decode("budget"), pendingDays: try o.int("pendingDays", 0...365))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("giftTemplates", giftTemplates); w.field("punchTemplates", punchTemplates); w.field("earnRules", earnRules)
        w.field("budget", budget); w.field("pendingDays", pendingDays)
    }
}
