import Dispatch
import Synchronization
import Testing
import TillCore
import TillJournalTesting
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// Purchases decided on the ledger thread (`WriterConfiguration.ledgerThread`), on a snapshot of its own, with their
/// writes run later by the writer thread, answer and write exactly what the writer alone gives: the same seeded mix
/// against both stores gives the same answer at every step and the same rows; a member or a transaction id used again
/// before the writer made the first use visible is decided on what it left (the account kept in memory, or a newer
/// snapshot: `UnappliedWrites`); another connection's commit never decides a purchase on what it changed
/// (`HotAccountsTests.aCommitFromElsewhereEmptiesThem`); a decided write that fails on the writer stops the store
/// without answering it.
@Suite struct LedgerThreadTests {
    @Test(arguments: [UInt64(0x1ED6_0001), 0x1ED6_0002, 0x1ED6_0003])
    func theLedgerDecidesAsTheWriterDoes(seed: UInt64) throws {
        let ledger = try OfficeFixture { $0.writer.ledgerThread = true }
        let writer = try OfficeFixture()
        try MixedWorkload.run(seed: seed, ledger, writer)
        #expect(ledger.store.stats.hotAccountHits > 60, "the ledger's accounts in memory served most purchases")
        #expect(writer.store.stats.ledgerWaits == 0 && ledger.store.stats.ledgerWaitsFor[.undecided, default: 0] > 0)
        #expect(ledger.store.stats.ledgerWaitMicrosecondsFor[.undecided, default: 0] > 0, "its waits are timed")
        #expect(try ledger.store.verify().problems == [])
        // The journal's positions differ: the ledger hands the writer its own batches.
        try MixedWorkload.expectSameTables(ledger, writer, ignoring: ["journal_position"])
    }

    /// Purchases that meet, in one ledger batch, what a purchase decided before them and not yet visible: a resend
    /// meets the id the first one claimed and is answered from what the first stored, kept in memory until the
    /// snapshot holds it (a replay; another body under the id, a conflict), without waiting; a member's third purchase
    /// meets the second's member, and another member's second purchase the first's: each takes the account the ledger
    /// keeps in memory as the purchase before left it, or, with no accounts kept, hands over what it decided, waits
    /// until the writer made it visible, and is decided on a newer snapshot. The answers and rows are the writer's
    /// either way.
    @Test(arguments: [(hotAccounts: 65_536, conflicts: 0, hits: 3), (hotAccounts: 0, conflicts: 3, hits: 0)])
    func aMemberAndAnIdUsedAgainInOneBatchAreDecidedOnWhatTheFirstLeft(hotAccounts: Int, conflicts: Int, hits: Int) throws {
        let ledger = try OfficeFixture {
            $0.writer.ledgerThread = true
            $0.writer.hotAccounts = hotAccounts
        }
        let writer = try OfficeFixture()
        var other = writer.coffee("T1", member: "M00000001", cups: 3)
        other.payments = [Payment(means: .cash, amount: 750)]
        let burst = [writer.coffee("T1", member: "M00000001", cups: 2), writer.coffee("T1", member: "M00000001", cups: 2),
                     other, writer.coffee("T2", member: "M00000001", cups: 4), writer.coffee("T3", member: "M00000001", cups: 9),
                     writer.coffee("T4", member: "M00000002", cups: 1), writer.coffee("T5", member: "M00000002", cups: 3)]
        let waitedBefore = ledger.store.stats.ledgerWaitsFor  // the fixture's operator writes, handed undecided
        let answers = [ledger, writer].map { $0.burst(burst, refusedAfterAChangeAt: nil) }
        #expect(answers[0] == answers[1])
        #expect(answers[0][1].contains("replay: true") && answers[0][2].contains("transactionConflict"))
        #expect(ledger.store.stats.ledgerConflicts == conflicts)
        var waited = ledger.store.stats.ledgerWaitsFor
        for (reason, n) in waitedBefore { waited[reason, default: 0] -= n }
        #expect(waited.filter { $0.value != 0 } == (conflicts > 0 ? [.conflict: conflicts] : [:]), "each conflict waited, nothing else did")
        #expect(ledger.store.stats.hotAccountHits == hits)
        #expect(try ledger.store.verify().problems == [])
        try MixedWorkload.expectSameTables(ledger, writer, ignoring: ["journal_position"])
    }

