import Foundation
import Glibc
import Testing
import TillJournal
import TillJournalTesting

/// Released segments are recycled as spares or deleted off the releasing thread (the store's writer must not wait
/// for an unlink and a directory sync between batches), oldest first; a failed deletion stops the journal; a
/// recycled segment's earlier records are never read as new ones.
@Suite struct SegmentReleaseTests {
    /// Appends 200 records of 700 bytes (about 9 segments of 16 KiB).
    private func filled(_ directory: any JournalDirectory) throws -> Journal {
        let journal = try reopen(directory).0
        for index in 0..<200 { _ = try journal.append([JournalRecord(payload: payload(index, length: 700))]) }
        return journal
    }

    @Test func releasedSegmentsAreRecycledOrDeletedOffTheCallersThreadOldestFirst() throws {
        let folder = TemporaryFolder()
        let disk = try FaultyDisk(path: folder.path)
        let journal = try filled(disk)
        journal.finishFileWork()
        let before = try segments(disk)
        let released = try journal.release(through: LSN(120))
        journal.finishFileWork()
        #expect(released > 2)
        let removals = disk.removals.filter { $0.name.hasSuffix(".tjl") }
        // One spare was zero-filled ahead; the oldest released segment tops the spares up to two, the rest go.
        #expect(disk.recycled.map(\.released) == Array(before.prefix(1)))
        #expect(removals.map(\.name) == Array(before.dropFirst().prefix(released - 1)), "oldest first")
        #expect(removals.allSatisfy { pthread_equal($0.thread, pthread_self()) == 0 }, "removed on the caller's thread")
        #expect(try segments(disk) == (Array(before.dropFirst(released)) + disk.recycled.map(\.name)).sorted())
        let (_, replayed) = try reopen(disk, applied: LSN(120))
        #expect(replayed.map(\.0) == (121...200).map { LSN(UInt64($0)) })
    }

    @Test func aFailedRemovalStopsTheJournalAtTheNextRelease() throws {
        let folder = TemporaryFolder()
        let disk = try FaultyDisk(path: folder.path)
        let journal = try filled(disk)
        disk.failRemoves(errno: EIO)
        let released = try journal.release(through: LSN(60))
        #expect(released > 0)
        journal.finishFileWork()
        #expect(throws: JournalError.self) { try journal.release(through: LSN(120)) }
        #expect(throws: JournalError.self) { try journal.append([JournalRecord(payload: payload(999, length: 10))]) }
        // Nothing after the first failure was attempted (the oldest segment was recycled); the rest recover.
        #expect(disk.removals.filter { $0.name.hasSuffix(".tjl") }.count == 1)
        let (_, replayed) = try reopen(disk, applied: LSN(60))
        #expect(replayed.map(\.0) == (61...200).map { LSN(UInt64($0)) })
    }

    /// A journal that keeps releasing what it wrote (as the store does after each checkpoint) writes into recycled
    /// segments: no new segment is zero-filled once two spares circulate, and a reopen replays exactly the records
    /// after the released ones — none of the earlier lives' records left behind the end marks, nothing torn.
    @Test func recycledSegmentsReplayOnlyTheirNewRecords() throws {
        let folder = TemporaryFolder()
        let disk = try FaultyDisk(path: folder.path)
        var written: [LSN: [UInt8]] = [:]
        var released = LSN.none
        do {
            let journal = try reopen(disk).0
            var random = SeededRandom(seed: 0x5EC)
            for round in 0..<120 {
                for index in 0..<10 {
                    let bytes = payload(round * 100 + index, length: 1 + Int(random.next() % 1_500))
                    let lsns = try journal.append([JournalRecord(payload: bytes)])
                    written[lsns.lowerBound] = bytes
                }
                released = LSN(journal.nextLSN.rawValue - 1 - random.next() % 10)
                try journal.release(through: released)
                journal.finishFileWork()
            }
        }
        #expect(disk.recycled.count > 20, "released segments came back as spares")
        #expect(disk.prepared.count <= 3, "zero-filled: \(disk.prepared)")
        let (journal, replayed) = try reopen(disk, applied: released)
        #expect(journal.recovery.tornBytes == 0)
        #expect(replayed.map(\.0) == (released.rawValue + 1..<journal.nextLSN.rawValue).map { LSN($0) })
        #expect(replayed.allSatisfy { written[$0.0] == $0.1 })
    }

    /// A crash can leave a spare after a missing one (a zero-fill queued before a recycling, cut short): start-up
    /// renumbers the spares to follow the last used segment, so the journal never skips a sequence number.
    @Test func aSpareAfterAGapIsRenumberedAtStartUp() throws {
        let folder = TemporaryFolder()
        let directory = try DiskJournalDirectory(path: folder.path)
        do {
            let journal = try reopen(directory).0
            for index in 0..<60 { _ = try journal.append([JournalRecord(payload: payload(index, length: 700))]) }
            journal.finishFileWork()
        }
        let spare = try #require(try segments(directory).last)  // zero-filled after the last rotation
        let sequence = try #require(UInt64(spare.dropFirst("segment-".count).prefix(16)))
        let later = "segment-" + String(String(sequence + 2).reversed()).padding(toLength: 16, withPad: "0", startingAt: 0)
            .reversed() + ".tjl"
        try FileManager.default.moveItem(atPath: "\(folder.path)/\(spare)", toPath: "\(folder.path)/\(later)")
        do {
            let (journal, replayed) = try reopen(directory)
            #expect(replayed.count == 60)
            for index in 60..<120 { _ = try journal.append([JournalRecord(payload: payload(index, length: 700))]) }
            journal.finishFileWork()
        }
        let (_, again) = try reopen(directory)
        #expect(again.map(\.0) == (1...120).map { LSN(UInt64($0)) })
    }
}
