import Foundation
import Testing
import TillCore
import TillCrashScenario
import TillJournal
import TillJournalTesting
import TillStoreTesting
@testable import TillStore

/// Power cuts with the ledger thread (`WriterConfiguration.ledgerThread`): the ledger journals the purchases it
/// decides and answers them after the record's fdatasync; the writer applies them to SQLite after the answers, and
/// SQLite's commits are never synced. The journal (`FaultyDisk`) and the database (`PowerLossVFS`) both undo every
/// write not yet synced when the power goes at a seeded journal sync: every acknowledged purchase must come back
/// from the journal, once, with the receipt it was answered with.
@Suite struct LedgerPowerLossTests {
    @Test func purchasesTheLedgerJournaledSurviveAPowerCut() throws {
        PowerLossVFS.register()
        var random = SplitMix64(state: 0x1ED6_F0FF)
        var lostInAllRounds = 0, replayedInAllRounds = 0
        for round in 0..<6 {
            let folder = TemporaryFolder()
            let path = folder.path("power.db")
            let prefix = folder.url.path + "/"
            do {  // the demo program and members first, through the default VFS: each round starts from a durable store
                let store = try Store.temporary(folder, name: "power.db") { $0.clock = CrashPurchases.clock }
                _ = try LoyaltyStore(store: store).installDemoCatalogIfEmpty()
                store.shutdown()
            }
            PowerLossVFS.arm(prefix)
            let disk = try FaultyDisk(path: path + ".journal")
            let cutAt = Int(random.next() % 40) + 2
            disk.cutPower(atSync: cutAt)
            let store = try Store.temporary(folder, name: "power.db") {
                $0.clock = CrashPurchases.clock
                $0.writer.ledgerThread = true
                $0.writer.vfsName = PowerLossVFS.name
                $0.writer.journalDirectory = disk
                $0.writer.checkpointWalPages = 24  // checkpoints during the run
                $0.writer.busyCheckpointWalPages = 24
                $0.writer.onEvent = { event in
                    if case .storageFailure = event { return }  // expected: the power cut
                    Issue.record("unexpected writer event \(event)")
                }
            }
            let loyalty = LoyaltyStore(store: store)
            // Terminals: groups of 1–8 purchases, each group waited for before the next, until the store stops.
            var acknowledged: [Int: Receipt] = [:], refused: [Int] = [], failed = 0, next = 0
            while failed == 0 && next < 5_000 {
                let size = Int(random.next() % 8) + 1
                let completions = Completions<Receipt>()
                for n in next..<next + size {
                    let request = CrashPurchases.request(round: round, n)
                    completions.submit(loyalty.purchaseRequest(request, terminal: CrashPurchases.terminal,
                                                               fingerprint: CrashPurchases.fingerprint(request)), as: n, to: store)
                }
                for (n, result) in completions.wait() {
                    switch result {
                    case .success(let receipt): acknowledged[n] = receipt
                    case .failure(.storageFailure), .failure(.shuttingDown): failed += 1
                    case .failure: refused.append(n)  // points it cannot pay: refused, nothing written
                    }
                }
                next += size
            }
            PowerLossVFS.cutPower(under: prefix)  // the database loses its unsynced writes too
            store.shutdown()
            #expect(failed > 0, "round \(round): the power never went (cut at sync \(cutAt))")
            lostInAllRounds += try PowerLossVFS.restoreLastSynced(under: prefix, keepingDatabaseWrites: random.next())
            lostInAllRounds += try disk.restoreAfterPowerCut(seed: random.next())

            var configuration = StoreConfiguration(path: path)
            configuration.clock = CrashPurchases.clock
            let after = try Store.open(configuration)
            defer { after.shutdown() }
            replayedInAllRounds += after.stats.journalReplayed
            #expect(try after.verify().problems == [], "round \(round)")
            let reopened = LoyaltyStore(store: after)
            for (n, answered) in acknowledged {
                let status = try reopened.status(transactionId: "r\(round)-\(n)", terminal: CrashPurchases.terminal)
                var stored = status.receipt
                stored?.replay = false  // a stored receipt is marked as a replay
                #expect(status.state == .final && stored == answered,
                        "round \(round) (cut at sync \(cutAt)): acknowledged purchase \(n) lost or changed")
            }
            for n in refused {
                #expect(try reopened.status(transactionId: "r\(round)-\(n)", terminal: CrashPurchases.terminal).state == .unknown)
            }
            let stored = try after.read {
                try $0.int64("SELECT count(*) FROM purchases WHERE transaction_id LIKE ?", [.text("r\(round)-%")])
            }
            #expect(stored.map { $0 >= Int64(acknowledged.count) && $0 <= Int64(next) } == true)
        }
        #expect(lostInAllRounds > 0, "the cuts lost unsynced bytes: the test can fail")
        #expect(replayedInAllRounds > 0, "SQLite lost acknowledged purchases that only the journal held")
    }
}
