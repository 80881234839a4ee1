import Dispatch
import Foundation
import Glibc
import Synchronization
import Testing
import TillJournal
import TillJournalTesting

@Suite struct GroupCommitTests {
    /// Many submitters: every record is acknowledged once, in LSN order, the groups hold several records, and a
    /// reopened journal holds exactly what was acknowledged.
    @Test func concurrentSubmittersAreAcknowledgedInOrderAndGrouped() throws {
        let folder = TemporaryFolder()
        let disk = try DiskJournalDirectory(path: folder.path)
        let writer = JournalWriter(journal: try reopen(disk).0)
        let order = Mutex<[LSN]>([])
        let payloads = Mutex<[LSN: [UInt8]]>([:])
        let done = DispatchGroup()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<250 {
                let bytes = payload(thread * 1000 + index, length: 20 + (index * 53) % 900)
                done.enter()
                let lsn = try! writer.submit(JournalRecord(payload: bytes)) { result in
                    order.withLock { $0.append(try! result.get()) }
                    done.leave()
                }
                payloads.withLock { $0[lsn] = bytes }
            }
        }
        done.wait()
        let stats = writer.stats
        writer.shutdown()
        let acknowledged = order.withLock { $0 }
        #expect(acknowledged == (1...2000).map { LSN(UInt64($0)) })
        #expect(stats.records == 2000 && stats.groups < 2000 && stats.durableLSN == LSN(2000))
        let (_, replayed) = try reopen(disk)
        let expected = payloads.withLock { $0 }
        #expect(replayed.count == 2000 && replayed.allSatisfy { expected[$0.0] == $0.1 })
    }

    @Test func aFullQueueAnswersOverloadedAndDrainsAfterwards() throws {
        let folder = TemporaryFolder()
        let disk = try FaultyDisk(path: folder.path)
        var configuration = smallSegments
        configuration.queueCapacity = 16
        let writer = JournalWriter(journal: try reopen(disk, configuration: configuration).0)
        let acknowledgements = Acknowledgements()
        disk.holdNextSync()
        acknowledgements.submit(JournalRecord(payload: payload(0, length: 10)), as: 0, to: writer)
        disk.waitForHeldSync()  // the first group is in its fdatasync; the queue is empty
        for index in 1...16 { acknowledgements.submit(JournalRecord(payload: payload(index, length: 10)), as: index, to: writer) }
        #expect(throws: JournalError.overloaded(waiting: 16)) {
            try writer.submit(JournalRecord(payload: payload(17, length: 10))) { _ in }
        }
        disk.releaseSync()
        let results = acknowledgements.wait()
        #expect((0...16).allSatisfy { (try? results[$0]?.get()) == LSN(UInt64($0 + 1)) })
        #expect(writer.stats.rejectedOverloaded == 1)
        #expect(throws: JournalError.recordTooLarge(bytes: 2049, limit: 2048)) {
            try writer.submit(JournalRecord(payload: payload(18, length: 2049))) { _ in }
        }
        writer.shutdown()
    }

    /// A failed fdatasync is never retried and nothing after it is acknowledged: the group in flight, the records
    /// waiting and every later submit fail with `stopped`. What was acknowledged before is still there.
    @Test(arguments: [EIO, ENOSPC])
    func aFailedSyncOrAFullDiskStopsTheJournal(errno: Int32) throws {
        let folder = TemporaryFolder()
        let disk = try FaultyDisk(path: folder.path)
        let writer = JournalWriter(journal: try reopen(disk).0)
        let before = Acknowledgements()
        for index in 0..<10 { before.submit(JournalRecord(payload: payload(index, length: 100)), as: index, to: writer) }
        #expect(before.wait().values.allSatisfy { (try? $0.get()) != nil })
        if errno == EIO { disk.failSyncs(errno: EIO) } else { disk.fillUp(after: 300) }
        let after = Acknowledgements()
        for index in 0..<20 { after.submit(JournalRecord(payload: payload(100 + index, length: 100)), as: index, to: writer) }
        let results = after.wait()
        // A full disk may still take the first groups; from the first failure on, nothing is acknowledged.
        let acknowledged = results.compactMap { index, result in (try? result.get()).map { (index, $0) } }
        let refused = results.filter { _, result in
            if case .failure(.stopped) = result { return true }
            return false
        }
        #expect(acknowledged.count + refused.count == 20 && !refused.isEmpty)
        #expect(acknowledged.allSatisfy { entry in refused.keys.allSatisfy { entry.0 < $0 } })
        if errno == EIO { #expect(acknowledged.isEmpty) }
        #expect(submitIsRefusedAsStopped(writer))
        writer.shutdown()
        let (_, replayed) = try reopen(disk.disk)
        let kept = 10 + acknowledged.count
        #expect(replayed.prefix(kept).map(\.1)
            == (0..<10).map { payload($0, length: 100) } + (0..<acknowledged.count).map { payload(100 + $0, length: 100) })
    }

    /// `whenDurable` runs at once for what is durable, and for a record in its fdatasync only after that returned and
    /// the record's own `onDurable` ran; `waitUntilDurable` returns then too. After a failed sync, a body waiting
    /// for the record gets `stopped`, and so does a later one; what was durable before stays durable.
    @Test func whenDurableFollowsTheSyncThatCoversTheRecord() throws {
        let folder = TemporaryFolder()
        let disk = try FaultyDisk(path: folder.path)
        let writer = JournalWriter(journal: try reopen(disk).0)
        let first = try writer.submit(JournalRecord(payload: payload(0, length: 50))) { _ in }
        try writer.waitUntilDurable(through: first)
        let events = Mutex<[String]>([])
        writer.whenDurable(through: first) { result in events.withLock { $0.append("first \((try? result.get()) != nil)") } }
        #expect(events.withLock { $0 } == ["first true"], "a durable record's body runs at once")

        disk.holdNextSync()
        let second = try writer.submit(JournalRecord(payload: payload(1, length: 50))) { _ in
            events.withLock { $0.append("onDurable") }
        }
        disk.waitForHeldSync()  // the second record is written, its fdatasync held
        let ran = DispatchSemaphore(value: 0)
        writer.whenDurable(through: second) { result in
            events.withLock { $0.append("second \((try? result.get()) != nil)") }
            ran.signal()
        }
        #expect(ran.wait(timeout: .now() + .milliseconds(50)) == .timedOut, "a body ran before the fdatasync returned")
        #expect(writer.durableLSN == first)
        disk.releaseSync()
        try writer.waitUntilDurable(through: second)
        ran.wait()
        #expect(events.withLock { $0 } == ["first true", "onDurable", "second true"])
        #expect(writer.durableLSN == second)

        disk.failSyncs(errno: EIO)
        let third = try writer.submit(JournalRecord(payload: payload(2, length: 50))) { _ in }
        let failed = DispatchSemaphore(value: 0)
        writer.whenDurable(through: third) { result in
            if case .failure(.stopped) = result { failed.signal() }
        }
        failed.wait()
        #expect(throws: JournalError.self) { try writer.waitUntilDurable(through: third) }
        try writer.waitUntilDurable(through: second)  // durable before the failure: still so
        writer.shutdown()
    }

    /// `writeNowIfIdle` writes on the caller's thread when the journal thread has nothing to do (the record is durable
    /// when it returns, in LSN order with submitted ones), declines while a group is being synced, and a failure
    /// there stops the journal like one on its thread.
    @Test func anIdleJournalIsWrittenByTheCaller() throws {
        let folder = TemporaryFolder()
        let disk = try FaultyDisk(path: folder.path)
        let writer = JournalWriter(journal: try reopen(disk).0)
        let first = try writer.submit(JournalRecord(payload: payload(0, length: 40))) { _ in }
        try writer.waitUntilDurable(through: first)
        let syncs = disk.syncCount
        // The journal thread parks once it ran the callbacks: until then the call declines.
        func writeWhenIdle(_ record: JournalRecord) throws -> LSN {
            while true {
                if let lsn = try writer.writeNowIfIdle(record) { return lsn }
                sched_yield()
            }
        }
        #expect(try writeWhenIdle(JournalRecord(payload: payload(1, length: 40))) == LSN(2))
        #expect(writer.durableLSN == LSN(2) && disk.syncCount == syncs + 1, "durable when it returns")

        disk.holdNextSync()
        let third = try writer.submit(JournalRecord(payload: payload(2, length: 40))) { _ in }
        disk.waitForHeldSync()
        #expect(try writer.writeNowIfIdle(JournalRecord(payload: payload(3, length: 40))) == nil, "the thread is busy")
        disk.releaseSync()
        try writer.waitUntilDurable(through: third)
        #expect(try writeWhenIdle(JournalRecord(payload: payload(3, length: 40))) == LSN(4))

        disk.failSyncs(errno: EIO)
        #expect(throws: JournalError.self) { try writer.writeNowIfIdle(JournalRecord(payload: payload(4, length: 40))) }
        #expect(submitIsRefusedAsStopped(writer))
        writer.shutdown()
        let (_, replayed) = try reopen(disk.disk)
        #expect(replayed.prefix(4).map(\.1) == (0..<4).map { payload($0, length: 40) })
    }
}

/// True when a new record is refused with `stopped` (the journal failed earlier).
private func submitIsRefusedAsStopped(_ writer: JournalWriter) -> Bool {
    do {
        try writer.submit(JournalRecord(payload: payload(999, length: 10))) { _ in }
        return false
    } catch .stopped {
        return true
    } catch {
        return false
    }
}
