import Dispatch
import Synchronization
import Testing
import TillCore
@testable import TillStore
import TillStoreTesting

/// Readers read the database file through a memory map (issue 14: an identify's read spent most of its time in
/// `pread(2)` and in filling each reader connection's own page cache); the writer never maps it.
@Suite struct ReaderMappingTests {
    /// What `PRAGMA mmap_size` says on a reader thread's connection (the pool's `submit` path).
    static func mappedBytesOnReaderThread(_ store: Store) throws -> Int64 {
        let answer = Mutex<Result<Int64, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        try store.submitRead({ try $0.int64("PRAGMA mmap_size") ?? 0 }) { result in
            answer.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try answer.withLock { $0! }.get()
    }

    @Test func readerConnectionsMapTheFileAndTheWriterDoesNot() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        _ = try store.member("m-0")
        #expect(try Self.mappedBytesOnReaderThread(store) > 0)
        #expect(try store.read { try $0.int64("PRAGMA mmap_size") ?? 0 } > 0)
        #expect(OpenOptions(mode: .readOnly).mmapBytes > 0)

        let writer = try Connection(path: folder.path("other.db"), options: OpenOptions(mode: .readWrite))
        #expect(try writer.int64("PRAGMA mmap_size") == 0)
        let unmapped = try Connection(path: folder.path("other.db"), options: OpenOptions(mode: .readOnly, mmapBytes: 0))
        #expect(try unmapped.int64("PRAGMA mmap_size") == 0)
    }

    /// Mapped readers see every commit, before and after the writer checkpoints the WAL into the mapped file (a
    /// checkpoint every 8 WAL pages here), and the file growing under their map.
    @Test func mappedReadersSeeEveryCommitAcrossCheckpoints() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) { $0.writer.checkpointWalPages = 8 }
        defer { store.shutdown() }
        var total = 0
        for round in 0..<6 {
            let completions = Completions<Int64>()
            for i in 0..<150 {
                completions.submit(RegisterMember(memberKey: "r\(round)-\(i)", registeredAt: 1_700_000_000_000),
                                   as: i, to: store)
            }
            #expect(completions.wait().values.allSatisfy { (try? $0.get()) != nil })
            total += 150
            let counted = Mutex<Result<Int64, any Error>?>(nil)
            let done = DispatchSemaphore(value: 0)
            try store.submitRead({ try $0.int64("SELECT count(*) FROM members") ?? -1 }) { result in
                counted.withLock { $0 = result }
                done.signal()
            }
            done.wait()
            #expect(try counted.withLock { $0! }.get() == Int64(total))
            #expect(try store.read { try $0.int64("SELECT count(*) FROM members") } == Int64(total))
        }
        #expect(store.stats.checkpoints > 0)
    }
}
