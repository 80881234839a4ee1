import Testing
@testable import TillStore

@Suite struct StatementTests {
    @Test func bindsAndReadsEveryType() throws {
        let folder = TemporaryFolder()
        let connection = try Connection(path: folder.path("s.db"), options: OpenOptions(mode: .readWrite))
        try connection.executeScript("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n INTEGER) STRICT")
        try connection.execute("INSERT INTO t VALUES (?, ?, ?, ?)", [.integer(Int64.min), "héllo ✓", .blob([0, 1, 255]), nil])
        try connection.execute("INSERT INTO t VALUES (?, ?, ?, ?)", [42, "", .blob([]), .optional(Int64?.none)])
        var rows: [(Int64, String, [UInt8]?, Bool)] = []
        try connection.statement("SELECT i, s, b, n FROM t ORDER BY rowid").forEachRow { row in
            rows.append((row.int64(0), row.text(1), row.optionalBlob(2), row.isNull(3)))
        }
        #expect(rows.count == 2)
        #expect(rows[0].0 == Int64.min && rows[0].1 == "héllo ✓" && rows[0].2 == [0, 1, 255] && rows[0].3)
        #expect(rows[1].0 == 42 && rows[1].1 == "" && rows[1].2 == [] && rows[1].3)
    }

    @Test func statementsAreCachedPerSQL() throws {
        let folder = TemporaryFolder()
        let connection = try Connection(path: folder.path("s.db"), options: OpenOptions(mode: .readWrite))
        let a = try connection.statement("SELECT 1")
        let b = try connection.statement("SELECT 1")
        #expect(a === b)
    }

    @Test func errorsKeepExtendedCodeMessageAndSQL() throws {
        let folder = TemporaryFolder()
        let connection = try Connection(path: folder.path("s.db"), options: OpenOptions(mode: .readWrite))
        try connection.executeScript("CREATE TABLE u (k TEXT PRIMARY KEY) STRICT")
        try connection.execute("INSERT INTO u VALUES (?)", ["a"])
        do {
            try connection.execute("INSERT INTO u VALUES (?)", ["a"])
            Issue.record("expected a constraint error")
        } catch {
            #expect(error.extendedCode == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
            #expect(error.isConstraintViolation)
            #expect(error.message.contains("UNIQUE"))
            #expect(error.sql == "INSERT INTO u VALUES (?)")
        }
        #expect(throws: SQLiteError.self) { try connection.statement("SELEC nonsense") }
        #expect(throws: SQLiteError.self) { try connection.execute("INSERT INTO u VALUES (?)", []) }
    }

    @Test func readOnlyConnectionsRefuseWrites() throws {
        let folder = TemporaryFolder()
        let path = folder.path("s.db")
        let writer = try Connection(path: path, options: OpenOptions(mode: .readWrite))
        try writer.executeScript("CREATE TABLE t (x INTEGER) STRICT")
        let reader = try Connection(path: path, options: OpenOptions(mode: .readOnly))
        #expect(throws: SQLiteError.self) { try reader.execute("INSERT INTO t VALUES (1)") }
        #expect(try reader.int64("SELECT count(*) FROM t") == 0)
    }
}
