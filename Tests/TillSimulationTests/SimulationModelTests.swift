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
        #expect(population.phone(7) == "+4916000000007")
        #expect(population.memberKey(1) == "S00000001" && population.card(1) == "SC0000000001")
        #expect(population.identifier(3, kind: .email).value == "member3@sim.example")
    }

    /// Identifiers built in place are the ones `seed` imported (the interpolated forms they replace), at every width.
    @Test func populationIdentifiersKeepTheirSeededForm() {
        let population = Population(count: 10_000_000_000)
        func padded(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        var numbers = [0, 1, 9, 10, 99, 100, 12_345, 99_999_999, 100_000_000, 1_234_567_890, 9_999_999_999]
        var random = SeededRandom(seed: 5)
        for _ in 0..<2_000 { numbers.append(random.int(0...10_000_000_000)) }
        for n in numbers {
            #expect(population.memberKey(n) == "S" + padded(n, 8))
            #expect(population.phone(n) == "+49160" + padded(n, 8))
            #expect(population.card(n) == "SC" + padded(n, 10))
            #expect(population.email(n) == "member\(n)@sim.example")
            #expect(population.customId(n) == "ext-\(n)")
            #expect(Population.padded(n, 3) == padded(n, 3))
        }
        #expect(BasketBuilder.employees.first == "E1" && BasketBuilder.employees.last == "E40" && BasketBuilder.employees.count == 40)
        #expect(ShopCatalog.lineIds == (1...30).map { String($0) })
    }

    /// Transaction, void, return and status ids built in place are `<runId>-<terminal>-<kind><n>`, at every length of
    /// `n` and for run ids of any length (small and heap strings).
    @Test func workloadIdsKeepTheirForm() {
        let builder = BasketBuilder(population: Population(count: 10), workingSet: 10)
        for runId in ["r", "run-2026-12-05T19:42:10Z-a-long-label", "ü"] {
            var workload = TerminalWorkload(terminalIndex: 17, runId: runId, mix: .standard, builder: builder, seed: 1)
            for n in [1, 9, 10, 11, 99, 100, 999, 1_000, 123_456, Int(Int32.max), Int.max - 1] {
                for kind: Unicode.Scalar in ["T", "U", "V", "R"] {
                    workload.sequence = n - 1
                    #expect(workload.nextId(kind) == "\(runId)-17-\(kind)\(n)")
                }
            }
        }
    }
}

@Suite struct ExpectedWalletsTests {
    let terminal = TerminalIdentity(branchId: "b1", posId: "p1")

    func receipt(_ id: String, earned: Points, spent: Points = 0, credit: MinorUnits = 0, replay: Bool = false) -> Receipt {
        let member = ReceiptMember(
            memberKey: "M1", pointsEarned: earned, pointsPending: 0, pointsSpent: spent, creditSpent: credit,
            punches: [], benefitsIssued: [], balance: WalletBalance(points: 0, pendingPoints: 0, credit: 0))
        return Receipt(
            terminal: terminal, transactionId: id, openedAt: Timestamp(millisecondsSinceEpoch: 0), currency: "EUR",
            subtotal: 1000, itemDiscounts: 0, orderDiscount: 0, benefitDiscounts: 0, tax: 0, total: 1000, payments: [],
            members: [member], redemptions: [], replay: replay)
    }

    @Test func retriesCountOnceAndReversalsApply() {
        var model = ExpectedWallets()
        model.noteBaseline(memberKey: "M1", balance: WalletBalance(points: 100, pendingPoints: 5, credit: 50))
        model.acknowledge(receipt("t1", earned: 10))
        model.acknowledge(receipt("t1", earned: 10, replay: true))
        model.acknowledge(receipt("t2", earned: 3, spent: 20, credit: 10))
        let reversal = ReversalReceipt(
            kind: .void, reversalId: "v1", transactionId: "t2", amount: 1000,
            members: [ReversalMember(
                memberKey: "M1", pointsTakenBack: 3, pointsRefunded: 20, creditRefunded: 10, punches: [],
                benefitsRestored: [], benefitsRevoked: [], balance: WalletBalance(points: 0, pendingPoints: 0, credit: 0))])
        model.acknowledge(reversal, terminal: terminal)
        model.acknowledge(reversal, terminal: terminal)
        #expect(model.expected("M1") == .init(points: 115, credit: 50))
        #expect(model.mismatches(actual: ["M1": WalletBalance(points: 110, pendingPoints: 5, credit: 50)]).isEmpty)
        #expect(model.mismatches(actual: ["M1": WalletBalance(points: 125, pendingPoints: 0, credit: 50)]).count == 1)
        #expect(model.mismatches(actual: [:]).count == 1)
    }

