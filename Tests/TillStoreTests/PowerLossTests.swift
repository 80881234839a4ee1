import Foundation
import Synchronization
import Testing
import TillCore
import TillCrashScenario
import TillJournal
import TillJournalTesting
import TillStoreTesting
@testable import TillStore

/// Power cuts, not process kills: a SIGKILL leaves the kernel's page cache to finish the writes, so it cannot tell a
/// write that was fsynced from one that was not. Here the writer opens the database through `PowerLossVFS` and the
/// journal through `FaultyDisk`, which both undo every write not yet synced when the power goes, at a seeded sync
/// (a journal record's fdatasync, or a checkpoint's); unsynced journal sectors survive at random (torn tails). SQLite
/// commits are never synced (`synchronous=NORMAL`): after a cut, the journal must give back every acknowledged write.
@Suite struct PowerLossTests {
    @Test func acknowledgedWritesSurviveAPowerCut() throws {
        PowerLossVFS.register()
        var random = SplitMix64(state: 0xF0FF_0DE5)
        var lostInAllRounds = 0, replayedInAllRounds = 0, journalCuts = 0, tornInAllRounds = 0
        for round in 0..<8 {
            let folder = TemporaryFolder()
            let path = folder.path("power.db")
            let prefix = folder.url.path + "/"
            var members: [Int64] = []
            do {  // members first, through the default VFS: the cut rounds start from a durable store
                let store = try Store.temporary(folder, name: "power.db")
                for m in 0..<8 { members.append(try store.member("m\(m)")) }
                store.shutdown()
            }
            PowerLossVFS.arm(prefix)
            let disk = try FaultyDisk(path: path + ".journal")
            let cutsJournal = round % 4 != 3  // SQLite syncs only at checkpoints: most cuts land on the journal
            let cutAt = cutsJournal ? Int(random.next() % 60) + 2 : Int(random.next() % 6) + 1
            if cutsJournal {
                disk.cutPower(atSync: cutAt)
                journalCuts += 1
            } else {
                PowerLossVFS.cutPower(under: prefix, atSync: cutAt)
            }
            let store = try Store.temporary(folder, name: "power.db") {
                $0.writer.vfsName = PowerLossVFS.name
                $0.writer.journalDirectory = disk
                $0.writer.checkpointWalPages = 24  // checkpoints (database-file writes and syncs) during the run
                $0.writer.busyCheckpointWalPages = 24
                $0.writer.onEvent = { event in
                    if case .storageFailure = event { return }  // expected: the power cut
                    Issue.record("unexpected writer event \(event)")
                }
            }
            // Terminals: groups of 1–8 credits, each group waited for before the next, until the writer stops.
            var acknowledged: [Int] = [], refused: [Int] = [], failed = 0, next = 0
            while failed == 0 && next < 5_000 {
                let size = Int(random.next() % 8) + 1
                let completions = Completions<WalletCredit.Outcome>()
                for n in next..<next + size {
                    let op = CrashCredits.operation(n)
                    // A reason of 2,000 bytes: every record spans at least four 512-byte sectors, so a cut tears one
                    // (each sector survives with probability 0.3: a record is torn with probability ≥ 0.75 per cut).
                    var request = credit("p\(round)-\(n)", member: members[op.member], op.delta)
                    request.reason = String(repeating: "power cut ", count: 200)
                    completions.submit(request, as: n, to: store)
                }
                for (n, result) in completions.wait().sorted(by: { $0.key < $1.key }) {
                    switch result {
                    case .success: acknowledged.append(n)
                    case .failure(.storageFailure), .failure(.shuttingDown): failed += 1
                    case .failure: refused.append(n)  // a spend beyond the balance: refused, nothing written
                    }
                }
                next += size
            }
            // The power is off for the database too (a journal cut leaves SQLite running): without this, closing the
            // last connection would checkpoint, syncing what a real power cut loses.
            PowerLossVFS.cutPower(under: prefix)
            store.shutdown()
            #expect(failed > 0, "round \(round): the power never went (cut at sync \(cutAt))")
            // Half the database file's unsynced writes (a checkpoint's copies) reached the disk anyway, at random.
            lostInAllRounds += try PowerLossVFS.restoreLastSynced(under: prefix, keepingDatabaseWrites: random.next())
            lostInAllRounds += try disk.restoreAfterPowerCut(seed: random.next())

            let after = try Store.open(StoreConfiguration(path: path))
            defer { after.shutdown() }
            replayedInAllRounds += after.stats.journalReplayed
            tornInAllRounds += after.stats.journalTornBytes
            #expect(try after.verify().problems == [], "round \(round)")
            try after.read { connection in
                let lookup = try connection.statement("""
                    SELECT l.delta FROM operations o JOIN ledger l ON l.id = o.ledger_id WHERE o.key = ?1
                    """)
                for n in acknowledged {
                    let delta = try lookup.firstRow([.text("p\(round)-\(n)")]) { $0.int64(0) }
                    #expect(delta == CrashCredits.operation(n).delta, "round \(round) (cut at sync \(cutAt)): acknowledged op \(n) lost")
                }
                for n in refused {
                    #expect(try lookup.firstRow([.text("p\(round)-\(n)")]) { _ in true } == nil)
                }
                #expect(try connection.int64("SELECT count(*) FROM ledger") == connection.int64("SELECT count(*) FROM operations"))
            }
        }
        // The cuts really lost unsynced bytes (the failed commit's WAL frames, checkpoint pages): the test can fail.
        #expect(lostInAllRounds > 0)
        #expect(journalCuts > 0)
        // SQLite lost acknowledged commits that only the journal held, and recovery gave them back.
        #expect(replayedInAllRounds > 0)
        // Some cut left part of an unsynced record on disk: recovery cut the torn tail and the store started.
        #expect(tornInAllRounds > 0)
    }
}
