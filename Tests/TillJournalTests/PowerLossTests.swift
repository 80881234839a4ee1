import Dispatch
import Foundation
import Synchronization
import Testing
import TillJournal
import TillJournalTesting

/// Power cuts at seeded syncs while writers submit: after the cut every write not yet synced is undone, except a
/// seeded choice of sectors (torn writes). Every acknowledged record must come back exactly once, in order, with its
/// bytes; what comes back is a gap-free prefix of what was submitted; and appending after recovery works.
@Suite struct PowerLossTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func acknowledgedRecordsSurviveAPowerCut(seed: UInt64) throws {
        try cutThePower(seed: seed, releasing: false)
    }

    /// The same while the journal is released behind the acknowledged records as they are written (as the store
    /// does at each checkpoint): the writes land in recycled segments whose earlier records lie behind the end marks,
    /// and torn sectors mix the new bytes with the old.
    @Test(arguments: [11, 12, 13, 14, 15, 16, 17, 18] as [UInt64])
    func acknowledgedRecordsSurviveAPowerCutInRecycledSegments(seed: UInt64) throws {
        try cutThePower(seed: seed, releasing: true)
    }

    private func cutThePower(seed: UInt64, releasing: Bool) throws {
        let folder = TemporaryFolder()
        let disk = try FaultyDisk(path: folder.path)
        let writer = JournalWriter(journal: try reopen(disk).0)
        var random = SeededRandom(seed: seed)
        let released = Mutex(LSN.none)
        if releasing {
            // Earlier lives for the segments: 400 records written and released before the cut is armed.
            let done = DispatchSemaphore(value: 0)
            for index in 0..<400 {
                _ = try writer.submit(JournalRecord(payload: payload(50_000 + index, length: 1 + Int(random.next() % 1500)))) {
                    _ in if index == 399 { done.signal() }
                }
            }
            done.wait()
            writer.release(through: LSN(390))
            released.withLock { $0 = LSN(390) }
        }
        disk.cutPower(atSync: 3 + Int(random.next() % 25) + (releasing ? 30 : 0))
        let submitted = Mutex<[LSN: [UInt8]]>([:])
        let acknowledged = Mutex<[LSN: [UInt8]]>([:])
        let lengths = (0..<1200).map { _ in 1 + Int(random.next() % 1500) }
        let outstanding = DispatchGroup()
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for index in 0..<300 {
                let bytes = payload(thread * 300 + index, length: lengths[thread * 300 + index])
                outstanding.enter()
                do {
                    let lsn = try writer.submit(JournalRecord(payload: bytes)) { result in
                        if case .success(let lsn) = result {
                            acknowledged.withLock { $0[lsn] = bytes }
                            // Acknowledged records are called back in LSN order: release all but the latest 40.
                            if releasing, lsn.rawValue % 25 == 0 {
                                let through = LSN(lsn.rawValue - 40)
                                released.withLock { $0 = max($0, through) }
                                writer.release(through: through)
                            }
                        }
                        outstanding.leave()
                    }
                    submitted.withLock { $0[lsn] = bytes }
                } catch {
                    outstanding.leave()  // refused at submit: stopped after the cut
                }
            }
        }
        outstanding.wait()
        writer.shutdown()
        let first = releasing ? 400 : 0
        #expect(writer.stats.durableLSN < LSN(UInt64(first + 1200)), "the cut happened while records were still being written")
        if releasing { #expect(disk.recycled.count > 2, "segments were recycled while the writers wrote") }
        try disk.restoreAfterPowerCut(seed: seed)

        let applied = released.withLock { $0 }
        let (journal, replayed) = try reopen(disk.disk, applied: applied)
        let sent = submitted.withLock { $0 }
        let acked = acknowledged.withLock { $0 }.filter { $0.key > applied }
        #expect(replayed.map(\.0) == (0..<replayed.count).map { LSN(applied.rawValue + UInt64($0) + 1) })
        #expect(replayed.allSatisfy { sent[$0.0] == $0.1 }, "every recovered record is one that was submitted")
        let recovered = Dictionary(uniqueKeysWithValues: replayed)
        #expect(acked.allSatisfy { recovered[$0.key] == $0.value }, "every acknowledged record came back")

        // Append after recovery, then recover again: the new record follows the old ones, nothing else does.
        let extra = payload(9999, length: 77)
        _ = try journal.append([JournalRecord(payload: extra)])
        let (_, again) = try reopen(disk.disk, applied: applied)
        #expect(again.count == replayed.count + 1 && again.last?.1 == extra)
    }
}
