import Dispatch
import Synchronization
import Testing
import TillCore
@testable import TillStore
import TillStoreTesting

/// Readers that keep their page cache across the writer's commits (`changed_pages.h`, `ChangedPages`): a reset drops
/// only the pages the commits since the reader's last snapshot wrote, and every read still sees exactly the committed
/// data — through checkpoints and WAL restarts, from the reader threads and from borrowed connections, and after a
/// commit by another connection, which the log does not hold.
@Suite struct ReaderPageCacheTests {
    static let rows = 3_000
    static let rowBytes = 300

    private static func value(_ row: Int, version: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: row &* 31 &+ version), count: rowBytes)
        bytes[0] = UInt8(truncatingIfNeeded: version)
        bytes[1] = UInt8(truncatingIfNeeded: version >> 8)
        return bytes
    }

    /// A table of `rows` rows of `rowBytes` (≈ 250 pages), written by the store's writer.
    private static func filledStore(_ folder: TemporaryFolder) throws -> Store {
        // One reader thread: every read on a reader thread uses the same connection (and the borrowed reads another).
        // Checkpoints every 128 KiB of WAL: several WAL restarts among the test's commits.
        let store = try Store.temporary(folder) {
            $0.reading.threads = 1
            $0.writer.checkpointWalPages = 32
        }
        _ = try store.writeAndWait(ClosureWrite { context in
            try context.execute("CREATE TABLE cached (k INTEGER PRIMARY KEY, v BLOB NOT NULL) STRICT")
        }).get()
        for start in stride(from: 0, to: rows, by: 500) {
            _ = try store.writeAndWait(ClosureWrite { context in
                for row in start..<(start + 500) {
                    try context.execute("INSERT INTO cached (k, v) VALUES (?, ?)", [.integer(Int64(row)), .blob(value(row, version: 0))])
                }
            }).get()
        }
        return store
    }

    /// The rows that differ from `versions` (every row read, so every page of the table is in the reader's cache).
    private static func mismatches(_ connection: Connection, _ versions: [Int]) throws -> Int {
        var wrong = 0
        var seen = 0
        try connection.statement("SELECT k, v FROM cached ORDER BY k").forEachRow { row in
            let k = Int(row.int64(0))
            if row.optionalBlob(1) != value(k, version: versions[k]) { wrong += 1 }
            seen += 1
        }
        return wrong + abs(seen - versions.count)
    }

    private static func update(_ store: Store, _ changes: [(row: Int, version: Int)]) throws {
        _ = try store.writeAndWait(ClosureWrite { context in
            for change in changes {
                try context.execute("UPDATE cached SET v = ? WHERE k = ?", [.blob(value(change.row, version: change.version)), .integer(Int64(change.row))])
            }
        }).get()
    }

    /// Reads through a reader thread of the pool and waits for the answer.
    private static func readOnReaderThread<T: Sendable>(_ store: Store, _ body: @escaping @Sendable (Connection) throws -> T) throws -> T {
        let answer = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        try store.submitRead(body) { result in
            answer.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try answer.withLock { $0! }.get()
    }

    @Test func readsSeeEveryCommitWhileCachesSurviveThem() throws {
        let folder = TemporaryFolder()
        let store = try Self.filledStore(folder)
        defer { store.shutdown() }
        var versions = [Int](repeating: 0, count: Self.rows)
        var random = SplitMix64(state: 20261207)
        let before = try #require(store.readers.pageCacheResets)
        for step in 1...120 {
            // A few rows here and there: a handful of the table's pages change, the rest stay cached.
            let changes = (0..<Int(1 + random.next() % 12)).map { _ in (row: Int(random.next() % UInt64(Self.rows)), version: step) }
            try Self.update(store, changes)
            for change in changes { versions[change.row] = change.version }
            let expected = versions
            #expect(try store.read { try Self.mismatches($0, expected) } == 0, "borrowed connection, step \(step)")
            #expect(try Self.readOnReaderThread(store) { try Self.mismatches($0, expected) } == 0, "reader thread, step \(step)")
        }
        let after = try #require(store.readers.pageCacheResets)
        // The writer checkpointed and restarted the WAL many times meanwhile (the 128 KiB bound above); most resets
        // were still narrowed to the pages that changed, and far fewer pages were dropped than a full reset would have.
        #expect(store.stats.checkpoints > 5)
        #expect(after.kept - before.kept > 150)
        #expect(after.droppedPages - before.droppedPages < (after.kept - before.kept) * 60)
        #expect(try store.read { try $0.text("PRAGMA integrity_check") } == "ok")
    }

    @Test func aCommitByAnotherConnectionEmptiesTheCaches() throws {
        let folder = TemporaryFolder()
        let store = try Self.filledStore(folder)
        defer { store.shutdown() }
        var versions = [Int](repeating: 0, count: Self.rows)
        // Both kinds of reader connection hold the table and have narrowed a reset to what the writer changed.
        // (A connection's first read creates its cache; its second reset empties it, knowing nothing yet.)
        for step in 1...3 {
            try Self.update(store, [(row: step, version: step)])
            versions[step] = step
            let expected = versions
            #expect(try store.read { try Self.mismatches($0, expected) } == 0)
            #expect(try Self.readOnReaderThread(store) { try Self.mismatches($0, expected) } == 0)
        }
        #expect(try #require(store.readers.pageCacheResets).kept == 2)

        // Another connection (not through the writer's VFS, so not in the log) changes rows.
        let other = try Connection(path: store.configuration.path, options: OpenOptions(mode: .readWrite))
        try other.execute("BEGIN IMMEDIATE")
        for row in stride(from: 10, to: Self.rows, by: 7) {
            try other.execute("UPDATE cached SET v = ? WHERE k = ?", [.blob(Self.value(row, version: 100)), .integer(Int64(row))])
            versions[row] = 100
        }
        try other.execute("COMMIT")
        let emptied = try #require(store.readers.pageCacheResets).emptied
        // The writer commits next, before any reader looks: its commit is in the log and is the latest, but the log
        // still misses the other connection's, so each reader empties its cache once.
        try Self.update(store, [(row: 1, version: 101)])
        versions[1] = 101
        let foreign = versions
        #expect(try store.read { try Self.mismatches($0, foreign) } == 0)
        #expect(try Self.readOnReaderThread(store) { try Self.mismatches($0, foreign) } == 0)
        #expect(try #require(store.readers.pageCacheResets).emptied == emptied + 2)

        // Another commit by the other connection, read before the writer's next one: emptied again.
        try other.execute("UPDATE cached SET v = ? WHERE k = ?", [.blob(Self.value(2, version: 102)), .integer(2)])
        versions[2] = 102
        let again = versions
        #expect(try store.read { try Self.mismatches($0, again) } == 0)
        #expect(try Self.readOnReaderThread(store) { try Self.mismatches($0, again) } == 0)
        #expect(try #require(store.readers.pageCacheResets).emptied == emptied + 4)

        // The writer's next commits: reads stay exact, and narrowed again once each reader has seen the new generation.
        for step in 2...6 {
            try Self.update(store, [(row: step * 100, version: step), (row: step * 100 + 1, version: step)])
            versions[step * 100] = step
            versions[step * 100 + 1] = step
            let expected = versions
            #expect(try store.read { try Self.mismatches($0, expected) } == 0)
            #expect(try Self.readOnReaderThread(store) { try Self.mismatches($0, expected) } == 0)
        }
        let kept = try #require(store.readers.pageCacheResets).kept
        try Self.update(store, [(row: 5, version: 9)])
        versions[5] = 9
        let last = versions
        #expect(try store.read { try Self.mismatches($0, last) } == 0)
        #expect(try #require(store.readers.pageCacheResets).kept > kept)
    }

    @Test func switchedOffReadersEmptyTheirCacheAsSQLiteDoes() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder) { $0.reading.keepsPageCache = false }
        defer { store.shutdown() }
        _ = try store.writeAndWait(ClosureWrite { try $0.execute("CREATE TABLE cached (k INTEGER PRIMARY KEY, v BLOB NOT NULL) STRICT") }).get()
        for version in 1...3 {
            _ = try store.writeAndWait(ClosureWrite { try $0.execute("INSERT INTO cached (k, v) VALUES (?, ?)", [.integer(Int64(version)), .blob([1])]) }).get()
            #expect(try store.read { try $0.int64("SELECT count(*) FROM cached") } == Int64(version))
        }
        #expect(store.readers.pageCacheResets == nil)
    }
}
