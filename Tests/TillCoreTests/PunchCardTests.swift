import Testing
@testable import TillCore

/// docs/rules.md, "Punch cards" (Example 5).
@Suite struct PunchCardTests {
    func world(punches: Int64) -> World {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA", benefits: [
            HeldBenefit(id: "card1", templateId: "COFFEE_CARD", kind: .punchCard, punches: punches)
        ]))
        return w
    }
    let coffees = [line("L1", "COF", qty: 3000, price: 350)]

    @Test func fillingACardIssuesTheRewardAndRenews() throws {
        var w = world(punches: 4)
        let e = try w.purchase(request("T1", items: coffees, members: ["ANNA"]))
        let anna = try #require(points(e, "ANNA"))
        // One entry per card template: 3 punches in all, one card filled, the fresh card holds the surplus.
        #expect(anna.punches == [
            PunchResult(benefitId: "B1/P1/T1#2", name: "Coffee card", punches: 3, punchesAfter: 2, punchesRequired: 5, completed: true,
                        rewardsCompleted: 1),
        ])
        #expect(anna.benefitsIssued == [
            IssuedBenefit(benefitId: "B1/P1/T1#1", name: "Free coffee", kind: .gift, validUntil: at(days: 30)),
            IssuedBenefit(benefitId: "B1/P1/T1#2", name: "Coffee card", kind: .punchCard, validUntil: nil),
        ])
        let benefits = w.profiles[1]!.benefits
        #expect(benefits.map(\.status) == [.used, .active, .active])
        #expect(benefits.map(\.punches) == [5, 0, 2])
    }

    /// Issue 13, defects 2 and 3: 150,000 coffees on a card of 5 made 30,000 cards, 30,000 rewards and one
    /// receipt entry per card (quadratic time, 5.3 MB answers; over 1,000 entries the stored receipt could not be
    /// read back). Now: one entry per template, at most `maxRewardsPerPurchase` cards filled, the rest not counted,
    /// and the record's punch lines scaled to what was counted so a return takes back only counted punches.
    @Test func hugeQuantityIsSummarisedOnceAndBounded() throws {
        var w = world(punches: 4)
        let e = try w.purchase(request("T1", items: [line("L1", "COF", qty: 150_000_000, price: 1), line("L2", "COF", qty: 50_000_000, price: 1)],
                                       members: ["ANNA"]))
        let anna = try #require(points(e, "ANNA"))
        let rewards = ValueLimits.maxRewardsPerPurchase
        let counted = 1 + (rewards - 1) * 5  // card1 takes 1, then rewards - 1 fresh cards of 5
        #expect(anna.punches == [
            PunchResult(benefitId: "B1/P1/T1#\(2 * rewards)", name: "Coffee card", punches: counted, punchesAfter: 0, punchesRequired: 5,
                        completed: true, rewardsCompleted: rewards)
        ])
        #expect(anna.benefitsIssued.count == Int(rewards) + 1 && anna.benefitsIssued.last?.kind == .punchCard)
        #expect(e.record.cards.count == Int(rewards) + 1 && e.record.cards.filter(\.completed).count == Int(rewards))
        #expect(e.record.punchLines.map(\.punches) == [counted * 3 / 4, counted / 4])  // 3:1
        #expect(e.record.punchLines.reduce(0) { $0 + $1.punches } == counted)
        #expect(w.profiles[1]!.benefits.filter { $0.kind == .gift }.count == Int(rewards))
        // Returning the second line takes back its counted punches only, newest cards first.
        let r = try LoyaltyRules.returnItems(
            ReturnRequest(returnId: "R1", transactionId: "T1", lines: [ReturnLine(lineId: "L2", quantity: Quantity(units: 50_000))]),
            record: e.record, previouslyReturned: [], members: w.accounts(e.record, now: t0), catalog: shopCatalog, now: t0)
        #expect(r.receipt.members[0].punches.count == 1)
        // A void takes back everything: every reward is unused, so every card reopens and card1 is back to 4.
        let v = try LoyaltyRules.void(VoidRequest(voidId: "V1", transactionId: "T1"), record: e.record, previouslyReturned: [],
                                      members: w.accounts(e.record, now: t0), catalog: shopCatalog, now: t0)
        w.apply(v.changes)
        #expect(v.receipt.members[0].punches.map(\.punches) == [-counted])
        #expect(v.receipt.members[0].punches.map(\.benefitId) == ["card1"])
        #expect(w.profiles[1]!.benefits[0].punches == 4 && w.profiles[1]!.benefits[0].status == .active)
        #expect(w.profiles[1]!.benefits.dropFirst().allSatisfy { $0.status == .deleted })
    }

    @Test func enrolsAndPunchesPerUnit() throws {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA"))
        let e = try w.purchase(request("T1", items: [line("L1", "COF", qty: 2500, price: 350), line("L2", "CAK", qty: 1000, price: 450)], members: ["ANNA"]))
        #expect(points(e, "ANNA")?.punches.map(\.punches) == [2])
        #expect(w.profiles[1]!.benefits.map(\.id) == ["B1/P1/T1#1"])
    }

    @Test func freeLinesDoNotPunch() throws {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA", benefits: [HeldBenefit(id: "g", templateId: "FREE_COFFEE", kind: .gift)]))
        let e = try w.purchase(request("T1", items: [line("L1", "COF", qty: 1000, price: 350)], members: ["ANNA"], redemptions: ["g"]))
        #expect(e.receipt.total == 0 && points(e, "ANNA")?.punches == [])
    }

    /// Return one coffee, then void: punches come off the newest card first; the unused reward is revoked.
    @Test func returnThenVoidTakesPunchesBack() throws {
        var w = world(punches: 4)
        let e = try w.purchase(request("T1", items: coffees, members: ["ANNA"]))
        #expect(try PurchaseRecord(text: e.record.text) == e.record)
        var odd = e.record
        odd.transactionId = "a\tb%,c\n"
        odd.punchLines.append(PurchaseRecord.PunchLine(templateId: "X", lineId: nil, lineIds: ["p,q", "%"], punches: 1))
        #expect(try PurchaseRecord(text: odd.text) == odd)
        #expect(throws: TillError.self) { try PurchaseRecord(text: "R2") }
        let r = try LoyaltyRules.returnItems(
            ReturnRequest(returnId: "R1", transactionId: "T1", lines: [ReturnLine(lineId: "L1", quantity: .one)]),
            record: e.record, previouslyReturned: [], members: w.accounts(e.record, now: t0), catalog: shopCatalog, now: t0)
        w.apply(r.changes)
        #expect(r.receipt.members[0].punches.map(\.punches) == [-1])
        #expect(r.receipt.members[0].pointsTakenBack == 3)
        #expect(w.profiles[1]!.benefits.map(\.punches) == [5, 0, 1])
        let v = try LoyaltyRules.void(
            VoidRequest(voidId: "V1", transactionId: "T1"), record: e.record, previouslyReturned: r.returnedLines,
            members: w.accounts(e.record, now: t0), catalog: shopCatalog, now: t0)
        w.apply(v.changes)
        #expect(v.receipt.members[0].pointsTakenBack == 7)
        #expect(v.receipt.members[0].benefitsRevoked == ["B1/P1/T1#2", "B1/P1/T1#1"])
        #expect(w.profiles[1]!.benefits.map(\.status) == [.active, .deleted, .deleted])
        #expect(w.profiles[1]!.benefits[0].punches == 4)
        #expect(w.account(1, now: t0).balance == WalletBalance(points: 0, pendingPoints: 0, credit: 0))
    }

    /// A reward already redeemed is not taken back: the completed card stays used, its punches are forgiven.
    @Test func voidAfterTheRewardWasUsed() throws {
        var w = world(punches: 4)
        let e = try w.purchase(request("T1", items: coffees, members: ["ANNA"]))
        _ = try w.purchase(request("T2", items: [line("X", "CAK", qty: 1000, price: 450), line("Y", "COF", qty: 1000, price: 350)],
                                   members: ["ANNA"], redemptions: ["B1/P1/T1#1"]))
        let v = try LoyaltyRules.void(VoidRequest(voidId: "V1", transactionId: "T1"), record: e.record, previouslyReturned: [],
                                      members: w.accounts(e.record, now: t0), catalog: shopCatalog, now: t0)
        w.apply(v.changes)
        #expect(v.receipt.members[0].punches.map(\.punches) == [-2])
        #expect(w.profiles[1]!.benefits.map(\.status) == [.used, .used, .deleted])  // card1, its reward, the renewal card
        #expect(w.profiles[1]!.benefits[2].punches == 0 && w.profiles[1]!.benefits[0].punches == 5)
    }
}

