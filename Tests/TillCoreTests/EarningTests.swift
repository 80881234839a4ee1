import Testing
@testable import TillCore

/// docs/rules.md, "Earning" and "Several members".
@Suite struct EarningTests {
    func world() -> World {
        var w = World()
        w.add(MemberAccount(id: 1, memberKey: "ANNA"))
        w.add(MemberAccount(id: 2, memberKey: "BEN"))
        w.add(MemberAccount(id: 3, memberKey: "CLEO"))
        return w
    }
    let items = [
        line("A", "BRD", qty: 1500, price: 199),
        line("B", "BUN", qty: 3000, price: 250, discount: 50, dept: "BAKERY"),
        line("C", "GIFTCARD", qty: 333, price: 1000),
    ]

    /// Example 2: 2 + 12 + 0 points, floored per line.
    @Test func perLineMultipliersAndExclusions() throws {
        var w = world()
        let e = try w.purchase(request("T1", items: items, members: ["ANNA"], orderDiscount: 100))
        #expect(points(e, "ANNA")?.pointsEarned == 14)
        #expect(points(e, "ANNA")?.balance == WalletBalance(points: 14, pendingPoints: 0, credit: 0))
        #expect(e.record.earned.map(\.points) == [2, 12])
    }

    /// Example 2b: three members: line A's 2 points go to the first, line B's 12 split 4/4/4.
    @Test func splitLineByLineRemainderToFirst() throws {
        var w = world()
        let e = try w.purchase(request("T1", items: items, members: ["ANNA", "BEN", "CLEO"], orderDiscount: 100))
        #expect(e.receipt.members.map(\.pointsEarned) == [6, 4, 4])
        #expect(w.account(1, now: t0).points == 6)
    }

    /// Example 2c: excluded department earns nothing; no members, nothing earned.
    @Test func excludedDepartmentAndAnonymousPurchase() throws {
        var w = world()
        let e = try w.purchase(request("T1", items: [line("A", "CIG", qty: 1000, price: 800, dept: "TOBACCO")], members: ["ANNA"]))
        #expect(points(e, "ANNA")?.pointsEarned == 0)
        let anon = try w.purchase(request("T2", items: items))
        #expect(anon.receipt.members.isEmpty && anon.changes.ledger.isEmpty)
    }

    /// Example 7: a 14-day pending period.
    @Test func pendingPoints() throws {
        var settings = shopSettings
        settings.pendingDays = 14
        var w = world()
        let r = request("T1", items: [line("A", "BRD", qty: 1000, price: 1700)], members: ["ANNA"])
        let e = try LoyaltyRules.purchase(r, terminal: till, matches: w.matches(r, now: t0), catalog: shopCatalog, settings: settings, now: t0)
        w.apply(e.changes)
        #expect(points(e, "ANNA")?.pointsPending == 17)
        #expect(points(e, "ANNA")?.balance == WalletBalance(points: 0, pendingPoints: 17, credit: 0))
        #expect(e.changes.ledger == [LedgerEntry(memberId: 1, wallet: .points, delta: 17, kind: .earn, availableAt: at(days: 14))])
        #expect(w.account(1, now: at(days: 13)).balance == WalletBalance(points: 0, pendingPoints: 17, credit: 0))
        #expect(w.account(1, now: at(days: 14)).balance == WalletBalance(points: 17, pendingPoints: 0, credit: 0))
    }

    /// A line's multiplier is the map's value for its code (else its department) with `String` equality, whether the
    /// map is small (its keys compared) or large (looked up): canonically equal keys in other bytes match.
    @Test(arguments: [1, 4, 5, 12])
    func multipliersMatchByStringEquality(keys count: Int) {
        var random = SplitMix64(seed: 0xE4_0000 + UInt64(count))
        let names = ["COF", "K", "\u{212A}", "\u{E9}", "e\u{301}", "SKU-1", "SKU-2", "dept", "%,", "", "A", "B", "C", "D"]
        for _ in 0..<100 {
            var items: [String: Int64] = [:], departments: [String: Int64] = [:]
            while items.count < count { items[names.randomElement(using: &random)!] = Int64(random.next() % 300) }
            while departments.count < count { departments[names.randomElement(using: &random)!] = Int64(random.next() % 300) }
            let rule = EarningRule(pointsPer: 1, perMinor: 100, departmentPercent: departments, itemPercent: items)
            for code in names {
                for department in names.map(Optional.some) + [nil] {
                    let expected = items[code].map { max(0, $0) } ?? department.flatMap { departments[$0] }.map { max(0, $0) } ?? 100
                    #expect(rule.percent(code: code, department: department) == expected, "\(code) \(department ?? "-")")
                }
            }
        }
    }
}

/// A line's points in 64 bits where the products fit and in 128 bits where they do not: the same floor either way,
/// and nil past `ValueLimits.maxPoints`.
@Suite struct EarningArithmeticTests {
    @Test func pointsAgreeWithTheFullWidthDefinition() {
        var rng = SplitMix64(seed: 1313)
        let item = LineItem(lineId: "1", code: "A", name: "A", department: "D", quantity: .one, unitPrice: 1)
        for round in 0..<2_000 {
            let big = round % 3 == 0  // products past 64 bits
            let eligible = Int64.random(in: 1...(big ? Int64.max / 2 : 1_000_000_000_000), using: &rng)
            let per = Int64.random(in: 1...(big ? 1_000_000_000 : 1_000_000), using: &rng)
            let percent = Int64.random(in: 1...(big ? 1_000_000 : 1_000), using: &rng)
            let minor = Int64.random(in: 1...(round % 5 == 0 ? Int64.max : 1_000_000), using: &rng)
            let rule = EarningRule(pointsPer: per, perMinor: minor, departmentPercent: ["D": percent])
            let exact = Int128(eligible) * Int128(per) * Int128(percent) / (Int128(minor) * 100)
            let expected: Int64? = exact <= Int128(ValueLimits.maxPoints) ? Int64(exact) : nil
            #expect(rule.points(eligible: eligible, item: item) == expected, "\(eligible) × \(per) × \(percent)% / \(minor)")
        }
    }
}
