import Glibc
import Testing
import TillJournal
import TillJournalTesting

/// Released segments are deleted off the releasing thread (the store's writer must not wait for an unlink and a
/// directory sync between batches), oldest first, and a failed deletion stops the journal.
@Suite struct SegmentReleaseTests {
    /// Appends 200 records of 700 bytes (about 9 segments of 16 KiB).
    private func filled(_ directory: any JournalDirectory) throws -> Journal {
        let journal = try reopen(directory).0
        for index in 0..<200 { _ = try journal.append([JournalRecord(payload: payload(index, length: 700))]) }
        return journal
    }

    private func segments(_ directory: any JournalDirectory) throws -> [String] {
        try directory.names().filter { $0.hasSuffix(".tjl") }.sorted()
    }

    @Test func releasedSegmentsAreDeletedOffTheCallersThreadOldestFirst() throws {
        let folder = TemporaryFolder()
        let disk = try FaultyDisk(path: folder.path)
        let journal = try filled(disk)
        journal.finishFileWork()
        let before = try segments(disk)
        let released = try journal.release(through: LSN(120))
        journal.finishFileWork()
        #expect(released > 0)
        let removals = disk.removals.filter { $0.name.hasSuffix(".tjl") }
        #expect(removals.map(\.name) == Array(before.prefix(released)), "oldest first, exactly the released ones")
        #expect(removals.allSatisfy { pthread_equal($0.thread, pthread_self()) == 0 }, "removed on the caller's thread")
        #expect(try segments(disk) == Array(before.dropFirst(released)))
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
        // Nothing after the first failure was attempted; the segments are all still there and recover.
        #expect(disk.removals.filter { $0.name.hasSuffix(".tjl") }.count == 1)
        let (_, replayed) = try reopen(disk)
        #expect(replayed.count == 200)
    }
}
