/// A specific earning rate: `pointsPer` points for every `perMinor` minor units on lines that match. Every filter
/// that is set must match; nil filters match anything.
public struct EarnRate: Hashable, Sendable {
    /// The back office's name for the rate (the catalog's `ruleId`).
    public var id: String
    public var itemCode: String?
    public var tag: String?
    public var department: String?
    public var pointsPer: Points
    public var perMinor: MinorUnits
    public init(
        id: String = "", itemCode: String? = nil, tag: String? = nil, department: String? = nil, pointsPer: Points,
        perMinor: MinorUnits
    ) {
        self.id = id
        self.itemCode = itemCode
        self.tag = tag
        self.department = department
        self.pointsPer = pointsPer
        self.perMinor = perMinor
    }

    func matches(_ item: LineItem) -> Bool {
        if let itemCode, itemCode != item.code { return false }
        if let tag, !item.tags.contains(tag) { return false }
        if let department, department != item.department { return false }
        return true
    }
}

/// How purchases earn points: an integer ratio on the net amount actually paid, with specific rates, per-department
/// and per-item multipliers and exclusions.
///
/// Guarantees: integers only; a line earns `floor(eligible × pointsPer × percent / (perMinor × 100))` where the
/// ratio is the first matching rate with an item code, else with a tag, else with a department, else the base
/// ratio; `percent` is the item multiplier if the item code has one, else the department multiplier, else 100;
/// excluded items and departments earn 0 (see `docs/rules.md`, "Earning").
public struct EarningRule: Hashable, Sendable {
    /// Base ratio: `pointsPer` points for every `perMinor` minor units paid (e.g. 1 point per 100 cents); 0 points:
    /// no base rate.
    public var pointsPer: Points
    public var perMinor: MinorUnits
    /// The back office's name for the base ratio (the catalog's `ruleId`).
    public var baseRuleId: String
    /// Specific ratios (item, tag or department), replacing the base ratio on the lines they match.
    public var rates: [EarnRate]
    /// Department code → multiplier in percent (200 = double points).
    public var departmentPercent: [String: Int64]
    /// Item code → multiplier in percent; takes precedence over the department's.
    public var itemPercent: [String: Int64]
    public var excludedDepartments: Set<String>
    public var excludedItems: Set<String>

    public init(
        pointsPer: Points = 1, perMinor: MinorUnits = 100, baseRuleId: String = "base", rates: [EarnRate] = [],
        departmentPercent: [String: Int64] = [:],
        itemPercent: [String: Int64] = [:], excludedDepartments: Set<String> = [], excludedItems: Set<String> = []
    ) {
        self.pointsPer = pointsPer
        self.perMinor = perMinor
        self.baseRuleId = baseRuleId
        self.rates = rates
        self.departmentPercent = departmentPercent
        self.itemPercent = itemPercent
        self.excludedDepartments = excludedDepartments
        self.excludedItems = excludedItems
    }

    /// The multiplier in percent that applies to a line (0 when excluded).
    public func percent(code: String, department: String?) -> Int64 {
        // Few keys compared, none hashed for an empty set or map: hashing the code costs more than the rest of a
        // line's earning.
        if FewKeys.contains(excludedItems, code) { return 0 }
        if FewKeys.contains(excludedDepartments, department) { return 0 }
        if let p = FewKeys.value(itemPercent, code) { return max(0, p) }
        if let department, let p = FewKeys.value(departmentPercent, department) { return max(0, p) }
        return 100
    }

    /// The ratio `(pointsPer, perMinor)` for a line.
    public func ratio(for item: LineItem) -> (pointsPer: Points, perMinor: MinorUnits) {
        if rates.isEmpty { return (pointsPer, perMinor) }
        let specific =
            rates.first { $0.itemCode != nil && $0.matches(item) }
            ?? rates.first { $0.itemCode == nil && $0.tag != nil && $0.matches(item) }
            ?? rates.first { $0.itemCode == nil && $0.tag == nil && $0.department != nil && $0.matches(item) }
        return specific.map { ($0.pointsPer, $0.perMinor) } ?? (pointsPer, perMinor)
    }

