import Dispatch
import Foundation
import Synchronization
import Testing
import TillCore
@testable import TillStore
import TillStoreTesting

@Suite struct LoyaltyBatchTests {
    @Test func oneFailingPurchaseInABatchLeavesTheOthersWhole() throws {
        let f = try LoyaltyFixture()
        let before = try f.anna().balance
        f.store.writer.pause()
        let results = Mutex<[Int: Result<Receipt, TillError>]>([:])
        let group = DispatchGroup()
        for i in 0..<5 {
            // Purchase 2 pays more points than Anna holds.
            let payments = i == 2 ? [Payment(means: .points, amount: 1_000_000), Payment(means: .cash, amount: 450)] : []
            var request = basket("B\(i)", payments: payments)
            if i == 2 { request.items[0].unitPrice = 500_000 }
            group.enter()
            try f.loyalty.purchase(request, terminal: f.pos, fingerprint: fp(.purchase(request))) { r in
                results.withLock { $0[i] = r }
                group.leave()
            }
        }
        f.store.writer.resume()
        group.wait()
        let all = results.withLock { $0 }
        for i in 0..<5 where i != 2 { #expect((try? all[i]!.get()) != nil) }
        guard case .failure(.insufficientBalance) = all[2]! else { Issue.record("expected insufficient_balance, got \(all[2]!)"); return }
        #expect(try f.count("purchases") == 4)
        #expect(try f.anna().balance.points == before.points + 4 * 14)
        #expect(f.store.stats.batches >= 1)
        #expect(try f.store.verify().problems == [])
    }

    /// A seeded random sequence of purchases, voids and returns over a few members, checked after every batch.
    @Test func randomSequenceKeepsTheInvariants() throws {
        let f = try LoyaltyFixture()
        var random = SplitMix64(state: 0x7111_10A1)
        let members = ["M00000001", "M00000002", "M00000003"]
        var posted: [(id: String, lines: [String: Int64])] = []
        for batch in 0..<12 {
            f.store.writer.pause()
            let group = DispatchGroup()
            for n in 0..<8 {
                let op = random.next() % 10
                let tag = "\(batch)-\(n)"
                group.enter()
                let done: @Sendable (Bool) -> Void = { _ in group.leave() }
                if op < 6 || posted.isEmpty {
                    let coffees = Int64(random.next() % 4 + 1)
                    let member = members[Int(random.next() % 3)]
                    let pay = random.next() % 3 == 0 ? [Payment(means: .points, amount: Int64(random.next() % 300 + 1))] : []
                    var request = basket("T\(tag)", member: member, coffees: coffees)
                    let total: Int64 = coffees * 250 + 450
                    if let p = pay.first { request.payments = [p, Payment(means: .cash, amount: total - p.amount)] }
                    posted.append(("T\(tag)", ["1": coffees * 1000, "2": 1000]))
                    try f.loyalty.purchase(request, terminal: f.pos, fingerprint: fp(.purchase(request))) { done((try? $0.get()) != nil) }
                } else if op < 8 {
                    let target = posted[Int(random.next() % UInt64(posted.count))]
                    let request = VoidRequest(voidId: "V\(tag)", transactionId: target.id)
                    try f.loyalty.void(request, terminal: f.pos, fingerprint: fp(.void(request))) { done((try? $0.get()) != nil) }
                } else {
                    let target = posted[Int(random.next() % UInt64(posted.count))]
                    let line = random.next() % 2 == 0 ? "1" : "2"
                    let request = ReturnRequest(returnId: "R\(tag)", transactionId: target.id,
                                                lines: [ReturnLine(lineId: line, quantity: Quantity(thousandths: Int64(random.next() % 1500) + 1))])
                    try f.loyalty.returnItems(request, terminal: f.pos, fingerprint: fp(.return(request))) { done((try? $0.get()) != nil) }
                }
            }
            f.store.writer.resume()
            group.wait()
            let report = try f.store.verify()
            #expect(report.problems == [], "after batch \(batch)")
            let negative = try f.store.read { try $0.int64("SELECT count(*) FROM wallets WHERE balance < 0 OR pending < 0") }
            #expect(negative == 0)
        }
        #expect(try f.count("purchases") > 20)
        #expect(try f.count("reversals") > 5)
    }
}
