import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// Terminal and operator keys, and the catalog.
@Suite struct BackOfficeAdminTests {
    @Test func terminalKeysProvisionListDisable() throws {
        let f = try OfficeFixture()
        guard case .credential(let c) = try f.run(.terminalProvision(TerminalProvision(terminal: TerminalIdentity(branchId: "B7", posId: "P2")))).get()
        else { throw Unexpected.response }
        #expect(c.apiKey == "tk_test_1" && c.info.keyId.hasPrefix("term-") && c.info.enabled)
        #expect(try f.loyalty.authenticate(keyDigest: Array("tk_test_1".utf8)) == .terminal(TerminalIdentity(branchId: "B7", posId: "P2")))
        guard case .keys(let list) = try f.run(.terminalList).get() else { throw Unexpected.response }
        #expect(list.keys.map(\.keyId) == [c.info.keyId])
        guard case .key(let disabled) = try f.run(.terminalDisable(KeyRef(keyId: c.info.keyId))).get() else { throw Unexpected.response }
        #expect(!disabled.enabled)
        #expect(try f.loyalty.authenticate(keyDigest: Array("tk_test_1".utf8)) == nil)
        #expect(f.error(.terminalDisable(KeyRef(keyId: "op-1")))?.code == "not_found")
    }

    @Test func operatorKeysProvisionListDisable() throws {
        let f = try OfficeFixture()
        guard case .credential(let c) = try f.run(.operatorProvision(OperatorProvision(name: "bob"))).get() else { throw Unexpected.response }
        #expect(c.info.name == "bob" && c.info.role == .operator)
        #expect(try f.loyalty.authenticate(keyDigest: Array(c.apiKey.utf8)) == .operator(id: 2, name: "bob"))
        guard case .keys(let list) = try f.run(.operatorList).get() else { throw Unexpected.response }
        #expect(list.keys.map(\.name) == ["alice", "bob"])
        _ = try f.run(.operatorDisable(KeyRef(keyId: c.info.keyId))).get()
        #expect(try f.loyalty.authenticate(keyDigest: Array(c.apiKey.utf8)) == nil)
    }

    @Test func catalogRoundTripsAndDropsTheEngineCache() throws {
        let f = try OfficeFixture()
        guard case .catalog(var catalog) = try f.run(.catalogGet).get() else { throw Unexpected.response }
        #expect(catalog.giftTemplates.map(\.templateId) == ["WELCOME_5", "TEN_PERCENT", "FREE_ESPRESSO"])
        #expect(catalog.punchTemplates.map(\.templateId) == ["COFFEE_CARD"])
        #expect(catalog.budget.ratioPoints == 100)
        catalog.giftTemplates.append(GiftTemplate(templateId: "CAKE", name: "Free cake", amountOff: 400, validDays: 14))
        catalog.pendingDays = 7
        catalog.earnRules = [EarnRule(ruleId: "base", points: 2, perAmount: 100)]
        guard case .catalog(let saved) = try f.run(.catalogSet(catalog)).get() else { throw Unexpected.response }
        #expect(saved.giftTemplates.last?.templateId == "CAKE" && saved.pendingDays == 7)
        #expect(f.catalogChanges.count == 1)
        #expect(try f.loyalty.program().settings.pendingDays == 7)
        #expect(try f.loyalty.program().catalog.gift("CAKE") != nil)
        // Rewards survive the round trip exactly: the capped percentage stays capped, the free item stays one unit.
        let gifts = try f.loyalty.program().catalog
        #expect(gifts.gift("TEN_PERCENT")?.reward == .percentOff(percent: 10, cap: 1_000))
        #expect(gifts.gift("FREE_ESPRESSO")?.reward == .freeItem(codes: ["SKU-0001"], departments: []))
        #expect(saved.giftTemplates.first { $0.templateId == "FREE_ESPRESSO" }?.freeItem == true)
        // Earn rate 2 per 100 applies at the POS now.
        let receipt = try f.purchase(f.coffee("T1", member: "M00000003")).get()
        #expect(receipt.members[0].pointsEarned + receipt.members[0].pointsPending >= 5)
        var bad = catalog
        bad.punchTemplates[0].rewardTemplateId = "NOPE"
        #expect(f.error(.catalogSet(bad))?.field == "punchTemplates[0].rewardTemplateId")
        var twoRewards = catalog
        twoRewards.giftTemplates[0].freeItem = true
        #expect(f.error(.catalogSet(twoRewards))?.field == "giftTemplates[0]")
        var capWithoutPercent = catalog
        capWithoutPercent.giftTemplates[0].maxDiscount = 100
        #expect(f.error(.catalogSet(capWithoutPercent))?.field == "giftTemplates[0].maxDiscount")
        #expect(f.catalogChanges.count == 1)
    }
}
