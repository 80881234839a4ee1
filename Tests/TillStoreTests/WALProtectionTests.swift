import Testing
@testable import TillStore

/// `WALProtection`: which WAL writes wait for a checkpoint's background fsync, and when SQLite may restart the WAL.
@Suite struct WALProtectionTests {
    private let header = 32
    private let frame = 24 + 4_096

    /// The WAL written from its start, 10 frames.
    private func tenFrames(limit: Int64) -> WALProtection {
        var wal = WALProtection()
        wal.appendLimit = limit
        let waits1 = wal.write(offset: 0, count: header + 10 * frame)
        #expect(!waits1)
        return wal
    }

    /// While no sync runs nothing waits and the restart is never refused, whatever is written where.
    @Test func withoutASyncNothingWaits() {
        var wal = tenFrames(limit: 1 << 30)
        #expect(!wal.refusesRestart)
        let waits2 = wal.write(offset: 0, count: header + frame)
        #expect(!waits2)
        let waits3 = wal.write(offset: Int64(header + frame), count: frame)
        #expect(!waits3)
        #expect(!wal.refusesRestart)
        #expect(wal.restarts == 2)
    }

    /// During a sync: appends after the protected end go on, any write below it (a restart at the start, or a frame
    /// rewritten in place) waits; once the sync ends, nothing waits.
    @Test func onlyWritesBelowTheProtectedEndWait() {
        var wal = tenFrames(limit: 1 << 30)
        wal.syncStarted()
        let protectedEnd = Int64(header + 10 * frame)
        #expect(wal.protectedEnd == protectedEnd)
        let waits4 = wal.write(offset: protectedEnd, count: frame)
        #expect(!waits4)
        let waits5 = wal.write(offset: protectedEnd + Int64(frame), count: 2 * frame)
        #expect(!waits5)
        let waits6 = wal.write(offset: protectedEnd - Int64(frame), count: frame)
        #expect(waits6)
        let waits7 = wal.write(offset: 0, count: header + frame)
        #expect(waits7)
        wal.syncEnded()
        #expect(wal.protectedEnd == nil)
        let waits8 = wal.write(offset: 0, count: header + frame)
        #expect(!waits8)
    }

    /// The restart is refused while a sync runs and the WAL is below the limit; past the limit it goes ahead (and
    /// its write waits); a restart sets the WAL's end back to what it writes.
    @Test func theRestartIsRefusedUpToTheLimit() {
        let limit = Int64(header + 20 * frame)
        var wal = tenFrames(limit: limit)
        wal.syncStarted()
        #expect(wal.refusesRestart)
        var offset = Int64(header + 10 * frame)
        while offset < limit {
            #expect(wal.refusesRestart)
            let waits9 = wal.write(offset: offset, count: frame)
            #expect(!waits9)
            offset += Int64(frame)
        }
        #expect(wal.end == limit)
        #expect(!wal.refusesRestart, "the WAL reached its limit: the restart goes ahead")
        let waits10 = wal.write(offset: 0, count: header + frame)
        #expect(waits10, "and waits for the sync")
        #expect(wal.end == Int64(header + frame))
        #expect(wal.refusesRestart, "the sync still runs and the restarted WAL is short")
        wal.syncEnded()
        #expect(!wal.refusesRestart)
        #expect(wal.restarts == 2)
    }
}
