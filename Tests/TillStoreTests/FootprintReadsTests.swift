import Dispatch
import Synchronization
import Testing
import TillCore
import TillJournalTesting
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// A read that depends on its footprint (identify, quote, status) waits for an answered write's COMMIT only when that
/// write reached a member or a purchase it read: with the writer alone and with the ledger thread.
@Suite struct FootprintReadsTests {
    /// A store whose next COMMIT, once armed, is held until released; reads say when they start waiting for one.
    final class HeldCommit: Sendable {
        let armed = Atomic<Bool>(false)
        let held = DispatchSemaphore(value: 0)
        let go = DispatchSemaphore(value: 0)
        /// Signalled by a read that starts waiting for a COMMIT while `watching`, and by each read's completion.
        let progress = DispatchSemaphore(value: 0)
        let waitsStarted = Atomic<Int>(0)
        /// Set once the COMMIT is held: the setup's reads are not counted.
        let watching = Atomic<Bool>(false)

        func configure(_ configuration: inout StoreConfiguration, ledger: Bool) {
            configuration.writer.ledgerThread = ledger
            configuration.reading.threads = 8  // more than the reads a test leaves waiting at once
            configuration.writer.faults.beforeVisible = { [self] _ in
                guard armed.exchange(false, ordering: .relaxed) else { return }
                held.signal()
                go.wait()
            }
            configuration.reading.onCommitWait = { [self] in
                guard watching.load(ordering: .relaxed) else { return }
                waitsStarted.add(1, ordering: .relaxed)
                progress.signal()
            }
        }
    }

    /// A read's answer, once it completed.
    final class Answer<T: Sendable>: Sendable {
        let result = Mutex<Result<T, TillError>?>(nil)
        var value: T? { get throws { try result.withLock { $0 }?.get() } }
    }

    /// `body` submitted as the daemon submits an identify, a quote or a status (its footprint only); `progress` is
    /// signalled when it completes.
    static func submit<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T, in f: LoyaltyFixture,
                                    held: HeldCommit) throws -> Answer<T> {
        try submit(body, to: f.loyalty, held: held)
    }

    static func submit<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T, to loyalty: LoyaltyStore,
                                    held: HeldCommit) throws -> Answer<T> {
        let answer = Answer<T>()
        try loyalty.read(body, dependence: .footprint) { result in
            answer.result.withLock { $0 = result }
            held.progress.signal()
        }
        return answer
    }

    /// The identify of `key`, submitted as the daemon submits it.
    static func identify(_ key: String, in f: LoyaltyFixture, held: HeldCommit) throws -> Answer<[IdentifiedMember]> {
        let loyalty = f.loyalty
        return try submit({ c in try loyalty.identify([MemberIdentifier(kind: .memberKey, value: key)], in: c) }, in: f, held: held)
    }

    /// Anna's purchase is answered and its COMMIT held: Ben's identify is answered at once from the committed state
    /// (no write reached him), Anna's waits for the COMMIT and sees the purchase's points. Without the reach, Ben's
    /// would wait too (the first check fails); without the check, Anna's would answer her balance before the purchase.
    @Test(arguments: [false, true]) func aReadOfAnotherMemberDoesNotWaitForTheCommit(ledger: Bool) throws {
        let held = HeldCommit()
        let f = try LoyaltyFixture { held.configure(&$0, ledger: ledger) }
        let before = try f.anna().balance
        held.armed.store(true, ordering: .relaxed)
        let receipt = try f.purchase(basket("t-1")).get()
        let after = try #require(receipt.members.first?.balance)
        #expect(after != before, "the purchase changes Anna's balance")
        held.held.wait()  // answered; its COMMIT is held
        held.watching.store(true, ordering: .relaxed)
        #expect(f.store.visibility.lag >= 1)

        let ben = try Self.identify("M00000002", in: f, held: held)
        held.progress.wait()  // Ben's identify either completed or started waiting for the COMMIT
        let benWaited = held.waitsStarted.load(ordering: .relaxed) > 0
        #expect(!benWaited, "a read of a member no uncommitted write reached must not wait for the COMMIT")
        if benWaited {  // let it finish before going on
            held.go.signal()
            held.progress.wait()
        }
        #expect(try ben.value?.first?.memberKey == "M00000002")

        let anna = try Self.identify("M00000001", in: f, held: held)
        held.progress.wait()  // Anna's identify either started waiting or completed without the purchase
        let annaWaited = held.waitsStarted.load(ordering: .relaxed) > (benWaited ? 1 : 0)
        #expect(annaWaited, "a read of the member the purchase reached must wait for its COMMIT")
        if !benWaited { held.go.signal() }
        if annaWaited { held.progress.wait() }
        let seen = try #require(try anna.value?.first)
        #expect(seen.balance == after, "a read sent after the answer sees the purchase")
        #expect(f.store.visibility.readsServedBeforeCommit == (benWaited ? 0 : 1))
        #expect(f.store.visibility.readsRunAgain == 1)
    }

    /// An operator's write may change any member: a read of members only sent after its answer waits for its COMMIT.
    @Test(arguments: [false, true]) func aWriteThatMayReachAnyMemberMakesEveryReadWait(ledger: Bool) throws {
        let held = HeldCommit()
        let f = try LoyaltyFixture { held.configure(&$0, ledger: ledger) }
        let anna = try #require(try f.store.read { try $0.int64("SELECT id FROM members WHERE member_key = 'M00000001'") })
        held.armed.store(true, ordering: .relaxed)
        guard case .success = f.store.writeAndWait(credit("op-1", member: anna, 25)) else {
            Issue.record("the credit was refused"); return
        }
        held.held.wait()
        held.watching.store(true, ordering: .relaxed)

        let ben = try Self.identify("M00000002", in: f, held: held)
        held.progress.wait()
        #expect(held.waitsStarted.load(ordering: .relaxed) == 1, "a read after a write of unknown reach waits")
        held.go.signal()
        if held.waitsStarted.load(ordering: .relaxed) == 1 { held.progress.wait() }
        #expect(try ben.value?.first?.memberKey == "M00000002")
        #expect(f.store.visibility.readsServedBeforeCommit == 0)
    }
}

