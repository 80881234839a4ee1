import Foundation
import Synchronization
import Testing
import TillStoreTesting
@testable import TillStore

/// The writer's WAL writes are gathered into one write per commit (`WALWriteBuffer`), and every commit is in the file
/// when SQLite publishes it: the readers (on SQLite's default VFS) read each one right after its answer.
@Suite struct WALWriteBufferTests {
    /// Runs `body` with a store whose writer's WAL writes are counted (through `PowerLossVFS` under the writer's VFS)
    /// and a function reading the count so far.
    private static func withCountedStore(_ body: (Store, () -> Int) throws -> Void) throws {
        PowerLossVFS.register()
        let folder = TemporaryFolder()
        let prefix = folder.url.path + "/"
        let walWrites = WALWriteCount()
        PowerLossVFS.arm(prefix)
        PowerLossVFS.observe(under: prefix) { event in
            if event.isWrite(wal: true) { walWrites.count.add(1, ordering: .relaxed) }
        }
        defer { PowerLossVFS.observe(under: prefix, nil) }
        let store = try Store.temporary(folder) { $0.writer.vfsName = PowerLossVFS.name }
        defer { store.shutdown() }
        try body(store) { walWrites.count.load(ordering: .relaxed) }
        #expect(try store.verify().isSound)
    }

    /// 120 commits of one ~3 KB row (a data page, an overflow page and index pages: at least two frames, each
    /// written by SQLite as a header and a page) reach the WAL in at most two writes each, and a reader counts every
    /// row right after each answer.
    @Test func aCommitIsOneWriteAndReadersSeeIt() throws {
        try Self.withCountedStore { store, walWrites in
            let before = store.stats
            let writesBefore = walWrites()
            for index in 0..<120 {
                _ = try store.writeAndWait(CheckpointTests.paddedActivity(index)).get()
                #expect(try store.read { try $0.int64("SELECT count(*) FROM activity_log WHERE type = 'test'") } == Int64(index + 1))
            }
            let stats = store.stats
            let commits = stats.commits - before.commits
            let frames = stats.walFramesWritten - before.walFramesWritten
            let writes = walWrites() - writesBefore
            #expect(commits >= 120 && frames >= 2 * commits, "\(commits) commits, \(frames) frames")
            #expect(writes <= 2 * commits, "\(writes) WAL writes for \(commits) commits of \(frames) frames")
        }
    }

    /// One commit of ~2.5 MB (600 rows of ~3 KB: twenty times what the buffer holds) is written in
    /// pieces of at most the buffer's size, each one write, and read back whole.
    @Test func aLargeCommitIsWrittenInPiecesOfTheBuffer() throws {
        try Self.withCountedStore { store, walWrites in
            _ = try store.writeAndWait(CheckpointTests.paddedActivity(0)).get()
            _ = try store.read { _ in }
            let before = store.stats
            let writesBefore = walWrites()
            let rows = ClosureWrite<Void> { context in
                for index in 1...600 { try CheckpointTests.paddedActivity(index).apply(context) }
            }
            _ = try store.writeAndWait(rows).get()
            #expect(try store.read { try $0.int64("SELECT count(*) FROM activity_log WHERE type = 'test'") } == 601)
            let frames = store.stats.walFramesWritten - before.walFramesWritten
            let writes = walWrites() - writesBefore
            let pieces = (frames * (4_096 + 24) + WALWriteBuffer.capacity - 1) / WALWriteBuffer.capacity
            #expect(frames >= 500, "\(frames) frames")
            #expect(writes <= pieces + 2, "\(writes) WAL writes for \(frames) frames (\(pieces) buffers)")
        }
    }
}

private final class WALWriteCount: Sendable {
    let count = Atomic<Int>(0)
}
