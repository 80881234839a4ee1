import Testing
import TillCore
@testable import TillSimulation

@Suite struct LatencyHistogramTests {
    @Test func smallValuesAreExactAndLargeOnesWithinThreePercent() {
        for value: UInt64 in [0, 1, 63, 64, 65, 100, 1_000, 12_345, 999_999, 5_000_000_000] {
            var histogram = LatencyHistogram()
            histogram.record(microseconds: value)
            let reported = histogram.percentile(0.5)
            #expect(reported >= value || reported == histogram.max)
            #expect(Double(reported) <= Double(value) * 1.032 + 1)
        }
    }

    @Test func bucketIndexIsMonotonic() {
        var previous = -1
        var value: UInt64 = 0
        while value < 1 << 30 {
            let index = LatencyHistogram.index(of: value)
            #expect(index >= previous)
            #expect(LatencyHistogram.upperBound(of: index) >= value)
            previous = index
            value = value < 200 ? value + 1 : value + value / 7
        }
    }

    @Test func percentilesOfAUniformSpread() {
        var histogram = LatencyHistogram()
        for v in 1...10_000 { histogram.record(microseconds: UInt64(v)) }
        #expect(histogram.count == 10_000)
        #expect(histogram.max == 10_000)
        let p50 = histogram.percentile(0.50)
        let p99 = histogram.percentile(0.99)
        #expect(p50 >= 5_000 && p50 <= 5_160)
        #expect(p99 >= 9_900 && p99 <= 10_000)
        #expect(histogram.percentile(1.0) == 10_000)
        var merged = LatencyHistogram()
        merged.merge(histogram)
        merged.merge(histogram)
        #expect(merged.count == 20_000 && merged.percentile(0.5) == p50)
    }
}

@Suite struct WorkloadTests {
    @Test func sameSeedSameBaskets() {
        let catalog = ShopCatalog()
        var a = SeededRandom(seed: 42)
        var b = SeededRandom(seed: 42)
        for _ in 0..<50 {
            #expect(catalog.basket(using: &a) == catalog.basket(using: &b))
        }
    }

    @Test func basketsAreValidPurchases() {
        let catalog = ShopCatalog()
        var random = SeededRandom(seed: 1)
        var sawWeighed = false
        var sawLarge = false
        for _ in 0..<500 {
            let items = catalog.basket(using: &random)
            #expect((1...30).contains(items.count))
            #expect(Set(items.map(\.lineId)).count == items.count)
            for item in items {
                #expect(item.quantity.thousandths > 0)
                let gross = (item.quantity.thousandths * item.unitPrice + 500) / 1000
                #expect(item.discount >= 0 && item.discount <= gross)
                if item.quantity.thousandths % 1000 != 0 { sawWeighed = true }
            }
            if items.count > 10 { sawLarge = true }
        }
        #expect(sawWeighed && sawLarge)
    }

    @Test func populationIdentifiersAreDistinctPerMember() {
        let population = Population(count: 1_000)
        let phones = Set((0..<1_000).map(population.phone))
        #expect(phones.count == 1_000)
        #expect(population.phone(7) == "+4915100000007")
        #expect(population.identifier(3, kind: .email).value == "member3@sim.example")
    }
}