extension FootprintReadsTests {
    /// A quote run before a catalog change's COMMIT reads the old catalog; it must not leave it in the program cache
    /// (which the change emptied when it was answered): run again after the COMMIT, and every quote after it, it
    /// earns by the new catalog.
    @Test(arguments: [false, true]) func aReadBeforeACatalogChangesCommitLeavesNoOldCatalogCached(ledger: Bool) throws {
        let held = HeldCommit()
        let f = try OfficeFixture { held.configure(&$0, ledger: ledger) }
        let line = PurchaseRequest(
            transactionId: "q", openedAt: t0, members: [MemberIdentifier(kind: .memberKey, value: "M00000003")],
            items: [LineItem(lineId: "1", code: "SKU-0002", name: "Cappuccino", department: "coffee", quantity: .one, unitPrice: 1_000)],
            currency: "EUR")
        #expect(try f.loyalty.quote(line, terminal: f.pos).receipt.members[0].pointsEarned == 20)  // the demo catalog
        guard case .catalog(var catalog) = try f.run(.catalogGet).get() else { throw Unexpected.response }
        catalog.earnRules = [EarnRule(ruleId: "base", points: 1, perAmount: 100)]
        catalog.earnMultipliers = []
        held.armed.store(true, ordering: .relaxed)
        _ = try f.run(.catalogSet(catalog)).get()  // answered (the program cache emptied); its COMMIT is held
        held.held.wait()
        held.watching.store(true, ordering: .relaxed)
        let loyalty = f.loyalty
        let pos = f.pos
        let quote = try Self.submit({ c in try loyalty.quote(line, terminal: pos, in: c) }, to: loyalty, held: held)
        held.progress.wait()
        #expect(held.waitsStarted.load(ordering: .relaxed) == 1, "a read after a catalog change waits for its COMMIT")
        held.watching.store(false, ordering: .relaxed)
        held.go.signal()
        if held.waitsStarted.load(ordering: .relaxed) == 1 { held.progress.wait() }
        #expect(try quote.value?.receipt.members[0].pointsEarned == 10, "the quote sent after the change earns by it")
        #expect(try f.loyalty.quote(line, terminal: f.pos).receipt.members[0].pointsEarned == 10, "and so do the next")
    }

