import Foundation
import Synchronization
import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// "What Till writes it can read back" (issue 13): every committed receipt replays byte for byte through the resend,
/// `status` and `purchase.list` paths, at the documented maxima, on a real SQLite store with the demo program.
@Suite struct ReadBackTests {
    /// The receipt's stored bytes as the answer would carry them (`replay` false).
    static func bytes(_ r: Receipt) -> [UInt8] {
        var plain = r
        plain.replay = false
        return StoredJSON.encode(plain)
    }

    /// Issue 13, defects 2 and 3: 8,016 espressos on the demo card of 8 completed 1,002 cards; the receipt then had
    /// 1,002 punch entries that resend and `status` refused (`members[0].punches: more than 1000 elements`) and
    /// `purchase.list` showed with `"currency":""`; 150,000 took the writer ~21 s. Now each reads back.
    @Test(arguments: [Int64(5_010), 8_016, 150_000, 1_000_000])
    func hugePunchedQuantitiesReadBack(cups: Int64) throws {
        let f = try OfficeFixture()
        var r = f.coffee("T\(cups)", member: "M00000001", cups: cups)
        r.items[0].unitPrice = 1
        r.payments = [Payment(means: .cash, amount: cups)]
        let receipt = try f.purchase(r).get()
        let anna = try #require(receipt.members.first)
        #expect(anna.punches.count == 1 && anna.punches[0].rewardsCompleted == ValueLimits.maxRewardsPerPurchase)
        #expect(anna.benefitsIssued.count == Int(ValueLimits.maxRewardsPerPurchase) + 1)
        try Self.expectReadsBack(f, r, receipt)
    }

    /// A purchase that enrols 150 punch cards at once (150 templates on one item): its receipt, and the void's
    /// receipt revoking the 150 cards, read back through resend and `status` (the void's `benefitsRevoked` was
    /// refused on reading past 100 elements before).
    @Test func manyTemplatesReadBackThroughAVoid() throws {
        let f = try OfficeFixture()
        guard case .catalog(var catalog) = try f.run(.catalogGet).get() else { throw Unexpected.response }
        catalog.punchTemplates = (0..<150).map {
            PunchTemplate(templateId: "card-\($0)", name: "Card \($0)", punchesRequired: 1_000, itemCodes: ["SKU-0001"], rewardTemplateId: "FREE_ESPRESSO")
        }
        _ = try f.run(.catalogSet(catalog)).get()
        let r = f.coffee("T1", member: "M00000003")
        let receipt = try f.purchase(r).get()
        #expect(receipt.members[0].punches.count >= 150 && receipt.members[0].benefitsIssued.count >= 150)
        try Self.expectReadsBack(f, r, receipt)
        let void = VoidRequest(voidId: "V1", transactionId: "T1")
        let box = Mutex<Result<ReversalReceipt, TillError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        try f.loyalty.void(void, terminal: f.pos, fingerprint: Fingerprint.of(.void(void))!.bytes) { result in
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        let reversal = try box.withLock { $0! }.get()
        #expect(reversal.members[0].benefitsRevoked.count >= 150)
        let status = try f.loyalty.status(transactionId: "T1", terminal: f.pos)
        #expect(status.state == .voided && status.reversals.count == 1)
        var plain = status.reversals[0]
        plain.replay = false
        #expect(StoredJSON.encode(plain) == StoredJSON.encode(reversal))
    }

    /// Seeded random purchases up to the maxima (500 lines, quantities up to a million, prices up to the money bound,
    /// five members, punch cards, redemptions and wallet payments): each is committed or refused with a typed error;
    /// each committed receipt reads back byte for byte.
    @Test(arguments: 0..<6) func randomPurchasesAtTheMaximaReadBack(seed: UInt64) throws {
        var rng = SplitMix64(seed: 0xB16_0000 + seed)
        let f = try OfficeFixture()
        let keys = ["M00000001", "M00000002", "M00000003"]
        var committed = 0
        for n in 0..<8 {
            let lines = rng.chance(30) ? 500 : Int(rng.int(1...20))
            let items = (0..<lines).map { i in
                let coffee = rng.chance(50)
                let quantity = rng.chance(20) ? ValueLimits.maxQuantityThousandths - rng.int(0...1) : rng.int(1...50) * 1000
                let price = rng.chance(2) ? ValueLimits.maxMoney : rng.int(0...400)
                return LineItem(lineId: "line-\(i)-" + String(repeating: "x", count: Int(rng.int(0...100))), code: coffee ? "SKU-0001" : "SKU-9",
                                name: "n", department: coffee ? "coffee" : nil, quantity: Quantity(thousandths: quantity), unitPrice: price)
            }
            let members = keys.shuffled(using: &rng).prefix(Int(rng.int(0...3))).map { MemberIdentifier(kind: .memberKey, value: $0) }
            var r = PurchaseRequest(transactionId: "T\(n)-" + String(repeating: "%/#", count: Int(rng.int(0...40))), openedAt: f.clock.now,
                                    members: Array(members), items: items, currency: "EUR")
            if rng.chance(50), !members.isEmpty {
                // Redeem whatever the first member holds that could apply.
                r.redemptions = try f.loyalty.identify([members[0]])[0].benefits.filter { $0.kind == .gift && $0.status == .active }
                    .prefix(20).map(\.benefitId)
            }
            let quoted: Quote
            do { quoted = try f.loyalty.quote(r, terminal: f.pos) } catch { continue }
            r.redemptions = r.redemptions.filter { id in quoted.benefits.contains { $0.benefitId == id && $0.redeemable } }
            let total = (try? f.loyalty.quote(r, terminal: f.pos).receipt.total) ?? 0
            if total > 0 { r.payments = [Payment(means: .cash, amount: total)] }
            switch f.purchase(r) {
            case .success(let receipt):
                committed += 1
                try Self.expectReadsBack(f, r, receipt)
            case .failure(let error):
                guard case .invalidRequest = error else { Issue.record("seed \(seed) purchase \(n): \(error)"); continue }
            }
        }
        #expect(committed > 0)
        #expect(try f.store.verify().problems == [])
    }

    /// Resend (same request: the stored receipt, `replay` true), `status` and `purchase.list` give back exactly what
    /// the purchase answered, within the receipt bound.
    static func expectReadsBack(_ f: OfficeFixture, _ r: PurchaseRequest, _ receipt: Receipt) throws {
        let original = bytes(receipt)
        #expect(original.count <= ValueLimits.maxReceiptBytes)
        let resent = try f.purchase(r).get()
        #expect(resent.replay && bytes(resent) == original)
        let status = try f.loyalty.status(transactionId: r.transactionId, terminal: f.pos)
        #expect(status.receipt.map(bytes) == original)
        guard case .purchases(let page) = try f.run(.purchaseList(PurchaseQuery(limit: 50))).get() else { throw Unexpected.response }
        #expect(page.purchases.first { $0.transactionId == r.transactionId }?.currency == "EUR")
    }
}

extension SplitMix64 {
    init(seed: UInt64) { self.init(state: seed) }
    mutating func int(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &self) }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
}