    /// A checkpoint copies the WAL back into the database file on the writer's thread while the ledger decides, journals
    /// and answers: the ledger is held only for the RESTART after the copy, which waits for its snapshot. Here the copy
    /// is held at its first page until a purchase submitted meanwhile is answered (when the ledger waited for the whole
    /// checkpoint, as it once did, that answer never came while the copy was held: 10 s, then the test fails).
    @Test func theLedgerAnswersWhileACheckpointCopies() throws {
        var faults: WriterFaults!
        let f = try OfficeFixture {
            $0.writer.ledgerThread = true
            $0.writer.checkpointWalPages = 1  // a checkpoint after every commit, busy or not
            $0.writer.busyCheckpointWalPages = 1
            faults = $0.writer.faults
        }
        let copying = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), answered = DispatchSemaphore(value: 0)
        let held = Atomic<Bool>(false)
        faults.beforeCheckpointCopy = {
            guard !held.exchange(true, ordering: .sequentiallyConsistent) else { return }
            copying.signal()
            _ = release.wait(timeout: .now() + 30)
        }
        defer { release.signal() }
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        #expect(copying.wait(timeout: .now() + 30) == .success, "a checkpoint after the purchase's COMMIT")
        let receipt = Mutex<Result<Receipt, TillError>?>(nil)
        let second = f.coffee("T2", member: "M00000002")
        try f.loyalty.purchase(second, terminal: f.pos, fingerprint: Fingerprint.of(.purchase(second))!.bytes) { result in
            receipt.withLock { $0 = result }
            answered.signal()
        }
        #expect(answered.wait(timeout: .now() + 10) == .success, "the ledger answered while the copy was held")
        release.signal()
        if receipt.withLock({ $0 }) == nil { answered.wait() }
        #expect(try receipt.withLock { $0 }?.get().members.first?.memberKey == "M00000002")
        _ = try f.store.read { _ in }  // after the writer's COMMIT of the second purchase
        #expect(f.store.stats.checkpoints >= 1)
        #expect(try f.store.verify().problems == [])
    }

    /// Voids and returns are decided on the ledger too, in one batch with the purchases they name: a return of a
    /// purchase decided just before it, a void after that return, a second return of the voided purchase
    /// (`transactionVoided`), the void sent again (a replay) and its id reused by a return (a conflict), both answered
    /// from what the void stored, in memory; a purchase by the same member after the void, a void of a purchase never
    /// posted. Each waits until the snapshot holds what it names (the purchase's id, its members),
    /// and the answers and rows are the writer's.
    @Test func reversalsInOneBatchWithTheirPurchasesAreDecidedOnWhatCameBefore() throws {
        let ledger = try OfficeFixture { $0.writer.ledgerThread = true }
        let writer = try OfficeFixture()
        let first = writer.coffee("T1", member: "M00000001", cups: 3)
        let steps: [ReversalBurst.Step] = [
            .purchase(first),
            .return(ReturnRequest(returnId: "R1", transactionId: "T1", lines: [ReturnLine(lineId: "1", quantity: .one)])),
            .purchase(writer.coffee("T2", member: "M00000001", cups: 2)),
            .void(VoidRequest(voidId: "V1", transactionId: "T1")),
            .return(ReturnRequest(returnId: "R2", transactionId: "T1", lines: [ReturnLine(lineId: "1", quantity: .one)])),
            .void(VoidRequest(voidId: "V1", transactionId: "T1")),
            .return(ReturnRequest(returnId: "V1", transactionId: "T1", lines: [ReturnLine(lineId: "1", quantity: .one)])),
            .purchase(writer.coffee("T3", member: "M00000001", cups: 1)),
            .void(VoidRequest(voidId: "V2", transactionId: "T404")),
            .void(VoidRequest(voidId: "V3", transactionId: "T2")),
        ]
        let waitedBefore = ledger.store.stats.ledgerWaitsFor[.undecided, default: 0]
        let answers = [ledger, writer].map { ReversalBurst.run(steps, on: $0) }
        #expect(answers[0] == answers[1])
        #expect(answers[0][3].contains("success") && answers[0][4].contains("transactionVoided"))
        #expect(answers[0][5].contains("replay: true") && answers[0][6].contains("transactionConflict"))
        #expect(answers[0][8].contains("transactionNotFound"))
        #expect(ledger.store.stats.ledgerWaitsFor[.undecided, default: 0] == waitedBefore, "none was handed undecided")
        #expect(ledger.store.stats.ledgerConflicts >= 3, "the reversals waited for the purchases they name")
        #expect(try ledger.store.verify().problems == [])
        try MixedWorkload.expectSameTables(ledger, writer, ignoring: ["journal_position"])
    }

    /// With the journal's sync held, nothing the ledger hands is answered or becomes visible; purchases submitted
    /// faster than it decides fill its queue, and the next are refused at once with `overloaded`, never held in
    /// memory (what it hands is bounded too: at most `ledgerLagBound` requests and the batch in hand, then it waits).
    /// Once the sync returns, every purchase accepted is answered, once.
    @Test func aFullLedgerQueueRefusesWithOverloaded() throws {
        let folder = TemporaryFolder()
        let disk = try FaultyDisk(path: folder.path("till.db.journal"))
        let f = try OfficeFixture(folder: folder) {
            $0.writer.ledgerThread = true
            $0.writer.journalDirectory = disk
            $0.writer.ledgerLagBound = 4
            $0.writer.queueCapacity = 8
            $0.writer.maxBatchSize = 2
        }
        _ = try f.purchase(f.coffee("T0", member: "M00000001")).get()
        disk.holdNextSync()
        let answered = Mutex<[Result<Receipt, TillError>]>([])
        let group = DispatchGroup()
        var accepted = 0, overloaded = 0
        for n in 1...40 {
            let request = f.coffee("T\(n)", member: "M0000000\(n % 3 + 1)")
            group.enter()
            do {
                try f.loyalty.purchase(request, terminal: f.pos, fingerprint: Fingerprint.of(.purchase(request))!.bytes) { result in
                    answered.withLock { $0.append(result) }
                    group.leave()
                }
                accepted += 1
            } catch {
                group.leave()
                if case .overloaded = error { overloaded += 1 }
            }
        }
        #expect(overloaded > 0 && accepted + overloaded == 40, "accepted \(accepted), overloaded \(overloaded)")
        #expect(accepted <= 4 + 2 + 8 + 2, "handed within the bound, a batch in hand, a full queue")
        #expect(answered.withLock { $0.isEmpty }, "answered before the journal's fdatasync returned")
        disk.releaseSync()
        group.wait()
        #expect(answered.withLock { $0.allSatisfy { if case .success = $0 { true } else { false } } })
        #expect(try f.sql("SELECT count(*) FROM purchases") == Int64(accepted + 1))
    }

    /// The ledger journals a purchase's writes itself and answers once they are durable; the writer applies them
    /// after. When one fails there (here a test's trigger refuses the redemption's activity row; the ledger's
    /// connection runs no write, so no trigger), the ledger decided on a state the store does not hold: the purchase
    /// was answered (its record is durable), and the store stops writing — a read sent after the answer fails
    /// rather than show a state without it, the next purchase is refused — and the next start refuses the journal,
    /// naming the record, rather than skip an acknowledged write.
    @Test func aJournaledRecordThatDoesNotApplyStopsTheStore() throws {
        let folder = TemporaryFolder()
        do {
            let f = try OfficeFixture(folder: folder) { $0.writer.ledgerThread = true }
            _ = try f.store.writeAndWait(ClosureWrite { c in
                try c.execute("""
                    CREATE TRIGGER refuse_redemption_entries BEFORE INSERT ON activity_log WHEN new.type = 'benefit_redeemed'
                    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                    """)
            }).get()
            var redeem = f.coffee("T1", member: "M00000001")
            redeem.redemptions = ["demo-M00000001-FREE_ESPRESSO"]
            redeem.payments = []  // the gift pays the espresso
            #expect(try f.purchase(redeem).get().redemptions.count == 1)
            #expect(throws: Writer.stoppedFailure) { try f.store.read { try $0.int64("SELECT count(*) FROM purchases") } }
            #expect(f.store.stats.storageFailure?.contains("journaled by the ledger, does not apply") == true)
            #expect(f.purchase(f.coffee("T2", member: "M00000001")) == .failure(Writer.stoppedFailure))
        }
        #expect {
            try Store.temporary(folder).shutdown()
        } throws: { error in
            "\(error)".contains("cannot recover the store from its journal: record") && "\(error)".contains("does not replay")
        }
    }
}

