import Testing
@testable import TillCore

/// docs/rules.md, "Gifts".
@Suite struct GiftTests {
    let basket = [
        line("COF", "COF", qty: 2000, price: 350),
        line("CAK", "CAK", qty: 1000, price: 450),
        line("MUG", "MUG", qty: 1000, price: 1200),
    ]
    func world(_ templates: [String], validUntil: Timestamp? = nil, validFrom: Timestamp? = nil) -> World {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA", benefits: templates.map {
            HeldBenefit(id: "g-\($0)", templateId: $0, kind: .gift, validFrom: validFrom, validUntil: validUntil)
        }))
        w.add(MemberAccount(id: 2, memberKey: "BEN"))
        return w
    }
    func redeem(_ template: String) throws -> PurchaseEvaluation {
        var w = world([template])
        return try w.purchase(request("T1", items: basket, members: ["ANNA"], redemptions: ["g-\(template)"]))
    }

    /// Example 4.
    @Test func amountOffIsSpreadByLargestRemainder() throws {
        let e = try redeem("FIVE")
        #expect(e.receipt.benefitDiscounts == 500 && e.receipt.total == 1850)
        #expect(e.record.lines.map(\.net) == [551, 354, 945])
        #expect(e.receipt.redemptions == [AppliedRedemption(benefitId: "g-FIVE", name: "5 EUR off", memberKey: "ANNA", amount: 500, lineIds: ["COF", "CAK", "MUG"])])
        #expect(points(e, "ANNA")?.pointsEarned == 17)  // 551, 354, 945 cents: 5 + 3 + 9
        #expect(e.changes.benefitUpdates == [BenefitUpdate(memberId: 1, benefitId: "g-FIVE", status: .used, punches: 0, usedIn: "B1/P1/T1")])
    }
    @Test func percentOffIsCapped() throws { #expect(try redeem("TEN_PCT").receipt.benefitDiscounts == 200) }
    @Test func freeItemIsOneUnitOfTheCheapest() throws {
        let e = try redeem("FREE_DRINK")
        #expect(e.receipt.benefitDiscounts == 350 && e.receipt.redemptions[0].lineIds == ["COF"])
    }
    @Test func itemDiscount() throws { #expect(try redeem("HALF_COFFEE").receipt.benefitDiscounts == 350) }

    @Test func causes() {
        func cause(_ w: World, _ id: String, member: String = "ANNA", now: Timestamp = t0) -> NonRedeemableCause? {
            var w = w
            do { _ = try w.purchase(request("T1", items: basket, members: [member], redemptions: [id]), now: now) }
            catch TillError.benefitNotRedeemable(let field, _, let cause) { #expect(field == "redemptions[0]"); return cause }
            catch { return nil }
            return nil
        }
        #expect(cause(world(["BIG_SPENDER"]), "g-BIG_SPENDER") == .conditionsNotMet)
        #expect(cause(world(["FIVE"]), "g-FIVE", member: "BEN") == .notOwned)
        #expect(cause(world(["FIVE"], validUntil: at(days: 1)), "g-FIVE", now: at(days: 2)) == .expired)
        #expect(cause(world(["FIVE"], validFrom: at(days: 1)), "g-FIVE") == .notYetValid)
        var used = world(["FIVE"])
        used.profiles[1]!.benefits[0].status = .used
        #expect(cause(used, "g-FIVE") == .used)
        var noMug = world(["MUG_DEAL"])
        #expect(throws: TillError.benefitNotRedeemable(field: "redemptions[0]", benefitId: "g-MUG_DEAL", cause: .conditionsNotMet)) {
            try noMug.purchase(request("T1", items: [line("C", "COF", qty: 1000, price: 350)], members: ["ANNA"], redemptions: ["g-MUG_DEAL"]))
        }
        #expect(noMug.profiles[1]!.benefits[0].status == .active)
    }

    @Test func singleUse() throws {
        var w = world(["FIVE"])
        _ = try w.purchase(request("T1", items: basket, members: ["ANNA"], redemptions: ["g-FIVE"]))
        #expect(throws: TillError.benefitNotRedeemable(field: "redemptions[0]", benefitId: "g-FIVE", cause: .used)) {
            try w.purchase(request("T2", items: basket, members: ["ANNA"], redemptions: ["g-FIVE"]))
        }
    }

    @Test func quoteReportsWithoutFailing() throws {
        let w = world(["FIVE", "BIG_SPENDER"])
        let r = request("Q", items: basket, members: ["ANNA"], redemptions: ["g-BIG_SPENDER", "nope"])
        let q = try LoyaltyRules.quote(r, terminal: till, matches: w.matches(r, now: t0), catalog: shopCatalog, settings: shopSettings, now: t0)
        #expect(q.receipt.benefitDiscounts == 0 && q.receipt.total == 2350)
        #expect(q.benefits.map(\.benefitId) == ["g-FIVE", "g-BIG_SPENDER", "nope"])
        #expect(q.benefits.map(\.cause) == [nil, .conditionsNotMet, .notOwned])
        #expect(q.benefits[0].amount == 500 && q.benefits[0].redeemable)
    }
}

/// Gifts limited to some lines, and specific earning rates (the shapes the operator catalog can express).
@Suite struct SelectedLinesTests {
    let basket = [
        line("COF", "COF", qty: 2000, price: 350),
        line("CAK", "CAK", qty: 1000, price: 450),
        line("MUG", "MUG", qty: 1000, price: 1200),
    ]

    @Test func amountAndPercentOffSelectedLines() throws {
        var items = basket
        items[2].department = "HOME"
        let basketValue = try Basket(request("T", items: items), currency: "EUR")
        let drinks = GiftRule(id: "D", name: "3 EUR off coffee and cake", reward: .amountOff(300), codes: ["COF", "CAK"])
        #expect(try Redemption.discount(drinks, basket: basketValue).get() == LineShares(lines: [0, 1], amounts: [183, 117]))
        let mugs = GiftRule(id: "M", name: "10% off mugs", reward: .percentOff(percent: 10, cap: nil), departments: ["HOME"])
        #expect(try Redemption.discount(mugs, basket: basketValue).get() == LineShares(lines: [2], amounts: [120]))
        let none = GiftRule(id: "N", name: "nothing", reward: .amountOff(300), codes: ["TEA"])
        #expect(throws: NonRedeemableCauseBox(.conditionsNotMet)) { try Redemption.discount(none, basket: basketValue).get() }
    }

    @Test func specificRates() {
        let rule = EarningRule(pointsPer: 1, perMinor: 100, rates: [
            EarnRate(department: "BAKERY", pointsPer: 1, perMinor: 50),
            EarnRate(tag: "retail", pointsPer: 2, perMinor: 100),
            EarnRate(itemCode: "BEANS", pointsPer: 5, perMinor: 100),
        ], departmentPercent: ["BAKERY": 200])
        var item = LineItem(lineId: "1", code: "PACK", name: "Pack", quantity: .one, unitPrice: 1000, tags: ["retail"])
        #expect(rule.points(eligible: 1000, item: item) == 20)   // tag rate 2 per 100
        item.code = "BEANS"
        #expect(rule.points(eligible: 1000, item: item) == 50)   // item rate wins over the tag
        item = LineItem(lineId: "2", code: "BUN", name: "Bun", department: "BAKERY", quantity: .one, unitPrice: 1000)
        #expect(rule.points(eligible: 1000, item: item) == 40)   // department rate 1 per 50, × 200 %
        item.department = nil
        #expect(rule.points(eligible: 1000, item: item) == 10)   // base
    }
}
