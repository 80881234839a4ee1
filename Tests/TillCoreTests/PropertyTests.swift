import Testing
@testable import TillCore

/// Seeded random sequences of purchases, voids and returns against the in-memory store (`World`).
/// Each seed replays exactly; a failure message names the seed and step.
@Suite struct PropertyTests {
    static let codes: [(String, String?)] = [
        ("COF", nil), ("CAK", nil), ("MUG", nil), ("BRD", nil), ("BUN", "BAKERY"), ("CIG", "TOBACCO"), ("GIFTCARD", nil),
    ]
    static let giftTemplates = ["FIVE", "TEN_PCT", "FREE_DRINK", "HALF_COFFEE", "BIG_SPENDER", "MUG_DEAL"]

    struct Sale {
        var evaluation: PurchaseEvaluation
        var returned: [ReturnLine] = []
        var voided = false
        var taken: Points = 0
        var takenBy: [String: Points] = [:]
        var refunded: Int64 = 0
        var amount: MinorUnits = 0
        var earned: Points { evaluation.receipt.members.reduce(0) { $0 + $1.pointsEarned } }
        var spent: Int64 { evaluation.record.budget?.units ?? 0 }
        func remaining(_ lineId: String) -> Int64 {
            evaluation.record.lines.first { $0.lineId == lineId }!.quantity.thousandths
                - returned.filter { $0.lineId == lineId }.reduce(0) { $0 + $1.quantity.thousandths }
        }
    }

    static func basket(_ rng: inout SplitMix64, id: String, members: [String], world: World, now: Timestamp) -> PurchaseRequest {
        var items: [LineItem] = []
        for i in 0..<Int(rng.int(1...5)) {
            let (code, dept) = codes[Int(rng.int(0...Int64(codes.count - 1)))]
            let qty = rng.chance(70) ? rng.int(1...4) * 1000 : rng.int(1...5000)
            let price = rng.int(0...3000)
            let gross = Arithmetic.lineGross(quantity: Quantity(thousandths: qty), unitPrice: price)
            let discount = rng.chance(20) ? rng.int(0...gross) : 0
            items.append(line("L\(i)", code, qty: qty, price: price, discount: discount, dept: dept))
        }
        let room = items.reduce(Int64(0)) { $0 + Arithmetic.lineGross(quantity: $1.quantity, unitPrice: $1.unitPrice) - $1.discount }
        var r = request(id, items: items, members: members, orderDiscount: rng.chance(20) ? rng.int(0...room) : 0,
                        tax: rng.chance(30) ? rng.int(0...500) : 0)
        r.openedAt = now
        let held = members.flatMap { k in world.profiles[world.key(k)]!.benefits.filter { $0.kind == .gift && $0.status == .active } }
        r.redemptions = held.filter { _ in rng.chance(30) }.map(\.id)
        return r
    }

    static func pay(_ rng: inout SplitMix64, _ r: inout PurchaseRequest, quoted total: MinorUnits, members: [String]) {
        guard rng.chance(60), total > 0 else { return }
        if !members.isEmpty && rng.chance(60) {
            let amount = rng.int(1...total)
            r.payments = [Payment(means: rng.chance(50) ? .points : .credit, amount: amount)]
            if amount < total { r.payments.append(Payment(means: .card, amount: total - amount)) }
        } else {
            r.payments = [Payment(means: .cash, amount: total)]
        }
    }

