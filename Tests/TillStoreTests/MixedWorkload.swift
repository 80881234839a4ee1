import Testing
import TillCore
import TillJournalTesting
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// A seeded mix of every kind of write (purchases with redemptions, points and credit payments and a second member,
/// resends, voids, returns, wallet adjustments, catalog changes, blocks, days passing, and bursts decided in one batch
/// with a write refused after a change among them), run step by step against two stores that must answer alike.
enum MixedWorkload {
    /// Runs the mix's 220 steps on `a` and `b`, expecting the same answer from both at every step.
    static func run(seed: UInt64, _ a: OfficeFixture, _ b: OfficeFixture) throws {
        var random = SeededRandom(seed: seed)
        let members = ["M00000001", "M00000002", "M00000003"]
        var purchases: [PurchaseRequest] = []
        var pendingDays: Int64 = 0

        /// Runs `step` on both stores and requires the same answer.
        func both<T>(_ what: String, _ step: (OfficeFixture) -> Result<T, TillError>) -> Result<T, TillError> {
            let answerA = step(a), answerB = step(b)
            #expect("\(answerA)" == "\(answerB)", "step \(what): the first store answered \(answerA), the second \(answerB)")
            return answerA
        }

        for step in 0..<220 {
            let pause = Int64(random.next() % 60_000)
            for f in [a, b] { f.clock.advance(ms: pause) }
            let member = members[Int(random.next() % UInt64(members.count))]
            switch random.next() % 16 {
            case 0, 1, 2, 3, 4, 5:
                var request = a.coffee("T\(step)", member: member, cups: Int64(random.next() % 9) + 1)
                switch random.next() % 6 {
                case 0:
                    let gift = ["WELCOME_5", "TEN_PERCENT", "FREE_ESPRESSO"][Int(random.next() % 3)]
                    request.redemptions = ["demo-\(member)-\(gift)"]
                case 1:
                    let total = request.payments[0].amount
                    request.payments = [Payment(means: .points, amount: 100), Payment(means: .cash, amount: total - 100)]
                case 2:
                    let total = request.payments[0].amount
                    request.payments = [Payment(means: .credit, amount: 50), Payment(means: .cash, amount: total - 50)]
                case 3:
                    let other = members[(members.firstIndex(of: member)! + 1) % members.count]
                    request.members.append(MemberIdentifier(kind: .memberKey, value: other))
                default: break
                }
                if case .success = both("purchase \(step)", { $0.purchase(request) }) { purchases.append(request) }
            case 6:
                if let earlier = purchases.randomElement(using: &random) { _ = both("resend \(step)", { $0.purchase(earlier) }) }
            case 7:
                if let earlier = purchases.randomElement(using: &random) {
                    _ = both("void \(step)") { $0.void(VoidRequest(voidId: "V\(step)", transactionId: earlier.transactionId)) }
                }
            case 8:
                if let earlier = purchases.randomElement(using: &random) {
                    let r = ReturnRequest(returnId: "R\(step)", transactionId: earlier.transactionId,
                                          lines: [ReturnLine(lineId: "1", quantity: .one)])
                    _ = both("return \(step)") { $0.returnItems(r) }
                }
            case 9:
                let adjust = WalletAdjust(adjustmentId: "A\(step)", memberKey: member,
                                          wallet: random.next() % 2 == 0 ? .points : .credit,
                                          delta: Int64(random.next() % 400) + 50, reason: "goodwill")
                _ = both("adjustment \(step)") { $0.run(.walletAdjust(adjust)) }
            case 10:
                pendingDays = pendingDays == 0 ? Int64(random.next() % 3) + 1 : 0
                let days = pendingDays
                _ = both("catalog \(step)") { (f: OfficeFixture) -> Result<OperatorResponse, TillError> in
                    guard case .success(.catalog(var catalog)) = f.run(.catalogGet) else {
                        return .failure(.notFound(field: "catalog", reason: "no catalog"))
                    }
                    catalog.pendingDays = days
                    return f.run(.catalogSet(catalog))
                }
            case 11:
                let days = Int64(random.next() % 3) + 1
                for f in [a, b] { f.clock.advance(days: days) }  // pending points mature, gifts may expire
            case 12:
                _ = both("block \(step)") { $0.run(.memberBlock(MemberRef(memberKey: member, reason: "check"))) }
                _ = both("unblock \(step)") { $0.run(.memberUnblock(MemberRef(memberKey: member, reason: "checked"))) }
            default:
                // A burst in one batch with a write refused after it changed something: the transaction is rolled
                // back and the batch runs again with a savepoint per request.
                let burst = (0..<5).map { n in a.coffee("B\(step)-\(n)", member: members[n % members.count], cups: Int64(n + 1)) }
                let answers = [a, b].map { f in f.burst(burst) }
                #expect(answers[0] == answers[1], "burst \(step): the first store \(answers[0]), the second \(answers[1])")
                for (request, answer) in zip(burst, answers[0]) where answer.hasPrefix("success") { purchases.append(request) }
            }
        }
    }

    /// Shuts both stores down and expects every table to hold the same rows, except `ignoring`.
    static func expectSameTables(_ a: OfficeFixture, _ b: OfficeFixture, ignoring: Set<String> = []) throws {
        a.store.shutdown()
        b.store.shutdown()
        let first = try TableDump(path: a.folder.path("till.db"))
        let second = try TableDump(path: b.folder.path("till.db"))
        for (table, rows) in second.tables where !ignoring.contains(table) {
            #expect(first.tables[table] == rows, "table \(table) differs between the two stores")
        }
    }
}