    /// Points a line earns on `eligible` minor units; nil when that is more than `ValueLimits.maxPoints` (computed
    /// in 128 bits, checked, so no rate or multiplier can make it trap or wrap).
    public func points(eligible: MinorUnits, item: LineItem) -> Points? {
        let (per, minor) = ratio(for: item)
        let percent = percent(code: item.code, department: item.department)
        guard eligible > 0, per > 0, minor > 0, percent > 0 else { return 0 }
        // In 64 bits when every product fits (the usual line: a 64-bit division, not a 128-bit one), else in 128.
        let (scaled, o1) = eligible.multipliedReportingOverflow(by: per)
        let (product, o2) = scaled.multipliedReportingOverflow(by: percent)
        let (divisor, o3) = minor.multipliedReportingOverflow(by: 100)
        if !o1 && !o2 && !o3 {
            let points = product / divisor
            return points <= ValueLimits.maxPoints ? points : nil
        }
        let (numerator, overflow) = (Int128(eligible) * Int128(per)).multipliedReportingOverflow(by: Int128(percent))
        guard !overflow else { return nil }
        let points = numerator / (Int128(minor) * 100)
        return points <= Int128(ValueLimits.maxPoints) ? Int64(points) : nil
    }
}

/// Paying (part of) a purchase from a member's wallet ("budget payment").
///
/// Guarantees: one budget payment per purchase, from points or from credit; points convert at
/// `ratioPoints` points for `ratioMoney` minor units, rounded up in points (the shop never gives away a fraction).
public struct BudgetRule: Hashable, Sendable {
    public var pointsEnabled: Bool
    public var creditEnabled: Bool
    public var ratioPoints: Points
    public var ratioMoney: MinorUnits
    /// Money limits per purchase (minor units), for either wallet.
    public var minAmount: MinorUnits
    public var maxAmount: MinorUnits

    public init(
        pointsEnabled: Bool = false, creditEnabled: Bool = false, ratioPoints: Points = 1, ratioMoney: MinorUnits = 1,
        minAmount: MinorUnits = 1, maxAmount: MinorUnits = .max
    ) {
        self.pointsEnabled = pointsEnabled
        self.creditEnabled = creditEnabled
        self.ratioPoints = ratioPoints
        self.ratioMoney = ratioMoney
        self.minAmount = minAmount
        self.maxAmount = maxAmount
    }

    /// Points needed to pay `amount` minor units: `ceil(amount × ratioPoints / ratioMoney)`; nil when that is more
    /// than `ValueLimits.maxPoints` (no wallet holds that many).
    public func pointsFor(amount: MinorUnits) -> Points? {
        guard amount >= 0, ratioPoints >= 0, ratioMoney > 0,
            let (q, r) = Arithmetic.mulDiv(amount, ratioPoints, ratioMoney, atMost: ValueLimits.maxPoints)
        else { return nil }
        return r > 0 ? Arithmetic.add(q, 1, atMost: ValueLimits.maxPoints) : q
    }
}

/// The program settings of one shop.
///
/// Guarantees: plain values; the engine reads them and never changes them.
public struct LoyaltySettings: Hashable, Sendable {
    /// ISO 4217 code every purchase must carry.
    public var currency: String
    /// ISO 3166 alpha-2 country for phone numbers typed without `+` (e.g. `DE`).
    public var defaultPhoneCountry: String
    public var earn: EarningRule
    public var budget: BudgetRule
    /// Days earned points wait before they can be spent (0: at once).
    public var pendingDays: Int64
    public var maxMembersPerPurchase: Int
    /// How long an app code stays valid after it was issued, in milliseconds.
    public var appCodeLifetimeMs: Int64

    public init(
        currency: String, defaultPhoneCountry: String = "DE", earn: EarningRule = EarningRule(),
        budget: BudgetRule = BudgetRule(), pendingDays: Int64 = 0, maxMembersPerPurchase: Int = 5,
        appCodeLifetimeMs: Int64 = 300_000
    ) {
        self.currency = currency
        self.defaultPhoneCountry = defaultPhoneCountry
        self.earn = earn
        self.budget = budget
        self.pendingDays = pendingDays
        self.maxMembersPerPurchase = maxMembersPerPurchase
        self.appCodeLifetimeMs = appCodeLifetimeMs
    }
}

/// What a gift gives.
public enum GiftReward: Hashable, Sendable {
    /// A fixed amount off the basket, or off the lines `GiftRule.codes` / `departments` select (capped at what is
    /// left to pay on them).
    case amountOff(MinorUnits)
    /// A percentage off the basket (or the selected lines), floored, at most `cap` minor units when a cap is set.
    case percentOff(percent: Int64, cap: MinorUnits?)
    /// One unit of the cheapest line (lowest unit price, first on ties) whose item code is in `codes` or whose
    /// department is in `departments`.
    case freeItem(codes: Set<String>, departments: Set<String>)
    /// A percentage off every line of one item code, floored per line.
    case itemDiscount(code: String, percent: Int64)
}

