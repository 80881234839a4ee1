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

    /// Texts and blobs are bound from the statement's own copy of their bytes: values built for one execution and
    /// gone before it steps read back whole, executions with more bytes than before (the copy grows) and with fewer
    /// read back their own values, and empty texts and blobs stay '' and a zero-length blob.
    @Test func boundTextsAndBlobsAreTheStatementsOwnCopy() throws {
        let folder = TemporaryFolder()
        let connection = try Connection(path: folder.path("s.db"), options: OpenOptions(mode: .readWrite))
        let select = try connection.statement("SELECT ?1, ?2, ?3, length(?2), typeof(?3), ?4")
        for size in [1, 300, 5, 4_000, 0, 17, 100_000, 2] {
            let text = String(repeating: "é", count: size / 2) + String(repeating: "x", count: size % 2)
            let blob = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            do {
                let built: [SQLValue] = [.text(String(text.reversed())), .text("k\(size)"), .blob(blob), .text("")]
                try select.bind(built)
            }  // the arguments are gone; only the statement's copy is left
            #expect(try select.step())
            let row = Row(statement: select)
            #expect(row.text(0) == String(text.reversed()))
            #expect(row.text(1) == "k\(size)")
            #expect(row.optionalBlob(2) == blob)
            #expect(row.int64(3) == Int64("k\(size)".count))
            #expect(row.text(4) == "blob")
            #expect(row.text(5) == "")
            #expect(try !select.step())
        }
    }

    /// `Row.text(_:is:)` is true exactly when the column is TEXT with the literal's bytes.
    @Test func aTextColumnComparesWithALiteralInPlace() throws {
        let folder = TemporaryFolder()
        let connection = try Connection(path: folder.path("s.db"), options: OpenOptions(mode: .readWrite))
        let answers = try connection.statement("SELECT 'active', 'activ', 'actives', '', NULL, 5, CAST('active' AS BLOB)")
            .firstRow { r in (0..<7).map { r.text($0, is: "active") } + [r.text(3, is: ""), r.text(4, is: "")] }
        #expect(answers == [true, false, false, false, false, false, false, true, false])
    }

    @Test func statementsAreCachedPerSQL() throws {
        let folder = TemporaryFolder()
        let connection = try Connection(path: folder.path("s.db"), options: OpenOptions(mode: .readWrite))
        let a = try connection.statement("SELECT 1")
        let b = try connection.statement("SELECT 1")
        #expect(a === b)
    }

    /// Lookups by a text's address (`TextAddress.slot` in front of the dictionaries) always give the statement of
    /// that text: texts kept alive share slots (more texts than slots), texts built and freed reuse addresses, and
    /// an equal text at another address finds the same statement.
    @Test func everyTextFindsItsOwnStatementThroughTheAddressSlots() throws {
        let folder = TemporaryFolder()
        let connection = try Connection(path: folder.path("s.db"), options: OpenOptions(mode: .readWrite))
        let texts = (0..<(3 * TextAddress.slots)).map { "SELECT \($0) AS value_of_a_long_enough_text" }
        let dictionary = StatementDictionary()
        for round in 0..<3 {
            for (i, text) in texts.enumerated() {
                let statement = try connection.statement(text)
                #expect(statement.sql == text)
                #expect(try statement.firstRow { $0.int64(0) } == Int64(i))
                if round == 0 { try dictionary.learn(id: Int64(i + 1), sql: text) }
                #expect(dictionary.id(of: text) == Int64(i + 1))
                // Built and freed at once: its address is reused by the next text built.
                let copy = "SELECT \(i) AS value_of_a_long_enough_text"
                #expect(try connection.statement(copy) === statement)
                #expect(dictionary.id(of: copy) == Int64(i + 1))
            }
        }
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
