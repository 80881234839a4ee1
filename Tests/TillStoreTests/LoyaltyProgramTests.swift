import Foundation
import Testing
import TillCore
@testable import TillStore

@Suite struct LoyaltyProgramTests {
    @Test func catalogAndSettingsRoundTripThroughTheirStoredForm() throws {
        let settings = LoyaltySettings(
            currency: "EUR", defaultPhoneCountry: "AT",
            earn: EarningRule(pointsPer: 3, perMinor: 200, rates: [EarnRate(tag: "retail", pointsPer: 2, perMinor: 100), EarnRate(itemCode: "BEANS", pointsPer: 5, perMinor: 100)],
                              departmentPercent: ["BAKERY": 200, "coffee": 150], itemPercent: ["X": 0],
                              excludedDepartments: ["TOBACCO"], excludedItems: ["GIFTCARD"]),
            budget: BudgetRule(pointsEnabled: true, creditEnabled: false, ratioPoints: 2, ratioMoney: 1, minAmount: 100, maxAmount: 5_000),
            pendingDays: 14, maxMembersPerPurchase: 3, appCodeLifetimeMs: 60_000)
        #expect(try CatalogCoding.settings(CatalogCoding.encode(settings)) == settings)
        let gifts = DemoProgram.catalog.gifts + [
            GiftRule(id: "MUG", name: "Mug deal, 50 % on coffee", reward: .itemDiscount(code: "COF", percent: 50), minSpend: 100,
                     requiredItemCode: "MUG", validDays: 7, codes: ["A", "B"], departments: ["HOME"]),
        ]
        for gift in gifts {
            #expect(try CatalogCoding.gift(code: gift.id, name: gift.name, validDays: gift.validDays, conditions: CatalogCoding.conditions(of: gift)) == gift)
        }
        for card in DemoProgram.catalog.punchCards {
            #expect(try CatalogCoding.punchCard(code: card.id, name: card.name, punchesRequired: card.punchesRequired,
                                                rewardGiftCode: card.rewardGiftTemplateId, validDays: card.validDays,
                                                conditions: CatalogCoding.conditions(of: card)) == card)
        }
    }

    @Test func theProgramIsCachedUntilCatalogChanged() throws {
        let f = try LoyaltyFixture()
        #expect(try f.loyalty.program().catalog == DemoProgram.catalog)
        // A write behind the cache's back is not seen until catalogChanged().
        _ = try f.store.writeAndWait(ClosureWrite { c in
            var s = DemoProgram.settings
            s.earn.pointsPer = 10
            try c.execute("UPDATE settings SET value = ? WHERE key = 'loyalty'", [.text(CatalogCoding.encode(s))])
        }).get()
        #expect(try f.loyalty.program().settings.earn.pointsPer == 1)
        f.loyalty.catalogChanged()
        #expect(try f.loyalty.program().settings.earn.pointsPer == 10)
        #expect(try f.purchase(basket("T1")).get().members[0].pointsEarned == 145)  // coffee 500 × 10 % × 2 = 100, cake 450 × 10 % = 45
    }

    @Test func registeringAnIdentifierInUseRefusesTheWholeRequest() throws {
        let f = try LoyaltyFixture()
        let members = try f.count("members")
        #expect(throws: TillError.alreadyExists(field: "members[1].email", reason: "identifier already in use")) {
            try f.loyalty.registerMembers([NewMember(memberKey: "N1", email: "new@example.com"), NewMember(memberKey: "N2", email: "ANNA@example.com")])
        }
        #expect(try f.count("members") == members)
        try f.loyalty.registerMembers([NewMember(memberKey: "N1", phone: "0170 1234567", points: 40, credit: 5)])
        let found = try f.loyalty.identify([MemberIdentifier(kind: .phone, value: "+49 170 1234567")])
        #expect(found.first?.balance == WalletBalance(points: 40, pendingPoints: 0, credit: 5))
        #expect(try f.store.verify().problems == [])
    }
}