/// A gift as configured in the back office; members hold gifts made from it.
///
/// Guarantees: a gift applies only when the basket (after POS discounts) reaches `minSpend` and contains
/// `requiredItemCode` when set.
public struct GiftRule: Hashable, Sendable {
    public var id: String
    public var name: String
    public var reward: GiftReward
    public var minSpend: MinorUnits
    public var requiredItemCode: String?
    /// Validity given to a gift issued by Till (a punch card's reward), in days from issue; nil: no end.
    public var validDays: Int64?
    /// For `amountOff` and `percentOff`: the lines it applies to (item codes or departments); both empty: all lines.
    public var codes: Set<String>
    public var departments: Set<String>

    public init(
        id: String, name: String, reward: GiftReward, minSpend: MinorUnits = 0, requiredItemCode: String? = nil,
        validDays: Int64? = nil, codes: Set<String> = [], departments: Set<String> = []
    ) {
        self.id = id
        self.name = name
        self.reward = reward
        self.minSpend = minSpend
        self.requiredItemCode = requiredItemCode
        self.validDays = validDays
        self.codes = codes
        self.departments = departments
    }

    /// Whether `amountOff` / `percentOff` apply to a line.
    public func selects(_ item: LineItem) -> Bool {
        if codes.isEmpty && departments.isEmpty { return true }
        return codes.contains(item.code) || (item.department.map(departments.contains) ?? false)
    }
}

/// How a punch card counts a purchase.
public enum PunchMode: String, Hashable, Sendable {
    /// One punch per whole unit of qualifying lines (2.5 kg gives 2).
    case perUnit
    /// One punch per purchase with at least one qualifying line.
    case perPurchase
}

/// A punch card as configured in the back office.
///
/// Guarantees: only lines with a positive net amount count; a filled card becomes `used` and issues its reward gift
/// at once; with `renew` a fresh card is issued and takes the surplus punches.
public struct PunchCardRule: Hashable, Sendable {
    public var id: String
    public var name: String
    public var codes: Set<String>
    public var departments: Set<String>
    public var mode: PunchMode
    public var punchesRequired: Int64
    /// The gift template issued when the card is filled.
    public var rewardGiftTemplateId: String
    public var renew: Bool
    /// Whether a member without an active card of this template gets one on a qualifying purchase.
    public var autoEnroll: Bool
    /// Validity of an issued card, in days; nil: no end.
    public var validDays: Int64?

    public init(
        id: String, name: String, codes: Set<String> = [], departments: Set<String> = [], mode: PunchMode = .perUnit,
        punchesRequired: Int64, rewardGiftTemplateId: String, renew: Bool = true, autoEnroll: Bool = true,
        validDays: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.codes = codes
        self.departments = departments
        self.mode = mode
        self.punchesRequired = punchesRequired
        self.rewardGiftTemplateId = rewardGiftTemplateId
        self.renew = renew
        self.autoEnroll = autoEnroll
        self.validDays = validDays
    }

    /// Whether a line with this code and department counts for the card.
    public func qualifies(code: String, department: String?) -> Bool {
        if !codes.isEmpty && codes.contains(code) { return true }
        if let department, !departments.isEmpty, departments.contains(department) { return true }
        return false
    }
}

/// The shop's gift and punch-card templates.
///
/// Guarantees: lookups by id; unknown ids are answered with nil, never a crash.
public struct BenefitCatalog: Hashable, Sendable {
    public var gifts: [GiftRule]
    public var punchCards: [PunchCardRule]
    /// Names of withdrawn gift templates (no longer offered; members may still hold their gifts), by template id.
    public var withdrawnGiftNames: [String: String]
    /// Names of withdrawn punch-card templates, by template id.
    public var withdrawnPunchCardNames: [String: String]

    public init(
        gifts: [GiftRule] = [], punchCards: [PunchCardRule] = [], withdrawnGiftNames: [String: String] = [:],
        withdrawnPunchCardNames: [String: String] = [:]
    ) {
        self.gifts = gifts
        self.punchCards = punchCards
        self.withdrawnGiftNames = withdrawnGiftNames
        self.withdrawnPunchCardNames = withdrawnPunchCardNames
    }

    public func gift(_ id: String) -> GiftRule? { gifts.first { $0.id == id } }
    public func punchCard(_ id: String) -> PunchCardRule? { punchCards.first { $0.id == id } }
    /// The name of a benefit's template (also of a withdrawn one), or its id when the template is unknown.
    public func name(templateId: String, kind: BenefitKind) -> String {
        switch kind {
        case .gift: gift(templateId)?.name ?? withdrawnGiftNames[templateId] ?? templateId
        case .punchCard: punchCard(templateId)?.name ?? withdrawnPunchCardNames[templateId] ?? templateId
        }
    }
}
