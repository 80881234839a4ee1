import CSQLite

/// One prepared SQLite statement.
///
/// Guarantees: the statement is finalized exactly once, when the last reference goes; every `sqlite3_step` result
/// is interpreted in one place (`step()`); each execution starts from a reset statement with all parameters
/// rebound, so no value leaks from one execution into the next; on the writer's connection, an execution of a
/// statement that changes data is kept once, with its bound values, in the connection's `EffectLog` (the journal's
/// record of the batch). Not Sendable: use it only on the thread that owns its connection.
public final class Statement {
    let handle: OpaquePointer
    /// The connection handle, kept for error messages (`sqlite3_close_v2` keeps it alive while statements exist).
    private let db: OpaquePointer
    /// The SQL this statement was prepared from.
    public let sql: String
    /// `sqlite3_bind_parameter_count`, read once.
    let parameterCount: Int
    /// The writer connection's effect log (nil on readers); `isReadOnly` statements are never kept in it.
    private let effects: EffectLog?
    /// The same log for a read-only statement of the writer's connection, which asks it whether a read is allowed
    /// now (`EffectLog.mayRead`, debug builds).
    private let reads: EffectLog?
    /// `sqlite3_stmt_readonly`: true for queries and transaction control.
    let isReadOnly: Bool
    /// What is bound now, mirrored for `effects` (kept only when there is a log).
    private var bound: [SQLValue] = []
    /// True once this execution was kept in `effects` (a statement stepping through rows is kept once).
    private var recorded = false
    /// Where `bind(_:)` copies the bytes of the texts and blobs it binds, which SQLite then reads in place
    /// (`SQLITE_STATIC`) instead of copying each into a buffer of its own (a malloc and a free per value). Owned by the
    /// statement, grown (never while a value bound from it can still be read: `bind` rebinds every parameter) and
    /// freed after the statement is finalized.
    private var scratch: UnsafeMutableRawPointer?
    private var scratchCapacity = 0