    static func checkAccounts(_ w: World, now: Timestamp, _ context: String) {
        for id in w.profiles.keys {
            let a = w.account(id, now: now)
            #expect(a.points >= 0 && a.credit >= 0 && a.pending.allSatisfy { $0.points > 0 }, "\(context): negative balance \(a.balance)")
            for b in a.benefits where b.kind == .punchCard {
                #expect(b.punches >= 0 && b.punches <= 5, "\(context): punches \(b.punches)")
                if b.status == .active { #expect(b.punches < 5, "\(context): full card left active") }
            }
        }
    }

    static func checkReceipt(_ e: PurchaseEvaluation, _ r: PurchaseRequest, _ w: World, now: Timestamp, _ context: String) {
        let x = e.receipt
        #expect(x.total == x.subtotal - x.itemDiscounts - x.orderDiscount - x.benefitDiscounts + x.tax, "\(context)")
        #expect(e.record.lines.allSatisfy { $0.net >= 0 } && e.record.lines.reduce(0) { $0 + $1.net } + x.tax == x.total, "\(context)")
        if !r.payments.isEmpty { #expect(x.payments.reduce(0) { $0 + $1.amount } == x.total, "\(context)") }
        for m in x.members {
            #expect(m.balance == w.account(w.key(m.memberKey), now: now).balance, "\(context): receipt balance differs from ledger")
        }
    }

    @Test(arguments: 0..<150)
    func randomSequences(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var settings = shopSettings
        settings.pendingDays = rng.chance(50) ? 0 : 7
        var w = World()
        let keys = ["ANNA", "BEN", "CLEO"]
        for (i, k) in keys.enumerated() {
            w.add(MemberAccount(id: Int64(i + 1), memberKey: k, points: rng.int(0...2000), credit: rng.int(0...1500),
                                benefits: (0..<rng.int(0...4)).map { n in
                HeldBenefit(id: "\(k)-g\(n)", templateId: Self.giftTemplates[Int(rng.int(0...5))], kind: .gift,
                            validUntil: rng.chance(30) ? at(days: rng.int(0...20)) : nil)
            }))
        }
        var sales: [Sale] = []
        var now = t0
        for step in 0..<40 {
            let context = "seed \(seed) step \(step)"
            now = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + rng.int(0...2 * day))
            if rng.chance(10) {
                // An operator spends some spendable points elsewhere: later clawbacks may have to forgive.
                let id = Int64(rng.int(1...3))
                let available = w.account(id, now: now).points
                if available > 0 { w.ledger.append(LedgerEntry(memberId: id, wallet: .points, delta: -rng.int(1...available), kind: .adjust)) }
            }
            let op = rng.int(0...9)
            if op < 6 || sales.isEmpty {
                let members = keys.filter { _ in rng.chance(40) }.shuffled(using: &rng)
                var r = Self.basket(&rng, id: "T\(step)", members: members, world: w, now: now)
                let quote = try? LoyaltyRules.quote(r, terminal: till, matches: w.matches(r, now: now), catalog: shopCatalog, settings: settings, now: now)
                Self.pay(&rng, &r, quoted: quote?.receipt.total ?? 0, members: members)
                let before = w
                let matches = w.matches(r, now: now)
                let outcome = Result { () throws(TillError) -> PurchaseEvaluation in
                    try LoyaltyRules.purchase(r, terminal: till, matches: matches, catalog: shopCatalog, settings: settings, now: now)
                }
                guard case .success(let e) = outcome else {
                    let code = Self.code(outcome)
                    #expect(["benefit_not_redeemable", "insufficient_balance", "payment_out_of_range", "invalid_request"].contains(code),
                            "\(context): \(code)")
                    continue
                }
                if let quote, r.redemptions.count == quote.receipt.redemptions.count {
                    #expect(quote.receipt.total == e.receipt.total, "\(context): quote and purchase disagree")
                }
                w.apply(e.changes)
                Self.checkReceipt(e, r, w, now: now, context)
                // Probe: voiding it at once restores the exact prior state.
                var probe = w
                let v = try LoyaltyRules.void(VoidRequest(voidId: "V", transactionId: r.transactionId), record: e.record, previouslyReturned: [],
                                              members: probe.accounts(e.record, now: now), catalog: shopCatalog, now: now)
                probe.apply(v.changes)
                #expect(v.pointsForgiven == 0 && v.receipt.amount == e.receipt.total, "\(context)")
                for id in w.profiles.keys {
                    #expect(probe.account(id, now: now).balance == before.account(id, now: now).balance, "\(context): void did not restore balance")
                    let old = before.profiles[id]!.benefits
                    for b in probe.profiles[id]!.benefits {
                        if let o = old.first(where: { $0.id == b.id }) { #expect(o == b, "\(context): void did not restore \(b.id)") }
                        else { #expect(b.status == .deleted, "\(context): issued \(b.id) not revoked") }
                    }
                }
                #expect((try? PurchaseRecord(text: e.record.text)) == e.record, "\(context): record text does not round-trip")
                sales.append(Sale(evaluation: e))
            } else {
                let s = Int(rng.int(0...Int64(sales.count - 1)))
                guard !sales[s].voided else { continue }
                let record = sales[s].evaluation.record
                let result: ReversalEvaluation
                if op < 9 {
                    var lines: [ReturnLine] = []
                    for l in record.lines where rng.chance(50) {
                        let left = sales[s].remaining(l.lineId)
                        let q = rng.chance(10) ? left + 1 : (left > 0 ? rng.int(1...left) : 0)
                        if q > 0 { lines.append(ReturnLine(lineId: l.lineId, quantity: Quantity(thousandths: q))) }
                    }
                    guard !lines.isEmpty else { continue }
                    let accounts = w.accounts(record, now: now)
                    let previously = sales[s].returned
                    let outcome = Result { () throws(TillError) -> ReversalEvaluation in
                        try LoyaltyRules.returnItems(ReturnRequest(returnId: "R\(step)", transactionId: record.transactionId, lines: lines),
                                                     record: record, previouslyReturned: previously, members: accounts,
                                                     catalog: shopCatalog, now: now)
                    }
                    guard case .success(let r) = outcome else {
                        #expect(Self.code(outcome) == "return_exceeds_purchase", "\(context)")
                        continue
                    }
                    result = r
                } else {
                    result = try LoyaltyRules.void(VoidRequest(voidId: "V\(step)", transactionId: record.transactionId), record: record,
                                                   previouslyReturned: sales[s].returned, members: w.accounts(record, now: now),
                                                   catalog: shopCatalog, now: now)
                    sales[s].voided = true
                }
                w.apply(result.changes)
                sales[s].returned += result.returnedLines
                sales[s].taken += result.receipt.members.reduce(0) { $0 + $1.pointsTakenBack } + result.pointsForgiven
                #expect(result.receipt.members.reduce(0) { $0 + $1.pointsForgiven } == result.pointsForgiven, "\(context)")
                sales[s].refunded += result.receipt.members.reduce(0) { $0 + $1.pointsRefunded + $1.creditRefunded }
                sales[s].amount += result.receipt.amount
                for m in result.receipt.members {
                    sales[s].takenBy[m.memberKey, default: 0] += m.pointsTakenBack
                    let earnedHere = sales[s].evaluation.receipt.members.first { $0.memberKey == m.memberKey }?.pointsEarned ?? 0
                    #expect(sales[s].takenBy[m.memberKey]! <= earnedHere, "\(context): took back more than \(m.memberKey) earned")
                    #expect(m.balance == w.account(w.key(m.memberKey), now: now).balance, "\(context): reversal balance differs from ledger")
                }
                let sale = sales[s]
                #expect(sale.taken <= sale.earned && sale.refunded <= sale.spent && sale.amount <= record.total, "\(context): reversed too much")
                if sale.voided || record.lines.allSatisfy({ sale.remaining($0.lineId) == 0 }) {
                    #expect(sale.taken == sale.earned && sale.refunded == sale.spent && sale.amount == record.total,
                            "\(context): full reversal not exact")
                }
                #expect(record.lines.allSatisfy { sale.remaining($0.lineId) >= 0 }, "\(context): returned more than bought")
            }
            Self.checkAccounts(w, now: now, context)
        }
    }

    static func code<T>(_ r: Result<T, TillError>) -> String {
        if case .failure(let e) = r { return e.code }
        return "ok"
    }

    @Test func propertyTestsCanFail() {
        // A broken invariant must be caught: a world with a hand-made negative entry fails the account check.
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA"))
        w.ledger.append(LedgerEntry(memberId: 1, wallet: .points, delta: -1, kind: .adjust))
        withKnownIssue { PropertyTests.checkAccounts(w, now: t0, "known") }
    }
}
