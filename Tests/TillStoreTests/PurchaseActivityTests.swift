import Foundation
import TillCore
import TillProtocol
import Testing
@testable import TillStore

/// A purchase's benefit entries in the activity log: one per member and template, however many gifts it redeems
/// or cards it fills.
@Suite struct PurchaseActivityTests {
    func benefitEntries(_ f: LoyaltyFixture, _ transactionId: String) throws -> [ActivityEntry] {
        try f.store.read { try MemberActivity.page($0, ActivityQuery(memberKey: "M00000001", group: .benefits, limit: 100)) }
            .entries.filter { $0.transactionId == transactionId }
    }

    @Test func filledCardsAndRedeemedGiftsAreOneEntryPerTemplate() throws {
        let f = try LoyaltyFixture()
        // 24 espressos fill three coffee cards of 8: three reward gifts.
        let filled = try f.purchase(basket("T1", coffees: 24)).get()
        let rewards = filled.members[0].benefitsIssued.filter { $0.kind == .gift }.map(\.benefitId)
        #expect(rewards.count == 3)
        let completed = try benefitEntries(f, "T1")
        #expect(completed.map(\.kind) == ["punch_card_completed"])
        let summary = completed.first?.summary ?? ""
        #expect(summary.hasPrefix("Coffee card: 3 cards completed in B1/P1 T1 ("), "\(summary)")
        #expect(summary.hasSuffix(", 3 rewards issued (\(rewards.joined(separator: ", ")))"), "\(summary)")

        _ = try f.purchase(basket("T2", coffees: 2, redemptions: Array(rewards.prefix(2)))).get()
        let redeemed = try benefitEntries(f, "T2")
        #expect(redeemed.map(\.kind) == ["benefit_redeemed"])
        #expect(redeemed.first?.summary == "Redeemed 2 × Free espresso (\(rewards[0]), \(rewards[1])) in B1/P1 T2")

        // One gift, one card: the wording of one entry per benefit.
        _ = try f.purchase(basket("T3", coffees: 8, redemptions: [rewards[2]])).get()
        let single = try benefitEntries(f, "T3").sorted { $0.kind < $1.kind }
        #expect(single.map(\.kind) == ["benefit_redeemed", "punch_card_completed"])
        #expect(single.first?.summary == "Redeemed Free espresso (\(rewards[2])) in B1/P1 T3")
        #expect(single.last?.summary.contains(" completed in B1/P1 T3, reward ") == true, "\(single.last?.summary ?? "")")
    }

    @Test func longListsSayHowManyMore() {
        let ids = (0..<200).map { "branch-0123456789/pos-0123456789/T\($0)#\($0)" }
        let listed = PurchaseActivity.list(ids)
        #expect(listed.utf8.count <= PurchaseActivity.listBudget + 20)
        #expect(listed.hasPrefix(ids[0] + ", " + ids[1]))
        #expect(listed.hasSuffix(" more"))
        let shown = listed.components(separatedBy: ", ").count
        #expect(listed.hasSuffix(" and \(200 - shown) more"))
        #expect(PurchaseActivity.list(["a", "b"]) == "a, b")
    }
}

/// The benefits a purchase names are read once each by id (not once per name and member): a used gift still
/// reads as its owner's and answers `used`, a gift of a member not in the purchase is nobody's here.
@Suite struct NamedBenefitTests {
    @Test func namedBenefitsAreFoundOnTheirOwnerOnly() throws {
        let f = try LoyaltyFixture()
        _ = try f.purchase(basket("T1", redemptions: ["demo-M00000001-TEN_PERCENT"])).get()
        var request = basket("Q1", redemptions: ["demo-M00000001-TEN_PERCENT", "demo-M00000002-WELCOME_5",
                                                 "demo-M00000001-FREE_ESPRESSO"])
        request.members = [MemberIdentifier(kind: .memberKey, value: "M00000003"), MemberIdentifier(kind: .memberKey, value: "M00000001")]
        let quote = try f.loyalty.quote(request, terminal: f.pos)
        func named(_ id: String) -> RedeemableBenefit? { quote.benefits.first { $0.benefitId == id } }
        #expect(named("demo-M00000001-TEN_PERCENT")?.cause == .used)
        #expect(named("demo-M00000001-TEN_PERCENT")?.memberKey == "M00000001")
        #expect(named("demo-M00000002-WELCOME_5")?.cause == .notOwned)
        #expect(named("demo-M00000001-FREE_ESPRESSO")?.redeemable == true)
        request.transactionId = "T2"
        guard case .failure(.benefitNotRedeemable(let field, let id, let cause)) = f.purchase(request) else {
            Issue.record("a used gift was redeemed")
            return
        }
        #expect(field == "redemptions[0]" && id == "demo-M00000001-TEN_PERCENT" && cause == .used)
    }

    /// More than four names are matched through a set of the ids read (a few are compared): the same answers.
    @Test func manyNamedBenefitsAreFoundOnTheirOwnerOnly() throws {
        let f = try LoyaltyFixture()
        _ = try f.purchase(basket("T1", redemptions: ["demo-M00000001-TEN_PERCENT"])).get()
        let request = basket("Q1", redemptions: ["nobody-1", "demo-M00000001-TEN_PERCENT", "demo-M00000002-WELCOME_5",
                                                 "nobody-2", "demo-M00000001-FREE_ESPRESSO", "nobody-3"])
        let quote = try f.loyalty.quote(request, terminal: f.pos)
        func named(_ id: String) -> RedeemableBenefit? { quote.benefits.first { $0.benefitId == id } }
        #expect(named("demo-M00000001-TEN_PERCENT")?.cause == .used)
        #expect(named("demo-M00000001-TEN_PERCENT")?.memberKey == "M00000001")
        #expect(named("demo-M00000002-WELCOME_5")?.cause == .notOwned)
        #expect(named("nobody-2")?.cause == .notOwned)
        #expect(named("demo-M00000001-FREE_ESPRESSO")?.redeemable == true)
    }
}
