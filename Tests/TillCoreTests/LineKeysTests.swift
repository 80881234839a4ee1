import Testing
@testable import TillCore

/// `LineKeys`: the basket's code, department and line-id index answers as `[String: Int]` does, with `String`
/// equality, whichever of its two forms (ASCII table, dictionary) holds the keys.
@Suite struct LineKeysTests {
    /// Random short ASCII keys with repeats, inserted and probed against a `Dictionary` doing the same.
    @Test(arguments: [0, 8, 40, 500])
    func answersAsADictionary(capacity: Int) {
        var random = SplitMix64(seed: 0x4B_0000 + UInt64(capacity))
        var keys = LineKeys(capacity: capacity)
        var model: [String: Int] = [:]
        for i in 0..<600 {
            let key = ["S", "L", "SKU-", "", "%,\t"].randomElement(using: &random)! + String(random.next() % 300)
            #expect(keys.updateValue(i, forKey: key) == model.updateValue(i, forKey: key), "\(key)")
        }
        for n in 0..<400 {
            let key = "S" + String(n)
            #expect(keys[key] == model[key], "\(key)")
        }
    }

    /// Canonically equivalent strings are one key, as for `String ==`, though their bytes differ: a non-ASCII
    /// probe finds the ASCII key it equals (the Kelvin sign is `K`), and a non-ASCII key replaces the value of the
    /// equal ASCII one.
    @Test func equalityIsStringEquality() {
        var keys = LineKeys(capacity: 4)
        #expect(keys.updateValue(0, forKey: "K") == nil)
        #expect(keys.updateValue(1, forKey: "COF") == nil)
        #expect(keys["\u{212A}"] == 0)
        #expect(keys["\u{212A}X"] == nil)
        #expect(keys.updateValue(2, forKey: "\u{212A}") == 0)
        #expect(keys["K"] == 2 && keys["COF"] == 1)
        #expect(keys.updateValue(3, forKey: "e\u{301}") == nil)
        #expect(keys["\u{E9}"] == 3)
    }

    /// A basket whose line ids differ in bytes but not as strings has a duplicate line id, long or short.
    @Test(arguments: [2, 40])
    func canonicallyEqualLineIdsAreDuplicates(lines: Int) {
        var items = (0..<lines).map { line("L\($0)", "C\($0 % 7)", qty: 1000, price: 100) }
        items[0].lineId = "K"
        items[lines - 1].lineId = "\u{212A}"
        #expect(throws: TillError.invalidRequest(field: "items[\(lines - 1)].lineId", reason: "duplicate line id")) {
            try Basket(request("T", items: items), currency: "EUR")
        }
    }

    /// Codes that equal as strings but not as bytes select the same lines.
    @Test func codesFindTheirLinesByStringEquality() throws {
        let items = (0..<40).map { line("L\($0)", $0 % 10 == 3 ? "\u{212A}" : "C\($0 % 5)", qty: 1000, price: 100) }
        let basket = try Basket(request("T", items: items), currency: "EUR")
        #expect(basket.lines(code: "K") == [3, 13, 23, 33])
        #expect(basket.lines(code: "C1") == [1, 6, 11, 16, 21, 26, 31, 36])
        #expect(basket.has(code: "\u{212A}") && !basket.has(code: "C9"))
    }

    /// A short basket (its lines scanned) and a long one (indexed) find the same lines as filtering every line with
    /// `String ==`: random codes and departments, some canonically equal to others in other bytes, some lines with
    /// no department, rules of zero to six keys (a few compared, more looked up).
    @Test(arguments: [1, 10, Basket.scannedUpTo, Basket.scannedUpTo + 1, 60])
    func shortAndLongBasketsFindTheSameLines(lines count: Int) throws {
        var random = SplitMix64(seed: 0xBA5C + UInt64(count))
        let codes = ["C1", "C2", "K", "\u{212A}", "SKU-10", "%,", "\u{E9}", "e\u{301}"]
        let departments: [String?] = [nil, "coffee", "grocery", "K", "\u{212A}", "\u{E9}", "e\u{301}"]
        let items = (0..<count).map { i in
            line("L\(i)", codes.randomElement(using: &random)!, qty: 1000, price: 100,
                 dept: departments.randomElement(using: &random)!)
        }
        let basket = try Basket(request("T", items: items), currency: "EUR")
        for _ in 0..<200 {
            let ruleCodes = Set((0..<Int(random.next() % 4)).map { _ in codes.randomElement(using: &random)! })
            let ruleDepartments = Set((0..<Int(random.next() % 7)).compactMap { _ in departments.randomElement(using: &random)! })
            let expected = items.indices.filter { i in
                ruleCodes.contains { $0 == items[i].code } || ruleDepartments.contains { $0 == items[i].department }
            }
            #expect(basket.lines(codes: ruleCodes, departments: ruleDepartments) == expected, "\(ruleCodes) \(ruleDepartments)")
            let code = codes.randomElement(using: &random)!
            #expect(basket.lines(code: code) == items.indices.filter { items[$0].code == code }, "\(code)")
            #expect(basket.has(code: code) == items.contains { $0.code == code }, "\(code)")
        }
    }
}
