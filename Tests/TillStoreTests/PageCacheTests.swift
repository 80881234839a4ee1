import Testing
@testable import TillStore

/// The page cache of `page_cache.h`: a COMMIT's truncation that drops nothing is skipped (it walked the whole cache
/// after most b-tree splits), one that must drop pages (a rolled-back growth) still happens, and the data stays right.
/// The counts are the calling thread's, so tests running in parallel do not see each other's.
@Suite struct PageCacheTests {
    /// Rows in random key order: inserting them splits index pages in the middle of the tree, which is what left
    /// SQLite's default cache walking its hash table at every COMMIT.
    private func keys(_ count: Int, seed: UInt64) -> [String] {
        var random = SplitMix64(state: seed)
        return (0..<count).map { _ in String(random.next() % 1_000_000_000_000, radix: 36) + "-" + String(random.next() % 997) }
    }

    @Test func commitsAfterSplitsSkipTruncationsThatDropNothing() throws {
        let folder = TemporaryFolder()
        let connection = try Connection(path: folder.path("p.db"), options: OpenOptions(mode: .readWrite))
        try connection.executeScript("CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB NOT NULL) STRICT")
        let keys = keys(600, seed: 13)
        let before = Connection.pageCacheTruncations
        for (i, key) in keys.enumerated() {
            try connection.execute("BEGIN")
            try connection.execute("INSERT INTO t (k, v) VALUES (?, ?)", [.text(key), .blob([UInt8](repeating: UInt8(i % 251), count: 300))])
            try connection.execute("COMMIT")
        }
        let after = Connection.pageCacheTruncations
        // Every COMMIT truncates the cache to the file's pages; none of these drops a page.
        #expect(after.skipped - before.skipped >= UInt64(keys.count))
        #expect(after.passed == before.passed)
        #expect(try connection.text("PRAGMA integrity_check") == "ok")
        var stored = 0
        try connection.statement("SELECT k, v FROM t").forEachRow { row in
            let i = keys.firstIndex(of: row.text(0))!
            #expect(row.optionalBlob(1) == [UInt8](repeating: UInt8(i % 251), count: 300))
            stored += 1
        }
        #expect(stored == keys.count)
    }

    @Test func rolledBackGrowthIsDroppedFromTheCache() throws {
        let folder = TemporaryFolder()
        let path = folder.path("p.db")
        let connection = try Connection(path: path, options: OpenOptions(mode: .readWrite))
        try connection.executeScript("CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB NOT NULL) STRICT")
        try connection.execute("BEGIN")
        for key in keys(200, seed: 1) { try connection.execute("INSERT INTO t (k, v) VALUES (?, ?)", [.text(key), .blob([UInt8](repeating: 1, count: 3_000))]) }
        try connection.execute("COMMIT")
        let pages = try connection.int64("PRAGMA page_count")!

        // The rolled-back transaction grew the file (and split pages through temporary keys): its pages past the
        // file's end must leave the cache, since the next growth reuses their numbers.
        let before = Connection.pageCacheTruncations
        try connection.execute("BEGIN")
        for key in keys(400, seed: 2) { try connection.execute("INSERT INTO t (k, v) VALUES (?, ?)", [.text(key), .blob([UInt8](repeating: 2, count: 5_000))]) }
        #expect(try connection.int64("PRAGMA page_count")! > pages + 400)
        try connection.execute("ROLLBACK")
        #expect(Connection.pageCacheTruncations.passed > before.passed)
        #expect(try connection.int64("PRAGMA page_count") == pages)

        let grown = keys(300, seed: 3)
        try connection.execute("BEGIN")
        for key in grown { try connection.execute("INSERT INTO t (k, v) VALUES (?, ?)", [.text(key), .blob([UInt8](repeating: 3, count: 4_000))]) }
        try connection.execute("COMMIT")
        for reader in [connection, try Connection(path: path, options: OpenOptions(mode: .readOnly))] {
            #expect(try reader.text("PRAGMA integrity_check") == "ok")
            #expect(try reader.int64("SELECT count(*) FROM t") == 500)
            #expect(try reader.int64("SELECT count(*) FROM t WHERE v = ?", [.blob([UInt8](repeating: 3, count: 4_000))]) == 300)
            #expect(try reader.int64("SELECT count(*) FROM t WHERE v = ?", [.blob([UInt8](repeating: 2, count: 5_000))]) == 0)
        }
    }
}