    init(db: OpaquePointer, sql: String, persistent: Bool, effects: EffectLog? = nil) throws(SQLiteError) {
        var stmt: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sql.withCString { sqlite3_prepare_v3(db, $0, -1, flags, &stmt, &tail) }
        guard code == SQLITE_OK, let stmt else {
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(db), message: String(cString: sqlite3_errmsg(db)), sql: sql)
        }
        self.handle = stmt
        self.db = db
        self.sql = sql
        self.parameterCount = Int(sqlite3_bind_parameter_count(stmt))
        self.isReadOnly = sqlite3_stmt_readonly(stmt) != 0
        self.effects = isReadOnly ? nil : effects
        self.reads = isReadOnly ? effects : nil
    }

    /// Resets the statement for its next execution (bindings stay, as in SQLite).
    private func reset() {
        sqlite3_reset(handle)
        recorded = false
    }

    /// Mirrors positional binds for the effect log.
    private func mirror(_ index: Int32, _ value: SQLValue) {
        guard effects != nil else { return }
        if bound.count != parameterCount { bound = Array(repeating: .null, count: parameterCount) }
        bound[Int(index) - 1] = value
    }

    deinit {
        sqlite3_finalize(handle)
        scratch?.deallocate()
    }

    /// How many times the statement was run since it was prepared (SQLite's `SQLITE_STMTSTATUS_RUN`): what a
    /// request's statements cost is counted by it.
    public var executions: Int { Int(sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_RUN, 0)) }

    fileprivate func failure(_ code: Int32) -> SQLiteError {
        // sqlite3_errmsg is only meaningful for the latest call; the extended code from the call wins.
        let extended = sqlite3_extended_errcode(db)
        return SQLiteError(extendedCode: extended & 0xFF == code & 0xFF ? extended : code,
                           message: String(cString: sqlite3_errmsg(db)), sql: sql)
    }

    /// Resets the statement and binds `arguments` to parameters 1...n (all other parameters become NULL).
    public func bind(_ arguments: [SQLValue]) throws(SQLiteError) {
        reset()
        // No sqlite3_clear_bindings: the count check below means every parameter is rebound on every execution.
        guard arguments.count == parameterCount else {
            throw SQLiteError(extendedCode: SQLITE_RANGE,
                              message: "\(arguments.count) arguments for \(parameterCount) parameters", sql: sql)
        }
        // The texts' and blobs' bytes go into `scratch`, one after the other; it is grown first, once, so no value
        // bound below points into a buffer freed later in this call (values bound before point into the old one, and
        // each of them is bound again below before any step can read it).
        var needed = 0
        for value in arguments {
            switch value {
            case .text(let s): needed += s.utf8.count
            case .blob(let bytes): needed += bytes.count
            case .integer, .null: break
            }
        }
        if needed > scratchCapacity {
            scratch?.deallocate()
            scratchCapacity = max(needed, 2 * scratchCapacity, 256)
            scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchCapacity, alignment: 8)
        }
        var used = 0
        var index: Int32 = 0
        for value in arguments {
            index += 1
            let code: Int32
            switch value {
            case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
            case .text(var s):
                // withUTF8 borrows the string's own bytes (passing a String as a C string copies it into an array).
                // An empty string must stay '' (a nil pointer would bind NULL).
                code = s.withUTF8 { utf8 in
                    guard let base = utf8.baseAddress, utf8.count > 0 else {
                        return sqlite3_bind_text(handle, index, "", 0, till_sqlite_transient())
                    }
                    let target = room(utf8.count, at: used)
                    target.copyMemory(from: base, byteCount: utf8.count)
                    used += utf8.count
                    return sqlite3_bind_text(handle, index, target.assumingMemoryBound(to: CChar.self), Int32(utf8.count), nil)
                }
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { raw in
                    // A zero-length blob must stay a blob, not NULL: bind zeroblob(0) then.
                    guard let base = raw.baseAddress, raw.count > 0 else { return sqlite3_bind_zeroblob(handle, index, 0) }
                    let target = room(raw.count, at: used)
                    target.copyMemory(from: base, byteCount: raw.count)
                    used += raw.count
                    return sqlite3_bind_blob(handle, index, target, Int32(raw.count), nil)
                }
            case .null: code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else { throw failure(code) }
        }
        if effects != nil { bound = arguments }
    }

    /// The `count` bytes of `scratch` from `offset`, which `bind(_:)` reserved.
    private func room(_ count: Int, at offset: Int) -> UnsafeMutableRawPointer {
        guard let scratch, offset + count <= scratchCapacity else { preconditionFailure("bind(_:) reserved too little scratch") }
        return scratch + offset
    }

    /// Advances the statement: true when a row is available, false when done. The only `sqlite3_step` call site.
    public func step() throws(SQLiteError) -> Bool {
        assert(reads?.mayRead(sql) ?? true, "a request that decides before writing read after its first write")
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW, SQLITE_DONE:
            if let effects, !recorded {
                assert(!effects.defersWrites, "a write stepped on the ledger's connection: \(sql)")
                // After the step: a statement that failed changed nothing (statement-level atomicity).
                effects.record(sql: sql, arguments: bound)
                recorded = true
            }
            return code == SQLITE_ROW
        default:
            // Covers BUSY, LOCKED, CONSTRAINT, IOERR, FULL, CORRUPT, MISUSE, …: the caller decides what they mean.
            let error = failure(code)
            reset()
            throw error
        }
    }

    /// Binds `arguments` and runs the statement to completion, ignoring rows.
    public func execute(_ arguments: [SQLValue] = []) throws(SQLiteError) {
        try bind(arguments)
        defer { reset() }
        while try step() {}
    }

    /// Binds `arguments` and calls `body` for every row.
    public func forEachRow(_ arguments: [SQLValue] = [], _ body: (Row) throws -> Void) throws {
        try bind(arguments)
        defer { reset() }
        while try step() { try body(Row(statement: self)) }
    }

    /// Binds `arguments` and maps the first row, if any.
    public func firstRow<T>(_ arguments: [SQLValue] = [], _ map: (Row) throws -> T) throws -> T? {
        try bind(arguments)
        defer { reset() }
        guard try step() else { return nil }
        return try map(Row(statement: self))
    }
}

