import Testing
@testable import TillCore

/// docs/rules.md, "Receipt" and "Validation".
@Suite struct ReceiptTests {
    /// Example 1: half-up line gross, order discount by largest remainder.
    @Test func lineGrossAndOrderDiscount() throws {
        let r = request("T1", items: [
            line("A", "BRD", qty: 1500, price: 199),
            line("B", "BUN", qty: 3000, price: 250, discount: 50, dept: "BAKERY"),
            line("C", "GIFTCARD", qty: 333, price: 1000),
        ], orderDiscount: 100)
        var world = World()
        let e = try world.purchase(r)
        #expect(e.receipt.subtotal == 1382)
        #expect(e.receipt.itemDiscounts == 50)
        #expect(e.receipt.orderDiscount == 100)
        #expect(e.receipt.total == 1232)
        #expect(e.record.lines.map(\.net) == [277, 647, 308])
    }

    @Test func allocationIsLargestRemainder() {
        #expect(Arithmetic.allocate(100, weights: [299, 700, 333]) == [22, 53, 25])
        #expect(Arithmetic.allocate(500, weights: [700, 450, 1200]) == [149, 96, 255])
        #expect(Arithmetic.allocate(2, weights: [1, 1, 1]) == [1, 1, 0])
        #expect(Arithmetic.lineGross(quantity: Quantity(thousandths: 1500), unitPrice: 199) == 299)
        #expect(Arithmetic.lineGross(quantity: Quantity(thousandths: 1499), unitPrice: 199) == 298)
    }

    /// Few units left (one pass per unit) and many (one sort) rank the remainders alike: as the definition does.
    @Test func allocationMatchesTheDefinitionForFewAndManyUnitsLeft() {
        var rng = SplitMix64(seed: 13)
        for round in 0..<400 {
            let count = Int.random(in: 1...40, using: &rng)
            let weights = (0..<count).map { _ in Int64.random(in: 0...(round % 2 == 0 ? 9 : 1_000_000), using: &rng) }
            let amount = Int64.random(in: 0...5_000, using: &rng)
            let total = weights.reduce(0, +)
            guard total > 0 else { continue }
            var expected = weights.map { amount * $0 / total }
            let order = weights.indices.sorted {
                let (a, b) = (amount * weights[$0] % total, amount * weights[$1] % total)
                return a != b ? a > b : $0 < $1
            }
            for k in 0..<Int(amount - expected.reduce(0, +)) { expected[order[k]] += 1 }
            #expect(Arithmetic.allocate(amount, weights: weights) == expected, "weights \(weights), amount \(amount)")
        }
    }

    @Test func taxIsAddedAndPaymentsMustAddUp() throws {
        var world = World()
        let ok = try world.purchase(request("T2", items: [line("A", "BRD", qty: 1000, price: 1000)], tax: 190,
                                            payments: [Payment(means: .card, amount: 1190)]))
        #expect(ok.receipt.total == 1190)
        #expect(throws: TillError.invalidRequest(field: "payments", reason: "payments add up to 1000, the total is 1190")) {
            try world.purchase(request("T3", items: [line("A", "BRD", qty: 1000, price: 1000)], tax: 190,
                                       payments: [Payment(means: .card, amount: 1000)]))
        }
    }

    @Test func validationNamesTheField() {
        var world = World()
        func field(_ r: PurchaseRequest) -> String? {
            do { _ = try world.purchase(r); return nil } catch let e as TillError { return e.field } catch { return "?" }
        }
        let a = line("A", "BRD", qty: 1000, price: 100)
        #expect(field(request("X", items: [a, a])) == "items[1].lineId")
        #expect(field(request("X", items: [line("A", "BRD", qty: 0, price: 100)])) == "items[0].quantity")
        #expect(field(request("X", items: [line("A", "BRD", qty: 1000, price: -1)])) == "items[0].unitPrice")
        #expect(field(request("X", items: [line("A", "BRD", qty: 1000, price: 100, discount: 101)])) == "items[0].discount")
        #expect(field(request("X", items: [a], orderDiscount: 101)) == "orderDiscount")
        #expect(field(request("X", items: [])) == "items")
        // The line limit is the wire's (PROTOCOL.md section 9): 500 lines pass, 501 are refused naming `items`.
        let lines = (0..<501).map { line("L\($0)", "BRD", qty: 1000, price: 100) }
        #expect(field(request("X", items: Array(lines.prefix(500)))) == nil)
        #expect(field(request("X", items: lines)) == "items")
        #expect(field(request("X", items: [a], payments: [Payment(means: .cash, amount: 0)])) == "payments[0].amount")
        var usd = request("X", items: [a])
        usd.currency = "USD"
        #expect(field(usd) == "currency")
    }
}