/// Purchases, voids and returns submitted together (one batch: the writer and the ledger held meanwhile); their
/// answers, rendered, in order.
enum ReversalBurst {
    enum Step {
        case purchase(PurchaseRequest)
        case void(VoidRequest)
        case `return`(ReturnRequest)
    }

    static func run(_ steps: [Step], on f: OfficeFixture) -> [String] {
        let answers = Mutex<[Int: String]>([:])
        let group = DispatchGroup()
        f.store.writer.pause()
        for (n, step) in steps.enumerated() {
            group.enter()
            @Sendable func answer<T>(_ result: Result<T, TillError>) {
                answers.withLock { $0[n] = "\(result)" }
                group.leave()
            }
            do {
                switch step {
                case .purchase(let r):
                    try f.loyalty.purchase(r, terminal: f.pos, fingerprint: Fingerprint.of(.purchase(r))!.bytes, completion: answer)
                case .void(let r):
                    try f.loyalty.void(r, terminal: f.pos, fingerprint: Fingerprint.of(.void(r))!.bytes, completion: answer)
                case .return(let r):
                    try f.loyalty.returnItems(r, terminal: f.pos, fingerprint: Fingerprint.of(.return(r))!.bytes, completion: answer)
                }
            } catch {
                answers.withLock { $0[n] = "\(error)" }
                group.leave()
            }
        }
        f.store.writer.resume()
        group.wait()
        return answers.withLock { a in (0..<steps.count).map { a[$0] ?? "none" } }
    }
}