/// The current row of a statement, valid only inside the closure that received it.
///
/// Guarantees: typed accessors never convert silently between text and integers: a column of the wrong storage
/// class reads as nil from the optional accessors (and traps from the non-optional ones, a schema bug).
public struct Row {
    let statement: Statement

    /// The number of columns.
    public var count: Int { Int(sqlite3_column_count(statement.handle)) }

    /// True when the column holds NULL.
    public func isNull(_ index: Int) -> Bool { sqlite3_column_type(statement.handle, Int32(index)) == SQLITE_NULL }

    /// An INTEGER column, or nil when NULL or of another type.
    public func optionalInt64(_ index: Int) -> Int64? {
        guard sqlite3_column_type(statement.handle, Int32(index)) == SQLITE_INTEGER else { return nil }
        return sqlite3_column_int64(statement.handle, Int32(index))
    }

    /// An INTEGER column that the schema declares NOT NULL.
    public func int64(_ index: Int) -> Int64 {
        guard let value = optionalInt64(index) else { preconditionFailure("column \(index) of \(statement.sql) is not an integer") }
        return value
    }

    /// A TEXT column, or nil when NULL or of another type.
    public func optionalText(_ index: Int) -> String? {
        guard sqlite3_column_type(statement.handle, Int32(index)) == SQLITE_TEXT,
              let cString = sqlite3_column_text(statement.handle, Int32(index)) else { return nil }
        return String(cString: cString)
    }

    /// Whether a TEXT column holds exactly `literal`, compared in place (no String is made: for the columns a
    /// request reads only to tell a few known values apart).
    public func text(_ index: Int, is literal: StaticString) -> Bool {
        let column = Int32(index)
        guard sqlite3_column_type(statement.handle, column) == SQLITE_TEXT,
              let text = sqlite3_column_text(statement.handle, column) else { return false }
        let count = Int(sqlite3_column_bytes(statement.handle, column))
        guard count == literal.utf8CodeUnitCount else { return false }
        for i in 0..<count where text[i] != literal.utf8Start[i] { return false }
        return true
    }

    /// A TEXT column that the schema declares NOT NULL.
    public func text(_ index: Int) -> String {
        guard let value = optionalText(index) else { preconditionFailure("column \(index) of \(statement.sql) is not text") }
        return value
    }

    /// A BLOB column, or nil when NULL or of another type.
    public func optionalBlob(_ index: Int) -> [UInt8]? {
        let column = Int32(index)
        guard sqlite3_column_type(statement.handle, column) == SQLITE_BLOB else { return nil }
        // Pointer first, then size: the documented order (the size call may not convert after the pointer call).
        let base = sqlite3_column_blob(statement.handle, column)
        let count = Int(sqlite3_column_bytes(statement.handle, column))
        guard count > 0, let base else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }
}

/// Positional binding for bulk writers, without an argument array per execution.
///
/// Guarantees: `run` steps to completion and resets. The caller binds every parameter before each `run` (the
/// `bind(_:)` guarantee that no value leaks from one execution into the next holds only if it does).
extension Statement {
    /// Binds an integer to the 1-based parameter `index`.
    public func bind(_ index: Int32, _ value: Int64) throws(SQLiteError) {
        let code = sqlite3_bind_int64(handle, index, value)
        guard code == SQLITE_OK else { throw failure(code) }
        mirror(index, .integer(value))
    }

    /// Binds text, or NULL for nil, to the 1-based parameter `index`.
    public func bind(_ index: Int32, _ value: String?) throws(SQLiteError) {
        guard var s = value else {
            let code = sqlite3_bind_null(handle, index)
            guard code == SQLITE_OK else { throw failure(code) }
            mirror(index, .null)
            return
        }
        let code = s.withUTF8 { utf8 in
            guard let base = utf8.baseAddress, utf8.count > 0 else { return sqlite3_bind_text(handle, index, "", 0, till_sqlite_transient()) }
            return UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text(handle, index, $0, Int32(utf8.count), till_sqlite_transient())
            }
        }
        guard code == SQLITE_OK else { throw failure(code) }
        mirror(index, .text(s))
    }

    /// Runs the statement with the parameters bound so far, ignoring rows; leaves it reset.
    public func run() throws(SQLiteError) {
        defer { reset() }
        while try step() {}
    }
}
