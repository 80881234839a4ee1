import Foundation
import Glibc
import Testing
import TillCore
import TillCrashScenario
import TillProtocol
@testable import TillStore

@Suite struct LoyaltyCrashTests {
    struct Ack { var n: Int; var total: Int64; var points: Int64 }

    /// The child posts seeded purchases through LoyaltyStore and is SIGKILLed at seeded moments; every acknowledged
    /// purchase must exist exactly once after reopening, replay identically, and the invariants must hold. With the
    /// ledger thread, the child's purchases are journaled by the ledger and applied by the writer after the answers.
    @Test(arguments: [false, true])
    func acknowledgedPurchasesSurviveSIGKILL(ledgerThread: Bool) throws {
        guard FileManager.default.isExecutableFile(atPath: CrashTests.child.path) else {
            Issue.record("missing \(CrashTests.child.path): run `swift build` first")
            return
        }
        let folder = TemporaryFolder()
        let path = folder.path("crash-loyalty.db")
        var random = SplitMix64(state: 0x10_4A17)
        for round in 0..<6 {
            let killAfter = Int(random.next() % 1_200) + 1
            let (acked, refused) = try runChild(path: path, round: round, killAfterAcks: killAfter, ledgerThread: ledgerThread)
            #expect(acked.count >= killAfter)

            var configuration = StoreConfiguration(path: path)
            configuration.clock = CrashPurchases.clock
            let store = try Store.open(configuration)
            defer { store.shutdown() }
            let loyalty = LoyaltyStore(store: store)
            #expect(try store.verify().problems == [])
            for ack in acked {
                let status = try loyalty.status(transactionId: "r\(round)-\(ack.n)", terminal: CrashPurchases.terminal)
                guard status.state == .final, let receipt = status.receipt else {
                    Issue.record("round \(round): acknowledged purchase \(ack.n) is missing"); continue
                }
                #expect(receipt.total == ack.total && receipt.members.first?.pointsEarned == ack.points)
            }
            for n in refused {
                #expect(try loyalty.status(transactionId: "r\(round)-\(n)", terminal: CrashPurchases.terminal).state == .unknown)
            }
            let stored = try store.read { try $0.int64("SELECT count(*) FROM purchases WHERE transaction_id LIKE ?", [.text("r\(round)-%")]) }
            #expect(stored.map { $0 >= Int64(acked.count) } == true)
            // Posting acknowledged purchases again replays the stored receipt and writes nothing.
            let ledger = try store.read { try $0.int64("SELECT count(*) FROM ledger") }
            for ack in acked.prefix(20) + acked.suffix(20) {
                let request = CrashPurchases.request(round: round, ack.n)
                let stored = try loyalty.status(transactionId: request.transactionId, terminal: CrashPurchases.terminal).receipt
                let replay = try loyalty.writeAndWait(loyalty.purchaseRequest(request, terminal: CrashPurchases.terminal, fingerprint: fp(.purchase(request))))
                #expect(replay.replay && replay == stored)
            }
            #expect(try store.read { try $0.int64("SELECT count(*) FROM ledger") } == ledger)
        }
    }

    private func runChild(path: String, round: Int, killAfterAcks: Int, ledgerThread: Bool) throws -> (acked: [Ack], refused: [Int]) {
        var acked: [Ack] = []
        var refused: [Int] = []
        try CrashTests.runChild([path, String(round), "1000000", ledgerThread ? "loyalty-ledger" : "loyalty"], killAfterAcks: killAfterAcks) { parts in
            if parts.count == 4, parts[0] == "ack", let n = Int(parts[1]), let t = Int64(parts[2]), let p = Int64(parts[3]) {
                acked.append(Ack(n: n, total: t, points: p))
                return true
            }
            if parts.count == 2, parts[0] == "nak", let n = Int(parts[1]) { refused.append(n) }
            return false
        }
        return (acked, refused)
    }
}
