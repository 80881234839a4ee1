import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// `benefit.list` and `benefit.action`.
@Suite struct BackOfficeBenefitTests {
    @Test func sendGivesQuantityAndListSortsActiveBySoonestExpiry() throws {
        let f = try OfficeFixture()
        let sent = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .send, templateId: "FREE_ESPRESSO", count: 2)))
        #expect(sent.count == 2 && sent.allSatisfy { $0.status == .active && $0.kind == .gift })
        #expect(sent[0].validUntil == f.clock.now.adding(days: 30))
        _ = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .extend, benefitId: sent[1].benefitId, days: 5)))
        _ = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .send, templateId: "WELCOME_5", count: 1)))
        let list = try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000003")))
        #expect(list.map(\.benefitId) == [sent[0].benefitId, sent[1].benefitId, list[2].benefitId])
        #expect(list[2].validUntil == nil)  // no end date: last
        #expect(try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000003", name: "espr"))).count == 2)
        #expect(try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000003", kind: .punchCard))).isEmpty)
        let page = try f.activity(ActivityQuery(memberKey: "M00000003", group: .benefits))
        #expect(page.entries.map(\.kind) == ["benefit_sent", "benefit_extend", "benefit_sent"])
    }

    /// One rule for punch cards: a card the operator punches to full completes as at the POS (used, its reward gift,
    /// a renewed card taking the surplus); a card that is not full cannot be used.
    @Test func punchCardFilledByAnOperatorIssuesItsRewardAndANewCard() throws {
        let f = try OfficeFixture()
        let card = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .send, templateId: "COFFEE_CARD", count: 1)))[0]
        #expect(card.kind == .punchCard && card.punches == 0 && card.punchesRequired == 8)
        let e = f.error(.benefitAction(BenefitAction(memberKey: "M00000003", action: .use, benefitId: card.benefitId)))
        #expect(e?.code == "not_allowed" && e?.field == "benefitId")
        let punched = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .punch, benefitId: card.benefitId, count: 7)))
        #expect(punched.map(\.punches) == [7])
        let full = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .punch, benefitId: card.benefitId, count: 1)))
        #expect(full.map(\.name) == ["Coffee card", "Free espresso", "Coffee card"])
        #expect(full.map(\.status) == [.used, .active, .active] && full.map(\.punches) == [8, nil, 0])
        // The back office sees when it was assigned and used (an operator's punch names no POS operation).
        #expect(full[0].assignedAt == card.assignedAt && full[0].redeemedAt != nil && full[0].usedIn == nil)
        #expect(f.error(.benefitAction(BenefitAction(memberKey: "M00000003", action: .punch, benefitId: card.benefitId, count: 1)))?.code == "not_allowed")
        // More punches than a card holds carry over to the renewed card, as at the POS.
        let carried = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .punch, benefitId: full[2].benefitId, count: 10)))
        #expect(carried.map(\.status) == [.used, .active, .active] && carried.map(\.punches) == [8, nil, 2])
        let gifts = try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000003", kind: .gift, availability: .active)))
        #expect(gifts.count == 2)
    }

    /// The purchase's bound holds for an operator's punch too: 20 cards of 8 complete at once (160 punches), 161 is
    /// refused and writes nothing, in one step per card (never one per punch).
    @Test func anOperatorPunchCompletesAtMostTwentyCardsAtOnce() throws {
        let f = try OfficeFixture()
        let card = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .send, templateId: "COFFEE_CARD", count: 1)))[0]
        let e = f.error(.benefitAction(BenefitAction(memberKey: "M00000003", action: .punch, benefitId: card.benefitId, count: 161)))
        #expect(e?.code == "not_allowed" && e?.field == "count")
        #expect(try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000003", kind: .gift, availability: .active))).isEmpty)
        let filled = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .punch, benefitId: card.benefitId, count: 160)))
        #expect(filled.filter { $0.name == "Free espresso" }.count == 20)
        #expect(filled.last?.status == .active && filled.last?.punches == 0)
    }

    @Test func extendReactivatesExpiredButNotWhenTheTemplateIsWithdrawn() throws {
        let f = try OfficeFixture()
        let gift = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .send, templateId: "FREE_ESPRESSO", count: 1)))[0]
        f.clock.advance(days: 31)
        #expect(try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000003", availability: .expired))).map(\.benefitId) == [gift.benefitId])
        #expect(f.error(.benefitAction(BenefitAction(memberKey: "M00000003", action: .use, benefitId: gift.benefitId)))?.code == "not_allowed")
        let extended = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000003", action: .extend, benefitId: gift.benefitId, days: 7)))[0]
        #expect(extended.status == .active && extended.validUntil == f.clock.now.adding(days: 7))
        // Withdraw FREE_ESPRESSO from the catalog (and the punch card that rewards it).
        guard case .catalog(var catalog) = try f.run(.catalogGet).get() else { throw Unexpected.response }
        catalog.giftTemplates.removeAll { $0.templateId == "FREE_ESPRESSO" }
        catalog.punchTemplates = []
        _ = try f.run(.catalogSet(catalog)).get()
        let e = f.error(.benefitAction(BenefitAction(memberKey: "M00000003", action: .extend, benefitId: gift.benefitId, days: 7)))
        #expect(e?.code == "not_allowed" && e?.field == "benefitId")
        #expect(f.error(.benefitAction(BenefitAction(memberKey: "M00000003", action: .send, templateId: "FREE_ESPRESSO", count: 1)))?.code == "not_allowed")
    }

    @Test func deleteHidesTheBenefitAndUsedOnesStay() throws {
        let f = try OfficeFixture()
        let list = try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000001")))
        #expect(list.count == 3)
        _ = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000001", action: .delete, benefitId: "demo-M00000001-WELCOME_5")))
        _ = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000001", action: .use, benefitId: "demo-M00000001-TEN_PERCENT")))
        #expect(f.error(.benefitAction(BenefitAction(memberKey: "M00000001", action: .delete, benefitId: "demo-M00000001-TEN_PERCENT")))?.code == "not_allowed")
        let after = try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000001")))
        #expect(after.map(\.benefitId) == ["demo-M00000001-FREE_ESPRESSO", "demo-M00000001-TEN_PERCENT"])
        #expect(try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000001", availability: .used))).count == 1)
        #expect(f.error(.benefitAction(BenefitAction(memberKey: "M00000001", action: .use, benefitId: "demo-M00000001-WELCOME_5")))?.code == "not_found")
    }

    @Test func blockedMembersGetNothingNew() throws {
        let f = try OfficeFixture()
        _ = try f.profile(.memberBlock(MemberRef(memberKey: "M00000003")))
        #expect(f.error(.benefitAction(BenefitAction(memberKey: "M00000003", action: .send, templateId: "WELCOME_5", count: 1)))?.code == "member_blocked")
    }

    /// A punch that does not fill the card leaves its status as it is: the status (indexed by
    /// `member_benefits_member`) is not set again, so the index page is not rewritten on every coffee; filling the
    /// card and voiding that purchase still change it. Counted with a trigger on `UPDATE OF status`, which fires
    /// whenever the column is set, changed or not.
    @Test func aPunchSetsNoStatusAndFillingOrVoidingDoes() throws {
        let f = try OfficeFixture()
        _ = try f.store.writeAndWait(ClosureWrite { c in
            try c.execute("CREATE TABLE status_writes (benefit TEXT NOT NULL)")
            try c.execute("""
                CREATE TRIGGER count_status_writes AFTER UPDATE OF status ON member_benefits
                BEGIN INSERT INTO status_writes VALUES (new.public_id); END
                """)
        }).get()
        func statusWrites() throws -> Int64 { try f.sql("SELECT count(*) FROM status_writes") ?? -1 }
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()  // enrols Anna: a card with one punch
        let punched = try f.purchase(f.coffee("T2", member: "M00000001")).get()
        #expect(punched.members[0].punches.first?.punchesAfter == 2)
        #expect(try statusWrites() == 0)
        let filled = try f.purchase(f.coffee("T3", member: "M00000001", cups: 6)).get()  // 2 + 6 = 8: full
        #expect(filled.members[0].punches.first?.rewardsCompleted == 1)
        #expect(try statusWrites() == 1)
        _ = try f.void(VoidRequest(voidId: "V3", transactionId: "T3")).get()
        #expect(try statusWrites() >= 2)
        let cards = try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000001", kind: .punchCard)))
        #expect(cards.map(\.status) == [.active] && cards.first?.punches == 2)
    }
}