/// Per-purchase cards and cards without renewal.
@Suite struct PunchModeTests {
    let catalog = BenefitCatalog(
        gifts: shopCatalog.gifts,
        punchCards: [
            PunchCardRule(id: "VISIT", name: "Visit card", departments: ["BAKERY"], mode: .perPurchase, punchesRequired: 3,
                              rewardGiftTemplateId: "FIVE", renew: false),
        ])

    func run(_ w: inout World, _ r: PurchaseRequest) throws -> PurchaseEvaluation {
        let e = try LoyaltyRules.purchase(r, terminal: till, matches: w.matches(r, now: t0), catalog: catalog, settings: shopSettings, now: t0)
        w.apply(e.changes)
        return e
    }

    /// One punch per purchase, whatever the quantity; it comes off only when every qualifying line is returned.
    @Test func perPurchasePunch() throws {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA"))
        let e = try run(&w, request("T1", items: [line("A", "BUN", qty: 4000, price: 100, dept: "BAKERY"),
                                                  line("B", "PIE", qty: 1000, price: 300, dept: "BAKERY")], members: ["ANNA"]))
        #expect(points(e, "ANNA")?.punches.map(\.punches) == [1])
        let r1 = try LoyaltyRules.returnItems(ReturnRequest(returnId: "R1", transactionId: "T1", lines: [ReturnLine(lineId: "A", quantity: Quantity(units: 4))]),
                                              record: e.record, previouslyReturned: [], members: w.accounts(e.record, now: t0), catalog: catalog, now: t0)
        w.apply(r1.changes)
        #expect(r1.receipt.members[0].punches == [])
        let r2 = try LoyaltyRules.returnItems(ReturnRequest(returnId: "R2", transactionId: "T1", lines: [ReturnLine(lineId: "B", quantity: .one)]),
                                              record: e.record, previouslyReturned: r1.returnedLines, members: w.accounts(e.record, now: t0), catalog: catalog, now: t0)
        w.apply(r2.changes)
        #expect(r2.receipt.members[0].punches.map(\.punches) == [-1])
        #expect(w.profiles[1]!.benefits[0].punches == 0 && w.profiles[1]!.benefits[0].status == .active)
    }

    /// Without renewal a full card issues its reward and the next purchase enrols a fresh card.
    @Test func noRenewal() throws {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA", benefits: [HeldBenefit(id: "v", templateId: "VISIT", kind: .punchCard, punches: 2)]))
        let e = try run(&w, request("T1", items: [line("A", "BUN", qty: 1000, price: 100, dept: "BAKERY")], members: ["ANNA"]))
        #expect(points(e, "ANNA")?.benefitsIssued.map(\.benefitId) == ["B1/P1/T1#1"])
        #expect(w.profiles[1]!.benefits.map(\.status) == [.used, .active])
        let next = try run(&w, request("T2", items: [line("A", "BUN", qty: 1000, price: 100, dept: "BAKERY")], members: ["ANNA"]))
        #expect(points(next, "ANNA")?.punches.map(\.benefitId) == ["B1/P1/T2#1"])
    }
}
