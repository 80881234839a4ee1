import Testing
@testable import TillCore

/// `ItemTags` must behave exactly as the `[String]` it replaced, whichever representation holds the tags.
@Suite struct ItemTagsTests {
    /// Tag lists of every representation: none, one and two inline, three or more spilled to an array; with empty,
    /// duplicate, long (heap-allocated) and non-ASCII tags.
    static let samples: [[String]] = [
        [], [""], ["cafe"], ["a long tag of more than fifteen bytes"], ["é"],
        ["a", "b"], ["b", "a"], ["a", "a"], ["", ""], ["cafe", "a long tag of more than fifteen bytes"],
        ["a", "b", "c"], ["a", "b", "c", "d"], ["a", "a", "a"], Array(repeating: "t", count: 50), ["x", "", "𝄞", "cafe", "a"],
    ]

    @Test func holdsTheSameElementsAsTheArray() {
        for tags in Self.samples {
            let t = ItemTags(tags)
            #expect(Array(t) == tags)
            #expect(t.count == tags.count && t.isEmpty == tags.isEmpty)
            #expect(t.indices == tags.indices)
            for k in tags.indices { #expect(t[k] == tags[k]) }
            #expect(t.first == tags.first && t.last == tags.last)
            #expect(t.description == tags.description)
            #expect(ItemTags(tags.lazy.map { $0 }) == t)  // any sequence
        }
    }

    @Test func upToTwoTagsAreInlineAndMoreSpill() {
        func kind(_ t: ItemTags) -> String {
            switch t.storage {
            case .none: "none"
            case .one: "one"
            case .two: "two"
            case .many: "many"
            }
        }
        #expect(kind(ItemTags()) == "none" && kind([]) == "none" && kind(ItemTags([])) == "none")
        #expect(kind(ItemTags("cafe")) == "one" && kind(["cafe"]) == "one")
        #expect(kind(ItemTags("retail", "coffee")) == "two" && kind(["retail", "coffee"]) == "two")
        #expect(kind(["a", "b", "c"]) == "many" && kind(ItemTags(Array(repeating: "t", count: 50))) == "many")
        #expect(Array(ItemTags("retail", "coffee")) == ["retail", "coffee"])
    }

    @Test func equalityAndHashAgreeWithTheArray() {
        for a in Self.samples {
            #expect(ItemTags(a).hashValue == a.hashValue)
            for b in Self.samples {
                #expect((ItemTags(a) == ItemTags(b)) == (a == b), "\(a) vs \(b)")
            }
        }
        // Different constructions of the same tags are one value (a set keeps one).
        let same: Set<ItemTags> = [ItemTags("a", "b"), ["a", "b"], ItemTags(["a", "b"]), ItemTags(["a", "b"].lazy.map { $0 })]
        #expect(same.count == 1)
    }

    @Test func lineItemsCompareAndHashByTheirTags() {
        func item(_ tags: ItemTags) -> LineItem {
            LineItem(lineId: "1", code: "ESP", name: "Espresso", quantity: .one, unitPrice: 250, tags: tags)
        }
        #expect(item(["cafe"]) == item(ItemTags("cafe")))
        #expect(item(["cafe"]).hashValue == item(ItemTags(["cafe"])).hashValue)
        #expect(item(["cafe"]) != item(["cafe", "cafe"]))
        #expect(item([]) == LineItem(lineId: "1", code: "ESP", name: "Espresso", quantity: .one, unitPrice: 250))
        var changed = item(["cafe"])
        changed.tags = ["retail", "coffee", "beans"]
        #expect(changed.tags.count == 3 && changed != item(["cafe"]))
    }

    @Test func earningRatesSelectByTag() {
        let rate = EarnRate(tag: "coffee", pointsPer: 1, perMinor: 100)
        func item(_ tags: ItemTags) -> LineItem {
            LineItem(lineId: "1", code: "B", name: "Beans", quantity: .one, unitPrice: 1000, tags: tags)
        }
        #expect(rate.matches(item(["coffee"])) && rate.matches(item(["retail", "coffee"])) && rate.matches(item(["a", "b", "coffee"])))
        #expect(!rate.matches(item([])) && !rate.matches(item(["retail"])) && !rate.matches(item(["Coffee", "a", "b"])))
    }
}