    @Test func modelsOfDisjointTerminalsMerge() {
        var a = ExpectedWallets()
        a.noteBaseline(memberKey: "M1", balance: WalletBalance(points: 100, pendingPoints: 0, credit: 0))
        a.acknowledge(receipt("t1", earned: 10))
        var b = ExpectedWallets()
        b.acknowledge(receipt("t2", earned: 5, spent: 20, credit: 3))
        a.merge(b)
        #expect(a.expected("M1") == .init(points: 95, credit: -3))
        #expect(a.acknowledgedReceipts.count == 2)
        #expect(a.acknowledgedReceipts.values.allSatisfy { $0.terminal == terminal })
    }

    @Test func aReplayThatDiffersIsReported() {
        var model = ExpectedWallets()
        model.acknowledge(receipt("t1", earned: 10))
        model.acknowledge(receipt("t1", earned: 11, replay: true))
        #expect(model.mismatches(actual: [:]).count == 1)
    }
}

@Suite struct RunReportTests {
    @Test func countsErrorsAndRendersPercentiles() {
        var report = RunReport(label: "t")
        for v in 1...100 { report.record(op: "purchase", microseconds: UInt64(v * 10), errorCode: nil) }
        report.record(op: "purchase", microseconds: 5, errorCode: "overloaded")
        report.seconds = 2
        #expect(report.purchasesPerSecond == 50)
        #expect(report.operations["purchase"]?.errors["overloaded"] == 1)
        #expect(report.table().contains("overloaded=1"))
        let json = report.json()
        #expect((json["operations"] as? [String: Any])?["purchase"] != nil)
    }

    /// `record` keeps its recent operations aside: whatever the order of labels (more of them than it keeps aside),
    /// with reads, writes and merges in between, `operations` holds exactly what a plain dictionary of histograms
    /// counted.
    @Test(arguments: 0..<20 as Range<UInt64>)
    func recordingCountsEveryOperationExactly(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let labels = ["purchase", "purchase@sent", "identify", "quote", "status", "void", "return", "purchase.dup", "purchase.retry"]
        var report = RunReport(label: "t"), expected: [String: RunReport.OperationStats] = [:]
        func record(_ op: String, _ micros: UInt64, _ code: String?) {
            report.record(op: op, microseconds: micros, errorCode: code)
            expected[op, default: .init()].latency.record(microseconds: micros)
            if let code { expected[op, default: .init()].errors[code, default: 0] += 1 } else { expected[op, default: .init()].ok += 1 }
        }
        func same() -> Bool {
            let actual = report.operations
            return actual.keys.sorted() == expected.keys.sorted() && actual.allSatisfy { op, stats in
                stats.latency == expected[op]!.latency && stats.ok == expected[op]!.ok && stats.errors == expected[op]!.errors
            }
        }
        for step in 0..<3_000 {
            // Mostly a run of one or two labels, sometimes any of them.
            let op = random.chance(80) ? labels[random.int(0...1)] : labels[random.int(0...(labels.count - 1))]
            record(op, UInt64(random.int(1...5_000)), random.chance(5) ? "overloaded" : nil)
            if step % 500 == 0 { #expect(same(), "step \(step)") }
            if step == 1_000 {
                var other = RunReport(label: "o")
                other.record(op: "identify", microseconds: 7, errorCode: nil)
                report.merge(other)
                expected["identify", default: .init()].latency.record(microseconds: 7)
                expected["identify", default: .init()].ok += 1
            }
            if step == 2_000 {
                report.operations["void"] = nil
                expected["void"] = nil
            }
        }
        #expect(same())
    }
}
