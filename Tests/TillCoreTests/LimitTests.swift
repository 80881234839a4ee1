import Foundation
import Testing
@testable import TillCore

/// The documented bounds (`ValueLimits`, PROTOCOL.md §9, docs/rules.md "Limits"): every op at the maxima and just
/// past them computes without a trap; a result that would not fit is a typed error naming the field.
@Suite struct LimitTests {
    static let max = ValueLimits.maxMoney

    /// Issue 13, defect 1: earn rule 1,000,000 points per 1 minor unit, 10 lines of 10^12. This trapped
    /// ("arithmetic overflow") before the bounds were checked; now the subtotal is refused, naming `items`.
    @Test func hugeRateOnHugeLinesIsATypedError() throws {
        var settings = shopSettings
        settings.earn = EarningRule(pointsPer: 1_000_000, perMinor: 1)
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA"))
        let items = (0..<10).map { line("L\($0)", "MUG", qty: 1000, price: Self.max) }
        let r = request("T1", items: items, members: ["ANNA"])
        #expect(throws: TillError.invalidRequest(field: "items", reason: "subtotal 10000000000000 above 1000000000000")) {
            try LoyaltyRules.quote(r, terminal: till, matches: w.matches(r, now: t0), catalog: shopCatalog, settings: settings, now: t0)
        }
        // One line at the money maximum: 10^18 points would not fit the points bound: the line is named.
        let one = request("T2", items: [line("L0", "MUG", qty: 1000, price: Self.max)], members: ["ANNA"])
        #expect(throws: TillError.invalidRequest(field: "items[0]", reason: "earns more than 1000000000000 points")) {
            try LoyaltyRules.purchase(one, terminal: till, matches: w.matches(one, now: t0), catalog: shopCatalog, settings: settings, now: t0)
        }
        // Multipliers and rates at Int64's edge are computed in 128 bits: still a typed error, never a trap.
        settings.earn = EarningRule(pointsPer: .max, perMinor: 1, departmentPercent: ["D": .max])
        let dept = request("T3", items: [line("L0", "X", qty: 1000, price: 1, dept: "D")], members: ["ANNA"])
        #expect(throws: TillError.invalidRequest(field: "items[0]", reason: "earns more than 1000000000000 points")) {
            try LoyaltyRules.purchase(dept, terminal: till, matches: w.matches(dept, now: t0), catalog: shopCatalog, settings: settings, now: t0)
        }
    }

    /// The totals at the maximum pass; one minor unit more is refused, naming the field.
    @Test func totalsAtTheMaximumAndJustPast() throws {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA"))
        let half = Self.max / 2
        let atMax = request("T1", items: [line("A", "MUG", qty: 1000, price: half), line("B", "MUG", qty: 1000, price: half)],
                            members: ["ANNA"])
        let e = try w.purchase(atMax)
        #expect(e.receipt.total == Self.max && points(e, "ANNA")?.pointsEarned == Self.max / 100)
        let past = request("T2", items: [line("A", "MUG", qty: 1000, price: half), line("B", "MUG", qty: 1000, price: half + 1)])
        #expect(throws: TillError.invalidRequest(field: "items", reason: "subtotal 1000000000001 above 1000000000000")) { try w.purchase(past) }
        let taxed = request("T3", items: [line("A", "MUG", qty: 1000, price: Self.max - 5)], tax: 6)
        #expect(throws: TillError.invalidRequest(field: "tax", reason: "must be between 0 and 5 (the total is at most 1000000000000)")) {
            try w.purchase(taxed)
        }
        // A million units at 10^6 is exactly 10^12; at one more minor unit the line is refused.
        _ = try w.purchase(request("T4", items: [line("A", "MUG", qty: ValueLimits.maxQuantityThousandths, price: 1_000_000)]))
        #expect(throws: TillError.invalidRequest(field: "items[0]", reason: "line amount above 1000000000000")) {
            try w.purchase(request("T5", items: [line("A", "MUG", qty: ValueLimits.maxQuantityThousandths, price: 1_000_001)]))
        }
    }

    /// A wallet never goes above `maxBalance`: an earning that would is refused naming the member; a refund
    /// that would is refused naming the transaction; the budget ratio cannot overflow.
    @Test func walletsStayWithinTheBalanceBound() throws {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA", points: ValueLimits.maxBalance - 10))
        // 1000 cents earn 10 points: exactly the maximum.
        let e = try w.purchase(request("T1", items: [line("A", "MUG", qty: 1000, price: 1000)], members: ["ANNA"]))
        #expect(w.account(1, now: t0).points == ValueLimits.maxBalance && points(e, "ANNA")?.pointsEarned == 10)
        #expect(throws: TillError.invalidRequest(field: "members[0]", reason: "earning 1 points would take the wallet above 1000000000000")) {
            try w.purchase(request("T2", items: [line("A", "MUG", qty: 1000, price: 100)], members: ["ANNA"]))
        }
        // Spend 1000 points (500 cents), earn them back on another purchase, then void the spend: the refund would
        // take the wallet past the bound and is refused; nothing changes.
        var pay = request("T3", items: [line("A", "MUG", qty: 1000, price: 500)], members: ["ANNA"])
        pay.payments = [Payment(means: .points, amount: 500)]
        let spent = try w.purchase(pay)
        _ = try w.purchase(request("T4", items: [line("A", "MUG", qty: 1000, price: 100_000)], members: ["ANNA"]))
        #expect(w.account(1, now: t0).points == ValueLimits.maxBalance)
        #expect(throws: TillError.self) {
            try LoyaltyRules.void(VoidRequest(voidId: "V1", transactionId: "T3"), record: spent.record, previouslyReturned: [],
                                  members: w.accounts(spent.record, now: t0), catalog: shopCatalog, now: t0)
        }
        // Points for a payment at any ratio: computed checked.
        #expect(BudgetRule(ratioPoints: .max, ratioMoney: 1).pointsFor(amount: Self.max) == nil)
        #expect(BudgetRule(ratioPoints: 1_000_000, ratioMoney: 1).pointsFor(amount: 1_000_000) == Self.max)
        #expect(BudgetRule(ratioPoints: 1_000_000, ratioMoney: 1).pointsFor(amount: 1_000_001) == nil)
    }

    /// Benefit ids stay within the wire's 128 bytes (so they read back and a POS can redeem them): long references
    /// get the hashed short form, deterministically and distinct per reference.
    @Test func longBenefitIdsAreShortened() {
        let long = OperationRef(terminal: TerminalIdentity(branchId: String(repeating: "/", count: 128), posId: "P"),
                                transactionId: String(repeating: "%", count: 128))
        let other = OperationRef(terminal: long.terminal, transactionId: String(repeating: "%", count: 127))
        #expect(long.reference.utf8.count == 3 * 128 + 1 + 1 + 1 + 3 * 128)
        #expect(long.benefitId(12).utf8.count == 36 && long.benefitId(12).hasPrefix("~") && long.benefitId(12).hasSuffix("#12"))
        #expect(long.benefitId(12) == long.benefitId(12) && long.benefitId(1) != other.benefitId(1))
        #expect(OperationRef(terminal: till, transactionId: "T1").benefitId(2) == "B1/P1/T1#2")
    }

    /// A reference is its three components escaped (`%`, `/`, `#`) and joined with `/`, whatever their length (a
    /// small string or not) and characters.
    @Test func referencesJoinTheEscapedComponents() {
        var random = SplitMix64(seed: 0x2EF)
        let pieces = ["", "B1", "P/1", "%", "#", "é", "\u{1F600}", "T-0001", String(repeating: "x", count: 40)]
        for _ in 0..<300 {
            let (b, p, t) = (pieces.randomElement(using: &random)! + pieces.randomElement(using: &random)!,
                             pieces.randomElement(using: &random)!, pieces.randomElement(using: &random)!)
            let escaped = [b, p, t].map {
                $0.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2F")
                    .replacingOccurrences(of: "#", with: "%23")
            }
            let op = OperationRef(terminal: TerminalIdentity(branchId: b, posId: p), transactionId: t)
            #expect(op.reference == escaped.joined(separator: "/"), "\(b) \(p) \(t)")
        }
    }

    /// Seeded random purchases, quotes, returns and voids with every value drawn from the edges (0, 1, the maxima,
    /// one past them, Int64's edge) under extreme earn rates and ratios: each call either answers or throws a
    /// `TillError`; the receipt identity and the wallet bound hold after every applied operation.
    @Test(arguments: 0..<40) func randomOpsAtTheEdges(seed: UInt64) throws {
        var rng = SplitMix64(seed: 0x13_0000 + seed)
        func edge(_ max: Int64) -> Int64 {
            let picks: [Int64] = [0, 1, 2, max / 3, max - 1, max, max + 1, .max / 2, .max]
            return rng.chance(25) ? rng.int(0...max) : picks[Int(rng.int(0...Int64(picks.count - 1)))]
        }
        var settings = shopSettings
        let per = [1, 1_000_000, Int64.max][Int(rng.int(0...2))]
        settings.earn = EarningRule(pointsPer: per, perMinor: rng.chance(50) ? 1 : 1_000_000_000,
                                    departmentPercent: ["BAKERY": [100, 10_000, Int64.max][Int(rng.int(0...2))]])
        settings.budget = BudgetRule(pointsEnabled: true, creditEnabled: true, ratioPoints: rng.chance(50) ? 1_000_000 : 1,
                                     ratioMoney: rng.chance(50) ? 1_000_000 : 1, minAmount: 1, maxAmount: .max)
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA", points: edge(ValueLimits.maxBalance) % (ValueLimits.maxBalance + 1),
                            credit: edge(ValueLimits.maxBalance) % (ValueLimits.maxBalance + 1)))
        w.add(MemberAccount(id: 2, memberKey: "BEN"))
        var sales: [PurchaseEvaluation] = []
        for step in 0..<30 {
            let now = t0.adding(days: Int64(step))
            let count = rng.chance(20) ? 500 : Int(rng.int(1...4))
            let items = (0..<count).map { i in
                line("L\(i)", ["COF", "MUG", "BUN"][i % 3], qty: Swift.max(1, edge(ValueLimits.maxQuantityThousandths)),
                     price: edge(ValueLimits.maxMoney), dept: i % 3 == 2 ? "BAKERY" : nil)
            }
            var r = request("T\(step)", items: items, members: rng.chance(80) ? ["ANNA", "BEN"] : ["ANNA"], tax: edge(ValueLimits.maxMoney))
            r.openedAt = now
            if rng.chance(50) { r.payments = [Payment(means: rng.chance(50) ? .points : .credit, amount: Swift.max(1, edge(ValueLimits.maxMoney)))] }
            do {
                _ = try LoyaltyRules.quote(r, terminal: till, matches: w.matches(r, now: now), catalog: shopCatalog, settings: settings, now: now)
                let e = try LoyaltyRules.purchase(r, terminal: till, matches: w.matches(r, now: now), catalog: shopCatalog, settings: settings, now: now)
                let t = e.receipt
                #expect(t.total == t.subtotal - t.itemDiscounts - t.orderDiscount - t.benefitDiscounts + t.tax && t.total <= ValueLimits.maxMoney)
                w.apply(e.changes)
                sales.append(e)
            } catch {
                // A typed refusal is the only other outcome (the do/catch is typed: nothing else can be thrown).
            }
            if let sale = sales.randomElement(using: &rng), rng.chance(40) {
                let lines = sale.record.lines.prefix(3).map { ReturnLine(lineId: $0.lineId, quantity: Quantity(thousandths: Swift.max(1, $0.quantity.thousandths / 2))) }
                do {
                    let rev = rng.chance(50)
                        ? try LoyaltyRules.void(VoidRequest(voidId: "V\(step)", transactionId: sale.record.transactionId), record: sale.record,
                                                previouslyReturned: [], members: w.accounts(sale.record, now: now), catalog: shopCatalog, now: now)
                        : try LoyaltyRules.returnItems(ReturnRequest(returnId: "R\(step)", transactionId: sale.record.transactionId, lines: Array(lines)),
                                                       record: sale.record, previouslyReturned: [], members: w.accounts(sale.record, now: now),
                                                       catalog: shopCatalog, now: now)
                    w.apply(rev.changes)
                    sales.removeAll { $0.record.transactionId == sale.record.transactionId }
                } catch {}
            }
            for id in [Int64(1), 2] {
                let a = w.account(id, now: now)
                #expect(a.points >= 0 && a.credit >= 0 && a.credit <= ValueLimits.maxBalance, "seed \(seed) step \(step)")
                #expect(a.points + a.balance.pendingPoints <= ValueLimits.maxBalance, "seed \(seed) step \(step)")
            }
        }
    }
}
