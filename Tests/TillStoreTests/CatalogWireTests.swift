import Foundation
import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// The wire catalog carries everything the engine reads (issue 13, defect 5): `catalog.get` → `catalog.set` changes
/// nothing, `catalog.set` replaces all earning and keeps rule ids; withdrawn templates keep their names (defect 6).
@Suite struct CatalogWireTests {
    func catalog(_ f: OfficeFixture) throws -> Catalog {
        guard case .catalog(let c) = try f.run(.catalogGet).get() else { throw Unexpected.response }
        return c
    }

    func coffeeLine(_ id: String, member: String, cents: Int64) -> PurchaseRequest {
        PurchaseRequest(transactionId: id, openedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_600_000),
                        members: [MemberIdentifier(kind: .memberKey, value: member)],
                        items: [LineItem(lineId: "1", code: "SKU-0002", name: "Cappuccino", department: "coffee", quantity: .one, unitPrice: cents)],
                        currency: "EUR")
    }

    @Test func theDemoCatalogIsVisibleInFullAndRoundTripsLosslessly() throws {
        let f = try OfficeFixture()
        let before = try f.loyalty.program()
        let shown = try catalog(f)
        #expect(shown.earnMultipliers == [EarnMultiplier(department: "coffee", percent: 200)])
        #expect(shown.earnRules == [EarnRule(ruleId: "base", points: 1, perAmount: 100)])
        #expect(shown.giftTemplates.first { $0.templateId == "WELCOME_5" }?.validDays == nil)
        #expect(shown.punchTemplates.first?.counting == .perUnit && shown.punchTemplates.first?.renew == true)
        guard case .catalog(let saved) = try f.run(.catalogSet(shown)).get() else { throw Unexpected.response }
        #expect(saved == shown)
        #expect(try catalog(f) == shown)
        let after = try f.loyalty.program()
        #expect(after.catalog == before.catalog)
        #expect(after.settings == before.settings)
    }

    @Test func catalogSetReplacesAllEarningAndKeepsRuleIds() throws {
        let f = try OfficeFixture()
        let doubled = try f.loyalty.quote(coffeeLine("q1", member: "M00000003", cents: 1000), terminal: f.pos)
        #expect(doubled.receipt.members[0].pointsEarned == 20)
        var c = try catalog(f)
        c.earnRules = [EarnRule(ruleId: "base", points: 1, perAmount: 100), EarnRule(ruleId: "beans-x2", points: 2, perAmount: 100, tag: "retail")]
        c.earnMultipliers = []
        guard case .catalog(let saved) = try f.run(.catalogSet(c)).get() else { throw Unexpected.response }
        #expect(saved.earnRules.map(\.ruleId) == ["base", "beans-x2"])
        #expect(try catalog(f).earnRules == c.earnRules)
        let plain = try f.loyalty.quote(coffeeLine("q2", member: "M00000003", cents: 1000), terminal: f.pos)
        #expect(plain.receipt.members[0].pointsEarned == 10)
        // No base rule: nothing earned on lines no rate matches, and none is shown.
        c.earnRules = [EarnRule(ruleId: "coffee-only", points: 1, perAmount: 100, department: "coffee")]
        _ = try f.run(.catalogSet(c)).get()
        #expect(try catalog(f).earnRules.map(\.ruleId) == ["coffee-only"])
        #expect(try f.loyalty.program().settings.earn.pointsPer == 0)
    }

    @Test func everyEngineAttributeTravels() throws {
        let f = try OfficeFixture()
        var c = try catalog(f)
        c.giftTemplates.append(GiftTemplate(templateId: "HALF_BEANS", name: "Beans half price", percentOffEachLine: 50, itemCodes: ["BEANS"],
                                            minSubtotal: 500, requiredItemCode: "MUG", validDays: 14))
        c.punchTemplates.append(PunchTemplate(templateId: "VISITS", name: "Visits", punchesRequired: 5, departments: ["bakery"],
                                              rewardTemplateId: "HALF_BEANS", counting: .perPurchase, renew: false, autoEnroll: false,
                                              validDays: 90))
        c.earnRules.append(EarnRule(ruleId: "beans-5", points: 5, perAmount: 100, itemCode: "BEANS"))
        c.earnMultipliers = [EarnMultiplier(itemCode: "ESP-DOUBLE", percent: 300), EarnMultiplier(department: "coffee", percent: 150)]
        c.earnExclusions = EarnExclusions(itemCodes: ["GIFTCARD"], departments: ["TOBACCO"])
        _ = try f.run(.catalogSet(c)).get()
        #expect(try catalog(f) == c)
        let program = try f.loyalty.program()
        #expect(program.catalog.gift("HALF_BEANS") == GiftRule(id: "HALF_BEANS", name: "Beans half price", reward: .itemDiscount(code: "BEANS", percent: 50),
                                                               minSpend: 500, requiredItemCode: "MUG", validDays: 14))
        #expect(program.catalog.punchCard("VISITS") == PunchCardRule(id: "VISITS", name: "Visits", departments: ["bakery"], mode: .perPurchase,
                                                                    punchesRequired: 5, rewardGiftTemplateId: "HALF_BEANS", renew: false,
                                                                    autoEnroll: false, validDays: 90))
        let earn = program.settings.earn
        #expect(earn.rates == [EarnRate(id: "beans-5", itemCode: "BEANS", pointsPer: 5, perMinor: 100)])
        #expect(earn.itemPercent == ["ESP-DOUBLE": 300] && earn.departmentPercent == ["coffee": 150])
        #expect(earn.excludedItems == ["GIFTCARD"] && earn.excludedDepartments == ["TOBACCO"])
    }

    @Test func inconsistentCatalogsAreRefusedNamingTheField() throws {
        let f = try OfficeFixture()
        let c = try catalog(f)
        var twice = c
        twice.earnRules.append(EarnRule(ruleId: "base", points: 2, perAmount: 100, tag: "x"))
        #expect(f.error(.catalogSet(twice))?.field == "earnRules[1].ruleId")
        var twoBases = c
        twoBases.earnRules.append(EarnRule(ruleId: "other", points: 2, perAmount: 100))
        #expect(f.error(.catalogSet(twoBases))?.field == "earnRules[1]")
        var multiplierTwice = c
        multiplierTwice.earnMultipliers.append(EarnMultiplier(department: "coffee", percent: 100))
        #expect(f.error(.catalogSet(multiplierTwice))?.field == "earnMultipliers[1].department")
        var eachLine = c
        eachLine.giftTemplates.append(GiftTemplate(templateId: "X", name: "x", percentOffEachLine: 10, itemCodes: ["A", "B"], validDays: nil))
        #expect(f.error(.catalogSet(eachLine))?.field == "giftTemplates[3].percentOffEachLine")
        #expect(try catalog(f) == c)
    }

    @Test func heldGiftsOfWithdrawnTemplatesKeepTheirNames() throws {
        let f = try OfficeFixture()
        #expect(try f.loyalty.identify([MemberIdentifier(kind: .memberKey, value: "M00000002")])[0].benefits.map(\.name) == ["Welcome: 5.00 EUR off"])
        var c = try catalog(f)
        c.giftTemplates.removeAll { $0.templateId == "WELCOME_5" }
        _ = try f.run(.catalogSet(c)).get()
        let ben = try f.loyalty.identify([MemberIdentifier(kind: .memberKey, value: "M00000002")])[0]
        #expect(ben.benefits.map(\.name) == ["Welcome: 5.00 EUR off"])
        var request = coffeeLine("q", member: "M00000002", cents: 3000)
        request.redemptions = ["demo-M00000002-WELCOME_5"]
        let quote = try f.loyalty.quote(request, terminal: f.pos)
        #expect(quote.benefits.map(\.name) == ["Welcome: 5.00 EUR off"])
    }

    /// The reproduction: `examples/catalog.set.request.json` on the demo store. A 10.00 EUR coffee line earned
    /// 20 points before and after (a hidden department multiplier); now the example's rules are all there is.
    @Test func theExampleCatalogReplacesTheDemoEarning() throws {
        let f = try OfficeFixture()
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("protocol/examples/catalog.set.request.json")
        guard case .operator(.catalogSet(let example)) = try ServerCodec().decodeRequest(Array(try Data(contentsOf: file))).get().request else {
            throw Unexpected.response
        }
        #expect(try f.loyalty.quote(coffeeLine("q1", member: "M00000003", cents: 1000), terminal: f.pos).receipt.members[0].pointsEarned == 20)
        guard case .catalog(let saved) = try f.run(.catalogSet(example)).get() else { throw Unexpected.response }
        #expect(saved == example)
        #expect(try catalog(f) == example)
        #expect(try f.loyalty.quote(coffeeLine("q2", member: "M00000003", cents: 1000), terminal: f.pos).receipt.members[0].pointsEarned == 10)
    }
}