    /// A COMMIT failing after Anna's purchase was answered stops the store: a read of Anna is refused instead of
    /// answered without the purchase, a read of Ben (whom no lost batch reached) is still answered.
    @Test(arguments: [false, true]) func afterAFailedCommitOnlyTheReadsItReachedAreRefused(ledger: Bool) throws {
        let failNext = Atomic<Bool>(false)
        let f = try LoyaltyFixture { configuration in
            configuration.writer.ledgerThread = ledger
            configuration.writer.faults.beforeVisible = { _ in
                if failNext.exchange(false, ordering: .relaxed) {
                    throw SQLiteError(extendedCode: 10, message: "disk I/O error (injected COMMIT failure)")
                }
            }
        }
        _ = try f.anna()  // a read of the whole store: the setup's writes are committed
        failNext.store(true, ordering: .relaxed)
        _ = try f.purchase(basket("t-1")).get()  // answered: its record is durable
        let held = HeldCommit()  // only its semaphores: nothing is held here
        let anna = try Self.identify("M00000001", in: f, held: held)
        held.progress.wait()
        let ben = try Self.identify("M00000002", in: f, held: held)
        held.progress.wait()
        let annaSaw = anna.result.withLock { $0 }
        if case .failure(.storageFailure)? = annaSaw {} else {
            Issue.record("a read of the member the lost batch reached must be refused, got \(String(describing: annaSaw))")
        }
        #expect(try ben.value?.first?.memberKey == "M00000002")
    }

    /// A seeded run of purchases (one or two members), voids, returns and operator credits, each answered with its
    /// COMMIT held while every member is identified, one is quoted and the status of a transaction is asked, as the
    /// daemon does it (their footprint only): every answer equals the one a read after the COMMIT gives, whether it was
    /// answered at once or waited and ran again.
    @Test(arguments: [false, true]) func readsBeforeTheCommitAnswerAsAfterIt(ledger: Bool) throws {
        let held = HeldCommit()
        let f = try LoyaltyFixture { held.configure(&$0, ledger: ledger) }
        let keys = ["M00000001", "M00000002", "M00000003"]
        var ids: [String: Int64] = [:]
        for key in keys { ids[key] = try f.store.read { try $0.int64("SELECT id FROM members WHERE member_key = ?", [.text(key)]) } }
        var random = SeededRandom(seed: 12)
        var open: [(id: String, returned: Int)] = []  // purchases neither voided nor wholly returned
        let loyalty = f.loyalty
        for step in 0..<60 {
            held.armed.store(true, ordering: .relaxed)
            let roll = random.next() % 10
            if roll < 5 || open.isEmpty {
                let first = Int(random.next() % 3)
                var request = basket("T\(step)", member: keys[first])
                if roll == 0 {
                    let second = keys[(first + 1 + Int(random.next() % 2)) % 3]
                    request.members.append(MemberIdentifier(kind: .memberKey, value: second))
                }
                _ = try f.purchase(request).get()
                open.append(("T\(step)", 0))
            } else if roll < 7 {
                let n = Int(random.next() % UInt64(open.count))
                _ = try f.void(VoidRequest(voidId: "V\(step)", transactionId: open[n].id)).get()
                open.remove(at: n)
            } else if roll < 9 {
                let n = Int(random.next() % UInt64(open.count))
                _ = try f.returnItems(ReturnRequest(returnId: "R\(step)", transactionId: open[n].id,
                                                    lines: [ReturnLine(lineId: "1", quantity: .one)])).get()
                open[n].returned += 1
                if open[n].returned == 2 { open.remove(at: n) }
            } else {
                let member = ids[keys[Int(random.next() % 3)]]!
                guard case .success = f.store.writeAndWait(credit("op-\(step)", member: member, 7)) else {
                    Issue.record("credit \(step) refused"); return
                }
            }
            held.held.wait()  // answered; its COMMIT is held
            held.watching.store(true, ordering: .relaxed)
            let waitsBefore = held.waitsStarted.load(ordering: .relaxed)
            var identified: [Answer<[IdentifiedMember]>] = []
            for key in keys {
                identified.append(try Self.submit({ c in try loyalty.identify([MemberIdentifier(kind: .memberKey, value: key)], in: c) },
                                                  in: f, held: held))
                held.progress.wait()  // completed, or waiting for the COMMIT
            }
            let quoted = basket("Q\(step)", member: keys[Int(random.next() % 3)])
            let pos = f.pos
            let quote = try Self.submit({ c in try loyalty.quote(quoted, terminal: pos, in: c) }, in: f, held: held)
            held.progress.wait()
            // A transaction of this run's (the one just written, an older one, or one not sent yet).
            let asked = "T\(Int(random.next() % UInt64(step + 2)))"
            let status = try Self.submit({ c in try loyalty.status(transactionId: asked, terminal: pos, in: c) }, in: f, held: held)
            held.progress.wait()
            held.watching.store(false, ordering: .relaxed)
            let waited = held.waitsStarted.load(ordering: .relaxed) - waitsBefore
            held.go.signal()
            for _ in 0..<waited { held.progress.wait() }  // the reads that waited complete after the COMMIT
            for (n, key) in keys.enumerated() {
                let after = try f.loyalty.identify([MemberIdentifier(kind: .memberKey, value: key)])
                #expect(try identified[n].value == after, "step \(step): \(key) as after the COMMIT")
            }
            #expect(try quote.value == (try f.loyalty.quote(quoted, terminal: f.pos)), "step \(step): the quote as after the COMMIT")
            #expect(try status.value == (try f.loyalty.status(transactionId: asked, terminal: f.pos)),
                    "step \(step): the status of \(asked) as after the COMMIT")
        }
        #expect(f.store.visibility.readsServedBeforeCommit > 100, "most reads did not wait")
        #expect(f.store.visibility.readsRunAgain > 40, "the reads a write reached waited")
    }
}

