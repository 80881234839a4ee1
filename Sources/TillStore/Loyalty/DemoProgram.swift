import TillCore

/// The program and members a fresh store starts with, so a newcomer can identify and purchase at once.
///
/// Guarantees: installed only into a store without a `loyalty` settings row; deterministic content.
public enum DemoProgram {
    public static let settings = LoyaltySettings(
        currency: "EUR", defaultPhoneCountry: "DE",
        earn: EarningRule(pointsPer: 1, perMinor: 100, departmentPercent: ["coffee": 200]),
        budget: BudgetRule(pointsEnabled: true, creditEnabled: true, ratioPoints: 100, ratioMoney: 100, minAmount: 1,
                           maxAmount: 1_000_000),
        pendingDays: 0)

    public static let catalog = BenefitCatalog(
        gifts: [
            GiftRule(id: "WELCOME_5", name: "Welcome: 5.00 EUR off", reward: .amountOff(500), minSpend: 2_000),
            GiftRule(id: "TEN_PERCENT", name: "10% off (up to 10.00 EUR)", reward: .percentOff(percent: 10, cap: 1_000)),
            GiftRule(id: "FREE_ESPRESSO", name: "Free espresso", reward: .freeItem(codes: ["SKU-0001"], departments: []),
                     validDays: 30),
        ],
        punchCards: [
            PunchCardRule(id: "COFFEE_CARD", name: "Coffee card", departments: ["coffee"], mode: .perUnit, punchesRequired: 8,
                          rewardGiftTemplateId: "FREE_ESPRESSO", renew: true, autoEnroll: true),
        ])

    public static let members: [NewMember] = [
        NewMember(memberKey: "M00000001", firstName: "Anna", phone: "+4915112345678", email: "anna@example.com",
                  card: "C0000000001", points: 1_250, credit: 1_000),
        NewMember(memberKey: "M00000002", firstName: "Ben", phone: "+4915112345679", email: "ben@example.com",
                  card: "C0000000002", points: 300),
        NewMember(memberKey: "M00000003", firstName: "Cleo", email: "cleo@example.com", card: "C0000000003", credit: 2_500),
    ]
}

extension LoyaltyStore {
    /// On an unconfigured store: installs `DemoProgram` (settings, catalog, members with points, credit and gifts).
    /// Returns false, changing nothing, when the program is already configured.
    @discardableResult
    public func installDemoCatalogIfEmpty() throws(TillError) -> Bool {
        let configured = try reading { try $0.int64("SELECT count(*) FROM settings WHERE key = 'loyalty'") ?? 0 }
        guard configured == 0 else { return false }
        try configure(catalog: DemoProgram.catalog, settings: DemoProgram.settings)
        try registerMembers(DemoProgram.members)
        for (key, gifts) in [("M00000001", ["WELCOME_5", "TEN_PERCENT", "FREE_ESPRESSO"]), ("M00000002", ["WELCOME_5"])] {
            for gift in gifts { try issueBenefit(memberKey: key, templateId: gift, benefitId: "demo-\(key)-\(gift)") }
        }
        return true
    }
}
