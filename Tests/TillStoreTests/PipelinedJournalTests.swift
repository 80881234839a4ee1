import Dispatch
import Foundation
import Glibc
import Synchronization
import Testing
import TillCore
import TillJournal
import TillJournalTesting
import TillStoreTesting
@testable import TillStore

/// The writer decides the next batches while the journal thread fdatasyncs the last one's record
/// (`WriterConfiguration.journalRecordsInFlight`), and no answer leaves before the records it rests on are durable.
@Suite struct PipelinedJournalTests {
    /// A store on a `FaultyDisk` whose writer signals `decided` each time it has decided a batch (just before the
    /// batch is made durable), once `armed`; answers are recorded in the order they arrive.
    private final class Rig: Sendable {
        let folder = TemporaryFolder()
        let disk: FaultyDisk
        let store: Store
        let decisions = Decisions()
        let order = Mutex<[String]>([])
        let results = Mutex<[Int: Result<WalletCredit.Outcome, TillError>]>([:])
        let answered = DispatchGroup()

        init() throws {
            disk = try FaultyDisk(path: folder.path("till.db.journal"))
            store = try Store.temporary(folder) { [disk, decisions] in
                $0.writer.journalDirectory = disk
                $0.writer.onEvent = { _ in }
                $0.writer.faults.beforeCommit = { _ in
                    if decisions.armed.load(ordering: .relaxed) { decisions.decided.signal() }
                }
            }
        }

        /// Submits `request` labelled `label` and waits until the writer has decided its batch.
        func submitAndWaitForDecision(_ request: WalletCredit, as index: Int, label: String) throws {
            answered.enter()
            try store.submit(request) { [self] result in
                order.withLock { $0.append(label) }
                results.withLock { $0[index] = result }
                answered.leave()
            }
            decisions.decided.wait()
        }

        func waitForAnswers() -> [Int: Result<WalletCredit.Outcome, TillError>] {
            answered.wait()
            return results.withLock { $0 }
        }
    }

    private final class Decisions: Sendable {
        let armed = Atomic<Bool>(false)
        let decided = DispatchSemaphore(value: 0)
    }

    /// While the first credit's fdatasync is held, the writer decides the batches behind it: a second credit (its
    /// record in flight behind the first), a retry of the first credit (no record: a replay of a write not durable
    /// yet) and a third credit. None is answered until the sync is released; then all are, the replay after the
    /// write it replays.
    @Test func answersWaitForTheRecordsTheyRestOn() throws {
        let rig = try Rig()
        defer { rig.store.shutdown() }
        let member = try rig.store.member("m")
        let before = rig.store.stats
        rig.decisions.armed.store(true, ordering: .relaxed)
        rig.disk.holdNextSync()
        try rig.submitAndWaitForDecision(credit("op-1", member: member, 5), as: 0, label: "op-1")
        rig.disk.waitForHeldSync()  // the journal thread is inside op-1's fdatasync
        try rig.submitAndWaitForDecision(credit("op-2", member: member, 3), as: 1, label: "op-2")
        try rig.submitAndWaitForDecision(credit("op-1", member: member, 5), as: 2, label: "op-1 again")
        // The writer is deciding op-3's batch: the replay's batch is over, its answer handed to `DurableAnswers`.
        try rig.submitAndWaitForDecision(credit("op-3", member: member, 2), as: 3, label: "op-3")
        #expect(rig.order.withLock { $0 } == [], "an answer left before the record it rests on was durable")
        #expect(rig.store.stats.succeeded == before.succeeded)

        rig.disk.releaseSync()
        let results = rig.waitForAnswers()
        let outcomes = try (0..<4).map { try results[$0]!.get() }
        #expect(outcomes.map(\.replayed) == [false, false, true, false])
        #expect(outcomes[2].ledgerId == outcomes[0].ledgerId)
        let order = rig.order.withLock { $0 }
        #expect(Set(order) == ["op-1", "op-2", "op-1 again", "op-3"])
        #expect(order.firstIndex(of: "op-1")! < order.firstIndex(of: "op-1 again")!)
        #expect(rig.store.stats.journalRecords - before.journalRecords == 3)
        #expect(try rig.store.read {
            try $0.int64("SELECT sum(delta) FROM ledger WHERE member_id = ?", [.integer(member)])
        } == 10)
    }

    /// The held fdatasync fails: every answer behind it — the credits in flight and the replay that read the first
    /// one — is `storageFailure`, none a success; the writer stops, and the reopened store is sound.
    @Test func aFailedSyncFailsEveryAnswerBehindIt() throws {
        let rig = try Rig()
        let member = try rig.store.member("m")
        rig.decisions.armed.store(true, ordering: .relaxed)
        rig.disk.holdNextSync()
        try rig.submitAndWaitForDecision(credit("op-1", member: member, 5), as: 0, label: "op-1")
        rig.disk.waitForHeldSync()
        try rig.submitAndWaitForDecision(credit("op-2", member: member, 3), as: 1, label: "op-2")
        try rig.submitAndWaitForDecision(credit("op-1", member: member, 5), as: 2, label: "op-1 again")
        try rig.submitAndWaitForDecision(credit("op-3", member: member, 2), as: 3, label: "op-3")
        rig.disk.failSyncs(errno: EIO)
        rig.disk.releaseSync()
        for (index, result) in rig.waitForAnswers() {
            guard case .failure(.storageFailure) = result else { Issue.record("request \(index) was answered \(result)"); continue }
        }
        rig.decisions.armed.store(false, ordering: .relaxed)
        guard case .failure(.storageFailure) = rig.store.writeAndWait(credit("later", member: member, 1)) else {
            Issue.record("the writer accepted a write after the journal failed"); return
        }
        #expect(rig.store.stats.storageFailure?.contains("journal") == true)
        rig.store.shutdown()

        let after = try Store.open(StoreConfiguration(path: rig.folder.path("till.db")))
        defer { after.shutdown() }
        #expect(try after.verify().problems == [])
        #expect(try after.read { try $0.int64("SELECT count(*) FROM operations WHERE key = 'later'") } == 0)
    }
}