/// The reach of the latest answered writes (`AnsweredReach`), without a store.
@Suite struct AnsweredReachTests {
    static func members(_ ids: Int64...) -> Footprint { Footprint(members: ids) }

    @Test func aRangeAnswersForTheWritesInItOnly() {
        var log = AnsweredReach(capacity: 8)
        log.append(3, .footprint(Self.members(1, 2)))
        log.append(5, .footprint(Footprint(members: [7], purchases: ["p1"])))
        log.append(9, .store)
        #expect(log.reaches(Self.members(1), after: 0, through: 5))
        #expect(!log.reaches(Self.members(1), after: 3, through: 5), "the write at 3 is in the snapshot")
        #expect(log.reaches(Self.members(7), after: 3, through: 5))
        #expect(log.reaches(Footprint(purchases: ["p1"]), after: 3, through: 5), "a purchase it wrote")
        #expect(!log.reaches(Footprint(members: [1], purchases: ["p2"]), after: 3, through: 5))
        #expect(!log.reaches(Self.members(8), after: 0, through: 5))
        #expect(log.reaches(Self.members(8), after: 0, through: 9), "a write of unknown reach reaches everything")
        #expect(!log.reaches(Self.members(8), after: 9, through: 9), "nothing unsettled")
        #expect(!log.reaches(Footprint(), after: 0, through: 5))
    }

    /// Past its capacity the oldest writes go, and a range that needs one of them answers that it may be reached.
    @Test func aRangeReachingPastTheDroppedWritesIsReached() {
        var log = AnsweredReach(capacity: 4)
        for lsn in UInt64(1)...10 { log.append(lsn, .footprint(Self.members(Int64(lsn)))) }
        #expect(log.count == 4)
        #expect(log.droppedThrough == 6)
        #expect(log.reaches(Self.members(100), after: 5, through: 10), "the write at 6 is no longer known")
        #expect(!log.reaches(Self.members(100), after: 6, through: 10))
        #expect(log.reaches(Self.members(8), after: 6, through: 10))
        for lsn in UInt64(11)...3_000 { log.append(lsn, .footprint(Self.members(1))) }  // the compaction keeps the order
        #expect(log.count == 4)
        #expect(!log.reaches(Self.members(2), after: 2_996, through: 3_000))
        #expect(log.reaches(Self.members(1), after: 2_999, through: 3_000))
    }
}
