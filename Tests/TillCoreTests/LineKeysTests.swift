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
}
